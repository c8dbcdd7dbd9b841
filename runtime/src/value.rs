//! The numeric types a metric can hold, and the atomic cell that stores each.
//!
//! Every cell is a single atomic word updated with `Relaxed` ordering: metric values are
//! independent facts, so no update needs to be ordered against any other memory access.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use tallyho_spec::ValueType;

/// A type whose zero value exists at compile time, so metric storage can live in a `static`.
pub trait ConstZero: Sized + Send + Sync + 'static {
    /// The all-zero value.
    const ZERO: Self;
}

impl ConstZero for AtomicU64 {
    const ZERO: Self = AtomicU64::new(0);
}

impl<C: ConstZero, const N: usize> ConstZero for [C; N] {
    const ZERO: Self = [C::ZERO; N];
}

/// A counter's or gauge's value, in the type the metric declares.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Sample {
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A float.
    F64(f64),
}

impl Sample {
    /// The value as a float, for protocols with one number type.
    pub fn as_f64(self) -> f64 {
        match self {
            Sample::U64(v) => v as f64,
            Sample::I64(v) => v as f64,
            Sample::F64(v) => v,
        }
    }
}

/// A value type a counter or gauge can hold: `u64`, `i64` or `f64`.
///
/// Sealed: the collection and the atomic arithmetic are written for exactly these three.
/// Every cell is an `AtomicU64` (an `i64` as its two's complement, an `f64` as its bits), so
/// the collection reads any family's cells as one slice and decodes them by [`ValueType`].
pub trait Value: Copy + PartialOrd + Send + Sync + 'static + sealed::Sealed {
    /// Which of the three this is, for the manifest and the collection.
    const VALUE_TYPE: ValueType;

    /// Reads the current value.
    fn load(cell: &AtomicU64) -> Self;
    /// The total of a series kept in several shard rows: integers add wrapping (so an `i64`
    /// row that went negative still sums right), floats add.
    fn total<'a>(cells: impl Iterator<Item = &'a AtomicU64>) -> Self;
    /// Adds `v` (wrapping for integers, like the atomics they are).
    fn add(cell: &AtomicU64, v: Self);
    /// Subtracts `v`; an unsigned value saturates at zero instead of wrapping to 2^64.
    fn sub(cell: &AtomicU64, v: Self);
    /// Replaces the value.
    fn store(cell: &AtomicU64, v: Self);
    /// Whether `v` may be added to a counter: counters never decrease, and NaN is no amount.
    fn is_counter_increment(v: Self) -> bool;
    /// One, the amount of `increment()`.
    fn one() -> Self;
    /// The value as the collection hands it to exporters.
    fn sample(self) -> Sample;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u64 {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
}

impl Value for u64 {
    const VALUE_TYPE: ValueType = ValueType::U64;

    #[inline]
    fn load(cell: &AtomicU64) -> u64 {
        cell.load(Relaxed)
    }
    fn total<'a>(cells: impl Iterator<Item = &'a AtomicU64>) -> u64 {
        cells.fold(0, |sum, cell| sum.wrapping_add(cell.load(Relaxed)))
    }
    #[inline]
    fn add(cell: &AtomicU64, v: u64) {
        cell.fetch_add(v, Relaxed);
    }
    #[inline]
    fn sub(cell: &AtomicU64, v: u64) {
        let _ = cell.fetch_update(Relaxed, Relaxed, |old| Some(old.saturating_sub(v)));
    }
    #[inline]
    fn store(cell: &AtomicU64, v: u64) {
        cell.store(v, Relaxed);
    }
    #[inline]
    fn is_counter_increment(_: u64) -> bool {
        true
    }
    #[inline]
    fn one() -> u64 {
        1
    }
    fn sample(self) -> Sample {
        Sample::U64(self)
    }
}

/// `i64` values live in an `AtomicU64` as their two's complement: wrapping adds are the same.
impl Value for i64 {
    const VALUE_TYPE: ValueType = ValueType::I64;

    #[inline]
    fn load(cell: &AtomicU64) -> i64 {
        cell.load(Relaxed) as i64
    }
    fn total<'a>(cells: impl Iterator<Item = &'a AtomicU64>) -> i64 {
        u64::total(cells) as i64
    }
    #[inline]
    fn add(cell: &AtomicU64, v: i64) {
        cell.fetch_add(v as u64, Relaxed);
    }
    #[inline]
    fn sub(cell: &AtomicU64, v: i64) {
        cell.fetch_sub(v as u64, Relaxed);
    }
    #[inline]
    fn store(cell: &AtomicU64, v: i64) {
        cell.store(v as u64, Relaxed);
    }
    #[inline]
    fn is_counter_increment(v: i64) -> bool {
        v >= 0
    }
    #[inline]
    fn one() -> i64 {
        1
    }
    fn sample(self) -> Sample {
        Sample::I64(self)
    }
}

/// `f64` values live in an `AtomicU64` as their bit pattern; updates are compare-and-swap loops.
impl Value for f64 {
    const VALUE_TYPE: ValueType = ValueType::F64;

    #[inline]
    fn load(cell: &AtomicU64) -> f64 {
        f64::from_bits(cell.load(Relaxed))
    }
    fn total<'a>(cells: impl Iterator<Item = &'a AtomicU64>) -> f64 {
        cells.map(f64::load).sum()
    }
    #[inline]
    fn add(cell: &AtomicU64, v: f64) {
        add_f64(cell, v);
    }
    #[inline]
    fn sub(cell: &AtomicU64, v: f64) {
        add_f64(cell, -v);
    }
    #[inline]
    fn store(cell: &AtomicU64, v: f64) {
        cell.store(v.to_bits(), Relaxed);
    }
    #[inline]
    fn is_counter_increment(v: f64) -> bool {
        v >= 0.0
    }
    #[inline]
    fn one() -> f64 {
        1.0
    }
    fn sample(self) -> Sample {
        Sample::F64(self)
    }
}

/// Adds to an `f64` stored as bits in an atomic word.
#[inline]
pub(crate) fn add_f64(cell: &AtomicU64, v: f64) {
    let mut old = cell.load(Relaxed);
    loop {
        let new = (f64::from_bits(old) + v).to_bits();
        match cell.compare_exchange_weak(old, new, Relaxed, Relaxed) {
            Ok(_) => return,
            Err(current) => old = current,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_sub_saturates() {
        let cell = AtomicU64::new(3);
        u64::sub(&cell, 5);
        assert_eq!(u64::load(&cell), 0);
    }

    #[test]
    fn float_cells_add_and_subtract() {
        let cell = AtomicU64::new(0);
        f64::add(&cell, 1.5);
        f64::sub(&cell, 0.25);
        assert_eq!(f64::load(&cell), 1.25);
    }

    #[test]
    fn counters_refuse_negative_and_nan() {
        assert!(!f64::is_counter_increment(-1.0));
        assert!(!f64::is_counter_increment(f64::NAN));
        assert!(f64::is_counter_increment(0.0));
        assert!(!i64::is_counter_increment(-1));
    }
}
