//! Stage 2, gather: the module tree of every crate, from its root through each compiled
//! `mod` item, level by level; each file prefiltered and parsed into a [`FileScan`] through
//! the [`ScanCache`], so an unchanged file is neither read for the prefilter nor parsed again.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use memchr::memmem::Finder;

use super::par::*;
use super::reexports;
use crate::analysis::Stats;
use crate::catalogue::Rule;
use crate::cfg::CfgSet;
use crate::finding::Finding;
use crate::scan::{self, FileContext, FileScan};
use crate::scan_cache::{self, ScanCache, Stamp};
use crate::source::{display_name, FileId, SourceMap, Span};
use crate::walk::{self, Keys, Prefiltered, SourcePath};
use crate::workspace::Workspace;

/// The files of a workspace, scanned.
pub(crate) struct Gathered {
    /// Every file of every module tree.
    pub(crate) files: Vec<PathBuf>,
    /// One scan per file that mentions tallyho, cached or fresh.
    pub(crate) scans: Vec<FileScan>,
    /// Paths and files that could not be read or were too large.
    pub(crate) findings: Vec<Finding>,
    /// Counts and the walk, filter and parse timings.
    pub(crate) stats: Stats,
}

/// What gathering has so far, level after level of the module trees.
struct Progress<'c> {
    gathered: Gathered,
    cache: &'c mut ScanCache,
    /// Files already in a crate's tree: a `#[path]` cycle is followed once.
    seen: HashSet<(PathBuf, String, Option<String>)>,
    /// Each file's place in the cache, to forget the rest at the end.
    live: Vec<(PathBuf, u64)>,
    /// Files in a tree that gave nothing to scan: where a constant may still be.
    skipped: Vec<SourcePath>,
}

/// Walks every crate's module tree and scans every file that can declare a metric.
pub(crate) fn gather(
    workspace: &Workspace,
    cache: &mut ScanCache,
    sources: &mut SourceMap,
) -> Gathered {
    let pool = pool();
    let places = Places::new(workspace);
    let needles = needles(workspace, &places.reaching);
    let finders: Vec<Finder<'_>> = needles.iter().map(Finder::new).collect();
    let mut progress = Progress {
        gathered: Gathered {
            files: Vec::new(),
            scans: Vec::new(),
            findings: Vec::new(),
            stats: Stats::default(),
        },
        cache,
        seen: HashSet::new(),
        live: Vec::new(),
        skipped: Vec::new(),
    };
    let mut level = walk::roots(workspace);
    while !level.is_empty() {
        let started = Instant::now();
        in_pool(&pool, || {
            level.par_iter_mut().for_each(|f| {
                walk::locate(f);
                f.place = places.hash(f);
            })
        });
        progress.gathered.stats.walk += started.elapsed();
        level.retain(|f| {
            if f.is_missing() {
                let finding = missing(sources, workspace, f);
                progress.gathered.findings.push(finding);
                return false;
            }
            let key = (f.path.clone(), f.crate_name.clone(), f.binary.clone());
            progress.seen.insert(key)
        });
        level = step(
            level,
            workspace,
            &places,
            &finders,
            &pool,
            &mut progress,
            sources,
        );
    }
    parse_reexports(&mut progress, workspace, &places, &pool, sources);
    let Progress {
        mut gathered,
        cache,
        live,
        skipped,
        ..
    } = progress;
    cache.retain(&live);
    let constants = named_constants(&gathered.scans, &skipped, workspace, &places);
    gathered.scans.extend(constants);
    gathered.stats.files = gathered.files.len();
    gathered
}

