//! Finds every tallyho metric declaration in a Cargo workspace and checks it: names, labels,
//! cardinality, placement. The build step and `cargo tallyho` are its two front ends.
//!
//! The pipeline, one module each: [`workspace`] (cargo metadata) → `walk` (source
//! files and a byte prefilter) → `scan` (syn, per file, in parallel) → `resolve` (label types
//! across crates) → [`rules`] → [`Finding`]s, rendered by [`render`].

mod catalogue;
mod config;
mod finding;
mod model;
pub mod render;
mod resolve;
mod rules;
mod scan;
mod scan_cache;
mod severity;
mod source;
mod spelled;
mod walk;
pub mod workspace;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

pub use catalogue::Rule;
pub use config::{Config, Limits, Override, ServiceConfig, CONFIG_FILE};
pub use finding::Finding;
pub use model::{
    Declaration, Domain, LabelField, LabelSet, LabelSetRef, MetricKind, ValueType, DEFAULT_BUCKETS,
};
pub use rules::Service;
pub use scan_cache::ScanCache;
pub use severity::Severity;
pub use source::{FileId, SourceFile, SourceMap, Span};
pub use workspace::{Workspace, WorkspaceError};

use scan::{FileContext, FileScan};
use walk::Prefiltered;

/// Everything one analysis found.
#[derive(Debug)]
pub struct Analysis {
    /// The workspace analyzed.
    pub workspace: Workspace,
    /// The configuration in effect.
    pub config: Config,
    /// The files read, for rendering findings.
    pub sources: SourceMap,
    /// Every source file the analysis looked at (`src/**/*.rs` of each member).
    pub files: Vec<PathBuf>,
    /// Every declaration, sorted by metric name.
    pub declarations: Vec<Declaration>,
    /// Every finding, sorted by file and position; `Off` findings removed.
    pub findings: Vec<Finding>,
    /// The services and the series each exports.
    pub services: Vec<Service>,
    /// Counts and timings.
    pub stats: Stats,
}

/// What an analysis did and how long each phase took.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// `.rs` files found under the packages' `src/`.
    pub files: usize,
    /// Files that passed the prefilter and were parsed.
    pub parsed: usize,
    /// Files whose scan was reused from the cache, unchanged.
    pub reused: usize,
    /// `cargo metadata`.
    pub metadata: Duration,
    /// Walking the source trees.
    pub walk: Duration,
    /// Reading files and the byte prefilter.
    pub filter: Duration,
    /// Parsing and scanning.
    pub parse: Duration,
    /// Resolving label types and running the rules.
    pub rules: Duration,
}

impl Stats {
    /// All phases together.
    pub fn total(&self) -> Duration {
        self.metadata + self.walk + self.filter + self.parse + self.rules
    }
}

