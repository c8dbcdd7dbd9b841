//! Reading settings from environment variables: empty means unset, and a malformed value is
//! an error naming the variable (never echoing it: it may be a secret).

use std::time::Duration;

use super::options::ConfigError;

/// The variable's value, `None` when unset or empty.
pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The variable, required.
#[cfg_attr(not(feature = "_http"), allow(dead_code))]
pub(crate) fn required(name: &str) -> Result<String, ConfigError> {
    var(name).ok_or_else(|| ConfigError::new(format!("{name} is not set")))
}

/// A duration in seconds (fractions allowed).
pub(crate) fn seconds(name: &str) -> Result<Option<Duration>, ConfigError> {
    parse_duration(name, 1.0)
}

/// A duration in milliseconds, as the OpenTelemetry variables give it.
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub(crate) fn millis(name: &str) -> Result<Option<Duration>, ConfigError> {
    parse_duration(name, 0.001)
}

fn parse_duration(name: &str, scale: f64) -> Result<Option<Duration>, ConfigError> {
    let Some(text) = var(name) else {
        return Ok(None);
    };
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| ConfigError::new(format!("{name} is not a number")))?;
    Duration::try_from_secs_f64(value * scale)
        .map(Some)
        .map_err(|_| ConfigError::new(format!("{name} is not a valid duration")))
}
