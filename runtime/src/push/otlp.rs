//! OTLP/HTTP with binary protobuf: an `ExportMetricsServiceRequest` POSTed to `/v1/metrics`
//! of an OpenTelemetry collector or an OTLP intake (the path to CloudWatch, Google Cloud
//! Monitoring and Azure Monitor goes through their collectors or agents).
//!
//! Counters are monotonic sums, gauges gauges, histograms explicit-bucket histograms with
//! per-bucket counts. Sums and histograms are cumulative by default, starting when the
//! exporter was built; with [`Temporality::Delta`] each push carries what changed since the
//! last accepted one. The resource names the service (`service.name`) and the replica
//! (`service.instance.id`).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::{HistogramSample, Kind, Meta, Sample, Series, Unit, Visitor};

use super::delta::{self, Deltas, Part, Pending};
use super::engine::{Exporter, Outcome, Pusher};
use super::env;
use super::http::Client;
use super::metrics::ExporterName;
use super::options::{common_builders, tls_builders, Common, ConfigError};
use super::protobuf::{self, begin, end};

/// How sums and histograms report: totals since a start (what Prometheus and most backends
/// want) or changes since the previous push (what Datadog's OTLP intake wants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Temporality {
    /// Totals since the exporter started.
    #[default]
    Cumulative,
    /// Changes since the last push the collector accepted.
    Delta,
}

/// An OTLP/HTTP protobuf exporter. Build it, then [`start`](Otlp::start) it.
///
/// ```no_run
/// let pusher = tallyho::push::Otlp::new("http://127.0.0.1:4318/v1/metrics").start()?;
/// # Ok::<(), tallyho::push::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Otlp {
    url: String,
    headers: Vec<(String, Redacted)>,
    temporality: Temporality,
    service_name: Option<String>,
    resource: Vec<(String, String)>,
    common: Common,
}

