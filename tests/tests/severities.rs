//! `tallyho.yaml` rule severities as the build sees them: on a copy of
//! `fixtures/build-warning` (one `name.non_base_unit` warning), `off` builds without the
//! cargo warning and `error` fails `cargo build` with the diagnostic.

use tallyho_tests::{cargo_e2e, copy_fixture};

const WARNING: &str = "warning: fixture-build-warning@0.1.0: name.non_base_unit";

#[test]
fn off_silences_and_error_fails_the_build() {
    let copy = copy_fixture("build-warning");
    // The config exists from the start: cargo reruns a build script for a watched file that
    // changed, and the build step watches `tallyho.yaml` only once there is one.
    let config = copy.path().join("tallyho.yaml");
    std::fs::write(&config, "rules: { name.non_base_unit: warning }\n").unwrap();

    let output = cargo_e2e(copy.path(), &["build"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(WARNING),
        "the default is a warning: {stderr}"
    );

    std::fs::write(&config, "rules: { name.non_base_unit: off }\n").unwrap();
    let output = cargo_e2e(copy.path(), &["build"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("Compiling fixture-build-warning"),
        "the edit reran the build: {stderr}"
    );
    assert!(
        !stderr.contains("non_base_unit"),
        "`off` drops it: {stderr}"
    );

    std::fs::write(&config, "rules: { name.non_base_unit: error }\n").unwrap();
    let output = cargo_e2e(copy.path(), &["build"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "`error` fails the build: {stderr}"
    );
    // rustc reports it where the registry is included, as it reports its own errors.
    assert!(stderr.contains("error: name.non_base_unit"), "{stderr}");
    assert!(
        stderr.contains("help: record seconds and name it `page_render_seconds`"),
        "{stderr}"
    );
}
