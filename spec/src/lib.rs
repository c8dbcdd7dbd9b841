//! The facts both halves of tallyho must agree on, in one place.
//!
//! The runtime checks a declaration at compile time, the analyzer checks it at build time,
//! codegen writes descriptors and the exporters name series: if any of them held its own
//! copy of a rule, a name could pass one check and fail the other. Everything here is plain
//! data or a `const fn`, std-only, so the runtime can depend on it at no cost.

#![forbid(unsafe_code)]

pub mod builtin;
mod datadog;
mod kind;
mod labels;
mod name;
mod unit;

pub use builtin::BuiltinMetric;
pub use datadog::{
    datadog_histogram_part, datadog_metric_names, datadog_tag, sanitize_tag_part,
    write_datadog_metric_name, write_datadog_tag, write_datadog_upper_bound, DATADOG_BUCKET_TAG,
    DATADOG_HISTOGRAM_PARTS,
};
pub use kind::{Kind, ValueType};
pub use labels::{
    label_key_problem, KeyProblem, MAX_LABEL_VALUE_BYTES, OVERFLOW_VALUE, RESERVED_LABEL_KEYS,
    SERVICE_LABEL,
};
pub use name::{
    check_name, is_valid_name, NameProblem, MAX_NAME_BYTES, RESERVED_PREFIXES, RESERVED_SUFFIXES,
    TYPE_WORDS,
};
pub use unit::{Unit, NON_BASE_UNITS, UNIT_ABBREVIATIONS};

/// Prometheus' default histogram bounds, tuned for request latencies in seconds.
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
