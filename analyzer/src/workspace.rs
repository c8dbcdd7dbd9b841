//! The packages an analysis covers: every workspace member, and every package outside the
//! workspace that a member links and that reaches tallyho (a shared library behind a path,
//! git or registry dependency), with their targets, enabled features and the dependency edges
//! between them, from `cargo metadata` (offline: nothing is fetched).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use metadata::{Metadata, PackageId};

use crate::model::Declaration;

mod metadata;

/// The runtime's package: its own metrics are built in, never scanned.
const RUNTIME: &str = tallyho_spec::builtin::PACKAGE;

/// The runtime's feature that brings the request-recording `tower` layer.
const REQUESTS_FEATURE: &str = "tower";

/// A workspace to analyze. Encodable ([`crate::codec`]), so the build step and `cargo tallyho
/// check` can cache it.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The directory holding the workspace's `Cargo.toml`.
    pub root: PathBuf,
    /// The packages analyzed, sorted by name: the members, then those outside the workspace.
    pub packages: Vec<Package>,
    /// The features cargo resolved for the runtime (`tallyho`) in this build: `tower` turns
    /// on the request metrics of every service.
    pub runtime_features: Vec<String>,
}

crate::codec_struct!(Workspace {
    root,
    packages,
    runtime_features,
});

/// A package analyzed.
#[derive(Debug, Clone)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Whether it is outside the workspace: code the user does not own.
    pub external: bool,
    /// The directory of its `Cargo.toml`.
    pub dir: PathBuf,
    /// Its library target, if any.
    pub lib: Option<Target>,
    /// Its binary targets: the services, unless `tallyho.yaml` says otherwise (none for a
    /// package outside the workspace).
    pub bins: Vec<Target>,
    /// Analyzed packages it depends on (normal dependencies), by package name.
    pub workspace_deps: Vec<String>,
    /// The names under which it can refer to tallyho (`tallyho`, or a rename).
    pub tallyho_names: Vec<String>,
    /// Its other dependencies' crates: the name its code uses, and the crate's own name.
    pub externs: Vec<(String, String)>,
    /// The features enabled for it in this build.
    pub features: Vec<String>,
}

crate::codec_struct!(Package {
    name,
    version,
    external,
    dir,
    lib,
    bins,
    workspace_deps,
    tallyho_names,
    externs,
    features,
});

/// A library or binary target.
#[derive(Debug, Clone)]
pub struct Target {
    /// The crate name as paths spell it (`shop_core`).
    pub crate_name: String,
    /// The target's name as Cargo knows it (`shop-server`).
    pub name: String,
    /// The crate root file.
    pub src_path: PathBuf,
}

crate::codec_struct!(Target {
    crate_name,
    name,
    src_path
});

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

/// The platform whose dependency graph is analyzed: the build's target in a build script
/// (`TARGET`), else the platform this analyzer runs on. Other platforms' packages are never
/// linked, and `--offline` could not read them when they were never downloaded.
fn target_platform() -> String {
    std::env::var("TARGET")
        .ok()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| env!("TALLYHO_ANALYZER_TARGET").to_owned())
}

impl Workspace {
    /// Loads the workspace containing `manifest_path` (a `Cargo.toml`), or the current
    /// directory's when `None`, with its resolved dependency graph (`--offline`).
    pub fn load(manifest_path: Option<&Path>) -> Result<Workspace, WorkspaceError> {
        let options = [
            "--offline".to_owned(),
            "--filter-platform".to_owned(),
            target_platform(),
        ];
        let metadata = metadata::run(manifest_path, &options).map_err(WorkspaceError)?;
        Ok(Workspace::from_metadata(&metadata))
    }

    fn from_metadata(metadata: &Metadata) -> Workspace {
        let graph = Graph::new(metadata);
        let analyzed = graph.analyzed();
        let mut packages: Vec<Package> = analyzed
            .iter()
            .map(|id| graph.package(id, &analyzed))
            .collect();
        packages.sort_by(|a, b| (a.external, &a.name).cmp(&(b.external, &b.name)));
        Workspace {
            root: metadata.workspace_root.clone(),
            packages,
            runtime_features: graph.runtime_features(),
        }
    }

    /// Whether the services record HTTP request metrics: the workspace builds the runtime
    /// with its `tower` feature (the layer that records them). Feature unification makes
    /// that one answer for every binary of the workspace.
    pub fn request_metrics(&self) -> bool {
        self.runtime_features.iter().any(|f| f == REQUESTS_FEATURE)
    }

