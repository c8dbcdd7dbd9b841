//! The runtime's built-in metrics each service exports, with their labels' values and
//! series, so they count in the budgets like declared metrics: the request metrics (when the
//! workspace builds tallyho's `tower` layer) over the routes the service's routers serve,
//! the process metrics (unless `process: false`) and `tallyho_build_info`.

use std::collections::BTreeSet;

use tallyho_spec::builtin::{build_info, http, process, BuiltinMetric};
use tallyho_spec::Kind;

use crate::config::Config;
use crate::routes::ReadRouter;
use crate::source::Span;
use crate::workspace::Workspace;

/// The routes a service's request metrics are declared with: what the generated registry
/// passes to `tallyho::requests::declare`. In the manifest under its service's `requests`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSet {
    /// Route templates as written, distinct and sorted, without the unmatched route; those
    /// past `max_routes` export as the overflow value.
    pub routes: Vec<String>,
    /// The methods the routes answer, sorted; empty when they answer every method.
    pub methods: Vec<String>,
    /// Distinct route values recorded, the unmatched route included.
    pub max_routes: usize,
    /// Whether some route could not be read, or no router was found (so routes past these
    /// may be recorded, up to `max_routes`).
    pub unreadable: bool,
}

impl RouteSet {
    /// The route label's values: the unmatched route and the routes that fit beside it in
    /// `max_routes`, as the runtime interns them (the unmatched route first).
    pub fn route_values(&self) -> Vec<String> {
        let fitting = self.routes.iter().take(self.max_routes.saturating_sub(1));
        fitting
            .cloned()
            .chain([http::UNMATCHED_ROUTE.to_owned()])
            .collect()
    }

    /// The method label's values: the methods (every one of them when empty) and `_OTHER`.
    pub fn method_values(&self) -> Vec<String> {
        let methods: Vec<String> = if self.methods.is_empty() {
            http::METHODS.iter().map(|m| (*m).to_owned()).collect()
        } else {
            self.methods.clone()
        };
        methods
            .into_iter()
            .chain([http::OTHER_METHOD.to_owned()])
            .collect()
    }
}

/// A built-in metric as one service exports it.
#[derive(Debug, Clone)]
pub struct Builtin {
    /// The metric, as `tallyho-spec` describes it.
    pub metric: BuiltinMetric,
    /// The service, for the request metrics, whose labels differ by service.
    pub service: Option<String>,
    /// Its labels, in the metric's order.
    pub labels: Vec<BuiltinLabel>,
    /// Series exported: label combinations, times buckets + 3 for a histogram.
    pub series: u64,
    /// The routers it is recorded for, where a finding about it points.
    pub span: Option<Span>,
}

impl Builtin {
    /// Its series limit: an override by its name, else the service's whole budget. Its
    /// labels are tallyho's, bounded by construction; what a service can change is how many
    /// routes it serves, and those count against `limits.series_per_service`.
    pub fn limit(&self, config: &Config) -> u64 {
        config
            .overrides
            .get(self.metric.name)
            .map_or(config.limits.series_per_service, |o| o.series)
    }
}

/// One label of a built-in metric.
#[derive(Debug, Clone)]
pub struct BuiltinLabel {
    /// The key.
    pub key: String,
    /// Its known values; empty when only known at run time (build info).
    pub values: Vec<String>,
    /// A bound past which values export as the overflow value.
    pub max_values: Option<u64>,
}

impl BuiltinLabel {
    /// The values it takes: the listed ones, plus the overflow past a bound.
    pub(crate) fn size(&self) -> u64 {
        let listed = self.values.len() as u64;
        match self.max_values {
            Some(max) => max.max(listed) + 1,
            None => listed.max(1),
        }
    }
}

/// The routes of the routers `binary` of `package` links, as the runtime declares them.
pub(crate) fn route_set(
    routers: &[ReadRouter],
    workspace: &Workspace,
    package: &str,
    binary: &str,
    config: &Config,
) -> (RouteSet, Option<Span>) {
    let linked = workspace.linked_packages(package);
    let routers: Vec<&ReadRouter> = routers
        .iter()
        .filter(|r| match r.binary.as_deref() {
            None => linked.contains(&r.package),
            Some(b) => r.package == package && b == binary,
        })
        .collect();
    let mut routes = BTreeSet::new();
    let mut methods = BTreeSet::new();
    let mut every = false;
    for route in routers.iter().flat_map(|r| &r.routes) {
        routes.insert(route.template.clone());
        match &route.methods {
            Some(m) => methods.extend(m.iter().cloned()),
            None => every = true,
        }
    }
    let (unreadable, max_routes) = route_bound(&routers, routes.len(), config.requests.max_routes);
    let set = RouteSet {
        routes: routes.into_iter().collect(),
        methods: if every {
            Vec::new()
        } else {
            methods.into_iter().collect()
        },
        max_routes,
        unreadable,
    };
    (set, routers.first().map(|r| r.span.clone()))
}

/// Whether a service's routes are not all known, and the route label's bound, the unmatched
/// route included. Known routes bound it exactly. A router that cannot be read, or none found
/// at all (built by a macro, or in a crate the analysis does not read), leaves the configured
/// bound. The runtime records at most `MAX_ROUTES` values; past them, the overflow.
fn route_bound(routers: &[&ReadRouter], routes: usize, configured: usize) -> (bool, usize) {
    let unreadable = routers.is_empty() || routers.iter().any(|r| r.unreadable);
    let needed = routes + 1;
    let bound = if unreadable {
        configured.max(needed)
    } else {
        needed
    };
    (unreadable, bound.min(http::MAX_ROUTES))
}

