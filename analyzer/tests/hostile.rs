//! Bad input never stops the scan: unreadable files, symlink loops, huge files and broken
//! configuration each give a finding, and the declarations elsewhere are still found.

use std::fs;
use std::path::Path;

use tallyho_analyzer::{analyze, Analysis};

const MANIFEST: &str = r#"
[package]
name = "hostile"
version = "0.1.0"
edition = "2021"

[dependencies]
tallyho = { path = "RUNTIME" }

[workspace]
"#;

const GOOD: &str = r#"
use tallyho::Counter;

/// Still found.
pub static ORDERS: Counter = Counter::new("orders_processed");
"#;

/// A one-package workspace with one good declaration, plus whatever `setup` adds.
fn workspace(setup: impl FnOnce(&Path)) -> (tempfile::TempDir, Analysis) {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    fs::write(
        dir.path().join("Cargo.toml"),
        MANIFEST.replace("RUNTIME", &runtime.display().to_string()),
    )
    .unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/lib.rs"), GOOD).unwrap();
    setup(dir.path());
    let analysis = analyze(Some(&dir.path().join("Cargo.toml"))).expect("the workspace loads");
    (dir, analysis)
}

fn codes(analysis: &Analysis) -> Vec<(&'static str, String)> {
    analysis
        .findings
        .iter()
        .map(|f| (f.code.code(), f.message.clone()))
        .collect()
}

/// Appends `line` to the crate root: how a test mounts the file it adds.
fn mount(root: &Path, line: &str) {
    let lib = root.join("src/lib.rs");
    let text = fs::read_to_string(&lib).unwrap() + line + "\n";
    fs::write(lib, text).unwrap();
}

#[test]
fn module_cycles_and_folder_loops_are_followed_once() {
    let (_dir, analysis) = workspace(|root| {
        std::os::unix::fs::symlink("..", root.join("src/loop")).unwrap();
        mount(root, "#[path = \"lib.rs\"] mod again;");
    });
    assert_eq!(codes(&analysis), []);
    assert_eq!(analysis.declarations.len(), 1);
}

#[test]
fn a_module_without_its_file_is_reported() {
    let (_dir, analysis) = workspace(|root| mount(root, "mod gone;"));
    let findings = codes(&analysis);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "source.unreadable");
    assert!(findings[0].1.contains("module `gone`"), "{}", findings[0].1);
}

#[test]
fn dangling_symlinks_and_unreadable_files_are_reported() {
    let (_dir, analysis) = workspace(|root| {
        std::os::unix::fs::symlink("missing.rs", root.join("src/dangling.rs")).unwrap();
        mount(root, "mod dangling;");
    });
    let findings = codes(&analysis);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "source.unreadable");
    assert_eq!(analysis.declarations.len(), 1);

    // Permissions: only meaningful when not running as root, which reads anything.
    let (dir, _) = workspace(|root| mount(root, "mod secret;"));
    let secret = dir.path().join("src/secret.rs");
    fs::write(&secret, "use tallyho::Counter;").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&secret).is_err() {
        let analysis = analyze(Some(&dir.path().join("Cargo.toml"))).unwrap();
        assert_eq!(codes(&analysis)[0].0, "source.unreadable");
        assert_eq!(analysis.declarations.len(), 1);
    }
}

#[test]
fn huge_files_are_skipped_with_a_finding() {
    let (_dir, analysis) = workspace(|root| {
        let mut text = String::from("// tallyho\n");
        text.push_str(
            &"// padding padding padding padding padding padding padding\n".repeat(160_000),
        );
        fs::write(root.join("src/generated.rs"), text).unwrap();
        mount(root, "mod generated;");
    });
    let findings = codes(&analysis);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "source.too_large");
    assert_eq!(analysis.declarations.len(), 1);
}

#[test]
fn malformed_and_pathological_rust_never_panics() {
    let cases = [
        "use tallyho::Counter; static X: Counter = Counter::new(",
        "use tallyho::Counter; static X: Counter = Counter::new(\"unterminated);",
        "use tallyho::*; static X: CounterGroup<> = CounterGroup::new(\"x\");",
        "use tallyho::*; static X: CounterGroup<[u8; 3]> = CounterGroup::new(\"x\");",
        "use tallyho::*; static X: Counter<String> = Counter::new(\"x\");",
        "use tallyho::*; static X: Counter = Counter::new(\"x\").help(1).unit(2).buckets(3);",
        "use tallyho::*; static X: Histogram = Histogram::new(\"x_seconds\").buckets(&[]);",
        "use tallyho::*; static X: Counter = Counter::new(\"\");",
        "use tallyho::*; static X: Counter = Counter::new(\"\u{1F980}\");",
        "use tallyho::*; #[derive(LabelSet)] struct L { #[label(max_values = 99999999999999999999999)] a: String }",
        "use tallyho::*; #[derive(LabelSet)] struct L { #[label(rename = 5)] a: bool } static X: CounterGroup<L> = CounterGroup::new(\"x\");",
        "use tallyho::*; macro_rules! m { () => { Counter::new(\"x\") } }",
        "use super::super::super::tallyho::Counter; static X: Counter = Counter::new(\"x\");",
        "\u{feff}use tallyho::Counter;",
        "use tallyho::Counter; /* unterminated comment",
        "use tallyho::Counter; fn f() { let x = \"\\u{110000}\"; }",
    ];
    for (i, case) in cases.iter().enumerate() {
        let (_dir, analysis) = workspace(|root| {
            fs::write(root.join(format!("src/case{i}.rs")), case).unwrap();
        });
        assert!(
            analysis
                .declarations
                .iter()
                .any(|d| d.name == "orders_processed"),
            "case {i}: the scan went on"
        );
    }
}

#[test]
fn a_broken_config_is_a_finding_and_the_defaults_apply() {
    for (text, expected) in [
        ("limits: [1, 2", "not valid"),
        ("limits: { series_per_metric: lots }", "invalid type"),
        (
            "overrides:\n  orders_processed: { series: 5 }\n",
            "missing field `reason`",
        ),
        (
            "services:\n  web: { crate: nope }\n",
            "no package or binary",
        ),
        ("\u{0}\u{1}\u{2}", "not valid"),
    ] {
        let (_dir, analysis) =
            workspace(|root| fs::write(root.join("tallyho.yaml"), text).unwrap());
        let findings = codes(&analysis);
        assert_eq!(findings.len(), 1, "{text:?}: {findings:?}");
        assert_eq!(findings[0].0, "config.invalid");
        assert!(
            findings[0].1.contains(expected),
            "{text:?}: {}",
            findings[0].1
        );
        assert_eq!(analysis.config.limits.series_per_metric, 1000);
        assert_eq!(analysis.declarations.len(), 1);
    }
    let (_dir, analysis) =
        workspace(|root| fs::write(root.join("tallyho.yaml"), [0xff, 0xfe]).unwrap());
    assert_eq!(codes(&analysis)[0].0, "config.invalid");
}

#[test]
fn a_missing_manifest_is_an_error_not_a_panic() {
    let err = analyze(Some(Path::new("/nonexistent/Cargo.toml"))).expect_err("no workspace there");
    assert!(err.to_string().contains("cargo metadata failed"), "{err}");
}
