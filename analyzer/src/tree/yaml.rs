//! The YAML that `tallyho.yaml` and the manifest are written in, to and from [`Node`]s:
//! block and flow mappings and sequences; plain, quoted and block (`|`, `>`) scalars;
//! comments; a leading `---`.
//!
//! Anchors, aliases, tags, complex keys, directives and a second document are refused with an
//! error naming them: none has a use in these files, and aliases can expand a small file into
//! gigabytes. So is a duplicate key, which YAML forbids and which would otherwise hide one of
//! the two values.

use std::collections::HashSet;

use super::{Node, ParseError, Scalar, Value, MAX_DEPTH};

/// Parses one YAML document. An empty document (or only comments) is a null node.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| !printable(c)) {
        return Err(ParseError::new(
            format!("the character U+{:04X} is not allowed in YAML; write it as an escape inside double quotes", c as u32),
            at,
        ));
    }
    if let Some(at) = lone_carriage_return(text) {
        return Err(ParseError::new(
            "a carriage return not followed by a line feed; end lines with `\\n` or `\\r\\n`",
            at,
        ));
    }
    let origin = text.strip_prefix('\u{feff}').map_or(0, |_| 3);
    let mut parser = Parser {
        text,
        at: origin,
        origin,
        depth: 0,
    };
    parser.document()
}

/// Writes `node` in block style, two spaces per level, sequences under a key at the key's
/// indentation; strings are quoted only where they would read back as something else.
pub fn to_string(node: &Node) -> String {
    let mut out = String::new();
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => write_map(entries, 0, false, &mut out),
        Value::Seq(items) if !items.is_empty() => write_seq(items, 0, false, &mut out),
        _ => {
            write_inline(node, &mut out);
            out.push('\n');
        }
    }
    out
}

struct Parser<'t> {
    text: &'t str,
    at: usize,
    /// Where the first line starts (after a byte order mark).
    origin: usize,
    depth: usize,
}

/// The first `\r` that does not start a `\r\n`: lines end in one of those two, so every
/// line break the parser meets is a `\n`.
fn lone_carriage_return(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\r', bytes).find(|&at| bytes.get(at + 1) != Some(&b'\n'))
}

/// YAML's printable characters (`c-printable`): no control characters but tab and line
/// breaks, no surrogates or non-characters.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Characters that cannot start a plain scalar, and what they would mean.
fn indicator(byte: u8, next: Option<u8>) -> Option<&'static str> {
    let spaced = matches!(next, None | Some(b' ' | b'\t' | b'\r' | b'\n'));
    Some(match byte {
        b'&' => "anchors are not supported; write the value out where it is used (aliases can expand a small file into gigabytes)",
        b'*' => "aliases are not supported; write the value out where it is used (they can expand a small file into gigabytes)",
        b'!' => "tags are not supported; write the value without one",
        b'%' => "directives (`%YAML`) are not supported",
        b'@' | b'`' => "`@` and `` ` `` are reserved in YAML; quote the value",
        b'?' if spaced => "complex keys (`? `) are not supported; write `key: value`",
        b':' if spaced => "a `:` with no key before it",
        b'-' if spaced => "a sequence entry (`- `) is not allowed here",
        b',' | b']' | b'}' => "unexpected flow indicator; quote the value",
        _ => return None,
    })
}

