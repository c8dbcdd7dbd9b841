//! The module tree of each crate, as the compiler builds it: from the crate root of every
//! library and binary target, through each compiled `mod` item (`#[path]` too), to the files
//! they name. A file no `mod` mounts is not compiled and not scanned; a folder's name
//! (`target`, hidden) does not matter, only the tree does. Tests, examples, benches and build
//! scripts are separate crates that never link into a service.
//!
//! Also the byte prefilter that decides cheaply which files may declare metrics.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cfg::CfgSet;
use crate::scan::{self, ModDecl};
use crate::scan_cache::{self, Stamp};
use crate::workspace::Workspace;

/// Files larger than this are reported and skipped: nobody declares metrics in them, and
/// parsing them could exhaust memory.
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A file of a crate's module tree, and where in the tree it sits.
#[derive(Debug, Clone)]
pub(crate) struct SourcePath {
    pub(crate) path: PathBuf,
    pub(crate) package: usize,
    pub(crate) crate_name: String,
    /// The binary target the file compiles into, `None` for the library.
    pub(crate) binary: Option<String>,
    pub(crate) module_path: Vec<String>,
    /// Whether its `mod` items' files sit beside it (a crate root, a `mod.rs`, a file named
    /// by `#[path]`) rather than in a folder named after it.
    pub(crate) owns_dir: bool,
    /// Where the module's file is when `path` (`name.rs`) is not: `name/mod.rs`.
    pub(crate) fallback: Option<PathBuf>,
    /// Its size and modification time, once [`locate`] found it.
    pub(crate) stamp: Option<Stamp>,
    /// A hash of its place (package, crate, module): its scan's cache key beside the stamp.
    pub(crate) place: u64,
    /// The crate root's `extern crate` names (alias, crate): in scope in every module.
    pub(crate) prelude: Vec<(String, String)>,
    /// The undecided `cfg` of the `mod` items leading to it: everything in it inherits it.
    pub(crate) cfg: Option<String>,
}

impl SourcePath {
    /// A module whose file is at neither `name.rs` nor `name/mod.rs`: the crate does not
    /// compile as it stands.
    pub(crate) fn is_missing(&self) -> bool {
        self.stamp.is_none() && self.fallback.is_some()
    }
}

/// The crate root of every library and binary target of every package.
pub(crate) fn roots(workspace: &Workspace) -> Vec<SourcePath> {
    let mut roots = Vec::new();
    for (index, package) in workspace.packages.iter().enumerate() {
        let bins = package.bins.iter().map(|b| (b, Some(b.name.clone())));
        for (target, binary) in package.lib.iter().map(|l| (l, None)).chain(bins) {
            roots.push(SourcePath {
                path: target.src_path.clone(),
                package: index,
                crate_name: target.crate_name.clone(),
                binary,
                module_path: Vec::new(),
                owns_dir: true,
                fallback: None,
                stamp: None,
                place: 0,
                prelude: Vec::new(),
                cfg: None,
            });
        }
    }
    roots
}

/// The file a `mod` item of `parent` names, as the compiler finds it: `#[path]` relative to
/// the parent's folder, else `name.rs`, else `name/mod.rs` (the [`locate`] step), in the
/// folder the parent owns.
pub(crate) fn child(parent: &SourcePath, decl: &ModDecl) -> SourcePath {
    let folder = parent.path.parent().unwrap_or(Path::new(""));
    let mut dir = if parent.owns_dir {
        folder.to_owned()
    } else {
        folder.join(parent.path.file_stem().unwrap_or_default())
    };
    dir.extend(&decl.inline);
    let mut module_path = parent.module_path.clone();
    module_path.extend(decl.inline.iter().cloned());
    module_path.push(decl.name.clone());
    let place = |path: PathBuf, owns_dir: bool, fallback: Option<PathBuf>| SourcePath {
        path,
        package: parent.package,
        crate_name: parent.crate_name.clone(),
        binary: parent.binary.clone(),
        module_path,
        owns_dir,
        fallback,
        stamp: None,
        place: 0,
        prelude: parent.prelude.clone(),
        cfg: crate::cfg::conjoin(parent.cfg.as_deref(), decl.cfg.as_deref()),
    };
    if let Some(path) = &decl.path {
        // Outside inline modules a `#[path]` is relative to the parent file's folder.
        let base = if decl.inline.is_empty() { folder } else { &dir };
        return place(normalized(&base.join(path)), true, None);
    }
    let nested = dir.join(&decl.name).join("mod.rs");
    place(dir.join(format!("{}.rs", decl.name)), false, Some(nested))
}

