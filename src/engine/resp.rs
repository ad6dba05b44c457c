//! The RESP2/RESP3 codec: replies to bytes, request bytes to argv, reply bytes to [`Reply`].
//!
//! Encoding follows the client's protocol version: RESP3-only types are down-converted for
//! RESP2 clients exactly as Redis does (maps flatten, doubles become bulk strings, booleans
//! integers, nulls `$-1`/`*-1`). Request parsing accepts multibulk and inline commands and
//! reports malformed input with Redis's protocol error texts.

use super::cli::split_args;
use super::num::fmt_g17;
use super::reply::Reply;

/// Redis's `proto-max-bulk-len` default (512 MB).
pub const PROTO_MAX_BULK_LEN: i64 = 512 * 1024 * 1024;
/// Redis's limit on inline requests and unterminated size lines (`PROTO_INLINE_MAX_SIZE`).
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;
/// Redis's limit on the number of arguments of one multibulk request (`INT_MAX`; bigger
/// counts are an "invalid multibulk length").
pub const PROTO_MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;

/// Formats a double as Redis 7.0 does in replies (`%.17g`, `inf`, `-inf`).
pub fn double_text(d: f64) -> String {
    fmt_g17(d)
}

/// The reply as a RESP2 client sees it: RESP3-only types replaced by their RESP2 forms.
pub fn to_resp2(reply: &Reply) -> Reply {
    match reply {
        Reply::Double(d) => Reply::Bulk(double_text(*d).into_bytes()),
        Reply::DoubleText(t) => Reply::Bulk(t.clone().into_bytes()),
        Reply::Bool(b) => Reply::Int(i64::from(*b)),
        Reply::Map(pairs) => {
            let mut flat = Vec::with_capacity(pairs.len() * 2);
            for (k, v) in pairs {
                flat.push(to_resp2(k));
                flat.push(to_resp2(v));
            }
            Reply::Array(flat)
        }
        Reply::Set(items) | Reply::Push(items) | Reply::Array(items) => {
            Reply::Array(items.iter().map(to_resp2).collect())
        }
        Reply::BigNumber(n) => Reply::Bulk(n.clone().into_bytes()),
        Reply::Verbatim(_, s) => Reply::Bulk(s.clone()),
        other => other.clone(),
    }
}

