//! Grafana panel JSON by panel type (timeseries, stat, heatmap, row), in the shape the
//! schemaVersion-42 JSON schemas accept: every option the panel kind requires, the
//! `${datasource}` variable on every target.

use serde_json::{json, Value};

use crate::dashboards::layout::Layout;

/// One query of a panel: the PromQL and the legend it draws.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    /// The expression, with Grafana's variables.
    pub expr: String,
    /// The legend template (`{{label}} …`).
    pub legend: String,
}

/// What every panel has: a title, a description, its queries.
#[derive(Debug, Clone)]
pub(crate) struct PanelText {
    /// The title.
    pub title: String,
    /// The description Grafana shows under the (i) of the panel.
    pub description: String,
    /// Its queries, drawn together.
    pub queries: Vec<Query>,
}

/// The data source every panel and target uses: the dashboard's `datasource` variable.
pub(crate) fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": "${datasource}" })
}

/// A row header; the panels after it belong to it until the next row.
pub(crate) fn row(layout: &mut Layout, title: &str) -> Value {
    json!({
        "type": "row",
        "id": layout.id(),
        "title": title,
        "collapsed": false,
        "panels": [],
        "gridPos": layout.row(),
    })
}

/// A line chart, one series per query result.
pub(crate) fn timeseries(layout: &mut Layout, text: PanelText, unit: &str) -> Value {
    let options = json!({
        "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true, "calcs": [] },
        "tooltip": { "mode": "multi", "sort": "desc" },
    });
    panel(
        layout,
        "timeseries",
        (12, 8),
        text,
        unit,
        options,
        "time_series",
    )
}

/// A single number (the last value), with a sparkline.
pub(crate) fn stat(layout: &mut Layout, text: PanelText, unit: &str) -> Value {
    let options = json!({
        "graphMode": "area",
        "colorMode": "value",
        "justifyMode": "auto",
        "textMode": "auto",
        "wideLayout": true,
        "showPercentChange": false,
        "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
        "percentChangeColorMode": "standard",
        "orientation": "auto",
    });
    panel(layout, "stat", (6, 4), text, unit, options, "time_series")
}

/// A heatmap of pre-bucketed data (`calculate: false`): the buckets as Prometheus counts them.
pub(crate) fn heatmap(layout: &mut Layout, text: PanelText, unit: &str) -> Value {
    let options = json!({
        "calculate": false,
        "color": {
            "mode": "scheme", "scheme": "Oranges", "fill": "dark-orange",
            "exponent": 0.5, "steps": 64, "reverse": false,
        },
        "showValue": "never",
        "yAxis": { "unit": unit, "axisPlacement": "left" },
        "legend": { "show": true },
        "tooltip": { "mode": "single", "yHistogram": false },
        "exemplars": { "color": "rgba(255,0,255,0.7)" },
        "cellGap": 1,
    });
    let mut panel = panel(layout, "heatmap", (12, 8), text, unit, options, "heatmap");
    panel["fieldConfig"]["defaults"]["custom"] = json!({
        "scaleDistribution": { "type": "linear" },
        "hideFrom": { "legend": false, "tooltip": false, "viz": false },
    });
    panel
}

/// The JSON every panel kind shares.
fn panel(
    layout: &mut Layout,
    kind: &str,
    (w, h): (u32, u32),
    text: PanelText,
    unit: &str,
    options: Value,
    format: &str,
) -> Value {
    let targets: Vec<Value> = text
        .queries
        .into_iter()
        .zip('A'..='Z')
        .map(|(query, ref_id)| {
            json!({
                "datasource": datasource(),
                "expr": query.expr,
                "legendFormat": query.legend,
                "refId": ref_id.to_string(),
                "range": true,
                "format": format,
            })
        })
        .collect();
    json!({
        "id": layout.id(),
        "type": kind,
        "title": text.title,
        "description": text.description,
        "datasource": datasource(),
        "gridPos": layout.place(w, h),
        "fieldConfig": { "defaults": { "unit": unit }, "overrides": [] },
        "options": options,
        "targets": targets,
    })
}
