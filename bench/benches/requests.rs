//! The request layer's cost per request: the same axum router called in process (no
//! sockets, so the layer's work is not lost in network noise) bare, with tallyho's
//! `RequestMetricsLayer`, and with `axum-prometheus` (`metrics` + `metrics-exporter-prometheus`)
//! recording the same three metrics (requests by route, method and status; duration; requests
//! in flight). Each request's body is read to the end, so a layer that finishes its
//! measurement when the body ends pays for it here too.
//!
//! Run: `cargo bench -p tallyho-bench --bench requests` (figures in BENCHMARKS.md).

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use axum::body::Body;
use axum::http::Request;
use axum::routing::{get, post};
use axum::Router;
use divan::{black_box, Bencher};
use http_body_util::BodyExt;
use tower_service::Service;

fn main() {
    divan::Divan::from_args().run_benches();
}

/// The service: four routes, one with a path parameter, handlers that answer at once.
fn routes() -> Router {
    Router::new()
        .route("/orders/{id}", get(|| async { "order" }))
        .route("/orders", post(|| async { "created" }))
        .route("/products/{sku}", get(|| async { "product" }))
        .route("/health", get(|| async { "ok" }))
}

/// The requests, cycled: three routes, two methods, one unmatched path.
const TARGETS: [(&str, &str); 4] = [
    ("GET", "/orders/17"),
    ("POST", "/orders"),
    ("GET", "/products/4"),
    ("GET", "/nowhere"),
];

/// Calls `router` with the next request and reads the response to its end.
fn serve_one(router: &mut Router, n: &mut usize) -> usize {
    let (method, target) = TARGETS[*n % TARGETS.len()];
    *n += 1;
    let request = Request::builder()
        .method(method)
        .uri(target)
        .body(Body::empty())
        .expect("a valid request");
    block_on(async {
        let response = router.call(request).await.expect("axum is infallible");
        let status = response.status().as_u16() as usize;
        let body = response.into_body().collect().await.expect("a full body");
        status + body.to_bytes().len()
    })
}

/// Times `router` per request, after one round of every request (first-use registration
/// and allocation are not what a service pays per request).
fn bench_router(bencher: Bencher, mut router: Router) {
    let mut n = 0;
    for _ in 0..TARGETS.len() {
        serve_one(&mut router, &mut n);
    }
    bencher.bench_local(|| black_box(serve_one(&mut router, &mut n)));
}

#[divan::bench(sample_count = 1000)]
fn axum_without_metrics(bencher: Bencher) {
    bench_router(bencher, routes());
}

#[divan::bench(sample_count = 1000)]
fn tallyho(bencher: Bencher) {
    tallyho::requests::declare(&tallyho::requests::RouteSet {
        routes: &["/health", "/orders", "/orders/{id}", "/products/{sku}"],
        methods: &["GET", "HEAD", "POST"],
        max_routes: 5,
    });
    bench_router(
        bencher,
        routes().layer(tallyho::requests::RequestMetricsLayer::new()),
    );
}

#[divan::bench(sample_count = 1000)]
fn axum_prometheus(bencher: Bencher) {
    // One global recorder per process, installed by the first call. Its upkeep task (which
    // drains histogram samples every few seconds) runs on a tokio worker, as in a service.
    static LAYER: OnceLock<axum_prometheus::PrometheusMetricLayer<'static>> = OnceLock::new();
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let layer = LAYER.get_or_init(|| {
        let runtime = RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a tokio runtime")
        });
        let _context = runtime.enter();
        axum_prometheus::PrometheusMetricLayer::pair().0
    });
    bench_router(bencher, routes().layer(layer.clone()));
}

/// The handlers never wait, so a waker that does nothing is enough to drive them.
struct NoopWaker;

impl Wake for NoopWaker {
    fn wake(self: Arc<Self>) {}
}

fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(NoopWaker));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}