/// A header value (often an API key) kept out of `Debug` output.
#[derive(Clone)]
struct Redacted(String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Otlp {
    /// Pushes to `url`, the full metrics endpoint (usually ending in `/v1/metrics`).
    pub fn new(url: impl Into<String>) -> Otlp {
        Otlp {
            url: url.into(),
            headers: Vec::new(),
            temporality: Temporality::default(),
            service_name: None,
            resource: Vec::new(),
            common: Common::default(),
        }
    }

    /// Configuration from the OpenTelemetry variables: `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`
    /// (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (plus `/v1/metrics`; default
    /// `http://localhost:4318`), `OTEL_EXPORTER_OTLP_[METRICS_]HEADERS`,
    /// `OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT` (milliseconds),
    /// `OTEL_EXPORTER_OTLP_[METRICS_]CERTIFICATE` (trusted roots, PEM),
    /// `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds), `OTEL_SERVICE_NAME`,
    /// `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`
    /// (`cumulative`, `delta` or `lowmemory`, which is delta for counters and histograms),
    /// then the common `TALLYHO_PUSH_*` settings.
    pub fn from_env() -> Result<Otlp, ConfigError> {
        let url = match env::var("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") {
            Some(url) => url,
            None => {
                let base = env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
                    .unwrap_or_else(|| "http://localhost:4318".to_owned());
                format!("{}/v1/metrics", base.trim_end_matches('/'))
            }
        };
        let mut otlp = Otlp::new(url);
        otlp.common = Common::from_env()?;
        for name in [
            "OTEL_EXPORTER_OTLP_HEADERS",
            "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
        ] {
            if let Some(list) = env::var(name) {
                for (key, value) in key_value_list(&list, name)? {
                    otlp = otlp.header(key, value);
                }
            }
        }
        for name in [
            "OTEL_EXPORTER_OTLP_TIMEOUT",
            "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
        ] {
            if let Some(timeout) = env::millis(name)? {
                otlp.common.timeout = timeout;
            }
        }
        if let Some(interval) = env::millis("OTEL_METRIC_EXPORT_INTERVAL")? {
            otlp = otlp.interval(interval);
        }
        for name in [
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
        ] {
            if let Some(path) = env::var(name) {
                let pem = std::fs::read(&path)
                    .map_err(|e| ConfigError::new(format!("{name}: cannot read {path}: {e}")))?;
                otlp.common.roots_pem = Some(pem);
            }
        }
        if let Some(list) = env::var("OTEL_RESOURCE_ATTRIBUTES") {
            for (key, value) in key_value_list(&list, "OTEL_RESOURCE_ATTRIBUTES")? {
                otlp = otlp.resource_attribute(key, value);
            }
        }
        if let Some(name) = env::var("OTEL_SERVICE_NAME") {
            otlp.service_name = Some(name);
        }
        if let Some(preference) = env::var("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE") {
            otlp.temporality = match preference.trim().to_ascii_lowercase().as_str() {
                "cumulative" => Temporality::Cumulative,
                "delta" | "lowmemory" => Temporality::Delta,
                _ => {
                    return Err(ConfigError::new(
                        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE is not cumulative, delta or lowmemory",
                    ))
                }
            };
        }
        Ok(otlp)
    }

    /// Adds a request header, for an intake's API key or an `Authorization`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), Redacted(value.into())));
        self
    }

    /// Cumulative (default) or delta sums and histograms.
    pub fn temporality(mut self, temporality: Temporality) -> Self {
        self.temporality = temporality;
        self
    }

    /// Adds a resource attribute (`deployment.environment.name`, `cloud.region`, ...). A
    /// `service.name` here wins over [`crate::service`] unless `OTEL_SERVICE_NAME` is set.
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        if key == "service.name" && self.service_name.is_none() {
            self.service_name = Some(value.into());
        } else {
            self.resource.push((key, value.into()));
        }
        self
    }

    common_builders!();
    tls_builders!();

    /// Starts pushing on a background thread.
    pub fn start(self) -> Result<Pusher, ConfigError> {
        let exporter = OtlpExporter {
            client: Client::new(&self.common)?,
            resource: resource(&self),
            url: self.url,
            headers: self.headers.into_iter().map(|(k, v)| (k, v.0)).collect(),
            temporality: self.temporality,
            start: now_nanos(),
            deltas: Deltas::default(),
            body: Vec::new(),
        };
        Pusher::spawn(exporter, self.common.interval)
    }
}

/// `k1=v1,k2=v2` with percent-encoded parts, as the OpenTelemetry variables spell lists.
fn key_value_list(list: &str, variable: &str) -> Result<Vec<(String, String)>, ConfigError> {
    list.split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| ConfigError::new(format!("{variable}: an item has no `=`")))?;
            Ok((percent_decode(key.trim()), percent_decode(value.trim())))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The encoded `Resource` message body: service name and instance, SDK, user attributes.
fn resource(otlp: &Otlp) -> Vec<u8> {
    let service = otlp
        .service_name
        .clone()
        .unwrap_or_else(|| crate::service().to_owned());
    let mut attributes = vec![
        ("service.name".to_owned(), service),
        ("service.instance.id".to_owned(), otlp.common.instance()),
        ("telemetry.sdk.name".to_owned(), "tallyho".to_owned()),
        ("telemetry.sdk.language".to_owned(), "rust".to_owned()),
        (
            "telemetry.sdk.version".to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
        ),
    ];
    for (key, value) in &otlp.resource {
        match attributes.iter_mut().find(|(k, _)| k == key) {
            Some(existing) => existing.1 = value.clone(),
            None => attributes.push((key.clone(), value.clone())),
        }
    }
    let mut out = Vec::new();
    for (key, value) in &attributes {
        key_value(&mut out, 1, key, value);
    }
    out
}

