//! The request metrics end to end: `fixtures/shop`'s axum server, built with the build step
//! (which read its routes), under real HTTP traffic — ordinary requests, hostile targets,
//! methods it does not route and a flood of 10,000 distinct paths — then scraped: exact
//! counts, and every request metric within the series the manifest counted for it.

use std::collections::BTreeSet;

use tallyho_codegen::Manifest;
use tallyho_spec::builtin::http;
use tallyho_tests::{fixture_dir, http_get, promtool_check, shop_server, RawClient};

/// The value of the counter series for `route`, `method` and `code` in `scrape`, 0 if absent.
fn served(scrape: &str, route: &str, method: &str, code: &str) -> f64 {
    let series = format!(
        "{}_total{{service=\"shop\",{}=\"{route}\",{}=\"{method}\",{}=\"{code}\"}} ",
        http::REQUESTS.name,
        http::ROUTE_LABEL,
        http::METHOD_LABEL,
        http::STATUS_CODE_LABEL
    );
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0.0, |v| v.parse().expect("a number"))
}

#[test]
fn the_shops_request_metrics_are_exact_and_within_the_manifest() {
    let manifest = Manifest::parse(
        &std::fs::read_to_string(fixture_dir("shop/tallyho.manifest.yaml")).expect("manifest"),
    )
    .expect("valid manifest");
    let (_shop, addr) = shop_server(&[]);

    let mut client = RawClient::connect(addr);
    for _ in 0..3 {
        assert_eq!(client.send("GET", "/products/1"), Some(200));
    }
    assert_eq!(client.send("HEAD", "/products/2"), Some(200));
    assert_eq!(client.send("GET", "/products/17"), Some(503));
    assert_eq!(client.send("GET", "/products/9"), Some(404));
    assert_eq!(client.send("POST", "/orders"), Some(201));
    assert_eq!(client.send("POST", "/orders"), Some(201));
    // Methods the shop does not route, an invented one and a lowercase one: all `_OTHER`.
    assert_eq!(client.send("DELETE", "/orders"), Some(405));
    assert_eq!(client.send("BREW", "/health"), Some(405));
    assert_eq!(client.send("post", "/orders"), Some(405));
    // Hostile targets, each on a connection of its own (the server may close it).
    for target in [
        "/products/../../etc/passwd".to_owned(),
        "/%00%ff/%2e%2e".to_owned(),
        format!("/{}", "a".repeat(8000)),
        "http://evil.example/admin".to_owned(),
        "/products/1/../../metrics%3Fx".to_owned(),
    ] {
        RawClient::connect(addr).send("GET", &target);
    }
    // A scanner: 10,000 distinct paths.
    let mut scanners: Vec<RawClient> = (0..4).map(|_| RawClient::connect(addr)).collect();
    for i in 0..10_000 {
        let status = scanners[i % 4].send("GET", &format!("/wp-admin/{i}.php"));
        assert_eq!(status, Some(404), "request {i}");
    }

    let (status, scrape) = http_get(addr, "/metrics").expect("scrape");
    assert_eq!(status, 200);
    promtool_check(&scrape);
    assert_eq!(served(&scrape, "/products/{sku}", "GET", "200"), 3.0);
    assert_eq!(served(&scrape, "/products/{sku}", "HEAD", "200"), 1.0);
    assert_eq!(served(&scrape, "/products/{sku}", "GET", "503"), 1.0);
    assert_eq!(served(&scrape, "/products/{sku}", "GET", "404"), 1.0);
    assert_eq!(served(&scrape, "/orders", "POST", "201"), 2.0);
    assert_eq!(served(&scrape, "/orders", "_OTHER", "405"), 2.0);
    assert_eq!(served(&scrape, "/health", "_OTHER", "405"), 1.0);
    let unmatched = served(&scrape, http::UNMATCHED_ROUTE, "GET", "404");
    assert!((10_000.0..=10_005.0).contains(&unmatched), "{unmatched}");
    assert!(!scrape.contains("wp-admin") && !scrape.contains("passwd"));

    for metric in manifest
        .metrics
        .iter()
        .filter(|m| m.name.starts_with("http_server_"))
    {
        let lines = scrape
            .lines()
            .filter(|l| !l.starts_with('#') && l.starts_with(&metric.name))
            .count() as u64;
        assert!(
            lines <= metric.series,
            "{}: {lines} series, the manifest counted {}",
            metric.name,
            metric.series
        );
        let routes = &metric.labels[0];
        assert_eq!(routes.key, http::ROUTE_LABEL);
        let allowed: BTreeSet<&str> = routes.values.iter().flatten().map(String::as_str).collect();
        let exported: BTreeSet<&str> = scrape
            .lines()
            .filter(|l| l.starts_with(&metric.name))
            .filter_map(|l| l.split("http_route=\"").nth(1)?.split('"').next())
            .collect();
        assert!(exported.is_subset(&allowed), "{exported:?} ⊄ {allowed:?}");
    }
}
