//! Helpers the interop and end-to-end tests share: finding and running the real Prometheus
//! tools, plain HTTP on loopback, child processes that die with the test.

#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Whether this is a CI run: `CI` set to anything but empty, `0`, `false` or `no` (CI
/// services set `true`, `1` or `TRUE`).
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim().to_ascii_lowercase();
        !matches!(v.as_str(), "" | "0" | "false" | "no")
    })
}

/// Says that a test skipped, past the test runner's output capture, so the skip is seen.
pub fn announce_skip(why: &str) {
    let _ = writeln!(std::io::stderr(), "skipping: {why}");
}

/// Finds a tool on PATH. In CI a missing tool fails the test; elsewhere the test is skipped.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        assert!(
            !is_ci(),
            "`{name}` is not installed; CI must install it (apt-get install prometheus)"
        );
        announce_skip(&format!("`{name}` is not installed"));
    }
    found
}

/// Runs `promtool check metrics` on `text` and fails the test on any problem it reports.
pub fn promtool_check(text: &str) {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write to promtool");
    let output = child.wait_with_output().expect("promtool runs");
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool check metrics rejected the exposition:\n{}{}\n--- exposition ---\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// A GET over plain HTTP/1.0 to a loopback server: (status, body).
pub fn http_get(
    addr: std::net::SocketAddr,
    path_and_query: &str,
) -> std::io::Result<(u16, String)> {
    use std::io::Read;
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path_and_query} HTTP/1.0\r\nHost: {addr}\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_owned()))
}

/// Percent-encodes a query parameter value.
pub fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A free loopback port (bound, read and released; the tiny race is acceptable in tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind loopback")
        .port()
}

/// Starts a server that announces `<prefix>http://ADDR/metrics` as its first line of output
/// (both example services do) and returns it with that address.
pub fn spawn_announcing(mut command: Command, prefix: &str) -> (KillOnDrop, std::net::SocketAddr) {
    use std::io::BufRead;
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let guard = KillOnDrop(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server prints its address");
    let addr = line
        .trim()
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix("http://"))
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
    (guard, addr)
}

/// Kills the child process when the test ends, however it ends.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls `check` until it returns `Some`, failing after a generous deadline.
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

/// A real Prometheus server on loopback, scraping one target every second.
pub struct Prometheus {
    /// Its HTTP API address.
    pub addr: std::net::SocketAddr,
    _server: KillOnDrop,
    _data: tempfile::TempDir,
}

/// One sample of an instant vector: its labels and value.
pub type Sample = (serde_json::Map<String, serde_json::Value>, f64);

