//! Escaping for label values and help text, which differ slightly between the two formats.

/// Label values, identical in both formats: backslash, double quote and line feed.
pub(crate) fn escape_label_value(value: &str, out: &mut String) {
    escape(value, out, true);
}

/// Help text in Prometheus text 0.0.4 escapes backslash and line feed; OpenMetrics also
/// escapes the double quote.
pub(crate) fn escape_help(help: &str, quote: bool, out: &mut String) {
    escape(help, out, quote);
}

fn escape(text: &str, out: &mut String, quote: bool) {
    let mut rest = text;
    while let Some(at) = rest.find(|c| c == '\\' || c == '\n' || (quote && c == '"')) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            _ => "\\\"",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_per_format() {
        let mut out = String::new();
        escape_label_value("a\"b\\c\nd\té", &mut out);
        assert_eq!(out, "a\\\"b\\\\c\\nd\té");
        out.clear();
        escape_help("say \"hi\"\\\n", false, &mut out);
        assert_eq!(out, "say \"hi\"\\\\\\n");
        out.clear();
        escape_help("say \"hi\"", true, &mut out);
        assert_eq!(out, "say \\\"hi\\\"");
    }
}
