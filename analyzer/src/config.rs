//! `tallyho.yaml` at the workspace root: limits, per-rule severities, per-metric overrides,
//! services and objectives. Every mistake in it is a finding pointing into the file; a missing file
//! means the defaults.

use std::collections::BTreeMap;

use crate::catalogue::Rule;
use crate::finding::Finding;
use crate::severity::Severity;
use crate::source::{FileId, Span};
use crate::tree::{self, Node};

/// The file name looked for at the workspace root.
pub const CONFIG_FILE: &str = "tallyho.yaml";

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Series limits.
    pub limits: Limits,
    /// Severity per rule, where it differs from the default.
    pub severities: BTreeMap<Rule, Severity>,
    /// Per-metric series limits, by metric name.
    pub overrides: BTreeMap<String, Override>,
    /// Which binaries are services, by service name; empty means every binary.
    pub services: BTreeMap<String, ServiceConfig>,
    /// Service level objectives by name, which the generated alerting rules watch.
    pub objectives: BTreeMap<String, ObjectiveConfig>,
    /// The most a finding in a package outside the workspace can be, by package name
    /// (`dependencies: { shared-metrics: warn }`).
    pub dependencies: BTreeMap<String, Severity>,
    /// The request metrics' settings (`requests:`).
    pub requests: Requests,
    /// Whether services register the standard process metrics (`process: false` turns them
    /// off).
    pub process: bool,
    /// Where the configuration came from, for findings about it.
    pub file: Option<FileId>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            severities: BTreeMap::new(),
            overrides: BTreeMap::new(),
            services: BTreeMap::new(),
            objectives: BTreeMap::new(),
            dependencies: BTreeMap::new(),
            requests: Requests::default(),
            process: true,
            file: None,
        }
    }
}

/// `requests:`: the bound on a service's route label when its routes cannot all be read.
#[derive(Debug, Clone, Copy)]
pub struct Requests {
    /// Distinct route values a service records, the unmatched route included, when some of
    /// its routes cannot be read from the source; at most
    /// [`MAX_ROUTES`](tallyho_spec::builtin::http::MAX_ROUTES).
    pub max_routes: usize,
}

/// The route bound when `requests.max_routes` is not set.
pub const DEFAULT_MAX_ROUTES: usize = 32;

impl Default for Requests {
    fn default() -> Self {
        Requests {
            max_routes: DEFAULT_MAX_ROUTES,
        }
    }
}

/// Series limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Series one metric may export.
    pub series_per_metric: u64,
    /// Series all metrics linked into one service may export.
    pub series_per_service: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            series_per_metric: 1000,
            series_per_service: 10_000,
        }
    }
}

/// A reviewed exception to `series_per_metric`.
#[derive(Debug, Clone)]
pub struct Override {
    /// The metric's own limit.
    pub series: u64,
    /// Why it is allowed: required, so the exception explains itself in review.
    pub reason: String,
    /// The override's key in the file.
    pub span: Span,
}

/// A service: a binary target, by the crate (package or binary) that builds it.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The package name or binary target name.
    pub krate: String,
    /// The service's key in the file.
    pub span: Span,
}

/// A service level objective: the share of events that must be good, so alerts can page on
/// the rate the error budget burns rather than on a fixed threshold.
#[derive(Debug, Clone)]
pub struct ObjectiveConfig {
    /// The metric it is measured on: a histogram (latency) or a counter with an outcome
    /// label (errors).
    pub metric: String,
    /// The share of good events, in `(0, 1)`: `0.99` allows 1% bad ones.
    pub target: f64,
    /// For a histogram, the bound (a bucket bound) above which an observation is bad.
    pub threshold: Option<f64>,
    /// The objective's key in the file.
    pub span: Span,
}

impl Config {
    /// Parses a configuration file's text; `file` is its id in the source map. Each setting
    /// that cannot be read is a finding pointing at it, and keeps its default.
    pub(crate) fn parse(text: &str, file: FileId, crates: &[&str]) -> (Config, Vec<Finding>) {
        let mut config = Config {
            file: Some(file),
            ..Config::default()
        };
        let mut reader = Reader {
            text,
            file,
            findings: Vec::new(),
        };
        match tree::yaml::parse(text) {
            Ok(root) => reader.config(&root, crates, &mut config),
            Err(err) => reader.invalid_yaml(&err),
        }
        (config, reader.findings)
    }

