//! Reading a declaration's constructor chain: `Counter::new("name").help("..").unit(..)`.
//! Anything that is not a literal the analyzer can evaluate is a finding, not a guess.

use syn::spanned::Spanned;
use syn::{Expr, GenericArgument, ItemStatic, Lit, PathArguments, TypePath};

use super::scope::segments;
use super::{doc_comment, RawDeclaration, Scanner};
use crate::catalogue::Rule;
use crate::finding::Finding;
use crate::model::{Declaration, LabelSetRef, MetricType, ValueType};

/// The declaration a module-level static of a metric type makes.
pub(super) fn evaluate(
    scanner: &Scanner<'_, '_>,
    item: &ItemStatic,
    ty: &TypePath,
    type_name: &str,
    metric: MetricType,
) -> Result<RawDeclaration, Box<Finding>> {
    let not_evaluable = |node: &dyn Spanned, label: &str, help: &str| {
        Box::new(
            Finding::new(
                Rule::DeclarationNotEvaluable,
                scanner.span(node.span()),
                format!(
                    "the analyzer cannot read the configuration of `{}`",
                    item.ident
                ),
            )
            .label(label.to_owned())
            .help(help.to_owned()),
        )
    };

    // Type arguments: the label type for groups, then the value type.
    let args: Vec<&syn::Type> = match &ty.path.segments.last().map(|s| &s.arguments) {
        Some(PathArguments::AngleBracketed(args)) => args
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let (label_arg, value_arg) = if metric.grouped {
        (args.first(), args.get(1))
    } else {
        (None, args.first())
    };
    let value_type = match value_arg {
        None => metric.default_value(),
        Some(syn::Type::Path(p))
            if p.path
                .get_ident()
                .and_then(|i| ValueType::from_name(&i.to_string()))
                .is_some() =>
        {
            ValueType::from_name(&p.path.segments[0].ident.to_string())
                .unwrap_or(metric.default_value())
        }
        Some(other) => {
            return Err(not_evaluable(
                other,
                "not u64, i64 or f64",
                "write the value type as `u64`, `i64` or `f64`",
            ));
        }
    };
    let mut label_candidates = Vec::new();
    let labels = match (metric.grouped, label_arg) {
        (false, _) => None,
        (true, Some(syn::Type::Path(label))) => {
            label_candidates = scanner.scope().candidates(&label.path);
            Some(LabelSetRef {
                written: segments(&label.path).join("::"),
                span: scanner.span(label.span()),
                resolved: None,
            })
        }
        (true, other) => {
            let node: &dyn Spanned = match other {
                Some(t) => *t,
                None => ty,
            };
            return Err(not_evaluable(
                node,
                "no label type",
                "name the label struct: `CounterGroup<MyLabels>`",
            ));
        }
    };

    let (root, calls) = match chain(&item.expr) {
        (Expr::Call(call), calls)
            if scanner.constructor_call(call).as_deref() == Some(type_name) =>
        {
            (call, calls)
        }
        (other, _) => {
            return Err(not_evaluable(
                other,
                "not a constructor call",
                &format!("initialize it with `{type_name}::new(\"name\")` and the builder methods"),
            ));
        }
    };
    let (name, name_span) = match root.args.first() {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        })) if root.args.len() == 1 => (lit.value(), scanner.span(lit.span())),
        Some(arg) => {
            return Err(not_evaluable(
                arg,
                "not a string literal",
                "write the metric name as a string literal",
            ))
        }
        None => {
            return Err(not_evaluable(
                root,
                "no name",
                "pass the metric name as a string literal",
            ))
        }
    };

    let mut declaration = Declaration {
        name,
        kind: metric.kind,
        value_type,
        help: doc_comment(&item.attrs),
        unit: None,
        buckets: None,
        labels,
        crate_name: scanner.context.crate_name.to_owned(),
        package: scanner.context.package.to_owned(),
        binary: scanner.context.binary.map(str::to_owned),
        module_path: scanner.scope().module.join("::"),
        ident: item.ident.to_string(),
        // From `static` to `;`: attributes and doc comments are not where it is declared.
        span: scanner.span(
            item.static_token
                .span
                .join(item.semi_token.span)
                .unwrap_or(item.static_token.span),
        ),
        name_span,
        unit_span: None,
    };
    for call in calls.into_iter().rev() {
        let arg = match call.args.first() {
            Some(arg) if call.args.len() == 1 => arg,
            _ => {
                return Err(not_evaluable(
                    call,
                    "expected one argument",
                    "see `cargo tallyho explain declaration.not_evaluable`",
                ))
            }
        };
        match call.method.to_string().as_str() {
            "help" => match arg {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => declaration.help = text.value(),
                _ => {
                    return Err(not_evaluable(
                        arg,
                        "not a string literal",
                        "write the help text as a string literal",
                    ))
                }
            },
            "unit" => match arg {
                Expr::Path(path) if path.path.segments.len() >= 2 => {
                    let variant = path
                        .path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default();
                    declaration.unit = Some(variant.to_lowercase());
                    declaration.unit_span = Some(scanner.span(arg.span()));
                }
                _ => {
                    return Err(not_evaluable(
                        arg,
                        "not a `Unit::` variant",
                        "write the unit as `Unit::Seconds` and the like",
                    ))
                }
            },
            "buckets" if metric.kind == crate::model::MetricKind::Histogram => {
                declaration.buckets = Some(bucket_bounds(arg).ok_or_else(|| {
                    not_evaluable(
                        arg,
                        "not a literal array of numbers",
                        "write the bounds inline: `.buckets(&[0.01, 0.1, 1.0])`",
                    )
                })?);
            }
            other => {
                return Err(not_evaluable(
                    &call.method,
                    &format!("`{other}` is not a configuration method of `{type_name}`"),
                    "use `help`, `unit` and, for histograms, `buckets`",
                ));
            }
        }
    }
    Ok(RawDeclaration {
        declaration,
        label_candidates,
    })
}

/// The expression at the root of a builder chain, and the method calls on it, outermost first.
pub(super) fn chain(mut expr: &Expr) -> (&Expr, Vec<&syn::ExprMethodCall>) {
    let mut calls = Vec::new();
    loop {
        match expr {
            Expr::MethodCall(call) => {
                calls.push(call);
                expr = &call.receiver;
            }
            Expr::Paren(inner) => expr = &inner.expr,
            Expr::Group(inner) => expr = &inner.expr,
            root => return (root, calls),
        }
    }
}

/// `&[0.1, 1, 2.5e1]` as numbers.
fn bucket_bounds(expr: &Expr) -> Option<Vec<f64>> {
    let Expr::Reference(reference) = expr else {
        return None;
    };
    let Expr::Array(array) = &*reference.expr else {
        return None;
    };
    array.elems.iter().map(number).collect()
}

fn number(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse().ok(),
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<f64>().ok(),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => number(expr).map(|v| -v),
        Expr::Paren(inner) => number(&inner.expr),
        _ => None,
    }
}
