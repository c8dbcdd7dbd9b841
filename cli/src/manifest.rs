//! `cargo tallyho manifest`: write the manifest, or check the committed one is current.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use tallyho_analyzer::{render, Severity};
use tallyho_codegen::Manifest;

use crate::plural::plural;

/// The manifest's serialization.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ManifestFormat {
    Yaml,
    Json,
}

/// Writes or checks the manifest; no manifest while the metrics have errors.
pub(crate) fn run(
    manifest_path: Option<PathBuf>,
    output: Option<PathBuf>,
    format: ManifestFormat,
    check: bool,
) -> ExitCode {
    let (manifest, root) = match analyzed(manifest_path.as_deref()) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let text = match format {
        ManifestFormat::Yaml => manifest.to_yaml(),
        ManifestFormat::Json => manifest.to_json(),
    };
    if check {
        let path = output.unwrap_or_else(|| root.join("tallyho.manifest.yaml"));
        return check_committed(&path, &text, &manifest);
    }
    write(output.as_deref(), &text, &manifest)
}

/// The manifest of the workspace at `manifest_path` and the workspace root; the exit code when
/// it cannot be loaded (2) or its metrics have errors (1, with the errors printed).
pub(crate) fn analyzed(manifest_path: Option<&Path>) -> Result<(Manifest, PathBuf), ExitCode> {
    let analysis = match tallyho_analyzer::analyze(manifest_path) {
        Ok(analysis) => analysis,
        Err(err) => {
            eprintln!("error: {err}");
            return Err(ExitCode::from(2));
        }
    };
    if analysis.has_errors() {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        for finding in analysis
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            eprintln!("{}", render::human(&analysis.sources, finding, color));
        }
        eprintln!("error: no manifest while the metrics have errors");
        return Err(ExitCode::from(1));
    }
    Ok((
        Manifest::from_analysis(&analysis),
        analysis.workspace.root.clone(),
    ))
}

/// Exit 0 when the file at `path` holds `text`, else 1 with the diff to the committed one.
fn check_committed(path: &Path, text: &str, manifest: &Manifest) -> ExitCode {
    match std::fs::read_to_string(path) {
        Ok(committed) if committed == text => {
            eprintln!("tallyho: {} is current", path.display());
            ExitCode::SUCCESS
        }
        Ok(committed)
            if Manifest::parse(&committed).is_ok_and(|old| old.same_metrics(manifest)) =>
        {
            eprintln!(
                "tallyho: {} is current (only line numbers moved; `cargo tallyho manifest -o {}` refreshes them)",
                path.display(),
                path.display()
            );
            ExitCode::SUCCESS
        }
        Ok(committed) => {
            eprintln!(
                "error: {} is stale; regenerate it with `cargo tallyho manifest -o {}`",
                path.display(),
                path.display()
            );
            if let Ok(old) = Manifest::parse(&committed) {
                eprint!("{}", tallyho_codegen::diff(&old, manifest));
            }
            ExitCode::from(1)
        }
        Err(err) => {
            eprintln!(
                "error: cannot read {}: {err}; create it with `cargo tallyho manifest -o {}`",
                path.display(),
                path.display()
            );
            ExitCode::from(1)
        }
    }
}

/// Writes the manifest to `output`, or to standard output.
fn write(output: Option<&Path>, text: &str, manifest: &Manifest) -> ExitCode {
    match output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!(
                    "tallyho: wrote {} ({}, {})",
                    path.display(),
                    plural(manifest.metrics.len(), "metric"),
                    plural(manifest.services.len(), "service")
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: cannot write {}: {err}", path.display());
                ExitCode::from(2)
            }
        },
        None => match std::io::stdout().write_all(text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(2),
        },
    }
}
