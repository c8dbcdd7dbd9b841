//! `cargo tallyho diff`: compare two manifests; exit 1 when the new one is over budget.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use tallyho_codegen::Manifest;

use crate::markdown;

/// How the difference is written.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DiffFormat {
    /// One line per change, for a terminal or a log.
    Text,
    /// A pull-request comment: verdict, summary, tables of metrics and services.
    Markdown,
}

/// Prints the difference between the manifests at `old` and `new`.
pub(crate) fn run(old: &Path, new: &Path, format: DiffFormat) -> ExitCode {
    let read = |path: &Path| -> Result<Manifest, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Manifest::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let (old, new) = match (read(old), read(new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let result = tallyho_codegen::diff(&old, &new);
    match format {
        DiffFormat::Text => print!("{result}"),
        DiffFormat::Markdown => print!("{}", markdown::render(&old, &new, &result)),
    }
    if result.over_budget.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
