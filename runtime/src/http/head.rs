//! Reading a request head off the wire within its size and time bounds, and parsing it.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::after;

/// Why no request could be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// Over the size limit: answered `431`.
    TooLarge,
    /// Not UTF-8: answered `400`.
    Malformed,
    /// The client went away, went quiet past a deadline, or was cut off: nothing to answer.
    Closed,
}

/// Reads request heads from one connection, keeping bytes a client sent past one head (a
/// pipelined request) for the next.
#[derive(Default)]
pub(crate) struct HeadReader {
    buf: Vec<u8>,
}

/// When a head must arrive.
pub(crate) struct Deadlines {
    /// Until the first byte: the head timeout for a new connection, the idle timeout between
    /// keep-alive requests.
    pub first_byte_by: Instant,
    /// The whole head, when already fixed (a new connection); otherwise `head_timeout` after
    /// its first byte.
    pub whole_by: Option<Instant>,
    pub head_timeout: Duration,
    pub max_bytes: usize,
}

impl HeadReader {
    /// Reads up to the blank line that ends a request head and returns the head without it.
    pub(crate) fn read(
        &mut self,
        mut stream: &TcpStream,
        limits: &Deadlines,
    ) -> Result<String, HeadError> {
        let mut started = (!self.buf.is_empty()).then(Instant::now);
        let mut scanned = 0;
        let mut chunk = [0u8; 2048];
        loop {
            if let Some(end) = find(&self.buf[scanned..], b"\r\n\r\n") {
                return self.take(scanned + end, limits.max_bytes);
            }
            if self.buf.len() > limits.max_bytes {
                return Err(HeadError::TooLarge);
            }
            scanned = self.buf.len().saturating_sub(3);
            let deadline = match started {
                None => limits.first_byte_by,
                Some(at) => limits.whole_by.unwrap_or(after(at, limits.head_timeout)),
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
                return Err(HeadError::Closed);
            }
            match stream.read(&mut chunk) {
                Ok(0) => return Err(HeadError::Closed),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(HeadError::Closed),
            }
            started.get_or_insert_with(Instant::now);
        }
    }

    /// Splits the head ending at `end` off the buffer.
    fn take(&mut self, end: usize, max_bytes: usize) -> Result<String, HeadError> {
        if end > max_bytes {
            return Err(HeadError::TooLarge);
        }
        let rest = self.buf.split_off(end + 4);
        let mut head = std::mem::replace(&mut self.buf, rest);
        head.truncate(end);
        String::from_utf8(head).map_err(|_| HeadError::Malformed)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A parsed request head, borrowing from its text.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    /// The target without its query string.
    pub path: &'a str,
    /// HTTP/1.0, whose connections close unless the client asks otherwise.
    pub http10: bool,
    fields: &'a str,
}

/// Parses a request line and fields; `None` when it is not HTTP/1.x.
pub(crate) fn parse(head: &str) -> Option<Request<'_>> {
    let (line, fields) = head.split_once("\r\n").unwrap_or((head, ""));
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() {
        return None;
    }
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    Some(Request {
        method,
        path,
        http10: version == "HTTP/1.0",
        fields,
    })
}

impl<'a> Request<'a> {
    /// The values of every field named `name` (case-insensitive), trimmed.
    pub(crate) fn fields(&self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .filter(move |(key, _)| key.trim().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
    }

    /// The first field named `name`, or `""`.
    pub(crate) fn field(&self, name: &'a str) -> &'a str {
        self.fields(name).next().unwrap_or("")
    }

    /// Whether the client wants the connection kept after the response: HTTP/1.1 unless it
    /// says `close`, HTTP/1.0 only if it says `keep-alive`. A request with a body never is,
    /// since the server does not read bodies and the next request would start inside one.
    pub(crate) fn keep_alive(&self) -> bool {
        let has_body = self.fields("transfer-encoding").next().is_some()
            || self.fields("content-length").any(|length| length != "0");
        if has_body {
            return false;
        }
        let tokens = || {
            self.fields("connection")
                .flat_map(|value| value.split(','))
                .map(str::trim)
        };
        if tokens().any(|token| token.eq_ignore_ascii_case("close")) {
            return false;
        }
        !self.http10 || tokens().any(|token| token.eq_ignore_ascii_case("keep-alive"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_lines_and_fields() {
        let head = "GET /metrics?x=1 HTTP/1.1\r\nAccept: a\r\nACCEPT-encoding:  gzip \r\nbad line";
        let request = parse(head).expect("valid");
        assert_eq!((request.method, request.path), ("GET", "/metrics"));
        assert_eq!(request.field("accept-encoding"), "gzip");
        assert_eq!(request.field("missing"), "");
        assert!(request.keep_alive());
        assert!(parse("GET /metrics").is_none());
        assert!(parse("GET /metrics SPDY/3").is_none());
        assert!(parse(" /metrics HTTP/1.1").is_none());
        assert!(parse("GET  /metrics HTTP/1.1").is_none());
    }

    #[test]
    fn keeps_alive_only_when_asked_and_without_a_body() {
        let keep = |head: &str| parse(head).expect("valid").keep_alive();
        assert!(!keep("GET / HTTP/1.0"));
        assert!(keep("GET / HTTP/1.0\r\nConnection: Keep-Alive"));
        assert!(!keep("GET / HTTP/1.1\r\nConnection: upgrade, close"));
        assert!(!keep("GET / HTTP/1.1\r\nContent-Length: 3"));
        assert!(keep("GET / HTTP/1.1\r\nContent-Length: 0"));
        assert!(!keep("GET / HTTP/1.1\r\nTransfer-Encoding: chunked"));
    }
}
