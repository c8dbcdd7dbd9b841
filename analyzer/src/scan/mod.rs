//! Scanning one file: metric declarations, label structs and enums, and metric types used
//! anywhere a declaration cannot be (a function, a `const`, a closure, a macro).
//!
//! The result holds only plain data (byte ranges, strings), so files scan in parallel and
//! the parser's span table is released after each file.

mod bodies;
mod consts;
mod declaration;
mod depth;
mod docs;
mod labels;
mod modules;
mod routes;
pub(crate) mod scope;

use proc_macro2::{Span as SynSpan, TokenTree};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::catalogue::Rule;
use crate::cfg::CfgSet;
use crate::finding::Finding;
use crate::model::{Declaration, MetricType};
use crate::source::{FileId, Span};
pub(crate) use consts::{ConstValue, RawConst};
pub(crate) use docs::doc_comment;
pub(crate) use labels::{FieldKind, RawEnum, RawField, RawStruct};
pub(crate) use modules::{from_tokens as modules_from_tokens, ModDecl};
pub(crate) use routes::{Inner, RawRouter, RouteEntry, RoutePath};
pub(crate) use scope::ModuleScope;
use scope::{segments, Resolver, Scope, TALLYHO};

pub(crate) use depth::{on_parse_stack, MAX_DEPTH};
// The gather stage's pool threads get this stack (`parallel`); without a pool, `on_parse_stack`.
#[cfg(feature = "parallel")]
pub(crate) use depth::PARSE_STACK;

/// Where a file sits: its crate and module, and the crate names visible from it.
pub(crate) struct FileContext<'w> {
    pub(crate) file: FileId,
    pub(crate) package: &'w str,
    /// The package's version, when it is outside the workspace.
    pub(crate) version: Option<&'w str>,
    pub(crate) crate_name: &'w str,
    pub(crate) binary: Option<&'w str>,
    pub(crate) module: Vec<String>,
    pub(crate) externs: &'w [(String, String)],
    pub(crate) tallyho: &'w [String],
    /// The crate root's `extern crate` names (alias, crate), visible in every module.
    pub(crate) prelude: &'w [(String, String)],
    /// The configuration the crate compiles under.
    pub(crate) cfg: CfgSet<'w>,
    /// The undecided `cfg` the file's module is compiled under, from the `mod` items above it.
    pub(crate) condition: Option<&'w str>,
}

impl<'w> FileContext<'w> {
    /// A file read on its own, as the root of crate `name` with no dependency but tallyho
    /// (under the names in `tallyho`), every `cfg` undecided: for checking a snippet and for
    /// tests.
    pub(crate) fn standalone(name: &'w str, tallyho: &'w [String]) -> Self {
        FileContext {
            file: FileId(0),
            package: name,
            version: None,
            crate_name: name,
            binary: None,
            module: Vec::new(),
            externs: &[],
            tallyho,
            prelude: &[],
            cfg: CfgSet::default(),
            condition: None,
        }
    }
}

/// A declaration before its label type is looked up across the workspace.
#[derive(Debug, Clone)]
pub(crate) struct RawDeclaration {
    pub(crate) declaration: Declaration,
    /// Absolute paths the label type may have, most likely first.
    pub(crate) label_candidates: Vec<Vec<String>>,
    /// Parts given by a constant, found once every crate is scanned.
    pub(crate) pending: Vec<PendingConst>,
}

crate::codec_struct!(RawDeclaration {
    declaration,
    label_candidates,
    pending,
});