impl Prometheus {
    /// Starts Prometheus scraping `target` as job `job`; `None` (the test skips) when it is not
    /// installed outside CI.
    pub fn scraping(target: std::net::SocketAddr, job: &str) -> Option<Prometheus> {
        let binary = tool("prometheus")?;
        let data = tempfile::tempdir().expect("temp dir");
        let config = data.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("write config");
        let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port())
            .parse()
            .expect("address");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                data.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        Some(Prometheus {
            addr,
            _server: KillOnDrop(child),
            _data: data,
        })
    }

    /// A successful API response's JSON.
    pub fn api(&self, path: &str) -> Option<serde_json::Value> {
        let (status, body) = http_get(self.addr, path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&body).ok()?;
        (status == 200 && json["status"] == "success").then_some(json)
    }

    /// Waits until the target is up, failing on any scrape error (Prometheus asks for
    /// OpenMetrics first, so that is the format it parses).
    ///
    /// A scrape error is retried (a loaded machine can time out one scrape), so the test fails
    /// only when no clean scrape comes before the deadline, naming the last error seen.
    pub fn wait_for_clean_scrape(&self) {
        let mut last_error = serde_json::Value::Null;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        loop {
            let target = self.api("/api/v1/targets").and_then(|targets| {
                targets["data"]["activeTargets"]
                    .as_array()?
                    .first()
                    .cloned()
            });
            if let Some(target) = target {
                if target["lastError"] != "" {
                    last_error = target;
                } else if target["health"] == "up" {
                    return;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no clean scrape before the deadline; last scrape error: {last_error}"
            );
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
    }

    /// The instant vector for `query`.
    pub fn query(&self, query: &str) -> Vec<Sample> {
        let json = self
            .api(&format!("/api/v1/query?query={}", url_encode(query)))
            .unwrap_or_else(|| panic!("query {query} failed"));
        json["data"]["result"]
            .as_array()
            .expect("a vector")
            .iter()
            .map(|sample| {
                let labels = sample["metric"].as_object().expect("labels").clone();
                let value = sample["value"][1]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .expect("a value");
                (labels, value)
            })
            .collect()
    }

    /// The HELP, TYPE and UNIT Prometheus recorded per metric family.
    pub fn metadata(&self) -> serde_json::Value {
        self.api("/api/v1/metadata").expect("metadata")["data"].clone()
    }
}

/// The Python `prometheus_client` OpenMetrics parser, run on stdin; prints the families as
/// JSON, or the parser's error and exits 1.
const OPENMETRICS_PARSER: &str = r#"
import json, sys
try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError as err:
    print("IMPORT: %s" % err)
    sys.exit(3)
text = sys.stdin.buffer.read().decode("utf-8")
try:
    families = []
    for family in text_string_to_metric_families(text):
        families.append({
            "name": family.name,
            "type": family.type,
            "help": family.documentation,
            "unit": family.unit,
            "samples": [
                {"name": s.name, "labels": s.labels, "value": repr(float(s.value))}
                for s in family.samples
            ],
        })
except Exception as err:
    print("%s: %s" % (type(err).__name__, err))
    sys.exit(1)
print(json.dumps(families))
"#;

/// One metric family as the OpenMetrics reference parser read it.
#[derive(Debug, Clone)]
pub struct ParsedFamily {
    /// The family's name (without `_total` for counters).
    pub name: String,
    /// `counter`, `gauge`, `histogram`, `unknown`, ...
    pub kind: String,
    /// The decoded HELP text.
    pub help: String,
    /// The UNIT, empty when absent.
    pub unit: String,
    /// Each sample: its name, its decoded labels and its value.
    pub samples: Vec<(String, std::collections::BTreeMap<String, String>, f64)>,
}

/// Parses `text` with the Python `prometheus_client` OpenMetrics parser (promtool reads only
/// Prometheus text 0.0.4) and fails the test if it rejects it. `None` when python3 or the
/// package is missing outside CI (the test skips with a message); in CI that fails the test
/// (`pip install -r tests/requirements.txt`).
pub fn openmetrics_parse(text: &str) -> Option<Vec<ParsedFamily>> {
    let python = tool_or_skip("python3", "install python3")?;
    let mut child = Command::new(python)
        .args(["-c", OPENMETRICS_PARSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = text.to_owned();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().expect("python3 runs");
    let _ = writer.join();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.code() == Some(3) {
        assert!(
            !is_ci(),
            "the Python package prometheus_client is missing ({stdout}); CI must install it: \
             pip install -r tests/requirements.txt"
        );
        announce_skip(&format!("prometheus_client is not installed: {stdout}"));
        return None;
    }
    assert!(
        output.status.success(),
        "the OpenMetrics parser rejected the exposition: {stdout}{}\n--- exposition ---\n{text}",
        String::from_utf8_lossy(&output.stderr),
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("the parser's JSON");
    let families = json
        .as_array()
        .expect("a list of families")
        .iter()
        .map(|f| ParsedFamily {
            name: f["name"].as_str().unwrap_or_default().to_owned(),
            kind: f["type"].as_str().unwrap_or_default().to_owned(),
            help: f["help"].as_str().unwrap_or_default().to_owned(),
            unit: f["unit"].as_str().unwrap_or_default().to_owned(),
            samples: f["samples"]
                .as_array()
                .expect("samples")
                .iter()
                .map(|s| {
                    let labels = s["labels"]
                        .as_object()
                        .expect("labels")
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect();
                    let value = s["value"]
                        .as_str()
                        .and_then(|v| v.parse().ok())
                        .expect("a value");
                    (
                        s["name"].as_str().unwrap_or_default().to_owned(),
                        labels,
                        value,
                    )
                })
                .collect(),
        })
        .collect();
    Some(families)
}

/// Parses `text` as OpenMetrics with the reference parser (see [`openmetrics_parse`]) and
/// fails the test if it is rejected.
pub fn openmetrics_check(text: &str) {
    openmetrics_parse(text);
}

/// [`tool`] with a hint of how to install it in the failure message.
fn tool_or_skip(name: &str, hint: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        assert!(!is_ci(), "`{name}` is not installed; CI must {hint}");
        announce_skip(&format!("`{name}` is not installed"));
    }
    found
}

/// This repository's root.
pub fn repo_root() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the repository")
        .to_owned()
}

/// A fixture workspace under `fixtures/`.
pub fn fixture_dir(name: &str) -> PathBuf {
    repo_root().join("fixtures").join(name)
}

/// The target directory the end-to-end builds share (`target/e2e`), so a fixture's
/// dependencies compile once.
pub fn e2e_target_dir() -> PathBuf {
    repo_root().join("target/e2e")
}

/// Runs `cargo SUBCOMMAND --locked ARGS` in `dir` with the shared end-to-end target directory.
pub fn cargo_e2e(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let (subcommand, rest) = args.split_first().expect("a cargo subcommand");
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg(subcommand)
        .arg("--locked")
        .args(rest)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", e2e_target_dir())
        .env("NO_COLOR", "1")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

/// A copy of a fixture in a temp dir that can be edited, its relative `path = "../../…"`
/// dependencies on this repository's crates made absolute.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        for entry in std::fs::read_dir(from).expect("read fixture") {
            let entry = entry.expect("entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("file type").is_dir() {
                if entry.file_name() != "target" {
                    std::fs::create_dir_all(&target).expect("mkdir");
                    copy(&entry.path(), &target);
                }
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    copy(&fixture_dir(name), dir.path());
    let repo = format!("{}/", repo_root().display());
    for manifest in walk_manifests(dir.path()) {
        let text = std::fs::read_to_string(&manifest).expect("Cargo.toml");
        let text = text
            .replace("\"../../../", &format!("\"{repo}"))
            .replace("\"../../", &format!("\"{repo}"));
        std::fs::write(&manifest, text).expect("write Cargo.toml");
    }
    dir
}

fn walk_manifests(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk_manifests(&path));
        } else if entry.file_name() == "Cargo.toml" {
            found.push(path);
        }
    }
    found
}

/// Edits a file in place: replaces `from` (which must be there) with `to`.
pub fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read for edit");
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write edit");
}

/// The `cargo:` lines (`output`) and `OUT_DIR` of the build script run of `package` whose
/// output mentions `marker` (a path in the workspace being built), from the shared end-to-end
/// target directory; the most recent if several match.
pub fn build_script_run(package: &str, marker: &str) -> Option<(String, PathBuf)> {
    let build = e2e_target_dir().join("debug/build");
    let prefix = format!("{package}-");
    let mut runs: Vec<(std::time::SystemTime, String, PathBuf)> = std::fs::read_dir(build)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .filter_map(|e| {
            let output = e.path().join("output");
            let text = std::fs::read_to_string(&output).ok()?;
            let modified = std::fs::metadata(&output).ok()?.modified().ok()?;
            text.contains(marker)
                .then(|| (modified, text, e.path().join("out")))
        })
        .collect();
    runs.sort_by_key(|r| r.0);
    runs.pop().map(|(_, text, out)| (text, out))
}
