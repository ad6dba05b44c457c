//! Replies and errors: the values a command hands back, independent of the wire protocol.
//!
//! A [`Reply`] is protocol-neutral: the RESP codec (`resp.rs`) turns it into RESP2 or RESP3
//! bytes, and `cli.rs` turns it into the text redis-cli would print. Handlers return
//! `Result<Reply, RedisError>` ([`CmdResult`]) so that `?` can carry Redis's error texts.

use std::fmt;

/// One reply, covering every RESP2 and RESP3 type.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `+OK` — a simple (status) string. Never contains CR or LF.
    Status(String),
    /// `-ERR ...` — the full error text, including its prefix word.
    Error(String),
    /// `:1`
    Int(i64),
    /// `$3\r\nfoo` — a binary-safe bulk string.
    Bulk(Vec<u8>),
    /// A missing value: `$-1` in RESP2, `_` in RESP3.
    Nil,
    /// A missing array: `*-1` in RESP2, `_` in RESP3 (BLPOP timeout, EXEC abort).
    NilArray,
    /// `*N` followed by N replies.
    Array(Vec<Reply>),
    /// RESP3 `,` double; a bulk string in RESP2.
    Double(f64),
    /// A RESP3 `,` double written with the given text (Redis's `addReplyHumanLongDouble`:
    /// GEOPOS and WITHCOORD coordinates); a bulk string of that text in RESP2.
    DoubleText(String),
    /// RESP3 `#t`/`#f`; the integer 1/0 in RESP2.
    Bool(bool),
    /// RESP3 `%` map; a flat array in RESP2.
    Map(Vec<(Reply, Reply)>),
    /// RESP3 `~` set; an array in RESP2.
    Set(Vec<Reply>),
    /// RESP3 `>` push (pub/sub messages, invalidations); an array in RESP2.
    Push(Vec<Reply>),
    /// RESP3 `(` big number; a bulk string in RESP2.
    BigNumber(String),
    /// RESP3 `=` verbatim string with its three-letter format; a bulk string in RESP2.
    Verbatim(String, Vec<u8>),
    /// No reply at all (QUIT after closing, a command that blocked the client, CLIENT REPLY OFF).
    NoReply,
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Status("OK".into())
    }
    pub fn status(s: &str) -> Reply {
        Reply::Status(s.to_string())
    }
    pub fn bulk(b: impl Into<Vec<u8>>) -> Reply {
        Reply::Bulk(b.into())
    }
    pub fn bulk_str(s: &str) -> Reply {
        Reply::Bulk(s.as_bytes().to_vec())
    }
    /// A bulk string holding an integer's decimal text (Redis's `addReplyBulkLongLong`).
    pub fn bulk_int(n: i64) -> Reply {
        Reply::Bulk(n.to_string().into_bytes())
    }
    /// A bulk string, or nil when absent.
    pub fn opt_bulk(b: Option<Vec<u8>>) -> Reply {
        b.map(Reply::Bulk).unwrap_or(Reply::Nil)
    }
    /// An array of bulk strings.
    pub fn bulks<I, B>(items: I) -> Reply
    where
        I: IntoIterator<Item = B>,
        B: Into<Vec<u8>>,
    {
        Reply::Array(items.into_iter().map(|b| Reply::Bulk(b.into())).collect())
    }
    pub fn empty_array() -> Reply {
        Reply::Array(Vec::new())
    }
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
    /// The error text, if this is an error reply.
    pub fn error_text(&self) -> Option<&str> {
        match self {
            Reply::Error(e) => Some(e),
            _ => None,
        }
    }
}

impl From<RedisError> for Reply {
    fn from(e: RedisError) -> Reply {
        Reply::Error(e.0)
    }
}

/// An error reply's full text, prefix word included (`ERR syntax error`, `WRONGTYPE ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisError(pub String);

impl RedisError {
    /// An `ERR`-prefixed error.
    pub fn err(msg: impl fmt::Display) -> RedisError {
        RedisError(format!("ERR {msg}"))
    }
    /// An error whose text already carries its own prefix word.
    pub fn raw(msg: impl Into<String>) -> RedisError {
        RedisError(msg.into())
    }
    pub fn syntax() -> RedisError {
        RedisError(errors::SYNTAX.into())
    }
    pub fn wrong_type() -> RedisError {
        RedisError(errors::WRONGTYPE.into())
    }
    pub fn not_integer() -> RedisError {
        RedisError(errors::NOT_INTEGER.into())
    }
    pub fn not_float() -> RedisError {
        RedisError(errors::NOT_FLOAT.into())
    }
    pub fn text(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What every handler returns.
pub type CmdResult = Result<Reply, RedisError>;

/// Redis 7.0's shared error texts, word for word.
pub mod errors {
    pub const SYNTAX: &str = "ERR syntax error";
    pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
    pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
    pub const NOT_FLOAT: &str = "ERR value is not a valid float";
    pub const NO_SUCH_KEY: &str = "ERR no such key";
    pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
    pub const OUT_OF_RANGE: &str = "ERR index out of range";
    pub const DB_INDEX: &str = "ERR DB index is out of range";
    pub const INVALID_EXPIRE: &str = "ERR invalid expire time in '{}' command";
    pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
    pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    pub const NAN_OR_INF: &str = "ERR increment would produce NaN or Infinity";
    pub const SELECT_BAD: &str = "ERR value is not an integer or out of range";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_prefixes() {
        assert_eq!(RedisError::err("boom").text(), "ERR boom");
        assert_eq!(Reply::from(RedisError::syntax()), Reply::Error("ERR syntax error".into()));
        assert!(Reply::from(RedisError::wrong_type()).is_error());
    }

    #[test]
    fn constructors() {
        assert_eq!(Reply::bulk_int(-3), Reply::Bulk(b"-3".to_vec()));
        assert_eq!(Reply::opt_bulk(None), Reply::Nil);
        assert_eq!(Reply::bulks(["a", "b"]), Reply::Array(vec![Reply::bulk_str("a"), Reply::bulk_str("b")]));
    }
}
