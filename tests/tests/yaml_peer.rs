//! tallyho's YAML reader (`tree::yaml`, which reads `tallyho.yaml` and the manifest) against
//! PyYAML, a reference implementation: every document tallyho accepts must load to the same
//! tree in PyYAML's `BaseLoader` (scalars as text, so only structure and scalar text compare),
//! and what one refuses the other must refuse too.
//! The corpus is every `tallyho.yaml` and manifest in the fixtures plus documents that use each
//! construct the reader supports, written in the ways people write YAML.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value as Json};
use tallyho_analyzer::tree::{yaml, Node, Value};

/// Documents exercising each supported construct.
const DOCUMENTS: &[&str] = &[
    "limits:\n  series_per_metric: 500\n  series_per_service: 10000\n",
    "---\nrules: { name.non_base_unit: error, 'labels.open': warn }\n...\n",
    "overrides:\n  \"http.requests\":\n    series: 2000\n    reason: routes times codes\n",
    "services:\n- name: api\n  crate: api-server\n-   name: worker\n    crate: worker\n",
    "services:\n  - name: api\n    crate: api\n  - [a, b]\n  - - c\n    - d\n",
    "a:\nb: ~\nc: null\nd: ''\ne: \"\"\n",
    "plain: one\n  two\n\n  three\nnext: x\n",
    "single: 'it''s\n  folded'\ndouble: \"tab\\there \\u00e9 \\x41 \\\n  joined\"\n",
    "literal: |\n  line 1\n    indented\n\n  line 3\n\nfolded: >-\n  a\n  b\n\n  c\nkeep: |+\n  x\n\nclip: |\n  y\n",
    "folded_more: >\n  a\n    b\n  c\n\n  d\n",
    "explicit: |2\n    two extra\n  base\n",
    "strip_empty: |-\nafter: 1\n",
    "url: http://example.com/a#b\nkey with spaces: value with:colon\nhash: a#b\n",
    // Not YAML, for both: a second `: ` on a line, a tab indenting. (Duplicate keys are not
    // YAML either, but PyYAML keeps the last; tallyho refuses them, as the spec says.)
    "a: b: c\n",
    "a:\n\tb: 1\n",
    "list: [a, 'b c', \"d\", [e], {f: g}, ]\nmap: {a: 1, b: [2, 3], c: {d: e}, f: }\n",
    "flow:\n  [ a,\n    b ]\nmulti: {\n  x: 1,\n  y: 2\n}\n",
    "json: {\"a\":1, \"b\": [true, null]}\n",
    "# comment\nkey: value # trailing\n# end\n",
    "  indented: root\n  second: key\n",
    "crlf: 1\r\nnext:\r\n  - a\r\n  - b\r\n",
    "\u{feff}bom: first\n",
    "unicode: héllo wörld ✓\n'quoted key': 1\n\"double key\": 2\n",
    "numbers: [0x1f, 0o17, +12, -3, 1.5e3, .inf, -.Inf, .nan]\n",
    "words: [yes, No, on, OFF, True, FALSE, y, n]\n",
    "- top\n- level\n- - nested\n  - seq\n- key: value\n  other: value\n",
    "key: value\nempty_seq: []\nempty_map: {}\n",
    "escapes: \"\\0 \\a \\b \\t \\n \\v \\f \\r \\e \\  \\\" \\/ \\\\ \\N \\_ \\L \\P \\U0001F600\"\n",
    "long: >\n  Lorem ipsum dolor sit amet,\n  consectetur adipiscing elit.\n\n  Second paragraph.\n",
    "a: 'multi\n\n  line single'\nb: \"multi\n\n  line double\"\n",
    "sequence_of_maps:\n- a: 1\n  b:\n  - x\n  - y\n- c: {d: e}\n",
    "trailing spaces: value   \nafter: x  \n",
    "key:    # comment\n  value\nseq: # comment\n- # item comment\n  a\n",
    "leading: >\n\n  after a blank line\nliteral_keep: |+\n\n  x\n\n\nend: 1\n",
    "deep:\n  a:\n    b:\n      c: [1, {d: [2, 3]}]\n      e: |\n        text\n",
    "quoted: 'a # not a comment'\nplain: a # a comment\ncolon: 'a: b'\n",
];

#[test]
fn documents_tallyho_accepts_load_the_same_in_pyyaml() {
    let Some(python) = tallyho_tests::python_with(&["yaml"]) else {
        return;
    };
    let corpus = corpus();
    let ours: Vec<Option<Json>> = corpus
        .iter()
        .map(|(_, text)| yaml::parse(text).ok().map(|node| as_json(&node)))
        .collect();
    let theirs = base_load(&python, &corpus);
    let mut compared = 0;
    for (((name, text), ours), theirs) in corpus.iter().zip(&ours).zip(&theirs) {
        match (ours, theirs.get("value")) {
            (Some(ours), Some(theirs)) => {
                assert_eq!(ours, theirs, "{name} reads differently:\n{text}");
                compared += 1;
            }
            (None, None) => {}
            (Some(_), None) => {
                panic!("tallyho reads {name}, PyYAML refuses it ({theirs}):\n{text}")
            }
            (None, Some(_)) => panic!("tallyho refuses {name}, PyYAML reads it:\n{text}"),
        }
    }
    assert!(compared > DOCUMENTS.len(), "the fixtures' files were found");
}

/// Each document, and where it comes from.
fn corpus() -> Vec<(String, String)> {
    let mut corpus: Vec<(String, String)> = DOCUMENTS
        .iter()
        .enumerate()
        .map(|(i, text)| (format!("document {i}"), (*text).to_owned()))
        .collect();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut files = Vec::new();
    yaml_files(&fixtures, &mut files);
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("fixture readable");
        corpus.push((path.display().to_string(), text));
    }
    corpus
}

/// `tallyho.yaml` and `tallyho.manifest.yaml` files under `dir`, skipping build output.
fn yaml_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("fixtures readable").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "target" {
            yaml_files(&path, found);
        } else if name == "tallyho.yaml" || name == "tallyho.manifest.yaml" {
            found.push(path);
        }
    }
}

/// A node as PyYAML's BaseLoader gives it: every scalar its text, null included.
fn as_json(node: &Node) -> Json {
    match &node.value {
        Value::Scalar(scalar) => Json::String(scalar.text.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(as_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(key, value)| (key.as_str().unwrap_or("").to_owned(), as_json(value)))
                .collect(),
        ),
    }
}

/// What PyYAML's BaseLoader makes of each document.
fn base_load(python: &Path, corpus: &[(String, String)]) -> Vec<Json> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/yaml_base_load.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let texts: Vec<&str> = corpus.iter().map(|(_, text)| text.as_str()).collect();
    let input = json!(texts).to_string();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("documents written");
    let output = child.wait_with_output().expect("python3 finishes");
    assert!(output.status.success(), "the PyYAML script failed");
    let results: Vec<Json> = serde_json::from_slice(&output.stdout).expect("JSON from python");
    assert_eq!(results.len(), corpus.len());
    results
}
