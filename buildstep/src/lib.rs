//! The `build.rs` entry point: checks every metric of the workspace, fails the build on
//! errors with rustc-style diagnostics, and writes the manifest and the registry source the
//! package includes with `tallyho::include_registry!()`.
//!
//! ```text
//! // build.rs
//! fn main() -> Result<(), tallyho_build::Error> {
//!     tallyho_build::Builder::new().compile()?;
//!     Ok(())
//! }
//! // src/main.rs, first thing in main:
//! tallyho::include_registry!();
//! ```
//!
//! A rerun with no source changed reuses the previous analysis (cached in `OUT_DIR`), so it
//! costs a walk of the source tree and a `stat` per file.

#![forbid(unsafe_code)]

mod build_info;
mod cache;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tallyho_analyzer::{render, Analysis, Rule, Severity, Workspace};
use tallyho_codegen::{error_registry_source, registry_source, Manifest};

use cache::{Cache, Outputs};

/// Configures and runs the build step, in the style of `prost_build::Config`.
#[derive(Debug, Clone)]
pub struct Builder {
    manifest_dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    package: Option<String>,
    config: Option<PathBuf>,
    registry_file: String,
    manifest_file: String,
    cargo_instructions: bool,
    fail_on_errors: bool,
}

/// What a build step did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Report {
    /// Whether the previous analysis was reused because no input changed.
    pub cached: bool,
    /// Metrics in the generated registry.
    pub metrics: usize,
    /// Source files parsed by this run: none when cached, the changed ones after an edit.
    pub parsed: usize,
    /// Warnings passed to cargo.
    pub warnings: usize,
    /// Errors written into the registry as `compile_error!`s (zero when it lists metrics).
    pub errors: usize,
    /// The generated registry source.
    pub registry: PathBuf,
    /// The workspace manifest.
    pub manifest: PathBuf,
    /// Time taken.
    pub elapsed: Duration,
}

/// Why the build step failed. Its `Debug` form is the rendered diagnostics, so a `build.rs`
/// returning `Result<(), tallyho_build::Error>` shows them in cargo's output.
#[non_exhaustive]
pub enum Error {
    /// The metrics have errors: the rendered diagnostics.
    Findings {
        /// How many findings are errors.
        errors: usize,
        /// Every error, rendered as rustc-style diagnostics.
        rendered: String,
    },
    /// The workspace could not be loaded, or a file not written.
    Setup(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Findings { errors, .. } => {
                write!(
                    f,
                    "tallyho found {errors} metric error{}",
                    if *errors == 1 { "" } else { "s" }
                )
            }
            Error::Setup(message) => write!(f, "tallyho-build: {message}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Findings { rendered, .. } => write!(f, "{self}\n\n{rendered}"),
            Error::Setup(_) => write!(f, "{self}"),
        }
    }
}

