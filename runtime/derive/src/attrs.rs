//! The `#[label(...)]` attribute, shared by both derives.

use syn::{Attribute, LitInt, LitStr};

/// What a `#[label(...)]` attribute may say.
#[derive(Default)]
pub(crate) struct LabelAttr {
    pub(crate) rename: Option<LitStr>,
    pub(crate) max_values: Option<LitInt>,
}

impl LabelAttr {
    /// Parses every `#[label]` on an item; `allow_max_values` is false on enum variants.
    pub(crate) fn parse(attrs: &[Attribute], allow_max_values: bool) -> syn::Result<Self> {
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

/// `CamelCase` to `snake_case`, as variant names become label values.
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
    fn converts_variant_names() {
        assert_eq!(snake_case("Eu"), "eu");
        assert_eq!(snake_case("NotFound"), "not_found");
        assert_eq!(snake_case("APAC"), "apac");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("Http2"), "http2");
        assert_eq!(snake_case("V2Beta"), "v2_beta");
    }
}
