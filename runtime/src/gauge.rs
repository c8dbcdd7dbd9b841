//! Gauges: values that go up and down.

use std::borrow::Borrow;
use std::marker::PhantomData;
use std::sync::atomic::AtomicU64;

use crate::family::{family_builders, Family, SeriesTotal, Single};
use crate::labels::LabelSet;
use crate::metadata::Kind;
use crate::value::Value;

/// A current value, such as connections open or queue depth. Declare it as a `static`.
///
/// ```
/// static QUEUE_DEPTH: tallyho::Gauge = tallyho::Gauge::new("queue_depth");
/// QUEUE_DEPTH.add(3);
/// QUEUE_DEPTH.sub(1);
/// ```
pub struct Gauge<V: Value = i64> {
    family: Family<(), V, Single<()>>,
}

/// A gauge per label combination: `POOL.with(PoolLabels { .. }).set(12)`.
pub struct GaugeGroup<L: LabelSet, V: Value = i64> {
    family: Family<L, V, Single<L>>,
}

/// One series of a [`GaugeGroup`], cheap to keep and reuse.
pub struct GaugeRef<V: Value> {
    cell: &'static AtomicU64,
    total: SeriesTotal,
    _value: PhantomData<V>,
}

impl<V: Value> Gauge<V> {
    /// A gauge named `name`. An invalid name fails to compile.
    pub const fn new(name: &'static str) -> Self {
        Gauge {
            family: Family::new(name, Kind::Gauge),
        }
    }

    family_builders!();

    /// Replaces the value.
    #[inline]
    pub fn set(&'static self, v: V) {
        self.series().set(v);
    }

    /// Adds `v`.
    #[inline]
    pub fn add(&'static self, v: V) {
        self.series().add(v);
    }

    /// Subtracts `v` (an unsigned gauge stops at zero).
    #[inline]
    pub fn sub(&'static self, v: V) {
        self.series().sub(v);
    }

    /// Adds one.
    #[inline]
    pub fn increment(&'static self) {
        self.series().increment();
    }

    /// Subtracts one (an unsigned gauge stops at zero).
    #[inline]
    pub fn decrement(&'static self) {
        self.series().decrement();
    }

    /// Adds one now and subtracts it when the guard drops: work in flight, counted even when
    /// the work returns early or panics.
    ///
    /// ```
    /// static IN_FLIGHT: tallyho::Gauge = tallyho::Gauge::new("jobs_in_flight");
    /// fn run_job() {
    ///     let _in_flight = IN_FLIGHT.in_flight();
    ///     // ... the job ...
    /// }
    /// ```
    #[inline]
    pub fn in_flight(&'static self) -> InFlight<V> {
        self.series().in_flight()
    }

    /// The current value.
    pub fn get(&'static self) -> V {
        self.series().get()
    }

    #[inline(always)]
    fn series(&'static self) -> GaugeRef<V> {
        let (cell, total) = self.family.cell(());
        GaugeRef {
            cell,
            total,
            _value: PhantomData,
        }
    }
}

impl<L: LabelSet, V: Value> GaugeGroup<L, V> {
    /// A gauge group named `name`, one series per value of `L`.
    pub const fn new(name: &'static str) -> Self {
        GaugeGroup {
            family: Family::new(name, Kind::Gauge),
        }
    }

    family_builders!();

    /// The series for `labels`: an array index, no hashing, locking or allocation.
    #[inline]
    pub fn with(&'static self, labels: impl Borrow<L>) -> GaugeRef<V> {
        let (cell, total) = self.family.cell(labels);
        GaugeRef {
            cell,
            total,
            _value: PhantomData,
        }
    }
}

impl<V: Value> GaugeRef<V> {
    /// Replaces the value.
    #[inline]
    pub fn set(&self, v: V) {
        V::store(self.cell, v);
    }

    /// Adds `v`.
    #[inline]
    pub fn add(&self, v: V) {
        V::add(self.cell, v);
    }

    /// Subtracts `v` (an unsigned gauge stops at zero).
    #[inline]
    pub fn sub(&self, v: V) {
        V::sub(self.cell, v);
    }

    /// Adds one.
    #[inline]
    pub fn increment(&self) {
        V::add(self.cell, V::one());
    }

    /// Subtracts one (an unsigned gauge stops at zero).
    #[inline]
    pub fn decrement(&self) {
        V::sub(self.cell, V::one());
    }

    /// Adds one now and subtracts it when the guard drops.
    #[inline]
    pub fn in_flight(&self) -> InFlight<V> {
        self.increment();
        InFlight { gauge: *self }
    }

    /// The current value.
    pub fn get(&self) -> V {
        self.total.get()
    }
}

/// Work in flight on a gauge: one added when made, taken away when dropped.
#[must_use = "the gauge is decremented when this guard drops"]
pub struct InFlight<V: Value> {
    gauge: GaugeRef<V>,
}

impl<V: Value> Drop for InFlight<V> {
    #[inline]
    fn drop(&mut self) {
        self.gauge.decrement();
    }
}

impl<V: Value> Clone for GaugeRef<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V: Value> Copy for GaugeRef<V> {}
