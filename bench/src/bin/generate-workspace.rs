//! Writes the synthetic 1M-line workspace the analyzer benchmark scans:
//! `cargo run --release -p tallyho-bench --bin generate-workspace -- DIR`.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: generate-workspace DIR");
        return ExitCode::from(2);
    };
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    match tallyho_bench::generate_workspace(&dir, &runtime, tallyho_bench::Shape::MILLION_LINES) {
        Ok(lines) => {
            println!("wrote {lines} lines to {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("generate-workspace: {err}");
            ExitCode::FAILURE
        }
    }
}
