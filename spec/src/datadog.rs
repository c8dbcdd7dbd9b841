//! How a tallyho series is named in Datadog, written once so the Datadog exporter and the
//! generated Datadog dashboards cannot disagree.
//!
//! The rule: a metric keeps its manifest name (no `_total`: Datadog types the series, so a
//! counter is a COUNT of deltas under the bare name); a gauge is a GAUGE under its name; a
//! histogram becomes three COUNT series, `<name>.count`, `<name>.sum` and `<name>.bucket`, the
//! bucket carrying its bound as `upper_bound:<le>` (the Datadog Agent's OpenMetrics check does
//! the same, so dashboards built for scraped and pushed histograms match). Every series is
//! tagged `service:<service>` and `<key>:<value>` per label, tags lowercased and sanitised as
//! Datadog does on intake.

use crate::kind::Kind;

/// The tag naming the bucket bound of a histogram's `.bucket` series.
pub const DATADOG_BUCKET_TAG: &str = "upper_bound";

/// The Datadog metric names one tallyho metric is sent as: the name itself for counters and
/// gauges, the three histogram parts for histograms.
pub fn datadog_metric_names(name: &str, kind: Kind) -> Vec<String> {
    match kind {
        Kind::Counter | Kind::Gauge => vec![name.to_owned()],
        Kind::Histogram => DATADOG_HISTOGRAM_PARTS
            .iter()
            .map(|part| datadog_histogram_part(name, part))
            .collect(),
    }
}

/// The suffixes of a histogram's series in Datadog.
pub const DATADOG_HISTOGRAM_PARTS: &[&str] = &["count", "sum", "bucket"];

/// `<name>.<part>` for one part of a histogram (`count`, `sum` or `bucket`).
pub fn datadog_histogram_part(name: &str, part: &str) -> String {
    format!("{name}.{part}")
}

/// A tag `key:value` as Datadog stores it: lowercased, with every character outside
/// letters, digits and `_ - : . /` replaced by `_`.
pub fn datadog_tag(key: &str, value: &str) -> String {
    format!("{}:{}", sanitize_tag_part(key), sanitize_tag_part(value))
}

/// One side of a tag, sanitised as Datadog does on intake.
pub fn sanitize_tag_part(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '_' | '-' | ':' | '.' | '/') => c,
            _ => '_',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_tags() {
        assert_eq!(datadog_metric_names("orders", Kind::Counter), ["orders"]);
        assert_eq!(
            datadog_metric_names("latency_seconds", Kind::Histogram),
            [
                "latency_seconds.count",
                "latency_seconds.sum",
                "latency_seconds.bucket"
            ]
        );
        assert_eq!(
            datadog_tag("method", "Bank Transfer"),
            "method:bank_transfer"
        );
        assert_eq!(datadog_tag("service", "shop"), "service:shop");
    }
}
