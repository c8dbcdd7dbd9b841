//! Metrics of a dependency fetched by Cargo rather than found beside the workspace: a git
//! dependency from a bare repository made here, cloned over `file://` by the git CLI, then
//! analyzed offline as `cargo tallyho check` does.

use std::path::{Path, PathBuf};
use std::process::Command;

use tallyho_analyzer::{analyze, render};

/// The runtime's directory, which both the service and the git dependency depend on.
fn runtime() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../runtime")
        .canonicalize()
        .expect("runtime/")
}

/// Whether `git` runs. Missing in CI is a failure, not a skip.
fn git_installed() -> bool {
    let found = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var("CI").as_deref() != Ok("true"),
        "git is required in CI"
    );
    found
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=tallyho",
            "-c",
            "user.email=tallyho@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A bare repository holding the package `gitmetrics` 0.3.1, which declares one metric in a
/// submodule; its `file://` URL. Its path dependency on the runtime makes Cargo list a
/// second, git-sourced `tallyho` package, which is the runtime too and is not scanned.
fn git_dependency(root: &Path) -> String {
    let work = root.join("gitmetrics");
    write(
        &work.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"gitmetrics\"\nversion = \"0.3.1\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ntallyho = {{ path = {:?} }}\n",
            runtime()
        ),
    );
    write(&work.join("src/lib.rs"), "pub mod jobs;\n");
    write(
        &work.join("src/jobs.rs"),
        "/// Jobs run by the shared worker.\npub static JOBS: tallyho::Counter = tallyho::Counter::new(\"git_worker_jobs\");\n",
    );
    git(&work, &["init", "-q"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "gitmetrics 0.3.1"]);
    let bare = root.join("gitmetrics.git");
    git(
        root,
        &["clone", "-q", "--bare", "gitmetrics", "gitmetrics.git"],
    );
    format!("file://{}", bare.display())
}

/// A service depending on tallyho and on `url`, with the registry packages locked as the
/// `outside` fixture locks them, so resolving fetches the git repository and nothing else.
fn service(root: &Path, url: &str) -> PathBuf {
    let dir = root.join("service");
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"service\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ntallyho = {{ path = {:?} }}\ngitmetrics = {{ git = \"{url}\" }}\n\n[workspace]\n",
            runtime()
        ),
    );
    write(
        &dir.join("src/main.rs"),
        "fn main() {\n    gitmetrics::jobs::JOBS.increment();\n}\n",
    );
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/outside/service/Cargo.lock");
    std::fs::copy(lock, dir.join("Cargo.lock")).expect("lock file");
    dir
}

#[test]
fn a_git_dependency_declaring_metrics_is_analyzed_with_its_package_and_version() {
    if !git_installed() {
        eprintln!("skipped: git is not installed");
        return;
    }
    let root = tempfile::tempdir().expect("temp dir");
    let url = git_dependency(root.path());
    let service = service(root.path(), &url);
    // The one step that fetches: a clone from the local bare repository, by the git CLI.
    let fetched = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--quiet"])
        .env("CARGO_NET_GIT_FETCH_WITH_CLI", "true")
        .current_dir(&service)
        .output()
        .expect("cargo runs");
    assert!(
        fetched.status.success(),
        "{}",
        String::from_utf8_lossy(&fetched.stderr)
    );
    let analysis = analyze(Some(&service.join("Cargo.toml"))).expect("analyzes offline");
    let found: Vec<String> = analysis
        .declarations
        .iter()
        .map(|d| {
            let (line, _) = analysis
                .sources
                .line_column(d.name_span.file, d.name_span.range.start);
            let file = &analysis.sources.get(d.name_span.file).name;
            format!(
                "{} {} {:?} {}::{}::{} {file}:{line}",
                d.name, d.package, d.version, d.crate_name, d.module_path, d.ident
            )
        })
        .collect();
    assert_eq!(
        found,
        ["git_worker_jobs gitmetrics Some(\"0.3.1\") gitmetrics::jobs::JOBS gitmetrics-0.3.1/src/jobs.rs:2"]
    );
    let summary: serde_json::Value = serde_json::from_str(&render::json(&analysis)).expect("JSON");
    assert_eq!(summary["findings"], serde_json::json!([]), "{summary}");
    // The service's own metrics, beside the runtime's built-in ones (process, build info).
    let services: Vec<String> = analysis
        .services
        .iter()
        .map(|s| {
            let declared: Vec<&String> = s
                .metrics
                .iter()
                .filter(|m| {
                    !analysis
                        .builtins
                        .iter()
                        .any(|b| b.metric.name == m.as_str())
                })
                .collect();
            format!("{} {:?} {declared:?}", s.name, s.packages)
        })
        .collect();
    assert_eq!(
        services,
        ["service [\"gitmetrics\", \"service\"] [\"git_worker_jobs\"]"]
    );
}
