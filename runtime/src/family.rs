//! Storage shared by counters and gauges: atomic cells per label combination, inline in the
//! metric's `static`. Counters keep a row of cells per shard ([`Sharded`]), so threads add to
//! their own cache lines; gauges keep one row ([`Single`]), since a `set` must be exact.

use std::borrow::Borrow;
use std::marker::PhantomData;
use std::sync::atomic::AtomicU64;

use crate::labels::{Field, LabelSet};
use crate::metadata::{Kind, Meta};
use crate::registry::{Collect, Registration, Storage};
use crate::series::SeriesLabels;
use crate::shard::{assigned_row_plus_one, thread_row, Row, Rows};
use crate::value::{ConstZero, Value};

/// The const builders and accessors every counter and gauge type shares.
macro_rules! family_builders {
    () => {
        /// Help text; the build step fills it in from the doc comment when omitted here.
        pub const fn help(mut self, help: &'static str) -> Self {
            self.family.meta_mut().help = help;
            self
        }

        /// The unit, which the name must end with (`_seconds`, `_bytes`).
        pub const fn unit(mut self, unit: $crate::Unit) -> Self {
            self.family.meta_mut().unit = Some(unit);
            self
        }

        /// The metadata: name, kind, help, unit.
        pub const fn meta(&self) -> &$crate::Meta {
            self.family.meta()
        }

        /// Exports the family (with zero values) before its first update.
        pub fn register(&'static self) {
            self.family.register();
        }
    };
}
pub(crate) use family_builders;

/// A family's rows of cells, for reading totals.
pub(crate) trait CellRows: Send + Sync + 'static {
    /// Every row.
    fn rows(&self) -> Rows<'_>;
}

/// How a family lays out its cells: which cell a thread's update goes to.
pub(crate) trait Layout: CellRows + ConstZero {
    /// Whether threads update rows of their own.
    const SHARDED: bool;
    /// The cell of series `index` in thread row `row` (any number; rows wrap).
    fn cell(&self, row: usize, index: usize) -> &AtomicU64;
}

/// One row of cells per shard: a counter's layout.
pub(crate) struct Sharded<L: LabelSet>(L::Shards<AtomicU64>);

impl<L: LabelSet> ConstZero for Sharded<L> {
    const ZERO: Self = Sharded(ConstZero::ZERO);
}

impl<L: LabelSet> Layout for Sharded<L> {
    const SHARDED: bool = true;

    #[inline(always)]
    fn cell(&self, row: usize, index: usize) -> &AtomicU64 {
        let rows = self.0.as_ref();
        &rows[row & (rows.len() - 1)].0.as_ref()[index]
    }
}

impl<L: LabelSet> CellRows for Sharded<L> {
    fn rows(&self) -> Rows<'_> {
        Rows::new(self.0.as_ref().iter().map(|row| row.0.as_ref()))
    }
}

/// One row of cells on lines of its own: a gauge's layout.
pub(crate) struct Single<L: LabelSet>(Row<L::Cells<AtomicU64>>);

impl<L: LabelSet> ConstZero for Single<L> {
    const ZERO: Self = Single(ConstZero::ZERO);
}

impl<L: LabelSet> Layout for Single<L> {
    const SHARDED: bool = false;

    #[inline(always)]
    fn cell(&self, _row: usize, index: usize) -> &AtomicU64 {
        &self.0 .0.as_ref()[index]
    }
}

impl<L: LabelSet> CellRows for Single<L> {
    fn rows(&self) -> Rows<'_> {
        Rows::new([self.0 .0.as_ref()])
    }
}

/// The cells, metadata and registry link of one counter or gauge family.
pub(crate) struct Family<L: LabelSet, V: Value, S: Layout> {
    meta: Meta,
    cells: S,
    labels: SeriesLabels,
    registration: Registration,
    _types: PhantomData<fn(L, V) -> V>,
}

impl<L: LabelSet, V: Value, S: Layout> Family<L, V, S> {
    pub(crate) const fn new(name: &'static str, kind: Kind) -> Self {
        Family {
            meta: Meta::new(name, kind),
            cells: ConstZero::ZERO,
            labels: SeriesLabels::new(),
            registration: Registration::new(),
            _types: PhantomData,
        }
    }
}

impl<L: LabelSet, V: Value, S: Layout> Family<L, V, S> {
    pub(crate) const fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    pub(crate) const fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The cell this thread updates for one label combination, registering the family on
    /// first use; and the family's rows, for reading the series' total.
    ///
    /// The fast path is two loads (the registration flag, the thread's row) and no call, so
    /// it needs no stack frame; anything else is the cold path.
    #[inline(always)]
    pub(crate) fn cell(&'static self, labels: impl Borrow<L>) -> (&'static AtomicU64, SeriesTotal) {
        let index = labels.borrow().index();
        let row = if S::SHARDED {
            assigned_row_plus_one()
        } else {
            1
        };
        if row == 0 || !self.registration.is_registered() {
            return self.first_cell(index);
        }
        (self.cells.cell(row - 1, index), self.total(index))
    }

    /// [`Family::cell`] on a thread's first update or the family's.
    #[cold]
    #[inline(never)]
    fn first_cell(&'static self, index: usize) -> (&'static AtomicU64, SeriesTotal) {
        self.registration.ensure(self);
        (self.cells.cell(thread_row(), index), self.total(index))
    }

    fn total(&'static self, index: usize) -> SeriesTotal {
        SeriesTotal {
            rows: &self.cells,
            index,
        }
    }

    /// Adds the family to the registry without touching any series.
    pub(crate) fn register(&'static self) {
        self.registration.ensure(self);
    }
}

/// Where to read one series' total: the same cell of every row.
#[derive(Clone, Copy)]
pub(crate) struct SeriesTotal {
    rows: &'static dyn CellRows,
    index: usize,
}

impl SeriesTotal {
    /// The series' value, summed over rows.
    pub(crate) fn get<V: Value>(self) -> V {
        V::total(self.rows.rows().cells(self.index))
    }
}

impl<L: LabelSet, V: Value, S: Layout> Collect for Family<L, V, S> {
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
        Storage::Scalar {
            rows: self.cells.rows(),
            value_type: V::VALUE_TYPE,
        }
    }
}
