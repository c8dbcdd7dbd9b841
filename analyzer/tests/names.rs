//! The analyzer's `name.invalid` verdict is the spec's: the runtime rejects a name at compile
//! time with `tallyho_spec::check_name`, so a name one half accepts the other must accept too.

use tallyho_analyzer::{check_source, Rule};

/// Whether the analyzer, checking a declaration named `name`, reports `name.invalid`.
fn analyzer_accepts(name: &str) -> bool {
    let source = format!("use tallyho::Counter;\nstatic M: Counter = Counter::new({name:?});\n");
    let (declarations, findings) = check_source(&source);
    assert_eq!(declarations.len(), 1, "{name:?}: {findings:?}");
    !findings.iter().any(|f| f.code == Rule::NameInvalid)
}

#[test]
fn the_name_rule_is_the_spec_rule() {
    let long_63 = "a".repeat(63);
    let long_64 = "a".repeat(64);
    let names = [
        "orders_processed",
        "Orders_Failed_",
        "_x",
        "9lives",
        "a:b",
        "naïve",
        "orders_",
        "orders-x",
        "h2_frames",
        "a",
        "",
        "request_latency_seconds",
        &long_63,
        &long_64,
    ];
    for name in names {
        assert_eq!(
            analyzer_accepts(name),
            tallyho_spec::is_valid_name(name),
            "{name:?}"
        );
    }
    assert!(tallyho_spec::is_valid_name("orders_processed"));
    assert!(!tallyho_spec::is_valid_name(&long_64));
}
