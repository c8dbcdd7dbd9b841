//! The manifest and the generated registry of the clean fixture, snapshot-tested, the
//! per-binary choice in the registry of `fixtures/two-bins`, and the manifest diff.

use std::path::Path;

use tallyho_analyzer::analyze;
use tallyho_codegen::{diff, registry_source, Change, Manifest};

fn clean() -> tallyho_analyzer::Analysis {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/clean/Cargo.toml");
    let analysis = analyze(Some(&path)).expect("the clean fixture loads");
    assert!(analysis.findings.is_empty());
    analysis
}

#[test]
fn the_manifest_is_deterministic_and_round_trips() {
    let analysis = clean();
    let manifest = Manifest::from_analysis(&analysis);
    let yaml = manifest.to_yaml();
    insta::assert_snapshot!("clean_manifest_yaml", yaml);
    assert_eq!(
        Manifest::from_analysis(&clean()).to_yaml(),
        yaml,
        "a second analysis gives the same bytes"
    );
    assert_eq!(Manifest::parse(&yaml).expect("YAML parses"), manifest);
    assert_eq!(
        Manifest::parse(&manifest.to_json()).expect("JSON parses"),
        manifest
    );
}

#[test]
fn bad_manifests_are_errors() {
    assert!(Manifest::parse("schema: 2\nlimits: {series_per_metric: 1, series_per_service: 1}\nmetrics: []\nservices: []\n")
        .unwrap_err()
        .to_string()
        .contains("schema 2 is not supported"));
    assert!(Manifest::parse("schema: 1\nsurprise: true\n")
        .unwrap_err()
        .to_string()
        .contains("unknown field"));
    assert!(Manifest::parse("{ not json").is_err());
}

#[test]
fn the_registry_covers_the_linked_crates() {
    let manifest = Manifest::from_analysis(&clean());
    let source = registry_source(&manifest, "shop-server");
    insta::assert_snapshot!("clean_registry_shop_server", source);
    // A library builds no service: its registry has the metrics it declares.
    let core = registry_source(&manifest, "shop-core");
    assert!(
        core.contains("// 3 metrics from shop-core; no service."),
        "{core}"
    );
    assert!(!core.contains("payments"));
    assert!(!core.contains("CARGO_BIN_NAME"), "{core}");
}

#[test]
fn diff_reports_changes_and_budgets() {
    let old = Manifest::from_analysis(&clean());
    let mut new = old.clone();
    new.metrics.retain(|m| m.name != "payments_in_flight");
    let orders = new
        .metrics
        .iter_mut()
        .find(|m| m.name == "orders_by_region")
        .expect("metric");
    orders.labels[1].values = Some(vec![
        "eu".into(),
        "us".into(),
        "apac".into(),
        "latam".into(),
    ]);
    orders.series = 8;
    let mut added = old.metric("orders_processed").expect("metric").clone();
    added.name = "orders_cancelled".into();
    new.metrics.push(added);
    new.services[0].series = 20_000;
    let result = diff(&old, &new);
    insta::assert_snapshot!("diff_text", result.to_string());
    assert!(result
        .changes
        .iter()
        .any(|c| matches!(c, Change::AddedMetric { name, .. } if name == "orders_cancelled")));
    assert_eq!(
        result.over_budget,
        ["service shop: 20000 series, over the budget of 10000"]
    );
    assert!(diff(&old, &old).changes.is_empty());
    assert_eq!(diff(&old, &old).to_string(), "no metric changes\n");
}

#[test]
fn each_binary_of_a_package_gets_its_own_service_and_metrics() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/two-bins/Cargo.toml");
    let manifest = Manifest::from_analysis(&analyze(Some(&path)).expect("the fixture loads"));
    let source = registry_source(&manifest, "two-bins");
    for service in &manifest.services {
        let arm = format!("Some(\"{}\") => Some(\"{}\")", service.binary, service.name);
        assert!(source.contains(&arm), "{arm}\n{source}");
    }
    // Each binary registers the library's metric and its own, not its sibling's.
    let arm = |binary: &str| {
        let start = source
            .find(&format!("Some(\"{binary}\") => {{"))
            .expect("an arm");
        source[start..start + source[start..].find("LINKED\n").expect("its list")].to_owned()
    };
    let ingest = arm("two-bins-ingest");
    assert!(ingest.contains("&INGEST_BATCHES") && ingest.contains("&STORE_READS"));
    assert!(
        !ingest.contains("REPORT_RENDER_DURATION_SECONDS"),
        "{ingest}"
    );
    let report = arm("two-bins-report");
    assert!(!report.contains("INGEST_BATCHES"), "{report}");
}

/// A service recording request metrics (`fixtures/routes`): its built-in metrics in the
/// manifest with the routes read, methods and series; its registry declares those routes,
/// registers the process metrics and the build info, and is valid Rust.
#[test]
fn built_in_metrics_reach_the_manifest_and_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/routes/Cargo.toml");
    let analysis = analyze(Some(&path)).expect("the routes fixture loads");
    let manifest = Manifest::from_analysis(&analysis);
    let yaml = manifest.to_yaml();
    assert_eq!(Manifest::parse(&yaml).expect("YAML parses"), manifest);
    let requests = manifest
        .metrics
        .iter()
        .find(|m| m.name == "http_server_requests")
        .expect("request counter");
    assert!(requests.builtin);
    assert_eq!(requests.service.as_deref(), Some("routes"));
    assert_eq!((requests.series, requests.limit), (5610, 6000));
    insta::assert_snapshot!("routes_manifest_yaml", yaml);
    let source = registry_source(&manifest, "routes");
    insta::assert_snapshot!("routes_registry", source);
    let block = source
        .lines()
        .filter(|l| !l.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    syn::parse_str::<syn::Block>(&block).expect("the registry is a valid block");
    assert!(source.contains("max_routes: 32,"), "{source}");
}
