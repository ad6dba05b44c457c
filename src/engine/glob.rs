//! Glob-style pattern matching with the exact semantics of Redis's `stringmatchlen`.
//!
//! Used by KEYS and SCAN MATCH (and later HSCAN/SSCAN/ZSCAN MATCH and PSUBSCRIBE). Supported:
//! `*` (any run of bytes), `?` (one byte), `[abc]`, `[^abc]`, `[a-z]` (reversed ranges are
//! swapped), and `\x` escapes, all byte-wise.
//!
//! Redis matches recursively, one level per `*`. We compile the pattern into one-byte tokens
//! and stars first (the way Redis walks the pattern does not depend on the subject string),
//! then match with the classic single-backtrack-point algorithm, which finds a match exactly
//! when the recursion would, in O(pattern × subject) time and constant stack. Redis's quirks
//! are kept on purpose:
//! - bytes are compared as C `char`, i.e. signed, which matters for ranges over bytes ≥ 0x80;
//! - a pattern ending in the middle of a class (`[abc`, `[a-`) behaves as Redis's walk does
//!   when it reaches the string terminator;
//! - an escaped byte inside a class is compared case-sensitively even with `nocase`;
//! - the empty subject matches only the empty pattern (Redis's loop never starts), so `*`
//!   does not match the empty key;
//! - Redis refuses to recurse more than [`MAX_NESTING`] stars deep: a pattern that needs more
//!   star groups before its last token never matches.

/// Deepest star recursion Redis performs before giving up on a match.
pub const MAX_NESTING: usize = 1000;

/// One element of a compiled class (`[...]`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum ClassItem {
    /// A plain byte (case-folded under `nocase`).
    Byte(u8),
    /// A backslash-escaped byte: always compared exactly.
    Escaped(u8),
    /// A range between two signed chars, as written (swapped when reversed).
    Range(i8, i8),
}

/// One step of a compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// A run of `*`.
    Star,
    /// `?`
    Any,
    /// A literal (possibly escaped) byte.
    Lit(u8),
    /// `[...]` or `[^...]`.
    Class { negate: bool, items: Vec<ClassItem> },
}

/// A compiled glob pattern, reusable across many subjects (KEYS walks the whole keyspace).
#[derive(Clone, Debug)]
pub struct Pattern {
    tokens: Vec<Token>,
    /// The raw pattern was empty (it then matches only the empty subject).
    empty: bool,
    /// Star groups that are not the final token: each costs Redis one recursion level.
    inner_stars: usize,
    /// True for the pattern `*` alone, which KEYS and SCAN treat as "everything".
    match_all: bool,
}

impl Pattern {
    /// Compiles `pattern` by walking it the way Redis's matcher does.
    pub fn new(pattern: &[u8]) -> Pattern {
        // Redis reads one byte past the end of the pattern (its NUL terminator) in a few places;
        // `at` reproduces that with 0 beyond the end.
        let at = |i: usize| pattern.get(i).copied().unwrap_or(0);
        let len = pattern.len();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < len {
            match at(i) {
                b'*' => {
                    while i + 1 < len && at(i + 1) == b'*' {
                        i += 1;
                    }
                    tokens.push(Token::Star);
                }
                b'?' => tokens.push(Token::Any),
                b'[' => {
                    i += 1;
                    let negate = at(i) == b'^';
                    if negate {
                        i += 1;
                    }
                    let mut items = Vec::new();
                    loop {
                        let rem = len.saturating_sub(i);
                        if at(i) == b'\\' && rem >= 2 {
                            i += 1;
                            items.push(ClassItem::Escaped(at(i)));
                        } else if at(i) == b']' {
                            break;
                        } else if rem == 0 {
                            // Unterminated class: step back so the outer advance lands on the end.
                            i -= 1;
                            break;
                        } else if rem >= 3 && at(i + 1) == b'-' {
                            items.push(ClassItem::Range(at(i) as i8, at(i + 2) as i8));
                            i += 2;
                        } else {
                            items.push(ClassItem::Byte(at(i)));
                        }
                        i += 1;
                    }
                    tokens.push(Token::Class { negate, items });
                }
                b'\\' => {
                    if len - i >= 2 {
                        i += 1;
                    }
                    tokens.push(Token::Lit(at(i)));
                }
                c => tokens.push(Token::Lit(c)),
            }
            i += 1;
        }
        let stars = tokens.iter().filter(|t| **t == Token::Star).count();
        let inner_stars = if tokens.last() == Some(&Token::Star) { stars - 1 } else { stars };
        Pattern { tokens, empty: pattern.is_empty(), inner_stars, match_all: pattern == b"*" }
    }

