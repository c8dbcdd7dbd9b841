//! Findings for people (rustc-style, through miette), for tools (JSON, SARIF) and for GitHub
//! Actions (workflow annotations).

mod sarif;

pub use sarif::sarif;

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;

use crate::analysis::Analysis;
use crate::finding::Finding;
use crate::severity::Severity;
use crate::source::{FileId, SourceMap, Span};

/// Renders one finding like rustc does: code, message, the source lines with labelled
/// spans, and the help line. `color` adds ANSI colors.
pub fn human(sources: &SourceMap, finding: &Finding, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    let report = Report::new(sources, finding);
    // Rendering into a String cannot fail. Spans in other files follow as reports of their
    // own: as miette's related diagnostics each would open with an empty `Advice:` line.
    let _ = handler.render_report(&mut out, &report);
    for elsewhere in &report.elsewhere {
        out.push('\n');
        let _ = handler.render_report(&mut out, elsewhere);
    }
    out
}

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

/// A finding as a miette diagnostic. Spans in other files become reports of their own, each
/// showing its own file, rendered after it.
struct Report {
    code: Option<&'static str>,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    /// The file the primary span is in.
    file: FileId,
    elsewhere: Vec<Report>,
}

/// A related span, labelled, in a file a report already shows.
fn secondary(span: &Span, label: &str) -> LabeledSpan {
    LabeledSpan::new(Some(label.to_owned()), span.range.start, span.range.len())
}

impl Report {
    fn new(sources: &SourceMap, finding: &Finding) -> Report {
        let mut report = Report::at(
            sources,
            &finding.span,
            &finding.label,
            finding.message.clone(),
            finding.severity,
        );
        report.code = Some(finding.code.code());
        report.help = (!finding.help.is_empty()).then(|| finding.help.clone());
        for (span, label) in &finding.related {
            let same_file = |r: &&mut Report| r.file == span.file && r.source.is_some();
            if let Some(shown) = std::iter::once(&mut report).find(same_file) {
                shown.labels.push(secondary(span, label));
            } else if let Some(shown) = report.elsewhere.iter_mut().find(same_file) {
                shown.labels.push(secondary(span, label));
                shown.message = format!("also in {}", sources.get(span.file).name);
            } else {
                let (line, _) = sources.line_column(span.file, span.range.start);
                let message = format!("{label} ({}:{line})", sources.get(span.file).name);
                report
                    .elsewhere
                    .push(Report::at(sources, span, label, message, Severity::Off));
            }
        }
        report
    }

    fn at(
        sources: &SourceMap,
        span: &Span,
        label: &str,
        message: String,
        severity: Severity,
    ) -> Report {
        let file = sources.get(span.file);
        let readable = !file.text.is_empty();
        Report {
            code: None,
            severity,
            message: if readable {
                message
            } else {
                format!("{}: {message}", file.name)
            },
            help: None,
            source: readable.then(|| NamedSource::new(&file.name, Arc::clone(&file.text))),
            labels: if readable {
                let len = span
                    .range
                    .len()
                    .min(file.text.len().saturating_sub(span.range.start));
                vec![LabeledSpan::new_primary_with_span(
                    (!label.is_empty()).then(|| label.to_owned()),
                    (span.range.start, len),
                )]
            } else {
                Vec::new()
            },
            file: span.file,
            elsewhere: Vec::new(),
        }
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Off => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}
