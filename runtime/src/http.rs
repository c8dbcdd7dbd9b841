//! A built-in `/metrics` endpoint on std networking: no async runtime, no dependencies.
//!
//! One accept thread and one short-lived thread per connection, at most
//! [`MAX_CONNECTIONS`] at a time. Every request must arrive whole within
//! [`REQUEST_TIMEOUT`] and [`MAX_REQUEST_BYTES`], so slow or malformed clients cost a
//! bounded amount and never stall the scrape of another.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::exposition::{encode_into, Format};

/// Connections served at once; more are answered `503` right away.
pub const MAX_CONNECTIONS: usize = 32;
/// The largest request head accepted; larger ones get `431`.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;
/// How long a client may take to send its whole request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client may take to read the response.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the accept thread waits for a shed client's request before closing on it.
const SHED_LINGER: Duration = Duration::from_millis(100);
/// How much unread request a closing connection drains before giving up.
const LINGER_BYTES: usize = 64 * 1024;

/// Serves `GET /metrics` on `addr` from a background thread until the handle is dropped.
///
/// ```no_run
/// let server = tallyho::serve("0.0.0.0:9090")?;
/// println!("metrics on http://{}/metrics", server.local_addr());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn serve(addr: impl ToSocketAddrs) -> io::Result<MetricsServer> {
    let listener = TcpListener::bind(addr)?;
    let local_addr = listener.local_addr()?;
    let stopping = Arc::new(AtomicBool::new(false));
    let accept = thread::Builder::new().name("tallyho-http".into()).spawn({
        let stopping = Arc::clone(&stopping);
        move || accept_loop(listener, &stopping)
    })?;
    Ok(MetricsServer {
        local_addr,
        stopping,
        accept: Some(accept),
    })
}

/// A running metrics endpoint; dropping it stops the server.
#[must_use = "the server stops when this handle is dropped"]
pub struct MetricsServer {
    local_addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// The address the server listens on (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Blocks the calling thread while the server runs.
    pub fn join(mut self) {
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.local_addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn accept_loop(listener: TcpListener, stopping: &AtomicBool) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = stream else {
            // Out of file descriptors or a reset before accept: back off, keep serving.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let _ = respond(&mut stream, Response::status(503, "Service Unavailable"));
            linger(&mut stream, SHED_LINGER);
            continue;
        }
        let guard = ActiveGuard(Arc::clone(&active));
        let spawned = thread::Builder::new()
            .name("tallyho-http-conn".into())
            .spawn(move || {
                let _guard = guard;
                handle(&mut stream);
            });
        if spawned.is_err() {
            thread::sleep(Duration::from_millis(10));
        }
    }
}

struct ActiveGuard(Arc<AtomicUsize>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn handle(stream: &mut TcpStream) {
    let response = match read_head(stream) {
        Ok(head) => route(&head),
        Err(HeadError::TooLarge) => Response::status(431, "Request Header Fields Too Large"),
        Err(HeadError::Malformed) => Response::status(400, "Bad Request"),
        Err(HeadError::Io) => return,
    };
    if respond(stream, response).is_ok() {
        linger(stream, REQUEST_TIMEOUT);
    }
}

/// Closes gracefully: signals the end of the response, then reads what the client still
/// sends (bounded in bytes and time), because closing a socket with unread input makes the
/// kernel reset the connection and the client lose the response.
fn linger(stream: &mut TcpStream, timeout: Duration) {
    if stream.shutdown(Shutdown::Write).is_err() || stream.set_read_timeout(Some(timeout)).is_err()
    {
        return;
    }
    let mut buf = [0u8; 4096];
    let mut left = LINGER_BYTES;
    while left > 0 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

enum HeadError {
    TooLarge,
    Malformed,
    Io,
}

/// Reads up to the blank line ending the request head, within the size and time bounds.
fn read_head(stream: &mut TcpStream) -> Result<String, HeadError> {
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(HeadError::Io);
        }
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return Err(HeadError::Io),
            Ok(n) => n,
        };
        let scan_from = head.len().saturating_sub(3);
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = find(&head[scan_from..], b"\r\n\r\n") {
            head.truncate(scan_from + end);
            return String::from_utf8(head).map_err(|_| HeadError::Malformed);
        }
        if head.len() > MAX_REQUEST_BYTES {
            return Err(HeadError::TooLarge);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn route(head: &str) -> Response {
    let mut lines = head.split("\r\n");
    let mut request = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version), None) = (
        request.next(),
        request.next(),
        request.next(),
        request.next(),
    ) else {
        return Response::status(400, "Bad Request");
    };
    if !version.starts_with("HTTP/1.") {
        return Response::status(400, "Bad Request");
    }
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    if path != "/metrics" {
        return Response::status(404, "Not Found");
    }
    let with_body = match method {
        "GET" => true,
        "HEAD" => false,
        _ => return Response::status(405, "Method Not Allowed").header("Allow: GET, HEAD"),
    };
    let accept = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("accept"))
        .map_or("", |(_, value)| value.trim());
    let format = Format::from_accept(accept);
    let mut body = String::new();
    encode_into(format, &mut body);
    Response {
        code: 200,
        reason: "OK",
        content_type: format.content_type(),
        extra: "",
        length: body.len(),
        body: if with_body { body } else { String::new() },
    }
}

struct Response {
    code: u16,
    reason: &'static str,
    content_type: &'static str,
    extra: &'static str,
    /// The `Content-Length`, which a `HEAD` reports without a body.
    length: usize,
    body: String,
}

impl Response {
    fn status(code: u16, reason: &'static str) -> Response {
        let body = format!("{code} {reason}\n");
        Response {
            code,
            reason,
            content_type: "text/plain; charset=utf-8",
            extra: "",
            length: body.len(),
            body,
        }
    }

    fn header(mut self, line: &'static str) -> Response {
        self.extra = line;
        self
    }
}

fn respond(stream: &mut TcpStream, response: Response) -> io::Result<()> {
    let extra = if response.extra.is_empty() {
        String::new()
    } else {
        format!("{}\r\n", response.extra)
    };
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        response.code, response.reason, response.content_type, response.length,
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(response.body.as_bytes())?;
    stream.flush()
}
