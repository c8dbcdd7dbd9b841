//! How tallyho reads label sets from Rust syntax.
//!
//! `#[derive(LabelSet)]` (at compile time) and the analyzer (at build time) both read label
//! structs; they share this crate so a field the derive accepts is one the analyzer counts the
//! same way: the same type classes, the same keys, the same snake_case values.

#![forbid(unsafe_code)]

use syn::{Attribute, GenericArgument, LitInt, LitStr, PathArguments, Type, TypePath};

// The key rules are spec facts: the derive, the analyzer and the exporters must agree.
pub use tallyho_spec::{label_key_problem, KeyProblem, RESERVED_LABEL_KEYS};

/// What a label field's type says about its values.
#[derive(Clone, Copy)]
pub enum FieldType<'a> {
    /// `bool`.
    Bool,
    /// Any other path: it must be an enum deriving `LabelValue`.
    Enum(&'a TypePath),
    /// `Option<T>` of a `bool` or enum `T` (the inner type).
    Optional(&'a Type),
    /// `String`, `&str`, `Box<str>`, `Cow<str>`, `Arc<str>`, `Rc<str>`: interned at run time.
    OpenString,
    /// Integers: interned by their decimal form.
    OpenInteger,
    /// Never a label type, and why.
    Unsupported(&'static str),
}

impl FieldType<'_> {
    /// Whether values are only known at run time, so `max_values` is required.
    pub fn is_open(&self) -> bool {
        matches!(self, FieldType::OpenString | FieldType::OpenInteger)
    }
}

/// Classifies a label field's type.
pub fn classify(ty: &Type) -> FieldType<'_> {
    match ty {
        Type::Reference(reference) if is_str(&reference.elem) => FieldType::OpenString,
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return FieldType::Unsupported("an empty path");
            };
            match last.ident.to_string().as_str() {
                "bool" if path.path.segments.len() == 1 => FieldType::Bool,
                "String" if last.arguments.is_empty() => FieldType::OpenString,
                "Box" | "Cow" | "Arc" | "Rc" if has_str_argument(&last.arguments) => FieldType::OpenString,
                "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => {
                    FieldType::OpenInteger
                }
                "f32" | "f64" => FieldType::Unsupported("floating-point values are not label values"),
                "u128" | "i128" | "char" => FieldType::Unsupported("this primitive is not a label type"),
                "Vec" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" => {
                    FieldType::Unsupported("a collection is not a label value")
                }
                "Option" => match option_inner(&last.arguments) {
                    Some(inner) => match classify(inner) {
                        FieldType::Bool | FieldType::Enum(_) => FieldType::Optional(inner),
                        FieldType::Unsupported(reason) => FieldType::Unsupported(reason),
                        _ => FieldType::Unsupported(
                            "Option is supported around bool and LabelValue enums only; map None of an open value to a value of its own",
                        ),
                    },
                    None => FieldType::Unsupported("Option takes one type"),
                },
                _ => FieldType::Enum(path),
            }
        }
        _ => FieldType::Unsupported("this kind of type is not a label type"),
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

/// The `#[label(...)]` attribute on a field (`rename`, `max_values`) or a variant (`rename`).
#[derive(Default)]
pub struct LabelAttr {
    /// `rename = "key"` on a field, `rename = "value"` on a variant.
    pub rename: Option<LitStr>,
    /// `max_values = N`, at least 1.
    pub max_values: Option<LitInt>,
}

impl LabelAttr {
    /// Parses every `#[label]` among `attrs`; `max_values` is allowed only on fields.
    pub fn parse(attrs: &[Attribute], allow_max_values: bool) -> syn::Result<LabelAttr> {
        let mut out = LabelAttr::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    out.rename = Some(meta.value()?.parse()?);
                    Ok(())
                } else if meta.path.is_ident("max_values") && allow_max_values {
                    let bound: LitInt = meta.value()?.parse()?;
                    if bound.base10_parse::<usize>()? == 0 {
                        return Err(syn::Error::new_spanned(
                            bound,
                            "max_values must be at least 1",
                        ));
                    }
                    out.max_values = Some(bound);
                    Ok(())
                } else {
                    let expected = if allow_max_values {
                        "`rename` or `max_values`"
                    } else {
                        "`rename`"
                    };
                    Err(meta.error(format!("unknown label attribute; expected {expected}")))
                }
            })?;
        }
        Ok(out)
    }
}

/// `CamelCase` to `snake_case`: how a `LabelValue` variant name becomes its exported value.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let boundary = match i.checked_sub(1).map(|p| chars[p]) {
                None | Some('_') => false,
                Some(p) => {
                    p.is_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_uppercase() && chars.get(i + 1).is_some_and(|n| n.is_lowercase()))
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
    use super::*;

    #[test]
    fn converts_variant_names() {
        assert_eq!(snake_case("Eu"), "eu");
        assert_eq!(snake_case("NotFound"), "not_found");
        assert_eq!(snake_case("APAC"), "apac");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("Http2"), "http2");
        assert_eq!(snake_case("V2Beta"), "v2_beta");
    }

    #[test]
    fn classifies_field_types() {
        let class = |src: &str| match classify(&syn::parse_str(src).unwrap()) {
            FieldType::Bool => "bool",
            FieldType::Enum(_) => "enum",
            FieldType::Optional(_) => "optional",
            FieldType::OpenString => "string",
            FieldType::OpenInteger => "integer",
            FieldType::Unsupported(_) => "unsupported",
        };
        assert_eq!(class("bool"), "bool");
        assert_eq!(class("Region"), "enum");
        assert_eq!(class("Option<Region>"), "optional");
        assert_eq!(class("&'static str"), "string");
        assert_eq!(class("Cow<'static, str>"), "string");
        assert_eq!(class("u16"), "integer");
        assert_eq!(class("f64"), "unsupported");
        assert_eq!(class("Option<String>"), "unsupported");
        assert_eq!(class("Vec<u8>"), "unsupported");
    }

    #[test]
    fn checks_keys() {
        assert_eq!(label_key_problem("region"), None);
        assert_eq!(label_key_problem("http-method"), Some(KeyProblem::Invalid));
        assert_eq!(label_key_problem("9x"), Some(KeyProblem::Invalid));
        assert_eq!(label_key_problem("le"), Some(KeyProblem::Reserved));
        assert_eq!(label_key_problem("__name"), Some(KeyProblem::Reserved));
    }
}
