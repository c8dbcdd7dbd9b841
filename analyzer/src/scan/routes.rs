//! axum routers read from function bodies: method-call chains of `.route(path, methods)`,
//! `.route_service(path, _)`, `.nest(prefix, router)`, `.nest_service(prefix, _)` and
//! `.merge(router)`. Kept as plain data; a router named by a function call or a path named
//! by a constant is looked up across files once every file is scanned (`routes.rs`).

use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, ExprMethodCall};
use tallyho_spec::builtin::http;

use super::scope::{segments, Scope};
use crate::source::{FileId, Span};

/// The router methods that add routes; any other call in a chain (`layer`, `with_state`,
/// `fallback`) leaves the routes as they are.
const ROUTER_CALLS: &[&str] = &["route", "route_service", "nest", "nest_service", "merge"];

/// One router chain found in a function body.
#[derive(Debug, Clone)]
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

crate::codec_struct!(RawRouter {
    function,
    package,
    crate_name,
    binary,
    span,
    entries,
});

/// One call of a router chain.
#[derive(Debug, Clone)]
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

crate::codec_enum!(RouteEntry {
    0 => Route { path, methods, span },
    1 => Nest { prefix, inner, span },
    2 => Merge { inner, span },
});

/// A route path argument.
#[derive(Debug, Clone)]
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

crate::codec_enum!(RoutePath {
    0 => Literal(template),
    1 => Const { candidates, written, span },
    2 => Unreadable(span),
});

/// The router a `nest` or `merge` adds.
#[derive(Debug, Clone)]
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

crate::codec_enum!(Inner {
    0 => Inline(entries),
    1 => Function { candidates, written, span },
    2 => Opaque(span),
});

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

/// The router chains of one function body: `(function, span, entries)` per root router,
/// where `function` is `tail` for the router the body ends in. A router bound by `let` (or
/// assigned, or returned by a closure bound by `let`) is followed where the body nests,
/// merges or extends it, and is a root only if nothing does.
pub(crate) fn in_body(
    place: Place<'_, '_>,
    block: &syn::Block,
    tail: Option<Vec<String>>,
) -> Vec<(Option<Vec<String>>, Span, Vec<RouteEntry>)> {
    let mut finder = Finder {
        place,
        scopes: Vec::new(),
        found: Vec::new(),
    };
    if let Some(value) = finder.block(block) {
        finder.found(value, true);
    }
    let mut found = finder.found;
    // Source order: a router bound by `let` is known to be a root only when its scope ends.
    found.sort_by_key(|f| (f.span.range.start, f.span.range.end));
    found
        .into_iter()
        .map(|f| (tail.clone().filter(|_| f.tail), f.span, f.entries))
        .collect()
}

/// A root router found in a body.
struct Found {
    span: Span,
    entries: Vec<RouteEntry>,
    /// The value the body ends in.
    tail: bool,
}

/// A router an expression evaluates to.
struct Value {
    entries: Vec<RouteEntry>,
    /// The chain, from the `let` that started it.
    span: Span,
    /// Whether it is built here, so that a root unless nested or merged: a router chain, or
    /// a binding of one; not the bare result of a call (whose function's router is the root).
    root: bool,
}

/// What a name bound in a body holds.
enum Binding {
    /// A router (`let admin = Router::new()..`), or a closure returning one (`call`).
    Router {
        value: Value,
        call: bool,
        /// Nested, merged, extended or moved into another binding: not a root of its own.
        used: bool,
    },
    /// Anything else: a name shadowing an outer router.
    Other,
}

/// Finds the root router chains in a body, following `let` bindings in scope.
struct Finder<'a, 'w> {
    place: Place<'a, 'w>,
    /// The names bound per block, innermost last; later entries shadow earlier ones.
    scopes: Vec<Vec<(String, Binding)>>,
    found: Vec<Found>,
}

impl Finder<'_, '_> {
    fn found(&mut self, value: Value, tail: bool) {
        if value.root {
            self.found.push(Found {
                span: value.span,
                entries: value.entries,
                tail,
            });
        }
    }

    /// A block in a scope of its own; the router its tail evaluates to, if any.
    fn block(&mut self, block: &syn::Block) -> Option<Value> {
        self.scopes.push(Vec::new());
        let (tail, stmts) = match block.stmts.split_last() {
            Some((syn::Stmt::Expr(expr, None), stmts)) => (Some(expr), stmts),
            _ => (None, &block.stmts[..]),
        };
        for stmt in stmts {
            self.visit_stmt(stmt);
        }
        let value = tail.and_then(|expr| self.value(expr));
        self.close();
        value
    }

    /// Ends the innermost scope: a router bound in it and never used is a root.
    fn close(&mut self) {
        for (_, binding) in self.scopes.pop().unwrap_or_default() {
            if let Binding::Router {
                value, used: false, ..
            } = binding
            {
                self.found(value, false);
            }
        }
    }