/// Appends the RESP encoding of `reply` for a client speaking protocol `proto` (2 or 3).
pub fn encode_into(out: &mut Vec<u8>, reply: &Reply, proto: u8) {
    let resp3 = proto >= 3;
    match reply {
        Reply::Status(s) => {
            out.push(b'+');
            out.extend(s.bytes().map(|c| if c == b'\r' || c == b'\n' { b' ' } else { c }));
            out.extend_from_slice(b"\r\n");
        }
        Reply::Error(s) => {
            out.push(b'-');
            out.extend(s.bytes().map(|c| if c == b'\r' || c == b'\n' { b' ' } else { c }));
            out.extend_from_slice(b"\r\n");
        }
        Reply::Int(n) => {
            out.push(b':');
            out.extend_from_slice(n.to_string().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Reply::Bulk(b) => write_bulk(out, b),
        Reply::Nil => out.extend_from_slice(if resp3 { b"_\r\n" } else { b"$-1\r\n" }),
        Reply::NilArray => out.extend_from_slice(if resp3 { b"_\r\n" } else { b"*-1\r\n" }),
        Reply::Array(items) => write_aggregate(out, b'*', items, proto),
        Reply::Set(items) => write_aggregate(out, if resp3 { b'~' } else { b'*' }, items, proto),
        Reply::Push(items) => write_aggregate(out, if resp3 { b'>' } else { b'*' }, items, proto),
        Reply::Map(pairs) => {
            if resp3 {
                out.push(b'%');
                out.extend_from_slice(pairs.len().to_string().as_bytes());
            } else {
                out.push(b'*');
                out.extend_from_slice((pairs.len() * 2).to_string().as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            for (k, v) in pairs {
                encode_into(out, k, proto);
                encode_into(out, v, proto);
            }
        }
        Reply::Double(d) => {
            if resp3 {
                out.push(b',');
                out.extend_from_slice(double_text(*d).as_bytes());
                out.extend_from_slice(b"\r\n");
            } else {
                write_bulk(out, double_text(*d).as_bytes());
            }
        }
        Reply::DoubleText(t) => {
            if resp3 {
                out.push(b',');
                out.extend_from_slice(t.as_bytes());
                out.extend_from_slice(b"\r\n");
            } else {
                write_bulk(out, t.as_bytes());
            }
        }
        Reply::Bool(b) => {
            if resp3 {
                out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" });
            } else {
                out.extend_from_slice(if *b { b":1\r\n" } else { b":0\r\n" });
            }
        }
        Reply::BigNumber(n) => {
            if resp3 {
                out.push(b'(');
                out.extend_from_slice(n.as_bytes());
                out.extend_from_slice(b"\r\n");
            } else {
                write_bulk(out, n.as_bytes());
            }
        }
        Reply::Verbatim(fmt, s) => {
            if resp3 {
                out.push(b'=');
                out.extend_from_slice((s.len() + 4).to_string().as_bytes());
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(fmt.as_bytes());
                out.push(b':');
                out.extend_from_slice(s);
                out.extend_from_slice(b"\r\n");
            } else {
                write_bulk(out, s);
            }
        }
        Reply::NoReply => {}
    }
}

/// The RESP encoding of `reply` for protocol `proto`.
pub fn encode(reply: &Reply, proto: u8) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, reply, proto);
    out
}

fn write_bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'$');
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

fn write_aggregate(out: &mut Vec<u8>, tag: u8, items: &[Reply], proto: u8) {
    out.push(tag);
    out.extend_from_slice(items.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for it in items {
        encode_into(out, it, proto);
    }
}

/// Why a request could not be parsed; `text()` is the error Redis sends before closing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtoError {
    InvalidMultibulkLength,
    InvalidBulkLength,
    ExpectedDollar(u8),
    TooBigInline,
    TooBigMbulkCount,
    TooBigBulkCount,
    UnbalancedQuotes,
    /// More than 10 arguments from a connection that must still authenticate.
    UnauthenticatedMultibulkLength,
    /// An argument over 16 KiB from a connection that must still authenticate.
    UnauthenticatedBulkLength,
}

impl ProtoError {
    /// The error text (a byte of 0x80 or more in "expected '$'" shows as U+FFFD here; use
    /// [`ProtoError::to_resp`] for the exact bytes).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.text_bytes()).into_owned()
    }

    /// The error line exactly as Redis sends it before closing: `-ERR ...\r\n`.
    pub fn to_resp(&self) -> Vec<u8> {
        let mut out = vec![b'-'];
        out.extend(self.text_bytes());
        out.extend_from_slice(b"\r\n");
        out
    }

    fn text_bytes(&self) -> Vec<u8> {
        let fixed = match self {
            ProtoError::InvalidMultibulkLength => "invalid multibulk length",
            ProtoError::InvalidBulkLength => "invalid bulk length",
            ProtoError::TooBigInline => "too big inline request",
            ProtoError::TooBigMbulkCount => "too big mbulk count string",
            ProtoError::TooBigBulkCount => "too big bulk count string",
            ProtoError::UnbalancedQuotes => "unbalanced quotes in request",
            ProtoError::UnauthenticatedMultibulkLength => "unauthenticated multibulk length",
            ProtoError::UnauthenticatedBulkLength => "unauthenticated bulk length",
            ProtoError::ExpectedDollar(c) => {
                // Redis prints the byte raw with %c, then turns CR and LF into spaces.
                let c = if *c == b'\r' || *c == b'\n' { b' ' } else { *c };
                let mut t = b"ERR Protocol error: expected '$', got '".to_vec();
                t.extend_from_slice(&[c, b'\'']);
                return t;
            }
        };
        format!("ERR Protocol error: {fixed}").into_bytes()
    }
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    let hay = buf.get(from..)?;
    hay.windows(2).position(|w| w == b"\r\n").map(|p| p + from)
}

