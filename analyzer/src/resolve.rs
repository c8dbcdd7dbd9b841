//! Joining the per-file scans: each group's label type is looked up across the workspace,
//! and each label field's enum type with it.
//!
//! Lookup tries the exact path the imports give, then the same name in the same crate (a
//! `pub use` re-export), then the same name anywhere in the workspace when it is unique.

use std::collections::HashMap;

use crate::catalogue::Rule;
use crate::constants;
use crate::finding::Finding;
use crate::model::{Declaration, Domain, LabelField, LabelSet, LabelSetRef, MetricType};
use crate::paths::Paths;
use crate::scan::{self, FieldKind, FileScan, RawEnum, RawStruct};
use crate::source::SourceMap;

/// Declarations with their label sets resolved, the label structs to check, and findings.
pub(crate) struct Resolved {
    pub(crate) declarations: Vec<Declaration>,
    /// Every struct deriving `LabelSet`, with its fields' domains.
    pub(crate) label_sets: Vec<(RawStruct, LabelSet)>,
    pub(crate) findings: Vec<Finding>,
}

/// Items by absolute path and by name, for lookups across crates.
pub(crate) struct Index<'a, T> {
    by_path: HashMap<&'a [String], &'a T>,
    by_name: HashMap<&'a str, Vec<&'a T>>,
}

impl<'a, T> Index<'a, T> {
    pub(crate) fn new(
        items: impl Iterator<Item = &'a T>,
        path: impl Fn(&'a T) -> &'a [String],
    ) -> Self {
        let mut by_path = HashMap::new();
        let mut by_name: HashMap<&str, Vec<&T>> = HashMap::new();
        for item in items {
            let p = path(item);
            by_path.insert(p, item);
            if let Some(last) = p.last() {
                by_name.entry(last.as_str()).or_default().push(item);
            }
        }
        Index { by_path, by_name }
    }

    /// The item at the first candidate path that has one, else the one item of that name in
    /// the first candidate's crate, else the only one of that name anywhere.
    pub(crate) fn find(
        &self,
        candidates: &[Vec<String>],
        path: impl Fn(&T) -> &[String],
    ) -> Option<&'a T> {
        if let Some(found) = candidates
            .iter()
            .find_map(|c| self.by_path.get(c.as_slice()))
        {
            return Some(found);
        }
        let first = candidates.first()?;
        let named = self.by_name.get(first.last()?.as_str())?;
        let same_crate: Vec<_> = named
            .iter()
            .filter(|t| path(t).first() == first.first())
            .collect();
        match (same_crate.as_slice(), named.as_slice()) {
            ([one], _) => Some(one),
            ([], [one]) => Some(one),
            _ => None,
        }
    }

    /// When [`Index::find`] finds nothing for want of a unique name: the paths of every item
    /// of that name, for a finding that says so instead of a guess.
    pub(crate) fn ambiguous(
        &self,
        candidates: &[Vec<String>],
        path: impl Fn(&T) -> &[String],
    ) -> Vec<String> {
        let name = candidates.first().and_then(|c| c.last());
        let named = name.and_then(|n| self.by_name.get(n.as_str()));
        match named {
            Some(named) if named.len() > 1 => named.iter().map(|t| path(t).join("::")).collect(),
            _ => Vec::new(),
        }
    }
}

/// Declarations reached only through another module or crate, read again now that every
/// module's imports are known.
fn deferred(scans: &[FileScan], paths: &Paths, sources: &SourceMap) -> Vec<FileScan> {
    // Parsing a static again recurses as deep as its file's pre-scan allowed.
    scan::on_parse_stack(|| deferred_scans(scans, paths, sources))
}

fn deferred_scans(scans: &[FileScan], paths: &Paths, sources: &SourceMap) -> Vec<FileScan> {
    let resolver = |path: &[String]| paths.tallyho_item(path);
    scans
        .iter()
        .flat_map(|s| &s.deferred)
        .filter(|d| {
            paths
                .tallyho_item(&d.type_path)
                .is_some_and(|item| MetricType::from_name(&item).is_some())
        })
        .filter_map(|d| {
            let module = paths.module(&d.module)?;
            let text = &sources.get(d.span.file).text;
            Some(scan::scan_deferred(d, module, text, &resolver))
        })
        .collect()
}

/// Derives the scan could not decide (a `LabelSet` through the crate's own `prelude`, a
/// facade's re-export) followed to tallyho's; a struct found not to be a label set keeps no
/// fields, as if it had been decided when scanned.
fn settle_derives(scans: &mut [FileScan], paths: &Paths) {
    let derives = |undecided: &mut Vec<Vec<String>>, name: &str| {
        let undecided = std::mem::take(undecided);
        undecided
            .iter()
            .any(|path| paths.tallyho_item(path).as_deref() == Some(name))
    };
    for scan in scans {
        for raw in &mut scan.structs {
            raw.derives_label_set |= derives(&mut raw.derive_paths, "LabelSet");
            if !raw.derives_label_set {
                raw.fields.clear();
            }
        }
        for raw in &mut scan.enums {
            raw.derives_label_value |= derives(&mut raw.derive_paths, "LabelValue");
        }
    }
}

/// Label types and their fields' enums followed to where they are defined.
fn canonical_labels(scans: &mut [FileScan], paths: &Paths) {
    for scan in scans {
        for raw in &mut scan.declarations {
            paths.canonical_all(&mut raw.label_candidates);
        }
        for field in scan.structs.iter_mut().flat_map(|s| &mut s.fields) {
            if let FieldKind::Enum(candidates) = &mut field.kind {
                paths.canonical_all(candidates);
            }
        }
        for raw in scan.declarations.iter_mut().flat_map(|d| &mut d.pending) {
            paths.canonical_all(&mut raw.candidates);
        }
    }
}

