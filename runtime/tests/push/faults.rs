//! The push exporters against endpoints that fail: down at start, down mid-run and back,
//! slow, and answering 400, 429 and 500. Values must be right once the endpoint recovers,
//! with nothing counted twice, and the program must still shut down promptly.

use std::net::SocketAddr;
use std::time::Duration;

use tallyho_tests::{eventually, free_port, python_with, Receiver, Request};

use super::{datadog, otlp, PushDemo};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    RemoteWrite,
    Otlp,
    Datadog,
}

const ALL: [Kind; 3] = [Kind::RemoteWrite, Kind::Otlp, Kind::Datadog];

impl Kind {
    /// Whether the protocol sends changes (so values across requests add up).
    fn delta(self) -> bool {
        self != Kind::RemoteWrite
    }

    fn can_decode(self) -> bool {
        match self {
            Kind::RemoteWrite => true,
            Kind::Otlp => python_with(&["opentelemetry.proto", "google.protobuf"]).is_some(),
            Kind::Datadog => python_with(&["datadog_api_client"]).is_some(),
        }
    }

    fn start(self, addr: SocketAddr, timeout: &str) -> PushDemo {
        let base = format!("http://{addr}");
        let mut env = vec![
            ("TALLYHO_PUSH_INTERVAL", "60".to_owned()),
            ("TALLYHO_PUSH_TIMEOUT", timeout.to_owned()),
        ];
        match self {
            Kind::RemoteWrite => {
                env.push(("TALLYHO_REMOTE_WRITE_URL", format!("{base}/api/v1/write")))
            }
            Kind::Otlp => {
                env.push(("OTEL_EXPORTER_OTLP_ENDPOINT", base));
                env.push((
                    "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                    "delta".to_owned(),
                ));
            }
            Kind::Datadog => {
                env.push(("DD_API_KEY", "test-key".to_owned()));
                env.push(("DD_ENV", "test".to_owned()));
                env.push(("TALLYHO_DATADOG_URL", format!("{base}/api/v2/series")));
            }
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let name = match self {
            Kind::RemoteWrite => "remote-write",
            Kind::Otlp => "otlp",
            Kind::Datadog => "datadog",
        };
        PushDemo::start(name, &env)
    }

    /// `push_demo_jobs{region="eu"}` (no `retried`) in a request: a total or a delta.
    fn jobs_eu(self, request: &Request) -> f64 {
        match self {
            Kind::RemoteWrite => remote_write_value(request, "push_demo_jobs_total", "eu"),
            Kind::Otlp => {
                let doc = otlp::decode(request).unwrap();
                let metric = otlp::metric(&doc, "push_demo_jobs");
                otlp::int(&otlp::point(metric, "sum", &[("region", "eu")])["as_int"]) as f64
            }
            Kind::Datadog => {
                let doc = datadog::payload(request).unwrap();
                datadog::value(&doc, "push_demo_jobs", &["region:eu"])
            }
        }
    }

    /// What the backend holds for the series after these requests: the sum of accepted
    /// deltas, or the last accepted total.
    fn accepted(self, requests: &[Request]) -> f64 {
        let mut accepted = requests
            .iter()
            .filter(|r| (200..300).contains(&r.status) && !r.delayed);
        if self.delta() {
            accepted.map(|r| self.jobs_eu(r)).sum()
        } else {
            accepted.next_back().map_or(0.0, |r| self.jobs_eu(r))
        }
    }
}

/// A minimal reader of remote write's snappy `WriteRequest`: the value of the series named
/// `name` with `region` and no `retried` label.
fn remote_write_value(request: &Request, name: &str, region: &str) -> f64 {
    assert_eq!(request.header("content-encoding"), Some("snappy"));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-protobuf")
    );
    assert_eq!(
        request.header("x-prometheus-remote-write-version"),
        Some("0.1.0")
    );
    assert!(request
        .header("user-agent")
        .unwrap()
        .starts_with("tallyho/"));
    let body = snap::raw::Decoder::new()
        .decompress_vec(&request.body)
        .expect("snappy block");
    let mut found = None;
    for (field, series) in fields(&body) {
        assert_eq!(field, 1);
        let (mut labels, mut value) = (Vec::new(), None);
        for (field, part) in fields(series) {
            if field == 1 {
                let kv: Vec<_> = fields(part).map(|(_, v)| v).collect();
                labels.push((
                    String::from_utf8(kv[0].to_vec()).unwrap(),
                    String::from_utf8(kv[1].to_vec()).unwrap(),
                ));
            } else {
                // Sample: a double (field 1, fixed64) then the timestamp.
                assert_eq!(part[0], 0x09);
                value = Some(f64::from_le_bytes(part[1..9].try_into().unwrap()));
            }
        }
        let get = |k: &str| labels.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if get("__name__") == Some(name)
            && get("region") == Some(region)
            && get("retried").is_none()
        {
            found = value;
        }
    }
    found.unwrap_or_else(|| panic!("no {name} in the request"))
}