/// A module-level static whose type names something in another module or crate (`obs::Counter`
/// through a facade, `Hits` through a `pub use`): a declaration if that turns out to be a
/// tallyho metric type, read again then from its text.
#[derive(Debug, Clone)]
pub(crate) struct DeferredStatic {
    /// The type's absolute path.
    pub(crate) type_path: Vec<String>,
    /// The module it is declared in (its absolute path).
    pub(crate) module: Vec<String>,
    /// The whole item, attributes included.
    pub(crate) span: Span,
    pub(crate) package: String,
    pub(crate) version: Option<String>,
    pub(crate) crate_name: String,
    pub(crate) binary: Option<String>,
    /// The crates its package's code can name, and its names for tallyho.
    pub(crate) externs: Vec<(String, String)>,
    pub(crate) tallyho: Vec<String>,
    /// The undecided `cfg` of the modules around it.
    pub(crate) condition: Option<String>,
    /// Where its first type argument may be defined (a group's label type): followed before
    /// the static is read again, so a label file the prefilter passed over is parsed.
    pub(crate) label_candidates: Vec<Vec<String>>,
}

crate::codec_struct!(DeferredStatic {
    type_path,
    module,
    span,
    package,
    version,
    crate_name,
    binary,
    externs,
    tallyho,
    condition,
    label_candidates,
});

/// Which part of a declaration a constant gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Slot {
    /// The metric name.
    Name,
    /// The bucket bounds.
    Buckets,
}

crate::codec_enum!(Slot {
    0 => Name,
    1 => Buckets,
});

/// A constant a declaration names, to be looked up across crates.
#[derive(Debug, Clone)]
pub(crate) struct PendingConst {
    pub(crate) slot: Slot,
    /// The absolute paths it may have, most likely first.
    pub(crate) candidates: Vec<Vec<String>>,
    /// The path as written, and where.
    pub(crate) written: String,
    pub(crate) span: Span,
}

crate::codec_struct!(PendingConst {
    slot,
    candidates,
    written,
    span
});

/// Everything found in one file. Every span in it points into that file.
#[derive(Debug, Default, Clone)]
pub(crate) struct FileScan {
    pub(crate) declarations: Vec<RawDeclaration>,
    pub(crate) structs: Vec<RawStruct>,
    pub(crate) enums: Vec<RawEnum>,
    pub(crate) consts: Vec<RawConst>,
    /// What each module of the file brings into scope, for paths followed from elsewhere.
    pub(crate) modules: Vec<ModuleScope>,
    /// Statics whose type may be a metric type reached through another module or crate.
    pub(crate) deferred: Vec<DeferredStatic>,
    pub(crate) findings: Vec<Finding>,
    /// The axum router chains in its function bodies.
    pub(crate) routers: Vec<RawRouter>,
    /// The file's compiled `mod name;` items: where the module tree goes on.
    pub(crate) mods: Vec<ModDecl>,
    /// For a crate root, its `extern crate` names (alias, crate): the extern prelude its
    /// modules inherit.
    pub(crate) prelude: Vec<(String, String)>,
}

crate::codec_struct!(FileScan {
    declarations,
    structs,
    enums,
    consts,
    modules,
    deferred,
    findings,
    routers,
    mods,
    prelude,
});

impl FileScan {
    /// Whether it comes from a parse (not only the `mod` items of a file passed over).
    pub(crate) fn parsed(&self) -> bool {
        !self.modules.is_empty() || self.has_spans()
    }

    /// Whether anything in it points into the file's text (so the text must be kept).
    pub(crate) fn has_spans(&self) -> bool {
        !(self.declarations.is_empty()
            && self.deferred.is_empty()
            && self.structs.is_empty()
            && self.enums.is_empty()
            && self.routers.is_empty()
            && self.findings.is_empty())
    }

