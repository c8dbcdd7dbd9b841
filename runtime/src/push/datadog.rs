//! Datadog's agentless HTTP v2 series API: `POST https://api.<site>/api/v2/series` with the
//! `DD-API-KEY` header and a deflate-compressed JSON body.
//!
//! Counters are COUNT (type 1) deltas with the push `interval`; gauges are GAUGE (type 3);
//! a histogram is sent as Datadog's OpenMetrics check maps one: COUNT deltas `<name>.count`,
//! `<name>.sum` and `<name>.bucket` per cumulative bucket with an `upper_bound` tag. Every
//! series is tagged `service:<service>` (plus `env` and `version` from `DD_ENV` and
//! `DD_VERSION`) and carries the host as a resource. Payloads are split to stay under the
//! intake's limits: 512,000 bytes compressed, 5,242,880 bytes decompressed.

use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{HistogramSample, Kind, Meta, Sample, Series, Visitor};

use super::delta::{self, Deltas, Part, Pending};
use super::engine::{Exporter, Outcome, Pusher};
use super::env;
use super::http::Client;
use super::metrics::{ExporterName, Reason};
use super::options::{common_builders, hostname, tls_builders, Common, ConfigError};

/// The most compressed bytes one request may carry.
pub(crate) const MAX_COMPRESSED: usize = 512_000;
/// The most bytes one request may decompress to.
pub(crate) const MAX_DECOMPRESSED: usize = 5_242_880;

const PREFIX: &str = "{\"series\":[";
const SUFFIX: &str = "]}";

/// A Datadog HTTP API exporter. Build it, then [`start`](Datadog::start) it.
///
/// ```no_run
/// let pusher = tallyho::push::Datadog::new(std::env::var("DD_API_KEY")?)
///     .site("datadoghq.eu")
///     .start()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Datadog {
    api_key: String,
    url: String,
    host: String,
    tags: Vec<(String, String)>,
    common: Common,
}

impl std::fmt::Debug for Datadog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Datadog")
            .field("api_key", &"<redacted>")
            .field("url", &self.url)
            .field("host", &self.host)
            .field("tags", &self.tags)
            .field("common", &self.common)
            .finish()
    }
}

impl Datadog {
    /// Pushes to `datadoghq.com` with `api_key`.
    pub fn new(api_key: impl Into<String>) -> Datadog {
        Datadog {
            api_key: api_key.into(),
            url: series_url("datadoghq.com"),
            host: hostname(),
            tags: Vec::new(),
            common: Common::default(),
        }
    }

    /// Configuration from the environment: `DD_API_KEY` (required), `DD_SITE` (default
    /// `datadoghq.com`), `DD_HOSTNAME`, `DD_ENV`, `DD_VERSION`, `TALLYHO_DATADOG_URL` (a full
    /// series URL, for a proxy), and the common `TALLYHO_PUSH_*` settings.
    pub fn from_env() -> Result<Datadog, ConfigError> {
        let mut datadog = Datadog::new(env::required("DD_API_KEY")?);
        datadog.common = Common::from_env()?;
        if let Some(site) = env::var("DD_SITE") {
            datadog = datadog.site(site);
        }
        if let Some(url) = env::var("TALLYHO_DATADOG_URL") {
            datadog = datadog.url(url);
        }
        if let Some(host) = env::var("DD_HOSTNAME") {
            datadog.host = host;
        }
        for (variable, key) in [("DD_ENV", "env"), ("DD_VERSION", "version")] {
            if let Some(value) = env::var(variable) {
                datadog = datadog.tag(key, value);
            }
        }
        Ok(datadog)
    }

    /// The Datadog site: `datadoghq.com`, `datadoghq.eu`, `us3.datadoghq.com`,
    /// `us5.datadoghq.com`, `ap1.datadoghq.com`, `ddog-gov.com`, ...
    pub fn site(mut self, site: impl AsRef<str>) -> Self {
        self.url = series_url(site.as_ref());
        self
    }

    /// A full series URL instead of the site's, for a proxy.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// A tag on every series, such as `env:prod`.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    common_builders!();
    tls_builders!();

    /// Starts pushing on a background thread.
    pub fn start(self) -> Result<Pusher, ConfigError> {
        let mut tags = String::new();
        tallyho_spec::write_datadog_tag("service", crate::service(), &mut tags);
        for (key, value) in &self.tags {
            tags.push_str("\",\"");
            tallyho_spec::write_datadog_tag(key, value, &mut tags);
        }
        let exporter = DatadogExporter {
            client: Client::new(&self.common)?,
            url: self.url,
            api_key: self.api_key,
            fixed_tags: tags,
            host: json_string(&self.host),
            deltas: Deltas::default(),
            last_delivery: unix_seconds(),
        };
        Pusher::spawn(exporter, self.common.interval)
    }
}

