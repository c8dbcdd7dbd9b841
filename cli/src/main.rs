//! `cargo tallyho`: checks a workspace's metric declarations from the command line and CI.
//!
//! Exit status: 0 when no finding is an error, 1 when one is, 2 for usage or I/O problems.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tallyho_analyzer::{render, rules, Analysis, Severity};

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

fn summary(analysis: &Analysis) -> String {
    let stats = &analysis.stats;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
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
        for rule in rules::RULES {
            out.push_str(&format!(
                "  {:<26} {:<7} {}\n",
                rule.code,
                severity_name(rule.default_severity),
                rule.summary
            ));
        }
        print!("{out}");
        return ExitCode::SUCCESS;
    };
    match rules::rule(code) {
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

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Off => "off",
    }
}

fn page(rule: &rules::Rule) -> String {
    let indent = |text: &str| {
        text.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    format!(
        "{code} (default: {severity})\n\n{summary}.\n\nWhy: {why}\n\nFails:\n\n{bad}\nPasses:\n\n{good}\nSet its severity in tallyho.yaml: `rules: {{ {code}: warn }}` (error, warn, off).\n",
        code = rule.code,
        severity = severity_name(rule.default_severity),
        summary = capitalize(rule.summary),
        why = rule.why.split_whitespace().collect::<Vec<_>>().join(" "),
        bad = indent(rule.bad),
        good = indent(rule.good),
    )
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
