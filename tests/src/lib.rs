//! Helpers the interop and end-to-end tests share: finding and running the real Prometheus
//! tools, plain HTTP on loopback, child processes that die with the test.

#![forbid(unsafe_code)]

use std::io::Write;

/// The JSON the helpers return, for tests that inspect it.
pub use serde_json;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Whether a scrape may lack `metric` on this platform: a process metric the runtime leaves
/// out rather than export a made-up value (`process_virtual_memory_max_bytes` when the address
/// space is unlimited).
pub fn may_be_left_out(metric: &str) -> bool {
    tallyho_spec::builtin::process::METRICS
        .iter()
        .any(|m| m.name == metric)
}

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
            "`{name}` is not installed; CI must install it (.ci/run does)"
        );
        announce_skip(&format!("`{name}` is not installed"));
    }
    found
}

/// `python3`, when it can import every module in `modules`; in CI their absence fails the
/// test (`.ci/run` installs tests/requirements.txt), elsewhere the test is skipped.
pub fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let python = tool("python3")?;
    let imports = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    let ok = Command::new(&python)
        .args(["-c", &imports])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !is_ci(),
            "python3 cannot import {modules:?}; run `pip install -r tests/requirements.txt`"
        );
        announce_skip(&format!("python3 cannot import {modules:?}"));
        return None;
    }
    Some(python)
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

/// A real Prometheus server on loopback, scraping one target every second or receiving
/// remote write.
pub struct Prometheus {
    /// Its HTTP API address.
    pub addr: std::net::SocketAddr,
    /// For a server behind TLS and basic auth: a client trusting the test CA, and the
    /// `Authorization` header.
    https: Option<(ureq::Agent, String)>,
    _server: KillOnDrop,
    _data: tempfile::TempDir,
}

/// One sample of an instant vector: its labels and value.
pub type Sample = (serde_json::Map<String, serde_json::Value>, f64);

impl Prometheus {
    /// Starts Prometheus scraping `target` as job `job`; `None` (the test skips) when it is not
    /// installed outside CI.
    pub fn scraping(target: std::net::SocketAddr, job: &str) -> Option<Prometheus> {
        Prometheus::scraping_with_rules(target, job, &[])
    }

    /// Starts Prometheus scraping `target` as job `job` and evaluating the rule files at
    /// `rules` every second.
    pub fn scraping_with_rules(
        target: std::net::SocketAddr,
        job: &str,
        rules: &[PathBuf],
    ) -> Option<Prometheus> {
        let binary = tool("prometheus")?;
        let data = tempfile::tempdir().expect("temp dir");
        let config = data.path().join("prometheus.yml");
        let rule_files: String = if rules.is_empty() {
            " []\n".to_owned()
        } else {
            rules
                .iter()
                .map(|path| format!("\n  - '{}'", path.display()))
                .collect::<String>()
                + "\n"
        };
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 rule_files:{rule_files}\
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
            https: None,
            _server: KillOnDrop(child),
            _data: data,
        })
    }

    /// Starts Prometheus as a remote-write receiver (`/api/v1/write`) behind TLS with the
    /// test CA's server certificate and basic auth for `user` (whose bcrypt hash is `hash`);
    /// `None` (the test skips) when it is not installed outside CI.
    pub fn receiving_remote_write(
        ca: &TestCa,
        user: &str,
        password: &str,
        hash: &str,
    ) -> Option<Prometheus> {
        let binary = tool("prometheus")?;
        let data = tempfile::tempdir().expect("temp dir");
        let config = data.path().join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1m\n").expect("write config");
        let web = data.path().join("web.yml");
        std::fs::write(
            &web,
            format!(
                "tls_server_config:\n  cert_file: {}\n  key_file: {}\nbasic_auth_users:\n  {user}: '{hash}'\n",
                ca.server_cert.display(),
                ca.server_key.display()
            ),
        )
        .expect("write web config");
        let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port())
            .parse()
            .expect("address");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.config.file={}", web.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                data.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--web.enable-remote-write-receiver")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        let roots = ureq::tls::parse_pem(&ca.ca_pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                _ => None,
            })
            .collect();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(roots)))
                    .build(),
            )
            .build()
            .into();
        let auth = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
        Some(Prometheus {
            addr,
            https: Some((agent, auth)),
            _server: KillOnDrop(child),
            _data: data,
        })
    }

    /// The HTTPS URL of `path` on a server started by [`Prometheus::receiving_remote_write`].
    pub fn https_url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// A GET over HTTPS with basic auth: (status, body).
    pub fn https_get(&self, path: &str, authorized: bool) -> Option<(u16, String)> {
        let (agent, auth) = self.https.as_ref()?;
        let mut request = agent.get(self.https_url(path));
        if authorized {
            request = request.header("Authorization", auth);
        }
        let mut response = request.call().ok()?;
        let status = response.status().as_u16();
        Some((status, response.body_mut().read_to_string().ok()?))
    }

    /// A successful API response's JSON.
    pub fn api(&self, path: &str) -> Option<serde_json::Value> {
        let (status, body) = match self.https {
            Some(_) => self.https_get(path, true)?,
            None => http_get(self.addr, path).ok()?,
        };
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

    /// Waits until Prometheus has metadata for every `(name, help, type)` family, then
    /// checks each one's HELP and TYPE; a process metric the platform does not give may be
    /// missing ([`may_be_left_out`]).
    pub fn assert_metadata(&self, families: &[(&str, &str, &str)]) {
        let metadata = eventually("metadata for every metric", || {
            let metadata = self.metadata();
            families
                .iter()
                .all(|(name, _, _)| metadata.get(name).is_some() || may_be_left_out(name))
                .then_some(metadata)
        });
        for (name, help, kind) in families {
            let Some(entry) = metadata.get(name) else {
                continue; // a process metric this platform does not give
            };
            assert_eq!(entry[0]["help"], *help, "{name}");
            assert_eq!(entry[0]["type"], *kind, "{name}");
        }
    }
}

