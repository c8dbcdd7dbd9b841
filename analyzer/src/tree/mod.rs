//! Documents as trees of [`Node`]s, read and written without a serialization framework:
//! `tallyho.yaml` and the manifest in YAML, `cargo metadata` and the manifest in JSON.
//!
//! Every node keeps the byte range it was read from, so a finding about a configuration key
//! points at that key. Scalars keep their text; what a scalar means (a number, a boolean, a
//! string) is the reader's call, as in a schema: `reason: 123` is the string `"123"` where a
//! reason is expected.

pub mod json;
pub mod yaml;

use std::fmt;
use std::ops::Range;

/// Nesting beyond this is refused: no configuration or manifest needs it, and a parser that
/// recursed on `[[[[…` without bound would overflow its stack.
pub const MAX_DEPTH: usize = 64;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Byte offsets into the text it was read from (`0..0` for a node built in code).
    pub span: Range<usize>,
}

/// A scalar, a sequence or a mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text, after quotes and escapes are resolved.
    Scalar(Scalar),
    /// A sequence, in order.
    Seq(Vec<Node>),
    /// A mapping, in the order written; keys are unique (parsers refuse duplicates).
    Map(Vec<(Node, Node)>),
}

/// A scalar's text and whether it was quoted: an unquoted `true`, `12` or `null` is a
/// boolean, number or null, a quoted one is a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The text, escapes resolved.
    pub text: String,
    /// Written in quotes (or, for a node built in code, meant as a string).
    pub quoted: bool,
}

impl Node {
    /// A string: written quoted where it would otherwise read as something else.
    pub fn string(text: impl Into<String>) -> Node {
        Node::scalar(text.into(), true)
    }

    /// A number, boolean or other literal, written as is.
    pub fn literal(text: impl fmt::Display) -> Node {
        Node::scalar(text.to_string(), false)
    }

    /// A float, written so it reads back as the same float (`1.0`, not `1`), in the shortest
    /// such form, as serde's formatter (ryu) wrote it: Rust's own, except that from `1e-5` to
    /// `1e-4` it writes the digits out (`0.000025`, not `2.5e-5`).
    pub fn float(value: f64) -> Node {
        let text = format!("{value:?}");
        let text = match text.strip_suffix("e-5") {
            Some(mantissa) => {
                let (sign, digits) = match mantissa.strip_prefix('-') {
                    Some(digits) => ("-", digits),
                    None => ("", mantissa),
                };
                format!("{sign}0.0000{}", digits.replace('.', ""))
            }
            None => text,
        };
        Node::literal(text)
    }

    /// A sequence.
    pub fn seq(items: Vec<Node>) -> Node {
        Node::built(Value::Seq(items))
    }

    /// A mapping with string keys, in the order given.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Node)>) -> Node {
        let entries = entries
            .into_iter()
            .map(|(key, value)| (Node::string(key), value))
            .collect();
        Node::built(Value::Map(entries))
    }

    fn scalar(text: String, quoted: bool) -> Node {
        Node::built(Value::Scalar(Scalar { text, quoted }))
    }

    fn built(value: Value) -> Node {
        Node { value, span: 0..0 }
    }

    /// Whether this is null: `null`, `~`, or nothing at all.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if !s.quoted && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A scalar's text, whatever it looks like: where a string is expected, `123` is `"123"`.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if !self.is_null() => Some(&s.text),
            _ => None,
        }
    }

    /// An unquoted `true` or `false` (YAML 1.2 also accepts `True` and `TRUE`).
    pub fn as_bool(&self) -> Option<bool> {
        match self.plain()? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// An unquoted non-negative integer (`+` and `_` separators are not YAML 1.2).
    pub fn as_u64(&self) -> Option<u64> {
        let text = self.plain()?;
        let digits = text.strip_prefix('+').unwrap_or(text);
        if let Some(hex) = digits.strip_prefix("0x") {
            return u64::from_str_radix(hex, 16).ok();
        }
        if let Some(octal) = digits.strip_prefix("0o") {
            return u64::from_str_radix(octal, 8).ok();
        }
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }

    /// An unquoted number, integer or not (`.inf` and `.nan` included).
    pub fn as_f64(&self) -> Option<f64> {
        let text = self.plain()?;
        match text.trim_start_matches(['+', '-']) {
            ".inf" | ".Inf" | ".INF" => {
                return Some(if text.starts_with('-') {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                })
            }
            ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
            _ => {}
        }
        let numeric = text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
            && text.bytes().any(|b| b.is_ascii_digit());
        if numeric {
            text.parse().ok()
        } else {
            self.as_u64().map(|n| n as f64)
        }
    }

    /// An unquoted scalar's text.
    fn plain(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if !s.quoted => Some(&s.text),
            _ => None,
        }
    }

    /// A sequence's items.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// A mapping's entries.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// What this is, in words, for errors: "a mapping", "the string `x`".
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Seq(_) => "a sequence".to_owned(),
            Value::Map(_) => "a mapping".to_owned(),
            Value::Scalar(_) if self.is_null() => "nothing (null)".to_owned(),
            Value::Scalar(s) => {
                let shown: String = s.text.chars().take(40).collect();
                let more = if shown.len() < s.text.len() {
                    "…"
                } else {
                    ""
                };
                format!("`{shown}{more}`")
            }
        }
    }
}

/// Text that is not a well-formed document, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// What is wrong, in a phrase (no position: that is `at`).
    pub message: String,
    /// The byte offset it was found at.
    pub at: usize,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>, at: usize) -> ParseError {
        ParseError {
            message: message.into(),
            at,
        }
    }

    /// The 1-based line and column of the error in `text`.
    pub fn line_column(&self, text: &str) -> (usize, usize) {
        crate::source::line_column(text, self.at)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}
