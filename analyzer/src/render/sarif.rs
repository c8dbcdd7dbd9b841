//! Findings as a SARIF 2.1.0 log, the format GitHub code scanning uploads
//! (`github/codeql-action/upload-sarif`): one run, the rule catalogue as the driver's rules,
//! one result per finding.

use crate::analysis::Analysis;
use crate::catalogue::Rule;
use crate::severity::Severity;
use crate::source::{SourceMap, Span};
use crate::tree::{json, Node};

/// The base id every artifact URI is relative to: the workspace root.
const SRCROOT: &str = "%SRCROOT%";

/// The analysis as one SARIF 2.1.0 document. Paths are relative to the workspace root
/// (`%SRCROOT%`); lines and columns are 1-based, columns count Unicode code points.
pub fn sarif(analysis: &Analysis) -> String {
    let results = analysis
        .findings
        .iter()
        .map(|f| {
            let mut result = vec![
                ("ruleId", Node::string(f.code.code())),
                ("ruleIndex", Node::literal(rule_index(f.code))),
                ("level", Node::string(level(f.severity))),
                ("message", text(&message_text(&f.message, &f.help))),
                (
                    "locations",
                    Node::seq(vec![location(&analysis.sources, &f.span, &f.label, None)]),
                ),
            ];
            if !f.related.is_empty() {
                let related = f.related.iter().enumerate();
                let related = related
                    .map(|(i, (span, label))| location(&analysis.sources, span, label, Some(i)));
                result.push(("relatedLocations", Node::seq(related.collect())));
            }
            Node::map(result)
        })
        .collect();
    let base = Node::map([("uri", Node::string(directory_uri(&analysis.workspace.root)))]);
    let run = Node::map([
        ("tool", Node::map([("driver", driver())])),
        ("originalUriBaseIds", Node::map([(SRCROOT, base)])),
        ("columnKind", Node::string("unicodeCodePoints")),
        ("results", Node::seq(results)),
    ]);
    let log = Node::map([
        (
            "$schema",
            Node::string("https://json.schemastore.org/sarif-2.1.0.json"),
        ),
        ("version", Node::string("2.1.0")),
        ("runs", Node::seq(vec![run])),
    ]);
    json::to_string(&log)
}

/// `{ "text": … }`, SARIF's message object.
fn text(text: &str) -> Node {
    Node::map([("text", Node::string(text))])
}

/// tallyho as the tool, with every rule of the catalogue in `Rule::ALL` order.
fn driver() -> Node {
    let rules = Rule::ALL
        .iter()
        .map(|&rule| rule_descriptor(rule))
        .collect();
    Node::map([
        ("name", Node::string("tallyho")),
        ("version", Node::string(env!("CARGO_PKG_VERSION"))),
        ("informationUri", Node::string(env!("CARGO_PKG_REPOSITORY"))),
        ("rules", Node::seq(rules)),
    ])
}

/// A rule's catalogue page as a SARIF reporting descriptor.
fn rule_descriptor(rule: Rule) -> Node {
    let plain = format!(
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
    let help = Node::map([
        ("text", Node::string(plain)),
        ("markdown", Node::string(markdown)),
    ]);
    let level = Node::string(level(rule.default_severity()));
    Node::map([
        ("id", Node::string(rule.code())),
        ("name", Node::string(rule.code())),
        ("shortDescription", text(rule.summary())),
        ("fullDescription", text(rule.why())),
        ("help", help),
        ("defaultConfiguration", Node::map([("level", level)])),
    ])
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
fn location(sources: &SourceMap, span: &Span, label: &str, id: Option<usize>) -> Node {
    let (start_line, start_column) = sources.line_column(span.file, span.range.start);
    let (end_line, end_column) = sources.line_column(span.file, span.range.end);
    let name = &sources.get(span.file).name;
    let artifact = if name.starts_with('/') {
        let uri = format!("file://{}", encode_path(name));
        Node::map([("uri", Node::string(uri))])
    } else {
        Node::map([
            ("uri", Node::string(encode_path(name))),
            ("uriBaseId", Node::string(SRCROOT)),
        ])
    };
    let region = Node::map([
        ("startLine", Node::literal(start_line)),
        ("startColumn", Node::literal(start_column)),
        ("endLine", Node::literal(end_line)),
        ("endColumn", Node::literal(end_column)),
    ]);
    let physical = Node::map([("artifactLocation", artifact), ("region", region)]);
    let mut location = vec![("physicalLocation", physical)];
    if let Some(id) = id {
        location.push(("id", Node::literal(id)));
    }
    if !label.is_empty() {
        location.push(("message", text(label)));
    }
    Node::map(location)
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
