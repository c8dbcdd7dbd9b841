//! The exposition formats, checked line by line and by promtool.

use tallyho_tests as support;

use tallyho::{
    Counter, CounterGroup, Descriptor, Field, Format, Gauge, GaugeGroup, Histogram, HistogramGroup,
    Kind, LabelSet, LabelValue, Unit,
};

#[derive(LabelSet)]
struct OrderLabels {
    success: bool,
    region: Region,
}

#[derive(LabelValue)]
enum Region {
    Eu,
    #[label(rename = "us-east")]
    UsEast,
    Apac,
}

static ORDERS: CounterGroup<OrderLabels> = CounterGroup::new("orders").help("Orders by outcome.");
static TEMPERATURE: Gauge<f64> = Gauge::new("room_temperature_celsius")
    .help("Room temperature.")
    .unit(Unit::Celsius);
static LATENCY: Histogram = Histogram::new("latency_seconds")
    .help("Request latency.")
    .unit(Unit::Seconds)
    .buckets(&[0.1, 0.5, 1.0]);

fn encode_both() -> (String, String) {
    (
        tallyho::encode(Format::Prometheus),
        tallyho::encode(Format::OpenMetrics),
    )
}

fn lines_of<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.starts_with(prefix) || l.contains(&format!(" {prefix}")))
        .collect()
}

#[test]
fn counter_group_exports_every_combination_from_the_first_scrape() {
    ORDERS
        .with(OrderLabels {
            success: true,
            region: Region::UsEast,
        })
        .add(3);
    let (prometheus, openmetrics) = encode_both();
    let service = tallyho::service();
    let expected: Vec<String> = [
        ("false", "eu", 0),
        ("false", "us-east", 0),
        ("false", "apac", 0),
        ("true", "eu", 0),
        ("true", "us-east", 3),
        ("true", "apac", 0),
    ]
    .iter()
    .map(|(ok, region, v)| {
        format!("orders_total{{service=\"{service}\",success=\"{ok}\",region=\"{region}\"}} {v}")
    })
    .collect();
    let header = [
        "# HELP orders_total Orders by outcome.",
        "# TYPE orders_total counter",
    ];
    assert_eq!(
        lines_of(&prometheus, "orders_total"),
        [
            &header[..],
            &expected.iter().map(String::as_str).collect::<Vec<_>>()
        ]
        .concat()
    );
    assert!(openmetrics
        .contains("# TYPE orders counter\n# HELP orders Orders by outcome.\norders_total{"));
    assert!(openmetrics.ends_with("# EOF\n"));
    support::promtool_check(&prometheus);
    support::openmetrics_check(&openmetrics);
}

#[test]
fn histograms_are_cumulative_with_inf_sum_and_count() {
    for v in [0.05, 0.3, 0.3, 0.7, 4.0] {
        LATENCY.observe(v);
    }
    let (prometheus, openmetrics) = encode_both();
    let service = tallyho::service();
    let samples: Vec<&str> = lines_of(&prometheus, "latency_seconds")
        .into_iter()
        .skip(2)
        .collect();
    let expected = [
        format!("latency_seconds_bucket{{service=\"{service}\",le=\"0.1\"}} 1"),
        format!("latency_seconds_bucket{{service=\"{service}\",le=\"0.5\"}} 3"),
        format!("latency_seconds_bucket{{service=\"{service}\",le=\"1.0\"}} 4"),
        format!("latency_seconds_bucket{{service=\"{service}\",le=\"+Inf\"}} 5"),
        format!("latency_seconds_sum{{service=\"{service}\"}} 5.35"),
        format!("latency_seconds_count{{service=\"{service}\"}} 5"),
    ];
    assert_eq!(samples, expected);
    assert!(
        openmetrics.contains("# TYPE latency_seconds histogram\n# UNIT latency_seconds seconds\n")
    );
    support::promtool_check(&prometheus);
    support::openmetrics_check(&openmetrics);
}

