//! Reading a declaration's constructor chain: `Counter::new("name").help("..").unit(..)`.
//! Anything that is not a literal the analyzer can evaluate is a finding, not a guess.

use syn::spanned::Spanned;
use syn::{Expr, GenericArgument, ItemStatic, Lit, PathArguments, TypePath};

use super::consts::{self, ConstValue};
use super::scope::segments;
use super::{doc_comment, PendingConst, RawDeclaration, Scanner, Slot};
use crate::catalogue::Rule;
use crate::finding::Finding;
use crate::model::{Declaration, LabelSetRef, MetricKind, MetricType, ValueType};
use crate::source::Span;
use tallyho_spec::Unit;

/// Why a part of a declaration cannot be read: the node, a label and a help line.
type NotEvaluable<'n> = (&'n dyn Spanned, String, String);

/// What evaluating one part of a declaration came to.
type Step<'n, T> = Result<T, NotEvaluable<'n>>;

/// Builds a [`NotEvaluable`] from borrowed words.
fn not_evaluable<'n>(node: &'n dyn Spanned, label: &str, help: &str) -> NotEvaluable<'n> {
    (node, label.to_owned(), help.to_owned())
}

/// The declaration a module-level static of a metric type makes: its type arguments, then
/// its constructor, then each builder call. The first part that is not a literal the
/// analyzer can read becomes a `declaration.not_evaluable` finding.
pub(super) fn evaluate(
    scanner: &Scanner<'_, '_>,
    item: &ItemStatic,
    ty: &TypePath,
    type_name: &str,
    metric: MetricType,
) -> Result<RawDeclaration, Box<Finding>> {
    read(scanner, item, ty, type_name, metric).map_err(|(node, label, help)| {
        Box::new(
            Finding::new(
                Rule::DeclarationNotEvaluable,
                scanner.span(node.span()),
                format!(
                    "the analyzer cannot read the configuration of `{}`",
                    item.ident
                ),
            )
            .label(label)
            .help(help),
        )
    })
}

/// [`evaluate`], with the failing node still borrowed.
fn read<'n>(
    scanner: &Scanner<'_, '_>,
    item: &'n ItemStatic,
    ty: &'n TypePath,
    type_name: &str,
    metric: MetricType,
) -> Step<'n, RawDeclaration> {
    let args = type_arguments(ty);
    let (label_arg, value_arg) = if metric.grouped {
        (args.first().copied(), args.get(1).copied())
    } else {
        (None, args.first().copied())
    };
    let value_type = value_type(value_arg, metric)?;
    let (labels, label_candidates) = label_type(scanner, ty, label_arg, metric)?;
    let (root, calls) = constructor(scanner, &item.expr, type_name)?;
    let mut pending = Vec::new();
    let (name, name_span) = name_literal(scanner, root, &mut pending)?;
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
        version: scanner.context.version.map(str::to_owned),
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
        cfg: scanner.condition(&item.attrs),
    };
    for call in calls.into_iter().rev() {
        apply(
            scanner,
            &mut declaration,
            call,
            type_name,
            metric,
            &mut pending,
        )?;
    }
    Ok(RawDeclaration {
        declaration,
        label_candidates,
        pending,
    })
}

/// The type arguments of the static's type: the label type for groups, then the value type.
fn type_arguments(ty: &TypePath) -> Vec<&syn::Type> {
    match ty.path.segments.last().map(|s| &s.arguments) {
        Some(PathArguments::AngleBracketed(args)) => args
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The value type written, or the kind's default when none is.
fn value_type(arg: Option<&syn::Type>, metric: MetricType) -> Step<'_, ValueType> {
    let Some(arg) = arg else {
        return Ok(metric.default_value());
    };
    let named = match arg {
        syn::Type::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    };
    named
        .as_deref()
        .and_then(ValueType::from_name)
        .ok_or_else(|| {
            not_evaluable(
                arg,
                "not u64, i64 or f64",
                "write the value type as `u64`, `i64` or `f64`",
            )
        })
}

/// A group's label type as written, and the paths it may resolve to.
fn label_type<'n>(
    scanner: &Scanner<'_, '_>,
    ty: &'n TypePath,
    arg: Option<&'n syn::Type>,
    metric: MetricType,
) -> Step<'n, (Option<LabelSetRef>, Vec<Vec<String>>)> {
    match (metric.grouped, arg) {
        (false, _) => Ok((None, Vec::new())),
        (true, Some(syn::Type::Path(label))) => Ok((
            Some(LabelSetRef {
                written: segments(&label.path).join("::"),
                span: scanner.span(label.span()),
                resolved: None,
            }),
            scanner.scope().candidates(&label.path),
        )),
        (true, other) => {
            let node: &dyn Spanned = match other {
                Some(t) => t,
                None => ty,
            };
            Err(not_evaluable(
                node,
                "no label type",
                "name the label struct: `CounterGroup<MyLabels>`",
            ))
        }
    }
}

