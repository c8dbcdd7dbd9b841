//! Stage 4, check: the rules over the resolved model.

use crate::config::Config;
use crate::finding::Finding;
use crate::model::{Declaration, LabelSet};
use crate::routes::ReadRouter;
use crate::rules::{self, Builtin, Service};
use crate::scan::RawStruct;
use crate::workspace::Workspace;

/// What the rules found, and the services the cardinality rule totalled.
pub(crate) struct Checked {
    /// Every finding of the rules, unsorted, at default severity.
    pub(crate) findings: Vec<Finding>,
    /// The services and the series each exports.
    pub(crate) services: Vec<Service>,
    /// The built-in metrics the services export.
    pub(crate) builtins: Vec<Builtin>,
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
    routers: &[ReadRouter],
) -> Checked {
    let mut findings = local(declarations, label_sets);
    let cardinality = rules::check_cardinality(declarations, config, workspace, routers);
    findings.extend(cardinality.findings);
    Checked {
        findings,
        services: cardinality.services,
        builtins: cardinality.builtins,
    }
}
