//! Prometheus text 0.0.4 and OpenMetrics 1.0: one consumer of the collection seam.

mod format;
pub(crate) mod number;

pub use format::Format;

use crate::collect::{self, HistogramSample, Sample, Series, Visitor};
use crate::escape::escape_help;
use crate::metadata::{Kind, Meta};

/// Encodes every registered metric in `format`.
pub fn encode(format: Format) -> String {
    let mut out = String::new();
    encode_into(format, &mut out);
    out
}

/// Appends every registered metric in `format` to `out`, for serving from any HTTP stack
/// (set the response's `Content-Type` to [`Format::content_type`]).
pub fn encode_into(format: Format, out: &mut String) {
    collect::collect(&mut TextEncoder {
        out,
        format,
        base_name: String::new(),
    });
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
}

/// A scrape's response: the body and the `Content-Type` to send it with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScrapeResponse {
    /// Every registered metric, in the negotiated format.
    pub body: String,
    /// The `Content-Type` header value for `body`.
    pub content_type: &'static str,
}

/// Answers a scrape from any HTTP stack: give it the request's `Accept` header (if any), send
/// back the body with the content type. OpenMetrics when the client prefers it (Prometheus
/// does), Prometheus text 0.0.4 otherwise.
///
/// ```
/// let response = tallyho::scrape_response(Some("application/openmetrics-text; version=1.0.0"));
/// assert!(response.content_type.starts_with("application/openmetrics-text"));
/// assert!(response.body.ends_with("# EOF\n"));
/// ```
pub fn scrape_response(accept: Option<&str>) -> ScrapeResponse {
    let format = accept.map_or(Format::Prometheus, Format::from_accept);
    ScrapeResponse {
        body: encode(format),
        content_type: format.content_type(),
    }
}

/// Writes each family's header lines, then its samples.
struct TextEncoder<'a> {
    out: &'a mut String,
    format: Format,
    /// The current family's base name, which histogram lines extend with `_bucket`, `_sum`
    /// and `_count`.
    base_name: String,
}

impl Visitor for TextEncoder<'_> {
    fn family(&mut self, meta: &Meta) {
        // OpenMetrics names a counter family without `_total`; 0.0.4 names it as its samples.
        let base = match meta.kind() {
            Kind::Counter => meta.name().strip_suffix("_total").unwrap_or(meta.name()),
            _ => meta.name(),
        };
        self.base_name.clear();
        self.base_name.push_str(base);
        let family_suffix = match (meta.kind(), self.format) {
            (Kind::Counter, Format::Prometheus) => "_total",
            _ => "",
        };
        let out = &mut *self.out;
        let comment = |out: &mut String, what: &str| {
            out.push_str("# ");
            out.push_str(what);
            out.push(' ');
            out.push_str(base);
            out.push_str(family_suffix);
            out.push(' ');
        };
        match self.format {
            Format::Prometheus => {
                if !meta.help().is_empty() {
                    comment(out, "HELP");
                    escape_help(meta.help(), false, out);
                    out.push('\n');
                }
                comment(out, "TYPE");
                out.push_str(meta.kind().as_str());
                out.push('\n');
            }
            Format::OpenMetrics => {
                comment(out, "TYPE");
                out.push_str(meta.kind().as_str());
                out.push('\n');
                // A unit is only declared when the name carries it, as OpenMetrics requires.
                if let Some(unit) = meta.unit().filter(|u| u.is_suffix_of(base)) {
                    comment(out, "UNIT");
                    out.push_str(unit.as_str());
                    out.push('\n');
                }
                if !meta.help().is_empty() {
                    comment(out, "HELP");
                    escape_help(meta.help(), true, out);
                    out.push('\n');
                }
            }
        }
    }

    /// The pre-rendered line prefix, then the number.
    #[inline]
    fn sample(&mut self, series: &Series<'_>, value: Sample) {
        self.out.push_str(series.rendered());
        match value {
            Sample::U64(v) => number::write_u64(v, self.out),
            Sample::I64(v) => number::write_i64(v, self.out),
            Sample::F64(v) => number::write_f64(v, self.out),
        }
        self.out.push('\n');
    }

    /// Cumulative buckets, `+Inf`, sum and count.
    fn histogram(&mut self, series: &Series<'_>, histogram: &HistogramSample<'_>) {
        let labels = series.rendered();
        let mut count = 0;
        for (bound, cumulative) in histogram.cumulative() {
            count = cumulative;
            self.line("_bucket", labels, Some(bound), |out| {
                number::write_u64(cumulative, out)
            });
        }
        self.line("_sum", labels, None, |out| {
            number::write_f64(histogram.sum(), out)
        });
        self.line("_count", labels, None, |out| number::write_u64(count, out));
    }
}

impl TextEncoder<'_> {
    #[inline]
    fn line(
        &mut self,
        suffix: &str,
        labels: &str,
        le: Option<f64>,
        value: impl FnOnce(&mut String),
    ) {
        let out = &mut *self.out;
        out.push_str(&self.base_name);
        out.push_str(suffix);
        out.push('{');
        out.push_str(labels);
        if let Some(le) = le {
            out.push_str(",le=\"");
            number::write_f64(le, out);
            out.push('"');
        }
        out.push_str("} ");
        value(out);
        out.push('\n');
    }
}
