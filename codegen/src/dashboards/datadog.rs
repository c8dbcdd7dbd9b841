//! A Datadog dashboard per service (`layout_type: ordered`): an overview group for a service
//! recording request metrics, then a group per declaring crate with
//! timeseries widgets in the formulas-and-queries form, over the series as the Datadog
//! exporter names them (`tallyho_spec::datadog_metric_names`: counters as COUNT deltas under
//! the bare name, histograms as `.count`, `.sum` and `.bucket` with `upper_bound`).

use serde_json::{json, Value};
use tallyho_spec::builtin::http;
use tallyho_spec::{
    datadog_histogram_part, datadog_tag, sanitize_tag_part, Kind, DATADOG_BUCKET_TAG,
};

use crate::dashboards::outcome::{outcome, Outcome};
use crate::dashboards::view::ServiceView;
use crate::manifest::Metric;

/// The scope of every query: the dashboard's `service` template variable.
const SERVICE_SCOPE: &str = "$service";

/// The dashboard JSON of one service, as `POST /api/v1/dashboard` takes it.
pub(crate) fn dashboard(view: &ServiceView<'_>) -> Value {
    let crates = view.crates().into_iter().map(|(crate_name, metrics)| {
        let widgets: Vec<Value> = metrics.iter().flat_map(|m| widgets(m)).collect();
        json!({
            "definition": {
                "type": "group",
                "layout_type": "ordered",
                "title": ServiceView::group_title(crate_name, &metrics),
                "show_title": true,
                "widgets": widgets,
            }
        })
    });
    let groups: Vec<Value> = overview(view).into_iter().chain(crates).collect();
    let service = &view.service.name;
    json!({
        "title": format!("{service} · tallyho metrics"),
        "description": view.description(),
        "layout_type": "ordered",
        "reflow_type": "auto",
        "template_variables": [{
            "name": "service",
            "prefix": "service",
            "available_values": [],
            "defaults": [service],
        }],
        "widgets": groups,
    })
}

/// The overview group of a service that records request metrics: requests, server errors,
/// average duration and requests in flight, by route.
fn overview(view: &ServiceView<'_>) -> Option<Value> {
    let requests = &view.builtin(http::REQUESTS.name)?.name;
    let duration = &view.builtin(http::REQUEST_DURATION.name)?.name;
    let active = &view.builtin(http::ACTIVE_REQUESTS.name)?.name;
    let route = sanitize_tag_part(http::ROUTE_LABEL);
    let code = sanitize_tag_part(http::STATUS_CODE_LABEL);
    let by_route = format!(" by {{{route}}}");
    let part = |p| datadog_histogram_part(duration, p);
    let widgets = vec![
        timeseries(
            "Requests by route",
            vec![format!(
                "sum:{requests}{{{SERVICE_SCOPE}}}{by_route}.as_rate()"
            )],
            "q1",
            "line",
        ),
        timeseries(
            "Server errors (5xx share) by route",
            vec![
                format!("sum:{requests}{{{SERVICE_SCOPE},{code}:5*}}{by_route}.as_count()"),
                format!("sum:{requests}{{{SERVICE_SCOPE}}}{by_route}.as_count()"),
            ],
            "q1 / q2",
            "line",
        ),
        timeseries(
            "Average request duration by route",
            vec![
                format!(
                    "sum:{}{{{SERVICE_SCOPE}}}{by_route}.as_count()",
                    part("sum")
                ),
                format!(
                    "sum:{}{{{SERVICE_SCOPE}}}{by_route}.as_count()",
                    part("count")
                ),
            ],
            "q1 / q2",
            "line",
        ),
        timeseries(
            "Requests in flight by route",
            vec![format!("sum:{active}{{{SERVICE_SCOPE}}}{by_route}")],
            "q1",
            "line",
        ),
    ];
    Some(json!({
        "definition": {
            "type": "group",
            "layout_type": "ordered",
            "title": "Overview",
            "show_title": true,
            "widgets": widgets,
        }
    }))
}

