//! Per-thread shard rows: a hot counter or histogram updated from every core does not
//! bounce one cache line between them.
//!
//! A sharded family keeps up to [`MAX_ROWS`] copies ("rows") of its cells. Each row starts on
//! a 128-byte boundary and fills whole 128-byte blocks, so two rows never share a cache line
//! nor the adjacent line a prefetcher pulls in with it. A thread picks its row once, from a
//! const-initialised thread-local (no lazy registration, no destructor), and the collection
//! sums the rows. Rows cost memory, so big families get fewer of them ([`rows_for`]).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use crate::value::ConstZero;

const _: () = assert!(std::mem::size_of::<Row<[AtomicU64; BLOCK_CELLS]>>() == 128);

/// The most rows a family has: enough that the threads of a busy service rarely share one,
/// few enough that a small family stays within a few KiB.
pub const MAX_ROWS: usize = 8;

/// The most bytes of cells a family's rows may take together before it gets fewer rows.
const ROW_BUDGET_BYTES: usize = 16 * 1024;

/// How many rows a family of `cells` atomic cells per row gets: a power of two, `MAX_ROWS`
/// for small families, down to 1 (no sharding) where the rows would exceed the budget.
pub const fn rows_for(cells: usize) -> usize {
    let row_bytes = padded_row_bytes(cells);
    let mut rows = MAX_ROWS;
    while rows > 1 && rows * row_bytes > ROW_BUDGET_BYTES {
        rows /= 2;
    }
    rows
}

/// A row's size once padded to whole 128-byte blocks.
const fn padded_row_bytes(cells: usize) -> usize {
    (cells * 8).div_ceil(128) * 128
}

/// One row of cells on its own cache lines.
#[repr(C, align(128))]
#[derive(Debug)]
pub struct Row<T>(pub T);

impl<T: ConstZero> ConstZero for Row<T> {
    const ZERO: Self = Row(T::ZERO);
}

impl<T: AsRef<[AtomicU64]>> AsRef<[AtomicU64]> for Row<T> {
    fn as_ref(&self) -> &[AtomicU64] {
        self.0.as_ref()
    }
}

thread_local! {
    /// This thread's row number plus one; zero until the thread first updates a metric.
    static THREAD_ROW: Cell<usize> = const { Cell::new(0) };
}

/// Hands out row numbers round robin, so the first [`MAX_ROWS`] threads all differ.
static NEXT_ROW: AtomicUsize = AtomicUsize::new(0);

/// The calling thread's row number plus one, or zero before the thread's first update: one
/// thread-local load, for the update path to test and fall to [`thread_row`] when zero.
#[inline(always)]
pub(crate) fn assigned_row_plus_one() -> usize {
    THREAD_ROW.with(Cell::get)
}

/// The calling thread's row number in `0..MAX_ROWS`, assigning one on first use.
pub(crate) fn thread_row() -> usize {
    THREAD_ROW.with(|row| match row.get() {
        0 => {
            let assigned = NEXT_ROW.fetch_add(1, Relaxed) % MAX_ROWS;
            row.set(assigned + 1);
            assigned
        }
        plus_one => plus_one - 1,
    })
}

/// Cells per 128-byte block.
const BLOCK_CELLS: usize = 16;

/// Shard rows on the heap, for families whose width is only known at run time (a
/// histogram's cells per series depend on its buckets).
pub(crate) struct HeapRows {
    blocks: Box<[Row<[AtomicU64; BLOCK_CELLS]>]>,
    rows: usize,
    width: usize,
}

impl HeapRows {
    /// Zeroed rows of `width` cells each, as many as [`rows_for`] allows.
    pub(crate) fn new(width: usize) -> HeapRows {
        let rows = rows_for(width);
        let blocks = (0..rows * width.div_ceil(BLOCK_CELLS))
            .map(|_| Row(<[AtomicU64; BLOCK_CELLS]>::ZERO))
            .collect();
        HeapRows {
            blocks,
            rows,
            width,
        }
    }

    /// Row `row`'s cells.
    fn row(&self, row: usize) -> &[AtomicU64] {
        let stride = self.width.div_ceil(BLOCK_CELLS);
        let blocks = &self.blocks[row * stride..(row + 1) * stride];
        // SAFETY: a `Row<[AtomicU64; 16]>` is `repr(C)` with size 128 and align 128, exactly
        // its 16 cells with no padding, so consecutive blocks are one contiguous run of
        // `AtomicU64`s, `stride * 16 >= width` of them, borrowed for as long as `self`.
        let cells = unsafe {
            std::slice::from_raw_parts(blocks.as_ptr().cast::<AtomicU64>(), stride * BLOCK_CELLS)
        };
        &cells[..self.width]
    }

    /// Row `row` of every [`MAX_ROWS`] thread rows (rows wrap when a family has fewer).
    #[inline]
    pub(crate) fn thread_row(&self, row: usize) -> &[AtomicU64] {
        self.row(row & (self.rows - 1))
    }

    /// Every row, for reading totals.
    pub(crate) fn rows(&self) -> Rows<'_> {
        Rows::new((0..self.rows).map(|row| self.row(row)))
    }
}

/// A family's rows as slices, for summing at collection.
#[derive(Clone, Copy)]
pub(crate) struct Rows<'a> {
    rows: [&'a [AtomicU64]; MAX_ROWS],
    len: usize,
}

impl<'a> Rows<'a> {
    /// Collects up to [`MAX_ROWS`] rows.
    pub(crate) fn new(rows: impl IntoIterator<Item = &'a [AtomicU64]>) -> Self {
        let mut out = Rows {
            rows: [&[]; MAX_ROWS],
            len: 0,
        };
        for row in rows.into_iter().take(MAX_ROWS) {
            out.rows[out.len] = row;
            out.len += 1;
        }
        out
    }

    /// The rows.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a [AtomicU64]> + '_ {
        self.rows[..self.len].iter().copied()
    }

    /// Cells per row.
    pub(crate) fn width(&self) -> usize {
        self.rows[0].len()
    }

    /// Cell `index` of every row.
    pub(crate) fn cells(&self, index: usize) -> impl Iterator<Item = &'a AtomicU64> + '_ {
        self.iter().map(move |row| &row[index])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_families_get_every_row_and_big_ones_fewer() {
        assert_eq!(rows_for(1), 8);
        assert_eq!(rows_for(18), 8); // 144 bytes -> 256 padded, x8 = 2 KiB
        assert_eq!(rows_for(256), 8); // 2 KiB x 8 = 16 KiB
        assert_eq!(rows_for(257), 4);
        assert_eq!(rows_for(2048), 1);
        assert_eq!(rows_for(1_000_000), 1);
        assert_eq!(std::mem::size_of::<Row<[AtomicU64; 18]>>(), 256);
        assert_eq!(std::mem::align_of::<Row<[AtomicU64; 1]>>(), 128);
    }

    #[test]
    fn threads_take_rows_round_robin() {
        let rows: Vec<usize> = (0..MAX_ROWS)
            .map(|_| std::thread::spawn(thread_row).join().unwrap())
            .collect();
        let mut distinct = rows.clone();
        distinct.sort();
        distinct.dedup();
        // Other tests' threads may take rows in between, but consecutive spawns mostly differ.
        assert!(distinct.len() > 1, "{rows:?}");
        assert!(rows.iter().all(|&r| r < MAX_ROWS));
    }
}
