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

/// A GET with an `Accept` header over HTTP/1.1: the status line's code, the `Content-Type`
/// and the body.
fn get_with_accept(addr: std::net::SocketAddr, path: &str, accept: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head");
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    (content_type, body.to_owned())
}

#[test]
fn an_axum_service_serves_metrics_from_its_own_router() {
    let output = build("axum-service");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e/debug/axum-service");
    let mut command = Command::new(binary);
    command
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("TALLYHO_SERVICE");
    let (_server, addr) = spawn_announcing(command, "axum-service: serving ");
    for id in [2, 3, 4] {
        let (status, _) = http_get(addr, &format!("/orders/{id}")).expect("an order");
        assert_eq!(status, 200);
    }

    let (content_type, text) = get_with_accept(addr, "/metrics", "text/plain");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    promtool_check(&text);
    let found = r#"order_lookups_total{service="axum-service",outcome="found"} 2"#;
    assert!(text.lines().any(|l| l == found), "{text}");
    assert!(
        text.contains("# HELP order_lookups_total Orders looked up"),
        "{text}"
    );

    let prometheus = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";
    let (content_type, open) = get_with_accept(addr, "/metrics", prometheus);
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    assert!(open.ends_with("# EOF\n"), "{open}");
    assert!(open.contains(r#"order_lookups_total{service="axum-service",outcome="missing"} 1"#));
}
