//! `#[derive(LabelSet)]`: a struct's fields as label dimensions with a dense index.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Field, Fields, GenericArgument, PathArguments, Type};

use crate::attrs::LabelAttr;

/// Keys Prometheus or tallyho give a meaning of their own.
const RESERVED_KEYS: &[&str] = &["le", "quantile", "service", "instance", "job"];

/// What a field's type says about its values.
#[derive(Clone, Copy)]
enum FieldType<'a> {
    /// `bool` or an enum implementing `LabelValue`.
    Finite(&'a Type),
    /// `Option<T>` of a finite `T`.
    Optional(&'a Type),
    /// Strings, interned at run time.
    OpenString,
    /// Integers, interned by their decimal form.
    OpenInteger,
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let fields =
        match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => &named.named,
                _ => {
                    return Err(syn::Error::new_spanned(
                        &input.ident,
                        "LabelSet needs named fields: the field names are the label keys",
                    ))
                }
            },
            _ => return Err(syn::Error::new_spanned(
                &input.ident,
                "LabelSet can only be derived for structs; derive LabelValue for an enum of values",
            )),
        };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "label sets cannot be generic",
        ));
    }
    let name = &input.ident;
    let mut keys: Vec<String> = Vec::new();
    let mut statics = Vec::new();
    let mut descriptors = Vec::new();
    let mut steps = Vec::new();
    for field in fields {
        let attr = LabelAttr::parse(&field.attrs, true)?;
        let key = label_key(field, &attr)?;
        if keys.contains(&key) {
            return Err(syn::Error::new_spanned(
                field,
                format!("two fields use the label key `{key}`"),
            ));
        }
        let ident = field.ident.as_ref().expect("named field");
        let kind = classify(&field.ty)?;
        let (domain, size, slot) = match (kind, &attr.max_values) {
            (FieldType::Finite(ty), None) => (
                quote! { ::tallyho::Domain::Finite(<#ty as ::tallyho::LabelValue>::VALUES) },
                quote! { <#ty as ::tallyho::LabelValue>::VALUES.len() },
                quote! { ::tallyho::LabelValue::index(&self.#ident) },
            ),
            (FieldType::Optional(ty), None) => (
                quote! { ::tallyho::Domain::Optional(<#ty as ::tallyho::LabelValue>::VALUES) },
                quote! { <#ty as ::tallyho::LabelValue>::VALUES.len() + 1 },
                quote! {
                    match &self.#ident {
                        ::core::option::Option::None => 0,
                        ::core::option::Option::Some(value) => 1 + ::tallyho::LabelValue::index(value),
                    }
                },
            ),
            (FieldType::OpenString | FieldType::OpenInteger, Some(bound)) => {
                let interner =
                    format_ident!("__TALLYHO_VALUES_{}", ident.to_string().to_uppercase());
                statics.push(quote! {
                    static #interner: ::tallyho::Interner = ::tallyho::Interner::new(#bound);
                });
                let slot = if matches!(kind, FieldType::OpenString) {
                    quote! { #interner.intern(::core::convert::AsRef::<str>::as_ref(&self.#ident)) }
                } else {
                    quote! { #interner.intern_integer(self.#ident as i128) }
                };
                let domain = quote! { ::tallyho::Domain::Bounded { max_values: #bound, interner: &#interner } };
                (domain, quote! { #bound + 1 }, slot)
            }
            (FieldType::OpenString | FieldType::OpenInteger, None) => {
                return Err(syn::Error::new_spanned(
                    &field.ty,
                    format!(
                        "label `{key}` has unbounded values\n\
                         help: bound it with #[label(max_values = N)]; values past N are exported as `__overflow__`"
                    ),
                ));
            }
            (_, Some(bound)) => {
                return Err(syn::Error::new_spanned(
                    bound,
                    "max_values only applies to open types (String, &str, integers); this field's values are already finite",
                ));
            }
        };
        descriptors.push(quote! { ::tallyho::Field { key: #key, domain: #domain } });
        steps.push(quote! { index = index * const { #size } + #slot; });
        keys.push(key);
    }
    Ok(quote! {
        const _: () = {
            #(#statics)*
            impl ::tallyho::LabelSet for #name {
                const FIELDS: &'static [::tallyho::Field] = &[#(#descriptors),*];
                const CARDINALITY: usize = ::tallyho::__private::cardinality(Self::FIELDS);
                type Cells<C: ::tallyho::ConstZero> = [C; <#name as ::tallyho::LabelSet>::CARDINALITY];
                #[inline]
                fn index(&self) -> usize {
                    let mut index = 0usize;
                    #(#steps)*
                    index
                }
            }
        };
    })
}

fn label_key(field: &Field, attr: &LabelAttr) -> syn::Result<String> {
    let (key, span) = match &attr.rename {
        Some(lit) => (lit.value(), lit.span()),
        None => {
            let ident = field.ident.as_ref().expect("named field");
            (
                ident.to_string().trim_start_matches("r#").to_owned(),
                ident.span(),
            )
        }
    };
    let valid = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(syn::Error::new(
            span,
            format!("`{key}` is not a valid label key: use [a-zA-Z_][a-zA-Z0-9_]*"),
        ));
    }
    if key.starts_with("__") || RESERVED_KEYS.contains(&key.as_str()) {
        return Err(reserved(span, &key));
    }
    Ok(key)
}

fn reserved(span: Span, key: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "`{key}` is a reserved label key (le, quantile, service, instance, job and __*)\n\
             help: rename the label with #[label(rename = \"...\")]"
        ),
    )
}

fn classify(ty: &Type) -> syn::Result<FieldType<'_>> {
    match ty {
        Type::Reference(reference) if is_str(&reference.elem) => Ok(FieldType::OpenString),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last().expect("a path has a segment");
            let name = last.ident.to_string();
            match name.as_str() {
                "String" | "Box" | "Cow" | "Arc" | "Rc" if is_stringish(&name, &last.arguments) => Ok(FieldType::OpenString),
                "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => {
                    Ok(FieldType::OpenInteger)
                }
                "f32" | "f64" | "u128" | "i128" | "char" | "Vec" | "HashMap" | "BTreeMap" => {
                    Err(unsupported(ty))
                }
                "Option" => match option_inner(&last.arguments) {
                    Some(inner) => match classify(inner)? {
                        FieldType::Finite(inner) => Ok(FieldType::Optional(inner)),
                        _ => Err(syn::Error::new_spanned(
                            ty,
                            "Option is supported around bool and LabelValue enums only; map None of an open value to a value of its own",
                        )),
                    },
                    None => Err(unsupported(ty)),
                },
                _ => Ok(FieldType::Finite(ty)),
            }
        }
        _ => Err(unsupported(ty)),
    }
}

fn is_str(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("str"))
}

/// `String`, `Box<str>`, `Cow<'_, str>`, `Arc<str>`, `Rc<str>`.
fn is_stringish(name: &str, args: &PathArguments) -> bool {
    if name == "String" {
        return args.is_empty();
    }
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

fn unsupported(ty: &Type) -> syn::Error {
    syn::Error::new_spanned(
        ty,
        "unsupported label type: use bool, an enum deriving LabelValue, Option of those, \
         or String, &'static str or an integer with #[label(max_values = N)]",
    )
}
