//! Constants a declaration may name instead of a literal: a metric name (`&str`) or bucket
//! bounds (`&[f64]`, `[f64; N]`), in this crate, a workspace crate or tallyho itself
//! (`tallyho::DEFAULT_BUCKETS`). Their values are read here; a use is resolved across crates
//! once every file is scanned.

use syn::{Expr, Lit};

use super::scope::{segments, Scope};

/// What a constant holds, as far as a declaration can use it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConstValue {
    /// A string literal: a metric name.
    Str(String),
    /// Numbers: bucket bounds.
    Numbers(Vec<f64>),
    /// Another constant, by the absolute paths it may have (most likely first).
    Alias(Vec<Vec<String>>),
}

crate::codec_enum!(ConstValue {
    0 => Str(text),
    1 => Numbers(numbers),
    2 => Alias(candidates),
});

/// A module-level `const` (or `static` of a plain type) with a value a declaration can use.
#[derive(Debug, Clone)]
pub(crate) struct RawConst {
    /// Its absolute path: crate, modules, name.
    pub(crate) path: Vec<String>,
    pub(crate) value: ConstValue,
}

crate::codec_struct!(RawConst { path, value });

/// The value of `expr` in `scope`: a literal, an array of numbers (behind `&` or not), or a
/// path to another constant. `None` for anything else.
pub(crate) fn value(scope: &Scope<'_>, expr: &Expr) -> Option<ConstValue> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Some(ConstValue::Str(text.value())),
        Expr::Reference(reference) => value(scope, &reference.expr),
        Expr::Paren(inner) => value(scope, &inner.expr),
        Expr::Group(inner) => value(scope, &inner.expr),
        Expr::Array(array) => array
            .elems
            .iter()
            .map(number)
            .collect::<Option<Vec<f64>>>()
            .map(ConstValue::Numbers),
        Expr::Path(path) if path.qself.is_none() => Some(reference(scope, &path.path)),
        _ => None,
    }
}

/// A path to a constant: tallyho's own are known here, others are resolved later.
fn reference(scope: &Scope<'_>, path: &syn::Path) -> ConstValue {
    let written = segments(path);
    match scope
        .tallyho_item(&written, path.leading_colon.is_some())
        .as_deref()
    {
        Some("DEFAULT_BUCKETS") => ConstValue::Numbers(tallyho_spec::DEFAULT_BUCKETS.to_vec()),
        _ => ConstValue::Alias(scope.candidates(path)),
    }
}

/// A number literal, negated or parenthesized.
pub(crate) fn number(expr: &Expr) -> Option<f64> {
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
