//! End to end: the example service scraped by a real Prometheus server on loopback, its
//! values read back through Prometheus' HTTP query API.

use tallyho_tests as support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tallyho_tests::{free_port, http_get, spawn_announcing, url_encode, KillOnDrop};

const ORDERS: u64 = 30;

/// The example binary `cargo test` builds beside this test; built on demand otherwise.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let binary = profile_dir
        .join("examples")
        .join(format!("shop{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", "shop", "-p", "tallyho"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the example failed");
    }
    binary
}

fn start_shop() -> (KillOnDrop, SocketAddr) {
    let mut command = Command::new(example_binary());
    command
        .args(["--listen", "127.0.0.1:0", "--orders", &ORDERS.to_string()])
        .env("TALLYHO_SERVICE", "shop");
    spawn_announcing(command, "shop: serving ")
}

fn start_prometheus(
    binary: PathBuf,
    target: SocketAddr,
    dir: &std::path::Path,
) -> (KillOnDrop, SocketAddr) {
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
             scrape_configs:\n  - job_name: shop\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .expect("write config");
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port())
        .parse()
        .expect("address");
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus starts");
    (KillOnDrop(child), addr)
}

/// Polls `check` until it returns `Some`, failing after a generous deadline.
fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn api(prometheus: SocketAddr, path: &str) -> Option<Value> {
    let (status, body) = http_get(prometheus, path).ok()?;
    let json: Value = serde_json::from_str(&body).ok()?;
    (status == 200 && json["status"] == "success").then_some(json)
}

/// The instant vector for `query`, as (labels, value) pairs.
fn query(prometheus: SocketAddr, query: &str) -> Vec<(serde_json::Map<String, Value>, f64)> {
    let json = api(
        prometheus,
        &format!("/api/v1/query?query={}", url_encode(query)),
    )
    .unwrap_or_else(|| panic!("query {query} failed"));
    json["data"]["result"]
        .as_array()
        .expect("a vector")
        .iter()
        .map(|sample| {
            let labels = sample["metric"].as_object().expect("labels").clone();
            let value = sample["value"][1]
                .as_str()
                .and_then(|v| v.parse().ok())
                .expect("a value");
            (labels, value)
        })
        .collect()
}

#[test]
fn prometheus_scrapes_the_example_and_reads_back_its_values() {
    let Some(prometheus_binary) = support::tool("prometheus") else {
        return;
    };
    let (_shop, shop_addr) = start_shop();
    let dir = tempfile::tempdir().expect("temp dir");
    let (_prometheus, prometheus) = start_prometheus(prometheus_binary, shop_addr, dir.path());

    // The target is up and scraped without errors (Prometheus asks for OpenMetrics first).
    eventually("a clean scrape", || {
        let targets = api(prometheus, "/api/v1/targets")?;
        let target = targets["data"]["activeTargets"]
            .as_array()?
            .first()?
            .clone();
        assert_eq!(target["lastError"], "", "scrape error: {target}");
        (target["health"] == "up").then_some(())
    });

    let total = eventually("orders_processed_total", || {
        query(prometheus, "orders_processed_total")
            .into_iter()
            .next()
    });
    assert_eq!(total.1, ORDERS as f64);
    assert_eq!(total.0["service"], "shop");
    assert_eq!(total.0["job"], "shop");

    // Every label combination is there, zero or not, with the exact counts.
    let by_region = query(prometheus, "orders_by_region_total");
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

    let observed = query(prometheus, "sum(order_duration_seconds_count)");
    assert_eq!(observed[0].1, ORDERS as f64);
    let p99 = query(
        prometheus,
        "histogram_quantile(0.99, sum by (le) (order_duration_seconds_bucket))",
    );
    assert!(p99[0].1 > 0.0 && p99[0].1 <= 1.0, "p99 = {}", p99[0].1);

    let customers = query(prometheus, "orders_by_customer_total");
    assert_eq!(customers.len(), 5);
    assert_eq!(customers.iter().map(|(_, v)| v).sum::<f64>(), ORDERS as f64);

    // HELP, TYPE and UNIT made it into Prometheus' metadata.
    let metadata = api(prometheus, "/api/v1/metadata").expect("metadata");
    let orders = &metadata["data"]["orders_processed"][0];
    assert_eq!(orders["type"], "counter");
    assert_eq!(orders["help"], "Orders processed since start.");
    let duration = &metadata["data"]["order_duration_seconds"][0];
    assert_eq!(duration["type"], "histogram");
    assert_eq!(duration["unit"], "seconds");
}
