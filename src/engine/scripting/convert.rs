//! Conversions between Lua values and replies, with Redis 7.0's rules (its `script_lua.c`).
//!
//! Lua to reply (what a script returns): a number becomes an integer (truncated, as C's cast
//! does on x86: out of range and NaN give LLONG_MIN), a string a bulk string, `true` the
//! integer 1, `false` and `nil` a null, a table an array that stops at the first nil, except
//! tables with a string `err` field (an error), a string `ok` field (a status), or, in that
//! order, `double`, `big_number`, `map`, `set` and `verbatim_string` (RESP3 types). After
//! `redis.setresp(3)` booleans are RESP3 booleans.
//!
//! Reply to Lua (what `redis.call` returns): integers become numbers, bulk strings strings, a
//! null bulk or array `false`, arrays tables, a status `{ok=...}`, an error `{err=...}`. With
//! `redis.setresp(3)` the command's RESP3 reply is converted instead: a map becomes
//! `{map={...}}`, a set `{set={member=true}}`, a null `nil`, a boolean a boolean, a double
//! `{double=n}`, a big number `{big_number='...'}` and a verbatim string
//! `{verbatim_string={format=..., string=...}}`.

use crate::engine::lua::{Lua, TableRef, Value};
use crate::engine::num::fmt_g17;
use crate::engine::resp::to_resp2;
use crate::engine::Reply;

/// Deepest table nesting converted into a reply; deeper levels become an error element (Redis
/// runs out of Lua stack at some point too, with the same text).
pub const MAX_REPLY_DEPTH: usize = 200;

/// C's `(long long)` cast of a double as x86-64 performs it (`cvttsd2si`): truncation toward
/// zero, and LLONG_MIN for NaN and anything out of range.
pub fn double_to_i64(n: f64) -> i64 {
    if n.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&n) {
        i64::MIN
    } else {
        n.trunc() as i64
    }
}

/// How a number argument of `redis.call` is written into argv: C's `%.17g` (glibc spells a NaN
/// with the sign bit set, as 0/0 makes on x86, "-nan").
pub fn number_arg(n: f64) -> Vec<u8> {
    if n.is_nan() {
        return if n.is_sign_negative() { b"-nan".to_vec() } else { b"nan".to_vec() };
    }
    fmt_g17(n).into_bytes()
}

/// Error and status texts may not hold line breaks (Redis maps them to spaces).
fn one_line(b: &[u8]) -> String {
    String::from_utf8_lossy(b).replace(['\r', '\n'], " ")
}

fn field(lua: &Lua, t: &TableRef, name: &str) -> Value {
    lua.raw_get(t, &Value::str(name.as_bytes()))
}

/// A table's entries in `lua_next` order.
pub fn table_pairs(lua: &Lua, t: &TableRef) -> Vec<(Value, Value)> {
    let mut out = Vec::new();
    let mut key = Value::Nil;
    while let Some((k, v)) = lua.next(t, &key) {
        key = k.clone();
        out.push((k, v));
    }
    out
}

/// Converts what a script returned into its reply. `resp3` is whether the script called
/// `redis.setresp(3)` (it changes how booleans are sent).
pub fn lua_to_reply(lua: &Lua, v: &Value, resp3: bool) -> Reply {
    to_reply(lua, v, resp3, 0)
}

fn to_reply(lua: &Lua, v: &Value, resp3: bool, depth: usize) -> Reply {
    match v {
        Value::Str(s) => Reply::Bulk(s.to_vec()),
        Value::Bool(b) => match (resp3, b) {
            (true, b) => Reply::Bool(*b),
            (false, true) => Reply::Int(1),
            (false, false) => Reply::Nil,
        },
        Value::Num(n) => Reply::Int(double_to_i64(*n)),
        Value::Table(t) => {
            if depth >= MAX_REPLY_DEPTH {
                return Reply::Error("ERR reached lua stack limit".into());
            }
            table_to_reply(lua, t, resp3, depth + 1)
        }
        Value::Nil | Value::Func(_) => Reply::Nil,
    }
}

