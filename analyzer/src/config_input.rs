//! `tallyho.yaml` as untrusted input, before and around `serde_yaml`: only a regular file of
//! at most [`MAX_CONFIG_BYTES`] is read (a FIFO, a device, a socket, or a symlink to one, is
//! refused without opening it for long), anchors and aliases are refused, what the YAML
//! expands to is bounded anyway, and the keys findings point at are indexed in one pass.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Read;
use std::ops::Range;
use std::path::Path;

use serde::de::{DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

/// The largest `tallyho.yaml` read: 1 MiB, room for some 20,000 overrides.
pub(crate) const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Reads the configuration file at `path`: `None` if there is none, an error message if it is
/// not a regular file of at most [`MAX_CONFIG_BYTES`] of UTF-8. Never blocks on a FIFO and
/// never reads more than one byte past the limit.
pub(crate) fn read(path: &Path) -> Option<Result<String, String>> {
    // Follows symlinks: a link to /dev/zero is a device.
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(err) => return Some(Err(err.to_string())),
    };
    Some(check_kind(&meta).and_then(|()| read_regular(path)))
}

/// A regular file within the size limit, or why not.
fn check_kind(meta: &fs::Metadata) -> Result<(), String> {
    if !meta.is_file() {
        return Err(format!("it is {}, not a regular file", kind(meta)));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_large(meta.len()));
    }
    Ok(())
}

fn too_large(bytes: u64) -> String {
    format!("it is {bytes} bytes, over the {MAX_CONFIG_BYTES} byte limit")
}

/// What a file that is not regular is, in words.
fn kind(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let file_type = meta.file_type();
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Opens without blocking (the file may have been swapped for a FIFO since it was checked),
/// checks the opened file again, and reads at most one byte past the limit.
fn read_regular(path: &Path) -> Result<String, String> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file: File = options.open(path).map_err(|e| e.to_string())?;
    check_kind(&file.metadata().map_err(|e| e.to_string())?)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!("it is over the {MAX_CONFIG_BYTES} byte limit"));
    }
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())
}

/// The first anchor (`&name`) or alias (`*name`) in `text`: tallyho.yaml has no use for them,
/// and aliases can expand a small file into gigabytes.
pub(crate) fn anchor_or_alias(text: &str) -> Option<Range<usize>> {
    Yaml::new(text.as_bytes()).find()
}

/// A light YAML lexer: just enough to tell where a node may start (where `&` and `*` are
/// anchors and aliases) from the inside of scalars and comments.
struct Yaml<'t> {
    text: &'t [u8],
    at: usize,
    /// Open `[` and `{`.
    flow: usize,
    /// Whether a node may start here.
    node: bool,
    /// The indentation of the current line.
    indent: usize,
}

impl<'t> Yaml<'t> {
    fn new(text: &'t [u8]) -> Yaml<'t> {
        Yaml {
            text,
            at: 0,
            flow: 0,
            node: true,
            indent: 0,
        }
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.text.get(self.at + ahead).copied().unwrap_or(b'\n')
    }

    fn find(mut self) -> Option<Range<usize>> {
        self.line_start();
        while self.at < self.text.len() {
            let byte = self.peek(0);
            if self.node && (byte == b'&' || byte == b'*') {
                return Some(self.at..self.at + 1 + self.name_len(self.at + 1));
            }
            self.step(byte);
        }
        None
    }

    /// The length of the anchor name starting at `from`.
    fn name_len(&self, from: usize) -> usize {
        self.text[from.min(self.text.len())..]
            .iter()
            .take_while(|b| !b.is_ascii_whitespace() && !b"[]{},".contains(b))
            .count()
    }

    /// Indentation at a line's start; a node may start after it.
    fn line_start(&mut self) {
        let spaces = self.text[self.at..]
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        self.at += spaces;
        self.indent = spaces;
        self.node = true;
    }

    fn step(&mut self, byte: u8) {
        let space_after = matches!(self.peek(1), b' ' | b'\t' | b'\r' | b'\n');
        let space_before = self.at == 0 || self.text[self.at - 1].is_ascii_whitespace();
        match byte {
            b'\n' => {
                self.at += 1;
                self.line_start();
                return;
            }
            b' ' | b'\t' | b'\r' => {}
            b'#' if space_before => return self.skip_line(),
            b'"' | b'\'' if self.node => return self.quoted(byte),
            b'|' | b'>' if self.node && self.flow == 0 => return self.block_scalar(),
            b'!' if self.node => return self.tag(),
            b'[' | b'{' => {
                self.flow += 1;
                self.node = true;
            }
            b']' | b'}' => {
                self.flow = self.flow.saturating_sub(1);
                self.node = false;
            }
            b',' if self.flow > 0 => self.node = true,
            b':' | b'-' | b'?'
                if space_after || (self.flow > 0 && b",]}".contains(&self.peek(1))) =>
            {
                self.node = byte == b':' || self.node;
            }
            _ => self.node = false,
        }
        self.at += 1;
    }

    fn skip_line(&mut self) {
        self.at =
            memchr::memchr(b'\n', &self.text[self.at..]).map_or(self.text.len(), |n| self.at + n);
    }

    /// A quoted scalar: `"` with backslash escapes, `'` with `''`.
    fn quoted(&mut self, quote: u8) {
        self.at += 1;
        while self.at < self.text.len() {
            match self.peek(0) {
                b'\\' if quote == b'"' => self.at += 2,
                b'\'' if quote == b'\'' && self.peek(1) == b'\'' => self.at += 2,
                byte if byte == quote => {
                    self.at += 1;
                    self.node = false;
                    return;
                }
                _ => self.at += 1,
            }
        }
    }

    /// `|` or `>`: the lines after it indented deeper than its own line are text.
    fn block_scalar(&mut self) {
        let indent = self.indent;
        self.skip_line();
        while self.at < self.text.len() {
            let line = &self.text[self.at + 1..];
            let spaces = line.iter().take_while(|&&b| b == b' ').count();
            let blank = matches!(line.get(spaces), None | Some(b'\n' | b'\r'));
            if !blank && spaces <= indent {
                break;
            }
            self.at += 1;
            self.skip_line();
        }
    }

    /// `!tag` (or `!!str`): a node's property, after which the node itself may still start.
    fn tag(&mut self) {
        self.at += 1 + self.name_len(self.at + 1);
    }
}

/// Where each mapping key is first written (`key:`, `"key":`, in block or flow style), for
/// findings about keys: one pass, so a file of many keys costs linear time.
pub(crate) struct Keys(HashMap<String, usize>);

impl Keys {
    /// Indexes every `key:` of `text`.
    pub(crate) fn index(text: &str) -> Keys {
        let mut keys = HashMap::new();
        let bytes = text.as_bytes();
        let mut start = 0;
        for (at, &byte) in bytes.iter().enumerate() {
            match byte {
                b'\n' | b'{' | b',' | b'[' => start = at + 1,
                b':' if matches!(bytes.get(at + 1), None | Some(b' ' | b'\t' | b'\r' | b'\n')) => {
                    let (offset, key) = trimmed(text, start..at);
                    keys.entry(key.to_owned()).or_insert(offset);
                    start = at + 1;
                }
                _ => {}
            }
        }
        Keys(keys)
    }

