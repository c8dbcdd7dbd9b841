//! The analyzer over the fixture workspaces: the clean one has no finding, and each rule's
//! workspace violates exactly that rule. Rendered diagnostics and JSON are snapshot-tested.

use std::path::{Path, PathBuf};

use tallyho_analyzer::{analyze, render, Analysis};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn run(dir: &Path) -> Analysis {
    analyze(Some(&dir.join("Cargo.toml"))).unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
}

/// Every finding as people read it: drawn by miette with the `fancy` feature (as `cargo
/// tallyho` shows them), else in plain text (as the build step prints them).
fn human(analysis: &Analysis) -> String {
    #[cfg(feature = "fancy")]
    let render = |f| render::human(&analysis.sources, f, false);
    #[cfg(not(feature = "fancy"))]
    let render = |f| render::plain(&analysis.sources, f);
    analysis
        .findings
        .iter()
        .map(render)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every finding as the build step prints it (cargo warnings, `compile_error!`s).
fn plain(analysis: &Analysis) -> String {
    analysis
        .findings
        .iter()
        .map(|f| render::plain(&analysis.sources, f))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rule code a fixture folder is named after: `labels-not-label-set` is `labels.not_label_set`.
fn code_of(folder: &str) -> String {
    let (area, rest) = folder.split_once('-').expect("area-rule");
    format!("{area}.{}", rest.replace('-', "_"))
}

#[test]
fn the_clean_workspace_has_no_findings_and_every_declaration() {
    let analysis = run(&fixtures().join("clean"));
    assert_eq!(human(&analysis), "");
    let summary: Vec<String> = analysis
        .declarations
        .iter()
        .map(|d| {
            let labels =
                d.labels
                    .as_ref()
                    .and_then(|l| l.resolved.as_ref())
                    .map_or(String::new(), |set| {
                        let fields: Vec<String> = set
                            .fields
                            .iter()
                            .map(|f| format!("{}={:?}", f.key, f.domain))
                            .collect();
                        format!(
                            " {}::{}{{{}}}",
                            set.crate_name,
                            set.ident,
                            fields.join(", ")
                        )
                    });
            let path: Vec<&str> = [d.crate_name.as_str(), &d.module_path, &d.ident]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
            format!(
                "{} {} {:?} {} series={:?} help={:?}{labels}",
                d.name,
                d.kind.as_str(),
                d.value_type,
                path.join("::"),
                d.series(),
                d.help
            )
        })
        .collect();
    insta::assert_snapshot!("clean_declarations", summary.join("\n"));
    let services: Vec<String> = analysis
        .services
        .iter()
        .map(|s| {
            format!(
                "{} ({}): {} series, {:?}",
                s.name, s.binary, s.series, s.metrics
            )
        })
        .collect();
    insta::assert_snapshot!("clean_services", services.join("\n"));
}

#[test]
fn each_rule_fixture_violates_exactly_its_rule() {
    let mut folders: Vec<_> = std::fs::read_dir(fixtures().join("rules"))
        .expect("fixtures/rules")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .into_string()
                .expect("UTF-8 name")
        })
        .collect();
    folders.sort();
    assert!(folders.len() >= 20, "{folders:?}");
    for folder in folders {
        let analysis = run(&fixtures().join("rules").join(&folder));
        let code = code_of(&folder);
        assert!(!analysis.findings.is_empty(), "{folder}: no finding");
        for finding in &analysis.findings {
            assert_eq!(finding.code.code(), code, "{folder}: {}", finding.message);
        }
        #[cfg(feature = "fancy")]
        insta::assert_snapshot!(format!("{folder}.human"), human(&analysis));
        insta::assert_snapshot!(format!("{folder}.plain"), plain(&analysis));
        insta::assert_snapshot!(format!("{folder}.json"), render::json(&analysis));
    }
}

#[test]
fn a_scan_cache_reuses_unchanged_files_with_identical_results() {
    for dir in [
        fixtures().join("clean"),
        fixtures().join("rules/name-duplicate"),
        fixtures().join("rules/labels-unbounded"),
        // Files parsed only because a path goes through them are cached as parsed.
        fixtures().join("reach"),
    ] {
        let workspace =
            tallyho_analyzer::Workspace::load(Some(&dir.join("Cargo.toml"))).expect("loads");
        let mut cache = tallyho_analyzer::ScanCache::default();
        let first = tallyho_analyzer::analyze_workspace(
            workspace.clone(),
            Default::default(),
            None,
            &mut cache,
        );
        assert!(first.stats.parsed > 0);
        assert!(cache.is_current());
        let second =
            tallyho_analyzer::analyze_workspace(workspace, Default::default(), None, &mut cache);
        assert_eq!(
            (second.stats.parsed, second.stats.reused),
            (0, first.stats.parsed),
            "{}",
            dir.display()
        );
        assert_eq!(human(&second), human(&first));
        let findings = |a: &Analysis| {
            serde_json::from_str::<serde_json::Value>(&render::json(a)).unwrap()["findings"].clone()
        };
        assert_eq!(findings(&second), findings(&first));
        assert_eq!(
            format!("{:?}", second.declarations),
            format!("{:?}", first.declarations)
        );
    }
}