impl Parser<'_> {
    fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes().get(self.at + ahead).copied()
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError::new(message, self.at))
    }

    /// An error for an indicator that cannot start a value here, naming an anchor, alias
    /// or tag as written (`&name`).
    fn refuse<T>(&self, message: &str) -> Result<T, ParseError> {
        let byte = self.peek().unwrap_or(b' ');
        if !b"&*!".contains(&byte) {
            return self.error(message);
        }
        let name: String = self.text[self.at..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
            .take(64)
            .collect();
        let what = match byte {
            b'&' => "an anchor",
            b'*' => "an alias",
            _ => "a tag",
        };
        self.error(format!("{what}, `{name}`: {message}"))
    }

    fn column(&self) -> usize {
        self.at - self.line_start(self.at)
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(self.origin, |n| n + 1)
    }

    fn is_space(byte: Option<u8>) -> bool {
        matches!(byte, None | Some(b' ' | b'\t' | b'\r' | b'\n'))
    }

    /// Spaces and tabs on this line.
    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// Whether only a comment or the line's end follows (after spaces).
    fn at_line_end(&mut self) -> bool {
        self.skip_space();
        matches!(self.peek(), None | Some(b'\n' | b'\r' | b'#'))
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            self.at = self.text[self.at..]
                .find('\n')
                .map_or(self.text.len(), |n| self.at + n);
        }
    }

    /// Whitespace, line breaks and comments, up to the next content. Indentation is spaces:
    /// a tab before content at the start of a line is an error.
    fn skip_blank(&mut self) -> Result<(), ParseError> {
        loop {
            let from = self.at;
            self.skip_space();
            match self.peek() {
                Some(b'#')
                    if from == self.at
                        || Self::is_space(self.bytes().get(self.at - 1).copied()) =>
                {
                    self.skip_comment()
                }
                Some(b'\n' | b'\r') => self.at += 1,
                None => return Ok(()),
                Some(_) => {
                    let indentation = &self.text[from..self.at];
                    if indentation.contains('\t') && self.line_start(self.at) == from {
                        return Err(ParseError::new(
                            "a tab in indentation; YAML indents with spaces",
                            from + indentation.find('\t').unwrap_or(0),
                        ));
                    }
                    return Ok(());
                }
            }
        }
    }

    /// `---` or `...` at the start of a line.
    fn at_marker(&self, marker: &str) -> bool {
        self.column() == 0
            && self.text[self.at..].starts_with(marker)
            && Self::is_space(self.peek_at(3))
    }

    fn document(&mut self) -> Result<Node, ParseError> {
        self.skip_blank()?;
        if self.peek() == Some(b'%') {
            return self.error(indicator(b'%', None).unwrap_or_default());
        }
        if self.at_marker("---") {
            self.at += 3;
        }
        let node = self.block_node(-1, false)?;
        self.skip_blank()?;
        if self.at_marker("...") {
            self.at += 3;
            self.skip_blank()?;
        }
        match self.peek() {
            None => Ok(node),
            Some(_) if self.at_marker("---") => {
                self.error("a second document (`---`) is not supported; write one document")
            }
            Some(_) => self.error("unexpected content: check the indentation of this line"),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn null(&self) -> Node {
        Node {
            value: Value::Scalar(Scalar {
                text: String::new(),
                quoted: false,
            }),
            span: self.at..self.at,
        }
    }

    /// The node starting on a later line, indented past `parent` (or, for a sequence under a
    /// mapping key, at `parent`); null if there is none.
    fn block_node(&mut self, parent: isize, sequence_at_parent: bool) -> Result<Node, ParseError> {
        let before = self.at;
        self.skip_blank()?;
        let column = self.column() as isize;
        let sequence_here = sequence_at_parent && column == parent && self.at_sequence_entry();
        if self.peek().is_none()
            || self.at_marker("---")
            || self.at_marker("...")
            || (column <= parent && !sequence_here)
        {
            self.at = before;
            return Ok(self.null());
        }
        self.content(parent)
    }

    /// The node starting here: a block sequence or mapping (at this column), or a scalar or
    /// flow collection whose continuation lines are indented past `parent`.
    fn content(&mut self, parent: isize) -> Result<Node, ParseError> {
        self.enter()?;
        let indent = self.column();
        let node = if self.at_sequence_entry() {
            self.block_sequence(indent)
        } else if self.key_ahead()? {
            self.block_mapping(indent)
        } else {
            self.inline_value(parent)
        };
        self.depth -= 1;
        node
    }

    fn at_sequence_entry(&self) -> bool {
        self.peek() == Some(b'-') && Self::is_space(self.peek_at(1))
    }

    /// Whether a mapping key (a scalar on this line followed by `: `) starts here.
    fn key_ahead(&self) -> Result<bool, ParseError> {
        let mut probe = Parser {
            text: self.text,
            at: self.at,
            origin: self.origin,
            depth: self.depth,
        };
        match self.peek() {
            Some(b'"' | b'\'') => {
                let line_end = self.text[self.at..]
                    .find('\n')
                    .map_or(self.text.len(), |n| self.at + n);
                if probe.quoted().is_err() || probe.at > line_end {
                    return Ok(false);
                }
            }
            Some(byte) if indicator(byte, self.peek_at(1)).is_some() => return Ok(false),
            Some(b'[' | b'{' | b'|' | b'>' | b'#') | None => return Ok(false),
            Some(_) => {
                probe.plain_line(false);
            }
        }
        probe.skip_space();
        Ok(probe.peek() == Some(b':') && Self::is_space(probe.peek_at(1)))
    }

    fn block_sequence(&mut self, indent: usize) -> Result<Node, ParseError> {
        let start = self.at;
        let mut items = Vec::new();
        let mut end = start + 1;
        while self.at_sequence_entry() {
            self.at += 1;
            let item = if self.at_line_end() {
                self.block_node(indent as isize, false)?
            } else {
                self.content(indent as isize)?
            };
            end = end.max(item.span.end);
            items.push(item);
            if !self.next_entry(indent)? {
                break;
            }
        }
        Ok(Node {
            value: Value::Seq(items),
            span: start..end,
        })
    }

    /// After an entry of a block collection at `indent`: whether another entry follows at
    /// that column (the position is left there), an error if something is indented past it.
    fn next_entry(&mut self, indent: usize) -> Result<bool, ParseError> {
        let before = self.at;
        self.skip_blank()?;
        let column = self.column();
        if self.peek().is_none()
            || self.at_marker("---")
            || self.at_marker("...")
            || column < indent
        {
            self.at = before;
            return Ok(false);
        }
        if column > indent {
            return self.error(format!(
                "this line is indented {column} spaces, but the entries above it {indent}"
            ));
        }
        Ok(true)
    }

    fn block_mapping(&mut self, indent: usize) -> Result<Node, ParseError> {
        let start = self.at;
        let mut entries: Vec<(Node, Node)> = Vec::new();
        let mut seen = Seen::default();
        loop {
            if self.at_sequence_entry() {
                return self.error("a sequence entry (`- `) where a mapping key is expected");
            }
            if !self.key_ahead()? {
                return self.error("expected a `key: value` entry");
            }
            let key = self.inline_key()?;
            self.skip_space();
            self.at += 1; // `:`
            seen.insert(&key)?;
            let value = if self.at_line_end() {
                self.block_node(indent as isize, true)?
            } else {
                self.same_line_value(indent)?
            };
            entries.push((key, value));
            if !self.next_entry(indent)? {
                break;
            }
        }
        let end = entries
            .last()
            .map_or(start, |(k, v)| v.span.end.max(k.span.end));
        Ok(Node {
            value: Value::Map(entries),
            span: start..end,
        })
    }

    /// A key on its line: a quoted or a plain scalar.
    fn inline_key(&mut self) -> Result<Node, ParseError> {
        let start = self.at;
        let (text, quoted) = match self.peek() {
            Some(b'"' | b'\'') => (self.quoted()?, true),
            _ => (self.plain_line(false), false),
        };
        Ok(Node {
            value: Value::Scalar(Scalar { text, quoted }),
            span: start..self.at,
        })
    }

    /// A mapping value that starts on its key's line.
    fn same_line_value(&mut self, indent: usize) -> Result<Node, ParseError> {
        if self.at_sequence_entry() {
            return self
                .error("a sequence cannot start on its key's line; start it on the next line");
        }
        if self.key_ahead()? {
            return self.error(
                "a mapping cannot start on its key's line; start it on the next line, indented",
            );
        }
        self.inline_value(indent as isize)
    }

    /// A scalar or flow collection starting here, then nothing but a comment on its line.
    fn inline_value(&mut self, parent: isize) -> Result<Node, ParseError> {
        let start = self.at;
        let node = match self.peek() {
            Some(b'[' | b'{') => self.flow_node()?,
            Some(b'"' | b'\'') => {
                let text = self.quoted()?;
                Node {
                    value: Value::Scalar(Scalar { text, quoted: true }),
                    span: start..self.at,
                }
            }
            Some(b'|' | b'>') => return self.block_scalar(parent),
            Some(byte) => match indicator(byte, self.peek_at(1)) {
                Some(message) => return self.refuse(message),
                None => return self.plain_block(parent),
            },
            None => return Ok(self.null()),
        };
        if !self.at_line_end() {
            return self.error("unexpected content after the value");
        }
        Ok(node)
    }

    /// The rest of a plain scalar's line: up to a comment, a `: ` (a key's end) or, in flow
    /// context, a flow indicator; trailing spaces are not part of it.
    fn plain_line(&mut self, flow: bool) -> String {
        let start = self.at;
        while let Some(byte) = self.peek() {
            let next = self.peek_at(1);
            let ends = match byte {
                b'\n' | b'\r' => true,
                b':' => Self::is_space(next) || (flow && matches!(next, Some(b',' | b']' | b'}'))),
                b'#' => {
                    Self::is_space(self.bytes().get(self.at.wrapping_sub(1)).copied())
                        && self.at > start
                }
                b',' | b'[' | b']' | b'{' | b'}' => flow,
                _ => false,
            };
            if ends {
                break;
            }
            self.at += 1;
        }
        while self.at > start && matches!(self.bytes()[self.at - 1], b' ' | b'\t') {
            self.at -= 1;
        }
        self.text[start..self.at].to_owned()
    }

    /// A plain scalar in block context: its first line and every following line indented past
    /// `parent`, folded (a line break is a space, a blank line a newline).
    fn plain_block(&mut self, parent: isize) -> Result<Node, ParseError> {
        let start = self.at;
        let mut text = self.plain_line(false);
        let mut end = self.at;
        if self.peek() == Some(b':') {
            return self.error("`: ` inside a value; quote the value");
        }
        while !self.at_line_end_comment() {
            let before = self.at;
            let mut breaks = 0;
            while matches!(self.peek(), Some(b'\n' | b'\r' | b' ' | b'\t')) {
                breaks += usize::from(self.peek() == Some(b'\n'));
                self.at += 1;
            }
            let column = self.column() as isize;
            let ends = self.peek().is_none()
                || self.peek() == Some(b'#')
                || column <= parent
                || self.at_marker("---")
                || self.at_marker("...");
            if ends {
                self.at = before;
                break;
            }
            if self.key_ahead()? {
                return self.error("a `key: value` indented under a plain value; fix the indentation or quote the value");
            }
            text.push_str(&if breaks > 1 {
                "\n".repeat(breaks - 1)
            } else {
                " ".to_owned()
            });
            text.push_str(&self.plain_line(false));
            end = self.at;
            if self.peek() == Some(b':') {
                return self.error("`: ` inside a value; quote the value");
            }
        }
        self.at = end;
        Ok(Node {
            value: Value::Scalar(Scalar {
                text,
                quoted: false,
            }),
            span: start..end,
        })
    }

    /// Whether the line ends in a comment here (which also ends a plain scalar).
    fn at_line_end_comment(&mut self) -> bool {
        self.skip_space();
        self.peek() == Some(b'#') || self.peek().is_none()
    }

    /// A quoted scalar, `'…'` (`''` is a quote) or `"…"` (with escapes); line breaks fold.
    fn quoted(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        let quote = self.peek().unwrap_or(b'"');
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let Some(c) = rest.chars().next() else {
                return Err(ParseError::new(
                    "a quoted value with no closing quote",
                    start,
                ));
            };
            match c {
                '\'' if quote == b'\'' && rest.starts_with("''") => {
                    out.push('\'');
                    self.at += 2;
                }
                '\'' if quote == b'\'' => break,
                '"' if quote == b'"' => break,
                '\\' if quote == b'"' => self.escape(&mut out)?,
                '\n' | '\r' => self.fold(&mut out),
                c => {
                    out.push(c);
                    self.at += c.len_utf8();
                }
            }
        }
        self.at += 1;
        Ok(out)
    }

    /// A line break inside quotes: trailing spaces go, the break is a space, each blank
    /// line after it a newline.
    fn fold(&mut self, out: &mut String) {
        out.truncate(out.trim_end_matches([' ', '\t']).len());
        let mut breaks = 0;
        while let Some(byte @ (b'\n' | b'\r' | b' ' | b'\t')) = self.peek() {
            breaks += usize::from(byte == b'\n');
            self.at += 1;
        }
        if breaks > 1 {
            out.push_str(&"\n".repeat(breaks - 1));
        } else {
            out.push(' ');
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let start = self.at;
        self.at += 1;
        let Some(c) = self.text[self.at..].chars().next() else {
            return self.error("a quoted value with no closing quote");
        };
        self.at += c.len_utf8();
        let resolved = match c {
            '0' => '\0',
            'a' => '\u{7}',
            'b' => '\u{8}',
            't' | '\t' => '\t',
            'n' => '\n',
            'v' => '\u{b}',
            'f' => '\u{c}',
            'r' => '\r',
            'e' => '\u{1b}',
            ' ' => ' ',
            '"' => '"',
            '/' => '/',
            '\\' => '\\',
            'N' => '\u{85}',
            '_' => '\u{a0}',
            'L' => '\u{2028}',
            'P' => '\u{2029}',
            'x' => self.hex(2, start)?,
            'u' => self.hex(4, start)?,
            'U' => self.hex(8, start)?,
            '\n' | '\r' => {
                // An escaped line break joins the lines.
                while let Some(b'\n' | b'\r' | b' ' | b'\t') = self.peek() {
                    self.at += 1;
                }
                return Ok(());
            }
            _ => return Err(ParseError::new(format!("unknown escape `\\{c}`"), start)),
        };
        out.push(resolved);
        Ok(())
    }

    fn hex(&mut self, digits: usize, start: usize) -> Result<char, ParseError> {
        let code = self
            .text
            .get(self.at..self.at + digits)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .and_then(char::from_u32)
            .ok_or_else(|| ParseError::new("an escape that is not a character", start))?;
        self.at += digits;
        Ok(code)
    }

    /// `|` (literal) or `>` (folded), with optional chomping (`-`, `+`) and indentation
    /// indicators; the text is the following lines indented past `parent`.
    fn block_scalar(&mut self, parent: isize) -> Result<Node, ParseError> {
        let start = self.at;
        let folded = self.peek() == Some(b'>');
        self.at += 1;
        let (mut chomp, mut explicit) = (b' ', None);
        while let Some(byte) = self.peek() {
            match byte {
                b'-' | b'+' if chomp == b' ' => chomp = byte,
                b'1'..=b'9' if explicit.is_none() => explicit = Some(usize::from(byte - b'0')),
                _ => break,
            }
            self.at += 1;
        }
        if !self.at_line_end() {
            return self.error("a block scalar's header is `|` or `>`, optionally with `-`, `+` or an indentation digit");
        }
        self.skip_comment();
        if self.peek() == Some(b'\r') {
            self.at += 1;
        }
        let base = usize::try_from(parent).map_or(0, |p| p + 1);
        let lines = self.block_lines(explicit.map(|n| base.saturating_sub(1) + n), base);
        let last = lines.iter().rposition(|l| !l.is_empty());
        let body = match last {
            Some(last) if folded => fold_lines(&lines[..=last]),
            Some(last) => lines[..=last].join("\n"),
            None => String::new(),
        };
        let trailing = last.map_or(lines.len(), |last| lines.len() - last - 1);
        let text = match (chomp, last) {
            (b'-', _) => body,
            (b'+', _) => body + &"\n".repeat(trailing + usize::from(last.is_some())),
            (_, Some(_)) => body + "\n",
            (_, None) => body,
        };
        Ok(Node {
            value: Value::Scalar(Scalar { text, quoted: true }),
            span: start..self.at,
        })
    }

    /// The lines of a block scalar, without their indentation (`None`: that of the first
    /// non-blank line, at least `min`); the position ends after the last one taken.
    fn block_lines(&mut self, explicit: Option<usize>, min: usize) -> Vec<String> {
        let mut lines = Vec::new();
        let mut indent = explicit;
        let mut end = self.at;
        let mut at = self.at;
        while at < self.text.len() {
            // `at` is on a line break.
            let line_start = at + 1;
            let line_end = self.text[line_start..]
                .find('\n')
                .map_or(self.text.len(), |n| line_start + n);
            let line = self.text[line_start..line_end].trim_end_matches('\r');
            let spaces = line.bytes().take_while(|&b| b == b' ').count();
            let blank = line.trim().is_empty();
            let width =
                *indent.get_or_insert_with(|| if blank { usize::MAX } else { spaces.max(min) });
            if blank {
                lines.push(line.get(width.min(line.len())..).unwrap_or("").to_owned());
                if width == usize::MAX {
                    indent = None;
                }
            } else if spaces >= width && width >= min {
                lines.push(line[width..].to_owned());
                end = line_end;
            } else {
                break;
            }
            at = line_end;
        }
        // Blank lines after the last one taken belong to what follows, but count for `+`.
        let taken = lines.len();
        let kept = lines
            .iter()
            .rposition(|l| !l.trim().is_empty())
            .map_or(0, |i| i + 1);
        let trailing_blank = taken - kept;
        lines.truncate(kept);
        lines.extend(std::iter::repeat_n(String::new(), trailing_blank));
        self.at = end;
        lines
    }

    /// A flow collection or a scalar inside one.
    fn flow_node(&mut self) -> Result<Node, ParseError> {
        self.enter()?;
        self.skip_blank()?;
        let start = self.at;
        let value = match self.peek() {
            Some(b'[') => self.flow_sequence()?,
            Some(b'{') => self.flow_mapping()?,
            Some(b'"' | b'\'') => Value::Scalar(Scalar {
                text: self.quoted()?,
                quoted: true,
            }),
            Some(byte) => {
                if let Some(message) =
                    indicator(byte, self.peek_at(1)).filter(|_| !b",]}".contains(&byte))
                {
                    return self.refuse(message);
                }
                if matches!(byte, b'|' | b'>' | b'#') || b",]}".contains(&byte) {
                    return self.error("expected a value");
                }
                Value::Scalar(Scalar {
                    text: self.plain_line(true),
                    quoted: false,
                })
            }
            None => return self.error("a `[` or `{` with no closing bracket"),
        };
        self.depth -= 1;
        Ok(Node {
            value,
            span: start..self.at,
        })
    }

    fn flow_sequence(&mut self) -> Result<Value, ParseError> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_blank()?;
            if self.peek() == Some(b']') {
                self.at += 1;
                return Ok(Value::Seq(items));
            }
            items.push(self.flow_node()?);
            self.skip_blank()?;
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {}
                Some(b':') => {
                    return self.error("a `key: value` inside `[…]`; write it as `{key: value}`")
                }
                None => return self.error("a `[` with no closing `]`"),
                Some(_) => return self.error("expected `,` or `]`"),
            }
        }
    }

    fn flow_mapping(&mut self) -> Result<Value, ParseError> {
        self.at += 1;
        let mut entries: Vec<(Node, Node)> = Vec::new();
        let mut seen = Seen::default();
        loop {
            self.skip_blank()?;
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(Value::Map(entries));
            }
            let key = self.flow_node()?;
            if !matches!(key.value, Value::Scalar(_)) {
                return Err(ParseError::new(
                    "a mapping key must be a scalar",
                    key.span.start,
                ));
            }
            seen.insert(&key)?;
            self.skip_blank()?;
            let value = if self.peek() == Some(b':') {
                self.at += 1;
                self.skip_blank()?;
                if matches!(self.peek(), Some(b',' | b'}')) {
                    self.null()
                } else {
                    self.flow_node()?
                }
            } else {
                self.null()
            };
            entries.push((key, value));
            self.skip_blank()?;
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                None => return self.error("a `{` with no closing `}`"),
                Some(_) => return self.error("expected `,` or `}`"),
            }
        }
    }
}

