//! The caches' binary encoding (`codec`) on real caches: the scans and layouts of the fixture
//! workspaces round-trip to the same bytes and are reused as they were, and damaged or foreign
//! cache files are refused without a panic, the analysis then running in full.

use std::path::{Path, PathBuf};

use tallyho_analyzer::codec::{decode, decode_file, encode, encode_file};
use tallyho_analyzer::{analyze_workspace, render, Analysis, ScanCache, Workspace};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Workspaces whose scans hold every kind of cached data: declarations with labels and
/// constants, label structs and enums, routers (nested, named by functions and constants),
/// deferred statics behind facades, `cfg`'d module trees, findings of every rule.
fn workspaces() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = [
        "clean",
        "shop",
        "reach",
        "routes",
        "constants",
        "facade",
        "label-reexport",
        "cfg-tree",
        "module-tree",
        "renamed",
    ]
    .iter()
    .map(|name| fixtures().join(name))
    .collect();
    let mut rules: Vec<PathBuf> = std::fs::read_dir(fixtures().join("rules"))
        .expect("fixtures/rules")
        .map(|e| e.expect("entry").path())
        .collect();
    rules.sort();
    dirs.extend(rules);
    dirs
}

fn load(dir: &Path) -> Workspace {
    Workspace::load(Some(&dir.join("Cargo.toml"))).unwrap_or_else(|e| panic!("{e}"))
}

/// What an analysis reports (findings as JSON and as text, declarations), to compare two.
/// Spans name their file: a cached run numbers the files in another order.
fn outcome(analysis: &Analysis) -> (String, String, String) {
    let mut declarations = format!("{:?}", analysis.declarations);
    for (id, file) in analysis.sources.files() {
        declarations = declarations.replace(&format!("{id:?}"), &file.name);
    }
    let json: serde_json::Value = serde_json::from_str(&render::json(analysis)).expect("JSON");
    let plain: Vec<String> = analysis
        .findings
        .iter()
        .map(|f| render::plain(&analysis.sources, f))
        .collect();
    (json["findings"].to_string(), plain.join("\n"), declarations)
}

/// The scan cache and workspace of one analysis of `dir`, with the analysis.
fn analyzed(dir: &Path) -> (Analysis, ScanCache) {
    let mut cache = ScanCache::default();
    let analysis = analyze_workspace(load(dir), Default::default(), None, &mut cache);
    (analysis, cache)
}

#[test]
fn real_caches_round_trip_to_the_same_bytes_and_are_reused() {
    for dir in workspaces() {
        let name = dir.display();
        let (first, cache) = analyzed(&dir);
        let bytes = encode(&cache);
        let decoded: ScanCache = decode(&bytes).unwrap_or_else(|| panic!("{name}: decodes"));
        assert_eq!(
            encode(&decoded),
            bytes,
            "{name}: re-encodes to the same bytes"
        );

        let workspace = encode(&first.workspace);
        let layout: Workspace = decode(&workspace).unwrap_or_else(|| panic!("{name}: decodes"));
        assert_eq!(encode(&layout), workspace, "{name}");

        // The decoded layout and scans, as the next run gets them: nothing parsed again,
        // every parsed file reused, the same findings and declarations.
        let mut reused = decoded;
        let second = analyze_workspace(layout, Default::default(), None, &mut reused);
        assert_eq!(
            (second.stats.parsed, second.stats.reused),
            (0, first.stats.parsed),
            "{name}"
        );
        assert_eq!(outcome(&second), outcome(&first), "{name}");
        assert_eq!(encode(&reused), bytes, "{name}: the cache is unchanged");
    }
}

