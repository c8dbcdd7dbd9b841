//! A small job that records metrics and pushes them, configured from the environment.
//!
//! ```text
//! TALLYHO_REMOTE_WRITE_URL=http://127.0.0.1:9090/api/v1/write \
//!     cargo run --example push --all-features -- remote-write
//! ```
//!
//! The exporter (`remote-write`, `otlp`, `datadog` or `dogstatsd`) is the first argument.
//! Each line on standard input records one more round of the same updates and asks for a
//! push; end of input shuts the exporter down, which pushes one last time.

use std::io::BufRead;

use tallyho::push::{Datadog, DogStatsD, Otlp, Pusher, RemoteWrite};
use tallyho::{CounterGroup, Gauge, HistogramGroup, LabelSet, LabelValue, Unit};

#[derive(LabelSet)]
struct JobLabels {
    region: Region,
    retried: Option<Region>,
}

#[derive(LabelValue, Clone, Copy)]
enum Region {
    Eu,
    Us,
}

/// Jobs run, by region and where a retry came from.
static JOBS: CounterGroup<JobLabels> = CounterGroup::new("push_demo_jobs").help("Jobs run.");

/// Jobs waiting.
static BACKLOG: Gauge = Gauge::new("push_demo_backlog").help("Jobs waiting.");

/// Time to run a job.
static JOB_TIME: HistogramGroup<JobLabels> = HistogramGroup::new("push_demo_job_seconds")
    .help("Time to run a job.")
    .unit(Unit::Seconds)
    .buckets(&[0.1, 0.5, 1.0]);

/// One round: 3 jobs in eu (one a retry from us), 1 in us; the backlog grows by 2.
fn record_round() {
    let eu = JobLabels {
        region: Region::Eu,
        retried: None,
    };
    let retried = JobLabels {
        region: Region::Eu,
        retried: Some(Region::Us),
    };
    let us = JobLabels {
        region: Region::Us,
        retried: None,
    };
    JOBS.with(&eu).add(2);
    JOBS.with(&retried).increment();
    JOBS.with(&us).increment();
    BACKLOG.add(2);
    for seconds in [0.05, 0.2, 0.2, 3.0] {
        JOB_TIME.with(&eu).observe(seconds);
    }
    JOB_TIME.with(&us).observe(0.7);
}

fn start(exporter: &str) -> Result<Pusher, Box<dyn std::error::Error>> {
    Ok(match exporter {
        "remote-write" => RemoteWrite::from_env()?.start()?,
        "otlp" => Otlp::from_env()?.start()?,
        "datadog" => Datadog::from_env()?.start()?,
        "dogstatsd" => DogStatsD::from_env()?.start()?,
        other => return Err(format!("unknown exporter {other:?}").into()),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let exporter = std::env::args().nth(1).unwrap_or_default();
    let pusher = start(&exporter)?;
    record_round();
    pusher.push_now();
    println!("push: started {exporter}");
    for line in std::io::stdin().lock().lines() {
        line?;
        record_round();
        pusher.push_now();
    }
    pusher.shutdown();
    Ok(())
}