impl Analysis {
    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Whether any finding is an error: the check fails.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// Analyzes the workspace containing `manifest_path` (or the current directory's), with
/// `tallyho.yaml` at its root as the configuration.
pub fn analyze(manifest_path: Option<&Path>) -> Result<Analysis, WorkspaceError> {
    let started = Instant::now();
    let workspace = Workspace::load(manifest_path)?;
    let metadata = started.elapsed();
    Ok(analyze_workspace(
        workspace,
        metadata,
        None,
        &mut ScanCache::default(),
    ))
}

/// Analyzes an already loaded workspace (`metadata`: how long loading took, for the stats).
/// `config` replaces `tallyho.yaml` at the workspace root as the configuration file. Files
/// unchanged since `cache` was filled are not read or parsed again; the cache is updated.
pub fn analyze_workspace(
    workspace: Workspace,
    metadata: Duration,
    config: Option<&Path>,
    cache: &mut ScanCache,
) -> Analysis {
    let mut stats = Stats {
        metadata,
        ..Stats::default()
    };
    let mut sources = SourceMap::default();
    let mut findings = Vec::new();

    let config_path = config.map_or_else(|| workspace.root.join(CONFIG_FILE), Path::to_owned);
    let (config, config_findings) = load_config(&workspace, &config_path, &mut sources);
    findings.extend(config_findings);

    let started = Instant::now();
    let (files, walk_errors) = walk::source_files(&workspace.packages);
    stats.walk = started.elapsed();
    stats.files = files.len();
    for error in walk_errors {
        let file = sources.add(&workspace.root, error.path, Arc::from(""));
        findings.push(
            Finding::new(
                Rule::SourceUnreadable,
                Span { file, range: 0..0 },
                format!("cannot read this path: {}", error.message),
            )
            .help("fix or remove it; files behind it are not checked"),
        );
    }

    // Names under which any package reaches tallyho: what a declaration's file must mention.
    let mut needles: Vec<String> = workspace
        .packages
        .iter()
        .flat_map(|p| p.tallyho_names.iter().cloned())
        .collect();
    needles.push("tallyho".to_owned());
    needles.sort();
    needles.dedup();
    let finders: Vec<memchr::memmem::Finder<'_>> =
        needles.iter().map(memchr::memmem::Finder::new).collect();

    // Deep (bounded) recursion in the parser wants more stack than rayon's default.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(32 << 20)
        .build()
        .ok();

    let externs: Vec<String> = workspace
        .packages
        .iter()
        .filter_map(|p| p.lib.as_ref().map(|l| l.crate_name.clone()))
        .collect();
    // Per package: what every scan in it depends on besides its file's own place.
    let package_places: Vec<String> = workspace
        .packages
        .iter()
        .map(|p| {
            format!(
                "{}|{}|{}",
                p.name,
                p.tallyho_names.join(","),
                externs.join(",")
            )
        })
        .collect();
    let place = |path: &walk::SourcePath| {
        scan_cache::place_hash(&[
            &package_places[path.package],
            &path.crate_name,
            path.binary.as_deref().unwrap_or(""),
            &path.module_path.join("::"),
        ])
    };

    // Files unchanged since the cache was filled keep their outcome; the rest are read.
    let started = Instant::now();
    let outcomes: Vec<Outcome> = in_pool(&pool, || {
        files
            .par_iter()
            .map(|f| {
                let stamp = scan_cache::stamp(&f.path);
                let cached = stamp.and_then(|stamp| cache.get(&f.path, stamp, place(f)));
                match cached {
                    Some(None) => Outcome::Skip,
                    Some(Some(scan)) => match std::fs::read_to_string(&f.path) {
                        Ok(text) => Outcome::Cached(text, scan.clone()),
                        Err(_) => Outcome::Fresh(stamp, walk::prefilter(&f.path, &finders)),
                    },
                    None => Outcome::Fresh(stamp, walk::prefilter(&f.path, &finders)),
                }
            })
            .collect()
    });
    stats.filter = started.elapsed();

    let mut scans = Vec::new();
    let mut to_parse = Vec::new();
    for (path, outcome) in files.iter().zip(outcomes) {
        let prefiltered = match outcome {
            Outcome::Skip => continue,
            Outcome::Cached(text, mut scan) => {
                let id = sources.add(&workspace.root, path.path.clone(), Arc::from(text));
                scan.rebase(id);
                scans.push(scan);
                stats.reused += 1;
                continue;
            }
            Outcome::Fresh(stamp, prefiltered) => {
                if let (Some(stamp), Prefiltered::Skip) = (stamp, &prefiltered) {
                    cache.insert(path.path.clone(), stamp, place(path), None);
                }
                (stamp, prefiltered)
            }
        };
        match prefiltered {
            (_, Prefiltered::Skip) => {}
            (stamp, Prefiltered::Parse(text)) => {
                let text: Arc<str> = Arc::from(text);
                let id = sources.add(&workspace.root, path.path.clone(), Arc::clone(&text));
                to_parse.push((id, path, text, stamp));
            }
            (_, Prefiltered::Unreadable(message)) => {
                let file = sources.add(&workspace.root, path.path.clone(), Arc::from(""));
                findings.push(
                    Finding::new(
                        Rule::SourceUnreadable,
                        Span { file, range: 0..0 },
                        format!("cannot read this file: {message}"),
                    )
                    .help("declarations in it are not checked until it can be read"),
                );
            }
            (_, Prefiltered::TooLarge(bytes)) => {
                let file = sources.add(&workspace.root, path.path.clone(), Arc::from(""));
                findings.push(
                    Finding::new(
                        Rule::SourceTooLarge,
                        Span { file, range: 0..0 },
                        format!("this file is {bytes} bytes, over the {} byte limit, and is not scanned", walk::MAX_FILE_BYTES),
                    )
                    .help("generated code this size does not declare metrics; keep declarations in ordinary files"),
                );
            }
        }
    }
    stats.parsed = to_parse.len();

    let started = Instant::now();
    let fresh: Vec<FileScan> = in_pool(&pool, || {
        to_parse
            .par_iter()
            .map(|(id, path, text, _)| {
                let package = &workspace.packages[path.package];
                let context = FileContext {
                    file: *id,
                    package: &package.name,
                    crate_name: &path.crate_name,
                    binary: path.binary.as_deref(),
                    module: path.module_path.clone(),
                    externs: &externs,
                    tallyho: &package.tallyho_names,
                };
                scan::scan_file(&context, text)
            })
            .collect()
    });
    for ((_, path, _, stamp), scan) in to_parse.iter().zip(&fresh) {
        if let Some(stamp) = stamp {
            cache.insert(path.path.clone(), *stamp, place(path), Some(scan.clone()));
        }
    }
    cache.retain(&files.iter().map(|f| f.path.clone()).collect::<Vec<_>>());
    scans.extend(fresh);
    stats.parse = started.elapsed();

    let started = Instant::now();
    let resolved = resolve::resolve(scans);
    findings.extend(resolved.findings);
    let mut declarations = resolved.declarations;
    declarations.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.span.file.cmp(&b.span.file))
    });
    findings.extend(rules::check_names(&declarations));
    findings.extend(rules::check_labels(&resolved.label_sets));
    let (cardinality_findings, services) =
        rules::check_cardinality(&declarations, &config, &workspace);
    findings.extend(cardinality_findings);
    for finding in &mut findings {
        finding.severity = config.severity(finding.code);
    }
    findings.retain(|f| f.severity != Severity::Off);
    findings.sort_by(|a, b| {
        let name = |f: &Finding| sources.get(f.span.file).name.clone();
        (name(a), a.span.range.start, a.code.code()).cmp(&(
            name(b),
            b.span.range.start,
            b.code.code(),
        ))
    });
    stats.rules = started.elapsed();

    Analysis {
        workspace,
        config,
        sources,
        files: files.into_iter().map(|f| f.path).collect(),
        declarations,
        findings,
        services,
        stats,
    }
}

