//! `cargo tallyho` as a user runs it: exit codes, output formats, `explain`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(path)
        .join("Cargo.toml")
}

/// Runs `cargo tallyho`, with a target directory of its own so that no test sees another
/// run's cache.
fn tallyho(args: &[&str]) -> Output {
    let target = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_cargo-tallyho"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("CARGO_TARGET_DIR", target.path())
        .output()
        .expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_second_check_reuses_the_layout_and_the_scans() {
    let target = tempfile::tempdir().expect("temp dir");
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_cargo-tallyho"))
            .args(["check", "--format", "json", "--manifest-path"])
            .arg(fixture("clean"))
            .env("CARGO_TARGET_DIR", target.path())
            .output()
            .expect("runs")
    };
    let first: serde_json::Value = serde_json::from_slice(&check().stdout).expect("JSON");
    let second: serde_json::Value = serde_json::from_slice(&check().stdout).expect("JSON");
    assert!(target.path().join("tallyho/check.cache").is_file());
    assert_eq!(first["findings"], second["findings"]);
    assert_eq!(
        first["summary"]["declarations"],
        second["summary"]["declarations"]
    );
    assert!(first["summary"]["parsed"].as_u64().unwrap() > 0, "{first}");
    assert_eq!(second["summary"]["parsed"], 0, "nothing changed: {second}");
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
        format!("tallyho: wrote {file} (21 metrics, 1 service)\n")
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

#[test]
fn dashboards_check_passes_on_the_committed_shop_dashboards_and_fails_when_stale() {
    let shop = fixture("shop");
    let committed = shop.parent().unwrap().join("dashboards");
    let out = tallyho(&[
        "dashboards",
        "--manifest-path",
        shop.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "regenerate: cargo tallyho dashboards --manifest-path fixtures/shop/Cargo.toml\n{}",
        text(&out.stderr)
    );

    // The committed manifest gives the same files; a stale copy fails, naming the file.
    let dir = tempfile::tempdir().unwrap();
    let manifest = shop.parent().unwrap().join("tallyho.manifest.yaml");
    let out = tallyho(&[
        "dashboards",
        "--from-manifest",
        manifest.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
        "--grafana",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(dir.path().join("grafana/shop.json")).unwrap();
    let expected = std::fs::read_to_string(committed.join("grafana/shop.json")).unwrap();
    assert_eq!(written, expected);
    assert!(
        !dir.path().join("datadog").exists(),
        "only what was asked for"
    );
    std::fs::write(dir.path().join("grafana/shop.json"), "{}").unwrap();
    std::fs::write(dir.path().join("grafana/removed-service.json"), "{}").unwrap();
    let out = tallyho(&[
        "dashboards",
        "--from-manifest",
        manifest.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("stale:   "), "{stderr}");
    assert!(stderr.contains("missing: "), "{stderr}");
    assert!(
        stderr.contains("extra:   ") && stderr.contains("removed-service.json (delete it)"),
        "{stderr}"
    );
}

/// The OASIS SARIF 2.1.0 schema, kept beside the repository; CI must have it.
fn sarif_schema() -> Option<PathBuf> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/schemas/sarif/sarif-schema-2.1.0.json");
    if schema.is_file() {
        return Some(schema);
    }
    assert!(
        !tallyho_tests::is_ci(),
        "the SARIF schema is missing: {}",
        schema.display()
    );
    eprintln!("skipped: no SARIF schema at {}", schema.display());
    None
}

/// Validates every file in `logs` against `schema` with Python's jsonschema, by the draft
/// the schema declares.
fn validate_against(schema: &Path, logs: &[PathBuf]) {
    let Some(python) = tallyho_tests::python_with(&["jsonschema"]) else {
        return;
    };
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.validators.validator_for(schema)(schema)
failed = False
for path in sys.argv[2:]:
    for error in validator.iter_errors(json.load(open(path))):
        failed = True
        print(f"{path}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
sys.exit(1 if failed else 0)
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(schema)
        .args(logs)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `check --format sarif` on a rule fixture, parsed, after checking its exit status.
fn sarif_of(rule_fixture: &str, dir: &Path) -> (PathBuf, serde_json::Value) {
    let out = tallyho(&[
        "check",
        "--format",
        "sarif",
        "--manifest-path",
        fixture(&format!("rules/{rule_fixture}")).to_str().unwrap(),
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let path = dir.join(format!("{rule_fixture}.sarif"));
    std::fs::write(&path, &out.stdout).unwrap();
    let log = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    (path, log)
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0_with_related_locations() {
    let dir = tempfile::tempdir().unwrap();
    // Several findings, related spans in another file and in the same file, a warning.
    let fixtures = [
        "declaration-not-static",
        "name-duplicate",
        "cardinality-service",
        "cardinality-metric",
        "name-type-in-name",
        "source-unreadable",
    ];
    let mut logs = Vec::new();
    for name in fixtures {
        let (path, log) = sarif_of(name, dir.path());
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for result in run["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"], "{name}");
            let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(uri["uriBaseId"], "%SRCROOT%", "{name}");
            assert!(!uri["uri"].as_str().unwrap().starts_with('/'), "{name}");
        }
        logs.push(path);
    }
    let (_, duplicate) = sarif_of("name-duplicate", dir.path());
    insta::assert_snapshot!("sarif_name_duplicate", redacted_sarif(duplicate));
    let (_, not_static) = sarif_of("declaration-not-static", dir.path());
    // A closure, a `let` and a `thread_local!`: three places a static cannot be registered.
    assert_eq!(
        not_static["runs"][0]["results"].as_array().unwrap().len(),
        3
    );
    if let Some(schema) = sarif_schema() {
        validate_against(&schema, &logs);
    }
}

/// The log without what varies by machine and release (the root's absolute path, the
/// version) and with the rule list cut to its count: the catalogue has its own tests.
fn redacted_sarif(mut log: serde_json::Value) -> String {
    let run = &mut log["runs"][0];
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///[workspace]/".into();
    let driver = &mut run["tool"]["driver"];
    driver["version"] = "[version]".into();
    let rules = driver["rules"].as_array().unwrap().len();
    assert_eq!(rules, tallyho_analyzer::Rule::ALL.len());
    driver["rules"] = format!("[{rules} rules]").into();
    serde_json::to_string_pretty(&log).unwrap()
}

/// The shop's manifest after a change: a metric removed, one added, one with a wider
/// label, and the service over a budget lowered to 200.
fn changed_shop_manifest() -> tallyho_codegen::Manifest {
    let committed = fixture("shop").with_file_name("tallyho.manifest.yaml");
    let text_in = std::fs::read_to_string(committed).unwrap();
    let mut manifest = tallyho_codegen::Manifest::parse(&text_in).unwrap();
    manifest.limits.series_per_service = 200;
    manifest
        .metrics
        .retain(|m| m.name != "catalog_cached_products");
    let mut added = manifest.metric("catalog_lookups").unwrap().clone();
    added.name = "catalog_evictions".into();
    added.series = 4;
    manifest.metrics.insert(0, added);
    let lookups = manifest
        .metrics
        .iter_mut()
        .find(|m| m.name == "catalog_lookups")
        .unwrap();
    lookups.labels[0]
        .values
        .as_mut()
        .unwrap()
        .push("replica".into());
    lookups.series = 6;
    manifest.services[0].series += 4;
    manifest
}

#[test]
fn diff_as_markdown_is_a_pull_request_comment() {
    let committed = fixture("shop").with_file_name("tallyho.manifest.yaml");
    let old = committed.to_str().unwrap();
    let same = tallyho(&["diff", old, old, "--format", "markdown"]);
    assert_eq!(same.status.code(), Some(0));
    insta::assert_snapshot!("diff_markdown_unchanged", text(&same.stdout));

    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.yaml");
    std::fs::write(&new, changed_shop_manifest().to_yaml()).unwrap();
    let out = tallyho(&["diff", old, new.to_str().unwrap(), "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    insta::assert_snapshot!("diff_markdown_over_budget", text(&out.stdout));
}

#[test]
fn a_metric_over_its_override_is_told_to_raise_the_override() {
    let source = fixture("rules/cardinality-metric");
    let dir = tempfile::tempdir().unwrap();
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    let manifest = std::fs::read_to_string(&source).unwrap().replace(
        "\"../../../runtime\"",
        &format!("{:?}", runtime.canonicalize().unwrap()),
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let lib = source.with_file_name("src").join("lib.rs");
    std::fs::copy(lib, dir.path().join("src/lib.rs")).unwrap();
    std::fs::write(
        dir.path().join("tallyho.yaml"),
        "overrides:\n  order_duration_seconds: { series: 4000, reason: \"reviewed\" }\n",
    )
    .unwrap();
    let out = tallyho(&[
        "check",
        "--format",
        "json",
        "--manifest-path",
        dir.path().join("Cargo.toml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = &json["findings"][0];
    assert_eq!(finding["code"], "cardinality.metric");
    let help = finding["help"].as_str().unwrap();
    assert!(
        help.ends_with("raise its override from 4000 to 4284 in tallyho.yaml"),
        "{help}"
    );
    assert!(!help.contains("under overrides"), "{help}");
}
