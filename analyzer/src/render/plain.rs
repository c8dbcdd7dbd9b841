//! Findings as plain rustc-like text, without miette: what the build step prints as cargo
//! warnings and writes into `compile_error!`s, where rustc or cargo put `error: ` or
//! `warning: <package>: ` before each line.
//!
//! ```text
//! cardinality.metric: metric `order_duration_seconds` exports 4284 series, over the limit ...
//!   --> src/lib.rs:20:25
//!    |
//! 15 |     pub customer: String,
//!    |                   ------ widest label: `customer`, 51 values (50 + __overflow__)
//! ...
//! 20 |     HistogramGroup::new("order_duration_seconds").unit(Unit::Seconds);
//!    |                         ^^^^^^^^^^^^^^^^^^^^^^^^ 4284 series
//!    |
//!    = help: narrow the widest label ...
//! ```

use std::fmt::Write;

use crate::finding::Finding;
use crate::source::{floor_char_boundary, FileId, SourceMap, Span};

/// A span to underline: `^` under the primary one, `-` under the others.
struct Mark<'f> {
    span: &'f Span,
    label: &'f str,
    primary: bool,
}

/// Renders one finding as rustc does, in plain text: `code: message`, then per file its
/// place (`--> file:line:col`, `::: file:line:col` for other files) and the lines of every
/// span with the span underlined and labelled, then `= help:`.
pub fn plain(sources: &SourceMap, finding: &Finding) -> String {
    // The spans by file, the primary span's file first, each file once.
    let mut files: Vec<(FileId, Vec<Mark<'_>>)> = Vec::new();
    let marks = std::iter::once(Mark {
        span: &finding.span,
        label: &finding.label,
        primary: true,
    })
    .chain(finding.related.iter().map(|(span, label)| Mark {
        span,
        label,
        primary: false,
    }));
    for mark in marks {
        match files.iter_mut().find(|(file, _)| *file == mark.span.file) {
            Some((_, marks)) => marks.push(mark),
            None => files.push((mark.span.file, vec![mark])),
        }
    }
    let widest = files
        .iter()
        .flat_map(|(_, marks)| marks)
        .map(|m| sources.line_column(m.span.file, m.span.range.start).0)
        .max()
        .unwrap_or(1);
    let width = widest.to_string().len();
    let gutter = " ".repeat(width + 1) + "|";

    let mut out = format!("{}: {}\n", finding.code.code(), finding.message);
    for (index, (file, marks)) in files.iter_mut().enumerate() {
        let source = sources.get(*file);
        let arrow = if index == 0 { "-->" } else { ":::" };
        if source.text.is_empty() {
            // Unreadable: no lines to show, so the labels follow the file's name.
            let _ = writeln!(out, "{:width$}{arrow} {}", "", source.name);
            for mark in marks.iter().filter(|m| !m.label.is_empty()) {
                let _ = writeln!(out, "{:width$} = note: {}", "", mark.label);
            }
            continue;
        }
        marks.sort_by_key(|m| (m.span.range.start, !m.primary));
        let first = marks.iter().find(|m| m.primary).unwrap_or(&marks[0]);
        let (line, column) = sources.line_column(*file, first.span.range.start);
        let _ = writeln!(out, "{:width$}{arrow} {}:{line}:{column}", "", source.name);
        let _ = writeln!(out, "{gutter}");
        let mut shown: Option<usize> = None;
        for mark in marks.iter() {
            let (line, column) = sources.line_column(*file, mark.span.range.start);
            let text = source
                .text
                .lines()
                .nth(line - 1)
                .unwrap_or("")
                .trim_end_matches('\r');
            if shown != Some(line) {
                if shown.is_some_and(|s| line > s + 1) {
                    out.push_str("...\n");
                }
                let _ = writeln!(out, "{line:>width$} | {text}");
                shown = Some(line);
            }
            // Under the span's part on this line: at least one mark, up to the line's end.
            let before: String = text
                .chars()
                .take(column - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let start = floor_char_boundary(&source.text, mark.span.range.start);
            let end = floor_char_boundary(&source.text, mark.span.range.end.max(start));
            let spanned = source.text[start..end]
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .count()
                .max(1);
            let under = if mark.primary { "^" } else { "-" }.repeat(spanned);
            let label = if mark.label.is_empty() {
                String::new()
            } else {
                format!(" {}", mark.label)
            };
            let _ = writeln!(out, "{gutter} {before}{under}{label}");
        }
        let _ = writeln!(out, "{gutter}");
    }
    if !finding.help.is_empty() {
        let indent = " ".repeat(width + 1) + "        ";
        let help = finding.help.replace('\n', &format!("\n{indent}"));
        let _ = writeln!(out, "{:width$} = help: {help}", "");
    }
    out
}
