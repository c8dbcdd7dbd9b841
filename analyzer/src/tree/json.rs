//! JSON (RFC 8259) to and from [`Node`]s: strings are quoted scalars, numbers, `true`,
//! `false` and `null` unquoted ones.

use std::collections::HashSet;

use super::{Node, ParseError, Scalar, Value, MAX_DEPTH};

/// Parses one JSON value, surrounded by nothing but whitespace.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let mut parser = Parser { text, at: 0 };
    let node = parser.value(0)?;
    parser.space();
    if parser.at < text.len() {
        return Err(parser.error("trailing characters after the JSON value"));
    }
    Ok(node)
}

/// Writes `node` as indented JSON (two spaces), ending in a newline.
pub fn to_string(node: &Node) -> String {
    let mut out = String::new();
    write(node, 0, &mut out);
    out.push('\n');
    out
}

struct Parser<'t> {
    text: &'t str,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> ParseError {
        ParseError::new(message, self.at)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested deeper than 64 levels"));
        }
        self.space();
        let start = self.at;
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::Scalar(Scalar {
                text: self.string()?,
                quoted: true,
            }),
            Some(b't' | b'f' | b'n') => self.word()?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a JSON value")),
            None => return Err(self.error("unexpected end of JSON")),
        };
        Ok(Node {
            value,
            span: start..self.at,
        })
    }

    fn object(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.at += 1;
        let mut entries: Vec<(Node, Node)> = Vec::new();
        let mut seen = HashSet::new();
        self.space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Map(entries));
        }
        loop {
            self.space();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.value(depth + 1)?;
            if !seen.insert(key.as_str().unwrap_or_default().to_owned()) {
                return Err(ParseError::new("duplicate key", key.span.start));
            }
            self.space();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after the key"));
            }
            self.at += 1;
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            if self.separator(b'}')? {
                return Ok(Value::Map(entries));
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.at += 1;
        let mut items = Vec::new();
        self.space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Seq(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            if self.separator(b']')? {
                return Ok(Value::Seq(items));
            }
        }
    }

    /// After an element: `,` (false: more follow) or the closing byte (true).
    fn separator(&mut self, close: u8) -> Result<bool, ParseError> {
        self.space();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                Ok(false)
            }
            Some(byte) if byte == close => {
                self.at += 1;
                Ok(true)
            }
            _ => Err(self.error(if close == b'}' {
                "expected `,` or `}`"
            } else {
                "expected `,` or `]`"
            })),
        }
    }

    fn word(&mut self) -> Result<Value, ParseError> {
        for word in ["true", "false", "null"] {
            if self.text[self.at..].starts_with(word) {
                self.at += word.len();
                return Ok(literal(word));
            }
        }
        Err(self.error("expected a JSON value"))
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        let digits = |at: &mut usize| {
            let from = *at;
            while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
                *at += 1;
            }
            *at > from
        };
        let mut at = start + usize::from(bytes[start] == b'-');
        let leading_zero = bytes.get(at) == Some(&b'0');
        let int_end = {
            let mut end = at;
            digits(&mut end);
            end
        };
        if int_end == at || (leading_zero && int_end > at + 1) {
            self.at = at;
            return Err(self.error("malformed number"));
        }
        at = int_end;
        if bytes.get(at) == Some(&b'.') {
            at += 1;
            if !digits(&mut at) {
                self.at = at;
                return Err(self.error("malformed number"));
            }
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            if matches!(bytes.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            if !digits(&mut at) {
                self.at = at;
                return Err(self.error("malformed number"));
            }
        }
        self.at = at;
        Ok(literal(&self.text[start..at]))
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let run = rest
                .find(|c: char| c == '"' || c == '\\' || c < ' ')
                .ok_or_else(|| ParseError::new("unterminated string", self.text.len()))?;
            out.push_str(&rest[..run]);
            self.at += run;
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => out.push(self.escape()?),
                _ => return Err(self.error("control character in a string")),
            }
        }
    }

    fn escape(&mut self) -> Result<char, ParseError> {
        self.at += 1;
        let byte = self
            .peek()
            .ok_or_else(|| self.error("unterminated string"))?;
        self.at += 1;
        Ok(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode(),
            _ => {
                self.at -= 1;
                return Err(self.error("unknown escape"));
            }
        })
    }

    /// `\uXXXX`, or a surrogate pair of two.
    fn unicode(&mut self) -> Result<char, ParseError> {
        let high = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&high) {
            if !self.text[self.at..].starts_with("\\u") {
                return Err(self.error("unpaired surrogate"));
            }
            self.at += 2;
            let low = self.hex4()?;
            if !(0xdc00..0xe000).contains(&low) {
                return Err(self.error("unpaired surrogate"));
            }
            0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| self.error("unpaired surrogate"))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("expected four hex digits"))?;
        self.at += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("expected four hex digits"))
    }
}

