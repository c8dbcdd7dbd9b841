//! The routes each crate's axum routers serve: the router chains of every scan, with `nest`
//! and `merge` followed into inline chains and into functions of the workspace that return
//! one, and paths given by constants read. A router built in place, or one a function
//! returns that no `nest` or `merge` names, is a root: its routes are the crate's. What
//! cannot be read is a `routes.unreadable` finding; the service's route label is then
//! bounded by `requests.max_routes` instead.

use std::collections::HashSet;

use crate::catalogue::Rule;
use crate::config::DEFAULT_MAX_ROUTES;
use crate::constants;
use crate::finding::Finding;
use crate::paths::Paths;
use crate::resolve::Index;
use crate::scan::{ConstValue, FileScan, Inner, RawConst, RawRouter, RouteEntry, RoutePath};
use crate::source::Span;

/// How deep `nest` and `merge` are followed into functions (deeper is a cycle).
const MAX_NESTING: usize = 16;

/// The routes of one root router, in the crate that builds it.
#[derive(Debug, Clone)]
pub(crate) struct ReadRouter {
    pub(crate) package: String,
    pub(crate) binary: Option<String>,
    /// The chain: where a finding about the routes' cardinality points.
    pub(crate) span: Span,
    pub(crate) routes: Vec<ReadRoute>,
    /// Whether some route could not be read.
    pub(crate) unreadable: bool,
}

/// One route: its template as written (prefixes joined), and its methods (`None`: every).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReadRoute {
    pub(crate) template: String,
    pub(crate) methods: Option<Vec<String>>,
}

/// The constant paths router chains name, for the files that define them to be read.
pub(crate) fn const_candidates(entries: &[RouteEntry]) -> Vec<&Vec<Vec<String>>> {
    let mut out = Vec::new();
    for entry in entries {
        let (path, inner) = match entry {
            RouteEntry::Route { path, .. } => (Some(path), None),
            RouteEntry::Nest { prefix, inner, .. } => (Some(prefix), Some(inner)),
            RouteEntry::Merge { inner, .. } => (None, Some(inner)),
        };
        if let Some(RoutePath::Const { candidates, .. }) = path {
            out.push(candidates);
        }
        if let Some(Inner::Inline(entries)) = inner {
            out.extend(const_candidates(entries));
        }
    }
    out
}

/// Every root router of the scans with its routes, and the findings about what could not be
/// read (each once, however many routers reach it).
pub(crate) fn read(scans: &[FileScan]) -> (Vec<ReadRouter>, Vec<Finding>) {
    let paths = Paths::new(scans);
    let mut routers: Vec<RawRouter> = scans.iter().flat_map(|s| s.routers.clone()).collect();
    for router in &mut routers {
        canonical_entries(&mut router.entries, &paths);
    }
    let consts: Vec<&RawConst> = scans.iter().flat_map(|s| &s.consts).collect();
    let reader = Reader {
        consts: Index::new(consts.iter().copied(), |c: &RawConst| &c.path),
        functions: Index::new(
            routers.iter().filter(|r| r.function.is_some()),
            |r: &RawRouter| r.function.as_deref().unwrap_or_default(),
        ),
    };
    let named = reader.named(&routers);
    let mut findings = Vec::new();
    let read = routers
        .iter()
        .filter(|r| !r.function.as_ref().is_some_and(|f| named.contains(f)))
        .map(|router| {
            let mut walk = Walk::default();
            reader.walk(&router.entries, "", 0, &mut walk);
            findings.extend(walk.findings);
            ReadRouter {
                package: router.package.clone(),
                binary: router.binary.clone(),
                span: router.span.clone(),
                routes: walk.routes,
                unreadable: walk.unreadable,
            }
        })
        .collect();
    let mut seen = HashSet::new();
    findings.retain(|f: &Finding| seen.insert((f.span.clone(), f.message.clone())));
    (read, findings)
}

