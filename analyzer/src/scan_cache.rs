//! Per-file scan results kept between analyses. A file whose size and modification time are
//! unchanged is neither read for the prefilter nor parsed again: the build step keeps this in
//! `OUT_DIR`, so a rerun after one file changed parses one file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::scan::FileScan;

/// Size and modification time (nanoseconds since the epoch) of a file.
pub(crate) type Stamp = (u64, u128);

/// Scan results by file, valid while the file's [`Stamp`] and place in the workspace hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanCache {
    entries: HashMap<PathBuf, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    stamp: Stamp,
    /// A hash of where the file sat (package, crate, module, visible crate names): a scan
    /// depends on it.
    place: u64,
    /// `None`: the prefilter found no mention of tallyho.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scan: Option<FileScan>,
}

/// The stamp of `path`, if it can be read.
pub(crate) fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((meta.len(), modified.as_nanos()))
}

/// A stable hash (FNV-1a) of a file's place, the same in every run and every build.
pub(crate) fn place_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

impl ScanCache {
    /// The cached outcome for `path`, if its stamp and place are unchanged.
    pub(crate) fn get(&self, path: &Path, stamp: Stamp, place: u64) -> Option<&Option<FileScan>> {
        self.entries
            .get(path)
            .filter(|e| e.stamp == stamp && e.place == place)
            .map(|e| &e.scan)
    }

    pub(crate) fn insert(
        &mut self,
        path: PathBuf,
        stamp: Stamp,
        place: u64,
        scan: Option<FileScan>,
    ) {
        self.entries.insert(path, Entry { stamp, place, scan });
    }

    /// Forgets files that are gone from the workspace.
    pub(crate) fn retain(&mut self, files: &[PathBuf]) {
        let live: std::collections::HashSet<&Path> = files.iter().map(PathBuf::as_path).collect();
        self.entries.retain(|path, _| live.contains(path.as_path()));
    }

    /// Whether exactly `files` are cached, each with its current stamp: an analysis would
    /// read and parse nothing.
    pub fn is_current(&self, files: &[PathBuf]) -> bool {
        files.len() == self.entries.len()
            && files.iter().all(|f| {
                self.entries
                    .get(f)
                    .is_some_and(|e| stamp(f) == Some(e.stamp))
            })
    }
}
