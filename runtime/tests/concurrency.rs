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
