//! `.unit(Unit::X)` takes only the spec's units: any other variant is reported, never stored.

use tallyho_analyzer::{check_source, Rule};

#[test]
fn known_units_are_stored_typed() {
    let (declarations, findings) = check_source(
        "use tallyho::*;\nstatic S: Gauge = Gauge::new(\"size_bytes\").unit(Unit::Bytes);\n",
    );
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(declarations[0].unit, Some(tallyho_spec::Unit::Bytes));
}

#[test]
fn unknown_units_are_findings() {
    let (declarations, findings) = check_source(
        "use tallyho::*;\nstatic D: Gauge = Gauge::new(\"distance_parsecs\").unit(Unit::Parsecs);\n",
    );
    assert!(declarations.is_empty());
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].code, Rule::DeclarationNotEvaluable);
    assert_eq!(findings[0].label, "`Parsecs` is not a tallyho unit");
    assert!(
        findings[0].help.contains("`Unit::Seconds`"),
        "{}",
        findings[0].help
    );
}
