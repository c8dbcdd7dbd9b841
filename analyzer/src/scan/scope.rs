//! Name resolution inside one module: `use` imports, globs, `crate`/`self`/`super`, and
//! which paths name tallyho's types.

use std::collections::{HashMap, HashSet};

use syn::{Item, UseTree};

/// How absolute paths spell tallyho's crate, whatever name a package gives it.
pub(crate) const TALLYHO: &str = tallyho_spec::builtin::PACKAGE;

/// What one module brings into scope, as plain data: kept in the scan so that paths into it
/// can be followed from other files and crates (`pub use` chains, re-exporting facades).
#[derive(Debug, Clone, Default)]
pub(crate) struct ModuleScope {
    /// The module's absolute path: crate, modules.
    pub(crate) path: Vec<String>,
    /// Local name -> absolute path (`[crate, module.., item]`).
    pub(crate) imports: HashMap<String, Vec<String>>,
    /// Modules glob-imported (`use x::*`), as absolute paths.
    pub(crate) globs: Vec<Vec<String>>,
    /// Items defined in the module itself: they shadow glob imports.
    pub(crate) locals: HashSet<String>,
}

crate::codec_struct!(ModuleScope {
    path,
    imports,
    globs,
    locals,
});

/// Follows a path across modules and crates to what it names: `Some(item)` for a tallyho
/// item, by its name.
pub(crate) type Resolver<'w> = &'w dyn Fn(&[String]) -> Option<String>;

/// What paths in one module resolve to. Rust scopes imports per module, so an inline
/// `mod x { .. }` gets a scope of its own.
#[derive(Clone)]
pub(crate) struct Scope<'w> {
    pub(crate) crate_name: &'w str,
    pub(crate) module: Vec<String>,
    data: ModuleScope,
    /// Other crates, by the name this crate's code uses and their own crate name.
    externs: &'w [(String, String)],
    /// The names tallyho goes by in this package.
    tallyho: &'w [String],
    /// The crate root's `extern crate` items (alias, crate): in Rust 2018 they join the
    /// extern prelude, so every module of the crate can name them.
    prelude: Vec<(String, String)>,
    /// Paths into other modules, followed once every file is scanned.
    resolver: Option<Resolver<'w>>,
}

impl<'w> Scope<'w> {
    pub(crate) fn new(
        crate_name: &'w str,
        module: Vec<String>,
        externs: &'w [(String, String)],
        tallyho: &'w [String],
    ) -> Self {
        let mut path = vec![crate_name.to_owned()];
        path.extend(module.iter().cloned());
        Scope {
            crate_name,
            module,
            data: ModuleScope {
                path,
                ..ModuleScope::default()
            },
            externs,
            tallyho,
            prelude: Vec::new(),
            resolver: None,
        }
    }

    /// This scope with the crate root's `extern crate` names in the extern prelude.
    pub(crate) fn with_prelude(mut self, prelude: &[(String, String)]) -> Self {
        self.prelude = prelude.to_vec();
        self
    }

