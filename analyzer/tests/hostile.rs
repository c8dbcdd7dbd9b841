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

#[test]
fn symlink_loops_are_reported_not_followed() {
    let (_dir, analysis) = workspace(|root| {
        std::os::unix::fs::symlink("..", root.join("src/loop")).unwrap();
    });
    let findings = codes(&analysis);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "source.unreadable");
    assert!(findings[0].1.contains("symlink loop"), "{}", findings[0].1);
    assert_eq!(analysis.declarations.len(), 1);
}

#[test]
fn dangling_symlinks_and_unreadable_files_are_reported() {
    let (_dir, analysis) = workspace(|root| {
        std::os::unix::fs::symlink("missing.rs", root.join("src/dangling.rs")).unwrap();
    });
    let findings = codes(&analysis);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "source.unreadable");
    assert_eq!(analysis.declarations.len(), 1);
}

/// Set in the child process that analyzes a workspace without the capabilities that let root
/// read any file.
const UNPRIVILEGED_CHILD: &str = "TALLYHO_HOSTILE_UNPRIVILEGED_WORKSPACE";

fn assert_secret_is_unreadable(manifest: &Path) {
    let analysis = analyze(Some(manifest)).expect("the workspace loads");
    let findings = codes(&analysis);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "source.unreadable");
    assert!(
        findings[0].1.contains("Permission denied"),
        "{}",
        findings[0].1
    );
    assert_eq!(analysis.declarations.len(), 1);
}

#[test]
fn a_file_without_read_permission_is_reported_even_under_root() {
    if let Some(dir) = std::env::var_os(UNPRIVILEGED_CHILD) {
        assert_secret_is_unreadable(&Path::new(&dir).join("Cargo.toml"));
        return;
    }
    let (dir, _) = workspace(|_| {});
    let secret = dir.path().join("src/secret.rs");
    fs::write(&secret, "use tallyho::Counter;").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&secret).is_err() {
        assert_secret_is_unreadable(&dir.path().join("Cargo.toml"));
        return;
    }
    // Root reads anything (CAP_DAC_OVERRIDE): run this test again in a child that keeps
    // uid 0, so it still reaches the toolchain, but has no capabilities (util-linux setpriv).
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file());
    let Some(setpriv) = setpriv else {
        assert!(
            std::env::var("CI").map_or(true, |v| matches!(v.trim(), "" | "0" | "false" | "no")),
            "setpriv (util-linux) is needed to drop root's capabilities in CI"
        );
        eprintln!("skipping: running as root without setpriv, the file is readable");
        return;
    };
    let output = std::process::Command::new(setpriv)
        .args(["--bounding-set=-all", "--inh-caps=-all", "--"])
        .arg(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "a_file_without_read_permission_is_reported_even_under_root",
            "--nocapture",
        ])
        .env(UNPRIVILEGED_CHILD, dir.path())
        .output()
        .expect("setpriv runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the unprivileged analysis failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn huge_files_are_skipped_with_a_finding() {
    let (_dir, analysis) = workspace(|root| {
        let mut text = String::from("// tallyho\n");
        text.push_str(
            &"// padding padding padding padding padding padding padding\n".repeat(160_000),
        );
        fs::write(root.join("src/generated.rs"), text).unwrap();
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
    // The finding each case gets, in the case's own file; `None` where there is nothing
    // wrong to report: a histogram of only `+Inf` (6), a path that names no tallyho (12: rustc
    // rejects it, and it declares no tallyho metric), a byte order mark (13). Case 10: the
    // derive rejects `rename = 5` at compile time; the analyzer does not report it (yet).
    let expected = [
        Some("source.parse"),
        Some("source.parse"),
        Some("declaration.not_evaluable"),
        Some("declaration.not_evaluable"),
        Some("declaration.not_evaluable"),
        Some("declaration.not_evaluable"),
        None,
        Some("name.invalid"),
        Some("name.invalid"),
        Some("labels.unbounded"),
        None,
        Some("declaration.not_static"),
        None,
        None,
        Some("source.parse"),
        Some("source.parse"),
    ];
    assert_eq!(cases.len(), expected.len());
    for (i, case) in cases.iter().enumerate() {
        let (_dir, analysis) = workspace(|root| {
            fs::write(root.join(format!("src/case{i}.rs")), case).unwrap();
        });
        let found: Vec<(&str, String)> = analysis
            .findings
            .iter()
            .map(|f| {
                let file = analysis.sources.get(f.span.file).name.clone();
                (f.code.code(), file)
            })
            .collect();
        let want: Vec<(&str, String)> = expected[i]
            .map(|code| (code, format!("src/case{i}.rs")))
            .into_iter()
            .collect();
        assert_eq!(found, want, "case {i}: {case:?}");
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
