//! The `tower` layer: request metrics for any tower HTTP service.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::request::Parts;
use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::{start, ActiveRequest};

/// How the layer finds a request's route template: `None` when no route matched.
pub type RouteOf = fn(&Parts) -> Option<&str>;

/// Records the request metrics of the service it wraps.
///
/// With axum, add it with `Router::layer` (the `axum` feature reads the route template from
/// axum's `MatchedPath`); the duration runs from the request's arrival at the layer until
/// the response head is ready.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use axum::{routing::get, Router};
/// let app: Router = Router::new()
///     .route("/orders/{id}", get(|| async { "order" }))
///     .layer(tallyho::requests::RequestMetricsLayer::new());
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RequestMetricsLayer {
    route_of: RouteOf,
}

impl RequestMetricsLayer {
    /// A layer reading the route from axum's `MatchedPath` (with the `axum` feature; without
    /// it every request is unmatched until [`route_with`](Self::route_with) says otherwise).
    pub fn new() -> Self {
        RequestMetricsLayer {
            route_of: matched_path,
        }
    }

    /// The same layer reading the route template with `route_of`, for routers other than
    /// axum's. It must return the template (`/users/{id}`), never the raw path.
    pub fn route_with(self, route_of: RouteOf) -> Self {
        RequestMetricsLayer { route_of }
    }
}

impl Default for RequestMetricsLayer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "axum")]
fn matched_path(parts: &Parts) -> Option<&str> {
    parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .map(axum::extract::MatchedPath::as_str)
}

#[cfg(not(feature = "axum"))]
fn matched_path(_: &Parts) -> Option<&str> {
    None
}

impl<S> Layer<S> for RequestMetricsLayer {
    type Service = RequestMetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestMetricsService {
            inner,
            route_of: self.route_of,
        }
    }
}

/// The service [`RequestMetricsLayer`] wraps around another.
#[derive(Debug, Clone)]
pub struct RequestMetricsService<S> {
    inner: S,
    route_of: RouteOf,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequestMetricsService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let active = start((self.route_of)(&parts), parts.method.as_str());
        ResponseFuture {
            inner: self.inner.call(Request::from_parts(parts, body)),
            active: Some(active),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of a [`RequestMetricsService`]: records the request when it is ready.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        active: Option<ActiveRequest>,
    }
}

/// The status recorded for a request whose service failed: the client gets no response,
/// which it sees as a server error.
const FAILED_STATUS: u16 = 500;

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        if let Some(active) = this.active.take() {
            let status = match &output {
                Ok(response) => response.status().as_u16(),
                Err(_) => FAILED_STATUS,
            };
            active.finish(status);
        }
        Poll::Ready(output)
    }
}
