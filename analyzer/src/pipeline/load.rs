//! Stage 1, load: the workspace from `cargo metadata`, and `tallyho.yaml` beside it.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::catalogue::Rule;
use crate::config::{Config, CONFIG_FILE};
use crate::config_input;
use crate::finding::Finding;
use crate::source::{SourceMap, Span};
use crate::workspace::{Workspace, WorkspaceError};

/// The workspace containing `manifest_path` (or the current directory's), and how long
/// `cargo metadata` took, for the stats.
pub(crate) fn workspace(
    manifest_path: Option<&Path>,
) -> Result<(Workspace, Duration), WorkspaceError> {
    let started = Instant::now();
    let workspace = Workspace::load(manifest_path)?;
    Ok((workspace, started.elapsed()))
}

/// The configuration at `path` (the defaults when it is missing), and the findings about it;
/// the file joins `sources` so those findings can point into it.
pub(crate) fn config(
    workspace: &Workspace,
    path: &Path,
    sources: &mut SourceMap,
) -> (Config, Vec<Finding>) {
    let Some(text) = config_input::read(path) else {
        return (Config::default(), Vec::new());
    };
    match text {
        Ok(text) => {
            let file = sources.add(&workspace.root, path.to_owned(), Arc::from(text.as_str()));
            Config::parse(&text, file, &crate_names(workspace))
        }
        Err(message) => {
            let file = sources.add(&workspace.root, path.to_owned(), Arc::from(""));
            let finding = Finding::new(
                Rule::ConfigInvalid,
                Span { file, range: 0..0 },
                format!("cannot read {CONFIG_FILE}: {message}"),
            )
            .help("the defaults apply until it can be read");
            (Config::default(), vec![finding])
        }
    }
}

/// Every package and binary name, sorted: what a service in the configuration may name.
fn crate_names(workspace: &Workspace) -> Vec<&str> {
    let mut crates: Vec<&str> = Vec::new();
    for package in &workspace.packages {
        crates.push(&package.name);
        crates.extend(package.bins.iter().map(|b| b.name.as_str()));
    }
    crates.sort();
    crates.dedup();
    crates
}