/// Function paths followed through `pub use` chains, as label types are.
fn canonical_entries(entries: &mut [RouteEntry], paths: &Paths) {
    for entry in entries {
        if let RouteEntry::Nest { inner, .. } | RouteEntry::Merge { inner, .. } = entry {
            match inner {
                Inner::Function { candidates, .. } => paths.canonical_all(candidates),
                Inner::Inline(entries) => canonical_entries(entries, paths),
                Inner::Opaque(_) => {}
            }
        }
    }
}

/// The lookups a walk through the routers needs.
struct Reader<'a> {
    consts: Index<'a, RawConst>,
    functions: Index<'a, RawRouter>,
}

/// What one root router's walk found.
#[derive(Default)]
struct Walk {
    routes: Vec<ReadRoute>,
    unreadable: bool,
    findings: Vec<Finding>,
}

impl Walk {
    fn unreadable(&mut self, finding: Finding) {
        self.unreadable = true;
        self.findings.push(finding.help(format!(
            "until it can be read, the route label of the services building this router is bounded by requests.max_routes in tallyho.yaml (default {DEFAULT_MAX_ROUTES}), the unmatched route included; write paths as literals or constants, and pass `nest` and `merge` a router chain, a `let` binding of one in the same function, or a call to a function returning one",
        )));
    }
}

impl<'a> Reader<'a> {
    /// The functions some `nest` or `merge` names: their routers are not roots.
    fn named(&self, routers: &'a [RawRouter]) -> HashSet<&'a Vec<String>> {
        let mut named = HashSet::new();
        let mut stack: Vec<&RouteEntry> = routers.iter().flat_map(|r| &r.entries).collect();
        while let Some(entry) = stack.pop() {
            if let RouteEntry::Nest { inner, .. } | RouteEntry::Merge { inner, .. } = entry {
                match inner {
                    Inner::Inline(entries) => stack.extend(entries),
                    Inner::Function { candidates, .. } => {
                        let found = self.function(candidates);
                        named.extend(found.and_then(|r| r.function.as_ref()));
                    }
                    Inner::Opaque(_) => {}
                }
            }
        }
        named
    }

    fn function(&self, candidates: &[Vec<String>]) -> Option<&'a RawRouter> {
        self.functions
            .find(candidates, |r| r.function.as_deref().unwrap_or_default())
    }

    /// The routes of `entries` under `prefix`, into `walk`.
    fn walk(&self, entries: &[RouteEntry], prefix: &str, depth: usize, walk: &mut Walk) {
        for entry in entries {
            match entry {
                RouteEntry::Route { path, methods, .. } => {
                    if let Some(path) = self.path(path, walk) {
                        walk.routes.push(ReadRoute {
                            template: join(prefix, &path),
                            methods: methods.clone(),
                        });
                    }
                }
                RouteEntry::Nest {
                    prefix: p, inner, ..
                } => {
                    if let Some(p) = self.path(p, walk) {
                        self.inner(inner, &join(prefix, &p), depth, walk);
                    } else {
                        self.inner(inner, prefix, depth, &mut Walk::default());
                    }
                }
                RouteEntry::Merge { inner, .. } => self.inner(inner, prefix, depth, walk),
            }
        }
    }

    fn inner(&self, inner: &Inner, prefix: &str, depth: usize, walk: &mut Walk) {
        match inner {
            Inner::Inline(entries) => self.walk(entries, prefix, depth, walk),
            Inner::Function { span, .. } if depth >= MAX_NESTING => walk.unreadable(
                Finding::new(
                    Rule::RoutesUnreadable,
                    span.clone(),
                    format!("routers nest more than {MAX_NESTING} functions deep here"),
                )
                .label("a router that nests itself?"),
            ),
            Inner::Function {
                candidates,
                written,
                span,
            } => match self.function(candidates) {
                Some(router) => self.walk(&router.entries, prefix, depth + 1, walk),
                None => walk.unreadable(
                    Finding::new(
                        Rule::RoutesUnreadable,
                        span.clone(),
                        format!("the routes of the router `{written}()` returns cannot be read"),
                    )
                    .label("no function of the workspace by this name ends in a router chain"),
                ),
            },
            Inner::Opaque(span) => walk.unreadable(
                Finding::new(
                    Rule::RoutesUnreadable,
                    span.clone(),
                    "the routes of this router cannot be read",
                )
                .label(
                    "not a router chain, a binding of one, or a call to a function returning one",
                ),
            ),
        }
    }

