//! Datadog's v2 series API: payloads received on loopback, each one deserialized into the
//! official `datadog-api-client` models, with the counter deltas checked across pushes, a
//! shutdown and a restart.

use std::io::Read;

use tallyho_tests::serde_json::{self, Value};
use tallyho_tests::{python_with, run_python, Receiver, Request};

use super::PushDemo;

/// Deserializes a payload into `MetricPayload`, failing on anything the client would not
/// parse (`_unparsed`) or would keep as an unknown key (it accepts those silently).
const VALIDATE: &str = r#"
import sys, json
from datadog_api_client import Configuration
from datadog_api_client.model_utils import validate_and_convert_types, OpenApiModel, ModelSimple
from datadog_api_client.v2.model.metric_payload import MetricPayload

doc = json.load(sys.stdin)
payload = validate_and_convert_types(
    doc, (MetricPayload,), ["payload"], True, True, configuration=Configuration())

def walk(value, path):
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            walk(item, f"{path}[{i}]")
    elif isinstance(value, OpenApiModel):
        if getattr(value, "_unparsed", False):
            sys.exit(f"unparsed: {path}")
        if isinstance(value, ModelSimple):
            return
        for key, item in value._data_store.items():
            if key not in value.attribute_map:
                sys.exit(f"unknown key: {path}.{key}")
            walk(item, f"{path}.{key}")
    elif not isinstance(value, (str, int, float, bool, type(None))):
        sys.exit(f"unexpected {type(value)} at {path}")

walk(payload, "$")
print(len(payload.series))
"#;

/// The JSON body of a request, inflated and validated against the official models.
pub(crate) fn payload(request: &Request) -> Option<Value> {
    let python = python_with(&["datadog_api_client"])?;
    assert_eq!(request.path, "/api/v2/series");
    assert_eq!(request.header("dd-api-key"), Some("test-key"));
    assert_eq!(request.header("content-encoding"), Some("deflate"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(request.body.len() <= 512_000);
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(&request.body[..])
        .read_to_end(&mut json)
        .expect("a deflate body");
    assert!(json.len() <= 5_242_880);
    let doc: Value = serde_json::from_slice(&json).expect("JSON");
    let count = run_python(&python, VALIDATE, &json);
    assert_eq!(
        count.trim(),
        doc["series"].as_array().unwrap().len().to_string()
    );
    Some(doc)
}

/// The series named `metric` whose own tags (besides service and env) are `tags`.
pub(crate) fn series<'a>(doc: &'a Value, metric: &str, tags: &[&str]) -> &'a Value {
    let mut want: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
    want.extend(["env:test".to_owned(), "service:pushdemo".to_owned()]);
    want.sort();
    doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            let mut have: Vec<String> = s["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect();
            have.sort();
            s["metric"] == metric && have == want
        })
        .unwrap_or_else(|| panic!("no {metric} {tags:?}"))
}

pub(crate) fn value(doc: &Value, metric: &str, tags: &[&str]) -> f64 {
    let s = series(doc, metric, tags);
    assert_eq!(s["points"].as_array().unwrap().len(), 1);
    s["points"][0]["value"].as_f64().unwrap()
}

fn start(receiver: &Receiver) -> PushDemo {
    let url = format!("http://{}/api/v2/series", receiver.addr);
    PushDemo::start(
        "datadog",
        &[
            ("DD_API_KEY", "test-key"),
            ("TALLYHO_DATADOG_URL", &url),
            ("DD_ENV", "test"),
            ("DD_HOSTNAME", "host-a"),
            ("TALLYHO_PUSH_INTERVAL", "60"),
        ],
    )
}

const EU: &[&str] = &["region:eu"];

#[test]
fn counts_are_deltas_across_pushes_shutdown_and_restart() {
    if python_with(&["datadog_api_client"]).is_none() {
        return;
    }
    let receiver = Receiver::start("127.0.0.1:0");
    let mut demo = start(&receiver);
    let first = payload(&receiver.wait_for(1)[0]).unwrap();

    let jobs = series(&first, "push_demo_jobs", EU);
    assert_eq!(jobs["type"], 1, "COUNT");
    assert!(jobs["interval"].as_u64().unwrap() >= 1);
    assert_eq!(jobs["resources"][0]["name"], "host-a");
    assert_eq!(jobs["resources"][0]["type"], "host");
    let now = jobs["points"][0]["timestamp"].as_u64().unwrap();
    let system_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now <= system_now && now + 600 > system_now);
    // The first push of a process sends the whole total: it started at zero with it.
    assert_eq!(value(&first, "push_demo_jobs", EU), 2.0);
    assert_eq!(
        value(&first, "push_demo_jobs", &["region:eu", "retried:us"]),
        1.0
    );
    let backlog = series(&first, "push_demo_backlog", &[]);
    assert_eq!(backlog["type"], 3, "GAUGE");
    assert!(backlog.get("interval").is_none());
    assert_eq!(value(&first, "push_demo_backlog", &[]), 2.0);
    // Histograms as the OpenMetrics check maps them: .count, .sum, cumulative .bucket.
    assert_eq!(value(&first, "push_demo_job_seconds.count", EU), 4.0);
    assert!((value(&first, "push_demo_job_seconds.sum", EU) - 3.45).abs() < 1e-9);
    for (bound, count) in [("0.1", 1.0), ("0.5", 3.0), ("1.0", 3.0), ("inf", 4.0)] {
        let tags = ["region:eu", &format!("upper_bound:{bound}")];
        assert_eq!(value(&first, "push_demo_job_seconds.bucket", &tags), count);
        assert_eq!(
            series(&first, "push_demo_job_seconds.bucket", &tags)["type"],
            1
        );
    }

    // A second round: deltas, and zero for a series that did not change.
    demo.more();
    let second = payload(&receiver.wait_for(2)[1]).unwrap();
    assert_eq!(value(&second, "push_demo_jobs", EU), 2.0);
    assert_eq!(value(&second, "push_demo_jobs", &["region:us"]), 1.0);
    assert_eq!(
        value(&second, "push_demo_jobs", &["region:us", "retried:eu"]),
        0.0
    );
    assert_eq!(value(&second, "push_demo_backlog", &[]), 4.0);
    assert_eq!(value(&second, "push_demo_job_seconds.count", EU), 4.0);
    assert_eq!(
        value(
            &second,
            "push_demo_job_seconds.bucket",
            &["region:eu", "upper_bound:inf"]
        ),
        4.0
    );

    // Shutdown pushes what is left: nothing new.
    demo.finish();
    let third = payload(&receiver.wait_for(3)[2]).unwrap();
    assert_eq!(value(&third, "push_demo_jobs", EU), 0.0);
    assert_eq!(value(&third, "push_demo_job_seconds.count", EU), 0.0);

    // After a restart the first push is the new process's whole total (2), neither the
    // difference to the old process's last total (4) nor dropped.
    let demo = start(&receiver);
    let restarted = payload(&receiver.wait_for(4)[3]).unwrap();
    assert_eq!(value(&restarted, "push_demo_jobs", EU), 2.0);
    assert_eq!(value(&restarted, "push_demo_job_seconds.count", EU), 4.0);
    demo.finish();
}