impl std::error::Error for Error {}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// Defaults: the package and `OUT_DIR` cargo gives the build script, outputs
    /// `tallyho_registry.rs` and `tallyho.manifest.yaml`.
    pub fn new() -> Builder {
        Builder {
            manifest_dir: None,
            out_dir: None,
            package: None,
            config: None,
            registry_file: "tallyho_registry.rs".to_owned(),
            manifest_file: "tallyho.manifest.yaml".to_owned(),
            cargo_instructions: true,
            fail_on_errors: false,
        }
    }

    /// The configuration file (default: `tallyho.yaml` at the workspace root), relative to
    /// the package directory unless absolute.
    pub fn config(mut self, path: impl Into<PathBuf>) -> Self {
        self.config = Some(path.into());
        self
    }

    /// Where to write outputs (default: `OUT_DIR`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The package directory (default: `CARGO_MANIFEST_DIR`), for running outside cargo.
    pub fn manifest_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.manifest_dir = Some(dir.into());
        self
    }

    /// The package name (default: `CARGO_PKG_NAME`).
    pub fn package(mut self, name: impl Into<String>) -> Self {
        self.package = Some(name.into());
        self
    }

    /// The generated registry's file name in the output directory. `include_registry!()`
    /// expects the default.
    pub fn registry_file(mut self, name: impl Into<String>) -> Self {
        self.registry_file = name.into();
        self
    }

    /// The manifest's file name in the output directory.
    pub fn manifest_file(mut self, name: impl Into<String>) -> Self {
        self.manifest_file = name.into();
        self
    }

    /// Whether to print `cargo:` instructions (default: yes; off for tools and benchmarks).
    pub fn cargo_instructions(mut self, on: bool) -> Self {
        self.cargo_instructions = on;
        self
    }

    /// Whether metric errors fail the build script itself (default: no). By default they are
    /// written into the registry as `compile_error!`s, so rustc reports them together with its
    /// own errors and an IDE still checks the crate; the build fails either way. A source
    /// file too large or too deeply nested to parse always fails the build script, before
    /// rustc (which would choke on it too) sees it.
    pub fn fail_on_errors(mut self, on: bool) -> Self {
        self.fail_on_errors = on;
        self
    }

    /// Runs the build step.
    pub fn compile(self) -> Result<Report, Error> {
        let started = Instant::now();
        let manifest_dir = dir_setting(self.manifest_dir.clone(), "CARGO_MANIFEST_DIR")?;
        let out_dir = dir_setting(self.out_dir.clone(), "OUT_DIR")?;
        let package = match &self.package {
            Some(name) => name.clone(),
            None => std::env::var("CARGO_PKG_NAME")
                .map_err(|_| Error::Setup("CARGO_PKG_NAME is not set".into()))?,
        };
        let registry_path = out_dir.join(&self.registry_file);
        let manifest_path = out_dir.join(&self.manifest_file);
        let config = self.config.as_ref().map(|path| manifest_dir.join(path));
        let settings = format!(
            "{package}|{:?}|{}|{}",
            config, self.registry_file, self.manifest_file
        );

        let previous = Cache::load(&out_dir);
        if let Some((outputs, workspace, config, files)) =
            previous.as_ref().and_then(|c| c.current_outputs(&settings))
        {
            if registry_path.exists() && manifest_path.exists() {
                let rerun = rerun_paths(workspace, config, &files);
                self.emit(&rerun, &outputs.warnings, &workspace.root, &out_dir);
                return Ok(Report {
                    cached: true,
                    metrics: outputs.metrics,
                    errors: 0,
                    parsed: 0,
                    warnings: outputs.warnings.len(),
                    registry: registry_path,
                    manifest: manifest_path,
                    elapsed: started.elapsed(),
                });
            }
        }
        // The workspace layout is reused while no Cargo.toml changed (no `cargo metadata`),
        // and the scans of unchanged files always are.
        let (workspace, mut scans) = previous.map(Cache::into_parts).unwrap_or_default();
        let metadata_started = Instant::now();
        let workspace = match workspace {
            Some(workspace) => workspace,
            None => Workspace::load(Some(&manifest_dir.join("Cargo.toml")))
                .map_err(|e| Error::Setup(e.to_string()))?,
        };
        let analysis = tallyho_analyzer::analyze_workspace(
            workspace,
            metadata_started.elapsed(),
            config.as_deref(),
            &mut scans,
        );

        let config_path =
            config.unwrap_or_else(|| analysis.workspace.root.join(tallyho_analyzer::CONFIG_FILE));
        let rerun = rerun_paths(&analysis.workspace, &config_path, &analysis.files);
        let warnings = rendered(&analysis, Severity::Warning);
        self.emit(&rerun, &warnings, &analysis.workspace.root, &out_dir);
        if analysis.has_errors() {
            Cache::new(&analysis.workspace, &config_path, &settings, scans, None).save(&out_dir);
            let errors = rendered(&analysis, Severity::Error);
            if self.fail_on_errors || has_unparsable_source(&analysis) {
                return Err(Error::Findings {
                    errors: errors.len(),
                    rendered: errors.join("\n"),
                });
            }
            // rustc reports them where the registry is included, beside its own errors.
            write_if_changed(&registry_path, &error_registry_source(&errors))?;
            return Ok(Report {
                cached: false,
                metrics: 0,
                errors: errors.len(),
                parsed: analysis.stats.parsed,
                warnings: warnings.len(),
                registry: registry_path,
                manifest: manifest_path,
                elapsed: started.elapsed(),
            });
        }

        // The registry is generated from the manifest alone: services and what each links
        // are decided once, by the analysis.
        let manifest = Manifest::from_analysis(&analysis);
        let metrics = manifest.linked_by(&package).len();
        write_if_changed(&registry_path, &registry_source(&manifest, &package))?;
        write_if_changed(&manifest_path, &manifest.to_yaml())?;
        let outputs = Outputs {
            warnings: warnings.clone(),
            metrics,
        };
        Cache::new(
            &analysis.workspace,
            &config_path,
            &settings,
            scans,
            Some(outputs),
        )
        .save(&out_dir);
        Ok(Report {
            cached: false,
            metrics,
            errors: 0,
            parsed: analysis.stats.parsed,
            warnings: warnings.len(),
            registry: registry_path,
            manifest: manifest_path,
            elapsed: started.elapsed(),
        })
    }

    /// `cargo:rerun-if-changed` for every input, each warning line as `cargo:warning`, and
    /// the build info's `cargo:rustc-env` values (the workspace at `root`'s git revision).
    fn emit(&self, rerun: &[String], warnings: &[String], root: &Path, out_dir: &Path) {
        if !self.cargo_instructions {
            return;
        }
        let mut out = build_info::instructions(root, out_dir);
        for path in rerun {
            out.push_str("cargo:rerun-if-changed=");
            out.push_str(path);
            out.push('\n');
        }
        for warning in warnings {
            for line in warning.lines().filter(|l| !l.trim().is_empty()) {
                out.push_str("cargo:warning=");
                out.push_str(line);
                out.push('\n');
            }
        }
        let _ = std::io::stdout().write_all(out.as_bytes());
    }
}