    /// The offset of `key` as a mapping key, if it is written as one.
    pub(crate) fn get(&self, key: &str) -> Option<usize> {
        self.0.get(key).copied()
    }
}

/// The key in `range` of `text` without spaces, a sequence dash or quotes, and its offset.
fn trimmed(text: &str, range: Range<usize>) -> (usize, &str) {
    let raw = &text[range.clone()];
    let lead = raw.len() - raw.trim_start_matches([' ', '\t', '-']).len();
    let key = raw[lead..].trim_end();
    let unquoted = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')));
    match unquoted {
        Some(inner) => (range.start + lead + 1, inner),
        None => (range.start + lead, key),
    }
}

/// Whether `text` deserializes to more than `budget` bytes and nodes once aliases are
/// expanded: a backstop for anchors the lexer above would miss. Syntax errors are left to
/// the real parse.
pub(crate) fn expands_past(text: &str, budget: usize) -> bool {
    let left = std::cell::Cell::new(budget);
    let exhausted = std::cell::Cell::new(false);
    let count = Count {
        left: &left,
        exhausted: &exhausted,
    };
    let _ = count.deserialize(serde_yaml::Deserializer::from_str(text));
    exhausted.get()
}

/// Visits any YAML, spending one unit per node and per byte of its scalars.
#[derive(Clone, Copy)]
struct Count<'b> {
    left: &'b std::cell::Cell<usize>,
    exhausted: &'b std::cell::Cell<bool>,
}

impl Count<'_> {
    fn spend<E: serde::de::Error>(self, units: usize) -> Result<(), E> {
        match self.left.get().checked_sub(units.saturating_add(1)) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => {
                self.exhausted.set(true);
                Err(E::custom("the document expands past its budget"))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<(), E> {
        self.spend(value.len())
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.spend(0)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.spend(0)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        let ((), variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_and_aliases_are_found_where_a_node_starts() {
        for (text, found) in [
            ("a: &x 1\nb: *x\n", "&x"),
            ("a: [1, *x]", "*x"),
            ("a: {b: *x}", "*x"),
            ("- *x\n", "*x"),
            ("*x : 1", "*x"),
            ("a: !!str &big x", "&big"),
            ("a: |\n  * text\nb: *y\n", "*y"),
            ("a: \"*no\"\nb: '*no'' *no'\nc: *yes\n", "*yes"),
        ] {
            let range = anchor_or_alias(text).unwrap_or_else(|| panic!("{text:?}"));
            assert_eq!(&text[range], found, "{text:?}");
        }
        for text in [
            "reason: \"*not an alias\"\n",
            "reason: 'a & b, *c'\n",
            "reason: fixed *bug* & more\n",
            "reason: |\n  * a list\n  & more\n",
            "reason: >\n  *folded*\n\nnext: 1\n",
            "# *comment &x\na: 1 # *x\n",
            "rules: { name.non_base_unit: error }\n",
        ] {
            assert_eq!(anchor_or_alias(text), None, "{text:?}");
        }
    }

    #[test]
    fn keys_are_indexed_in_block_and_flow_style() {
        let text = "overrides:\n  \"a.b\": { series: 1, reason: \"x: y\" }\n  - c: 2\nrules: { d: error }\n";
        let keys = Keys::index(text);
        for key in ["overrides", "a.b", "series", "reason", "c", "rules", "d"] {
            let at = keys.get(key).unwrap_or_else(|| panic!("{key}"));
            assert_eq!(&text[at..at + key.len()], key);
        }
        assert_eq!(keys.get("x"), None);
    }

    #[test]
    fn expansion_is_bounded() {
        let bomb = format!(
            "a: &a \"{}\"\nb: [{}]\n",
            "x".repeat(1000),
            "*a, ".repeat(1000)
        );
        assert!(expands_past(&bomb, 4 * bomb.len()));
        assert!(!expands_past("limits: { series_per_metric: 5 }", 64));
        assert!(
            !expands_past("limits: [1, 2", 64),
            "syntax errors are the parser's"
        );
    }
}
