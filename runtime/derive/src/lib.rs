//! `#[derive(LabelSet)]` and `#[derive(LabelValue)]` for tallyho.
//!
//! Both derives check at compile time what the analyzer checks at build time, so a label set
//! that compiles is one the runtime can store densely: every field type is finite or has an
//! explicit `max_values` bound, every key is valid and unreserved.

#![forbid(unsafe_code)]

mod label_set;
mod label_value;

use proc_macro::TokenStream;
use syn::{parse_macro_input, Attribute, DeriveInput, LitStr};

/// Makes a struct with named fields usable as the labels of a metric group.
///
/// Field types: `bool`, enums deriving `LabelValue`, `Option` of those, and open types
/// (`String`, `&'static str`, integers) with `#[label(max_values = N)]`. Field names are the
/// label keys; `#[label(rename = "key")]` overrides one. Where tallyho is a dependency under
/// another name (`metrics = { package = "tallyho" }`) or reached through a facade crate, say
/// so on the struct: `#[label(crate = "metrics")]`.
#[proc_macro_derive(LabelSet, attributes(label))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_set::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Makes a fieldless enum a closed set of label values, exported in snake_case
/// (`#[label(rename = "value")]` overrides one; `#[label(crate = "...")]` on the enum names
/// tallyho where it is renamed).
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_value::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The path generated code names tallyho by: `::tallyho`, or the item's
/// `#[label(crate = "path")]` where the dependency is renamed or re-exported.
fn crate_path(attrs: &[Attribute]) -> syn::Result<proc_macro2::TokenStream> {
    let mut path = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                path = Some(lit.parse::<syn::Path>()?);
                Ok(())
            } else {
                Err(meta.error("unknown label attribute on the type; expected `crate = \"path\"`"))
            }
        })?;
    }
    Ok(match path {
        Some(path) => quote::quote!(#path),
        None => quote::quote!(::tallyho),
    })
}
