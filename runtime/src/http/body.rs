//! Encoded response bodies, shared by the scrapes that arrive together.
//!
//! A body is encoded once per format and coding and handed out as an `Arc` to every scrape
//! that arrived while it was being encoded (they wait for it rather than start their own) or
//! within the reuse window of its encode starting. The pool keeps only a weak reference: a body lives exactly as long
//! as some response is still being written from it, so an idle server holds none, and N slow
//! clients of a large registry hold one body between them rather than N.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use crate::exposition::{encode_into, Format};

/// How a body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Identity,
    Gzip,
}

/// One encoded exposition.
pub(crate) struct Body {
    pub bytes: Vec<u8>,
    /// What `bytes` is: a gzip that failed falls back to identity.
    pub coding: Coding,
    started: Instant,
    finished: Instant,
}

/// The latest body per format and coding.
pub(crate) struct Bodies {
    reuse: Duration,
    latest: [Mutex<Latest>; 4],
}

#[derive(Default)]
struct Latest {
    body: Weak<Body>,
    /// The size of the last body, to size the next buffer and spare regrowth copies.
    len: usize,
}

impl Bodies {
    pub(crate) fn new(reuse: Duration) -> Bodies {
        Bodies {
            reuse,
            latest: Default::default(),
        }
    }

    /// A body for a scrape that arrived at `arrived`: the shared one when it is recent
    /// enough, otherwise a new encode (which later scrapes then share).
    pub(crate) fn get(&self, format: Format, coding: Coding, arrived: Instant) -> Arc<Body> {
        let index =
            usize::from(format == Format::OpenMetrics) * 2 + usize::from(coding == Coding::Gzip);
        // Held while encoding, so scrapes arriving meanwhile wait and share the result.
        let mut latest = self.latest[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(body) = latest.body.upgrade() {
            let in_flight = arrived <= body.finished;
            if in_flight || arrived.saturating_duration_since(body.started) <= self.reuse {
                return body;
            }
        }
        let body = Arc::new(match coding {
            Coding::Identity => encode(format, latest.len),
            Coding::Gzip => gzip(&self.get(format, Coding::Identity, arrived)),
        });
        latest.body = Arc::downgrade(&body);
        latest.len = body.bytes.len();
        body
    }
}

fn encode(format: Format, expected_len: usize) -> Body {
    let started = Instant::now();
    let mut text = String::with_capacity(expected_len + expected_len / 8);
    encode_into(format, &mut text);
    Body {
        bytes: text.into_bytes(),
        coding: Coding::Identity,
        started,
        finished: Instant::now(),
    }
}

#[cfg(feature = "gzip")]
fn gzip(plain: &Arc<Body>) -> Body {
    use std::io::Write;
    // Level 1: about 10x smaller for an exposition at a fraction of the default level's
    // time; the text is so repetitive that higher levels gain little (BENCHMARKS.md).
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(plain.bytes.len() / 8),
        flate2::Compression::fast(),
    );
    match encoder
        .write_all(&plain.bytes)
        .and_then(|()| encoder.finish())
    {
        Ok(bytes) => Body {
            bytes,
            coding: Coding::Gzip,
            started: plain.started,
            finished: Instant::now(),
        },
        Err(_) => identity_copy(plain),
    }
}

#[cfg(not(feature = "gzip"))]
fn gzip(plain: &Arc<Body>) -> Body {
    identity_copy(plain)
}

/// What a gzip request gets when gzip is unavailable: the plain body (a copy, since the
/// slot holds one body per coding; only reached without the feature or on an encoder
/// error, as the server does not ask for gzip when the feature is off).
fn identity_copy(plain: &Arc<Body>) -> Body {
    Body {
        bytes: plain.bytes.clone(),
        coding: Coding::Identity,
        started: plain.started,
        finished: Instant::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_a_body_within_the_window_and_only_while_in_use() {
        let bodies = Bodies::new(Duration::from_secs(3600));
        let first = bodies.get(Format::Prometheus, Coding::Identity, Instant::now());
        let again = bodies.get(Format::Prometheus, Coding::Identity, Instant::now());
        assert!(Arc::ptr_eq(&first, &again));
        let other = bodies.get(Format::OpenMetrics, Coding::Identity, Instant::now());
        assert!(!Arc::ptr_eq(&first, &other));
        drop((first, again));
        let fresh = bodies.get(Format::Prometheus, Coding::Identity, Instant::now());
        assert_eq!(Arc::strong_count(&fresh), 1);

        let never = Bodies::new(Duration::ZERO);
        let old = never.get(Format::Prometheus, Coding::Identity, Instant::now());
        let during = old.finished;
        assert!(Arc::ptr_eq(
            &old,
            &never.get(Format::Prometheus, Coding::Identity, during)
        ));
        let later = old.finished + Duration::from_millis(1);
        assert!(!Arc::ptr_eq(
            &old,
            &never.get(Format::Prometheus, Coding::Identity, later)
        ));
    }
}
