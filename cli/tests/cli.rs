//! `cargo tallyho` as a user runs it: exit codes, output formats, `explain`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(path)
        .join("Cargo.toml")
}

fn tallyho(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-tallyho"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_clean_workspace_exits_zero_with_a_summary() {
    let out = tallyho(&[
        "check",
        "--manifest-path",
        fixture("clean").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(
            "tallyho: 6 files scanned (5 parsed), 9 declarations, 0 errors, 0 warnings in "
        ),
        "{stderr}"
    );
}

#[test]
fn works_as_a_cargo_subcommand() {
    // cargo runs `cargo-tallyho tallyho check ...`.
    let out = tallyho(&[
        "tallyho",
        "check",
        "--manifest-path",
        fixture("clean").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn an_error_finding_exits_one_and_renders_like_rustc() {
    let out = tallyho(&[
        "check",
        "--manifest-path",
        fixture("rules/labels-unbounded").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("labels.unbounded"), "{stderr}");
    assert!(stderr.contains("╭─[src/lib.rs:5:19]"), "{stderr}");
    assert!(stderr.contains("help: bound it"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "NO_COLOR: no escape codes");
}

#[test]
fn warnings_alone_exit_zero() {
    let out = tallyho(&[
        "check",
        "--manifest-path",
        fixture("rules/name-type-in-name").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("1 warning"));
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = tallyho(&[
        "check",
        "--format",
        "json",
        "--manifest-path",
        fixture("rules/name-duplicate").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let finding = &json["findings"][0];
    for key in [
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "label",
        "help",
        "related",
    ] {
        assert!(finding.get(key).is_some(), "missing {key}: {finding}");
    }
    assert_eq!(finding["code"], "name.duplicate");
    assert_eq!(finding["file"], "sessions/src/lib.rs");
    assert_eq!(finding["related"][0]["file"], "pages/src/lib.rs");
    assert_eq!(json["summary"]["errors"], 1);
}

#[test]
fn github_output_is_one_annotation_per_finding() {
    let out = tallyho(&[
        "check",
        "--format",
        "github",
        "--manifest-path",
        fixture("rules/name-unit-mismatch").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("::error file=src/lib.rs,line=4,col=61,endLine=4,endColumn=72,title=name.unit_mismatch::"), "{first}");
    assert!(
        first.contains("%0Ahelp: rename it `payload_size_bytes`"),
        "{first}"
    );
}

#[test]
fn usage_and_io_problems_exit_two() {
    assert_eq!(
        tallyho(&["check", "--format", "xml"]).status.code(),
        Some(2)
    );
    assert_eq!(tallyho(&["frobnicate"]).status.code(), Some(2));
    let out = tallyho(&["check", "--manifest-path", "/nonexistent/Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: cargo metadata failed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn explain_prints_every_rule_page() {
    let list = text(&tallyho(&["explain"]).stdout);
    for rule in tallyho_analyzer::Rule::ALL {
        assert!(
            list.contains(rule.code()),
            "{} missing from the list",
            rule.code()
        );
        let out = tallyho(&["explain", rule.code()]);
        assert_eq!(out.status.code(), Some(0));
        let page = text(&out.stdout);
        assert!(
            page.contains("Fails:") && page.contains("Passes:") && page.contains("Why:"),
            "{page}"
        );
    }
    insta::assert_snapshot!(text(&tallyho(&["explain", "cardinality.metric"]).stdout));
    assert_eq!(tallyho(&["explain", "name.nope"]).status.code(), Some(2));
}

#[test]
fn manifest_writes_checks_and_refuses_errors() {
    let shop = fixture("shop");
    let out = tallyho(&[
        "manifest",
        "--check",
        "--manifest-path",
        shop.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the committed shop manifest is current: {}",
        text(&out.stderr)
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.yaml");
    let file = file.to_str().unwrap();
    let out = tallyho(&[
        "manifest",
        "--manifest-path",
        shop.to_str().unwrap(),
        "-o",
        file,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stderr),
        format!("tallyho: wrote {file} (9 metrics, 1 service)\n")
    );
    std::fs::write(
        file,
        std::fs::read_to_string(file)
            .unwrap()
            .replace("series: 126", "series: 12"),
    )
    .unwrap();
    let out = tallyho(&[
        "manifest",
        "--check",
        "--manifest-path",
        shop.to_str().unwrap(),
        "-o",
        file,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("is stale"), "{stderr}");
    assert!(stderr.contains("series 12 -> 126"), "{stderr}");

    let json = tallyho(&[
        "manifest",
        "--format",
        "json",
        "--manifest-path",
        shop.to_str().unwrap(),
    ]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["schema"], 1);

    let out = tallyho(&[
        "manifest",
        "--manifest-path",
        fixture("rules/labels-unbounded").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no manifest while the metrics have errors"));
    assert!(out.stdout.is_empty());
}

#[test]
fn diff_prints_changes_and_fails_over_budget() {
    let committed = fixture("shop").with_file_name("tallyho.manifest.yaml");
    let old = committed.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let same = tallyho(&["diff", old, old]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(text(&same.stdout), "no metric changes\n");

    let grown = dir.path().join("grown.yaml");
    let text_in = std::fs::read_to_string(&committed).unwrap();
    std::fs::write(
        &grown,
        text_in.replace("series_per_service: 5000", "series_per_service: 100"),
    )
    .unwrap();
    let out = tallyho(&["diff", old, grown.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("! service shop:"),
        "{}",
        text(&out.stdout)
    );

    let garbage = dir.path().join("garbage.yaml");
    std::fs::write(&garbage, "schema: [").unwrap();
    let out = tallyho(&["diff", old, garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid manifest"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        tallyho(&["diff", old, "/nonexistent.yaml"]).status.code(),
        Some(2)
    );
}
