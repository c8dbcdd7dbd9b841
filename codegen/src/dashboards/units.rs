//! Grafana unit ids for what a panel plots: a gauge or histogram in its declared unit, a
//! counter as a per-second rate.

use tallyho_spec::{Kind, Unit};

/// The unit id of a value in `unit` (`short` when none is declared).
pub(crate) fn value_unit(unit: Option<Unit>) -> &'static str {
    match unit {
        None => "short",
        Some(Unit::Seconds) => "s",
        Some(Unit::Bytes) => "bytes",
        Some(Unit::Ratio) => "percentunit",
        Some(Unit::Meters) => "lengthm",
        Some(Unit::Grams) => "massg",
        Some(Unit::Joules) => "joule",
        Some(Unit::Volts) => "volt",
        Some(Unit::Amperes) => "amp",
        Some(Unit::Celsius) => "celsius",
    }
}

/// The unit id of a panel plotting a metric of `kind`: counters are rates, so bytes become
/// bytes per second and plain counts `cps` (counts per second); a rate of seconds or of
/// another unit has no Grafana id and stays `short`.
pub(crate) fn panel_unit(kind: Kind, unit: Option<Unit>) -> &'static str {
    match (kind, unit) {
        (Kind::Counter, None) => "cps",
        (Kind::Counter, Some(Unit::Bytes)) => "Bps",
        (Kind::Counter, Some(_)) => "short",
        (Kind::Gauge | Kind::Histogram, unit) => value_unit(unit),
    }
}
