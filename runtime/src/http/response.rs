//! Responses, written against a deadline for the whole response, and the lingering close
//! that lets an error response reach a client that is still sending.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::body::{Body, Coding};

/// How much unread request a closing connection drains before giving up.
const LINGER_BYTES: usize = 64 * 1024;

/// A response about to be written.
pub(crate) struct Response {
    code: u16,
    reason: &'static str,
    content_type: &'static str,
    extra: &'static str,
    payload: Payload,
    /// `false` for `HEAD`: the length is reported, the body not sent.
    send_body: bool,
}

enum Payload {
    Text(String),
    Shared(Arc<Body>),
}

impl Response {
    /// A plain-text error or status response.
    pub(crate) fn status(code: u16, reason: &'static str) -> Response {
        Response {
            code,
            reason,
            content_type: "text/plain; charset=utf-8",
            extra: "",
            payload: Payload::Text(format!("{code} {reason}\n")),
            send_body: true,
        }
    }

    /// A `200` with an exposition body.
    pub(crate) fn metrics(
        content_type: &'static str,
        body: Arc<Body>,
        send_body: bool,
    ) -> Response {
        Response {
            code: 200,
            reason: "OK",
            content_type,
            extra: "Vary: Accept, Accept-Encoding\r\n",
            payload: Payload::Shared(body),
            send_body,
        }
    }

    /// Adds header lines, each ending in CRLF.
    pub(crate) fn header(mut self, lines: &'static str) -> Response {
        self.extra = lines;
        self
    }

    fn body(&self) -> &[u8] {
        match &self.payload {
            Payload::Text(text) => text.as_bytes(),
            Payload::Shared(body) => &body.bytes,
        }
    }

    fn head(&self, keep_alive: bool) -> String {
        let gzip = matches!(&self.payload, Payload::Shared(body) if body.coding == Coding::Gzip);
        format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}{}Connection: {}\r\n\r\n",
            self.code,
            self.reason,
            self.content_type,
            self.body().len(),
            if gzip { "Content-Encoding: gzip\r\n" } else { "" },
            self.extra,
            if keep_alive { "keep-alive" } else { "close" },
        )
    }

    /// Writes the whole response by `deadline`, however the client paces its reads.
    pub(crate) fn write(
        &self,
        stream: &TcpStream,
        keep_alive: bool,
        deadline: Instant,
    ) -> io::Result<()> {
        write_by(stream, self.head(keep_alive).as_bytes(), deadline)?;
        if self.send_body {
            write_by(stream, self.body(), deadline)?;
        }
        Ok(())
    }
}

/// `write_all` with one deadline for all the writes rather than a timeout per write: each
/// write may only wait for what is left of it, so a client reading a byte at a time cannot
/// stretch the response.
fn write_by(mut stream: &TcpStream, mut bytes: &[u8], deadline: Instant) -> io::Result<()> {
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
        match stream.write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes `response`, then closes gracefully (see [`linger`]); a response that cannot be
/// written by `deadline` is cut off.
pub(crate) fn respond_and_close(
    stream: &TcpStream,
    response: &Response,
    deadline: Instant,
    linger_for: Duration,
) {
    match response.write(stream, false, deadline) {
        Ok(()) => linger(stream, linger_for),
        Err(_) => cut(stream),
    }
}

/// Ends a connection at once, for a client past its deadline.
pub(crate) fn cut(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}

/// Closes gracefully: signals the end of the response, then reads what the client still
/// sends (bounded in bytes and time), because closing a socket with unread input makes the
/// kernel reset the connection and the client lose the response.
pub(crate) fn linger(mut stream: &TcpStream, timeout: Duration) {
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let deadline = super::after(Instant::now(), timeout);
    let mut buf = [0u8; 4096];
    let mut left = LINGER_BYTES;
    while left > 0 {
        let wait = deadline.saturating_duration_since(Instant::now());
        if wait.is_zero() || stream.set_read_timeout(Some(wait)).is_err() {
            return;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}
