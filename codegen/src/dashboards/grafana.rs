//! A Grafana dashboard per service (schemaVersion 42): `datasource` and `service` variables,
//! the overview row, then a row per declaring crate with the panels of each of its metrics.

use serde_json::{json, Value};
use tallyho_spec::Kind;

use crate::dashboards::layout::Layout;
use crate::dashboards::outcome::outcome;
use crate::dashboards::overview::overview;
use crate::dashboards::panels::{datasource, heatmap, row, timeseries, PanelText, Query};
use crate::dashboards::promql::{self, label_keys, Scope, QUANTILES};
use crate::dashboards::units::panel_unit;
use crate::dashboards::view::ServiceView;
use crate::manifest::Metric;

/// Queries on a dashboard: the `service` variable and Grafana's rate interval.
const DASHBOARD: Scope<'static> = Scope {
    service: "$service",
    window: "$__rate_interval",
    keep_service: false,
};

/// The dashboard JSON of one service.
pub(crate) fn dashboard(view: &ServiceView<'_>) -> Value {
    let mut layout = Layout::default();
    let mut panels = vec![row(&mut layout, "Overview")];
    panels.extend(overview(&mut layout, view, DASHBOARD));
    for (crate_name, metrics) in view.crates() {
        let title = ServiceView::group_title(crate_name, &metrics);
        panels.push(row(&mut layout, &title));
        for metric in metrics {
            panels.extend(metric_panels(&mut layout, metric));
        }
    }
    let service = &view.service.name;
    json!({
        "title": format!("{service} · tallyho metrics"),
        "description": view.description(),
        "uid": dashboard_uid(service),
        "tags": ["tallyho", "generated", service],
        "schemaVersion": 42,
        "version": 1,
        "editable": true,
        "graphTooltip": 1,
        "timezone": "browser",
        "time": { "from": "now-6h", "to": "now" },
        "refresh": "1m",
        "annotations": { "list": [annotation()] },
        "templating": { "list": [datasource_variable(), service_variable(view)] },
        "links": [],
        "panels": panels,
    })
}

/// Grafana's built-in annotations, as every dashboard it saves has them.
fn annotation() -> Value {
    json!({
        "builtIn": 1,
        "datasource": { "type": "grafana", "uid": "-- Grafana --" },
        "enable": true,
        "hide": true,
        "iconColor": "rgba(0, 211, 255, 1)",
        "name": "Annotations & Alerts",
        "type": "dashboard",
    })
}

/// The Prometheus data source to read from, picked on the dashboard (no `__inputs`, so the
/// file works provisioned as well as imported).
fn datasource_variable() -> Value {
    json!({
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "hide": 0,
        "refresh": 1,
        "regex": "",
        "includeAll": false,
        "multi": false,
    })
}

/// The service to show: this one by default, any other exporting the same first metric
/// (e.g. a renamed deployment) on demand.
fn service_variable(view: &ServiceView<'_>) -> Value {
    let query = format!("label_values({}, service)", view.probe_series());
    let name = &view.service.name;
    json!({
        "name": "service",
        "label": "Service",
        "type": "query",
        "datasource": datasource(),
        "definition": query,
        "query": query,
        "current": { "text": name, "value": name },
        "refresh": 2,
        "hide": 0,
        "includeAll": false,
        "multi": false,
        "sort": 1,
        "regex": "",
    })
}

/// The panels of one metric, by kind.
fn metric_panels(layout: &mut Layout, metric: &Metric) -> Vec<Value> {
    match metric.kind {
        Kind::Counter => counter_panels(layout, metric),
        Kind::Gauge => vec![gauge_panel(layout, metric)],
        Kind::Histogram => histogram_panels(layout, metric),
    }
}

/// A counter's rate by its labels, and its error ratio when it has an outcome label.
fn counter_panels(layout: &mut Layout, metric: &Metric) -> Vec<Value> {
    let keys = label_keys(metric);
    let text = PanelText {
        title: format!("{} · rate", metric.name),
        description: describe(
            metric,
            &format!("Per-second rate of `{}`", promql::series_name(metric)),
        ),
        queries: vec![Query {
            expr: promql::counter_rate(metric, &keys, DASHBOARD),
            legend: legend(metric),
        }],
    };
    let mut panels = vec![timeseries(
        layout,
        text,
        panel_unit(metric.kind, metric.unit),
    )];
    if let Some(outcome) = outcome(metric) {
        let text = PanelText {
            title: format!("{} · error ratio", metric.name),
            description: format!("Share of `{}` with {}.", metric.name, outcome.describe()),
            queries: vec![Query {
                expr: promql::error_ratio(metric, &outcome, DASHBOARD),
                legend: "errors".to_owned(),
            }],
        };
        panels.push(timeseries(layout, text, "percentunit"));
    }
    panels
}

