//! OTLP/HTTP: requests received on loopback and decoded by the official
//! `opentelemetry-proto` Python classes.

use tallyho_tests::serde_json::{self, Value};
use tallyho_tests::{python_with, run_python, Receiver, Request};

use super::PushDemo;

/// Parses an `ExportMetricsServiceRequest`, fails on any field the schema does not know,
/// and prints it as JSON (field names as in the .proto, enums as integers).
const DECODE: &str = r#"
import sys
from google.protobuf import json_format
from google.protobuf.unknown_fields import UnknownFieldSet
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2

request = metrics_service_pb2.ExportMetricsServiceRequest()
request.ParseFromString(sys.stdin.buffer.read())

def walk(message, path):
    if len(UnknownFieldSet(message)):
        sys.exit(f"unknown fields at {path}")
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if hasattr(field, "is_repeated"):
            repeated = field.is_repeated
        else:
            repeated = field.label == field.LABEL_REPEATED
        if repeated:
            for i, item in enumerate(value):
                walk(item, f"{path}.{field.name}[{i}]")
        else:
            walk(value, f"{path}.{field.name}")

walk(request, "$")
print(json_format.MessageToJson(request, preserving_proto_field_name=True, use_integers_for_enums=True))
"#;

pub(crate) fn decode(request: &Request) -> Option<Value> {
    let python = python_with(&["opentelemetry.proto", "google.protobuf"])?;
    Some(serde_json::from_str(&run_python(&python, DECODE, &request.body)).expect("JSON"))
}

fn attributes(list: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = list
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|kv| {
            (
                kv["key"].as_str().unwrap().to_owned(),
                kv["value"]["string_value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

pub(crate) fn metric<'a>(request: &'a Value, name: &str) -> &'a Value {
    request["resource_metrics"][0]["scope_metrics"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// The data point whose attributes are exactly `labels`.
pub(crate) fn point<'a>(metric: &'a Value, kind: &str, labels: &[(&str, &str)]) -> &'a Value {
    let mut labels: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    labels.sort();
    metric[kind]["data_points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| attributes(&p["attributes"]) == labels)
        .unwrap_or_else(|| panic!("no point {labels:?} in {metric}"))
}

pub(crate) fn int(v: &Value) -> i64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Number(n) => n.as_i64().unwrap(),
        Value::Null => 0, // proto3 JSON leaves zeros out
        other => panic!("not an integer: {other}"),
    }
}

const EU: &[(&str, &str)] = &[("region", "eu")];
const US: &[(&str, &str)] = &[("region", "us")];

fn start(receiver: &Receiver, temporality: &str) -> PushDemo {
    let endpoint = format!("http://{}", receiver.addr);
    PushDemo::start(
        "otlp",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SERVICE_NAME", "otel-demo"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment.name=test,team=a%2Cb",
            ),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=k%3D1"),
            (
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                temporality,
            ),
            ("TALLYHO_PUSH_INTERVAL", "60"),
        ],
    )
}

