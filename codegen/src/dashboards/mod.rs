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
mod view;

use std::path::PathBuf;

use crate::manifest::Manifest;
use view::ServiceView;

pub use grafana::dashboard_uid;
pub use objectives::DashboardError;
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
