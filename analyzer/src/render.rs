//! Findings for people (rustc-style: drawn by miette with the `fancy` feature, `fancy.rs`, or
//! as plain text for build scripts, `plain.rs`), for tools (JSON, SARIF) and for GitHub
//! Actions (workflow annotations).

#[cfg(feature = "fancy")]
mod fancy;
mod plain;
mod sarif;

#[cfg(feature = "fancy")]
pub use fancy::human;
pub use plain::plain;
pub use sarif::sarif;

use crate::analysis::Analysis;
use crate::finding::Finding;
use crate::severity::Severity;
use crate::source::SourceMap;
use crate::tree::{json, Node};

/// Every finding in the documented JSON shape, with a summary (see the CLI's README).
pub fn json(analysis: &Analysis) -> String {
    let findings = analysis
        .findings
        .iter()
        .map(|f| json_finding(&analysis.sources, f))
        .collect();
    let summary = Node::map([
        ("files", Node::literal(analysis.stats.files)),
        ("parsed", Node::literal(analysis.stats.parsed)),
        ("declarations", Node::literal(analysis.declarations.len())),
        ("errors", Node::literal(analysis.count(Severity::Error))),
        ("warnings", Node::literal(analysis.count(Severity::Warning))),
    ]);
    let output = Node::map([("findings", Node::seq(findings)), ("summary", summary)]);
    json::to_string(&output)
}

fn json_finding(sources: &SourceMap, f: &Finding) -> Node {
    let (line, column) = sources.line_column(f.span.file, f.span.range.start);
    let (end_line, end_column) = sources.line_column(f.span.file, f.span.range.end);
    let related = f.related.iter().map(|(span, message)| {
        let (line, column) = sources.line_column(span.file, span.range.start);
        Node::map([
            ("message", Node::string(message)),
            ("file", Node::string(&sources.get(span.file).name)),
            ("line", Node::literal(line)),
            ("column", Node::literal(column)),
        ])
    });
    Node::map([
        ("code", Node::string(f.code.code())),
        ("severity", Node::string(f.severity.as_str())),
        ("message", Node::string(&f.message)),
        ("file", Node::string(&sources.get(f.span.file).name)),
        ("line", Node::literal(line)),
        ("column", Node::literal(column)),
        ("end_line", Node::literal(end_line)),
        ("end_column", Node::literal(end_column)),
        ("label", Node::string(&f.label)),
        ("help", Node::string(&f.help)),
        ("related", Node::seq(related.collect())),
    ])
}

/// One GitHub Actions workflow command per finding (`::error file=..,line=..::message`).
pub fn github(analysis: &Analysis) -> String {
    let sources = &analysis.sources;
    let mut out = String::new();
    for f in &analysis.findings {
        let level = match f.severity {
            Severity::Error => "error",
            _ => "warning",
        };
        let (line, column) = sources.line_column(f.span.file, f.span.range.start);
        let (end_line, end_column) = sources.line_column(f.span.file, f.span.range.end);
        let mut message = f.message.clone();
        if !f.help.is_empty() {
            message.push_str("\nhelp: ");
            message.push_str(&f.help);
        }
        out.push_str(&format!(
            "::{level} file={},line={line},col={column},endLine={end_line},endColumn={end_column},title={}::{}\n",
            escape_property(&sources.get(f.span.file).name),
            escape_property(f.code.code()),
            escape_data(&message),
        ));
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
