//! The push engine inside the application's process: its memory stays bounded however long
//! the endpoint is down, and the application's threads never wait on it.

#![cfg(all(
    feature = "remote-write",
    feature = "otlp",
    feature = "datadog",
    feature = "dogstatsd"
))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tallyho::push::{Datadog, DogStatsD, Otlp, RemoteWrite, Temporality};
use tallyho::{CounterGroup, HistogramGroup, LabelSet, LabelValue, Meta, Sample, Series, Visitor};
use tallyho_tests::{free_port, Receiver};

/// Counts the bytes currently allocated.
struct Live;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call forwards to the system allocator with the caller's own arguments.
unsafe impl GlobalAlloc for Live {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: the caller upholds `alloc`'s contract, which is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: `ptr` came from `System.alloc` with this `layout`, as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Live = Live;

/// The tests share the registry and the allocator's count: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

#[derive(LabelSet)]
struct Labels {
    shard: Shard,
    ok: bool,
}

#[derive(LabelValue, Clone, Copy)]
enum Shard {
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H,
}

static REQUESTS: CounterGroup<Labels> = CounterGroup::new("in_process_requests");
static LATENCY: HistogramGroup<Labels> = HistogramGroup::new("in_process_latency_seconds");

fn record() {
    for shard in [
        Shard::A,
        Shard::B,
        Shard::C,
        Shard::D,
        Shard::E,
        Shard::F,
        Shard::G,
        Shard::H,
    ] {
        for ok in [true, false] {
            REQUESTS.with(Labels { shard, ok }).increment();
            LATENCY.with(Labels { shard, ok }).observe(0.01);
        }
    }
}

/// `tallyho_pushes_total` summed over exporters, read through the collection seam.
fn pushes() -> f64 {
    struct Sum {
        in_family: bool,
        total: f64,
    }
    impl Visitor for Sum {
        fn family(&mut self, meta: &Meta) {
            self.in_family = meta.name() == "tallyho_pushes";
        }
        fn sample(&mut self, _: &Series<'_>, value: Sample) {
            if self.in_family {
                self.total += value.as_f64();
            }
        }
        fn histogram(&mut self, _: &Series<'_>, _: &tallyho::HistogramSample<'_>) {}
    }
    let mut sum = Sum {
        in_family: false,
        total: 0.0,
    };
    tallyho::collect(&mut sum);
    sum.total
}

fn wait_for_pushes(n: f64) {
    tallyho_tests::eventually("pushes", || (pushes() >= n).then_some(()));
}

#[test]
fn memory_stays_bounded_while_every_endpoint_is_down() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    record();
    let dead = format!("http://127.0.0.1:{}", free_port());
    let interval = Duration::from_millis(1);
    let pushers = [
        RemoteWrite::new(format!("{dead}/api/v1/write"))
            .interval(interval)
            .start()
            .unwrap(),
        Otlp::new(format!("{dead}/v1/metrics"))
            .temporality(Temporality::Delta)
            .interval(interval)
            .start()
            .unwrap(),
        Datadog::new("key")
            .url(format!("{dead}/api/v2/series"))
            .interval(interval)
            .start()
            .unwrap(),
        DogStatsD::udp(format!("127.0.0.1:{}", free_port()))
            .interval(interval)
            .start()
            .unwrap(),
    ];
    // Warm up: every exporter has pushed (and failed) many times, every series is known.
    wait_for_pushes(400.0);
    // Pushes in flight hold their payloads, so compare the highest live heap over a window
    // of 1000 pushes with the highest over a later window, 4000 pushes on.
    let peak_over = |pushes_more: f64| {
        let until = pushes() + pushes_more;
        let mut peak = 0;
        while pushes() < until {
            record();
            peak = peak.max(LIVE_BYTES.load(Ordering::SeqCst));
            std::thread::sleep(Duration::from_millis(1));
        }
        peak
    };
    let before = peak_over(1000.0);
    let _ = peak_over(3000.0);
    let after = peak_over(1000.0);
    drop(pushers);
    // No queue of unsent payloads: what is kept is the latest state, whose size is fixed.
    assert!(
        after - before < 256 * 1024,
        "the live heap's peak grew by {} bytes over 4000 failed pushes",
        after - before
    );
}

#[test]
fn application_threads_never_wait_on_a_stuck_exporter() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let receiver = Receiver::start("127.0.0.1:0");
    receiver.answer(200, Duration::from_secs(30));
    let pusher = Datadog::new("key")
        .url(format!("http://{}/api/v2/series", receiver.addr))
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(5))
        .start()
        .unwrap();
    // The exporter's thread is now inside a request the endpoint will not answer for 30 s.
    receiver.wait_for(1);
    // The application updates, scrapes and collects meanwhile, from several threads.
    let series = || {
        REQUESTS
            .with(Labels {
                shard: Shard::H,
                ok: false,
            })
            .get()
    };
    let before = series();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..10_000 {
                    record();
                }
            });
        }
    });
    let text = tallyho::encode(tallyho::Format::Prometheus);
    assert!(text.contains("in_process_requests_total"));
    // All of that happened while the exporter was still waiting for its first answer.
    assert_eq!(receiver.requests().len(), 1);
    assert_eq!(series() - before, 20_000);
    drop(pusher); // Bounded by the 5 s timeout, not the 30 s answer.
}
