//! The same labelled counter updated from 1, 2 and 4 threads at once, each pinned to its own
//! CPU, side by side with the peers and a padded-atomic floor, in one run.
//!
//! Run: `cargo bench -p tallyho-bench --bench contended`.
//!
//! divan's per-sample batches let threads take turns rather than collide, so this harness
//! times whole runs instead: every thread does the same millions of updates over the same 18
//! series (a pseudo-random sequence fixed per thread, the same for every peer), the run is
//! timed from the first thread's start to the last one's finish, and the overlap of the
//! threads' running intervals is reported so a reader can see they really ran together.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

#[path = "shared/labels.rs"]
mod labels;

use labels::{Method, Route};

/// Updates per thread per run.
const UPDATES: usize = 4_000_000;
/// Runs per row; the median is reported.
const RUNS: usize = 7;
/// The length of each thread's label sequence, cycled.
const SEQUENCE: usize = 4096;

/// The floor: one `fetch_add` on an atomic of its own cache-line pair per series.
#[repr(align(128))]
struct Padded(AtomicU64);

static FLOOR: [Padded; 18] = [const { Padded(AtomicU64::new(0)) }; 18];
static TALLYHO: tallyho::CounterGroup<labels::Tallyho> =
    tallyho::CounterGroup::new("contended").help("Bench.");

/// One peer's labelled increment, shareable across threads.
type Update<'a> = &'a (dyn Fn(Method, Route) + Sync);

fn main() {
    let cpus = core_affinity::get_core_ids().unwrap_or_default();
    let threads: Vec<usize> = [1, 2, 4].into_iter().filter(|&t| t <= cpus.len()).collect();
    println!(
        "{} CPUs; {UPDATES} updates per thread; median of {RUNS} runs\n",
        cpus.len()
    );
    println!("| peer | threads | ns per update per thread | overlap | vs floor |");
    println!("| --- | --- | --- | --- | --- |");
    let measured = measured::CounterVec::<labels::MeasuredSet>::new();
    let prometheus_client = prometheus_client::metrics::family::Family::<
        labels::PrometheusClient,
        prometheus_client::metrics::counter::Counter,
    >::default();
    let opts = prometheus::Opts::new("contended", "Bench.");
    let prometheus = prometheus::IntCounterVec::new(opts, &["method", "route"]).unwrap();
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let peers: [(&str, Update); 6] = [
        ("floor (padded atomic)", &|m, r| {
            FLOOR[m as usize * 6 + r as usize]
                .0
                .fetch_add(1, Ordering::Relaxed);
        }),
        ("tallyho", &|method, route| {
            TALLYHO.with(labels::Tallyho { method, route }).increment()
        }),
        ("measured", &|method, route| {
            measured.inc(labels::Measured { method, route })
        }),
        ("prometheus-client", &|method, route| {
            prometheus_client
                .get_or_create(&labels::PrometheusClient { method, route })
                .inc();
        }),
        ("prometheus", &|m, r| {
            prometheus
                .with_label_values(&[m.as_str(), r.as_str()])
                .inc();
        }),
        ("metrics", &|m, r| {
            metrics::with_local_recorder(&recorder, || {
                let labels = [("method", m.as_str()), ("route", r.as_str())];
                metrics::counter!("contended", &labels).increment(1);
            })
        }),
    ];
    let mut floor = vec![0.0; threads.len()];
    for (name, update) in peers {
        for (i, &count) in threads.iter().enumerate() {
            let (ns, overlap) = median_run(update, &cpus[..count]);
            if name.starts_with("floor") {
                floor[i] = ns;
            }
            println!(
                "| {name} | {count} | {ns:.2} | {:.0}% | {:.2}x |",
                overlap * 100.0,
                ns / floor[i]
            );
        }
    }
}

/// The median run's nanoseconds per update per thread, and that run's overlap.
fn median_run(update: Update, cpus: &[core_affinity::CoreId]) -> (f64, f64) {
    let mut runs: Vec<(f64, f64)> = (0..RUNS).map(|_| run(update, cpus)).collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs[RUNS / 2]
}

/// One run: a thread per CPU, released together; wall time from first start to last finish.
fn run(update: Update, cpus: &[core_affinity::CoreId]) -> (f64, f64) {
    let barrier = Barrier::new(cpus.len());
    let intervals: Vec<(Instant, Instant)> = thread::scope(|s| {
        let handles: Vec<_> = cpus
            .iter()
            .enumerate()
            .map(|(t, &cpu)| {
                let barrier = &barrier;
                s.spawn(move || {
                    core_affinity::set_for_current(cpu);
                    let sequence = sequence(t as u64 + 1);
                    barrier.wait();
                    let start = Instant::now();
                    for i in 0..UPDATES {
                        let (method, route) = sequence[i % SEQUENCE];
                        update(black_box(method), black_box(route));
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first_start = intervals.iter().map(|i| i.0).min().unwrap();
    let last_end = intervals.iter().map(|i| i.1).max().unwrap();
    let last_start = intervals.iter().map(|i| i.0).max().unwrap();
    let first_end = intervals.iter().map(|i| i.1).min().unwrap();
    let wall = last_end - first_start;
    let together = first_end.saturating_duration_since(last_start);
    let ns = wall.as_nanos() as f64 / UPDATES as f64;
    (ns, ratio(together, wall))
}

fn ratio(part: Duration, whole: Duration) -> f64 {
    part.as_secs_f64() / whole.as_secs_f64()
}

/// A fixed pseudo-random label sequence (xorshift), different per thread, the same per peer.
fn sequence(seed: u64) -> Vec<(Method, Route)> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..SEQUENCE)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (
                labels::METHODS[(x % 3) as usize],
                labels::ROUTES[((x >> 8) % 6) as usize],
            )
        })
        .collect()
}