/// A `KeyValue` with a string value as field `field`.
fn key_value(out: &mut Vec<u8>, field: u32, key: &str, value: &str) {
    protobuf::message(out, field, |out| {
        protobuf::string(out, 1, key);
        protobuf::message(out, 2, |out| protobuf::string(out, 1, value));
    });
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64
}

struct OtlpExporter {
    client: Client,
    url: String,
    headers: Vec<(String, String)>,
    resource: Vec<u8>,
    temporality: Temporality,
    /// Start of cumulative sums; of the next delta window in delta mode.
    start: u64,
    deltas: Deltas,
    body: Vec<u8>,
}

impl Exporter for OtlpExporter {
    fn name(&self) -> ExporterName {
        ExporterName::Otlp
    }

    fn push(&mut self) -> Outcome {
        let now = now_nanos().max(self.start + 1);
        let mut pending = Pending::new();
        encode(
            &mut self.body,
            &self.resource,
            self.temporality,
            self.start,
            now,
            &self.deltas,
            &mut pending,
        );
        let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/x-protobuf")];
        headers.extend(self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let result = self.client.post(&self.url, &headers, &self.body);
        if result.is_ok() && self.temporality == Temporality::Delta {
            self.deltas.commit(pending);
            self.start = now;
        }
        Outcome {
            bytes: self.body.len() as u64,
            result,
        }
    }
}

/// What one push sends, without sending it: (protobuf bytes, the same on the wire), for
/// benchmarks; `delta` measures the delta bookkeeping too.
pub(crate) fn encode_for_bench(delta: bool) -> (usize, usize) {
    let mut body = Vec::new();
    let temporality = if delta {
        Temporality::Delta
    } else {
        Temporality::Cumulative
    };
    let now = now_nanos();
    encode(
        &mut body,
        &[],
        temporality,
        now - 1,
        now,
        &Deltas::default(),
        &mut Pending::new(),
    );
    (body.len(), body.len())
}

/// Encodes the registry as an `ExportMetricsServiceRequest` into `out`.
pub(crate) fn encode(
    out: &mut Vec<u8>,
    resource: &[u8],
    temporality: Temporality,
    start: u64,
    now: u64,
    deltas: &Deltas,
    pending: &mut Pending,
) {
    out.clear();
    let resource_metrics = begin(out, 1);
    protobuf::bytes(out, 1, resource);
    let scope_metrics = begin(out, 2);
    protobuf::message(out, 1, |out| {
        protobuf::string(out, 1, "tallyho");
        protobuf::string(out, 2, env!("CARGO_PKG_VERSION"));
    });
    let mut encoder = Encoder {
        out,
        temporality,
        start,
        now,
        deltas,
        pending,
        metric: None,
    };
    crate::collect(&mut encoder);
    encoder.close_metric();
    end(out, scope_metrics);
    end(out, resource_metrics);
}

/// The metric being written: where its message and its data message start.
struct Open {
    name: &'static str,
    kind: Kind,
    /// Where the `Metric` starts, to drop it when it has no data points.
    start: usize,
    metric: usize,
    data: usize,
    points: usize,
}

struct Encoder<'a> {
    out: &'a mut Vec<u8>,
    temporality: Temporality,
    start: u64,
    now: u64,
    deltas: &'a Deltas,
    pending: &'a mut Pending,
    metric: Option<Open>,
}

impl Encoder<'_> {
    fn close_metric(&mut self) {
        let Some(open) = self.metric.take() else {
            return;
        };
        if open.points == 0 {
            self.out.truncate(open.start); // An empty metric is not valid OTLP.
            return;
        }
        let temporality = match self.temporality {
            Temporality::Delta => 1,
            Temporality::Cumulative => 2,
        };
        match open.kind {
            Kind::Counter => {
                protobuf::uint(self.out, 2, temporality);
                protobuf::uint(self.out, 3, 1); // is_monotonic
            }
            Kind::Histogram => protobuf::uint(self.out, 2, temporality),
            Kind::Gauge => {}
        }
        end(self.out, open.data);
        end(self.out, open.metric);
    }

    fn attributes(&mut self, field: u32, series: &Series<'_>) {
        for (key, value) in series.labels() {
            key_value(self.out, field, key, value);
        }
    }
}

