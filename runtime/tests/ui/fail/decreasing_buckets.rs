static LATENCY: tallyho::Histogram = tallyho::Histogram::new("latency_seconds").buckets(&[0.5, 0.1]);

fn main() {
    LATENCY.observe(1.0);
}
