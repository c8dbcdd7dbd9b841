use super::*;

fn parsed(text: &str) -> Node {
    parse(text).unwrap_or_else(|e| panic!("{text:?}: {e} at {}", e.at))
}

/// The node at `path` (keys, or indices into sequences).
fn at<'n>(node: &'n Node, path: &[&str]) -> &'n Node {
    path.iter()
        .fold(node, |node, step| match step.parse::<usize>() {
            Ok(i) => &node.as_seq().unwrap_or_else(|| panic!("{step}"))[i],
            Err(_) => node.get(step).unwrap_or_else(|| panic!("no {step}")),
        })
}

#[test]
fn block_and_flow_collections() {
    let text = "\
# limits
limits:
  series_per_metric: 500   # per metric
  series_per_service: 0x10
rules: { name.non_base_unit: error, 'labels.open': warn }
overrides:
  \"http.requests\":
    series: 2000
    reason: routes times codes
services:
- name: api
  crate: api-server
-   name: worker
    crate: worker
empty:
list: [a, 'b c', \"d\", [e], {f: g}, ]
process: false
";
    let node = parsed(text);
    assert_eq!(
        at(&node, &["limits", "series_per_metric"]).as_u64(),
        Some(500)
    );
    assert_eq!(
        at(&node, &["limits", "series_per_service"]).as_u64(),
        Some(16)
    );
    assert_eq!(
        at(&node, &["rules", "name.non_base_unit"]).as_str(),
        Some("error")
    );
    assert_eq!(at(&node, &["rules", "labels.open"]).as_str(), Some("warn"));
    assert_eq!(
        at(&node, &["overrides", "http.requests", "reason"]).as_str(),
        Some("routes times codes")
    );
    assert_eq!(
        at(&node, &["services", "1", "crate"]).as_str(),
        Some("worker")
    );
    assert!(at(&node, &["empty"]).is_null());
    let list: Vec<_> = at(&node, &["list"])
        .as_seq()
        .unwrap()
        .iter()
        .map(|n| n.describe())
        .collect();
    assert_eq!(list, ["`a`", "`b c`", "`d`", "a sequence", "a mapping"]);
    assert_eq!(at(&node, &["process"]).as_bool(), Some(false));
    // Keys point at themselves, quotes included; values at their text.
    let (key, value) = &at(&node, &["overrides"]).as_map().unwrap()[0];
    assert_eq!(&text[key.span.clone()], "\"http.requests\"");
    assert!(text[value.span.clone()].starts_with("series: 2000"));
    let series = at(&node, &["limits", "series_per_metric"]);
    assert_eq!(&text[series.span.clone()], "500");
}

#[test]
fn scalars_fold_and_escape_as_yaml_says() {
    let text = "\
plain: one
  two

  three
single: 'it''s
  folded'
double: \"tab\\there \\u00e9 \\x41 \\
  joined\"
literal: |
  line 1
    indented

  line 3

folded: >-
  a
  b

  c
keep: |+
  x

clip_empty: |
url: http://example.com/a#b
number_text: 12
";
    let node = parsed(text);
    let text_of = |key: &str| at(&node, &[key]).as_str().map(str::to_owned);
    assert_eq!(text_of("plain").as_deref(), Some("one two\nthree"));
    assert_eq!(text_of("single").as_deref(), Some("it's folded"));
    assert_eq!(text_of("double").as_deref(), Some("tab\there é A joined"));
    assert_eq!(
        text_of("literal").as_deref(),
        Some("line 1\n  indented\n\nline 3\n")
    );
    assert_eq!(text_of("folded").as_deref(), Some("a b\nc"));
    assert_eq!(text_of("keep").as_deref(), Some("x\n\n"));
    assert_eq!(text_of("clip_empty").as_deref(), Some(""));
    assert_eq!(text_of("url").as_deref(), Some("http://example.com/a#b"));
    assert_eq!(text_of("number_text").as_deref(), Some("12"));
}

#[test]
fn documents_with_markers_crlf_and_a_bom() {
    let node = parsed("\u{feff}---\r\na: 1\r\nb:\r\n- x\r\n...\r\n");
    assert_eq!(at(&node, &["a"]).as_u64(), Some(1));
    assert_eq!(at(&node, &["b", "0"]).as_str(), Some("x"));
    assert!(parsed("").is_null());
    assert!(parsed("# only a comment\n\n").is_null());
    assert_eq!(parsed("--- [1, 2]").as_seq().map(<[Node]>::len), Some(2));
}

#[test]
fn what_is_refused_is_named_where_it_is() {
    for (text, message, line_column) in [
        (
            "a: &x 1\nb: *x\n",
            "an anchor, `&x`: anchors are not supported",
            (1, 4),
        ),
        (
            "a: [1, *x]\n",
            "an alias, `*x`: aliases are not supported",
            (1, 8),
        ),
        ("a: !!str 1\n", "a tag, `!!str`", (1, 4)),
        ("a: b\u{0}\n", "U+0000 is not allowed", (1, 5)),
        ("a: |\rb", "carriage return", (1, 5)),
        ("|\r\u{feff}!{", "carriage return", (1, 2)),
        ("a: 1\r\nb: 'x\ry'", "carriage return", (2, 6)),
        ("? a\n: b\n", "complex keys", (1, 1)),
        ("%YAML 1.2\n---\na: 1\n", "directives", (1, 1)),
        ("a: 1\n---\nb: 2\n", "second document", (2, 1)),
        ("a: 1\na: 2\n", "duplicate key `a`", (2, 1)),
        ("a: {b: 1, b: 2}\n", "duplicate key `b`", (1, 11)),
        ("a:\n\tb: 1\n", "tab in indentation", (2, 1)),
        ("a: 1\n  b: 2\n", "indented", (2, 3)),
        ("a:\n  b: 1\n c: 2\n", "indented 1 spaces", (3, 2)),
        (
            "a: b: c\n",
            "mapping cannot start on its key's line",
            (1, 4),
        ),
        (
            "a: - b\n",
            "sequence cannot start on its key's line",
            (1, 4),
        ),
        ("a: 1\n- b\n", "sequence entry", (2, 1)),
        ("a: 'open\n", "no closing quote", (1, 4)),
        ("a: [1, 2\n", "no closing", (2, 1)),
        ("a: {b: 1\n", "no closing", (2, 1)),
        ("a: [b: 1]\n", "inside `[…]`", (1, 6)),
        ("a: \"\\q\"\n", "unknown escape", (1, 5)),
        ("a: [1] x\n", "unexpected content after the value", (1, 8)),
        ("a: |x\n  t\n", "block scalar's header", (1, 5)),
        ("a: b\n  c: d\n", "indented under a plain value", (2, 3)),
    ] {
        let err = parse(text).expect_err(text);
        assert!(err.message.contains(message), "{text:?}: {}", err.message);
        assert_eq!(
            err.line_column(text),
            line_column,
            "{text:?}: {}",
            err.message
        );
    }
}

#[test]
fn nesting_is_bounded() {
    for text in [
        "[".repeat(100_000),
        "- ".repeat(100_000),
        "{a: ".repeat(100_000),
    ] {
        let err = parse(&text).expect_err("too deep");
        assert!(err.message.contains("nested deeper"), "{}", err.message);
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    // Every prefix of a document using each construct, and each byte of it replaced.
    let text = "a: [1, {b: 'c''d'}]\ne: |+\n  f\n\ng:\n- \"h\\u00e9\\\n  i\"\n- j: k\n  l: >\n    m\n# n\n";
    for end in 0..=text.len() {
        if text.is_char_boundary(end) {
            let _ = parse(&text[..end]);
        }
    }
    for i in 0..text.len() {
        for replacement in [
            "\t", "\n", ":", "-", "'", "\"", "[", "}", "#", " ", "|", "\r", "\\",
        ] {
            let mut mutated = text.as_bytes().to_vec();
            mutated.splice(i..i + 1, replacement.bytes());
            if let Ok(mutated) = String::from_utf8(mutated) {
                let _ = parse(&mutated);
            }
        }
    }
}

#[test]
fn strings_are_written_so_they_read_back_as_strings() {
    let tricky = [
        "",
        "false",
        "True",
        "null",
        "~",
        "12",
        "1.5",
        "-3",
        ".inf",
        "0x1f",
        "yes",
        "off",
        "y",
        "- a",
        "a: b",
        "a #b",
        "#c",
        "&x",
        "*x",
        "!t",
        "|",
        ">",
        "'",
        "\"q\"",
        "[a]",
        "{a}",
        " lead",
        "trail ",
        "tab\tin",
        "new\nline",
        "ends:",
        "%p",
        "@a",
        "`a",
        "it's",
        "é ü",
        "/products/{sku}",
        "5..",
        "__unmatched__",
        "http://x/y",
        "a, b",
        "\u{85}",
    ];
    let node = Node::map(tricky.iter().map(|t| (*t, Node::string(*t))));
    let text = to_string(&node);
    let back = parsed(&text);
    for t in tricky {
        assert_eq!(
            back.get(t).and_then(Node::as_str).unwrap_or(""),
            t,
            "{t:?} in\n{text}"
        );
        assert!(back.get(t).is_some_and(|n| !n.is_null() || t.is_empty()));
    }
}

#[test]
fn writes_block_style() {
    let node = Node::map([
        ("schema", Node::literal(1)),
        ("module", Node::string("")),
        (
            "items",
            Node::seq(vec![
                Node::map([
                    ("key", Node::string("a")),
                    (
                        "values",
                        Node::seq(vec![Node::string("false"), Node::string("x")]),
                    ),
                ]),
                Node::seq(vec![Node::float(1.0), Node::float(0.005)]),
            ]),
        ),
        ("none", Node::seq(vec![])),
        (
            "nested",
            Node::map([("deep", Node::map([("x", Node::literal(true))]))]),
        ),
    ]);
    let expected = "\
schema: 1
module: ''
items:
- key: a
  values:
  - 'false'
  - x
- - 1.0
  - 0.005
none: []
nested:
  deep:
    x: true
";
    assert_eq!(to_string(&node), expected);
    assert_eq!(parsed(expected), {
        let mut back = parsed(&to_string(&node));
        back.span = parsed(expected).span;
        back
    });
}

#[test]
fn strings_are_quoted_where_serde_yaml_quoted_them() {
    // The choices serde_yaml 0.9 made (the writer of every manifest before this one), so a
    // committed manifest writes back byte for byte.
    let cases = [
        ("2xx", "2xx"),
        ("1.2.3", "1.2.3"),
        ("0.1.0", "0.1.0"),
        ("-a", "-a"),
        ("?a", "?a"),
        (":a", ":a"),
        (".foo", ".foo"),
        ("a:b", "a:b"),
        ("a,b]", "a,b]"),
        ("a#b", "a#b"),
        ("on", "on"),
        ("yes", "yes"),
        ("2024-01-01", "2024-01-01"),
        ("inf", "inf"),
        ("/products/{sku}", "/products/{sku}"),
        ("&str", "'&str'"),
        ("", "''"),
        ("~", "'~'"),
        ("Null", "'Null'"),
        ("True", "'True'"),
        ("false", "'false'"),
        ("12", "'12'"),
        ("-12", "'-12'"),
        ("017", "'017'"),
        ("0x1f", "'0x1f'"),
        ("0b101", "'0b101'"),
        ("1.0", "'1.0'"),
        ("1.", "'1.'"),
        (".5", "'.5'"),
        ("1e3", "'1e3'"),
        (".inf", "'.inf'"),
        ("-.Inf", "'-.Inf'"),
        (".NaN", "'.NaN'"),
        ("-", "'-'"),
        ("- a", "'- a'"),
        ("? a", "'? a'"),
        ("a:", "'a:'"),
        ("a: b", "'a: b'"),
        ("a #b", "'a #b'"),
        ("#a", "'#a'"),
        ("---", "'---'"),
        ("...", "'...'"),
        (" a", "' a'"),
        ("a ", "'a '"),
        ("it's", "it's"),
        ("'a", "'''a'"),
        ("a\tb", "\"a\\tb\""),
        ("a\rb", "\"a\\rb\""),
        ("\u{7f}", "\"\\x7F\""),
        ("\u{85}", "\"\\N\""),
        ("\u{feff}a", "\"\\uFEFFa\""),
        ("a\\\"", "a\\\""),
    ];
    for (text, written) in cases {
        let out = to_string(&Node::seq(vec![Node::string(text)]));
        assert_eq!(out, format!("- {written}\n"), "{text:?}");
        let back = parsed(&out);
        assert_eq!(back.as_seq().unwrap()[0].as_str(), Some(text), "{out:?}");
    }
}

#[test]
fn floats_are_written_as_serde_wrote_them() {
    let cases = [
        (1.0, "1.0"),
        (0.005, "0.005"),
        (0.0001, "0.0001"),
        (0.000025, "0.000025"),
        (-0.00001, "-0.00001"),
        (1e-7, "1e-7"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e16"),
        (2.5e300, "2.5e300"),
    ];
    for (value, written) in cases {
        let out = to_string(&Node::seq(vec![Node::float(value)]));
        assert_eq!(out, format!("- {written}\n"), "{value:?}");
        assert_eq!(parsed(&out).as_seq().unwrap()[0].as_f64(), Some(value));
    }
}
