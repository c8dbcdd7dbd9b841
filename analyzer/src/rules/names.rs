//! Name rules: syntax, uniqueness, reserved parts, units, type words.

use std::collections::BTreeMap;

use crate::catalogue::Rule;
use crate::cfg;
use crate::finding::Finding;
use crate::model::Declaration;
use tallyho_spec::{
    check_name, is_valid_name, NameProblem, MAX_NAME_BYTES, NON_BASE_UNITS, RESERVED_PREFIXES,
    RESERVED_SUFFIXES, TYPE_WORDS, UNIT_ABBREVIATIONS,
};

/// The name rules over every declaration, and `name.duplicate` across them.
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
        for (at, duplicate) in same.iter().enumerate().skip(1) {
            // The first earlier declaration that can be in the same build.
            let Some(first) = same[..at].iter().find(|d| !exclusive(d, duplicate)) else {
                continue;
            };
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

/// Whether two declarations are never in the same build: their undecided `cfg`s exclude
/// each other.
fn exclusive(a: &Declaration, b: &Declaration) -> bool {
    match (&a.cfg, &b.cfg) {
        (Some(a), Some(b)) => cfg::exclusive(a, b),
        _ => false,
    }
}

/// `crate::module`, where a declaration sits, for messages.
fn path(declaration: &Declaration) -> String {
    match declaration.module_path.as_str() {
        "" => declaration.crate_name.clone(),
        module => format!("{}::{module}", declaration.crate_name),
    }
}

/// Every name rule over one declaration: the syntax first, the rest only for a valid name.
fn check_one(declaration: &Declaration, findings: &mut Vec<Finding>) {
    if let Some(invalid) = invalid(declaration) {
        findings.push(invalid);
        return;
    }
    let rules = [
        reserved_suffix,
        reserved_prefix,
        unit_abbreviation,
        non_base_unit,
        unit_mismatch,
        type_word,
    ];
    findings.extend(rules.iter().filter_map(|rule| rule(declaration)));
}

/// `name.invalid`: the spec's verdict, with a snake_case spelling when one fixes it.
fn invalid(declaration: &Declaration) -> Option<Finding> {
    let name = declaration.name.as_str();
    let problem = check_name(name).err()?;
    Some(
        Finding::new(Rule::NameInvalid, declaration.name_span.clone(), format!("metric name `{name}` is not a snake_case identifier of at most {MAX_NAME_BYTES} bytes"))
            .label(invalid_reason(name, problem))
            .help(match suggest(name) {
                Some(fixed) => format!("write it as `{fixed}`"),
                None => "use lowercase letters, digits and underscores, starting with a letter".to_owned(),
            }),
    )
}

/// `name.reserved_suffix`: a suffix the exposition adds itself.
fn reserved_suffix(declaration: &Declaration) -> Option<Finding> {
    let name = declaration.name.as_str();
    let suffix = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(*s))?;
    let base = &name[..name.len() - suffix.len()];
    Some(
        Finding::new(
            Rule::NameReservedSuffix,
            declaration.name_span.clone(),
            format!("metric name `{name}` ends with the reserved suffix `{suffix}`"),
        )
        .label(format!("`{suffix}` is added by the exposition"))
        .help(format!(
            "name it `{base}`; a counter is exported as `{base}_total`"
        )),
    )
}

/// `name.reserved_prefix`: a prefix owned by tallyho or Prometheus.
fn reserved_prefix(declaration: &Declaration) -> Option<Finding> {
    let name = declaration.name.as_str();
    let prefix = RESERVED_PREFIXES.iter().find(|p| name.starts_with(*p))?;
    Some(
        Finding::new(
            Rule::NameReservedPrefix,
            declaration.name_span.clone(),
            format!("metric name `{name}` starts with the reserved prefix `{prefix}`"),
        )
        .label("reserved prefix")
        .help("prefix it with your service or subsystem instead"),
    )
}

/// The last `_` word of a name, where a unit goes.
fn last_word(name: &str) -> &str {
    name.rsplit('_').next().unwrap_or(name)
}

/// `name.unit_abbreviation`: `_ms`, `_kb` and the like.
fn unit_abbreviation(declaration: &Declaration) -> Option<Finding> {
    let name = declaration.name.as_str();
    let word = last_word(name);
    let (abbreviation, unit) = UNIT_ABBREVIATIONS.iter().find(|(a, _)| *a == word)?;
    Some(
        Finding::new(
            Rule::NameUnitAbbreviation,
            declaration.name_span.clone(),
            format!("metric name `{name}` abbreviates its unit as `_{abbreviation}`"),
        )
        .label("abbreviated unit")
        .help(format!(
            "use the base unit spelled out: `{}_{}` (convert at the call site)",
            &name[..name.len() - abbreviation.len() - 1],
            unit.as_str()
        )),
    )
}

/// `name.non_base_unit`: `_milliseconds`, `_percent` and the like.
fn non_base_unit(declaration: &Declaration) -> Option<Finding> {
    let name = declaration.name.as_str();
    let word = last_word(name);
    let (spelled, base) = NON_BASE_UNITS.iter().find(|(u, _)| *u == word)?;
    let base = base.as_str();
    Some(
        Finding::new(
            Rule::NameNonBaseUnit,
            declaration.name_span.clone(),
            format!("metric name `{name}` uses `{spelled}`, not the base unit `{base}`"),
        )
        .label("not a base unit")
        .help(format!(
            "record {base} and name it `{}_{base}`",
            &name[..name.len() - spelled.len() - 1]
        )),
    )
}

/// `name.unit_mismatch`: a declared unit the name does not end with.
fn unit_mismatch(declaration: &Declaration) -> Option<Finding> {
    let name = declaration.name.as_str();
    let (unit, unit_span) = (declaration.unit?, declaration.unit_span.as_ref()?);
    if unit.is_suffix_of(name) {
        return None;
    }
    let unit = unit.as_str();
    Some(
        Finding::new(Rule::NameUnitMismatch, unit_span.clone(), format!("metric `{name}` declares the unit `{unit}` but its name does not end with `_{unit}`"))
            .label(format!("unit `{unit}`"))
            .related(declaration.name_span.clone(), "the name should end with the unit")
            .help(format!("rename it `{name}_{unit}`, or drop the unit")),
    )
}

/// `name.type_in_name`: `_counter`, `_gauge` and the like.
fn type_word(declaration: &Declaration) -> Option<Finding> {
    let name = declaration.name.as_str();
    let word = name.split('_').find(|w| TYPE_WORDS.contains(w))?;
    let without: Vec<&str> = name.split('_').filter(|w| w != &word).collect();
    Some(
        Finding::new(
            Rule::NameTypeInName,
            declaration.name_span.clone(),
            format!("metric name `{name}` contains the metric type `{word}`"),
        )
        .label("the type is already known")
        .help(format!("name it `{}`", without.join("_"))),
    )
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
    fn exclusive_cfgs_are_no_duplicates_but_two_under_one_are() {
        let text = r#"
            #[cfg(u)] static A: tallyho::Counter = tallyho::Counter::new("jobs_seen");
            #[cfg(not(u))] static B: tallyho::Counter = tallyho::Counter::new("jobs_seen");
            #[cfg(not(u))] static C: tallyho::Counter = tallyho::Counter::new("jobs_seen");
        "#;
        let (declarations, findings) = crate::check_source(text);
        assert_eq!(declarations.len(), 3);
        let duplicates: Vec<&str> = findings
            .iter()
            .filter(|f| f.code == Rule::NameDuplicate)
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            duplicates,
            ["metric `jobs_seen` is declared twice: source::B and source::C"]
        );
    }

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
