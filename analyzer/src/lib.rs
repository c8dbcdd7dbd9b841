//! Finds every tallyho metric declaration in a Cargo workspace and checks it: names, labels,
//! cardinality, placement. The build step and `cargo tallyho` are its two front ends.
//!
//! [`analyze`] runs the stages in `pipeline`, one function each: load ([`workspace`], cargo
//! metadata, and `tallyho.yaml`) → gather (`walk` the source files, a byte prefilter, `scan`
//! with syn in parallel, all through the [`ScanCache`]) → resolve (label types across
//! crates) → check (`rules`, named by [`Rule`]) → report ([`Finding`]s in reading order,
//! rendered by [`render`]).

#![forbid(unsafe_code)]

mod analysis;
mod catalogue;
mod cfg;
pub mod codec;
mod config;
mod config_input;
mod constants;
mod finding;
mod model;
mod paths;
mod pipeline;
pub mod render;
mod repeat_cache;
mod resolve;
mod routes;
mod rules;
mod scan;
mod scan_cache;
mod severity;
mod source;
pub mod tree;
mod walk;
pub mod workspace;

pub use analysis::{Analysis, Stats};
pub use catalogue::Rule;
pub use config::{
    Config, Limits, ObjectiveConfig, Override, Requests, ServiceConfig, CONFIG_FILE,
    DEFAULT_MAX_ROUTES,
};
pub use finding::Finding;
pub use model::{
    Declaration, Domain, LabelField, LabelSet, LabelSetRef, MetricKind, ValueType, DEFAULT_BUCKETS,
};
pub use pipeline::{analyze, analyze_workspace, check_config, check_source};
pub use repeat_cache::analyze_with_cache;
pub use rules::{Builtin, BuiltinLabel, RouteSet, Service};
pub use scan_cache::ScanCache;
pub use severity::Severity;
pub use source::{FileId, SourceFile, SourceMap, Span};
pub use workspace::{Workspace, WorkspaceError};
