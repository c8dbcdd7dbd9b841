//! What every exporter's builder shares: schedule, timeout, the replica's identity, TLS
//! roots, and the error a bad configuration gives.

use std::fmt;
use std::time::Duration;

use super::env;

/// The default time between pushes.
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// The default limit on one push (connect, send, answer).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings common to every exporter, filled by the builders' shared methods.
#[derive(Clone, Debug)]
pub(crate) struct Common {
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    pub(crate) instance: Option<String>,
    /// PEM root certificates that replace the built-in roots (HTTP exporters only).
    #[cfg_attr(not(feature = "_http"), allow(dead_code))]
    pub(crate) roots_pem: Option<Vec<u8>>,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
            instance: None,
            roots_pem: None,
        }
    }
}

impl Common {
    /// Reads `TALLYHO_PUSH_INTERVAL`, `TALLYHO_PUSH_TIMEOUT` (seconds), `TALLYHO_INSTANCE`
    /// and `TALLYHO_PUSH_CA_FILE` (a PEM file of root certificates).
    pub(crate) fn from_env() -> Result<Common, ConfigError> {
        let mut common = Common::default();
        if let Some(v) = env::seconds("TALLYHO_PUSH_INTERVAL")? {
            common.interval = v;
        }
        if let Some(v) = env::seconds("TALLYHO_PUSH_TIMEOUT")? {
            common.timeout = v;
        }
        common.instance = env::var("TALLYHO_INSTANCE");
        if let Some(path) = env::var("TALLYHO_PUSH_CA_FILE") {
            let pem = std::fs::read(&path).map_err(|e| {
                ConfigError::new(format!("TALLYHO_PUSH_CA_FILE: cannot read {path}: {e}"))
            })?;
            common.roots_pem = Some(pem);
        }
        Ok(common)
    }

    /// This replica's identity: the configured one, else `<hostname>-<pid>`.
    pub(crate) fn instance(&self) -> String {
        self.instance
            .clone()
            .unwrap_or_else(|| format!("{}-{}", hostname(), std::process::id()))
    }
}

/// The machine's name, from the kernel, else `$HOSTNAME`, else `localhost`.
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// The builder methods every exporter shares; expects a `common: Common` field.
macro_rules! common_builders {
    () => {
        /// Time between pushes (default 60 s). A zero interval is raised to 1 ms.
        pub fn interval(mut self, interval: std::time::Duration) -> Self {
            self.common.interval = interval.max(std::time::Duration::from_millis(1));
            self
        }

        /// Limit on one push, connecting, sending and reading the answer (default 10 s), so
        /// a slow backend costs one late push, never a stuck thread.
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.common.timeout = timeout;
            self
        }

        /// This replica's identity, so replicas of a service do not overwrite each other's
        /// series (default `<hostname>-<pid>`, or `TALLYHO_INSTANCE`).
        pub fn instance(mut self, instance: impl Into<String>) -> Self {
            self.common.instance = Some(instance.into());
            self
        }
    };
}

/// The builder method of the HTTP exporters that sets the trusted roots.
#[cfg(feature = "_http")]
macro_rules! tls_builders {
    () => {
        /// Trusts only the root certificates in `pem` instead of the built-in Mozilla roots:
        /// for a collector behind a private CA (`TALLYHO_PUSH_CA_FILE` does the same).
        pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
            self.common.roots_pem = Some(pem.into());
            self
        }
    };
}

pub(crate) use common_builders;
#[cfg(feature = "_http")]
pub(crate) use tls_builders;

/// A configuration the exporter cannot start with: a missing or malformed setting, or a
/// thread that could not be spawned. The message names the setting, never a secret's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> ConfigError {
        ConfigError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}
