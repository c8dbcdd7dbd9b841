//! A bounded, append-only string interner for open label values (`String`, `&str`, integers
//! declared with `#[label(max_values = N)]`).
//!
//! Lookups of known values are lock-free (an open-addressing table of atomically published
//! entries); only the first sighting of a new value takes a mutex. Past `max_values` distinct
//! values every new value maps to the overflow slot without a lock, so memory and cardinality
//! stay bounded whatever the input. Values that could not be told apart from the overflow or
//! would make every scrape large go to the overflow slot too: the overflow value itself (so
//! nobody can spoof a second overflow series) and values over [`MAX_LABEL_VALUE_BYTES`]
//! (rather than a truncated copy, which would merge distinct values under one name and still
//! use up a slot). A bounded label so holds at most `max_values x MAX_LABEL_VALUE_BYTES`
//! bytes of values.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use tallyho_spec::{MAX_LABEL_VALUE_BYTES, OVERFLOW_VALUE};

/// Interned values of one open label field, shared by every metric using that label type.
#[derive(Debug)]
pub struct Interner {
    max_values: usize,
    /// The bound in effect, at most `max_values`: a service's declared bound may be lower
    /// than the storage it was compiled with ([`Interner::restrict`]).
    limit: AtomicUsize,
    overflowed: AtomicBool,
    table: OnceLock<Table>,
}

#[derive(Debug)]
struct Table {
    /// Open-addressing hash table, a power of two at least twice `max_values`.
    buckets: Box<[AtomicPtr<Entry>]>,
    /// Entries by slot, for exposition.
    by_slot: Box<[AtomicPtr<Entry>]>,
    /// Serializes insertions; holds the number of slots in use.
    insert: Mutex<usize>,
    /// Set once every slot is used: new values then overflow without taking the mutex.
    full: AtomicBool,
}

#[derive(Debug)]
struct Entry {
    value: Box<str>,
    slot: usize,
}

impl Interner {
    /// An empty interner that accepts up to `max_values` distinct values.
    pub const fn new(max_values: usize) -> Self {
        Interner {
            max_values,
            limit: AtomicUsize::new(max_values),
            overflowed: AtomicBool::new(false),
            table: OnceLock::new(),
        }
    }

    /// The bound: slots `0..max_values` hold values, slot `max_values` is the overflow.
    pub const fn max_values(&self) -> usize {
        self.max_values
    }