#[test]
fn every_rule_of_the_catalogue_has_a_fixture() {
    for rule in tallyho_analyzer::Rule::ALL {
        let folder = rule.code().replace(['.', '_'], "-");
        assert!(
            fixtures().join("rules").join(&folder).is_dir(),
            "no fixture for {}",
            rule.code()
        );
    }
}

#[test]
fn the_analyzer_finds_nothing_wrong_in_this_repository() {
    let analysis = run(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    assert_eq!(human(&analysis), "");
    assert!(analysis.stats.files > 30, "{} files", analysis.stats.files);
    assert!(analysis.stats.parsed > 0);

    // The workspace's own crates declare no metric the analyzer sees (the runtime's
    // `tallyho_dropped_updates` is declared inside tallyho itself, through `crate::`), so the
    // check above covers no declaration. The repository's real declarations are in the
    // example and in the workspaces under fixtures/ that are meant to be clean.
    let mut declared = 0;
    // The shop counts the metric of `shared-metrics`, a path dependency outside its workspace.
    for (workspace, declarations) in [("shop", 9), ("two-bins", 3), ("clean", 9)] {
        let analysis = run(&fixtures().join(workspace));
        assert_eq!(human(&analysis), "", "fixtures/{workspace}");
        assert_eq!(
            analysis.declarations.len(),
            declarations,
            "fixtures/{workspace}"
        );
        declared += declarations;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/examples");
    for entry in std::fs::read_dir(&examples).expect("runtime/examples") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("an example");
        let (declarations, findings) = tallyho_analyzer::check_source(&text);
        assert!(findings.is_empty(), "{}: {findings:?}", path.display());
        declared += declarations.len();
        if path.ends_with("shop.rs") {
            let mut names: Vec<&str> = declarations.iter().map(|d| d.name.as_str()).collect();
            names.sort_unstable();
            assert_eq!(
                names,
                [
                    "order_duration_seconds",
                    "order_queue_depth",
                    "orders_by_customer",
                    "orders_by_region",
                    "orders_processed"
                ],
                "{}",
                path.display()
            );
        }
    }
    assert!(declared >= 25, "{declared} declarations checked");
}

/// Each declaration as `name file:line:column (package version) help="..."`, then every
/// finding rendered: what the issue-9 fixtures assert, lines included.
fn located(analysis: &Analysis) -> String {
    let mut lines: Vec<String> = analysis
        .declarations
        .iter()
        .map(|d| {
            let (line, column) = analysis
                .sources
                .line_column(d.name_span.file, d.name_span.range.start);
            let file = &analysis.sources.get(d.name_span.file).name;
            let buckets = d
                .buckets
                .as_ref()
                .map_or(String::new(), |b| format!(" buckets={b:?}"));
            format!(
                "{} {file}:{line}:{column} ({}) help={:?}{buckets}",
                d.name, d.package, d.help
            )
        })
        .collect();
    lines.push(human(analysis));
    lines.join("\n")
}

#[test]
fn the_module_tree_and_cfg_decide_what_ships() {
    let analysis = run(&fixtures().join("module-tree"));
    #[cfg(feature = "fancy")]
    insta::assert_snapshot!("module_tree", located(&analysis));
    #[cfg(not(feature = "fancy"))]
    assert!(located(&analysis).contains("cache_hits src/slow.rs:4:41"));
}

#[test]
fn constants_give_names_and_buckets_across_crates() {
    let analysis = run(&fixtures().join("constants"));
    insta::assert_snapshot!("constants", located(&analysis));
}

#[test]
fn a_path_dependency_outside_the_workspace_is_analyzed() {
    let analysis = run(&fixtures().join("outside/service"));
    insta::assert_snapshot!("outside", located(&analysis));
    assert!(!analysis.has_errors(), "capped to warnings by tallyho.yaml");
    let services: Vec<String> = analysis
        .services
        .iter()
        .map(|s| format!("{} {:?} {:?} {}", s.name, s.packages, s.metrics, s.series))
        .collect();
    assert_eq!(
        services,
        ["service [\"metrics-lib\", \"service\"] [\"client_call_duration_seconds\", \"client_calls\", \"client_wait_ms\", \"process_cpu_seconds\", \"process_max_fds\", \"process_open_fds\", \"process_resident_memory_bytes\", \"process_start_time_seconds\", \"process_threads\", \"process_virtual_memory_bytes\", \"process_virtual_memory_max_bytes\", \"requests_served\", \"tallyho_build_info\"] 39"]
    );
}

#[test]
fn metrics_and_label_types_reached_through_a_facade_and_renames() {
    let analysis = run(&fixtures().join("facade"));
    insta::assert_snapshot!("facade", located(&analysis));
    let labels: Vec<String> = analysis
        .declarations
        .iter()
        .filter_map(|d| {
            let set = d.labels.as_ref()?.resolved.as_ref()?;
            let fields: Vec<String> = set
                .fields
                .iter()
                .map(|f| format!("{}={:?}", f.key, f.domain))
                .collect();
            Some(format!(
                "{}: {}::{} {}",
                d.name,
                set.crate_name,
                set.ident,
                fields.join(" ")
            ))
        })
        .collect();
    insta::assert_snapshot!("facade_labels", labels.join("\n"));
}

/// The axum routes of a service with request metrics: literal, nested through a function
/// (and merged from another) and through a `let` binding, merged from a closure, extended in
/// a tokio `main` (whose router is the one root), a constant path, every method behind `any`;
/// one path it cannot read, reported where it is written; the built-in metrics' series in the
/// budgets, one of them overridden.
#[test]
fn axum_routes_give_the_request_metrics_their_routes() {
    let analysis = run(&fixtures().join("routes"));
    let service = &analysis.services[0];
    let requests = service.requests.as_ref().expect("request metrics");
    let builtins: Vec<String> = analysis
        .builtins
        .iter()
        .map(|b| {
            let labels: Vec<String> = b
                .labels
                .iter()
                .map(|l| format!("{}={:?}/{:?}", l.key, l.values, l.max_values))
                .collect();
            format!(
                "{} {:?} series={} {}",
                b.metric.name,
                b.service,
                b.series,
                labels.join(" ")
            )
        })
        .collect();
    let summary = format!(
        "{service:#?}\n{}\n{}",
        builtins.join("\n"),
        human(&analysis)
    );
    assert!(requests.unreadable);
    assert!(requests.routes.contains(&"/reports/daily".to_owned()));
    assert!(!requests.routes.contains(&"/daily".to_owned()));
    insta::assert_snapshot!("routes", summary);
}

/// A router bound by `let` and nested is read under its prefix, and is no root of its own: a
/// route no request can match is never recorded. What stays unreadable is a finding.
#[test]
fn a_router_bound_by_let_is_nested_under_its_prefix() {
    let analysis = run(&fixtures().join("rules/routes-unreadable"));
    let requests = analysis.services[0]
        .requests
        .as_ref()
        .expect("request metrics");
    assert_eq!(requests.routes, ["/admin/stats"]);
    assert!(requests.unreadable);
    let findings: Vec<&str> = analysis
        .findings
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        findings,
        [
            "the path of this route cannot be read",
            "the routes of this router cannot be read"
        ]
    );
}

