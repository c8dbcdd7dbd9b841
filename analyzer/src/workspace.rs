//! The Cargo workspace: its member packages, their targets and the dependency edges between
//! them, from `cargo metadata --no-deps` (no registry access, no lockfile resolution).

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use cargo_metadata::{DependencyKind, MetadataCommand};
use serde::{Deserialize, Serialize};

use crate::model::Declaration;

/// A workspace to analyze. Serializable, so the build step can cache it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workspace {
    /// The directory holding the workspace's `Cargo.toml`.
    pub root: PathBuf,
    /// The member packages, sorted by name.
    pub packages: Vec<Package>,
}

/// A member package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// The directory of its `Cargo.toml`.
    pub dir: PathBuf,
    /// Its library target, if any.
    pub lib: Option<Target>,
    /// Its binary targets: the services, unless `tallyho.yaml` says otherwise.
    pub bins: Vec<Target>,
    /// Workspace members it depends on (normal dependencies), by package name.
    pub workspace_deps: Vec<String>,
    /// The names under which it can refer to tallyho (`tallyho`, or a rename).
    pub tallyho_names: Vec<String>,
    /// What files belong to when the package has neither a library nor a binary target.
    pub(crate) fallback_target: Target,
}

/// A library or binary target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    /// The crate name as paths spell it (`shop_core`).
    pub crate_name: String,
    /// The target's name as Cargo knows it (`shop-server`).
    pub name: String,
    /// The crate root file.
    pub src_path: PathBuf,
}

/// Why a workspace could not be loaded.
#[derive(Debug)]
#[non_exhaustive]
pub struct WorkspaceError(pub String);

impl fmt::Display for WorkspaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WorkspaceError {}

impl Workspace {
    /// Loads the workspace containing `manifest_path` (a `Cargo.toml`), or the current
    /// directory's when `None`.
    pub fn load(manifest_path: Option<&Path>) -> Result<Workspace, WorkspaceError> {
        let mut command = MetadataCommand::new();
        command.no_deps();
        if let Some(path) = manifest_path {
            command.manifest_path(path);
        }
        let metadata = command
            .exec()
            .map_err(|err| WorkspaceError(metadata_error(err)))?;
        let members: BTreeSet<String> = metadata
            .workspace_packages()
            .iter()
            .map(|p| p.name.to_string())
            .collect();
        let mut packages: Vec<Package> = metadata
            .workspace_packages()
            .into_iter()
            .map(|package| {
                let target = |kind: &'static str| {
                    package
                        .targets
                        .iter()
                        .filter(move |t| t.kind.iter().any(|k| k.to_string() == kind))
                        .map(|t| Target {
                            crate_name: t.name.replace('-', "_"),
                            name: t.name.clone(),
                            src_path: t.src_path.clone().into_std_path_buf(),
                        })
                };
                let normal = package
                    .dependencies
                    .iter()
                    .filter(|d| d.kind == DependencyKind::Normal);
                Package {
                    fallback_target: Target {
                        crate_name: package.name.replace('-', "_"),
                        name: package.name.to_string(),
                        src_path: PathBuf::new(),
                    },
                    name: package.name.to_string(),
                    dir: package
                        .manifest_path
                        .parent()
                        .map(|p| p.as_std_path().to_owned())
                        .unwrap_or_default(),
                    lib: target("lib").next().or_else(|| target("proc-macro").next()),
                    bins: target("bin").collect(),
                    workspace_deps: normal
                        .clone()
                        .filter(|d| members.contains(&d.name))
                        .map(|d| d.name.clone())
                        .collect(),
                    tallyho_names: normal
                        .filter(|d| d.name == "tallyho")
                        .map(|d| {
                            d.rename
                                .clone()
                                .unwrap_or_else(|| d.name.clone())
                                .replace('-', "_")
                        })
                        .collect(),
                }
            })
            .collect();
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Workspace {
            root: metadata.workspace_root.into_std_path_buf(),
            packages,
        })
    }

    /// The package named `name`.
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// The `Cargo.toml` files that define the workspace: the root's and every member's.
    pub fn manifests(&self) -> Vec<PathBuf> {
        let mut manifests = vec![self.root.join("Cargo.toml")];
        manifests.extend(self.packages.iter().map(|p| p.dir.join("Cargo.toml")));
        manifests.sort();
        manifests.dedup();
        manifests
    }

    /// The declarations linked into `binaries` of `package`: those of every library the
    /// package links from the workspace (itself included) and those of the binaries named.
    pub fn linked_declarations<'d>(
        &self,
        declarations: &'d [Declaration],
        package: &str,
        binaries: &[&str],
    ) -> Vec<&'d Declaration> {
        let linked = self.linked_packages(package);
        declarations
            .iter()
            .filter(|d| match d.binary.as_deref() {
                None => linked.contains(&d.package),
                Some(binary) => d.package == package && binaries.contains(&binary),
            })
            .collect()
    }

    /// `name` and every workspace package it depends on, directly or not.
    pub fn linked_packages(&self, name: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![name.to_owned()];
        while let Some(next) = stack.pop() {
            if seen.insert(next.clone()) {
                if let Some(package) = self.package(&next) {
                    stack.extend(package.workspace_deps.iter().cloned());
                }
            }
        }
        seen
    }
}

/// Cargo's own message, without the command line noise around it.
fn metadata_error(err: cargo_metadata::Error) -> String {
    match err {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            format!(
                "cargo metadata failed: {}",
                stderr.trim().trim_start_matches("error: ")
            )
        }
        other => format!("cargo metadata failed: {other}"),
    }
}
