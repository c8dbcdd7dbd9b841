//! The process-wide set of metric families to export.
//!
//! A lock-free, append-only intrusive list: each metric static embeds a [`Registration`] and
//! pushes itself on first use, so registering costs one compare-and-swap per metric per process
//! and an update after that costs one relaxed load. [`Descriptor`]s, emitted by the generated
//! registry, join the same list at start-up so that untouched metrics export too.

use std::cell::UnsafeCell;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicU8, Ordering};

use tallyho_spec::ValueType;

use crate::labels::Field;
use crate::metadata::{Kind, Meta, Unit};
use crate::series::SeriesLabels;
use crate::shard::Rows;

/// A registered metric family, as the collection reads it.
pub(crate) trait Collect: Sync {
    fn meta(&self) -> &Meta;
    /// The label keys and domains, which name every series.
    fn fields(&self) -> &'static [Field];
    /// The family's cache of rendered series text.
    fn series_labels(&self) -> &SeriesLabels;
    /// Where the values are.
    fn storage(&self) -> Storage<'_>;
    /// Whether this is only a description, yielding to a live metric of the same name.
    fn is_descriptor(&self) -> bool {
        false
    }
}

/// A family's values, as laid out in memory: one place to read them for every consumer.
pub(crate) enum Storage<'a> {
    /// One cell per series in each row (a counter or gauge), summed over rows and decoded
    /// by `value_type`.
    Scalar {
        rows: Rows<'a>,
        value_type: ValueType,
    },
    /// A counter or gauge described ahead of use: zero everywhere.
    ScalarZeros,
    /// In each row, per series, `bounds.len() + 2` cells: per-bucket counts, the `+Inf`
    /// count, the sum's bits.
    Histogram { bounds: &'a [f64], rows: Rows<'a> },
    /// A histogram described ahead of use: empty buckets.
    HistogramZeros { bounds: &'a [f64] },
    /// No value to export now (a process metric the platform does not provide).
    Absent,
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

    /// Whether the metric is in the registry: the update path's one relaxed load.
    #[inline(always)]
    pub(crate) fn is_registered(&self) -> bool {
        self.state.load(Ordering::Relaxed) == REGISTERED
    }

    /// Registers `metric` unless it already is: the fast path is one relaxed load.
    #[inline(always)]
    pub(crate) fn ensure(&'static self, metric: &'static dyn Collect) {
        if !self.is_registered() {
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
        if !metric.is_descriptor() {
            report_duplicate_name(metric);
        }
    }
}

/// Two live metrics with one name cannot both be exported (a scrape would hold two families
/// under one name): the collection exports one, by a fixed rule, and this says so where an
/// operator looks, once per metric, on stderr and in `tallyho_duplicate_metrics_total`.
#[cold]
fn report_duplicate_name(metric: &'static dyn Collect) {
    let name = metric.meta().name();
    let same_name = families()
        .into_iter()
        .filter(|f| !f.is_descriptor() && f.meta().name() == name)
        .count();
    if same_name > 1 {
        eprintln!(
            "tallyho: {same_name} metrics are named `{name}`; only one is exported. \
             Give each metric a name of its own (`cargo tallyho check` reports where)."
        );
        DUPLICATES.cell.fetch_add(1, Ordering::Relaxed);
        DUPLICATES.register(&DUPLICATES);
    }
}

/// A family of one unlabelled series whose value its owner stores: tallyho's own metrics,
/// which need nothing from the metric types (those depend on this module).
pub(crate) struct OneCell {
    meta: Meta,
    value_type: ValueType,
    /// The value, as the collection decodes it by `value_type`.
    pub(crate) cell: AtomicU64,
    labels: SeriesLabels,
    registration: Registration,
}

impl OneCell {
    pub(crate) const fn new(meta: Meta, value_type: ValueType) -> OneCell {
        OneCell {
            meta,
            value_type,
            cell: AtomicU64::new(0),
            labels: SeriesLabels::new(),
            registration: Registration::new(),
        }
    }

    /// Adds the family to the registry.
    pub(crate) fn register(&'static self, family: &'static dyn Collect) {
        self.registration.ensure(family);
    }
}

impl Collect for OneCell {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn fields(&self) -> &'static [Field] {
        &[]
    }

    fn series_labels(&self) -> &SeriesLabels {
        &self.labels
    }

    fn storage(&self) -> Storage<'_> {
        Storage::Scalar {
            rows: Rows::new([std::slice::from_ref(&self.cell)]),
            value_type: self.value_type,
        }
    }
}

/// Live metrics that share their name with another, and so are not exported.
static DUPLICATES: OneCell = OneCell::new(
    Meta::new("tallyho_duplicate_metrics", Kind::Counter).with_help(
        "Metrics not exported because another metric of the same name is; see stderr for the name.",
    ),
    ValueType::U64,
);

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
            buckets: tallyho_spec::DEFAULT_BUCKETS,
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
        self.buckets = crate::metadata::checked_buckets(bounds);
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

    fn fields(&self) -> &'static [Field] {
        self.fields
    }

    fn series_labels(&self) -> &SeriesLabels {
        &self.labels
    }

    fn storage(&self) -> Storage<'_> {
        match self.meta.kind() {
            Kind::Histogram => Storage::HistogramZeros {
                bounds: self.buckets,
            },
            Kind::Counter | Kind::Gauge => Storage::ScalarZeros,
        }
    }

    fn is_descriptor(&self) -> bool {
        true
    }
}
