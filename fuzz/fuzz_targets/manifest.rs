//! A manifest read from arbitrary text (YAML, or JSON when it starts with `{`): `cargo tallyho
//! diff` reads the base branch's copy, which anyone opening a pull request can write. It must
//! never panic or hang, and a manifest that reads must write back to text that reads the same.
#![no_main]

use tallyho_codegen::Manifest;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(manifest) = Manifest::parse(text) else {
        return;
    };
    for written in [manifest.to_yaml(), manifest.to_json()] {
        let again = Manifest::parse(&written).expect("a written manifest reads back");
        assert!(again.same_metrics(&manifest), "{written}");
    }
});
