//! Label sets: the typed, finite (or explicitly bounded) label dimensions of a metric group.
//!
//! `#[derive(LabelSet)]` describes a struct's fields as a list of [`Field`]s and maps every
//! value of the struct to a dense index in `0..CARDINALITY` (mixed radix over the fields), so a
//! labelled update is an array index: no hashing, no lock, no allocation.

use crate::interner::Interner;
use crate::shard::{Row, MAX_ROWS};
use crate::value::ConstZero;

pub use tallyho_spec::OVERFLOW_VALUE;

/// A struct whose fields are a metric's labels. Derive it: `#[derive(LabelSet)]`.
pub trait LabelSet: Send + Sync + 'static {
    /// The label keys and their value domains, in field order.
    const FIELDS: &'static [Field];
    /// How many distinct label combinations exist: the product of the fields' domain sizes.
    const CARDINALITY: usize;
    /// Inline storage for one cell per label combination (`[C; CARDINALITY]`).
    type Cells<C: ConstZero>: ConstZero + AsRef<[C]> + Send + Sync + 'static;
    /// Inline storage for a counter's shard rows: `[Row<Cells<C>>; rows_for(CARDINALITY)]`,
    /// each row on cache lines of its own.
    type Shards<C: ConstZero>: ConstZero + AsRef<[Row<Self::Cells<C>>]> + Send + Sync + 'static;
    /// The dense index of this label combination, in `0..CARDINALITY`.
    fn index(&self) -> usize;
}

/// A closed set of label values: `bool` and unit enums deriving `LabelValue`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a label value type",
    label = "this label field's type has no known set of values",
    note = "label fields are bool, an enum with #[derive(LabelValue)], Option of those, or String, &'static str or an integer with #[label(max_values = N)]"
)]
pub trait LabelValue {
    /// Every value, as exported, in index order.
    const VALUES: &'static [&'static str];
    /// This value's position in [`VALUES`](LabelValue::VALUES).
    fn index(&self) -> usize;
}

impl LabelValue for bool {
    const VALUES: &'static [&'static str] = &["false", "true"];
    #[inline]
    fn index(&self) -> usize {
        *self as usize
    }
}

/// No labels: the one series of a plain `Counter`, `Gauge` or `Histogram`.
impl LabelSet for () {
    const FIELDS: &'static [Field] = &[];
    const CARDINALITY: usize = 1;
    type Cells<C: ConstZero> = [C; 1];
    type Shards<C: ConstZero> = [Row<[C; 1]>; MAX_ROWS];
    #[inline(always)]
    fn index(&self) -> usize {
        0
    }
}

/// One label: its key and the values it can take.
#[derive(Debug)]
pub struct Field {
    /// The label key as exported.
    pub key: &'static str,
    /// The values the label can take.
    pub domain: Domain,
}

/// The values one label can take.
#[derive(Debug)]
pub enum Domain {
    /// Exactly these values (`bool`, a `LabelValue` enum).
    Finite(&'static [&'static str]),
    /// An `Option` of a finite type: the empty value (label absent) then these values.
    Optional(&'static [&'static str]),
    /// An open type bounded by `max_values`: values are interned at run time, and every value
    /// past the bound is exported as [`OVERFLOW_VALUE`]. The bound is repeated outside the
    /// interner because constant evaluation cannot read a `static` with interior mutability.
    Bounded {
        /// The interner's bound.
        max_values: usize,
        /// Where the values seen so far live.
        interner: &'static Interner,
    },
}

impl Domain {
    /// How many index slots the label occupies.
    pub const fn size(&self) -> usize {
        match self {
            Domain::Finite(values) => values.len(),
            Domain::Optional(values) => values.len() + 1,
            Domain::Bounded { max_values, .. } => *max_values + 1,
        }
    }

    /// The exported value of slot `slot`, or `None` while a bounded slot is still unused.
    pub fn value(&self, slot: usize) -> Option<&'static str> {
        match self {
            Domain::Finite(values) => values.get(slot).copied(),
            Domain::Optional(_) if slot == 0 => Some(""),
            Domain::Optional(values) => values.get(slot - 1).copied(),
            Domain::Bounded {
                max_values,
                interner,
            } if slot == *max_values => interner.has_overflowed().then_some(OVERFLOW_VALUE),
            Domain::Bounded { interner, .. } => interner.get(slot),
        }
    }
}

/// The number of label combinations of `fields`, for the derive's `CARDINALITY`.
///
/// Fails compilation (a const panic) when the product does not fit in `usize`.
pub const fn cardinality(fields: &[Field]) -> usize {
    let mut product: usize = 1;
    let mut i = 0;
    while i < fields.len() {
        product = match product.checked_mul(fields[i].domain.size()) {
            Some(p) => p,
            None => panic!("label set cardinality overflows usize"),
        };
        i += 1;
    }
    product
}

/// Splits a dense index back into one slot per field (the inverse of the derived `index`).
pub(crate) fn slots(fields: &[Field], mut index: usize, out: &mut [usize]) {
    for (slot, field) in out.iter_mut().zip(fields).rev() {
        let size = field.domain.size();
        *slot = index % size;
        index /= size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static FIELDS: &[Field] = &[
        Field {
            key: "ok",
            domain: Domain::Finite(&["false", "true"]),
        },
        Field {
            key: "region",
            domain: Domain::Optional(&["eu", "us", "apac"]),
        },
    ];

    #[test]
    fn cardinality_is_the_product_of_domain_sizes() {
        assert_eq!(cardinality(FIELDS), 2 * 4);
    }

    #[test]
    fn slots_invert_mixed_radix_indices() {
        let mut out = [0; 2];
        slots(FIELDS, 4 + 3, &mut out);
        assert_eq!(out, [1, 3]);
        assert_eq!(FIELDS[1].domain.value(3), Some("apac"));
        assert_eq!(FIELDS[1].domain.value(0), Some(""));
    }
}
