//! What redis-cli does with text: splitting a typed line into arguments (`sdssplitargs`) and
//! printing a reply the way its interactive (TTY) mode does (`cliFormatReplyTTY`, and the raw
//! form it keeps for report commands such as INFO and CLIENT LIST).
//!
//! The console in the app and the transcript tests both go through these functions, so the
//! playground shows exactly what a learner would see in a terminal.

use super::reply::Reply;
use super::resp::{double_text, to_resp2};

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Splits a line into arguments like redis-cli: spaces separate, `"..."` understands `\n \r
/// \t \b \a \xHH` and `\<any>`, `'...'` understands only `\'`. A closing quote must be
/// followed by a space or the end. Returns `None` for unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut p = 0usize;
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    loop {
        while p < line.len() && (at(p).is_ascii_whitespace() || at(p) == 0x0b) {
            p += 1;
        }
        if p >= line.len() {
            return Some(out);
        }
        let mut cur = Vec::new();
        let (mut inq, mut insq, mut done) = (false, false, false);
        while !done {
            let c = at(p);
            if inq {
                if c == b'\\' && at(p + 1) == b'x' && is_hex(at(p + 2)) && is_hex(at(p + 3)) {
                    cur.push(hex_val(at(p + 2)) * 16 + hex_val(at(p + 3)));
                    p += 3;
                } else if c == b'\\' && p + 1 < line.len() {
                    p += 1;
                    cur.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if p + 1 < line.len() && !at(p + 1).is_ascii_whitespace() && at(p + 1) != 0x0b {
                        return None;
                    }
                    done = true;
                } else if p >= line.len() {
                    return None;
                } else {
                    cur.push(c);
                }
            } else if insq {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if p + 1 < line.len() && !at(p + 1).is_ascii_whitespace() && at(p + 1) != 0x0b {
                        return None;
                    }
                    done = true;
                } else if p >= line.len() {
                    return None;
                } else {
                    cur.push(c);
                }
            } else if p >= line.len() {
                done = true;
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' => done = true,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    _ => cur.push(c),
                }
            }
            if p < line.len() {
                p += 1;
            }
        }
        out.push(cur);
    }
}

/// Quotes bytes like `sdscatrepr`: `"..."` with `\\ \" \n \r \t \a \b` and `\xHH` escapes.
pub fn quote(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &c in bytes {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(char::from(c)),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

/// Formats a reply as redis-cli's interactive mode prints it, for a client speaking `proto`.
/// The text ends with a newline, like redis-cli's output; an absent reply gives "".
pub fn format_reply(reply: &Reply, proto: u8) -> String {
    if matches!(reply, Reply::NoReply) {
        return String::new();
    }
    let view = if proto >= 3 { reply.clone() } else { to_resp2(reply) };
    let mut out = String::new();
    format_tty(&view, "", &mut out);
    out
}

/// Whether redis-cli prints this command's reply raw even on a terminal: the report commands
/// whose text is meant to be read as lines (INFO, CLIENT LIST, MEMORY DOCTOR, ...), the same
/// list as redis-cli 7.0's `cliSendCommand`.
pub fn prints_raw(argv: &[Vec<u8>]) -> bool {
    let word = |i: usize| argv.get(i).map(|w| w.to_ascii_lowercase()).unwrap_or_default();
    let (cmd, sub, argc) = (word(0), word(1), argv.len());
    let sub = sub.as_slice();
    match cmd.as_slice() {
        b"info" | b"lolwut" => true,
        b"debug" => argc >= 2 && matches!(sub, b"htstats" | b"htstats-key" | b"client-eviction"),
        b"memory" => argc >= 2 && matches!(sub, b"malloc-stats" | b"doctor"),
        b"cluster" => argc == 2 && matches!(sub, b"nodes" | b"info"),
        b"client" => argc >= 2 && matches!(sub, b"list" | b"info"),
        b"latency" => (argc == 3 && sub == b"graph") || (argc == 2 && sub == b"doctor"),
        b"proxy" => argc >= 2 && sub == b"info",
        _ => false,
    }
}

/// Formats the reply to `argv` as redis-cli's interactive mode prints it: raw for the report
/// commands of [`prints_raw`], as [`format_reply`] otherwise.
pub fn format_reply_to(argv: &[Vec<u8>], reply: &Reply, proto: u8) -> String {
    if prints_raw(argv) {
        let view = if proto >= 3 { reply.clone() } else { to_resp2(reply) };
        let mut out = String::new();
        format_raw(&view, &mut out);
        out
    } else {
        format_reply(reply, proto)
    }
}

/// redis-cli's `cliFormatReplyRaw`: strings as they are (no quotes, no added newline), errors
/// without "(error)", elements one per line.
fn format_raw(r: &Reply, out: &mut String) {
    match r {
        Reply::Error(e) => {
            out.push_str(e);
            out.push('\n');
        }
        Reply::Status(s) => out.push_str(s),
        Reply::Bulk(b) | Reply::Verbatim(_, b) => out.push_str(&String::from_utf8_lossy(b)),
        Reply::Int(n) => out.push_str(&n.to_string()),
        Reply::Double(d) => out.push_str(&double_text(*d)),
        Reply::DoubleText(t) => out.push_str(t),
        Reply::BigNumber(n) => out.push_str(n),
        Reply::Bool(b) => out.push_str(if *b { "(true)" } else { "(false)" }),
        Reply::Nil | Reply::NilArray | Reply::NoReply => {}
        Reply::Array(items) | Reply::Set(items) | Reply::Push(items) => {
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                format_raw(it, out);
            }
        }
        Reply::Map(pairs) => {
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                format_raw(k, out);
                out.push(' ');
                format_raw(v, out);
            }
        }
    }
}

