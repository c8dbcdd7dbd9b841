//! Cardinality rules: series per metric against its limit, series per service against the
//! budget, each finding showing the arithmetic; and the overrides in `tallyho.yaml` checked
//! against the metrics they are for (none, or far more series than it exports).

use std::collections::BTreeMap;

use crate::catalogue::Rule;
use crate::config::Config;
use crate::finding::Finding;
use crate::model::{Declaration, MetricKind, DEFAULT_BUCKETS};
use crate::routes::ReadRouter;
use crate::rules::builtin::{self, Builtin, RouteSet};
use crate::source::Span;
use crate::workspace::Workspace;

/// A service and what it exports: the result of the per-service budget check, and its entry
/// in the manifest (which `tallyho-codegen` reads and writes by hand, field by field).
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The service name (`tallyho.yaml`, else the binary's name).
    pub name: String,
    /// The package building it.
    pub package: String,
    /// The binary target.
    pub binary: String,
    /// The workspace packages it links, itself included.
    pub packages: Vec<String>,
    /// Names of the metrics it links, sorted.
    pub metrics: Vec<String>,
    /// Their series, summed (unknown cardinalities count as zero), built-in metrics too.
    pub series: u64,
    /// The routes its request metrics are declared with, when it records them.
    pub requests: Option<RouteSet>,
    /// Whether it registers the process metrics.
    pub process_metrics: bool,
}

/// What the cardinality rules found, and what they totalled.
pub(crate) struct Cardinality {
    pub(crate) findings: Vec<Finding>,
    pub(crate) services: Vec<Service>,
    /// The built-in metrics of every service: the request metrics once per service, the
    /// others once.
    pub(crate) builtins: Vec<Builtin>,
}

pub(crate) fn check_cardinality(
    declarations: &[Declaration],
    config: &Config,
    workspace: &Workspace,
    routers: &[ReadRouter],
) -> Cardinality {
    let mut findings = Vec::new();
    for declaration in declarations {
        let Some(series) = declaration.series() else {
            continue;
        };
        let overridden = config.overrides.get(&declaration.name).map(|o| o.series);
        let limit = overridden.unwrap_or(config.limits.series_per_metric);
        if series > limit {
            findings.push(metric_finding(
                declaration,
                series,
                limit,
                overridden.is_some(),
            ));
        }
    }
    let (services, builtins) = services(declarations, config, workspace, routers);
    findings.extend(override_findings(declarations, &builtins, config));
    findings.extend(builtins.iter().filter_map(|b| builtin_finding(b, config)));
    for service in &services {
        if service.series > config.limits.series_per_service {
            findings.extend(service_finding(service, declarations, &builtins, config));
        }
    }
    Cardinality {
        findings,
        services,
        builtins,
    }
}

/// A built-in metric over its limit, pointing at the router whose routes it counts.
fn builtin_finding(builtin: &Builtin, config: &Config) -> Option<Finding> {
    let name = builtin.metric.name;
    let overridden = config.overrides.get(name).map(|o| o.series);
    let limit = builtin.limit(config);
    if builtin.series <= limit {
        return None;
    }
    let sizes: Vec<String> = builtin
        .labels
        .iter()
        .map(|l| format!("{} {}", l.size(), l.key))
        .collect();
    let mut arithmetic = sizes.join(" x ");
    if let Some(buckets) = builtin.metric.buckets {
        arithmetic = format!("({arithmetic}) x ({} buckets + 3)", buckets.len());
    }
    let service = builtin.service.as_deref().unwrap_or_default();
    let source = if overridden.is_some() {
        "its override in tallyho.yaml"
    } else {
        "limits.series_per_service"
    };
    let finding = Finding::new(
        Rule::CardinalityMetric,
        builtin.span.clone()?,
        format!(
            "built-in metric `{name}` of service `{service}` exports {} series, over the limit of {limit} ({source}): {arithmetic} = {}",
            builtin.series, builtin.series
        ),
    )
    .label(format!("these routes: {} series", builtin.series))
    .help(format!(
        "fewer routes, or fewer methods per route, narrow it; if {} series are intended, add `{name}: {{ series: {}, reason: \"...\" }}` under overrides in tallyho.yaml",
        builtin.series, builtin.series
    ));
    Some(finding)
}

