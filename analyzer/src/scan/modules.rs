//! The `mod` items of a file: how the module tree grows from a crate root. Files that mention
//! tallyho get them from their syntax tree; every other file from its tokens alone (no
//! parse), which is cheap enough for every file of a large workspace.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::Meta;

use crate::cfg::CfgSet;

/// A `mod name;` whose `cfg` does not rule it out: a file the crate compiles.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModDecl {
    /// The module's name.
    pub(crate) name: String,
    /// The inline modules (`mod a { mod b; }`) it is declared inside, outermost first.
    pub(crate) inline: Vec<String>,
    /// Its `#[path = ".."]`, when given.
    pub(crate) path: Option<String>,
    /// The `cfg` it is compiled under that the analyzer cannot decide, from its own
    /// attributes, the inline modules around it and the file's `#![cfg]`: everything in the
    /// module inherits it.
    pub(crate) cfg: Option<String>,
}

crate::codec_struct!(ModDecl {
    name,
    inline,
    path,
    cfg
});

/// The `#[path = ".."]` among attribute metas.
pub(crate) fn path_attribute<'m>(metas: impl IntoIterator<Item = &'m Meta>) -> Option<String> {
    metas.into_iter().find_map(|meta| match meta {
        Meta::NameValue(pair) if pair.path.is_ident("path") => match &pair.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(path),
                ..
            }) => Some(path.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The compiled `mod name;` items of a file's text, read from its tokens. Empty when the
/// file does not lex (the compiler reports that) or a `#![cfg]` rules the whole file out.
pub(crate) fn from_tokens(text: &str, cfg: &CfgSet<'_>) -> Vec<ModDecl> {
    let Ok(tokens) = text.parse::<TokenStream>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut level = Level {
        inline: Vec::new(),
        condition: None,
    };
    walk(tokens, &mut level, cfg, &mut out);
    out
}

/// Where in the file a token level is: the inline modules around it and the undecided
/// `cfg` it is compiled under.
struct Level {
    inline: Vec<String>,
    condition: Option<String>,
}

/// One token level: attributes gather until the item they belong to.
fn walk(tokens: TokenStream, level: &mut Level, cfg: &CfgSet<'_>, out: &mut Vec<ModDecl>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut attrs: Vec<Meta> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let inner =
                    matches!(tokens.get(i + 1), Some(TokenTree::Punct(b)) if b.as_char() == '!');
                let at = i + 1 + usize::from(inner);
                if let Some(TokenTree::Group(g)) = tokens.get(at) {
                    if let Ok(meta) = syn::parse2::<Meta>(g.stream()) {
                        // `#![cfg(..)]` off: the whole module is not compiled.
                        if inner && cfg.attribute(&meta) == Some(Some(false)) {
                            return;
                        }
                        if inner {
                            let residual = cfg.residual_metas([&meta]);
                            level.condition = crate::cfg::conjoin(
                                level.condition.as_deref(),
                                residual.as_deref(),
                            );
                        } else {
                            attrs.push(meta);
                        }
                    }
                }
                i = at + 1;
                continue;
            }
            TokenTree::Ident(id) if id == "pub" => {
                let scoped = matches!(tokens.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                i += 1 + usize::from(scoped);
                continue;
            }
            TokenTree::Ident(id) if id == "mod" => {
                if let Some(TokenTree::Ident(name)) = tokens.get(i + 1) {
                    let enabled = attrs.iter().all(|m| cfg.attribute(m) != Some(Some(false)));
                    let residual = cfg.residual_metas(&attrs);
                    let condition =
                        crate::cfg::conjoin(level.condition.as_deref(), residual.as_deref());
                    match tokens.get(i + 2) {
                        Some(TokenTree::Punct(p)) if p.as_char() == ';' && enabled => {
                            out.push(ModDecl {
                                name: unraw(name),
                                inline: level.inline.clone(),
                                path: path_attribute(&attrs),
                                cfg: condition,
                            })
                        }
                        Some(TokenTree::Group(g))
                            if g.delimiter() == Delimiter::Brace && enabled =>
                        {
                            let mut inner = Level {
                                inline: level.inline.clone(),
                                condition,
                            };
                            inner.inline.push(unraw(name));
                            walk(g.stream(), &mut inner, cfg, out);
                        }
                        _ => {}
                    }
                    i += 3;
                    attrs.clear();
                    continue;
                }
            }
            _ => {}
        }
        attrs.clear();
        i += 1;
    }
}

/// A module's name as its file is named: `mod r#type;` is the module `type`, in `type.rs`.
fn unraw(name: &proc_macro2::Ident) -> String {
    let name = name.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mods_with_cfg_path_and_inline_modules() {
        let features = ["on".to_owned()];
        let cfg = CfgSet {
            features: &features,
        };
        let text = r#"
            //! mod in_a_comment;
            pub mod a;
            #[cfg(test)] mod tests;
            #[cfg(feature = "on")] pub(crate) mod b;
            #[cfg(feature = "off")] mod c;
            #[path = "x/y.rs"] mod d;
            mod e { pub mod f; #[cfg(test)] mod g; }
            #[cfg(test)] mod h { mod i; }
            fn f() { let s = "mod not_an_item;"; }
        "#;
        let names: Vec<String> = from_tokens(text, &cfg)
            .into_iter()
            .map(|m| format!("{}{}:{:?}", m.inline.join("/"), m.name, m.path))
            .collect();
        assert_eq!(names, ["a:None", "b:None", "d:Some(\"x/y.rs\")", "ef:None"]);
        assert!(from_tokens("#![cfg(test)]\nmod a;", &cfg).is_empty());
        // A raw identifier names the module, and its file, without `r#`.
        let raw = from_tokens("mod r#type; mod r#match { mod r#in; }", &cfg);
        let raw: Vec<String> = raw
            .iter()
            .map(|m| format!("{}{}", m.inline.join("/"), m.name))
            .collect();
        assert_eq!(raw, ["type", "matchin"]);
    }

    #[test]
    fn undecided_cfgs_carry_down_to_the_mods_inside() {
        let text = "#![cfg(u)]\n#[cfg(v)] mod a; mod b; #[cfg(w)] mod c { #![cfg(x)] mod d; }";
        let conditions: Vec<String> = from_tokens(text, &CfgSet::default())
            .into_iter()
            .map(|m| format!("{}:{}", m.name, m.cfg.unwrap_or_default()))
            .collect();
        assert_eq!(conditions, ["a:all(u,v)", "b:u", "d:all(u,w,x)"]);
    }
}
