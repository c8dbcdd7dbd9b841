//! Records the triple this crate is built for: the analyzer asks `cargo metadata` for that
//! platform's dependency graph only, so packages for other platforms need not be downloaded.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=TALLYHO_ANALYZER_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
