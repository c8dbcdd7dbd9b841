//! `tallyho.manifest.yaml`: every metric and service of a workspace, sorted and stable, so a
//! diff of the file is a review of the metrics change.

use std::fmt;

mod fields;
mod read;
#[cfg(test)]
mod tests;
mod write;

use tallyho_analyzer::tree::{json, yaml, ParseError};
pub use tallyho_analyzer::Service;
use tallyho_analyzer::{Analysis, Builtin, Declaration, Domain, MetricKind};
use tallyho_spec::{builtin, Kind, Unit, ValueType, DEFAULT_BUCKETS};

/// The manifest format version; readers reject others.
pub const SCHEMA_VERSION: u32 = 1;

/// A workspace's metrics, as the build step and `cargo tallyho manifest` write them.
///
/// Read and written field by field (`manifest/read.rs`, `manifest/write.rs`) through
/// [`tallyho_analyzer::tree`] rather than derived with serde: the build step writes it in every
/// build script run, and serde's derive and formats would cost each clean build seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The limits in effect, so a diff can judge budgets on its own.
    pub limits: Limits,
    /// Every metric, sorted by name.
    pub metrics: Vec<Metric>,
    /// Every service, sorted by name.
    pub services: Vec<Service>,
    /// Service level objectives from `tallyho.yaml`, sorted by name; omitted when there are
    /// none, so manifests from before objectives existed read and write unchanged.
    pub objectives: Vec<Objective>,
}

/// A service level objective on one metric: what the generated burn-rate alerts watch.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// Its name in `tallyho.yaml` (lowercase, `-` and `_`), which names its alerts.
    pub name: String,
    /// The metric: a histogram, or a counter with an outcome label.
    pub metric: String,
    /// The share of good events, in `(0, 1)`.
    pub target: f64,
    /// For a histogram, the bucket bound above which an observation is bad.
    pub threshold: Option<f64>,
}

/// Series limits from `tallyho.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Default series limit per metric.
    pub series_per_metric: u64,
    /// Series budget per service.
    pub series_per_service: u64,
}

/// One metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// The metric name (a counter exports `<name>_total`).
    pub name: String,
    /// `counter`, `gauge` or `histogram`.
    pub kind: Kind,
    /// `u64`, `i64` or `f64`.
    pub value_type: ValueType,
    /// The help text.
    pub help: String,
    /// The base unit, when declared.
    pub unit: Option<Unit>,
    /// The package declaring it.
    pub package: String,
    /// That package's version, when it is outside the workspace (a dependency).
    pub version: Option<String>,
    /// The crate declaring it, as paths name it (`crate` in the manifest).
    pub crate_name: String,
    /// The module path in that crate (empty at the root).
    pub module: String,
    /// The `static`'s identifier (`static` in the manifest).
    pub ident: String,
    /// The declaring file, relative to the workspace root.
    pub file: String,
    /// The line of the `static`.
    pub line: usize,
    /// The label struct, `crate::module::Ident`.
    pub label_type: Option<String>,
    /// The labels, in field order.
    pub labels: Vec<Label>,
    /// A histogram's bucket bounds.
    pub buckets: Option<Vec<f64>>,
    /// Series exported: label combinations, times buckets + 3 for histograms.
    pub series: u64,
    /// This metric's series limit (its override, else the default).
    pub limit: u64,
    /// Whether the runtime provides it (request and process metrics, build info): it is
    /// registered by the runtime's own calls, not by a descriptor.
    pub builtin: bool,
    /// The service whose routes a built-in request metric's labels list.
    pub service: Option<String>,
}

/// One label of a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The exported key.
    pub key: String,
    /// The Rust type as written (`type` in the manifest).
    pub type_name: String,
    /// The values, for finite labels (`Option` adds the absent value).
    pub values: Option<Vec<String>>,
    /// Whether the label may be absent (`Option`).
    pub optional: bool,
    /// The bound of an open label; values past it export as `__overflow__`.
    pub max_values: Option<u64>,
}

