//! The pre-scan that bounds the parser's recursion before `syn` sees a file.
//!
//! `syn` parses, visits and drops nested syntax recursively: one or more stack frames per
//! bracket, generic `<`, closure, prefix operator (`!`, `-`, `*`, `&`, `..`), keyword chain
//! (`return return`, `else if`, `dyn`, `impl`, `move`, `as`), return type (`fn() -> fn()`),
//! and per binary operator or method call of one expression (the tree of `a + b + c` or
//! `a.b().c()` is as deep as it is long). A file nested past [`MAX_DEPTH`] of these, summed,
//! is reported and not parsed.
//!
//! The count is one linear pass over a light lexer (comments, nested block comments, string,
//! raw string, byte string and char literals, lifetimes), and errs on the side of counting
//! more than `syn` recurses: every operator counts, and the count of a bracket level falls
//! back only where an expression surely ends (`;`, a `,` outside generics, a match arm's
//! `=>`, a new statement after a `}`).

/// Nesting past this many levels is not parsed. The parsing threads' stack is sized for it
/// with a margin of at least two in a debug build (`scan::depth` tests measure it).
pub(crate) const MAX_DEPTH: usize = 512;

/// The stack of every thread that parses a file: [`MAX_DEPTH`] levels of the most
/// stack-hungry kind use less than half of it in a debug build.
pub(crate) const PARSE_STACK: usize = 64 << 20;

/// Keywords `syn` parses recursively when chained: each counts one level.
const CHAINING: &[&str] = &[
    "return", "break", "yield", "become", "box", "dyn", "impl", "move", "else", "as",
];

/// Keywords after which a `|` opens closure parameters.
const PREFIX: &[&str] = &[
    "in", "if", "while", "match", "let", "mut", "for", "unsafe", "async", "const", "static", "ref",
    "loop", "where",
];

/// Runs `f` on a new thread with [`PARSE_STACK`]; on this one only if no thread can be
/// started at all (the system is out of threads or memory).
pub(crate) fn on_parse_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let job = std::sync::Mutex::new(Some(f));
    // Borrows `job` only, so it is `Copy`: the fallback can call it after a failed spawn.
    let run = || job.lock().ok().and_then(|mut job| job.take()).map(|f| f());
    let ran = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("tallyho-parse".to_owned())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, run);
        match spawned {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => run(),
        }
    });
    ran.expect("the job runs exactly once")
}

/// The byte offset where nesting first passes [`MAX_DEPTH`], if it does.
pub(crate) fn too_deep(text: &str) -> Option<usize> {
    Counter::new(text.as_bytes(), MAX_DEPTH).run()
}

/// One level of brackets, or closure parameters between `|`s.
struct Frame {
    /// The depth outside it, plus one.
    base: usize,
    /// The byte that closes it.
    close: u8,
    /// Chained operators and keywords since the last end of an expression at this level.
    chain: usize,
    /// Generic `<` not yet closed at this level.
    angle: usize,
}

impl Frame {
    fn depth(&self) -> usize {
        self.base + self.chain + self.angle
    }
}

/// What the last token was, for the rules that depend on it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    /// An operator, an opening bracket or a keyword: a `|` here opens closure parameters.
    Prefix,
    /// An identifier, literal or closing bracket.
    Operand,
    /// A `}` that closed a level: a new statement may start.
    Brace,
}

/// The pass over one file's bytes.
struct Counter<'t> {
    text: &'t [u8],
    at: usize,
    limit: usize,
    frames: Vec<Frame>,
    last: Last,
}

/// The lexer's verdict on one step.
type Step = Result<(), Stop>;

/// Why the pass ended early.
enum Stop {
    /// Nesting passed the limit at this offset.
    Deep(usize),
    /// An unterminated comment or literal: the rest is not code, `syn` reports it.
    End,
}

