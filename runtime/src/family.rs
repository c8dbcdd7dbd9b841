//! Storage shared by counters and gauges: one atomic cell per label combination, inline in
//! the metric's `static`.

use std::borrow::Borrow;

use std::sync::OnceLock;

use crate::exposition::{sample_name, FamilyEncoder};
use crate::labels::LabelSet;
use crate::metadata::{Kind, Meta};
use crate::registry::{Collect, Registration};
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
    cells: L::Cells<V::Cell>,
    labels: SeriesLabels,
    sample_name: OnceLock<String>,
    registration: Registration,
}

impl<L: LabelSet, V: Value> Family<L, V> {
    pub(crate) const fn new(name: &'static str, kind: Kind) -> Self {
        Family {
            meta: Meta::new(name, kind),
            cells: ConstZero::ZERO,
            labels: SeriesLabels::new(),
            sample_name: OnceLock::new(),
            registration: Registration::new(),
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
    pub(crate) fn cell(&'static self, labels: impl Borrow<L>) -> &'static V::Cell {
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

    fn encode(&self, out: &mut FamilyEncoder<'_>) {
        let name = self.sample_name.get_or_init(|| sample_name(&self.meta));
        for (index, cell) in self.cells.as_ref().iter().enumerate() {
            if let Some(prefix) = self.labels.get(L::FIELDS, index, Some(name)) {
                out.sample(prefix, V::load(cell));
            }
        }
    }
}
