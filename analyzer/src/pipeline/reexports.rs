//! Files the prefilter passed over that name resolution needs after all: a module with no
//! `static` and no mention of tallyho can still carry the `pub use` a declaration's type goes
//! through (`pub use th::Counter;` under an `extern crate` alias, a chain of re-exports, a
//! `prelude` glob), or the label struct or enum a group names, or the `pub use` of a label
//! derive. Such a file is parsed once a path is followed into its module, so the prefilter
//! stays a byte check and no metric or label type is lost to it.

use std::collections::HashMap;

use crate::model::MetricType;
use crate::paths::{self, Paths};
use crate::scan::{DeferredStatic, FieldKind, FileScan};
use crate::walk::SourcePath;

/// The indices in `skipped` of the files holding a module that following the deferred
/// statics' types, the label types and the derives of label structs and enums went into without finding a scan of it (each such
/// module's own file, or the file of the nearest module enclosing it).
pub(super) fn wanted(scans: &[FileScan], skipped: &[SourcePath]) -> Vec<usize> {
    if skipped.is_empty() {
        return Vec::new();
    }
    let unscanned = skipped.iter().map(|file| {
        let module = std::iter::once(&file.crate_name).chain(&file.module_path);
        paths::module_key(module)
    });
    let paths = Paths::new(scans).knowing(unscanned.collect());
    for scan in scans {
        let grouped = scan.deferred.iter().filter(|d| grouped(&paths, d));
        let deferred = grouped.flat_map(|d| &d.label_candidates);
        let labels = scan.declarations.iter().flat_map(|d| &d.label_candidates);
        let fields = scan.structs.iter().flat_map(|s| &s.fields);
        let enums = fields.filter_map(|f| match &f.kind {
            FieldKind::Enum(candidates) => Some(candidates),
            _ => None,
        });
        let derives = scan.structs.iter().flat_map(|s| &s.derive_paths);
        let derives = derives.chain(scan.enums.iter().flat_map(|e| &e.derive_paths));
        for candidate in labels.chain(deferred).chain(enums.flatten()).chain(derives) {
            paths.canonical(candidate);
        }
    }
    let misses = paths.misses();
    if misses.is_empty() {
        return Vec::new();
    }
    let mut files: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
    for (index, file) in skipped.iter().enumerate() {
        let mut module = vec![file.crate_name.clone()];
        module.extend(file.module_path.iter().cloned());
        files.entry(module).or_default().push(index);
    }
    let mut wanted: Vec<usize> = misses
        .iter()
        .filter_map(|miss| (1..=miss.len()).rev().find_map(|n| files.get(&miss[..n])))
        .flatten()
        .copied()
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// Whether a deferred static's type leads to a metric group (following it records the
/// modules it goes through), so its label type is wanted too.
fn grouped(paths: &Paths, deferred: &DeferredStatic) -> bool {
    let item = paths.tallyho_item(&deferred.type_path);
    item.and_then(|name| MetricType::from_name(&name))
        .is_some_and(|metric| metric.grouped)
}
