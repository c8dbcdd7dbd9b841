//! Following paths across modules and crates as the compiler's name resolution does: `use`
//! and `pub use` chains, glob imports (a `prelude::*`), type aliases, `extern crate` and
//! dependency renames (already spelled by each crate's own name in the scans), up to the
//! module that defines the item or to tallyho itself.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::scan::scope::TALLYHO;
use crate::scan::{FileScan, ModuleScope};

/// How many `use` steps are followed before giving up (an import cycle).
const MAX_STEPS: usize = 32;

/// Every scanned module's scope, by its absolute path.
pub(crate) struct Paths {
    modules: HashMap<Vec<String>, ModuleScope>,
    /// Modules a path was followed into that no scan has: a file the prefilter passed over
    /// may hold the `use` that goes on (see [`Paths::misses`]).
    misses: Mutex<HashSet<Vec<String>>>,
    /// Modules of the trees that are known but not scanned (files passed over), by
    /// [`module_key`]: no path is copied for them.
    unscanned: HashSet<u64>,
}

impl Paths {
    /// The modules of every scan.
    pub(crate) fn new(scans: &[FileScan]) -> Self {
        let modules = scans
            .iter()
            .flat_map(|s| &s.modules)
            .map(|m| (m.path.clone(), m.clone()))
            .collect();
        Paths {
            modules,
            misses: Mutex::default(),
            unscanned: HashSet::new(),
        }
    }

    /// These paths, knowing which modules of the trees exist unscanned: a path through one
    /// is a miss of that module alone, not of its parent (whose `use` of the same name
    /// would clash with the module), so only the file that goes on is wanted.
    pub(crate) fn knowing(mut self, unscanned: HashSet<u64>) -> Self {
        self.unscanned = unscanned;
        self
    }

    /// The scope of the module at `path`, if it was scanned.
    pub(crate) fn module(&self, path: &[String]) -> Option<&ModuleScope> {
        let found = self.modules.get(path);
        if found.is_none() {
            self.missed(path);
        }
        found
    }

    /// Every module a path was followed into, since the last call, that no scan has.
    pub(crate) fn misses(&self) -> HashSet<Vec<String>> {
        std::mem::take(&mut *self.recorded())
    }

    /// The record of misses, whatever a panic elsewhere left in it.
    fn recorded(&self) -> std::sync::MutexGuard<'_, HashSet<Vec<String>>> {
        self.misses
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn missed(&self, path: &[String]) {
        if path.first().is_some_and(|c| c != TALLYHO) {
            self.recorded().insert(path.to_vec());
        }
    }

    /// `candidates` (paths as written), each followed to where it is defined when it can be.
    pub(crate) fn canonical_all(&self, candidates: &mut [Vec<String>]) {
        for candidate in candidates {
            if let Some(canonical) = self.canonical(candidate) {
                *candidate = canonical;
            }
        }
    }

    /// Where the item at `path` is defined, following imports: a path into tallyho, or one
    /// whose module defines the name. `None` when the chain leaves the scanned modules.
    pub(crate) fn canonical(&self, path: &[String]) -> Option<Vec<String>> {
        self.item(path, 0)
    }

    /// The tallyho item `path` leads to, by its name in tallyho.
    pub(crate) fn tallyho_item(&self, path: &[String]) -> Option<String> {
        let canonical = self.canonical(path)?;
        (canonical.len() >= 2 && canonical[0] == TALLYHO).then(|| canonical.last().cloned())?
    }

    fn item(&self, path: &[String], steps: usize) -> Option<Vec<String>> {
        if steps > MAX_STEPS {
            return None;
        }
        if path.first().map(String::as_str) == Some(TALLYHO) {
            return Some(path.to_vec());
        }
        let (name, module) = path.split_last()?;
        let module = self.module_path(module, steps + 1)?;
        if module.first().map(String::as_str) == Some(TALLYHO) {
            return Some(joined(&module, name));
        }
        let scope = self.module(&module)?;
        if scope.locals.contains(name) {
            return Some(joined(&module, name));
        }
        if let Some(target) = scope.imports.get(name) {
            return self.item(target, steps + 1);
        }
        scope
            .globs
            .iter()
            .find_map(|glob| self.item(&joined(glob, name), steps + 1))
    }

    /// The module `path` names, following re-exported modules (`pub use tallyho as th`).
    fn module_path(&self, path: &[String], steps: usize) -> Option<Vec<String>> {
        if steps > MAX_STEPS || path.is_empty() {
            return None;
        }
        if self.modules.contains_key(path) || path[0] == TALLYHO || path.len() == 1 {
            return Some(path.to_vec());
        }
        let (name, parent) = path.split_last()?;
        let parent = self.module_path(parent, steps + 1)?;
        let direct = joined(&parent, name);
        if self.modules.contains_key(&direct) || parent[0] == TALLYHO {
            return Some(direct);
        }
        self.missed(&direct);
        if self.unscanned.contains(&module_key(&direct)) {
            return Some(direct);
        }
        let target = self.module(&parent)?.imports.get(name)?;
        self.module_path(target, steps + 1)
    }
}

/// A module path's key in [`Paths::knowing`]'s set, from its segments in order.
pub(crate) fn module_key<'s>(segments: impl IntoIterator<Item = &'s String>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for segment in segments {
        segment.hash(&mut hasher);
    }
    hasher.finish()
}

fn joined(path: &[String], name: &str) -> Vec<String> {
    let mut out = path.to_vec();
    out.push(name.to_owned());
    out
}