/// Stamps the file, or its `name/mod.rs` fallback when `name.rs` is not there. Files of a
/// level are located in parallel: this is the one `stat` of each.
pub(crate) fn locate(file: &mut SourcePath) {
    file.stamp = scan_cache::stamp(&file.path);
    if file.stamp.is_some() {
        file.fallback = None;
        return;
    }
    let Some(nested) = &file.fallback else {
        return;
    };
    if let Some(stamp) = scan_cache::stamp(nested) {
        file.path = file.fallback.take().unwrap_or_default();
        file.owns_dir = true;
        file.stamp = Some(stamp);
    }
}

/// `path` with `.` and `dir/..` removed, without touching the file system (a `#[path]`
/// like `../generated/x.rs` reads as the file it names).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The outcome of looking at one file's bytes.
pub(crate) enum Prefiltered {
    /// It cannot declare a metric (no mention of tallyho); its compiled `mod` items.
    Skip(Vec<ModDecl>),
    /// It may: here is its text.
    Parse(Arc<str>),
    /// It could not be looked at.
    Unreadable(String),
    /// It is over [`MAX_FILE_BYTES`].
    TooLarge(u64),
}

/// What, besides naming tallyho or a crate reaching it, makes a file worth parsing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keys {
    /// Its crate reaches tallyho, so a `static` in it may be a metric whose type comes
    /// through the crate's own re-export (`use crate::metrics::Counter`, `use super::prelude::*`)
    /// and names neither tallyho nor another crate.
    pub(crate) statics: bool,
    /// It is the root of such a crate: an `extern crate x as y;` in it names a crate for
    /// every module of the crate.
    pub(crate) root: bool,
}

/// Whether `word` occurs in the text as a keyword could: not inside a longer identifier and
/// not as a lifetime (`'static`). A non-ASCII neighbour may be Unicode whitespace, so it
/// counts as a boundary: the check may keep too much, never too little. One `memmem` pass.
fn has_keyword(bytes: &[u8], word: &[u8]) -> bool {
    let ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    memchr::memmem::find_iter(bytes, word).any(|at| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + word.len()).copied();
        !before.is_some_and(|b| b == b'\'' || ident(b)) && !after.is_some_and(ident)
    })
}

/// Reads a file and keeps it only if it mentions one of `needles` (the names tallyho and the
/// crates reaching it go by) or, as `keys` allow, has a `static` keyword or an `extern`:
/// a declaration must name a tallyho type, through some name. `memmem` passes, no parsing;
/// a file kept out still gives its `mod` items (from its tokens, when it mentions `mod`).
pub(crate) fn prefilter(
    path: &Path,
    needles: &[memchr::memmem::Finder<'_>],
    keys: Keys,
    cfg: &CfgSet<'_>,
) -> Prefiltered {
    match fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_FILE_BYTES => return Prefiltered::TooLarge(meta.len()),
        Ok(_) => {}
        Err(err) => return Prefiltered::Unreadable(err.to_string()),
    }
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => return Prefiltered::Unreadable(err.to_string()),
    };
    let wanted = needles.iter().any(|needle| needle.find(&bytes).is_some())
        || (keys.statics && has_keyword(&bytes, b"static"))
        || (keys.root && has_keyword(&bytes, b"extern"));
    if !wanted && memchr::memmem::find(&bytes, b"mod").is_none() {
        return Prefiltered::Skip(Vec::new());
    }
    match String::from_utf8(bytes) {
        Ok(text) if wanted => Prefiltered::Parse(Arc::from(text)),
        Ok(text) => Prefiltered::Skip(scan::modules_from_tokens(&scan::blank_preamble(&text), cfg)),
        Err(err) => Prefiltered::Unreadable(format!(
            "not valid UTF-8 (at byte {})",
            err.utf8_error().valid_up_to()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_found_whatever_follows_them_and_never_as_lifetimes() {
        for kept in [
            "pub static X: C = C::new(\"x\");",
            "pub static\n    X: C",
            "static\tX: C",
            "static/* a comment */X: C",
            "pub(crate)static X: C",
            "#[used]static X: C",
            "\u{2028}static\u{2028}X: C",
        ] {
            assert!(has_keyword(kept.as_bytes(), b"static"), "{kept:?}");
        }
        for skipped in [
            "fn f(s: &'static str) {}",
            "const NONSTATIC: u8 = 0;",
            "let statics = 1; let is_static = 2;",
            "",
        ] {
            assert!(!has_keyword(skipped.as_bytes(), b"static"), "{skipped:?}");
        }
    }
}
