//! Files the prefilter passed over that name resolution needs after all: a module with no
//! `static` and no mention of tallyho can still carry the `pub use` a declaration's type goes
//! through (`pub use th::Counter;` under an `extern crate` alias, a chain of re-exports, a
//! `prelude` glob). Such a file is parsed once a path is followed into its module, so the
//! prefilter stays a byte check and no metric is lost to it.

use std::collections::HashMap;

use crate::paths::Paths;
use crate::scan::{FieldKind, FileScan};
use crate::walk::SourcePath;

/// The indices in `skipped` of the files holding a module that following the deferred
/// statics' types and the label types went into without finding a scan of it (each such
/// module's own file, or the file of the nearest module enclosing it).
pub(super) fn wanted(scans: &[FileScan], skipped: &[SourcePath]) -> Vec<usize> {
    if skipped.is_empty() {
        return Vec::new();
    }
    let paths = Paths::new(scans);
    for scan in scans {
        for deferred in &scan.deferred {
            paths.canonical(&deferred.type_path);
        }
        let labels = scan.declarations.iter().flat_map(|d| &d.label_candidates);
        let fields = scan.structs.iter().flat_map(|s| &s.fields);
        let enums = fields.filter_map(|f| match &f.kind {
            FieldKind::Enum(candidates) => Some(candidates),
            _ => None,
        });
        for candidate in labels.chain(enums.flatten()) {
            paths.canonical(candidate);
        }
    }
    let mut files: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
    for (index, file) in skipped.iter().enumerate() {
        let mut module = vec![file.crate_name.clone()];
        module.extend(file.module_path.iter().cloned());
        files.entry(module).or_default().push(index);
    }
    let mut wanted: Vec<usize> = paths
        .misses()
        .iter()
        .filter_map(|miss| (1..=miss.len()).rev().find_map(|n| files.get(&miss[..n])))
        .flatten()
        .copied()
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}