/// A manifest that could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub struct ManifestError(pub String);

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ManifestError {}

impl Manifest {
    /// The manifest of an analysis. Metrics whose series are unknown (their analysis has
    /// errors) count 0 series.
    pub fn from_analysis(analysis: &Analysis) -> Manifest {
        let config = &analysis.config;
        let mut metrics: Vec<Metric> = analysis
            .declarations
            .iter()
            .map(|d| {
                let limit = config
                    .overrides
                    .get(&d.name)
                    .map_or(config.limits.series_per_metric, |o| o.series);
                metric(analysis, d, limit)
            })
            .collect();
        metrics.extend(
            analysis
                .builtins
                .iter()
                .map(|b| builtin_metric(b, b.limit(config))),
        );
        metrics.sort_by(|a, b| (&a.name, &a.file, &a.service).cmp(&(&b.name, &b.file, &b.service)));
        let mut services = analysis.services.clone();
        services.sort_by(|a, b| a.name.cmp(&b.name));
        Manifest {
            schema: SCHEMA_VERSION,
            limits: Limits {
                series_per_metric: config.limits.series_per_metric,
                series_per_service: config.limits.series_per_service,
            },
            metrics,
            services,
            objectives: config
                .objectives
                .iter()
                .map(|(name, o)| Objective {
                    name: name.clone(),
                    metric: o.metric.clone(),
                    target: o.target,
                    threshold: o.threshold,
                })
                .collect(),
        }
    }

    /// The YAML form, as committed: a header saying where it comes from, then the fields in
    /// their fixed order, so regenerating an unchanged workspace rewrites the same bytes.
    pub fn to_yaml(&self) -> String {
        let body = yaml::to_string(&write::manifest(self));
        format!("# tallyho metrics manifest: generated by `cargo tallyho manifest`; do not edit.\n{body}")
    }

    /// The JSON form (`cargo tallyho manifest --format json`), for tools without a YAML
    /// reader: the same fields, indented by two spaces.
    pub fn to_json(&self) -> String {
        json::to_string(&write::manifest(self))
    }

    /// Reads a manifest in either form: JSON when the text starts with `{` (JSON is valid
    /// YAML, but the JSON reader's errors read better), else YAML. The schema must be
    /// [`SCHEMA_VERSION`]; an error names the field at fault (`metrics[3].kind`) and its line
    /// and column.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let node = if text.trim_start().starts_with('{') {
            json::parse(text)
        } else {
            yaml::parse(text)
        }
        .map_err(|err| invalid(text, err.at, &err.message))?;
        read::manifest(&node).map_err(|err| match err.path.as_str() {
            "" => invalid(text, err.at, &err.message),
            path => invalid(text, err.at, &format!("{path}: {}", err.message)),
        })
    }

    /// Whether `other` describes the same metrics and services, wherever their declarations
    /// sit: line numbers are for people reading the file, and an edit that only moves a
    /// declaration (a comment above it, a function added before it) changes no metric.
    pub fn same_metrics(&self, other: &Manifest) -> bool {
        let unplaced = |m: &Manifest| {
            let mut m = m.clone();
            m.metrics.iter_mut().for_each(|metric| metric.line = 0);
            m
        };
        unplaced(self) == unplaced(other)
    }

    /// The metric named `name`.
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// The services `package` builds, one per binary, sorted by name: what its generated
    /// registry chooses between.
    pub fn services_of<'m>(&'m self, package: &'m str) -> impl Iterator<Item = &'m Service> {
        self.services.iter().filter(move |s| s.package == package)
    }

    /// The declared metrics the targets of `package` link, in manifest order: those of every
    /// service it builds or, for a package that builds none (a library), those it declares.
    /// Built-in metrics are the runtime's to register.
    pub fn linked_by(&self, package: &str) -> Vec<&Metric> {
        let services: Vec<&Service> = self.services_of(package).collect();
        let mut linked: Vec<&Metric> = self
            .metrics
            .iter()
            .filter(|m| !m.builtin)
            .filter(|m| {
                if services.is_empty() {
                    m.package == package
                } else {
                    services.iter().any(|s| s.metrics.contains(&m.name))
                }
            })
            .collect();
        // One name declared under exclusive `cfg`s the analyzer could not decide: one
        // descriptor (the first, by file), as only one of them compiles.
        linked.dedup_by(|a, b| a.name == b.name);
        linked
    }
}

