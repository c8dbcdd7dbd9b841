//! The two exposition formats and the `Accept` header negotiation between them.

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Prometheus text format 0.0.4, understood by every scraper.
    Prometheus,
    /// OpenMetrics 1.0 text, which Prometheus prefers when offered.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// Picks the format an HTTP client asked for: OpenMetrics when its `Accept` header ranks
    /// `application/openmetrics-text` at least as high as anything else, else Prometheus text.
    pub fn from_accept(accept: &str) -> Format {
        let mut openmetrics = 0.0f32;
        let mut other = 0.0f32;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let mut q = 1.0f32;
            for param in parts {
                if let Some((key, value)) = param.split_once('=') {
                    if key.trim().eq_ignore_ascii_case("q") {
                        q = value.trim().parse().unwrap_or(0.0);
                    }
                }
            }
            if media.eq_ignore_ascii_case("application/openmetrics-text") {
                openmetrics = openmetrics.max(q);
            } else {
                other = other.max(q);
            }
        }
        if openmetrics > 0.0 && openmetrics >= other {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_like_prometheus_expects() {
        let prometheus_2_42 = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::from_accept(prometheus_2_42), Format::OpenMetrics);
        assert_eq!(Format::from_accept("text/plain"), Format::Prometheus);
        assert_eq!(Format::from_accept("*/*"), Format::Prometheus);
        assert_eq!(Format::from_accept(""), Format::Prometheus);
        assert_eq!(
            Format::from_accept("text/plain;q=0.9, application/openmetrics-text;q=0.1"),
            Format::Prometheus
        );
        assert_eq!(
            Format::from_accept("application/openmetrics-text;q=bogus"),
            Format::Prometheus
        );
    }
}
