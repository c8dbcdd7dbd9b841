//! The update path never allocates: checked with a counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tallyho::{Counter, CounterGroup, Gauge, Histogram, HistogramGroup, LabelSet, LabelValue};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

// SAFETY: every call forwards to the system allocator with the caller's own arguments.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::SeqCst) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: the caller upholds `alloc`'s contract, which is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this `layout`, as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(LabelSet)]
struct Labels {
    method: Method,
    status: Status,
    #[label(max_values = 4)]
    route: &'static str,
}

#[derive(LabelValue, Clone, Copy)]
enum Method {
    Get,
    Post,
}

#[derive(LabelValue, Clone, Copy)]
enum Status {
    Ok,
    NotFound,
    Error,
}

static REQUESTS: Counter = Counter::new("requests").help("Requests.");
static BY_ROUTE: CounterGroup<Labels> =
    CounterGroup::new("requests_by_route").help("Requests by route.");
static QUEUE: Gauge<f64> = Gauge::new("queue").help("Queue.");
static LATENCY: Histogram = Histogram::new("latency_seconds").help("Latency.");
static ROUTE_LATENCY: HistogramGroup<Labels> =
    HistogramGroup::new("route_latency_seconds").help("Latency by route.");

fn update(i: usize) {
    let labels = Labels {
        method: [Method::Get, Method::Post][i % 2],
        status: [Status::Ok, Status::NotFound, Status::Error][i % 3],
        route: ["/a", "/b", "/c", "/d", "/e", "/f"][i % 6], // past max_values: overflow
    };
    REQUESTS.increment();
    BY_ROUTE.with(&labels).add(3);
    QUEUE.add(0.5);
    LATENCY.observe(i as f64 / 100.0);
    ROUTE_LATENCY.with(&labels).observe(0.2);
    let _in_flight = QUEUE.in_flight();
    let _timer = ROUTE_LATENCY.with(&labels).start_timer();
    LATENCY.observe_duration(std::time::Duration::from_micros(i as u64));
}

#[test]
fn the_update_path_does_not_allocate() {
    // Warm up: registration, histogram storage and first sightings of route values allocate once.
    (0..64).for_each(update);
    COUNTING.store(true, Ordering::SeqCst);
    (0..10_000).for_each(update);
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), 0);
    assert_eq!(REQUESTS.get(), 10_064);
}
