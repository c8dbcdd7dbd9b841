//! The collection seam: every registered family in name order, each series as label pairs
//! and a value. The text formats and every push exporter read the registry through it, so
//! what a series is (its labels, its value, which family wins a name) is decided once.
//!
//! [`collect`] is generic over its [`Visitor`], so a consumer's per-series work inlines into
//! the walk: the text encoder copies pre-rendered line prefixes and loses nothing to it.

use std::sync::atomic::Ordering::Relaxed;

use tallyho_spec::ValueType;

use crate::labels::{self, Domain, Field};
use crate::metadata::{Kind, Meta};
use crate::registry::{self, Collect, Storage};
use crate::shard::Rows;
pub use crate::value::Sample;
use crate::value::Value;

/// What [`collect`] hands over, family by family: a family's metadata, then its series.
pub trait Visitor {
    /// A family starts. Its help is the live metric's, else a descriptor's of the same name.
    fn family(&mut self, meta: &Meta);
    /// One counter or gauge series.
    fn sample(&mut self, series: &Series<'_>, value: Sample);
    /// One histogram series.
    fn histogram(&mut self, series: &Series<'_>, histogram: &HistogramSample<'_>);
}

/// One series of a family: which label values it has.
pub struct Series<'a> {
    fields: &'static [Field],
    index: usize,
    rendered: &'a str,
}

impl<'a> Series<'a> {
    /// The label pairs in field order. The `service` label every series carries is not among
    /// them ([`crate::service`] names it), nor is a label whose value is absent (a `None`).
    pub fn labels(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        let mut rest = labels::cardinality(self.fields);
        let index = self.index;
        self.fields.iter().filter_map(move |field| {
            let size = field.domain.size();
            rest /= size;
            let value = field.domain.value(index / rest % size)?;
            (!value.is_empty()).then_some((field.key, value))
        })
    }

    /// The series' position in its family, stable for the life of the process: the key push
    /// exporters keep per-series state under.
    #[cfg_attr(
        not(any(feature = "datadog", feature = "dogstatsd", feature = "otlp")),
        allow(dead_code)
    )]
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The pre-rendered text of this series: the whole line prefix for counters and gauges,
    /// the label list for histograms.
    pub(crate) fn rendered(&self) -> &'a str {
        self.rendered
    }
}

/// One histogram series: per-bucket (not cumulative) counts, the `+Inf` count, and the sum.
pub struct HistogramSample<'a> {
    bounds: &'a [f64],
    counts: &'a [u64],
    sum: f64,
}

impl<'a> HistogramSample<'a> {
    /// The buckets' upper bounds, without `+Inf`.
    pub fn bounds(&self) -> &'a [f64] {
        self.bounds
    }

    /// Observations per bucket, not cumulative: one per bound, then the `+Inf` bucket.
    pub fn counts(&self) -> &'a [u64] {
        self.counts
    }

    /// All observations.
    pub fn count(&self) -> u64 {
        self.counts.iter().fold(0, |a, &c| a.wrapping_add(c))
    }

    /// The sum of all observations.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// Cumulative counts by upper bound, `+Inf` last: the Prometheus bucket view.
    pub fn cumulative(&self) -> impl Iterator<Item = (f64, u64)> + 'a {
        let bounds = self.bounds.iter().copied().chain([f64::INFINITY]);
        bounds.zip(self.counts.iter().scan(0u64, |total, &c| {
            *total = total.wrapping_add(c);
            Some(*total)
        }))
    }
}

/// Walks every registered family in name order and hands each series to `visitor`.
///
/// Where a live metric and a descriptor share a name, the live metric's series are the
/// family's; where neither has values yet, a descriptor exports zeros for every finite
/// label combination. A bounded label's series appear once their value has been seen.
pub fn collect(visitor: &mut impl Visitor) {
    let mut families = registry::families();
    families.sort_by(|a, b| export_order(*a).cmp(&export_order(*b)));
    let mut scratch = Vec::new();
    let mut rest = &families[..];
    while let Some(first) = rest.first() {
        let same = rest
            .iter()
            .take_while(|f| f.meta().name() == first.meta().name())
            .count();
        let mut meta = *first.meta();
        if meta.help().is_empty() {
            if let Some(help) = rest[..same]
                .iter()
                .map(|f| f.meta().help())
                .find(|h| !h.is_empty())
            {
                meta = meta.with_help(help);
            }
        }
        rest = &rest[same..];
        let storage = first.storage();
        if matches!(storage, Storage::Absent) {
            continue; // A value the platform cannot give: left out, never made up.
        }
        visitor.family(&meta);
        visit_series(*first, storage, &meta, visitor, &mut scratch);
    }
}

