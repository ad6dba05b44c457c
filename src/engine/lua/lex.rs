//! The lexer: Lua 5.1's tokens, string escapes, long brackets, comments and numerals, with its
//! error texts ("unfinished string", "malformed number", ...).

use super::shared::Rc;

use super::number::string_to_number;
use super::LuaStr;

#[derive(Clone, Debug, PartialEq)]
pub enum T {
    Name(LuaStr),
    Str(LuaStr),
    Num(f64),
    /// Keywords and operators, spelled as in the source.
    Sym(&'static str),
    Eof,
}

#[derive(Clone, Debug)]
pub struct Tok {
    pub t: T,
    pub line: u32,
    /// The text Lua shows after "near" in error messages.
    pub text: String,
}

const KEYWORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in", "local", "nil", "not", "or",
    "repeat", "return", "then", "true", "until", "while",
];

const SYMS3: &[&str] = &["..."];
const SYMS2: &[&str] = &["==", "~=", "<=", ">=", ".."];
const SYMS1: &[&str] =
    &["+", "-", "*", "/", "%", "^", "#", "<", ">", "=", "(", ")", "{", "}", "[", "]", ";", ":", ",", "."];

pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    pub line: u32,
    chunk: &'a str,
}

fn is_newline(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8], chunk: &'a str) -> Lexer<'a> {
        // No '#' first-line skipping: luaL_loadbuffer (what Redis uses) has none; Redis itself
        // deals with a "#!lua" shebang before compiling.
        Lexer { src, pos: 0, line: 1, chunk }
    }

    fn peek(&self, o: usize) -> u8 {
        self.src.get(self.pos + o).copied().unwrap_or(0)
    }
    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn err(&self, msg: &str, near: &str) -> String {
        if near.is_empty() {
            format!("{}:{}: {}", self.chunk, self.line, msg)
        } else {
            format!("{}:{}: {} near '{}'", self.chunk, self.line, msg, near)
        }
    }

    fn newline(&mut self) {
        let c = self.peek(0);
        self.pos += 1;
        let d = self.peek(0);
        if is_newline(d) && d != c {
            self.pos += 1;
        }
        self.line += 1;
    }

    fn text(&self, from: usize) -> String {
        String::from_utf8_lossy(&self.src[from..self.pos.min(self.src.len())]).into_owned()
    }

    /// Counts '=' of a long bracket starting at pos ('[' or ']'); returns level if well formed.
    fn sep(&mut self) -> Option<usize> {
        let open = self.peek(0);
        let mut n = 0;
        while self.peek(1 + n) == b'=' {
            n += 1;
        }
        if self.peek(1 + n) == open {
            Some(n)
        } else {
            None
        }
    }

    fn long_string(&mut self, level: usize, is_comment: bool) -> Result<Vec<u8>, String> {
        let start = self.pos;
        self.pos += level + 2;
        if !self.at_end() && is_newline(self.peek(0)) {
            self.newline();
        }
        let mut out = Vec::new();
        loop {
            if self.at_end() {
                let what = if is_comment { "unfinished long comment" } else { "unfinished long string" };
                return Err(self.err(what, &if is_comment { "<eof>".to_string() } else { self.text(start) }));
            }
            let c = self.peek(0);
            if c == b']' {
                if let Some(l) = self.sep() {
                    if l == level {
                        self.pos += level + 2;
                        return Ok(out);
                    }
                }
                out.push(c);
                self.pos += 1;
            } else if is_newline(c) {
                out.push(b'\n');
                self.newline();
            } else {
                out.push(c);
                self.pos += 1;
            }
        }
    }

    fn short_string(&mut self) -> Result<Vec<u8>, String> {
        let q = self.peek(0);
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            if self.at_end() {
                return Err(self.err("unfinished string", "<eof>"));
            }
            let c = self.peek(0);
            if c == q {
                self.pos += 1;
                return Ok(out);
            }
            if is_newline(c) {
                let near = format!("{}{}", q as char, String::from_utf8_lossy(&out));
                return Err(self.err("unfinished string", &near));
            }
            if c == b'\\' {
                self.pos += 1;
                if self.at_end() {
                    return Err(self.err("unfinished string", "<eof>"));
                }
                let e = self.peek(0);
                let r = match e {
                    b'a' => 7,
                    b'b' => 8,
                    b'f' => 12,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 11,
                    b'\n' | b'\r' => {
                        self.newline();
                        out.push(b'\n');
                        continue;
                    }
                    b'0'..=b'9' => {
                        let mut v: u32 = 0;
                        let mut i = 0;
                        while i < 3 && self.peek(0).is_ascii_digit() {
                            v = v * 10 + (self.peek(0) - b'0') as u32;
                            self.pos += 1;
                            i += 1;
                        }
                        if v > 255 {
                            let near = format!("{}{}", q as char, String::from_utf8_lossy(&out));
                            return Err(self.err("escape sequence too large", &near));
                        }
                        out.push(v as u8);
                        continue;
                    }
                    other => other,
                };
                out.push(r);
                self.pos += 1;
                continue;
            }
            out.push(c);
            self.pos += 1;
        }
    }

    fn numeral(&mut self) -> Result<Tok, String> {
        let start = self.pos;
        while self.peek(0).is_ascii_digit() || self.peek(0) == b'.' {
            self.pos += 1;
        }
        if matches!(self.peek(0), b'e' | b'E') {
            self.pos += 1;
            if matches!(self.peek(0), b'+' | b'-') {
                self.pos += 1;
            }
        }
        while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
            self.pos += 1;
        }
        let text = self.text(start);
        match string_to_number(&self.src[start..self.pos]) {
            Some(n) => Ok(Tok { t: T::Num(n), line: self.line, text }),
            None => Err(self.err("malformed number", &text)),
        }
    }

    /// The next token.
    pub fn next(&mut self) -> Result<Tok, String> {
        loop {
            if self.at_end() {
                return Ok(Tok { t: T::Eof, line: self.line, text: "<eof>".into() });
            }
            let c = self.peek(0);
            match c {
                b'\n' | b'\r' => self.newline(),
                b' ' | b'\t' | 0x0b | 0x0c => self.pos += 1,
                b'-' if self.peek(1) == b'-' => {
                    self.pos += 2;
                    if self.peek(0) == b'[' {
                        if let Some(l) = self.sep() {
                            self.long_string(l, true)?;
                            continue;
                        }
                    }
                    while !self.at_end() && !is_newline(self.peek(0)) {
                        self.pos += 1;
                    }
                }
                b'[' => {
                    if let Some(l) = self.sep() {
                        let start = self.pos;
                        let s = self.long_string(l, false)?;
                        let line = self.line;
                        return Ok(Tok { t: T::Str(Rc::from(s)), line, text: self.text(start) });
                    }
                    if self.peek(1) == b'=' {
                        // "[=" without a second bracket.
                        return Err(self.err("invalid long string delimiter", "[="));
                    }
                    self.pos += 1;
                    return Ok(Tok { t: T::Sym("["), line: self.line, text: "[".into() });
                }
                b'"' | b'\'' => {
                    let start = self.pos;
                    let s = self.short_string()?;
                    return Ok(Tok { t: T::Str(Rc::from(s)), line: self.line, text: self.text(start) });
                }
                b'.' if self.peek(1).is_ascii_digit() => return self.numeral(),
                b'0'..=b'9' => return self.numeral(),
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let start = self.pos;
                    while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
                        self.pos += 1;
                    }
                    let word = &self.src[start..self.pos];
                    let text = self.text(start);
                    for k in KEYWORDS {
                        if k.as_bytes() == word {
                            return Ok(Tok { t: T::Sym(k), line: self.line, text });
                        }
                    }
                    return Ok(Tok { t: T::Name(Rc::from(word)), line: self.line, text });
                }
                _ => {
                    for group in [SYMS3, SYMS2, SYMS1] {
                        for s in group {
                            if self.src[self.pos..].starts_with(s.as_bytes()) {
                                self.pos += s.len();
                                return Ok(Tok { t: T::Sym(s), line: self.line, text: s.to_string() });
                            }
                        }
                    }
                    if c == b'~' {
                        self.pos += 1;
                        return Ok(Tok { t: T::Sym("~"), line: self.line, text: "~".into() });
                    }
                    // Any other single character is a token the parser rejects.
                    self.pos += 1;
                    let text = if c.is_ascii_control() { format!("char({c})") } else { (c as char).to_string() };
                    return Ok(Tok { t: T::Sym("?"), line: self.line, text });
                }
            }
        }
    }
}
