//! The file scanner on arbitrary text: parse, declarations, label sets, name and label rules.
//! It must never panic, whatever the bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (declarations, findings) = tallyho_analyzer::check_source(text);
        // Every span a finding reports lies inside the text.
        for finding in &findings {
            assert!(finding.span.range.end <= text.len(), "{finding:?}");
        }
        for declaration in &declarations {
            assert!(declaration.name_span.range.end <= text.len());
        }
    }
});
