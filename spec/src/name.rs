//! What a metric name may be.

/// The longest metric name, in bytes: long names are truncated by some backends.
pub const MAX_NAME_BYTES: usize = 63;

/// Suffixes the exposition adds itself (`_total` to counters, `_bucket`, `_sum`, `_count` to
/// histograms, `_created` and `_info` in OpenMetrics): a declared name must not end in one.
pub const RESERVED_SUFFIXES: &[&str] =
    &["_total", "_count", "_sum", "_bucket", "_created", "_info"];

/// Prefixes owned by someone else: `tallyho_` by tallyho's own metrics, `__` by Prometheus.
pub const RESERVED_PREFIXES: &[&str] = &["tallyho_", "__"];

/// Metric type words that say nothing a `# TYPE` line does not.
pub const TYPE_WORDS: &[&str] = &["counter", "gauge", "histogram", "summary"];

/// Why a metric name is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// Longer than [`MAX_NAME_BYTES`].
    TooLong,
    /// Starts with something other than a lowercase ASCII letter.
    BadStart,
    /// Holds a byte other than a lowercase ASCII letter, digit or underscore.
    BadCharacter,
    /// Ends with an underscore.
    TrailingUnderscore,
}

impl NameProblem {
    /// One line saying what is wrong, for compile errors and findings alike.
    pub const fn message(self) -> &'static str {
        match self {
            NameProblem::Empty => "a metric name cannot be empty",
            NameProblem::TooLong => "a metric name is at most 63 bytes",
            NameProblem::BadStart => "a metric name starts with a lowercase letter",
            NameProblem::BadCharacter => {
                "a metric name holds only lowercase letters, digits and underscores"
            }
            NameProblem::TrailingUnderscore => "a metric name does not end with an underscore",
        }
    }
}

/// Checks a metric name: snake_case, `^[a-z]([a-z0-9_]*[a-z0-9])?$`, at most [`MAX_NAME_BYTES`].
///
/// A `const fn`, so the runtime's constructors reject a bad name at compile time with the
/// same verdict the analyzer gives at build time.
pub const fn check_name(name: &str) -> Result<(), NameProblem> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(NameProblem::Empty);
    }
    if !bytes[0].is_ascii_lowercase() {
        return Err(NameProblem::BadStart);
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(NameProblem::BadCharacter);
        }
        i += 1;
    }
    if bytes[bytes.len() - 1] == b'_' {
        return Err(NameProblem::TrailingUnderscore);
    }
    if bytes.len() > MAX_NAME_BYTES {
        return Err(NameProblem::TooLong);
    }
    Ok(())
}

/// Whether [`check_name`] accepts `name`.
pub const fn is_valid_name(name: &str) -> bool {
    check_name(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(check_name("orders_processed"), Ok(()));
        assert_eq!(check_name("h2_frames"), Ok(()));
        assert_eq!(check_name(""), Err(NameProblem::Empty));
        assert_eq!(check_name("_x"), Err(NameProblem::BadStart));
        assert_eq!(check_name("9lives"), Err(NameProblem::BadStart));
        assert_eq!(check_name("Orders"), Err(NameProblem::BadStart));
        assert_eq!(check_name("orders-x"), Err(NameProblem::BadCharacter));
        assert_eq!(check_name("a:b"), Err(NameProblem::BadCharacter));
        assert_eq!(check_name("naïve"), Err(NameProblem::BadCharacter));
        assert_eq!(check_name("orders_"), Err(NameProblem::TrailingUnderscore));
        assert_eq!(check_name(&"a".repeat(63)), Ok(()));
        assert_eq!(check_name(&"a".repeat(64)), Err(NameProblem::TooLong));
    }
}
