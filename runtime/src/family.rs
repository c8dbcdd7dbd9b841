//! Storage shared by counters and gauges: one atomic cell per label combination, inline in
//! the metric's `static`.

use std::borrow::Borrow;
use std::marker::PhantomData;
use std::sync::atomic::AtomicU64;

use crate::labels::{Field, LabelSet};
use crate::metadata::{Kind, Meta};
use crate::registry::{Collect, Registration, Storage};
use crate::series::SeriesLabels;
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

/// The cells, metadata and registry link of one counter or gauge family.
pub(crate) struct Family<L: LabelSet, V: Value> {
    meta: Meta,
    cells: L::Cells<AtomicU64>,
    labels: SeriesLabels,
    registration: Registration,
    _value: PhantomData<fn(V) -> V>,
}

impl<L: LabelSet, V: Value> Family<L, V> {
    pub(crate) const fn new(name: &'static str, kind: Kind) -> Self {
        Family {
            meta: Meta::new(name, kind),
            cells: ConstZero::ZERO,
            labels: SeriesLabels::new(),
            registration: Registration::new(),
            _value: PhantomData,
        }
    }

    pub(crate) const fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    pub(crate) const fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The cell of one label combination, registering the family on first use.
    #[inline(always)]
    pub(crate) fn cell(&'static self, labels: impl Borrow<L>) -> &'static AtomicU64 {
        self.registration.ensure(self);
        &self.cells.as_ref()[labels.borrow().index()]
    }

    /// Adds the family to the registry without touching any series.
    pub(crate) fn register(&'static self) {
        self.registration.ensure(self);
    }
}

impl<L: LabelSet, V: Value> Collect for Family<L, V> {
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
            cells: self.cells.as_ref(),
            value_type: V::VALUE_TYPE,
        }
    }
}
