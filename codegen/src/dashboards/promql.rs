//! The PromQL every output shares: one builder per query shape, so a Grafana panel, the
//! recording rule behind it and the end-to-end test all run the same expression, differing
//! only in [`Scope`] (which service, which window).

use tallyho_spec::{Kind, SERVICE_LABEL};

use crate::dashboards::outcome::Outcome;
use crate::manifest::Metric;

/// Where an expression runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// The service selector's value: `$service` on a dashboard, the name in a rule.
    pub service: &'a str,
    /// The rate window: `$__rate_interval` on a dashboard, `5m` in a rule.
    pub window: &'a str,
    /// Whether aggregations keep the `service` label (rules do, so records stay apart).
    pub keep_service: bool,
}

/// The three quantiles every histogram panel and rule shows.
pub(crate) const QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// The exported series name of a metric's samples (`_total` for counters).
pub(crate) fn series_name(metric: &Metric) -> String {
    match metric.kind {
        Kind::Counter => format!("{}_total", metric.name),
        Kind::Gauge | Kind::Histogram => metric.name.clone(),
    }
}

/// The label keys of a metric, in field order.
pub(crate) fn label_keys(metric: &Metric) -> Vec<&str> {
    metric.labels.iter().map(|l| l.key.as_str()).collect()
}

/// `name{service="…"[, extra]}`.
pub(crate) fn selector(name: &str, scope: Scope<'_>, extra: &[String]) -> String {
    let mut matchers = vec![format!("{SERVICE_LABEL}=\"{}\"", scope.service)];
    matchers.extend(extra.iter().cloned());
    format!("{name}{{{}}}", matchers.join(", "))
}

/// `sum by (service?, keys) (inner)`, or `sum (inner)` when nothing is kept.
pub(crate) fn sum_by(keys: &[&str], scope: Scope<'_>, inner: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    if scope.keep_service {
        kept.push(SERVICE_LABEL);
    }
    kept.extend(keys.iter().copied());
    if kept.is_empty() {
        format!("sum({inner})")
    } else {
        format!("sum by ({}) ({inner})", kept.join(", "))
    }
}

/// A counter's per-second rate, summed by `keys`.
pub(crate) fn counter_rate(metric: &Metric, keys: &[&str], scope: Scope<'_>) -> String {
    let inner = format!(
        "rate({}[{}])",
        selector(&series_name(metric), scope, &[]),
        scope.window
    );
    sum_by(keys, scope, &inner)
}

/// A gauge's value, summed by `keys` (across instances too).
pub(crate) fn gauge_sum(metric: &Metric, keys: &[&str], scope: Scope<'_>) -> String {
    sum_by(keys, scope, &selector(&metric.name, scope, &[]))
}

/// The per-second rate of a histogram's buckets, summed by `le` and `keys`.
pub(crate) fn bucket_rate(metric: &Metric, keys: &[&str], scope: Scope<'_>) -> String {
    let mut by = vec!["le"];
    by.extend(keys.iter().copied());
    let inner = format!(
        "rate({}[{}])",
        selector(&format!("{}_bucket", metric.name), scope, &[]),
        scope.window
    );
    sum_by(&by, scope, &inner)
}

/// The `q` quantile of a histogram, estimated from its buckets, by `keys`.
pub(crate) fn quantile(metric: &Metric, q: f64, keys: &[&str], scope: Scope<'_>) -> String {
    format!(
        "histogram_quantile({q}, {})",
        bucket_rate(metric, keys, scope)
    )
}

/// Observations per bucket in each step, for a heatmap (`format: heatmap`).
pub(crate) fn heatmap(metric: &Metric, scope: Scope<'_>) -> String {
    let inner = format!(
        "increase({}[{}])",
        selector(&format!("{}_bucket", metric.name), scope, &[]),
        scope.window
    );
    sum_by(
        &["le"],
        Scope {
            keep_service: false,
            ..scope
        },
        &inner,
    )
}

/// The share of a counter's events whose outcome label has an error value.
pub(crate) fn error_ratio(metric: &Metric, outcome: &Outcome<'_>, scope: Scope<'_>) -> String {
    share_by(metric, &outcome.matcher(), &[], scope)
}

/// The share of a counter's events matching `matcher`, by `keys`.
pub(crate) fn share_by(metric: &Metric, matcher: &str, keys: &[&str], scope: Scope<'_>) -> String {
    let name = series_name(metric);
    let matching = format!(
        "rate({}[{}])",
        selector(&name, scope, &[matcher.to_owned()]),
        scope.window
    );
    let all = format!("rate({}[{}])", selector(&name, scope, &[]), scope.window);
    format!(
        "{} / {}",
        sum_by(keys, scope, &matching),
        sum_by(keys, scope, &all)
    )
}

/// The share of a histogram's observations above `threshold` (a bucket bound).
pub(crate) fn slow_ratio(metric: &Metric, threshold: f64, scope: Scope<'_>) -> String {
    let fast = format!(
        "rate({}[{}])",
        selector(
            &format!("{}_bucket", metric.name),
            scope,
            &[format!("le=\"{}\"", le_value(threshold))]
        ),
        scope.window
    );
    let all = format!(
        "rate({}[{}])",
        selector(&format!("{}_count", metric.name), scope, &[]),
        scope.window
    );
    format!(
        "1 - ({} / {})",
        sum_by(&[], scope, &fast),
        sum_by(&[], scope, &all)
    )
}

/// A bucket bound as the `le` label spells it (the runtime writes the shortest round-trip
/// form with a decimal point, as OpenMetrics requires: `1.0`, `0.25`).
pub(crate) fn le_value(bound: f64) -> String {
    format!("{bound:?}")
}