/// The built-in metrics a service exports.
pub(crate) fn builtins(
    service: &str,
    requests: Option<(&RouteSet, Option<Span>)>,
    process_metrics: bool,
) -> Vec<Builtin> {
    let mut out = Vec::new();
    if let Some((set, span)) = requests {
        for metric in http::METRICS {
            let labels: Vec<BuiltinLabel> =
                metric.labels.iter().map(|k| http_label(k, set)).collect();
            out.push(Builtin {
                metric: *metric,
                service: Some(service.to_owned()),
                series: series(metric, &labels),
                labels,
                span: span.clone(),
            });
        }
    }
    let process = process::METRICS.iter().filter(|_| process_metrics);
    for metric in process.chain([&build_info::METRIC]) {
        let labels: Vec<BuiltinLabel> = metric
            .labels
            .iter()
            .map(|k| BuiltinLabel {
                key: (*k).to_owned(),
                values: Vec::new(),
                max_values: None,
            })
            .collect();
        out.push(Builtin {
            metric: *metric,
            service: None,
            series: series(metric, &labels),
            labels,
            span: None,
        });
    }
    out
}

/// A request metric's label over `set`.
fn http_label(key: &str, set: &RouteSet) -> BuiltinLabel {
    let owned = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect();
    let (values, max_values) = match key {
        // Always bounded: a route the build step did not read (a custom `route_with`, a
        // router it could not follow) reaches the runtime and exports as the overflow.
        http::ROUTE_LABEL => (set.route_values(), Some(set.max_routes as u64)),
        http::METHOD_LABEL => (set.method_values(), None),
        http::STATUS_CODE_LABEL => (
            vec![http::ZERO_STATUS_CODE.to_owned()],
            Some(http::MAX_STATUS_CODES as u64),
        ),
        // A code outside 100..=599 has no class: its class exports as the overflow.
        _ => (
            owned(http::STATUS_CLASSES),
            Some(http::STATUS_CLASSES.len() as u64),
        ),
    };
    BuiltinLabel {
        key: key.to_owned(),
        values,
        max_values,
    }
}

/// The product of the labels' sizes, times buckets + 3 (`+Inf`, `_sum`, `_count`) for a
/// histogram.
fn series(metric: &BuiltinMetric, labels: &[BuiltinLabel]) -> u64 {
    let combinations = labels
        .iter()
        .map(BuiltinLabel::size)
        .fold(1, u64::saturating_mul);
    match (metric.kind, metric.buckets) {
        (Kind::Histogram, Some(buckets)) => combinations.saturating_mul(buckets.len() as u64 + 3),
        _ => combinations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(routes: &[&str], methods: &[&str], unreadable: bool, max_routes: usize) -> RouteSet {
        RouteSet {
            routes: routes.iter().map(|r| (*r).to_owned()).collect(),
            methods: methods.iter().map(|m| (*m).to_owned()).collect(),
            max_routes,
            unreadable,
        }
    }

    fn series_of(set: &RouteSet) -> Vec<(&'static str, u64)> {
        builtins("api", Some((set, None)), false)
            .iter()
            .map(|b| (b.metric.name, b.series))
            .collect()
    }

    #[test]
    fn request_series_are_routes_times_methods_times_statuses() {
        // 2 routes + unmatched + overflow (a route the build step did not read) = 4;
        // GET, HEAD + _OTHER = 3; 16 codes + overflow = 17; 5 classes + overflow = 6;
        // 14 buckets + 3 = 17.
        let known = set(&["/a", "/b"], &["GET", "HEAD"], false, 3);
        assert_eq!(
            series_of(&known),
            [
                ("http_server_requests", 4 * 3 * 17),
                ("http_server_request_duration_seconds", 4 * 3 * 6 * 17),
                ("http_server_active_requests", 4 * 3),
                ("tallyho_build_info", 1),
            ]
        );
        // Unreadable: 32 routes + overflow; every method: 9 + _OTHER.
        let bounded = set(&["/a"], &[], true, 32);
        assert_eq!(
            series_of(&bounded)[2],
            ("http_server_active_requests", 33 * 10)
        );
    }

    #[test]
    fn a_service_whose_router_is_found_nowhere_gets_the_configured_bound() {
        assert_eq!(route_bound(&[], 0, 32), (true, 32));
        assert_eq!(route_bound(&[], 0, 500), (true, http::MAX_ROUTES));
    }

    #[test]
    fn routes_past_the_runtime_bound_count_as_the_overflow() {
        let many: Vec<String> = (0..http::MAX_ROUTES + 10)
            .map(|i| format!("/r{i:03}"))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let capped = set(&many, &["GET"], false, http::MAX_ROUTES);
        assert_eq!(capped.route_values().len(), http::MAX_ROUTES);
        // MAX_ROUTES values, the unmatched route included, + overflow; GET + _OTHER.
        assert_eq!(
            series_of(&capped)[2],
            (
                "http_server_active_requests",
                (http::MAX_ROUTES as u64 + 1) * 2
            )
        );
    }

    #[test]
    fn process_metrics_are_one_series_each() {
        let all = builtins("api", None, true);
        assert_eq!(all.len(), process::METRICS.len() + 1);
        assert!(all.iter().all(|b| b.series == 1));
    }
}