/// The `Type::new(..)` call at the root of the initializer, and the builder calls on it.
fn constructor<'n>(
    scanner: &Scanner<'_, '_>,
    expr: &'n Expr,
    type_name: &str,
) -> Step<'n, (&'n syn::ExprCall, Vec<&'n syn::ExprMethodCall>)> {
    match chain(expr) {
        (Expr::Call(call), calls)
            if scanner.constructor_call(call).as_deref() == Some(type_name) =>
        {
            Ok((call, calls))
        }
        (other, _) => Err(not_evaluable(
            other,
            "not a constructor call",
            &format!("initialize it with `{type_name}::new(\"name\")` and the builder methods"),
        )),
    }
}

/// The metric name: the constructor's one argument, a string literal or a constant (found
/// once every crate is scanned; the name is empty until then).
fn name_literal<'n>(
    scanner: &Scanner<'_, '_>,
    root: &'n syn::ExprCall,
    pending: &mut Vec<PendingConst>,
) -> Step<'n, (String, Span)> {
    let arg = match root.args.first() {
        Some(arg) if root.args.len() == 1 => arg,
        Some(arg) => {
            return Err(not_evaluable(
                arg,
                "expected one argument",
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
    let span = scanner.span(arg.span());
    match consts::value(scanner.scope(), arg) {
        Some(ConstValue::Str(name)) => Ok((name, span)),
        Some(ConstValue::Alias(candidates)) => {
            pending.push(pend(Slot::Name, candidates, arg, span.clone()));
            Ok((String::new(), span))
        }
        _ => Err(not_evaluable(
            arg,
            "not a string literal or a constant",
            "write the metric name as a string literal, or name a `const` holding one",
        )),
    }
}

/// A constant to look up for `slot`, written as `arg`.
fn pend(slot: Slot, candidates: Vec<Vec<String>>, arg: &Expr, span: Span) -> PendingConst {
    let written = match arg {
        Expr::Reference(r) => &r.expr,
        other => other,
    };
    let written = match written {
        Expr::Path(p) => segments(&p.path).join("::"),
        _ => String::new(),
    };
    PendingConst {
        slot,
        candidates,
        written,
        span,
    }
}

/// Applies one builder call (`help`, `unit`, `buckets`) to the declaration.
fn apply<'n>(
    scanner: &Scanner<'_, '_>,
    declaration: &mut Declaration,
    call: &'n syn::ExprMethodCall,
    type_name: &str,
    metric: MetricType,
    pending: &mut Vec<PendingConst>,
) -> Step<'n, ()> {
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
        "help" => declaration.help = help_text(arg)?,
        "unit" => {
            declaration.unit = Some(unit(arg)?);
            declaration.unit_span = Some(scanner.span(arg.span()));
        }
        "buckets" if metric.kind == MetricKind::Histogram => {
            match consts::value(scanner.scope(), arg) {
                Some(ConstValue::Numbers(bounds)) => declaration.buckets = Some(bounds),
                Some(ConstValue::Alias(candidates)) => {
                    let span = scanner.span(arg.span());
                    pending.push(pend(Slot::Buckets, candidates, arg, span));
                }
                _ => {
                    return Err(not_evaluable(
                        arg,
                        "not an array of numbers or a constant",
                        "write the bounds inline (`.buckets(&[0.01, 0.1, 1.0])`) or name a `const` holding them",
                    ))
                }
            }
        }
        other => {
            return Err(not_evaluable(
                &call.method,
                &format!("`{other}` is not a configuration method of `{type_name}`"),
                "use `help`, `unit` and, for histograms, `buckets`",
            ))
        }
    }
    Ok(())
}

/// `.help("..")`: a string literal.
fn help_text(arg: &Expr) -> Step<'_, String> {
    match arg {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Ok(text.value()),
        _ => Err(not_evaluable(
            arg,
            "not a string literal",
            "write the help text as a string literal",
        )),
    }
}

/// `.unit(Unit::Seconds)`: a path ending in one of the spec's unit variants.
fn unit(arg: &Expr) -> Step<'_, Unit> {
    let variant = match arg {
        Expr::Path(path) if path.path.segments.len() >= 2 => path.path.segments.last(),
        _ => None,
    };
    let Some(variant) = variant else {
        return Err(not_evaluable(
            arg,
            "not a `Unit::` variant",
            "write the unit as `Unit::Seconds` and the like",
        ));
    };
    Unit::from_variant(&variant.ident.to_string()).ok_or_else(|| {
        let valid: Vec<String> = Unit::ALL
            .iter()
            .map(|u| format!("`Unit::{}`", u.variant()))
            .collect();
        not_evaluable(
            arg,
            &format!("`{}` is not a tallyho unit", variant.ident),
            &format!("use one of {}", valid.join(", ")),
        )
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
