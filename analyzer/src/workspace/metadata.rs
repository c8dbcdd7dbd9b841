//! `cargo metadata --format-version 1`, run and read: only the fields the analysis uses, so
//! the build step needs no `cargo_metadata` crate (and none of its dependencies). The JSON is
//! read into a [`tree::Node`] and the fields taken out by hand, not derived with serde: the
//! build step runs this in every build script, and serde would cost each clean build seconds.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tree::{self, ParseError};

mod read;
#[cfg(test)]
mod tests;

/// A package's id in the graph (opaque: only compared).
pub(super) type PackageId = String;

/// The output of `cargo metadata --format-version 1`, the parts the analysis reads.
#[derive(Debug)]
pub(super) struct Metadata {
    pub(super) packages: Vec<Package>,
    pub(super) workspace_members: Vec<PackageId>,
    /// The resolved graph (absent with `--no-deps`, never passed here).
    pub(super) resolve: Option<Resolve>,
    pub(super) workspace_root: PathBuf,
}

/// A package of the graph.
#[derive(Debug)]
pub(super) struct Package {
    pub(super) id: PackageId,
    pub(super) name: String,
    pub(super) version: String,
    pub(super) manifest_path: PathBuf,
    pub(super) targets: Vec<Target>,
}

/// A target of a package: `kind` is `lib`, `bin`, `proc-macro`, `test`, `custom-build`, ...
#[derive(Debug)]
pub(super) struct Target {
    pub(super) name: String,
    pub(super) kind: Vec<String>,
    pub(super) src_path: PathBuf,
}

impl Target {
    /// Whether the target is the package's library (a proc-macro library too).
    pub(super) fn is_lib_or_proc_macro(&self) -> bool {
        self.kind.iter().any(|k| k == "lib" || k == "proc-macro")
    }
}

/// The resolved dependency graph.
#[derive(Debug)]
pub(super) struct Resolve {
    pub(super) nodes: Vec<Node>,
}

/// A package in the resolved graph: its dependencies and the features enabled for it.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) id: PackageId,
    pub(super) deps: Vec<NodeDep>,
    pub(super) features: Vec<String>,
}

/// An edge: the name the dependant's code uses, the package, and the kinds of dependency.
#[derive(Debug)]
pub(super) struct NodeDep {
    pub(super) name: String,
    pub(super) pkg: PackageId,
    pub(super) dep_kinds: Vec<DepKind>,
}

/// One kind of an edge: `null` for a normal dependency, `"dev"` or `"build"`.
#[derive(Debug)]
pub(super) struct DepKind {
    pub(super) kind: Option<String>,
}

impl DepKind {
    /// A normal (not dev, not build) dependency.
    pub(super) fn is_normal(&self) -> bool {
        self.kind.is_none()
    }
}

impl Metadata {
    /// The package `id`; every id the graph names is among the packages.
    pub(super) fn package(&self, id: &str) -> &Package {
        self.packages
            .iter()
            .find(|p| p.id == id)
            .expect("cargo metadata lists every package its graph names")
    }
}

/// Runs `cargo metadata --format-version 1` (Cargo's own `$CARGO` in a build script) with
/// `options`, for `manifest_path` or the current directory's workspace; the error is Cargo's
/// own message, without the command line noise around it.
pub(super) fn run(manifest_path: Option<&Path>, options: &[String]) -> Result<Metadata, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["metadata", "--format-version", "1"]);
    if let Some(path) = manifest_path {
        command.arg("--manifest-path").arg(path);
    }
    command.args(options);
    let output = command
        .output()
        .map_err(|err| format!("cargo metadata failed: cannot run cargo: {err}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "cargo metadata failed: {}",
            stderr.trim().trim_start_matches("error: ")
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The JSON is one line; anything else on stdout (a wrapper's chatter) is not it.
    let json = stdout
        .lines()
        .find(|line| line.starts_with('{'))
        .unwrap_or_default();
    parse(json).map_err(|err| format!("cargo metadata failed: cannot read its output: {err}"))
}

/// Reads `cargo metadata`'s JSON. An error names the field at fault and where it is, as in
/// ``packages[3].targets[0]: missing field `src_path` (line 1, column 812)``; fields the
/// analysis does not use are not looked at.
fn parse(json: &str) -> Result<Metadata, String> {
    let root = tree::json::parse(json).map_err(|err| located(&err, json))?;
    read::metadata(&root).map_err(|err| located(&err, json))
}

/// `message (line 1, column 812)`.
fn located(err: &ParseError, json: &str) -> String {
    let (line, column) = err.line_column(json);
    format!("{err} (line {line}, column {column})")
}
