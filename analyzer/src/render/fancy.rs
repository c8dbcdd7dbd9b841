//! Findings drawn by miette (the `fancy` feature): boxes, arrows, wrapping, colors, for
//! `cargo tallyho`.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use crate::finding::Finding;
use crate::severity::Severity;
use crate::source::{FileId, SourceMap, Span};

/// Renders one finding like rustc does: code, message, the source lines with labelled
/// spans, and the help line. `color` adds ANSI colors. Build scripts use [`super::plain`].
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
