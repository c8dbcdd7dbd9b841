//! tallyho's built-in metrics: the request metrics of the `tower` layer, the process metrics
//! and `tallyho_build_info`.
//!
//! The runtime records them, the build step lists them in the manifest (with their
//! cardinality in the budgets) and registers them in the generated registry, and the
//! dashboards chart them: all from the descriptions here. Names follow the OpenTelemetry HTTP
//! semantic conventions as the OpenTelemetry Prometheus exporter spells them
//! (`http.server.request.duration` in seconds becomes `http_server_request_duration_seconds`,
//! the attribute `http.route` becomes the label `http_route`), and the process metrics are the
//! standard set every Prometheus client library exports.

use crate::kind::{Kind, ValueType};
use crate::unit::Unit;

/// The package (and crate) that records the built-in metrics: the manifest lists them as
/// its declarations, so a reader can tell them from the application's.
pub const PACKAGE: &str = "tallyho";
/// The module the manifest gives the built-in metrics, which have no source file.
pub const MODULE: &str = "builtin";

/// A built-in metric as the manifest and the dashboards describe it.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinMetric {
    /// The family name (a counter exports `<name>_total`).
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// The type of its values.
    pub value_type: ValueType,
    /// Its base unit, which the name ends with.
    pub unit: Option<Unit>,
    /// The HELP text.
    pub help: &'static str,
    /// Its label keys, in order; their values depend on the service (see [`http`]).
    pub labels: &'static [&'static str],
    /// A histogram's bucket bounds.
    pub buckets: Option<&'static [f64]>,
}

impl BuiltinMetric {
    const fn scalar(
        name: &'static str,
        kind: Kind,
        value_type: ValueType,
        help: &'static str,
    ) -> Self {
        BuiltinMetric {
            name,
            kind,
            value_type,
            unit: None,
            help,
            labels: &[],
            buckets: None,
        }
    }

    const fn with_unit(mut self, unit: Unit) -> Self {
        self.unit = Some(unit);
        self
    }

    const fn with_labels(mut self, labels: &'static [&'static str]) -> Self {
        self.labels = labels;
        self
    }
}

/// HTTP server request metrics, recorded per request by the runtime's `tower` layer (or any
/// server through `tallyho::requests`).
pub mod http {
    use super::BuiltinMetric;
    use crate::kind::{Kind, ValueType};
    use crate::unit::Unit;

    /// Requests completed, by route, method and status code.
    pub const REQUESTS: BuiltinMetric = BuiltinMetric::scalar(
        "http_server_requests",
        Kind::Counter,
        ValueType::U64,
        "HTTP requests served, by route template, method and status code.",
    )
    .with_labels(&[ROUTE_LABEL, METHOD_LABEL, STATUS_CODE_LABEL]);

    /// Request duration, by route, method and status class.
    pub const REQUEST_DURATION: BuiltinMetric = BuiltinMetric {
        buckets: Some(DURATION_BUCKETS),
        ..BuiltinMetric::scalar(
            "http_server_request_duration_seconds",
            Kind::Histogram,
            ValueType::F64,
            "Time from receiving an HTTP request to finishing its response, by route template, method and status class.",
        )
        .with_unit(Unit::Seconds)
        .with_labels(&[ROUTE_LABEL, METHOD_LABEL, STATUS_CLASS_LABEL])
    };

    /// Requests in flight, by route and method.
    pub const ACTIVE_REQUESTS: BuiltinMetric = BuiltinMetric::scalar(
        "http_server_active_requests",
        Kind::Gauge,
        ValueType::I64,
        "HTTP requests being served now, by route template and method.",
    )
    .with_labels(&[ROUTE_LABEL, METHOD_LABEL]);

    /// The three request metrics.
    pub const METRICS: &[BuiltinMetric] = &[REQUESTS, REQUEST_DURATION, ACTIVE_REQUESTS];

    /// The route template (axum's `MatchedPath`), never the raw path.
    pub const ROUTE_LABEL: &str = "http_route";
    /// The request method: one of [`METHODS`] or [`OTHER_METHOD`].
    pub const METHOD_LABEL: &str = "http_request_method";
    /// The response status code, as three digits.
    pub const STATUS_CODE_LABEL: &str = "http_response_status_code";
    /// The response status class, one of [`STATUS_CLASSES`] (the overflow value for a code
    /// outside 100..=599, which has none).
    pub const STATUS_CLASS_LABEL: &str = "http_response_status_class";

    /// The route of a request no route matched (a 404 from the router's fallback): one value
    /// for all of them, so probing clients cannot add series.
    pub const UNMATCHED_ROUTE: &str = "__unmatched__";
    /// The most distinct route values a service records, the unmatched route included;
    /// further routes export as the overflow value. A service's own bound (its routes and
    /// the unmatched route, or `max_routes` in `tallyho.yaml`) may be lower.
    pub const MAX_ROUTES: usize = 128;
    /// The most distinct status codes a service records; further codes export as the
    /// overflow value.
    pub const MAX_STATUS_CODES: usize = 16;
    /// The status code every route's success series is exported with from the first scrape.
    pub const ZERO_STATUS_CODE: &str = "200";
    /// The status class of [`ZERO_STATUS_CODE`], the duration's success series.
    pub const ZERO_STATUS_CLASS: &str =
        STATUS_CLASSES[(ZERO_STATUS_CODE.as_bytes()[0] - b'1') as usize];

