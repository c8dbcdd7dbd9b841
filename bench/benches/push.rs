//! The push exporters: the cost of one push of 10,000 series per exporter (collect, encode,
//! compress; the network left out), and the update path with an exporter pushing in the
//! background versus none.
//!
//! Run: `cargo bench -p tallyho-bench --bench push --features push`. The payload sizes are
//! printed before the timings.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use divan::{black_box, Bencher};
use tallyho::push::__bench;

const SERIES: usize = 10_000;

#[derive(tallyho::LabelSet)]
struct Kind {
    #[label(max_values = 10_000)]
    kind: String,
}

static PUSHED: tallyho::CounterGroup<Kind> =
    tallyho::CounterGroup::new("bench_push").help("Bench.");

#[derive(tallyho::LabelSet)]
struct Route {
    method: Method,
    status: Status,
}

#[derive(tallyho::LabelValue, Clone, Copy)]
enum Method {
    Get,
    Post,
    Put,
}

#[derive(tallyho::LabelValue, Clone, Copy)]
enum Status {
    Ok,
    NotFound,
    Error,
}

static UPDATED: tallyho::CounterGroup<Route> =
    tallyho::CounterGroup::new("bench_update").help("Bench.");

fn main() {
    for i in 0..SERIES {
        PUSHED
            .with(Kind {
                kind: i.to_string(),
            })
            .add(i as u64);
    }
    let (rw, rw_wire) = __bench::remote_write();
    let (otlp, _) = __bench::otlp(false);
    let (dd, dd_wire) = __bench::datadog();
    let (lines, dsd) = __bench::dogstatsd();
    eprintln!("one push of the registry ({SERIES} bench series + self-metrics):");
    eprintln!("  remote write: {rw} bytes protobuf, {rw_wire} bytes snappy");
    eprintln!("  otlp: {otlp} bytes protobuf (uncompressed)");
    eprintln!("  datadog: {dd} bytes JSON, {dd_wire} bytes deflate");
    eprintln!("  dogstatsd: {lines} lines, {dsd} bytes in 1432-byte datagrams");
    divan::Divan::from_args().run_benches();
}

mod push_10k_series {
    use super::*;

    #[divan::bench]
    fn remote_write() -> (usize, usize) {
        __bench::remote_write()
    }

    #[divan::bench]
    fn otlp_cumulative() -> (usize, usize) {
        __bench::otlp(false)
    }

    #[divan::bench]
    fn otlp_delta() -> (usize, usize) {
        __bench::otlp(true)
    }

    #[divan::bench]
    fn datadog() -> (usize, usize) {
        __bench::datadog()
    }

    #[divan::bench]
    fn dogstatsd() -> (usize, usize) {
        __bench::dogstatsd()
    }
}

/// A loopback HTTP endpoint that accepts anything: the exporter's pushes cost what they
/// cost, without a real backend.
fn sink() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone()?);
                let mut writer = stream;
                loop {
                    let mut length = 0;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line)? == 0 {
                            return Ok::<(), std::io::Error>(());
                        }
                        let line = line.trim_end().to_ascii_lowercase();
                        if line.is_empty() {
                            break;
                        }
                        if let Some(v) = line.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    std::io::copy(&mut (&mut reader).take(length), &mut std::io::sink())?;
                    writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")?;
                }
            });
        }
    });
    format!("http://{addr}/api/v1/write")
}

mod update_with_exporter {
    use super::*;

    fn update(bencher: Bencher) {
        let mut i = 0usize;
        bencher.bench_local(|| {
            i = i.wrapping_add(1);
            let labels = Route {
                method: [Method::Get, Method::Post, Method::Put][i % 3],
                status: [Status::Ok, Status::NotFound, Status::Error][i / 3 % 3],
            };
            black_box(&UPDATED).with(black_box(labels)).increment();
        });
    }

    #[divan::bench]
    fn none(bencher: Bencher) {
        update(bencher);
    }

    /// Remote write of the 10,000-series registry to a loopback sink every 10 ms: far more
    /// often than the 60 s default, so pushes overlap the measurement.
    #[divan::bench]
    fn remote_write_every_10ms(bencher: Bencher) {
        let pusher = tallyho::push::RemoteWrite::new(sink())
            .interval(Duration::from_millis(10))
            .start()
            .expect("start");
        std::thread::sleep(Duration::from_millis(50));
        update(bencher);
        drop(pusher);
    }
}
