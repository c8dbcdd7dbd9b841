//! Strings from the manifest reach the generated source intact and cannot break out of it:
//! string literals, doc comments and the header, checked by compiling what is generated.

use std::path::PathBuf;
use std::process::Command;

use tallyho_analyzer::RouteSet;
use tallyho_spec::{Kind, Unit, ValueType};

use super::*;
use crate::manifest::{Limits, SCHEMA_VERSION};

/// Strings that end a literal, a comment or a raw string, or that rustc refuses as they are.
const HOSTILE: &[&str] = &[
    "",
    "plain text",
    "a \"quoted\" word and 'single' quotes",
    "\"# ends a raw string, r#\"opens\"# one",
    "back\\slash, \\n and \\u{0} spelled out, and a trailing backslash \\",
    "a new\nline, a CR\r\nand a lone CR\r",
    "nul \u{0} and bell \u{7}, tab\t, delete \u{7f}",
    "*/ closes a block comment, /* opens one",
    "*/\nfn injected() {}\n/*",
    "\n} fn injected() { {\n",
    "unicode: é, 日本, 🦀, a combining \u{301} mark, \u{301} first",
    "bidi \u{202e}override\u{202c} and \u{2066}isolate\u{2069}",
    "separators \u{2028}\u{2029}\u{85} and a BOM \u{feff}",
];

/// A scratch directory for a test's program, emptied.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tallyho-codegen-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Compiles `source` beside `registry.rs` (for its `include!`) as a binary named `binary` for
/// `option_env!`, runs it and returns what it printed.
fn compile_and_run(test: &str, source: &str, registry: &str, binary: &str) -> String {
    let dir = scratch(test);
    let main = dir.join("main.rs");
    std::fs::write(&main, source).expect("write the program");
    std::fs::write(dir.join("registry.rs"), registry).expect("write the registry");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let program = dir.join("program");
    let compiled = Command::new(rustc)
        .args(["--edition", "2021", "-o"])
        .arg(&program)
        .arg(&main)
        .env("CARGO_BIN_NAME", binary)
        .output()
        .expect("rustc runs");
    assert!(
        compiled.status.success(),
        "{}\n{source}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let run = Command::new(&program)
        .env_remove("TALLYHO_SERVICE")
        .output()
        .expect("the program runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(run.stdout).expect("UTF-8 output")
}

/// How the programs print a string: its bytes, so nothing is escaped twice.
fn bytes(s: &str) -> String {
    format!("{:?}", s.as_bytes())
}

#[test]
fn string_literals_and_doc_comments_compile_and_keep_their_text() {
    let mut code = Code::default();
    code.line("#![deny(warnings)]");
    for (i, text) in HOSTILE.iter().enumerate() {
        code.doc(text);
        code.line("#[allow(dead_code)]");
        code.line(&format!("struct Documented{i};"));
    }
    code.open("fn main() {");
    code.list("let strings: &[&str] = &[", &strings(&owned(HOSTILE)), "];");
    code.open("for s in strings {");
    code.line("println!(\"{:?}\", s.as_bytes());");
    code.close("}");
    code.close("}");
    let printed = compile_and_run("literals", &code.text, "", "literals");
    let expected: String = HOSTILE.iter().map(|s| bytes(s) + "\n").collect();
    assert_eq!(printed, expected);
}

#[test]
fn doc_comments_are_one_attribute_with_the_text() {
    for text in HOSTILE {
        let mut code = Code::default();
        code.doc(text);
        code.line("struct Documented;");
        let item: syn::ItemStruct = syn::parse_str(&code.text).expect(&code.text);
        let docs: Vec<String> = item.attrs.iter().map(doc_value).collect();
        assert_eq!(docs, [format!(" {text}")], "{}", code.text);
    }
    // Plain text is a `///` line, as rustfmt would leave it.
    let mut code = Code::default();
    code.doc("`shop::ORDERS` (src/\"quoted\" dir/it's.rs).");
    assert_eq!(
        code.text,
        "/// `shop::ORDERS` (src/\"quoted\" dir/it's.rs).\n"
    );
}

fn doc_value(attr: &syn::Attribute) -> String {
    let syn::Meta::NameValue(doc) = &attr.meta else {
        panic!("not a doc attribute");
    };
    assert!(doc.path.is_ident("doc"));
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(text),
        ..
    }) = &doc.value
    else {
        panic!("not a string");
    };
    text.value()
}

