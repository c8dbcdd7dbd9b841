//! Pre-rendered label strings, one per series.
//!
//! Encoding a scrape is mostly copying: each series' `service="…",key="value",…` is rendered
//! and escaped once, on its first export, and reused by every later scrape. Counters and
//! gauges, whose sample lines are the same in both formats, cache the whole line prefix
//! (`name_total{…} `) so a sample is one copy and a number.

use std::sync::OnceLock;

use crate::escape::escape_label_value;
use crate::labels::{self, Field};
use crate::metadata::{Kind, Meta};
use crate::service::service_label;

/// Most label sets have few fields; deeper ones spill to the heap at render time only.
const INLINE_FIELDS: usize = 8;

/// The rendered label strings of one metric family, indexed like its cells.
pub(crate) struct SeriesLabels {
    rendered: OnceLock<Box<[OnceLock<Box<str>>]>>,
}

impl SeriesLabels {
    pub(crate) const fn new() -> Self {
        SeriesLabels {
            rendered: OnceLock::new(),
        }
    }

    /// The label string of series `index`, or `None` while one of its bounded values is unused.
    /// `with_name` makes it the whole line prefix: `sample_name{labels} `.
    pub(crate) fn get(
        &self,
        meta: &Meta,
        fields: &'static [Field],
        index: usize,
        with_name: bool,
    ) -> Option<&str> {
        let rendered = self.rendered.get_or_init(|| {
            (0..labels::cardinality(fields))
                .map(|_| OnceLock::new())
                .collect()
        });
        let cell = rendered.get(index)?;
        if let Some(done) = cell.get() {
            return Some(done);
        }
        let name = with_name.then(|| sample_name(meta));
        let text = render(fields, index, name.as_deref())?;
        Some(cell.get_or_init(|| text))
    }
}

fn render(fields: &'static [Field], index: usize, sample_name: Option<&str>) -> Option<Box<str>> {
    let mut inline = [0usize; INLINE_FIELDS];
    let mut spilled;
    let slots: &mut [usize] = if fields.len() <= INLINE_FIELDS {
        &mut inline[..fields.len()]
    } else {
        spilled = vec![0; fields.len()];
        &mut spilled
    };
    labels::slots(fields, index, slots);
    // A bounded slot not yet used has no value: give up before allocating.
    if fields
        .iter()
        .zip(slots.iter())
        .any(|(field, &slot)| field.domain.value(slot).is_none())
    {
        return None;
    }
    let mut out = String::new();
    if let Some(name) = sample_name {
        out.push_str(name);
        out.push('{');
    }
    out.push_str(service_label());
    for (field, &slot) in fields.iter().zip(slots.iter()) {
        let value = field.domain.value(slot).unwrap_or_default();
        if value.is_empty() {
            continue; // An empty value is an absent label (a `None`).
        }
        out.push(',');
        out.push_str(field.key);
        out.push_str("=\"");
        escape_label_value(value, &mut out);
        out.push('"');
    }
    if sample_name.is_some() {
        out.push_str("} ");
    }
    Some(out.into_boxed_str())
}

/// The name a counter's or gauge's samples carry, the same in both text formats: a counter's
/// ends in `_total` (once, even when the declared name already does).
fn sample_name(meta: &Meta) -> String {
    match meta.kind() {
        Kind::Counter => format!(
            "{}_total",
            meta.name().strip_suffix("_total").unwrap_or(meta.name())
        ),
        _ => meta.name().to_owned(),
    }
}