#[test]
fn gauges_hold_floats_and_declare_units_in_openmetrics() {
    TEMPERATURE.set(21.5);
    TEMPERATURE.sub(0.25);
    let (prometheus, openmetrics) = encode_both();
    let service = tallyho::service();
    assert!(prometheus.contains(&format!(
        "room_temperature_celsius{{service=\"{service}\"}} 21.25\n"
    )));
    assert!(openmetrics.contains("# UNIT room_temperature_celsius celsius\n"));
    support::promtool_check(&prometheus);
    support::openmetrics_check(&openmetrics);
}

#[derive(LabelSet)]
struct PeerLabels {
    #[label(max_values = 3)]
    peer: String,
    #[label(max_values = 2)]
    shard: u16,
}

static PEER_BYTES: CounterGroup<PeerLabels> =
    CounterGroup::new("peer_received_bytes").help("Bytes received per peer.");

#[test]
fn bounded_labels_overflow_into_one_series() {
    for peer in ["a", "b", "c", "d", "e"] {
        PEER_BYTES
            .with(PeerLabels {
                peer: peer.into(),
                shard: 7,
            })
            .add(10);
    }
    PEER_BYTES
        .with(PeerLabels {
            peer: "a".into(),
            shard: 8,
        })
        .add(1);
    PEER_BYTES
        .with(PeerLabels {
            peer: "a".into(),
            shard: 9,
        })
        .add(1);
    let text = tallyho::encode(Format::Prometheus);
    let service = tallyho::service();
    let series = lines_of(&text, "peer_received_bytes_total{");
    let o = "__overflow__";
    let expected: Vec<String> = [
        ("a", "7", 10),
        ("a", "8", 1),
        ("a", o, 1),
        ("b", "7", 10),
        ("b", "8", 0),
        ("b", o, 0),
        ("c", "7", 10),
        ("c", "8", 0),
        ("c", o, 0),
        (o, "7", 20),
        (o, "8", 0),
        (o, o, 0),
    ]
    .iter()
    .map(|(peer, shard, v)| {
        format!("peer_received_bytes_total{{service=\"{service}\",peer=\"{peer}\",shard=\"{shard}\"}} {v}")
    })
    .collect();
    assert_eq!(series, expected);
    support::promtool_check(&text);
}

#[derive(LabelSet)]
struct HostileLabels {
    #[label(max_values = 16)]
    value: String,
}

/// Help with "quotes", a back\slash and
/// a second line.
static HOSTILE: CounterGroup<HostileLabels> = CounterGroup::new("hostile_input")
    .help("Help with \"quotes\", a back\\slash and\na second line.");