/// A gauge's value by its labels, summed over instances.
fn gauge_panel(layout: &mut Layout, metric: &Metric) -> Value {
    let keys = label_keys(metric);
    let text = PanelText {
        title: metric.name.clone(),
        description: describe(metric, "Current value, summed over instances"),
        queries: vec![Query {
            expr: promql::gauge_sum(metric, &keys, DASHBOARD),
            legend: legend(metric),
        }],
    };
    timeseries(layout, text, panel_unit(metric.kind, metric.unit))
}

/// A histogram's quantiles over the service, its p95 by label when labelled, and a heatmap.
fn histogram_panels(layout: &mut Layout, metric: &Metric) -> Vec<Value> {
    let unit = panel_unit(metric.kind, metric.unit);
    let queries = QUANTILES
        .iter()
        .map(|&q| Query {
            expr: promql::quantile(metric, q, &[], DASHBOARD),
            legend: format!("p{}", (q * 100.0).round()),
        })
        .collect();
    let text = PanelText {
        title: format!("{} · p50 / p95 / p99", metric.name),
        description: describe(
            metric,
            "Quantiles over the whole service, estimated from the buckets",
        ),
        queries,
    };
    let mut panels = vec![timeseries(layout, text, unit)];
    let keys = label_keys(metric);
    if !keys.is_empty() {
        let text = PanelText {
            title: format!("{} · p95 by {}", metric.name, keys.join(", ")),
            description: describe(metric, "95th percentile per label combination"),
            queries: vec![Query {
                expr: promql::quantile(metric, 0.95, &keys, DASHBOARD),
                legend: legend(metric),
            }],
        };
        panels.push(timeseries(layout, text, unit));
    }
    let text = PanelText {
        title: format!("{} · distribution", metric.name),
        description: describe(metric, "Observations per bucket in each interval"),
        queries: vec![Query {
            expr: promql::heatmap(metric, DASHBOARD),
            legend: "{{le}}".to_owned(),
        }],
    };
    panels.push(heatmap(layout, text, unit));
    panels
}

/// The doc comment, then what the panel plots and the labels it splits by.
fn describe(metric: &Metric, plotted: &str) -> String {
    let labels: Vec<String> = metric
        .labels
        .iter()
        .map(|l| match (&l.values, l.max_values) {
            (Some(values), _) => format!("`{}` ({})", l.key, values.join(", ")),
            (None, Some(max)) => format!("`{}` (up to {max} values)", l.key),
            (None, None) => format!("`{}`", l.key),
        })
        .collect();
    let by = if labels.is_empty() {
        String::new()
    } else {
        format!(", by {}", labels.join(", "))
    };
    format!(
        "{}\n\n{plotted}{by}. Declared as `{}` in {}.",
        metric.help, metric.ident, metric.file
    )
}

/// `key=value, …` per series, or the metric's name when it has no labels.
fn legend(metric: &Metric) -> String {
    if metric.labels.is_empty() {
        return metric.name.clone();
    }
    metric
        .labels
        .iter()
        .map(|l| format!("{}={{{{{}}}}}", l.key, l.key))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Grafana uid of a service's dashboard: `tallyho-<service>` when that is a valid uid
/// (at most 40 letters, digits, `-` and `_`), else a readable prefix and a hash of the name,
/// so the uid, and links to the dashboard, survive regeneration.
pub fn dashboard_uid(service: &str) -> String {
    let plain = format!("tallyho-{service}");
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if plain.len() <= 40 && plain.chars().all(valid) {
        return plain;
    }
    let prefix: String = service
        .chars()
        .map(|c| if valid(c) { c } else { '-' })
        .take(22)
        .collect();
    let hash = service.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("tallyho-{prefix}-{:08x}", hash as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_stable_and_valid() {
        assert_eq!(dashboard_uid("shop"), "tallyho-shop");
        let long = dashboard_uid("a service with a very long name, and spaces");
        assert_eq!(
            long,
            dashboard_uid("a service with a very long name, and spaces")
        );
        assert!(long.len() <= 40, "{long}");
        assert!(long.starts_with("tallyho-a-service-with-a-very-"), "{long}");
    }
}