    /// True for the pattern `*` alone (KEYS and SCAN skip matching then).
    pub fn matches_everything(&self) -> bool {
        self.match_all
    }

    /// Does `subject` match? `nocase` folds ASCII letters like Redis's `tolower`.
    pub fn matches(&self, subject: &[u8], nocase: bool) -> bool {
        if subject.is_empty() {
            return self.empty;
        }
        if self.inner_stars > MAX_NESTING {
            return false;
        }
        let toks = &self.tokens;
        let (mut ti, mut si) = (0usize, 0usize);
        // Where to resume after the most recent star: (token after it, subject position).
        let mut resume: Option<(usize, usize)> = None;
        while let Some(&c) = subject.get(si) {
            match toks.get(ti) {
                Some(Token::Star) => {
                    ti += 1;
                    resume = Some((ti, si));
                    continue;
                }
                Some(t) if token_matches(t, c, nocase) => {
                    ti += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
            match resume {
                Some((t, s)) => {
                    // Let the star swallow one more byte and retry the rest.
                    ti = t;
                    si = s + 1;
                    resume = Some((t, s + 1));
                }
                None => return false,
            }
        }
        while toks.get(ti) == Some(&Token::Star) {
            ti += 1;
        }
        ti == toks.len()
    }
}

/// One-shot match of `pattern` against `subject` (Redis's `stringmatchlen`).
pub fn matches(pattern: &[u8], subject: &[u8], nocase: bool) -> bool {
    Pattern::new(pattern).matches(subject, nocase)
}

/// C's `tolower` on a `char` promoted to int: only ASCII capitals change.
fn lower(c: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&c) {
        c + 32
    } else {
        c
    }
}

fn token_matches(t: &Token, c: u8, nocase: bool) -> bool {
    match t {
        Token::Star | Token::Any => true,
        Token::Lit(p) => byte_eq(*p, c, nocase),
        Token::Class { negate, items } => {
            let hit = items.iter().any(|item| match *item {
                ClassItem::Byte(p) => byte_eq(p, c, nocase),
                ClassItem::Escaped(p) => p == c,
                ClassItem::Range(a, b) => {
                    let (mut lo, mut hi) = (i32::from(a.min(b)), i32::from(a.max(b)));
                    let mut v = i32::from(c as i8);
                    if nocase {
                        lo = lower(lo);
                        hi = lower(hi);
                        v = lower(v);
                    }
                    lo <= v && v <= hi
                }
            });
            hit != *negate
        }
    }
}

fn byte_eq(p: u8, c: u8, nocase: bool) -> bool {
    if nocase {
        lower(i32::from(p as i8)) == lower(i32::from(c as i8))
    } else {
        p == c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        matches(p.as_bytes(), s.as_bytes(), false)
    }

    #[test]
    fn basics() {
        assert!(m("*", "anything"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"), "reversed ranges are swapped");
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hello"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("user:*:name", "user:42:name"));
    }

    #[test]
    fn redis_quirks() {
        // The empty subject matches only the empty pattern.
        assert!(m("", ""));
        assert!(!m("*", ""));
        assert!(!m("**", ""));
        assert!(!m("", "a"));
        // Unterminated classes and dangling escapes.
        assert!(m("[abc", "b"));
        assert!(!m("[abc", "d"));
        assert!(m("a\\", "a\\"));
        assert!(m("[a-]", "]"), "a range to the closing bracket");
        assert!(m("[a-]", "_"));
        assert!(!m("[a-]", "-"));
        assert!(m("[\\]]", "]"));
        assert!(!m("[]", "]"), "an empty class matches nothing");
        // Signed bytes: the range a..\xff becomes \xff(-1)..a.
        assert!(matches(b"[a-\xff]", b"0", false));
        assert!(!matches(b"[a-\xff]", b"\x80", false));
        assert!(matches(b"\x00*", b"\x00\xff", false));
    }

    #[test]
    fn nocase() {
        assert!(matches(b"HeLLo", b"hello", true));
        assert!(matches(b"[A-C]x", b"bX", true));
        assert!(!matches(b"[\\A]", b"a", true), "escaped class bytes are exact");
        assert!(matches(b"[A]", b"a", true));
        assert!(!matches(b"HeLLo", b"hello", false));
    }

    #[test]
    fn nesting_limit() {
        let subject = vec![b'a'; 1100];
        let ok = b"*a".repeat(MAX_NESTING);
        assert!(matches(&ok, &subject, false));
        let mut with_tail = ok.clone();
        with_tail.push(b'*');
        assert!(matches(&with_tail, &subject, false));
        let too_deep = b"*a".repeat(MAX_NESTING + 1);
        assert!(!matches(&too_deep, &subject, false));
    }

    #[test]
    fn pathological_patterns_are_fast() {
        let subject = vec![b'a'; 5000];
        let mut p = b"*a".repeat(500);
        p.push(b'b');
        let start = std::time::Instant::now();
        assert!(!matches(&p, &subject, false));
        assert!(start.elapsed().as_secs() < 5);
    }

    /// A direct, exponential-time model of Redis's recursive walk (with the raw pattern and
    /// a virtual NUL terminator), to cross-check the compiled matcher on random inputs.
    fn model(p: &[u8], s: &[u8], nocase: bool) -> bool {
        fn at(p: &[u8], i: usize) -> u8 {
            p.get(i).copied().unwrap_or(0)
        }
        fn low(c: u8) -> i32 {
            lower(i32::from(c as i8))
        }
        fn go(p: &[u8], mut pi: usize, s: &[u8], mut si: usize, nocase: bool, depth: usize) -> bool {
            if depth > MAX_NESTING {
                return false;
            }
            let plen = p.len();
            while pi < plen && si < s.len() {
                let c = s[si];
                match p[pi] {
                    b'*' => {
                        while pi < plen && at(p, pi + 1) == b'*' {
                            pi += 1;
                        }
                        if plen - pi == 1 {
                            return true;
                        }
                        for start in si..s.len() {
                            if go(p, pi + 1, s, start, nocase, depth + 1) {
                                return true;
                            }
                        }
                        return false;
                    }
                    b'?' => si += 1,
                    b'[' => {
                        pi += 1;
                        let not = at(p, pi) == b'^';
                        if not {
                            pi += 1;
                        }
                        let mut hit = false;
                        loop {
                            let rem = plen.saturating_sub(pi);
                            if at(p, pi) == b'\\' && rem >= 2 {
                                pi += 1;
                                hit |= at(p, pi) == c;
                            } else if at(p, pi) == b']' {
                                break;
                            } else if rem == 0 {
                                pi -= 1;
                                break;
                            } else if rem >= 3 && at(p, pi + 1) == b'-' {
                                let (mut a, mut b) = (i32::from(at(p, pi) as i8), i32::from(at(p, pi + 2) as i8));
                                if a > b {
                                    std::mem::swap(&mut a, &mut b);
                                }
                                let mut v = i32::from(c as i8);
                                if nocase {
                                    a = lower(a);
                                    b = lower(b);
                                    v = lower(v);
                                }
                                pi += 2;
                                hit |= a <= v && v <= b;
                            } else if nocase {
                                hit |= low(at(p, pi)) == low(c);
                            } else {
                                hit |= at(p, pi) == c;
                            }
                            pi += 1;
                        }
                        if hit == not {
                            return false;
                        }
                        si += 1;
                    }
                    b => {
                        let b = if b == b'\\' && plen - pi >= 2 {
                            pi += 1;
                            p[pi]
                        } else {
                            b
                        };
                        let eq = if nocase { low(b) == low(c) } else { b == c };
                        if !eq {
                            return false;
                        }
                        si += 1;
                    }
                }
                pi += 1;
                if si == s.len() {
                    while at(p, pi) == b'*' && pi < plen {
                        pi += 1;
                    }
                    break;
                }
            }
            pi >= plen && si == s.len()
        }
        go(p, 0, s, 0, nocase, 0)
    }

    #[test]
    fn agrees_with_a_model_of_redis_on_random_inputs() {
        let alphabet = b"ab*?[]^-\\Az\x80\xff";
        let mut state = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let plen = (next() % 8) as usize;
            let slen = (next() % 6) as usize;
            let p: Vec<u8> = (0..plen).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let s: Vec<u8> = (0..slen).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let nocase = next() % 4 == 0;
            assert_eq!(
                matches(&p, &s, nocase),
                model(&p, &s, nocase),
                "pattern {:?} subject {:?} nocase {nocase}",
                String::from_utf8_lossy(&p),
                String::from_utf8_lossy(&s)
            );
        }
    }
}
