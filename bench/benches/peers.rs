//! tallyho side by side with `measured`, `prometheus-client`, `prometheus` and `metrics`, in
//! one run, with a bare `AtomicU64::fetch_add` as the floor. Updates from several threads at
//! once are in `contended.rs`.
//!
//! Run: `cargo bench -p tallyho-bench` (see BENCHMARKS.md for the recorded figures).
//! Every peer is used the way its documentation shows: labels are looked up on every update.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use divan::{black_box, Bencher};

fn main() {
    divan::Divan::from_args().run_benches();
}

/// The 18 series of the labelled benchmarks: 3 methods x 6 routes.
#[path = "shared/labels.rs"]
mod labels;

/// A pseudo-random label combination (xorshift), drawn outside the timed region.
mod draw {
    use super::labels::{Method, Route, METHODS, ROUTES};

    thread_local! {
        /// Seeded per thread, never zero.
        static STATE: std::cell::Cell<u64> = std::cell::Cell::new({
            use std::hash::{BuildHasher, RandomState};
            RandomState::new().hash_one(std::thread::current().id()) | 1
        });
    }

    /// A pseudo-random label combination (xorshift), drawn outside the timed region.
    pub fn next() -> (Method, Route) {
        STATE.with(|state| {
            let mut x = state.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.set(x);
            (METHODS[(x % 3) as usize], ROUTES[((x >> 8) % 6) as usize])
        })
    }
}

mod unlabelled_increment {
    use super::*;

    static FLOOR: AtomicU64 = AtomicU64::new(0);
    static TALLYHO: tallyho::Counter = tallyho::Counter::new("bench_plain").help("Bench.");

    #[divan::bench]
    fn floor_atomic_fetch_add(bencher: Bencher) {
        bencher.bench(|| {
            black_box(&FLOOR).fetch_add(1, Ordering::Relaxed);
        });
    }

    #[divan::bench]
    fn tallyho(bencher: Bencher) {
        bencher.bench(|| black_box(&TALLYHO).increment());
    }

    #[divan::bench]
    fn measured(bencher: Bencher) {
        let counter = measured::Counter::new();
        bencher.bench(|| black_box(&counter).inc());
    }

    #[divan::bench]
    fn prometheus_client(bencher: Bencher) {
        let counter = prometheus_client::metrics::counter::Counter::<u64>::default();
        bencher.bench(|| black_box(&counter).inc());
    }

    #[divan::bench]
    fn prometheus(bencher: Bencher) {
        let counter = prometheus::IntCounter::new("bench_plain", "Bench.").unwrap();
        bencher.bench(|| black_box(&counter).inc());
    }

    #[divan::bench]
    fn metrics(bencher: Bencher) {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let counter = metrics::with_local_recorder(&recorder, || metrics::counter!("bench_plain"));
        bencher.bench(|| black_box(&counter).increment(1));
    }
}

/// One labelled update over 18 series from one thread. Contention is measured by
/// `benches/contended.rs`, with threads that provably overlap.
mod labelled_increment {
    use super::*;

    static FLOOR: [AtomicU64; 18] = [const { AtomicU64::new(0) }; 18];
    static TALLYHO: tallyho::CounterGroup<labels::Tallyho> =
        tallyho::CounterGroup::new("bench_labelled").help("Bench.");

    #[divan::bench]
    fn floor_atomic_fetch_add(bencher: Bencher) {
        bencher.with_inputs(draw::next).bench_values(|(m, r)| {
            FLOOR[m as usize * 6 + r as usize].fetch_add(1, Ordering::Relaxed)
        });
    }

    #[divan::bench]
    fn tallyho(bencher: Bencher) {
        bencher
            .with_inputs(draw::next)
            .bench_values(|(method, route)| {
                TALLYHO.with(labels::Tallyho { method, route }).increment()
            });
    }

    #[divan::bench]
    fn measured(bencher: Bencher) {
        let counter = measured::CounterVec::<labels::MeasuredSet>::new();
        bencher
            .with_inputs(draw::next)
            .bench_values(|(method, route)| counter.inc(labels::Measured { method, route }));
    }