    /// Whether any value has been mapped to the overflow slot.
    pub fn has_overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
    }

    /// The value interned in `slot`, if any.
    pub fn get(&self, slot: usize) -> Option<&'static str> {
        let entry = self.table.get()?.by_slot.get(slot)?.load(Ordering::Acquire);
        // SAFETY: published entries are leaked, never freed or mutated.
        unsafe { entry.as_ref() }.map(|entry| -> &'static str {
            let value: &str = &entry.value;
            // SAFETY: as above, the entry lives for the rest of the program.
            unsafe { &*(value as *const str) }
        })
    }

    /// Lowers the bound to `limit` values (never raises it past `max_values`): values
    /// interned past it overflow, as past `max_values`. Values already interned keep their
    /// slots, so restrict before the first use.
    pub fn restrict(&self, limit: usize) {
        let table = self.table.get_or_init(|| Table::new(self.max_values));
        let used = table.insert.lock().map_or(0, |used| *used);
        let limit = self.limit.fetch_min(limit, Ordering::AcqRel).min(limit);
        if used >= limit {
            table.full.store(true, Ordering::Release);
        }
    }

    /// The slot of `value` if it is interned already: a lookup that never inserts and never
    /// overflows, for a closed set of values interned up front.
    pub fn find(&self, value: &str) -> Option<usize> {
        let table = self.table.get()?;
        let mask = table.buckets.len() - 1;
        table.find(value, hash(value.as_bytes()) as usize & mask, mask)
    }

    /// The slot of `value`: its own while fewer than `max_values` values exist, else overflow.
    pub fn intern(&self, value: &str) -> usize {
        if self.max_values == 0 || value.len() > MAX_LABEL_VALUE_BYTES || value == OVERFLOW_VALUE {
            return self.overflow();
        }
        let table = self.table.get_or_init(|| Table::new(self.max_values));
        let mask = table.buckets.len() - 1;
        let start = hash(value.as_bytes()) as usize & mask;
        if let Some(slot) = table.find(value, start, mask) {
            return slot;
        }
        if table.full.load(Ordering::Acquire) {
            return self.overflow();
        }
        let Ok(mut used) = table.insert.lock() else {
            return self.overflow();
        };
        // Another thread may have inserted it while this one waited for the lock.
        if let Some(slot) = table.find(value, start, mask) {
            return slot;
        }
        let limit = self.limit.load(Ordering::Acquire);
        if *used >= limit {
            table.full.store(true, Ordering::Release);
            return self.overflow();
        }
        let slot = *used;
        let entry: *mut Entry = Box::leak(Box::new(Entry {
            value: value.into(),
            slot,
        }));
        let mut i = start;
        while !table.buckets[i].load(Ordering::Relaxed).is_null() {
            i = (i + 1) & mask;
        }
        table.by_slot[slot].store(entry, Ordering::Release);
        table.buckets[i].store(entry, Ordering::Release);
        *used += 1;
        if *used >= limit {
            table.full.store(true, Ordering::Release);
        }
        slot
    }

    /// The slot of an integer value, formatted without allocating.
    pub fn intern_integer(&self, value: i128) -> usize {
        let mut buf = [0u8; 40];
        let mut at = buf.len();
        let mut rest = value.unsigned_abs();
        loop {
            at -= 1;
            buf[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if value < 0 {
            at -= 1;
            buf[at] = b'-';
        }
        // The buffer holds only ASCII digits and '-'.
        self.intern(std::str::from_utf8(&buf[at..]).unwrap_or(""))
    }

    #[cold]
    fn overflow(&self) -> usize {
        self.overflowed.store(true, Ordering::Relaxed);
        self.max_values
    }
}

impl Table {
    fn new(max_values: usize) -> Self {
        let size = (max_values * 2).next_power_of_two().max(2);
        let empty = |n| {
            (0..n)
                .map(|_| AtomicPtr::new(std::ptr::null_mut()))
                .collect()
        };
        Table {
            buckets: empty(size),
            by_slot: empty(max_values),
            insert: Mutex::new(0),
            full: AtomicBool::new(false),
        }
    }

    fn find(&self, value: &str, start: usize, mask: usize) -> Option<usize> {
        let mut i = start;
        loop {
            let entry = self.buckets[i].load(Ordering::Acquire);
            // SAFETY: published entries are leaked, never freed or mutated.
            let entry = unsafe { entry.as_ref() }?;
            if *entry.value == *value {
                return Some(entry.slot);
            }
            i = (i + 1) & mask;
        }
    }
}

/// FNV-1a: fast on the short strings labels are, and the table is bounded, so flooding it
/// with collisions costs an attacker at most `max_values` probes per lookup.
fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_up_to_the_bound_then_overflows() {
        let interner = Interner::new(2);
        assert_eq!(interner.intern("a"), 0);
        assert_eq!(interner.intern("b"), 1);
        assert_eq!(interner.intern("a"), 0);
        assert!(!interner.has_overflowed());
        assert_eq!(interner.intern("c"), 2);
        assert!(interner.has_overflowed());
        assert_eq!(interner.get(0), Some("a"));
        assert_eq!(interner.get(1), Some("b"));
        assert_eq!(interner.get(2), None);
    }

    #[test]
    fn integers_intern_by_their_decimal_form() {
        let interner = Interner::new(4);
        assert_eq!(interner.intern_integer(-42), 0);
        assert_eq!(interner.intern("-42"), 0);
        assert_eq!(interner.intern_integer(i128::MIN), 1);
        assert_eq!(
            interner.get(1),
            Some("-170141183460469231731687303715884105728")
        );
    }

    #[test]
    fn concurrent_interning_assigns_each_value_one_slot() {
        let interner = Interner::new(64);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for i in 0..100 {
                        interner.intern(&format!("v{}", i % 50));
                    }
                });
            }
        });
        let used: Vec<_> = (0..64).filter_map(|s| interner.get(s)).collect();
        let mut distinct = used.clone();
        distinct.sort();
        distinct.dedup();
        // Every value has exactly one slot: no value was given two, none was lost.
        assert_eq!(used.len(), 50, "{used:?}");
        assert_eq!(distinct.len(), 50);
        assert!(!interner.has_overflowed());
    }

    #[test]
    fn the_overflow_value_and_long_values_overflow() {
        let interner = Interner::new(4);
        assert_eq!(interner.intern(OVERFLOW_VALUE), 4);
        assert_eq!(interner.intern(&"x".repeat(MAX_LABEL_VALUE_BYTES + 1)), 4);
        assert_eq!(interner.intern(&"x".repeat(MAX_LABEL_VALUE_BYTES)), 0);
        assert_eq!((0..4).filter_map(|s| interner.get(s)).count(), 1);
    }

    #[test]
    fn a_full_interner_still_finds_its_values() {
        let interner = Interner::new(2);
        interner.intern("a");
        interner.intern("b");
        assert_eq!(interner.intern("c"), 2);
        assert_eq!(interner.intern("b"), 1);
        assert_eq!(interner.intern("d"), 2);
    }

    #[test]
    fn a_restricted_interner_overflows_at_its_limit_and_find_never_inserts() {
        let interner = Interner::new(8);
        interner.intern("a");
        interner.restrict(2);
        assert_eq!(interner.find("b"), None);
        assert!(!interner.has_overflowed());
        assert_eq!(interner.intern("b"), 1);
        assert_eq!(interner.intern("c"), 8);
        assert_eq!(interner.find("b"), Some(1));
        interner.restrict(100);
        assert_eq!(interner.intern("d"), 8, "restrict never raises the bound");
    }

    #[test]
    fn zero_bound_always_overflows() {
        let interner = Interner::new(0);
        assert_eq!(interner.intern("x"), 0);
        assert!(interner.has_overflowed());
    }
}