    /// Points every span at `file`: the id a cached scan's file has in this analysis.
    pub(crate) fn rebase(&mut self, file: FileId) {
        let mut spans: Vec<&mut Span> = Vec::new();
        for raw in &mut self.declarations {
            let d = &mut raw.declaration;
            spans.extend([&mut d.span, &mut d.name_span]);
            spans.extend(d.unit_span.as_mut());
            spans.extend(d.labels.as_mut().map(|l| &mut l.span));
            spans.extend(raw.pending.iter_mut().map(|p| &mut p.span));
        }
        spans.extend(self.deferred.iter_mut().map(|d| &mut d.span));
        for raw in &mut self.structs {
            spans.push(&mut raw.span);
            for field in &mut raw.fields {
                spans.extend([&mut field.key_span, &mut field.type_span]);
                spans.extend(field.max_values.as_mut().map(|(_, span)| span));
            }
        }
        for raw in &mut self.enums {
            spans.extend(raw.values.as_mut().err());
        }
        for router in &mut self.routers {
            spans.push(&mut router.span);
            spans.extend(router.entries.iter_mut().flat_map(RouteEntry::spans_mut));
        }
        for finding in &mut self.findings {
            spans.push(&mut finding.span);
            spans.extend(finding.related.iter_mut().map(|(span, _)| span));
        }
        for span in spans {
            span.file = file;
        }
    }
}

/// Scans one file's text. Never panics on any input.
pub(crate) fn scan_file(context: &FileContext<'_>, text: &str) -> FileScan {
    let mut scan = FileScan::default();
    if let Some(offset) = depth::too_deep(text) {
        scan.findings.push(
            Finding::new(
                Rule::SourceTooLarge,
                Span {
                    file: context.file,
                    range: offset..offset + 1,
                },
                format!("this file nests more than {MAX_DEPTH} levels deep"),
            )
            .label("nesting passes the limit here")
            .help("the file is not parsed: brackets, generics, closures and chains of operators or keywords all count; split the expression, or move generated code out of src/"),
        );
        return scan;
    }
    // Names that keep a function body in the parse: tallyho's and every dependency's.
    let names: Vec<&str> = context
        .tallyho
        .iter()
        .chain(context.externs.iter().map(|(local, _)| local))
        .chain(context.prelude.iter().map(|(alias, _)| alias))
        .map(String::as_str)
        .collect();
    match bodies::parse_file(&blank_preamble(text), &names) {
        Ok(file) if !context.cfg.enabled(&file.attrs) => {}
        Ok(file) => {
            let compiled = || file.items.iter().filter(|i| context.cfg.enabled(attrs(i)));
            let mut scope = Scope::new(
                context.crate_name,
                context.module.clone(),
                context.externs,
                context.tallyho,
            );
            if context.module.is_empty() {
                scan.prelude = scope.extern_prelude(compiled());
            }
            let prelude = if context.module.is_empty() {
                &scan.prelude
            } else {
                context.prelude
            };
            scope = scope.with_prelude(prelude);
            scope.add_imports(compiled());
            scan.modules.push(scope.data().clone());
            let mut scanner = Scanner {
                context,
                offset: 0,
                scopes: vec![scope],
                places: Vec::new(),
                inline: Vec::new(),
                local: context.cfg.residual(&file.attrs),
                accepted: Vec::new(),
                scan: &mut scan,
            };
            scanner.visit_file(&file);
        }
        Err(err) => {
            let span = span(context.file, err.span());
            let message = match err.to_string() {
                // The lexer's own words for an unbalanced bracket or an unterminated literal.
                lex if lex == "cannot parse string into token stream" => {
                    "unbalanced brackets or an unterminated literal".to_owned()
                }
                message => message,
            };
            scan.findings.push(
                Finding::new(Rule::SourceParse, span, format!("this file does not parse: {message}"))
                    .label(message)
                    .help("fix the syntax error; declarations in this file are not checked until it parses"),
            );
        }
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    scan
}

/// The text with a leading byte-order mark and `#!` line turned into spaces: the parser
/// skips them, and its offsets would then be measured from after them. Blanked, every offset
/// is one into the original text.
pub(crate) fn blank_preamble(text: &str) -> std::borrow::Cow<'_, str> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[bom..];
    let shebang = match rest.strip_prefix("#!") {
        // `#![attr]` is an inner attribute, not a shebang (whitespace and comments may
        // stand between `#!` and `[`; a shebang's next token is never `[`).
        Some(after) if !after.trim_start().starts_with('[') => {
            rest.find('\n').unwrap_or(rest.len())
        }
        _ => 0,
    };
    if bom + shebang == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut blanked = " ".repeat(bom + shebang);
    blanked.push_str(&text[bom + shebang..]);
    std::borrow::Cow::Owned(blanked)
}