/// The order families are exported in: by name, and within a name, live metrics before
/// descriptors; should two live metrics share a name (an error the analyzer reports), the
/// first by kind, then by place in the binary, is the one exported.
fn export_order(family: &dyn Collect) -> (&str, bool, Kind, usize) {
    let meta = family.meta();
    let address = family as *const dyn Collect as *const u8 as usize;
    (meta.name(), family.is_descriptor(), meta.kind(), address)
}

fn visit_series(
    family: &dyn Collect,
    storage: Storage<'_>,
    meta: &Meta,
    visitor: &mut impl Visitor,
    scratch: &mut Vec<u64>,
) {
    let fields = family.fields();
    let zeros = matches!(
        storage,
        Storage::ScalarZeros | Storage::HistogramZeros { .. }
    );
    if zeros
        && fields
            .iter()
            .any(|f| matches!(f.domain, Domain::Bounded { .. }))
    {
        return; // A bounded label's values are known only to the live metric.
    }
    let cache = family.series_labels();
    let with_name = matches!(storage, Storage::Scalar { .. } | Storage::ScalarZeros);
    let series = |index| {
        let rendered = cache.get(meta, fields, index, with_name)?;
        Some(Series {
            fields,
            index,
            rendered,
        })
    };
    let every = || (0..labels::cardinality(fields)).filter_map(series);
    match storage {
        // One loop per value type, so the visitor's match on the sample folds away.
        Storage::Scalar { rows, value_type } => match value_type {
            ValueType::U64 => visit_scalars(rows.width(), series, visitor, |i| {
                Sample::U64(u64::total(rows.cells(i)))
            }),
            ValueType::I64 => visit_scalars(rows.width(), series, visitor, |i| {
                Sample::I64(i64::total(rows.cells(i)))
            }),
            ValueType::F64 => visit_scalars(rows.width(), series, visitor, |i| {
                Sample::F64(f64::total(rows.cells(i)))
            }),
        },
        Storage::ScalarZeros => every().for_each(|s| visitor.sample(&s, Sample::U64(0))),
        Storage::Histogram { bounds, rows } => {
            let stride = bounds.len() + 2;
            for index in 0..rows.width() / stride {
                if let Some(s) = series(index) {
                    let start = index * stride;
                    visitor.histogram(&s, &read_histogram(bounds, rows, start, scratch));
                }
            }
        }
        Storage::Absent => {}
        Storage::HistogramZeros { bounds } => {
            let zeros = vec![0; bounds.len() + 1];
            let sample = HistogramSample {
                bounds,
                counts: &zeros,
                sum: 0.0,
            };
            every().for_each(|s| visitor.histogram(&s, &sample));
        }
    }
}

fn visit_scalars<'a>(
    width: usize,
    series: impl Fn(usize) -> Option<Series<'a>>,
    visitor: &mut impl Visitor,
    total: impl Fn(usize) -> Sample,
) {
    for index in 0..width {
        if let Some(s) = series(index) {
            visitor.sample(&s, total(index));
        }
    }
}

/// Reads one histogram series summed over rows: bucket counts, the `+Inf` count, the sum.
fn read_histogram<'a>(
    bounds: &'a [f64],
    rows: Rows<'_>,
    start: usize,
    scratch: &'a mut Vec<u64>,
) -> HistogramSample<'a> {
    let buckets = bounds.len() + 1;
    scratch.clear();
    scratch.resize(buckets, 0);
    let mut sum = 0.0;
    for row in rows.iter() {
        let (counts, rest) = row[start..].split_at(buckets);
        for (total, count) in scratch.iter_mut().zip(counts) {
            *total = total.wrapping_add(count.load(Relaxed));
        }
        sum += f64::from_bits(rest[0].load(Relaxed));
    }
    HistogramSample {
        bounds,
        counts: scratch,
        sum,
    }
}