/// The keys of one mapping so far: a second `key` is an error.
#[derive(Default)]
struct Seen(HashSet<String>);

impl Seen {
    fn insert(&mut self, key: &Node) -> Result<(), ParseError> {
        let text = key.as_str().unwrap_or("");
        if !self.0.insert(text.to_owned()) {
            return Err(ParseError::new(
                format!("duplicate key `{text}`"),
                key.span.start,
            ));
        }
        Ok(())
    }
}

/// Folds a `>` scalar's lines: a single break between two lines of text is a space; blank
/// lines, and lines indented further, keep their breaks.
fn fold_lines(lines: &[String]) -> String {
    let mut out = String::new();
    let mut blanks = 0;
    let mut previous_more = true;
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() {
            blanks += 1;
            continue;
        }
        let more = line.starts_with([' ', '\t']);
        if i > blanks {
            if !more && !previous_more && blanks == 0 {
                out.push(' ');
            } else if !more && !previous_more {
                out.push_str(&"\n".repeat(blanks));
            } else {
                out.push_str(&"\n".repeat(blanks + 1));
            }
        } else {
            out.push_str(&"\n".repeat(blanks));
        }
        out.push_str(line);
        previous_more = more;
        blanks = 0;
    }
    out
}

fn write_map(entries: &[(Node, Node)], indent: usize, inline_first: bool, out: &mut String) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 || !inline_first {
            out.extend(std::iter::repeat_n(' ', indent));
        }
        write_scalar(key.as_str().unwrap_or(""), true, out);
        out.push(':');
        match &value.value {
            Value::Map(inner) if !inner.is_empty() => {
                out.push('\n');
                write_map(inner, indent + 2, false, out);
            }
            Value::Seq(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(items, indent, false, out);
            }
            _ => {
                out.push(' ');
                write_inline(value, out);
                out.push('\n');
            }
        }
    }
}

