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
#[cfg(any(feature = "datadog", feature = "dogstatsd"))]
mod datadog_names;
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
