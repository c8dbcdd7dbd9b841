//! Prometheus remote write 1.0: a snappy-compressed `WriteRequest` of every series, one
//! sample each, POSTed to Prometheus, Mimir, Cortex, Thanos or Grafana Cloud.
//!
//! Series carry `__name__`, `service`, a per-replica `instance` (so replicas do not overwrite
//! each other's series) and their own labels, sorted; an absent (`None`) label is omitted, as
//! the protocol forbids empty values. Counters are `<name>_total`, histograms are
//! `<name>_bucket{le}`, `<name>_sum` and `<name>_count`, as a scrape would show them.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::exposition::number;
use crate::{HistogramSample, Kind, Meta, Sample, Series, Visitor};

use super::engine::{Exporter, Outcome, Pusher};
use super::env;
use super::http::{self, Client};
use super::metrics::ExporterName;
use super::options::{common_builders, tls_builders, Common, ConfigError};
use super::protobuf;

/// A Prometheus remote write 1.0 exporter. Build it, then [`start`](RemoteWrite::start) it.
///
/// ```no_run
/// let pusher = tallyho::push::RemoteWrite::new("https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push")
///     .basic_auth("123456", std::env::var("GRAFANA_CLOUD_TOKEN")?)
///     .start()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct RemoteWrite {
    url: String,
    authorization: Option<Secret>,
    common: Common,
}

/// A header value that must not show up in `Debug` output or logs.
#[derive(Clone)]
struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl RemoteWrite {
    /// Pushes to `url`, the receiver's write endpoint (`/api/v1/write` on Prometheus,
    /// `/api/v1/push` on Mimir, `/api/prom/push` on Grafana Cloud).
    pub fn new(url: impl Into<String>) -> RemoteWrite {
        RemoteWrite {
            url: url.into(),
            authorization: None,
            common: Common::default(),
        }
    }

    /// Configuration from the environment: `TALLYHO_REMOTE_WRITE_URL` (required), then
    /// `TALLYHO_REMOTE_WRITE_USERNAME` with `TALLYHO_REMOTE_WRITE_PASSWORD` (basic auth), or
    /// `TALLYHO_REMOTE_WRITE_BEARER_TOKEN`, and the common `TALLYHO_PUSH_*` settings.
    pub fn from_env() -> Result<RemoteWrite, ConfigError> {
        let mut rw = RemoteWrite::new(env::required("TALLYHO_REMOTE_WRITE_URL")?);
        rw.common = Common::from_env()?;
        if let Some(user) = env::var("TALLYHO_REMOTE_WRITE_USERNAME") {
            let password = env::required("TALLYHO_REMOTE_WRITE_PASSWORD")?;
            rw = rw.basic_auth(user, password);
        } else if let Some(token) = env::var("TALLYHO_REMOTE_WRITE_BEARER_TOKEN") {
            rw = rw.bearer_token(token);
        }
        Ok(rw)
    }

    /// HTTP basic auth; for Grafana Cloud the metrics instance ID and an access policy token
    /// with `metrics:write`.
    pub fn basic_auth(mut self, user: impl AsRef<str>, password: impl AsRef<str>) -> Self {
        self.authorization = Some(Secret(http::basic_auth(user.as_ref(), password.as_ref())));
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer_token(mut self, token: impl AsRef<str>) -> Self {
        self.authorization = Some(Secret(format!("Bearer {}", token.as_ref())));
        self
    }

    common_builders!();
    tls_builders!();

    /// Starts pushing on a background thread.
    pub fn start(self) -> Result<Pusher, ConfigError> {
        let exporter = RemoteWriteExporter {
            client: Client::new(&self.common)?,
            url: self.url,
            authorization: self.authorization,
            instance: self.common.instance(),
            encoder: snap::raw::Encoder::new(),
            body: Vec::new(),
            compressed: Vec::new(),
        };
        Pusher::spawn(exporter, self.common.interval)
    }
}

struct RemoteWriteExporter {
    client: Client,
    url: String,
    authorization: Option<Secret>,
    instance: String,
    encoder: snap::raw::Encoder,
    body: Vec<u8>,
    compressed: Vec<u8>,
}

impl Exporter for RemoteWriteExporter {
    fn name(&self) -> ExporterName {
        ExporterName::RemoteWrite
    }

    fn push(&mut self) -> Outcome {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        encode(&mut self.body, &self.instance, now.as_millis() as i64);
        self.compressed
            .resize(snap::raw::max_compress_len(self.body.len()), 0);
        let len = match self.encoder.compress(&self.body, &mut self.compressed) {
            Ok(len) => len,
            Err(_) => {
                return Outcome {
                    bytes: 0,
                    result: Err(super::metrics::Reason::Transport.into()),
                }
            }
        };
        let mut headers = vec![
            ("Content-Encoding", "snappy"),
            ("Content-Type", "application/x-protobuf"),
            ("X-Prometheus-Remote-Write-Version", "0.1.0"),
        ];
        if let Some(auth) = &self.authorization {
            headers.push(("Authorization", &auth.0));
        }
        let result = self
            .client
            .post(&self.url, &headers, &self.compressed[..len]);
        Outcome {
            bytes: len as u64,
            result,
        }
    }
}

/// What one push sends, without sending it: (protobuf bytes, snappy bytes), for benchmarks.
pub(crate) fn encode_for_bench() -> (usize, usize) {
    let mut body = Vec::new();
    encode(&mut body, "bench-1", 1_767_225_600_000);
    let wire = snap::raw::Encoder::new()
        .compress_vec(&body)
        .map_or(0, |c| c.len());
    (body.len(), wire)
}

/// Encodes the registry as an uncompressed `WriteRequest` into `out`, every sample at
/// `timestamp_ms`.
pub(crate) fn encode(out: &mut Vec<u8>, instance: &str, timestamp_ms: i64) {
    out.clear();
    let mut encoder = Encoder {
        out,
        service: crate::service(),
        instance,
        timestamp_ms,
        names: Names::default(),
        labels: Vec::new(),
        le: String::new(),
    };
    crate::collect(&mut encoder);
}

/// The sample names of the current family.
#[derive(Default)]
struct Names {
    plain: String,
    bucket: String,
    sum: String,
    count: String,
}

struct Encoder<'a> {
    out: &'a mut Vec<u8>,
    service: &'static str,
    instance: &'a str,
    timestamp_ms: i64,
    names: Names,
    labels: Vec<(&'static str, &'static str)>,
    le: String,
}

