//! Lua 5.1's pattern matching (string.find, match, gmatch, gsub), with its error texts.

pub const MAX_CAPTURES: usize = 32;
const CAP_UNFINISHED: isize = -1;
const CAP_POSITION: isize = -2;
const MAX_DEPTH: u32 = 200;

pub struct MatchState<'a> {
    pub src: &'a [u8],
    pub pat: &'a [u8],
    pub level: usize,
    pub capture: [(usize, isize); MAX_CAPTURES],
    depth: u32,
}

pub enum Cap<'a> {
    Str(&'a [u8]),
    Pos(usize),
}

type R<T> = Result<T, String>;

fn class_match(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0,
        _ => return cl == c,
    };
    if cl.is_ascii_uppercase() {
        !res
    } else {
        res
    }
}

impl<'a> MatchState<'a> {
    pub fn new(src: &'a [u8], pat: &'a [u8]) -> MatchState<'a> {
        MatchState { src, pat, level: 0, capture: [(0, 0); MAX_CAPTURES], depth: 0 }
    }

    fn p(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    fn class_end(&self, mut p: usize) -> R<usize> {
        let c = self.p(p);
        p += 1;
        if c == b'%' {
            if p >= self.pat.len() {
                return Err("malformed pattern (ends with '%')".into());
            }
            return Ok(p + 1);
        }
        if c == b'[' {
            if self.p(p) == b'^' {
                p += 1;
            }
            loop {
                if p >= self.pat.len() {
                    return Err("malformed pattern (missing ']')".into());
                }
                let cc = self.p(p);
                p += 1;
                if cc == b'%' && p < self.pat.len() {
                    p += 1;
                }
                if self.p(p) == b']' && p < self.pat.len() {
                    break;
                }
            }
            return Ok(p + 1);
        }
        Ok(p)
    }

    fn bracket(&self, c: u8, mut p: usize, ec: usize) -> bool {
        let mut sig = true;
        if self.p(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                break;
            }
            if self.p(p) == b'%' {
                p += 1;
                if class_match(c, self.p(p)) {
                    return sig;
                }
            } else if self.p(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if self.p(p - 2) <= c && c <= self.p(p) {
                    return sig;
                }
            } else if self.p(p) == c {
                return sig;
            }
        }
        !sig
    }

    fn single(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else { return false };
        match self.p(p) {
            b'.' => true,
            b'%' => class_match(c, self.p(p + 1)),
            b'[' => self.bracket(c, p, ep - 1),
            pc => pc == c,
        }
    }

    pub fn do_match(&mut self, s: usize, p: usize) -> R<Option<usize>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("pattern too complex".into());
        }
        let r = self.do_match_inner(s, p);
        self.depth -= 1;
        r
    }

    fn do_match_inner(&mut self, mut s: usize, mut p: usize) -> R<Option<usize>> {
        loop {
            if p >= self.pat.len() {
                return Ok(Some(s));
            }
            match self.p(p) {
                b'(' => {
                    return if self.p(p + 1) == b')' {
                        self.start_capture(s, p + 2, CAP_POSITION)
                    } else {
                        self.start_capture(s, p + 1, CAP_UNFINISHED)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'%' if self.p(p + 1) == b'b' => match self.match_balance(s, p + 2)? {
                    Some(e) => {
                        s = e;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                b'%' if self.p(p + 1) == b'f' => {
                    p += 2;
                    if self.p(p) != b'[' {
                        return Err("missing '[' after '%f' in pattern".into());
                    }
                    let ep = self.class_end(p)?;
                    let prev = if s == 0 { 0 } else { self.src.get(s - 1).copied().unwrap_or(0) };
                    let cur = self.src.get(s).copied().unwrap_or(0);
                    if !self.bracket(prev, p, ep - 1) && self.bracket(cur, p, ep - 1) {
                        p = ep;
                        continue;
                    }
                    return Ok(None);
                }
                b'%' if self.p(p + 1).is_ascii_digit() => match self.match_capture(s, self.p(p + 1))? {
                    Some(e) => {
                        s = e;
                        p += 2;
                        continue;
                    }
                    None => return Ok(None),
                },
                b'$' if p + 1 == self.pat.len() => {
                    return Ok(if s == self.src.len() { Some(s) } else { None });
                }
                _ => {
                    let ep = self.class_end(p)?;
                    let m = self.single(s, p, ep);
                    if ep < self.pat.len() {
                        match self.p(ep) {
                            b'?' => {
                                if m {
                                    if let Some(r) = self.do_match(s + 1, ep + 1)? {
                                        return Ok(Some(r));
                                    }
                                }
                                p = ep + 1;
                                continue;
                            }
                            b'*' => return self.max_expand(s, p, ep),
                            b'+' => return if m { self.max_expand(s + 1, p, ep) } else { Ok(None) },
                            b'-' => return self.min_expand(s, p, ep),
                            _ => {}
                        }
                    }
                    if !m {
                        return Ok(None);
                    }
                    s += 1;
                    p = ep;
                }
            }
        }
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> R<Option<usize>> {
        let mut i = 0usize;
        while self.single(s + i, p, ep) {
            i += 1;
        }
        loop {
            if let Some(r) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(r));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> R<Option<usize>> {
        loop {
            if let Some(r) = self.do_match(s, ep + 1)? {
                return Ok(Some(r));
            }
            if self.single(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: isize) -> R<Option<usize>> {
        if self.level >= MAX_CAPTURES {
            return Err("too many captures".into());
        }
        self.capture[self.level] = (s, what);
        self.level += 1;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.level -= 1;
        }
        Ok(r)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> R<Option<usize>> {
        let mut l = None;
        for i in (0..self.level).rev() {
            if self.capture[i].1 == CAP_UNFINISHED {
                l = Some(i);
                break;
            }
        }
        let Some(l) = l else { return Err("invalid pattern capture".into()) };
        self.capture[l].1 = (s - self.capture[l].0) as isize;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.capture[l].1 = CAP_UNFINISHED;
        }
        Ok(r)
    }

    fn match_balance(&self, s: usize, p: usize) -> R<Option<usize>> {
        if p + 1 >= self.pat.len() {
            return Err("unbalanced pattern".into());
        }
        let (b, e) = (self.p(p), self.p(p + 1));
        if self.src.get(s) != Some(&b) {
            return Ok(None);
        }
        let mut cont = 1;
        let mut i = s + 1;
        while i < self.src.len() {
            let c = self.src[i];
            if c == e {
                cont -= 1;
                if cont == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == b {
                cont += 1;
            }
            i += 1;
        }
        Ok(None)
    }

    fn match_capture(&self, s: usize, d: u8) -> R<Option<usize>> {
        let l = (d as isize) - (b'1' as isize);
        if l < 0 || l as usize >= self.level || self.capture[l as usize].1 == CAP_UNFINISHED {
            return Err("invalid capture index".into());
        }
        let (st, len) = self.capture[l as usize];
        let len = len.max(0) as usize;
        let cap = &self.src[st..st + len];
        if self.src.len() - s.min(self.src.len()) >= len && &self.src[s..s + len] == cap {
            Ok(Some(s + len))
        } else {
            Ok(None)
        }
    }

    /// Capture i (the whole match s..e when there are no captures and i == 0).
    pub fn get_capture(&self, i: usize, s: usize, e: usize) -> R<Cap<'a>> {
        if i >= self.level {
            if i == 0 {
                return Ok(Cap::Str(&self.src[s..e]));
            }
            return Err("invalid capture index".into());
        }
        let (st, len) = self.capture[i];
        if len == CAP_UNFINISHED {
            return Err("unfinished capture".into());
        }
        if len == CAP_POSITION {
            return Ok(Cap::Pos(st + 1));
        }
        Ok(Cap::Str(&self.src[st..st + len as usize]))
    }

    pub fn ncaptures(&self, whole: bool) -> usize {
        if self.level == 0 && whole {
            1
        } else {
            self.level
        }
    }

    pub fn reset(&mut self) {
        self.level = 0;
        self.depth = 0;
    }
}

/// True when a pattern has no special characters (string.find may search plainly).
pub fn no_specials(p: &[u8]) -> bool {
    !p.iter().any(|c| b"^$*+?.([%-".contains(c))
}

pub fn find_plain(s: &[u8], p: &[u8], init: usize) -> Option<usize> {
    if p.is_empty() {
        return Some(init);
    }
    if p.len() > s.len() {
        return None;
    }
    (init..=s.len() - p.len()).find(|&i| &s[i..i + p.len()] == p)
}