impl<'t> Counter<'t> {
    fn new(text: &'t [u8], limit: usize) -> Counter<'t> {
        let root = Frame {
            base: 0,
            close: 0,
            chain: 0,
            angle: 0,
        };
        Counter {
            text,
            at: 0,
            limit,
            frames: vec![root],
            last: Last::Prefix,
        }
    }

    fn run(mut self) -> Option<usize> {
        while self.at < self.text.len() {
            match self.step() {
                Ok(()) => {}
                Err(Stop::Deep(offset)) => return Some(offset),
                Err(Stop::End) => return None,
            }
        }
        None
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.text.get(self.at + ahead).copied().unwrap_or(0)
    }

    fn top(&mut self) -> &mut Frame {
        self.frames
            .last_mut()
            .expect("the root frame is never popped")
    }

    /// Fails when the innermost level is past the limit; `offset` is where that happened.
    fn check(&mut self, offset: usize) -> Step {
        if self.top().depth() > self.limit {
            return Err(Stop::Deep(offset));
        }
        Ok(())
    }

    /// One token, comment or run of whitespace.
    fn step(&mut self) -> Step {
        let byte = self.peek(0);
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => self.at += 1,
            b'/' if self.peek(1) == b'/' => self.line_comment(),
            b'/' if self.peek(1) == b'*' => self.block_comment()?,
            b'"' => self.string(self.at + 1)?,
            b'\'' => self.quote()?,
            b'r' | b'b' | b'c' if self.literal_prefix().is_some() => self.prefixed()?,
            b'0'..=b'9' => self.number()?,
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80.. => self.word()?,
            _ => self.punct(byte)?,
        }
        Ok(())
    }

    fn line_comment(&mut self) {
        self.at =
            memchr::memchr(b'\n', &self.text[self.at..]).map_or(self.text.len(), |n| self.at + n);
    }

    /// `/* ... */`, nested.
    fn block_comment(&mut self) -> Step {
        let mut open = 0usize;
        while self.at < self.text.len() {
            match (self.peek(0), self.peek(1)) {
                (b'/', b'*') => {
                    open += 1;
                    self.at += 2;
                }
                (b'*', b'/') => {
                    open -= 1;
                    self.at += 2;
                    if open == 0 {
                        return Ok(());
                    }
                }
                _ => self.at += 1,
            }
        }
        Err(Stop::End)
    }

    /// A string whose text starts at `from`, with backslash escapes.
    fn string(&mut self, from: usize) -> Step {
        let mut at = from;
        while let Some(&byte) = self.text.get(at) {
            match byte {
                b'\\' => at += 2,
                b'"' => {
                    self.at = at + 1;
                    return self.operand();
                }
                _ => at += 1,
            }
        }
        Err(Stop::End)
    }

    /// A raw string: `hashes` `#`s then `"` start at `from`.
    fn raw_string(&mut self, from: usize, hashes: usize) -> Step {
        let mut closing = vec![b'#'; hashes + 1];
        closing[0] = b'"';
        let text = &self.text[from + hashes + 1..];
        match memchr::memmem::find(text, &closing) {
            Some(n) => {
                self.at = from + hashes + 1 + n + closing.len();
                self.operand()
            }
            None => Err(Stop::End),
        }
    }

    /// `'`: a char literal (`'a'`, `'\''`, `'\u{1F980}'`) or a lifetime or label (`'a`).
    fn quote(&mut self) -> Step {
        let char_len = match self.text.get(self.at + 1..) {
            Some([b'\\', ..]) => {
                let rest = self.text.get(self.at + 3..).unwrap_or_default();
                return match memchr::memchr(b'\'', rest) {
                    Some(n) => {
                        self.at += 3 + n + 1;
                        self.operand()
                    }
                    None => Err(Stop::End),
                };
            }
            Some([first, ..]) => utf8_len(*first),
            _ => return Err(Stop::End),
        };
        if self.peek(1 + char_len) == b'\'' {
            self.at += 2 + char_len;
        } else {
            self.at += 1;
            while is_ident(self.peek(0)) {
                self.at += 1;
            }
        }
        self.operand()
    }

    /// The literal a `r`, `b`, `c` prefix starts: `(quote, hashes)` for raw strings.
    fn literal_prefix(&self) -> Option<(u8, usize)> {
        let mut ahead = 1;
        if matches!(self.peek(0), b'b' | b'c') && self.peek(1) == b'r' {
            ahead = 2;
        }
        let raw = self.peek(ahead - 1) == b'r';
        let hashes = self.text[(self.at + ahead).min(self.text.len())..]
            .iter()
            .take_while(|&&b| b == b'#')
            .count();
        match self.peek(ahead + hashes) {
            b'"' if raw || hashes == 0 => Some((b'"', hashes)),
            b'\'' if hashes == 0 && self.peek(0) == b'b' && ahead == 1 => Some((b'\'', 0)),
            _ => None,
        }
    }

