//! `cargo tallyho check` on hostile input: files nested 100,000 deep in every way the parser
//! recurses are reported by name, with exit code 1, and never abort the process; the good
//! declaration beside them is still found.

use std::fs;
use std::path::Path;
use std::process::Command;

const N: usize = 100_000;

/// One file per kind of nesting, each 100,000 levels deep.
fn deep_files() -> Vec<(&'static str, String)> {
    let expr = |e: String| format!("use tallyho::Counter;\nfn f() {{\n    let _ = {e};\n}}\n");
    let ty = |t: String| format!("use tallyho::Counter;\ntype T = {t};\n");
    vec![
        (
            "generics",
            ty(format!("{}u8{}", "Vec<".repeat(N), ">".repeat(N))),
        ),
        (
            "brackets",
            expr(format!("{}1{}", "[".repeat(N), "]".repeat(N))),
        ),
        (
            "blocks",
            expr(format!("{}1{}", "{".repeat(N), "}".repeat(N))),
        ),
        ("closures", expr(format!("{}1", "move |a| ".repeat(N)))),
        ("negations", expr(format!("{}x", "- ".repeat(N)))),
        ("derefs", expr(format!("{}x", "*".repeat(N)))),
        ("ranges", expr(format!("{}x", ".. ".repeat(N)))),
        ("breaks", expr(format!("{}1", "break ".repeat(N)))),
        ("pointers", ty(format!("{}u8", "*const ".repeat(N)))),
        (
            "dyn",
            ty(format!(
                "{}u8{}",
                "Box<dyn Fn() -> ".repeat(N),
                ">".repeat(N)
            )),
        ),
        ("assignments", expr(format!("{}1", "a = ".repeat(N)))),
        ("tries", expr(format!("x{}", "?".repeat(N)))),
    ]
}

#[test]
fn deep_files_are_reported_by_name_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    let manifest = format!(
        "[package]\nname = \"deep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\ntallyho = {{ path = {:?} }}\n\n[workspace]\n",
        runtime.display().to_string()
    );
    fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    fs::write(
        dir.path().join("src/lib.rs"),
        // Its warning (the type in the name) shows it was parsed and checked.
        "use tallyho::Counter;\n\n/// Still found.\npub static ORDERS: Counter = Counter::new(\"orders_counter\");\n",
    )
    .unwrap();
    let files = deep_files();
    let mut lib = fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    for (name, text) in &files {
        // Modules of the crate: the analyzer reads the module tree.
        fs::write(dir.path().join(format!("src/{name}.rs")), text).unwrap();
        lib.push_str(&format!("#[path = \"{name}.rs\"]\nmod deep_{name};\n"));
    }
    fs::write(dir.path().join("src/lib.rs"), lib).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-tallyho"))
        .args(["check", "--format", "json", "--manifest-path"])
        .arg(dir.path().join("Cargo.toml"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = json["findings"].as_array().expect("findings");
    for (name, _) in &files {
        let file = format!("src/{name}.rs");
        let finding = findings
            .iter()
            .find(|f| f["file"] == file.as_str())
            .unwrap_or_else(|| panic!("no finding for {file}: {findings:#?}"));
        assert_eq!(finding["code"], "source.too_large", "{file}");
        assert!(
            finding["message"].as_str().unwrap().contains("levels deep"),
            "{file}"
        );
    }
    assert_eq!(findings.len(), files.len() + 1, "{findings:#?}");
    assert_eq!(json["summary"]["declarations"], 1);
    let good = findings
        .iter()
        .find(|f| f["file"] == "src/lib.rs")
        .expect("the good file's warning");
    assert_eq!(good["code"], "name.type_in_name");
    assert!(!stderr.contains("overflow"), "{stderr}");
}