/// The length-delimited fields of a protobuf message (it only holds those here).
fn fields(mut bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    fn varint(bytes: &mut &[u8]) -> u64 {
        let mut v = 0;
        for shift in (0..64).step_by(7) {
            let b = bytes[0];
            *bytes = &bytes[1..];
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                break;
            }
        }
        v
    }
    std::iter::from_fn(move || {
        if bytes.is_empty() {
            return None;
        }
        let key = varint(&mut bytes);
        assert_eq!(key & 7, 2, "a length-delimited field");
        let len = varint(&mut bytes) as usize;
        let (value, rest) = bytes.split_at(len);
        bytes = rest;
        Some((key >> 3, value))
    })
}

/// Failed pushes the Datadog exporter reported about itself with `reason`, summed over the
/// accepted payloads (they are counts).
fn datadog_failures(requests: &[Request], reason: &str) -> f64 {
    requests
        .iter()
        .filter(|r| r.status == 200 && !r.delayed)
        .map(|r| {
            datadog::value(
                &datadog::payload(r).unwrap(),
                "tallyho_push_failures",
                &["exporter:datadog", &format!("reason:{reason}")],
            )
        })
        .sum()
}

fn settle() {
    std::thread::sleep(Duration::from_millis(1500));
}

#[test]
fn endpoint_down_at_start_then_up() {
    for kind in ALL.into_iter().filter(|k| k.can_decode()) {
        let port = free_port();
        let demo = kind.start(format!("127.0.0.1:{port}").parse().unwrap(), "2");
        settle(); // The first push and a retry or two meet a closed port.
        let receiver = Receiver::start(&format!("127.0.0.1:{port}"));
        let first = &receiver.wait_for(1)[0];
        assert_eq!(kind.jobs_eu(first), 2.0, "{kind:?}: nothing lost");
        demo.finish();
        let requests = receiver.wait_for(2);
        assert_eq!(kind.accepted(&requests), 2.0, "{kind:?}: nothing twice");
        if kind == Kind::Datadog {
            assert!(datadog_failures(&requests, "connect") >= 1.0);
        }
    }
}

#[test]
fn endpoint_down_mid_run_and_back() {
    for kind in ALL.into_iter().filter(|k| k.can_decode()) {
        let receiver = Receiver::start("127.0.0.1:0");
        let addr = receiver.addr;
        let mut demo = kind.start(addr, "2");
        receiver.wait_for(1);
        let before = receiver.requests();
        drop(receiver);
        demo.more();
        demo.more();
        settle();
        let receiver = Receiver::start(&addr.to_string());
        let after = &receiver.wait_for(1)[0];
        // The backend holds the right total: 6, of which the recovery push brings 4.
        let expected_now = if kind.delta() { 4.0 } else { 6.0 };
        assert_eq!(kind.jobs_eu(after), expected_now, "{kind:?}");
        demo.finish();
        let mut all = before;
        all.extend(receiver.wait_for(2));
        assert_eq!(kind.accepted(&all), 6.0, "{kind:?}");
    }
}

