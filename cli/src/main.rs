//! `cargo tallyho`: checks a workspace's metric declarations, writes and compares its
//! manifest, from the command line and CI.
//!
//! Exit status: 0 when no finding is an error, 1 when one is, 2 for usage or I/O problems.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tallyho_analyzer::{render, Analysis, Rule, Severity};
use tallyho_codegen::Manifest;

#[derive(Parser)]
#[command(
    name = "cargo tallyho",
    bin_name = "cargo tallyho",
    version,
    about = "Build-time checks for tallyho metrics"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find every metric declaration in the workspace and check names, labels and cardinality.
    Check {
        /// Path to the workspace's (or a member's) Cargo.toml.
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// Output format: rustc-style diagnostics, JSON, or GitHub Actions annotations.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Color in human output.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Write the metrics manifest (tallyho.manifest.yaml), or check the committed one is current.
    Manifest {
        /// Path to the workspace's (or a member's) Cargo.toml.
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// yaml (the committed form) or json.
        #[arg(long, value_enum, default_value_t = ManifestFormat::Yaml)]
        format: ManifestFormat,
        /// Fail if the file (-o, else tallyho.manifest.yaml at the workspace root) is stale.
        #[arg(long)]
        check: bool,
    },
    /// Compare two manifests: metrics added and removed, label and series changes per metric
    /// and per service. Fails when the new one exceeds a budget.
    Diff {
        /// The manifest before the change.
        old: PathBuf,
        /// The manifest after it.
        new: PathBuf,
    },
    /// Print a rule's page: what it checks, why, and a failing and a passing example.
    Explain {
        /// The rule code, e.g. `labels.unbounded`; without it, list every rule.
        code: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum ManifestFormat {
    Yaml,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    // As a cargo subcommand the arguments are `cargo-tallyho tallyho check ...`.
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "tallyho") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Check {
            manifest_path,
            format,
            color,
        } => check(manifest_path, format, color),
        Command::Manifest {
            manifest_path,
            output,
            format,
            check,
        } => manifest(manifest_path, output, format, check),
        Command::Diff { old, new } => diff(&old, &new),
        Command::Explain { code } => explain(code.as_deref()),
    }
}

fn check(manifest_path: Option<PathBuf>, format: Format, color: Color) -> ExitCode {
    let analysis = match tallyho_analyzer::analyze(manifest_path.as_deref()) {
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

fn manifest(
    manifest_path: Option<PathBuf>,
    output: Option<PathBuf>,
    format: ManifestFormat,
    check: bool,
) -> ExitCode {
    let analysis = match tallyho_analyzer::analyze(manifest_path.as_deref()) {
        Ok(analysis) => analysis,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
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
        return ExitCode::from(1);
    }
    let manifest = Manifest::from_analysis(&analysis);
    let text = match format {
        ManifestFormat::Yaml => manifest.to_yaml(),
        ManifestFormat::Json => manifest.to_json(),
    };
    if check {
        let path = output.unwrap_or_else(|| analysis.workspace.root.join("tallyho.manifest.yaml"));
        return match std::fs::read_to_string(&path) {
            Ok(committed) if committed == text => {
                eprintln!("tallyho: {} is current", path.display());
                ExitCode::SUCCESS
            }
            Ok(committed) => {
                eprintln!(
                    "error: {} is stale; regenerate it with `cargo tallyho manifest -o {}`",
                    path.display(),
                    path.display()
                );
                if let Ok(old) = Manifest::parse(&committed) {
                    eprint!("{}", tallyho_codegen::diff(&old, &manifest));
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
        };
    }
    match output {
        Some(path) => match std::fs::write(&path, &text) {
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

fn diff(old: &Path, new: &Path) -> ExitCode {
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
    print!("{result}");
    if result.over_budget.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

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

fn explain(code: Option<&str>) -> ExitCode {
    let Some(code) = code else {
        let mut out = String::from("tallyho rules (cargo tallyho explain CODE for one):\n\n");
        for rule in Rule::ALL {
            out.push_str(&format!(
                "  {:<26} {:<7} {}\n",
                rule.code(),
                rule.default_severity().as_str(),
                rule.summary()
            ));
        }
        print!("{out}");
        return ExitCode::SUCCESS;
    };
    match Rule::from_code(code) {
        Some(rule) => {
            print!("{}", page(rule));
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: no rule `{code}`; `cargo tallyho explain` lists them");
            ExitCode::from(2)
        }
    }
}

fn page(rule: Rule) -> String {
    let indent = |text: &str| {
        text.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    format!(
        "{code} (default: {severity})\n\n{summary}.\n\nWhy: {why}\n\nFails:\n\n{bad}\nPasses:\n\n{good}\nSet its severity in tallyho.yaml: `rules: {{ {code}: warn }}` (error, warn, off).\n",
        code = rule.code(),
        severity = rule.default_severity().as_str(),
        summary = capitalize(rule.summary()),
        why = rule.why().split_whitespace().collect::<Vec<_>>().join(" "),
        bad = indent(rule.bad()),
        good = indent(rule.good()),
    )
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