fn parse_len(line: &[u8]) -> Option<i64> {
    // Redis's string2ll: strict decimal, optional leading '-'.
    super::num::parse_i64(line)
}

/// Where C's `strchr(buf + from, c)` finds `c`: like Redis's request parser, the search stops
/// at a NUL byte, so a NUL before the terminator leaves the request incomplete.
fn find_byte(buf: &[u8], from: usize, c: u8) -> Option<usize> {
    let hay = buf.get(from..)?;
    let i = hay.iter().position(|&b| b == c || b == 0)?;
    (hay.get(i) == Some(&c)).then_some(from + i)
}

/// Parses one request from the front of `buf`.
///
/// Returns `Ok(None)` when more bytes are needed, or `Ok(Some((argv, consumed)))`. An empty
/// inline line yields an empty argv, which the caller skips, as Redis does.
///
/// Size lines are scanned the way Redis's `processMultibulkBuffer` scans them: up to the first
/// `\r` (which must be followed by one more byte), and the `$` check happens only once that
/// line is complete, so the same bytes give the same error, or the same wait, as in Redis.
pub fn parse_request(buf: &[u8]) -> Result<Option<(Vec<Vec<u8>>, usize)>, ProtoError> {
    parse_request_as(buf, false)
}

/// [`parse_request`] for a connection that may still have to authenticate
/// (`Engine::auth_required`): like Redis, such a connection may send at most 10 arguments of
/// at most 16 KiB each in a multibulk request.
pub fn parse_request_as(buf: &[u8], unauthenticated: bool) -> Result<Option<(Vec<Vec<u8>>, usize)>, ProtoError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    if first != b'*' {
        return parse_inline(buf);
    }
    let Some(cr) = find_byte(buf, 0, b'\r') else {
        if buf.len() > PROTO_INLINE_MAX_SIZE {
            return Err(ProtoError::TooBigMbulkCount);
        }
        return Ok(None);
    };
    if cr + 2 > buf.len() {
        return Ok(None);
    }
    let count = parse_len(&buf[1..cr]).ok_or(ProtoError::InvalidMultibulkLength)?;
    if count > PROTO_MAX_MULTIBULK_LEN {
        return Err(ProtoError::InvalidMultibulkLength);
    }
    if unauthenticated && count > 10 {
        return Err(ProtoError::UnauthenticatedMultibulkLength);
    }
    let mut pos = cr + 2;
    if count <= 0 {
        return Ok(Some((Vec::new(), pos)));
    }
    let mut argv = Vec::with_capacity(count.min(1024) as usize);
    for _ in 0..count {
        let Some(cr) = find_byte(buf, pos, b'\r') else {
            if buf.len().saturating_sub(pos) > PROTO_INLINE_MAX_SIZE {
                return Err(ProtoError::TooBigBulkCount);
            }
            return Ok(None);
        };
        if cr + 2 > buf.len() {
            return Ok(None);
        }
        let tag = buf.get(pos).copied().unwrap_or(b'\r');
        if tag != b'$' {
            return Err(ProtoError::ExpectedDollar(tag));
        }
        let len = buf.get(pos + 1..cr).and_then(parse_len).ok_or(ProtoError::InvalidBulkLength)?;
        if !(0..=PROTO_MAX_BULK_LEN).contains(&len) {
            return Err(ProtoError::InvalidBulkLength);
        }
        if unauthenticated && len > 16384 {
            return Err(ProtoError::UnauthenticatedBulkLength);
        }
        let start = cr + 2;
        let end = start + len as usize;
        if buf.len() < end + 2 {
            return Ok(None);
        }
        argv.push(buf[start..end].to_vec());
        pos = end + 2;
    }
    Ok(Some((argv, pos)))
}

