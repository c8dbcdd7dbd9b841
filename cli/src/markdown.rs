//! `cargo tallyho diff --format markdown`: the difference between two manifests as a
//! pull-request comment: a verdict, a summary line, the metrics that changed and every
//! service's series against its budget.

use std::fmt::Write;

use tallyho_codegen::{Change, Manifest, ManifestDiff};

use crate::plural::plural;

/// The comment for `diff` of `old` and `new`.
pub(crate) fn render(old: &Manifest, new: &Manifest, diff: &ManifestDiff) -> String {
    let mut out = String::from("## tallyho: metrics change\n\n");
    verdict(&mut out, new, diff);
    out.push_str(&summary(old, new, diff));
    metrics_table(&mut out, new, diff);
    services_table(&mut out, old, new);
    out
}

/// ✅ when every metric and service is within its limit, else ❌ and each one that is not.
fn verdict(out: &mut String, new: &Manifest, diff: &ManifestDiff) {
    if diff.over_budget.is_empty() {
        let _ = writeln!(
            out,
            "✅ **Within budget**: every metric within its series limit, every service within {} series.\n",
            new.limits.series_per_service
        );
        return;
    }
    out.push_str("❌ **Over budget**: the new manifest exceeds a series limit.\n\n");
    for line in &diff.over_budget {
        let _ = writeln!(out, "- {}", escape(line));
    }
    out.push('\n');
}

/// One line: metrics added, removed and changed, and the change in series over all metrics.
fn summary(old: &Manifest, new: &Manifest, diff: &ManifestDiff) -> String {
    let count = |pick: fn(&Change) -> bool| diff.changes.iter().filter(|c| pick(c)).count();
    let added = count(|c| matches!(c, Change::AddedMetric { .. }));
    let removed = count(|c| matches!(c, Change::RemovedMetric { .. }));
    let changed = count(|c| matches!(c, Change::ChangedMetric { .. }));
    if added + removed + changed == 0 {
        return "No metric changes.\n\n".to_owned();
    }
    let total = |m: &Manifest| m.metrics.iter().map(|m| m.series).sum::<u64>();
    format!(
        "{} added, {removed} removed, {changed} changed; series {} → {} ({}).\n\n",
        plural(added, "metric"),
        total(old),
        total(new),
        signed(total(old), total(new))
    )
}

/// A row per metric added, removed or changed.
fn metrics_table(out: &mut String, new: &Manifest, diff: &ManifestDiff) {
    let rows: Vec<String> = diff
        .changes
        .iter()
        .filter_map(|change| metric_row(new, change))
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("| | metric | kind | series | Δ series | what changed |\n");
    out.push_str("| --- | --- | --- | ---: | ---: | --- |\n");
    for row in rows {
        out.push_str(&row);
    }
    out.push('\n');
}

fn metric_row(new: &Manifest, change: &Change) -> Option<String> {
    let row = match change {
        Change::AddedMetric { name, kind, series } => format!(
            "| ➕ added | `{name}` | {} | {series} | +{series} | |\n",
            kind.as_str()
        ),
        Change::RemovedMetric { name, kind, series } => format!(
            "| ➖ removed | `{name}` | {} | {series} | -{series} | |\n",
            kind.as_str()
        ),
        Change::ChangedMetric {
            name,
            details,
            series: (a, b),
        } => {
            let kind = new.metric(name).map_or("", |m| m.kind.as_str());
            let what: Vec<String> = details
                .iter()
                .filter(|d| !d.starts_with("series "))
                .map(|d| escape(d))
                .collect();
            let series = if a == b {
                a.to_string()
            } else {
                format!("{a} → {b}")
            };
            format!(
                "| ✏️ changed | `{name}` | {kind} | {series} | {} | {} |\n",
                signed(*a, *b),
                what.join("; ")
            )
        }
        _ => return None,
    };
    Some(row)
}

/// Every service of either manifest: its series before and after, against the budget.
fn services_table(out: &mut String, old: &Manifest, new: &Manifest) {
    let mut names: Vec<&str> = old
        .services
        .iter()
        .chain(&new.services)
        .map(|s| s.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return;
    }
    let budget = new.limits.series_per_service;
    out.push_str("| service | series | Δ series | budget | |\n");
    out.push_str("| --- | ---: | ---: | ---: | --- |\n");
    for name in names {
        let series = |m: &Manifest| m.services.iter().find(|s| s.name == name).map(|s| s.series);
        let row = match (series(old), series(new)) {
            (Some(a), None) => format!("| `{name}` | {a} → removed | -{a} | {budget} | |\n"),
            (before, Some(b)) => {
                let a = before.unwrap_or(0);
                let shown = match before {
                    Some(a) if a != b => format!("{a} → {b}"),
                    Some(_) => b.to_string(),
                    None => format!("new: {b}"),
                };
                let status = if b > budget { "❌ over" } else { "✅" };
                let percent = b.saturating_mul(100) / budget.max(1);
                format!(
                    "| `{name}` | {shown} | {} | {budget} | {status} ({percent}%) |\n",
                    signed(a, b)
                )
            }
            (None, None) => continue,
        };
        out.push_str(&row);
    }
}

/// `+n`, `-n` or `0`.
fn signed(from: u64, to: u64) -> String {
    match to.cmp(&from) {
        std::cmp::Ordering::Greater => format!("+{}", to - from),
        std::cmp::Ordering::Less => format!("-{}", from - to),
        std::cmp::Ordering::Equal => "0".to_owned(),
    }
}

/// Text safe inside a table cell: `|` escaped, no line breaks.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
