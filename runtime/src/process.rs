//! The standard Prometheus process metrics (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`, ...), read from `/proc/self` when collected.
//!
//! They are registered with [`register_process_metrics`] and read at every scrape or push, at
//! most every 100 ms however many families ask. Where a value cannot be had (another
//! platform, a missing `/proc` file, an unlimited limit) the family is left out, never
//! exported as NaN or a made-up number.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tallyho_spec::builtin::{process, BuiltinMetric};
use tallyho_spec::ValueType;

use crate::labels::Field;
use crate::metadata::Meta;
use crate::registry::{Collect, OneCell, Storage};
use crate::series::SeriesLabels;

/// Registers the process metrics, so every scrape and push carries them.
pub fn register_process_metrics() {
    for family in &PROCESS_FAMILIES {
        family.family.register(family);
    }
}

/// One process metric: how to read it from a snapshot, and the family it is reported by.
struct ProcessFamily {
    family: OneCell,
    read: fn(&Snapshot) -> Option<f64>,
    value_type: ValueType,
}

impl ProcessFamily {
    /// The family `tallyho_spec` describes as `spec`, read by `read`.
    const fn new(spec: BuiltinMetric, read: fn(&Snapshot) -> Option<f64>) -> ProcessFamily {
        let mut meta = Meta::new(spec.name, spec.kind).with_help(spec.help);
        if let Some(unit) = spec.unit {
            meta = meta.with_unit(unit);
        }
        ProcessFamily {
            family: OneCell::new(meta, spec.value_type),
            read,
            value_type: spec.value_type,
        }
    }
}

impl Collect for ProcessFamily {
    fn meta(&self) -> &Meta {
        self.family.meta()
    }

    fn fields(&self) -> &'static [Field] {
        &[]
    }

    fn series_labels(&self) -> &SeriesLabels {
        self.family.series_labels()
    }

    /// Reads the value now; a value the platform does not give leaves the family out.
    fn storage(&self) -> Storage<'_> {
        let Some(value) = snapshot().as_ref().and_then(self.read) else {
            return Storage::Absent;
        };
        let bits = match self.value_type {
            ValueType::F64 => value.to_bits(),
            ValueType::U64 | ValueType::I64 => value as u64,
        };
        self.family.cell.store(bits, Relaxed);
        self.family.storage()
    }
}

static PROCESS_FAMILIES: [ProcessFamily; process::METRICS.len()] = [
    ProcessFamily::new(process::CPU_SECONDS, |s| s.cpu_seconds),
    ProcessFamily::new(process::OPEN_FDS, |s| s.open_fds),
    ProcessFamily::new(process::MAX_FDS, |s| s.max_fds),
    ProcessFamily::new(process::VIRTUAL_MEMORY_BYTES, |s| s.virtual_bytes),
    ProcessFamily::new(process::VIRTUAL_MEMORY_MAX_BYTES, |s| s.virtual_max_bytes),
    ProcessFamily::new(process::RESIDENT_MEMORY_BYTES, |s| s.resident_bytes),
    ProcessFamily::new(process::START_TIME_SECONDS, |s| s.start_time_seconds),
    ProcessFamily::new(process::THREADS, |s| s.threads),
];

/// What one read of `/proc` found; `None` where it found nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Snapshot {
    pub(crate) cpu_seconds: Option<f64>,
    pub(crate) open_fds: Option<f64>,
    pub(crate) max_fds: Option<f64>,
    pub(crate) virtual_bytes: Option<f64>,
    pub(crate) virtual_max_bytes: Option<f64>,
    pub(crate) resident_bytes: Option<f64>,
    pub(crate) start_time_seconds: Option<f64>,
    pub(crate) threads: Option<f64>,
}

/// How long one read serves the families that ask after it: a scrape reads `/proc` once.
const FRESH_FOR: Duration = Duration::from_millis(100);

static LAST: Mutex<Option<(Instant, Option<Snapshot>)>> = Mutex::new(None);

/// The current snapshot, read anew when the last one is older than [`FRESH_FOR`].
fn snapshot() -> Option<Snapshot> {
    let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match &*last {
        Some((at, snapshot)) if at.elapsed() < FRESH_FOR => snapshot.clone(),
        _ => {
            let snapshot = read_proc();
            *last = Some((Instant::now(), snapshot.clone()));
            snapshot
        }
    }
}

#[cfg(target_os = "linux")]
fn read_proc() -> Option<Snapshot> {
    linux::read()
}

#[cfg(not(target_os = "linux"))]
fn read_proc() -> Option<Snapshot> {
    None
}

#[cfg(target_os = "linux")]
mod linux {
    //! `/proc/self/stat`, `/proc/self/status`, `/proc/self/limits`, `/proc/self/fd` and
    //! `/proc/stat`, parsed with std.

    use super::Snapshot;

    /// Clock ticks per second in `/proc`'s times: `USER_HZ`, 100 on every Linux ABI.
    const TICKS_PER_SECOND: f64 = 100.0;

    pub(super) fn read() -> Option<Snapshot> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let boot = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let fields = stat_fields(&stat)?;
        let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
        let boot_time = boot
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse::<f64>().ok());
        Some(Snapshot {
            cpu_seconds: Some((field(14)? + field(15)?) / TICKS_PER_SECOND),
            virtual_bytes: field(23),
            start_time_seconds: boot_time
                .zip(field(22))
                .map(|(b, t)| b + t / TICKS_PER_SECOND),
            resident_bytes: kib(&status, "VmRSS:"),
            threads: kib(&status, "Threads:").map(|t| t / 1024.0),
            open_fds: std::fs::read_dir("/proc/self/fd")
                .ok()
                .map(|d| d.count() as f64),
            max_fds: soft_limit(&limits, "Max open files"),
            virtual_max_bytes: soft_limit(&limits, "Max address space"),
        })
    }

    /// The fields of `/proc/self/stat` after the command name, which may hold spaces and
    /// parentheses: everything after the last `)`, starting at field 3 (`state`).
    fn stat_fields(stat: &str) -> Option<Vec<&str>> {
        let (_, rest) = stat.rsplit_once(')')?;
        Some(rest.split_whitespace().collect())
    }

    /// A `Key: value kB` line of `/proc/self/status` in bytes (a plain count times 1024).
    fn kib(status: &str, key: &str) -> Option<f64> {
        let value = status.lines().find_map(|l| l.strip_prefix(key))?;
        let number = value.split_whitespace().next()?.parse::<f64>().ok()?;
        Some(number * 1024.0)
    }

    /// A limit's soft value from `/proc/self/limits`; `None` when unlimited.
    fn soft_limit(limits: &str, name: &str) -> Option<f64> {
        let rest = limits.lines().find_map(|l| l.strip_prefix(name))?;
        rest.split_whitespace().next()?.parse::<f64>().ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_command_name_with_spaces_and_parentheses_is_skipped() {
            let stat = "42 (a (b) c) S 1 2 3";
            assert_eq!(stat_fields(stat).unwrap(), ["S", "1", "2", "3"]);
        }

        #[test]
        fn unlimited_limits_are_left_out() {
            let limits = "Max open files            1024                 524288               files\nMax address space         unlimited            unlimited            bytes\n";
            assert_eq!(soft_limit(limits, "Max open files"), Some(1024.0));
            assert_eq!(soft_limit(limits, "Max address space"), None);
        }
    }
}