/// Standard base64 with padding.
pub fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// A certificate authority made for one test, and a server certificate it signed for
/// `127.0.0.1` and `localhost`.
pub struct TestCa {
    /// The CA certificate, PEM: what a client must trust.
    pub ca_pem: Vec<u8>,
    /// Its path.
    pub ca_file: PathBuf,
    /// The server certificate, PEM.
    pub server_cert: PathBuf,
    /// The server's private key, PEM.
    pub server_key: PathBuf,
    _dir: tempfile::TempDir,
}

/// Makes a [`TestCa`] with the `openssl` command; `None` (the test skips) when it is not
/// installed outside CI.
pub fn test_ca() -> Option<TestCa> {
    let openssl = tool("openssl")?;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name);
    std::fs::write(
        path("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write extensions");
    let run = |args: &[&str]| {
        let output = Command::new(&openssl)
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("openssl runs");
        assert!(
            output.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-days", "2", "-subj", "/CN=tallyho test CA"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    run(&ca);
    let mut csr = vec!["req", "-subj", "/CN=localhost"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr"]);
    run(&csr);
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    Some(TestCa {
        ca_pem: std::fs::read(path("ca.pem")).expect("read the CA"),
        ca_file: path("ca.pem"),
        server_cert: path("server.pem"),
        server_key: path("server.key"),
        _dir: dir,
    })
}

/// Runs `script` with python3, `input` on its standard input; its standard output, or a
/// test failure with its error output.
pub fn run_python(python: &std::path::Path, script: &str, input: &[u8]) -> String {
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("python3 runs");
    let _ = writer.join();
    assert!(
        output.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// One HTTP request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request target, such as `/v1/metrics`.
    pub path: String,
    /// Header names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body as sent.
    pub body: Vec<u8>,
    /// The status the receiver answered (or began to answer, when `delayed`).
    pub status: u16,
    /// Whether the answer was held back (a slow endpoint): the client may have given up.
    pub delayed: bool,
}

impl Request {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How a [`Receiver`] answers.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// How long to wait before answering.
    pub delay: std::time::Duration,
}

/// A plain HTTP/1.1 server on loopback that records every request and answers as told:
/// the backend of the push exporters' tests.
pub struct Receiver {
    /// Where it listens.
    pub addr: std::net::SocketAddr,
    requests: std::sync::Arc<std::sync::Mutex<Vec<Request>>>,
    answer: std::sync::Arc<std::sync::Mutex<Answer>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    /// Listens on `addr` (port 0 for any), answering 200.
    pub fn start(addr: &str) -> Receiver {
        use std::sync::{atomic::AtomicBool, Arc, Mutex};
        let listener = std::net::TcpListener::bind(addr).expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new(Answer {
            status: 200,
            delay: std::time::Duration::ZERO,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, answer, stop) = (requests.clone(), answer.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (requests, answer, stop) = (requests.clone(), answer.clone(), stop.clone());
                    std::thread::spawn(move || serve_one(stream, &requests, &answer, &stop));
                }
            })
        };
        Receiver {
            addr,
            requests,
            answer,
            stop,
            thread: Some(thread),
        }
    }

    /// Answers `status` from now on, after `delay`, with `Retry-After: 1` on a 429.
    pub fn answer(&self, status: u16, delay: std::time::Duration) {
        *self.answer.lock().unwrap() = Answer { status, delay };
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests came, and returns them all.
    pub fn wait_for(&self, n: usize) -> Vec<Request> {
        eventually(&format!("{n} requests"), || {
            let requests = self.requests();
            (requests.len() >= n).then_some(requests)
        })
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_one(
    stream: std::net::TcpStream,
    requests: &std::sync::Mutex<Vec<Request>>,
    answer: &std::sync::Mutex<Answer>,
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<()> {
    use std::io::{BufRead, Read};
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    let mut reader = std::io::BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    // Keep-alive: serve requests on this connection until the client closes it.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(()); // Shut down: the connection closes unanswered.
        }
        let Answer { status, delay } = *answer.lock().unwrap();
        requests.lock().unwrap().push(Request {
            path,
            headers,
            body,
            status,
            delayed: !delay.is_zero(),
        });
        std::thread::sleep(delay);
        let retry_after = if status == 429 {
            "Retry-After: 1\r\n"
        } else {
            ""
        };
        write!(
            writer,
            "HTTP/1.1 {status} Test\r\n{retry_after}Content-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
        )?;
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
        let mut text = text
            .replace("\"../../../", &format!("\"{repo}"))
            .replace("\"../../", &format!("\"{repo}"));
        if manifest == dir.path().join("Cargo.toml") {
            // The fixture root's `../x` is a sibling fixture (a shared library outside it).
            text = text.replace("\"../", &format!("\"{repo}fixtures/"));
        }
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

/// A runtime example beside the running test binary (`cargo test` builds examples), built
/// with `cargo build --example NAME -p tallyho` and `extra` arguments when it is not there.
pub fn runtime_example(name: &str, extra: &[&str]) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", name, "-p", "tallyho"])
            .args(extra)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the example {name} failed");
    }
    binary
}

/// `fixtures/shop`'s server, built with the build step (`--locked`, in the end-to-end target
/// directory) and started on a free loopback port with `args` after `--listen`; the service
/// name is the generated one (`TALLYHO_SERVICE` unset).
pub fn shop_server(args: &[&str]) -> (KillOnDrop, std::net::SocketAddr) {
    let output = cargo_e2e(&fixture_dir("shop"), &["build", "-p", "shop-server"]);
    assert!(
        output.status.success(),
        "the shop builds:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut command = Command::new(e2e_target_dir().join("debug/shop-server"));
    command
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("TALLYHO_SERVICE");
    spawn_announcing(command, "shop-server: serving ")
}

/// A keep-alive HTTP/1.1 client sending raw request heads (any method, any target, however
/// hostile) and reading each response whole.
pub struct RawClient {
    reader: std::io::BufReader<std::net::TcpStream>,
}

impl RawClient {
    /// A connection to `addr`, reads timing out after 10 s.
    pub fn connect(addr: std::net::SocketAddr) -> RawClient {
        let stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("read timeout");
        RawClient {
            reader: std::io::BufReader::new(stream),
        }
    }

    /// The response status of `method target`, or `None` when the server closed the
    /// connection instead of answering (a request it refused to parse).
    pub fn send(&mut self, method: &str, target: &str) -> Option<u16> {
        use std::io::{BufRead, Read};
        let head = format!("{method} {target} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
        self.reader.get_mut().write_all(head.as_bytes()).ok()?;
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line).ok()?;
        let status = status_line.split(' ').nth(1)?.parse().ok()?;
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).ok()?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        // A response to HEAD announces a length it does not send.
        if method != "HEAD" {
            let mut body = vec![0; length];
            self.reader.read_exact(&mut body).ok()?;
        }
        Some(status)
    }
}
