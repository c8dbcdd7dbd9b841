//! The declaration model: what the analyzer found, in the shape later stages (manifest,
//! generated registry, dashboards) consume.

use tallyho_spec::Unit;

use crate::source::Span;

/// A metric's kind: the spec's `Kind`, under the name callers know.
pub use tallyho_spec::Kind as MetricKind;
/// The numeric type a metric holds: the spec's, so the analyzer and runtime agree.
pub use tallyho_spec::ValueType;
/// The runtime's default histogram buckets, which a declaration without `.buckets(..)` gets.
pub use tallyho_spec::DEFAULT_BUCKETS;

/// The runtime types the analyzer recognizes, by their name in `tallyho`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MetricType {
    pub(crate) kind: MetricKind,
    pub(crate) grouped: bool,
}

impl MetricType {
    pub(crate) fn from_name(name: &str) -> Option<MetricType> {
        let (kind, grouped) = match name {
            "Counter" => (MetricKind::Counter, false),
            "CounterGroup" => (MetricKind::Counter, true),
            "Gauge" => (MetricKind::Gauge, false),
            "GaugeGroup" => (MetricKind::Gauge, true),
            "Histogram" => (MetricKind::Histogram, false),
            "HistogramGroup" => (MetricKind::Histogram, true),
            _ => return None,
        };
        Some(MetricType { kind, grouped })
    }

    /// The value type when none is written: `u64` counters, `i64` gauges, `f64` histograms.
    pub(crate) fn default_value(self) -> ValueType {
        ValueType::default_for(self.kind)
    }
}

/// One metric declaration: a module-level `static` of a tallyho metric type.
#[derive(Debug, Clone)]
pub struct Declaration {
    /// The metric name, as written in the constructor.
    pub name: String,
    /// Counter, gauge or histogram.
    pub kind: MetricKind,
    /// The value type.
    pub value_type: ValueType,
    /// `.help(..)`, else the doc comment, else empty.
    pub help: String,
    /// `.unit(Unit::X)`, typed: only units the runtime has are accepted.
    pub unit: Option<Unit>,
    /// Histogram bucket bounds (the runtime's defaults when not given).
    pub buckets: Option<Vec<f64>>,
    /// The label set, for groups.
    pub labels: Option<LabelSetRef>,
    /// The crate (as `use` paths name it) declaring the static.
    pub crate_name: String,
    /// The package that crate belongs to.
    pub package: String,
    /// That package's version, when it is outside the workspace (a dependency).
    pub version: Option<String>,
    /// The binary target, when declared in a binary crate rather than the library.
    pub binary: Option<String>,
    /// The module path inside the crate (`a::b`; empty at the root).
    pub module_path: String,
    /// The static's identifier.
    pub ident: String,
    /// The `static` item, from the keyword to the semicolon.
    pub span: Span,
    /// The name literal.
    pub name_span: Span,
    /// The `.unit(..)` argument, when given.
    pub unit_span: Option<Span>,
    /// The `cfg` it still depends on when the analyzer cannot decide it (a custom `--cfg`):
    /// two declarations of one name under exclusive ones are not duplicates.
    pub cfg: Option<String>,
}

crate::codec_struct!(Declaration {
    name,
    kind,
    value_type,
    help,
    unit,
    buckets,
    labels,
    crate_name,
    package,
    version,
    binary,
    module_path,
    ident,
    span,
    name_span,
    unit_span,
    cfg,
});

/// A group's label type as written at the declaration, and what it resolved to.
#[derive(Debug, Clone)]
pub struct LabelSetRef {
    /// The type as written (`OrderLabels`, `core::OrderLabels`).
    pub written: String,
    /// Where the type argument is written.
    pub span: Span,
    /// The label struct, once found.
    pub resolved: Option<LabelSet>,
}

crate::codec_struct!(LabelSetRef {
    written,
    span,
    resolved
});

/// A struct deriving `LabelSet`.
#[derive(Debug, Clone)]
pub struct LabelSet {
    /// The struct's identifier.
    pub ident: String,
    /// Its crate.
    pub crate_name: String,
    /// Its module path.
    pub module_path: String,
    /// The fields, in order.
    pub fields: Vec<LabelField>,
    /// Whether `#[derive(LabelSet)]` is present.
    pub derives_label_set: bool,
    /// The struct's name.
    pub span: Span,
}

crate::codec_struct!(LabelSet {
    ident,
    crate_name,
    module_path,
    fields,
    derives_label_set,
    span,
});

/// One label: a field of a label struct.
#[derive(Debug, Clone)]
pub struct LabelField {
    /// The exported key (the field name or its `rename`).
    pub key: String,
    /// The field name or the `rename` literal.
    pub key_span: Span,
    /// The type as written.
    pub type_name: String,
    /// The field's type.
    pub type_span: Span,
    /// What values the field can take.
    pub domain: Domain,
}

crate::codec_struct!(LabelField {
    key,
    key_span,
    type_name,
    type_span,
    domain,
});

/// The values of one label.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// Exactly these values (`bool`, a `LabelValue` enum).
    Finite(Vec<String>),
    /// `Option` of a finite type: absent, or one of these.
    Optional(Vec<String>),
    /// An open type (`String`, `&str`, integers) with `max_values`, plus the overflow value.
    Bounded {
        /// The declared bound.
        max_values: u64,
        /// The open type's kind, for the manifest.
        open_type: String,
    },
    /// An open type without a bound: a finding, infinite cardinality.
    Unbounded,
    /// A type the analyzer could not turn into values: a finding.
    Unsupported(String),
}

crate::codec_enum!(Domain {
    0 => Finite(values),
    1 => Optional(values),
    2 => Bounded { max_values, open_type },
    3 => Unbounded,
    4 => Unsupported(reason),
});

impl Domain {
    /// The number of series slots the label takes, `None` when unknown or unbounded.
    pub fn size(&self) -> Option<u64> {
        match self {
            Domain::Finite(values) => Some(values.len() as u64),
            Domain::Optional(values) => Some(values.len() as u64 + 1),
            Domain::Bounded { max_values, .. } => Some(max_values + 1),
            Domain::Unbounded | Domain::Unsupported(_) => None,
        }
    }
}

impl Declaration {
    /// The number of label combinations (1 for a plain metric), `None` when some label is
    /// unbounded or unresolved. Saturates instead of overflowing.
    pub fn cardinality(&self) -> Option<u64> {
        let Some(labels) = &self.labels else {
            return Some(1);
        };
        let set = labels.resolved.as_ref()?;
        set.fields.iter().try_fold(1u64, |acc, field| {
            Some(acc.saturating_mul(field.domain.size()?))
        })
    }

    /// Exported series: a histogram's label combination has one series per bucket bound,
    /// `+Inf`, `_sum` and `_count` ("buckets + 2" when `+Inf` is counted as a bucket).
    pub fn series(&self) -> Option<u64> {
        let per_combination = match self.kind {
            MetricKind::Histogram => {
                self.buckets.as_deref().unwrap_or(DEFAULT_BUCKETS).len() as u64 + 3
            }
            _ => 1,
        };
        self.cardinality()
            .map(|c| c.saturating_mul(per_combination))
    }
}
