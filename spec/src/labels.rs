//! Label keys and values with a meaning of their own.

/// The label every series carries, naming the service that exports it.
pub const SERVICE_LABEL: &str = "service";

/// The value a bounded open label takes for everything past its `max_values` distinct values
/// (and for a value spelled like this one, so it cannot be spoofed).
pub const OVERFLOW_VALUE: &str = "__overflow__";

/// The longest label value kept, in bytes; a longer value is exported as [`OVERFLOW_VALUE`],
/// so a bounded label holds at most `max_values x MAX_LABEL_VALUE_BYTES` bytes of values.
pub const MAX_LABEL_VALUE_BYTES: usize = 256;

/// Label keys Prometheus or tallyho give a meaning of their own (and every `__` key).
pub const RESERVED_LABEL_KEYS: &[&str] = &["le", "quantile", SERVICE_LABEL, "instance", "job"];

/// What is wrong with a label key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// Not `[a-zA-Z_][a-zA-Z0-9_]*`.
    Invalid,
    /// One of [`RESERVED_LABEL_KEYS`] or starting with `__`.
    Reserved,
}

/// Checks a label key.
pub fn label_key_problem(key: &str) -> Option<KeyProblem> {
    let valid = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        Some(KeyProblem::Invalid)
    } else if key.starts_with("__") || RESERVED_LABEL_KEYS.contains(&key) {
        Some(KeyProblem::Reserved)
    } else {
        None
    }
}