fn table_to_reply(lua: &Lua, t: &TableRef, resp3: bool, depth: usize) -> Reply {
    if let Value::Str(e) = field(lua, t, "err") {
        return Reply::Error(one_line(&e));
    }
    if let Value::Str(s) = field(lua, t, "ok") {
        return Reply::Status(one_line(&s));
    }
    if let Value::Num(d) = field(lua, t, "double") {
        return Reply::Double(d);
    }
    if let Value::Str(s) = field(lua, t, "big_number") {
        return Reply::BigNumber(one_line(&s));
    }
    if let Value::Table(m) = field(lua, t, "map") {
        let pairs = table_pairs(lua, &m)
            .iter()
            .map(|(k, v)| (to_reply(lua, k, resp3, depth), to_reply(lua, v, resp3, depth)))
            .collect();
        return Reply::Map(pairs);
    }
    if let Value::Table(s) = field(lua, t, "set") {
        return Reply::Set(table_pairs(lua, &s).iter().map(|(k, _)| to_reply(lua, k, resp3, depth)).collect());
    }
    if let Value::Table(vt) = field(lua, t, "verbatim_string") {
        if let (Value::Str(format), Value::Str(text)) = (field(lua, &vt, "format"), field(lua, &vt, "string")) {
            return Reply::Verbatim(String::from_utf8_lossy(&format).into_owned(), text.to_vec());
        }
    }
    let mut items = Vec::new();
    for i in 1.. {
        let v = lua.raw_get(t, &Value::Num(f64::from(i)));
        if v.is_nil() {
            break;
        }
        items.push(to_reply(lua, &v, resp3, depth));
        if i == u32::MAX {
            break;
        }
    }
    Reply::Array(items)
}

fn table_with(lua: &mut Lua, pairs: Vec<(Value, Value)>) -> Value {
    let t = lua.new_table();
    for (k, v) in pairs {
        // Keys here are strings or non-NaN numbers: setting cannot fail.
        let _ = lua.raw_set(&t, k, v);
    }
    Value::Table(t)
}

/// `{err = text}`, the error table of `redis.pcall` and `redis.error_reply`.
pub fn error_table(lua: &mut Lua, text: &str) -> Value {
    table_with(lua, vec![(Value::str(b"err"), Value::str(text.as_bytes()))])
}

/// Converts a command's reply into what `redis.call` returns; `resp3` follows
/// `redis.setresp`.
pub fn reply_to_lua(lua: &mut Lua, r: &Reply, resp3: bool) -> Value {
    if !resp3 {
        let r2 = to_resp2(r);
        return resp2_to_lua(lua, &r2);
    }
    resp3_to_lua(lua, r)
}

fn array_table(lua: &mut Lua, items: Vec<Value>) -> Value {
    let t = lua.new_table();
    for (i, v) in items.into_iter().enumerate() {
        let _ = lua.raw_set(&t, Value::Num((i + 1) as f64), v);
    }
    Value::Table(t)
}

fn resp2_to_lua(lua: &mut Lua, r: &Reply) -> Value {
    match r {
        Reply::Status(s) => table_with(lua, vec![(Value::str(b"ok"), Value::str(s.as_bytes()))]),
        Reply::Error(e) => error_table(lua, e),
        Reply::Int(n) => Value::Num(*n as f64),
        Reply::Bulk(b) => Value::str(b),
        Reply::Array(items) | Reply::Set(items) | Reply::Push(items) => {
            let vals = items.iter().map(|i| resp2_to_lua(lua, i)).collect();
            array_table(lua, vals)
        }
        // to_resp2 removed the RESP3 types; nulls are false.
        _ => Value::Bool(false),
    }
}