    /// The severity of `rule` after configuration.
    pub fn severity(&self, rule: Rule) -> Severity {
        self.severities
            .get(&rule)
            .copied()
            .unwrap_or(rule.default_severity())
    }

    /// The severity of `rule` for a finding in `package`, when that is outside the
    /// workspace: capped by the package's entry under `dependencies`.
    pub fn severity_in(&self, rule: Rule, package: Option<&str>) -> Severity {
        let cap = package.and_then(|p| self.dependencies.get(p)).copied();
        self.severity(rule).max(cap.unwrap_or(Severity::Error))
    }
}

/// The top-level keys of `tallyho.yaml`.
const KEYS: &[&str] = &[
    "limits",
    "rules",
    "overrides",
    "services",
    "objectives",
    "dependencies",
    "requests",
    "process",
];

/// Reads the settings out of the parsed file, and collects a finding for each one that
/// cannot be read.
struct Reader<'t> {
    text: &'t str,
    file: FileId,
    findings: Vec<Finding>,
}

impl Reader<'_> {
    fn config(&mut self, root: &Node, crates: &[&str], config: &mut Config) {
        for (key, value) in self.mapping("", root, KEYS) {
            match key {
                "limits" => self.limits(value, &mut config.limits),
                "rules" => config.severities = self.rules(value),
                "overrides" => config.overrides = self.overrides(value),
                "services" => config.services = self.services(value, crates),
                "objectives" => config.objectives = self.objectives(value),
                "dependencies" => config.dependencies = self.dependencies(value),
                "requests" => self.requests(value, &mut config.requests),
                "process" => {
                    if let Some(process) = self.bool("process", value) {
                        config.process = process;
                    }
                }
                // `mapping` gives only the keys in `KEYS`.
                _ => {}
            }
        }
    }

    fn limits(&mut self, node: &Node, limits: &mut Limits) {
        const FIELDS: &[&str] = &["series_per_metric", "series_per_service"];
        for (key, value) in self.mapping("limits", node, FIELDS) {
            let Some(series) = self.u64(&format!("limits.{key}"), value) else {
                continue;
            };
            if key == "series_per_metric" {
                limits.series_per_metric = series;
            } else {
                limits.series_per_service = series;
            }
        }
    }

    /// `rules:` mapped to the catalogue; an unknown code is a finding pointing at it.
    fn rules(&mut self, node: &Node) -> BTreeMap<Rule, Severity> {
        let mut severities = BTreeMap::new();
        for (key, value) in self.entries("rules", node) {
            let code = key.as_str().unwrap_or_default();
            let Some(severity) = self.severity(&format!("rules.{code}"), value) else {
                continue;
            };
            match Rule::from_code(code) {
                Some(rule) => {
                    severities.insert(rule, severity);
                }
                None => self.findings.push(
                    Finding::new(
                        Rule::ConfigInvalid,
                        self.span(key),
                        format!("`{code}` is not a rule"),
                    )
                    .label("unknown rule code")
                    .help("`cargo tallyho explain` lists the rules"),
                ),
            }
        }
        severities
    }

    /// `overrides:`, each with its series and the reason it needs.
    fn overrides(&mut self, node: &Node) -> BTreeMap<String, Override> {
        let mut overrides = BTreeMap::new();
        for (key, value) in self.entries("overrides", node) {
            let name = key.as_str().unwrap_or_default();
            let path = format!("overrides.{name}");
            let [series, reason] = self.fields(&path, key, value, &["series", "reason"], 2);
            let series = series.and_then(|n| self.u64(&format!("{path}.series"), n));
            let reason = reason.and_then(|n| self.string(&format!("{path}.reason"), n));
            let (Some(series), Some(reason)) = (series, reason) else {
                continue;
            };
            let span = self.span(key);
            if reason.trim().is_empty() {
                self.findings.push(
                    Finding::new(
                        Rule::ConfigInvalid,
                        span.clone(),
                        format!("the override for `{name}` has an empty reason"),
                    )
                    .label("reason: \"\"")
                    .help("say why this metric may export more series, and when it was reviewed"),
                );
            }
            let entry = Override {
                series,
                reason,
                span,
            };
            overrides.insert(name.to_owned(), entry);
        }
        overrides
    }

    /// `services:`, each naming a package or binary of the workspace.
    fn services(&mut self, node: &Node, crates: &[&str]) -> BTreeMap<String, ServiceConfig> {
        let mut services = BTreeMap::new();
        for (key, value) in self.entries("services", node) {
            let name = key.as_str().unwrap_or_default();
            let path = format!("services.{name}");
            let [krate] = self.fields(&path, key, value, &["crate"], 1);
            let Some(krate) = krate.and_then(|n| self.string(&format!("{path}.crate"), n)) else {
                continue;
            };
            let span = self.span(key);
            if !crates.contains(&krate.as_str()) {
                self.findings.push(
                    Finding::new(Rule::ConfigInvalid, span.clone(), format!("service `{name}` names `{krate}`, which is no package or binary of this workspace"))
                        .label("unknown crate")
                        .help(format!("use one of: {}", crates.join(", "))),
                );
            }
            services.insert(name.to_owned(), ServiceConfig { krate, span });
        }
        services
    }

    /// `objectives:`, each with a usable name, a target strictly between 0 and 1 and a
    /// positive threshold; whether the metric fits is checked where the rules are generated.
    fn objectives(&mut self, node: &Node) -> BTreeMap<String, ObjectiveConfig> {
        let mut objectives = BTreeMap::new();
        for (key, value) in self.entries("objectives", node) {
            let name = key.as_str().unwrap_or_default();
            let path = format!("objectives.{name}");
            let fields = &["metric", "target", "threshold"];
            let [metric, target, threshold] = self.fields(&path, key, value, fields, 2);
            let metric = metric.and_then(|n| self.string(&format!("{path}.metric"), n));
            let target = target.and_then(|n| self.f64(&format!("{path}.target"), n));
            let threshold = match threshold.filter(|n| !n.is_null()) {
                Some(n) => match self.f64(&format!("{path}.threshold"), n) {
                    Some(threshold) => Some(threshold),
                    None => continue,
                },
                None => None,
            };
            let (Some(metric), Some(target)) = (metric, target) else {
                continue;
            };
            let span = self.span(key);
            if let Some((label, help)) = objective_problem(name, target, threshold) {
                self.findings.push(
                    Finding::new(
                        Rule::ConfigInvalid,
                        span.clone(),
                        format!("objective `{name}`: {label}"),
                    )
                    .label(label)
                    .help(help),
                );
            }
            let objective = ObjectiveConfig {
                metric,
                target,
                threshold,
                span,
            };
            objectives.insert(name.to_owned(), objective);
        }
        objectives
    }

    /// `dependencies:`, the most a finding in each package may be.
    fn dependencies(&mut self, node: &Node) -> BTreeMap<String, Severity> {
        let mut caps = BTreeMap::new();
        for (key, value) in self.entries("dependencies", node) {
            let package = key.as_str().unwrap_or_default();
            if let Some(severity) = self.severity(&format!("dependencies.{package}"), value) {
                caps.insert(package.to_owned(), severity);
            }
        }
        caps
    }

    /// `requests:`, its `max_routes` between 1 and the runtime's bound (past it, the
    /// default).
    fn requests(&mut self, node: &Node, requests: &mut Requests) {
        let max = tallyho_spec::builtin::http::MAX_ROUTES;
        let Some((key, value)) = self.entries_of("requests", node, &["max_routes"]).next() else {
            return;
        };
        let Some(routes) = self.u64("requests.max_routes", value) else {
            return;
        };
        match usize::try_from(routes) {
            Ok(routes) if (1..=max).contains(&routes) => requests.max_routes = routes,
            _ => self.findings.push(
                Finding::new(
                    Rule::ConfigInvalid,
                    self.span(key),
                    format!("requests.max_routes is {routes}, outside 1..={max}"),
                )
                .label(format!("at most {max}: the runtime records no more routes"))
                .help(format!(
                    "give the number of distinct routes a service may record, the unmatched route included; the default, {DEFAULT_MAX_ROUTES}, applies until it is fixed"
                )),
            ),
        }
    }
}

