//! End to end: the example service scraped by a real Prometheus server on loopback, its
//! values read back through Prometheus' HTTP query API.

use std::net::SocketAddr;
use std::process::Command;

use tallyho_tests::{eventually, runtime_example, spawn_announcing, KillOnDrop, Prometheus};

const ORDERS: u64 = 30;

fn start_shop() -> (KillOnDrop, SocketAddr) {
    let mut command = Command::new(runtime_example("shop", &[]));
    command
        .args(["--listen", "127.0.0.1:0", "--orders", &ORDERS.to_string()])
        .env("TALLYHO_SERVICE", "shop");
    spawn_announcing(command, "shop: serving ")
}

#[test]
fn prometheus_scrapes_the_example_and_reads_back_its_values() {
    let (_shop, shop_addr) = start_shop();
    let Some(prometheus) = Prometheus::scraping(shop_addr, "shop") else {
        return;
    };
    prometheus.wait_for_clean_scrape();

    let total = eventually("orders_processed_total", || {
        prometheus
            .query("orders_processed_total")
            .into_iter()
            .next()
    });
    assert_eq!(total.1, ORDERS as f64);
    assert_eq!(total.0["service"], "shop");
    assert_eq!(total.0["job"], "shop");

    // Every label combination is there, zero or not, with the exact counts.
    let by_region = prometheus.query("orders_by_region_total");
    assert_eq!(by_region.len(), 2 * 3);
    for (labels, value) in &by_region {
        let success = labels["success"] == "true";
        let region = ["eu", "us", "apac"]
            .iter()
            .position(|r| labels["region"] == *r)
            .expect("a region");
        let expected = (0..ORDERS)
            .filter(|n| (*n % 3) as usize == region && (n % 7 != 0) == success)
            .count();
        assert_eq!(*value, expected as f64, "{labels:?}");
    }

    let observed = prometheus.query("sum(order_duration_seconds_count)");
    assert_eq!(observed[0].1, ORDERS as f64);
    let p99 =
        prometheus.query("histogram_quantile(0.99, sum by (le) (order_duration_seconds_bucket))");
    // 7 of the 30 orders take 12 ms (n % 4 == 3) and land in the (0.01, 0.1] bucket; the rest
    // take at most 8 ms. The 99th percentile is in that bucket.
    assert!(p99[0].1 > 0.01 && p99[0].1 <= 0.1, "p99 = {}", p99[0].1);

    let customers = prometheus.query("orders_by_customer_total");
    assert_eq!(customers.len(), 5);
    assert_eq!(customers.iter().map(|(_, v)| v).sum::<f64>(), ORDERS as f64);

    // HELP, TYPE and UNIT made it into Prometheus' metadata.
    let metadata = prometheus.metadata();
    let orders = &metadata["orders_processed"][0];
    assert_eq!(orders["type"], "counter");
    assert_eq!(orders["help"], "Orders processed since start.");
    let duration = &metadata["order_duration_seconds"][0];
    assert_eq!(duration["type"], "histogram");
    assert_eq!(duration["unit"], "seconds");
}
