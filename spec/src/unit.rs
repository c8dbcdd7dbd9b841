//! Base units, and the spellings that are not.

/// The base unit a metric is measured in; the metric name must end with it (`_seconds`).
///
/// Only base units exist, following Prometheus practice: convert milliseconds to seconds at
/// the call site, and dashboards scale for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// Time.
    Seconds,
    /// Data size.
    Bytes,
    /// A dimensionless fraction in `0..=1`.
    Ratio,
    /// Distance.
    Meters,
    /// Mass.
    Grams,
    /// Energy.
    Joules,
    /// Voltage.
    Volts,
    /// Current.
    Amperes,
    /// Temperature.
    Celsius,
}

impl Unit {
    /// Every unit.
    pub const ALL: &'static [Unit] = &[
        Unit::Seconds,
        Unit::Bytes,
        Unit::Ratio,
        Unit::Meters,
        Unit::Grams,
        Unit::Joules,
        Unit::Volts,
        Unit::Amperes,
        Unit::Celsius,
    ];

    /// The unit's name as it ends metric names and appears in OpenMetrics `# UNIT`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Bytes => "bytes",
            Unit::Ratio => "ratio",
            Unit::Meters => "meters",
            Unit::Grams => "grams",
            Unit::Joules => "joules",
            Unit::Volts => "volts",
            Unit::Amperes => "amperes",
            Unit::Celsius => "celsius",
        }
    }

    /// The Rust variant name, as declarations and generated code spell it (`Unit::Seconds`).
    pub const fn variant(self) -> &'static str {
        match self {
            Unit::Seconds => "Seconds",
            Unit::Bytes => "Bytes",
            Unit::Ratio => "Ratio",
            Unit::Meters => "Meters",
            Unit::Grams => "Grams",
            Unit::Joules => "Joules",
            Unit::Volts => "Volts",
            Unit::Amperes => "Amperes",
            Unit::Celsius => "Celsius",
        }
    }

    /// The unit spelled `name` (as [`Unit::as_str`] spells it).
    pub fn from_name(name: &str) -> Option<Unit> {
        Unit::ALL.iter().copied().find(|u| u.as_str() == name)
    }

    /// The unit whose variant is `variant` (`Seconds`).
    pub fn from_variant(variant: &str) -> Option<Unit> {
        Unit::ALL.iter().copied().find(|u| u.variant() == variant)
    }

    /// Whether `name` ends with this unit as a whole word (`_seconds`).
    pub fn is_suffix_of(self, name: &str) -> bool {
        name.strip_suffix(self.as_str())
            .is_some_and(|rest| rest.ends_with('_'))
    }
}

/// Abbreviations that stand for a unit in a name, and the base unit to spell out instead.
pub const UNIT_ABBREVIATIONS: &[(&str, Unit)] = &[
    ("ms", Unit::Seconds),
    ("msec", Unit::Seconds),
    ("msecs", Unit::Seconds),
    ("us", Unit::Seconds),
    ("usec", Unit::Seconds),
    ("ns", Unit::Seconds),
    ("nsec", Unit::Seconds),
    ("sec", Unit::Seconds),
    ("secs", Unit::Seconds),
    ("min", Unit::Seconds),
    ("mins", Unit::Seconds),
    ("hr", Unit::Seconds),
    ("hrs", Unit::Seconds),
    ("kb", Unit::Bytes),
    ("mb", Unit::Bytes),
    ("gb", Unit::Bytes),
    ("tb", Unit::Bytes),
    ("kib", Unit::Bytes),
    ("mib", Unit::Bytes),
    ("gib", Unit::Bytes),
    ("pct", Unit::Ratio),
];

/// Spelled-out units that are not base units, and the base unit to use.
pub const NON_BASE_UNITS: &[(&str, Unit)] = &[
    ("milliseconds", Unit::Seconds),
    ("microseconds", Unit::Seconds),
    ("nanoseconds", Unit::Seconds),
    ("minutes", Unit::Seconds),
    ("hours", Unit::Seconds),
    ("days", Unit::Seconds),
    ("kilobytes", Unit::Bytes),
    ("megabytes", Unit::Bytes),
    ("gigabytes", Unit::Bytes),
    ("kibibytes", Unit::Bytes),
    ("mebibytes", Unit::Bytes),
    ("gibibytes", Unit::Bytes),
    ("bits", Unit::Bytes),
    ("percent", Unit::Ratio),
    ("percentage", Unit::Ratio),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for &unit in Unit::ALL {
            assert_eq!(Unit::from_name(unit.as_str()), Some(unit));
            assert_eq!(Unit::from_variant(unit.variant()), Some(unit));
        }
        assert!(Unit::Seconds.is_suffix_of("request_duration_seconds"));
        assert!(!Unit::Seconds.is_suffix_of("nanoseconds"));
    }
}