/// Reading typed values, and the findings when a value has the wrong shape.
impl<'t> Reader<'t> {
    fn span(&self, node: &Node) -> Span {
        let end = node.span.end.min(self.text.len());
        Span {
            file: self.file,
            range: node.span.start.min(end)..end,
        }
    }

    /// `config.invalid` about the setting at `path`, pointing at `node`.
    fn invalid(&mut self, node: &Node, path: &str, problem: &str) {
        let detail = if path.is_empty() {
            problem.to_owned()
        } else {
            format!("{path}: {problem}")
        };
        self.findings.push(
            Finding::new(
                Rule::ConfigInvalid,
                self.span(node),
                format!("{CONFIG_FILE} is not valid: {detail}"),
            )
            .label(problem.to_owned())
            .help(HELP),
        );
    }

    /// `config.invalid` for text that is not YAML.
    fn invalid_yaml(&mut self, err: &tree::ParseError) {
        let at = err.at.min(self.text.len());
        let end = self.text[at..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8());
        self.findings.push(
            Finding::new(
                Rule::ConfigInvalid,
                Span {
                    file: self.file,
                    range: at..end,
                },
                format!("{CONFIG_FILE} is not valid YAML: {}", err.message),
            )
            .label(err.message.clone())
            .help("fix the YAML; the defaults apply until it is fixed"),
        );
    }