fn parse_inline(buf: &[u8]) -> Result<Option<(Vec<Vec<u8>>, usize)>, ProtoError> {
    let Some(nl) = find_byte(buf, 0, b'\n') else {
        if buf.len() > PROTO_INLINE_MAX_SIZE {
            return Err(ProtoError::TooBigInline);
        }
        return Ok(None);
    };
    let mut line = &buf[..nl];
    if let Some(stripped) = line.strip_suffix(b"\r") {
        line = stripped;
    }
    let argv = split_args(line).ok_or(ProtoError::UnbalancedQuotes)?;
    Ok(Some((argv, nl + 1)))
}

/// Parses one reply from the front of `buf` (used by clients and the differential tests).
/// Returns `Ok(None)` when more bytes are needed and `Err` on bytes that are not RESP.
pub fn parse_reply(buf: &[u8]) -> Result<Option<(Reply, usize)>, String> {
    parse_reply_at(buf, 0, 0)
}

fn parse_reply_at(buf: &[u8], pos: usize, depth: usize) -> Result<Option<(Reply, usize)>, String> {
    if depth > 128 {
        return Err("reply nested too deeply".into());
    }
    let Some(&tag) = buf.get(pos) else {
        return Ok(None);
    };
    let Some(eol) = find_crlf(buf, pos + 1) else {
        return Ok(None);
    };
    let line = &buf[pos + 1..eol];
    let text = || String::from_utf8_lossy(line).into_owned();
    let num = || text().parse::<i64>().map_err(|_| format!("bad length {:?}", text()));
    let next = eol + 2;
    let aggregate = |count: i64, depth: usize| -> Result<Option<(Vec<Reply>, usize)>, String> {
        let mut items = Vec::new();
        let mut p = next;
        for _ in 0..count {
            match parse_reply_at(buf, p, depth + 1)? {
                Some((r, np)) => {
                    items.push(r);
                    p = np;
                }
                None => return Ok(None),
            }
        }
        Ok(Some((items, p)))
    };
    let reply = match tag {
        b'+' => (Reply::Status(text()), next),
        b'-' => (Reply::Error(text()), next),
        b':' => (Reply::Int(num()?), next),
        b'_' => (Reply::Nil, next),
        b',' => {
            let t = text();
            let d = match t.as_str() {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" => f64::NAN,
                _ => t.parse().map_err(|_| format!("bad double {t:?}"))?,
            };
            (Reply::Double(d), next)
        }
        b'#' => (Reply::Bool(line == b"t"), next),
        b'(' => (Reply::BigNumber(text()), next),
        b'$' | b'=' | b'!' => {
            let n = num()?;
            if n < 0 {
                (Reply::Nil, next)
            } else {
                let end = next + n as usize;
                if buf.len() < end + 2 {
                    return Ok(None);
                }
                let body = buf[next..end].to_vec();
                let r = match tag {
                    b'=' if body.len() >= 4 => {
                        Reply::Verbatim(String::from_utf8_lossy(&body[..3]).into_owned(), body[4..].to_vec())
                    }
                    b'!' => Reply::Error(String::from_utf8_lossy(&body).into_owned()),
                    _ => Reply::Bulk(body),
                };
                (r, end + 2)
            }
        }
        b'*' | b'~' | b'>' => {
            let n = num()?;
            if n < 0 {
                (Reply::NilArray, next)
            } else {
                match aggregate(n, depth)? {
                    Some((items, p)) => (
                        match tag {
                            b'~' => Reply::Set(items),
                            b'>' => Reply::Push(items),
                            _ => Reply::Array(items),
                        },
                        p,
                    ),
                    None => return Ok(None),
                }
            }
        }
        b'%' => {
            let n = num()?;
            match aggregate(n.saturating_mul(2), depth)? {
                Some((items, p)) => {
                    let mut pairs = Vec::new();
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    (Reply::Map(pairs), p)
                }
                None => return Ok(None),
            }
        }
        other => return Err(format!("unknown reply type byte {other:#04x}")),
    };
    Ok(Some(reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_both_protocols() {
        let r = Reply::Map(vec![(Reply::bulk_str("a"), Reply::Double(1.5))]);
        assert_eq!(encode(&r, 2), b"*2\r\n$1\r\na\r\n$3\r\n1.5\r\n");
        assert_eq!(encode(&r, 3), b"%1\r\n$1\r\na\r\n,1.5\r\n");
        assert_eq!(encode(&Reply::Nil, 2), b"$-1\r\n");
        assert_eq!(encode(&Reply::NilArray, 2), b"*-1\r\n");
        assert_eq!(encode(&Reply::Nil, 3), b"_\r\n");
        assert_eq!(encode(&Reply::Bool(true), 2), b":1\r\n");
        assert_eq!(encode(&Reply::Error("ERR a\r\nb".into()), 2), b"-ERR a  b\r\n");
    }

    #[test]
    fn parses_multibulk_incrementally() {
        let req = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
        for cut in 0..req.len() {
            assert_eq!(parse_request(&req[..cut]), Ok(None), "cut at {cut}");
        }
        let (argv, n) = parse_request(req).ok().flatten().unwrap_or_default();
        assert_eq!(argv, vec![b"GET".to_vec(), b"k".to_vec()]);
        assert_eq!(n, req.len());
    }

    #[test]
    fn parses_inline_and_reports_errors() {
        let (argv, n) = parse_request(b"set a \"b c\"\r\nrest").ok().flatten().unwrap_or_default();
        assert_eq!(argv, vec![b"set".to_vec(), b"a".to_vec(), b"b c".to_vec()]);
        assert_eq!(n, 13);
        assert_eq!(parse_request(b"set \"a\r\n"), Err(ProtoError::UnbalancedQuotes));
        assert_eq!(parse_request(b"*x\r\n"), Err(ProtoError::InvalidMultibulkLength));
        assert_eq!(parse_request(b"*1\r\n:1\r\n"), Err(ProtoError::ExpectedDollar(b':')));
        assert_eq!(parse_request(b"*1\r\n$-5\r\n"), Err(ProtoError::InvalidBulkLength));
        assert_eq!(parse_request_as(b"*11\r\n", true), Err(ProtoError::UnauthenticatedMultibulkLength));
        assert_eq!(parse_request_as(b"*1\r\n$16385\r\n", true), Err(ProtoError::UnauthenticatedBulkLength));
        assert_eq!(parse_request_as(b"*1\r\n$16384\r\n", true), Ok(None));
    }

    #[test]
    fn scans_size_lines_like_redis() {
        // A NUL before the terminator leaves the request incomplete (C's strchr stops there).
        assert_eq!(parse_request(b"ping \x00\n"), Ok(None));
        assert_eq!(parse_request(b"*1\r\n$4\x00\r\n"), Ok(None));
        // The '$' check waits for a complete size line; a lone CR ends a size line.
        assert_eq!(parse_request(b"*1\r\n:1"), Ok(None));
        assert_eq!(parse_request(b"*1\rx\r\n"), Err(ProtoError::ExpectedDollar(b'\r')));
        assert_eq!(parse_request(b"*2147483647\r\n"), Ok(None));
        assert_eq!(parse_request(b"*2147483648\r\n"), Err(ProtoError::InvalidMultibulkLength));
        assert_eq!(ProtoError::ExpectedDollar(0xff).to_resp(), b"-ERR Protocol error: expected '$', got '\xff'\r\n");
        assert_eq!(ProtoError::ExpectedDollar(b'\n').to_resp(), b"-ERR Protocol error: expected '$', got ' '\r\n");
    }

    #[test]
    fn reply_round_trip() {
        let r = Reply::Array(vec![
            Reply::Int(1),
            Reply::Nil,
            Reply::bulk_str("x"),
            Reply::Status("OK".into()),
            Reply::Array(vec![]),
        ]);
        let bytes = encode(&r, 2);
        assert_eq!(parse_reply(&bytes), Ok(Some((r, bytes.len()))));
        let m = Reply::Map(vec![(Reply::bulk_str("k"), Reply::Set(vec![Reply::Bool(false)]))]);
        let bytes = encode(&m, 3);
        assert_eq!(parse_reply(&bytes), Ok(Some((m, bytes.len()))));
    }
}