fn owned(strings: &[&str]) -> Vec<String> {
    strings.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn bounds_are_float_literals_of_the_same_value() {
    let bounds = [
        0.0,
        1.0,
        0.1,
        0.000025,
        1e-7,
        2.5e-300,
        1e21,
        123456789.125,
        -0.5,
    ];
    for bound in bounds {
        let literal = float(bound);
        let parsed: syn::LitFloat = syn::parse_str(&literal.replace('-', "")).expect(&literal);
        let value: f64 = parsed.base10_parse().expect("an f64");
        assert_eq!(value.copysign(bound), bound, "{literal}");
    }
    assert_eq!(float(1.0), "1.0");
    assert_eq!(float(1000.0), "1000.0");
    assert_eq!(float(0.005), "0.005");
}

/// A metric whose every string is hostile.
fn metric(name: &str, text: &str, labels: Vec<Label>) -> Metric {
    Metric {
        name: name.to_owned(),
        kind: Kind::Histogram,
        value_type: ValueType::F64,
        help: text.to_owned(),
        unit: Some(Unit::Seconds),
        package: "app".to_owned(),
        version: None,
        crate_name: "app".to_owned(),
        module: "orders".to_owned(),
        ident: name.to_uppercase(),
        file: format!("src/{text}.rs"),
        line: 1,
        label_type: None,
        labels,
        buckets: Some(vec![0.000025, 0.1, 1.0, 1e-7, 1e21]),
        series: 1,
        limit: 1000,
        builtin: false,
        service: None,
    }
}

fn label(key: &str, values: Option<&[&str]>, optional: bool) -> Label {
    Label {
        key: key.to_owned(),
        type_name: String::new(),
        values: values.map(owned),
        optional,
        max_values: values.is_none().then_some(64),
    }
}

fn service(name: &str, binary: &str, metrics: &[&str]) -> Service {
    Service {
        name: name.to_owned(),
        package: "app".to_owned(),
        binary: binary.to_owned(),
        packages: vec!["app".to_owned()],
        metrics: owned(metrics),
        series: 1,
        requests: Some(RouteSet {
            routes: owned(HOSTILE),
            methods: owned(&["GET", "\"POST\""]),
            max_routes: 32,
            unreadable: false,
        }),
        process_metrics: true,
    }
}

/// A `tallyho` with the calls the registry makes, printing what it is given.
const MOCK_RUNTIME: &str = r#"
#![deny(warnings)]
#[allow(dead_code)]
mod tallyho {
    pub enum Kind { Counter, Gauge, Histogram }
    #[derive(Debug)]
    pub enum Unit { Seconds }
    pub struct Interner(usize);
    impl Interner {
        pub const fn new(max_values: usize) -> Self { Interner(max_values) }
    }
    pub enum Domain {
        Finite(&'static [&'static str]),
        Optional(&'static [&'static str]),
        Bounded { max_values: usize, interner: &'static Interner },
    }
    pub struct Field { pub key: &'static str, pub domain: Domain }
    pub struct Descriptor {
        name: &'static str,
        help: &'static str,
        unit: Option<Unit>,
        buckets: &'static [f64],
        labels: &'static [Field],
    }
    impl Descriptor {
        pub const fn new(name: &'static str, _kind: Kind) -> Self {
            Descriptor { name, help: "", unit: None, buckets: &[], labels: &[] }
        }
        pub const fn help(mut self, help: &'static str) -> Self { self.help = help; self }
        pub const fn unit(mut self, unit: Unit) -> Self { self.unit = Some(unit); self }
        pub const fn buckets(mut self, bounds: &'static [f64]) -> Self { self.buckets = bounds; self }
        pub const fn labels(mut self, fields: &'static [Field]) -> Self { self.labels = fields; self }
        pub fn register(&'static self) {
            println!("metric {:?} help {:?} unit {:?}", self.name.as_bytes(), self.help.as_bytes(), self.unit);
            println!("buckets {:?}", self.buckets);
            for field in self.labels {
                let (domain, values, max) = match &field.domain {
                    Domain::Finite(values) => ("finite", *values, 0),
                    Domain::Optional(values) => ("optional", *values, 0),
                    Domain::Bounded { max_values, interner } => ("bounded", &[][..], *max_values + interner.0),
                };
                println!("label {:?} {domain} {max}", field.key.as_bytes());
                for value in values {
                    println!("value {:?}", value.as_bytes());
                }
            }
        }
    }
    pub fn set_service(name: &'static str) -> Result<(), ()> {
        println!("service {:?}", name.as_bytes());
        Ok(())
    }
    pub fn register_process_metrics() {
        println!("process metrics");
    }
    pub struct BuildInfo {
        pub version: &'static str,
        pub revision: &'static str,
        pub rustc_version: &'static str,
        pub target: &'static str,
        pub profile: &'static str,
    }
    pub fn set_build_info(_: BuildInfo) {
        println!("build info");
    }
    pub mod requests {
        pub struct RouteSet {
            pub routes: &'static [&'static str],
            pub methods: &'static [&'static str],
            pub max_routes: usize,
        }
        pub fn declare(set: &RouteSet) {
            for route in set.routes {
                println!("route {:?}", route.as_bytes());
            }
            for method in set.methods {
                println!("method {:?}", method.as_bytes());
            }
            println!("max routes {}", set.max_routes);
        }
    }
}

fn main() {
"#;

#[test]
fn a_registry_of_hostile_strings_compiles_and_registers_them() {
    let values: &[&str] = &HOSTILE[1..];
    let metrics = vec![
        metric(
            "hostile_seconds",
            HOSTILE[8],
            vec![
                label("outcome", Some(values), false),
                label("region", Some(values), true),
                label("merchant", None, false),
            ],
        ),
        metric("quiet_seconds", HOSTILE[9], Vec::new()),
    ];
    let everything = ["hostile_seconds", "quiet_seconds"];
    let manifest = Manifest {
        schema: SCHEMA_VERSION,
        limits: Limits {
            series_per_metric: 1000,
            series_per_service: 10_000,
        },
        metrics,
        services: vec![
            service("served\n*/ fn injected() {}", "app-\"one\"", &everything),
            service(HOSTILE[9], "app-two", &everything[1..]),
        ],
        objectives: Vec::new(),
    };
    let source = registry_source(&manifest, "app");
    // The header is two comment lines, whatever the service names hold.
    let header: Vec<&str> = source.lines().take_while(|l| !l.starts_with('{')).collect();
    assert_eq!(header.len(), 2, "{source}");
    assert!(header[1].contains("served\\n*/ fn injected() {} (bin app-\"one\")"));

    let program = format!("{MOCK_RUNTIME}    include!(\"registry.rs\");\n}}\n");
    let printed = compile_and_run("registry", &program, &source, "app-\"one\"");

    let mut expected = format!("service {}\n", bytes("served\n*/ fn injected() {}"));
    for m in &manifest.metrics {
        expected += &format!(
            "metric {} help {} unit Some(Seconds)\n",
            bytes(&m.name),
            bytes(&m.help)
        );
        expected += &format!("buckets {:?}\n", m.buckets.as_deref().expect("bounds"));
        for l in &m.labels {
            let domain = match (&l.values, l.optional) {
                (None, _) => "bounded 128",
                (Some(_), true) => "optional 0",
                (Some(_), false) => "finite 0",
            };
            expected += &format!("label {} {domain}\n", bytes(&l.key));
            for value in l.values.iter().flatten() {
                expected += &format!("value {}\n", bytes(value));
            }
        }
    }
    for route in HOSTILE {
        expected += &format!("route {}\n", bytes(route));
    }
    expected += &format!("method {}\nmethod {}\n", bytes("GET"), bytes("\"POST\""));
    expected += "max routes 32\nprocess metrics\nbuild info\n";
    assert_eq!(printed, expected);
}

#[test]
fn error_registries_keep_the_diagnostics() {
    let diagnostics = owned(HOSTILE);
    let source = error_registry_source(&diagnostics);
    let block: syn::Block = syn::parse_str(&source).expect(&source);
    assert_eq!(block.stmts.len(), HOSTILE.len());
    for (stmt, diagnostic) in block.stmts.iter().zip(HOSTILE) {
        let syn::Stmt::Macro(call) = stmt else {
            panic!("not a macro call");
        };
        assert!(call.mac.path.is_ident("compile_error"));
        let message: syn::LitStr = call.mac.parse_body().expect("a string");
        assert_eq!(message.value(), diagnostic.trim_end());
    }
}
