//! A declaration's HELP from its doc comment, by rustdoc's rules: the summary is the first
//! paragraph, a `/** .. */` block loses its ` * ` margin, and a bare `///` line ends a
//! paragraph.

/// The summary (first paragraph) of an item's doc comment, as one line.
pub(crate) fn doc_comment(attrs: &[syn::Attribute]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for text in attrs.iter().filter_map(doc_text) {
        if text.contains('\n') {
            lines.extend(block_lines(&text));
        } else {
            // One `///` line (`""` for a bare `///`, a paragraph break).
            lines.push(text.trim().to_owned());
        }
    }
    summary(&lines)
}

/// The text of one `#[doc = ".."]` (a `///` line or a `/** */` block).
fn doc_text(attr: &syn::Attribute) -> Option<String> {
    if !attr.path().is_ident("doc") {
        return None;
    }
    let syn::Meta::NameValue(meta) = &attr.meta else {
        return None;
    };
    match &meta.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => Some(text.value()),
        _ => None,
    }
}

/// The lines of a `/** .. */` block with its margin stripped: a first and last line of
/// only `*`s dropped, and the ` * ` column removed when every other line has it.
fn block_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<&str> = text.lines().collect();
    let decoration = |l: &str| l.trim().chars().all(|c| c == '*');
    if lines.first().is_some_and(|l| decoration(l)) {
        lines.remove(0);
    }
    if lines.last().is_some_and(|l| decoration(l)) {
        lines.pop();
    }
    let starred = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.trim_start().starts_with('*'));
    lines
        .into_iter()
        .map(|l| {
            let l = l.trim();
            let l = if starred {
                l.strip_prefix('*').unwrap_or(l)
            } else {
                l
            };
            l.trim().to_owned()
        })
        .collect()
}

/// The first paragraph: from the first non-blank line to a blank line or a code fence.
fn summary(lines: &[String]) -> String {
    let fence = |l: &str| l.starts_with("```") || l.starts_with("~~~");
    let paragraph: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty() && !fence(l))
        .collect();
    paragraph.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(source: &str) -> String {
        let item: syn::ItemStatic = syn::parse_str(source).expect("parses");
        doc_comment(&item.attrs)
    }

    #[test]
    fn the_summary_is_the_first_paragraph() {
        assert_eq!(
            help("/// Orders placed.\n/// Per region.\n///\n/// More.\nstatic X: u8 = 0;"),
            "Orders placed. Per region."
        );
        assert_eq!(
            help("///\n/// Orders.\n/// ```\n/// code\n/// ```\nstatic X: u8 = 0;"),
            "Orders."
        );
        assert_eq!(
            help("/**\n * Orders placed.\n * Per region.\n *\n * More.\n */\nstatic X: u8 = 0;"),
            "Orders placed. Per region."
        );
        assert_eq!(
            help("/** Orders placed. */\nstatic X: u8 = 0;"),
            "Orders placed."
        );
        assert_eq!(
            help("#[doc = \"Orders placed.\"]\nstatic X: u8 = 0;"),
            "Orders placed."
        );
    }
}
