//! Datadog's rules for metric names and tags, shared by the HTTP API and DogStatsD: names
//! of ASCII letters, digits, `_` and `.`; tags lowercased, of letters, digits and `_-:./`;
//! both at most 200 characters, anything else replaced by `_`.

const MAX_LEN: usize = 200;

/// A metric name Datadog accepts: starts with a letter, other characters become `_`.
pub(crate) fn metric_name(name: &str, out: &mut String) {
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
pub(crate) fn tag(key: &str, value: &str, out: &mut String) {
    let start = out.len();
    for (i, c) in key.chars().chain([':']).chain(value.chars()).enumerate() {
        if i >= MAX_LEN {
            break;
        }
        let c = c.to_ascii_lowercase();
        out.push(match c {
            'a'..='z' | '0'..='9' | '_' | '-' | ':' | '.' | '/' => c,
            _ => '_',
        });
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
pub(crate) fn upper_bound(bound: f64, out: &mut String) {
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
    fn names_and_tags_follow_datadogs_rules() {
        let mut out = String::new();
        metric_name("orders-total", &mut out);
        assert_eq!(out, "orders_total");
        out.clear();
        metric_name("9lives", &mut out);
        assert_eq!(out, "m9lives");
        out.clear();
        tag("region", "EU West/1 é", &mut out);
        assert_eq!(out, "region:eu_west/1__");
        out.clear();
        tag("k", &"x".repeat(300), &mut out);
        assert_eq!(out.len(), 200);
        out.clear();
        tag("_k", "", &mut out);
        assert_eq!(out, "t_k");
    }
}
