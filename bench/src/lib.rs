//! Support for the benchmarks: a generator of large synthetic workspaces for the analyzer.
//!
//! The runtime benchmarks are in `benches/peers.rs`; the analyzer's in `benches/analyzer.rs`.

#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

/// The shape of a generated workspace.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Member packages.
    pub packages: usize,
    /// `.rs` files per package.
    pub files_per_package: usize,
    /// Lines per file (approximately).
    pub lines_per_file: usize,
    /// One file in this many declares metrics; the rest never mention tallyho.
    pub declaring_one_in: usize,
}

impl Shape {
    /// About 1M lines in 5,000 files, 2% of them declaring metrics.
    pub const MILLION_LINES: Shape = Shape {
        packages: 10,
        files_per_package: 500,
        lines_per_file: 200,
        declaring_one_in: 50,
    };
}

/// Writes a workspace of `shape` under `dir`, depending on the tallyho runtime at `runtime`.
/// Returns the number of lines written.
pub fn generate_workspace(dir: &Path, runtime: &Path, shape: Shape) -> io::Result<usize> {
    let mut members = String::new();
    let mut lines = 0;
    for p in 0..shape.packages {
        let _ = write!(members, "\"pkg{p}\", ");
        let src = dir.join(format!("pkg{p}/src"));
        fs::create_dir_all(&src)?;
        fs::write(
            dir.join(format!("pkg{p}/Cargo.toml")),
            format!(
                "[package]\nname = \"pkg{p}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntallyho = {{ path = {:?} }}\n",
                runtime.display().to_string()
            ),
        )?;
        let mut lib = String::new();
        for f in 0..shape.files_per_package {
            let _ = writeln!(lib, "pub mod m{f};");
            let text = if f % shape.declaring_one_in == 0 {
                declaring_file(p, f, shape.lines_per_file)
            } else {
                plain_file(f, shape.lines_per_file)
            };
            lines += text.lines().count();
            fs::write(src.join(format!("m{f}.rs")), text)?;
        }
        lines += shape.files_per_package;
        fs::write(src.join("lib.rs"), lib)?;
    }
    fs::write(
        dir.join("Cargo.toml"),
        format!("[workspace]\nmembers = [{members}]\nresolver = \"2\"\n"),
    )?;
    Ok(lines)
}

/// Ordinary code: structs, impls, functions with loops and matches.
fn plain_file(f: usize, lines: usize) -> String {
    let mut out = String::from("//! Business logic that records no metrics.\n\n");
    plain_code(f, lines, &mut out);
    out
}

fn plain_code(f: usize, lines: usize, out: &mut String) {
    out.push_str("use std::collections::HashMap;\n\n");
    let mut i = 0;
    while out.lines().count() < lines {
        let _ = write!(
            out,
            "/// An order line, number {i}.\n#[derive(Debug, Clone)]\npub struct Line{i} {{\n    pub sku: String,\n    pub quantity: u32,\n    pub price_cents: u64,\n}}\n\n\
             impl Line{i} {{\n    pub fn total(&self) -> u64 {{\n        let mut total = 0;\n        for _ in 0..self.quantity {{\n            total += self.price_cents;\n        }}\n        total\n    }}\n\n\
             \x20   pub fn index(lines: &[Line{i}]) -> HashMap<&str, u64> {{\n        let mut map = HashMap::new();\n        for line in lines {{\n            match line.quantity {{\n                0 => continue,\n                n if n > 100 => {{ map.insert(line.sku.as_str(), line.total() / {f}u64.max(1)); }}\n                _ => {{ map.insert(line.sku.as_str(), line.total()); }}\n            }}\n        }}\n        map\n    }}\n}}\n\n"
        );
        i += 1;
    }
}

/// A file declaring a few metrics with labels, padded with ordinary code.
fn declaring_file(p: usize, f: usize, lines: usize) -> String {
    let mut out = format!(
        "use tallyho::{{Counter, CounterGroup, Gauge, HistogramGroup, LabelSet, LabelValue, Unit}};\n\n\
         #[derive(LabelValue, Clone, Copy)]\npub enum Outcome{f} {{\n    Ok,\n    Rejected,\n    Failed,\n}}\n\n\
         #[derive(LabelSet)]\npub struct Labels{f} {{\n    pub outcome: Outcome{f},\n    pub retried: bool,\n    #[label(max_values = 20)]\n    pub route: &'static str,\n}}\n\n\
         /// Requests handled.\npub static REQUESTS: Counter = Counter::new(\"pkg{p}_m{f}_requests\");\n\n\
         /// Requests by outcome.\npub static OUTCOMES: CounterGroup<Labels{f}> = CounterGroup::new(\"pkg{p}_m{f}_outcomes\");\n\n\
         /// Work in progress.\npub static IN_FLIGHT: Gauge = Gauge::new(\"pkg{p}_m{f}_in_flight\");\n\n\
         /// Handling time.\npub static DURATION: HistogramGroup<Labels{f}> =\n    HistogramGroup::new(\"pkg{p}_m{f}_duration_seconds\").unit(Unit::Seconds).buckets(&[0.01, 0.1, 1.0]);\n\n"
    );
    plain_code(f, lines, &mut out);
    out
}