fn write_seq(items: &[Node], indent: usize, inline_first: bool, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            out.extend(std::iter::repeat_n(' ', indent));
        }
        out.push_str("- ");
        match &item.value {
            Value::Map(inner) if !inner.is_empty() => write_map(inner, indent + 2, true, out),
            Value::Seq(inner) if !inner.is_empty() => write_seq(inner, indent + 2, true, out),
            _ => {
                write_inline(item, out);
                out.push('\n');
            }
        }
    }
}

/// A scalar, or an empty collection, on the current line.
fn write_inline(node: &Node, out: &mut String) {
    match &node.value {
        Value::Scalar(s) => write_scalar(&s.text, s.quoted, out),
        Value::Seq(_) => out.push_str("[]"),
        Value::Map(_) => out.push_str("{}"),
    }
}

fn write_scalar(text: &str, string: bool, out: &mut String) {
    if !string {
        out.push_str(if text.is_empty() { "null" } else { text });
    } else if is_plain_string(text) {
        out.push_str(text);
    } else if text.chars().any(|c| !is_printable(c) || is_break(c)) {
        out.push('"');
        for c in text.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if !is_printable(c) || is_break(c) => escape(c, out),
                c => out.push(c),
            }
        }
        out.push('"');
    } else {
        out.push('\'');
        out.push_str(&text.replace('\'', "''"));
        out.push('\'');
    }
}

