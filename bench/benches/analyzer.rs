//! A cold analysis (no cache) of a generated workspace of about 1M lines in 5,000 files.
//!
//! Run: `cargo bench -p tallyho-bench --bench analyzer`. The file system cache is warm after
//! the first sample, as it is for a developer re-running the check.

use std::path::Path;
use std::sync::LazyLock;

use divan::Bencher;
use tallyho_analyzer::Workspace;

fn main() {
    divan::Divan::from_args().run_benches();
}

static WORKSPACE: LazyLock<(tempfile::TempDir, Workspace)> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    tallyho_bench::generate_workspace(dir.path(), &runtime, tallyho_bench::Shape::MILLION_LINES)
        .expect("generate");
    let workspace = Workspace::load(Some(&dir.path().join("Cargo.toml"))).expect("load");
    (dir, workspace)
});

/// Walk, prefilter, parse and rules; `cargo metadata` (about 20 ms) is measured apart.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn cold_scan_1m_lines(bencher: Bencher) {
    let workspace = &WORKSPACE.1;
    bencher.bench(|| {
        let analysis = tallyho_analyzer::analyze_workspace(
            workspace.clone(),
            Default::default(),
            None,
            &mut Default::default(),
        );
        assert_eq!(analysis.stats.files, 5010);
        analysis
    });
}
