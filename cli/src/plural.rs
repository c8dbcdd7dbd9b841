//! Counted nouns for the one-line summaries.

/// `n word`, or `n words`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