    /// `b"..."`, `c"..."`, `r#"..."#`, `br"..."`, `b'x'`.
    fn prefixed(&mut self) -> Step {
        let Some((quote, hashes)) = self.literal_prefix() else {
            return self.word();
        };
        let prefix = if self.peek(1) == b'r' { 2 } else { 1 };
        let raw = self.peek(prefix - 1) == b'r';
        if quote == b'\'' {
            self.at += 1;
            return self.quote();
        }
        if raw {
            self.raw_string(self.at + prefix, hashes)
        } else {
            self.string(self.at + prefix + 1)
        }
    }

    /// Digits, suffixes and one fraction (`1.5e3f64`); `1..2` keeps its range and `x.0.1` its
    /// second field access.
    fn number(&mut self) -> Step {
        let start = self.at;
        let mut fraction = start > 0 && self.text[start - 1] == b'.';
        while let Some(&byte) = self.text.get(self.at) {
            let dot = byte == b'.' && !fraction && self.peek(1).is_ascii_digit();
            if !(is_ident(byte) || dot) {
                break;
            }
            fraction |= dot;
            self.at += 1;
        }
        self.operand()
    }

    /// An identifier or keyword (`r#match` too).
    fn word(&mut self) -> Step {
        let start = self.at;
        if self.peek(0) == b'r' && self.peek(1) == b'#' {
            self.at += 2;
        }
        while is_ident(self.peek(0)) {
            self.at += 1;
        }
        let word = &self.text[start..self.at];
        let is = |list: &[&str]| list.iter().any(|k| k.as_bytes() == word);
        let continues = word == b"else" || word == b"as";
        if self.last == Last::Brace && !continues {
            self.statement();
        }
        if is(CHAINING) {
            self.top().chain += 1;
            self.last = Last::Prefix;
            return self.check(start);
        }
        self.last = if is(PREFIX) {
            Last::Prefix
        } else {
            Last::Operand
        };
        Ok(())
    }

    /// After an identifier, literal or lifetime.
    fn operand(&mut self) -> Step {
        if self.last == Last::Brace {
            self.statement();
        }
        self.last = Last::Operand;
        Ok(())
    }

    /// A new statement starts at this level: the expression before it has ended.
    fn statement(&mut self) {
        let top = self.top();
        top.chain = 0;
        top.angle = 0;
    }

    fn open(&mut self, close: u8) -> Step {
        // A call or index after an operand or a block nests the expression before it.
        if close != b'}' && close != b'|' && self.last != Last::Prefix {
            self.top().chain += 1;
        }
        let base = self.top().depth() + 1;
        self.frames.push(Frame {
            base,
            close,
            chain: 0,
            angle: 0,
        });
        self.last = Last::Prefix;
        self.check(self.at - 1)
    }

    /// A closing bracket: closes any closure parameters left open inside its level, then the
    /// level (a mismatched bracket fails the lexer before `syn` recurses).
    fn close(&mut self, byte: u8) {
        while self.frames.len() > 1 && self.top().close == b'|' {
            self.frames.pop();
        }
        if self.frames.len() > 1 {
            self.frames.pop();
        }
        self.last = if byte == b'}' {
            Last::Brace
        } else {
            Last::Operand
        };
    }

    /// `|`: opens or closes closure parameters, or is an operator (`||` too).
    fn pipe(&mut self) -> Step {
        if self.top().close == b'|' {
            self.frames.pop();
            self.top().chain += 1;
        } else if self.last != Last::Operand && self.peek(0) != b'|' {
            return self.open(b'|');
        } else {
            self.at += usize::from(self.peek(0) == b'|');
            self.top().chain += 1;
        }
        self.last = Last::Prefix;
        self.check(self.at - 1)
    }

    /// `>` closes a generic if one is open here, and is an operator otherwise; `->` was
    /// counted by its first byte, and `=>` ends what came before it at this level.
    fn angle_close(&mut self) -> Step {
        let before = if self.at >= 2 {
            self.text[self.at - 2]
        } else {
            0
        };
        match before {
            // `=>`: a match arm's pattern ends, and its body starts a new expression.
            b'=' => self.statement(),
            // `->`: counted by its first byte.
            b'-' => {}
            _ => {
                let top = self.top();
                if top.angle > 0 {
                    top.angle -= 1;
                } else {
                    top.chain += 1;
                }
            }
        }
        self.last = Last::Prefix;
        self.check(self.at - 1)
    }