/// One level of the module trees: looked at, parsed where needed, and the next level.
fn step(
    level: Vec<SourcePath>,
    workspace: &Workspace,
    places: &Places,
    finders: &[Finder<'_>],
    pool: &Pool,
    progress: &mut Progress<'_>,
    sources: &mut SourceMap,
) -> Vec<SourcePath> {
    let started = Instant::now();
    let outcomes = in_pool(pool, || {
        look(&level, progress.cache, places, workspace, finders)
    });
    progress.gathered.stats.filter += started.elapsed();
    let started = Instant::now();
    let fresh: Vec<Option<FileScan>> = in_pool(pool, || {
        level
            .par_iter()
            .zip(&outcomes)
            .map(|(path, outcome)| match outcome {
                Outcome::Fresh(_, Prefiltered::Parse(text)) => {
                    let text: &str = text;
                    Some(scan::scan_file(&places.context(workspace, path), text))
                }
                _ => None,
            })
            .collect()
    });
    progress.gathered.stats.parse += started.elapsed();
    let started = Instant::now();
    let mut next = Vec::new();
    for ((mut path, outcome), fresh) in level.into_iter().zip(outcomes).zip(fresh) {
        progress.live.push((path.path.clone(), path.place));
        progress.gathered.files.push(path.path.clone());
        if let Some(scan) = settle(&path, outcome, fresh, progress, sources, workspace) {
            if path.module_path.is_empty() {
                // A crate root: its `extern crate` items are in scope below it.
                path.prelude.clone_from(&scan.prelude);
            }
            next.extend(scan.mods.iter().map(|decl| walk::child(&path, decl)));
            if scan.parsed() || !scan.consts.is_empty() {
                progress.gathered.scans.push(scan);
            } else {
                progress.skipped.push(path);
            }
        }
    }
    progress.gathered.stats.walk += started.elapsed();
    next
}

/// Parses the files passed over that name resolution goes through (see [`reexports`]),
/// until following paths wants no more of them.
fn parse_reexports(
    progress: &mut Progress<'_>,
    workspace: &Workspace,
    places: &Places,
    pool: &Pool,
    sources: &mut SourceMap,
) {
    loop {
        let wanted = reexports::wanted(&progress.gathered.scans, &progress.skipped);
        if wanted.is_empty() {
            return;
        }
        // Highest index first: each `swap_remove` moves an entry already taken or kept.
        let files: Vec<SourcePath> = wanted
            .iter()
            .rev()
            .map(|&i| progress.skipped.swap_remove(i))
            .collect();
        let started = Instant::now();
        let parsed: Vec<Option<(Arc<str>, FileScan)>> = in_pool(pool, || {
            files
                .par_iter()
                .map(|f| {
                    let text: Arc<str> = Arc::from(std::fs::read_to_string(&f.path).ok()?);
                    let scan = scan::scan_file(&places.context(workspace, f), &text);
                    Some((text, scan))
                })
                .collect()
        });
        progress.gathered.stats.parse += started.elapsed();
        for (path, parsed) in files.iter().zip(parsed) {
            let Some((text, scan)) = parsed else { continue };
            let outcome = Outcome::Fresh(path.stamp, Prefiltered::Parse(text));
            let settled = settle(path, outcome, Some(scan), progress, sources, workspace);
            if let Some(scan) = settled.filter(FileScan::parsed) {
                progress.gathered.scans.push(scan);
            }
        }
    }
}

/// `source.unreadable` for a `mod` item whose file is missing.
fn missing(sources: &mut SourceMap, workspace: &Workspace, file: &SourcePath) -> Finding {
    let message = format!(
        "no file for module `{}` of crate `{}`",
        file.module_path.join("::"),
        file.crate_name
    );
    let id = add_file(
        sources,
        workspace,
        file.package,
        file.path.clone(),
        Arc::from(""),
    );
    Finding::new(
        Rule::SourceUnreadable,
        Span {
            file: id,
            range: 0..0,
        },
        message,
    )
    .help("create the file or remove the `mod` item; the crate does not compile without it")
}

/// One file's outcome put in place: its text in `sources` when a finding can point into it,
/// its scan in the cache when fresh; the scan (with the `mod` items) returned.
fn settle(
    path: &SourcePath,
    outcome: Outcome,
    fresh: Option<FileScan>,
    progress: &mut Progress<'_>,
    sources: &mut SourceMap,
    workspace: &Workspace,
) -> Option<FileScan> {
    let stats = &mut progress.gathered.stats;
    let (stamp, text, mut scan) = match outcome {
        Outcome::Cached(text, scan) => {
            stats.reused += usize::from(scan.parsed());
            return Some(with_text(scan, text, path, sources, workspace));
        }
        Outcome::Fresh(stamp, Prefiltered::Parse(text)) => {
            stats.parsed += 1;
            (stamp, Some(text), fresh.unwrap_or_default())
        }
        Outcome::Fresh(stamp, Prefiltered::Skip(mods)) => (
            stamp,
            None,
            FileScan {
                mods,
                ..FileScan::default()
            },
        ),
        Outcome::Fresh(_, Prefiltered::Unreadable(message)) => {
            let finding = unreadable_file(sources, workspace, path, &message);
            progress.gathered.findings.push(finding);
            return None;
        }
        Outcome::Fresh(_, Prefiltered::TooLarge(bytes)) => {
            let finding = too_large(sources, workspace, path, bytes);
            progress.gathered.findings.push(finding);
            return None;
        }
    };
    if let Some(stamp) = stamp {
        progress
            .cache
            .insert(path.path.clone(), stamp, path.place, scan.clone());
    }
    // Kept only when something points into it, as for a cached scan.
    if let Some(text) = text.filter(|_| scan.has_spans()) {
        let file = add_file(sources, workspace, path.package, path.path.clone(), text);
        scan.rebase(file);
    }
    Some(scan)
}

/// A cached scan with its file's text in `sources`, when anything in it points there.
fn with_text(
    mut scan: FileScan,
    text: Option<Arc<str>>,
    path: &SourcePath,
    sources: &mut SourceMap,
    workspace: &Workspace,
) -> FileScan {
    if let Some(text) = text {
        scan.rebase(add_file(
            sources,
            workspace,
            path.package,
            path.path.clone(),
            text,
        ));
    }
    scan
}

/// The constants declarations name that no scanned file defines, from the files the
/// prefilter passed over: each file of a candidate's crate that mentions the constant's name
/// is parsed for its constants.
fn named_constants(
    scans: &[FileScan],
    skipped: &[SourcePath],
    workspace: &Workspace,
    places: &Places,
) -> Vec<FileScan> {
    let defined: HashSet<&[String]> = scans
        .iter()
        .flat_map(|s| &s.consts)
        .map(|c| c.path.as_slice())
        .collect();
    let declared = scans
        .iter()
        .flat_map(|s| &s.declarations)
        .flat_map(|d| &d.pending)
        .map(|p| &p.candidates);
    let routed = scans
        .iter()
        .flat_map(|s| &s.routers)
        .flat_map(|r| crate::routes::const_candidates(&r.entries));
    let mut wanted: Vec<(&str, &str)> = declared
        .chain(routed)
        .filter(|candidates| !candidates.iter().any(|c| defined.contains(c.as_slice())))
        .flatten()
        .filter_map(|c| Some((c.first()?.as_str(), c.last()?.as_str())))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let files = skipped.iter().filter(|f| {
        let names: Vec<&str> = wanted
            .iter()
            .filter(|(krate, _)| *krate == f.crate_name)
            .map(|(_, name)| *name)
            .collect();
        !names.is_empty()
            && std::fs::read_to_string(&f.path).is_ok_and(|t| names.iter().any(|n| t.contains(n)))
    });
    files
        .filter_map(|f| {
            let text = std::fs::read_to_string(&f.path).ok()?;
            let context = places.context(workspace, f);
            let scan = scan::on_parse_stack(|| scan::scan_file(&context, &text));
            Some(FileScan {
                consts: scan.consts,
                ..FileScan::default()
            })
        })
        .collect()
}

/// Adds a file of `package` to `sources`, named relative to the workspace root, or for a
/// package outside the workspace, as `name-version/` and the path inside the package (and
/// marked as that package's, for its severities).
fn add_file(
    sources: &mut SourceMap,
    workspace: &Workspace,
    package: usize,
    path: PathBuf,
    text: Arc<str>,
) -> FileId {
    let package = &workspace.packages[package];
    if !package.external {
        return sources.add(&workspace.root, path, text);
    }
    let inside = display_name(&package.dir, &path);
    let name = format!("{}-{}/{inside}", package.name, package.version);
    let id = sources.add_as(name, path, text);
    sources.set_dependency(id, &package.name);
    id
}

/// The web framework whose routers are read for the request metrics' routes.
const ROUTER_CRATE: &str = "axum";

/// Names a file must mention to be parsed: tallyho's, under any package's name for it, each
/// crate that reaches tallyho under its dependants' names for it (a facade re-exporting
/// tallyho's types), and axum when the services record request metrics.
fn needles(workspace: &Workspace, reaching: &[bool]) -> Vec<String> {
    let reaching: HashSet<&str> = workspace
        .packages
        .iter()
        .zip(reaching)
        .filter(|(_, reaches)| **reaches)
        .filter_map(|(p, _)| Some(p.lib.as_ref()?.crate_name.as_str()))
        .collect();
    let mut needles = vec![tallyho_spec::builtin::PACKAGE.to_owned()];
    if workspace.request_metrics() {
        // Where the routers are built: their routes label the request metrics.
        needles.push(ROUTER_CRATE.to_owned());
    }
    for package in &workspace.packages {
        needles.extend(package.tallyho_names.iter().cloned());
        let facades = package
            .externs
            .iter()
            .filter(|(_, c)| reaching.contains(c.as_str()));
        needles.extend(facades.map(|(local, _)| local.clone()));
    }
    needles.sort();
    needles.dedup();
    needles
}

/// Per package, whether it depends on tallyho, directly or through other packages analyzed:
/// only its code can declare a metric.
fn reaching(workspace: &Workspace) -> Vec<bool> {
    let mut reaching: HashSet<&str> = HashSet::new();
    loop {
        let before = reaching.len();
        for package in &workspace.packages {
            let reaches = !package.tallyho_names.is_empty()
                || package
                    .workspace_deps
                    .iter()
                    .any(|d| reaching.contains(d.as_str()));
            if reaches {
                reaching.insert(&package.name);
            }
        }
        if reaching.len() == before {
            break;
        }
    }
    workspace
        .packages
        .iter()
        .map(|p| reaching.contains(p.name.as_str()))
        .collect()
}

/// What a file's scan depends on besides its text: the cache key beside its stamp.
struct Places {
    /// Per package: the crates its code can name (its own library too, for its binaries).
    externs: Vec<Vec<(String, String)>>,
    /// Per package: its name, version, names for tallyho, externs and features.
    packages: Vec<String>,
    /// Per package: whether it reaches tallyho (see [`reaching`]).
    reaching: Vec<bool>,
}

impl Places {
    fn new(workspace: &Workspace) -> Places {
        // Whether files mentioning axum are parsed changes a file's verdict.
        let routes = if workspace.request_metrics() {
            "routes"
        } else {
            ""
        };
        let externs: Vec<Vec<(String, String)>> = workspace
            .packages
            .iter()
            .map(|p| {
                let mut externs = p.externs.clone();
                if let Some(lib) = &p.lib {
                    externs.push((lib.crate_name.clone(), lib.crate_name.clone()));
                }
                externs
            })
            .collect();
        let packages = workspace
            .packages
            .iter()
            .zip(&externs)
            .map(|(p, externs)| {
                format!(
                    "{}|{}|{}|{externs:?}|{}|{routes}",
                    p.name,
                    p.version,
                    p.tallyho_names.join(","),
                    p.features.join(",")
                )
            })
            .collect();
        Places {
            externs,
            packages,
            reaching: reaching(workspace),
        }
    }

    /// The place of one file: its package's, plus its crate, binary and module.
    fn hash(&self, path: &SourcePath) -> u64 {
        scan_cache::place_hash(&[
            &self.packages[path.package],
            &path.crate_name,
            path.binary.as_deref().unwrap_or(""),
            &path.module_path.join("::"),
            if path.owns_dir { "owns" } else { "" },
            &format!("{:?}", path.prelude),
            path.cfg.as_deref().unwrap_or(""),
        ])
    }

    /// What scanning the file at `path` needs to know about where it sits.
    fn context<'w>(&'w self, workspace: &'w Workspace, path: &'w SourcePath) -> FileContext<'w> {
        let package = &workspace.packages[path.package];
        FileContext {
            // Rebased to the file's id in the source map once the scan is back.
            file: FileId(0),
            package: &package.name,
            version: package.external.then_some(package.version.as_str()),
            crate_name: &path.crate_name,
            binary: path.binary.as_deref(),
            module: path.module_path.clone(),
            externs: &self.externs[path.package],
            tallyho: &package.tallyho_names,
            prelude: &path.prelude,
            condition: path.cfg.as_deref(),
            cfg: CfgSet {
                features: &package.features,
            },
        }
    }

    /// What the prefilter may keep the file at `path` for besides the needles.
    fn keys(&self, path: &SourcePath) -> Keys {
        let statics = self.reaching[path.package];
        Keys {
            statics,
            root: statics && path.module_path.is_empty(),
        }
    }

    /// The configuration the file at `path` compiles under.
    fn cfg<'w>(&self, workspace: &'w Workspace, path: &SourcePath) -> CfgSet<'w> {
        CfgSet {
            features: &workspace.packages[path.package].features,
        }
    }
}

