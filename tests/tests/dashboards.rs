//! The generated dashboards and rules of `fixtures/shop`, proven against the real thing:
//! Grafana's JSON schemas, the Datadog API client's models, promtool, and a real Prometheus
//! scraping the shop while it takes orders, running every query of every dashboard and rule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tallyho_codegen::{generate_dashboards, Manifest, Outputs};
use tallyho_tests::{eventually, is_ci, python_with, shop_server, tool, Prometheus};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn dashboards(path: &str) -> PathBuf {
    repo("fixtures/shop/dashboards").join(path)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("committed file")).expect("JSON")
}

/// Runs a command and fails the test with its output unless it succeeds.
fn succeeds(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every panel of a Grafana dashboard, rows' children included.
fn panels(dashboard: &Value) -> Vec<&Value> {
    fn walk<'v>(panels: &'v Value, out: &mut Vec<&'v Value>) {
        for panel in panels.as_array().into_iter().flatten() {
            out.push(panel);
            walk(&panel["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

/// Every (expr, legend) of a Grafana dashboard's targets.
fn grafana_queries(dashboard: &Value) -> Vec<(String, String)> {
    panels(dashboard)
        .into_iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .map(|t| {
            (
                t["expr"].as_str().expect("expr").to_owned(),
                t["legendFormat"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_committed_dashboards_are_current() {
    let manifest = Manifest::parse(
        &std::fs::read_to_string(repo("fixtures/shop/tallyho.manifest.yaml")).unwrap(),
    )
    .unwrap();
    for file in generate_dashboards(&manifest, Outputs::ALL).expect("the shop's objectives fit") {
        let committed =
            std::fs::read_to_string(dashboards(file.path.to_str().unwrap())).unwrap_or_default();
        assert_eq!(
            committed,
            file.contents,
            "{} is stale; regenerate: cargo tallyho dashboards --manifest-path fixtures/shop/Cargo.toml",
            file.path.display()
        );
    }
}

#[test]
fn grafana_dashboards_read_well_and_use_the_datasource_variable() {
    let dashboard = read_json(&dashboards("grafana/shop.json"));
    assert_eq!(dashboard["uid"], "tallyho-shop");
    assert_eq!(dashboard["schemaVersion"], 42);
    assert!(dashboard.get("__inputs").is_none());
    let queries = grafana_queries(&dashboard);
    let unique: BTreeSet<&String> = queries.iter().map(|(e, _)| e).collect();
    assert_eq!(unique.len(), queries.len(), "no query twice: {queries:#?}");
    let rows: Vec<&str> = panels(&dashboard)
        .into_iter()
        .filter(|p| p["type"] == "row")
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        rows,
        [
            "Overview",
            "Crate catalog",
            "Crate checkout",
            // A path dependency outside the workspace: its metrics ship with the service.
            "Crate shared_metrics",
            "Crate shop_server",
            // The request, process and build metrics the runtime records.
            "Built-in metrics (tallyho)"
        ]
    );
    for panel in panels(&dashboard)
        .into_iter()
        .filter(|p| p["type"] != "row")
    {
        assert_eq!(panel["datasource"]["uid"], "${datasource}", "{panel}");
        assert!(
            !panel["description"].as_str().unwrap_or("").is_empty(),
            "{panel}"
        );
        for target in panel["targets"].as_array().unwrap() {
            assert_eq!(
                target["datasource"],
                serde_json::json!({"type": "prometheus", "uid": "${datasource}"})
            );
        }
    }
}

/// Runs `validate_grafana.py` on `files`; false when it was skipped (outside CI only).
fn validate_grafana(files: &[PathBuf]) -> bool {
    let schemas = repo("../shared/schemas/grafana");
    if !schemas.join("dashboard.jsonschema.json").is_file() {
        assert!(
            !is_ci(),
            "the Grafana schemas are missing at {}",
            schemas.display()
        );
        eprintln!("skipping: no Grafana schemas at {}", schemas.display());
        return false;
    }
    let Some(python) = python_with(&["jsonschema"]) else {
        return false;
    };
    succeeds(
        Command::new(python)
            .arg(repo("tests/python/validate_grafana.py"))
            .arg(&schemas)
            .args(files),
        "validate_grafana.py",
    );
    true
}

/// Runs `validate_datadog.py` on `files`; false when it was skipped (outside CI only).
fn validate_datadog(files: &[PathBuf]) -> bool {
    let Some(python) = python_with(&["datadog_api_client"]) else {
        return false;
    };
    succeeds(
        Command::new(python)
            .arg(repo("tests/python/validate_datadog.py"))
            .args(files),
        "validate_datadog.py",
    );
    true
}

/// `promtool check rules` on `rules` and `promtool test rules` on its tests, when it has any.
fn promtool_rules(rules: &Path) -> bool {
    let Some(promtool) = tool("promtool") else {
        return false;
    };
    succeeds(
        Command::new(&promtool).args(["check", "rules"]).arg(rules),
        "promtool check rules",
    );
    let tests = rules.with_extension("test.yml");
    if tests.is_file() {
        succeeds(
            Command::new(&promtool).args(["test", "rules"]).arg(&tests),
            "promtool test rules",
        );
    }
    true
}

#[test]
fn grafana_dashboards_validate_against_grafanas_schemas() {
    validate_grafana(&[dashboards("grafana/shop.json")]);
}

#[test]
fn datadog_dashboards_parse_into_the_api_clients_models() {
    validate_datadog(&[dashboards("datadog/shop.json")]);
}

#[test]
fn rules_pass_promtool_and_their_alerts_fire_and_resolve() {
    if !promtool_rules(&dashboards("prometheus/shop.rules.yml")) {
        return;
    }
    // Every alert of the rule file has a firing and a resolved case in the tests.
    let rules: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(dashboards("prometheus/shop.rules.yml")).unwrap(),
    )
    .unwrap();
    let tests = std::fs::read_to_string(dashboards("prometheus/shop.rules.test.yml")).unwrap();
    for group in rules["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            if let Some(alert) = rule["alert"].as_str() {
                assert_eq!(
                    tests.matches(&format!("alertname: {alert}\n")).count(),
                    2,
                    "{alert}"
                );
            }
        }
    }
}

#[test]
fn the_outputs_of_the_other_fixtures_validate_too() {
    for fixture in ["clean", "two-bins"] {
        let analysis =
            tallyho_analyzer::analyze(Some(&repo(&format!("fixtures/{fixture}/Cargo.toml"))))
                .expect("the fixture loads");
        let manifest = Manifest::from_analysis(&analysis);
        let dir = tempfile::tempdir().unwrap();
        let mut kinds: [Vec<PathBuf>; 3] = Default::default();
        for file in generate_dashboards(&manifest, Outputs::ALL).unwrap() {
            let path = dir.path().join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.contents).unwrap();
            let name = file.path.to_string_lossy();
            match name.split('/').next() {
                Some("grafana") if name.ends_with(".json") => kinds[0].push(path),
                Some("datadog") => kinds[1].push(path),
                Some("prometheus") if name.ends_with(".rules.yml") => kinds[2].push(path),
                _ => {}
            }
        }
        assert_eq!(kinds[0].len(), manifest.services.len(), "{fixture}");
        validate_grafana(&kinds[0]);
        validate_datadog(&kinds[1]);
        for rules in &kinds[2] {
            promtool_rules(rules);
        }
    }
}

/// The label keys a legend template names (`{{method}}`).
fn legend_keys(legend: &str) -> BTreeSet<String> {
    legend
        .split("{{")
        .skip(1)
        .filter_map(|part| part.split_once("}}").map(|(key, _)| key.trim().to_owned()))
        .collect()
}

/// The labels an expression's result keeps: its first `by (…)`, without `le` under
/// `histogram_quantile`.
fn kept_keys(expr: &str) -> BTreeSet<String> {
    let Some((_, rest)) = expr.split_once("by (") else {
        return BTreeSet::new();
    };
    let keys = rest.split_once(')').map_or("", |(keys, _)| keys);
    keys.split(',')
        .map(|k| k.trim().to_owned())
        .filter(|k| !(k == "le" && expr.starts_with("histogram_quantile")))
        .collect()
}

fn label_keys(sample: &serde_json::Map<String, Value>) -> BTreeSet<String> {
    sample
        .keys()
        .filter(|k| *k != "__name__")
        .cloned()
        .collect()
}

#[test]
fn every_dashboard_and_rule_query_runs_on_prometheus_scraping_the_shop() {
    let (_shop, addr) = shop_server(&["--traffic", "50"]);
    let rules_file = dashboards("prometheus/shop.rules.yml");
    let Some(prometheus) =
        Prometheus::scraping_with_rules(addr, "shop", std::slice::from_ref(&rules_file))
    else {
        return;
    };
    prometheus.wait_for_clean_scrape();
    eventually("orders flowing", || {
        let rate = prometheus.query("sum(rate(shop_simulated_orders_total[1m])) > 0");
        (!rate.is_empty()).then_some(())
    });

    let dashboard = read_json(&dashboards("grafana/shop.json"));
    for (expr, legend) in grafana_queries(&dashboard) {
        let query = expr
            .replace("$__rate_interval", "1m")
            .replace("$service", "shop");
        let result = prometheus.query(&query);
        if result.is_empty() && left_out_by_the_platform(&prometheus, &query) {
            continue;
        }
        assert!(!result.is_empty(), "no data for {query}");
        let expected = legend_keys(&legend);
        for (labels, _) in &result {
            assert_eq!(label_keys(labels), expected, "labels of {query}");
        }
    }

    let rules: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&rules_file).unwrap()).unwrap();
    for group in rules["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            let expr = rule["expr"].as_str().unwrap();
            // Alerts parse; they hold data only while firing.
            let result = prometheus.query(expr);
            let Some(record) = rule["record"].as_str() else {
                continue;
            };
            assert!(!result.is_empty(), "no data for {record}: {expr}");
            let kept = kept_keys(expr);
            for (labels, _) in &result {
                assert_eq!(label_keys(labels), kept, "labels of {record}: {expr}");
            }
            // Prometheus loaded the rule and records it, with the rule's own labels added.
            let mut recorded_keys = kept.clone();
            if let Some(extra) = rule["labels"].as_mapping() {
                recorded_keys.extend(extra.keys().filter_map(|k| k.as_str().map(str::to_owned)));
            }
            let recorded = eventually(record, || {
                let series = prometheus.query(record);
                (!series.is_empty()).then_some(series)
            });
            for (labels, _) in &recorded {
                assert_eq!(
                    label_keys(labels),
                    recorded_keys,
                    "labels of recorded {record}"
                );
            }
        }
    }
    let health = prometheus.api("/api/v1/rules").expect("rules API");
    for group in health["data"]["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            assert_eq!(rule["health"], "ok", "{rule}");
        }
    }
}

/// Whether `query` charts a process metric this platform does not give, which the runtime
/// leaves out rather than export a made-up value (`process_virtual_memory_max_bytes` when the
/// address space is unlimited).
fn left_out_by_the_platform(prometheus: &Prometheus, query: &str) -> bool {
    tallyho_spec::builtin::process::METRICS.iter().any(|m| {
        let series = match m.kind {
            tallyho_spec::Kind::Counter => format!("{}_total", m.name),
            _ => m.name.to_owned(),
        };
        query.contains(&series) && prometheus.query(&series).is_empty()
    })
}