    /// A path argument's text, or `None` with a finding.
    fn path(&self, path: &RoutePath, walk: &mut Walk) -> Option<String> {
        let (span, label) = match path {
            RoutePath::Literal(text) => return Some(text.clone()),
            RoutePath::Const {
                candidates,
                written,
                span,
            } => match constants::lookup(&self.consts, candidates) {
                Some(ConstValue::Str(text)) => return Some(text),
                Some(_) => (span, format!("`{written}` does not hold a string literal")),
                None => (span, format!("no constant `{written}` found")),
            },
            RoutePath::Unreadable(span) => (span, "not a string literal or a constant".to_owned()),
        };
        walk.unreadable(
            Finding::new(
                Rule::RoutesUnreadable,
                span.clone(),
                "the path of this route cannot be read",
            )
            .label(label),
        );
        None
    }
}

/// `prefix` and `path` as axum joins a nested route: `/api` + `/` is `/api`.
fn join(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        return path.to_owned();
    }
    let prefix = prefix.trim_end_matches('/');
    match path {
        "" | "/" => prefix.to_owned(),
        _ if path.starts_with('/') => format!("{prefix}{path}"),
        _ => format!("{prefix}/{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{scan_file, FileContext};

    /// The root routers of one file as `"/a GET,HEAD; /b *"`, one per line, then the
    /// findings, each with the text it points at.
    fn roots(text: &str) -> String {
        let tallyho = ["tallyho".to_owned()];
        let context = FileContext::standalone("p", &tallyho);
        let scan = scan_file(&context, text);
        let (routers, findings) = read(&[scan]);
        let mut lines: Vec<String> = routers
            .iter()
            .map(|r| {
                let routes: Vec<String> = r
                    .routes
                    .iter()
                    .map(|route| {
                        let methods = route
                            .methods
                            .as_ref()
                            .map_or("*".to_owned(), |m| m.join(","));
                        format!("{} {methods}", route.template)
                    })
                    .collect();
                let mark = if r.unreadable { " (unreadable)" } else { "" };
                format!(
                    "{}{mark} @ {}",
                    routes.join("; "),
                    &text[r.span.range.clone()]
                )
            })
            .collect();
        lines.extend(findings.iter().map(|f| {
            format!(
                "! {}: `{}` ({})",
                f.message,
                &text[f.span.range.clone()],
                f.label
            )
        }));
        lines.join("\n")
    }

    #[test]
    fn a_router_bound_by_let_is_nested_under_its_prefix_not_a_root() {
        let text = r#"
fn app() -> Router {
    let admin = Router::new().route("/stats", get(ok));
    Router::new().route("/", get(ok)).nest("/admin", admin)
}
"#;
        assert_eq!(
            roots(text),
            r#"/ GET,HEAD; /admin/stats GET,HEAD @ Router::new().route("/", get(ok)).nest("/admin", admin)"#
        );
    }

    #[test]
    fn merged_extended_moved_and_cloned_bindings_are_followed() {
        let text = r#"
fn app() -> Router {
    let public = Router::new().route("/a", get(ok));
    let more = public.route("/b", post(ok));
    let moved = more;
    let admin: Router = Router::new().route("/stats", get(ok)).layer(auth());
    Router::new()
        .merge(moved.layer(trace()))
        .nest("/admin", admin.clone())
        .nest("/v2/admin", admin)
}
"#;
        let found = roots(text);
        let (routes, span) = found.split_once(" @ ").unwrap_or_default();
        assert_eq!(
            routes,
            "/a GET,HEAD; /b POST; /admin/stats GET,HEAD; /v2/admin/stats GET,HEAD"
        );
        assert!(
            span.starts_with("Router::new()\n        .merge("),
            "{found}"
        );
        assert!(!span.contains(" @ "), "one root: {found}");
    }

    #[test]
    fn a_mutable_binding_reassigned_and_a_shadowing_let_keep_their_routes() {
        let text = r#"
async fn main() {
    let mut app = Router::new();
    app = app.route("/a", get(ok));
    if verbose() {
        app = app.route("/debug", get(ok));
    }
    let app = app.nest("/api", api::routes());
    let app = app.layer(trace());
    serve(listener(), app).await;
}
"#;
        assert_eq!(
            roots(text),
            "/a GET,HEAD; /debug GET,HEAD (unreadable) @ Router::new();\n    app = app.route(\"/a\", get(ok));\n    if verbose() {\n        app = app.route(\"/debug\", get(ok));\n    }\n    let app = app.nest(\"/api\", api::routes())\n! the routes of the router `api::routes()` returns cannot be read: `api::routes` (no function of the workspace by this name ends in a router chain)"
        );
    }

    #[test]
    fn an_unused_binding_is_a_root_and_a_shadowed_one_too() {
        let text = r#"
fn main() {
    let app = Router::new().route("/old", get(ok));
    let app = Router::new().route("/new", get(ok));
    serve(app);
}
"#;
        assert_eq!(
            roots(text),
            "/old GET,HEAD @ Router::new().route(\"/old\", get(ok))\n/new GET,HEAD @ Router::new().route(\"/new\", get(ok))"
        );
    }

    #[test]
    fn a_function_ending_in_a_binding_is_named_by_nest() {
        let text = r#"
fn admin() -> Router {
    let router = Router::new().route("/stats", get(ok));
    router.layer(auth())
}

fn api() -> Router {
    let mut api = Router::new();
    api = api.route("/orders", get(ok));
    api
}

fn app() -> Router {
    let api = api();
    Router::new().nest("/admin", admin()).nest("/api", api)
}
"#;
        assert_eq!(
            roots(text),
            r#"/admin/stats GET,HEAD; /api/orders GET,HEAD @ Router::new().nest("/admin", admin()).nest("/api", api)"#
        );
    }

    #[test]
    fn closures_and_blocks_give_their_routers() {
        let text = r#"
fn main() {
    let health = || Router::new().route("/health", get(ok));
    let admin = {
        let stats = Router::new().route("/stats", get(ok));
        stats.route("/users", get(ok))
    };
    let app = Router::new().merge(health()).nest("/admin", admin);
    runtime().block_on(async move {
        let docs = Router::new().route("/docs", get(ok));
        serve(app.merge(docs)).await
    });
}
"#;
        assert_eq!(
            roots(text),
            "/health GET,HEAD; /admin/stats GET,HEAD; /admin/users GET,HEAD; /docs GET,HEAD @ Router::new().merge(health()).nest(\"/admin\", admin);\n    runtime().block_on(async move {\n        let docs = Router::new().route(\"/docs\", get(ok));\n        serve(app.merge(docs)"
        );
    }

    #[test]
    fn parameters_and_shadowing_names_stay_unreadable_where_they_are_written() {
        // `extra` is a parameter, the last `admin` a call's result, and the closure's
        // `admin` its parameter: only the first `admin`, never used, is a root of its own.
        let text = r#"
fn app(extra: Router) -> Router {
    let admin = Router::new().route("/stats", get(ok));
    let routes = |admin: Router| Router::new().nest("/admin", admin);
    let admin = load();
    Router::new().merge(extra).merge(admin).merge(routes(Router::new()))
}
"#;
        assert_eq!(
            roots(text),
            "/stats GET,HEAD @ Router::new().route(\"/stats\", get(ok))\n (unreadable) @ Router::new().merge(extra).merge(admin).merge(routes(Router::new()))\n! the routes of this router cannot be read: `extra` (not a router chain, a binding of one, or a call to a function returning one)\n! the routes of the router `load()` returns cannot be read: `load` (no function of the workspace by this name ends in a router chain)\n! the routes of this router cannot be read: `admin` (not a router chain, a binding of one, or a call to a function returning one)"
        );
    }

    #[test]
    fn joins_prefixes_as_axum_does() {
        assert_eq!(join("", "/health"), "/health");
        assert_eq!(join("/api", "/orders/{id}"), "/api/orders/{id}");
        assert_eq!(join("/api/", "/orders"), "/api/orders");
        assert_eq!(join("/api", "/"), "/api");
    }
}
