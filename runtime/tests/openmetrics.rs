//! OpenMetrics 1.0 output read back by parsers that are not ours: the Python
//! `prometheus_client` reference parser (promtool reads only Prometheus text 0.0.4) and a real
//! Prometheus, which asks for OpenMetrics first. Hostile label values and help text must come
//! back exactly as they went in.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use tallyho::{CounterGroup, Format, GaugeGroup, HistogramGroup, LabelSet, LabelValue, Unit};
use tallyho_tests::{eventually, openmetrics_parse, ParsedFamily, Prometheus};

#[derive(LabelSet)]
struct Hostile {
    #[label(max_values = 32)]
    value: String,
}

#[derive(LabelSet)]
struct Route {
    route: RouteName,
    cached: bool,
}

#[derive(LabelValue, Clone, Copy)]
enum RouteName {
    Home,
    #[label(rename = "check-out")]
    Checkout,
}

const HELP: &str = "Help with \"quotes\", a back\\slash,\na second line and # a hash.";

static HOSTILE: CounterGroup<Hostile> = CounterGroup::new("om_hostile_input")
    .help("Help with \"quotes\", a back\\slash,\na second line and # a hash.");
static LATENCY: HistogramGroup<Route> = HistogramGroup::new("om_latency_seconds")
    .help("Latency by route.")
    .unit(Unit::Seconds)
    .buckets(&[0.1, 0.5]);
static DEPTH: GaugeGroup<Route, f64> = GaugeGroup::new("om_queue_depth").help("Queue depth.");

/// Values a client could send: every escape the format has, and bytes it has none for.
const VALUES: &[&str] = &[
    "quote\"inside",
    "back\\slash",
    "new\nline",
    "tab\there",
    "naïve ünïcode ✓ 日本",
    "emoji 🦀",
    "}",
    "{a=\"b\"}",
    "# EOF",
    "# HELP fake",
    " ",
    "\\\"\\n",
    "trailing\\",
    "a=\"b\",c=\"d",
];

/// Records the same traffic once per process, whichever test runs first.
fn record() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(record_once);
}

fn record_once() {
    let _ = tallyho::set_service("openmetrics-test");
    for (i, value) in VALUES.iter().enumerate() {
        HOSTILE
            .with(Hostile {
                value: (*value).to_owned(),
            })
            .add(i as u64 + 1);
    }
    let home = Route {
        route: RouteName::Home,
        cached: true,
    };
    LATENCY.with(&home).observe(0.05);
    LATENCY.with(&home).observe(0.3);
    LATENCY.with(&home).observe(7.0);
    DEPTH.with(home).set(2.5);
    DEPTH
        .with(Route {
            route: RouteName::Checkout,
            cached: false,
        })
        .set(-1.0);
}

fn family<'a>(families: &'a [ParsedFamily], name: &str) -> &'a ParsedFamily {
    families
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no family {name} in {families:#?}"))
}

