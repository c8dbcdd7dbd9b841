//! `Accept-Encoding` negotiation (RFC 9110, section 12.5.3): may the response be gzipped?

/// Whether the `Accept-Encoding` values allow gzip: `gzip` (or its alias `x-gzip`) with a
/// weight above zero, or, when gzip is not named, `*` with a weight above zero. A weight that
/// does not parse counts as zero, so a garbled header gets the plain body every client reads.
pub(crate) fn accepts_gzip<'a>(values: impl Iterator<Item = &'a str>) -> bool {
    let mut gzip = None::<f32>;
    let mut any = None::<f32>;
    for coding in values.flat_map(|value| value.split(',')) {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or("").trim();
        let weight = parts.find_map(weight).unwrap_or(1.0);
        let slot = if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            &mut gzip
        } else if name == "*" {
            &mut any
        } else {
            continue;
        };
        *slot = Some(slot.map_or(weight, |w| w.max(weight)));
    }
    gzip.or(any).is_some_and(|w| w > 0.0)
}

/// The weight of a `q=` parameter, 0 when malformed; `None` for other parameters.
fn weight(param: &str) -> Option<f32> {
    let (key, value) = param.split_once('=')?;
    if !key.trim().eq_ignore_ascii_case("q") {
        return None;
    }
    let q = value.trim().parse::<f32>().unwrap_or(0.0);
    Some(if (0.0..=1.0).contains(&q) { q } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(value: &str) -> bool {
        accepts_gzip(std::iter::once(value))
    }

    #[test]
    fn reads_codings_and_weights() {
        assert!(gzip("gzip"));
        assert!(gzip("GZip"));
        assert!(gzip("x-gzip"));
        assert!(gzip("deflate, gzip;q=0.5"));
        assert!(gzip("gzip; q=1.0, identity; q=0"));
        assert!(gzip("*"));
        assert!(gzip("br;q=1, *;q=0.1"));
        assert!(!gzip(""));
        assert!(!gzip("identity"));
        assert!(!gzip("deflate, br"));
        assert!(!gzip("gzip;q=0"));
        assert!(!gzip("gzip;Q=0.000"));
        assert!(!gzip("gzip;q=0, *"));
        assert!(!gzip("*;q=0"));
        assert!(!gzip("gzip;q=bogus"));
        assert!(!gzip("gzip;q=2"));
        assert!(!gzip("gzip;q=NaN"));
        assert!(!gzip("gzipx"));
        assert!(accepts_gzip(["deflate", "gzip"].into_iter()));
    }
}
