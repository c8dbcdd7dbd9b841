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

/// A tag `key:value` as Datadog stores it (see [`write_datadog_tag`]).
pub fn datadog_tag(key: &str, value: &str) -> String {
    let mut out = String::new();
    write_datadog_tag(key, value, &mut out);
    out
}

/// One side of a tag, sanitised as Datadog does on intake: a tag key in a `by {}` clause.
pub fn sanitize_tag_part(text: &str) -> String {
    text.chars().map(tag_char).collect()
}

/// A character of a tag as Datadog keeps it: lowercased letters, digits and `_ - : . /`;
/// anything else becomes `_`.
fn tag_char(c: char) -> char {
    match c.to_ascii_lowercase() {
        c @ ('a'..='z' | '0'..='9' | '_' | '-' | ':' | '.' | '/') => c,
        _ => '_',
    }
}

/// The longest metric name or tag Datadog keeps.
const MAX_LEN: usize = 200;

/// A metric name Datadog accepts: starts with a letter, other characters become `_`.
pub fn write_datadog_metric_name(name: &str, out: &mut String) {
    let start = out.len();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.push('m');
    }
    for c in name.chars() {
        if out.len() - start >= MAX_LEN {
            break;
        }
        out.push(if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            c
        } else {
            '_'
        });
    }
}

/// Appends the tag `key:value`, lowercased and sanitized, at most 200 characters, not
/// ending in `:`.
pub fn write_datadog_tag(key: &str, value: &str, out: &mut String) {
    let start = out.len();
    for (i, c) in key.chars().chain([':']).chain(value.chars()).enumerate() {
        if i >= MAX_LEN {
            break;
        }
        out.push(tag_char(c));
    }
    if out[start..].starts_with(|c: char| !c.is_ascii_lowercase()) {
        out.insert(start, 't');
        out.truncate(start + MAX_LEN);
    }
    while out.len() > start && out.ends_with(':') {
        out.pop();
    }
}

/// A bucket bound as Datadog's OpenMetrics check writes it in `upper_bound:` (`inf` last).
pub fn write_datadog_upper_bound(bound: f64, out: &mut String) {
    use std::fmt::Write;
    if bound.is_infinite() {
        out.push_str("inf");
    } else {
        let _ = write!(out, "{bound:?}");
    }
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

    #[test]
    fn names_and_tags_follow_datadogs_rules() {
        let mut out = String::new();
        write_datadog_metric_name("orders-total", &mut out);
        assert_eq!(out, "orders_total");
        out.clear();
        write_datadog_metric_name("9lives", &mut out);
        assert_eq!(out, "m9lives");
        out.clear();
        write_datadog_tag("region", "EU West/1 é", &mut out);
        assert_eq!(out, "region:eu_west/1__");
        out.clear();
        write_datadog_tag("k", &"x".repeat(300), &mut out);
        assert_eq!(out.len(), 200);
        out.clear();
        write_datadog_tag("_k", "", &mut out);
        assert_eq!(out, "t_k");
    }
}
