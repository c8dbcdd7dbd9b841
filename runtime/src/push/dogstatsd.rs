//! DogStatsD: datagrams to a local Datadog Agent over UDP or a Unix datagram socket, for
//! shops that run the Agent (it adds host tags and aggregates). Std only.
//!
//! Counters are sent as `c` deltas, gauges as `g`, histograms as the `c` deltas `.count`,
//! `.sum` and `.bucket` (cumulative, with an `upper_bound` tag) like the HTTP exporter.
//! Lines are packed into datagrams of at most 1432 bytes over UDP (no fragmentation on a
//! 1500-byte MTU) or 8192 over a Unix socket (the Agent's default buffer).

use std::fmt::Write as _;
use std::net::{ToSocketAddrs, UdpSocket};
#[cfg(unix)]
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;

use crate::{HistogramSample, Kind, Meta, Sample, Series, Visitor};

use super::delta::{self, Deltas, Part, Pending};
use super::engine::{Exporter, Outcome, Pusher};
use super::env;
use super::metrics::{ExporterName, Reason};
use super::options::{common_builders, Common, ConfigError};

/// The default datagram size over UDP.
pub const UDP_DATAGRAM_BYTES: usize = 1432;
/// The default datagram size over a Unix socket.
pub const UDS_DATAGRAM_BYTES: usize = 8192;

#[derive(Clone, Debug)]
enum Target {
    Udp(String),
    #[cfg_attr(not(unix), allow(dead_code))]
    Unix(PathBuf),
}

/// A DogStatsD exporter. Build it, then [`start`](DogStatsD::start) it.
///
/// ```no_run
/// let pusher = tallyho::push::DogStatsD::udp("127.0.0.1:8125").start()?;
/// # Ok::<(), tallyho::push::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct DogStatsD {
    target: Target,
    max_datagram: Option<usize>,
    tags: Vec<(String, String)>,
    common: Common,
}

impl DogStatsD {
    /// Sends to the Agent at `addr` (`host:port`) over UDP.
    pub fn udp(addr: impl Into<String>) -> DogStatsD {
        DogStatsD {
            target: Target::Udp(addr.into()),
            max_datagram: None,
            tags: Vec::new(),
            common: Common::default(),
        }
    }

    /// Sends to the Agent's Unix datagram socket at `path`.
    #[cfg(unix)]
    pub fn unix(path: impl Into<PathBuf>) -> DogStatsD {
        DogStatsD {
            target: Target::Unix(path.into()),
            ..DogStatsD::udp("")
        }
    }

    /// Configuration from the Agent's variables: `DD_DOGSTATSD_SOCKET` (a Unix socket path)
    /// or `DD_AGENT_HOST` and `DD_DOGSTATSD_PORT` (default `127.0.0.1:8125`), `DD_ENV` and
    /// `DD_VERSION` as tags, and the common `TALLYHO_PUSH_*` settings.
    pub fn from_env() -> Result<DogStatsD, ConfigError> {
        #[cfg(unix)]
        let socket = env::var("DD_DOGSTATSD_SOCKET");
        #[cfg(not(unix))]
        let socket: Option<String> = None;
        let mut statsd = match socket {
            #[cfg(unix)]
            Some(path) => DogStatsD::unix(path),
            _ => {
                let host = env::var("DD_AGENT_HOST").unwrap_or_else(|| "127.0.0.1".to_owned());
                let port = env::var("DD_DOGSTATSD_PORT").unwrap_or_else(|| "8125".to_owned());
                let port: u16 = port
                    .trim()
                    .parse()
                    .map_err(|_| ConfigError::new("DD_DOGSTATSD_PORT is not a port"))?;
                DogStatsD::udp(format!("{host}:{port}"))
            }
        };
        statsd.common = Common::from_env()?;
        for (variable, key) in [("DD_ENV", "env"), ("DD_VERSION", "version")] {
            if let Some(value) = env::var(variable) {
                statsd = statsd.tag(key, value);
            }
        }
        Ok(statsd)
    }

    /// The largest datagram (default 1432 bytes over UDP, 8192 over a Unix socket); raise
    /// it with the Agent's `dogstatsd_buffer_size`.
    pub fn max_datagram_bytes(mut self, bytes: usize) -> Self {
        self.max_datagram = Some(bytes.max(64));
        self
    }

    /// A tag on every line, such as `env:prod`.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    common_builders!();

