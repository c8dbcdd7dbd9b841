//! `#[cfg(..)]` evaluated as the compiler would for the build being analyzed: the package's
//! enabled features, `test` (and `doc`, `doctest`, `miri`) off, the target's `cfg` values
//! (Cargo's `CARGO_CFG_*` inside a build script, else the host's). A predicate the analyzer
//! cannot know (`debug_assertions` outside a build script, a custom `--cfg`) is unknown, and
//! an item under it is kept: a metric is never dropped on a guess.

use syn::punctuated::Punctuated;
use syn::{Attribute, Meta, Token};

/// What a `cfg` predicate comes to: `Some(true)` on, `Some(false)` off, `None` unknown.
pub(crate) type Truth = Option<bool>;

/// The configuration one crate compiles under.
#[derive(Debug, Clone, Default)]
pub(crate) struct CfgSet<'w> {
    /// The package's enabled features.
    pub(crate) features: &'w [String],
}

impl CfgSet<'_> {
    /// Whether an item with `attrs` compiles: every `#[cfg]` on it holds (unknown counts as
    /// compiled).
    pub(crate) fn enabled(&self, attrs: &[Attribute]) -> bool {
        self.truth(attrs) != Some(false)
    }

    /// The conjunction of every `#[cfg(..)]` among `attrs`.
    pub(crate) fn truth(&self, attrs: &[Attribute]) -> Truth {
        attrs
            .iter()
            .filter_map(|a| self.attribute(&a.meta))
            .fold(Some(true), and)
    }

    /// The `cfg` predicates among `attrs` the analyzer cannot decide, as written
    /// (`debug_assertions`, `all(unix, tokio_unstable)`): what the item still depends on.
    pub(crate) fn residual(&self, attrs: &[Attribute]) -> Option<String> {
        self.residual_metas(attrs.iter().map(|a| &a.meta))
    }

    /// [`CfgSet::residual`] over attribute metas (`cfg(..)` and others).
    pub(crate) fn residual_metas<'m>(
        &self,
        metas: impl IntoIterator<Item = &'m Meta>,
    ) -> Option<String> {
        let unknown = metas
            .into_iter()
            .filter(|m| self.attribute(m) == Some(None))
            .filter_map(|m| match m {
                Meta::List(list) => list.parse_args::<Meta>().ok(),
                _ => None,
            })
            .map(|m| normalized(&m));
        unknown.fold(None, |all, one| conjoin(all.as_deref(), Some(&one)))
    }

    /// What one attribute (`cfg(..)`, as its meta) comes to; `None` when it is no `cfg`.
    pub(crate) fn attribute(&self, meta: &Meta) -> Option<Truth> {
        let Meta::List(list) = meta else {
            return None;
        };
        if !list.path.is_ident("cfg") {
            return None;
        }
        Some(list.parse_args::<Meta>().ok().and_then(|m| self.eval(&m)))
    }

    /// One predicate: `feature = "x"`, `unix`, `all(..)`, `any(..)`, `not(..)`.
    pub(crate) fn eval(&self, meta: &Meta) -> Truth {
        match meta {
            Meta::Path(path) => path.get_ident().and_then(|i| flag(&i.to_string())),
            Meta::NameValue(pair) => {
                let key = pair.path.get_ident()?.to_string();
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(value),
                    ..
                }) = &pair.value
                else {
                    return None;
                };
                self.key_value(&key, &value.value())
            }
            Meta::List(list) => {
                let name = list.path.get_ident()?.to_string();
                let args = list
                    .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                    .ok()?;
                let mut truths = args.iter().map(|m| self.eval(m));
                match name.as_str() {
                    "all" => truths.fold(Some(true), and),
                    "any" => truths.fold(Some(false), or),
                    "not" if args.len() == 1 => truths.next().flatten().map(|t| !t),
                    _ => None,
                }
            }
        }
    }

    fn key_value(&self, key: &str, value: &str) -> Truth {
        if key == "feature" {
            return Some(self.features.iter().any(|f| f == value));
        }
        target_values(key).map(|values| values.iter().any(|v| v == value))
    }
}

