//! `cargo tallyho`: checks a workspace's metric declarations, writes and compares its
//! manifest, from the command line and CI.
//!
//! Exit status: 0 when no finding is an error, 1 when one is, 2 for usage or I/O problems.

#![forbid(unsafe_code)]

mod check;
mod dashboards;
mod diff;
mod explain;
mod manifest;
mod markdown;
mod plural;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use check::{Color, Format};
use diff::DiffFormat;
use manifest::ManifestFormat;
use tallyho_codegen::Outputs;

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
        /// Output format: rustc-style diagnostics, JSON, GitHub Actions annotations, or SARIF 2.1.0.
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
    /// Generate Grafana and Datadog dashboards and Prometheus rules per service from the
    /// manifest, or check the committed ones are current. Without --grafana, --datadog or
    /// --rules, all three.
    Dashboards {
        /// Path to the workspace's (or a member's) Cargo.toml.
        #[arg(long, value_name = "PATH", conflicts_with = "from_manifest")]
        manifest_path: Option<PathBuf>,
        /// Read this manifest file (YAML or JSON) instead of analysing the workspace.
        #[arg(long, value_name = "FILE")]
        from_manifest: Option<PathBuf>,
        /// The output folder (default: `dashboards/` at the workspace root, or beside the
        /// manifest file).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Grafana dashboards and their provisioning config.
        #[arg(long)]
        grafana: bool,
        /// Datadog dashboards.
        #[arg(long)]
        datadog: bool,
        /// Prometheus recording and alerting rules, with `promtool test rules` tests.
        #[arg(long)]
        rules: bool,
        /// Fail if the files in the output folder are stale or missing.
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
        /// Output format: one line per change, or a pull-request comment in Markdown.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Print a rule's page: what it checks, why, and a failing and a passing example.
    Explain {
        /// The rule code, e.g. `labels.unbounded`; without it, list every rule.
        code: Option<String>,
    },
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
        } => check::run(manifest_path, format, color),
        Command::Manifest {
            manifest_path,
            output,
            format,
            check,
        } => manifest::run(manifest_path, output, format, check),
        Command::Dashboards {
            manifest_path,
            from_manifest,
            out,
            grafana,
            datadog,
            rules,
            check,
        } => {
            let any = grafana || datadog || rules;
            let outputs = Outputs {
                grafana: grafana || !any,
                datadog: datadog || !any,
                rules: rules || !any,
            };
            dashboards::run(dashboards::Args {
                manifest_path,
                from_manifest,
                out,
                outputs,
                check,
            })
        }
        Command::Diff { old, new, format } => diff::run(&old, &new, format),
        Command::Explain { code } => explain::run(code.as_deref()),
    }
}
