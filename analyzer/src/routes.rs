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
            "until it can be read, the route label of the services building this router is bounded by requests.max_routes in tallyho.yaml (default {DEFAULT_MAX_ROUTES}), the unmatched route included; write paths as literals or constants, and pass `nest` and `merge` a router chain or a call to a function returning one",
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
                .label("not a router chain or a call to a function returning one"),
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

    #[test]
    fn joins_prefixes_as_axum_does() {
        assert_eq!(join("", "/health"), "/health");
        assert_eq!(join("/api", "/orders/{id}"), "/api/orders/{id}");
        assert_eq!(join("/api/", "/orders"), "/api/orders");
        assert_eq!(join("/api", "/"), "/api");
    }
}
