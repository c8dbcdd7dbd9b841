//! Two live metrics with one name (say, in two crates the analyzer never saw): one is
//! exported by a fixed rule, the other is counted and named on stderr, never silently lost.

use tallyho::{Counter, Format, Gauge};
use tallyho_tests::promtool_check;

/// Jobs run, from one crate.
static JOBS_COUNTER: Counter = Counter::new("dup_jobs").help("Jobs run.");
/// Jobs running, from another crate that chose the same name.
static JOBS_GAUGE: Gauge = Gauge::new("dup_jobs").help("Jobs running.");

#[test]
fn a_duplicate_name_exports_one_family_and_says_so() {
    JOBS_GAUGE.set(7);
    JOBS_COUNTER.add(3);
    let text = tallyho::encode(Format::Prometheus);
    let headers: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("# TYPE dup_jobs"))
        .collect();
    // Counters sort before gauges: the rule does not depend on which registered first.
    assert_eq!(headers, ["# TYPE dup_jobs_total counter"], "{text}");
    assert!(text
        .lines()
        .any(|l| l.starts_with("dup_jobs_total{") && l.ends_with(" 3")));
    assert!(!text.contains("dup_jobs{"), "{text}");
    let conflicts = text
        .lines()
        .find(|l| l.starts_with("tallyho_duplicate_metrics_total{"))
        .expect("the conflict is counted");
    assert!(conflicts.ends_with(" 1"), "{conflicts}");
    promtool_check(&text);
}
