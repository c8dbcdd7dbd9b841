//! `#[derive(LabelValue)]`: a fieldless enum as a closed set of label values.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

use tallyho_syntax::{snake_case, LabelAttr};

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "LabelValue can only be derived for enums with unit variants; use bool or derive LabelSet for structs",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "LabelValue enums cannot be generic",
        ));
    }
    if data.variants.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "a LabelValue enum needs at least one variant",
        ));
    }
    let krate = crate::crate_path(&input.attrs)?;
    let mut values = Vec::new();
    let mut arms = Vec::new();
    for (index, variant) in data.variants.iter().enumerate() {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(
                &variant.fields,
                "label values must be unit variants: a variant with data has unbounded values",
            ));
        }
        let attr = LabelAttr::parse(&variant.attrs, false)?;
        let value = match &attr.rename {
            Some(lit) => lit.value(),
            None => snake_case(&variant.ident.to_string()),
        };
        if value.is_empty() {
            return Err(syn::Error::new_spanned(
                &attr.rename,
                "an empty label value means an absent label; use Option instead",
            ));
        }
        if values.contains(&value) {
            return Err(syn::Error::new_spanned(
                variant,
                format!("two variants export the label value `{value}`"),
            ));
        }
        let ident = &variant.ident;
        arms.push(quote! { Self::#ident => #index });
        values.push(value);
    }
    let name = &input.ident;
    Ok(quote! {
        impl #krate::LabelValue for #name {
            const VALUES: &'static [&'static str] = &[#(#values),*];
            #[inline]
            fn index(&self) -> usize {
                match self { #(#arms,)* }
            }
        }
    })
}
