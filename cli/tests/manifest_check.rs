//! `cargo tallyho manifest --check` judges metrics, not line numbers: an edit that only moves
//! declarations keeps CI green, a metric change does not.

use std::path::Path;
use std::process::{Command, Output};

fn tallyho(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-tallyho"))
        .args(args)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

/// `fixtures/two-bins` copied to a temporary directory, its path dependencies made absolute.
fn workspace() -> tempfile::TempDir {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/two-bins");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    let dir = tempfile::tempdir().expect("temp dir");
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "src/lib.rs",
        "src/bin/two-bins-ingest.rs",
        "src/bin/two-bins-report.rs",
    ] {
        let to = dir.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(fixture.join(file)).unwrap();
        std::fs::write(&to, text.replace("../../", &format!("{}/", repo.display()))).unwrap();
    }
    dir
}

#[test]
fn a_comment_only_edit_keeps_the_manifest_current() {
    let dir = workspace();
    let path = dir.path().join("tallyho.manifest.yaml");
    let written = tallyho(dir.path(), &["manifest", "-o", path.to_str().unwrap()]);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed.contains("line: "),
        "the manifest keeps lines for people"
    );

    // Every declaration moves down three lines; no metric changes.
    let lib = dir.path().join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("// A comment.\n// Another.\n\n{source}")).unwrap();
    let check = tallyho(dir.path(), &["manifest", "--check"]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("only line numbers moved"), "{stderr}");

    // A changed doc comment is a metric change: stale.
    let edited = std::fs::read_to_string(&lib).unwrap().replace(
        "/// Reads from the shared store, by either service.",
        "/// Reads from the shared store.",
    );
    std::fs::write(&lib, edited).unwrap();
    let check = tallyho(dir.path(), &["manifest", "--check"]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
