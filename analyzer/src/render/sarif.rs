//! Findings as a SARIF 2.1.0 log, the format GitHub code scanning uploads
//! (`github/codeql-action/upload-sarif`): one run, the rule catalogue as the driver's rules,
//! one result per finding.

use serde_json::{json, Value};

use crate::analysis::Analysis;
use crate::catalogue::Rule;
use crate::severity::Severity;
use crate::source::{SourceMap, Span};

/// The base id every artifact URI is relative to: the workspace root.
const SRCROOT: &str = "%SRCROOT%";

/// The analysis as one SARIF 2.1.0 document. Paths are relative to the workspace root
/// (`%SRCROOT%`); lines and columns are 1-based, columns count Unicode code points.
pub fn sarif(analysis: &Analysis) -> String {
    let results: Vec<Value> = analysis
        .findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.code.code(),
                "ruleIndex": rule_index(f.code),
                "level": level(f.severity),
                "message": { "text": message_text(&f.message, &f.help) },
                "locations": [location(&analysis.sources, &f.span, &f.label, None)],
            });
            if !f.related.is_empty() {
                result["relatedLocations"] = f
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, (span, label))| location(&analysis.sources, span, label, Some(i)))
                    .collect();
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver() },
            "originalUriBaseIds": {
                SRCROOT: { "uri": directory_uri(&analysis.workspace.root) },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

/// tallyho as the tool, with every rule of the catalogue in `Rule::ALL` order.
fn driver() -> Value {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|&rule| rule_descriptor(rule))
        .collect();
    json!({
        "name": "tallyho",
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": env!("CARGO_PKG_REPOSITORY"),
        "rules": rules,
    })
}

/// A rule's catalogue page as a SARIF reporting descriptor.
fn rule_descriptor(rule: Rule) -> Value {
    let text = format!(
        "{}\n\nRejected:\n{}\n\nFixed:\n{}",
        rule.why(),
        rule.bad(),
        rule.good()
    );
    let markdown = format!(
        "{}\n\nRejected:\n\n```rust\n{}\n```\n\nFixed:\n\n```rust\n{}\n```",
        rule.why(),
        rule.bad(),
        rule.good()
    );
    json!({
        "id": rule.code(),
        "name": rule.code(),
        "shortDescription": { "text": rule.summary() },
        "fullDescription": { "text": rule.why() },
        "help": { "text": text, "markdown": markdown },
        "defaultConfiguration": { "level": level(rule.default_severity()) },
    })
}

fn rule_index(rule: Rule) -> usize {
    Rule::ALL.iter().position(|&r| r == rule).unwrap_or(0)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Off => "none",
    }
}

/// The message, with the help line after it as rustc prints it.
fn message_text(message: &str, help: &str) -> String {
    if help.is_empty() {
        message.to_owned()
    } else {
        format!("{message}\nhelp: {help}")
    }
}

/// A span as a SARIF location: its file relative to `%SRCROOT%` and its region; `id` for
/// related locations.
fn location(sources: &SourceMap, span: &Span, label: &str, id: Option<usize>) -> Value {
    let (start_line, start_column) = sources.line_column(span.file, span.range.start);
    let (end_line, end_column) = sources.line_column(span.file, span.range.end);
    let name = &sources.get(span.file).name;
    let artifact = if name.starts_with('/') {
        json!({ "uri": format!("file://{}", encode_path(name)) })
    } else {
        json!({ "uri": encode_path(name), "uriBaseId": SRCROOT })
    };
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            },
        },
    });
    if let Some(id) = id {
        location["id"] = json!(id);
    }
    if !label.is_empty() {
        location["message"] = json!({ "text": label });
    }
    location
}

/// The workspace root as a `file:` URI ending in `/`, as `originalUriBaseIds` requires.
fn directory_uri(root: &std::path::Path) -> String {
    let path = root.to_string_lossy().replace('\\', "/");
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let path = encode_path(&path);
    if path.ends_with('/') {
        format!("file://{path}")
    } else {
        format!("file://{path}/")
    }
}

/// Percent-encodes every byte of a `/`-separated path that a URI path cannot hold as is.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~@!$&'()*+,;=".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded_and_roots_end_in_a_slash() {
        assert_eq!(encode_path("src/a b/é.rs"), "src/a%20b/%C3%A9.rs");
        assert_eq!(
            directory_uri(std::path::Path::new("/work/my ws")),
            "file:///work/my%20ws/"
        );
    }

    #[test]
    fn every_rule_has_its_index_in_the_catalogue() {
        for (i, &rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(rule_index(rule), i);
        }
    }
}