/// Reads a deferred static again with `resolver` following paths across modules and crates:
/// its declaration, or the finding about it, when its type is a tallyho metric type.
pub(crate) fn scan_deferred(
    deferred: &DeferredStatic,
    module: &ModuleScope,
    text: &str,
    resolver: Resolver<'_>,
) -> FileScan {
    let mut scan = FileScan::default();
    let range = deferred.span.range.clone();
    let Some(item) = text
        .get(range.clone())
        .and_then(|t| syn::parse_str::<syn::ItemStatic>(t).ok())
    else {
        return scan;
    };
    let context = FileContext {
        file: deferred.span.file,
        package: &deferred.package,
        version: deferred.version.as_deref(),
        crate_name: &deferred.crate_name,
        binary: deferred.binary.as_deref(),
        module: module.path.iter().skip(1).cloned().collect(),
        externs: &deferred.externs,
        tallyho: &deferred.tallyho,
        prelude: &[],
        cfg: CfgSet::default(),
        condition: deferred.condition.as_deref(),
    };
    let scope = Scope::resolved(module, &deferred.externs, &deferred.tallyho, resolver);
    let mut scanner = Scanner {
        context: &context,
        offset: range.start,
        scopes: vec![scope],
        places: Vec::new(),
        inline: Vec::new(),
        local: None,
        accepted: Vec::new(),
        scan: &mut scan,
    };
    scanner.visit_item_static(&item);
    scan.consts.clear();
    scan
}

pub(crate) fn span(file: FileId, span: SynSpan) -> Span {
    Span {
        file,
        range: span.byte_range(),
    }
}

/// Why a metric constructor call is not a declaration, innermost first.
#[derive(Debug, Clone, Copy)]
enum Place {
    Function,
    Const,
    Closure,
    Let,
    Static,
    Wrapper,
}

impl Place {
    fn describe(self) -> &'static str {
        match self {
            Place::Function => "inside a function",
            Place::Const => "in a const, which is copied at every use",
            Place::Closure => "in a closure (lazy initialization)",
            Place::Let => "in a let binding",
            Place::Static => "in a static that is not at module level",
            Place::Wrapper => "inside a static of another type (a wrapper, an array)",
        }
    }
}

struct Scanner<'a, 'w> {
    context: &'a FileContext<'w>,
    /// Where the text parsed starts in the file (an item read again on its own).
    offset: usize,
    scopes: Vec<Scope<'w>>,
    places: Vec<Place>,
    /// The inline modules entered in this file, outermost first.
    inline: Vec<String>,
    /// The undecided `cfg` of the file's `#![cfg]` and the inline modules entered.
    local: Option<String>,
    /// Byte ranges of constructor calls that root an accepted declaration.
    accepted: Vec<std::ops::Range<usize>>,
    scan: &'a mut FileScan,
}

