//! What invalidates the build step's cache besides a source file: the config (`tallyho.yaml`)
//! and any `Cargo.toml` of the workspace. Each change is analyzed again, and a manifest change
//! reloads the workspace layout (what a binary links), not only the stamps.

use std::path::Path;

use tallyho_build::{Builder, Report};
use tallyho_tests::{copy_fixture, edit};

fn build(workspace: &Path, out_dir: &Path) -> Report {
    Builder::new()
        .manifest_dir(workspace.join("shop-server"))
        .package("shop-server")
        .out_dir(out_dir)
        .cargo_instructions(false)
        .compile()
        .expect("the shop is clean")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("an output")
}

#[test]
fn a_changed_config_is_analyzed_again() {
    let copy = copy_fixture("shop");
    let out = tempfile::tempdir().expect("out dir");
    let first = build(copy.path(), out.path());
    assert!(!first.cached);
    assert!(build(copy.path(), out.path()).cached, "nothing changed");

    // A new limit: the manifest records it.
    edit(
        &copy.path().join("tallyho.yaml"),
        "series_per_metric: 1000",
        "series_per_metric: 900",
    );
    let limits = build(copy.path(), out.path());
    assert!(!limits.cached, "a changed tallyho.yaml is not a cache hit");
    assert!(read(&limits.manifest).contains("series_per_metric: 900"));
    assert!(build(copy.path(), out.path()).cached, "and is cached again");

    // A renamed service: the registry names it.
    edit(
        &copy.path().join("tallyho.yaml"),
        "shop: { crate: shop-server }",
        "storefront: { crate: shop-server }",
    );
    let renamed = build(copy.path(), out.path());
    assert!(!renamed.cached);
    let registry = read(&renamed.registry);
    assert!(
        registry.contains("Some(\"shop-server\") => Some(\"storefront\")"),
        "{registry}"
    );

    // A config that now fails the build fails it, and keeps failing it from the cache.
    edit(
        &copy.path().join("tallyho.yaml"),
        "series_per_metric: 900",
        "series_per_metric: 100",
    );
    let build_err = || {
        Builder::new()
            .manifest_dir(copy.path().join("shop-server"))
            .package("shop-server")
            .out_dir(out.path())
            .cargo_instructions(false)
            .fail_on_errors(true)
            .compile()
    };
    let err = format!("{:?}", build_err().expect_err("126 series over 100"));
    assert!(err.contains("cardinality.metric"), "{err}");
    assert!(build_err().is_err(), "still an error on the rerun");
}

#[test]
fn a_changed_cargo_toml_reloads_the_workspace() {
    let copy = copy_fixture("shop");
    let out = tempfile::tempdir().expect("out dir");
    let first = build(copy.path(), out.path());
    assert_eq!(
        first.metrics, 9,
        "the server links catalog, checkout and shared-metrics"
    );
    assert!(build(copy.path(), out.path()).cached);

    // The server stops depending on checkout: its four metrics leave the registry.
    edit(
        &copy.path().join("shop-server/Cargo.toml"),
        "checkout.workspace = true\n",
        "",
    );
    let unlinked = build(copy.path(), out.path());
    assert!(!unlinked.cached, "a changed Cargo.toml is not a cache hit");
    assert_eq!(
        unlinked.parsed, 1,
        "no source file changed; only the server's, whose visible crates did, is parsed again"
    );
    assert_eq!(
        unlinked.metrics, 5,
        "the layout was reloaded: checkout is not linked"
    );
    assert!(!read(&unlinked.registry).contains("checkout_payments"));

    // A manifest of a member that is not the package being built counts too.
    edit(
        &copy.path().join("catalog/Cargo.toml"),
        "publish = false",
        "publish = false\ndescription = \"The catalog.\"",
    );
    assert!(!build(copy.path(), out.path()).cached);
    assert!(build(copy.path(), out.path()).cached);
}
