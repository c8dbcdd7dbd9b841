//! The built-in `/metrics` endpoint, including clients that misbehave.

use tallyho_tests as support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use tallyho::{Counter, MetricsServer, MAX_REQUEST_BYTES};

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
    if request.starts_with(b"HEAD ") {
        let (code, head, _) = read_raw_response(&mut stream, false);
        return (code, head, String::new());
    }
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> (u16, String, String) {
    let (code, head, body) = read_raw_response(stream, true);
    let body = String::from_utf8(body).expect("a UTF-8 body");
    (code, head, body)
}

/// Reads one response: its head, then `Content-Length` bytes of body (the connection may
/// stay open for the next request).
fn read_raw_response(stream: &mut TcpStream, has_body: bool) -> (u16, String, Vec<u8>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("read a response head");
        assert_eq!(n, 1, "the connection closed inside a response head");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("a UTF-8 head");
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let length: usize = header(&head, "Content-Length")
        .and_then(|l| l.parse().ok())
        .expect("a Content-Length");
    let mut body = vec![0u8; if has_body { length } else { 0 }];
    stream.read_exact(&mut body).expect("the whole body");
    (code, head.trim_end().to_owned(), body)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
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
    support::openmetrics_check(&body);
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
fn sheds_load_past_the_pending_limit_and_recovers() {
    SERVED.increment();
    let server = MetricsServer::builder()
        .max_pending_requests(1)
        .evict_pending_after(Duration::MAX)
        .bind("127.0.0.1:0")
        .expect("bind loopback");
    let addr = server.local_addr();
    // The one pending slot is held by an idle client that may not be evicted: the next
    // client is told to come back later.
    let idle = connect(addr);
    std::thread::sleep(Duration::from_millis(100)); // Let the server accept it first.
    assert_eq!(exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n").0, 503);
    drop(idle);
    let mut recovered = false;
    for _ in 0..100 {
        if exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n").0 == 200 {
            recovered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20)); // The server is seeing the idle one go.
    }
    assert!(
        recovered,
        "the server serves again once the idle client leaves"
    );
}

