//! `tallyho.yaml` parsing on arbitrary text: YAML (`tree::yaml`), the schema, rule codes, overrides,
//! services, the anchor and alias refusal and the expansion bound. It must never panic, hang
//! or expand, whatever the bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (config, findings) = tallyho_analyzer::check_config(text);
        // Every span a finding or an entry reports lies inside the text.
        for finding in &findings {
            assert!(finding.span.range.end <= text.len(), "{finding:?}");
        }
        for entry in config.overrides.values() {
            assert!(entry.span.range.end <= text.len(), "{entry:?}");
        }
        for service in config.services.values() {
            assert!(service.span.range.end <= text.len(), "{service:?}");
        }
    }
});