impl Encoder<'_> {
    fn series(&mut self, name: &str, le: Option<&str>, value: f64) {
        let mut labels: Vec<(&str, &str)> = Vec::with_capacity(self.labels.len() + 4);
        labels.extend(self.labels.iter().copied());
        labels.push(("__name__", name));
        labels.push(("service", self.service));
        labels.push(("instance", self.instance));
        if let Some(le) = le {
            labels.push(("le", le));
        }
        labels.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let timestamp = self.timestamp_ms;
        protobuf::message(self.out, 1, |out| {
            for (key, value) in &labels {
                protobuf::message(out, 1, |out| {
                    protobuf::string(out, 1, key);
                    protobuf::string(out, 2, value);
                });
            }
            protobuf::message(out, 2, |out| {
                protobuf::double(out, 1, value);
                protobuf::uint(out, 2, timestamp as u64);
            });
        });
    }
}

impl Visitor for Encoder<'_> {
    fn family(&mut self, meta: &Meta) {
        let base = meta.name();
        let names = &mut self.names;
        for (name, suffix) in [
            (
                &mut names.plain,
                if meta.kind() == Kind::Counter {
                    "_total"
                } else {
                    ""
                },
            ),
            (&mut names.bucket, "_bucket"),
            (&mut names.sum, "_sum"),
            (&mut names.count, "_count"),
        ] {
            name.clear();
            name.push_str(base);
            name.push_str(suffix);
        }
    }

    fn sample(&mut self, series: &Series<'_>, value: Sample) {
        self.labels.clear();
        self.labels.extend(series.labels());
        let name = std::mem::take(&mut self.names.plain);
        self.series(&name, None, value.as_f64());
        self.names.plain = name;
    }

    fn histogram(&mut self, series: &Series<'_>, histogram: &HistogramSample<'_>) {
        self.labels.clear();
        self.labels.extend(series.labels());
        let names = std::mem::take(&mut self.names);
        let mut le = std::mem::take(&mut self.le);
        let mut count = 0;
        for (bound, cumulative) in histogram.cumulative() {
            le.clear();
            number::write_f64(bound, &mut le);
            self.series(&names.bucket, Some(&le), cumulative as f64);
            count = cumulative;
        }
        self.series(&names.sum, None, histogram.sum());
        self.series(&names.count, None, count as f64);
        self.names = names;
        self.le = le;
    }
}
