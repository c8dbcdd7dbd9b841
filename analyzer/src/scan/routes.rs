//! axum routers read from function bodies: method-call chains of `.route(path, methods)`,
//! `.route_service(path, _)`, `.nest(prefix, router)`, `.nest_service(prefix, _)` and
//! `.merge(router)`. Kept as plain data; a router named by a function call or a path named
//! by a constant is looked up across files once every file is scanned (`routes.rs`).

use serde::{Deserialize, Serialize};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, ExprMethodCall};

use super::scope::{segments, Scope};
use crate::source::{FileId, Span};

/// The router methods that add routes; any other call in a chain (`layer`, `with_state`,
/// `fallback`) leaves the routes as they are.
const ROUTER_CALLS: &[&str] = &["route", "route_service", "nest", "nest_service", "merge"];

/// The method routers by method (`get`, `post_service`, `MethodRouter::put`).
const METHOD_FNS: &[&str] = &[
    "connect", "delete", "get", "head", "options", "patch", "post", "put", "trace",
];

/// One router chain found in a function body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RawRouter {
    /// The function whose body ends in this chain (its absolute path): a `nest` or `merge`
    /// elsewhere may name the router by calling it. `None`: a router built in place.
    pub(crate) function: Option<Vec<String>>,
    pub(crate) package: String,
    pub(crate) crate_name: String,
    pub(crate) binary: Option<String>,
    /// The whole chain.
    pub(crate) span: Span,
    /// Its calls, in source order.
    pub(crate) entries: Vec<RouteEntry>,
}

/// One call of a router chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum RouteEntry {
    /// `.route(path, methods)`; `.route_service` and `.nest_service` answer every method.
    Route {
        path: RoutePath,
        /// `None`: every method.
        methods: Option<Vec<String>>,
        span: Span,
    },
    /// `.nest(prefix, router)`.
    Nest {
        prefix: RoutePath,
        inner: Inner,
        span: Span,
    },
    /// `.merge(router)`, or the chain's start when it is a call (`api().route(..)`).
    Merge { inner: Inner, span: Span },
}

/// A route path argument.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum RoutePath {
    /// A string literal: the template as written.
    Literal(String),
    /// A path to a constant, by the absolute paths it may have.
    Const {
        candidates: Vec<Vec<String>>,
        written: String,
        span: Span,
    },
    /// Anything else (a `format!`, a variable).
    Unreadable(Span),
}

/// The router a `nest` or `merge` adds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Inner {
    /// A chain written in place.
    Inline(Vec<RouteEntry>),
    /// A call to a function whose body ends in a router chain.
    Function {
        candidates: Vec<Vec<String>>,
        written: String,
        span: Span,
    },
    /// A variable or anything else the analyzer cannot follow.
    Opaque(Span),
}

impl RouteEntry {
    /// Every span inside, for rebasing a cached scan.
    pub(crate) fn spans_mut(&mut self) -> Vec<&mut Span> {
        match self {
            RouteEntry::Route { span, path, .. } => [Some(span), path.span_mut()]
                .into_iter()
                .flatten()
                .collect(),
            RouteEntry::Merge { span, inner } => {
                let mut spans = vec![span];
                spans.extend(inner.spans_mut());
                spans
            }
            RouteEntry::Nest {
                span,
                inner,
                prefix,
            } => {
                let mut spans = vec![span];
                spans.extend(prefix.span_mut());
                spans.extend(inner.spans_mut());
                spans
            }
        }
    }
}

impl RoutePath {
    fn span_mut(&mut self) -> Option<&mut Span> {
        match self {
            RoutePath::Literal(_) => None,
            RoutePath::Const { span, .. } | RoutePath::Unreadable(span) => Some(span),
        }
    }
}

impl Inner {
    fn spans_mut(&mut self) -> Vec<&mut Span> {
        match self {
            Inner::Inline(entries) => entries.iter_mut().flat_map(RouteEntry::spans_mut).collect(),
            Inner::Function { span, .. } | Inner::Opaque(span) => vec![span],
        }
    }
}

/// Where spans point: the file and the offset of the parsed text in it.
#[derive(Clone, Copy)]
pub(crate) struct Place<'a, 'w> {
    pub(crate) scope: &'a Scope<'w>,
    pub(crate) file: FileId,
    pub(crate) offset: usize,
}

impl Place<'_, '_> {
    fn span(&self, s: proc_macro2::Span) -> Span {
        let range = s.byte_range();
        Span {
            file: self.file,
            range: range.start + self.offset..range.end + self.offset,
        }
    }
}

