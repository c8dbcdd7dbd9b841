//! Grafana's grid: 24 columns, panels placed left to right and wrapped, each row panel on a
//! line of its own, so generated dashboards need no coordinates worked out by hand.

use serde_json::{json, Value};

/// The grid's width.
const COLUMNS: u32 = 24;

/// The next free place on the grid.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    x: u32,
    y: u32,
    line_height: u32,
    next_id: u32,
}

impl Layout {
    /// A `gridPos` for a `w`×`h` panel, wrapping to a new line when it does not fit.
    pub(crate) fn place(&mut self, w: u32, h: u32) -> Value {
        if self.x + w > COLUMNS {
            self.new_line();
        }
        let pos = json!({ "h": h, "w": w, "x": self.x, "y": self.y });
        self.x += w;
        self.line_height = self.line_height.max(h);
        pos
    }

    /// A full-width place for a row header, on a line of its own.
    pub(crate) fn row(&mut self) -> Value {
        self.new_line();
        let pos = self.place(COLUMNS, 1);
        self.new_line();
        pos
    }

    /// The next panel id (1, 2, …).
    pub(crate) fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn new_line(&mut self) {
        self.y += self.line_height;
        self.x = 0;
        self.line_height = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_rows() {
        let mut layout = Layout::default();
        assert_eq!(layout.row(), json!({"h": 1, "w": 24, "x": 0, "y": 0}));
        assert_eq!(
            layout.place(12, 8),
            json!({"h": 8, "w": 12, "x": 0, "y": 1})
        );
        assert_eq!(
            layout.place(12, 8),
            json!({"h": 8, "w": 12, "x": 12, "y": 1})
        );
        assert_eq!(layout.place(6, 4), json!({"h": 4, "w": 6, "x": 0, "y": 9}));
        assert_eq!(layout.row(), json!({"h": 1, "w": 24, "x": 0, "y": 13}));
    }
}
