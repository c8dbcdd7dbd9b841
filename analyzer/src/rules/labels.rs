//! Label rules: every field has a finite or bounded domain, keys are valid, unreserved, unique.

use crate::catalogue::Rule;
use crate::finding::Finding;
use crate::model::{Domain, LabelSet};
use crate::scan::RawStruct;
use tallyho_syntax::{label_key_problem, KeyProblem};

pub(crate) fn check_labels(label_sets: &[(RawStruct, LabelSet)]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (raw, set) in label_sets {
        for (index, (field, raw_field)) in set.fields.iter().zip(&raw.fields).enumerate() {
            let key = field.key.as_str();
            match &field.domain {
                Domain::Unbounded => findings.push(
                    Finding::new(
                        Rule::LabelsUnbounded,
                        field.type_span.clone(),
                        format!("label `{key}` of `{}` has unbounded values", set.ident),
                    )
                    .label(format!("`{}` can take any number of values", field.type_name))
                    .help(format!(
                        "bound it: `#[label(max_values = N)] {key}: {}`; values past N are exported as `__overflow__`",
                        field.type_name
                    )),
                ),
                Domain::Unsupported(reason) => {
                    let span = match &raw_field.max_values {
                        Some((_, span)) if reason.starts_with("max_values") => span.clone(),
                        _ => field.type_span.clone(),
                    };
                    findings.push(
                        Finding::new(
                            Rule::LabelsUnsupportedType,
                            span,
                            format!("label `{key}` of `{}` has a type that is not a label type", set.ident),
                        )
                        .label(reason.clone())
                        .help("use bool, an enum deriving LabelValue with unit variants, Option of those, or String, &'static str or an integer with #[label(max_values = N)]"),
                    );
                }
                _ => {}
            }
            match label_key_problem(key) {
                Some(KeyProblem::Invalid) => findings.push(
                    Finding::new(Rule::LabelsInvalidKey, field.key_span.clone(), format!("`{key}` is not a valid label key"))
                        .label("label keys match [a-zA-Z_][a-zA-Z0-9_]*")
                        .help(format!("rename it to `{}`", key.replace(|c: char| !c.is_ascii_alphanumeric(), "_"))),
                ),
                Some(KeyProblem::Reserved) => findings.push(
                    Finding::new(Rule::LabelsReservedKey, field.key_span.clone(), format!("`{key}` is a reserved label key"))
                        .label(if raw_field.renamed { "renamed to a reserved key" } else { "reserved" })
                        .help(format!("rename the field, or export it under another key: `#[label(rename = \"{key}_kind\")]`")),
                ),
                None => {}
            }
            if let Some(first) = set.fields[..index].iter().find(|f| f.key == field.key) {
                findings.push(
                    Finding::new(
                        Rule::LabelsDuplicateKey,
                        field.key_span.clone(),
                        format!("label key `{key}` is used twice in `{}`", set.ident),
                    )
                    .label("second use")
                    .related(first.key_span.clone(), "first use")
                    .help("rename one of the fields, or its #[label(rename)]"),
                );
            }
        }
    }
    findings
}
