//! Push exporters: a background thread sends the registry to a backend on an interval, for
//! services nobody scrapes (serverless, batch jobs, Grafana Cloud, Datadog, OTLP collectors).
//!
//! Every exporter is a cargo feature and shares one engine ([`Pusher`]): the interval, the
//! per-push timeout, retries with exponential backoff and jitter on connection errors, 429
//! and 5xx (never on another 4xx), a final push on shutdown, and self-metrics
//! (`tallyho_pushes_total`, `tallyho_push_failures_total`,
//! `tallyho_push_last_success_timestamp_seconds`, `tallyho_push_payload_bytes_total`).
//! While a backend is down the engine keeps no queue: each push reads the current values, so
//! memory is bounded by the number of series, and delta protocols send what accumulated.
//! The application never waits on it: updates are atomics the engine only reads.

// Helpers shared by several exporters are unused in a build with only some of them.
#![cfg_attr(
    not(all(
        feature = "remote-write",
        feature = "otlp",
        feature = "datadog",
        feature = "dogstatsd"
    )),
    allow(dead_code)
)]

mod engine;
mod env;
mod metrics;
mod options;

#[cfg(any(feature = "datadog", feature = "dogstatsd", feature = "otlp"))]
mod delta;
#[cfg(feature = "_http")]
mod http;
#[cfg(any(feature = "remote-write", feature = "otlp"))]
mod protobuf;

#[cfg(feature = "datadog")]
mod datadog;
#[cfg(feature = "dogstatsd")]
mod dogstatsd;
#[cfg(feature = "otlp")]
mod otlp;
#[cfg(feature = "remote-write")]
mod remote_write;

pub use engine::Pusher;
pub use options::ConfigError;

#[cfg(feature = "datadog")]
pub use datadog::Datadog;
#[cfg(feature = "dogstatsd")]
pub use dogstatsd::DogStatsD;
#[cfg(feature = "otlp")]
pub use otlp::{Otlp, Temporality};
#[cfg(feature = "remote-write")]
pub use remote_write::RemoteWrite;

/// Encoders without the network, for the benchmarks in `bench/`; not a public API.
#[doc(hidden)]
pub mod __bench {
    /// One remote write push of the whole registry: (protobuf bytes, snappy bytes).
    #[cfg(feature = "remote-write")]
    pub fn remote_write() -> (usize, usize) {
        super::remote_write::encode_for_bench()
    }

    /// One OTLP push: (protobuf bytes, bytes on the wire).
    #[cfg(feature = "otlp")]
    pub fn otlp(delta: bool) -> (usize, usize) {
        super::otlp::encode_for_bench(delta)
    }

    /// One Datadog push: (JSON bytes, deflated bytes).
    #[cfg(feature = "datadog")]
    pub fn datadog() -> (usize, usize) {
        super::datadog::encode_for_bench()
    }

    /// One DogStatsD push: (lines, bytes in datagrams).
    #[cfg(feature = "dogstatsd")]
    pub fn dogstatsd() -> (usize, usize) {
        super::dogstatsd::encode_for_bench()
    }
}
