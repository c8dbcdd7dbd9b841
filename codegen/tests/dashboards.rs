//! The generated dashboards and rules of a small manifest with every shape a metric can
//! take (no labels, an open label, a `status` outcome with several error values, bytes,
//! seconds), snapshot-tested; and the objectives that cannot be measured, refused.

use tallyho_codegen::{generate_dashboards, Manifest, Outputs};

const MANIFEST: &str = r#"
schema: 1
limits: { series_per_metric: 1000, series_per_service: 10000 }
metrics:
- { name: api_requests, kind: counter, value_type: u64, help: API requests by route and status., package: api, crate: api, module: http, static: REQUESTS, file: api/src/http.rs, line: 3,
    labels: [ { key: route, type: Route, values: [list, show] }, { key: status, type: Status, values: [ok, error, timeout] } ], series: 6, limit: 1000 }
- { name: api_response_bytes, kind: counter, value_type: u64, help: Bytes sent in responses., unit: bytes, package: api, crate: api, module: http, static: BYTES, file: api/src/http.rs, line: 6, series: 1, limit: 1000 }
- { name: api_request_duration_seconds, kind: histogram, value_type: f64, help: Time to answer a request., unit: seconds, package: api, crate: api, module: http, static: LATENCY, file: api/src/http.rs, line: 9,
    buckets: [0.1, 0.5, 2.5], series: 6, limit: 1000 }
- { name: store_open_sessions, kind: gauge, value_type: i64, help: Sessions open per tenant., package: store, crate: store, module: '', static: SESSIONS, file: store/src/lib.rs, line: 4,
    labels: [ { key: tenant, type: String, max_values: 20 } ], series: 21, limit: 1000 }
services:
- { name: api, package: api, binary: api, packages: [api, store], metrics: [api_request_duration_seconds, api_requests, api_response_bytes, store_open_sessions], series: 34 }
objectives:
- { name: fast-answers, metric: api_request_duration_seconds, target: 0.95, threshold: 0.5 }
- { name: requests-succeed, metric: api_requests, target: 0.999 }
"#;

#[test]
fn every_output_of_a_small_manifest() {
    let manifest = Manifest::parse(MANIFEST).expect("the manifest parses");
    let files = generate_dashboards(&manifest, Outputs::ALL).expect("the objectives fit");
    let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(
        paths,
        [
            "grafana/api.json",
            "datadog/api.json",
            "prometheus/api.rules.yml",
            "prometheus/api.rules.test.yml",
            "grafana/provisioning.yaml"
        ]
    );
    for file in files {
        let name = file.path.display().to_string().replace(['/', '.'], "_");
        insta::assert_snapshot!(name, file.contents);
    }
}

#[test]
fn only_the_outputs_asked_for() {
    let manifest = Manifest::parse(MANIFEST).unwrap();
    let rules_only = Outputs {
        grafana: false,
        datadog: false,
        rules: true,
    };
    let files = generate_dashboards(&manifest, rules_only).unwrap();
    assert!(files.iter().all(|f| f.path.starts_with("prometheus")));
}

#[test]
fn objectives_that_cannot_be_measured_are_refused() {
    let cases = [
        (
            "{ name: x, metric: nope, target: 0.9 }",
            "there is no metric `nope`",
        ),
        (
            "{ name: x, metric: api_request_duration_seconds, target: 0.9, threshold: 1 }",
            "threshold 1 is not a bucket bound",
        ),
        (
            "{ name: x, metric: api_request_duration_seconds, target: 0.9 }",
            "give a `threshold`",
        ),
        (
            "{ name: x, metric: api_response_bytes, target: 0.9 }",
            "has no outcome label",
        ),
        (
            "{ name: x, metric: store_open_sessions, target: 0.9 }",
            "is a gauge",
        ),
    ];
    for (objective, message) in cases {
        let text = MANIFEST.split("objectives:").next().unwrap().to_owned()
            + "objectives:\n- "
            + objective
            + "\n";
        let manifest = Manifest::parse(&text).unwrap();
        let err = generate_dashboards(&manifest, Outputs::ALL).unwrap_err();
        assert!(err.to_string().contains(message), "{err}");
    }
}
