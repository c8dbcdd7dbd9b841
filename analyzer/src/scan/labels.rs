//! Label structs and label value enums, read the way `#[derive(LabelSet)]` and
//! `#[derive(LabelValue)]` read them, so the analyzer and the compiler agree on every key,
//! value and bound.

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Fields, GenericArgument, ItemEnum, ItemStruct, PathArguments, Token, Type};

use super::scope::segments;
use super::Scanner;
use crate::source::Span;

/// A struct, recorded so a group's label type can be found and checked.
#[derive(Debug, Clone)]
pub(crate) struct RawStruct {
    pub(crate) path: Vec<String>,
    pub(crate) derives_label_set: bool,
    pub(crate) span: Span,
    pub(crate) fields: Vec<RawField>,
}

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

/// What a field's type is, syntactically.
#[derive(Debug, Clone)]
pub(crate) enum FieldKind {
    Bool,
    /// `String`, `&str`, integers: `"string"` or `"integer"`.
    Open(&'static str),
    /// A type to look up: it must be an enum deriving `LabelValue`. Candidate paths.
    Enum(Vec<Vec<String>>),
    /// `Option<T>` of a finite `T`.
    Optional(Box<FieldKind>),
    /// Never a label type; the reason.
    Unsupported(&'static str),
}

/// An enum, recorded so label fields of its type can be resolved.
#[derive(Debug, Clone)]
pub(crate) struct RawEnum {
    pub(crate) path: Vec<String>,
    pub(crate) derives_label_value: bool,
    /// The exported values, or the span of a variant that carries data.
    pub(crate) values: Result<Vec<String>, Span>,
}

pub(super) fn label_struct(scanner: &Scanner<'_, '_>, item: &ItemStruct) -> Option<RawStruct> {
    let Fields::Named(named) = &item.fields else {
        return None;
    };
    let derives_label_set = derives(scanner, &item.attrs, "LabelSet");
    let fields = named
        .named
        .iter()
        .map(|field| {
            let attr = LabelAttr::parse(&field.attrs);
            let ident = field
                .ident
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let (key, key_span, renamed) = match attr.rename {
                Some((key, span)) => (key, scanner.span(span), true),
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
                max_values: attr.max_values.map(|(n, s)| (n, scanner.span(s))),
            }
        })
        .collect();
    let mut path = scanner.scope().absolute(&["self".into()], false);
    path.push(item.ident.to_string());
    Some(RawStruct {
        path,
        derives_label_set,
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
            let attr = LabelAttr::parse(&variant.attrs);
            list.push(
                attr.rename
                    .map_or_else(|| snake_case(&variant.ident.to_string()), |(v, _)| v),
            );
        }
    }
    let mut path = scanner.scope().absolute(&["self".into()], false);
    path.push(item.ident.to_string());
    RawEnum {
        path,
        derives_label_value: derives(scanner, &item.attrs, "LabelValue"),
        values,
    }
}

fn derives(scanner: &Scanner<'_, '_>, attrs: &[Attribute], trait_name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|attr| {
            attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .is_ok_and(|paths| {
                    paths.iter().any(|path| {
                        scanner
                            .scope()
                            .tallyho_item(&segments(path), path.leading_colon.is_some())
                            .as_deref()
                            == Some(trait_name)
                    })
                })
        })
}

fn classify(scanner: &Scanner<'_, '_>, ty: &Type) -> FieldKind {
    match ty {
        Type::Reference(reference) if is_str(&reference.elem) => FieldKind::Open("string"),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return FieldKind::Unsupported("an empty path");
            };
            let name = last.ident.to_string();
            match name.as_str() {
                "bool" if path.path.segments.len() == 1 => FieldKind::Bool,
                "String" if last.arguments.is_empty() => FieldKind::Open("string"),
                "Box" | "Cow" | "Arc" | "Rc" if has_str_argument(&last.arguments) => {
                    FieldKind::Open("string")
                }
                "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => {
                    FieldKind::Open("integer")
                }
                "f32" | "f64" => {
                    FieldKind::Unsupported("floating-point values are not label values")
                }
                "u128" | "i128" | "char" => {
                    FieldKind::Unsupported("this primitive is not a label type")
                }
                "Vec" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" => {
                    FieldKind::Unsupported("a collection is not a label value")
                }
                "Option" => match option_inner(&last.arguments) {
                    Some(inner) => match classify(scanner, inner) {
                        kind @ (FieldKind::Bool | FieldKind::Enum(_)) => {
                            FieldKind::Optional(Box::new(kind))
                        }
                        FieldKind::Unsupported(reason) => FieldKind::Unsupported(reason),
                        _ => FieldKind::Unsupported("Option of an open type is not supported"),
                    },
                    None => FieldKind::Unsupported("Option takes one type"),
                },
                _ => {
                    let written = segments(&path.path);
                    let mut candidates = vec![scanner
                        .scope()
                        .absolute(&written, path.path.leading_colon.is_some())];
                    if written.len() == 1 {
                        candidates.extend(scanner.scope().glob_candidates(&written[0]));
                    }
                    FieldKind::Enum(candidates)
                }
            }
        }
        _ => FieldKind::Unsupported("this kind of type is not a label type"),
    }
}

fn is_str(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("str"))
}

fn has_str_argument(args: &PathArguments) -> bool {
    let PathArguments::AngleBracketed(args) = args else {
        return false;
    };
    args.args
        .iter()
        .any(|arg| matches!(arg, GenericArgument::Type(t) if is_str(t)))
}

fn option_inner(args: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = args else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
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

/// The `#[label(rename = "..", max_values = N)]` attribute. Malformed attributes are left
/// to the derive, which rejects them at compile time.
#[derive(Default)]
struct LabelAttr {
    rename: Option<(String, proc_macro2::Span)>,
    max_values: Option<(u64, proc_macro2::Span)>,
}

impl LabelAttr {
    fn parse(attrs: &[Attribute]) -> LabelAttr {
        let mut out = LabelAttr::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    out.rename = Some((lit.value(), lit.span()));
                } else if meta.path.is_ident("max_values") {
                    let lit: syn::LitInt = meta.value()?.parse()?;
                    out.max_values = Some((lit.base10_parse()?, lit.span()));
                }
                Ok(())
            });
        }
        out
    }
}

/// `CamelCase` to `snake_case`, exactly as `tallyho-derive` turns variants into values.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) => {
                    p.is_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
                }
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn converts_variant_names_like_the_derive() {
        assert_eq!(snake_case("Eu"), "eu");
        assert_eq!(snake_case("NotFound"), "not_found");
        assert_eq!(snake_case("APAC"), "apac");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("V2Beta"), "v2_beta");
    }
}
