//! What every metric family declares about itself: name, kind, help text and unit.

/// The kind of a metric family, which fixes its exposition shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A monotonically increasing total, exported with the `_total` suffix.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A distribution in cumulative buckets, exported as `_bucket`, `_sum` and `_count`.
    Histogram,
}

impl Kind {
    /// The `# TYPE` word.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// The base unit a metric is measured in; the metric name must end with it (`_seconds`).
///
/// Only base units exist here, following Prometheus practice: convert milliseconds to
/// seconds at the call site, and dashboards scale for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// The unit's name as it appears in metric names and in OpenMetrics `# UNIT`.
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
}

/// The descriptive half of a metric family, shared by live metrics and [`Descriptor`]s.
///
/// [`Descriptor`]: crate::Descriptor
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) help: &'static str,
    pub(crate) unit: Option<Unit>,
}

impl Meta {
    /// Checks `name` at compile time: a declaration with an invalid name does not build.
    pub(crate) const fn new(name: &'static str, kind: Kind) -> Meta {
        assert!(
            is_valid_name(name),
            "metric names match [a-zA-Z_][a-zA-Z0-9_]*"
        );
        Meta {
            name,
            kind,
            help: "",
            unit: None,
        }
    }

    /// The family name, without the `_total` a counter is exported with.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The family kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The help text (empty when none was given).
    pub fn help(&self) -> &'static str {
        self.help
    }

    /// The declared unit.
    pub fn unit(&self) -> Option<Unit> {
        self.unit
    }
}

/// Whether `name` is a valid Prometheus metric name without colons (colons are reserved
/// for recording rules).
pub const fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_alphanumeric() || b == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(is_valid_name("orders_processed"));
        assert!(is_valid_name("_x9"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("9lives"));
        assert!(!is_valid_name("orders-processed"));
        assert!(!is_valid_name("a:b"));
        assert!(!is_valid_name("naïve"));
    }
}