    /// The methods recorded by name, as the OpenTelemetry conventions list them (RFC 9110 and
    /// PATCH); any other method is recorded as [`OTHER_METHOD`].
    pub const METHODS: &[&str] = &[
        "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE",
    ];
    /// The method of a request whose method is not in [`METHODS`].
    pub const OTHER_METHOD: &str = "_OTHER";
    /// The status classes, by first digit.
    pub const STATUS_CLASSES: &[&str] = &["1xx", "2xx", "3xx", "4xx", "5xx"];

    /// The OpenTelemetry HTTP conventions' advised bounds for request durations, in seconds.
    pub const DURATION_BUCKETS: &[f64] = &[
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    ];

    /// The class of a status code (`"4xx"` for 404); `None` outside 100..=599.
    pub const fn status_class(code: u16) -> Option<&'static str> {
        match code {
            100..=599 => Some(STATUS_CLASSES[(code / 100 - 1) as usize]),
            _ => None,
        }
    }
}

/// The standard process metrics, read from `/proc/self` on Linux.
pub mod process {
    use super::BuiltinMetric;
    use crate::kind::{Kind, ValueType};
    use crate::unit::Unit;

    /// CPU time.
    pub const CPU_SECONDS: BuiltinMetric = BuiltinMetric::scalar(
        "process_cpu_seconds",
        Kind::Counter,
        ValueType::F64,
        "Total user and system CPU time spent in seconds.",
    )
    .with_unit(Unit::Seconds);
    /// Open file descriptors.
    pub const OPEN_FDS: BuiltinMetric = BuiltinMetric::scalar(
        "process_open_fds",
        Kind::Gauge,
        ValueType::U64,
        "Number of open file descriptors.",
    );
    /// The file descriptor limit.
    pub const MAX_FDS: BuiltinMetric = BuiltinMetric::scalar(
        "process_max_fds",
        Kind::Gauge,
        ValueType::U64,
        "Maximum number of open file descriptors.",
    );
    /// Virtual memory size.
    pub const VIRTUAL_MEMORY_BYTES: BuiltinMetric = BuiltinMetric::scalar(
        "process_virtual_memory_bytes",
        Kind::Gauge,
        ValueType::U64,
        "Virtual memory size in bytes.",
    )
    .with_unit(Unit::Bytes);
    /// The virtual memory limit.
    pub const VIRTUAL_MEMORY_MAX_BYTES: BuiltinMetric = BuiltinMetric::scalar(
        "process_virtual_memory_max_bytes",
        Kind::Gauge,
        ValueType::U64,
        "Maximum amount of virtual memory available in bytes.",
    )
    .with_unit(Unit::Bytes);
    /// Resident memory size.
    pub const RESIDENT_MEMORY_BYTES: BuiltinMetric = BuiltinMetric::scalar(
        "process_resident_memory_bytes",
        Kind::Gauge,
        ValueType::U64,
        "Resident memory size in bytes.",
    )
    .with_unit(Unit::Bytes);
    /// When the process started, in Unix time.
    pub const START_TIME_SECONDS: BuiltinMetric = BuiltinMetric::scalar(
        "process_start_time_seconds",
        Kind::Gauge,
        ValueType::F64,
        "Start time of the process since unix epoch in seconds.",
    )
    .with_unit(Unit::Seconds);
    /// OS threads.
    pub const THREADS: BuiltinMetric = BuiltinMetric::scalar(
        "process_threads",
        Kind::Gauge,
        ValueType::U64,
        "Number of OS threads in the process.",
    );

    /// Every process metric, in the order the runtime reads them.
    pub const METRICS: &[BuiltinMetric] = &[
        CPU_SECONDS,
        OPEN_FDS,
        MAX_FDS,
        VIRTUAL_MEMORY_BYTES,
        VIRTUAL_MEMORY_MAX_BYTES,
        RESIDENT_MEMORY_BYTES,
        START_TIME_SECONDS,
        THREADS,
    ];
}

/// `tallyho_build_info`: one series of value 1 whose labels say what was built.
pub mod build_info {
    use super::BuiltinMetric;
    use crate::kind::{Kind, ValueType};

    /// The gauge.
    pub const METRIC: BuiltinMetric = BuiltinMetric::scalar(
        "tallyho_build_info",
        Kind::Gauge,
        ValueType::U64,
        "Always 1; the labels say which build of the service is running.",
    )
    .with_labels(LABELS);

    /// The label keys: the package version, the VCS revision, the compiler, the target
    /// triple and the cargo profile.
    pub const LABELS: &[&str] = &["version", "revision", "rustc_version", "target", "profile"];

    /// The environment variables the build step sets for the package's compilation, one per
    /// label after `version` (which is `CARGO_PKG_VERSION`), in [`LABELS`] order.
    pub const ENV_VARS: [&str; 4] = [
        "TALLYHO_BUILD_REVISION",
        "TALLYHO_BUILD_RUSTC_VERSION",
        "TALLYHO_BUILD_TARGET",
        "TALLYHO_BUILD_PROFILE",
    ];
}

#[cfg(test)]
mod tests {
    use super::http;

    #[test]
    fn the_zero_series_class_is_the_class_of_the_zero_series_code() {
        assert_eq!(http::status_class(200), Some(http::ZERO_STATUS_CLASS));
        assert_eq!(http::ZERO_STATUS_CODE, "200");
    }
}
