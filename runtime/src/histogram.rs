//! Histograms: distributions of observed values in cumulative buckets.

use std::borrow::Borrow;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::counter::record_dropped;
use crate::labels::{Field, LabelSet};
use crate::metadata::{checked_buckets, Kind, Meta, Unit};
use crate::registry::{Collect, Registration, Storage};
use crate::series::SeriesLabels;
use crate::shard::{assigned_row_plus_one, thread_row, HeapRows};
use crate::value::{add_f64, Value};

pub use tallyho_spec::DEFAULT_BUCKETS;

/// A distribution, such as request durations. Declare it as a `static`.
///
/// ```
/// use tallyho::{Histogram, Unit};
/// static RENDER_TIME: Histogram = Histogram::new("render_duration_seconds")
///     .unit(Unit::Seconds)
///     .buckets(&[0.001, 0.01, 0.1, 1.0]);
/// RENDER_TIME.observe(0.004);
/// ```
pub struct Histogram {
    group: HistogramGroup<()>,
}

/// A histogram per label combination: `LATENCY.with(RouteLabels { .. }).observe(secs)`.
pub struct HistogramGroup<L: LabelSet> {
    meta: Meta,
    bounds: &'static [f64],
    /// Per shard row, per series: one count per bucket (not cumulative), the `+Inf` count,
    /// then the sum as `f64` bits. Allocated on first use.
    cells: OnceLock<HeapRows>,
    labels: SeriesLabels,
    registration: Registration,
    _labels: PhantomData<fn(L)>,
}

/// One series of a [`HistogramGroup`], cheap to keep and reuse.
///
/// It observes into the shard row of the thread that made it, so make it on the thread that
/// uses it; [`count`](HistogramRef::count) and [`sum`](HistogramRef::sum) read every row.
#[derive(Clone, Copy)]
pub struct HistogramRef {
    bounds: &'static [f64],
    /// This series' cells in the thread's row.
    cells: &'static [AtomicU64],
    all: &'static HeapRows,
    start: usize,
}

impl Histogram {
    /// A histogram named `name` with [`DEFAULT_BUCKETS`]. An invalid name fails to compile.
    pub const fn new(name: &'static str) -> Self {
        Histogram {
            group: HistogramGroup::new(name),
        }
    }

    /// Help text; the build step fills it in from the doc comment when omitted here.
    pub const fn help(mut self, help: &'static str) -> Self {
        self.group.meta.help = help;
        self
    }

    /// The unit, which the name must end with (`_seconds`, `_bytes`).
    pub const fn unit(mut self, unit: Unit) -> Self {
        self.group.meta.unit = Some(unit);
        self
    }

    /// Bucket upper bounds, finite and strictly increasing (checked at compile time).
    pub const fn buckets(mut self, bounds: &'static [f64]) -> Self {
        self.group.bounds = checked_buckets(bounds);
        self
    }

    /// The metadata: name, kind, help, unit.
    pub const fn meta(&self) -> &Meta {
        &self.group.meta
    }

    /// Exports the histogram (with zero counts) before its first observation.
    pub fn register(&'static self) {
        self.group.register();
    }

    /// Records one value; NaN is dropped and counted in `tallyho_dropped_updates_total`.
    #[inline]
    pub fn observe(&'static self, v: f64) {
        self.group.with(()).observe(v);
    }

    /// Records a duration in seconds, the base unit (declare the histogram with
    /// `Unit::Seconds` and a name ending in `_seconds`).
    #[inline]
    pub fn observe_duration(&'static self, duration: Duration) {
        self.group.with(()).observe_duration(duration);
    }

    /// Starts timing; the guard records the elapsed seconds when it drops.
    ///
    /// ```
    /// use tallyho::{Histogram, Unit};
    /// static RENDER_TIME: Histogram = Histogram::new("render_duration_seconds").unit(Unit::Seconds);
    /// fn render() {
    ///     let _timer = RENDER_TIME.start_timer();
    ///     // ... the work, timed until `_timer` drops ...
    /// }
    /// ```
    #[inline]
    pub fn start_timer(&'static self) -> Timer {
        self.group.with(()).start_timer()
    }
}

impl<L: LabelSet> HistogramGroup<L> {
    /// A histogram group named `name` with [`DEFAULT_BUCKETS`], one series per value of `L`.
    pub const fn new(name: &'static str) -> Self {
        HistogramGroup {
            meta: Meta::new(name, Kind::Histogram),
            bounds: DEFAULT_BUCKETS,
            cells: OnceLock::new(),
            labels: SeriesLabels::new(),
            registration: Registration::new(),
            _labels: PhantomData,
        }
    }

