//! Stage 4, check: the rules over the resolved model.

use crate::config::Config;
use crate::finding::Finding;
use crate::model::{Declaration, LabelSet};
use crate::rules::{self, Service};
use crate::scan::RawStruct;
use crate::workspace::Workspace;

/// What the rules found, and the services the cardinality rule totalled.
pub(crate) struct Checked {
    /// Every finding of the rules, unsorted, at default severity.
    pub(crate) findings: Vec<Finding>,
    /// The services and the series each exports.
    pub(crate) services: Vec<Service>,
}

/// The rules that need only the declarations and label sets: names and labels.
pub(crate) fn local(
    declarations: &[Declaration],
    label_sets: &[(RawStruct, LabelSet)],
) -> Vec<Finding> {
    let mut findings = rules::check_names(declarations);
    findings.extend(rules::check_labels(label_sets));
    findings
}

/// Every rule: [`local`], then cardinality per metric and per service.
pub(crate) fn check(
    declarations: &[Declaration],
    label_sets: &[(RawStruct, LabelSet)],
    config: &Config,
    workspace: &Workspace,
) -> Checked {
    let mut findings = local(declarations, label_sets);
    let (cardinality, services) = rules::check_cardinality(declarations, config, workspace);
    findings.extend(cardinality);
    Checked { findings, services }
}