#[test]
fn hostile_label_values_and_help_stay_valid() {
    let values = [
        "quote\"inside",
        "back\\slash",
        "new\nline",
        "carriage\rreturn",
        "tab\there",
        "nul\0byte",
        "bell\u{7}",
        "naïve ünïcode ✓ 日本",
        "emoji 🦀",
        "}",
        "{a=\"b\"}",
        "# HELP fake",
        "",
        " ",
        "\\\"\\n",
    ];
    for value in values {
        HOSTILE
            .with(HostileLabels {
                value: value.to_owned(),
            })
            .increment();
    }
    let (prometheus, openmetrics) = encode_both();
    assert!(prometheus.contains(r#"value="quote\"inside"} 1"#));
    assert!(prometheus.contains(r#"value="back\\slash"} 1"#));
    assert!(prometheus.contains(r#"value="new\nline"} 1"#));
    assert!(prometheus.contains(r#"value="\\\"\\n"} 1"#));
    assert!(prometheus.contains(
        "# HELP hostile_input_total Help with \"quotes\", a back\\\\slash and\\na second line.\n"
    ));
    assert!(openmetrics.contains(
        "# HELP hostile_input Help with \\\"quotes\\\", a back\\\\slash and\\na second line.\n"
    ));
    // The empty value is an absent label; every other value is one series of its own.
    assert_eq!(
        lines_of(&prometheus, "hostile_input_total{").len(),
        values.len()
    );
    support::promtool_check(&prometheus);
    support::openmetrics_check(&openmetrics);
}

/// Described only: the generated registry's view of a metric nobody has touched yet.
static DESCRIBED: Descriptor = Descriptor::new("described_jobs", Kind::Gauge)
    .help("Jobs, described ahead of use.")
    .labels(&[
        Field {
            key: "queue",
            domain: tallyho::Domain::Finite(&["fast", "slow"]),
        },
        Field {
            key: "retried",
            domain: tallyho::Domain::Optional(&["yes"]),
        },
    ]);

static DESCRIBED_HISTOGRAM: Descriptor = Descriptor::new("described_wait_seconds", Kind::Histogram)
    .help("Wait, described.")
    .buckets(&[1.0, 2.0]);

/// Live and described under one name: the live metric wins, the descriptor lends its help.
static LIVE_WITHOUT_HELP: GaugeGroup<OrderLabels> = GaugeGroup::new("live_and_described");
static LIVE_DESCRIPTOR: Descriptor =
    Descriptor::new("live_and_described", Kind::Gauge).help("From the doc comment.");

#[test]
fn descriptors_export_zero_series_and_yield_to_live_metrics() {
    DESCRIBED.register();
    DESCRIBED_HISTOGRAM.register();
    LIVE_DESCRIPTOR.register();
    LIVE_WITHOUT_HELP
        .with(OrderLabels {
            success: false,
            region: Region::Apac,
        })
        .set(-4);
    let text = tallyho::encode(Format::Prometheus);
    let service = tallyho::service();
    assert_eq!(
        lines_of(&text, "described_jobs"),
        [
            "# HELP described_jobs Jobs, described ahead of use.".to_owned(),
            "# TYPE described_jobs gauge".to_owned(),
            format!("described_jobs{{service=\"{service}\",queue=\"fast\"}} 0"),
            format!("described_jobs{{service=\"{service}\",queue=\"fast\",retried=\"yes\"}} 0"),
            format!("described_jobs{{service=\"{service}\",queue=\"slow\"}} 0"),
            format!("described_jobs{{service=\"{service}\",queue=\"slow\",retried=\"yes\"}} 0"),
        ]
    );
    assert!(text.contains(&format!(
        "described_wait_seconds_bucket{{service=\"{service}\",le=\"+Inf\"}} 0\n"
    )));
    let live = lines_of(&text, "live_and_described");
    assert_eq!(live[0], "# HELP live_and_described From the doc comment.");
    assert_eq!(live.len(), 2 + 6, "one family, not two: {live:#?}");
    assert!(text.contains(&format!(
        "live_and_described{{service=\"{service}\",success=\"false\",region=\"apac\"}} -4\n"
    )));
    support::promtool_check(&text);
}

static FLOAT_TOTAL: Counter<f64> = Counter::new("float_work").help("Work done.");
static WAIT: HistogramGroup<OrderLabels> = HistogramGroup::new("wait_seconds").help("Wait time.");

#[test]
fn invalid_updates_are_dropped_and_counted() {
    FLOAT_TOTAL.add(1.5);
    FLOAT_TOTAL.add(-1.0);
    FLOAT_TOTAL.add(f64::NAN);
    WAIT.with(OrderLabels {
        success: true,
        region: Region::Eu,
    })
    .observe(f64::NAN);
    assert_eq!(FLOAT_TOTAL.get(), 1.5);
    assert_eq!(
        WAIT.with(OrderLabels {
            success: true,
            region: Region::Eu
        })
        .count(),
        0
    );
    let text = tallyho::encode(Format::Prometheus);
    let dropped = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("tallyho_dropped_updates_total{")
                .and_then(|l| l.split(' ').nth(1))
        })
        .and_then(|v| v.parse::<u64>().ok())
        .expect("the dropped-updates counter is exported");
    assert!(dropped >= 3, "{dropped} dropped updates");
    support::promtool_check(&text);
}

#[test]
fn unsigned_gauges_saturate_and_integer_gauges_go_negative() {
    static CONNECTIONS: Gauge<u64> = Gauge::new("open_connections").help("Open.");
    static BALANCE: Gauge = Gauge::new("balance").help("Balance.");
    CONNECTIONS.add(2);
    CONNECTIONS.sub(5);
    BALANCE.sub(5);
    assert_eq!(CONNECTIONS.get(), 0);
    assert_eq!(BALANCE.get(), -5);
}