    /// Help text; the build step fills it in from the doc comment when omitted here.
    pub const fn help(mut self, help: &'static str) -> Self {
        self.meta.help = help;
        self
    }

    /// The unit, which the name must end with (`_seconds`, `_bytes`).
    pub const fn unit(mut self, unit: Unit) -> Self {
        self.meta.unit = Some(unit);
        self
    }

    /// Bucket upper bounds, finite and strictly increasing (checked at compile time).
    pub const fn buckets(mut self, bounds: &'static [f64]) -> Self {
        self.bounds = checked_buckets(bounds);
        self
    }

    /// The metadata: name, kind, help, unit.
    pub const fn meta(&self) -> &Meta {
        &self.meta
    }

    /// Exports the family (with zero counts) before its first observation.
    pub fn register(&'static self) {
        self.registration.ensure(self);
    }

    /// The series for `labels`.
    #[inline]
    pub fn with(&'static self, labels: impl Borrow<L>) -> HistogramRef {
        let index = labels.borrow().index();
        let row = assigned_row_plus_one();
        match self.cells.get() {
            Some(all) if row != 0 && self.registration.is_registered() => {
                self.series(all, row - 1, index)
            }
            _ => self.first_series(index),
        }
    }

    /// [`HistogramGroup::with`] on a thread's first update or the family's.
    #[cold]
    #[inline(never)]
    fn first_series(&'static self, index: usize) -> HistogramRef {
        self.registration.ensure(self);
        self.series(self.cells(), thread_row(), index)
    }

    #[inline(always)]
    fn series(&self, all: &'static HeapRows, row: usize, index: usize) -> HistogramRef {
        let stride = self.stride();
        let start = index * stride;
        HistogramRef {
            bounds: self.bounds,
            cells: &all.thread_row(row)[start..start + stride],
            all,
            start,
        }
    }

    fn stride(&self) -> usize {
        self.bounds.len() + 2
    }

    fn cells(&self) -> &HeapRows {
        self.cells
            .get_or_init(|| HeapRows::new(L::CARDINALITY * self.stride()))
    }
}

impl<L: LabelSet> Collect for HistogramGroup<L> {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn fields(&self) -> &'static [Field] {
        L::FIELDS
    }

    fn series_labels(&self) -> &SeriesLabels {
        &self.labels
    }

    fn storage(&self) -> Storage<'_> {
        Storage::Histogram {
            bounds: self.bounds,
            rows: self.cells().rows(),
        }
    }
}

impl HistogramRef {
    /// Records one value; NaN is dropped and counted in `tallyho_dropped_updates_total`.
    #[inline]
    pub fn observe(&self, v: f64) {
        if v.is_nan() {
            return record_dropped();
        }
        let bucket = self.bounds.partition_point(|&bound| bound < v);
        self.cells[bucket].fetch_add(1, Relaxed);
        add_f64(&self.cells[self.bounds.len() + 1], v);
    }

    /// Records a duration in seconds, the base unit.
    #[inline]
    pub fn observe_duration(&self, duration: Duration) {
        self.observe(duration.as_secs_f64());
    }

    /// Starts timing; the guard records the elapsed seconds when it drops.
    #[inline]
    pub fn start_timer(&self) -> Timer {
        Timer {
            series: *self,
            started: Instant::now(),
            armed: true,
        }
    }

    /// Observations so far, from every thread.
    pub fn count(&self) -> u64 {
        let buckets = self.start..=self.start + self.bounds.len();
        let rows = self.all.rows();
        let per_row = rows
            .iter()
            .map(|row| u64::total(row[buckets.clone()].iter()));
        per_row.fold(0, u64::wrapping_add)
    }

    /// The sum of the observations so far, from every thread.
    pub fn sum(&self) -> f64 {
        f64::total(self.all.rows().cells(self.start + self.bounds.len() + 1))
    }
}

/// A running timer on a histogram series: it records the elapsed seconds when dropped, so a
/// timed block is measured however it ends.
#[must_use = "the duration is recorded when this guard drops; bind it to a variable"]
pub struct Timer {
    series: HistogramRef,
    started: Instant,
    armed: bool,
}

impl Timer {
    /// Records now instead of at the end of the scope, and returns the duration recorded.
    pub fn observe(mut self) -> Duration {
        self.armed = false;
        let elapsed = self.started.elapsed();
        self.series.observe_duration(elapsed);
        elapsed
    }

    /// Drops the timer without recording anything (the work was abandoned).
    pub fn discard(mut self) {
        self.armed = false;
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if self.armed {
            self.series.observe_duration(self.started.elapsed());
        }
    }
}
