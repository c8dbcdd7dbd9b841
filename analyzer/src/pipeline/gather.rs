//! Stage 2, gather: every source file walked, prefiltered and parsed into a [`FileScan`],
//! through the [`ScanCache`] so an unchanged file is neither read for the prefilter nor
//! parsed again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use memchr::memmem::Finder;
use rayon::prelude::*;

use crate::analysis::Stats;
use crate::catalogue::Rule;
use crate::finding::Finding;
use crate::scan::{self, FileContext, FileScan};
use crate::scan_cache::{self, ScanCache, Stamp};
use crate::source::{FileId, SourceMap, Span};
use crate::walk::{self, Prefiltered, SourcePath};
use crate::workspace::Workspace;

/// The files of a workspace, scanned.
pub(crate) struct Gathered {
    /// Every source file looked at.
    pub(crate) files: Vec<PathBuf>,
    /// One scan per file that mentions tallyho, cached or fresh.
    pub(crate) scans: Vec<FileScan>,
    /// Paths and files that could not be read or were too large.
    pub(crate) findings: Vec<Finding>,
    /// Counts and the walk, filter and parse timings.
    pub(crate) stats: Stats,
}

/// Walks the workspace's source trees and scans every file that can declare a metric.
pub(crate) fn gather(
    workspace: &Workspace,
    cache: &mut ScanCache,
    sources: &mut SourceMap,
) -> Gathered {
    let mut stats = Stats::default();
    let started = Instant::now();
    let (files, walk_errors) = walk::source_files(&workspace.packages);
    stats.walk = started.elapsed();
    stats.files = files.len();
    let mut findings: Vec<Finding> = walk_errors
        .into_iter()
        .map(|e| unreadable_path(sources, &workspace.root, e.path, &e.message))
        .collect();

    let pool = pool();
    let places = Places::new(workspace);
    let needles = needles(workspace);
    let finders: Vec<Finder<'_>> = needles.iter().map(Finder::new).collect();
    let started = Instant::now();
    let outcomes = in_pool(&pool, || look(&files, cache, &places, &finders));
    stats.filter = started.elapsed();

    let sorted = sort(&files, outcomes, cache, &places, sources, &workspace.root);
    findings.extend(sorted.findings);
    stats.reused = sorted.scans.len();
    stats.parsed = sorted.pending.len();

    let started = Instant::now();
    let mut scans = sorted.scans;
    scans.extend(parse(&pool, workspace, &places, &sorted.pending));
    remember(cache, &places, &sorted.pending, &scans[stats.reused..]);
    let files: Vec<PathBuf> = files.into_iter().map(|f| f.path).collect();
    cache.retain(&files);
    stats.parse = started.elapsed();
    Gathered {
        files,
        scans,
        findings,
        stats,
    }
}

/// Names under which any package reaches tallyho: what a declaration's file must mention.
fn needles(workspace: &Workspace) -> Vec<String> {
    let mut needles: Vec<String> = workspace
        .packages
        .iter()
        .flat_map(|p| p.tallyho_names.iter().cloned())
        .collect();
    needles.push("tallyho".to_owned());
    needles.sort();
    needles.dedup();
    needles
}

/// The parser's recursion, bounded by the scan's pre-scan, wants [`scan::PARSE_STACK`].
fn pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .stack_size(scan::PARSE_STACK)
        .build()
        .ok()
}

/// Runs `f` on `pool`, or on the global pool if a dedicated one could not be built.
fn in_pool<R: Send>(pool: &Option<rayon::ThreadPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// What a file's scan depends on besides its text: the cache key beside its stamp.
struct Places {
    /// The workspace's library crate names, which `use` paths may start with.
    externs: Vec<String>,
    /// Per package: its name, its names for tallyho, and the externs.
    packages: Vec<String>,
}

impl Places {
    fn new(workspace: &Workspace) -> Places {
        let externs: Vec<String> = workspace
            .packages
            .iter()
            .filter_map(|p| p.lib.as_ref().map(|l| l.crate_name.clone()))
            .collect();
        let packages = workspace
            .packages
            .iter()
            .map(|p| {
                let tallyho = p.tallyho_names.join(",");
                format!("{}|{tallyho}|{}", p.name, externs.join(","))
            })
            .collect();
        Places { externs, packages }
    }

    /// The place of one file: its package's, plus its crate, binary and module.
    fn hash(&self, path: &SourcePath) -> u64 {
        scan_cache::place_hash(&[
            &self.packages[path.package],
            &path.crate_name,
            path.binary.as_deref().unwrap_or(""),
            &path.module_path.join("::"),
        ])
    }
}

/// What looking at one file came to.
enum Outcome {
    /// Cached: it does not mention tallyho.
    Skip,
    /// Cached: its text (for findings) and its scan.
    Cached(String, FileScan),
    /// Looked at now: its stamp (to cache the result under) and the prefilter's verdict.
    Fresh(Option<Stamp>, Prefiltered),
}

/// Files unchanged since the cache was filled keep their outcome; the rest are prefiltered.
fn look(
    files: &[SourcePath],
    cache: &ScanCache,
    places: &Places,
    finders: &[Finder<'_>],
) -> Vec<Outcome> {
    files
        .par_iter()
        .map(|f| {
            let stamp = scan_cache::stamp(&f.path);
            let cached = stamp.and_then(|stamp| cache.get(&f.path, stamp, places.hash(f)));
            match cached {
                Some(None) => Outcome::Skip,
                Some(Some(scan)) => match std::fs::read_to_string(&f.path) {
                    Ok(text) => Outcome::Cached(text, scan.clone()),
                    Err(_) => Outcome::Fresh(stamp, walk::prefilter(&f.path, finders)),
                },
                None => Outcome::Fresh(stamp, walk::prefilter(&f.path, finders)),
            }
        })
        .collect()
}

/// A file to parse: its id in the source map, where it sits, its text and its stamp.
struct Pending<'f> {
    id: FileId,
    path: &'f SourcePath,
    text: Arc<str>,
    stamp: Option<Stamp>,
}

/// The outcomes, sorted: scans reused, files to parse, files that could not be read.
struct Sorted<'f> {
    scans: Vec<FileScan>,
    pending: Vec<Pending<'f>>,
    findings: Vec<Finding>,
}