/// A predicate as one canonical string (no spaces), so two spellings compare equal.
fn normalized(meta: &Meta) -> String {
    quote::ToTokens::to_token_stream(meta)
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Whether two undecided conditions cannot both hold: a conjunct of one is `not(..)` of a
/// conjunct of the other. Two declarations under such `cfg`s are never in the same build.
pub(crate) fn exclusive(a: &str, b: &str) -> bool {
    let (a, b) = (conjuncts(a), conjuncts(b));
    a.iter().any(|x| {
        b.iter()
            .any(|y| *x == format!("not({y})") || *y == format!("not({x})"))
    })
}

/// Both conditions at once (`None` is no condition), as one normalized string: a module's
/// condition carries down to everything in it, so a declaration depends on its own `cfg` and
/// on every enclosing module's. Conjuncts are flattened and each kept once.
pub(crate) fn conjoin(a: Option<&str>, b: Option<&str>) -> Option<String> {
    let mut all: Vec<&str> = Vec::new();
    for part in a.into_iter().chain(b).flat_map(conjuncts) {
        if !all.contains(&part) {
            all.push(part);
        }
    }
    match all.as_slice() {
        [] => None,
        [one] => Some((*one).to_owned()),
        many => Some(format!("all({})", many.join(","))),
    }
}

/// The top-level parts of a normalized `all(..)`, or the condition itself.
fn conjuncts(condition: &str) -> Vec<&str> {
    let Some(inner) = condition
        .strip_prefix("all(")
        .and_then(|c| c.strip_suffix(')'))
    else {
        return vec![condition];
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts.retain(|p| !p.is_empty());
    parts
}

/// `a && b` over three values.
fn and(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// `a || b` over three values.
fn or(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// A bare predicate: `test` and friends are off in the build that ships; `unix` and
/// `windows` come from the target family.
fn flag(name: &str) -> Truth {
    match name {
        "test" | "doc" | "doctest" | "miri" => Some(false),
        "unix" | "windows" => target_values("target_family").map(|f| f.iter().any(|v| v == name)),
        "debug_assertions" => std::env::var_os("CARGO_CFG_TARGET_OS")
            .map(|_| std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some()),
        _ => None,
    }
}

/// The target's values for a `cfg` key: Cargo's inside a build script, else the host's.
fn target_values(key: &str) -> Option<Vec<String>> {
    let variable = format!("CARGO_CFG_{}", key.to_ascii_uppercase());
    if let Ok(value) = std::env::var(variable) {
        return Some(value.split(',').map(str::to_owned).collect());
    }
    let host = match key {
        "target_os" => std::env::consts::OS,
        "target_family" => std::env::consts::FAMILY,
        "target_arch" => std::env::consts::ARCH,
        "target_pointer_width" => {
            if cfg!(target_pointer_width = "64") {
                "64"
            } else {
                "32"
            }
        }
        "target_endian" => {
            if cfg!(target_endian = "little") {
                "little"
            } else {
                "big"
            }
        }
        _ => return None,
    };
    Some(vec![host.to_owned()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth(features: &[String], attr: &str) -> Truth {
        let item: syn::ItemStatic =
            syn::parse_str(&format!("{attr} static X: u8 = 0;")).expect("parses");
        CfgSet { features }.truth(&item.attrs)
    }

    #[test]
    fn features_test_and_combinators() {
        let on = ["x".to_owned()];
        assert_eq!(truth(&on, r#"#[cfg(feature = "x")]"#), Some(true));
        assert_eq!(truth(&on, r#"#[cfg(not(feature = "x"))]"#), Some(false));
        assert_eq!(truth(&[], r#"#[cfg(feature = "x")]"#), Some(false));
        assert_eq!(truth(&on, "#[cfg(test)]"), Some(false));
        assert_eq!(truth(&on, "#[cfg(not(test))]"), Some(true));
        assert_eq!(truth(&on, "#[cfg(all(test, tokio_unstable))]"), Some(false));
        assert_eq!(truth(&on, "#[cfg(any(test, tokio_unstable))]"), None);
        assert_eq!(
            truth(&on, r#"#[cfg(any(test, feature = "x"))]"#),
            Some(true)
        );
        assert_eq!(truth(&on, ""), Some(true));
    }

    #[test]
    fn undecided_predicates_are_kept_and_compared() {
        let item: syn::ItemStatic =
            syn::parse_str("#[cfg(not( tokio_unstable ))] #[cfg(not(test))] static X: u8 = 0;")
                .expect("parses");
        let residual = CfgSet::default().residual(&item.attrs);
        assert_eq!(residual.as_deref(), Some("not(tokio_unstable)"));
        assert!(exclusive("tokio_unstable", "not(tokio_unstable)"));
        assert!(!exclusive("tokio_unstable", "unix"));
    }

    #[test]
    fn conditions_carry_down_as_conjunctions() {
        let parent = conjoin(Some("a"), Some("all(b,any(c,d))"));
        assert_eq!(parent.as_deref(), Some("all(a,b,any(c,d))"));
        assert_eq!(conjoin(parent.as_deref(), Some("a")), parent);
        assert_eq!(conjoin(None, Some("x")).as_deref(), Some("x"));
        assert_eq!(conjoin(None, None), None);
        assert!(exclusive("all(a,not(b))", "all(b,c)"));
        assert!(exclusive("all(a,any(x,y))", "not(any(x,y))"));
        assert!(!exclusive("all(a,b)", "all(a,c)"));
    }
}
