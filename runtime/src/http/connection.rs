//! One connection's life: read a head (holding a pending slot), route it, and for a scrape
//! trade the pending slot for a scrape slot, write the response by its deadline, and either
//! wait for the next request or close.

use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::after;
use super::body::Coding;
use super::head::{self, Deadlines, HeadError, HeadReader, Request};
use super::negotiate::accepts_gzip;
use super::response::{cut, linger, respond_and_close, Response};
use super::server::Shared;
use super::slots::Slot;
use crate::exposition::Format;

/// How long a connection closed after a successful response drains what the client still
/// sends; short, since a client that sent a whole request rarely sends more.
pub(crate) const SHORT_LINGER: Duration = Duration::from_millis(100);

/// Serves requests on `stream` until the client or a limit ends the connection.
pub(crate) fn serve(stream: &Arc<TcpStream>, pending: Slot, accepted: Instant, shared: &Shared) {
    let limits = &shared.limits;
    let mut reader = HeadReader::default();
    let mut pending = Some(pending);
    let mut deadlines = Deadlines {
        first_byte_by: after(accepted, limits.head_timeout),
        whole_by: Some(after(accepted, limits.head_timeout)),
        head_timeout: limits.head_timeout,
        max_bytes: limits.max_head_bytes,
    };
    for served in 1..=limits.max_requests {
        // A keep-alive connection waits for its next request as a pending one again.
        let Some(slot) = pending.take().or_else(|| shared.pending.acquire(stream)) else {
            return;
        };
        let Some(head) = read_head(stream, shared, &mut reader, &deadlines) else {
            return;
        };
        let arrived = Instant::now();
        let Some((request, send_body)) = parse_and_route(stream, shared, &head) else {
            return;
        };
        let Some(scrape) = shared.scrapes.acquire(stream) else {
            return reject(stream, shared, Response::status(503, "Service Unavailable"));
        };
        drop(slot);
        let keep_alive = request.keep_alive() && served < limits.max_requests;
        if !scrape_once(stream, shared, &request, send_body, arrived, keep_alive) {
            return;
        }
        drop(scrape);
        deadlines.first_byte_by = after(Instant::now(), limits.idle_timeout);
        deadlines.whole_by = None;
    }
}

/// The next request head, or `None` once the connection is done (an error was answered).
fn read_head(
    stream: &TcpStream,
    shared: &Shared,
    reader: &mut HeadReader,
    deadlines: &Deadlines,
) -> Option<String> {
    let error = match reader.read(stream, deadlines) {
        Ok(head) => return Some(head),
        Err(HeadError::TooLarge) => Response::status(431, "Request Header Fields Too Large"),
        Err(HeadError::Malformed) => bad_request(),
        Err(HeadError::Closed) => return None,
    };
    reject(stream, shared, error);
    None
}

/// The request and whether to send a body, or `None` once its error was answered.
fn parse_and_route<'h>(
    stream: &TcpStream,
    shared: &Shared,
    head: &'h str,
) -> Option<(Request<'h>, bool)> {
    let routed = head::parse(head)
        .ok_or_else(bad_request)
        .and_then(|request| route(&request).map(|send_body| (request, send_body)));
    match routed {
        Ok(routed) => Some(routed),
        Err(error) => {
            reject(stream, shared, error);
            None
        }
    }
}

/// Answers one scrape; `true` when the connection stays open for another.
fn scrape_once(
    stream: &TcpStream,
    shared: &Shared,
    request: &Request<'_>,
    send_body: bool,
    arrived: Instant,
    keep_alive: bool,
) -> bool {
    let format = Format::from_accept(request.field("accept"));
    let coding = if shared.limits.gzip && accepts_gzip(request.fields("accept-encoding")) {
        Coding::Gzip
    } else {
        Coding::Identity
    };
    let body = shared.bodies.get(format, coding, arrived);
    let response = Response::metrics(format.content_type(), body, send_body);
    let deadline = after(Instant::now(), shared.limits.response_timeout);
    match response.write(stream, keep_alive, deadline) {
        Ok(()) if keep_alive => true,
        Ok(()) => {
            linger(stream, SHORT_LINGER);
            false
        }
        Err(_) => {
            cut(stream);
            false
        }
    }
}

/// `Ok(send_body)` for a scrape, or the error response.
fn route(request: &Request<'_>) -> Result<bool, Response> {
    if request.path != "/metrics" {
        return Err(Response::status(404, "Not Found"));
    }
    match request.method {
        "GET" => Ok(true),
        "HEAD" => Ok(false),
        _ => Err(Response::status(405, "Method Not Allowed").header("Allow: GET, HEAD\r\n")),
    }
}

fn bad_request() -> Response {
    Response::status(400, "Bad Request")
}

/// Answers an error and closes, lingering so the client reads it even if it is still
/// sending; the pending slot stays held (and evictable) meanwhile.
fn reject(stream: &TcpStream, shared: &Shared, response: Response) {
    let deadline = after(Instant::now(), shared.limits.response_timeout);
    respond_and_close(stream, &response, deadline, shared.limits.head_timeout);
}
