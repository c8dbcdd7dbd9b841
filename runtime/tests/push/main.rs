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
use std::process::{ChildStdin, Command, Stdio};

use tallyho_tests::{runtime_example, KillOnDrop};

/// The `push` example, running: one round of updates recorded and a push asked for.
struct PushDemo {
    child: KillOnDrop,
    stdin: Option<ChildStdin>,
}

impl PushDemo {
    fn start(exporter: &str, env: &[(&str, &str)]) -> PushDemo {
        let mut command = Command::new(runtime_example("push", &["--all-features"]));
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
