//! What a repeated analysis of one workspace can reuse (`cargo tallyho check` run again and
//! again): the layout `cargo metadata` gave, valid while no `Cargo.toml` and not the lockfile
//! changed, and the per-file scans, valid while each file's stamp and place hold. The build
//! step keeps the same two in `OUT_DIR`; this is the command line's copy.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::analysis::Analysis;
use crate::codec;
use crate::pipeline::analyze_workspace;
use crate::scan_cache::ScanCache;
use crate::workspace::{Workspace, WorkspaceError};

/// A file's size and modification time, or `None` when it is missing.
type Stamp = Option<(u64, u128)>;

/// The first bytes of the cache file: this cache, format 1 ([`codec::encode_file`]). A file
/// without them (the JSON cache of an older tallyho, anything else) is ignored.
const MAGIC: &[u8; 8] = b"THOCHK01";

struct RepeatCache {
    /// This analyzer's version and executable: another build's cache is not trusted.
    analyzer: String,
    /// The `--manifest-path` the layout was loaded for.
    manifest_path: Option<PathBuf>,
    workspace: Workspace,
    /// Every manifest and the lockfile, stamped when the layout was loaded.
    layout: Vec<(PathBuf, Stamp)>,
    scans: ScanCache,
}

crate::codec_struct!(RepeatCache {
    analyzer,
    manifest_path,
    workspace,
    layout,
    scans,
});

/// Analyzes like [`crate::analyze`], reusing what `cache_file` holds from the last run and
/// leaving there what the next one can reuse. A missing, stale or unreadable cache costs only
/// the work it would have saved.
pub fn analyze_with_cache(
    manifest_path: Option<&Path>,
    cache_file: &Path,
) -> Result<Analysis, WorkspaceError> {
    let previous = load(cache_file).filter(|c| c.manifest_path.as_deref() == manifest_path);
    let (workspace, mut scans) = match previous {
        Some(cache) if layout(&cache.workspace) == cache.layout => {
            (Some(cache.workspace), cache.scans)
        }
        Some(cache) => (None, cache.scans),
        None => (None, ScanCache::default()),
    };
    let started = Instant::now();
    let (workspace, metadata) = match workspace {
        Some(workspace) => (workspace, Duration::ZERO),
        None => (Workspace::load(manifest_path)?, started.elapsed()),
    };
    let analysis = analyze_workspace(workspace, metadata, None, &mut scans);
    save(
        cache_file,
        &RepeatCache {
            analyzer: analyzer(),
            manifest_path: manifest_path.map(Path::to_owned),
            layout: layout(&analysis.workspace),
            workspace: analysis.workspace.clone(),
            scans,
        },
    );
    Ok(analysis)
}

fn layout(workspace: &Workspace) -> Vec<(PathBuf, Stamp)> {
    let stamped = |path: PathBuf| (stamp(&path), path);
    workspace
        .manifests()
        .into_iter()
        .map(stamped)
        .map(|(stamp, path)| (path, stamp))
        .collect()
}

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    Some((meta.len(), modified.map_or(0, |d| d.as_nanos())))
}

fn analyzer() -> String {
    let exe = std::env::current_exe().ok().and_then(|e| stamp(&e));
    format!("{}|{exe:?}", env!("CARGO_PKG_VERSION"))
}

fn load(path: &Path) -> Option<RepeatCache> {
    let cache: RepeatCache = codec::decode_file(MAGIC, &std::fs::read(path).ok()?)?;
    (cache.analyzer == analyzer()).then_some(cache)
}

/// Best effort: a cache that cannot be written only costs the next run its work.
fn save(path: &Path, cache: &RepeatCache) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(path, codec::encode_file(MAGIC, cache));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_file_decodes_and_encodes_again_to_the_same_bytes() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/routes/Cargo.toml");
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("check.cache");
        let first = analyze_with_cache(Some(&fixture), &file).expect("analyzes");
        let bytes = std::fs::read(&file).expect("written");
        assert!(bytes.starts_with(MAGIC));
        let cache = load(&file).expect("loads");
        assert_eq!(cache.manifest_path.as_deref(), Some(fixture.as_path()));
        assert_eq!(codec::encode_file(MAGIC, &cache), bytes);

        let second = analyze_with_cache(Some(&fixture), &file).expect("analyzes");
        assert_eq!(
            (
                second.stats.parsed,
                second.stats.reused,
                second.stats.metadata
            ),
            (0, first.stats.parsed, Duration::ZERO),
            "no `cargo metadata`, no parse"
        );
        assert_eq!(std::fs::read(&file).expect("written"), bytes, "unchanged");
    }
}