    fn wrong_type(&mut self, path: &str, node: &Node, expected: &str) {
        let found = node.describe();
        self.invalid(
            node,
            path,
            &format!("invalid type: {found}, expected {expected}"),
        );
    }

    /// A mapping's entries (none for null); a finding if it is something else.
    fn entries<'n>(&mut self, path: &str, node: &'n Node) -> &'n [(Node, Node)] {
        if node.is_null() {
            return &[];
        }
        match node.as_map() {
            Some(entries) => entries,
            None => {
                self.wrong_type(path, node, "a mapping");
                &[]
            }
        }
    }

    /// The entries of a mapping whose keys must be among `known`: a finding for each other
    /// key.
    fn entries_of<'n>(
        &mut self,
        path: &str,
        node: &'n Node,
        known: &'static [&'static str],
    ) -> impl Iterator<Item = (&'n Node, &'n Node)> {
        let mut kept = Vec::new();
        for (key, value) in self.entries(path, node) {
            let name = key.as_str().unwrap_or_default();
            if known.contains(&name) {
                kept.push((key, value));
            } else {
                let problem = format!("unknown field `{name}`, expected {}", one_of(known));
                self.invalid(key, path, &problem);
            }
        }
        kept.into_iter()
    }

    /// Like [`Self::entries_of`], by key name.
    fn mapping<'n>(
        &mut self,
        path: &str,
        node: &'n Node,
        known: &'static [&'static str],
    ) -> Vec<(&'static str, &'n Node)> {
        self.entries_of(path, node, known)
            .filter_map(|(key, value)| {
                let name = key.as_str()?;
                known.iter().find(|k| **k == name).map(|k| (*k, value))
            })
            .collect()
    }

    /// The values of the fields `names` of the mapping `node` (the value of the entry
    /// `key`), in order; a finding for each unknown field, and for each of the first
    /// `required` that is missing.
    fn fields<'n, const N: usize>(
        &mut self,
        path: &str,
        key: &Node,
        node: &'n Node,
        names: &'static [&'static str; N],
        required: usize,
    ) -> [Option<&'n Node>; N] {
        let mut found = [None; N];
        for (name, value) in self.mapping(path, node, names) {
            if let Some(i) = names.iter().position(|n| *n == name) {
                found[i] = Some(value);
            }
        }
        if node.is_null() || node.as_map().is_some() {
            for (name, value) in names.iter().zip(found).take(required) {
                if value.is_none() {
                    self.invalid(key, path, &format!("missing field `{name}`"));
                }
            }
        }
        found
    }

    fn string(&mut self, path: &str, node: &Node) -> Option<String> {
        let text = node.as_str().map(str::to_owned);
        if text.is_none() {
            self.wrong_type(path, node, "a string");
        }
        text
    }

    fn u64(&mut self, path: &str, node: &Node) -> Option<u64> {
        let number = node.as_u64();
        if number.is_none() {
            self.wrong_type(path, node, "a whole number");
        }
        number
    }

    fn f64(&mut self, path: &str, node: &Node) -> Option<f64> {
        let number = node.as_f64();
        if number.is_none() {
            self.wrong_type(path, node, "a number");
        }
        number
    }

    fn bool(&mut self, path: &str, node: &Node) -> Option<bool> {
        let value = node.as_bool();
        if value.is_none() {
            self.wrong_type(path, node, "`true` or `false`");
        }
        value
    }

    fn severity(&mut self, path: &str, node: &Node) -> Option<Severity> {
        let severity = node.as_str().and_then(Severity::from_word);
        if severity.is_none() {
            self.wrong_type(
                path,
                node,
                "`error`, `warning` (or `warn`) or `off` (or `allow`)",
            );
        }
        severity
    }
}