/// `invalid manifest: <what> (line 12, column 9)`, for byte `at` of `text`.
fn invalid(text: &str, at: usize, what: &str) -> ManifestError {
    let at = ParseError {
        message: String::new(),
        at,
    };
    let (line, column) = at.line_column(text);
    ManifestError(format!(
        "invalid manifest: {what} (line {line}, column {column})"
    ))
}

/// A built-in metric's entry: declared by the runtime (package and crate
/// [`builtin::PACKAGE`], module [`builtin::MODULE`]), no file.
fn builtin_metric(b: &Builtin, limit: u64) -> Metric {
    let labels = b
        .labels
        .iter()
        .map(|l| Label {
            key: l.key.clone(),
            type_name: "&str".to_owned(),
            values: (!l.values.is_empty()).then(|| l.values.clone()),
            optional: false,
            max_values: l.max_values,
        })
        .collect();
    Metric {
        name: b.metric.name.to_owned(),
        kind: b.metric.kind,
        value_type: b.metric.value_type,
        help: b.metric.help.to_owned(),
        unit: b.metric.unit,
        package: builtin::PACKAGE.to_owned(),
        version: None,
        crate_name: builtin::PACKAGE.to_owned(),
        module: builtin::MODULE.to_owned(),
        ident: String::new(),
        file: String::new(),
        line: 0,
        label_type: None,
        labels,
        buckets: b.metric.buckets.map(<[f64]>::to_vec),
        series: b.series,
        limit,
        builtin: true,
        service: b.service.clone(),
    }
}

fn metric(analysis: &Analysis, d: &Declaration, limit: u64) -> Metric {
    let set = d.labels.as_ref().and_then(|l| l.resolved.as_ref());
    let labels = set.map_or_else(Vec::new, |set| {
        set.fields
            .iter()
            .map(|f| {
                let (values, optional, max_values) = match &f.domain {
                    Domain::Finite(values) => (Some(values.clone()), false, None),
                    Domain::Optional(values) => (Some(values.clone()), true, None),
                    Domain::Bounded { max_values, .. } => (None, false, Some(*max_values)),
                    Domain::Unbounded | Domain::Unsupported(_) => (None, false, None),
                };
                Label {
                    key: f.key.clone(),
                    type_name: f.type_name.clone(),
                    values,
                    optional,
                    max_values,
                }
            })
            .collect()
    });
    let file = &analysis.sources.get(d.span.file);
    Metric {
        name: d.name.clone(),
        kind: d.kind,
        value_type: d.value_type,
        help: d.help.clone(),
        unit: d.unit,
        package: d.package.clone(),
        version: d.version.clone(),
        crate_name: d.crate_name.clone(),
        module: d.module_path.clone(),
        ident: d.ident.clone(),
        file: file.name.clone(),
        line: analysis
            .sources
            .line_column(d.span.file, d.span.range.start)
            .0,
        label_type: set.map(|s| {
            [s.crate_name.as_str(), &s.module_path, &s.ident]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("::")
        }),
        labels,
        buckets: (d.kind == MetricKind::Histogram).then(|| {
            d.buckets
                .clone()
                .unwrap_or_else(|| DEFAULT_BUCKETS.to_vec())
        }),
        series: d.series().unwrap_or(0),
        limit,
        builtin: false,
        service: None,
    }
}