/// Sorts the outcomes in file order, adding every file kept to `sources` and caching the
/// files the prefilter skipped.
fn sort<'f>(
    files: &'f [SourcePath],
    outcomes: Vec<Outcome>,
    cache: &mut ScanCache,
    places: &Places,
    sources: &mut SourceMap,
    root: &Path,
) -> Sorted<'f> {
    let mut sorted = Sorted {
        scans: Vec::new(),
        pending: Vec::new(),
        findings: Vec::new(),
    };
    for (path, outcome) in files.iter().zip(outcomes) {
        let (stamp, prefiltered) = match outcome {
            Outcome::Skip => continue,
            Outcome::Cached(text, mut scan) => {
                scan.rebase(sources.add(root, path.path.clone(), Arc::from(text)));
                sorted.scans.push(scan);
                continue;
            }
            Outcome::Fresh(stamp, prefiltered) => (stamp, prefiltered),
        };
        match prefiltered {
            Prefiltered::Skip => {
                if let Some(stamp) = stamp {
                    cache.insert(path.path.clone(), stamp, places.hash(path), None);
                }
            }
            Prefiltered::Parse(text) => {
                let text: Arc<str> = Arc::from(text);
                let id = sources.add(root, path.path.clone(), Arc::clone(&text));
                sorted.pending.push(Pending {
                    id,
                    path,
                    text,
                    stamp,
                });
            }
            Prefiltered::Unreadable(message) => sorted
                .findings
                .push(unreadable_file(sources, root, path, &message)),
            Prefiltered::TooLarge(bytes) => {
                sorted.findings.push(too_large(sources, root, path, bytes))
            }
        }
    }
    sorted
}

/// Scans the pending files in their order: in parallel on `pool`, or else in turn on one
/// thread with the parsing stack (never on a thread with less).
fn parse(
    pool: &Option<rayon::ThreadPool>,
    workspace: &Workspace,
    places: &Places,
    pending: &[Pending<'_>],
) -> Vec<FileScan> {
    let one = |p: &Pending<'_>| scan_one(workspace, places, p);
    match pool {
        Some(pool) => pool.install(|| pending.par_iter().map(one).collect()),
        None => scan::on_parse_stack(|| pending.iter().map(one).collect()),
    }
}

/// Scans one pending file in its place.
fn scan_one(workspace: &Workspace, places: &Places, p: &Pending<'_>) -> FileScan {
    let package = &workspace.packages[p.path.package];
    let context = FileContext {
        file: p.id,
        package: &package.name,
        crate_name: &p.path.crate_name,
        binary: p.path.binary.as_deref(),
        module: p.path.module_path.clone(),
        externs: &places.externs,
        tallyho: &package.tallyho_names,
    };
    scan::scan_file(&context, &p.text)
}

/// Caches each fresh scan under its file's stamp and place.
fn remember(cache: &mut ScanCache, places: &Places, pending: &[Pending<'_>], fresh: &[FileScan]) {
    for (pending, scan) in pending.iter().zip(fresh) {
        if let Some(stamp) = pending.stamp {
            let place = places.hash(pending.path);
            cache.insert(pending.path.path.clone(), stamp, place, Some(scan.clone()));
        }
    }
}

/// `source.unreadable` for a path the walk could not enter.
fn unreadable_path(sources: &mut SourceMap, root: &Path, path: PathBuf, message: &str) -> Finding {
    let file = sources.add(root, path, Arc::from(""));
    Finding::new(
        Rule::SourceUnreadable,
        Span { file, range: 0..0 },
        format!("cannot read this path: {message}"),
    )
    .help("fix or remove it; files behind it are not checked")
}

/// `source.unreadable` for a file the prefilter could not read as text.
fn unreadable_file(
    sources: &mut SourceMap,
    root: &Path,
    path: &SourcePath,
    message: &str,
) -> Finding {
    let file = sources.add(root, path.path.clone(), Arc::from(""));
    Finding::new(
        Rule::SourceUnreadable,
        Span { file, range: 0..0 },
        format!("cannot read this file: {message}"),
    )
    .help("declarations in it are not checked until it can be read")
}

/// `source.too_large` for a file over the size limit.
fn too_large(sources: &mut SourceMap, root: &Path, path: &SourcePath, bytes: u64) -> Finding {
    let file = sources.add(root, path.path.clone(), Arc::from(""));
    Finding::new(
        Rule::SourceTooLarge,
        Span { file, range: 0..0 },
        format!(
            "this file is {bytes} bytes, over the {} byte limit, and is not scanned",
            walk::MAX_FILE_BYTES
        ),
    )
    .help("generated code this size does not declare metrics; keep declarations in ordinary files")
}