/// The help on every `config.invalid` about a setting.
const HELP: &str = "the keys are limits, rules, overrides, services, objectives, dependencies, requests and process (the README's Check section lists them); this setting keeps its default until it is fixed";

/// "`a` or `b`", "one of `a`, `b`, `c`".
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        _ => format!("one of {}", quoted.join(", ")),
    }
}

/// What is wrong with an objective, and how to fix it.
fn objective_problem(
    name: &str,
    target: f64,
    threshold: Option<f64>,
) -> Option<(&'static str, &'static str)> {
    let name_ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !name_ok {
        return Some((
            "the name is not lowercase letters, digits, `-` and `_`",
            "the name becomes an alert name and a label value: e.g. `checkout-latency`",
        ));
    }
    if !(target > 0.0 && target < 1.0) {
        return Some((
            "the target is not between 0 and 1",
            "give the share of good events, e.g. `target: 0.99` for 99%",
        ));
    }
    if threshold.is_some_and(|t| !(t.is_finite() && t > 0.0)) {
        return Some((
            "the threshold is not a positive number",
            "give a bucket bound of the histogram, in its unit, e.g. `threshold: 0.25`",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Config, Vec<Finding>) {
        Config::parse(text, FileId(0), &["shop-server"])
    }

    #[test]
    fn reads_every_section() {
        let (config, findings) = parse(
            "limits: { series_per_metric: 500 }\nrules: { name.non_base_unit: error, name.type_in_name: off }\n\
             overrides:\n  orders_by_customer: { series: 5000, reason: \"capped\" }\nservices:\n  shop: { crate: shop-server }\n",
        );
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(config.limits.series_per_metric, 500);
        assert_eq!(config.limits.series_per_service, 10_000);
        assert_eq!(config.severity(Rule::NameTypeInName), Severity::Off);
        assert_eq!(config.overrides["orders_by_customer"].series, 5000);
        assert_eq!(config.services["shop"].krate, "shop-server");
    }

    #[test]
    fn reads_objectives_and_points_at_bad_ones() {
        let text = "objectives:\n  checkout-latency: { metric: checkout_duration_seconds, threshold: 1, target: 0.99 }\n  \
                    payments: { metric: checkout_payments, target: 0.995 }\n  Bad: { metric: x, target: 1.5 }\n";
        let (config, findings) = parse(text);
        let latency = &config.objectives["checkout-latency"];
        assert_eq!(latency.metric, "checkout_duration_seconds");
        assert_eq!((latency.target, latency.threshold), (0.99, Some(1.0)));
        assert_eq!(config.objectives["payments"].threshold, None);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(&text[findings[0].span.range.clone()], "Bad");
        let (_, findings) =
            parse("objectives: { slow: { metric: x, target: 0.9, treshold: 1 } }\n");
        assert!(
            findings[0].message.contains("unknown field `treshold`"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_point_into_the_file() {
        let text = "limits:\n  series_per_metrik: 5\n";
        let (_, findings) = parse(text);
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0]
                .message
                .contains("unknown field `series_per_metrik`"),
            "{}",
            findings[0].message
        );
        assert_eq!(
            &text[findings[0].span.range.start..][..17],
            "series_per_metrik"
        );

        let (_, findings) =
            parse("rules: { name.nope: error }\noverrides: { x: { series: 1, reason: \" \" } }\n");
        let messages: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`name.nope` is not a rule",
                "the override for `x` has an empty reason"
            ]
        );

        let (_, findings) = parse("limits: [1, 2");
        assert_eq!(findings[0].code, Rule::ConfigInvalid);
    }
}