    fn bind(&mut self, name: String, binding: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name, binding));
        }
    }

    /// A scope binding every name of `pats` to something other than a router.
    fn open<'p>(&mut self, pats: impl IntoIterator<Item = &'p syn::Pat>) {
        let mut names = Names(Vec::new());
        pats.into_iter().for_each(|p| names.visit_pat(p));
        self.scopes
            .push(names.0.into_iter().map(|n| (n, Binding::Other)).collect());
    }

    fn lookup(&mut self, name: &str) -> Option<&mut Binding> {
        self.scopes
            .iter_mut()
            .rev()
            .flat_map(|scope| scope.iter_mut().rev())
            .find(|(n, _)| n == name)
            .map(|(_, binding)| binding)
    }

    /// What a chain starts from, bindings in scope included.
    fn start<'e>(&mut self, bottom: &'e Expr) -> Start<'e> {
        let (name, called) = match bottom {
            Expr::Path(path) => (local(path), false),
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) => (local(path), true),
                _ => (None, false),
            },
            _ => (None, false),
        };
        match name.and_then(|name| Some((name.clone(), self.lookup(&name)?))) {
            Some((name, Binding::Router { call, .. })) if *call == called => Start::Bound(name),
            // A local name shadows a function of the same name.
            Some(_) => Start::Other,
            None => start(bottom),
        }
    }

    /// The router `name` holds, marked used.
    fn take(&mut self, name: &str) -> Option<(Vec<RouteEntry>, Span, bool)> {
        match self.lookup(name)? {
            Binding::Router { value, used, .. } => {
                *used = true;
                Some((value.entries.clone(), value.span.clone(), value.root))
            }
            Binding::Other => None,
        }
    }

    /// The router `expr` evaluates to: a router chain, a binding of one (extended or not),
    /// or a call; `None` for anything else. Either way every router inside is found.
    fn value(&mut self, expr: &Expr) -> Option<Value> {
        match expr {
            Expr::Block(block) if block.label.is_none() => return self.block(&block.block),
            Expr::Paren(inner) => return self.value(&inner.expr),
            Expr::Group(inner) => return self.value(&inner.expr),
            _ => {}
        }
        let (calls, bottom) = chain(expr);
        let routed = calls.iter().any(|c| is_router_call(c));
        let start = self.start(bottom);
        if !routed && matches!(start, Start::Other) {
            // Not a router chain (its start is not `Router::new()`): no recursion.
            self.visit_expr(expr);
            return None;
        }
        let mut span = self.place.span(expr.span());
        let (entries, root) = match start {
            Start::Bound(name) => {
                let (mut entries, root) = match self.take(&name) {
                    Some((entries, from, root)) => {
                        // The chain from the `let` that started it, to the calls that
                        // extend it.
                        if !routed {
                            span = from;
                        } else if from.file == span.file {
                            span.range = from.range.start.min(span.range.start)..span.range.end;
                        }
                        (entries, root)
                    }
                    None => (Vec::new(), false),
                };
                entries.extend(self.calls(&calls));
                (entries, root || routed)
            }
            Start::Empty => (self.entries(expr, false), true),
            Start::Call(_) | Start::Other => (self.entries(expr, false), routed),
        };
        // Other routers may hide in the arguments of `layer`, `with_state` and the like.
        for call in calls.iter().filter(|c| !is_router_call(c)) {
            call.args.iter().for_each(|a| self.visit_expr(a));
        }
        self.visit_expr(bottom);
        Some(Value {
            entries,
            span,
            root,
        })
    }

    /// The entries of a router chain in source order. `inner`: the chain is passed to `nest`
    /// or `merge`, so a start the analyzer cannot follow hides routes.
    fn entries(&mut self, expr: &Expr, inner: bool) -> Vec<RouteEntry> {
        let (calls, bottom) = chain(expr);
        let mut out = Vec::new();
        let whole = self.place.span(bottom.span());
        match self.start(bottom) {
            Start::Empty => {}
            Start::Bound(name) => {
                out.extend(self.take(&name).map(|(e, _, _)| e).unwrap_or_default())
            }
            Start::Call(path) => out.push(RouteEntry::Merge {
                inner: function(self.place, path),
                span: whole,
            }),
            Start::Other if inner => out.push(RouteEntry::Merge {
                inner: Inner::Opaque(whole.clone()),
                span: whole,
            }),
            Start::Other => {}
        }
        out.extend(self.calls(&calls));
        out
    }

    /// The router calls of a chain, outermost first, read in source order.
    fn calls(&mut self, calls: &[&ExprMethodCall]) -> Vec<RouteEntry> {
        calls.iter().rev().filter_map(|c| self.entry(c)).collect()
    }

    /// One router call read, `None` for the calls that add no routes.
    fn entry(&mut self, call: &ExprMethodCall) -> Option<RouteEntry> {
        let place = self.place;
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
                inner: self.inner(second?),
                span,
            }),
            "merge" => Some(RouteEntry::Merge {
                inner: self.inner(first?),
                span,
            }),
            _ => None,
        }
    }

    /// The router a `nest` or `merge` adds: a chain in place, a binding's, a function's, or
    /// opaque.
    fn inner(&mut self, expr: &Expr) -> Inner {
        if is_router_chain(expr) {
            return Inner::Inline(self.entries(expr, true));
        }
        // `admin`, `admin.clone()`, `api()`, `api(state).layer(..)`: the router, whatever
        // wraps it.
        let (calls, bottom) = chain(expr);
        match self.start(bottom) {
            Start::Bound(_) => Inner::Inline(self.entries(expr, true)),
            Start::Call(path) if calls.iter().all(|c| !is_router_call(c)) => {
                function(self.place, path)
            }
            _ => Inner::Opaque(self.place.span(expr.span())),
        }
    }

    /// A closure's router, in a scope binding its parameters.
    fn closure(&mut self, closure: &syn::ExprClosure) -> Option<Value> {
        self.open(&closure.inputs);
        let value = self.value(&closure.body);
        self.close();
        value
    }

    /// `name = value;`: the binding holds the new router; the one it held before, unless
    /// the new one extends it, is a root if never used.
    fn assign(&mut self, assign: &syn::ExprAssign) {
        let name = match &*assign.left {
            Expr::Path(path) => local(path),
            _ => None,
        };
        let Some(name) = name else {
            return visit::visit_expr_assign(self, assign);
        };
        let value = self.value(&assign.right);
        let Some(binding) = self.lookup(&name) else {
            if let Some(value) = value {
                self.found(value, false);
            }
            return;
        };
        let new = match value {
            Some(value) => Binding::Router {
                value,
                call: false,
                used: false,
            },
            None => Binding::Other,
        };
        if let Binding::Router {
            value, used: false, ..
        } = std::mem::replace(binding, new)
        {
            self.found(value, false);
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_, '_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::MethodCall(_) if is_router_chain(expr) => {
                if let Some(value) = self.value(expr) {
                    self.found(value, false);
                }
            }
            Expr::Assign(assign) => self.assign(assign),
            Expr::Closure(closure) => {
                if let Some(value) = self.closure(closure) {
                    self.found(value, false);
                }
            }
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        if let Some(value) = self.block(block) {
            self.found(value, false);
        }
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let name = match &local.pat {
            syn::Pat::Type(typed) => binding_name(&typed.pat),
            pat => binding_name(pat),
        };
        let (value, call) = match &local.init {
            None => (None, false),
            Some(init) if init.diverge.is_some() => {
                visit::visit_local_init(self, init);
                (None, false)
            }
            Some(init) => match &*init.expr {
                Expr::Closure(closure) if name.is_some() => (self.closure(closure), true),
                expr => (self.value(expr), false),
            },
        };
        match (name, value) {
            (Some(name), Some(value)) => self.bind(
                name,
                Binding::Router {
                    value,
                    call,
                    used: false,
                },
            ),
            (_, value) => {
                if let Some(value) = value {
                    self.found(value, false);
                }
                let mut names = Names(Vec::new());
                names.visit_pat(&local.pat);
                for name in names.0 {
                    self.bind(name, Binding::Other);
                }
            }
        }
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        // A guard (`Some(x) if x > 0`) is part of the pattern: its names are bound in the
        // guard and the body, and the guard is an expression to read.
        let (pat, guard) = match &arm.pat {
            syn::Pat::Guard(guarded) => (&*guarded.pat, Some(&*guarded.guard)),
            pat => (pat, None),
        };
        self.open([pat]);
        if let Some(guard) = guard {
            self.visit_expr(guard);
        }
        self.visit_expr(&arm.body);
        self.close();
    }

    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.visit_expr(&expr.expr);
        self.open([&*expr.pat]);
        self.visit_block(&expr.body);
        self.close();
    }

    // Items in a body are visited by the scanner on their own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The names a pattern binds.
struct Names(Vec<String>);

impl<'ast> Visit<'ast> for Names {
    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        self.0.push(pat.ident.to_string());
        visit::visit_pat_ident(self, pat);
    }
}

/// The name a `let` pattern binds the whole value to (`admin`, `mut admin`).
fn binding_name(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
            Some(ident.ident.to_string())
        }
        _ => None,
    }
}

/// A path of one segment, which a local binding may shadow.
fn local(path: &syn::ExprPath) -> Option<String> {
    let ident = path.path.get_ident().filter(|_| path.qself.is_none())?;
    Some(ident.to_string())
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
    /// A local binding of a router (`admin`), or a call of a closure returning one.
    Bound(String),
    /// A variable or anything else.
    Other,
}

/// What a chain starts from, local bindings aside.
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
    // axum names its method routers after the standard methods, in lowercase.
    let lowercase = name.bytes().all(|b| b.is_ascii_lowercase());
    http::METHODS
        .iter()
        .find(|m| lowercase && m.eq_ignore_ascii_case(name))
        .map(|m| (*m).to_owned())
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
