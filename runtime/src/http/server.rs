//! The listening socket, its accept thread, and the handle that stops it.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::body::Bodies;
use super::builder::{Builder, Limits};
use super::connection::{self, SHORT_LINGER};
use super::response::{respond_and_close, Response};
use super::slots::Slots;

/// Connection threads parse, encode and compress; the compressor builds its tables on the
/// stack in unoptimised builds, so leave room for that. Only touched pages cost memory.
const STACK_SIZE: usize = 1024 * 1024;
/// How long the accept thread may spend telling a shed client it is shed.
const SHED_DEADLINE: Duration = Duration::from_millis(100);

/// What every connection thread of one server shares.
pub(crate) struct Shared {
    pub limits: Limits,
    pub pending: Arc<Slots>,
    pub scrapes: Arc<Slots>,
    pub bodies: Bodies,
}

/// A running metrics endpoint; dropping it stops the server.
#[must_use = "the server stops when this handle is dropped"]
pub struct MetricsServer {
    local_addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Starts configuring a server whose limits differ from [`serve`](crate::serve)'s.
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub(crate) fn start(addr: impl ToSocketAddrs, limits: Limits) -> io::Result<MetricsServer> {
        let listener = TcpListener::bind(addr)?;
        let local_addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            pending: Slots::new(limits.max_pending, limits.evict_pending_after),
            scrapes: Slots::new(limits.max_scrapes, limits.evict_scrapes_after),
            bodies: Bodies::new(limits.body_reuse),
            limits,
        });
        let accept = thread::Builder::new().name("tallyho-http".into()).spawn({
            let stopping = Arc::clone(&stopping);
            move || accept_loop(&listener, &stopping, &shared)
        })?;
        Ok(MetricsServer {
            local_addr,
            stopping,
            accept: Some(accept),
        })
    }

    /// The address the server listens on (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Blocks the calling thread while the server runs.
    pub fn join(mut self) {
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.local_addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, stopping: &AtomicBool, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors or a reset before accept: back off, keep serving.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let accepted = Instant::now();
        let _ = stream.set_nodelay(true);
        let stream = Arc::new(stream);
        let Some(slot) = shared.pending.acquire(&stream) else {
            let shed = Response::status(503, "Service Unavailable");
            respond_and_close(&stream, &shed, accepted + SHED_DEADLINE, SHORT_LINGER);
            continue;
        };
        let spawned = thread::Builder::new()
            .name("tallyho-http-conn".into())
            .stack_size(STACK_SIZE)
            .spawn({
                let shared = Arc::clone(shared);
                move || connection::serve(&stream, slot, accepted, &shared)
            });
        if spawned.is_err() {
            // Out of threads: the connection (and its slot) is dropped; back off.
            thread::sleep(Duration::from_millis(10));
        }
    }
}