fn series_url(site: &str) -> String {
    format!("https://api.{}/api/v2/series", site.trim_matches('/'))
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct DatadogExporter {
    client: Client,
    url: String,
    api_key: String,
    /// `service:x","env:y`: the tags every series starts with, quoted inside.
    fixed_tags: String,
    /// The host, as a JSON string.
    host: String,
    deltas: Deltas,
    /// When counts were last delivered: the start of the next `interval`.
    last_delivery: u64,
}

impl Exporter for DatadogExporter {
    fn name(&self) -> ExporterName {
        ExporterName::Datadog
    }

    fn push(&mut self) -> Outcome {
        let now = unix_seconds();
        let interval = now.saturating_sub(self.last_delivery).max(1);
        let series = collect(&self.fixed_tags, &self.host, now, interval, &self.deltas);
        let mut bytes = 0;
        let mut delivered_all = true;
        let mut result = Ok(());
        let batches = match compressed_batches(&series) {
            Ok(batches) => batches,
            Err(_) => {
                return Outcome {
                    bytes,
                    result: Err(Reason::Transport.into()),
                }
            }
        };
        for (batch, compressed) in batches {
            bytes += compressed.len() as u64;
            let sent = self.client.post(
                &self.url,
                &[
                    ("Content-Type", "application/json"),
                    ("Content-Encoding", "deflate"),
                    ("DD-API-KEY", &self.api_key),
                ],
                &compressed,
            );
            match sent {
                Ok(()) => self.deltas.commit(series.pending(batch)),
                Err(failure) => {
                    delivered_all = false;
                    result = Err(failure);
                    // Another batch would meet the same backend; the rest waits for the
                    // next push (its deltas keep accumulating, nothing is lost).
                    if failure.reason.retryable() {
                        break;
                    }
                }
            }
        }
        if delivered_all {
            self.last_delivery = now;
        }
        Outcome { bytes, result }
    }
}

/// The request bodies of one push, deflated: runs of series under the decompressed limit,
/// halved until each is under the compressed limit too (a single series always fits).
fn compressed_batches(series: &SeriesList) -> std::io::Result<Vec<(Range<usize>, Vec<u8>)>> {
    let mut done = Vec::new();
    let mut todo = series.batches();
    while let Some(batch) = todo.pop() {
        let compressed = deflate(&series.body(batch.clone()))?;
        if compressed.len() > MAX_COMPRESSED && batch.len() > 1 {
            let middle = batch.start + batch.len() / 2;
            todo.push(middle..batch.end);
            todo.push(batch.start..middle);
        } else {
            done.push((batch, compressed));
        }
    }
    Ok(done)
}

/// Every series of one push, encoded.
fn collect(fixed_tags: &str, host: &str, now: u64, interval: u64, deltas: &Deltas) -> SeriesList {
    let mut series = SeriesList::default();
    let mut encoder = Encoder {
        list: &mut series,
        fixed_tags,
        host,
        now,
        interval,
        deltas,
        name: "",
        kind: Kind::Gauge,
        tags: String::new(),
        metric: String::new(),
    };
    crate::collect(&mut encoder);
    series
}

/// What one push sends, without sending it: (JSON bytes, compressed bytes), for benchmarks.
pub(crate) fn encode_for_bench() -> (usize, usize) {
    let series = collect(
        "service:bench",
        "\"host\"",
        unix_seconds(),
        60,
        &Deltas::default(),
    );
    let json = series.json.len();
    let wire = compressed_batches(&series).map_or(0, |b| b.iter().map(|(_, c)| c.len()).sum());
    (json, wire)
}

/// Deflate (zlib), Datadog's default content encoding.
fn deflate(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body)?;
    encoder.finish()
}

/// Every series of one push as JSON objects, with the delta state each one delivers.
#[derive(Default)]
struct SeriesList {
    json: String,
    /// Per series: its JSON in `json`, its totals in `pending`.
    items: Vec<(Range<usize>, Range<usize>)>,
    pending: Pending,
}

impl SeriesList {
    /// Consecutive runs of series whose bodies stay under the decompressed limit; the last
    /// run first, as a stack.
    fn batches(&self) -> Vec<Range<usize>> {
        let mut batches = Vec::new();
        let mut start = 0;
        let mut size = PREFIX.len() + SUFFIX.len();
        for (i, (json, _)) in self.items.iter().enumerate() {
            if i > start && size + json.len() + 1 > MAX_DECOMPRESSED {
                batches.push(start..i);
                start = i;
                size = PREFIX.len() + SUFFIX.len();
            }
            size += json.len() + 1;
        }
        if start < self.items.len() {
            batches.push(start..self.items.len());
        }
        batches.reverse();
        batches
    }

    fn body(&self, batch: Range<usize>) -> Vec<u8> {
        let mut body = String::from(PREFIX);
        for (i, (json, _)) in self.items[batch].iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&self.json[json.clone()]);
        }
        body.push_str(SUFFIX);
        body.into_bytes()
    }

    fn pending(&self, batch: Range<usize>) -> Pending {
        self.items[batch]
            .iter()
            .flat_map(|(_, p)| self.pending[p.clone()].iter().copied())
            .collect()
    }
}

