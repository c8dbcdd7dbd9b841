//! One name rule for both halves: the runtime's constructor (a const panic at compile time,
//! an ordinary panic when called at run time) and the analyzer's `name.invalid` finding give
//! the same verdict on every name.

use tallyho_analyzer::{check_source, Rule};

/// Whether the analyzer, checking a declaration named `name`, reports `name.invalid`.
fn analyzer_accepts(name: &str) -> bool {
    let source = format!("use tallyho::Counter;\nstatic M: Counter = Counter::new({name:?});\n");
    let (declarations, findings) = check_source(&source);
    assert_eq!(declarations.len(), 1, "{name:?}: {findings:?}");
    !findings.iter().any(|f| f.code == Rule::NameInvalid)
}

/// Whether the runtime's constructor accepts `name`; in a `static` the same check is a
/// compile error.
fn runtime_accepts(name: &str) -> bool {
    let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let accepted = std::panic::catch_unwind(|| tallyho::Counter::<u64>::new(name)).is_ok();
    std::panic::set_hook(hook);
    accepted
}

#[test]
fn the_runtime_and_the_analyzer_judge_names_alike() {
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
    let mut accepted = 0;
    for name in names {
        let verdict = runtime_accepts(name);
        assert_eq!(analyzer_accepts(name), verdict, "{name:?}");
        accepted += usize::from(verdict);
    }
    // The table holds both verdicts, so agreeing is not agreeing on everything.
    assert_eq!(
        accepted, 5,
        "orders_processed, h2_frames, a, request_latency_seconds, 63 bytes"
    );
}