#[test]
fn extern_crate_aliases_and_the_crates_own_reexports_reach_every_module() {
    let analysis = run(&fixtures().join("reach"));
    insta::assert_snapshot!("reach", located(&analysis));
    // The files re-exporting the runtime without naming it (`prelude.rs`, `chain.rs`) are
    // parsed because a declaration's type goes through them; `plain`, which cannot reach
    // tallyho, is not parsed for its statics.
    let parsed = (analysis.stats.files, analysis.stats.parsed);
    assert_eq!(parsed, (6, 5), "files, parsed");
}

#[test]
fn a_modules_cfg_carries_down_to_its_files_and_their_declarations() {
    let analysis = run(&fixtures().join("cfg-tree"));
    let mut lines: Vec<String> = analysis
        .declarations
        .iter()
        .map(|d| {
            let (line, _) = analysis
                .sources
                .line_column(d.name_span.file, d.name_span.range.start);
            let file = &analysis.sources.get(d.name_span.file).name;
            format!("{} {file}:{line} cfg={:?}", d.name, d.cfg)
        })
        .collect();
    lines.push(human(&analysis));
    insta::assert_snapshot!("cfg_tree", lines.join("\n"));
}

/// Label structs and enums whose derives are tallyho's only through the crate's own prelude
/// (a glob, an import renamed) or a renamed facade, in files that name neither the runtime
/// nor `static`: parsed because a group's label type (of a static whose metric type is itself
/// a re-export) or a label field's enum leads there, and read as label sets; a struct with
/// the standard derives stays a plain struct. The labels and series the manifest gets.
#[test]
fn label_derives_reached_through_the_crates_own_reexports() {
    let analysis = run(&fixtures().join("label-reexport"));
    assert!(analysis.findings.is_empty(), "{}", human(&analysis));
    let mut lines: Vec<String> = analysis
        .declarations
        .iter()
        .map(|d| {
            let set = d.labels.as_ref().and_then(|l| l.resolved.as_ref());
            let labels = set.map_or(String::from("unresolved"), |set| {
                let fields: Vec<String> = set
                    .fields
                    .iter()
                    .map(|f| format!("{}={:?}", f.key, f.domain))
                    .collect();
                format!(
                    "{}::{}::{} {{{}}}",
                    set.crate_name,
                    set.module_path,
                    set.ident,
                    fields.join(", ")
                )
            });
            format!(
                "{} {} series={:?} {labels}",
                d.name,
                d.kind.as_str(),
                d.series()
            )
        })
        .collect();
    lines.sort();
    insta::assert_snapshot!("label_reexport", lines.join("\n"));
    // Every file but the crate root of `svc` (only `mod` items): the label files on demand.
    let parsed = (analysis.stats.files, analysis.stats.parsed);
    assert_eq!(parsed, (7, 6), "files, parsed");
}