struct Encoder<'a> {
    list: &'a mut SeriesList,
    fixed_tags: &'a str,
    host: &'a str,
    now: u64,
    interval: u64,
    deltas: &'a Deltas,
    name: &'static str,
    kind: Kind,
    /// The current series' own tags, each followed by `","`.
    tags: String,
    metric: String,
}

impl Encoder<'_> {
    /// Appends one series: `kind` 1 (count) or 3 (gauge), the current metric name plus
    /// `suffix`, the series tags plus `extra_tag`.
    fn item(&mut self, suffix: &str, extra_tag: Option<(&str, f64)>, count: bool, value: f64) {
        if !value.is_finite() {
            return; // JSON has no NaN or infinity, and Datadog no use for them.
        }
        let list = &mut *self.list;
        let json_start = list.json.len();
        let out = &mut list.json;
        out.push_str("{\"metric\":\"");
        out.push_str(&self.metric);
        out.push_str(suffix);
        out.push_str("\",\"type\":");
        out.push_str(if count { "1" } else { "3" });
        if count {
            let _ = write!(out, ",\"interval\":{}", self.interval);
        }
        let _ = write!(
            out,
            ",\"points\":[{{\"timestamp\":{},\"value\":{}}}],\"tags\":[\"",
            self.now, value
        );
        out.push_str(&self.tags);
        out.push_str(self.fixed_tags);
        if let Some((key, bound)) = extra_tag {
            out.push_str("\",\"");
            out.push_str(key);
            out.push(':');
            tallyho_spec::write_datadog_upper_bound(bound, out);
        }
        out.push_str("\"],\"resources\":[{\"name\":");
        out.push_str(self.host);
        out.push_str(",\"type\":\"host\"}]}");
        let pending_end = list.pending.len();
        let pending_start = list.items.last().map_or(0, |(_, p)| p.end).min(pending_end);
        list.items
            .push((json_start..list.json.len(), pending_start..pending_end));
    }

    fn series_tags(&mut self, series: &Series<'_>) {
        self.tags.clear();
        for (key, value) in series.labels() {
            tallyho_spec::write_datadog_tag(key, value, &mut self.tags);
            self.tags.push_str("\",\"");
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
            let delta = self
                .deltas
                .counter(key, value, &mut self.list.pending)
                .as_f64();
            self.item("", None, true, delta);
        } else {
            self.item("", None, false, value.as_f64());
        }
    }

    fn histogram(&mut self, series: &Series<'_>, histogram: &HistogramSample<'_>) {
        self.series_tags(series);
        let name = self.name;
        let key = |part| delta::key(name, series, part);
        let count = self
            .deltas
            .count(key(Part::Count), histogram.count(), &mut self.list.pending);
        self.item(".count", None, true, count as f64);
        let sum = self
            .deltas
            .sum(key(Part::Sum), histogram.sum(), &mut self.list.pending);
        self.item(".sum", None, true, sum);
        for (i, (bound, cumulative)) in histogram.cumulative().enumerate() {
            let delta = self.deltas.count(
                key(Part::Bucket(i as u16)),
                cumulative,
                &mut self.list.pending,
            );
            self.item(
                ".bucket",
                Some((tallyho_spec::DATADOG_BUCKET_TAG, bound)),
                true,
                delta as f64,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A list of `n` series of about `size` bytes each, hard to compress.
    fn series(n: usize, size: usize) -> SeriesList {
        let mut list = SeriesList::default();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..n {
            let start = list.json.len();
            list.json
                .push_str("{\"metric\":\"m\",\"points\":[],\"tags\":[\"");
            for _ in 0..size {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                list.json.push(char::from(
                    b"abcdefghijklmnopqrstuvwxyz0123456789"[(x % 36) as usize],
                ));
            }
            list.json.push_str("\"]}");
            list.items.push((start..list.json.len(), 0..0));
        }
        list
    }

    #[test]
    fn batches_respect_both_size_limits_and_keep_every_series_once() {
        // 60 series of 100 KB: 6 MB of JSON (over the 5 MB limit), about 4 MB deflated
        // (about 8 times the 512 KB limit).
        let list = series(60, 100_000);
        let batches = compressed_batches(&list).unwrap();
        assert!(batches.len() >= 8, "{} batches", batches.len());
        let mut next = 0;
        for (batch, compressed) in &batches {
            assert_eq!(batch.start, next, "in order, none skipped or repeated");
            next = batch.end;
            assert!(compressed.len() <= MAX_COMPRESSED);
            let mut json = String::new();
            flate2::read::ZlibDecoder::new(&compressed[..])
                .read_to_string(&mut json)
                .unwrap();
            assert!(json.len() <= MAX_DECOMPRESSED);
            assert_eq!(json, String::from_utf8(list.body(batch.clone())).unwrap());
        }
        assert_eq!(next, 60);
        // Small pushes stay one request.
        assert_eq!(compressed_batches(&series(100, 100)).unwrap().len(), 1);
    }
}