impl<'w> Scanner<'_, 'w> {
    fn scope(&self) -> &Scope<'w> {
        self.scopes.last().expect("a scope per module")
    }

    fn span(&self, s: SynSpan) -> Span {
        let range = s.byte_range();
        Span {
            file: self.context.file,
            range: range.start + self.offset..range.end + self.offset,
        }
    }

    /// The metric type a path to a type names (`Counter`, `tallyho::GaugeGroup`).
    fn metric_type(&self, path: &syn::Path) -> Option<(String, MetricType)> {
        let name = self
            .scope()
            .tallyho_item(&segments(path), path.leading_colon.is_some())?;
        MetricType::from_name(&name).map(|ty| (name, ty))
    }

    /// `Counter::new` and friends, spelled any way the imports allow.
    fn constructor_call(&self, call: &syn::ExprCall) -> Option<String> {
        let syn::Expr::Path(func) = &*call.func else {
            return None;
        };
        let mut path = func.path.clone();
        let last = path.segments.pop()?;
        if last.ident != "new" || path.segments.is_empty() {
            return None;
        }
        path.segments.pop_punct();
        self.metric_type(&path).map(|(name, _)| name)
    }

    fn report_in_macro(&mut self, type_name: &str, span: Span) {
        self.scan.findings.push(
            Finding::new(
                Rule::DeclarationInMacro,
                span,
                format!("a `{type_name}` is declared inside a `macro_rules!` body"),
            )
            .label("the analyzer does not expand macros: this metric is not checked or exported ahead of use")
            .help(format!(
                "declare each metric as a plain `static NAME: {type_name} = {type_name}::new(\"...\");` at module level"
            )),
        );
    }

    fn report_misplaced(&mut self, type_name: &str, span: Span, place: &str) {
        self.scan.findings.push(
            Finding::new(Rule::DeclarationNotStatic, span, format!("`{type_name}` is constructed {place}"))
                .label("not a module-level static")
                .help(format!(
                    "declare it once as `static NAME: {type_name} = {type_name}::new(\"...\");` at module level and use it from here"
                )),
        );
    }

    /// Keeps a static whose type is a path into another module or crate, to read again if
    /// that path leads to a tallyho metric type. Not in tallyho's own crate, whose paths
    /// are its own.
    fn defer(&mut self, item: &syn::ItemStatic) {
        let syn::Type::Path(ty) = &*item.ty else {
            return;
        };
        let scope = self.scope();
        let type_path = scope.absolute(&segments(&ty.path), ty.path.leading_colon.is_some());
        let std = type_path
            .first()
            .is_none_or(|first| ["std", "core", "alloc"].contains(&first.as_str()));
        if ty.qself.is_some() || std || self.context.crate_name == TALLYHO || self.offset > 0 {
            return;
        }
        let start = item
            .attrs
            .first()
            .map_or(item.static_token.span, |a| a.pound_token.span);
        let span = self.span(start.join(item.semi_token.span).unwrap_or(start));
        self.scan.deferred.push(DeferredStatic {
            type_path,
            module: scope.data().path.clone(),
            span,
            package: self.context.package.to_owned(),
            version: self.context.version.map(str::to_owned),
            crate_name: self.context.crate_name.to_owned(),
            binary: self.context.binary.map(str::to_owned),
            // The extern prelude first: it is what a name means before the dependencies.
            externs: scope
                .prelude()
                .iter()
                .chain(self.context.externs)
                .cloned()
                .collect(),
            tallyho: self.context.tallyho.to_vec(),
            condition: self.condition(&[]),
            label_candidates: first_type_argument(&ty.path)
                .map(|label| scope.candidates(label))
                .unwrap_or_default(),
        });
    }

    /// A module-level constant whose value a declaration could use.
    fn record_const(&mut self, ident: &syn::Ident, expr: &syn::Expr) {
        if let Some(value) = consts::value(self.scope(), expr) {
            let mut path = self.scope().absolute(&["self".to_owned()], false);
            path.push(ident.to_string());
            self.scan.consts.push(RawConst { path, value });
        }
    }

    fn module_level(&self) -> bool {
        self.places.is_empty()
    }

    /// The axum router chains of a function body; `ident`, for a module-level function,
    /// names the router its body ends in.
    fn record_routers(&mut self, block: &syn::Block, ident: Option<&syn::Ident>) {
        let tail = ident.map(|ident| {
            let mut path = self.scope().absolute(&["self".to_owned()], false);
            path.push(ident.to_string());
            path
        });
        let place = routes::Place {
            scope: self.scope(),
            file: self.context.file,
            offset: self.offset,
        };
        let found = routes::in_body(place, block, tail);
        let routers = found
            .into_iter()
            .map(|(function, span, entries)| RawRouter {
                function,
                package: self.context.package.to_owned(),
                crate_name: self.context.crate_name.to_owned(),
                binary: self.context.binary.map(str::to_owned),
                span,
                entries,
            });
        self.scan.routers.extend(routers);
    }

    /// The undecided `cfg` an item with `attrs` is compiled under here: its own, and every
    /// enclosing module's, in this file and above it.
    fn condition(&self, attrs: &[syn::Attribute]) -> Option<String> {
        let own = self.context.cfg.residual(attrs);
        let local = crate::cfg::conjoin(self.local.as_deref(), own.as_deref());
        crate::cfg::conjoin(self.context.condition, local.as_deref())
    }
}

