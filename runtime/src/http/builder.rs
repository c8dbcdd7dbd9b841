//! The server's limits, settable before it binds.

use std::io;
use std::net::ToSocketAddrs;
use std::time::Duration;

use super::server::MetricsServer;
use super::{MAX_CONNECTIONS, MAX_REQUEST_BYTES, REQUEST_TIMEOUT};

/// Configures and starts a [`MetricsServer`]; every limit has a default that suits a
/// Prometheus scraping a service, so only what differs needs setting.
///
/// ```no_run
/// use std::time::Duration;
/// let server = tallyho::MetricsServer::builder()
///     .max_scrapes(8)
///     .head_timeout(Duration::from_secs(2))
///     .response_timeout(Duration::from_secs(5))
///     .bind("127.0.0.1:9090")?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `bind` is called"]
pub struct Builder {
    pub(crate) limits: Limits,
}

/// What one connection and the server as a whole may cost.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub max_scrapes: usize,
    pub max_pending: usize,
    pub max_head_bytes: usize,
    pub head_timeout: Duration,
    pub response_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_requests: usize,
    pub body_reuse: Duration,
    pub gzip: bool,
    pub evict_pending_after: Duration,
    pub evict_scrapes_after: Duration,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            limits: Limits {
                max_scrapes: MAX_CONNECTIONS,
                max_pending: 128,
                max_head_bytes: MAX_REQUEST_BYTES,
                head_timeout: REQUEST_TIMEOUT,
                response_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(60),
                max_requests: 1000,
                body_reuse: Duration::from_millis(100),
                gzip: cfg!(feature = "gzip"),
                evict_pending_after: Duration::from_millis(100),
                evict_scrapes_after: Duration::from_secs(1),
            },
        }
    }
}

impl Builder {
    /// Scrapes encoded and written at once (default 32). A slot is taken only once a
    /// request head is parsed, so clients that are slow to ask cannot hold one. At least 1.
    pub fn max_scrapes(mut self, n: usize) -> Self {
        self.limits.max_scrapes = n.max(1);
        self
    }

    /// Connections sending their request head or idle between keep-alive requests (default
    /// 128). Each costs a thread and at most [`max_head_bytes`](Self::max_head_bytes). At
    /// least 1.
    pub fn max_pending_requests(mut self, n: usize) -> Self {
        self.limits.max_pending = n.max(1);
        self
    }

    /// The largest request head (request line and headers) accepted (default 8 KiB); a
    /// larger one is answered `431`.
    pub fn max_head_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_head_bytes = bytes;
        self
    }

    /// How long a client has to send a whole request head once it started (default 5 s),
    /// which is what bounds a client that trickles its request a byte at a time.
    pub fn head_timeout(mut self, timeout: Duration) -> Self {
        self.limits.head_timeout = timeout;
        self
    }

    /// How long a client has to receive a whole response (default 10 s, Prometheus's default
    /// scrape timeout), however it paces its reads; past it the connection is cut.
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.limits.response_timeout = timeout;
        self
    }

    /// How long a keep-alive connection may wait for its next request (default 60 s, so a
    /// scraper with an interval of up to a minute keeps its connection).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// Requests answered on one connection before the server closes it (default 1000), so
    /// no connection lives forever. At least 1; 1 turns keep-alive off.
    pub fn max_requests_per_connection(mut self, n: usize) -> Self {
        self.limits.max_requests = n.max(1);
        self
    }

    /// How much older than a scrape the body it is sent may be (default 100 ms). Scrapes
    /// within this window of each other share one body in memory instead of each encoding
    /// its own copy, so N slow clients of a large registry pin one body, not N; the price is
    /// values up to this much older than the request. A scrape that arrives while a body is
    /// being encoded always waits for that one, so `Duration::ZERO` shares only that way.
    pub fn body_reuse(mut self, window: Duration) -> Self {
        self.limits.body_reuse = window;
        self
    }

    /// Whether to gzip a response for clients whose `Accept-Encoding` allows it (default: on
    /// when the `gzip` feature is, which it is by default). Without the feature this is
    /// ignored.
    pub fn gzip(mut self, enabled: bool) -> Self {
        self.limits.gzip = enabled && cfg!(feature = "gzip");
        self
    }

    /// How long a connection must have been pending (sending its head, or idle between
    /// requests) before a newcomer may evict it when the pending pool is full (default
    /// 100 ms: a scraper sends its request at once). `Duration::MAX` never evicts.
    pub fn evict_pending_after(mut self, age: Duration) -> Self {
        self.limits.evict_pending_after = age;
        self
    }

    /// How long a scrape must have been running before a newcomer may evict it when the
    /// scrape pool is full (default 1 s: a scraper on a LAN reads even a large exposition in
    /// milliseconds; raise it for scrapers on slow links). `Duration::MAX` never evicts, and
    /// leaves only [`response_timeout`](Self::response_timeout) to free a slot.
    pub fn evict_scrapes_after(mut self, age: Duration) -> Self {
        self.limits.evict_scrapes_after = age;
        self
    }

    /// Binds `addr` and serves `GET /metrics` from a background thread until the returned
    /// handle is dropped.
    pub fn bind(self, addr: impl ToSocketAddrs) -> io::Result<MetricsServer> {
        MetricsServer::start(addr, self.limits)
    }
}
