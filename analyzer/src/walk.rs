//! Finding the source files of each package and deciding cheaply which may declare metrics.
//!
//! Only `src/` is walked: what the package's library and binaries compile. Tests, examples,
//! benches and build scripts are separate crates that never link into a service.

use std::fs;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::workspace::{Package, Target, Workspace};

/// Files larger than this are reported and skipped: nobody declares metrics in them, and
/// parsing them could exhaust memory.
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A `.rs` file under a package's `src/`, and the crate and module it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct SourcePath {
    pub(crate) path: PathBuf,
    pub(crate) package: usize,
    pub(crate) crate_name: String,
    /// The binary target the file compiles into, `None` for the library.
    pub(crate) binary: Option<String>,
    pub(crate) module_path: Vec<String>,
}

/// Something the walk could not get past: a symlink loop, a permission error.
#[derive(Debug)]
pub(crate) struct WalkError {
    pub(crate) path: PathBuf,
    pub(crate) message: String,
}

/// Every `.rs` file under each package's `src/`, skipping hidden folders and `target/`.
/// Symlinks are followed; loops are reported, not followed.
pub(crate) fn source_files(packages: &[Package]) -> (Vec<SourcePath>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (index, package) in packages.iter().enumerate() {
        let src = package.dir.join("src");
        let walker = WalkDir::new(&src)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        for entry in walker.filter_entry(|e| e.depth() == 0 || !is_skipped_dir(e)) {
            match entry {
                Ok(entry)
                    if entry.file_type().is_file()
                        && entry.path().extension().is_some_and(|e| e == "rs") =>
                {
                    let path = entry.into_path();
                    let (target, module_path) = locate(package, &src, &path);
                    let binary = package
                        .bins
                        .iter()
                        .any(|b| std::ptr::eq(b, target))
                        .then(|| target.name.clone());
                    let crate_name = target.crate_name.clone();
                    files.push(SourcePath {
                        path,
                        package: index,
                        crate_name,
                        binary,
                        module_path,
                    });
                }
                Ok(_) => {}
                Err(err)
                    if err
                        .io_error()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                        && err.depth() == 0 => {}
                Err(err) => errors.push(WalkError {
                    path: err
                        .path()
                        .map(Path::to_owned)
                        .unwrap_or_else(|| src.clone()),
                    message: match err.loop_ancestor() {
                        Some(ancestor) => format!("symlink loop back to {}", ancestor.display()),
                        None => err
                            .io_error()
                            .map_or_else(|| err.to_string(), |e| e.to_string()),
                    },
                }),
            }
        }
    }
    (files, errors)
}

fn is_skipped_dir(entry: &walkdir::DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    entry.file_type().is_dir() && (name.starts_with('.') || name == "target")
}

/// The crate a file compiles into and its module path, from the file layout: `src/a/b.rs`
/// and `src/a/b/mod.rs` are `a::b`; `src/bin/x.rs` and `src/bin/x/main.rs` are crate `x`.
/// Files of neither a binary under `src/bin` nor `src/main.rs` belong to the library.
fn locate<'p>(package: &'p Package, src: &Path, path: &Path) -> (&'p Target, Vec<String>) {
    for bin in &package.bins {
        let root_dir = if bin.src_path.file_name().is_some_and(|n| n == "main.rs") {
            bin.src_path.parent().map(Path::to_owned)
        } else {
            Some(bin.src_path.with_extension(""))
        };
        if path == bin.src_path {
            return (bin, Vec::new());
        }
        if let Some(dir) = root_dir.filter(|dir| dir.as_path() != src) {
            if let Ok(rest) = path.strip_prefix(&dir) {
                return (bin, module_path(rest));
            }
        }
    }
    let owner = package
        .lib
        .as_ref()
        .or(package.bins.first())
        .unwrap_or(&package.fallback_target);
    (owner, module_path(path.strip_prefix(src).unwrap_or(path)))
}

fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(&last);
        let crate_root = parts.is_empty() && matches!(stem, "lib" | "main");
        if stem != "mod" && !crate_root {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// The outcome of looking at one file's bytes.
pub(crate) enum Prefiltered {
    /// It cannot declare a metric: no mention of tallyho.
    Skip,
    /// It may: here is its text.
    Parse(String),
    /// It could not be looked at.
    Unreadable(String),
    /// It is over [`MAX_FILE_BYTES`].
    TooLarge(u64),
}

/// Reads a file and keeps it only if it mentions one of `needles` (the names tallyho goes
/// by): a declaration must name a tallyho type. One `memmem` pass, no parsing.
pub(crate) fn prefilter(path: &Path, needles: &[memchr::memmem::Finder<'_>]) -> Prefiltered {
    match fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_FILE_BYTES => return Prefiltered::TooLarge(meta.len()),
        Ok(_) => {}
        Err(err) => return Prefiltered::Unreadable(err.to_string()),
    }
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => return Prefiltered::Unreadable(err.to_string()),
    };
    if !needles.iter().any(|needle| needle.find(&bytes).is_some()) {
        return Prefiltered::Skip;
    }
    match String::from_utf8(bytes) {
        Ok(text) => Prefiltered::Parse(text),
        Err(err) => Prefiltered::Unreadable(format!(
            "not valid UTF-8 (at byte {})",
            err.utf8_error().valid_up_to()
        )),
    }
}

// Here rather than in `workspace`: the walk knows the layout, the workspace only its members.
impl Workspace {
    /// Every source file an analysis scans (`src/**/*.rs` of each member), sorted.
    pub fn source_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = source_files(&self.packages)
            .0
            .into_iter()
            .map(|f| f.path)
            .collect();
        files.sort();
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_follow_the_file_layout() {
        let path = |p: &str| module_path(Path::new(p)).join("::");
        assert_eq!(path("lib.rs"), "");
        assert_eq!(path("main.rs"), "");
        assert_eq!(path("orders.rs"), "orders");
        assert_eq!(path("orders/mod.rs"), "orders");
        assert_eq!(path("orders/labels.rs"), "orders::labels");
    }
}