impl<'ast> Visit<'ast> for Scanner<'_, '_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        // What `cfg` rules out is not compiled: not a metric, not a label type.
        let attrs = attrs(item);
        if self.context.cfg.enabled(attrs) {
            visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let name = item.ident.to_string();
        let own = self.context.cfg.residual(&item.attrs);
        let local = crate::cfg::conjoin(self.local.as_deref(), own.as_deref());
        let Some((_, items)) = &item.content else {
            self.scan.mods.push(ModDecl {
                name,
                inline: self.inline.clone(),
                path: modules::path_attribute(item.attrs.iter().map(|a| &a.meta)),
                cfg: local,
            });
            return;
        };
        let outer = std::mem::replace(&mut self.local, local);
        let mut scope = self.scope().child(&name);
        scope.add_imports(items.iter().filter(|i| self.context.cfg.enabled(attrs(i))));
        self.scan.modules.push(scope.data().clone());
        self.scopes.push(scope);
        self.inline.push(name);
        visit::visit_item_mod(self, item);
        self.inline.pop();
        self.scopes.pop();
        self.local = outer;
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        if self.module_level() {
            let metric = match &*item.ty {
                syn::Type::Path(ty) => self.metric_type(&ty.path).map(|m| (ty, m)),
                _ => None,
            };
            match metric {
                Some((ty, (type_name, metric))) => {
                    // The root call is the declaration itself, evaluable or not.
                    if let (syn::Expr::Call(root), _) = declaration::chain(&item.expr) {
                        self.accepted.push(self.span(root.span()).range);
                    }
                    match declaration::evaluate(self, item, ty, &type_name, metric) {
                        Ok(raw) => self.scan.declarations.push(raw),
                        Err(finding) => self.scan.findings.push(*finding),
                    }
                }
                None => {
                    self.record_const(&item.ident, &item.expr);
                    self.defer(item);
                }
            }
            self.places.push(Place::Wrapper);
            visit::visit_item_static(self, item);
            self.places.pop();
        } else {
            self.places.push(Place::Static);
            visit::visit_item_static(self, item);
            self.places.pop();
        }
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        if let Some(raw) = labels::label_struct(self, item) {
            self.scan.structs.push(raw);
        }
        visit::visit_item_struct(self, item);
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        self.scan.enums.push(labels::label_enum(self, item));
        visit::visit_item_enum(self, item);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let ident = self.module_level().then_some(&item.sig.ident);
        self.record_routers(&item.block, ident);
        self.places.push(Place::Function);
        visit::visit_item_fn(self, item);
        self.places.pop();
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.record_routers(&item.block, None);
        self.places.push(Place::Function);
        visit::visit_impl_item_fn(self, item);
        self.places.pop();
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.places.push(Place::Function);
        visit::visit_trait_item_fn(self, item);
        self.places.pop();
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        if self.module_level() {
            self.record_const(&item.ident, &item.expr);
        }
        self.places.push(Place::Const);
        visit::visit_item_const(self, item);
        self.places.pop();
    }

    fn visit_impl_item_const(&mut self, item: &'ast syn::ImplItemConst) {
        self.places.push(Place::Const);
        visit::visit_impl_item_const(self, item);
        self.places.pop();
    }

    fn visit_expr_closure(&mut self, expr: &'ast syn::ExprClosure) {
        self.places.push(Place::Closure);
        visit::visit_expr_closure(self, expr);
        self.places.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        self.places.push(Place::Let);
        visit::visit_local(self, local);
        self.places.pop();
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Some(type_name) = self.constructor_call(call) {
            let span = self.span(call.span());
            if !self.accepted.contains(&span.range) {
                let place = self
                    .places
                    .last()
                    .map_or("outside a declaration", |p| p.describe());
                self.report_misplaced(&type_name, span, place);
            }
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // Macro bodies are opaque tokens: look for `path::to::Type::new` of a metric type
        // among them (`lazy_static!`, `thread_local!`, a `macro_rules!` body).
        let tokens: Vec<TokenTree> = flatten(mac.tokens.clone());
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        for (end, token) in tokens.iter().enumerate() {
            let TokenTree::Ident(new) = token else {
                continue;
            };
            let Some(path) = path_before(&tokens[..end]).filter(|_| new == "new") else {
                continue;
            };
            if let Some((type_name, _)) = self.metric_type(&path) {
                // From the first segment to the last: a leading `::` has no place in the text.
                let first = path.segments.first().map(|s| s.ident.span());
                let last = path.segments.last().map(|s| s.ident.span());
                let whole = first.zip(last).and_then(|(a, b)| a.join(b)).or(first);
                let span = self.span(whole.unwrap_or_else(|| path.span()));
                if name == "macro_rules" {
                    self.report_in_macro(&type_name, span);
                } else {
                    let place = format!("inside the macro `{name}!`");
                    self.report_misplaced(&type_name, span, &place);
                }
            }
        }
        visit::visit_macro(self, mac);
    }
}