fn resp3_to_lua(lua: &mut Lua, r: &Reply) -> Value {
    match r {
        Reply::Status(_) | Reply::Error(_) | Reply::Int(_) | Reply::Bulk(_) => resp2_to_lua(lua, r),
        Reply::Nil | Reply::NilArray | Reply::NoReply => Value::Nil,
        Reply::Bool(b) => Value::Bool(*b),
        Reply::Array(items) | Reply::Push(items) => {
            let vals = items.iter().map(|i| resp3_to_lua(lua, i)).collect();
            array_table(lua, vals)
        }
        Reply::Map(pairs) => {
            let kv: Vec<(Value, Value)> =
                pairs.iter().map(|(k, v)| (resp3_to_lua(lua, k), resp3_to_lua(lua, v))).collect();
            let inner = table_with(lua, kv.into_iter().filter(|(k, _)| !k.is_nil()).collect());
            table_with(lua, vec![(Value::str(b"map"), inner)])
        }
        Reply::Set(items) => {
            let kv: Vec<(Value, Value)> = items.iter().map(|i| (resp3_to_lua(lua, i), Value::Bool(true))).collect();
            let inner = table_with(lua, kv.into_iter().filter(|(k, _)| !k.is_nil()).collect());
            table_with(lua, vec![(Value::str(b"set"), inner)])
        }
        Reply::Double(d) => table_with(lua, vec![(Value::str(b"double"), Value::Num(*d))]),
        // GEOPOS coordinates: the same RESP3 double, written with more digits.
        Reply::DoubleText(t) => {
            let d = t.parse::<f64>().unwrap_or(0.0);
            table_with(lua, vec![(Value::str(b"double"), Value::Num(d))])
        }
        Reply::BigNumber(n) => table_with(lua, vec![(Value::str(b"big_number"), Value::str(n.as_bytes()))]),
        Reply::Verbatim(format, s) => {
            let inner = table_with(
                lua,
                vec![(Value::str(b"format"), Value::str(format.as_bytes())), (Value::str(b"string"), Value::str(s))],
            );
            table_with(lua, vec![(Value::str(b"verbatim_string"), inner)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lua() -> Lua {
        Lua::new(1)
    }

    fn arr(lua: &mut Lua, items: Vec<Value>) -> Value {
        array_table(lua, items)
    }

    #[test]
    fn numbers_truncate_like_c_on_x86() {
        assert_eq!(double_to_i64(3.99), 3);
        assert_eq!(double_to_i64(-3.99), -3);
        assert_eq!(double_to_i64(1e20), i64::MIN);
        assert_eq!(double_to_i64(f64::NAN), i64::MIN);
        assert_eq!(double_to_i64(f64::INFINITY), i64::MIN);
        assert_eq!(double_to_i64(-9.2e18), -9_200_000_000_000_000_000);
    }

    #[test]
    fn number_arguments_use_percent_17g() {
        assert_eq!(number_arg(1.5), b"1.5");
        assert_eq!(number_arg(3.0), b"3");
        assert_eq!(number_arg(0.1), b"0.10000000000000001");
        assert_eq!(number_arg(1e20), b"1e+20");
        assert_eq!(number_arg(1e15), b"1000000000000000");
        assert_eq!(number_arg(-0.0), b"-0");
        assert_eq!(number_arg(f64::NEG_INFINITY), b"-inf");
        assert_eq!(number_arg(-f64::NAN), b"-nan");
    }

    #[test]
    fn lua_values_to_replies() {
        let mut l = lua();
        assert_eq!(lua_to_reply(&l, &Value::str(b"x"), false), Reply::bulk_str("x"));
        assert_eq!(lua_to_reply(&l, &Value::Bool(true), false), Reply::Int(1));
        assert_eq!(lua_to_reply(&l, &Value::Bool(false), false), Reply::Nil);
        assert_eq!(lua_to_reply(&l, &Value::Bool(false), true), Reply::Bool(false));
        assert_eq!(lua_to_reply(&l, &Value::Nil, false), Reply::Nil);
        let inner = arr(&mut l, vec![Value::Num(3.0)]);
        // {1, {3}, 'x', nil, 4} stops at the nil.
        let t = arr(&mut l, vec![Value::Num(1.0), inner, Value::str(b"x"), Value::Nil, Value::Num(4.0)]);
        assert_eq!(
            lua_to_reply(&l, &t, false),
            Reply::Array(vec![Reply::Int(1), Reply::Array(vec![Reply::Int(3)]), Reply::bulk_str("x")])
        );
        let e =
            table_with(&mut l, vec![(Value::str(b"err"), Value::str(b"a\nb")), (Value::str(b"ok"), Value::str(b"y"))]);
        assert_eq!(lua_to_reply(&l, &e, false), Reply::Error("a b".into()));
        let ok = table_with(&mut l, vec![(Value::str(b"ok"), Value::str(b"fine"))]);
        assert_eq!(lua_to_reply(&l, &ok, false), Reply::status("fine"));
        // A non-string err field is ignored: the table is an (empty) array.
        let bad = table_with(&mut l, vec![(Value::str(b"err"), Value::Num(3.0))]);
        assert_eq!(lua_to_reply(&l, &bad, false), Reply::Array(vec![]));
        let d = table_with(&mut l, vec![(Value::str(b"double"), Value::Num(3.5))]);
        assert_eq!(lua_to_reply(&l, &d, false), Reply::Double(3.5));
        let b = table_with(&mut l, vec![(Value::str(b"big_number"), Value::str(b"123"))]);
        assert_eq!(lua_to_reply(&l, &b, false), Reply::BigNumber("123".into()));
        let m_inner = table_with(&mut l, vec![(Value::str(b"a"), Value::Num(1.0))]);
        let m = table_with(&mut l, vec![(Value::str(b"map"), m_inner)]);
        assert_eq!(lua_to_reply(&l, &m, false), Reply::Map(vec![(Reply::bulk_str("a"), Reply::Int(1))]));
        let s_inner = table_with(&mut l, vec![(Value::str(b"a"), Value::Bool(true))]);
        let s = table_with(&mut l, vec![(Value::str(b"set"), s_inner)]);
        assert_eq!(lua_to_reply(&l, &s, false), Reply::Set(vec![Reply::bulk_str("a")]));
        let v_inner = table_with(
            &mut l,
            vec![(Value::str(b"format"), Value::str(b"txt")), (Value::str(b"string"), Value::str(b"abc"))],
        );
        let v = table_with(&mut l, vec![(Value::str(b"verbatim_string"), v_inner)]);
        assert_eq!(lua_to_reply(&l, &v, false), Reply::Verbatim("txt".into(), b"abc".to_vec()));
    }

    #[test]
    fn self_referencing_tables_stop() {
        let mut l = lua();
        let t = l.new_table();
        let _ = l.raw_set(&t, Value::Num(1.0), Value::Table(t.clone()));
        let mut r = lua_to_reply(&l, &Value::Table(t), false);
        let mut depth = 0;
        while let Reply::Array(mut items) = r {
            depth += 1;
            r = items.pop().unwrap_or(Reply::Nil);
        }
        assert_eq!(depth, MAX_REPLY_DEPTH);
        assert_eq!(r, Reply::Error("ERR reached lua stack limit".into()));
    }

    #[test]
    fn replies_to_lua_resp2() {
        let mut l = lua();
        assert!(matches!(reply_to_lua(&mut l, &Reply::Int(5), false), Value::Num(n) if n == 5.0));
        assert!(matches!(reply_to_lua(&mut l, &Reply::Nil, false), Value::Bool(false)));
        assert!(matches!(reply_to_lua(&mut l, &Reply::NilArray, false), Value::Bool(false)));
        let Value::Table(t) = reply_to_lua(&mut l, &Reply::ok(), false) else { panic!("not a table") };
        assert_eq!(field(&l, &t, "ok").as_bytes(), Some(&b"OK"[..]));
        let Value::Table(t) = reply_to_lua(&mut l, &Reply::Error("ERR x".into()), false) else { panic!() };
        assert_eq!(field(&l, &t, "err").as_bytes(), Some(&b"ERR x"[..]));
        // A map flattens; a double is its %.17g text.
        let m = Reply::Map(vec![(Reply::bulk_str("a"), Reply::Double(1.5))]);
        let Value::Table(t) = reply_to_lua(&mut l, &m, false) else { panic!() };
        assert_eq!(l.raw_len(&t), 2);
        assert_eq!(l.raw_get(&t, &Value::Num(2.0)).as_bytes(), Some(&b"1.5"[..]));
        assert!(matches!(reply_to_lua(&mut l, &Reply::Bool(true), false), Value::Num(n) if n == 1.0));
    }

    #[test]
    fn replies_to_lua_resp3() {
        let mut l = lua();
        assert!(reply_to_lua(&mut l, &Reply::Nil, true).is_nil());
        assert!(matches!(reply_to_lua(&mut l, &Reply::Bool(false), true), Value::Bool(false)));
        let m = Reply::Map(vec![(Reply::bulk_str("a"), Reply::bulk_str("1"))]);
        let Value::Table(t) = reply_to_lua(&mut l, &m, true) else { panic!() };
        let Value::Table(inner) = field(&l, &t, "map") else { panic!() };
        assert_eq!(field(&l, &inner, "a").as_bytes(), Some(&b"1"[..]));
        let Value::Table(t) = reply_to_lua(&mut l, &Reply::Set(vec![Reply::bulk_str("m")]), true) else { panic!() };
        let Value::Table(inner) = field(&l, &t, "set") else { panic!() };
        assert!(matches!(field(&l, &inner, "m"), Value::Bool(true)));
        let Value::Table(t) = reply_to_lua(&mut l, &Reply::Double(2.5), true) else { panic!() };
        assert!(matches!(field(&l, &t, "double"), Value::Num(n) if n == 2.5));
        // And back again: the RESP3 shapes round-trip.
        let v = reply_to_lua(&mut l, &m, true);
        let back = lua_to_reply(&l, &v, true);
        assert_eq!(back, Reply::Map(vec![(Reply::bulk_str("a"), Reply::bulk_str("1"))]));
    }
}
