//! The push exporters end to end: the `push` example (a running program recording metrics)
//! pushes to a real Prometheus, to loopback receivers whose payloads the official Python
//! models decode, and to endpoints that fail in every way an endpoint can.

#![cfg(all(
    feature = "remote-write",
    feature = "otlp",
    feature = "datadog",
    feature = "dogstatsd"
))]

mod datadog;
mod dogstatsd;
mod faults;
mod otlp;
mod remote_write;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::{ChildStdin, Command, Stdio};

use tallyho_tests::KillOnDrop;

/// The example binary `cargo test` builds beside this test; built on demand otherwise.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let binary = profile_dir
        .join("examples")
        .join(format!("push{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--example",
                "push",
                "-p",
                "tallyho",
                "--all-features",
            ])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the example failed");
    }
    binary
}

/// The `push` example, running: one round of updates recorded and a push asked for.
struct PushDemo {
    child: KillOnDrop,
    stdin: Option<ChildStdin>,
}

impl PushDemo {
    fn start(exporter: &str, env: &[(&str, &str)]) -> PushDemo {
        let mut command = Command::new(example_binary());
        command
            .arg(exporter)
            .env("TALLYHO_SERVICE", "pushdemo")
            .env("TALLYHO_INSTANCE", "replica-1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the example starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the example prints a line");
        assert_eq!(line.trim(), format!("push: started {exporter}"));
        PushDemo {
            child: KillOnDrop(child),
            stdin,
        }
    }

    /// Records one more round and asks for a push.
    fn more(&mut self) {
        let stdin = self.stdin.as_mut().expect("running");
        writeln!(stdin, "more").expect("write to the example");
        stdin.flush().expect("flush");
    }

    /// Closes its input: it shuts the exporter down (a final push) and exits.
    fn finish(mut self) {
        drop(self.stdin.take());
        let status = self.child.0.wait().expect("the example exits");
        assert!(status.success(), "the example failed: {status}");
    }
}
