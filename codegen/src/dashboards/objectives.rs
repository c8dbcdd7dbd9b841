//! Objectives from the manifest, checked against their metrics: a latency objective needs a
//! histogram and one of its bucket bounds, an error objective a counter with an outcome label.

use std::fmt;

use tallyho_spec::Kind;

use crate::dashboards::outcome::{outcome, Outcome};
use crate::dashboards::promql::{self, Scope};
use crate::manifest::{Manifest, Metric, Objective};

/// A manifest the rules cannot be generated from: an objective that does not fit its metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardError(pub String);

impl fmt::Display for DashboardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DashboardError {}

/// An objective with its metric and what counts as a bad event.
#[derive(Debug, Clone)]
pub(crate) struct Resolved<'m> {
    /// The objective as the manifest holds it.
    pub objective: &'m Objective,
    /// Its metric.
    pub metric: &'m Metric,
    /// What makes an event bad.
    pub bad: Bad<'m>,
}

/// What makes an event bad.
#[derive(Debug, Clone)]
pub(crate) enum Bad<'m> {
    /// An observation above this bucket bound.
    SlowerThan(f64),
    /// An event whose outcome label has an error value.
    Outcome(Outcome<'m>),
}

impl Resolved<'_> {
    /// The share of bad events over the scope's window.
    pub(crate) fn bad_ratio(&self, scope: Scope<'_>) -> String {
        match &self.bad {
            Bad::SlowerThan(bound) => promql::slow_ratio(self.metric, *bound, scope),
            Bad::Outcome(outcome) => promql::error_ratio(self.metric, outcome, scope),
        }
    }

    /// The error budget, `1 - target`, without float noise (`0.01`, not `0.010000000000000009`).
    pub(crate) fn budget(&self) -> f64 {
        ((1.0 - self.objective.target) * 1e9).round() / 1e9
    }
}

/// Every objective of the manifest, or the first that does not fit its metric.
pub(crate) fn resolve(manifest: &Manifest) -> Result<Vec<Resolved<'_>>, DashboardError> {
    manifest
        .objectives
        .iter()
        .map(|objective| {
            let metric = manifest.metric(&objective.metric).ok_or_else(|| {
                problem(
                    objective,
                    format!("there is no metric `{}`", objective.metric),
                )
            })?;
            let bad = bad_events(objective, metric)?;
            Ok(Resolved {
                objective,
                metric,
                bad,
            })
        })
        .collect()
}

/// What counts against `objective` on `metric`.
fn bad_events<'m>(objective: &Objective, metric: &'m Metric) -> Result<Bad<'m>, DashboardError> {
    match (metric.kind, objective.threshold) {
        (Kind::Histogram, Some(threshold)) => {
            let buckets = metric.buckets.as_deref().unwrap_or_default();
            if buckets.contains(&threshold) {
                Ok(Bad::SlowerThan(threshold))
            } else {
                Err(problem(
                    objective,
                    format!(
                        "threshold {threshold} is not a bucket bound of `{}` ({buckets:?}); \
                         only a bound can be measured exactly",
                        metric.name
                    ),
                ))
            }
        }
        (Kind::Histogram, None) => Err(problem(
            objective,
            format!(
                "`{}` is a histogram: give a `threshold` (a bucket bound)",
                metric.name
            ),
        )),
        (Kind::Counter, None) => outcome(metric).map(Bad::Outcome).ok_or_else(|| {
            problem(
                objective,
                format!(
                    "counter `{}` has no outcome label (a `success`, `ok`, `outcome`, `status`, \
                     `result` or `code` label with error values)",
                    metric.name
                ),
            )
        }),
        (Kind::Counter, Some(_)) => Err(problem(
            objective,
            format!(
                "`{}` is a counter: a threshold applies to histograms only",
                metric.name
            ),
        )),
        (Kind::Gauge, _) => Err(problem(
            objective,
            format!(
                "`{}` is a gauge: objectives apply to histograms and counters",
                metric.name
            ),
        )),
    }
}

fn problem(objective: &Objective, message: String) -> DashboardError {
    DashboardError(format!(
        "objective `{}` in tallyho.yaml: {message}",
        objective.name
    ))
}
