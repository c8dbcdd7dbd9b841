//! The shared Prometheus helper retries a transient scrape error instead of failing the test
//! at the first one (a loaded machine can time out one scrape).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tallyho_tests::Prometheus;

/// Bad scrapes before the target recovers: two, so that a poll every 250 ms sees the error.
const FAILING_SCRAPES: usize = 2;

#[test]
fn a_transient_scrape_error_is_retried_until_a_clean_scrape() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let response = if n < FAILING_SCRAPES {
                "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops".to_owned()
            } else {
                let body = "# TYPE recovered gauge\nrecovered 1\n";
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    let Some(prometheus) = Prometheus::scraping(addr, "flaky") else {
        return;
    };
    prometheus.wait_for_clean_scrape();
    assert!(
        served.load(Ordering::SeqCst) > FAILING_SCRAPES,
        "the target recovered only after failing scrapes"
    );
    let up = prometheus.query("recovered");
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].1, 1.0);
}