    /// What the `extern crate` items among a crate root's `items` add to the extern prelude,
    /// as (name, crate): `extern crate tallyho as th;` is `th` for tallyho in every module,
    /// `extern crate self as me;` is `me` for this crate.
    pub(crate) fn extern_prelude<'i>(
        &self,
        items: impl IntoIterator<Item = &'i Item>,
    ) -> Vec<(String, String)> {
        let crates = items.into_iter().filter_map(|item| match item {
            Item::ExternCrate(item) => Some(item),
            _ => None,
        });
        crates
            .filter_map(|item| {
                let name = item.ident.to_string();
                let alias = item.rename.as_ref().map_or(&item.ident, |(_, r)| r);
                let krate = match name.as_str() {
                    "self" if item.rename.is_none() => return None,
                    "self" => self.data.path.first().cloned()?,
                    _ => self.extern_crate(&name).unwrap_or(&name).to_owned(),
                };
                Some((alias.to_string(), krate))
            })
            .collect()
    }

    /// The crates this module can name by a single identifier besides the package's
    /// dependencies: the crate root's `extern crate` items.
    pub(crate) fn prelude(&self) -> &[(String, String)] {
        &self.prelude
    }

    /// A module's scope as scanned, with `resolver` to follow paths into other modules.
    pub(crate) fn resolved(
        data: &ModuleScope,
        externs: &'w [(String, String)],
        tallyho: &'w [String],
        resolver: Resolver<'w>,
    ) -> Self {
        Scope {
            crate_name: "",
            module: data.path.iter().skip(1).cloned().collect(),
            data: data.clone(),
            externs,
            tallyho,
            prelude: Vec::new(),
            resolver: Some(resolver),
        }
    }

    /// The scope of an inline `mod name { .. }` inside this one.
    pub(crate) fn child(&self, name: &str) -> Scope<'w> {
        let mut module = self.module.clone();
        module.push(name.to_owned());
        let mut child = Scope::new(self.crate_name, module, self.externs, self.tallyho)
            .with_prelude(&self.prelude);
        child.resolver = self.resolver;
        child
    }

    /// What the module brings into scope, as plain data.
    pub(crate) fn data(&self) -> &ModuleScope {
        &self.data
    }

    /// Records what `items` bring into scope: `use` imports, `extern crate` aliases, type
    /// aliases (`type Hits = tallyho::Counter`) and the module's own type names.
    pub(crate) fn add_imports<'i>(&mut self, items: impl IntoIterator<Item = &'i Item>) {
        // Type aliases last: what they name may be imported below them.
        let (aliases, others): (Vec<&Item>, Vec<&Item>) =
            items.into_iter().partition(|i| matches!(i, Item::Type(_)));
        for item in others.into_iter().chain(aliases) {
            match item {
                Item::Use(item) => {
                    let mut prefix = Vec::new();
                    self.add_use_tree(&item.tree, &mut prefix, item.leading_colon.is_some());
                }
                Item::ExternCrate(item) => {
                    let name = item.ident.to_string();
                    let alias = item.rename.as_ref().map_or(&item.ident, |(_, r)| r);
                    if name != "self" {
                        let target = self.absolute(&[name], true);
                        self.data.imports.insert(alias.to_string(), target);
                    }
                }
                Item::Type(alias) => match &*alias.ty {
                    syn::Type::Path(ty) if ty.qself.is_none() => {
                        let path =
                            self.absolute(&segments(&ty.path), ty.path.leading_colon.is_some());
                        self.data.imports.insert(alias.ident.to_string(), path);
                    }
                    _ => {
                        self.data.locals.insert(alias.ident.to_string());
                    }
                },
                Item::Struct(item) => {
                    self.data.locals.insert(item.ident.to_string());
                }
                Item::Enum(item) => {
                    self.data.locals.insert(item.ident.to_string());
                }
                Item::Union(item) => {
                    self.data.locals.insert(item.ident.to_string());
                }
                Item::Trait(item) => {
                    self.data.locals.insert(item.ident.to_string());
                }
                _ => {}
            }
        }
    }

    fn add_use_tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>, leading_colon: bool) {
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.add_use_tree(&path.tree, prefix, leading_colon);
                prefix.pop();
            }
            UseTree::Name(name) => {
                let ident = name.ident.to_string();
                if ident == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        let path = self.absolute(prefix, leading_colon);
                        self.data.imports.insert(last, path);
                    }
                } else {
                    prefix.push(ident.clone());
                    let path = self.absolute(prefix, leading_colon);
                    prefix.pop();
                    self.data.imports.insert(ident, path);
                }
            }
            UseTree::Rename(rename) => {
                let original = rename.ident.to_string();
                let path = if original == "self" {
                    self.absolute(prefix, leading_colon)
                } else {
                    prefix.push(original);
                    let path = self.absolute(prefix, leading_colon);
                    prefix.pop();
                    path
                };
                self.data.imports.insert(rename.rename.to_string(), path);
            }
            UseTree::Glob(_) => {
                let path = self.absolute(prefix, leading_colon);
                self.data.globs.push(path);
            }
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.add_use_tree(tree, prefix, leading_colon);
                }
            }
        }
    }

    /// The absolute path (`[crate, modules.., item]`) that `segments` names here.
    pub(crate) fn absolute(&self, segments: &[String], leading_colon: bool) -> Vec<String> {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        let rest = &segments[1..];
        let mut out: Vec<String>;
        match first.as_str() {
            _ if leading_colon => {
                out = vec![self.extern_crate(first).unwrap_or(first).to_owned()];
                out.extend_from_slice(rest);
            }
            "crate" => {
                out = vec![self.data.path[0].clone()];
                out.extend_from_slice(rest);
            }
            "self" => {
                out = self.here();
                out.extend_from_slice(rest);
            }
            "super" => {
                out = self.here();
                out.pop();
                let mut rest = rest;
                while rest.first().is_some_and(|s| s == "super") {
                    out.pop();
                    rest = &rest[1..];
                }
                if out.is_empty() {
                    out.push(self.data.path[0].clone());
                }
                out.extend_from_slice(rest);
            }
            _ => {
                if let Some(imported) = self.data.imports.get(first) {
                    out = imported.clone();
                    out.extend_from_slice(rest);
                } else if let Some(krate) = self.extern_crate(first) {
                    out = vec![krate.to_owned()];
                    out.extend_from_slice(rest);
                } else {
                    out = self.here();
                    out.extend_from_slice(segments);
                }
            }
        }
        out
    }

    /// Where the type at `path` may be defined, most likely first: the path the imports
    /// give, then, for a bare identifier, each non-tallyho glob import.
    pub(crate) fn candidates(&self, path: &syn::Path) -> Vec<Vec<String>> {
        let written = segments(path);
        let mut candidates = vec![self.absolute(&written, path.leading_colon.is_some())];
        if let [ident] = written.as_slice() {
            candidates.extend(self.glob_candidates(ident));
        }
        candidates
    }

    /// Where a derive macro's `path` may lead to tallyho's through other modules: the path
    /// the imports give, or for an identifier nothing here imports, the glob imports (else it
    /// is the standard prelude's, like `Debug`). Nothing for a path into `std`.
    pub(crate) fn derive_candidates(&self, path: &syn::Path) -> Vec<Vec<String>> {
        let written = segments(path);
        let absolute = self.absolute(&written, path.leading_colon.is_some());
        let std = absolute
            .first()
            .is_none_or(|first| ["std", "core", "alloc"].contains(&first.as_str()));
        match written.as_slice() {
            _ if std => Vec::new(),
            [ident] if !self.data.imports.contains_key(ident) => self.glob_candidates(ident),
            _ => vec![absolute],
        }
    }

    /// Candidate absolute paths for a single identifier brought in by glob imports.
    fn glob_candidates(&self, ident: &str) -> Vec<Vec<String>> {
        self.data
            .globs
            .iter()
            .filter(|glob| !self.is_tallyho_path(glob))
            .map(|glob| {
                let mut path = glob.clone();
                path.push(ident.to_owned());
                path
            })
            .collect()
    }

    fn here(&self) -> Vec<String> {
        self.data.path.clone()
    }

    /// The crate a path's first segment names, if it names one, by its own name (tallyho
    /// as [`TALLYHO`], whatever this package calls it).
    fn extern_crate<'s>(&'s self, name: &'s str) -> Option<&'s str> {
        if let Some((_, krate)) = self.prelude.iter().find(|(alias, _)| alias == name) {
            return Some(krate);
        }
        if self.tallyho.iter().any(|t| t == name) {
            return Some(TALLYHO);
        }
        self.externs
            .iter()
            .find(|(local, _)| local == name)
            .map(|(_, krate)| krate.as_str())
    }

    fn is_tallyho_path(&self, path: &[String]) -> bool {
        path.len() == 1 && path[0] == TALLYHO
    }

    /// The tallyho item a path names (`Counter` for `tallyho::Counter`, an imported or
    /// glob-imported `Counter`, a re-export of it in another module or crate once a resolver
    /// is given), if it names one.
    pub(crate) fn tallyho_item(&self, segments: &[String], leading_colon: bool) -> Option<String> {
        let absolute = self.absolute(segments, leading_colon);
        if absolute.len() >= 2 && absolute[0] == TALLYHO && self.reaches_tallyho() {
            return absolute.last().cloned();
        }
        let [ident] = segments else {
            return self.resolver.and_then(|resolve| resolve(&absolute));
        };
        if self.data.imports.contains_key(ident) || self.data.locals.contains(ident) {
            return self.resolver.and_then(|resolve| resolve(&absolute));
        }
        // `Counter` with `use tallyho::*` (or a glob of a module re-exporting it).
        for glob in &self.data.globs {
            if self.is_tallyho_path(glob) && self.reaches_tallyho() {
                return Some(ident.clone());
            }
            let mut path = glob.clone();
            path.push(ident.clone());
            if let Some(item) = self.resolver.and_then(|resolve| resolve(&path)) {
                return Some(item);
            }
        }
        None
    }

    /// Whether a path starting with [`TALLYHO`] is the runtime (not the runtime's own code).
    fn reaches_tallyho(&self) -> bool {
        !self.tallyho.is_empty() || self.resolver.is_some()
    }
}

