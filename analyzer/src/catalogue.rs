//! The rule catalogue: every check the analyzer makes, declared once with its stable code,
//! default severity and the page `cargo tallyho explain CODE` prints.
//!
//! Findings name their rule by the [`Rule`] enum, so a misspelt code is a compile error; the
//! code strings are a stable interface (`tallyho.yaml`, JSON output, `explain`, snapshots).

use std::fmt;

use crate::severity::Severity;

/// Declares [`Rule`] from one entry per rule: `Variant = "code", Severity { page }`.
macro_rules! declare_rules {
    ($($variant:ident = $code:literal, $severity:ident {
        summary: $summary:literal,
        why: $why:literal,
        bad: $bad:literal,
        good: $good:literal $(,)?
    })*) => {
        /// A rule of the catalogue, by its stable code (`name.duplicate`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $(#[doc = $summary] $variant,)*
        }

        impl Rule {
            /// Every rule, grouped by area, in the order `explain` lists them.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// Stable code, `area.what`: used in findings, `tallyho.yaml` and `explain`.
            pub const fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code,)* }
            }

            /// Severity unless `tallyho.yaml` says otherwise.
            pub const fn default_severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$severity,)* }
            }

            /// One line: what the rule checks.
            pub const fn summary(self) -> &'static str {
                match self { $(Rule::$variant => $summary,)* }
            }

            /// Why it matters.
            pub const fn why(self) -> &'static str {
                match self { $(Rule::$variant => $why,)* }
            }

            /// A declaration the rule rejects.
            pub const fn bad(self) -> &'static str {
                match self { $(Rule::$variant => $bad,)* }
            }

            /// The same declaration, fixed.
            pub const fn good(self) -> &'static str {
                match self { $(Rule::$variant => $good,)* }
            }
        }
    };
}

