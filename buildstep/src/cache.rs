//! The build step's cache in `OUT_DIR`: the workspace layout, the per-file scans of the last
//! analysis and what it printed. When no manifest, config or source file changed, the
//! outputs on disk are current and nothing is analyzed; when some source files changed, only
//! those are parsed again, and `cargo metadata` runs only if a manifest changed.

use std::path::{Path, PathBuf};

use tallyho_analyzer::codec::{decode_file, encode_file};
use tallyho_analyzer::{codec_struct, ScanCache, Workspace};

const CACHE_FILE: &str = "tallyho-build.cache";

/// The cache file's first bytes: this cache, format 1 (`codec::encode_file`). A file without
/// them (the JSON cache of an older tallyho-build, anything else) is ignored.
const MAGIC: &[u8; 8] = b"THOBLD01";

pub(crate) struct Cache {
    /// [`generator`].
    version: String,
    settings: String,
    workspace: Workspace,
    config: PathBuf,
    /// Manifests and config: when these are unchanged, so is the workspace layout.
    layout: Vec<Input>,
    pub(crate) scans: ScanCache,
    /// What a successful build step printed; `None` after one that failed.
    pub(crate) result: Option<Outputs>,
}

codec_struct!(Cache {
    version,
    settings,
    workspace,
    config,
    layout,
    scans,
    result,
});

/// What a successful run printed and produced, to repeat when nothing changed.
pub(crate) struct Outputs {
    pub(crate) warnings: Vec<String>,
    pub(crate) metrics: usize,
}

codec_struct!(Outputs { warnings, metrics });

#[derive(PartialEq, Debug)]
struct Input {
    path: PathBuf,
    /// Size and modification time, or `None` for a missing file.
    stamp: Option<(u64, u128)>,
}

codec_struct!(Input { path, stamp });

impl Input {
    fn of(path: PathBuf) -> Input {
        let stamp = std::fs::metadata(&path).ok().map(|meta| {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            (meta.len(), modified.map_or(0, |d| d.as_nanos()))
        });
        Input { path, stamp }
    }
}

/// Which build of the generator wrote a cache: the version, and the running executable's
/// stamp (the build script, relinked whenever tallyho-build changes), so outputs of an older
/// generator are never reused.
fn generator() -> String {
    let exe = std::env::current_exe().ok().map(Input::of);
    format!(
        "{}|{:?}",
        env!("CARGO_PKG_VERSION"),
        exe.and_then(|i| i.stamp)
    )
}

fn layout(workspace: &Workspace, config: &Path) -> Vec<Input> {
    let mut paths = workspace.manifests();
    paths.push(config.to_owned());
    paths.into_iter().map(Input::of).collect()
}

impl Cache {
    pub(crate) fn new(
        workspace: &Workspace,
        config: &Path,
        settings: &str,
        scans: ScanCache,
        result: Option<Outputs>,
    ) -> Cache {
        Cache {
            version: generator(),
            settings: settings.to_owned(),
            workspace: workspace.clone(),
            config: config.to_owned(),
            layout: layout(workspace, config),
            scans,
            result,
        }
    }

    pub(crate) fn load(out_dir: &Path) -> Option<Cache> {
        let bytes = std::fs::read(out_dir.join(CACHE_FILE)).ok()?;
        let cache: Cache = decode_file(MAGIC, &bytes)?;
        (cache.version == generator()).then_some(cache)
    }

    /// Best effort: a cache that cannot be written only costs the next run an analysis.
    pub(crate) fn save(&self, out_dir: &Path) {
        let _ = std::fs::write(out_dir.join(CACHE_FILE), encode_file(MAGIC, self));
    }

    fn layout_is_current(&self) -> bool {
        layout(&self.workspace, &self.config) == self.layout
    }

    /// The outputs of the last run and the files it read, if it succeeded and nothing it
    /// read has changed since.
    pub(crate) fn current_outputs(
        &self,
        settings: &str,
    ) -> Option<(&Outputs, &Workspace, &Path, Vec<PathBuf>)> {
        let outputs = self.result.as_ref()?;
        if self.settings != settings || !self.layout_is_current() {
            return None;
        }
        let files = self.scans.files();
        self.scans
            .is_current()
            .then_some((outputs, &self.workspace, self.config.as_path(), files))
    }

    /// The cached workspace layout (if no manifest or config changed since) and the scans.
    pub(crate) fn into_parts(self) -> (Option<Workspace>, ScanCache) {
        let workspace = self.layout_is_current().then_some(self.workspace);
        (workspace, self.scans)
    }
}
