//! `tallyho.yaml` as `cargo tallyho check` applies it: `rules:` severities (`off` drops a
//! finding, `error` fails the check) and `overrides:` (a metric over its own override fails,
//! one within it passes even over the global limit).

use std::path::Path;
use std::process::Output;

use tallyho_tests::copy_fixture;

fn check(workspace: &Path) -> (Option<i32>, serde_json::Value, String) {
    let out: Output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-tallyho"))
        .args(["check", "--format", "json", "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "JSON on stdout: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The (code, severity) of every finding.
fn findings(json: &serde_json::Value) -> Vec<(String, String)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn rule_severities_drop_or_raise_a_finding() {
    // fixtures/build-warning: one `name.non_base_unit` warning, no tallyho.yaml.
    let copy = copy_fixture("build-warning");
    let config = copy.path().join("tallyho.yaml");
    let (code, json, stderr) = check(copy.path());
    assert_eq!(code, Some(0), "a warning alone passes: {stderr}");
    assert_eq!(
        findings(&json),
        [("name.non_base_unit".to_owned(), "warning".to_owned())]
    );

    std::fs::write(&config, "rules: { name.non_base_unit: off }\n").unwrap();
    let (code, json, stderr) = check(copy.path());
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(findings(&json), [], "`off` drops the finding");
    assert_eq!(json["summary"]["warnings"], 0);

    std::fs::write(&config, "rules: { name.non_base_unit: error }\n").unwrap();
    let (code, json, stderr) = check(copy.path());
    assert_eq!(code, Some(1), "`error` fails the check: {stderr}");
    assert_eq!(
        findings(&json),
        [("name.non_base_unit".to_owned(), "error".to_owned())]
    );
    assert_eq!(json["summary"]["errors"], 1);
}

#[test]
fn a_metric_over_its_own_override_fails_and_one_within_it_passes() {
    // checkout_duration_seconds exports 126 series; the global limit here is 100.
    let copy = copy_fixture("shop");
    let config = copy.path().join("tallyho.yaml");
    let write = |overrides: &str| {
        std::fs::write(
            &config,
            format!("limits: {{ series_per_metric: 100 }}\n{overrides}"),
        )
        .unwrap()
    };

    write("");
    let (code, json, _) = check(copy.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&json),
        [("cardinality.metric".to_owned(), "error".to_owned())]
    );

    write("overrides:\n  checkout_duration_seconds: { series: 200, reason: \"reviewed\" }\n");
    let (code, json, stderr) = check(copy.path());
    assert_eq!(code, Some(0), "within its override: {stderr}");
    assert_eq!(findings(&json), []);

    write("overrides:\n  checkout_duration_seconds: { series: 120, reason: \"reviewed\" }\n");
    let (code, json, _) = check(copy.path());
    assert_eq!(code, Some(1), "over its own override");
    assert_eq!(
        findings(&json),
        [("cardinality.metric".to_owned(), "error".to_owned())]
    );
    let message = json["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("126 series"), "{message}");
    assert!(message.contains("limit of 120"), "{message}");
    assert!(message.contains("override"), "{message}");
}