impl Rule {
    /// The rule whose code is `code`: how `tallyho.yaml`, `explain` and caches name rules.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|rule| rule.code() == code)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

declare_rules! {
    NameInvalid = "name.invalid", Error {
        summary: "a metric name is a snake_case string literal of at most 63 bytes: ^[a-z]([a-z0-9_]*[a-z0-9])?$",
        why: "Names are identifiers in PromQL, Datadog and OTLP alike; upper case, dashes, dots or a \
              trailing underscore are rejected or silently rewritten by some of them, and long names \
              are truncated by others.",
        bad: "static ORDERS: Counter = Counter::new(\"Orders-Processed\");",
        good: "static ORDERS: Counter = Counter::new(\"orders_processed\");",
    }
    NameDuplicate = "name.duplicate", Error {
        summary: "a metric name is declared once in the whole workspace",
        why: "Two declarations with one name export two families under one name: a scrape holds \
              only one of them, and dashboards mix unrelated series.",
        bad: "// crate a\nstatic HITS: Counter = Counter::new(\"cache_hits\");\n// crate b\nstatic HITS: Counter = Counter::new(\"cache_hits\");",
        good: "// crate a\nstatic HITS: Counter = Counter::new(\"session_cache_hits\");\n// crate b\nstatic HITS: Counter = Counter::new(\"page_cache_hits\");",
    }
    NameReservedSuffix = "name.reserved_suffix", Error {
        summary: "a metric name does not end in _total, _count, _sum, _bucket, _created or _info",
        why: "The exposition adds these suffixes itself (counters get _total, histograms _bucket, \
              _sum and _count); a name that already has one collides with another family's series.",
        bad: "static ORDERS: Counter = Counter::new(\"orders_total\");",
        good: "static ORDERS: Counter = Counter::new(\"orders\");  // exported as orders_total",
    }
    NameReservedPrefix = "name.reserved_prefix", Error {
        summary: "a metric name does not start with tallyho_ or __",
        why: "tallyho_ is tallyho's own (for example tallyho_dropped_updates_total) and __ is \
              reserved by Prometheus for internal use.",
        bad: "static ORDERS: Counter = Counter::new(\"tallyho_orders\");",
        good: "static ORDERS: Counter = Counter::new(\"shop_orders\");",
    }
    NameUnitAbbreviation = "name.unit_abbreviation", Error {
        summary: "a metric name spells its unit out (_seconds, _bytes), never abbreviated (_ms, _sec, _kb)",
        why: "Dashboards and alerts read the unit from the name; an abbreviation is ambiguous \
              (_ms: milliseconds or megaseconds?) and is not recognized as a unit by Grafana or OpenMetrics.",
        bad: "static LATENCY: Histogram = Histogram::new(\"request_latency_ms\");",
        good: "static LATENCY: Histogram = Histogram::new(\"request_latency_seconds\").unit(Unit::Seconds);",
    }
    NameNonBaseUnit = "name.non_base_unit", Warning {
        summary: "a metric name uses a base unit: seconds not milliseconds, bytes not megabytes, ratio not percent",
        why: "Prometheus convention is base units everywhere, so that metrics combine without \
              conversion factors and dashboards scale the display instead.",
        bad: "static LATENCY: Histogram = Histogram::new(\"request_latency_milliseconds\");",
        good: "static LATENCY: Histogram = Histogram::new(\"request_latency_seconds\").unit(Unit::Seconds);",
    }
    NameUnitMismatch = "name.unit_mismatch", Error {
        summary: "a declared unit is the metric name's suffix",
        why: "OpenMetrics exports the unit only when the name ends with it, and a reader of the \
              name alone should know the unit.",
        bad: "static SIZE: Gauge = Gauge::new(\"payload_size\").unit(Unit::Bytes);",
        good: "static SIZE: Gauge = Gauge::new(\"payload_size_bytes\").unit(Unit::Bytes);",
    }
    NameTypeInName = "name.type_in_name", Warning {
        summary: "a metric name does not repeat the metric type (_counter, _gauge, _histogram, _metric)",
        why: "The type is already in the exposition's TYPE line and in the Rust type; in the name \
              it is noise, and wrong once the metric changes type.",
        bad: "static ORDERS: Counter = Counter::new(\"orders_counter\");",
        good: "static ORDERS: Counter = Counter::new(\"orders\");",
    }
    LabelsMissingType = "labels.missing_type", Error {
        summary: "a group's label type is a struct the analyzer finds in the workspace",
        why: "Without the struct the label keys, values and cardinality cannot be checked or \
              exported ahead of use.",
        bad: "static ORDERS: CounterGroup<OrderLable> = CounterGroup::new(\"orders\");",
        good: "#[derive(LabelSet)]\nstruct OrderLabels { success: bool }\nstatic ORDERS: CounterGroup<OrderLabels> = CounterGroup::new(\"orders\");",
    }
    LabelsNotLabelSet = "labels.not_label_set", Error {
        summary: "a group's label type derives LabelSet",
        why: "The derive is what gives the runtime a dense index and the keys to export.",
        bad: "struct OrderLabels { success: bool }",
        good: "#[derive(LabelSet)]\nstruct OrderLabels { success: bool }",
    }
    LabelsUnsupportedType = "labels.unsupported_type", Error {
        summary: "a label field is bool, an enum deriving LabelValue with unit variants, Option of those, or a bounded open type",
        why: "Only these types have a known, finite set of values (or an explicit bound); floats, \
              collections and enums with data do not.",
        bad: "#[derive(LabelSet)]\nstruct Labels { ratio: f64 }",
        good: "#[derive(LabelValue)]\nenum Bucket { Low, High }\n#[derive(LabelSet)]\nstruct Labels { ratio: Bucket }",
    }
    LabelsInvalidKey = "labels.invalid_key", Error {
        summary: "a label key matches `[a-zA-Z_][a-zA-Z0-9_]*`",
        why: "Other characters are not valid in Prometheus label names.",
        bad: "#[label(rename = \"http-method\")]\nmethod: Method,",
        good: "#[label(rename = \"http_method\")]\nmethod: Method,",
    }
    LabelsReservedKey = "labels.reserved_key", Error {
        summary: "a label key is not le, quantile, service, instance, job or __*",
        why: "le and quantile belong to histograms and summaries, service is added by tallyho, \
              instance and job by the scraper, __* by Prometheus; a second one overwrites or breaks them.",
        bad: "#[derive(LabelSet)]\nstruct Labels { job: JobKind }",
        good: "#[derive(LabelSet)]\nstruct Labels { job_kind: JobKind }",
    }
    LabelsDuplicateKey = "labels.duplicate_key", Error {
        summary: "label keys are unique within a label set",
        why: "Two fields exporting one key make every series invalid.",
        bad: "#[derive(LabelSet)]\nstruct Labels { region: Region, #[label(rename = \"region\")] zone: Zone }",
        good: "#[derive(LabelSet)]\nstruct Labels { region: Region, zone: Zone }",
    }
    LabelsUnbounded = "labels.unbounded", Error {
        summary: "an open label field (String, &str, integers) declares #[label(max_values = N)]",
        why: "An open field has unbounded cardinality: one user id per series is how metrics \
              backends run out of memory and bills explode. With a bound, values past N fold into \
              __overflow__ and totals stay correct.",
        bad: "#[derive(LabelSet)]\nstruct Labels { customer: String }",
        good: "#[derive(LabelSet)]\nstruct Labels { #[label(max_values = 50)] customer: String }",
    }
    CardinalityMetric = "cardinality.metric", Error {
        summary: "a metric's series stay within limits.series_per_metric (default 1000) or its override",
        why: "Series are what metrics backends store and bill; the product of label domains grows \
              fast, and a build-time number beats a surprise on the invoice.",
        bad: "#[derive(LabelSet)]\nstruct Labels { #[label(max_values = 5000)] customer: String }",
        good: "# tallyho.yaml, when the size is intended:\noverrides:\n  orders_by_customer: { series: 6000, reason: \"capped by max_values; reviewed 2026-11\" }",
    }
    CardinalityService = "cardinality.service", Error {
        summary: "the series of all metrics a service links stay within limits.series_per_service (default 10000)",
        why: "A service's scrape size and its share of the metrics bill is the sum over every crate it links.",
        bad: "# 12 metrics of 1000 series each in crates linked by one binary",
        good: "# tallyho.yaml, when the size is intended:\nlimits: { series_per_service: 20000 }",
    }
    DeclarationNotStatic = "declaration.not_static", Error {
        summary: "a metric is a module-level static, not a local, a const, a field or a lazy wrapper",
        why: "Only a module-level static can be found and registered at build time, and exported \
              before first use; a const is copied at every use, so each copy counts alone.",
        bad: "fn handle() {\n    let hits = Counter::new(\"hits\");\n    hits.increment();\n}",
        good: "static HITS: Counter = Counter::new(\"hits\");\nfn handle() { HITS.increment(); }",
    }
    DeclarationInMacro = "declaration.in_macro", Error {
        summary: "a metric is not declared inside a macro_rules! body the analyzer cannot expand",
        why: "The analyzer reads source, not macro expansions: a metric a macro declares is not \
              checked, not in the manifest and exports without HELP until it is declared as \
              a plain static.",
        bad: "macro_rules! gauge {\n    ($n:ident, $name:literal) => {\n        static $n: ::tallyho::Gauge = ::tallyho::Gauge::new($name);\n    };\n}",
        good: "/// Queue depth.\nstatic DEPTH: Gauge = Gauge::new(\"queue_depth\");",
    }
    DeclarationNotEvaluable = "declaration.not_evaluable", Error {
        summary: "a metric's name and configuration are literals or constants the analyzer can read",
        why: "A name built by a macro or a function call cannot be checked or exported ahead of \
              use; the analyzer reports it rather than skipping it silently. Constants (of this \
              crate, a workspace crate or tallyho, like `tallyho::DEFAULT_BUCKETS`) are read.",
        bad: "static ORDERS: Counter = Counter::new(concat!(\"orders\", \"_total\"));",
        good: "static ORDERS: Counter = Counter::new(\"orders\");",
    }
    RoutesUnreadable = "routes.unreadable", Warning {
        summary: "every route of an axum router a service builds can be read from the source",
        why: "The request metrics label each request with its route template; the build knows \
              the routes it can read, so the first scrape shows them and the route label's \
              cardinality is exact. A route behind a non-literal path, or a router passed to \
              `nest` or `merge` that is not an inline chain, a `let` binding of one in the same \
              body or a function of the workspace (a parameter, a field), cannot be read: the \
              route label is then bounded by requests.max_routes in tallyho.yaml (default 32) \
              instead, and its values past that export as __overflow__.",
        bad: "fn app(api: Router) -> Router { Router::new().nest(\"/api\", api) }",
        good: "let api = Router::new().route(\"/orders/{id}\", get(order));\nRouter::new().nest(\"/api\", api)",
    }
    SourceParse = "source.parse", Error {
        summary: "every scanned file parses as Rust",
        why: "A file that does not parse may hide declarations; the scan reports it and goes on.",
        bad: "static ORDERS: Counter = Counter::new(\"orders\")  // missing semicolon",
        good: "static ORDERS: Counter = Counter::new(\"orders\");",
    }
    SourceUnreadable = "source.unreadable", Error {
        summary: "every source file can be read as UTF-8 text",
        why: "An unreadable file (permissions, invalid UTF-8, a symlink loop) may hide declarations.",
        bad: "src/metrics.rs: permission denied",
        good: "chmod a+r src/metrics.rs",
    }
    SourceTooLarge = "source.too_large", Error {
        summary: "a source file is under 8 MiB and nests under 512 levels deep",
        why: "Generated files that size or shape are not where metrics are declared, and parsing \
              them could exhaust memory or the stack; the analyzer skips them and says so. Every \
              level the parser recurses on counts: brackets, generics, closures, and chains of \
              prefix operators, binary operators, method calls and keywords (`return return`, \
              `else if`) within one expression.",
        bad: "src/generated.rs: 40 MiB",
        good: "move generated code out of src/, or into a crate that does not use tallyho",
    }
    ConfigInvalid = "config.invalid", Error {
        summary: "tallyho.yaml is valid YAML with known keys and values of the right type",
        why: "A typo in a limit or a rule name would otherwise be ignored silently. Each setting \
              that cannot be read is reported where it is written and keeps its default, while \
              the others apply; anchors, aliases, tags and duplicate keys are refused, as aliases \
              can expand a small file into gigabytes and a duplicate key hides one of its values.",
        bad: "limits: { series_per_metrik: 500 }",
        good: "limits: { series_per_metric: 500 }",
    }
    ConfigUnusedOverride = "config.unused_override", Warning {
        summary: "every override in tallyho.yaml names a declared metric",
        why: "An override for a renamed or removed metric is dead configuration.",
        bad: "overrides:\n  old_metric_name: { series: 5000, reason: \"...\" }",
        good: "overrides:\n  orders_by_customer: { series: 5000, reason: \"...\" }",
    }
    ConfigOverrideTooLarge = "config.override_too_large", Warning {
        summary: "an override in tallyho.yaml allows at most 10 times the series its metric exports",
        why: "An override is the metric's own limit: set far above what the metric exports, it no \
              longer catches the label growth it was written to watch, and the scrape size or the \
              bill finds it first. An override a metric no longer needs is noise in review.",
        bad: "# orders_by_region exports 4000 series\noverrides:\n  orders_by_region: { series: 50000, reason: \"...\" }",
        good: "overrides:\n  orders_by_region: { series: 5000, reason: \"40 regions x 100 statuses; reviewed 2026-11\" }",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Rule::ALL.len());
        for code in codes {
            let (area, what) = code.split_once('.').expect("area.what");
            assert!([
                "name",
                "labels",
                "cardinality",
                "declaration",
                "source",
                "config",
                "routes"
            ]
            .contains(&area));
            assert!(
                what.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        for &rule in Rule::ALL {
            assert_eq!(Rule::from_code(rule.code()), Some(rule));
        }
        assert_eq!(Rule::from_code("name.nope"), None);
    }
}