/// The router chains of one function body: `(function, span, entries)` per chain, where
/// `function` is `tail` for the chain the body ends in.
pub(crate) fn in_body(
    place: Place<'_, '_>,
    block: &syn::Block,
    tail: Option<Vec<String>>,
) -> Vec<(Option<Vec<String>>, Span, Vec<RouteEntry>)> {
    let tail_range = match block.stmts.last() {
        Some(syn::Stmt::Expr(expr, None)) if is_router_chain(expr) => {
            Some(place.span(expr.span()).range)
        }
        _ => None,
    };
    let mut finder = Finder {
        place,
        found: Vec::new(),
    };
    finder.visit_block(block);
    finder
        .found
        .into_iter()
        .map(|(span, entries)| {
            let function = tail
                .clone()
                .filter(|_| tail_range.as_ref() == Some(&span.range));
            (function, span, entries)
        })
        .collect()
}

/// Finds the outermost router chains in a body.
struct Finder<'a, 'w> {
    place: Place<'a, 'w>,
    found: Vec<(Span, Vec<RouteEntry>)>,
}

impl<'ast> Visit<'ast> for Finder<'_, '_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if !matches!(expr, Expr::MethodCall(_)) || !is_router_chain(expr) {
            return visit::visit_expr(self, expr);
        }
        let (calls, bottom) = chain(expr);
        self.found.push((
            self.place.span(expr.span()),
            entries(self.place, expr, false),
        ));
        // Other routers may hide in the arguments of `layer`, `with_state` and the like.
        for call in calls.iter().filter(|c| !is_router_call(c)) {
            call.args.iter().for_each(|a| self.visit_expr(a));
        }
        self.visit_expr(bottom);
    }

    // Items in a body are visited by the scanner on their own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The method calls of a chain, outermost first, and the expression it starts from.
fn chain(expr: &Expr) -> (Vec<&ExprMethodCall>, &Expr) {
    let mut calls = Vec::new();
    let mut current = expr;
    loop {
        match current {
            Expr::MethodCall(call) => {
                calls.push(call);
                current = &call.receiver;
            }
            Expr::Paren(inner) => current = &inner.expr,
            Expr::Group(inner) => current = &inner.expr,
            _ => return (calls, current),
        }
    }
}

fn is_router_call(call: &ExprMethodCall) -> bool {
    ROUTER_CALLS.contains(&call.method.to_string().as_str())
}

/// A chain with a router call, or one starting from `Router::new()`.
fn is_router_chain(expr: &Expr) -> bool {
    let (calls, bottom) = chain(expr);
    calls.iter().any(|c| is_router_call(c)) || matches!(start(bottom), Start::Empty)
}

/// What a chain starts from.
enum Start<'e> {
    /// `Router::new()`, `Router::default()`: no routes.
    Empty,
    /// A call to a function that may return a router.
    Call(&'e syn::Path),
    /// A variable or anything else.
    Other,
}

fn start(bottom: &Expr) -> Start<'_> {
    let Expr::Call(call) = bottom else {
        return Start::Other;
    };
    let Expr::Path(func) = &*call.func else {
        return Start::Other;
    };
    let names = segments(&func.path);
    match names.as_slice() {
        [.., ty, new] if ty == "Router" && (new == "new" || new == "default") => Start::Empty,
        [.., new] if new == "new" || new == "default" => Start::Other,
        _ if func.qself.is_none() => Start::Call(&func.path),
        _ => Start::Other,
    }
}

/// The entries of a router chain in source order. `inner`: the chain is passed to `nest` or
/// `merge`, so a start the analyzer cannot follow hides routes.
fn entries(place: Place<'_, '_>, expr: &Expr, inner: bool) -> Vec<RouteEntry> {
    let (calls, bottom) = chain(expr);
    let mut out = Vec::new();
    let whole = place.span(bottom.span());
    match start(bottom) {
        Start::Empty => {}
        Start::Call(path) => out.push(RouteEntry::Merge {
            inner: function(place, path),
            span: whole,
        }),
        Start::Other if inner => out.push(RouteEntry::Merge {
            inner: Inner::Opaque(whole.clone()),
            span: whole,
        }),
        Start::Other => {}
    }
    for call in calls.iter().rev() {
        out.extend(entry(place, call));
    }
    out
}