/// Overrides for no declared metric, and overrides far above what their metric exports.
fn override_findings(
    declarations: &[Declaration],
    builtins: &[Builtin],
    config: &Config,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (name, entry) in &config.overrides {
        if builtins.iter().any(|b| b.metric.name == name) {
            continue;
        }
        let Some(declaration) = declarations.iter().find(|d| &d.name == name) else {
            findings.push(
                Finding::new(
                    Rule::ConfigUnusedOverride,
                    entry.span.clone(),
                    format!("override for `{name}`, which no declaration has"),
                )
                .label("no such metric")
                .help("remove it, or rename it after the metric it was for"),
            );
            continue;
        };
        let Some(series) = declaration.series() else {
            continue;
        };
        if entry.series > series.saturating_mul(OVERRIDE_SLACK) {
            findings.push(too_large(
                declaration,
                series,
                entry.series,
                entry.span.clone(),
                config,
            ));
        }
    }
    findings
}

/// How many times its metric's series an override may allow before it is reported.
const OVERRIDE_SLACK: u64 = 10;

fn too_large(
    declaration: &Declaration,
    series: u64,
    allowed: u64,
    span: Span,
    config: &Config,
) -> Finding {
    let name = &declaration.name;
    let fix = if series <= config.limits.series_per_metric {
        format!(
            "remove it: the default limit (limits.series_per_metric, {}) already covers its {series}",
            config.limits.series_per_metric
        )
    } else {
        format!("lower it from {allowed} to {series}, so that growth past today's size is reported")
    };
    Finding::new(
        Rule::ConfigOverrideTooLarge,
        span,
        format!(
            "override for `{name}` allows {allowed} series, more than {OVERRIDE_SLACK} times the {series} it exports"
        ),
    )
    .label(format!("allows {allowed} series"))
    .related(declaration.name_span.clone(), format!("{series} series"))
    .help(fix)
}

/// The most metrics a service finding labels; the rest are counted in its help.
const LABELLED_CONTRIBUTORS: usize = 8;

/// A service over its budget: the largest metric as the primary span, the next ones as short
/// labels on their names.
fn service_finding(
    service: &Service,
    declarations: &[Declaration],
    builtins: &[Builtin],
    config: &Config,
) -> Option<Finding> {
    let declared = declarations
        .iter()
        .filter(|d| service.metrics.contains(&d.name))
        .filter_map(|d| Some((d.name.as_str(), d.name_span.clone(), d.series()?)));
    let built_in = builtins
        .iter()
        .filter(|b| b.service.as_deref() == Some(service.name.as_str()))
        .filter_map(|b| Some((b.metric.name, b.span.clone()?, b.series)));
    let mut contributors: Vec<(&str, Span, u64)> = declared
        .chain(built_in)
        .filter(|(_, _, s)| *s > 0)
        .collect();
    contributors.sort_by_key(|(name, _, series)| (std::cmp::Reverse(*series), *name));
    let (_, largest_span, largest_series) = contributors.first()?.clone();
    let budget = config.limits.series_per_service;
    let mut finding = Finding::new(
        Rule::CardinalityService,
        largest_span,
        format!(
            "service `{}` exports {} series from {} metrics, over the budget of {budget} (limits.series_per_service)",
            service.name,
            service.series,
            service.metrics.len(),
        ),
    )
    .label(format!("the largest: {largest_series} series"));
    for (_, span, series) in contributors.iter().skip(1).take(LABELLED_CONTRIBUTORS - 1) {
        finding = finding.related(span.clone(), format!("{series} series"));
    }
    let rest = &contributors[contributors.len().min(LABELLED_CONTRIBUTORS)..];
    let mut help = format!(
        "shrink the largest metrics' label domains, or raise limits.series_per_service from {budget} to {} in tallyho.yaml",
        service.series
    );
    if !rest.is_empty() {
        let series: u64 = rest.iter().map(|(_, _, s)| s).sum();
        help.push_str(&format!(
            " ({} smaller metrics, {series} series, not shown)",
            rest.len()
        ));
    }
    Some(finding.help(help))
}

