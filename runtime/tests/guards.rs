//! In-flight gauges and timers: the value is right however the guarded work ends.

use std::time::Duration;

use tallyho::{Gauge, Histogram, Unit};

static JOBS_IN_FLIGHT: Gauge = Gauge::new("guard_jobs_in_flight").help("Jobs running.");
static UNSIGNED_IN_FLIGHT: Gauge<u64> = Gauge::new("guard_unsigned").help("Unsigned.");
static JOB_TIME: Histogram = Histogram::new("guard_job_duration_seconds")
    .help("Job time.")
    .unit(Unit::Seconds)
    .buckets(&[0.001, 10.0]);

#[test]
fn an_in_flight_guard_counts_while_it_lives_and_after_a_panic() {
    JOBS_IN_FLIGHT.increment();
    JOBS_IN_FLIGHT.increment();
    JOBS_IN_FLIGHT.decrement();
    assert_eq!(JOBS_IN_FLIGHT.get(), 1);
    {
        let _one = JOBS_IN_FLIGHT.in_flight();
        let _two = JOBS_IN_FLIGHT.in_flight();
        assert_eq!(JOBS_IN_FLIGHT.get(), 3);
    }
    assert_eq!(JOBS_IN_FLIGHT.get(), 1);
    let panicked = std::panic::catch_unwind(|| {
        let _in_flight = JOBS_IN_FLIGHT.in_flight();
        assert_eq!(JOBS_IN_FLIGHT.get(), 2);
        panic!("the job failed");
    });
    assert!(panicked.is_err());
    assert_eq!(
        JOBS_IN_FLIGHT.get(),
        1,
        "the guard decremented while unwinding"
    );
    UNSIGNED_IN_FLIGHT.decrement();
    assert_eq!(
        UNSIGNED_IN_FLIGHT.get(),
        0,
        "an unsigned gauge stops at zero"
    );
}

#[test]
fn timers_record_once_and_durations_are_seconds() {
    JOB_TIME.observe_duration(Duration::from_millis(1500));
    {
        let _timer = JOB_TIME.start_timer();
        std::thread::sleep(Duration::from_millis(5));
    }
    let explicit = JOB_TIME.start_timer().observe();
    JOB_TIME.start_timer().discard();
    let text = tallyho::encode(tallyho::Format::Prometheus);
    let count = text
        .lines()
        .find(|l| l.starts_with("guard_job_duration_seconds_count"))
        .unwrap();
    assert!(
        count.ends_with(" 3"),
        "1.5 s, the scoped timer and the explicit one: {count}"
    );
    let above_1ms = text
        .lines()
        .find(|l| l.starts_with("guard_job_duration_seconds_bucket") && l.contains("le=\"10.0\""))
        .unwrap();
    assert!(above_1ms.ends_with(" 3"), "{above_1ms}");
    let sum: f64 = text
        .lines()
        .find(|l| l.starts_with("guard_job_duration_seconds_sum"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap();
    assert!(sum >= 1.505 + explicit.as_secs_f64() && sum < 10.0, "{sum}");
}
