//! Name rules: syntax, uniqueness, reserved parts, units, type words.

use std::collections::BTreeMap;

use crate::catalogue::Rule;
use crate::finding::Finding;
use crate::model::Declaration;
use tallyho_spec::{
    check_name, is_valid_name, NameProblem, MAX_NAME_BYTES, NON_BASE_UNITS, RESERVED_PREFIXES,
    RESERVED_SUFFIXES, TYPE_WORDS, UNIT_ABBREVIATIONS,
};

pub(crate) fn check_names(declarations: &[Declaration]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for declaration in declarations {
        check_one(declaration, &mut findings);
    }
    let mut by_name: BTreeMap<&str, Vec<&Declaration>> = BTreeMap::new();
    for declaration in declarations {
        by_name
            .entry(&declaration.name)
            .or_default()
            .push(declaration);
    }
    for (name, same) in by_name {
        let Some((first, rest)) = same.split_first() else {
            continue;
        };
        for duplicate in rest {
            findings.push(
                Finding::new(
                    Rule::NameDuplicate,
                    duplicate.name_span.clone(),
                    format!("metric `{name}` is declared twice: {}::{} and {}::{}", path(first), first.ident, path(duplicate), duplicate.ident),
                )
                .label("declared again here")
                .related(first.name_span.clone(), "first declared here")
                .help("give each metric a name of its own, or declare it once and import the static where it is used"),
            );
        }
    }
    findings
}

fn path(declaration: &Declaration) -> String {
    match declaration.module_path.as_str() {
        "" => declaration.crate_name.clone(),
        module => format!("{}::{module}", declaration.crate_name),
    }
}

fn check_one(declaration: &Declaration, findings: &mut Vec<Finding>) {
    let name = declaration.name.as_str();
    let span = || declaration.name_span.clone();
    if let Err(problem) = check_name(name) {
        findings.push(
            Finding::new(Rule::NameInvalid, span(), format!("metric name `{name}` is not a snake_case identifier of at most {MAX_NAME_BYTES} bytes"))
                .label(invalid_reason(name, problem))
                .help(match suggest(name) {
                    Some(fixed) => format!("write it as `{fixed}`"),
                    None => "use lowercase letters, digits and underscores, starting with a letter".to_owned(),
                }),
        );
        return;
    }
    if let Some(suffix) = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
        let base = &name[..name.len() - suffix.len()];
        findings.push(
            Finding::new(
                Rule::NameReservedSuffix,
                span(),
                format!("metric name `{name}` ends with the reserved suffix `{suffix}`"),
            )
            .label(format!("`{suffix}` is added by the exposition"))
            .help(format!(
                "name it `{base}`; a counter is exported as `{base}_total`"
            )),
        );
    }
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| name.starts_with(*p)) {
        findings.push(
            Finding::new(
                Rule::NameReservedPrefix,
                span(),
                format!("metric name `{name}` starts with the reserved prefix `{prefix}`"),
            )
            .label("reserved prefix")
            .help("prefix it with your service or subsystem instead"),
        );
    }
    let last_word = name.rsplit('_').next().unwrap_or(name);
    if let Some((abbreviation, unit)) = UNIT_ABBREVIATIONS.iter().find(|(a, _)| *a == last_word) {
        findings.push(
            Finding::new(
                Rule::NameUnitAbbreviation,
                span(),
                format!("metric name `{name}` abbreviates its unit as `_{abbreviation}`"),
            )
            .label("abbreviated unit")
            .help(format!(
                "use the base unit spelled out: `{}_{}` (convert at the call site)",
                &name[..name.len() - abbreviation.len() - 1],
                unit.as_str()
            )),
        );
    }
    if let Some((spelled, base)) = NON_BASE_UNITS.iter().find(|(u, _)| *u == last_word) {
        let base = base.as_str();
        findings.push(
            Finding::new(
                Rule::NameNonBaseUnit,
                span(),
                format!("metric name `{name}` uses `{spelled}`, not the base unit `{base}`"),
            )
            .label("not a base unit")
            .help(format!(
                "record {base} and name it `{}_{base}`",
                &name[..name.len() - spelled.len() - 1]
            )),
        );
    }
    if let (Some(unit), Some(unit_span)) = (declaration.unit, &declaration.unit_span) {
        if !unit.is_suffix_of(name) {
            let unit = unit.as_str();
            findings.push(
                Finding::new(Rule::NameUnitMismatch, unit_span.clone(), format!("metric `{name}` declares the unit `{unit}` but its name does not end with `_{unit}`"))
                    .label(format!("unit `{unit}`"))
                    .related(span(), "the name should end with the unit")
                    .help(format!("rename it `{name}_{unit}`, or drop the unit")),
            );
        }
    }
    if let Some(word) = name.split('_').find(|w| TYPE_WORDS.contains(w)) {
        let without: Vec<&str> = name.split('_').filter(|w| w != &word).collect();
        findings.push(
            Finding::new(
                Rule::NameTypeInName,
                span(),
                format!("metric name `{name}` contains the metric type `{word}`"),
            )
            .label("the type is already known")
            .help(format!("name it `{}`", without.join("_"))),
        );
    }
}

/// The label of a `name.invalid` finding: the spec's verdict, with the detail that helps.
fn invalid_reason(name: &str, problem: NameProblem) -> String {
    match problem {
        NameProblem::Empty => "empty".into(),
        NameProblem::TooLong => format!("{} bytes long", name.len()),
        NameProblem::BadStart => "must start with a lowercase letter".into(),
        NameProblem::TrailingUnderscore => "must not end with an underscore".into(),
        NameProblem::BadCharacter => {
            let bad = name
                .chars()
                .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
                .unwrap_or('?');
            format!("`{}` is not allowed", bad.escape_default())
        }
    }
}

/// The snake_case spelling of a name with upper case, dashes, dots or spaces, if that fixes it.
fn suggest(name: &str) -> Option<String> {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' || c == '.' || c == ' ' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    let out = out.trim_matches('_').to_owned();
    (is_valid_name(&out) && out != name).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_snake_case() {
        assert_eq!(
            suggest("Orders-Processed").as_deref(),
            Some("orders_processed")
        );
        assert_eq!(
            suggest("requestLatency").as_deref(),
            Some("request_latency")
        );
        assert_eq!(suggest("ok"), None);
    }
}