/// The path that ends just before `Type::new`'s `new` (`::tallyho::Gauge`, `th::Gauge`,
/// `Gauge`), read backwards from the `::` in front of it. `None` for a `$ty` metavariable,
/// which the analyzer cannot know.
fn path_before(tokens: &[TokenTree]) -> Option<syn::Path> {
    let punct =
        |i: usize, c: char| matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c);
    let colons = |i: usize| punct(i, ':') && punct(i + 1, ':');
    // `pos` is always at the first colon of a `::`.
    let mut pos = tokens.len().checked_sub(2).filter(|&i| colons(i))?;
    let mut segments = Vec::new();
    let leading = loop {
        let Some(TokenTree::Ident(ident)) = pos.checked_sub(1).map(|i| &tokens[i]) else {
            break !segments.is_empty();
        };
        segments.push(ident.clone());
        pos -= 1;
        match pos.checked_sub(2) {
            Some(i) if colons(i) => pos = i,
            _ => break false,
        }
    };
    if segments.is_empty() || (!leading && pos > 0 && punct(pos - 1, '$')) {
        return None;
    }
    segments.reverse();
    Some(syn::Path {
        leading_colon: leading.then(Default::default),
        segments: segments.into_iter().map(syn::PathSegment::from).collect(),
    })
}

/// The path of the first type argument of `path`'s last segment (`L` in `Group<L>`).
fn first_type_argument(path: &syn::Path) -> Option<&syn::Path> {
    let syn::PathArguments::AngleBracketed(args) = &path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(syn::Type::Path(ty)) if ty.qself.is_none() => Some(&ty.path),
        _ => None,
    })
}

/// The attributes of an item (none for the kinds whose `cfg` does not matter here).
fn attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

fn flatten(stream: proc_macro2::TokenStream) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for tree in stream {
        match tree {
            TokenTree::Group(group) => out.extend(flatten(group.stream())),
            other => out.push(other),
        }
    }
    out
}
