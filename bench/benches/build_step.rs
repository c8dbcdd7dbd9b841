//! The build step (`tallyho-build`), as `build.rs` runs it: cold (no cache in `OUT_DIR`,
//! `cargo metadata` included), rerun with nothing changed and rerun after one declaring file
//! changed, on `fixtures/shop` and on the generated 1M-line workspace.
//!
//! Run: `cargo bench -p tallyho-bench --bench build_step`.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use divan::Bencher;
use tallyho_build::Builder;

fn main() {
    divan::Divan::from_args().run_benches();
}

fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/shop/shop-server")
}

static MILLION: LazyLock<tempfile::TempDir> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    tallyho_bench::generate_workspace(dir.path(), &runtime, tallyho_bench::Shape::MILLION_LINES)
        .expect("generate");
    dir
});

fn builder(package_dir: PathBuf, package: &str, out_dir: &Path) -> Builder {
    Builder::new()
        .manifest_dir(package_dir)
        .package(package)
        .out_dir(out_dir)
        .cargo_instructions(false)
}

fn cold(bencher: Bencher, package_dir: PathBuf, package: &str) {
    bencher
        .with_inputs(|| tempfile::tempdir().expect("out dir"))
        .bench_values(|out| {
            let report = builder(package_dir.clone(), package, out.path())
                .compile()
                .expect("clean");
            assert!(!report.cached);
            out
        });
}

fn no_change(bencher: Bencher, package_dir: PathBuf, package: &str) {
    let out = tempfile::tempdir().expect("out dir");
    builder(package_dir.clone(), package, out.path())
        .compile()
        .expect("clean");
    bencher.bench(|| {
        let report = builder(package_dir.clone(), package, out.path())
            .compile()
            .expect("clean");
        assert!(report.cached);
    });
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn shop_cold(bencher: Bencher) {
    cold(bencher, shop(), "shop-server");
}

#[divan::bench(sample_count = 50)]
fn shop_no_change(bencher: Bencher) {
    no_change(bencher, shop(), "shop-server");
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn million_lines_cold(bencher: Bencher) {
    cold(bencher, MILLION.path().join("pkg0"), "pkg0");
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn million_lines_no_change(bencher: Bencher) {
    no_change(bencher, MILLION.path().join("pkg0"), "pkg0");
}

/// One declaring file edited between runs: the cache spares `cargo metadata` and every other
/// file's read and parse.
fn one_file_changed(bencher: Bencher, package_dir: PathBuf, package: &str, edited: PathBuf) {
    let out = tempfile::tempdir().expect("out dir");
    builder(package_dir.clone(), package, out.path())
        .compile()
        .expect("clean");
    let original = std::fs::read_to_string(&edited).expect("a declaring file");
    let edits = std::sync::atomic::AtomicUsize::new(0);
    bencher
        .with_inputs(|| {
            let edit = edits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            std::fs::write(&edited, format!("{original}// edit {edit}\n")).expect("edit");
        })
        .bench_values(|()| {
            let report = builder(package_dir.clone(), package, out.path())
                .compile()
                .expect("clean");
            assert_eq!((report.cached, report.parsed), (false, 1));
        });
}

/// A copy of `fixtures/shop` to edit, its path dependencies made absolute.
static SHOP_COPY: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tallyho_tests::copy_fixture("shop"));

/// The shop's "one file changed": `catalog/src/lib.rs` edited between runs.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn shop_one_file_changed(bencher: Bencher) {
    let root = SHOP_COPY.path();
    one_file_changed(
        bencher,
        root.join("shop-server"),
        "shop-server",
        root.join("catalog/src/lib.rs"),
    );
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn million_lines_one_file_changed(bencher: Bencher) {
    let package_dir = MILLION.path().join("pkg0");
    one_file_changed(
        bencher,
        package_dir.clone(),
        "pkg0",
        package_dir.join("src/m0.rs"),
    );
}