/// The findings of `severity`, each rendered as rustc would, as plain text: cargo prefixes
/// each warning line, and rustc each `compile_error!`, with its own `warning:` or `error:`.
fn rendered(analysis: &Analysis, severity: Severity) -> Vec<String> {
    analysis
        .findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| render::plain(&analysis.sources, f))
        .collect()
}

/// Whether a source file was too large or nested too deep to parse: rustc would choke on it
/// too (deep nesting overflows its stack), so the build script fails before rustc sees it.
fn has_unparsable_source(analysis: &Analysis) -> bool {
    analysis
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error && f.code == Rule::SourceTooLarge)
}

fn dir_setting(explicit: Option<PathBuf>, variable: &str) -> Result<PathBuf, Error> {
    explicit
        .or_else(|| std::env::var_os(variable).map(PathBuf::from))
        .ok_or_else(|| {
            Error::Setup(format!(
                "{variable} is not set: run from build.rs, or set it on the Builder"
            ))
        })
}

/// Every file the analysis depends on: manifests, the config, each `src/` folder (for new
/// files) and each scanned file.
fn rerun_paths(workspace: &Workspace, config: &Path, files: &[PathBuf]) -> Vec<String> {
    let mut paths: Vec<PathBuf> = workspace.manifests();
    if config.exists() {
        paths.push(config.to_owned());
    }
    paths.extend(
        workspace
            .packages
            .iter()
            .map(|p| p.dir.join("src"))
            .filter(|p| p.is_dir()),
    );
    paths.extend(files.iter().cloned());
    paths.iter().map(|p| p.display().to_string()).collect()
}

/// Writes only when the content differs, so an unchanged registry does not make cargo
/// recompile the crate that includes it.
fn write_if_changed(path: &Path, content: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    std::fs::write(path, content)
        .map_err(|e| Error::Setup(format!("cannot write {}: {e}", path.display())))
}
