//! Label structs and label value enums, read the way `#[derive(LabelSet)]` and
//! `#[derive(LabelValue)]` read them, so the analyzer and the compiler agree on every key,
//! value and bound.

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Fields, ItemEnum, ItemStruct, Token, Type};
use tallyho_syntax::{snake_case, FieldType, LabelAttr};

use super::scope::segments;
use super::Scanner;
use crate::source::Span;

/// A struct, recorded so a group's label type can be found and checked.
#[derive(Debug, Clone)]
pub(crate) struct RawStruct {
    pub(crate) path: Vec<String>,
    pub(crate) derives_label_set: bool,
    /// Derives that may be tallyho's `LabelSet` under another path (a crate's own `prelude`,
    /// a facade), to follow once every module is scanned; empty once settled.
    pub(crate) derive_paths: Vec<Vec<String>>,
    pub(crate) span: Span,
    pub(crate) fields: Vec<RawField>,
}

crate::codec_struct!(RawStruct {
    path,
    derives_label_set,
    derive_paths,
    span,
    fields,
});

/// One field of a label struct, before enum types are looked up.
#[derive(Debug, Clone)]
pub(crate) struct RawField {
    pub(crate) key: String,
    pub(crate) key_span: Span,
    pub(crate) renamed: bool,
    pub(crate) type_name: String,
    pub(crate) type_span: Span,
    pub(crate) kind: FieldKind,
    pub(crate) max_values: Option<(u64, Span)>,
}

crate::codec_struct!(RawField {
    key,
    key_span,
    renamed,
    type_name,
    type_span,
    kind,
    max_values,
});

/// What a field's type is, syntactically.
#[derive(Debug, Clone)]
pub(crate) enum FieldKind {
    Bool,
    /// `String`, `&str`, integers: `"string"` or `"integer"`.
    Open(String),
    /// A type to look up: it must be an enum deriving `LabelValue`. Candidate paths.
    Enum(Vec<Vec<String>>),
    /// `Option<T>` of a finite `T`.
    Optional(Box<FieldKind>),
    /// Never a label type; the reason.
    Unsupported(String),
}

crate::codec_enum!(FieldKind {
    0 => Bool,
    1 => Open(kind),
    2 => Enum(candidates),
    3 => Optional(inner),
    4 => Unsupported(reason),
});

/// An enum, recorded so label fields of its type can be resolved.
#[derive(Debug, Clone)]
pub(crate) struct RawEnum {
    pub(crate) path: Vec<String>,
    pub(crate) derives_label_value: bool,
    /// Derives that may be tallyho's `LabelValue` under another path, as for structs.
    pub(crate) derive_paths: Vec<Vec<String>>,
    /// The exported values, or the span of a variant that carries data.
    pub(crate) values: Result<Vec<String>, Span>,
}

crate::codec_struct!(RawEnum {
    path,
    derives_label_value,
    derive_paths,
    values,
});

pub(super) fn label_struct(scanner: &Scanner<'_, '_>, item: &ItemStruct) -> Option<RawStruct> {
    let Fields::Named(named) = &item.fields else {
        return None;
    };
    let (derives_label_set, derive_paths) = derives(scanner, &item.attrs, "LabelSet");
    // Other structs are kept by name only: enough to say one used as labels lacks the derive.
    let fields = if !derives_label_set && derive_paths.is_empty() {
        Vec::new()
    } else {
        named
            .named
            .iter()
            .map(|field| {
                // A malformed attribute is the derive's to reject; read what is there.
                let attr = LabelAttr::parse(&field.attrs, true).unwrap_or_default();
                let ident = field
                    .ident
                    .as_ref()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                let (key, key_span, renamed) = match &attr.rename {
                    Some(lit) => (lit.value(), scanner.span(lit.span()), true),
                    None => (
                        ident.trim_start_matches("r#").to_owned(),
                        scanner.span(field.ident.as_ref().map_or(field.span(), |i| i.span())),
                        false,
                    ),
                };
                RawField {
                    key,
                    key_span,
                    renamed,
                    type_name: type_name(&field.ty),
                    type_span: scanner.span(field.ty.span()),
                    kind: classify(scanner, &field.ty),
                    max_values: attr
                        .max_values
                        .as_ref()
                        .and_then(|lit| Some((lit.base10_parse().ok()?, scanner.span(lit.span())))),
                }
            })
            .collect()
    };
    let mut path = scanner.scope().absolute(&["self".into()], false);
    path.push(item.ident.to_string());
    Some(RawStruct {
        path,
        derives_label_set,
        derive_paths,
        span: scanner.span(item.ident.span()),
        fields,
    })
}

pub(super) fn label_enum(scanner: &Scanner<'_, '_>, item: &ItemEnum) -> RawEnum {
    let mut values = Ok(Vec::new());
    for variant in &item.variants {
        if !matches!(variant.fields, Fields::Unit) {
            values = Err(scanner.span(variant.span()));
            break;
        }
        if let Ok(list) = &mut values {
            let attr = LabelAttr::parse(&variant.attrs, false).unwrap_or_default();
            let value = attr
                .rename
                .map_or_else(|| snake_case(&variant.ident.to_string()), |lit| lit.value());
            list.push(value);
        }
    }
    let mut path = scanner.scope().absolute(&["self".into()], false);
    path.push(item.ident.to_string());
    let (derives_label_value, derive_paths) = derives(scanner, &item.attrs, "LabelValue");
    RawEnum {
        path,
        derives_label_value,
        derive_paths,
        values,
    }
}

/// Whether `attrs` derive tallyho's `trait_name` by a path this module's imports decide, and
/// else the absolute paths of the derives that may still lead to it through other modules
/// (a derive is a path like any other: `use crate::prelude::*` re-exporting tallyho's).
fn derives(
    scanner: &Scanner<'_, '_>,
    attrs: &[Attribute],
    trait_name: &str,
) -> (bool, Vec<Vec<String>>) {
    let scope = scanner.scope();
    let mut undecided = Vec::new();
    let derived = attrs.iter().filter(|a| a.path().is_ident("derive"));
    for attr in derived {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        for path in &paths {
            match scope.tallyho_item(&segments(path), path.leading_colon.is_some()) {
                Some(item) if item == trait_name => return (true, Vec::new()),
                Some(_) => {}
                None => undecided.extend(scope.derive_candidates(path)),
            }
        }
    }
    (false, undecided)
}

fn classify(scanner: &Scanner<'_, '_>, ty: &Type) -> FieldKind {
    match tallyho_syntax::classify(ty) {
        FieldType::Bool => FieldKind::Bool,
        FieldType::Enum(path) => FieldKind::Enum(scanner.scope().candidates(&path.path)),
        FieldType::Optional(inner) => FieldKind::Optional(Box::new(classify(scanner, inner))),
        FieldType::OpenString => FieldKind::Open("string".to_owned()),
        FieldType::OpenInteger => FieldKind::Open("integer".to_owned()),
        FieldType::Unsupported(reason) => FieldKind::Unsupported(reason.to_owned()),
    }
}

fn type_name(ty: &Type) -> String {
    quote_type(ty)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace("& ", "&")
}

fn quote_type(ty: &Type) -> String {
    use quote::ToTokens;
    ty.to_token_stream().to_string()
}
