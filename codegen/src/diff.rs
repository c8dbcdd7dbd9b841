//! `cargo tallyho diff OLD NEW`: what a change does to the metrics, for review, and whether
//! the new manifest stays within its budgets.

use std::collections::BTreeMap;
use std::fmt;

use tallyho_spec::Kind;

use crate::manifest::{Label, Manifest, Metric};

/// One difference between two manifests.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// A metric only in the new manifest.
    AddedMetric {
        /// The metric name.
        name: String,
        /// Its kind.
        kind: Kind,
        /// The series it adds.
        series: u64,
    },
    /// A metric only in the old manifest.
    RemovedMetric {
        /// The metric name.
        name: String,
        /// Its kind.
        kind: Kind,
        /// The series it took away.
        series: u64,
    },
    /// A metric in both, with these differences.
    ChangedMetric {
        /// The metric name.
        name: String,
        /// One line per field that changed, `field old -> new`.
        details: Vec<String>,
        /// Its series, old and new.
        series: (u64, u64),
    },
    /// A service only in the new manifest.
    AddedService {
        /// The service name.
        name: String,
        /// Its series total.
        series: u64,
    },
    /// A service only in the old manifest.
    RemovedService {
        /// The service name.
        name: String,
        /// Its series total.
        series: u64,
    },
    /// A service whose series total changed.
    ChangedService {
        /// The service name.
        name: String,
        /// Its series total, old and new.
        series: (u64, u64),
    },
}

/// The differences between two manifests, and the budgets the new one exceeds.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ManifestDiff {
    /// Metric changes (by name), then service changes (by name).
    pub changes: Vec<Change>,
    /// One line per metric over its limit and per service over its budget, in the new manifest.
    pub over_budget: Vec<String>,
}

/// How a metric is named in a diff: a built-in request metric, whose routes differ by
/// service, with its service (`http_server_requests (api)`).
fn diff_key(metric: &Metric) -> String {
    match &metric.service {
        Some(service) => format!("{} ({service})", metric.name),
        None => metric.name.clone(),
    }
}

/// Compares `old` with `new`.
pub fn diff(old: &Manifest, new: &Manifest) -> ManifestDiff {
    let mut changes = Vec::new();
    let old_metrics: BTreeMap<String, &Metric> =
        old.metrics.iter().map(|m| (diff_key(m), m)).collect();
    let new_metrics: BTreeMap<String, &Metric> =
        new.metrics.iter().map(|m| (diff_key(m), m)).collect();
    let mut names: Vec<&str> = old_metrics
        .keys()
        .chain(new_metrics.keys())
        .map(String::as_str)
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        match (old_metrics.get(name), new_metrics.get(name)) {
            (None, Some(m)) => changes.push(Change::AddedMetric {
                name: name.into(),
                kind: m.kind,
                series: m.series,
            }),
            (Some(m), None) => changes.push(Change::RemovedMetric {
                name: name.into(),
                kind: m.kind,
                series: m.series,
            }),
            (Some(a), Some(b)) => {
                let details = metric_details(a, b);
                if !details.is_empty() {
                    changes.push(Change::ChangedMetric {
                        name: name.into(),
                        details,
                        series: (a.series, b.series),
                    });
                }
            }
            (None, None) => {}
        }
    }
    let old_services: BTreeMap<&str, u64> = old
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.series))
        .collect();
    let new_services: BTreeMap<&str, u64> = new
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.series))
        .collect();
    let mut services: Vec<&str> = old_services
        .keys()
        .chain(new_services.keys())
        .copied()
        .collect();
    services.sort();
    services.dedup();
    for name in services {
        match (old_services.get(name), new_services.get(name)) {
            (None, Some(&series)) => changes.push(Change::AddedService {
                name: name.into(),
                series,
            }),
            (Some(&series), None) => changes.push(Change::RemovedService {
                name: name.into(),
                series,
            }),
            (Some(&a), Some(&b)) if a != b => changes.push(Change::ChangedService {
                name: name.into(),
                series: (a, b),
            }),
            _ => {}
        }
    }
    let mut over_budget = Vec::new();
    for m in &new.metrics {
        if m.series > m.limit {
            over_budget.push(format!(
                "metric {}: {} series, over its limit of {}",
                m.name, m.series, m.limit
            ));
        }
    }
    for s in &new.services {
        if s.series > new.limits.series_per_service {
            over_budget.push(format!(
                "service {}: {} series, over the budget of {}",
                s.name, s.series, new.limits.series_per_service
            ));
        }
    }
    ManifestDiff {
        changes,
        over_budget,
    }
}

fn metric_details(a: &Metric, b: &Metric) -> Vec<String> {
    let mut details = Vec::new();
    let mut field = |what: &str, x: &dyn fmt::Display, y: &dyn fmt::Display| {
        let (x, y) = (x.to_string(), y.to_string());
        if x != y {
            details.push(format!("{what} {x} -> {y}"));
        }
    };
    field("kind", &a.kind.as_str(), &b.kind.as_str());
    field("value type", &a.value_type.as_str(), &b.value_type.as_str());
    field(
        "unit",
        &a.unit.map_or("none", |u| u.as_str()),
        &b.unit.map_or("none", |u| u.as_str()),
    );
    field("labels", &labels(&a.labels), &labels(&b.labels));
    field(
        "buckets",
        &format!("{:?}", a.buckets.as_deref().unwrap_or(&[])),
        &format!("{:?}", b.buckets.as_deref().unwrap_or(&[])),
    );
    field("limit", &a.limit, &b.limit);
    field("help", &a.help, &b.help);
    if a.series != b.series {
        details.push(format!(
            "series {} -> {} ({})",
            a.series,
            b.series,
            signed(a.series, b.series)
        ));
    }
    details
}

/// `key: values` per label, as one line.
fn labels(labels: &[Label]) -> String {
    if labels.is_empty() {
        return "none".to_owned();
    }
    let one = |l: &Label| match (&l.values, l.max_values) {
        (Some(values), _) => format!(
            "{}{{{}{}}}",
            l.key,
            if l.optional { "none," } else { "" },
            values.join(",")
        ),
        (None, Some(max)) => format!("{}{{<={max}}}", l.key),
        (None, None) => l.key.clone(),
    };
    format!(
        "({})",
        labels.iter().map(one).collect::<Vec<_>>().join(", ")
    )
}

fn signed(from: u64, to: u64) -> String {
    if to >= from {
        format!("+{}", to - from)
    } else {
        format!("-{}", from - to)
    }
}

impl fmt::Display for ManifestDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            writeln!(f, "no metric changes")?;
        }
        for change in &self.changes {
            match change {
                Change::AddedMetric { name, kind, series } => {
                    writeln!(f, "+ metric {name} ({}, {series} series)", kind.as_str())?
                }
                Change::RemovedMetric { name, kind, series } => {
                    writeln!(f, "- metric {name} ({}, {series} series)", kind.as_str())?
                }
                Change::ChangedMetric { name, details, .. } => {
                    writeln!(f, "~ metric {name}: {}", details.join("; "))?
                }
                Change::AddedService { name, series } => {
                    writeln!(f, "+ service {name} ({series} series)")?
                }
                Change::RemovedService { name, series } => {
                    writeln!(f, "- service {name} ({series} series)")?
                }
                Change::ChangedService {
                    name,
                    series: (a, b),
                } => writeln!(
                    f,
                    "~ service {name}: series {a} -> {b} ({})",
                    signed(*a, *b)
                )?,
            }
        }
        for line in &self.over_budget {
            writeln!(f, "! {line}")?;
        }
        Ok(())
    }
}
