//! A small order service that declares metrics, simulates traffic and serves `/metrics`.
//!
//! ```text
//! cargo run --example shop -- --listen 127.0.0.1:9898
//! curl -s localhost:9898/metrics
//! ```

use std::time::{Duration, Instant};

use tallyho::{Counter, CounterGroup, Gauge, HistogramGroup, LabelSet, LabelValue, Unit};

/// Orders processed since start.
static ORDERS_PROCESSED: Counter =
    Counter::new("orders_processed").help("Orders processed since start.");

#[derive(LabelSet)]
struct OrderLabels {
    success: bool,
    region: Region,
}

#[derive(LabelValue, Clone, Copy)]
enum Region {
    Eu,
    Us,
    Apac,
}

/// Orders by outcome and region.
static ORDERS: CounterGroup<OrderLabels> =
    CounterGroup::new("orders_by_region").help("Orders by outcome and region.");

/// Time to process an order.
static ORDER_TIME: HistogramGroup<OrderLabels> = HistogramGroup::new("order_duration_seconds")
    .help("Time to process an order.")
    .unit(Unit::Seconds)
    .buckets(&[0.001, 0.01, 0.1, 1.0]);

/// Orders waiting to be processed.
static QUEUE_DEPTH: Gauge = Gauge::new("order_queue_depth").help("Orders waiting to be processed.");

#[derive(LabelSet)]
struct CustomerLabels {
    #[label(max_values = 100)]
    customer: String,
}

/// Orders per customer, bounded to 100 customers.
static ORDERS_BY_CUSTOMER: CounterGroup<CustomerLabels> =
    CounterGroup::new("orders_by_customer").help("Orders per customer, bounded to 100 customers.");

fn process(n: u64) {
    let start = Instant::now();
    let region = [Region::Eu, Region::Us, Region::Apac][(n % 3) as usize];
    let labels = OrderLabels {
        success: n % 7 != 0,
        region,
    };
    ORDERS_PROCESSED.increment();
    ORDERS.with(&labels).increment();
    ORDERS_BY_CUSTOMER
        .with(CustomerLabels {
            customer: format!("customer-{}", n % 5),
        })
        .increment();
    QUEUE_DEPTH.set((n % 11) as i64);
    ORDER_TIME
        .with(labels)
        .observe(start.elapsed().as_secs_f64() + (n % 4) as f64 * 0.004);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut listen = String::from("127.0.0.1:9898");
    let mut orders: Option<u64> = None;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(addr)) => listen = addr,
            ("--orders", Some(n)) => orders = n.parse().ok(),
            _ => {
                eprintln!("usage: shop [--listen ADDR] [--orders N]");
                std::process::exit(2);
            }
        }
    }
    // Register up front so the first scrape shows every series, even before any order.
    ORDER_TIME.register();
    ORDERS.register();
    let server = match tallyho::serve(&listen) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("shop: cannot listen on {listen}: {err}");
            std::process::exit(1);
        }
    };
    println!("shop: serving http://{}/metrics", server.local_addr());
    // With --orders N, process exactly N orders and keep serving: tests read exact values.
    match orders {
        Some(n) => (0..n).for_each(process),
        None => {
            for n in 0.. {
                process(n);
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    server.join();
}