/// A character escaped as libyaml escapes it in a double-quoted scalar: a short escape where
/// YAML has one (`\n`, `\N`), else its code in hex (`\x7F`, `\uFEFF`).
fn escape(c: char, out: &mut String) {
    let short = match c {
        '\0' => '0',
        '\u{7}' => 'a',
        '\u{8}' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\u{b}' => 'v',
        '\u{c}' => 'f',
        '\r' => 'r',
        '\u{1b}' => 'e',
        '\u{85}' => 'N',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        _ => {
            let code = u32::from(c);
            out.push_str(&match code {
                0..=0xff => format!("\\x{code:02X}"),
                0x100..=0xffff => format!("\\u{code:04X}"),
                _ => format!("\\U{code:08X}"),
            });
            return;
        }
    };
    out.push('\\');
    out.push(short);
}

/// Whether `text` can be written unquoted and read back as the same string. These are the
/// choices serde_yaml (libyaml's emitter) made, so that a manifest it wrote writes back byte
/// for byte: quoted are what YAML 1.2's core schema reads as a null, boolean or number
/// (`'false'`, `'1.0'`, `'017'`), and what YAML's syntax would read differently (empty,
/// surrounding spaces, an indicator at the start, `: ` or ` #` inside, a `---` or `...`
/// start, line breaks and unprintable characters). Words only YAML 1.1 reads as booleans
/// (`yes`, `on`) and strings like `2xx` or `1.2.3` stay plain, as serde_yaml left them.
fn is_plain_string(text: &str) -> bool {
    !reads_as_non_string(text) && plain_allowed(text)
}

