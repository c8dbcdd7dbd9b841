//! The process metrics, checked against what `/proc/self` says when read by the test itself.

#![cfg(target_os = "linux")]

use tallyho::Format;
use tallyho_tests::promtool_check;

/// The sample value of `name` in the Prometheus text.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with('{'))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

/// A `Key: value` line of `/proc/self/status`, as a number.
fn status(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find_map(|l| l.strip_prefix(key)).unwrap();
    line.split_whitespace().next().unwrap().parse().unwrap()
}

fn within(actual: f64, expected: f64, tolerance: f64, what: &str) {
    let difference = (actual - expected).abs();
    assert!(
        difference <= tolerance,
        "{what}: exported {actual}, /proc says {expected}"
    );
}

#[test]
fn process_metrics_match_proc_self() {
    tallyho::register_process_metrics();
    let started = std::time::Instant::now();
    // Some CPU time to count (a tick is 10 ms).
    let mut spin = 0u64;
    while started.elapsed() < std::time::Duration::from_millis(150) {
        spin = std::hint::black_box(spin.wrapping_add(1));
    }
    let text = tallyho::encode(Format::Prometheus);
    promtool_check(&text);
    for family in [
        "process_cpu_seconds_total counter",
        "process_open_fds gauge",
        "process_max_fds gauge",
        "process_virtual_memory_bytes gauge",
        "process_resident_memory_bytes gauge",
        "process_start_time_seconds gauge",
        "process_threads gauge",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family}\n")),
            "{family}:\n{text}"
        );
    }

    let rss = status("VmRSS:") * 1024.0;
    within(
        sample(&text, "process_resident_memory_bytes"),
        rss,
        rss * 0.25,
        "resident memory",
    );
    let vsize = status("VmSize:") * 1024.0;
    within(
        sample(&text, "process_virtual_memory_bytes"),
        vsize,
        vsize * 0.25,
        "virtual memory",
    );
    within(
        sample(&text, "process_threads"),
        status("Threads:"),
        4.0,
        "threads",
    );
    let fds = std::fs::read_dir("/proc/self/fd").unwrap().count() as f64;
    within(sample(&text, "process_open_fds"), fds, 8.0, "open fds");

    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let max_fds: f64 = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .unwrap();
    assert_eq!(sample(&text, "process_max_fds"), max_fds);
    let unlimited_address_space = limits
        .lines()
        .any(|l| l.starts_with("Max address space") && l.contains("unlimited"));
    // An unlimited limit has no number to export: the family is left out, not NaN.
    assert_eq!(
        text.contains("process_virtual_memory_max_bytes"),
        !unlimited_address_space
    );

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let start = sample(&text, "process_start_time_seconds");
    assert!(
        start <= now && start > now - 3600.0,
        "started at {start}, now {now}"
    );
    let cpu = sample(&text, "process_cpu_seconds_total");
    assert!(
        cpu > 0.0 && cpu < now - start + started.elapsed().as_secs_f64() * 64.0 + 1.0,
        "{cpu}"
    );
}