#[test]
fn every_truncation_of_a_real_cache_is_refused() {
    for dir in [
        fixtures().join("routes"),
        fixtures().join("rules/labels-unbounded"),
    ] {
        let bytes = encode(&analyzed(&dir).1);
        for len in 0..bytes.len() {
            assert!(
                decode::<ScanCache>(&bytes[..len]).is_none(),
                "{}: {len} of {} bytes",
                dir.display(),
                bytes.len()
            );
        }
        // Trailing bytes too.
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode::<ScanCache>(&longer).is_none());
    }
}

#[test]
fn byte_flips_in_a_real_cache_decode_to_nothing_or_to_a_value_without_panicking() {
    let mut cache = ScanCache::default();
    for dir in [fixtures().join("routes"), fixtures().join("facade")] {
        cache = analyzed(&dir).1;
        let bytes = encode(&cache);
        let (mut refused, mut decoded) = (0, 0);
        for at in 0..bytes.len() {
            for flip in [0x01, 0x02, 0x10, 0x40, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                match decode::<ScanCache>(&damaged) {
                    None => refused += 1,
                    Some(cache) => {
                        decoded += 1;
                        let _ = encode(&cache);
                    }
                }
            }
        }
        assert!(
            refused > 0 && decoded > 0,
            "{refused} refused, {decoded} decoded"
        );
    }
    // In a file, any damage is refused as a whole, by the checksum.
    let file = encode_file(b"TEST0001", &cache);
    assert!(decode_file::<ScanCache>(b"TEST0001", &file).is_some());
    for at in (0..file.len()).step_by(7) {
        let mut damaged = file.clone();
        damaged[at] ^= 0x20;
        assert!(decode_file::<ScanCache>(b"TEST0001", &damaged).is_none());
    }
}

/// A cache in the JSON of older releases (`check-cache.json`'s shape), or any other bytes,
/// in the cache file: ignored, the analysis complete, and the file replaced by a binary one
/// the next run reuses.
#[test]
fn a_json_or_damaged_cache_file_is_ignored() {
    let dir = fixtures().join("clean");
    let manifest = dir.join("Cargo.toml");
    let expected = outcome(&tallyho_analyzer::analyze(Some(&manifest)).expect("analyzes"));
    let out = tempfile::tempdir().expect("temp dir");
    let file = out.path().join("tallyho/check.cache");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let json = format!(
        r#"{{"analyzer":"0.1.0|None","manifest_path":{:?},"workspace":{{"root":{:?},"packages":[]}},"layout":[],"scans":{{"entries":{{}}}}}}"#,
        manifest.display().to_string(),
        dir.display().to_string(),
    );
    let good = {
        let scratch = out.path().join("scratch.cache");
        tallyho_analyzer::analyze_with_cache(Some(&manifest), &scratch).expect("analyzes");
        std::fs::read(&scratch).expect("written")
    };
    // The control: the same file undamaged is reused.
    std::fs::write(&file, &good).unwrap();
    let reused = tallyho_analyzer::analyze_with_cache(Some(&manifest), &file).expect("analyzes");
    assert_eq!(reused.stats.parsed, 0);
    let mut damaged = good.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x01;
    let foreign: [(&str, Vec<u8>); 5] = [
        ("json", json.into_bytes()),
        ("empty", Vec::new()),
        ("damaged", damaged),
        ("truncated", good[..good.len() - 1].to_vec()),
        ("header only", good[..16].to_vec()),
    ];
    for (what, contents) in foreign {
        std::fs::write(&file, contents).unwrap();
        let first = tallyho_analyzer::analyze_with_cache(Some(&manifest), &file).expect(what);
        assert!(first.stats.parsed > 0, "{what}: analyzed in full");
        assert_eq!(outcome(&first), expected, "{what}");
        assert!(
            std::fs::read(&file).unwrap().starts_with(b"THOCHK01"),
            "{what}"
        );
        let second = tallyho_analyzer::analyze_with_cache(Some(&manifest), &file).expect(what);
        assert_eq!(second.stats.parsed, 0, "{what}: then reused");
        assert_eq!(outcome(&second), expected, "{what}");
    }
}