#[test]
fn a_full_pending_pool_evicts_its_oldest_straggler() {
    SERVED.increment();
    let server = MetricsServer::builder()
        .max_pending_requests(2)
        .bind("127.0.0.1:0")
        .expect("bind loopback");
    let addr = server.local_addr();
    let mut oldest = connect(addr);
    oldest.write_all(b"GET /met").expect("partial request");
    std::thread::sleep(Duration::from_millis(50));
    let _younger = connect(addr);
    std::thread::sleep(Duration::from_millis(300));
    // Both stragglers are past the eviction age: the newcomer takes the oldest's slot.
    let (code, _, _) = exchange(addr, b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(code, 200);
    let mut rest = Vec::new();
    assert_eq!(
        oldest
            .read_to_end(&mut rest)
            .map(|_| rest.len())
            .unwrap_or(0),
        0
    );
}

#[test]
#[cfg(feature = "gzip")]
fn gzips_for_clients_that_accept_it() {
    let server = server();
    let addr = server.local_addr();
    for (accept, format) in [
        ("text/plain", "text/plain; version=0.0.4"),
        (
            "application/openmetrics-text;version=1.0.0",
            "application/openmetrics-text",
        ),
    ] {
        let request = format!(
            "GET /metrics HTTP/1.1\r\nAccept: {accept}\r\nAccept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n"
        );
        let mut stream = connect(addr);
        stream.write_all(request.as_bytes()).expect("send");
        let (code, head, body) = read_raw_response(&mut stream, true);
        assert_eq!(code, 200);
        assert_eq!(header(&head, "Content-Encoding"), Some("gzip"), "{head}");
        assert!(header(&head, "Content-Type").is_some_and(|t| t.starts_with(format)));
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .expect("a valid gzip stream");
        assert!(text.contains("http_test_events_total{"), "{text}");
        if format.starts_with("text/plain") {
            support::promtool_check(&text);
        } else {
            assert!(text.ends_with("# EOF\n"));
            support::openmetrics_check(&text);
        }
    }
    // A weight of zero is a refusal; codings the server does not offer are ignored.
    for refusal in [
        "gzip;q=0",
        "gzip;q=0, *",
        "*;q=0",
        "br, deflate",
        "identity",
    ] {
        let request = format!("GET /metrics HTTP/1.1\r\nAccept-Encoding: {refusal}\r\n\r\n");
        let (code, head, body) = exchange(addr, request.as_bytes());
        assert_eq!(code, 200);
        assert_eq!(header(&head, "Content-Encoding"), None, "{refusal}: {head}");
        assert!(body.contains("http_test_events_total"));
    }
}

#[test]
fn gzip_can_be_turned_off() {
    SERVED.increment();
    let server = MetricsServer::builder()
        .gzip(false)
        .bind("127.0.0.1:0")
        .expect("bind loopback");
    let request = b"GET /metrics HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n";
    let (code, head, _) = exchange(server.local_addr(), request);
    assert_eq!(code, 200);
    assert_eq!(header(&head, "Content-Encoding"), None);
}

#[test]
fn keeps_connections_alive_for_clients_that_ask() {
    let server = server();
    let mut stream = connect(server.local_addr());
    for _ in 0..2 {
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("send on the same connection");
        let (code, head, body) = read_response(&mut stream);
        assert_eq!(code, 200);
        assert_eq!(header(&head, "Connection"), Some("keep-alive"));
        assert!(body.contains("http_test_events_total"));
    }
    // Two requests in one packet (pipelined) are answered in order, then `close` is honoured.
    stream
        .write_all(
            b"HEAD /metrics HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n",
        )
        .expect("send");
    let (code, _, _) = read_raw_response(&mut stream, false);
    assert_eq!(code, 200);
    let (code, head, _) = read_response(&mut stream);
    assert_eq!((code, header(&head, "Connection")), (200, Some("close")));
    assert_eq!(stream.read(&mut [0u8; 1]).expect("the end"), 0);
    // HTTP/1.0 closes unless asked to keep alive.
    let mut old = connect(server.local_addr());
    old.write_all(b"GET /metrics HTTP/1.0\r\n\r\n")
        .expect("send");
    let (_, head, _) = read_response(&mut old);
    assert_eq!(header(&head, "Connection"), Some("close"));
    assert_eq!(old.read(&mut [0u8; 1]).expect("the end"), 0);
}

#[test]
fn honours_the_limits_set_on_the_builder() {
    SERVED.increment();
    let server = MetricsServer::builder()
        .max_requests_per_connection(2)
        .max_head_bytes(100)
        .head_timeout(Duration::from_millis(300))
        .idle_timeout(Duration::from_millis(300))
        .bind("127.0.0.1:0")
        .expect("bind loopback");
    let addr = server.local_addr();

    // The second request on a connection is its last.
    let mut stream = connect(addr);
    let connection = |stream: &mut TcpStream| {
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\n\r\n")
            .expect("send");
        let (code, head, _) = read_response(stream);
        assert_eq!(code, 200);
        header(&head, "Connection").map(str::to_owned)
    };
    assert_eq!(connection(&mut stream).as_deref(), Some("keep-alive"));
    assert_eq!(connection(&mut stream).as_deref(), Some("close"));
    assert_eq!(stream.read(&mut [0u8; 1]).expect("the end"), 0);

    // A head over 100 bytes is refused.
    let mut long = b"GET /metrics HTTP/1.1\r\nX-Padding: ".to_vec();
    long.resize(long.len() + 100, b'a');
    long.extend_from_slice(b"\r\n\r\n");
    assert_eq!(exchange(addr, &long).0, 431);

    // A head still unfinished after 300 ms, and a keep-alive connection idle for 300 ms, are
    // closed (within a generous bound: the point is that they are closed at all).
    let mut slow = connect(addr);
    slow.write_all(b"GET /met").expect("partial request");
    let mut idle = connect(addr);
    idle.write_all(b"GET /metrics HTTP/1.1\r\n\r\n")
        .expect("send");
    let _ = read_response(&mut idle);
    for stream in [&mut slow, &mut idle] {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut rest = Vec::new();
        let closed = stream.read_to_end(&mut rest);
        assert!(closed.is_ok() && rest.is_empty(), "{closed:?}");
    }
}

/// Issue 8, first row: clients trickling their request head no longer take the slots
/// scrapes need (before, 36 of 40 scrapes got `503` under 32 such clients).
#[test]
fn slow_heads_do_not_take_scrape_slots() {
    let server = server();
    let addr = server.local_addr();
    let mut slow: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut stream = connect(addr);
            stream.write_all(b"G").expect("first byte");
            stream
        })
        .collect();
    for round in 0..20 {
        if round % 5 == 0 {
            for stream in &mut slow {
                let _ = stream.write_all(b"E");
            }
        }
        let (code, _, _) = exchange(addr, b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert_eq!(code, 200, "scrape {round} under 64 slow heads");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn extreme_limits_are_taken_at_their_word_without_panicking() {
    SERVED.increment();
    let never = MetricsServer::builder()
        .max_scrapes(usize::MAX)
        .max_pending_requests(usize::MAX)
        .max_head_bytes(usize::MAX)
        .head_timeout(Duration::MAX)
        .response_timeout(Duration::MAX)
        .idle_timeout(Duration::MAX)
        .max_requests_per_connection(usize::MAX)
        .body_reuse(Duration::MAX)
        .evict_pending_after(Duration::MAX)
        .evict_scrapes_after(Duration::MAX)
        .bind("127.0.0.1:0")
        .expect("bind loopback");
    assert_eq!(
        exchange(
            never.local_addr(),
            b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n"
        )
        .0,
        200
    );

    let nothing = MetricsServer::builder()
        .max_scrapes(0)
        .max_pending_requests(0)
        .max_head_bytes(0)
        .max_requests_per_connection(0)
        .body_reuse(Duration::ZERO)
        .bind("127.0.0.1:0")
        .expect("bind loopback");
    // A head of any size is over a limit of zero bytes.
    assert_eq!(
        exchange(nothing.local_addr(), b"GET /metrics HTTP/1.1\r\n\r\n").0,
        431
    );

    let instant = MetricsServer::builder()
        .head_timeout(Duration::ZERO)
        .bind("127.0.0.1:0")
        .expect("bind loopback");
    // No time to send a head: the connection is closed unanswered, and the server lives on.
    for _ in 0..2 {
        let mut stream = connect(instant.local_addr());
        let _ = stream.write_all(b"GET /metrics HTTP/1.1\r\n\r\n");
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty());
    }
}

#[test]
fn dropping_the_handle_stops_the_server() {
    let server = server();
    let addr = server.local_addr();
    drop(server);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}