    #[divan::bench]
    fn prometheus_client(bencher: Bencher) {
        use prometheus_client::metrics::{counter::Counter, family::Family};
        let family = Family::<labels::PrometheusClient, Counter>::default();
        bencher
            .with_inputs(draw::next)
            .bench_values(|(method, route)| {
                family
                    .get_or_create(&labels::PrometheusClient { method, route })
                    .inc();
            });
    }

    #[divan::bench]
    fn prometheus(bencher: Bencher) {
        let opts = prometheus::Opts::new("bench_labelled", "Bench.");
        let vec = prometheus::IntCounterVec::new(opts, &["method", "route"]).unwrap();
        bencher
            .with_inputs(draw::next)
            .bench_values(|(method, route)| {
                vec.with_label_values(&[method.as_str(), route.as_str()])
                    .inc();
            });
    }

    #[divan::bench]
    fn metrics(bencher: Bencher) {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        bencher
            .with_inputs(draw::next)
            .bench_values(|(method, route)| {
                metrics::with_local_recorder(&recorder, || {
                    let labels = [("method", method.as_str()), ("route", route.as_str())];
                    metrics::counter!("bench_labelled", &labels).increment(1);
                });
            });
    }
}

/// One update of a counter with a bounded open label (`max_values = 8`): a value already
/// admitted, and a value past the bound (the overflow series, without a lock).
mod bounded_label {
    use super::*;

    #[derive(tallyho::LabelSet)]
    struct Tenant {
        #[label(max_values = 8)]
        tenant: &'static str,
    }

    static TALLYHO: tallyho::CounterGroup<Tenant> =
        tallyho::CounterGroup::new("bench_bounded").help("Bench.");

    const ADMITTED: [&str; 8] = ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"];

    fn fill() {
        for tenant in ADMITTED {
            TALLYHO.with(Tenant { tenant }).increment();
        }
    }

    #[divan::bench]
    fn admitted(bencher: Bencher) {
        fill();
        bencher.bench(|| {
            TALLYHO
                .with(Tenant {
                    tenant: black_box("t5"),
                })
                .increment()
        });
    }

    #[divan::bench]
    fn past_the_bound(bencher: Bencher) {
        fill();
        bencher.bench(|| {
            TALLYHO
                .with(Tenant {
                    tenant: black_box("t9"),
                })
                .increment()
        });
    }
}

/// One observation into an 8-bucket histogram.
mod histogram_observe {
    use super::*;

    const BOUNDS: [f64; 8] = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128];
    static TALLYHO: tallyho::Histogram = tallyho::Histogram::new("bench_histogram_seconds")
        .help("Bench.")
        .buckets(&BOUNDS);

    thread_local! {
        static VALUE: Cell<f64> = const { Cell::new(0.0) };
    }

    /// Cycles through values that land in every bucket.
    fn next_value() -> f64 {
        VALUE.with(|v| {
            let next = (v.get() + 0.0123) % 0.2;
            v.set(next);
            next
        })
    }

    #[divan::bench]
    fn tallyho(bencher: Bencher) {
        bencher
            .with_inputs(next_value)
            .bench_values(|v| TALLYHO.observe(v));
    }

    #[divan::bench]
    fn measured(bencher: Bencher) {
        use measured::metric::histogram::Thresholds;
        let histogram = measured::Histogram::<8>::with_metadata(Thresholds::with_buckets(BOUNDS));
        bencher
            .with_inputs(next_value)
            .bench_values(|v| histogram.observe(v));
    }

    #[divan::bench]
    fn prometheus_client(bencher: Bencher) {
        let histogram = prometheus_client::metrics::histogram::Histogram::new(BOUNDS);
        bencher
            .with_inputs(next_value)
            .bench_values(|v| histogram.observe(v));
    }

    #[divan::bench]
    fn prometheus(bencher: Bencher) {
        let opts = prometheus::HistogramOpts::new("bench_histogram_seconds", "Bench.")
            .buckets(BOUNDS.to_vec());
        let histogram = prometheus::Histogram::with_opts(opts).unwrap();
        bencher
            .with_inputs(next_value)
            .bench_values(|v| histogram.observe(v));
    }

    #[divan::bench]
    fn metrics(bencher: Bencher) {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets(&BOUNDS)
            .unwrap()
            .build_recorder();
        let histogram = metrics::with_local_recorder(&recorder, || {
            metrics::histogram!("bench_histogram_seconds")
        });
        bencher
            .with_inputs(next_value)
            .bench_values(|v| histogram.record(v));
    }
}

