//! Bounded labels under attacker-chosen values: a spoofed overflow value, a flood of long
//! values. What a bounded label can cost is `max_values x MAX_LABEL_VALUE_BYTES`, whatever
//! is sent.

use tallyho::{CounterGroup, Format, LabelSet, MAX_LABEL_VALUE_BYTES, OVERFLOW_VALUE};
use tallyho_tests::{eventually, promtool_check, Prometheus};

#[derive(LabelSet)]
struct Client {
    #[label(max_values = 2)]
    client: String,
}

/// Requests by client, as a service might count them from a request header.
static SPOOFED: CounterGroup<Client> =
    CounterGroup::new("spoof_requests").help("Requests by client.");

fn send(value: &str, times: u64) {
    SPOOFED
        .with(Client {
            client: value.to_owned(),
        })
        .add(times);
}

#[test]
fn a_spoofed_overflow_value_is_the_overflow_series() {
    send("a", 1);
    send(OVERFLOW_VALUE, 3); // a client naming itself `__overflow__`, while slots are free
    send("b", 2);
    send("c", 4); // past the bound
    send(&"x".repeat(MAX_LABEL_VALUE_BYTES + 1), 5); // too long to keep

    let text = tallyho::encode(Format::Prometheus);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("spoof_requests_total{"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let overflow: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains(OVERFLOW_VALUE))
        .collect();
    assert_eq!(overflow.len(), 1, "one overflow series: {lines:#?}");
    assert!(overflow[0].ends_with(" 12"), "3 + 4 + 5: {}", overflow[0]);
    promtool_check(&text);

    // A real Prometheus keeps every total: no two series share their labels.
    let server = tallyho::serve("127.0.0.1:0").expect("bind");
    let Some(prometheus) = Prometheus::scraping(server.local_addr(), "spoof") else {
        return;
    };
    prometheus.wait_for_clean_scrape();
    let series = eventually("three series", || {
        let s = prometheus.query("spoof_requests_total");
        (s.len() == 3).then_some(s)
    });
    let mut totals: Vec<(String, f64)> = series
        .iter()
        .map(|(labels, v)| (labels["client"].as_str().unwrap().to_owned(), *v))
        .collect();
    totals.sort_by(|a, b| a.0.cmp(&b.0));
    let expected = [("__overflow__", 12.0), ("a", 1.0), ("b", 2.0)];
    let expected: Vec<(String, f64)> = expected.iter().map(|(k, v)| ((*k).into(), *v)).collect();
    assert_eq!(totals, expected);
}

#[derive(LabelSet)]
struct Session {
    #[label(max_values = 100)]
    session: String,
}

static FLOODED: CounterGroup<Session> =
    CounterGroup::new("flood_requests").help("Requests by session.");

/// Resident memory in bytes, from `/proc/self/status`.
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    let kib: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kib * 1024
}

#[test]
fn a_flood_of_long_values_stays_within_the_documented_bound() {
    let before = rss();
    // 100 values of 1 MiB would have been 100 MiB kept and in every scrape.
    let mut long = "v".repeat(1 << 20);
    for i in 0..100 {
        long.replace_range(..8, &format!("{i:08}"));
        FLOODED
            .with(Session {
                session: long.clone(),
            })
            .increment();
    }
    // Then more short values than the bound admits.
    for i in 0..1000 {
        let session = format!("{i:0>200}");
        FLOODED.with(Session { session }).increment();
    }
    let grown = rss().saturating_sub(before);
    assert!(grown < 16 << 20, "resident memory grew by {grown} bytes");

    let text = tallyho::encode(Format::OpenMetrics);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("flood_requests_total{"))
        .collect();
    // 100 admitted values and the overflow series, each line at most the value bound plus
    // the name, the service label and the count.
    assert_eq!(lines.len(), 101);
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let overhead =
        "flood_requests_total{service=\"\",session=\"\"} 1000\n".len() + tallyho::service().len();
    assert!(
        bytes <= 101 * (MAX_LABEL_VALUE_BYTES + overhead),
        "{bytes} bytes"
    );
    let overflow = lines.iter().find(|l| l.contains(OVERFLOW_VALUE)).unwrap();
    assert!(
        overflow.ends_with(" 1000"),
        "100 long + 900 past the bound: {overflow}"
    );
}
