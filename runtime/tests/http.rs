//! The built-in `/metrics` endpoint, including clients that misbehave.

use tallyho_tests as support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use tallyho::{Counter, MetricsServer, MAX_CONNECTIONS, MAX_REQUEST_BYTES};

static SERVED: Counter = Counter::new("http_test_events").help("Events seen by the HTTP test.");

fn server() -> MetricsServer {
    SERVED.increment();
    tallyho::serve("127.0.0.1:0").expect("bind loopback")
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream
}

/// Sends raw bytes and returns (status code, headers, body).
fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, String, String) {
    let mut stream = connect(addr);
    stream.write_all(request).expect("send");
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> (u16, String, String) {
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("a complete response");
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    (code, head.to_owned(), body.to_owned())
}

#[test]
fn serves_prometheus_text_by_default() {
    let server = server();
    let (code, head, body) = exchange(
        server.local_addr(),
        b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(code, 200);
    assert!(
        head.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
        "{head}"
    );
    assert!(
        head.contains(&format!("Content-Length: {}", body.len())),
        "{head}"
    );
    assert!(
        body.contains("# TYPE http_test_events_total counter\n"),
        "{body}"
    );
    support::promtool_check(&body);
}

#[test]
fn negotiates_openmetrics_and_ignores_query_strings() {
    let server = server();
    let request = b"GET /metrics?debug=1 HTTP/1.1\r\naccept: application/openmetrics-text; version=1.0.0\r\n\r\n";
    let (code, head, body) = exchange(server.local_addr(), request);
    assert_eq!(code, 200);
    assert!(
        head.contains("Content-Type: application/openmetrics-text; version=1.0.0"),
        "{head}"
    );
    assert!(body.ends_with("# EOF\n"));
}

#[test]
fn head_reports_the_length_without_a_body() {
    let server = server();
    let (code, head, body) = exchange(server.local_addr(), b"HEAD /metrics HTTP/1.0\r\n\r\n");
    assert_eq!(code, 200);
    assert!(body.is_empty());
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|l| l.parse().ok())
        .expect("a Content-Length");
    assert!(length > 0);
}

#[test]
fn rejects_other_paths_methods_and_garbage() {
    let server = server();
    let addr = server.local_addr();
    let cases: [(&[u8], u16); 6] = [
        (b"GET / HTTP/1.1\r\n\r\n", 404),
        (b"GET /metricsx HTTP/1.1\r\n\r\n", 404),
        (b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405),
        (b"hello\r\n\r\n", 400),
        (b"GET /metrics SPDY/9\r\n\r\n", 400),
        (b"GET /metrics HTTP/1.1\r\nX: \xff\xfe\r\n\r\n", 400),
    ];
    for (request, expected) in cases {
        let (code, head, _) = exchange(addr, request);
        assert_eq!(code, expected, "{}", String::from_utf8_lossy(request));
        if code == 405 {
            assert!(head.contains("Allow: GET, HEAD"));
        }
    }
}

#[test]
fn refuses_oversized_requests() {
    let server = server();
    let mut request = b"GET /metrics HTTP/1.1\r\nX-Padding: ".to_vec();
    request.resize(request.len() + 2 * MAX_REQUEST_BYTES, b'a');
    request.extend_from_slice(b"\r\n\r\n");
    let mut stream = connect(server.local_addr());
    // The server answers and closes once the bound is passed; the rest of the send may fail.
    let _ = stream.write_all(&request);
    let (code, _, _) = read_response(&mut stream);
    assert_eq!(code, 431);
}

#[test]
fn slow_and_silent_clients_do_not_block_scrapes() {
    let server = server();
    let addr = server.local_addr();
    let mut slow = connect(addr);
    slow.write_all(b"GET /met").expect("partial request");
    let _silent = connect(addr);
    let (code, _, _) = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
    assert_eq!(code, 200);
    // A client that hangs up mid-request costs nothing either.
    drop(slow);
    assert_eq!(exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n").0, 200);
}

#[test]
fn sheds_load_past_the_connection_limit_and_recovers() {
    let server = server();
    let addr = server.local_addr();
    let idle: Vec<TcpStream> = (0..MAX_CONNECTIONS).map(|_| connect(addr)).collect();
    // Every slot is held by an idle client: the next one is told to come back later.
    let mut shed = None;
    for _ in 0..50 {
        let (code, _, _) = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
        if code == 503 {
            shed = Some(code);
            break;
        }
        std::thread::sleep(Duration::from_millis(20)); // Idle connections are still being accepted.
    }
    assert_eq!(shed, Some(503));
    drop(idle);
    let mut recovered = false;
    for _ in 0..100 {
        if exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n").0 == 200 {
            recovered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(recovered, "the server serves again once idle clients leave");
}

#[test]
fn dropping_the_handle_stops_the_server() {
    let server = server();
    let addr = server.local_addr();
    drop(server);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}
