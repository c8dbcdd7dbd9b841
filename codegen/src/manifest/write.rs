//! A [`Manifest`] as a document tree, in the field order and with the omissions of the
//! committed format: optional fields only when set, `false` flags and empty lists left out,
//! so a manifest from before a field existed writes back unchanged.

use tallyho_analyzer::tree::Node;
use tallyho_analyzer::RouteSet;

use super::{Label, Limits, Manifest, Metric, Objective, Service};

/// The fields of one mapping, in order.
type Fields = Vec<(&'static str, Node)>;

/// The whole manifest.
pub(super) fn manifest(manifest: &Manifest) -> Node {
    let mut fields: Fields = vec![
        ("schema", Node::literal(manifest.schema)),
        ("limits", limits(&manifest.limits)),
        ("metrics", list(&manifest.metrics, metric)),
        ("services", list(&manifest.services, service)),
    ];
    if !manifest.objectives.is_empty() {
        fields.push(("objectives", list(&manifest.objectives, objective)));
    }
    Node::map(fields)
}

fn limits(limits: &Limits) -> Node {
    Node::map([
        ("series_per_metric", Node::literal(limits.series_per_metric)),
        (
            "series_per_service",
            Node::literal(limits.series_per_service),
        ),
    ])
}

fn metric(metric: &Metric) -> Node {
    let mut fields: Fields = vec![
        ("name", Node::string(&metric.name)),
        ("kind", word(metric.kind.as_str())),
        ("value_type", word(metric.value_type.as_str())),
        ("help", Node::string(&metric.help)),
    ];
    fields.extend(metric.unit.map(|unit| ("unit", word(unit.as_str()))));
    fields.push(("package", Node::string(&metric.package)));
    fields.extend(
        metric
            .version
            .as_ref()
            .map(|v| ("version", Node::string(v))),
    );
    fields.extend([
        ("crate", Node::string(&metric.crate_name)),
        ("module", Node::string(&metric.module)),
        ("static", Node::string(&metric.ident)),
        ("file", Node::string(&metric.file)),
        ("line", Node::literal(metric.line)),
    ]);
    fields.extend(
        metric
            .label_type
            .as_ref()
            .map(|t| ("label_type", Node::string(t))),
    );
    if !metric.labels.is_empty() {
        fields.push(("labels", list(&metric.labels, label)));
    }
    fields.extend(metric.buckets.as_ref().map(|b| ("buckets", floats(b))));
    fields.extend([
        ("series", Node::literal(metric.series)),
        ("limit", Node::literal(metric.limit)),
    ]);
    if metric.builtin {
        fields.push(("builtin", Node::literal(true)));
    }
    fields.extend(
        metric
            .service
            .as_ref()
            .map(|s| ("service", Node::string(s))),
    );
    Node::map(fields)
}

fn label(label: &Label) -> Node {
    let mut fields: Fields = vec![
        ("key", Node::string(&label.key)),
        ("type", Node::string(&label.type_name)),
    ];
    fields.extend(label.values.as_ref().map(|v| ("values", strings(v))));
    if label.optional {
        fields.push(("optional", Node::literal(true)));
    }
    fields.extend(label.max_values.map(|m| ("max_values", Node::literal(m))));
    Node::map(fields)
}

fn service(service: &Service) -> Node {
    let mut fields: Fields = vec![
        ("name", Node::string(&service.name)),
        ("package", Node::string(&service.package)),
        ("binary", Node::string(&service.binary)),
        ("packages", strings(&service.packages)),
        ("metrics", strings(&service.metrics)),
        ("series", Node::literal(service.series)),
    ];
    fields.extend(service.requests.as_ref().map(|r| ("requests", routes(r))));
    if service.process_metrics {
        fields.push(("process_metrics", Node::literal(true)));
    }
    Node::map(fields)
}

fn routes(set: &RouteSet) -> Node {
    let mut fields: Fields = vec![("routes", strings(&set.routes))];
    if !set.methods.is_empty() {
        fields.push(("methods", strings(&set.methods)));
    }
    fields.push(("max_routes", Node::literal(set.max_routes)));
    if set.unreadable {
        fields.push(("unreadable", Node::literal(true)));
    }
    Node::map(fields)
}

fn objective(objective: &Objective) -> Node {
    let mut fields: Fields = vec![
        ("name", Node::string(&objective.name)),
        ("metric", Node::string(&objective.metric)),
        ("target", Node::float(objective.target)),
    ];
    fields.extend(objective.threshold.map(|t| ("threshold", Node::float(t))));
    Node::map(fields)
}

/// A kind, value type or unit: a fixed lowercase word, written bare (`f64`, not `'f64'`).
fn word(spelling: &str) -> Node {
    Node::literal(spelling)
}

fn list<T>(items: &[T], node: fn(&T) -> Node) -> Node {
    Node::seq(items.iter().map(node).collect())
}

fn strings(items: &[String]) -> Node {
    list(items, |s| Node::string(s))
}

fn floats(items: &[f64]) -> Node {
    Node::seq(items.iter().copied().map(Node::float).collect())
}
