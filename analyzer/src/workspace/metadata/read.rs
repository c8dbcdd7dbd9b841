//! [`Metadata`] out of `cargo metadata`'s JSON, field by field. Unknown fields are skipped
//! (cargo adds some in every release); a missing one is an error naming its path.

use std::path::PathBuf;

use super::{DepKind, Metadata, Node, NodeDep, Package, Resolve, Target};
use crate::tree::{self, ParseError};

type Read<T> = Result<T, ParseError>;

/// A JSON object being read; `path` names it in errors (`packages[3].targets[0]`).
struct Object<'n> {
    node: &'n tree::Node,
    path: String,
}

impl<'n> Object<'n> {
    fn new(node: &'n tree::Node, path: String) -> Read<Object<'n>> {
        match node.as_map() {
            Some(_) => Ok(Object { node, path }),
            None => Err(expected(node, &path, "an object")),
        }
    }

    fn path_of(&self, key: &str) -> String {
        match self.path.as_str() {
            "" => key.to_owned(),
            path => format!("{path}.{key}"),
        }
    }

    /// A field that must be there.
    fn field(&self, key: &str) -> Read<&'n tree::Node> {
        self.node.get(key).ok_or_else(|| {
            let message = prefixed(&self.path, format!("missing field `{key}`"));
            ParseError::new(message, self.node.span.start)
        })
    }

    fn string(&self, key: &str) -> Read<String> {
        string(self.field(key)?, &self.path_of(key))
    }

    fn file_path(&self, key: &str) -> Read<PathBuf> {
        self.string(key).map(PathBuf::from)
    }

    /// A list of strings; `required: false` reads a missing one as empty.
    fn strings(&self, key: &str, required: bool) -> Read<Vec<String>> {
        self.list(key, required, |node, path| string(node, &path))
    }

    /// A list of objects, each read by `read`; `required: false` reads a missing one as empty.
    fn objects<T>(
        &self,
        key: &str,
        required: bool,
        read: fn(Object<'n>) -> Read<T>,
    ) -> Read<Vec<T>> {
        self.list(key, required, |node, path| read(Object::new(node, path)?))
    }

    fn list<T>(
        &self,
        key: &str,
        required: bool,
        read: impl Fn(&'n tree::Node, String) -> Read<T>,
    ) -> Read<Vec<T>> {
        let node = match self.node.get(key) {
            None if !required => return Ok(Vec::new()),
            _ => self.field(key)?,
        };
        let path = self.path_of(key);
        let items = node
            .as_seq()
            .ok_or_else(|| expected(node, &path, "an array"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| read(item, format!("{path}[{i}]")))
            .collect()
    }
}

fn string(node: &tree::Node, path: &str) -> Read<String> {
    node.as_str()
        .map(str::to_owned)
        .ok_or_else(|| expected(node, path, "a string"))
}

fn expected(node: &tree::Node, path: &str, what: &str) -> ParseError {
    let message = format!("expected {what}, found {}", node.describe());
    ParseError::new(prefixed(path, message), node.span.start)
}

/// `path: message`, or the message alone at the top level.
fn prefixed(path: &str, message: String) -> String {
    match path {
        "" => message,
        path => format!("{path}: {message}"),
    }
}

pub(super) fn metadata(root: &tree::Node) -> Read<Metadata> {
    let root = Object::new(root, String::new())?;
    let resolve = match root.node.get("resolve") {
        Some(node) if !node.is_null() => Some(resolve(Object::new(node, "resolve".to_owned())?)?),
        _ => None,
    };
    Ok(Metadata {
        packages: root.objects("packages", true, package)?,
        workspace_members: root.strings("workspace_members", true)?,
        resolve,
        workspace_root: root.file_path("workspace_root")?,
    })
}

fn package(object: Object<'_>) -> Read<Package> {
    Ok(Package {
        id: object.string("id")?,
        name: object.string("name")?,
        version: object.string("version")?,
        manifest_path: object.file_path("manifest_path")?,
        targets: object.objects("targets", true, target)?,
    })
}

fn target(object: Object<'_>) -> Read<Target> {
    Ok(Target {
        name: object.string("name")?,
        kind: object.strings("kind", true)?,
        src_path: object.file_path("src_path")?,
    })
}

fn resolve(object: Object<'_>) -> Read<Resolve> {
    Ok(Resolve {
        nodes: object.objects("nodes", true, node)?,
    })
}

fn node(object: Object<'_>) -> Read<Node> {
    Ok(Node {
        id: object.string("id")?,
        deps: object.objects("deps", false, node_dep)?,
        features: object.strings("features", false)?,
    })
}

fn node_dep(object: Object<'_>) -> Read<NodeDep> {
    Ok(NodeDep {
        name: object.string("name")?,
        pkg: object.string("pkg")?,
        dep_kinds: object.objects("dep_kinds", false, dep_kind)?,
    })
}

fn dep_kind(object: Object<'_>) -> Read<DepKind> {
    let kind = match object.node.get("kind") {
        Some(kind) if !kind.is_null() => Some(string(kind, &object.path_of("kind"))?),
        _ => None,
    };
    Ok(DepKind { kind })
}