#[test]
fn server_errors_and_throttling_are_retried_then_delivered_once() {
    for kind in ALL.into_iter().filter(|k| k.can_decode()) {
        for status in [500, 503, 429] {
            let receiver = Receiver::start("127.0.0.1:0");
            receiver.answer(status, Duration::ZERO);
            let demo = kind.start(receiver.addr, "2");
            // Retried well before the 60 s interval: backoff (or Retry-After for 429).
            receiver.wait_for(3);
            receiver.answer(200, Duration::ZERO);
            eventually("an accepted push", || {
                receiver
                    .requests()
                    .iter()
                    .any(|r| r.status == 200)
                    .then_some(())
            });
            demo.finish();
            let requests = receiver.requests();
            assert_eq!(kind.accepted(&requests), 2.0, "{kind:?} {status}");
            if kind == Kind::Datadog {
                let reason = if status == 429 {
                    "throttled"
                } else {
                    "server_error"
                };
                assert!(datadog_failures(&requests, reason) >= 2.0, "{status}");
            }
        }
    }
}

#[test]
fn a_rejected_push_is_not_retried_and_its_values_come_later() {
    for kind in ALL.into_iter().filter(|k| k.can_decode()) {
        let receiver = Receiver::start("127.0.0.1:0");
        receiver.answer(400, Duration::ZERO);
        let mut demo = kind.start(receiver.addr, "2");
        receiver.wait_for(1);
        settle();
        assert_eq!(
            receiver.requests().len(),
            1,
            "{kind:?}: a 400 is not retried"
        );
        receiver.answer(200, Duration::ZERO);
        demo.more();
        let accepted = &receiver.wait_for(2)[1];
        // The rejected values were not dropped: the next push carries them too.
        assert_eq!(kind.jobs_eu(accepted), 4.0, "{kind:?}");
        demo.finish();
        let requests = receiver.wait_for(3);
        assert_eq!(kind.accepted(&requests), 4.0, "{kind:?}");
        if kind == Kind::Datadog {
            assert_eq!(datadog_failures(&requests, "rejected"), 1.0);
        }
    }
}

#[test]
fn a_slow_endpoint_times_out_and_shutdown_stays_prompt() {
    for kind in ALL.into_iter().filter(|k| k.can_decode()) {
        let receiver = Receiver::start("127.0.0.1:0");
        receiver.answer(200, Duration::from_secs(30));
        let demo = kind.start(receiver.addr, "0.5");
        receiver.wait_for(2); // The first push timed out and was retried.
        receiver.answer(200, Duration::ZERO);
        eventually("a prompt answer accepted", || {
            receiver.requests().iter().any(|r| !r.delayed).then_some(())
        });
        // Shutdown is not held up by the 30 s answers still pending.
        let started = std::time::Instant::now();
        demo.finish();
        assert!(started.elapsed() < Duration::from_secs(20));
        let requests = receiver.requests();
        assert_eq!(kind.accepted(&requests), 2.0, "{kind:?}");
        // The failures were recorded by reason, and exported like any other series.
        if kind == Kind::Datadog {
            assert!(datadog_failures(&requests, "timeout") >= 1.0);
        }
    }
}

#[test]
fn dogstatsd_with_no_agent_listening_neither_blocks_nor_fails_the_program() {
    let port = free_port().to_string();
    let mut demo = PushDemo::start(
        "dogstatsd",
        &[
            ("DD_AGENT_HOST", "127.0.0.1"),
            ("DD_DOGSTATSD_PORT", &port),
            ("TALLYHO_PUSH_INTERVAL", "0.05"),
        ],
    );
    demo.more();
    settle();
    // UDP is fire and forget: what went out with nobody listening is lost (as with Datadog's
    // own clients); a refused send keeps the values for the next push. Once an Agent
    // appears, the next rounds arrive.
    let socket = std::net::UdpSocket::bind(format!("127.0.0.1:{port}")).expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    demo.more();
    let mut buf = vec![0; 65536];
    let mut seen = 0.0;
    while seen < 2.0 {
        let n = socket.recv(&mut buf).expect("datagrams arrive");
        for line in std::str::from_utf8(&buf[..n]).unwrap().split('\n') {
            if let Some(rest) = line.strip_prefix("push_demo_jobs:") {
                let (value, tags) = rest.split_once("|c|#").unwrap();
                if tags.starts_with("region:eu,service") {
                    seen += value.parse::<f64>().unwrap();
                }
            }
        }
    }
    demo.finish();
}