    fn punct(&mut self, byte: u8) -> Step {
        self.at += 1;
        if byte == b'#' && self.last == Last::Brace {
            self.statement();
        }
        match byte {
            b'(' => return self.open(b')'),
            b'[' => return self.open(b']'),
            b'{' => return self.open(b'}'),
            b')' | b']' | b'}' => {
                self.close(byte);
                return Ok(());
            }
            b'|' => return self.pipe(),
            b'>' => return self.angle_close(),
            b'<' => self.top().angle += 1,
            b';' => self.statement(),
            b',' if self.top().angle == 0 => self.top().chain = 0,
            b'?' => {
                self.top().chain += 1;
                self.last = Last::Operand;
                return self.check(self.at - 1);
            }
            b'=' | b'!' | b'-' | b'*' | b'&' | b'+' | b'/' | b'%' | b'^' | b'.' | b'@' | b'~' => {
                self.top().chain += 1
            }
            _ => {}
        }
        self.last = Last::Prefix;
        self.check(self.at - 1)
    }
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// The length of the UTF-8 character starting with `first`.
fn utf8_len(first: u8) -> usize {
    match first {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{scan_file, FileContext};

    /// A file nested `n` deep in one way.
    type Generator = fn(usize) -> String;

    /// Each kind of nesting `syn` recurses on, as a whole file nested `n` deep.
    const KINDS: &[(&str, Generator)] = &[
        ("parens", |n| {
            expr(&format!("{}1{}", "(".repeat(n), ")".repeat(n)))
        }),
        ("brackets", |n| {
            expr(&format!("{}1{}", "[".repeat(n), "]".repeat(n)))
        }),
        ("braces", |n| {
            expr(&format!("{}1{}", "{".repeat(n), "}".repeat(n)))
        }),
        ("generics", |n| {
            ty(&format!("{}u8{}", "Vec<".repeat(n), ">".repeat(n)))
        }),
        ("shifted generics", |n| {
            ty(&format!(
                "{}u8{}",
                "Vec<Vec<".repeat(n / 2),
                ">>".repeat(n / 2)
            ))
        }),
        ("closures", |n| expr(&format!("{}1", "|a| ".repeat(n)))),
        ("empty closures", |n| expr(&format!("{}1", "|| ".repeat(n)))),
        ("move closures", |n| {
            expr(&format!("{}1", "move |a, b| ".repeat(n)))
        }),
        ("not", |n| expr(&format!("{}x", "!".repeat(n)))),
        ("negation", |n| expr(&format!("{}x", "- ".repeat(n)))),
        ("deref", |n| expr(&format!("{}x", "*".repeat(n)))),
        ("refs", |n| expr(&format!("{}x", "&".repeat(n)))),
        ("and-refs", |n| expr(&format!("{}x", "&&".repeat(n)))),
        ("ranges", |n| expr(&format!("{}x", ".. ".repeat(n)))),
        ("return", |n| expr(&format!("{}1", "return ".repeat(n)))),
        ("break", |n| expr(&format!("{}1", "break ".repeat(n)))),
        ("else if", |n| {
            expr(&format!("if a {{}}{}", " else if a {}".repeat(n)))
        }),
        ("fn pointers", |n| {
            ty(&format!("{}u8", "fn() -> ".repeat(n)))
        }),
        ("dyn", |n| {
            ty(&format!(
                "{}u8{}",
                "Box<dyn Fn() -> ".repeat(n),
                ">".repeat(n)
            ))
        }),
        ("impl", |n| {
            format!("fn f() -> {}u8 {{}}", "impl Fn() -> ".repeat(n))
        }),
        ("ref types", |n| ty(&format!("{}u8", "&".repeat(n)))),
        ("pointer types", |n| {
            ty(&format!("{}u8", "*const ".repeat(n)))
        }),
        ("sums", |n| expr(&format!("1{}", " + 1".repeat(n)))),
        ("assignments", |n| expr(&format!("{}1", "a = ".repeat(n)))),
        ("method calls", |n| expr(&format!("x{}", ".f()".repeat(n)))),
        ("indexes", |n| expr(&format!("x{}", "[0]".repeat(n)))),
        ("calls", |n| expr(&format!("f{}", "()".repeat(n)))),
        ("tries", |n| expr(&format!("x{}", "?".repeat(n)))),
        ("casts", |n| expr(&format!("x{}", " as u8".repeat(n)))),
        ("tuple fields", |n| expr(&format!("x{}", ".0".repeat(n)))),
        ("nested generics args", |n| {
            ty(&format!("{}u8{}", "HashMap<u8, ".repeat(n), ">".repeat(n)))
        }),
    ];

    fn expr(e: &str) -> String {
        format!("use tallyho::Counter;\n/// ------\nfn f() {{\n    let _ = {e};\n}}\n")
    }

    fn ty(t: &str) -> String {
        format!("use tallyho::Counter;\ntype T = {t};\n")
    }

    /// The deepest `n` the pre-scan lets through.
    fn deepest(kind: Generator) -> usize {
        let (mut low, mut high) = (0, 4 * MAX_DEPTH);
        assert!(too_deep(&kind(high)).is_some());
        while low + 1 < high {
            let middle = (low + high) / 2;
            match too_deep(&kind(middle)) {
                None => low = middle,
                Some(_) => high = middle,
            }
        }
        low
    }

    fn scan(text: &str) -> crate::scan::FileScan {
        let tallyho = ["tallyho".to_owned()];
        let context = FileContext::standalone("p", &tallyho);
        scan_file(&context, text)
    }

    /// The measurement behind [`PARSE_STACK`]: `TALLYHO_PROBE_STACK=<bytes>` runs it on that
    /// stack instead, to find what a build needs (2026-11-24, 512 levels of generics, the
    /// hungriest kind: between 24 and 32 MiB in a debug build, between 2 and 4 MiB in release).
    #[test]
    fn every_kind_at_the_bound_parses_on_half_the_stack() {
        for (name, kind) in KINDS {
            let n = deepest(*kind);
            assert!(n >= 50, "{name}: only {n} levels pass");
            let text = kind(n);
            eprintln!("{name}: {n} levels");
            let stack = std::env::var("TALLYHO_PROBE_STACK")
                .map_or(PARSE_STACK / 2, |s| s.parse().expect("bytes"));
            let scanned = std::thread::Builder::new()
                .stack_size(stack)
                .spawn(move || scan(&text))
                .expect("a thread")
                .join()
                .expect("no panic");
            let codes: Vec<_> = scanned.findings.iter().map(|f| f.code).collect();
            assert!(
                !codes.contains(&crate::Rule::SourceTooLarge),
                "{name}: {codes:?}"
            );
        }
    }

    #[test]
    fn every_kind_past_the_bound_is_found_at_its_offset() {
        for (name, kind) in KINDS {
            let text = kind(100_000);
            let offset = too_deep(&text).unwrap_or_else(|| panic!("{name}"));
            assert!(offset < text.len(), "{name}");
            let scanned = scan(&text);
            assert_eq!(scanned.findings.len(), 1, "{name}");
            assert_eq!(scanned.findings[0].code, crate::Rule::SourceTooLarge);
            assert_eq!(scanned.findings[0].span.range, offset..offset + 1);
        }
    }

    #[test]
    fn comments_literals_and_ordinary_code_do_not_count() {
        let deep = "(".repeat(5000);
        let long = format!("{}\n", "-".repeat(5000));
        for text in [
            format!("/// {long}//! {long}// {deep}\nfn f() {{}}"),
            format!("/* {deep} /* nested */ {deep} */ fn f() {{}}"),
            format!("const S: &str = \"{deep} \\\" {deep}\";"),
            format!("const S: &str = r#\"{deep} \" {deep}\"#;"),
            format!("const S: &[u8] = br##\"{deep} \"# {deep}\"##;"),
            format!("const S: &[u8] = b\"{deep}\"; const C: &CStr = c\"{deep}\";"),
            format!(
                "fn f<'a>(x: &'a str) -> char {{ '(' }}\n{}",
                "const C: char = '\\'';\n".repeat(3000)
            ),
            format!(
                "fn f() {{ {} }}",
                "if a < b { x = !y; } else { z = &w; }\n".repeat(3000)
            ),
            format!(
                "fn f() {{ {} }}",
                "let x = a.b().c()?.d[0] + -e * *f;\n".repeat(3000)
            ),
            format!("const A: [u8; 9000] = [{}];", "-1, ".repeat(9000)),
            "fn f() { match x { A | B => |c| c, _ => || 1 } }".repeat(3000),
            "impl<T: Fn() -> u8> Foo for Bar<T> where T: Clone {}\nfn g() -> u8 { 1 }\n"
                .repeat(3000),
            format!(
                "fn f() {{ {} }}",
                "match x { 0 => {} 1 => {} _ => {} }\n".repeat(3000)
            ),
            format!(
                "fn f() {{ match x {{ {} }} }}",
                "(A, &B) => {}\n[c, ..] => {}\n".repeat(3000)
            ),
            "#[derive(Debug)]\nstruct S { a: Vec<Vec<u8>>, b: Option<&'static str> }\n"
                .repeat(3000),
        ] {
            assert_eq!(too_deep(&text), None, "{}", &text[..200.min(text.len())]);
        }
    }
}
