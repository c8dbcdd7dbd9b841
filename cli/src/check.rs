//! `cargo tallyho check`: every finding, in the format asked for; exit 1 on an error.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use tallyho_analyzer::{render, Analysis, Severity};

use crate::plural::plural;

/// How findings are written.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

/// Whether human output is colored.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

/// Runs the check and writes the findings.
pub(crate) fn run(manifest_path: Option<PathBuf>, format: Format, color: Color) -> ExitCode {
    let cache = cache_file(manifest_path.as_deref());
    let analysis = match tallyho_analyzer::analyze_with_cache(manifest_path.as_deref(), &cache) {
        Ok(analysis) => analysis,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let written = match format {
        Format::Human => {
            let color = match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let mut out = String::new();
            for finding in &analysis.findings {
                out.push_str(&render::human(&analysis.sources, finding, color));
                out.push('\n');
            }
            out.push_str(&summary(&analysis));
            std::io::stderr().write_all(out.as_bytes())
        }
        Format::Json => std::io::stdout().write_all(render::json(&analysis).as_bytes()),
        Format::Sarif => std::io::stdout().write_all(render::sarif(&analysis).as_bytes()),
        Format::Github => {
            let mut out = render::github(&analysis);
            out.push_str(&summary(&analysis));
            std::io::stdout().write_all(out.as_bytes())
        }
    };
    if written.is_err() {
        return ExitCode::from(2);
    }
    if analysis.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One line: counts and the time per stage.
fn summary(analysis: &Analysis) -> String {
    let stats = &analysis.stats;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    format!(
        "tallyho: {} scanned ({} parsed), {}, {}, {} in {:.0} ms (metadata {:.0}, walk {:.0}, filter {:.0}, parse {:.0}, rules {:.0})\n",
        plural(stats.files, "file"),
        stats.parsed,
        plural(analysis.declarations.len(), "declaration"),
        plural(analysis.count(Severity::Error), "error"),
        plural(analysis.count(Severity::Warning), "warning"),
        ms(stats.total()),
        ms(stats.metadata),
        ms(stats.walk),
        ms(stats.filter),
        ms(stats.parse),
        ms(stats.rules),
    )
}

/// Where `check` keeps what its next run can reuse (the workspace layout, the per-file
/// scans): `tallyho/check.cache` in the target directory (`CARGO_TARGET_DIR`, else
/// `target/` beside the manifest, or in the current directory).
fn cache_file(manifest_path: Option<&Path>) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let dir = manifest_path
                .and_then(Path::parent)
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            dir.join("target")
        });
    target.join("tallyho/check.cache")
}
