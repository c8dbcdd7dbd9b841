//! Metric kinds and the value types they hold.

/// The kind of a metric family, which fixes its exposition shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A monotonically increasing total, exported with the `_total` suffix.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A distribution in cumulative buckets, exported as `_bucket`, `_sum` and `_count`.
    Histogram,
}

impl Kind {
    /// Every kind.
    pub const ALL: &'static [Kind] = &[Kind::Counter, Kind::Gauge, Kind::Histogram];

    /// The `# TYPE` word, also the manifest's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }

    /// The Rust variant name, for generated code (`Kind::Counter`).
    pub const fn variant(self) -> &'static str {
        match self {
            Kind::Counter => "Counter",
            Kind::Gauge => "Gauge",
            Kind::Histogram => "Histogram",
        }
    }

    /// The kind spelled `name` (as [`Kind::as_str`] spells it).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

/// The numeric type a counter or gauge holds; histograms observe `f64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueType {
    /// `u64`, a counter's default.
    U64,
    /// `i64`, a gauge's default.
    I64,
    /// `f64`.
    F64,
}

impl ValueType {
    /// Every value type.
    pub const ALL: &'static [ValueType] = &[ValueType::U64, ValueType::I64, ValueType::F64];

    /// The Rust type name, also the manifest's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            ValueType::U64 => "u64",
            ValueType::I64 => "i64",
            ValueType::F64 => "f64",
        }
    }

    /// The value type spelled `name`.
    pub fn from_name(name: &str) -> Option<ValueType> {
        ValueType::ALL.iter().copied().find(|v| v.as_str() == name)
    }

    /// What a metric of `kind` holds when its declaration names no value type.
    pub const fn default_for(kind: Kind) -> ValueType {
        match kind {
            Kind::Counter => ValueType::U64,
            Kind::Gauge => ValueType::I64,
            Kind::Histogram => ValueType::F64,
        }
    }
}