fn label_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// What the reference parser reads must be what was recorded: each hostile value one series
/// with its own total, the help text decoded to the original, histogram buckets cumulative.
fn assert_reads_back(families: &[ParsedFamily]) {
    let hostile = family(families, "om_hostile_input");
    assert_eq!(hostile.kind, "counter");
    assert_eq!(hostile.help, HELP);
    let totals: BTreeMap<String, f64> = hostile
        .samples
        .iter()
        .filter(|(name, _, _)| name == "om_hostile_input_total")
        .map(|(_, labels, value)| (labels["value"].clone(), *value))
        .collect();
    let expected: BTreeMap<String, f64> = VALUES
        .iter()
        .enumerate()
        .map(|(i, v)| ((*v).to_owned(), i as f64 + 1.0))
        .collect();
    assert_eq!(totals, expected, "each value its own series, exactly");
    for (_, labels, _) in &hostile.samples {
        assert!(labels["service"].starts_with("openmetrics"), "{labels:?}");
    }

    let latency = family(families, "om_latency_seconds");
    assert_eq!(
        (latency.kind.as_str(), latency.unit.as_str()),
        ("histogram", "seconds")
    );
    let home = |suffix: &str, extra: &[(&str, &str)]| {
        let mut want = label_map(&[("route", "home"), ("cached", "true")]);
        want.extend(label_map(extra));
        latency
            .samples
            .iter()
            .find(|(name, labels, _)| {
                name == &format!("om_latency_seconds{suffix}")
                    && want.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
            .map(|s| s.2)
            .unwrap_or_else(|| panic!("no {suffix} {extra:?} in {latency:#?}"))
    };
    assert_eq!(home("_bucket", &[("le", "0.1")]), 1.0);
    assert_eq!(home("_bucket", &[("le", "0.5")]), 2.0);
    assert_eq!(home("_bucket", &[("le", "+Inf")]), 3.0);
    assert_eq!(home("_count", &[]), 3.0);
    assert!((home("_sum", &[]) - 7.35).abs() < 1e-9);
    // Every combination is there from the start: 2 routes x 2 cached x (2 buckets + Inf).
    let buckets = latency
        .samples
        .iter()
        .filter(|(name, _, _)| name == "om_latency_seconds_bucket")
        .count();
    assert_eq!(buckets, 2 * 2 * 3);
    let renamed: BTreeSet<&str> = latency
        .samples
        .iter()
        .map(|(_, labels, _)| labels["route"].as_str())
        .collect();
    assert_eq!(renamed, BTreeSet::from(["home", "check-out"]));

    let depth = family(families, "om_queue_depth");
    assert_eq!(depth.kind, "gauge");
    assert!(depth
        .samples
        .iter()
        .any(|(_, labels, value)| labels["route"] == "home" && *value == 2.5));
}

#[test]
fn the_reference_parser_reads_hostile_openmetrics_back_exactly() {
    record();
    let text = tallyho::encode(Format::OpenMetrics);
    let Some(families) = openmetrics_parse(&text) else {
        return;
    };
    assert_reads_back(&families);

    // The same through the server: negotiated by Accept, plain and gzipped.
    let server = tallyho::serve("127.0.0.1:0").expect("bind");
    for encoding in ["identity", "gzip"] {
        let mut stream = std::net::TcpStream::connect(server.local_addr()).expect("connect");
        write!(
            stream,
            "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n\
             Accept-Encoding: {encoding}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read");
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head");
        let head = String::from_utf8_lossy(&response[..split]).to_lowercase();
        assert!(
            head.contains("content-type: application/openmetrics-text"),
            "{head}"
        );
        let body = &response[split + 4..];
        let mut text = String::new();
        if head.contains("content-encoding: gzip") {
            flate2::read::GzDecoder::new(body)
                .read_to_string(&mut text)
                .expect("gzip");
        } else {
            // Without the `gzip` feature the server answers identity whatever is accepted.
            if cfg!(feature = "gzip") {
                assert_eq!(encoding, "identity", "{head}");
            }
            text = String::from_utf8(body.to_vec()).expect("utf-8");
        }
        let families = openmetrics_parse(&text).expect("the parser ran above");
        assert_reads_back(&families);
    }
}

#[test]
fn a_real_prometheus_parses_the_openmetrics_scrape() {
    record();
    let server = tallyho::serve("127.0.0.1:0").expect("bind");
    let Some(prometheus) = Prometheus::scraping(server.local_addr(), "om") else {
        return;
    };
    prometheus.wait_for_clean_scrape();
    // Only OpenMetrics carries UNIT: its presence in the metadata shows which parser read it.
    let metadata = eventually("metadata", || {
        let metadata = prometheus.metadata();
        metadata
            .get("om_latency_seconds")
            .is_some()
            .then_some(metadata)
    });
    assert_eq!(metadata["om_latency_seconds"][0]["unit"], "seconds");
    assert_eq!(metadata["om_hostile_input"][0]["help"], HELP);
    let series = eventually("every hostile series", || {
        let s = prometheus.query("om_hostile_input_total");
        (s.len() == VALUES.len()).then_some(s)
    });
    let values: BTreeSet<String> = series
        .iter()
        .map(|(labels, _)| labels["value"].as_str().expect("a string").to_owned())
        .collect();
    let expected: BTreeSet<String> = VALUES.iter().map(|v| (*v).to_owned()).collect();
    assert_eq!(values, expected);
    let count = prometheus.query("om_latency_seconds_count{route=\"home\",cached=\"true\"}");
    assert_eq!(count.len(), 1);
    assert_eq!(count[0].1, 3.0, "{count:?}");
}
