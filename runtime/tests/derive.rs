//! Compile-time checks of the derives and the const constructors (trybuild).

#[test]
fn derives_accept_valid_label_sets_and_reject_misuse_clearly() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
