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
    let (dir, _) = workspace(|root| mount(root, "mod secret;"));
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
        Some("declaration.in_macro"),
        None,
        None,
        Some("source.parse"),
        Some("source.parse"),
    ];
    assert_eq!(cases.len(), expected.len());
    for (i, case) in cases.iter().enumerate() {
        let (_dir, analysis) = workspace(|root| {
            fs::write(root.join(format!("src/case{i}.rs")), case).unwrap();
            mount(root, &format!("mod case{i};"));
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

/// Runs `f` on its own thread and fails if it takes over five seconds: a hang is a failure,
/// not a stuck test run. Not a performance bound.
fn within_five_seconds<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || send.send(f()));
    receive
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("{what}: no result within 5 s"))
}

/// Deep nesting of each kind the parser recurses on, 100,000 levels, one file each.
fn deep_files() -> Vec<(&'static str, String)> {
    const N: usize = 100_000;
    let expr = |e: String| format!("use tallyho::Counter;\nfn f() {{\n    let _ = {e};\n}}\n");
    let ty = |t: String| format!("use tallyho::Counter;\ntype T = {t};\n");
    vec![
        (
            "generics",
            ty(format!("{}u8{}", "Vec<".repeat(N), ">".repeat(N))),
        ),
        (
            "parens",
            expr(format!("{}1{}", "(".repeat(N), ")".repeat(N))),
        ),
        ("closures", expr(format!("{}1", "|a| ".repeat(N)))),
        ("not", expr(format!("{}x", "!".repeat(N)))),
        ("refs", ty(format!("{}u8", "&".repeat(N)))),
        ("return", expr(format!("{}1", "return ".repeat(N)))),
        (
            "else_if",
            expr(format!("if a {{}}{}", " else if a {}".repeat(N))),
        ),
        ("fn_pointers", ty(format!("{}u8", "fn() -> ".repeat(N)))),
        ("sums", expr(format!("1{}", " + 1".repeat(N)))),
        ("method_calls", expr(format!("x{}", ".f()".repeat(N)))),
    ]
}

#[test]
fn deep_nesting_of_every_kind_is_reported_per_file() {
    let files = deep_files();
    let (_dir, analysis) = within_five_seconds("deep nesting", move || {
        workspace(|root| {
            for (name, text) in &files {
                fs::write(root.join(format!("src/deep_{name}.rs")), text).unwrap();
                mount(root, &format!("mod deep_{name};"));
            }
        })
    });
    let findings = codes(&analysis);
    assert_eq!(findings.len(), deep_files().len(), "{findings:?}");
    for finding in &analysis.findings {
        assert_eq!(finding.code.code(), "source.too_large");
        assert!(
            finding.message.contains("levels deep"),
            "{}",
            finding.message
        );
        let file = analysis.sources.get(finding.span.file).path.clone();
        assert!(file.to_string_lossy().contains("deep_"), "{file:?}");
    }
    assert_eq!(
        analysis.declarations.len(),
        1,
        "the good declaration is still found"
    );
}

/// The analysis of a workspace whose `tallyho.yaml` `setup` writes, within five seconds.
fn with_config(
    what: &str,
    setup: impl FnOnce(&Path) + Send + 'static,
) -> Vec<(&'static str, String)> {
    let (_dir, analysis) = within_five_seconds(what, move || {
        workspace(|root| setup(&root.join("tallyho.yaml")))
    });
    assert_eq!(analysis.declarations.len(), 1, "{what}: the scan went on");
    assert_eq!(
        analysis.config.limits.series_per_metric, 1000,
        "{what}: the defaults apply"
    );
    codes(&analysis)
}

#[test]
fn hostile_configs_are_findings_in_bounded_time_and_memory() {
    let big = |n| {
        format!(
            "a: &a \"{}\"\nb: [{}]\n",
            "x".repeat(n),
            "*a,".repeat(100_000)
        )
    };
    for (what, text, expected) in [
        (
            "a 4 MB alias bomb",
            big(1 << 20),
            "over the 1048576 byte limit",
        ),
        (
            "an alias bomb under the size limit",
            big(500_000),
            "an anchor, `&a`",
        ),
        (
            "an alias",
            "limits: { series_per_metric: *n }".to_owned(),
            "an alias, `*n`",
        ),
        (
            "a huge file",
            format!("# {}\n", "x".repeat(8 << 20)),
            "over the 1048576 byte limit",
        ),
    ] {
        let findings = with_config(what, move |path| fs::write(path, text).unwrap());
        assert_eq!(findings.len(), 1, "{what}: {findings:?}");
        assert_eq!(findings[0].0, "config.invalid", "{what}");
        assert!(
            findings[0].1.contains(expected),
            "{what}: {}",
            findings[0].1
        );
    }
    let fifo = with_config("a FIFO", |path| {
        let made = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(made.success());
    });
    assert!(
        fifo[0].1.contains("it is a FIFO, not a regular file"),
        "{fifo:?}"
    );
    let zero = with_config("a symlink to /dev/zero", |path| {
        std::os::unix::fs::symlink("/dev/zero", path).unwrap();
    });
    assert!(
        zero[0].1.contains("it is a device, not a regular file"),
        "{zero:?}"
    );
    let dir = with_config("a directory", |path| fs::create_dir(path).unwrap());
    assert!(dir[0].1.contains("it is a directory"), "{dir:?}");
}

#[test]
fn twenty_thousand_overrides_are_read_in_linear_time() {
    let mut text = String::from("overrides:\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "  metric_{i:05}: {{ series: 5000, reason: reviewed }}\n"
        ));
    }
    // Used, and within 10x of the metric's one series (else `config.override_too_large`).
    text.push_str("  orders_processed: { series: 5, reason: reviewed }\n");
    assert!(text.len() < 1 << 20);
    let (_dir, analysis) = within_five_seconds("20,000 overrides", move || {
        workspace(|root| fs::write(root.join("tallyho.yaml"), text).unwrap())
    });
    assert_eq!(analysis.config.overrides.len(), 20_001);
    let unused: Vec<_> = codes(&analysis);
    assert_eq!(unused.len(), 20_000);
    assert!(unused
        .iter()
        .all(|(code, _)| *code == "config.unused_override"));
    // Each points at its own key.
    let last = analysis
        .findings
        .iter()
        .find(|f| f.message.contains("metric_19999"))
        .unwrap();
    let file = analysis.sources.get(last.span.file);
    assert_eq!(&file.text[last.span.range.clone()], "metric_19999");
}
