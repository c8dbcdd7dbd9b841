//! A built-in `/metrics` endpoint on std networking: no async runtime.
//!
//! One accept thread and one thread per connection. A connection passes through two bounded
//! pools: while it sends its request head (or waits between keep-alive requests) it holds a
//! *pending* slot, with a short deadline and a size cap; only once its head is parsed does
//! it take one of the *scrape* slots, which it keeps until its response is written or the
//! response deadline passes. When a pool is full, the connection that has held its slot the
//! longest is cut off if it has held it long enough to be a straggler; otherwise the new one
//! is answered `503`. Bodies are encoded once and shared by the scrapes that arrive together
//! (see [`Builder::body_reuse`]), and gzip-compressed for clients that accept it.

mod body;
mod builder;
mod connection;
mod head;
mod negotiate;
mod response;
mod server;
mod slots;

use std::io;
use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

pub use builder::Builder;
pub use server::MetricsServer;

/// The default number of scrapes served at once ([`Builder::max_scrapes`]); a scrape past it
/// evicts the oldest straggler or is answered `503`.
pub const MAX_CONNECTIONS: usize = 32;
/// The default largest request head ([`Builder::max_head_bytes`]); larger ones get `431`.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;
/// The default time a client has to send its whole request head ([`Builder::head_timeout`]).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves `GET /metrics` on `addr` from a background thread until the handle is dropped, with
/// the default limits (see [`MetricsServer::builder`] to change them).
///
/// ```no_run
/// let server = tallyho::serve("0.0.0.0:9090")?;
/// println!("metrics on http://{}/metrics", server.local_addr());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn serve(addr: impl ToSocketAddrs) -> io::Result<MetricsServer> {
    Builder::default().bind(addr)
}

/// `from + timeout`, saturating: a timeout of `Duration::MAX` means "never", not a panic.
pub(crate) fn after(from: Instant, timeout: Duration) -> Instant {
    from.checked_add(timeout)
        .or_else(|| from.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(from)
}
