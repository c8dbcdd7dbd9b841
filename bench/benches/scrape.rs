//! A real scrape of 10,000 series over loopback HTTP: connect, `GET /metrics`, read the whole
//! response, with and without `Accept-Encoding: gzip`, and the compression levels gzip could
//! use.
//!
//! Run: `cargo bench -p tallyho-bench --bench scrape` (figures in BENCHMARKS.md). The server
//! is `tallyho::serve` with body reuse off, so every scrape encodes (and compresses) afresh.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::LazyLock;
use std::time::Duration;

use divan::counter::BytesCount;
use divan::{black_box, Bencher};

fn main() {
    report_sizes();
    divan::Divan::from_args().run_benches();
}

/// Prints the bytes a scrape sends, plain and gzipped at each level, once before timing.
fn report_sizes() {
    let mut buf = Vec::new();
    let addr = SERVER.local_addr();
    let plain = exchange(&mut connect(addr), PLAIN, &mut buf);
    let gzip = exchange(&mut connect(addr), GZIP, &mut buf);
    println!("scrape of {SERIES} series: {plain} bytes plain, {gzip} bytes gzip (server)");
    for level in [1, 6, 9] {
        println!(
            "  gzip level {level}: {} bytes",
            compress(&text(), level).len()
        );
    }
}

fn text() -> String {
    LazyLock::force(&SERVER);
    tallyho::encode(tallyho::Format::Prometheus)
}

fn compress(text: &str, level: u32) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(text.len() / 8),
        flate2::Compression::new(level),
    );
    encoder.write_all(text.as_bytes()).expect("compress");
    encoder.finish().expect("compress")
}

const SERIES: usize = 10_000;

#[derive(tallyho::LabelSet)]
struct Kind {
    #[label(max_values = 10_000)]
    kind: String,
}

static SCRAPED: tallyho::CounterGroup<Kind> =
    tallyho::CounterGroup::new("bench_scrape").help("Bench.");

/// The server, over a registry of 10,000 series.
static SERVER: LazyLock<tallyho::MetricsServer> = LazyLock::new(|| {
    for i in 0..SERIES {
        SCRAPED
            .with(Kind {
                kind: i.to_string(),
            })
            .increment();
    }
    tallyho::MetricsServer::builder()
        .body_reuse(Duration::ZERO)
        .bind("127.0.0.1:0")
        .expect("bind loopback")
});

const PLAIN: &[u8] = b"GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n";
const GZIP: &[u8] = b"GET /metrics HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: gzip\r\n\r\n";

/// Sends `request` and reads one whole response; the body's length.
fn exchange(stream: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> usize {
    stream.write_all(request).expect("send");
    buf.clear();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "the server closed mid-response");
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let length: usize = String::from_utf8_lossy(&buf[..end])
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: ").map(str::to_owned))
            .and_then(|l| l.parse().ok())
            .expect("a Content-Length");
        if buf.len() >= end + 4 + length {
            return length;
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

/// A new connection per scrape, as a scraper without keep-alive does.
fn scrape_fresh(bencher: Bencher, request: &[u8]) {
    let addr = SERVER.local_addr();
    let mut buf = Vec::new();
    let length = exchange(&mut connect(addr), request, &mut buf);
    bencher.counter(BytesCount::new(length)).bench_local(|| {
        black_box(exchange(&mut connect(addr), request, &mut buf));
    });
}

/// Scrapes over one kept-alive connection, as Prometheus does.
fn scrape_kept_alive(bencher: Bencher, request: &[u8]) {
    let mut stream = connect(SERVER.local_addr());
    let mut buf = Vec::new();
    let length = exchange(&mut stream, request, &mut buf);
    bencher.counter(BytesCount::new(length)).bench_local(|| {
        black_box(exchange(&mut stream, request, &mut buf));
    });
}

#[divan::bench_group(sample_count = 50, sample_size = 4)]
mod scrape_10k_series {
    use super::*;

    #[divan::bench]
    fn plain(bencher: Bencher) {
        scrape_fresh(bencher, PLAIN);
    }

    #[divan::bench]
    fn gzip(bencher: Bencher) {
        scrape_fresh(bencher, GZIP);
    }

    #[divan::bench]
    fn plain_keep_alive(bencher: Bencher) {
        scrape_kept_alive(bencher, PLAIN);
    }

    #[divan::bench]
    fn gzip_keep_alive(bencher: Bencher) {
        scrape_kept_alive(bencher, GZIP);
    }
}

/// Compressing the 10,000-series exposition at gzip levels 1 (what the server uses), 6 (the
/// usual default) and 9, to show what a higher level would cost and gain.
#[divan::bench(args = [1, 6, 9], sample_count = 20, sample_size = 4)]
fn gzip_level_10k_series(bencher: Bencher, level: u32) {
    let text = text();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| black_box(compress(&text, level)));
}
