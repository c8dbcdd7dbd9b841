//! Request metrics for HTTP servers: per request, a counter by route, method and status
//! code, a duration histogram by route, method and status class, and an in-flight gauge by
//! route and method.
//!
//! With the `tower` feature, [`RequestMetricsLayer`] records them for any tower service
//! (axum, hyper); any other server calls [`start`] when a request arrives and
//! [`ActiveRequest::finish`] when its response is ready. Whatever clients send, the series
//! stay bounded: the route is the route template, never the raw path, and every request no
//! route matched shares one value (`__unmatched__`); methods outside the standard set are
//! `_OTHER`; routes and status codes past their bounds export as `__overflow__`.
//!
//! The generated registry calls [`declare`] with the routes the build step read from the
//! application's router, so the first scrape shows every route's success series at zero and
//! the route label never holds more values than the manifest says.
//!
//! ```
//! let request = tallyho::requests::start(Some("/orders/{id}"), "GET");
//! // ... serve it ...
//! request.finish(200);
//! let text = tallyho::encode(tallyho::Format::Prometheus);
//! assert!(text.contains(r#"http_route="/orders/{id}""#));
//! ```

mod keys;
#[cfg(feature = "tower")]
mod layer;

use std::sync::OnceLock;
use std::time::Instant;

use tallyho_spec::builtin::http::{
    self, MAX_ROUTES, METHODS, OTHER_METHOD, UNMATCHED_ROUTE, ZERO_STATUS_CLASS, ZERO_STATUS_CODE,
};
use tallyho_spec::OVERFLOW_VALUE;

use crate::{CounterGroup, GaugeGroup, HistogramGroup, Unit};
use keys::{
    ActiveKey, DurationKey, RequestKey, METHOD_NAMES, ROUTES, STATUS_CLASS_NAMES, STATUS_CODES,
};
#[cfg(feature = "tower")]
pub use layer::{RequestMetricsLayer, RequestMetricsService, ResponseFuture, RouteOf};

static REQUESTS: CounterGroup<RequestKey> =
    CounterGroup::new(http::REQUESTS.name).help(http::REQUESTS.help);

static DURATION: HistogramGroup<DurationKey> = HistogramGroup::new(http::REQUEST_DURATION.name)
    .help(http::REQUEST_DURATION.help)
    .unit(Unit::Seconds)
    .buckets(http::DURATION_BUCKETS);

static ACTIVE: GaugeGroup<ActiveKey, i64> =
    GaugeGroup::new(http::ACTIVE_REQUESTS.name).help(http::ACTIVE_REQUESTS.help);

/// The routes and methods a service serves, as the build step read them from its router.
#[derive(Debug, Clone, Copy)]
pub struct RouteSet {
    /// Route templates as written (`/orders/{id}`), without the unmatched route.
    pub routes: &'static [&'static str],
    /// The methods the routes answer, from the standard set; empty for every method.
    pub methods: &'static [&'static str],
    /// The most distinct route values, the unmatched route included (at most
    /// `MAX_ROUTES`); routes past it, declared or not, export as `__overflow__`.
    pub max_routes: usize,
}

impl RouteSet {
    /// What a service that declared nothing records: routes as they come, up to
    /// `MAX_ROUTES`, and every standard method.
    pub const UNDECLARED: RouteSet = RouteSet {
        routes: &[],
        methods: &[],
        max_routes: MAX_ROUTES,
    };
}

/// Slots fixed when the routes are declared.
struct Declared {
    unmatched: usize,
    other_method: usize,
}

static DECLARED: OnceLock<Declared> = OnceLock::new();

/// Declares the service's routes and registers the request metrics, so they export from the
/// first scrape: for every route and method, the status 200 series at zero. The first
/// declaration stands; a request recorded before any declaration declares
/// [`RouteSet::UNDECLARED`].
pub fn declare(set: &RouteSet) {
    DECLARED.get_or_init(|| declare_now(set));
}

fn declared() -> &'static Declared {
    DECLARED.get_or_init(|| declare_now(&RouteSet::UNDECLARED))
}

fn declare_now(set: &RouteSet) -> Declared {
    // Bound first, so routes past `max_routes` overflow however many are declared.
    ROUTES.restrict(set.max_routes.max(1));
    let unmatched = ROUTES.intern(UNMATCHED_ROUTE);
    for route in set.routes {
        ROUTES.intern(route);
    }
    let methods = if set.methods.is_empty() {
        METHODS
    } else {
        set.methods
    };
    for method in methods.iter().filter(|m| METHODS.contains(m)) {
        METHOD_NAMES.intern(method);
    }
    let other_method = METHOD_NAMES.intern(OTHER_METHOD);
    // Closed: requests look methods up with `find`, and nothing is interned after this.
    METHOD_NAMES.restrict(0);
    STATUS_CODES.intern(ZERO_STATUS_CODE);
    STATUS_CLASS_NAMES.intern(ZERO_STATUS_CLASS);
    REQUESTS.register();
    DURATION.register();
    ACTIVE.register();
    Declared {
        unmatched,
        other_method,
    }
}

/// Starts recording a request: `route` is the matched route template (`None` when no route
/// matched, never the raw path), `method` the request method as sent.
pub fn start(route: Option<&str>, method: &str) -> ActiveRequest {
    let declared = declared();
    let route = route.map_or(declared.unmatched, |r| ROUTES.intern(r));
    let method = METHOD_NAMES.find(method).unwrap_or(declared.other_method);
    ACTIVE.with(ActiveKey { route, method }).increment();
    ActiveRequest {
        route,
        method,
        started: Instant::now(),
    }
}

/// A request being served: in the in-flight gauge until it drops; [`finish`] records it.
///
/// [`finish`]: ActiveRequest::finish
#[must_use = "a request is recorded when it finishes"]
#[derive(Debug)]
pub struct ActiveRequest {
    route: usize,
    method: usize,
    started: Instant,
}

impl ActiveRequest {
    /// Records the request as served with `status` (a response was produced), its duration
    /// measured from [`start`] until now.
    pub fn finish(self, status: u16) {
        let elapsed = self.started.elapsed();
        let (route, method) = (self.route, self.method);
        let status_code = STATUS_CODES.intern_integer(i128::from(status));
        let status_class =
            STATUS_CLASS_NAMES.intern(http::status_class(status).unwrap_or(OVERFLOW_VALUE));
        REQUESTS
            .with(RequestKey {
                route,
                method,
                status_code,
            })
            .increment();
        DURATION
            .with(DurationKey {
                route,
                method,
                status_class,
            })
            .observe_duration(elapsed);
    }
}

impl Drop for ActiveRequest {
    fn drop(&mut self) {
        ACTIVE
            .with(ActiveKey {
                route: self.route,
                method: self.method,
            })
            .decrement();
    }
}