fn metric_finding(declaration: &Declaration, series: u64, limit: u64, overridden: bool) -> Finding {
    let source = if overridden {
        "its override in tallyho.yaml"
    } else {
        "limits.series_per_metric"
    };
    let fields = declaration
        .labels
        .as_ref()
        .and_then(|l| l.resolved.as_ref())
        .map_or(&[][..], |s| &s.fields[..]);
    let sizes: Vec<u64> = fields
        .iter()
        .map(|f| f.domain.size().unwrap_or(0))
        .collect();
    let combinations = sizes.iter().product::<u64>();
    let mut arithmetic = if sizes.len() <= 1 {
        combinations.to_string()
    } else {
        format!(
            "{} = {combinations}",
            sizes
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" x ")
        )
    };
    if declaration.kind == MetricKind::Histogram {
        let buckets = declaration
            .buckets
            .as_deref()
            .unwrap_or(DEFAULT_BUCKETS)
            .len();
        arithmetic = format!("({arithmetic}) x ({buckets} buckets + 3) = {series}");
    }
    let mut finding = Finding::new(
        Rule::CardinalityMetric,
        declaration.name_span.clone(),
        format!("metric `{}` exports {series} series, over the limit of {limit} ({source}): {arithmetic}", declaration.name),
    )
    .label(format!("{series} series"));
    if let Some((field, size)) = fields.iter().zip(&sizes).max_by_key(|(_, size)| **size) {
        let note = match &field.domain {
            crate::model::Domain::Bounded { max_values, .. } => format!(
                "widest label: `{}`, {size} values ({max_values} + __overflow__)",
                field.key
            ),
            _ => format!("widest label: `{}`, {size} values", field.key),
        };
        finding = finding.related(field.type_span.clone(), note);
    }
    let intended = if overridden {
        format!("raise its override from {limit} to {series} in tallyho.yaml")
    } else {
        format!(
            "add `{}: {{ series: {series}, reason: \"...\" }}` under overrides in tallyho.yaml",
            declaration.name
        )
    };
    finding.help(format!(
        "narrow the widest label (a lower max_values, a coarser enum) or drop a label; if {series} series are intended, {intended}"
    ))
}

/// Services: those named in `tallyho.yaml`, else every binary target, each with the metrics
/// of its own binary crate and of every library it links from the workspace, and its
/// built-in metrics.
fn services(
    declarations: &[Declaration],
    config: &Config,
    workspace: &Workspace,
    routers: &[ReadRouter],
) -> (Vec<Service>, Vec<Builtin>) {
    let mut wanted: BTreeMap<String, (String, String)> = BTreeMap::new(); // name -> (package, bin)
    if config.services.is_empty() {
        for package in &workspace.packages {
            for bin in &package.bins {
                wanted.insert(bin.name.clone(), (package.name.clone(), bin.name.clone()));
            }
        }
    } else {
        for (name, service) in &config.services {
            let found = workspace.packages.iter().find_map(|p| {
                let bin = p
                    .bins
                    .iter()
                    .find(|b| b.name == service.krate || p.name == service.krate)?;
                Some((p.name.clone(), bin.name.clone()))
            });
            if let Some(found) = found {
                wanted.insert(name.clone(), found);
            }
        }
    }
    let mut all_builtins: Vec<Builtin> = Vec::new();
    let services = wanted
        .into_iter()
        .map(|(name, (package, binary))| {
            let packages = workspace.linked_packages(&package);
            let linked = workspace.linked_declarations(declarations, &package, &[binary.as_str()]);
            let requests = workspace
                .request_metrics()
                .then(|| builtin::route_set(routers, workspace, &package, &binary, config));
            let builtins = builtin::builtins(
                &name,
                requests.as_ref().map(|(set, span)| (set, span.clone())),
                config.process,
            );
            let mut metrics: Vec<String> = linked.iter().map(|d| d.name.clone()).collect();
            metrics.extend(builtins.iter().map(|b| b.metric.name.to_owned()));
            metrics.sort();
            metrics.dedup();
            let series = linked
                .iter()
                .map(|d| d.series().unwrap_or(0))
                .chain(builtins.iter().map(|b| b.series))
                .fold(0, u64::saturating_add);
            for b in builtins {
                let known = all_builtins.iter().any(|o| o.metric.name == b.metric.name);
                if b.service.is_some() || !known {
                    all_builtins.push(b);
                }
            }
            Service {
                name,
                package,
                binary,
                packages: packages.into_iter().collect(),
                metrics,
                series,
                requests: requests.map(|(set, _)| set),
                process_metrics: config.process,
            }
        })
        .collect();
    (services, all_builtins)
}
