//! The build step's cache in `OUT_DIR`: the inputs of the last analysis (every manifest, the
//! config and every source file, with size and modification time) and what it printed. When
//! none changed, the outputs on disk are current and the analysis is skipped.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use tallyho_analyzer::Workspace;

const CACHE_FILE: &str = "tallyho-build.cache.json";

#[derive(Serialize, Deserialize)]
pub(crate) struct Cache {
    version: String,
    settings: String,
    workspace: Workspace,
    config: PathBuf,
    /// Manifests and config: when these are unchanged, so is the workspace layout.
    layout: Vec<Input>,
    sources: Vec<Input>,
    pub(crate) rerun: Vec<String>,
    pub(crate) warnings: Vec<String>,
    pub(crate) metrics: usize,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Input {
    path: PathBuf,
    /// Size and modification time, or `None` for a missing file.
    stamp: Option<(u64, u128)>,
}

impl Input {
    fn of(path: PathBuf) -> Input {
        let stamp = std::fs::metadata(&path).ok().map(|meta| {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok());
            (meta.len(), modified.map_or(0, |d| d.as_nanos()))
        });
        Input { path, stamp }
    }
}

fn layout(workspace: &Workspace, config: &Path) -> Vec<Input> {
    let mut paths = workspace.manifests();
    paths.push(config.to_owned());
    paths.into_iter().map(Input::of).collect()
}

fn sources(workspace: &Workspace) -> Vec<Input> {
    workspace
        .source_files()
        .into_iter()
        .map(Input::of)
        .collect()
}

impl Cache {
    pub(crate) fn new(
        workspace: &Workspace,
        config: &Path,
        settings: &str,
        rerun: Vec<String>,
        warnings: Vec<String>,
        metrics: usize,
    ) -> Cache {
        Cache {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            settings: settings.to_owned(),
            workspace: workspace.clone(),
            config: config.to_owned(),
            layout: layout(workspace, config),
            sources: sources(workspace),
            rerun,
            warnings,
            metrics,
        }
    }

    pub(crate) fn load(out_dir: &Path) -> Option<Cache> {
        let text = std::fs::read_to_string(out_dir.join(CACHE_FILE)).ok()?;
        let cache: Cache = serde_json::from_str(&text).ok()?;
        (cache.version == env!("CARGO_PKG_VERSION")).then_some(cache)
    }

    /// Best effort: a cache that cannot be written only costs the next run an analysis.
    pub(crate) fn save(&self, out_dir: &Path) {
        if let Ok(text) = serde_json::to_string(self) {
            let _ = std::fs::write(out_dir.join(CACHE_FILE), text);
        }
    }

    fn layout_is_current(&self) -> bool {
        layout(&self.workspace, &self.config) == self.layout
    }

    /// Whether nothing the last analysis read has changed.
    pub(crate) fn is_current(&self, settings: &str) -> bool {
        self.settings == settings
            && self.layout_is_current()
            && sources(&self.workspace) == self.sources
    }

    /// The cached workspace layout, if no manifest or config changed since.
    pub(crate) fn into_workspace_if_current(self) -> Option<Workspace> {
        self.layout_is_current().then_some(self.workspace)
    }
}
