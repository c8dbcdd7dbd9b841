//! How the gather stage runs its per-file work. With the `parallel` feature (on by default, and
//! for `cargo tallyho`): on a rayon pool whose threads have `PARSE_STACK` (64 MiB). Without it
//! (the build step, where cargo already runs other jobs on every core): the same calls in
//! order, on one thread with that stack, so nothing parses on a smaller one.

use crate::scan;

#[cfg(feature = "parallel")]
pub(crate) use rayon::prelude::*;

#[cfg(not(feature = "parallel"))]
pub(crate) use sequential::*;

/// The pool the work runs on: none when it could not be built (or without `parallel`).
#[cfg(feature = "parallel")]
pub(crate) type Pool = Option<rayon::ThreadPool>;
/// The pool the work runs on: none without the `parallel` feature.
#[cfg(not(feature = "parallel"))]
pub(crate) type Pool = Option<std::convert::Infallible>;

/// The parser's recursion, bounded by the scan's pre-scan, wants `PARSE_STACK` (64 MiB).
pub(crate) fn pool() -> Pool {
    #[cfg(feature = "parallel")]
    {
        rayon::ThreadPoolBuilder::new()
            .stack_size(scan::PARSE_STACK)
            .build()
            .ok()
    }
    #[cfg(not(feature = "parallel"))]
    {
        None
    }
}

/// Runs `f` on `pool`, or on one thread with the parsing stack if there is no pool (never
/// on a thread with less).
pub(crate) fn in_pool<R: Send>(pool: &Pool, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        #[cfg(feature = "parallel")]
        Some(pool) => pool.install(f),
        #[cfg(not(feature = "parallel"))]
        Some(never) => match *never {},
        None => scan::on_parse_stack(f),
    }
}

/// `par_iter` and `par_iter_mut` as plain iterators, for the build without rayon.
#[cfg(not(feature = "parallel"))]
mod sequential {
    /// `rayon`'s `par_iter()`, in order.
    pub(crate) trait ParIter<T> {
        /// The slice's items, one after the other.
        fn par_iter(&self) -> std::slice::Iter<'_, T>;
    }

    /// `rayon`'s `par_iter_mut()`, in order.
    pub(crate) trait ParIterMut<T> {
        /// The slice's items, one after the other.
        fn par_iter_mut(&mut self) -> std::slice::IterMut<'_, T>;
    }

    impl<T> ParIter<T> for [T] {
        fn par_iter(&self) -> std::slice::Iter<'_, T> {
            self.iter()
        }
    }

    impl<T> ParIterMut<T> for [T] {
        fn par_iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
            self.iter_mut()
        }
    }
}
