//! Counters: totals that only go up.

use std::borrow::Borrow;
use std::marker::PhantomData;
use std::sync::atomic::AtomicU64;

use crate::family::{family_builders, Family, SeriesTotal, Sharded};
use crate::labels::LabelSet;
use crate::metadata::Kind;
use crate::value::Value;

/// A total that only increases, such as requests served. Declare it as a `static`.
///
/// ```
/// /// Orders processed since start.
/// static ORDERS_PROCESSED: tallyho::Counter = tallyho::Counter::new("orders_processed");
/// ORDERS_PROCESSED.increment();
/// ```
pub struct Counter<V: Value = u64> {
    family: Family<(), V, Sharded<()>>,
}

/// A counter per label combination: `ORDERS.with(OrderLabels { .. }).increment()`.
pub struct CounterGroup<L: LabelSet, V: Value = u64> {
    family: Family<L, V, Sharded<L>>,
}

/// One series of a [`CounterGroup`], cheap to keep and reuse.
pub struct CounterRef<V: Value> {
    cell: &'static AtomicU64,
    total: SeriesTotal,
    _value: PhantomData<V>,
}

impl<V: Value> Counter<V> {
    /// A counter named `name`, exported as `<name>_total`. An invalid name fails to compile.
    pub const fn new(name: &'static str) -> Self {
        Counter {
            family: Family::new(name, Kind::Counter),
        }
    }

    family_builders!();

    /// Adds one.
    #[inline]
    pub fn increment(&'static self) {
        self.series().increment();
    }

    /// Adds `v`; a negative or NaN amount is dropped and counted in
    /// `tallyho_dropped_updates_total`.
    #[inline]
    pub fn add(&'static self, v: V) {
        self.series().add(v);
    }

    /// The current total.
    pub fn get(&'static self) -> V {
        self.series().get()
    }

    #[inline(always)]
    fn series(&'static self) -> CounterRef<V> {
        let (cell, total) = self.family.cell(());
        CounterRef {
            cell,
            total,
            _value: PhantomData,
        }
    }
}

impl<L: LabelSet, V: Value> CounterGroup<L, V> {
    /// A counter group named `name`, one series per value of `L`.
    pub const fn new(name: &'static str) -> Self {
        CounterGroup {
            family: Family::new(name, Kind::Counter),
        }
    }

    family_builders!();

    /// The series for `labels`: an array index, no hashing, locking or allocation.
    #[inline]
    pub fn with(&'static self, labels: impl Borrow<L>) -> CounterRef<V> {
        let (cell, total) = self.family.cell(labels);
        CounterRef {
            cell,
            total,
            _value: PhantomData,
        }
    }
}

impl<V: Value> CounterRef<V> {
    /// Adds one.
    #[inline]
    pub fn increment(&self) {
        V::add(self.cell, V::one());
    }

    /// Adds `v`; a negative or NaN amount is dropped and counted.
    #[inline]
    pub fn add(&self, v: V) {
        if V::is_counter_increment(v) {
            V::add(self.cell, v);
        } else {
            record_dropped();
        }
    }

    /// The current total.
    pub fn get(&self) -> V {
        self.total.get()
    }
}

impl<V: Value> Clone for CounterRef<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V: Value> Copy for CounterRef<V> {}

/// Updates refused because they would corrupt a series: negative or NaN counter increments
/// and NaN histogram observations.
static DROPPED_UPDATES: Counter = Counter::new("tallyho_dropped_updates")
    .help("Metric updates tallyho refused: negative or NaN counter increments, NaN observations.");

#[cold]
pub(crate) fn record_dropped() {
    DROPPED_UPDATES.increment();
}
