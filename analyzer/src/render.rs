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

use serde::Serialize;

use crate::analysis::Analysis;
use crate::severity::Severity;

/// Every finding in the documented JSON shape, with a summary (see the CLI's README).
pub fn json(analysis: &Analysis) -> String {
    #[derive(Serialize)]
    struct Output<'a> {
        findings: Vec<JsonFinding<'a>>,
        summary: JsonSummary,
    }
    #[derive(Serialize)]
    struct JsonFinding<'a> {
        code: &'a str,
        severity: Severity,
        message: &'a str,
        file: &'a str,
        line: usize,
        column: usize,
        end_line: usize,
        end_column: usize,
        label: &'a str,
        help: &'a str,
        related: Vec<JsonRelated<'a>>,
    }
    #[derive(Serialize)]
    struct JsonRelated<'a> {
        message: &'a str,
        file: &'a str,
        line: usize,
        column: usize,
    }
    #[derive(Serialize)]
    struct JsonSummary {
        files: usize,
        parsed: usize,
        declarations: usize,
        errors: usize,
        warnings: usize,
    }
    let sources = &analysis.sources;
    let findings = analysis
        .findings
        .iter()
        .map(|f| {
            let (line, column) = sources.line_column(f.span.file, f.span.range.start);
            let (end_line, end_column) = sources.line_column(f.span.file, f.span.range.end);
            JsonFinding {
                code: f.code.code(),
                severity: f.severity,
                message: &f.message,
                file: &sources.get(f.span.file).name,
                line,
                column,
                end_line,
                end_column,
                label: &f.label,
                help: &f.help,
                related: f
                    .related
                    .iter()
                    .map(|(span, message)| {
                        let (line, column) = sources.line_column(span.file, span.range.start);
                        JsonRelated {
                            message,
                            file: &sources.get(span.file).name,
                            line,
                            column,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let output = Output {
        findings,
        summary: JsonSummary {
            files: analysis.stats.files,
            parsed: analysis.stats.parsed,
            declarations: analysis.declarations.len(),
            errors: analysis.count(Severity::Error),
            warnings: analysis.count(Severity::Warning),
        },
    };
    serde_json::to_string_pretty(&output).unwrap_or_default() + "\n"
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
