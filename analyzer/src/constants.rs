//! Declarations that name a constant for their metric name or buckets get its value, looked
//! up across crates as label types are (exact path, the crate's re-exports by name, a unique
//! name); one that cannot be found or read is a `declaration.not_evaluable` finding.

use crate::catalogue::Rule;
use crate::finding::Finding;
use crate::resolve::Index;
use crate::scan::{ConstValue, PendingConst, RawConst, RawDeclaration, Slot};

/// How many constants naming constants are followed before giving up (a cycle).
const MAX_ALIASES: usize = 16;

/// Fills in each declaration's constants; those that cannot be are dropped with a finding.
pub(crate) fn settle(
    raw: Vec<RawDeclaration>,
    consts: &[RawConst],
    findings: &mut Vec<Finding>,
) -> Vec<RawDeclaration> {
    let index = Index::new(consts.iter(), |c: &RawConst| &c.path);
    let mut settled = Vec::with_capacity(raw.len());
    'declarations: for mut raw in raw {
        for pending in std::mem::take(&mut raw.pending) {
            let value = lookup(&index, &pending.candidates);
            let declaration = &mut raw.declaration;
            match (pending.slot, value) {
                (Slot::Name, Some(ConstValue::Str(name))) => declaration.name = name,
                (Slot::Buckets, Some(ConstValue::Numbers(b))) => declaration.buckets = Some(b),
                (slot, value) => {
                    findings.push(not_found(
                        &declaration.ident,
                        &pending,
                        slot,
                        value.is_some(),
                    ));
                    continue 'declarations;
                }
            }
        }
        settled.push(raw);
    }
    settled
}

/// The value at the end of a chain of constants naming constants.
pub(crate) fn lookup(
    index: &Index<'_, RawConst>,
    candidates: &[Vec<String>],
) -> Option<ConstValue> {
    let mut candidates = candidates.to_vec();
    for _ in 0..MAX_ALIASES {
        let found = index.find(&candidates, |c| &c.path)?;
        match &found.value {
            ConstValue::Alias(next) => candidates = next.clone(),
            value => return Some(value.clone()),
        }
    }
    None
}

fn not_found(ident: &str, pending: &PendingConst, slot: Slot, found: bool) -> Finding {
    let want = match slot {
        Slot::Name => "a string literal",
        Slot::Buckets => "an array of numbers",
    };
    let label = if found {
        format!("`{}` does not hold {want}", pending.written)
    } else {
        format!("no constant `{}` found", pending.written)
    };
    Finding::new(
        Rule::DeclarationNotEvaluable,
        pending.span.clone(),
        format!("the analyzer cannot read the configuration of `{ident}`"),
    )
    .label(label)
    .help(format!(
        "name a `const` of this crate, a workspace crate or tallyho holding {want}, or write it inline"
    ))
}