/// What looking at one file came to.
enum Outcome {
    /// Cached: its scan, and its text when the scan points into it.
    Cached(Option<Arc<str>>, FileScan),
    /// Looked at now: its stamp (to cache the result under) and the prefilter's verdict.
    Fresh(Option<Stamp>, Prefiltered),
}

/// Files unchanged since the cache was filled keep their outcome; the rest are prefiltered.
fn look(
    files: &[SourcePath],
    cache: &ScanCache,
    places: &Places,
    workspace: &Workspace,
    finders: &[Finder<'_>],
) -> Vec<Outcome> {
    files
        .par_iter()
        .map(|f| {
            let stamp = f.stamp;
            let cfg = places.cfg(workspace, f);
            let cached = stamp.and_then(|stamp| cache.get(&f.path, stamp, f.place));
            let fresh = || {
                Outcome::Fresh(
                    stamp,
                    walk::prefilter(&f.path, finders, places.keys(f), &cfg),
                )
            };
            match cached {
                Some(scan) if !scan.has_spans() => Outcome::Cached(None, scan.clone()),
                Some(scan) => match std::fs::read_to_string(&f.path) {
                    Ok(text) => Outcome::Cached(Some(Arc::from(text)), scan.clone()),
                    Err(_) => fresh(),
                },
                None => fresh(),
            }
        })
        .collect()
}

/// The start of a file whose text is not read, for a finding about the whole file.
fn start_of(sources: &mut SourceMap, workspace: &Workspace, path: &SourcePath) -> Span {
    let file = add_file(
        sources,
        workspace,
        path.package,
        path.path.clone(),
        Arc::from(""),
    );
    Span { file, range: 0..0 }
}

/// `source.unreadable` for a file the prefilter could not read as text.
fn unreadable_file(
    sources: &mut SourceMap,
    workspace: &Workspace,
    path: &SourcePath,
    message: &str,
) -> Finding {
    Finding::new(
        Rule::SourceUnreadable,
        start_of(sources, workspace, path),
        format!("cannot read this file: {message}"),
    )
    .help("declarations in it are not checked until it can be read")
}

/// `source.too_large` for a file over the size limit.
fn too_large(
    sources: &mut SourceMap,
    workspace: &Workspace,
    path: &SourcePath,
    bytes: u64,
) -> Finding {
    Finding::new(
        Rule::SourceTooLarge,
        start_of(sources, workspace, path),
        format!(
            "this file is {bytes} bytes, over the {} byte limit, and is not scanned",
            walk::MAX_FILE_BYTES
        ),
    )
    .help("generated code this size does not declare metrics; keep declarations in ordinary files")
}