/// The identifiers of a `syn::Path`, as strings.
pub(crate) fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(source: &str) -> Scope<'static> {
        static EXTERNS: &[(String, String)] = &[];
        static TALLYHO: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| vec!["tallyho".into()]);
        let file: syn::File = syn::parse_str(source).expect("valid Rust");
        let mut scope = Scope::new("shop", vec!["orders".into()], EXTERNS, &TALLYHO);
        scope.add_imports(&file.items);
        scope
    }

    fn path(s: &str) -> Vec<String> {
        s.split("::").map(str::to_owned).collect()
    }

    #[test]
    fn resolves_imports_aliases_and_relative_paths() {
        let scope = scope(
            "use tallyho::{Counter as C, self as th}; use crate::labels::{OrderLabels, Region as R}; use super::x::*;",
        );
        assert_eq!(
            scope.tallyho_item(&path("C"), false).as_deref(),
            Some("Counter")
        );
        assert_eq!(
            scope.tallyho_item(&path("th::Gauge"), false).as_deref(),
            Some("Gauge")
        );
        assert_eq!(
            scope
                .tallyho_item(&path("tallyho::Histogram"), false)
                .as_deref(),
            Some("Histogram")
        );
        assert_eq!(scope.tallyho_item(&path("Counter"), false), None);
        assert_eq!(
            scope.absolute(&path("OrderLabels"), false),
            path("shop::labels::OrderLabels")
        );
        assert_eq!(
            scope.absolute(&path("R"), false),
            path("shop::labels::Region")
        );
        assert_eq!(
            scope.absolute(&path("Local"), false),
            path("shop::orders::Local")
        );
        assert_eq!(scope.absolute(&path("super::Up"), false), path("shop::Up"));
        assert_eq!(
            scope.candidates(&syn::parse_str("T").unwrap()),
            vec![path("shop::orders::T"), path("shop::x::T")]
        );
    }

    #[test]
    fn glob_imports_of_tallyho_name_its_types() {
        let scope = scope("use tallyho::*;");
        assert_eq!(
            scope.tallyho_item(&path("CounterGroup"), false).as_deref(),
            Some("CounterGroup")
        );
    }

    #[test]
    fn a_local_type_shadows_a_glob_import() {
        let scope = scope("use tallyho::*; struct Counter;");
        assert_eq!(scope.tallyho_item(&path("Counter"), false), None);
        assert_eq!(
            scope.tallyho_item(&path("Gauge"), false).as_deref(),
            Some("Gauge")
        );
    }

    #[test]
    fn extern_crate_aliases_and_type_aliases_name_tallyho() {
        let scope = scope("extern crate tallyho as th; type Hits = th::Counter;");
        assert_eq!(
            scope.tallyho_item(&path("th::Gauge"), false).as_deref(),
            Some("Gauge")
        );
        assert_eq!(
            scope.tallyho_item(&path("Hits"), false).as_deref(),
            Some("Counter")
        );
    }
}