pub(crate) fn resolve(mut scans: Vec<FileScan>, sources: &SourceMap) -> Resolved {
    let paths = Paths::new(&scans);
    let more = deferred(&scans, &paths, sources);
    scans.extend(more);
    settle_derives(&mut scans, &paths);
    canonical_labels(&mut scans, &paths);
    let mut findings = Vec::new();
    let mut raw_declarations = Vec::new();
    let mut structs = Vec::new();
    let mut enums = Vec::new();
    let mut consts = Vec::new();
    for scan in scans {
        findings.extend(scan.findings);
        raw_declarations.extend(scan.declarations);
        structs.extend(scan.structs);
        enums.extend(scan.enums);
        consts.extend(scan.consts);
    }
    let raw_declarations = constants::settle(raw_declarations, &consts, &mut findings);
    let struct_index = Index::new(structs.iter(), |s: &RawStruct| &s.path);
    let enum_index = Index::new(enums.iter(), |e: &RawEnum| &e.path);

    let label_set = |raw: &RawStruct| LabelSet {
        ident: raw.path.last().cloned().unwrap_or_default(),
        crate_name: raw.path.first().cloned().unwrap_or_default(),
        module_path: raw.path[1..raw.path.len().saturating_sub(1)].join("::"),
        fields: raw.fields.iter().map(|f| field(f, &enum_index)).collect(),
        derives_label_set: raw.derives_label_set,
        span: raw.span.clone(),
    };

    let mut declarations = Vec::new();
    for raw in raw_declarations {
        let mut declaration = raw.declaration;
        if let Some(labels) = &mut declaration.labels {
            match struct_index.find(&raw.label_candidates, |s| &s.path) {
                None => findings.push(missing_label_type(
                    &declaration.name,
                    labels,
                    &struct_index.ambiguous(&raw.label_candidates, |s| &s.path),
                )),
                Some(found) if !found.derives_label_set => findings.push(
                    Finding::new(
                        Rule::LabelsNotLabelSet,
                        labels.span.clone(),
                        format!("label type `{}` does not derive LabelSet", labels.written),
                    )
                    .label("used as a label set here")
                    .related(found.span.clone(), "declared without #[derive(LabelSet)]")
                    .help("add `#[derive(LabelSet)]` (from tallyho) to the struct"),
                ),
                Some(found) => labels.resolved = Some(label_set(found)),
            }
        }
        declarations.push(declaration);
    }
    let label_sets = structs
        .iter()
        .filter(|s| s.derives_label_set)
        .map(|s| (s.clone(), label_set(s)))
        .collect();
    Resolved {
        declarations,
        label_sets,
        findings,
    }
}

/// `labels.missing_type`: no struct at the path the imports give, or several of that name
/// and no way to tell which is meant.
fn missing_label_type(metric: &str, labels: &LabelSetRef, ambiguous: &[String]) -> Finding {
    let (message, label) = if ambiguous.is_empty() {
        (
            format!(
                "label type `{}` of `{metric}` is not a struct in this workspace",
                labels.written
            ),
            "not found".to_owned(),
        )
    } else {
        (
            format!(
                "label type `{}` of `{metric}` is ambiguous: structs {} share its name",
                labels.written,
                ambiguous.join(", ")
            ),
            "its imports lead to none of them".to_owned(),
        )
    };
    Finding::new(Rule::LabelsMissingType, labels.span.clone(), message)
        .label(label)
        .help(
            "declare it with `#[derive(LabelSet)]` in a workspace crate, and import it by its path",
        )
}

fn field(raw: &crate::scan::RawField, enums: &Index<'_, RawEnum>) -> LabelField {
    let domain = match (&raw.kind, raw.max_values.as_ref()) {
        (FieldKind::Open(open_type), Some((max_values, _))) => Domain::Bounded {
            max_values: *max_values,
            open_type: (*open_type).to_owned(),
        },
        (FieldKind::Open(_), None) => Domain::Unbounded,
        (_, Some(_)) => {
            Domain::Unsupported("max_values on a type whose values are already finite".into())
        }
        (kind, None) => finite(kind, enums),
    };
    LabelField {
        key: raw.key.clone(),
        key_span: raw.key_span.clone(),
        type_name: raw.type_name.clone(),
        type_span: raw.type_span.clone(),
        domain,
    }
}

fn finite(kind: &FieldKind, enums: &Index<'_, RawEnum>) -> Domain {
    match kind {
        FieldKind::Bool => Domain::Finite(vec!["false".into(), "true".into()]),
        FieldKind::Optional(inner) => match finite(inner, enums) {
            Domain::Finite(values) => Domain::Optional(values),
            other => other,
        },
        FieldKind::Enum(candidates) => match enums.find(candidates, |e| &e.path) {
            None if !enums.ambiguous(candidates, |e| &e.path).is_empty() => {
                Domain::Unsupported(format!(
                    "ambiguous: enums {} share its name and its imports lead to none of them; import the one meant",
                    enums.ambiguous(candidates, |e| &e.path).join(", ")
                ))
            }
            None => Domain::Unsupported(format!(
                "no enum `{}` deriving LabelValue found in the workspace",
                candidates
                    .first()
                    .and_then(|c| c.last())
                    .map_or("?", String::as_str)
            )),
            Some(found) if !found.derives_label_value => {
                Domain::Unsupported("the enum does not derive LabelValue".into())
            }
            Some(found) => match &found.values {
                Ok(values) => Domain::Finite(values.clone()),
                Err(_) => Domain::Unsupported("the enum has a variant with data".into()),
            },
        },
        FieldKind::Unsupported(reason) => Domain::Unsupported(reason.clone()),
        FieldKind::Open(_) => Domain::Unbounded,
    }
}
