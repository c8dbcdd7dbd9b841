//! A [`Manifest`] from a document tree: the committed format's fields, by name, with unknown
//! fields refused, left-out optional fields defaulted, and every error naming its field.

use tallyho_analyzer::tree::Node;
use tallyho_analyzer::RouteSet;
use tallyho_spec::{Kind, Unit, ValueType};

use super::fields::{
    boolean, float, floats, integer, invalid, seq, string, strings, word, Fields, Read,
};
use super::{Label, Limits, Manifest, Metric, Objective, Service, SCHEMA_VERSION};

/// The whole manifest; its schema is checked first, so a manifest from another version of
/// tallyho says so instead of naming a field this one does not know.
pub(super) fn manifest(node: &Node) -> Read<Manifest> {
    let known = ["schema", "limits", "metrics", "services", "objectives"];
    if let Some(schema) = node.get("schema") {
        schema_version(schema, "schema")?;
    }
    let fields = Fields::new(node, "", &known)?;
    Ok(Manifest {
        schema: fields.required("schema", schema_version)?,
        limits: fields.required("limits", limits)?,
        metrics: fields.required("metrics", |n, p| seq(n, p, metric))?,
        services: fields.required("services", |n, p| seq(n, p, service))?,
        objectives: fields.or_default("objectives", |n, p| seq(n, p, objective))?,
    })
}

fn schema_version(node: &Node, path: &str) -> Read<u32> {
    let schema: u32 = integer(node, path)?;
    if schema != SCHEMA_VERSION {
        return Err(invalid(
            node,
            path,
            format!("manifest schema {schema} is not supported (this tallyho reads schema {SCHEMA_VERSION})"),
        ));
    }
    Ok(schema)
}

fn limits(node: &Node, path: &str) -> Read<Limits> {
    let fields = Fields::new(node, path, &["series_per_metric", "series_per_service"])?;
    Ok(Limits {
        series_per_metric: fields.required("series_per_metric", integer)?,
        series_per_service: fields.required("series_per_service", integer)?,
    })
}

const METRIC_FIELDS: &[&str] = &[
    "name",
    "kind",
    "value_type",
    "help",
    "unit",
    "package",
    "version",
    "crate",
    "module",
    "static",
    "file",
    "line",
    "label_type",
    "labels",
    "buckets",
    "series",
    "limit",
    "builtin",
    "service",
];

fn metric(node: &Node, path: &str) -> Read<Metric> {
    let fields = Fields::new(node, path, METRIC_FIELDS)?;
    Ok(Metric {
        name: fields.required("name", string)?,
        kind: fields.required("kind", kind)?,
        value_type: fields.required("value_type", value_type)?,
        help: fields.required("help", string)?,
        unit: fields.optional("unit", unit)?,
        package: fields.required("package", string)?,
        version: fields.optional("version", string)?,
        crate_name: fields.required("crate", string)?,
        module: fields.required("module", string)?,
        ident: fields.required("static", string)?,
        file: fields.required("file", string)?,
        line: fields.required("line", integer)?,
        label_type: fields.optional("label_type", string)?,
        labels: fields.or_default("labels", |n, p| seq(n, p, label))?,
        buckets: fields.optional("buckets", floats)?,
        series: fields.required("series", integer)?,
        limit: fields.required("limit", integer)?,
        builtin: fields.or_default("builtin", boolean)?,
        service: fields.optional("service", string)?,
    })
}

fn label(node: &Node, path: &str) -> Read<Label> {
    let known = ["key", "type", "values", "optional", "max_values"];
    let fields = Fields::new(node, path, &known)?;
    Ok(Label {
        key: fields.required("key", string)?,
        type_name: fields.required("type", string)?,
        values: fields.optional("values", strings)?,
        optional: fields.or_default("optional", boolean)?,
        max_values: fields.optional("max_values", integer)?,
    })
}

fn service(node: &Node, path: &str) -> Read<Service> {
    let known = [
        "name",
        "package",
        "binary",
        "packages",
        "metrics",
        "series",
        "requests",
        "process_metrics",
    ];
    let fields = Fields::new(node, path, &known)?;
    Ok(Service {
        name: fields.required("name", string)?,
        package: fields.required("package", string)?,
        binary: fields.required("binary", string)?,
        packages: fields.required("packages", strings)?,
        metrics: fields.required("metrics", strings)?,
        series: fields.required("series", integer)?,
        requests: fields.optional("requests", route_set)?,
        process_metrics: fields.or_default("process_metrics", boolean)?,
    })
}

fn route_set(node: &Node, path: &str) -> Read<RouteSet> {
    let known = ["routes", "methods", "max_routes", "unreadable"];
    let fields = Fields::new(node, path, &known)?;
    Ok(RouteSet {
        routes: fields.required("routes", strings)?,
        methods: fields.or_default("methods", strings)?,
        max_routes: fields.required("max_routes", integer)?,
        unreadable: fields.or_default("unreadable", boolean)?,
    })
}

fn objective(node: &Node, path: &str) -> Read<Objective> {
    let fields = Fields::new(node, path, &["name", "metric", "target", "threshold"])?;
    Ok(Objective {
        name: fields.required("name", string)?,
        metric: fields.required("metric", string)?,
        target: fields.required("target", float)?,
        threshold: fields.optional("threshold", float)?,
    })
}

fn kind(node: &Node, path: &str) -> Read<Kind> {
    word(node, path, Kind::ALL, Kind::as_str)
}

fn value_type(node: &Node, path: &str) -> Read<ValueType> {
    word(node, path, ValueType::ALL, ValueType::as_str)
}

fn unit(node: &Node, path: &str) -> Read<Unit> {
    word(node, path, Unit::ALL, Unit::as_str)
}
