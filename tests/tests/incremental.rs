//! Incremental builds of a copy of `fixtures/shop`: cargo reruns the build step when a
//! declaration in another crate of the workspace or `tallyho.yaml` changes (only because the
//! build step printed `cargo:rerun-if-changed` for them), regenerates the registry and
//! manifest in `OUT_DIR`, and the next scrape shows the change.

use std::path::{Path, PathBuf};
use std::process::Command;

use tallyho_tests::{
    build_script_run, cargo_e2e, copy_fixture, e2e_target_dir, edit, http_get, promtool_check,
    spawn_announcing,
};

/// Builds the copy with `cargo build -v`; whether the build script ran, from cargo's output.
fn build(workspace: &Path) -> bool {
    let output = cargo_e2e(workspace, &["build", "-v", "-p", "shop-server"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let ran = stderr.lines().any(|l| {
        l.contains("Running `")
            && l.contains("shop-server-")
            && l.trim_end().ends_with("build-script-build`")
    });
    let fresh = stderr.lines().any(|l| {
        l.trim_start().starts_with("Dirty shop-server") || l.contains("Fresh shop-server")
    });
    assert!(
        ran || fresh,
        "cargo said nothing about shop-server:\n{stderr}"
    );
    ran
}

/// Copies the freshly built binary aside (other tests build the fixture into the same target
/// directory) and scrapes it once.
fn scrape(workspace: &Path) -> String {
    let binary: PathBuf = workspace.join("shop-server-bin");
    std::fs::copy(e2e_target_dir().join("debug/shop-server"), &binary).expect("copy binary");
    let mut command = Command::new(&binary);
    command
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("TALLYHO_SERVICE");
    let (_server, addr) = spawn_announcing(command, "shop-server: serving ");
    let (status, body) = http_get(addr, "/metrics").expect("scrape");
    assert_eq!(status, 200);
    promtool_check(&body);
    body
}

/// The build script's `cargo:` lines for this copy and its generated outputs.
fn outputs(workspace: &Path) -> (String, String, String) {
    let marker = workspace.display().to_string();
    let (lines, out_dir) = build_script_run("shop-server", &marker)
        .unwrap_or_else(|| panic!("no build script output mentions {marker}"));
    let manifest =
        std::fs::read_to_string(out_dir.join("tallyho.manifest.yaml")).expect("manifest");
    let registry = std::fs::read_to_string(out_dir.join("tallyho_registry.rs")).expect("registry");
    (lines, manifest, registry)
}

#[test]
fn edits_to_declarations_and_config_rerun_the_build_step_and_reach_the_scrape() {
    let copy = copy_fixture("shop");
    let root = copy.path();
    assert!(build(root), "a first build runs the build script");
    let (lines, manifest, registry) = outputs(root);

    // Every input is watched: the manifests, the config, each src/ folder and scanned file.
    for watched in [
        "Cargo.toml",
        "shop-server/Cargo.toml",
        "catalog/Cargo.toml",
        "checkout/Cargo.toml",
        "tallyho.yaml",
        "catalog/src",
        "catalog/src/lib.rs",
        "catalog/src/labels.rs",
        "checkout/src/lib.rs",
        "shop-server/src/main.rs",
    ] {
        let line = format!("cargo:rerun-if-changed={}", root.join(watched).display());
        assert!(
            lines.lines().any(|l| l == line),
            "{line} missing from:\n{lines}"
        );
    }
    let body = scrape(root);
    assert!(body.contains("# HELP catalog_cached_products Products held in the in-memory cache.\n"));
    assert!(!body.contains("catalog_removed_products"));

    // Nothing changed: cargo does not run the build script again.
    assert!(!build(root), "an unchanged workspace is fresh");

    // A declaration edited in another crate: a new doc comment, a new metric.
    let catalog = root.join("catalog/src/lib.rs");
    edit(
        &catalog,
        "/// Products held in the in-memory cache.",
        "/// Products held in the in-memory cache, edited.",
    );
    edit(
        &catalog,
        "use tallyho::{CounterGroup, Gauge, Histogram, Unit};",
        "use tallyho::{Counter, CounterGroup, Gauge, Histogram, Unit};\n\n\
         /// Products taken off the catalog.\n\
         pub static REMOVED: Counter = Counter::new(\"catalog_removed_products\");",
    );
    assert!(
        build(root),
        "an edit in catalog reruns shop-server's build script"
    );
    let (_, edited_manifest, edited_registry) = outputs(root);
    assert_ne!(
        edited_manifest, manifest,
        "the manifest in OUT_DIR was regenerated"
    );
    assert_ne!(
        edited_registry, registry,
        "the registry in OUT_DIR was regenerated"
    );
    assert!(edited_manifest.contains("name: catalog_removed_products"));
    let body = scrape(root);
    assert!(
        body.contains(
            "# HELP catalog_cached_products Products held in the in-memory cache, edited.\n"
        ),
        "{body}"
    );
    assert!(
        body.contains("# HELP catalog_removed_products_total Products taken off the catalog.\n"),
        "{body}"
    );
    assert!(body.contains("catalog_removed_products_total{service=\"shop\"} 0\n"));

    // The config at the workspace root, outside every package: the service is renamed.
    edit(
        &root.join("tallyho.yaml"),
        "shop: { crate: shop-server }",
        "storefront: { crate: shop-server }",
    );
    assert!(
        build(root),
        "an edit of tallyho.yaml reruns the build script"
    );
    let (_, renamed_manifest, _) = outputs(root);
    assert!(
        renamed_manifest.contains("name: storefront"),
        "{renamed_manifest}"
    );
    let body = scrape(root);
    for sample in body.lines().filter(|l| !l.starts_with('#')) {
        assert!(sample.contains("{service=\"storefront\""), "{sample}");
    }
}
