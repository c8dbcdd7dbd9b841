//! What the build step produces from an analysis: the metrics manifest (the contract between
//! the build-time and run-time halves, committed and reviewed) and, from the manifest alone,
//! the registry source a service includes so every declared metric exports from the first
//! scrape.

#![forbid(unsafe_code)]

#[cfg(feature = "dashboards")]
mod dashboards;
mod diff;
mod manifest;
mod registry;

#[cfg(feature = "dashboards")]
pub use dashboards::{
    dashboard_uid, generate as generate_dashboards, DashboardError, GeneratedFile, Outputs,
    DEFAULT_GRAFANA_PATH, ERROR_VALUES, OUTCOME_KEYS,
};
pub use diff::{diff, Change, ManifestDiff};
pub use manifest::{
    Label, Limits, Manifest, ManifestError, Metric, Objective, Service, SCHEMA_VERSION,
};
pub use registry::{error_registry_source, registry_source};
/// The manifest's typed fields, re-exported so readers of the manifest need no other crate.
pub use tallyho_spec::{Kind, Unit, ValueType};
