//! Reading typed fields out of a document tree, each error naming the field's path
//! (`metrics[3].kind`) and the byte offset of the value at fault: the little of a
//! deserializer the manifest needs, without one.

use std::fmt::Display;

use tallyho_analyzer::tree::{Node, Value};

/// A value that is not what its field needs.
#[derive(Debug)]
pub(super) struct Invalid {
    /// The field, from the document's root: `metrics[3].kind` (empty for the root).
    pub(super) path: String,
    /// What is wrong, in a phrase.
    pub(super) message: String,
    /// The byte offset of the value (or, for a missing field, of its mapping).
    pub(super) at: usize,
}

/// A read value, or why it could not be read.
pub(super) type Read<T> = Result<T, Invalid>;

/// Reads one value, given its path for errors.
pub(super) type Reader<T> = fn(&Node, &str) -> Read<T>;

/// An error at `node`.
pub(super) fn invalid(node: &Node, path: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        path: path.to_owned(),
        message: message.into(),
        at: node.span.start,
    }
}

/// A type error: what the field needs, and what `node` is instead.
pub(super) fn expected(node: &Node, path: &str, what: &str) -> Invalid {
    let found = match &node.value {
        Value::Scalar(s) if s.quoted => format!("the string {}", node.describe()),
        _ => node.describe(),
    };
    invalid(node, path, format!("expected {what}, found {found}"))
}

/// A mapping read as a struct: fields looked up by name under `path`.
pub(super) struct Fields<'n> {
    node: &'n Node,
    path: &'n str,
}

impl<'n> Fields<'n> {
    /// `node` as a mapping whose keys are all among `known`: any other key is an error, so a
    /// misspelled optional field is not silently dropped.
    pub(super) fn new(node: &'n Node, path: &'n str, known: &[&str]) -> Read<Fields<'n>> {
        let entries = node
            .as_map()
            .ok_or_else(|| expected(node, path, "a mapping"))?;
        for (key, _) in entries {
            match key.as_str() {
                Some(name) if known.contains(&name) => {}
                Some(name) => {
                    let message = format!("unknown field, expected one of {}", quoted(known));
                    return Err(invalid(key, &child(path, name), message));
                }
                None => {
                    let message = format!("unknown field {}", key.describe());
                    return Err(invalid(key, path, message));
                }
            }
        }
        Ok(Fields { node, path })
    }

    /// A field that must be there.
    pub(super) fn required<T>(&self, key: &str, read: Reader<T>) -> Read<T> {
        let path = child(self.path, key);
        match self.node.get(key) {
            Some(value) => read(value, &path),
            None => Err(invalid(self.node, &path, "missing field")),
        }
    }

    /// A field that may be left out, or null.
    pub(super) fn optional<T>(&self, key: &str, read: Reader<T>) -> Read<Option<T>> {
        match self.node.get(key) {
            Some(value) if !value.is_null() => read(value, &child(self.path, key)).map(Some),
            _ => Ok(None),
        }
    }

    /// A field whose absence means its default (an empty list, `false`).
    pub(super) fn or_default<T: Default>(&self, key: &str, read: Reader<T>) -> Read<T> {
        Ok(self.optional(key, read)?.unwrap_or_default())
    }
}

/// `path.key`, or `key` at the root.
pub(super) fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A sequence of values each read by `read`, at `path[0]`, `path[1]`, ...
pub(super) fn seq<T>(node: &Node, path: &str, read: Reader<T>) -> Read<Vec<T>> {
    let items = node
        .as_seq()
        .ok_or_else(|| expected(node, path, "a sequence"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| read(item, &format!("{path}[{i}]")))
        .collect()
}

/// A string: any scalar but null, as written (`version: 1.0` is the string `1.0`).
pub(super) fn string(node: &Node, path: &str) -> Read<String> {
    node.as_str()
        .map(str::to_owned)
        .ok_or_else(|| expected(node, path, "a string"))
}

/// A list of strings.
pub(super) fn strings(node: &Node, path: &str) -> Read<Vec<String>> {
    seq(node, path, string)
}

/// `true` or `false`.
pub(super) fn boolean(node: &Node, path: &str) -> Read<bool> {
    node.as_bool()
        .ok_or_else(|| expected(node, path, "`true` or `false`"))
}

/// A non-negative integer that fits `T`.
pub(super) fn integer<T: TryFrom<u64>>(node: &Node, path: &str) -> Read<T> {
    node.as_u64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| expected(node, path, "a non-negative integer"))
}

/// A finite number (`.inf` and `.nan` are no bucket bound or target).
pub(super) fn float(node: &Node, path: &str) -> Read<f64> {
    node.as_f64()
        .filter(|n| n.is_finite())
        .ok_or_else(|| expected(node, path, "a finite number"))
}

/// A list of finite numbers.
pub(super) fn floats(node: &Node, path: &str) -> Read<Vec<f64>> {
    seq(node, path, float)
}

/// One of a fixed set of words (a kind, a unit), by its spelling.
pub(super) fn word<T: Copy>(
    node: &Node,
    path: &str,
    all: &[T],
    spell: fn(T) -> &'static str,
) -> Read<T> {
    let text = node.as_str().unwrap_or_default();
    all.iter()
        .copied()
        .find(|w| spell(*w) == text)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|w| spell(*w)).collect();
            expected(node, path, &either(&names))
        })
}

/// `a, b or c`.
fn either(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// `` `a`, `b`, `c` ``.
fn quoted<T: Display>(names: &[T]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}
