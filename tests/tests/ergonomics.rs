//! What a Rust team meets first: tallyho under another dependency name, a forgotten build
//! script, and a metric error next to an ordinary compile error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tallyho_tests::{http_get, promtool_check, spawn_announcing};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

/// `cargo build` of a fixture into the target directory the end-to-end tests share.
fn build(name: &str) -> Output {
    Command::new(env!("CARGO"))
        .args(["build", "--locked"])
        .current_dir(fixture(name))
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e"),
        )
        .env("NO_COLOR", "1")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

#[test]
fn a_renamed_dependency_builds_and_exports() {
    let output = build("renamed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e/debug/renamed");
    let mut command = Command::new(binary);
    command
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("TALLYHO_SERVICE");
    let (_server, addr) = spawn_announcing(command, "renamed: serving ");
    let (status, body) = http_get(addr, "/metrics").expect("scrape");
    assert_eq!(status, 200);
    promtool_check(&body);
    // The analyzer found the declaration through the rename: its doc comment is the HELP.
    assert!(
        body.contains("# HELP renamed_jobs_total Jobs finished, by queue."),
        "{body}"
    );
    let slow = r#"renamed_jobs_total{service="renamed",queue="slow"} 2"#;
    assert!(body.lines().any(|l| l == slow), "{body}");
}

#[test]
fn a_missing_build_script_is_one_error_naming_the_fix() {
    let output = build("no-build-rs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(
        errors.len(),
        2,
        "one error and cargo's summary of it:\n{stderr}"
    );
    assert!(errors[0].contains("add `tallyho-build` to [build-dependencies] and a build.rs"));
    assert!(errors[1].contains("due to 1 previous error"), "{stderr}");
}

#[test]
fn a_metric_error_and_a_type_error_are_reported_together() {
    let output = build("metric-and-type-error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    // The build script wrote the finding into the registry instead of failing, so rustc
    // checked the crate and reports its own error beside it.
    assert!(stderr.contains("error: cardinality.metric"), "{stderr}");
    assert!(
        stderr.contains("error[E0308]: mismatched types"),
        "{stderr}"
    );
    assert!(
        stderr.contains("src/main.rs:12:"),
        "the finding's place: {stderr}"
    );
}
