//! The push engine: one background thread per exporter that pushes on an interval, retries
//! with backoff, pushes once more on shutdown, and records its own metrics.
//!
//! The thread only reads the registry (atomic loads), so the application's updates never
//! wait on it; a dead or slow backend costs the thread its time, bounded by the timeout.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::metrics::{
    ExporterLabels, ExporterName, FailureLabels, Reason, FAILURES, LAST_SUCCESS, PAYLOAD_BYTES,
    PUSHES,
};
use super::options::ConfigError;

/// The first retry waits about this long; each further one twice as long.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// What an exporter does for one push: read the registry, encode, send.
pub(crate) trait Exporter: Send + 'static {
    fn name(&self) -> ExporterName;
    /// Collects the current values and sends them. Delta state advances only for what the
    /// backend accepted, so a failed push is neither lost nor counted twice.
    fn push(&mut self) -> Outcome;
}

/// What one push did.
pub(crate) struct Outcome {
    /// Bytes sent (or attempted), as on the wire.
    pub(crate) bytes: u64,
    pub(crate) result: Result<(), Failure>,
}

/// Why a push failed, and when the backend asked to be tried again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Failure {
    pub(crate) reason: Reason,
    pub(crate) retry_after: Option<Duration>,
}

impl From<Reason> for Failure {
    fn from(reason: Reason) -> Self {
        Failure {
            reason,
            retry_after: None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Command {
    Run,
    PushNow,
    Stop,
}

struct Signal {
    command: Mutex<Command>,
    wake: Condvar,
}

/// A running push exporter. Dropping it (or [`Pusher::shutdown`]) stops the thread after a
/// final push, so the last values of a short-lived process are not lost.
#[must_use = "dropping the Pusher stops the exporter"]
pub struct Pusher {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl Pusher {
    /// Starts `exporter` on its own thread, pushing every `interval`.
    pub(crate) fn spawn(
        exporter: impl Exporter,
        interval: Duration,
    ) -> Result<Pusher, ConfigError> {
        let signal = Arc::new(Signal {
            command: Mutex::new(Command::Run),
            wake: Condvar::new(),
        });
        let name = format!("tallyho-push-{:?}", exporter.name()).to_lowercase();
        let thread_signal = Arc::clone(&signal);
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || run(exporter, interval, &thread_signal))
            .map_err(|e| ConfigError::new(format!("cannot start the push thread: {e}")))?;
        Ok(Pusher {
            signal,
            thread: Some(thread),
        })
    }

    /// Asks for a push now instead of at the next tick, without waiting for it: for a batch
    /// job's milestones, or tests.
    pub fn push_now(&self) {
        self.send(Command::PushNow);
    }

    /// Stops the exporter after one final push (bounded by the push timeout) and waits for
    /// its thread. Dropping the `Pusher` does the same.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn send(&self, command: Command) {
        let mut current = self
            .signal
            .command
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *current != Command::Stop {
            *current = command;
        }
        self.signal.wake.notify_all();
    }

    fn stop(&mut self) {
        self.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Pusher {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Pusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pusher")
            .field("running", &self.thread.is_some())
            .finish()
    }
}

fn run(mut exporter: impl Exporter, interval: Duration, signal: &Signal) {
    let name = exporter.name();
    let mut jitter = Jitter::new();
    let mut next_tick = Instant::now() + interval;
    let mut wake_at = next_tick;
    let mut failures_in_a_row = 0u32;
    loop {
        match wait(signal, wake_at) {
            Command::Stop => {
                // The final push: one attempt, bounded by the exporter's timeout.
                attempt(&mut exporter, name);
                return;
            }
            Command::PushNow | Command::Run => {}
        }
        let failure = attempt(&mut exporter, name);
        let now = Instant::now();
        while next_tick <= now {
            next_tick += interval; // Missed ticks are skipped, not caught up in a burst.
        }
        wake_at = next_tick;
        match failure {
            None => failures_in_a_row = 0,
            Some(failure) if failure.reason.retryable() => {
                failures_in_a_row = failures_in_a_row.saturating_add(1);
                let delay = failure
                    .retry_after
                    .unwrap_or_else(|| jitter.backoff(failures_in_a_row));
                // A retry sooner than the next tick; never later (that push comes anyway).
                wake_at = wake_at.min(now + delay);
            }
            Some(_) => failures_in_a_row = 0,
        }
    }
}

/// Sleeps until `deadline` or a command; returns what to do.
fn wait(signal: &Signal, deadline: Instant) -> Command {
    let mut command = signal
        .command
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    loop {
        match *command {
            Command::Stop => return Command::Stop,
            Command::PushNow => {
                *command = Command::Run;
                return Command::PushNow;
            }
            Command::Run => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return Command::Run;
        }
        command = signal
            .wake
            .wait_timeout(command, deadline - now)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// One push, recorded in the self-metrics; returns the failure, if any.
fn attempt(exporter: &mut impl Exporter, name: ExporterName) -> Option<Failure> {
    let labels = ExporterLabels { exporter: name };
    PUSHES.with(&labels).increment();
    // A panic inside an exporter would be a bug; it must still not take the thread down
    // with the application's final flush, so it counts as a failed push.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| exporter.push()))
        .unwrap_or(Outcome {
            bytes: 0,
            result: Err(Reason::Transport.into()),
        });
    PAYLOAD_BYTES.with(&labels).add(outcome.bytes);
    match outcome.result {
        Ok(()) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            LAST_SUCCESS.with(&labels).set(now.as_secs_f64());
            None
        }
        Err(failure) => {
            FAILURES
                .with(FailureLabels {
                    exporter: name,
                    reason: failure.reason,
                })
                .increment();
            Some(failure)
        }
    }
}

/// Exponential backoff with jitter, from a per-thread random seed (std's hasher keys).
struct Jitter {
    state: u64,
}

impl Jitter {
    fn new() -> Jitter {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(std::process::id().into());
        Jitter {
            state: hasher.finish() | 1,
        }
    }

    /// Half to all of `FIRST_BACKOFF * 2^(n-1)`, so replicas that failed together spread out.
    fn backoff(&mut self, failures_in_a_row: u32) -> Duration {
        let doublings = failures_in_a_row.saturating_sub(1).min(16);
        let full = FIRST_BACKOFF.saturating_mul(1 << doublings);
        // xorshift64: enough to spread retries, no dependency.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        let fraction = 0.5 + (self.state >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
        full.mul_f64(fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// An exporter that answers from a script (then succeeds) and counts its pushes.
    struct Scripted {
        script: VecDeque<Option<Reason>>,
        panic_first: bool,
        calls: Arc<AtomicUsize>,
    }

    impl Exporter for Scripted {
        fn name(&self) -> ExporterName {
            ExporterName::Dogstatsd
        }

        fn push(&mut self) -> Outcome {
            let call = self.calls.fetch_add(1, SeqCst);
            if self.panic_first && call == 0 {
                panic!("a bug in an exporter");
            }
            Outcome {
                bytes: 1,
                result: match self.script.pop_front().flatten() {
                    Some(reason) => Err(reason.into()),
                    None => Ok(()),
                },
            }
        }
    }

    fn start(script: &[Option<Reason>], panic_first: bool) -> (Pusher, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let exporter = Scripted {
            script: script.iter().copied().collect(),
            panic_first,
            calls: Arc::clone(&calls),
        };
        let pusher = Pusher::spawn(exporter, Duration::from_secs(3600)).unwrap();
        (pusher, calls)
    }

    fn wait_for(calls: &AtomicUsize, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while calls.load(SeqCst) < n {
            assert!(
                Instant::now() < deadline,
                "{} pushes, not {n}",
                calls.load(SeqCst)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn retryable_failures_are_retried_before_the_next_tick() {
        let script = [Some(Reason::ServerError), Some(Reason::Throttled), None];
        let (pusher, calls) = start(&script, false);
        pusher.push_now();
        // The interval is an hour: these are the backoff's retries.
        wait_for(&calls, 3);
        std::thread::sleep(Duration::from_millis(1200));
        assert_eq!(
            calls.load(SeqCst),
            3,
            "after a success, the next push is the tick"
        );
        pusher.shutdown();
        assert_eq!(calls.load(SeqCst), 4, "shutdown pushes once more");
    }

    #[test]
    fn a_rejected_push_waits_for_the_next_tick() {
        let (pusher, calls) = start(&[Some(Reason::Rejected)], false);
        pusher.push_now();
        wait_for(&calls, 1);
        std::thread::sleep(Duration::from_millis(1200));
        assert_eq!(calls.load(SeqCst), 1);
        drop(pusher);
        assert_eq!(calls.load(SeqCst), 2);
    }

    #[test]
    fn a_panicking_exporter_keeps_its_thread() {
        let (pusher, calls) = start(&[], true);
        pusher.push_now();
        wait_for(&calls, 1);
        // The panic counted as a retryable failure: a retry comes without being asked.
        wait_for(&calls, 2);
        pusher.shutdown();
        assert_eq!(calls.load(SeqCst), 3);
    }

    #[test]
    fn backoff_doubles_within_jitter() {
        let mut jitter = Jitter::new();
        for n in 1..10 {
            let full = FIRST_BACKOFF * (1 << (n - 1));
            let delay = jitter.backoff(n);
            assert!(delay >= full / 2 && delay <= full, "{n}: {delay:?}");
        }
        // Capped doubling: no overflow however long the outage.
        assert!(jitter.backoff(u32::MAX) <= FIRST_BACKOFF * (1 << 16));
    }
}