    /// The package named `name`.
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// The `Cargo.toml` files that define the workspace: the root's, its lock file and
    /// every analyzed package's.
    pub fn manifests(&self) -> Vec<PathBuf> {
        let mut manifests = vec![self.root.join("Cargo.toml"), self.root.join("Cargo.lock")];
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

/// The resolved graph: packages by id, their normal dependencies and enabled features.
struct Graph<'m> {
    metadata: &'m Metadata,
    members: BTreeSet<&'m PackageId>,
    /// Normal dependencies: the name the dependant's code uses, and the package.
    deps: BTreeMap<&'m PackageId, Vec<(String, &'m PackageId)>>,
    features: BTreeMap<&'m PackageId, Vec<String>>,
}

impl<'m> Graph<'m> {
    fn new(metadata: &'m Metadata) -> Graph<'m> {
        let mut deps = BTreeMap::new();
        let mut features = BTreeMap::new();
        for node in metadata.resolve.iter().flat_map(|r| &r.nodes) {
            let normal = node
                .deps
                .iter()
                .filter(|d| d.dep_kinds.iter().any(|k| k.is_normal()))
                .map(|d| (d.name.clone(), &d.pkg))
                .collect();
            deps.insert(&node.id, normal);
            features.insert(&node.id, node.features.clone());
        }
        Graph {
            metadata,
            members: metadata.workspace_members.iter().collect(),
            deps,
            features,
        }
    }

    /// The features resolved for the runtime package (every version of it, together).
    fn runtime_features(&self) -> Vec<String> {
        let mut features: Vec<String> = self
            .features
            .iter()
            .filter(|(id, _)| self.name(id) == RUNTIME)
            .flat_map(|(_, f)| f.iter().cloned())
            .collect();
        features.sort();
        features.dedup();
        features
    }

    fn name(&self, id: &PackageId) -> &'m str {
        self.metadata.package(id).name.as_str()
    }

    /// The members, and every package they link that reaches tallyho (the runtime aside).
    fn analyzed(&self) -> Vec<&'m PackageId> {
        let mut reaches: BTreeMap<&PackageId, bool> = BTreeMap::new();
        let mut linked = BTreeSet::new();
        let mut stack: Vec<&PackageId> = self.members.iter().copied().collect();
        while let Some(id) = stack.pop() {
            if linked.insert(id) {
                stack.extend(self.deps.get(id).into_iter().flatten().map(|(_, d)| *d));
            }
        }
        linked
            .into_iter()
            .filter(|id| {
                self.members.contains(id)
                    || (self.name(id) != RUNTIME && self.reaches_tallyho(id, &mut reaches))
            })
            .collect()
    }

    /// Whether `id` depends on the runtime, directly or through its dependencies.
    fn reaches_tallyho(&self, id: &'m PackageId, memo: &mut BTreeMap<&'m PackageId, bool>) -> bool {
        if let Some(known) = memo.get(id) {
            return *known;
        }
        memo.insert(id, false);
        let found = self
            .deps
            .get(id)
            .into_iter()
            .flatten()
            .any(|(_, dep)| self.name(dep) == RUNTIME || self.reaches_tallyho(dep, memo));
        memo.insert(id, found);
        found
    }

    /// The package `id`, its dependency edges kept to the packages `analyzed`.
    fn package(&self, id: &PackageId, analyzed: &[&PackageId]) -> Package {
        let package = self.metadata.package(id);
        let external = !self.members.contains(id);
        let target = |kind: &'static str| {
            package
                .targets
                .iter()
                .filter(move |t| t.kind.iter().any(|k| k == kind))
                .map(|t| Target {
                    crate_name: t.name.replace('-', "_"),
                    name: t.name.clone(),
                    src_path: t.src_path.clone(),
                })
        };
        let deps = self.deps.get(id).cloned().unwrap_or_default();
        let crate_of = |dep: &PackageId| {
            let targets = &self.metadata.package(dep).targets;
            let lib = targets.iter().find(|t| t.is_lib_or_proc_macro());
            lib.map_or_else(
                || self.name(dep).replace('-', "_"),
                |t| t.name.replace('-', "_"),
            )
        };
        Package {
            name: package.name.clone(),
            version: package.version.clone(),
            external,
            dir: package
                .manifest_path
                .parent()
                .map(Path::to_owned)
                .unwrap_or_default(),
            lib: target("lib").next().or_else(|| target("proc-macro").next()),
            bins: if external {
                Vec::new()
            } else {
                target("bin").collect()
            },
            workspace_deps: deps
                .iter()
                .filter(|(_, d)| analyzed.contains(d))
                .map(|(_, d)| self.name(d).to_owned())
                .collect(),
            tallyho_names: deps
                .iter()
                .filter(|(_, d)| self.name(d) == RUNTIME)
                .map(|(name, _)| name.clone())
                .collect(),
            externs: deps
                .iter()
                .filter(|(_, d)| self.name(d) != RUNTIME)
                .map(|(name, d)| (name.clone(), crate_of(d)))
                .collect(),
            features: self.features.get(id).cloned().unwrap_or_default(),
        }
    }
}
