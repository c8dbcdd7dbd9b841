//! The `/metrics` endpoint under the attack of issue 8, against a registry whose exposition is
//! about 8 MB: 64 clients sending their request head a byte a second and 32 clients that ask
//! for the exposition and never read it, while a legitimate scraper scrapes.
//!
//! This is a test binary of its own because it fills the process-wide registry with 60,000
//! series and measures the process's memory, which other tests would disturb.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use tallyho::{CounterGroup, LabelSet, MetricsServer};

#[derive(LabelSet)]
struct Key {
    #[label(max_values = 60_000)]
    key: String,
}

static LARGE: CounterGroup<Key> =
    CounterGroup::new("hostile_test_large").help("A large registry for the hostile clients.");

const SERIES: usize = 60_000;
const SLOW_HEADS: usize = 64;
const NON_READERS: usize = 32;
/// Short, so the test is; the default is 10 s.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);
/// The bound on the server's memory growth during the attack. Expected: one shared 8 MB
/// body for the 32 non-readers (a few if they straddle the reuse window), one for the
/// legitimate scrape and its 8 MB copy on the client side of this process, thread stacks.
/// Measured: about 20 MB. Without sharing, 32 non-readers alone would pin 32 bodies: 256 MB
/// or more (the issue measured +270 MB).
const RSS_GROWTH_BOUND: u64 = 64 << 20;

/// The tests here take turns: each measures or saturates the whole server.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn fill_registry() {
    static FILLED: Once = Once::new();
    FILLED.call_once(fill);
}

fn fill() {
    for i in 0..SERIES {
        LARGE
            .with(Key {
                key: format!("{i:0>80}"),
            })
            .increment();
    }
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .expect("a VmRSS line")
        * 1024
}

/// A full scrape on a fresh connection: (status, Content-Length, body bytes received).
fn scrape(addr: SocketAddr) -> (u16, usize, usize) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut response = Vec::with_capacity(16 << 20);
    stream.read_to_end(&mut response).expect("read");
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&response[..end]).into_owned();
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    (code, length, response.len() - end - 4)
}

/// Sets what the kernel buffers for a client. An attacker that does not read keeps it small:
/// on loopback it otherwise takes in the whole 8 MB, and the server would simply finish.
fn set_receive_buffer(stream: &TcpStream, size: libc::c_int) {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid socket, and a pointer to a c_int of the length passed.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt(SO_RCVBUF)");
}

/// A client that asks for the exposition and never reads it.
fn non_reader(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("connect");
    set_receive_buffer(&stream, 16 * 1024);
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\n\r\n")
        .expect("send");
    stream
}

/// Reads what a connection still delivers until it ends; the byte count.
fn drain(mut stream: TcpStream) -> usize {
    set_receive_buffer(&stream, 4 << 20);
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got += n,
            Err(e) => panic!("the server did not end the connection: {e} after {got} bytes"),
        }
    }
}

/// Keeps `SLOW_HEADS` connections sending one byte of a never-ending head per second
/// (reconnecting those the server cuts off) until `stop`.
fn slow_heads(addr: SocketAddr, stop: Arc<AtomicBool>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let open = || {
            let mut stream = TcpStream::connect(addr).ok()?;
            stream.write_all(b"G").ok()?;
            Some(stream)
        };
        let mut streams: Vec<Option<TcpStream>> = (0..SLOW_HEADS).map(|_| open()).collect();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
            thread::sleep(Duration::from_secs(1));
            for stream in &mut streams {
                let alive = stream.as_mut().is_some_and(|s| s.write_all(b"E").is_ok());
                if !alive {
                    *stream = open();
                }
            }
        }
    })
}

#[test]
fn scrapes_succeed_while_slow_and_non_reading_clients_attack() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    fill_registry();
    let server = MetricsServer::builder()
        .response_timeout(RESPONSE_TIMEOUT)
        .bind("127.0.0.1:0")
        .expect("bind loopback");
    let addr = server.local_addr();
    let (code, length, received) = scrape(addr);
    assert_eq!((code, received), (200, length));
    assert!(length > 7 << 20, "the exposition is about 8 MB: {length}");
    let rss_before = rss_bytes();

    let stop = Arc::new(AtomicBool::new(false));
    let slow = slow_heads(addr, Arc::clone(&stop));
    let non_readers: Vec<TcpStream> = (0..NON_READERS).map(|_| non_reader(addr)).collect();
    // Long enough for the non-readers to be stuck mid-response and past the age at which a
    // full scrape pool evicts them.
    thread::sleep(Duration::from_millis(1500));

    let (code, length, received) = scrape(addr);
    let rss_during = rss_bytes();
    assert_eq!(code, 200, "the legitimate scrape is served");
    assert_eq!(received, length, "and gets the whole exposition");

    // Past the response deadline every non-reader has been cut off: reading now drains what
    // the kernel buffered and ends, well short of the body. (Drained in parallel with a
    // larger buffer, since the server's kernel resends to a window that was closed only on
    // a backing-off timer.)
    thread::sleep(RESPONSE_TIMEOUT);
    let drains: Vec<_> = non_readers
        .into_iter()
        .map(|stream| thread::spawn(move || drain(stream)))
        .collect();
    for drain in drains {
        let got = drain.join().expect("drained");
        assert!(
            got < length,
            "a non-reader was cut off ({got} of {length} bytes)"
        );
    }
    stop.store(true, Ordering::SeqCst);
    slow.join().expect("the slow clients stop");

    let growth = rss_during.saturating_sub(rss_before);
    eprintln!(
        "RSS before {} MB, during the attack {} MB, growth {} MB",
        rss_before >> 20,
        rss_during >> 20,
        growth >> 20
    );
    assert!(
        growth < RSS_GROWTH_BOUND,
        "memory grew {} MB during the attack",
        growth >> 20
    );
}

#[test]
fn a_full_scrape_pool_sheds_until_the_response_deadline_frees_it() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    fill_registry();
    let server = MetricsServer::builder()
        .max_scrapes(2)
        .evict_scrapes_after(Duration::MAX)
        .response_timeout(Duration::from_secs(2))
        .bind("127.0.0.1:0")
        .expect("bind loopback");
    let addr = server.local_addr();
    let stuck = [non_reader(addr), non_reader(addr)];
    thread::sleep(Duration::from_millis(500)); // Both are mid-response, holding both slots.
    assert_eq!(scrape(addr).0, 503, "a third scrape finds no slot");
    // The response deadline frees both slots (within a generous bound).
    let deadline = Instant::now() + Duration::from_secs(30);
    while scrape(addr).0 != 200 {
        assert!(Instant::now() < deadline, "the slots were never freed");
        thread::sleep(Duration::from_millis(100));
    }
    let length = scrape(addr).1;
    for stream in stuck {
        assert!(drain(stream) < length, "the stuck clients were cut off");
    }
}
