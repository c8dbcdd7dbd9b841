//! `#[derive(LabelSet)]`: a struct's fields as label dimensions with a dense index.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Field, Fields};
use tallyho_syntax::{classify, label_key_problem, FieldType, KeyProblem, LabelAttr};

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
    let krate = crate::crate_path(&input.attrs)?;
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
        let ty = &field.ty;
        let kind = classify(ty);
        let (domain, size, slot) = match (kind, &attr.max_values) {
            (FieldType::Unsupported(reason), _) => {
                return Err(syn::Error::new_spanned(
                    ty,
                    format!(
                        "unsupported label type ({reason}): use bool, an enum deriving LabelValue, Option of those, \
                         or String, &'static str or an integer with #[label(max_values = N)]"
                    ),
                ));
            }
            (FieldType::Bool | FieldType::Enum(_), None) => (
                quote! { #krate::Domain::Finite(<#ty as #krate::LabelValue>::VALUES) },
                quote! { <#ty as #krate::LabelValue>::VALUES.len() },
                quote! { #krate::LabelValue::index(&self.#ident) },
            ),
            (FieldType::Optional(ty), None) => (
                quote! { #krate::Domain::Optional(<#ty as #krate::LabelValue>::VALUES) },
                quote! { <#ty as #krate::LabelValue>::VALUES.len() + 1 },
                quote! {
                    match &self.#ident {
                        ::core::option::Option::None => 0,
                        ::core::option::Option::Some(value) => 1 + #krate::LabelValue::index(value),
                    }
                },
            ),
            (FieldType::OpenString | FieldType::OpenInteger, Some(bound)) => {
                let interner =
                    format_ident!("__TALLYHO_VALUES_{}", ident.to_string().to_uppercase());
                statics.push(quote! {
                    static #interner: #krate::Interner = #krate::Interner::new(#bound);
                });
                let slot = if matches!(kind, FieldType::OpenString) {
                    quote! { #interner.intern(::core::convert::AsRef::<str>::as_ref(&self.#ident)) }
                } else {
                    quote! { #interner.intern_integer(self.#ident as i128) }
                };
                let domain =
                    quote! { #krate::Domain::Bounded { max_values: #bound, interner: &#interner } };
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
        descriptors.push(quote! { #krate::Field { key: #key, domain: #domain } });
        steps.push(quote! { index = index * const { #size } + #slot; });
        keys.push(key);
    }
    Ok(quote! {
        const _: () = {
            #(#statics)*
            impl #krate::LabelSet for #name {
                const FIELDS: &'static [#krate::Field] = &[#(#descriptors),*];
                const CARDINALITY: usize = #krate::__private::cardinality(Self::FIELDS);
                type Cells<C: #krate::ConstZero> = [C; <#name as #krate::LabelSet>::CARDINALITY];
                type Shards<C: #krate::ConstZero> = [
                    #krate::__private::Row<[C; <#name as #krate::LabelSet>::CARDINALITY]>;
                    #krate::__private::rows_for(<#name as #krate::LabelSet>::CARDINALITY)
                ];
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
    match label_key_problem(&key) {
        None => Ok(key),
        Some(KeyProblem::Invalid) => Err(syn::Error::new(
            span,
            format!("`{key}` is not a valid label key: use [a-zA-Z_][a-zA-Z0-9_]*"),
        )),
        Some(KeyProblem::Reserved) => Err(syn::Error::new(
            span,
            format!(
                "`{key}` is a reserved label key (le, quantile, service, instance, job and __*)\n\
                 help: rename the label with #[label(rename = \"...\")]"
            ),
        )),
    }
}
