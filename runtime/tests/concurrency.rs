//! Updates from many threads at once lose nothing.

use std::thread;

use tallyho::{Counter, CounterGroup, Gauge, HistogramGroup, LabelSet, LabelValue};

#[derive(LabelSet)]
struct Labels {
    shard: Shard,
    #[label(max_values = 8)]
    worker: String,
}

#[derive(LabelValue, Clone, Copy)]
enum Shard {
    A,
    B,
    C,
}

static HITS: Counter = Counter::new("hits").help("Hits.");
static FLOAT_HITS: Counter<f64> = Counter::new("float_hits").help("Hits, as floats.");
static BY_SHARD: CounterGroup<Labels> = CounterGroup::new("hits_by_shard").help("Hits by shard.");
static IN_FLIGHT: Gauge = Gauge::new("in_flight").help("In flight.");
static SIZES: HistogramGroup<Labels> = HistogramGroup::new("sizes_bytes")
    .help("Sizes.")
    .buckets(&[10.0, 100.0]);

const THREADS: usize = 8;
const PER_THREAD: usize = 20_000;

#[test]
fn concurrent_updates_give_exact_totals() {
    thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                let worker = format!("w{}", t % 4);
                for i in 0..PER_THREAD {
                    let labels = Labels {
                        shard: [Shard::A, Shard::B, Shard::C][i % 3],
                        worker: worker.clone(),
                    };
                    HITS.increment();
                    FLOAT_HITS.add(0.5);
                    BY_SHARD.with(&labels).add(2);
                    IN_FLIGHT.add(1);
                    SIZES.with(&labels).observe((i % 200) as f64);
                    IN_FLIGHT.sub(1);
                }
            });
        }
    });
    let total = (THREADS * PER_THREAD) as u64;
    assert_eq!(HITS.get(), total);
    assert_eq!(FLOAT_HITS.get(), total as f64 * 0.5);
    assert_eq!(IN_FLIGHT.get(), 0);
    let mut by_shard = 0;
    let mut observed = 0;
    let mut sum = 0.0;
    for shard in [Shard::A, Shard::B, Shard::C] {
        for w in 0..4 {
            let labels = Labels {
                shard,
                worker: format!("w{w}"),
            };
            by_shard += BY_SHARD.with(&labels).get();
            observed += SIZES.with(&labels).count();
            sum += SIZES.with(&labels).sum();
        }
    }
    assert_eq!(by_shard, 2 * total);
    assert_eq!(observed, total);
    let per_thread_sum: usize = (0..PER_THREAD).map(|i| i % 200).sum();
    assert_eq!(sum, (per_thread_sum * THREADS) as f64);
}

/// More threads than shard rows, so rows are shared as well as separate.
const BUSY_THREADS: usize = 12;
const BUSY_UPDATES: usize = 50_000;

static BUSY: CounterGroup<BusyLabels> = CounterGroup::new("busy_updates").help("Busy updates.");
static BUSY_SIZES: HistogramGroup<BusyLabels> = HistogramGroup::new("busy_sizes_bytes")
    .help("Busy sizes.")
    .buckets(&[1.0, 10.0, 100.0]);

#[derive(LabelSet)]
struct BusyLabels {
    shard: Shard,
    /// Bounded below the number of workers, so values overflow under contention.
    #[label(max_values = 3)]
    worker: String,
}

/// One scrape's view of the busy families: counter totals and, per histogram series, the
/// `+Inf` bucket, `_count` and the sum of per-bucket counts.
#[derive(Default)]
struct Consistency {
    family: String,
    counter_total: u64,
    histogram_count: u64,
    problems: Vec<String>,
}

impl tallyho::Visitor for Consistency {
    fn family(&mut self, meta: &tallyho::Meta) {
        self.family = meta.name().to_owned();
    }

    fn sample(&mut self, _: &tallyho::Series<'_>, value: tallyho::Sample) {
        if let ("busy_updates", tallyho::Sample::U64(v)) = (self.family.as_str(), value) {
            self.counter_total += v;
        }
    }

    fn histogram(&mut self, series: &tallyho::Series<'_>, h: &tallyho::HistogramSample<'_>) {
        if self.family != "busy_sizes_bytes" {
            return;
        }
        let inf = h.cumulative().last().map(|(_, c)| c).unwrap_or(0);
        let buckets: u64 = h.counts().iter().sum();
        if inf != h.count() || buckets != h.count() {
            let labels: Vec<_> = series.labels().collect();
            self.problems.push(format!(
                "{labels:?}: +Inf {inf}, count {}, buckets {buckets}",
                h.count()
            ));
        }
        self.histogram_count += h.count();
    }
}

/// In the text, every `busy_sizes_bytes` series' `_count` equals its `+Inf` bucket.
fn check_text_histograms(text: &str) {
    let mut inf = std::collections::HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("busy_sizes_bytes_bucket{") {
            if let Some((labels, value)) = rest.split_once(",le=\"+Inf\"} ") {
                inf.insert(labels.to_owned(), value.to_owned());
            }
        } else if let Some(rest) = line.strip_prefix("busy_sizes_bytes_count{") {
            let (labels, value) = rest.split_once("} ").unwrap();
            assert_eq!(inf.get(labels).map(String::as_str), Some(value), "{labels}");
        }
    }
}

fn busy_scrape() -> Consistency {
    let mut view = Consistency::default();
    tallyho::collect(&mut view);
    view
}

#[test]
fn scrapes_stay_consistent_while_threads_update() {
    let done = std::sync::atomic::AtomicBool::new(false);
    let scrapes = thread::scope(|s| {
        let scraper = s.spawn(|| {
            let (mut last, mut scrapes) = (0, 0);
            // Scrapes race the first uses that register the families, and every update after.
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let view = busy_scrape();
                assert!(view.problems.is_empty(), "{:?}", view.problems);
                assert!(view.counter_total >= last, "a total went down");
                last = view.counter_total;
                let text = tallyho::encode(tallyho::Format::OpenMetrics);
                assert!(text.ends_with("# EOF\n"));
                check_text_histograms(&text);
                scrapes += 1;
            }
            scrapes
        });
        let workers: Vec<_> = (0..BUSY_THREADS)
            .map(|t| {
                s.spawn(move || {
                    for i in 0..BUSY_UPDATES {
                        let labels = BusyLabels {
                            shard: [Shard::A, Shard::B, Shard::C][(i + t) % 3],
                            worker: format!("w{t}"),
                        };
                        BUSY.with(&labels).increment();
                        BUSY_SIZES.with(&labels).observe((i % 150) as f64);
                    }
                })
            })
            .collect();
        workers.into_iter().for_each(|w| w.join().unwrap());
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        scraper.join().unwrap()
    });
    assert!(scrapes > 0);
    let total = (BUSY_THREADS * BUSY_UPDATES) as u64;
    let after = busy_scrape();
    assert_eq!(
        after.counter_total, total,
        "every update counted once, overflow included"
    );
    assert_eq!(after.histogram_count, total);
}
