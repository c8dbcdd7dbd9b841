//! The request layer under real HTTP: an axum router served by hyper on loopback, requests
//! sent over TCP (normal ones, hostile URIs, unknown methods and a flood of distinct paths),
//! and the scrape checked for exact counts, buckets and a bounded number of series.
//!
//! The metrics are process-wide, so this file is one test, in steps.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use tallyho::requests::{declare, RequestMetricsLayer, RouteSet};
use tallyho::Format;
use tallyho_spec::builtin::http::{MAX_STATUS_CODES, STATUS_CLASSES};
use tallyho_tests::{promtool_check, RawClient};

/// The routes as the build step reads them from `app()`.
const ROUTES: RouteSet = RouteSet {
    routes: &["/api/items/{id}", "/orders", "/orders/{id}", "/slow"],
    methods: &["GET", "HEAD", "POST"],
    max_routes: 5,
};

fn app() -> Router {
    let api = Router::new().route("/items/{id}", get(|| async { "item" }));
    Router::new()
        .route("/orders/{id}", get(|| async { "order" }))
        .route("/orders", post(|| async { StatusCode::CREATED }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(30)).await;
                StatusCode::SERVICE_UNAVAILABLE
            }),
        )
        .nest("/api", api)
        .layer(RequestMetricsLayer::new())
}

fn serve() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app()).await.unwrap();
        });
    });
    addr
}

/// The lines of `family` in the scrape (its samples, not its comments).
fn samples<'a>(text: &'a str, family: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.starts_with(family) && !l.starts_with('#'))
        .filter(|l| l[family.len()..].starts_with(['{', ' ', '_']))
        .collect()
}

