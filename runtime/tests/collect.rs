//! The collection seam: what an exporter sees of every family and series.

use tallyho::{
    CounterGroup, Descriptor, Domain, Field, GaugeGroup, HistogramGroup, HistogramSample, Kind,
    LabelSet, LabelValue, Meta, Sample, Series, Visitor,
};

#[derive(LabelSet)]
struct JobLabels {
    queue: Queue,
    retried: Option<Queue>,
}

#[derive(LabelValue)]
enum Queue {
    Fast,
    Slow,
}

/// Jobs run.
static JOBS: CounterGroup<JobLabels> = CounterGroup::new("collect_jobs");
static DEPTH: GaugeGroup<JobLabels, f64> = GaugeGroup::new("collect_depth");
static WAIT: HistogramGroup<JobLabels> =
    HistogramGroup::new("collect_wait_seconds").buckets(&[0.5, 1.0]);
static JOBS_DESCRIBED: Descriptor = Descriptor::new("collect_jobs", Kind::Counter)
    .help("Jobs run, from the doc comment.")
    .labels(&[Field {
        key: "queue",
        domain: Domain::Finite(&["fast", "slow"]),
    }]);
static UNUSED: Descriptor = Descriptor::new("collect_unused_seconds", Kind::Histogram)
    .help("Described, never observed.")
    .buckets(&[1.0]);

type Labels = Vec<(&'static str, &'static str)>;
/// Family, labels, per-bucket counts, count, sum, cumulative buckets.
type HistogramRow = (String, Labels, Vec<u64>, u64, f64, Vec<(f64, u64)>);

#[derive(Default)]
struct Record {
    families: Vec<(String, Kind, String)>,
    samples: Vec<(String, Labels, Sample)>,
    histograms: Vec<HistogramRow>,
}

impl Visitor for Record {
    fn family(&mut self, meta: &Meta) {
        self.families
            .push((meta.name().to_owned(), meta.kind(), meta.help().to_owned()));
    }

    fn sample(&mut self, series: &Series<'_>, value: Sample) {
        let family = self.families.last().unwrap().0.clone();
        self.samples
            .push((family, series.labels().collect(), value));
    }

    fn histogram(&mut self, series: &Series<'_>, h: &HistogramSample<'_>) {
        let family = self.families.last().unwrap().0.clone();
        let (counts, cumulative) = (h.counts().to_vec(), h.cumulative().collect());
        let row = (
            family,
            series.labels().collect(),
            counts,
            h.count(),
            h.sum(),
            cumulative,
        );
        self.histograms.push(row);
    }
}

fn labels(queue: &'static str, retried: Option<&'static str>) -> Labels {
    let mut out = vec![("queue", queue)];
    out.extend(retried.map(|r| ("retried", r)));
    out
}

#[test]
fn every_family_and_series_reaches_the_visitor() {
    JOBS_DESCRIBED.register();
    UNUSED.register();
    let slow_retried = JobLabels {
        queue: Queue::Slow,
        retried: Some(Queue::Fast),
    };
    JOBS.with(&slow_retried).add(4);
    DEPTH.with(&slow_retried).set(-2.5);
    WAIT.with(&slow_retried).observe(0.7);
    WAIT.with(&slow_retried).observe(3.0);

    let mut record = Record::default();
    tallyho::collect(&mut record);
    let mine: Vec<_> = record
        .families
        .iter()
        .filter(|f| f.0.starts_with("collect_"))
        .cloned()
        .collect();
    assert_eq!(
        mine,
        [
            ("collect_depth".into(), Kind::Gauge, String::new()),
            // The live counter wins, borrowing the descriptor's help.
            (
                "collect_jobs".into(),
                Kind::Counter,
                "Jobs run, from the doc comment.".into()
            ),
            (
                "collect_unused_seconds".into(),
                Kind::Histogram,
                "Described, never observed.".into()
            ),
            (
                "collect_wait_seconds".into(),
                Kind::Histogram,
                String::new()
            ),
        ]
    );

    // 2 queues x 3 retried values, `None` exported without the label.
    let jobs: Vec<_> = record
        .samples
        .iter()
        .filter(|s| s.0 == "collect_jobs")
        .collect();
    assert_eq!(jobs.len(), 6);
    assert_eq!(jobs[0].1, labels("fast", None));
    let hit = jobs
        .iter()
        .find(|s| s.1 == labels("slow", Some("fast")))
        .unwrap();
    assert_eq!(hit.2, Sample::U64(4));
    assert_eq!(jobs.iter().filter(|s| s.2 == Sample::U64(0)).count(), 5);
    let depth = record
        .samples
        .iter()
        .find(|s| s.0 == "collect_depth" && s.2 != Sample::F64(0.0));
    assert_eq!(depth.unwrap().2, Sample::F64(-2.5));

    let wait = record
        .histograms
        .iter()
        .find(|h| h.0 == "collect_wait_seconds" && h.1 == labels("slow", Some("fast")))
        .unwrap();
    assert_eq!(wait.2, [0, 1, 1], "per-bucket counts, +Inf last");
    assert_eq!((wait.3, wait.4), (2, 3.7));
    assert_eq!(wait.5, [(0.5, 0), (1.0, 1), (f64::INFINITY, 2)]);

    let unused: Vec<_> = record
        .histograms
        .iter()
        .filter(|h| h.0 == "collect_unused_seconds")
        .collect();
    assert_eq!(unused.len(), 1);
    assert_eq!((unused[0].2.clone(), unused[0].3), (vec![0, 0], 0));
}