/// The UCUM unit OpenTelemetry expects for a declared unit.
fn ucum(unit: Unit) -> &'static str {
    match unit {
        Unit::Seconds => "s",
        Unit::Bytes => "By",
        Unit::Ratio => "1",
        Unit::Meters => "m",
        Unit::Grams => "g",
        Unit::Joules => "J",
        Unit::Volts => "V",
        Unit::Amperes => "A",
        Unit::Celsius => "Cel",
    }
}

impl Visitor for Encoder<'_> {
    fn family(&mut self, meta: &Meta) {
        self.close_metric();
        let start = self.out.len();
        let metric = begin(self.out, 2);
        protobuf::string(self.out, 1, meta.name());
        if !meta.help().is_empty() {
            protobuf::string(self.out, 2, meta.help());
        }
        if let Some(unit) = meta.unit() {
            protobuf::string(self.out, 3, ucum(unit));
        }
        let data_field = match meta.kind() {
            Kind::Gauge => 5,
            Kind::Counter => 7,
            Kind::Histogram => 9,
        };
        let data = begin(self.out, data_field);
        self.metric = Some(Open {
            name: meta.name(),
            kind: meta.kind(),
            start,
            metric,
            data,
            points: 0,
        });
    }

    fn sample(&mut self, series: &Series<'_>, value: Sample) {
        let Some(open) = &mut self.metric else {
            return;
        };
        open.points += 1;
        let (name, kind) = (open.name, open.kind);
        let value = match (kind, self.temporality) {
            (Kind::Counter, Temporality::Delta) => {
                self.deltas
                    .counter(delta::key(name, series, Part::Value), value, self.pending)
            }
            _ => value,
        };
        let point = begin(self.out, 1);
        self.attributes(7, series);
        if kind != Kind::Gauge {
            protobuf::fixed64(self.out, 2, self.start);
        }
        protobuf::fixed64(self.out, 3, self.now);
        match value {
            Sample::U64(v) => protobuf::fixed64(self.out, 6, v.min(i64::MAX as u64)),
            Sample::I64(v) => protobuf::fixed64(self.out, 6, v as u64),
            Sample::F64(v) => protobuf::double(self.out, 4, v),
        }
        end(self.out, point);
    }

    fn histogram(&mut self, series: &Series<'_>, histogram: &HistogramSample<'_>) {
        let Some(open) = &mut self.metric else {
            return;
        };
        open.points += 1;
        let name = open.name;
        let point = begin(self.out, 1);
        self.attributes(9, series);
        protobuf::fixed64(self.out, 2, self.start);
        protobuf::fixed64(self.out, 3, self.now);
        let delta = self.temporality == Temporality::Delta;
        let mut count = 0u64;
        let mut buckets = Vec::with_capacity(histogram.counts().len() * 8);
        for (i, &c) in histogram.counts().iter().enumerate() {
            let c = if delta {
                let key = delta::key(name, series, Part::Bucket(i as u16));
                self.deltas.count(key, c, self.pending)
            } else {
                c
            };
            count = count.wrapping_add(c);
            buckets.extend_from_slice(&c.to_le_bytes());
        }
        let sum = if delta {
            let key = delta::key(name, series, Part::Sum);
            self.deltas.sum(key, histogram.sum(), self.pending)
        } else {
            histogram.sum()
        };
        protobuf::fixed64(self.out, 4, count);
        protobuf::double(self.out, 5, sum);
        protobuf::bytes(self.out, 6, &buckets);
        let bounds: Vec<u8> = histogram
            .bounds()
            .iter()
            .flat_map(|b| b.to_le_bytes())
            .collect();
        protobuf::bytes(self.out, 7, &bounds);
        end(self.out, point);
    }
}