/// A null, boolean or number in YAML 1.2's core schema (and `0`-led digits, octal in 1.1).
fn reads_as_non_string(text: &str) -> bool {
    const WORDS: [&str; 11] = [
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    ];
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let prefixed = [("0x", 16), ("0o", 8), ("0b", 2)]
        .into_iter()
        .find_map(|(prefix, radix)| Some((unsigned.strip_prefix(prefix)?, radix)));
    let (digits, radix) = prefixed.unwrap_or((unsigned, 10));
    let integer = !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
    let special = matches!(
        unsigned,
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
    );
    WORDS.contains(&text) || integer || special || text.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Whether libyaml would write `text` as a plain scalar in block context.
fn plain_allowed(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let blank_at = |i: usize| {
        chars
            .get(i)
            .is_none_or(|&c| c == ' ' || c == '\t' || is_break(c))
    };
    let indicator = chars.iter().enumerate().any(|(i, &c)| match c {
        '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
        | '@' | '`'
            if i == 0 =>
        {
            true
        }
        '?' | '-' if i == 0 => blank_at(1),
        ':' => blank_at(i + 1),
        '#' => blank_at(i.wrapping_sub(1)),
        _ => false,
    });
    !chars.is_empty()
        && !indicator
        && !text.starts_with("---")
        && !text.starts_with("...")
        && !text.starts_with(' ')
        && !text.ends_with(' ')
        && chars.iter().all(|&c| is_printable(c) && !is_break(c))
}

/// libyaml's printable characters: what it writes as is (not escaped, not quoted).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// A line break, to YAML.
fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests;
