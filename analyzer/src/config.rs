//! `tallyho.yaml` at the workspace root: limits, per-rule severities, per-metric overrides,
//! services and objectives. Every mistake in it is a finding pointing into the file; a missing file
//! means the defaults.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::catalogue::Rule;
use crate::config_input::{self, Keys};
use crate::finding::Finding;
use crate::severity::Severity;
use crate::source::{FileId, Span};

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
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
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
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    rules: BTreeMap<String, Severity>,
    #[serde(default)]
    overrides: BTreeMap<String, OverrideFile>,
    #[serde(default)]
    services: BTreeMap<String, ServiceFile>,
    #[serde(default)]
    objectives: BTreeMap<String, ObjectiveFile>,
    #[serde(default)]
    dependencies: BTreeMap<String, Severity>,
    #[serde(default)]
    requests: Requests,
    #[serde(default = "enabled")]
    process: bool,
}

fn enabled() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectiveFile {
    metric: String,
    target: f64,
    #[serde(default)]
    threshold: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideFile {
    series: u64,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    #[serde(rename = "crate")]
    krate: String,
}

impl Config {
    /// Parses a configuration file's text; `file` is its id in the source map.
    pub(crate) fn parse(text: &str, file: FileId, crates: &[&str]) -> (Config, Vec<Finding>) {
        let mut config = Config {
            file: Some(file),
            ..Config::default()
        };
        let mut findings = Vec::new();
        if text.trim().is_empty() {
            return (config, findings);
        }
        let spans = Spans {
            text,
            file,
            keys: Keys::index(text),
        };
        if let Some(finding) = spans.hostile() {
            return (config, vec![finding]);
        }
        let parsed: ConfigFile = match serde_yaml::from_str(text) {
            Ok(parsed) => parsed,
            Err(err) => return (config, vec![spans.invalid_yaml(&err)]),
        };
        config.limits = parsed.limits;
        config.severities = severities(parsed.rules, &spans, &mut findings);
        config.overrides = overrides(parsed.overrides, &spans, &mut findings);
        config.services = services(parsed.services, crates, &spans, &mut findings);
        config.objectives = objectives(parsed.objectives, &spans, &mut findings);
        config.dependencies = parsed.dependencies;
        config.requests = requests(parsed.requests, &spans, &mut findings);
        config.process = parsed.process;
        (config, findings)
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

/// Spans into the configuration file, for findings about it.
struct Spans<'t> {
    text: &'t str,
    file: FileId,
    /// Where each key is first written.
    keys: Keys,
}

impl Spans<'_> {
    /// `len` bytes at `offset`, clamped to the file.
    fn at(&self, offset: usize, len: usize) -> Span {
        let end = (offset + len).min(self.text.len()).max(offset);
        Span {
            file: self.file,
            range: offset..end,
        }
    }

    /// Where `key` is written as a mapping key (the file's start if it cannot be found).
    fn key(&self, key: &str) -> Span {
        self.at(self.keys.get(key).unwrap_or(0), key.len())
    }

    /// `config.invalid` for an anchor or alias, or YAML that expands far past its size.
    fn hostile(&self) -> Option<Finding> {
        if let Some(range) = config_input::anchor_or_alias(self.text) {
            let written = &self.text[range.clone()];
            let what = if written.starts_with('&') {
                "an anchor"
            } else {
                "an alias"
            };
            return Some(
                Finding::new(Rule::ConfigInvalid, self.at(range.start, range.len()), format!("{CONFIG_FILE} uses {what}, `{written}`"))
                    .label(what)
                    .help("write the value out where it is used: anchors and aliases are refused, as they can expand a small file into gigabytes; the defaults apply until it is fixed"),
            );
        }
        let budget = 4 * self.text.len() + 1024;
        config_input::expands_past(self.text, budget).then(|| {
            Finding::new(Rule::ConfigInvalid, self.at(0, 0), format!("{CONFIG_FILE} expands to more than {budget} bytes"))
                .label("expands too far")
                .help("write the file without anchors, aliases or merge keys; the defaults apply until it is fixed")
        })
    }

    /// `config.invalid` for YAML that does not parse into the schema.
    fn invalid_yaml(&self, err: &serde_yaml::Error) -> Finding {
        let offset = err.location().map_or(0, |l| l.index());
        let message = err.to_string();
        let short = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        Finding::new(Rule::ConfigInvalid, self.at(offset, 1), format!("{CONFIG_FILE} is not valid: {short}"))
            .label(short)
            .help("the keys are limits, rules, overrides, services, objectives, dependencies, requests and process (the README's Check section lists them); the defaults apply until it is fixed")
    }
}

/// `rules:` mapped to the catalogue; an unknown code is a finding pointing at it.
fn severities(
    rules: BTreeMap<String, Severity>,
    spans: &Spans<'_>,
    findings: &mut Vec<Finding>,
) -> BTreeMap<Rule, Severity> {
    let mut severities = BTreeMap::new();
    for (code, severity) in rules {
        match Rule::from_code(&code) {
            Some(rule) => {
                severities.insert(rule, severity);
            }
            None => findings.push(
                Finding::new(
                    Rule::ConfigInvalid,
                    spans.key(&code),
                    format!("`{code}` is not a rule"),
                )
                .label("unknown rule code")
                .help("`cargo tallyho explain` lists the rules"),
            ),
        }
    }
    severities
}

/// `overrides:`, each with the reason it needs.
fn overrides(
    entries: BTreeMap<String, OverrideFile>,
    spans: &Spans<'_>,
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, Override> {
    let mut overrides = BTreeMap::new();
    for (name, entry) in entries {
        let span = spans.key(&name);
        if entry.reason.trim().is_empty() {
            findings.push(
                Finding::new(
                    Rule::ConfigInvalid,
                    span.clone(),
                    format!("the override for `{name}` has an empty reason"),
                )
                .label("reason: \"\"")
                .help("say why this metric may export more series, and when it was reviewed"),
            );
        }
        let (series, reason) = (entry.series, entry.reason);
        overrides.insert(
            name,
            Override {
                series,
                reason,
                span,
            },
        );
    }
    overrides
}

/// `requests:`, its `max_routes` between 1 and the runtime's bound (past it, the default).
fn requests(requests: Requests, spans: &Spans<'_>, findings: &mut Vec<Finding>) -> Requests {
    let max = tallyho_spec::builtin::http::MAX_ROUTES;
    if (1..=max).contains(&requests.max_routes) {
        return requests;
    }
    findings.push(
        Finding::new(
            Rule::ConfigInvalid,
            spans.key("max_routes"),
            format!(
                "requests.max_routes is {}, outside 1..={max}",
                requests.max_routes
            ),
        )
        .label(format!("at most {max}: the runtime records no more routes"))
        .help(format!(
            "give the number of distinct routes a service may record, the unmatched route included; the default, {DEFAULT_MAX_ROUTES}, applies until it is fixed"
        )),
    );
    Requests::default()
}

/// `services:`, each naming a package or binary of the workspace.
fn services(
    entries: BTreeMap<String, ServiceFile>,
    crates: &[&str],
    spans: &Spans<'_>,
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, ServiceConfig> {
    let mut services = BTreeMap::new();
    for (name, service) in entries {
        let span = spans.key(&name);
        if !crates.contains(&service.krate.as_str()) {
            findings.push(
                Finding::new(Rule::ConfigInvalid, span.clone(), format!("service `{name}` names `{}`, which is no package or binary of this workspace", service.krate))
                    .label("unknown crate")
                    .help(format!("use one of: {}", crates.join(", "))),
            );
        }
        let krate = service.krate;
        services.insert(name, ServiceConfig { krate, span });
    }
    services
}

/// `objectives:`, each with a usable name, a target strictly between 0 and 1 and a positive
/// threshold; whether the metric fits is checked where the rules are generated.
fn objectives(
    entries: BTreeMap<String, ObjectiveFile>,
    spans: &Spans<'_>,
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, ObjectiveConfig> {
    let mut objectives = BTreeMap::new();
    for (name, entry) in entries {
        let span = spans.key(&name);
        if let Some((label, help)) = objective_problem(&name, &entry) {
            findings.push(
                Finding::new(
                    Rule::ConfigInvalid,
                    span.clone(),
                    format!("objective `{name}`: {label}"),
                )
                .label(label)
                .help(help),
            );
        }
        let ObjectiveFile {
            metric,
            target,
            threshold,
        } = entry;
        objectives.insert(
            name,
            ObjectiveConfig {
                metric,
                target,
                threshold,
                span,
            },
        );
    }
    objectives
}

/// What is wrong with an objective, and how to fix it.
fn objective_problem(name: &str, entry: &ObjectiveFile) -> Option<(&'static str, &'static str)> {
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
    if !(entry.target > 0.0 && entry.target < 1.0) {
        return Some((
            "the target is not between 0 and 1",
            "give the share of good events, e.g. `target: 0.99` for 99%",
        ));
    }
    if entry.threshold.is_some_and(|t| !(t.is_finite() && t > 0.0)) {
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