/// The widgets of one metric, by kind.
fn widgets(metric: &Metric) -> Vec<Value> {
    let by = group_by(metric);
    let name = &metric.name;
    match metric.kind {
        Kind::Counter => {
            let mut widgets = vec![timeseries(
                &format!("{name} · rate"),
                vec![format!("sum:{name}{{{SERVICE_SCOPE}}}{by}.as_rate()")],
                "q1",
                "line",
            )];
            if let Some(outcome) = outcome(metric) {
                widgets.push(error_ratio(metric, &outcome));
            }
            widgets
        }
        Kind::Gauge => vec![timeseries(
            name,
            vec![format!("sum:{name}{{{SERVICE_SCOPE}}}{by}")],
            "q1",
            "line",
        )],
        Kind::Histogram => histogram(metric, &by),
    }
}

/// ` by {key,…}` over the metric's labels, or nothing.
fn group_by(metric: &Metric) -> String {
    if metric.labels.is_empty() {
        return String::new();
    }
    let keys: Vec<String> = metric
        .labels
        .iter()
        .map(|l| sanitize_tag_part(&l.key))
        .collect();
    format!(" by {{{}}}", keys.join(","))
}

/// The share of a counter's events with an error outcome.
fn error_ratio(metric: &Metric, outcome: &Outcome<'_>) -> Value {
    let name = &metric.name;
    let errors = match outcome.errors.as_slice() {
        _ if outcome.pattern.is_some() => {
            format!("{SERVICE_SCOPE},{}:5*", sanitize_tag_part(outcome.key))
        }
        [one] => format!("{SERVICE_SCOPE},{}", datadog_tag(outcome.key, one)),
        many => format!(
            "{SERVICE_SCOPE} AND {} IN ({})",
            sanitize_tag_part(outcome.key),
            many.iter()
                .map(|v| sanitize_tag_part(v))
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    timeseries(
        &format!("{name} · error ratio"),
        vec![
            format!("sum:{name}{{{errors}}}.as_count()"),
            format!("sum:{name}{{{SERVICE_SCOPE}}}.as_count()"),
        ],
        "q1 / q2",
        "line",
    )
}

/// A histogram's average, its observation rate by label, and its buckets.
fn histogram(metric: &Metric, by: &str) -> Vec<Value> {
    let name = &metric.name;
    let part = |p| datadog_histogram_part(name, p);
    vec![
        timeseries(
            &format!("{name} · average"),
            vec![
                format!("sum:{}{{{SERVICE_SCOPE}}}.as_count()", part("sum")),
                format!("sum:{}{{{SERVICE_SCOPE}}}.as_count()", part("count")),
            ],
            "q1 / q2",
            "line",
        ),
        timeseries(
            &format!("{name} · observations"),
            vec![format!(
                "sum:{}{{{SERVICE_SCOPE}}}{by}.as_rate()",
                part("count")
            )],
            "q1",
            "line",
        ),
        timeseries(
            &format!("{name} · buckets"),
            vec![format!(
                "sum:{}{{{SERVICE_SCOPE}}} by {{{DATADOG_BUCKET_TAG}}}.as_count()",
                part("bucket")
            )],
            "q1",
            "bars",
        ),
    ]
}

/// A timeseries widget: queries `q1`, `q2`, … and one formula over them.
fn timeseries(title: &str, queries: Vec<String>, formula: &str, display: &str) -> Value {
    let queries: Vec<Value> = queries
        .into_iter()
        .enumerate()
        .map(|(i, query)| {
            json!({ "data_source": "metrics", "name": format!("q{}", i + 1), "query": query })
        })
        .collect();
    json!({
        "definition": {
            "type": "timeseries",
            "title": title,
            "title_align": "left",
            "show_legend": true,
            "legend_layout": "auto",
            "requests": [{
                "response_format": "timeseries",
                "display_type": display,
                "queries": queries,
                "formulas": [{ "formula": formula }],
            }],
        }
    })
}
