//! An argument cursor for handlers, in the style of mini-redis's `Parse`.
//!
//! The dispatcher has already checked arity, so a handler reads its fixed arguments with
//! [`Args::next`] and its options with [`Args::keyword`] in a loop, then calls
//! [`Args::finish`], which rejects anything left over with Redis's syntax error.

use super::num;
use super::reply::RedisError;

/// Reads a command's arguments in order (the command name itself is skipped).
#[derive(Clone, Debug)]
pub struct Args<'a> {
    argv: &'a [Vec<u8>],
    pos: usize,
}

impl<'a> Args<'a> {
    /// A cursor positioned after `argv[0]`; `skip` more arguments are skipped (subcommands).
    pub fn new(argv: &'a [Vec<u8>], skip: usize) -> Self {
        Args { argv, pos: 1 + skip }
    }

    /// How many arguments are left.
    pub fn remaining(&self) -> usize {
        self.argv.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The whole argv, command name included.
    pub fn argv(&self) -> &'a [Vec<u8>] {
        self.argv
    }

    /// The index of the next argument in argv.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next argument without consuming it.
    pub fn peek(&self) -> Option<&'a [u8]> {
        self.argv.get(self.pos).map(Vec::as_slice)
    }

    /// The next argument, or a syntax error if there is none.
    pub fn next(&mut self) -> Result<&'a [u8], RedisError> {
        let a = self.argv.get(self.pos).ok_or_else(RedisError::syntax)?;
        self.pos += 1;
        Ok(a)
    }

    /// The next argument if there is one.
    pub fn next_opt(&mut self) -> Option<&'a [u8]> {
        let a = self.argv.get(self.pos)?;
        self.pos += 1;
        Some(a)
    }

    /// The next argument as an owned key or value.
    pub fn bytes(&mut self) -> Result<Vec<u8>, RedisError> {
        self.next().map(<[u8]>::to_vec)
    }

    /// All remaining arguments.
    pub fn rest(&mut self) -> &'a [Vec<u8>] {
        let r = self.argv.get(self.pos..).unwrap_or(&[]);
        self.pos = self.argv.len();
        r
    }

    /// The next argument as an integer, with Redis's "not an integer" error.
    pub fn int(&mut self) -> Result<i64, RedisError> {
        num::parse_i64(self.next()?).ok_or_else(RedisError::not_integer)
    }

    /// The next argument as a double, with Redis's "not a valid float" error.
    pub fn float(&mut self) -> Result<f64, RedisError> {
        num::parse_f64(self.next()?).ok_or_else(RedisError::not_float)
    }

    /// Consumes the next argument if it equals `word`, ignoring ASCII case.
    pub fn eat(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(a) if a.eq_ignore_ascii_case(word.as_bytes()) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// The next argument, upper-cased, as an option keyword (`EX`, `NX`, `WITHSCORES`).
    pub fn keyword(&mut self) -> Option<String> {
        let a = self.next_opt()?;
        Some(String::from_utf8_lossy(a).to_ascii_uppercase())
    }

    /// Fails with a syntax error if any argument is left.
    pub fn finish(&self) -> Result<(), RedisError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(RedisError::syntax())
        }
    }
}

/// Case-insensitive comparison of an argument with an ASCII keyword.
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn cursor_reads_in_order() {
        let v = argv(&["set", "k", "12", "ex", "5"]);
        let mut a = Args::new(&v, 0);
        assert_eq!(a.next().ok(), Some(&b"k"[..]));
        assert_eq!(a.int().ok(), Some(12));
        assert!(a.eat("EX"));
        assert_eq!(a.remaining(), 1);
        assert!(a.finish().is_err());
        assert_eq!(a.int().ok(), Some(5));
        assert!(a.finish().is_ok());
        assert!(a.next().is_err());
    }
}
