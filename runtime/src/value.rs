//! The numeric types a metric can hold, and the atomic cell that stores each.
//!
//! Every cell is a single atomic word updated with `Relaxed` ordering: metric values are
//! independent facts, so no update needs to be ordered against any other memory access.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use crate::exposition::number::write_f64;

/// A type whose zero value exists at compile time, so metric storage can live in a `static`.
pub trait ConstZero: Sized + Send + Sync + 'static {
    /// The all-zero value.
    const ZERO: Self;
}

impl ConstZero for AtomicU64 {
    const ZERO: Self = AtomicU64::new(0);
}

impl ConstZero for AtomicI64 {
    const ZERO: Self = AtomicI64::new(0);
}

impl<C: ConstZero, const N: usize> ConstZero for [C; N] {
    const ZERO: Self = [C::ZERO; N];
}

/// A value type a counter or gauge can hold: `u64`, `i64` or `f64`.
///
/// Sealed: the exposition and the atomic arithmetic are written for exactly these three.
pub trait Value: Copy + PartialOrd + Send + Sync + 'static + sealed::Sealed {
    /// The atomic cell holding one series' value.
    type Cell: ConstZero;
    /// The name the manifest and the exporters use for this type.
    const TYPE_NAME: &'static str;

    /// Reads the current value.
    fn load(cell: &Self::Cell) -> Self;
    /// Adds `v` (wrapping for integers, like the atomics they are).
    fn add(cell: &Self::Cell, v: Self);
    /// Subtracts `v`; an unsigned value saturates at zero instead of wrapping to 2^64.
    fn sub(cell: &Self::Cell, v: Self);
    /// Replaces the value.
    fn store(cell: &Self::Cell, v: Self);
    /// Whether `v` may be added to a counter: counters never decrease, and NaN is no amount.
    fn is_counter_increment(v: Self) -> bool;
    /// One, the amount of `increment()`.
    fn one() -> Self;
    /// Appends the value in exposition syntax.
    fn write(self, out: &mut String);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u64 {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
}

impl Value for u64 {
    type Cell = AtomicU64;
    const TYPE_NAME: &'static str = "u64";

    #[inline]
    fn load(cell: &AtomicU64) -> u64 {
        cell.load(Relaxed)
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
    fn write(self, out: &mut String) {
        crate::exposition::number::write_u64(self, out);
    }
}

impl Value for i64 {
    type Cell = AtomicI64;
    const TYPE_NAME: &'static str = "i64";

    #[inline]
    fn load(cell: &AtomicI64) -> i64 {
        cell.load(Relaxed)
    }
    #[inline]
    fn add(cell: &AtomicI64, v: i64) {
        cell.fetch_add(v, Relaxed);
    }
    #[inline]
    fn sub(cell: &AtomicI64, v: i64) {
        cell.fetch_sub(v, Relaxed);
    }
    #[inline]
    fn store(cell: &AtomicI64, v: i64) {
        cell.store(v, Relaxed);
    }
    #[inline]
    fn is_counter_increment(v: i64) -> bool {
        v >= 0
    }
    #[inline]
    fn one() -> i64 {
        1
    }
    fn write(self, out: &mut String) {
        crate::exposition::number::write_i64(self, out);
    }
}

/// `f64` values live in an `AtomicU64` as their bit pattern; updates are compare-and-swap loops.
impl Value for f64 {
    type Cell = AtomicU64;
    const TYPE_NAME: &'static str = "f64";

    #[inline]
    fn load(cell: &AtomicU64) -> f64 {
        f64::from_bits(cell.load(Relaxed))
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
    fn write(self, out: &mut String) {
        write_f64(self, out);
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
        let cell = <f64 as Value>::Cell::ZERO;
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
