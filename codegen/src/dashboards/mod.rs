//! Dashboards and Prometheus rules generated from the manifest alone: a Grafana and a Datadog
//! dashboard per service, recording and alerting rules with their `promtool test rules`
//! tests, and Grafana's file-provisioning config.
//!
//! Every output reads the same [`ServiceView`] (a service, its metrics grouped by declaring
//! crate, its objectives) and the same PromQL builders (`promql.rs`), so a panel, the rule
//! recording it and the test proving it agree.

mod datadog;
mod grafana;
mod layout;
mod objectives;
mod outcome;
mod overview;
mod panels;
mod promql;
mod provisioning;
mod rule_tests;
mod rules;
mod units;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use tallyho_spec::Kind;

use crate::manifest::{Manifest, Metric, Service};

pub use outcome::{ERROR_VALUES, OUTCOME_KEYS};
pub use provisioning::DEFAULT_GRAFANA_PATH;

/// Which outputs to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outputs {
    /// A Grafana dashboard per service, and the provisioning config.
    pub grafana: bool,
    /// A Datadog dashboard per service.
    pub datadog: bool,
    /// Prometheus recording and alerting rules per service, with their unit tests.
    pub rules: bool,
}

impl Outputs {
    /// Every output.
    pub const ALL: Outputs = Outputs {
        grafana: true,
        datadog: true,
        rules: true,
    };
}

/// One generated file: where it goes under the output folder, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The path relative to the output folder, e.g. `grafana/shop.json`.
    pub path: PathBuf,
    /// The file's contents.
    pub contents: String,
}

/// A manifest the rules cannot be generated from: an objective that does not fit its metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardError(pub String);

impl fmt::Display for DashboardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DashboardError {}

/// Every file of `outputs` for every service of `manifest`, in a stable order.
pub fn generate(
    manifest: &Manifest,
    outputs: Outputs,
) -> Result<Vec<GeneratedFile>, DashboardError> {
    let all_objectives = objectives::resolve(manifest)?;
    let mut files = Vec::new();
    for service in &manifest.services {
        let view = ServiceView {
            manifest,
            service,
            objectives: all_objectives
                .iter()
                .filter(|o| service.metrics.contains(&o.metric.name))
                .cloned()
                .collect(),
        };
        let name = &service.name;
        if outputs.grafana {
            files.push(json_file(
                format!("grafana/{name}.json"),
                &grafana::dashboard(&view),
            ));
        }
        if outputs.datadog {
            files.push(json_file(
                format!("datadog/{name}.json"),
                &datadog::dashboard(&view),
            ));
        }
        if outputs.rules {
            let rules = rules::rules(&view);
            files.push(GeneratedFile {
                path: format!("prometheus/{name}.rules.yml").into(),
                contents: rules.to_yaml(),
            });
            if let Some(tests) = rule_tests::tests(&view, &rules, &format!("{name}.rules.yml")) {
                files.push(GeneratedFile {
                    path: format!("prometheus/{name}.rules.test.yml").into(),
                    contents: tests,
                });
            }
        }
    }
    if outputs.grafana && !manifest.services.is_empty() {
        files.push(GeneratedFile {
            path: "grafana/provisioning.yaml".into(),
            contents: provisioning::dashboards(DEFAULT_GRAFANA_PATH),
        });
    }
    Ok(files)
}

/// Pretty JSON with a final newline.
fn json_file(path: String, value: &serde_json::Value) -> GeneratedFile {
    GeneratedFile {
        path: path.into(),
        contents: serde_json::to_string_pretty(value).unwrap_or_default() + "\n",
    }
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

/// One service as the generators see it.
#[derive(Debug)]
pub(crate) struct ServiceView<'m> {
    /// The whole manifest (limits, metric details).
    pub manifest: &'m Manifest,
    /// The service.
    pub service: &'m Service,
    /// The objectives on metrics the service links.
    pub objectives: Vec<objectives::Resolved<'m>>,
}

impl<'m> ServiceView<'m> {
    /// The service's metrics, in manifest (name) order.
    pub(crate) fn metrics(&self) -> Vec<&'m Metric> {
        self.manifest
            .metrics
            .iter()
            .filter(|m| self.service.metrics.contains(&m.name))
            .collect()
    }

    /// The metrics grouped by declaring crate, crates by name.
    pub(crate) fn crates(&self) -> BTreeMap<&'m str, Vec<&'m Metric>> {
        let mut crates: BTreeMap<&str, Vec<&Metric>> = BTreeMap::new();
        for metric in self.metrics() {
            crates.entry(&metric.crate_name).or_default().push(metric);
        }
        crates
    }

    /// A series every instance of the service exports from its first scrape (its first
    /// metric), to list the services seen; `tallyho_build_info` until it exists.
    pub(crate) fn probe_series(&self) -> String {
        self.metrics().first().map_or_else(
            || "tallyho_build_info".to_owned(),
            |m| match m.kind {
                Kind::Histogram => format!("{}_count", m.name),
                _ => promql::series_name(m),
            },
        )
    }

    /// What a dashboard of this service is, for its description.
    pub(crate) fn description(&self) -> String {
        let metrics = self.metrics().len();
        format!(
            "Generated by `cargo tallyho dashboards` from tallyho.manifest.yaml: service `{}` \
             (binary `{}`), {metrics} metric{} from {} crate{}. Regenerate rather than edit.",
            self.service.name,
            self.service.binary,
            if metrics == 1 { "" } else { "s" },
            self.crates().len(),
            if self.crates().len() == 1 { "" } else { "s" },
        )
    }
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
