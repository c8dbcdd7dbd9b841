//! Per-series memory of what a delta protocol last delivered (Datadog counts, DogStatsD,
//! OTLP delta temporality), bounded by the number of series.
//!
//! A delta is the current total minus the last total the backend accepted: the state moves
//! forward only when a push succeeds, so a failed push is sent later (summed with what came
//! after), never lost, and a successful one is never sent twice. A series seen for the first
//! time in this process sends its whole total: the registry starts at zero when the process
//! does, so the total is exactly what happened since the start, also after a restart.

use std::collections::HashMap;

use crate::{Sample, Series};

/// Which value of a series a delta is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Part {
    /// A counter's value.
    Value,
    /// A histogram bucket's (non-cumulative) count, by position.
    Bucket(u16),
    /// A histogram's count of observations.
    Count,
    /// A histogram's sum.
    Sum,
}

/// Identifies one delta-tracked value: family name, series index, part.
pub(crate) type Key = (&'static str, usize, Part);

/// The key of `part` of `series` in family `name`.
pub(crate) fn key(name: &'static str, series: &Series<'_>, part: Part) -> Key {
    (name, series.index(), part)
}

/// Totals the backend accepted, stored as bits of the sample's type.
#[derive(Default)]
pub(crate) struct Deltas {
    delivered: HashMap<Key, Sample>,
}

/// Totals an in-flight push will deliver; committed on success.
pub(crate) type Pending = Vec<(Key, Sample)>;

impl Deltas {
    /// A counter's increase since the last delivery. A total below the delivered one (which
    /// cannot happen inside one process) is treated as a reset: all of it is new.
    pub(crate) fn counter(&self, key: Key, total: Sample, pending: &mut Pending) -> Sample {
        pending.push((key, total));
        match (total, self.delivered.get(&key)) {
            (Sample::U64(now), Some(Sample::U64(then))) => {
                Sample::U64(now.checked_sub(*then).unwrap_or(now))
            }
            (Sample::I64(now), Some(Sample::I64(then))) if now >= *then => {
                Sample::I64(now.wrapping_sub(*then))
            }
            (Sample::F64(now), Some(Sample::F64(then))) if now >= *then => Sample::F64(now - then),
            _ => total,
        }
    }

    /// A histogram sum's change since the last delivery (it may go down: observations can be
    /// negative).
    pub(crate) fn sum(&self, key: Key, total: f64, pending: &mut Pending) -> f64 {
        pending.push((key, Sample::F64(total)));
        match self.delivered.get(&key) {
            Some(Sample::F64(then)) => total - then,
            _ => total,
        }
    }

    /// A count's increase since the last delivery.
    pub(crate) fn count(&self, key: Key, total: u64, pending: &mut Pending) -> u64 {
        match self.counter(key, Sample::U64(total), pending) {
            Sample::U64(v) => v,
            _ => total,
        }
    }

    /// Records `pending` as delivered.
    pub(crate) fn commit(&mut self, pending: impl IntoIterator<Item = (Key, Sample)>) {
        self.delivered.extend(pending);
    }

    /// How many values are remembered: at most the number of series times their parts.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.delivered.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: Key = ("jobs", 0, Part::Value);

    #[test]
    fn deltas_move_forward_only_on_commit() {
        let mut deltas = Deltas::default();
        let mut pending = Pending::new();
        // First sighting: the whole total.
        assert_eq!(
            deltas.counter(KEY, Sample::U64(5), &mut pending),
            Sample::U64(5)
        );
        // Not committed (the push failed): the next push still counts from zero.
        pending.clear();
        assert_eq!(
            deltas.counter(KEY, Sample::U64(7), &mut pending),
            Sample::U64(7)
        );
        deltas.commit(pending.drain(..));
        assert_eq!(
            deltas.counter(KEY, Sample::U64(7), &mut pending),
            Sample::U64(0)
        );
        assert_eq!(
            deltas.counter(KEY, Sample::U64(10), &mut pending),
            Sample::U64(3)
        );
        // A lower total is a reset: all of it is new.
        assert_eq!(
            deltas.counter(KEY, Sample::U64(2), &mut pending),
            Sample::U64(2)
        );
        // Sums may go down; floats subtract.
        let sum = ("h", 0, Part::Sum);
        deltas.commit([(sum, Sample::F64(1.5))]);
        assert_eq!(deltas.sum(sum, 1.0, &mut pending), -0.5);
        // One entry per value, however many pushes.
        for total in 0..100 {
            let mut pending = Pending::new();
            deltas.counter(KEY, Sample::U64(total), &mut pending);
            deltas.commit(pending);
        }
        assert_eq!(deltas.len(), 2);
    }
}