fn format_tty(r: &Reply, prefix: &str, out: &mut String) {
    match r {
        Reply::Error(e) => {
            out.push_str("(error) ");
            out.push_str(e);
            out.push('\n');
        }
        Reply::Status(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Reply::Int(n) => {
            out.push_str(&format!("(integer) {n}\n"));
        }
        Reply::Double(d) => {
            out.push_str(&format!("(double) {}\n", double_text(*d)));
        }
        Reply::DoubleText(t) => {
            out.push_str(&format!("(double) {t}\n"));
        }
        Reply::BigNumber(n) => {
            out.push_str(&format!("(big number) {n}\n"));
        }
        Reply::Bulk(b) => {
            out.push_str(&quote(b));
            out.push('\n');
        }
        Reply::Verbatim(_, b) => {
            out.push_str(&String::from_utf8_lossy(b));
            out.push('\n');
        }
        Reply::Nil | Reply::NilArray => out.push_str("(nil)\n"),
        Reply::Bool(b) => out.push_str(if *b { "(true)\n" } else { "(false)\n" }),
        Reply::NoReply => {}
        Reply::Array(items) | Reply::Set(items) | Reply::Push(items) => {
            let (sep, empty) = match r {
                Reply::Set(_) => ('~', "(empty set)\n"),
                Reply::Push(_) => (')', "(empty push)\n"),
                _ => (')', "(empty array)\n"),
            };
            if items.is_empty() {
                out.push_str(empty);
                return;
            }
            let idxlen = items.len().to_string().len();
            let child_prefix = format!("{prefix}{}", " ".repeat(idxlen + 2));
            for (i, it) in items.iter().enumerate() {
                let lead = if i == 0 { "" } else { prefix };
                out.push_str(&format!("{lead}{:>idxlen$}{sep} ", i + 1));
                format_tty(it, &child_prefix, out);
            }
        }
        Reply::Map(pairs) => {
            if pairs.is_empty() {
                out.push_str("(empty hash)\n");
                return;
            }
            let idxlen = pairs.len().to_string().len();
            let child_prefix = format!("{prefix}{}", " ".repeat(idxlen + 2));
            for (i, (k, v)) in pairs.iter().enumerate() {
                let lead = if i == 0 { "" } else { prefix };
                out.push_str(&format!("{lead}{:>idxlen$}# ", i + 1));
                format_tty(k, &child_prefix, out);
                if out.ends_with('\n') {
                    out.pop();
                }
                out.push_str(" => ");
                format_tty(v, &child_prefix, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Option<Vec<String>> {
        split_args(s.as_bytes()).map(|v| v.into_iter().map(|a| String::from_utf8_lossy(&a).into_owned()).collect())
    }

    #[test]
    fn report_commands_print_raw_like_redis_cli() {
        let argv = |words: &[&str]| words.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
        let text = Reply::Bulk(b"id=1 addr=x\nid=2 addr=y\n".to_vec());
        assert_eq!(format_reply_to(&argv(&["CLIENT", "LIST"]), &text, 2), "id=1 addr=x\nid=2 addr=y\n");
        assert_eq!(
            format_reply_to(&argv(&["client", "list", "type", "foo"]), &Reply::Error("ERR x".into()), 2),
            "ERR x\n"
        );
        assert_eq!(format_reply_to(&argv(&["GET", "k"]), &text, 2), "\"id=1 addr=x\\nid=2 addr=y\\n\"\n");
        // LATENCY DOCTOR is raw, LATENCY DOCTOR with an extra word is not (redis-cli counts).
        assert!(prints_raw(&argv(&["latency", "doctor"])) && !prints_raw(&argv(&["latency", "doctor", "x"])));
        assert!(prints_raw(&argv(&["info"])) && prints_raw(&argv(&["INFO", "server"])));
        assert!(!prints_raw(&argv(&["client"])) && !prints_raw(&argv(&["memory", "usage", "k"])));
    }

    #[test]
    fn splitting_like_redis_cli() {
        assert_eq!(split("set a b"), Some(vec!["set".into(), "a".into(), "b".into()]));
        assert_eq!(split("  set   \"a b\"  'c d' "), Some(vec!["set".into(), "a b".into(), "c d".into()]));
        assert_eq!(split(r#"set k "\x41\n""#), Some(vec!["set".into(), "k".into(), "A\n".into()]));
        assert_eq!(split(r"set k 'it\'s'"), Some(vec!["set".into(), "k".into(), "it's".into()]));
        assert_eq!(split("set \"a"), None);
        assert_eq!(split("set \"a\"b"), None);
        assert_eq!(split("a\"b c\""), Some(vec!["ab c".into()]));
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split("\"\""), Some(vec!["".into()]));
    }

    #[test]
    fn formats_like_redis_cli() {
        assert_eq!(format_reply(&Reply::Int(1), 2), "(integer) 1\n");
        assert_eq!(format_reply(&Reply::Nil, 2), "(nil)\n");
        assert_eq!(format_reply(&Reply::ok(), 2), "OK\n");
        assert_eq!(format_reply(&Reply::bulk(vec![0xff, b'"', b'a']), 2), "\"\\xff\\\"a\"\n");
        assert_eq!(format_reply(&Reply::Error("ERR x".into()), 2), "(error) ERR x\n");
        assert_eq!(format_reply(&Reply::empty_array(), 2), "(empty array)\n");
        let nested = Reply::Array(vec![
            Reply::bulk_str("a"),
            Reply::Array(vec![Reply::Int(1), Reply::Array(vec![Reply::bulk_str("x"), Reply::bulk_str("y")])]),
        ]);
        assert_eq!(format_reply(&nested, 2), "1) \"a\"\n2) 1) (integer) 1\n   2) 1) \"x\"\n      2) \"y\"\n");
        let many = Reply::Array((1..=10).map(Reply::Int).collect());
        assert!(format_reply(&many, 2).starts_with(" 1) (integer) 1\n 2)"));
        assert!(format_reply(&many, 2).ends_with("10) (integer) 10\n"));
        let map = Reply::Map(vec![(Reply::bulk_str("k"), Reply::Int(1))]);
        assert_eq!(format_reply(&map, 3), "1# \"k\" => (integer) 1\n");
        assert_eq!(format_reply(&map, 2), "1) \"k\"\n2) (integer) 1\n");
    }
}
