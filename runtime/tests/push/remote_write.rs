//! Remote write into a real Prometheus behind TLS and basic auth.

use tallyho_tests::{eventually, test_ca, Prometheus};

use super::PushDemo;

const USER: &str = "tallyho";
const PASSWORD: &str = "push-secret";
/// `PASSWORD` hashed with bcrypt (cost 10), as Prometheus' web config wants it.
const HASH: &str = "$2b$10$Fz7wS.LZ0.GUQ1V6UOruyeU6Ldbf90aORk7HPc9NpoocFEf4gUaYi";

fn value(prometheus: &Prometheus, query: &str) -> Option<f64> {
    let result = prometheus.query(query);
    (result.len() == 1).then(|| result[0].1)
}

#[test]
fn a_running_program_pushes_to_prometheus_over_tls_with_basic_auth() {
    let Some(ca) = test_ca() else { return };
    let Some(prometheus) = Prometheus::receiving_remote_write(&ca, USER, PASSWORD, HASH) else {
        return;
    };
    // Up, and refusing the unauthenticated.
    let status = eventually("Prometheus answers over TLS", || {
        prometheus.https_get("/api/v1/status/buildinfo", false)
    });
    assert_eq!(status.0, 401);

    let url = prometheus.https_url("/api/v1/write");
    let ca_file = ca.ca_file.display().to_string();
    let mut demo = PushDemo::start(
        "remote-write",
        &[
            ("TALLYHO_REMOTE_WRITE_URL", &url),
            ("TALLYHO_REMOTE_WRITE_USERNAME", USER),
            ("TALLYHO_REMOTE_WRITE_PASSWORD", PASSWORD),
            ("TALLYHO_PUSH_CA_FILE", &ca_file),
            ("TALLYHO_PUSH_INTERVAL", "60"),
        ],
    );

    // The first round: every series with its labels (zeros for the label combinations not
    // used yet: 2 regions x 3 retried values).
    let jobs = eventually("the first push", || {
        let result = prometheus.query("push_demo_jobs_total");
        (result.len() == 6).then_some(result)
    });
    for (labels, value) in &jobs {
        assert_eq!(labels["service"], "pushdemo");
        assert_eq!(labels["instance"], "replica-1");
        let region = labels["region"].as_str().unwrap();
        let retried = labels.get("retried").and_then(|v| v.as_str());
        let expected = match (region, retried) {
            ("eu", None) => 2.0,
            ("eu", Some("us")) => 1.0,
            ("us", None) => 1.0,
            _ => 0.0,
        };
        assert_eq!(*value, expected, "{labels:?}");
        // A `None` label is omitted, never sent empty.
        assert!(labels.keys().all(
            |k| ["__name__", "service", "instance", "region", "retried"].contains(&k.as_str())
        ));
    }

    // A second round: the values follow.
    demo.more();
    eventually("the second push", || {
        (value(
            &prometheus,
            r#"push_demo_jobs_total{region="eu",retried=""}"#,
        )? == 4.0)
            .then_some(())
    });
    assert_eq!(
        value(
            &prometheus,
            r#"push_demo_jobs_total{region="us",retried=""}"#
        ),
        Some(2.0)
    );
    assert_eq!(value(&prometheus, "push_demo_backlog"), Some(4.0));

    // Histograms: buckets, sum and count, and a quantile computed from the buckets. eu has
    // 0.05, 0.2, 0.2, 3.0 twice: cumulative 2, 6, 6, 8 over le 0.1, 0.5, 1, +Inf.
    let eu = r#"{region="eu",retried=""}"#;
    let buckets = prometheus.query(&format!("push_demo_job_seconds_bucket{eu}"));
    let mut by_le: Vec<(String, f64)> = buckets
        .iter()
        .map(|(l, v)| (l["le"].as_str().unwrap().to_owned(), *v))
        .collect();
    by_le.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        by_le,
        [
            ("+Inf".to_owned(), 8.0),
            ("0.1".to_owned(), 2.0),
            ("0.5".to_owned(), 6.0),
            ("1.0".to_owned(), 6.0)
        ]
    );
    assert_eq!(
        value(&prometheus, &format!("push_demo_job_seconds_count{eu}")),
        Some(8.0)
    );
    let sum = value(&prometheus, &format!("push_demo_job_seconds_sum{eu}")).unwrap();
    assert!((sum - 6.9).abs() < 1e-9, "{sum}");
    let median = value(
        &prometheus,
        &format!("histogram_quantile(0.5, push_demo_job_seconds_bucket{eu})"),
    )
    .unwrap();
    assert!((median - 0.3).abs() < 1e-9, "{median}");
    let p99_us = value(
        &prometheus,
        r#"histogram_quantile(0.99, push_demo_job_seconds_bucket{region="us",retried=""})"#,
    )
    .unwrap();
    assert!(p99_us > 0.5 && p99_us <= 1.0, "{p99_us}");

    // The engine's own metrics arrive like any other series.
    let pushes = eventually("self-metrics", || {
        value(
            &prometheus,
            r#"tallyho_pushes_total{exporter="remote_write",instance="replica-1"}"#,
        )
    });
    assert!(pushes >= 1.0);
    let last = value(
        &prometheus,
        r#"tallyho_push_last_success_timestamp_seconds{exporter="remote_write"}"#,
    )
    .unwrap();
    assert!(last > 1.7e9, "{last}");
    assert!(
        value(
            &prometheus,
            r#"tallyho_push_payload_bytes_total{exporter="remote_write"}"#
        )
        .unwrap()
            > 0.0
    );

    // Shutdown pushes once more: a last round recorded just before exit arrives.
    demo.more();
    demo.finish();
    eventually("the final push", || {
        (value(
            &prometheus,
            r#"push_demo_jobs_total{region="us",retried=""}"#,
        )? == 3.0)
            .then_some(())
    });
}
