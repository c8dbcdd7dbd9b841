//! A route set declaring more routes than its bound: the route label still holds at most
//! `max_routes` values (the unmatched route first), the rest and any later route export as
//! `__overflow__`, and a status code outside 100..=599 has the overflow class.
//!
//! The metrics are process-wide, so this file is one test.

use tallyho::requests::{declare, start, RouteSet};
use tallyho::Format;

#[test]
fn routes_past_max_routes_overflow_however_many_are_declared() {
    declare(&RouteSet {
        routes: &["/a", "/b", "/c", "/d"],
        methods: &["GET"],
        max_routes: 3,
    });
    start(Some("/e"), "GET").finish(200);
    start(None, "GET").finish(701);
    let text = tallyho::encode(Format::Prometheus);
    let routes: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.split("http_route=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(
        routes.into_iter().collect::<Vec<_>>(),
        ["/a", "/b", "__overflow__", "__unmatched__"]
    );
    assert!(text.contains(r#"http_response_status_class="__overflow__""#));
}