/// One router call read, `None` for the calls that add no routes.
fn entry(place: Place<'_, '_>, call: &ExprMethodCall) -> Option<RouteEntry> {
    let name = call.method.to_string();
    let span = place.span(
        call.method
            .span()
            .join(call.paren_token.span.close())
            .unwrap_or_else(|| call.method.span()),
    );
    let first = call.args.first();
    let second = call.args.iter().nth(1);
    match name.as_str() {
        "route" => Some(RouteEntry::Route {
            path: route_path(place, first?),
            methods: second.and_then(methods),
            span,
        }),
        "route_service" | "nest_service" => Some(RouteEntry::Route {
            path: route_path(place, first?),
            methods: None,
            span,
        }),
        "nest" => Some(RouteEntry::Nest {
            prefix: route_path(place, first?),
            inner: inner(place, second?),
            span,
        }),
        "merge" => Some(RouteEntry::Merge {
            inner: inner(place, first?),
            span,
        }),
        _ => None,
    }
}

/// A path argument: a literal, a constant, or unreadable.
fn route_path(place: Place<'_, '_>, expr: &Expr) -> RoutePath {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => RoutePath::Literal(text.value()),
        Expr::Reference(r) => route_path(place, &r.expr),
        Expr::Paren(inner) => route_path(place, &inner.expr),
        Expr::Group(inner) => route_path(place, &inner.expr),
        Expr::Path(path) if path.qself.is_none() => RoutePath::Const {
            candidates: place.scope.candidates(&path.path),
            written: segments(&path.path).join("::"),
            span: place.span(path.span()),
        },
        _ => RoutePath::Unreadable(place.span(expr.span())),
    }
}

/// The router a `nest` or `merge` adds: a chain in place, a function's, or opaque.
fn inner(place: Place<'_, '_>, expr: &Expr) -> Inner {
    if is_router_chain(expr) {
        return Inner::Inline(entries(place, expr, true));
    }
    // `api()`, `api(state).layer(..)`: the function's router, whatever wraps it.
    let (calls, bottom) = chain(expr);
    match start(bottom) {
        Start::Call(path) if calls.iter().all(|c| !is_router_call(c)) => function(place, path),
        _ => Inner::Opaque(place.span(expr.span())),
    }
}

fn function(place: Place<'_, '_>, path: &syn::Path) -> Inner {
    Inner::Function {
        candidates: place.scope.candidates(path),
        written: segments(path).join("::"),
        span: place.span(path.span()),
    }
}

/// The methods a method router answers, sorted; `None` for every method (`any`, `on`, a
/// fallback, or anything unreadable). `get` answers `HEAD` too.
pub(crate) fn methods(expr: &Expr) -> Option<Vec<String>> {
    let mut found = match expr {
        Expr::Paren(inner) => return methods(&inner.expr),
        Expr::Group(inner) => return methods(&inner.expr),
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return None;
            };
            let names = segments(&func.path);
            match names.as_slice() {
                [.., ty, new] if ty == "MethodRouter" && new == "new" => Vec::new(),
                [.., name] => vec![method_fn(name)?],
                [] => return None,
            }
        }
        Expr::MethodCall(call) => {
            let mut found = methods(&call.receiver)?;
            let name = call.method.to_string();
            if let Some(method) = method_fn(&name) {
                found.push(method);
            } else if name == "on" || name.starts_with("on_") || name.starts_with("fallback") {
                return None;
            }
            found
        }
        _ => return None,
    };
    if found.iter().any(|m| m == "GET") {
        found.push("HEAD".to_owned());
    }
    found.sort();
    found.dedup();
    Some(found)
}

/// `GET` for `get`, `get_service` or `MethodRouter::get`; `None` for other names.
fn method_fn(name: &str) -> Option<String> {
    let name = name.strip_suffix("_service").unwrap_or(name);
    METHOD_FNS
        .contains(&name)
        .then(|| name.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methods_of(text: &str) -> Option<Vec<String>> {
        methods(&syn::parse_str(text).expect("an expression"))
    }

    fn strings(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn reads_method_routers() {
        assert_eq!(methods_of("get(list)"), strings(&["GET", "HEAD"]));
        assert_eq!(
            methods_of("axum::routing::post(create)"),
            strings(&["POST"])
        );
        assert_eq!(
            methods_of("get(a).post(b).delete(c)"),
            strings(&["DELETE", "GET", "HEAD", "POST"])
        );
        assert_eq!(
            methods_of("MethodRouter::new().put(h).layer(l)"),
            strings(&["PUT"])
        );
        assert_eq!(methods_of("get_service(files)"), strings(&["GET", "HEAD"]));
        assert_eq!(methods_of("any(h)"), None);
        assert_eq!(methods_of("on(MethodFilter::GET, h)"), None);
        assert_eq!(methods_of("get(h).fallback(other)"), None);
        assert_eq!(methods_of("handlers::routes()"), None);
        assert_eq!(methods_of("router"), None);
    }
}
