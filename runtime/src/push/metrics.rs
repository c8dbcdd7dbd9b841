//! The engine's own metrics, exported like any other series so a dashboard shows whether
//! pushes land.

use crate::{CounterGroup, GaugeGroup, LabelSet, LabelValue, Unit};

/// Which exporter a self-metric series is about.
#[derive(LabelValue, Debug, Clone, Copy, PartialEq, Eq)]
// Every exporter is listed whatever the features, so the label domain is the same in every build.
#[allow(dead_code)]
pub(crate) enum ExporterName {
    RemoteWrite,
    Otlp,
    Datadog,
    Dogstatsd,
}

/// Why a push failed; the engine retries `connect`, `timeout`, `throttled` and
/// `server_error`, not `rejected` (another 4xx: resending the same payload cannot help).
#[derive(LabelValue, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// No connection: refused, unreachable, name not resolved, TLS handshake failed.
    Connect,
    /// The push did not finish within its timeout.
    Timeout,
    /// 429 Too Many Requests.
    Throttled,
    /// A 5xx answer.
    ServerError,
    /// Any other 4xx (or 3xx) answer.
    Rejected,
    /// Any other failure while sending (a broken connection, a malformed answer).
    Transport,
}

impl Reason {
    pub(crate) fn retryable(self) -> bool {
        !matches!(self, Reason::Rejected)
    }

    /// The reason an HTTP status gives, `None` for success.
    #[cfg_attr(not(feature = "_http"), allow(dead_code))]
    pub(crate) fn from_status(status: u16) -> Option<Reason> {
        match status {
            200..=299 => None,
            429 => Some(Reason::Throttled),
            500..=599 => Some(Reason::ServerError),
            _ => Some(Reason::Rejected),
        }
    }
}

#[derive(LabelSet)]
pub(crate) struct ExporterLabels {
    pub(crate) exporter: ExporterName,
}

#[derive(LabelSet)]
pub(crate) struct FailureLabels {
    pub(crate) exporter: ExporterName,
    pub(crate) reason: Reason,
}

/// Push attempts, retries included.
pub(crate) static PUSHES: CounterGroup<ExporterLabels> =
    CounterGroup::new("tallyho_pushes").help("Push attempts by tallyho's push exporters.");

/// Failed push attempts, by reason.
pub(crate) static FAILURES: CounterGroup<FailureLabels> =
    CounterGroup::new("tallyho_push_failures")
        .help("Failed push attempts, by exporter and reason.");

/// When a push last succeeded, as Unix seconds.
pub(crate) static LAST_SUCCESS: GaugeGroup<ExporterLabels, f64> =
    GaugeGroup::new("tallyho_push_last_success_timestamp_seconds")
        .help("Unix time of the last successful push.")
        .unit(Unit::Seconds);

/// Bytes sent, as they went on the wire (compressed where the protocol compresses).
pub(crate) static PAYLOAD_BYTES: CounterGroup<ExporterLabels> =
    CounterGroup::new("tallyho_push_payload_bytes")
        .help("Payload bytes sent by push attempts, compressed where the protocol compresses.")
        .unit(Unit::Bytes);
