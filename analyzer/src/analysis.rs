//! What an analysis hands its front ends: the findings, the model and the stage timings.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::Config;
use crate::finding::Finding;
use crate::model::Declaration;
use crate::rules::{Builtin, Service};
use crate::severity::Severity;
use crate::source::SourceMap;
use crate::workspace::Workspace;

/// Everything one analysis found.
#[derive(Debug)]
#[non_exhaustive]
pub struct Analysis {
    /// The workspace analyzed.
    pub workspace: Workspace,
    /// The configuration in effect.
    pub config: Config,
    /// The files read, for rendering findings.
    pub sources: SourceMap,
    /// Every source file the analysis looked at: the files of each crate's module tree.
    pub files: Vec<PathBuf>,
    /// Every declaration, sorted by metric name.
    pub declarations: Vec<Declaration>,
    /// Every finding, sorted by file and position; `Off` findings removed.
    pub findings: Vec<Finding>,
    /// The services and the series each exports.
    pub services: Vec<Service>,
    /// The runtime's built-in metrics the services export: the request metrics once per
    /// service that records them, the process metrics and build info once.
    pub builtins: Vec<Builtin>,
    /// Counts and timings.
    pub stats: Stats,
}

/// What an analysis did and how long each stage took.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Files in the crates' module trees.
    pub files: usize,
    /// Files that passed the prefilter and were parsed.
    pub parsed: usize,
    /// Files whose scan was reused from the cache, unchanged.
    pub reused: usize,
    /// `cargo metadata`.
    pub metadata: Duration,
    /// Walking the source trees.
    pub walk: Duration,
    /// Reading files and the byte prefilter.
    pub filter: Duration,
    /// Parsing and scanning.
    pub parse: Duration,
    /// Resolving label types and running the rules.
    pub rules: Duration,
}

impl Stats {
    /// All stages together.
    pub fn total(&self) -> Duration {
        self.metadata + self.walk + self.filter + self.parse + self.rules
    }
}

impl Analysis {
    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Whether any finding is an error: the check fails.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}
