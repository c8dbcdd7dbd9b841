//! The files an analysis read, and positions inside them.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub(crate) u32);

/// A byte range in one file: where a finding points.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Byte offsets into the file's text.
    pub range: Range<usize>,
}

crate::codec_struct!(FileId(index));

crate::codec_struct!(Span { file, range });

/// One file the analysis looked at. Files that were only prefiltered keep no text.
#[derive(Debug)]
pub struct SourceFile {
    /// The absolute path.
    pub path: PathBuf,
    /// The path relative to the workspace root, with `/` separators: what findings show.
    pub name: String,
    /// The contents, for files that were parsed or that a finding points into.
    pub text: Arc<str>,
    /// The package it belongs to, when that is outside the workspace: findings in it are
    /// reported against that package.
    pub dependency: Option<String>,
}

/// Every file an analysis read, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub(crate) fn add(&mut self, root: &Path, path: PathBuf, text: Arc<str>) -> FileId {
        let name = display_name(root, &path);
        self.add_as(name, path, text)
    }

    /// Adds a file under the name findings show for it.
    pub(crate) fn add_as(&mut self, name: String, path: PathBuf, text: Arc<str>) -> FileId {
        self.files.push(SourceFile {
            path,
            name,
            text,
            dependency: None,
        });
        FileId(self.files.len() as u32 - 1)
    }

    /// Marks the file `id` as part of `package`, outside the workspace.
    pub(crate) fn set_dependency(&mut self, id: FileId, package: &str) {
        self.files[id.0 as usize].dependency = Some(package.to_owned());
    }

    /// The file behind `id`.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file, in the order added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, id: FileId, offset: usize) -> (usize, usize) {
        line_column(&self.get(id).text, offset)
    }
}

/// 1-based line and column (in characters) of a byte offset into `text`, clamped to it.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// `offset`, within `text` and moved back to a character boundary.
pub(crate) fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// `path` relative to `root` with `/` separators, or the whole path when outside it.
pub(crate) fn display_name(root: &Path, path: &Path) -> String {
    let Ok(relative) = path.strip_prefix(root) else {
        return path.display().to_string();
    };
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let mut map = SourceMap::default();
        let id = map.add(
            Path::new("/w"),
            PathBuf::from("/w/src/lib.rs"),
            "ab\nçd\n".into(),
        );
        assert_eq!(map.get(id).name, "src/lib.rs");
        assert_eq!(map.line_column(id, 0), (1, 1));
        assert_eq!(map.line_column(id, 3), (2, 1));
        assert_eq!(map.line_column(id, 5), (2, 2));
        assert_eq!(
            map.line_column(id, 4),
            (2, 1),
            "inside a character: its start"
        );
        assert_eq!(map.line_column(id, 99), (3, 1));
    }
}
