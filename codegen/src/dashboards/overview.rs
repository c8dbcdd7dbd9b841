//! The overview row: what Prometheus knows of every service today, whatever it declares.
//!
//! Each panel is one function in [`OVERVIEW`]; when tallyho emits request metrics
//! (`http_server_requests_total`, `http_server_request_duration_seconds`, in-flight
//! requests), their panels are one more function each in that list.

use serde_json::Value;

use crate::dashboards::layout::Layout;
use crate::dashboards::panels::{stat, timeseries, PanelText, Query};
use crate::dashboards::view::ServiceView;

/// Every scraped series of the service on the dashboard (the runtime labels each one; the
/// `instance` matcher leaves out what recording rules derive from them).
const SERVICE_SERIES: &str = "{service=\"$service\", instance!=\"\"}";

/// One overview panel.
type OverviewPanel = fn(&mut Layout, &ServiceView<'_>) -> Value;

/// The overview panels, in order.
const OVERVIEW: &[OverviewPanel] = &[instances, series, series_by_instance, scrape_duration];

/// The overview row's panels.
pub(crate) fn overview(layout: &mut Layout, view: &ServiceView<'_>) -> Vec<Value> {
    OVERVIEW.iter().map(|panel| panel(layout, view)).collect()
}

fn query(expr: String, legend: &str) -> Vec<Query> {
    vec![Query {
        expr,
        legend: legend.to_owned(),
    }]
}

/// Instances exporting the service's metrics.
fn instances(layout: &mut Layout, _: &ServiceView<'_>) -> Value {
    let text = PanelText {
        title: "Instances".to_owned(),
        description: "Scrape targets currently exporting this service's series.".to_owned(),
        queries: query(
            format!("count(count by (instance, job) ({SERVICE_SERIES}))"),
            "instances",
        ),
    };
    stat(layout, text, "short")
}

/// Series exported, beside the manifest's count and budget.
fn series(layout: &mut Layout, view: &ServiceView<'_>) -> Value {
    let text = PanelText {
        title: "Series".to_owned(),
        description: format!(
            "Series this service exports across its instances. The manifest counts {} per \
             instance; the budget in tallyho.yaml is {}.",
            view.service.series, view.manifest.limits.series_per_service
        ),
        queries: query(format!("count({SERVICE_SERIES})"), "series"),
    };
    stat(layout, text, "short")
}

/// Series per instance over time: a jump is a new label value or a new metric.
fn series_by_instance(layout: &mut Layout, _: &ServiceView<'_>) -> Value {
    let text = PanelText {
        title: "Series by instance".to_owned(),
        description: "Series each instance exports; a step up is a new label value or metric."
            .to_owned(),
        queries: query(
            format!("count by (instance) ({SERVICE_SERIES})"),
            "{{instance}}",
        ),
    };
    timeseries(layout, text, "short")
}

/// How long each scrape of the service takes.
fn scrape_duration(layout: &mut Layout, _: &ServiceView<'_>) -> Value {
    let text = PanelText {
        title: "Scrape duration".to_owned(),
        description: "Time Prometheus takes to scrape each instance's /metrics.".to_owned(),
        queries: query(
            format!(
                "max by (instance) (scrape_duration_seconds and on (instance, job) \
                 count by (instance, job) ({SERVICE_SERIES}))"
            ),
            "{{instance}}",
        ),
    };
    timeseries(layout, text, "s")
}
