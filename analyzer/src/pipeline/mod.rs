//! The analysis as named stages, each a function from one plain value to the next:
//!
//! ```text
//! load (workspace, tallyho.yaml) → gather (walk, prefilter, parse through the ScanCache)
//!   → resolve (label types across crates) → check (the rules) → report (severities, order)
//! ```

mod check;
mod gather;
mod load;
mod par;
mod reexports;
mod report;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::analysis::{Analysis, Stats};
use crate::config::{Config, CONFIG_FILE};
use crate::finding::Finding;
use crate::model::Declaration;
use crate::resolve::{self, Resolved};
use crate::routes;
use crate::scan::{self, FileContext, FileScan};
use crate::scan_cache::ScanCache;
use crate::source::{FileId, SourceMap};
use crate::workspace::{Workspace, WorkspaceError};

/// Analyzes the workspace containing `manifest_path` (or the current directory's), with
/// `tallyho.yaml` at its root as the configuration.
pub fn analyze(manifest_path: Option<&Path>) -> Result<Analysis, WorkspaceError> {
    let (workspace, metadata) = load::workspace(manifest_path)?;
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
    let mut sources = SourceMap::default();
    let config_path = config.map_or_else(|| workspace.root.join(CONFIG_FILE), Path::to_owned);
    let (config, mut findings) = load::config(&workspace, &config_path, &mut sources);
    let gathered = gather::gather(&workspace, cache, &mut sources);
    findings.extend(gathered.findings);

    let started = Instant::now();
    let routers = if workspace.request_metrics() {
        let (routers, unreadable) = routes::read(&gathered.scans);
        findings.extend(unreadable);
        routers
    } else {
        Vec::new()
    };
    let resolved = resolve_sorted(gathered.scans, &sources);
    findings.extend(resolved.findings);
    let checked = check::check(
        &resolved.declarations,
        &resolved.label_sets,
        &config,
        &workspace,
        &routers,
    );
    findings.extend(checked.findings);
    let findings = report::report(findings, &config, &sources);
    let stats = Stats {
        metadata,
        rules: started.elapsed(),
        ..gathered.stats
    };

    Analysis {
        workspace,
        config,
        sources,
        files: gathered.files,
        declarations: resolved.declarations,
        findings,
        services: checked.services,
        builtins: checked.builtins,
        stats,
    }
}

/// Stage 3, resolve: label types found across crates; declarations sorted by name, then file.
fn resolve_sorted(scans: Vec<FileScan>, sources: &SourceMap) -> Resolved {
    let mut resolved = resolve::resolve(scans, sources);
    resolved.declarations.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.span.file.cmp(&b.span.file))
    });
    resolved
}

/// Checks one file's text on its own, as the root of a crate that depends on tallyho:
/// declarations, label sets and the name and label rules, without a workspace. For editor
/// integrations and for fuzzing the scanner; never panics on any input.
pub fn check_source(text: &str) -> (Vec<Declaration>, Vec<Finding>) {
    let tallyho = [tallyho_spec::builtin::PACKAGE.to_owned()];
    let context = FileContext::standalone("source", &tallyho);
    let mut sources = SourceMap::default();
    sources.add(Path::new(""), "source.rs".into(), text.into());
    let scanned = scan::on_parse_stack(|| scan::scan_file(&context, text));
    let resolved = resolve::resolve(vec![scanned], &sources);
    let mut findings = resolved.findings;
    findings.extend(check::local(&resolved.declarations, &resolved.label_sets));
    (resolved.declarations, findings)
}

/// Reads one `tallyho.yaml` text on its own, in a workspace with no crates (so every service
/// is reported as naming none): for fuzzing the configuration's parsing, which never panics,
/// never expands aliases and takes linear time.
pub fn check_config(text: &str) -> (Config, Vec<Finding>) {
    Config::parse(text, FileId(0), &[])
}