/// The value of the sample with exactly these labels in this order.
fn value(text: &str, series: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .unwrap_or_else(|| panic!("no series {series} in:\n{text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

fn counter(route: &str, method: &str, code: &str) -> String {
    format!(
        r#"http_server_requests_total{{service="web",http_route="{route}",http_request_method="{method}",http_response_status_code="{code}"}}"#
    )
}

fn duration(route: &str, method: &str, class: &str, suffix: &str, le: Option<&str>) -> String {
    let le = le.map_or(String::new(), |le| format!(r#",le="{le}""#));
    format!(
        r#"http_server_request_duration_seconds{suffix}{{service="web",http_route="{route}",http_request_method="{method}",http_response_status_class="{class}"{le}}}"#
    )
}

#[test]
fn the_layer_records_requests_exactly_and_stays_bounded() {
    tallyho::set_service("web").unwrap();
    declare(&ROUTES);

    // Before any request: every route's success series, at zero, for each routed method.
    let first = tallyho::encode(Format::Prometheus);
    for route in ROUTES.routes.iter().chain(&["__unmatched__"]) {
        for method in ["GET", "HEAD", "POST", "_OTHER"] {
            assert_eq!(value(&first, &counter(route, method, "200")), 0.0);
            assert_eq!(
                value(&first, &duration(route, method, "2xx", "_count", None)),
                0.0
            );
        }
    }
    promtool_check(&first);

    let addr = serve();
    let mut client = tallyho_tests::eventually("the server accepts", || {
        TcpStream::connect(addr)
            .ok()
            .map(|_| RawClient::connect(addr))
    });
    for id in 0..3 {
        assert_eq!(client.send("GET", &format!("/orders/{id}")), Some(200));
    }
    assert_eq!(client.send("HEAD", "/orders/7"), Some(200));
    assert_eq!(client.send("POST", "/orders"), Some(201));
    assert_eq!(client.send("GET", "/orders"), Some(405));
    assert_eq!(client.send("DELETE", "/orders/1"), Some(405));
    assert_eq!(client.send("GET", "/api/items/9"), Some(200));
    assert_eq!(client.send("GET", "/slow"), Some(503));
    // Unknown and lowercase methods are `_OTHER`; an unknown path is unmatched.
    assert_eq!(client.send("BREW", "/orders/1"), Some(405));
    assert_eq!(client.send("get", "/orders/1"), Some(405));

    let text = tallyho::encode(Format::Prometheus);
    promtool_check(&text);
    let served = |route, method, code| value(&text, &counter(route, method, code));
    assert_eq!(served("/orders/{id}", "GET", "200"), 3.0);
    assert_eq!(served("/orders/{id}", "HEAD", "200"), 1.0);
    assert_eq!(served("/orders", "POST", "201"), 1.0);
    assert_eq!(served("/orders", "GET", "405"), 1.0);
    assert_eq!(served("/api/items/{id}", "GET", "200"), 1.0);
    assert_eq!(served("/slow", "GET", "503"), 1.0);
    // DELETE is a standard method the service does not route: `_OTHER`, like BREW and get.
    assert_eq!(served("/orders/{id}", "_OTHER", "405"), 3.0);

    // The 30 ms request is in the 0.05 bucket, not the 0.025 one.
    let slow = |le| value(&text, &duration("/slow", "GET", "5xx", "_bucket", Some(le)));
    assert_eq!(slow("0.025"), 0.0);
    assert_eq!(slow("0.05"), 1.0);
    assert_eq!(slow("+Inf"), 1.0);
    assert_eq!(
        value(
            &text,
            &duration("/orders/{id}", "GET", "2xx", "_count", None)
        ),
        3.0
    );

    // Nothing is in flight once every response is read.
    for line in samples(&text, "http_server_active_requests") {
        assert!(line.ends_with(" 0"), "{line}");
    }

    // Hostile targets: traversal, encoded bytes, a huge query, an absolute URI. Whatever the
    // server answers, none of them may name a series.
    let hostile = [
        "/orders/../../etc/passwd".to_owned(),
        "/orders/%00%ff%2F..".to_owned(),
        format!("/orders/1?{}", "q=x&".repeat(2000)),
        "http://evil.example/orders/1".to_owned(),
        "/%7B%7Bid%7D%7D".to_owned(),
        format!("/{}", "a".repeat(4000)),
    ];
    let mut hostile_statuses = Vec::new();
    for target in &hostile {
        let mut fresh = RawClient::connect(addr);
        hostile_statuses.push(fresh.send("GET", target));
    }

    // A flood of distinct paths: all one unmatched series.
    let mut flooders: Vec<RawClient> = (0..4).map(|_| RawClient::connect(addr)).collect();
    for i in 0..10_000 {
        let status = flooders[i % 4].send("GET", &format!("/scan/{i}/admin.php"));
        assert_eq!(status, Some(404), "request {i}");
    }

    let text = tallyho::encode(Format::Prometheus);
    promtool_check(&text);
    // The absolute URI and the encoded target name real routes; the rest are unmatched,
    // with the flood.
    let unmatched = value(&text, &counter("__unmatched__", "GET", "404"));
    assert!(
        (10_000.0..=10_000.0 + hostile.len() as f64).contains(&unmatched),
        "{unmatched} {hostile_statuses:?}"
    );
    assert!(!text.contains("/scan/"), "a raw path became a label value");
    assert!(!text.contains("passwd") && !text.contains("evil"));

    // The series stay within the manifest's bound: routes x (methods + _OTHER) x codes.
    let routes = ROUTES.max_routes;
    let methods = ROUTES.methods.len() + 1;
    let counter_bound = routes * methods * (MAX_STATUS_CODES + 1);
    let duration_bound = routes * methods * STATUS_CLASSES.len() * 17;
    let requests = samples(&text, "http_server_requests_total").len();
    let durations = samples(&text, "http_server_request_duration_seconds").len();
    assert!(requests <= counter_bound, "{requests} > {counter_bound}");
    assert!(
        durations <= duration_bound,
        "{durations} > {duration_bound}"
    );
    assert!(samples(&text, "http_server_active_requests").len() <= routes * methods);
    let route_values: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.split("http_route=\"").nth(1)?.split('"').next())
        .collect();
    assert!(route_values.len() <= routes, "{route_values:?}");
}
