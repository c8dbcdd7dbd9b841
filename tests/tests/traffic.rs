//! `fixtures/shop` after traffic (`--simulate`): every metric that has been used is live, and
//! the live metric takes over from its generated descriptor without losing what the
//! descriptor said: the doc comment as HELP (none of the shop's statics call `.help()`), the
//! TYPE and UNIT, and the zero series of the combinations nobody touched. Read by promtool, by
//! the OpenMetrics reference parser and by a real Prometheus.

use std::collections::BTreeMap;

use tallyho_codegen::{Kind, Manifest};
use tallyho_tests::{
    fixture_dir, http_get, may_be_left_out, openmetrics_parse, promtool_check, shop_server,
    Prometheus,
};

const ORDERS: u32 = 30;

/// The value of the one sample line `series` (name and labels exactly as exposed).
fn value(body: &str, series: &str) -> f64 {
    let prefix = format!("{series} ");
    let line = body
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no sample {series} in\n{body}"));
    line[prefix.len()..].parse().expect("a number")
}

/// What `shop-server --simulate N` records, computed the way it does.
struct Expected {
    lookups: BTreeMap<(&'static str, bool), u32>,
    /// By method, region and success: the payments' durations in seconds.
    payments: BTreeMap<(&'static str, &'static str, bool), Vec<f64>>,
    revenue: f64,
}

fn expected() -> Expected {
    let mut lookups = BTreeMap::new();
    let mut payments: BTreeMap<_, Vec<f64>> = BTreeMap::new();
    let mut revenue = 0.0;
    for n in 0..ORDERS {
        let source = if n % 4 == 0 { "database" } else { "cache" };
        let found = n % 10 != 9;
        *lookups.entry((source, found)).or_default() += 1;
        if found {
            let method = ["card", "bank-transfer", "wallet"][n as usize % 3];
            let region = ["eu", "us", "apac"][n as usize % 3];
            // Every 13th order is too large to succeed.
            let success = n % 13 != 0;
            let seconds = f64::from(n % 20) / 10.0;
            payments
                .entry((method, region, success))
                .or_default()
                .push(seconds);
            if success {
                revenue += 1999.0;
            }
        }
    }
    Expected {
        lookups,
        payments,
        revenue,
    }
}

#[test]
fn after_traffic_live_metrics_keep_the_generated_help_types_and_zeros() {
    let manifest = Manifest::parse(
        &std::fs::read_to_string(fixture_dir("shop/tallyho.manifest.yaml")).unwrap(),
    )
    .unwrap();
    let (_shop, addr) = shop_server(&["--simulate", &ORDERS.to_string()]);
    let (status, body) = http_get(addr, "/metrics").expect("scrape");
    assert_eq!(status, 200);
    promtool_check(&body);

    // Exactly one HELP and one TYPE per family, the doc comment's, live or not.
    for metric in &manifest.metrics {
        let family = if metric.kind == Kind::Counter {
            format!("{}_total", metric.name)
        } else {
            metric.name.clone()
        };
        let helps: Vec<&str> = body
            .lines()
            .filter(|l| l.starts_with(&format!("# HELP {family} ")))
            .collect();
        if helps.is_empty() && may_be_left_out(&metric.name) {
            continue;
        }
        assert_eq!(
            helps,
            [format!("# HELP {family} {}", metric.help)],
            "{}",
            metric.name
        );
        let types = body
            .lines()
            .filter(|l| *l == format!("# TYPE {family} {}", metric.kind.as_str()))
            .count();
        assert_eq!(types, 1, "{}", metric.name);
    }

    // The traffic is there, exactly, beside the zeros of what it did not touch.
    let want = expected();
    assert_eq!(
        value(&body, "shop_simulated_orders_total{service=\"shop\"}"),
        f64::from(ORDERS)
    );
    for source in ["cache", "database"] {
        for found in [false, true] {
            let n = want.lookups.get(&(source, found)).copied().unwrap_or(0);
            let series = format!(
                "catalog_lookups_total{{service=\"shop\",source=\"{source}\",found=\"{found}\"}}"
            );
            assert_eq!(value(&body, &series), f64::from(n), "{series}");
        }
    }
    let mut paid = 0;
    for method in ["card", "bank-transfer", "wallet"] {
        for region in ["eu", "us", "apac"] {
            for success in [true, false] {
                let seconds = want
                    .payments
                    .get(&(method, region, success))
                    .cloned()
                    .unwrap_or_default();
                paid += seconds.len();
                let labels = format!(
                    "service=\"shop\",method=\"{method}\",region=\"{region}\",success=\"{success}\""
                );
                let total = format!("checkout_payments_total{{{labels}}}");
                assert_eq!(value(&body, &total), seconds.len() as f64, "{total}");
                // Histograms: cumulative buckets by each payment's duration.
                for le in ["0.05", "0.25", "1.0", "5.0"] {
                    let bound: f64 = le.parse().unwrap();
                    let within = seconds.iter().filter(|s| **s <= bound).count();
                    let bucket =
                        format!("checkout_duration_seconds_bucket{{{labels},le=\"{le}\"}}");
                    assert_eq!(value(&body, &bucket), within as f64, "{bucket}");
                }
                let count = format!("checkout_duration_seconds_count{{{labels}}}");
                assert_eq!(value(&body, &count), seconds.len() as f64, "{count}");
            }
        }
    }
    let found: u32 = want
        .lookups
        .iter()
        .filter(|(k, _)| k.1)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(paid, found as usize);
    let revenue: f64 = body
        .lines()
        .filter(|l| l.starts_with("checkout_revenue_cents_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(revenue, want.revenue);
    // Every order searched the catalog once.
    assert_eq!(
        value(
            &body,
            "catalog_search_duration_seconds_count{service=\"shop\"}"
        ),
        f64::from(ORDERS)
    );

    // The same scrape as OpenMetrics, read by the reference parser: HELP and UNIT survive.
    let request = format!(
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nAccept: application/openmetrics-text;version=1.0.0\r\nConnection: close\r\n\r\n"
    );
    let openmetrics = raw_get(addr, &request);
    if let Some(families) = openmetrics_parse(&openmetrics) {
        for metric in &manifest.metrics {
            let family = families.iter().find(|f| f.name == metric.name);
            let Some(family) = family.or_else(|| {
                assert!(may_be_left_out(&metric.name), "{} missing", metric.name);
                None
            }) else {
                continue;
            };
            assert_eq!(family.help, metric.help, "{}", metric.name);
            assert_eq!(family.kind, metric.kind.as_str(), "{}", metric.name);
            let unit = metric.unit.map(|u| u.as_str()).unwrap_or_default();
            assert_eq!(family.unit, unit, "{}", metric.name);
        }
    }

    // A real Prometheus records the doc comments for the live metrics too.
    let Some(prometheus) = Prometheus::scraping(addr, "shop") else {
        return;
    };
    prometheus.wait_for_clean_scrape();
    let families: Vec<(&str, &str, &str)> = manifest
        .metrics
        .iter()
        .map(|m| (m.name.as_str(), m.help.as_str(), m.kind.as_str()))
        .collect();
    prometheus.assert_metadata(&families);
    let total = prometheus.query("sum(checkout_duration_seconds_count)");
    assert_eq!(total[0].1, paid as f64);
}

fn raw_get(addr: std::net::SocketAddr, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head");
    assert!(
        head.to_lowercase()
            .contains("content-type: application/openmetrics-text"),
        "{head}"
    );
    body.to_owned()
}
