//! A bounded pool of connection slots that, when full, cuts off the connection that has held
//! its slot the longest rather than turn a newcomer away.
//!
//! Legitimate scrapers send their request in one packet and read their response as fast as
//! it comes, so under pressure the oldest holder is almost always the slow or hostile one.
//! A holder is only evicted once it has held its slot for `evict_after`, so a burst of
//! newcomers cannot push out each other's requests in flight.

use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A pool of at most `cap` slots.
pub(crate) struct Slots {
    cap: usize,
    evict_after: Duration,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    held: Vec<Held>,
}

struct Held {
    id: u64,
    since: Instant,
    stream: Arc<TcpStream>,
}

/// A held slot, given back when dropped.
pub(crate) struct Slot {
    pool: Arc<Slots>,
    id: u64,
}

impl Slots {
    pub(crate) fn new(cap: usize, evict_after: Duration) -> Arc<Slots> {
        Arc::new(Slots {
            cap,
            evict_after,
            inner: Mutex::new(Inner::default()),
        })
    }

    /// Takes a slot for `stream`, evicting the oldest straggler when the pool is full;
    /// `None` when it is full of connections too young to evict.
    pub(crate) fn acquire(self: &Arc<Self>, stream: &Arc<TcpStream>) -> Option<Slot> {
        let mut inner = self.lock();
        if inner.held.len() >= self.cap {
            let oldest = inner
                .held
                .iter()
                .enumerate()
                .min_by_key(|(_, held)| held.since)
                .map(|(index, held)| (index, held.since))?;
            if oldest.1.elapsed() < self.evict_after {
                return None;
            }
            let evicted = inner.held.swap_remove(oldest.0);
            // Wakes the thread blocked on this connection: its read sees the end, its write
            // fails, and it lets go of everything it holds.
            let _ = evicted.stream.shutdown(Shutdown::Both);
        }
        let id = inner.next_id;
        inner.next_id += 1;
        inner.held.push(Held {
            id,
            since: Instant::now(),
            stream: Arc::clone(stream),
        });
        Some(Slot {
            pool: Arc::clone(self),
            id,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = self.pool.lock();
        if let Some(index) = inner.held.iter().position(|held| held.id == self.id) {
            inner.held.swap_remove(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair() -> (Arc<TcpStream>, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (server, _) = listener.accept().expect("accept");
        (Arc::new(server), client)
    }

    #[test]
    fn full_pools_refuse_young_holders_and_evict_old_ones() {
        let young = Slots::new(1, Duration::from_secs(3600));
        let (a, _ca) = pair();
        let (b, _cb) = pair();
        let held = young.acquire(&a).expect("a free slot");
        assert!(young.acquire(&b).is_none());
        drop(held);
        assert!(young.acquire(&b).is_some());

        let old = Slots::new(1, Duration::ZERO);
        let (c, mut client_c) = pair();
        let _first = old.acquire(&a).expect("a free slot");
        let _second = old.acquire(&c).expect("the first holder is evicted");
        let _third = old.acquire(&b).expect("the second holder is evicted");
        // The evicted connection was shut down: its peer reads the end.
        let mut buf = [0u8; 1];
        assert_eq!(
            std::io::Read::read(&mut client_c, &mut buf).expect("read"),
            0
        );
    }
}