#[test]
fn cumulative_sums_gauges_and_histograms_decode_with_the_official_classes() {
    if python_with(&["opentelemetry.proto", "google.protobuf"]).is_none() {
        return;
    }
    let receiver = Receiver::start("127.0.0.1:0");
    let mut demo = start(&receiver, "cumulative");
    let first = &receiver.wait_for(1)[0];
    assert_eq!(first.path, "/v1/metrics");
    assert_eq!(first.header("content-type"), Some("application/x-protobuf"));
    assert_eq!(first.header("x-api-key"), Some("k=1"));
    assert!(first.header("user-agent").unwrap().starts_with("tallyho/"));
    let request = decode(first).unwrap();

    let resource = attributes(&request["resource_metrics"][0]["resource"]["attributes"]);
    for expected in [
        ("service.name", "otel-demo"),
        ("service.instance.id", "replica-1"),
        ("deployment.environment.name", "test"),
        ("team", "a,b"),
        ("telemetry.sdk.name", "tallyho"),
    ] {
        assert!(
            resource.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {resource:?}"
        );
    }
    assert_eq!(
        request["resource_metrics"][0]["scope_metrics"][0]["scope"]["name"],
        "tallyho"
    );

    let jobs = metric(&request, "push_demo_jobs");
    assert_eq!(jobs["description"], "Jobs run.");
    assert_eq!(jobs["sum"]["aggregation_temporality"], 2);
    assert_eq!(jobs["sum"]["is_monotonic"], true);
    // 2 regions x 3 retried values, zeros included; a `None` label is no attribute.
    assert_eq!(jobs["sum"]["data_points"].as_array().unwrap().len(), 6);
    let eu = point(jobs, "sum", EU);
    assert_eq!(int(&eu["as_int"]), 2);
    assert_eq!(
        int(&point(jobs, "sum", &[("region", "eu"), ("retried", "us")])["as_int"]),
        1
    );
    let start_time = int(&eu["start_time_unix_nano"]);
    assert!(start_time > 0 && start_time < int(&eu["time_unix_nano"]));

    let backlog = metric(&request, "push_demo_backlog");
    assert_eq!(int(&backlog["gauge"]["data_points"][0]["as_int"]), 2);

    let latency = metric(&request, "push_demo_job_seconds");
    assert_eq!(latency["unit"], "s");
    assert_eq!(latency["histogram"]["aggregation_temporality"], 2);
    let h = point(latency, "histogram", EU);
    assert_eq!(h["explicit_bounds"], serde_json::json!([0.1, 0.5, 1.0]));
    // Per bucket, not cumulative: 0.05 | 0.2, 0.2 | - | 3.0.
    let buckets: Vec<i64> = h["bucket_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(int)
        .collect();
    assert_eq!(buckets, [1, 2, 0, 1]);
    assert_eq!(int(&h["count"]), 4);
    assert!((h["sum"].as_f64().unwrap() - 3.45).abs() < 1e-9);
    assert_eq!(int(&h["start_time_unix_nano"]), start_time);

    // Totals keep growing from the same start.
    demo.more();
    let second = decode(&receiver.wait_for(2)[1]).unwrap();
    let eu = point(metric(&second, "push_demo_jobs"), "sum", EU);
    assert_eq!(int(&eu["as_int"]), 4);
    assert_eq!(int(&eu["start_time_unix_nano"]), start_time);
    let h = point(metric(&second, "push_demo_job_seconds"), "histogram", US);
    assert_eq!(int(&h["count"]), 2);
    demo.finish();
}

#[test]
fn delta_temporality_sends_changes_and_a_restart_starts_from_the_whole_total() {
    if python_with(&["opentelemetry.proto", "google.protobuf"]).is_none() {
        return;
    }
    let receiver = Receiver::start("127.0.0.1:0");
    let mut demo = start(&receiver, "delta");
    let first = decode(&receiver.wait_for(1)[0]).unwrap();
    let jobs = metric(&first, "push_demo_jobs");
    assert_eq!(jobs["sum"]["aggregation_temporality"], 1);
    let eu = point(jobs, "sum", EU);
    assert_eq!(int(&eu["as_int"]), 2);
    let first_time = int(&eu["time_unix_nano"]);

    demo.more();
    let second = decode(&receiver.wait_for(2)[1]).unwrap();
    let jobs = metric(&second, "push_demo_jobs");
    let eu = point(jobs, "sum", EU);
    assert_eq!(int(&eu["as_int"]), 2, "a delta, not the total of 4");
    // Each window starts where the last accepted one ended.
    assert_eq!(int(&eu["start_time_unix_nano"]), first_time);
    // A series that did not change reports zero.
    assert_eq!(
        int(&point(jobs, "sum", &[("region", "us"), ("retried", "eu")])["as_int"]),
        0
    );
    let h = point(metric(&second, "push_demo_job_seconds"), "histogram", EU);
    let buckets: Vec<i64> = h["bucket_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(int)
        .collect();
    assert_eq!(buckets, [1, 2, 0, 1]);
    assert_eq!(int(&h["count"]), 4);
    // Gauges stay gauges.
    let backlog = metric(&second, "push_demo_backlog");
    assert_eq!(int(&backlog["gauge"]["data_points"][0]["as_int"]), 4);

    // Shutdown: the final push has nothing new.
    demo.finish();
    let requests = receiver.wait_for(3);
    let last = decode(&requests[2]).unwrap();
    assert_eq!(
        int(&point(metric(&last, "push_demo_jobs"), "sum", EU)["as_int"]),
        0
    );

    // A restarted process starts from zero, so its first delta is its whole total.
    let demo = start(&receiver, "delta");
    let restarted = decode(&receiver.wait_for(4)[3]).unwrap();
    let eu = point(metric(&restarted, "push_demo_jobs"), "sum", EU);
    assert_eq!(int(&eu["as_int"]), 2);
    demo.finish();
}