    /// Starts pushing on a background thread. The socket is opened here; the Agent need not
    /// be up yet.
    pub fn start(self) -> Result<Pusher, ConfigError> {
        let (socket, default_max) = match &self.target {
            Target::Udp(addr) => {
                let remote = addr
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.next())
                    .ok_or_else(|| ConfigError::new(format!("cannot resolve {addr:?}")))?;
                let local = if remote.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                };
                let socket = UdpSocket::bind(local)
                    .and_then(|s| s.connect(remote).map(|()| s))
                    .map_err(|e| ConfigError::new(format!("cannot open a UDP socket: {e}")))?;
                (Socket::Udp(socket), UDP_DATAGRAM_BYTES)
            }
            #[cfg(unix)]
            Target::Unix(path) => {
                let socket = UnixDatagram::unbound()
                    .map_err(|e| ConfigError::new(format!("cannot open a Unix socket: {e}")))?;
                (Socket::Unix(socket, path.clone()), UDS_DATAGRAM_BYTES)
            }
            #[cfg(not(unix))]
            Target::Unix(_) => return Err(ConfigError::new("Unix sockets need a Unix system")),
        };
        socket
            .set_nonblocking()
            .map_err(|e| ConfigError::new(format!("cannot configure the socket: {e}")))?;
        let mut fixed_tags = String::new();
        tallyho_spec::write_datadog_tag("service", crate::service(), &mut fixed_tags);
        for (key, value) in &self.tags {
            fixed_tags.push(',');
            tallyho_spec::write_datadog_tag(key, value, &mut fixed_tags);
        }
        let exporter = DogStatsDExporter {
            socket,
            max: self.max_datagram.unwrap_or(default_max),
            fixed_tags,
            deltas: Deltas::default(),
        };
        Pusher::spawn(exporter, self.common.interval)
    }
}

enum Socket {
    Udp(UdpSocket),
    #[cfg(unix)]
    Unix(UnixDatagram, PathBuf),
}

impl Socket {
    fn set_nonblocking(&self) -> std::io::Result<()> {
        // Non-blocking: a full socket buffer drops a datagram instead of stalling the thread.
        match self {
            Socket::Udp(s) => s.set_nonblocking(true),
            #[cfg(unix)]
            Socket::Unix(s, _) => s.set_nonblocking(true),
        }
    }

    fn send(&self, datagram: &[u8]) -> std::io::Result<usize> {
        match self {
            Socket::Udp(s) => s.send(datagram),
            #[cfg(unix)]
            Socket::Unix(s, path) => s.send_to(datagram, path),
        }
    }
}

struct DogStatsDExporter {
    socket: Socket,
    max: usize,
    fixed_tags: String,
    deltas: Deltas,
}

impl Exporter for DogStatsDExporter {
    fn name(&self) -> ExporterName {
        ExporterName::Dogstatsd
    }

    fn push(&mut self) -> Outcome {
        let lines = collect(&self.fixed_tags, &self.deltas);
        let mut bytes = 0;
        let mut result = Ok(());
        let mut datagram = String::new();
        let mut datagram_pending = Pending::new();
        let mut send = |datagram: &mut String, pending: &mut Pending, deltas: &mut Deltas| {
            if datagram.is_empty() {
                return Ok(());
            }
            let sent = self.socket.send(datagram.as_bytes());
            bytes += datagram.len() as u64;
            datagram.clear();
            match sent {
                Ok(_) => {
                    deltas.commit(pending.drain(..));
                    Ok(())
                }
                Err(e) => {
                    pending.clear();
                    Err(match e.kind() {
                        std::io::ErrorKind::WouldBlock => Reason::Throttled,
                        std::io::ErrorKind::ConnectionRefused
                        | std::io::ErrorKind::NotFound
                        | std::io::ErrorKind::AddrNotAvailable => Reason::Connect,
                        _ => Reason::Transport,
                    })
                }
            }
        };
        for (line, pending) in &lines.items {
            let line = &lines.text[line.clone()];
            if line.len() > self.max {
                // One line over the limit would be cut by the network; it cannot be sent.
                result = Err(Reason::Rejected.into());
                continue;
            }
            if datagram.len() + 1 + line.len() > self.max {
                if let Err(reason) = send(&mut datagram, &mut datagram_pending, &mut self.deltas) {
                    result = Err(reason.into());
                    break;
                }
            }
            if !datagram.is_empty() {
                datagram.push('\n');
            }
            datagram.push_str(line);
            datagram_pending.extend_from_slice(&lines.pending[pending.clone()]);
        }
        if result.is_ok() {
            if let Err(reason) = send(&mut datagram, &mut datagram_pending, &mut self.deltas) {
                result = Err(reason.into());
            }
        }
        Outcome { bytes, result }
    }
}