/// Rendering one counter family of 10,000 series as Prometheus text.
#[divan::bench_group(sample_count = 50, sample_size = 4)]
mod encode_10k_series {
    use super::*;

    const SERIES: usize = 10_000;

    #[derive(tallyho::LabelSet)]
    struct Kind {
        #[label(max_values = 10_000)]
        kind: String,
    }

    static TALLYHO: tallyho::CounterGroup<Kind> =
        tallyho::CounterGroup::new("bench_encode").help("Bench.");

    #[divan::bench]
    fn tallyho(bencher: Bencher) {
        for i in 0..SERIES {
            TALLYHO
                .with(Kind {
                    kind: i.to_string(),
                })
                .increment();
        }
        let mut out = String::new();
        bencher.bench_local(|| {
            out.clear();
            tallyho::encode_into(tallyho::Format::Prometheus, &mut out);
            black_box(&out);
        });
    }

    #[derive(measured::MetricGroup)]
    struct MeasuredMetrics {
        /// Bench.
        bench_encode: measured::CounterVec<MeasuredSet>,
    }

    #[derive(Clone, Copy, measured::LabelGroup)]
    #[label(set = MeasuredSet)]
    struct MeasuredKind<'a> {
        #[label(dynamic_with = paracord::ParaCord)]
        kind: &'a str,
    }

    #[divan::bench]
    fn measured(bencher: Bencher) {
        use measured::MetricGroup;
        let metrics = MeasuredMetrics {
            bench_encode: measured::CounterVec::with_label_set(MeasuredSet {
                kind: Default::default(),
            }),
        };
        for i in 0..SERIES {
            metrics.bench_encode.inc(MeasuredKind {
                kind: &i.to_string(),
            });
        }
        let mut encoder = measured::text::BufferedTextEncoder::new();
        bencher.bench_local(|| {
            metrics.collect_group_into(&mut encoder).unwrap();
            black_box(encoder.finish());
        });
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
    struct PrometheusClientKind {
        kind: String,
    }

    #[divan::bench]
    fn prometheus_client(bencher: Bencher) {
        use prometheus_client::metrics::{counter::Counter, family::Family};
        let mut registry = prometheus_client::registry::Registry::default();
        let family = Family::<PrometheusClientKind, Counter>::default();
        registry.register("bench_encode", "Bench.", family.clone());
        for i in 0..SERIES {
            family
                .get_or_create(&PrometheusClientKind {
                    kind: i.to_string(),
                })
                .inc();
        }
        let mut out = String::new();
        bencher.bench_local(|| {
            out.clear();
            prometheus_client::encoding::text::encode(&mut out, &registry).unwrap();
            black_box(&out);
        });
    }

    #[divan::bench]
    fn prometheus(bencher: Bencher) {
        let registry = prometheus::Registry::new();
        let vec = prometheus::IntCounterVec::new(
            prometheus::Opts::new("bench_encode", "Bench."),
            &["kind"],
        )
        .unwrap();
        registry.register(Box::new(vec.clone())).unwrap();
        for i in 0..SERIES {
            vec.with_label_values(&[i.to_string().as_str()]).inc();
        }
        let mut out = String::new();
        bencher.bench_local(|| {
            out.clear();
            prometheus::TextEncoder::new()
                .encode_utf8(&registry.gather(), &mut out)
                .unwrap();
            black_box(&out);
        });
    }

    #[divan::bench]
    fn metrics(bencher: Bencher) {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        metrics::with_local_recorder(&recorder, || {
            metrics::describe_counter!("bench_encode", "Bench.");
            for i in 0..SERIES {
                metrics::counter!("bench_encode", "kind" => i.to_string()).increment(1);
            }
        });
        let handle = recorder.handle();
        bencher.bench_local(|| black_box(handle.render()));
    }
}
