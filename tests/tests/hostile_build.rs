//! The build step on hostile input: a module nested 100,000 deep, and a file beside it that is
//! no module, fail `cargo build` with a finding naming each file, never a stack overflow.

use std::fs;

use tallyho_tests::{cargo_e2e, copy_fixture};

const N: usize = 100_000;

#[test]
fn deep_nesting_fails_the_build_with_a_finding_naming_the_file() {
    let dir = copy_fixture("build-warning");
    let main = fs::read_to_string(dir.path().join("src/main.rs")).unwrap();
    fs::write(dir.path().join("src/main.rs"), format!("mod deep;\n{main}")).unwrap();
    let generics = format!("{}u8{}", "Vec<".repeat(N), ">".repeat(N));
    fs::write(
        dir.path().join("src/deep.rs"),
        format!("use tallyho::Counter;\npub type Deep = {generics};\n"),
    )
    .unwrap();
    let closures = "|a| ".repeat(N);
    fs::write(
        dir.path().join("src/unmounted.rs"),
        format!("use tallyho::Counter;\nfn f() {{ let _ = {closures}1; }}\n"),
    )
    .unwrap();

    let output = cargo_e2e(dir.path(), &["build"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("Error: tallyho found 1 metric error"),
        "{stderr}"
    );
    assert!(stderr.contains("--> src/deep.rs:"), "{stderr}");
    // A file no `mod` mounts is not compiled, so the analyzer does not read it either.
    assert!(!stderr.contains("unmounted.rs"), "{stderr}");
    assert!(stderr.contains("source.too_large"), "{stderr}");
    assert!(
        stderr.contains("nests more than 512 levels deep"),
        "{stderr}"
    );
    for crash in ["overflow", "SIGABRT", "signal"] {
        assert!(!stderr.contains(crash), "{crash}: {stderr}");
    }
}