/// Every line of one push.
fn collect(fixed_tags: &str, deltas: &Deltas) -> Lines {
    let mut lines = Lines::default();
    crate::collect(&mut Encoder {
        lines: &mut lines,
        fixed_tags,
        deltas,
        name: "",
        kind: Kind::Gauge,
        metric: String::new(),
        tags: String::new(),
    });
    lines
}

/// What one push sends, without sending it: (lines, bytes in datagrams of 1432), for
/// benchmarks.
pub(crate) fn encode_for_bench() -> (usize, usize) {
    let lines = collect("service:bench", &Deltas::default());
    let mut bytes = 0;
    let mut datagram = 0;
    for (line, _) in &lines.items {
        if datagram > 0 && datagram + 1 + line.len() > UDP_DATAGRAM_BYTES {
            bytes += datagram;
            datagram = 0;
        }
        datagram += line.len() + usize::from(datagram > 0);
    }
    (lines.items.len(), bytes + datagram)
}

/// Every line of one push, with the delta state each one delivers.
#[derive(Default)]
struct Lines {
    text: String,
    items: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    pending: Pending,
}

struct Encoder<'a> {
    lines: &'a mut Lines,
    fixed_tags: &'a str,
    deltas: &'a Deltas,
    name: &'static str,
    kind: Kind,
    metric: String,
    /// The current series' tags, each followed by `,`.
    tags: String,
}

impl Encoder<'_> {
    fn line(&mut self, suffix: &str, value: f64, kind: &str, upper_bound: Option<f64>) {
        let lines = &mut *self.lines;
        let pending_end = lines.pending.len();
        let pending_start = lines.items.last().map_or(0, |(_, p)| p.end);
        if !value.is_finite() {
            return; // DogStatsD has no spelling for NaN or infinity.
        }
        let start = lines.text.len();
        let out = &mut lines.text;
        let _ = write!(out, "{}{suffix}:{value}|{kind}|#{}", self.metric, self.tags);
        out.push_str(self.fixed_tags);
        if let Some(bound) = upper_bound {
            out.push(',');
            out.push_str(tallyho_spec::DATADOG_BUCKET_TAG);
            out.push(':');
            tallyho_spec::write_datadog_upper_bound(bound, out);
        }
        lines
            .items
            .push((start..lines.text.len(), pending_start..pending_end));
    }

    fn series_tags(&mut self, series: &Series<'_>) {
        self.tags.clear();
        for (key, value) in series.labels() {
            tallyho_spec::write_datadog_tag(key, value, &mut self.tags);
            self.tags.push(',');
        }
    }
}

impl Visitor for Encoder<'_> {
    fn family(&mut self, meta: &Meta) {
        self.name = meta.name();
        self.kind = meta.kind();
        self.metric.clear();
        tallyho_spec::write_datadog_metric_name(meta.name(), &mut self.metric);
    }

    fn sample(&mut self, series: &Series<'_>, value: Sample) {
        self.series_tags(series);
        if self.kind == Kind::Counter {
            let key = delta::key(self.name, series, Part::Value);
            let delta = self.deltas.counter(key, value, &mut self.lines.pending);
            self.line("", delta.as_f64(), "c", None);
        } else {
            self.line("", value.as_f64(), "g", None);
        }
    }

    fn histogram(&mut self, series: &Series<'_>, histogram: &HistogramSample<'_>) {
        self.series_tags(series);
        let name = self.name;
        let key = |part| delta::key(name, series, part);
        let pending = &mut self.lines.pending;
        let count = self
            .deltas
            .count(key(Part::Count), histogram.count(), pending);
        self.line(".count", count as f64, "c", None);
        let sum = self
            .deltas
            .sum(key(Part::Sum), histogram.sum(), &mut self.lines.pending);
        self.line(".sum", sum, "c", None);
        for (i, (bound, cumulative)) in histogram.cumulative().enumerate() {
            let part = key(Part::Bucket(i as u16));
            let delta = self.deltas.count(part, cumulative, &mut self.lines.pending);
            self.line(".bucket", delta as f64, "c", Some(bound));
        }
    }
}
