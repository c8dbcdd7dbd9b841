//! Function bodies the scan has no use for, left out before parsing.
//!
//! Most of a file `syn` parses is statements in function bodies, and most bodies can neither
//! declare a metric nor build a router: those are parsed as empty blocks. A body is kept
//! whole when its function names anything the scan looks for inside one: a `static` (a
//! declaration, `lazy_static!`, `thread_local!`), a macro definition, a metric type or
//! tallyho's derives, a dependency by name (tallyho, a facade), an alias the file defines
//! (`use … as X`, `type X`), or a router (`Router`, `route`, `nest`, `merge`, in the body or
//! the signature). The file is lexed once; the kept tokens keep their original spans, so every
//! offset still points into the file.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

/// Identifiers that keep a function body wherever they appear in the function.
const KEEPING: &[&str] = &[
    "static",
    "macro_rules",
    "tallyho",
    "Counter",
    "Gauge",
    "Histogram",
    "CounterGroup",
    "GaugeGroup",
    "HistogramGroup",
    "LabelSet",
    "LabelValue",
    "Router",
    "route",
    "route_service",
    "nest",
    "nest_service",
    "merge",
];

/// Parses `text` as a file, function bodies that name nothing of [`KEEPING`], `names` or the
/// file's own aliases parsed as empty blocks.
pub(crate) fn parse_file(text: &str, names: &[&str]) -> syn::Result<syn::File> {
    let tokens: TokenStream = text.parse().map_err(|err: proc_macro2::LexError| {
        syn::Error::new(err.span(), "cannot parse string into token stream")
    })?;
    let mut defined = Vec::new();
    aliases(&tokens, &mut defined);
    let mut keeping: Vec<&str> = KEEPING.to_vec();
    keeping.extend_from_slice(names);
    keeping.extend(defined.iter().map(String::as_str));
    syn::parse2(without_idle_bodies(tokens, &keeping))
}

/// Adds the names a file defines for other things (`use x as Y`, `type Y`), at any depth.
fn aliases(tokens: &TokenStream, into: &mut Vec<String>) {
    let mut after_keyword = false;
    for token in tokens.clone() {
        match token {
            TokenTree::Ident(ident) => {
                if after_keyword {
                    into.push(ident.to_string().trim_start_matches("r#").to_owned());
                }
                after_keyword = ident == "as" || ident == "type";
            }
            TokenTree::Group(group) => {
                aliases(&group.stream(), into);
                after_keyword = false;
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => after_keyword = false,
        }
    }
}

/// The same tokens, each function body that names nothing in `keeping` emptied.
fn without_idle_bodies(tokens: TokenStream, keeping: &[&str]) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut signature_from = None;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Ident(ident) if ident == "fn" => signature_from = Some(i),
            TokenTree::Punct(p) if p.as_char() == ';' => signature_from = None,
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                if let Some(from) = signature_from.take() {
                    let function = &tokens[from..=i];
                    if !function.iter().any(|t| names_any(t, keeping)) {
                        out.push(empty_like(group));
                        continue;
                    }
                }
                out.push(TokenTree::Group(recurse(group, keeping)));
                continue;
            }
            _ => {}
        }
        out.push(match token {
            TokenTree::Group(group) => TokenTree::Group(recurse(group, keeping)),
            other => other.clone(),
        });
    }
    out.into_iter().collect()
}

/// `group` with the bodies inside it emptied the same way.
fn recurse(group: &Group, keeping: &[&str]) -> Group {
    let mut inner = Group::new(
        group.delimiter(),
        without_idle_bodies(group.stream(), keeping),
    );
    inner.set_span(group.span());
    inner
}

/// An empty group in the place of `group`.
fn empty_like(group: &Group) -> TokenTree {
    let mut empty = Group::new(group.delimiter(), TokenStream::new());
    empty.set_span(group.span());
    TokenTree::Group(empty)
}

/// Whether `token`, or any token inside it, is an identifier in `keeping`.
fn names_any(token: &TokenTree, keeping: &[&str]) -> bool {
    match token {
        TokenTree::Ident(ident) => keeping.iter().any(|name| ident == name),
        TokenTree::Group(group) => group.stream().into_iter().any(|t| names_any(&t, keeping)),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn kept(text: &str) -> String {
        let file = parse_file(text, &["obs"]).expect("parses");
        file.to_token_stream().to_string()
    }

    #[test]
    fn idle_bodies_are_emptied_and_the_rest_kept() {
        let out = kept(
            "fn idle() { let x = 1 + compute(); x }\n\
             fn declares() { static HITS: Counter = Counter::new(\"hits\"); }\n\
             fn facade() { obs::Gauge::new(\"g\"); }\n\
             fn router() -> Router { build() }\n\
             impl S { fn method(&self) -> u8 { self.0 } }\n\
             trait T { fn required(&self); fn provided(&self) { work() } }\n\
             fn outer() { fn inner() { work() } }",
        );
        assert!(!out.contains("compute"), "{out}");
        assert!(
            out.contains("HITS") && out.contains("obs") && out.contains("build"),
            "{out}"
        );
        assert!(!out.contains("self . 0") && !out.contains("work"), "{out}");
        assert!(out.contains("fn required"), "{out}");
    }

    #[test]
    fn aliases_the_file_defines_keep_bodies() {
        let out = kept(
            "use tallyho::Counter as Hits;\ntype Tally = obs::Counter;\n\
             fn a() { Hits::new(\"a\"); }\nfn b() { Tally::new(\"b\"); }",
        );
        assert!(out.contains("\"a\"") && out.contains("\"b\""), "{out}");
    }

    #[test]
    fn spans_stay_offsets_into_the_text() {
        let text = "fn idle() { noise() }\nstatic X: u8 = 1;";
        let file = parse_file(text, &[]).expect("parses");
        let syn::Item::Static(item) = &file.items[1] else {
            panic!("a static");
        };
        assert_eq!(&text[item.ident.span().byte_range()], "X");
    }

    #[test]
    fn unbalanced_text_is_the_lexers_error() {
        let Err(err) = parse_file("fn f() {", &[]) else {
            panic!("unbalanced text parsed");
        };
        assert_eq!(err.to_string(), "cannot parse string into token stream");
    }
}
