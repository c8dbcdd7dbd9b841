//! The overview row: what Prometheus knows of every service today, whatever it declares,
//! and for a service that records request metrics, its traffic, errors, latency and
//! requests in flight by route.
//!
//! Each panel is one function in [`OVERVIEW`], `None` where the service lacks what it shows.

use serde_json::Value;
use tallyho_spec::builtin::http;

use crate::dashboards::layout::Layout;
use crate::dashboards::outcome;
use crate::dashboards::panels::{stat, timeseries, PanelText, Query};
use crate::dashboards::promql::{self, Scope};
use crate::dashboards::view::ServiceView;

/// Every scraped series of the service on the dashboard (the runtime labels each one; the
/// `instance` matcher leaves out what recording rules derive from them).
const SERVICE_SERIES: &str = "{service=\"$service\", instance!=\"\"}";

/// One overview panel, `None` where the service has nothing for it.
type OverviewPanel = fn(&mut Layout, &ServiceView<'_>, Scope<'_>) -> Option<Value>;

/// The overview panels, in order.
const OVERVIEW: &[OverviewPanel] = &[
    instances,
    series,
    series_by_instance,
    scrape_duration,
    requests,
    server_errors,
    latency,
    in_flight,
];

/// The overview row's panels, their queries in `scope`.
pub(crate) fn overview(
    layout: &mut Layout,
    view: &ServiceView<'_>,
    scope: Scope<'_>,
) -> Vec<Value> {
    OVERVIEW
        .iter()
        .filter_map(|panel| panel(layout, view, scope))
        .collect()
}

fn query(expr: String, legend: &str) -> Vec<Query> {
    vec![Query {
        expr,
        legend: legend.to_owned(),
    }]
}

/// Instances exporting the service's metrics.
fn instances(layout: &mut Layout, _: &ServiceView<'_>, _: Scope<'_>) -> Option<Value> {
    let text = PanelText {
        title: "Instances".to_owned(),
        description: "Scrape targets currently exporting this service's series.".to_owned(),
        queries: query(
            format!("count(count by (instance, job) ({SERVICE_SERIES}))"),
            "instances",
        ),
    };
    Some(stat(layout, text, "short"))
}

/// Series exported, beside the manifest's count and budget.
fn series(layout: &mut Layout, view: &ServiceView<'_>, _: Scope<'_>) -> Option<Value> {
    let text = PanelText {
        title: "Series".to_owned(),
        description: format!(
            "Series this service exports across its instances. The manifest counts {} per \
             instance; the budget in tallyho.yaml is {}.",
            view.service.series, view.manifest.limits.series_per_service
        ),
        queries: query(format!("count({SERVICE_SERIES})"), "series"),
    };
    Some(stat(layout, text, "short"))
}

/// Series per instance over time: a jump is a new label value or a new metric.
fn series_by_instance(layout: &mut Layout, _: &ServiceView<'_>, _: Scope<'_>) -> Option<Value> {
    let text = PanelText {
        title: "Series by instance".to_owned(),
        description: "Series each instance exports; a step up is a new label value or metric."
            .to_owned(),
        queries: query(
            format!("count by (instance) ({SERVICE_SERIES})"),
            "{{instance}}",
        ),
    };
    Some(timeseries(layout, text, "short"))
}

/// How long each scrape of the service takes.
fn scrape_duration(layout: &mut Layout, _: &ServiceView<'_>, _: Scope<'_>) -> Option<Value> {
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
    Some(timeseries(layout, text, "s"))
}

/// Requests per second by route.
fn requests(layout: &mut Layout, view: &ServiceView<'_>, scope: Scope<'_>) -> Option<Value> {
    let metric = view.builtin(http::REQUESTS.name)?;
    let text = PanelText {
        title: "Requests by route".to_owned(),
        description: format!(
            "HTTP requests served per second, by route template (`{}`: requests no route \
             matched).",
            http::UNMATCHED_ROUTE
        ),
        queries: query(
            promql::counter_rate(metric, &[http::ROUTE_LABEL], scope),
            &format!("{{{{{}}}}}", http::ROUTE_LABEL),
        ),
    };
    Some(timeseries(layout, text, "reqps"))
}

/// The share of requests answered with a server error (5xx).
fn server_errors(layout: &mut Layout, view: &ServiceView<'_>, scope: Scope<'_>) -> Option<Value> {
    let metric = view.builtin(http::REQUESTS.name)?;
    let text = PanelText {
        title: "Server errors".to_owned(),
        description: "Share of HTTP requests answered with a 5xx status, by route.".to_owned(),
        queries: query(
            promql::share_by(
                metric,
                &outcome::server_errors().matcher(),
                &[http::ROUTE_LABEL],
                scope,
            ),
            &format!("{{{{{}}}}}", http::ROUTE_LABEL),
        ),
    };
    Some(timeseries(layout, text, "percentunit"))
}

/// Median and 99th percentile request duration by route.
fn latency(layout: &mut Layout, view: &ServiceView<'_>, scope: Scope<'_>) -> Option<Value> {
    let metric = view.builtin(http::REQUEST_DURATION.name)?;
    let by_route = [http::ROUTE_LABEL];
    let queries = [(0.5, "p50"), (0.99, "p99")]
        .into_iter()
        .map(|(q, name)| Query {
            expr: promql::quantile(metric, q, &by_route, scope),
            legend: format!("{name} {{{{{}}}}}", http::ROUTE_LABEL),
        })
        .collect();
    let text = PanelText {
        title: "Request duration by route".to_owned(),
        description: "Median and 99th percentile time to answer, by route template, estimated \
                      from the duration histogram's buckets."
            .to_owned(),
        queries,
    };
    Some(timeseries(layout, text, "s"))
}

/// Requests being served now, by route.
fn in_flight(layout: &mut Layout, view: &ServiceView<'_>, scope: Scope<'_>) -> Option<Value> {
    let metric = view.builtin(http::ACTIVE_REQUESTS.name)?;
    let text = PanelText {
        title: "Requests in flight".to_owned(),
        description: "HTTP requests being served now, by route template, across instances."
            .to_owned(),
        queries: query(
            promql::gauge_sum(metric, &[http::ROUTE_LABEL], scope),
            &format!("{{{{{}}}}}", http::ROUTE_LABEL),
        ),
    };
    Some(timeseries(layout, text, "short"))
}
