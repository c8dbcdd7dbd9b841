//! The build step end to end: `fixtures/shop` built by cargo with `tallyho-build`, its server
//! scraped; `fixtures/two-bins`, one package with two services, each binary scraped under its
//! own service; a violating fixture failing the build with the diagnostic; a warning-only one
//! building with cargo warnings; the generated code clean under clippy.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tallyho_codegen::{Kind, Manifest};
use tallyho_tests::{
    eventually, http_get, may_be_left_out, promtool_check, shop_server, spawn_announcing,
    Prometheus,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

/// Runs cargo on a fixture with a target directory shared by the end-to-end tests.
fn cargo(fixture_dir: &Path, args: &[&str]) -> Output {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
    let (subcommand, rest) = args.split_first().expect("a cargo subcommand");
    Command::new(env!("CARGO"))
        .arg(subcommand)
        .arg("--locked")
        .args(rest)
        .current_dir(fixture_dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("NO_COLOR", "1")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_first_scrape_shows_every_declared_metric() {
    let manifest_text =
        std::fs::read_to_string(fixture("shop/tallyho.manifest.yaml")).expect("committed manifest");
    let manifest = Manifest::parse(&manifest_text).expect("valid manifest");
    let (_shop, addr) = shop_server(&[]);
    let (status, body) = http_get(addr, "/metrics").expect("scrape");
    assert_eq!(status, 200);
    promtool_check(&body);
    // A metric of a path dependency outside the workspace ships with its doc comment.
    let shared = manifest
        .metrics
        .iter()
        .find(|m| m.package == "shared-metrics")
        .expect("the dependency's metric is in the manifest");
    assert_eq!(shared.version.as_deref(), Some("1.4.0"));
    assert!(
        body.contains(
            "# HELP shared_client_retries_total Retries made by the shared HTTP client.\n"
        ),
        "{body}"
    );

    for metric in &manifest.metrics {
        let family = if metric.kind == Kind::Counter {
            format!("{}_total", metric.name)
        } else {
            metric.name.clone()
        };
        let help = format!("# HELP {family} {}\n", metric.help);
        if may_be_left_out(&metric.name) && !body.contains(&help) {
            continue;
        }
        assert!(
            body.contains(&help),
            "HELP from the doc comment of {}: {help}",
            metric.name
        );
        assert!(
            body.contains(&format!("# TYPE {family} {}\n", metric.kind.as_str())),
            "{}",
            metric.name
        );
        // Every finite label combination of a declared metric is there from the start, at
        // zero (the built-in metrics are checked below).
        if !metric.builtin && metric.labels.iter().all(|l| l.values.is_some()) {
            let sample = match metric.kind {
                Kind::Histogram => format!("{}_count{{", metric.name),
                _ => format!("{family}{{"),
            };
            let series: Vec<&str> = body.lines().filter(|l| l.starts_with(&sample)).collect();
            let combinations = match &metric.buckets {
                Some(buckets) => metric.series / (buckets.len() as u64 + 3),
                None => metric.series,
            };
            assert_eq!(
                series.len() as u64,
                combinations,
                "{}: {series:#?}",
                metric.name
            );
            assert!(
                series.iter().all(|l| l.ends_with(" 0")),
                "{}: {series:#?}",
                metric.name
            );
        }
    }
    for sample in body.lines().filter(|l| !l.starts_with('#')) {
        assert!(
            sample.contains("{service=\"shop\""),
            "every series carries the service label: {sample}"
        );
    }
    // Before any request but this scrape: every route's success series, at zero.
    let requests = manifest.services[0]
        .requests
        .as_ref()
        .expect("request metrics");
    let routes = requests.routes.iter().map(String::as_str);
    for route in routes.chain(["__unmatched__"]) {
        for method in requests
            .methods
            .iter()
            .map(String::as_str)
            .chain(["_OTHER"])
        {
            let series = format!(
                "http_server_requests_total{{service=\"shop\",http_route=\"{route}\",\
                 http_request_method=\"{method}\",http_response_status_code=\"200\"}} 0\n"
            );
            assert!(body.contains(&series), "{series}");
        }
    }
    assert!(
        body.contains(",version=\"0.1.0\",revision=\""),
        "tallyho_build_info"
    );
}

#[test]
fn prometheus_scrapes_the_shop_and_knows_every_metric() {
    let manifest =
        Manifest::parse(&std::fs::read_to_string(fixture("shop/tallyho.manifest.yaml")).unwrap())
            .unwrap();
    let (_shop, addr) = shop_server(&[]);
    let Some(prometheus) = Prometheus::scraping(addr, "shop") else {
        return;
    };
    prometheus.wait_for_clean_scrape();
    let payments = eventually("checkout_payments_total", || {
        let series = prometheus.query("checkout_payments_total");
        (!series.is_empty()).then_some(series)
    });
    assert_eq!(
        payments.len(),
        3 * 3 * 2,
        "every combination, before any payment"
    );
    assert!(payments
        .iter()
        .all(|(labels, value)| labels["service"] == "shop" && *value == 0.0));
    let families: Vec<(&str, &str, &str)> = manifest
        .metrics
        .iter()
        .map(|m| (m.name.as_str(), m.help.as_str(), m.kind.as_str()))
        .collect();
    prometheus.assert_metadata(&families);
}

#[test]
fn each_binary_of_a_package_exports_its_own_service_and_metrics() {
    let analysis = tallyho_analyzer::analyze(Some(&fixture("two-bins/Cargo.toml")))
        .expect("the fixture loads");
    let manifest = Manifest::from_analysis(&analysis);
    let names: Vec<(&str, &str)> = manifest
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.binary.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("two-bins-ingest", "two-bins-ingest"),
            ("two-bins-report", "two-bins-report")
        ],
        "without tallyho.yaml every binary is a service"
    );
    let output = cargo(&fixture("two-bins"), &["build", "--bins"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    for service in &manifest.services {
        let binary = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/e2e/debug")
            .join(&service.binary);
        let mut command = Command::new(binary);
        command
            .args(["--listen", "127.0.0.1:0"])
            .env_remove("TALLYHO_SERVICE");
        let (_server, addr) = spawn_announcing(command, &format!("{}: serving ", service.binary));
        let (status, body) = http_get(addr, "/metrics").expect("scrape");
        assert_eq!(status, 200);
        promtool_check(&body);
        let label = format!("service=\"{}\"", service.name);
        for sample in body.lines().filter(|l| !l.starts_with('#')) {
            assert!(sample.contains(&label), "{}: {sample}", service.name);
        }
        // Exactly the metrics this binary links: the other binary's own metric is not here.
        for metric in &manifest.metrics {
            let linked = service.metrics.contains(&metric.name);
            let help = format!("# HELP {}", metric.name);
            if may_be_left_out(&metric.name) && !body.contains(&help) {
                continue;
            }
            assert_eq!(body.contains(&help), linked, "{}: {body}", metric.name);
        }
    }
    // TALLYHO_SERVICE still wins over the generated choice at run time.
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e/debug/two-bins-ingest");
    let mut command = Command::new(binary);
    command
        .args(["--listen", "127.0.0.1:0"])
        .env("TALLYHO_SERVICE", "overridden");
    let (_server, addr) = spawn_announcing(command, "two-bins-ingest: serving ");
    let (_, body) = http_get(addr, "/metrics").expect("scrape");
    assert!(
        body.contains("ingest_batches_total{service=\"overridden\"} 1"),
        "{body}"
    );
}

#[test]
fn the_committed_manifest_is_current() {
    let analysis =
        tallyho_analyzer::analyze(Some(&fixture("shop/Cargo.toml"))).expect("the shop loads");
    let current = Manifest::from_analysis(&analysis).to_yaml();
    let committed =
        std::fs::read_to_string(fixture("shop/tallyho.manifest.yaml")).expect("committed manifest");
    assert_eq!(committed, current, "regenerate: cargo tallyho manifest --manifest-path fixtures/shop/Cargo.toml -o fixtures/shop/tallyho.manifest.yaml");
}

#[test]
fn a_metric_error_fails_the_build_with_the_rendered_diagnostic() {
    let output = cargo(&fixture("build-error"), &["build"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    // The build script succeeds; rustc reports the finding where the registry is included.
    assert!(stderr.contains("error: cardinality.metric"), "{stderr}");
    assert!(stderr.contains("--> src/main.rs:10:65"), "{stderr}");
    assert!(stderr.contains("help: narrow the widest label"), "{stderr}");
}

#[test]
fn warnings_build_and_show_as_cargo_warnings() {
    let output = cargo(&fixture("build-warning"), &["build"]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let prefix = "warning: fixture-build-warning@0.1.0: ";
    assert!(
        stderr.contains(&format!("{prefix}name.non_base_unit")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{prefix}  = help: record seconds and name it `page_render_seconds`"
        )),
        "{stderr}"
    );
}

#[test]
fn the_generated_code_passes_clippy_with_warnings_denied() {
    let output = cargo(
        &fixture("shop"),
        &["clippy", "-p", "shop-server", "--", "-D", "warnings"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    // A registry choosing between two services per binary.
    let output = cargo(
        &fixture("two-bins"),
        &["clippy", "--bins", "--", "-D", "warnings"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
}
