//! Per-file scan results kept between analyses. A file whose size and modification time are
//! unchanged is neither read for the prefilter nor parsed again: the build step keeps this in
//! `OUT_DIR`, so a rerun after one file changed parses one file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::scan::FileScan;

/// Size and modification time (nanoseconds since the epoch) of a file.
pub(crate) type Stamp = (u64, u128);

/// Scan results by file and place, valid while the file's `Stamp` holds. A file mounted
/// by two crates (a library and a binary) has an entry for each.
#[derive(Debug, Clone, Default)]
pub struct ScanCache {
    entries: HashMap<PathBuf, Vec<Entry>>,
}

#[derive(Debug, Clone)]
struct Entry {
    stamp: Stamp,
    /// A hash of where the file sat (package, crate, module, visible crate names, features):
    /// a scan depends on it.
    place: u64,
    /// What scanning found: declarations and the rest, or only the `mod` items of a file
    /// that does not mention tallyho.
    scan: FileScan,
}

crate::codec_struct!(ScanCache { entries });
crate::codec_struct!(Entry { stamp, place, scan });

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
    /// The cached scan of `path` at `place`, if its stamp is unchanged.
    pub(crate) fn get(&self, path: &Path, stamp: Stamp, place: u64) -> Option<&FileScan> {
        self.entries
            .get(path)?
            .iter()
            .find(|e| e.stamp == stamp && e.place == place)
            .map(|e| &e.scan)
    }

    pub(crate) fn insert(&mut self, path: PathBuf, stamp: Stamp, place: u64, scan: FileScan) {
        let entries = self.entries.entry(path).or_default();
        entries.retain(|e| e.place != place);
        entries.push(Entry { stamp, place, scan });
    }

    /// Forgets every entry but those at `live` (a file and its place): files no module tree
    /// reaches any more.
    pub(crate) fn retain(&mut self, live: &[(PathBuf, u64)]) {
        let live: std::collections::HashSet<(&Path, u64)> = live
            .iter()
            .map(|(p, place)| (p.as_path(), *place))
            .collect();
        self.entries.retain(|path, entries| {
            entries.retain(|e| live.contains(&(path.as_path(), e.place)));
            !entries.is_empty()
        });
    }

    /// The files cached, sorted: every file of the module trees the last analysis walked.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.entries.keys().cloned().collect();
        files.sort();
        files
    }

    /// Whether the cache is filled and every file in it has its stamp: the module trees are
    /// those the cache holds (they follow from the files' text), and an analysis would read
    /// and parse nothing.
    pub fn is_current(&self) -> bool {
        !self.entries.is_empty()
            && self.entries.iter().all(|(path, entries)| {
                let now = stamp(path);
                entries.iter().all(|e| now == Some(e.stamp))
            })
    }
}
