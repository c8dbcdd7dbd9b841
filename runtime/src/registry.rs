//! The process-wide set of metric families to export.
//!
//! A lock-free, append-only intrusive list: each metric static embeds a [`Registration`] and
//! pushes itself on first use, so registering costs one compare-and-swap per metric per process
//! and an update after that costs one relaxed load. [`Descriptor`]s, emitted by the generated
//! registry, join the same list at start-up so that untouched metrics export too.

use std::cell::UnsafeCell;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};

use crate::exposition::{sample_name, FamilyEncoder};
use crate::labels::{self, Domain, Field};
use crate::metadata::{Kind, Meta, Unit};
use crate::series::SeriesLabels;

/// A metric family the exposition can encode.
pub(crate) trait Collect: Sync {
    fn meta(&self) -> &Meta;
    /// Writes every series of the family.
    fn encode(&self, out: &mut FamilyEncoder<'_>);
    /// Whether this is only a description, yielding to a live metric of the same name.
    fn is_descriptor(&self) -> bool {
        false
    }
}

const UNREGISTERED: u8 = 0;
const REGISTERING: u8 = 1;
const REGISTERED: u8 = 2;

/// A metric's link in the registry list.
pub(crate) struct Registration {
    state: AtomicU8,
    next: AtomicPtr<Registration>,
    /// Written once, by the thread that wins `state`, before the link is published.
    metric: UnsafeCell<Option<&'static dyn Collect>>,
}

// SAFETY: `metric` is written only by the single thread that moved `state` out of
// UNREGISTERED, and read only through links published afterwards with Release/Acquire.
unsafe impl Sync for Registration {}

static HEAD: AtomicPtr<Registration> = AtomicPtr::new(ptr::null_mut());

impl Registration {
    pub(crate) const fn new() -> Self {
        Registration {
            state: AtomicU8::new(UNREGISTERED),
            next: AtomicPtr::new(ptr::null_mut()),
            metric: UnsafeCell::new(None),
        }
    }

    /// Registers `metric` unless it already is: the fast path is one relaxed load.
    #[inline(always)]
    pub(crate) fn ensure(&'static self, metric: &'static dyn Collect) {
        if self.state.load(Ordering::Relaxed) != REGISTERED {
            self.register(metric);
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self, metric: &'static dyn Collect) {
        if self
            .state
            .compare_exchange(
                UNREGISTERED,
                REGISTERING,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_err()
        {
            return; // Another thread is registering it.
        }
        // SAFETY: this thread won `state`; nobody reads `metric` before the push below.
        unsafe { *self.metric.get() = Some(metric) };
        let this = self as *const Registration as *mut Registration;
        let mut head = HEAD.load(Ordering::Relaxed);
        loop {
            self.next.store(head, Ordering::Relaxed);
            match HEAD.compare_exchange_weak(head, this, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => break,
                Err(current) => head = current,
            }
        }
        self.state.store(REGISTERED, Ordering::Release);
    }
}

/// Every registered family, most recently registered first.
pub(crate) fn families() -> Vec<&'static dyn Collect> {
    let mut families = Vec::new();
    let mut link = HEAD.load(Ordering::Acquire);
    // SAFETY: links are statics, published with Release after `metric` was written.
    while let Some(current) = unsafe { link.as_ref() } {
        // SAFETY: as above.
        families.extend(unsafe { *current.metric.get() });
        link = current.next.load(Ordering::Acquire);
    }
    families
}

/// A metric declared somewhere in the program, described ahead of its first use.
///
/// The build step generates one per declaration it finds and registers them all at start-up
/// (`tallyho::include_registry!()`), so the first scrape already shows every metric, with
/// zero-valued series for every finite label combination. A live metric of the same name
/// takes precedence; its help text falls back to the descriptor's.
pub struct Descriptor {
    meta: Meta,
    fields: &'static [Field],
    buckets: &'static [f64],
    labels: SeriesLabels,
    registration: Registration,
}

impl Descriptor {
    /// Describes a metric family named `name`.
    pub const fn new(name: &'static str, kind: Kind) -> Self {
        Descriptor {
            meta: Meta::new(name, kind),
            fields: &[],
            buckets: crate::histogram::DEFAULT_BUCKETS,
            labels: SeriesLabels::new(),
            registration: Registration::new(),
        }
    }

    /// The help text, from the declaration's doc comment.
    pub const fn help(mut self, help: &'static str) -> Self {
        self.meta.help = help;
        self
    }

    /// The unit.
    pub const fn unit(mut self, unit: Unit) -> Self {
        self.meta.unit = Some(unit);
        self
    }

    /// The label keys and domains.
    pub const fn labels(mut self, fields: &'static [Field]) -> Self {
        self.fields = fields;
        self
    }

    /// A histogram's bucket bounds.
    pub const fn buckets(mut self, bounds: &'static [f64]) -> Self {
        self.buckets = crate::histogram::checked_buckets(bounds);
        self
    }

    /// Adds the descriptor to the registry.
    pub fn register(&'static self) {
        self.registration.ensure(self);
    }
}

impl Collect for Descriptor {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn encode(&self, out: &mut FamilyEncoder<'_>) {
        // A bounded label's values are only known to the live metric: no series to show.
        if self
            .fields
            .iter()
            .any(|f| matches!(f.domain, Domain::Bounded { .. }))
        {
            return;
        }
        let name = match self.meta.kind {
            Kind::Histogram => None,
            Kind::Counter | Kind::Gauge => Some(sample_name(&self.meta)),
        };
        for index in 0..labels::cardinality(self.fields) {
            let Some(labels) = self.labels.get(self.fields, index, name.as_deref()) else {
                continue;
            };
            match name {
                Some(_) => out.sample(labels, 0u64),
                None => out.histogram(labels, self.buckets, |_| 0, 0.0),
            }
        }
    }

    fn is_descriptor(&self) -> bool {
        true
    }
}