fn literal(text: &str) -> Value {
    Value::Scalar(Scalar {
        text: text.to_owned(),
        quoted: false,
    })
}

fn write(node: &Node, indent: usize, out: &mut String) {
    match &node.value {
        Value::Scalar(s) if s.quoted || !is_literal(&s.text) => quote(&s.text, out),
        Value::Scalar(s) => out.push_str(&s.text),
        Value::Seq(items) if items.is_empty() => out.push_str("[]"),
        Value::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                element_break(i, indent + 1, out);
                write(item, indent + 1, out);
            }
            element_break(0, indent, out);
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                element_break(i, indent + 1, out);
                quote(key.as_str().unwrap_or("null"), out);
                out.push_str(": ");
                write(value, indent + 1, out);
            }
            element_break(0, indent, out);
            out.push('}');
        }
    }
}

/// A comma after every element but the first, then a new line at `indent`.
fn element_break(index: usize, indent: usize, out: &mut String) {
    if index > 0 {
        out.push(',');
    }
    out.push('\n');
    out.extend(std::iter::repeat_n("  ", indent));
}

/// Whether an unquoted scalar can be written bare: a JSON number, boolean or null.
fn is_literal(text: &str) -> bool {
    if matches!(text, "true" | "false" | "null") {
        return true;
    }
    let starts_number = text
        .as_bytes()
        .first()
        .is_some_and(|b| *b == b'-' || b.is_ascii_digit());
    let mut parser = Parser { text, at: 0 };
    starts_number && parser.number().is_ok() && parser.at == text.len()
}

fn quote(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_with_their_spans() {
        let text = r#" {"a": [1, -2.5e3, true, null], "b": "x\"\u00e9\ud83d\ude00\n", "c": {}} "#;
        let node = parse(text).unwrap();
        let a = node.get("a").unwrap();
        assert_eq!(&text[a.span.clone()], "[1, -2.5e3, true, null]");
        let items = a.as_seq().unwrap();
        assert_eq!(items[0].as_u64(), Some(1));
        assert_eq!(items[1].as_f64(), Some(-2500.0));
        assert_eq!(items[2].as_bool(), Some(true));
        assert!(items[3].is_null());
        assert_eq!(node.get("b").unwrap().as_str(), Some("x\"é😀\n"));
        assert_eq!(node.get("c").unwrap().as_map(), Some(&[][..]));
    }

    #[test]
    fn malformed_json_is_an_error_with_its_offset() {
        for (text, at) in [
            ("", 0),
            ("{", 1),
            ("[1,]", 3),
            ("{\"a\" 1}", 5),
            ("{\"a\": 1, \"a\": 2}", 9),
            ("01", 0),
            ("1.", 2),
            ("\"\\x\"", 2),
            ("\"\\ud800\"", 7),
            ("\"a\nb\"", 2),
            ("nul", 0),
            ("[1] x", 4),
            ("\"abc", 4),
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(err.at, at, "{text:?}: {err}");
        }
        let deep = "[".repeat(10_000);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn writes_what_it_reads() {
        let node = Node::map([
            ("name", Node::string("a \"quoted\"\tname")),
            ("count", Node::literal(3)),
            (
                "bounds",
                Node::seq(vec![Node::float(1.0), Node::float(0.25)]),
            ),
            ("empty", Node::seq(vec![])),
            ("nested", Node::map([("t", Node::literal(true))])),
            ("word", Node::literal("bare")),
        ]);
        let text = to_string(&node);
        assert_eq!(
            text,
            "{\n  \"name\": \"a \\\"quoted\\\"\\tname\",\n  \"count\": 3,\n  \"bounds\": [\n    1.0,\n    0.25\n  ],\n  \"empty\": [],\n  \"nested\": {\n    \"t\": true\n  },\n  \"word\": \"bare\"\n}\n"
        );
        let back = parse(&text).unwrap();
        assert_eq!(back.get("count").unwrap().as_u64(), Some(3));
        assert_eq!(
            back.get("name").unwrap().as_str(),
            Some("a \"quoted\"\tname")
        );
    }
}