/// What looking at one file came to.
enum Outcome {
    /// Cached: it does not mention tallyho.
    Skip,
    /// Cached: its text (for findings) and its scan.
    Cached(String, FileScan),
    /// Looked at now: its stamp (to cache the result under) and the prefilter's verdict.
    Fresh(Option<scan_cache::Stamp>, Prefiltered),
}

/// Runs `f` on `pool`, or on the global pool if a dedicated one could not be built.
fn in_pool<R: Send>(pool: &Option<rayon::ThreadPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// Checks one file's text on its own, as the root of a crate that depends on tallyho:
/// declarations, label sets and the name and label rules, without a workspace. For editor
/// integrations and for fuzzing the scanner; never panics on any input.
pub fn check_source(text: &str) -> (Vec<Declaration>, Vec<Finding>) {
    let tallyho = ["tallyho".to_owned()];
    let context = FileContext {
        file: FileId(0),
        package: "source",
        crate_name: "source",
        binary: None,
        module: Vec::new(),
        externs: &[],
        tallyho: &tallyho,
    };
    let resolved = resolve::resolve(vec![scan::scan_file(&context, text)]);
    let mut findings = resolved.findings;
    findings.extend(rules::check_names(&resolved.declarations));
    findings.extend(rules::check_labels(&resolved.label_sets));
    (resolved.declarations, findings)
}

fn load_config(
    workspace: &Workspace,
    path: &Path,
    sources: &mut SourceMap,
) -> (Config, Vec<Finding>) {
    let Some(text) = config::read(path) else {
        return (Config::default(), Vec::new());
    };
    match text {
        Ok(text) => {
            let file = sources.add(&workspace.root, path.to_owned(), Arc::from(text.as_str()));
            let mut crates: Vec<&str> = Vec::new();
            for package in &workspace.packages {
                crates.push(&package.name);
                crates.extend(package.bins.iter().map(|b| b.name.as_str()));
            }
            crates.sort();
            crates.dedup();
            Config::parse(&text, file, &crates)
        }
        Err(message) => {
            let file = sources.add(&workspace.root, path.to_owned(), Arc::from(""));
            let finding = Finding::new(
                Rule::ConfigInvalid,
                Span { file, range: 0..0 },
                format!("cannot read {CONFIG_FILE}: {message}"),
            )
            .help("the defaults apply until it can be read");
            (Config::default(), vec![finding])
        }
    }
}
