//! `tallyho_build_info`: one series of value 1, its labels as set, passing promtool.

use tallyho::{set_build_info, BuildInfo, Format};

#[test]
fn build_info_is_one_series_with_the_build_as_labels() {
    tallyho::set_service("api").unwrap();
    let info = BuildInfo {
        version: "1.4.0",
        revision: "0123abc",
        rustc_version: "rustc 1.95.0 (59807616e 2026-04-14)",
        target: "x86_64-unknown-linux-gnu",
        profile: "release",
    };
    set_build_info(info);
    set_build_info(BuildInfo {
        version: "9.9.9",
        ..info
    });
    let text = tallyho::encode(Format::Prometheus);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("tallyho_build_info"))
        .collect();
    assert_eq!(
        lines,
        [concat!(
            r#"tallyho_build_info{service="api",version="1.4.0",revision="0123abc","#,
            r#"rustc_version="rustc 1.95.0 (59807616e 2026-04-14)","#,
            r#"target="x86_64-unknown-linux-gnu",profile="release"} 1"#
        )],
        "the first call stands"
    );
    tallyho_tests::promtool_check(&text);
}
