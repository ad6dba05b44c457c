//! The libraries Redis adds to Lua: cjson (encode/decode as lua-cjson does in Redis, "%.14g"
//! numbers, cjson.null) and bit (LuaBitOp, 32-bit semantics).

use super::shared::Rc;
use super::shared::RefCell;

use super::interp::{Interp, State, NR};
use super::libs::{bad_arg, check_any, check_num, check_str, msg, native, opt_int, set};
use super::number::fmt_g;
use super::{Table, TableRef, Value};

pub fn open(st: &State) {
    let g = st.globals.clone();
    let cj = TableRef(Rc::new(RefCell::new(Table::default())));
    set(&cj, "encode", native("encode", cj_encode));
    set(&cj, "decode", native("decode", cj_decode));
    let null = TableRef(Rc::new(RefCell::new(Table::default())));
    null.0.borrow_mut().readonly = true;
    set(&cj, "null", Value::Table(null));
    set(&cj, "_NAME", Value::from("cjson"));
    set(&cj, "_VERSION", Value::from("2.1.0"));
    set(&g, "cjson", Value::Table(cj));

    let b = TableRef(Rc::new(RefCell::new(Table::default())));
    let bf: &[(&'static str, super::interp::SyncFn)] = &[
        ("tobit", bit_tobit),
        ("bnot", bit_bnot),
        ("band", bit_band),
        ("bor", bit_bor),
        ("bxor", bit_bxor),
        ("lshift", bit_lshift),
        ("rshift", bit_rshift),
        ("arshift", bit_arshift),
        ("rol", bit_rol),
        ("ror", bit_ror),
        ("bswap", bit_bswap),
        ("tohex", bit_tohex),
    ];
    for (n, f) in bf {
        set(&b, n, native(n, *f));
    }
    set(&g, "bit", Value::Table(b));
}

fn cjson_null(it: &Interp) -> Value {
    let g = it.st.globals.0.borrow();
    match g.get_str(b"cjson") {
        Value::Table(t) => t.0.borrow().get_str(b"null"),
        _ => Value::Nil,
    }
}

// ---------------- cjson ----------------

fn enc_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            8 => out.extend_from_slice(b"\\b"),
            12 => out.extend_from_slice(b"\\f"),
            c if c < 32 || c == 127 => out.extend_from_slice(format!("\\u{:04x}", c).as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn enc_number(n: f64, out: &mut Vec<u8>) -> Result<(), String> {
    if !n.is_finite() {
        return Err("Cannot serialise number: must not be NaN or Inf".into());
    }
    out.extend_from_slice(fmt_g(n, 14, false).as_bytes());
    Ok(())
}

fn encode(it: &Interp, v: &Value, depth: usize, null: &Value, out: &mut Vec<u8>) -> Result<(), String> {
    match v {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Num(n) => enc_number(*n, out)?,
        Value::Str(s) => enc_string(s, out),
        Value::Func(_) => return Err("Cannot serialise function: type not supported".into()),
        Value::Table(t) => {
            if v.raw_eq(null) {
                out.extend_from_slice(b"null");
                return Ok(());
            }
            if depth >= 1000 || it.stack_low() {
                return Err(format!("Cannot serialise, excessive nesting ({})", depth + 1));
            }
            let tb = t.0.borrow();
            // Array detection as lua-cjson: all keys positive integers, not too sparse.
            let mut max: f64 = 0.0;
            let mut items = 0usize;
            let mut is_array = true;
            let mut k = Value::Nil;
            while let Ok(Some((nk, _))) = tb.next(&k) {
                match &nk {
                    Value::Num(n) if *n >= 1.0 && n.fract() == 0.0 => {
                        if *n > max {
                            max = *n;
                        }
                        items += 1;
                    }
                    _ => is_array = false,
                }
                k = nk;
            }
            if is_array && items > 0 {
                if max > (items * 2) as f64 && max > 10.0 {
                    return Err("Cannot serialise table: excessively sparse array".into());
                }
                out.push(b'[');
                let mut i = 1usize;
                while (i as f64) <= max {
                    if i > 1 {
                        out.push(b',');
                    }
                    encode(it, &tb.get_int(i), depth + 1, null, out)?;
                    i += 1;
                }
                out.push(b']');
                return Ok(());
            }
            out.push(b'{');
            let mut first = true;
            let mut k = Value::Nil;
            while let Ok(Some((nk, nv))) = tb.next(&k) {
                if !first {
                    out.push(b',');
                }
                first = false;
                match &nk {
                    Value::Str(s) => enc_string(s, out),
                    Value::Num(n) => {
                        out.push(b'"');
                        enc_number(*n, out)?;
                        out.push(b'"');
                    }
                    other => {
                        return Err(format!(
                            "Cannot serialise {}: table key must be a number or string",
                            other.type_name()
                        ))
                    }
                }
                out.push(b':');
                encode(it, &nv, depth + 1, null, out)?;
                k = nk;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn cj_encode(it: &Interp, args: Vec<Value>) -> NR {
    if args.len() != 1 {
        return bad_arg(0, "encode", "expected 1 argument");
    }
    let null = cjson_null(it);
    let mut out = Vec::new();
    match encode(it, &args[0], 0, &null, &mut out) {
        Ok(()) => Ok(vec![Value::from(out)]),
        Err(m) => msg(m),
    }
}

struct Dec<'a> {
    s: &'a [u8],
    i: usize,
    null: Value,
    depth: usize,
    it: &'a Interp,
}

enum Tk {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str(Vec<u8>),
    Num(f64),
    Bool(bool),
    Null,
    Colon,
    Comma,
    End,
    Err(&'static str),
}

fn tk_name(t: &Tk) -> &'static str {
    match t {
        Tk::ObjBegin => "T_OBJ_BEGIN",
        Tk::ObjEnd => "T_OBJ_END",
        Tk::ArrBegin => "T_ARR_BEGIN",
        Tk::ArrEnd => "T_ARR_END",
        Tk::Str(_) => "T_STRING",
        Tk::Num(_) => "T_NUMBER",
        Tk::Bool(_) => "T_BOOLEAN",
        Tk::Null => "T_NULL",
        Tk::Colon => "T_COLON",
        Tk::Comma => "T_COMMA",
        Tk::End => "T_END",
        Tk::Err(m) => m,
    }
}

impl<'a> Dec<'a> {
    fn low_stack(&self) -> bool {
        self.it.stack_low()
    }

    fn token(&mut self) -> (Tk, usize) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
        let start = self.i;
        let Some(&c) = self.s.get(self.i) else { return (Tk::End, start) };
        let t = match c {
            b'{' => {
                self.i += 1;
                Tk::ObjBegin
            }
            b'}' => {
                self.i += 1;
                Tk::ObjEnd
            }
            b'[' => {
                self.i += 1;
                Tk::ArrBegin
            }
            b']' => {
                self.i += 1;
                Tk::ArrEnd
            }
            b':' => {
                self.i += 1;
                Tk::Colon
            }
            b',' => {
                self.i += 1;
                Tk::Comma
            }
            b'"' => {
                let t = self.string();
                if matches!(t, Tk::Err(_)) {
                    return (t, self.i.min(self.s.len()));
                }
                return (t, start);
            }
            b'-' | b'0'..=b'9' => {
                let mut j = self.i;
                while j < self.s.len()
                    && matches!(self.s[j], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9' | b'x' | b'X' | b'a'..=b'f' | b'A'..=b'F')
                {
                    j += 1;
                }
                match super::number::string_to_number(&self.s[self.i..j]) {
                    Some(n) => {
                        self.i = j;
                        Tk::Num(n)
                    }
                    None => Tk::Err("invalid number"),
                }
            }
            _ => {
                for (w, t) in [(&b"true"[..], 0), (b"false", 1), (b"null", 2)] {
                    if self.s[self.i..].starts_with(w) {
                        self.i += w.len();
                        return (
                            match t {
                                0 => Tk::Bool(true),
                                1 => Tk::Bool(false),
                                _ => Tk::Null,
                            },
                            start,
                        );
                    }
                }
                Tk::Err("invalid token")
            }
        };
        (t, start)
    }

    fn string(&mut self) -> Tk {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else { return Tk::Err("unexpected end of string") };
            self.i += 1;
            match c {
                b'"' => return Tk::Str(out),
                b'\\' => {
                    let Some(&e) = self.s.get(self.i) else { return Tk::Err("unexpected end of string") };
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let Some(cp) = self.hex4() else { return Tk::Err("invalid unicode escape code") };
                            let mut cp = cp;
                            if (0xD800..0xDC00).contains(&cp) {
                                if self.s.get(self.i) == Some(&b'\\') && self.s.get(self.i + 1) == Some(&b'u') {
                                    self.i += 2;
                                    let Some(lo) = self.hex4() else { return Tk::Err("invalid unicode escape code") };
                                    if !(0xDC00..0xE000).contains(&lo) {
                                        return Tk::Err("invalid unicode escape code");
                                    }
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    return Tk::Err("invalid unicode escape code");
                                }
                            } else if (0xDC00..0xE000).contains(&cp) {
                                return Tk::Err("invalid unicode escape code");
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            self.i -= 2;
                            return Tk::Err("invalid escape code");
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        let v = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
        self.i += 4;
        Some(v)
    }

    fn err(&self, what: &str, t: &Tk, at: usize) -> String {
        format!("Expected {what} but found {} at character {}", tk_name(t), at + 1)
    }

    fn value(&mut self, t: Tk, at: usize) -> Result<Value, String> {
        match t {
            Tk::Str(s) => Ok(Value::from(s)),
            Tk::Num(n) => Ok(Value::Num(n)),
            Tk::Bool(b) => Ok(Value::Bool(b)),
            Tk::Null => Ok(self.null.clone()),
            Tk::ObjBegin | Tk::ArrBegin => {
                self.depth += 1;
                if self.depth > 1000 || self.low_stack() {
                    return Err(format!(
                        "Found too many nested data structures ({}) at character {}",
                        self.depth,
                        at + 1
                    ));
                }
                let t = TableRef(Rc::new(RefCell::new(Table::default())));
                let is_obj = matches!(t0(&self.s[at]), b'{');
                if is_obj {
                    let (mut tk, mut p) = self.token();
                    if matches!(tk, Tk::ObjEnd) {
                        self.depth -= 1;
                        return Ok(Value::Table(t));
                    }
                    loop {
                        let Tk::Str(k) = tk else { return Err(self.err("object key string", &tk, p)) };
                        let (c, cp) = self.token();
                        if !matches!(c, Tk::Colon) {
                            return Err(self.err("colon", &c, cp));
                        }
                        let (vt, vp) = self.token();
                        let v = self.value(vt, vp)?;
                        let _ = t.0.borrow_mut().set(Value::from(k), v);
                        let (sep, sp) = self.token();
                        match sep {
                            Tk::ObjEnd => break,
                            Tk::Comma => {}
                            other => return Err(self.err("comma or object end", &other, sp)),
                        }
                        let n = self.token();
                        tk = n.0;
                        p = n.1;
                    }
                } else {
                    let (mut tk, mut p) = self.token();
                    if matches!(tk, Tk::ArrEnd) {
                        self.depth -= 1;
                        return Ok(Value::Table(t));
                    }
                    let mut i = 1usize;
                    loop {
                        let v = self.value(tk, p)?;
                        let _ = t.0.borrow_mut().set(Value::Num(i as f64), v);
                        i += 1;
                        let (sep, sp) = self.token();
                        match sep {
                            Tk::ArrEnd => break,
                            Tk::Comma => {}
                            other => return Err(self.err("comma or array end", &other, sp)),
                        }
                        let n = self.token();
                        tk = n.0;
                        p = n.1;
                    }
                }
                self.depth -= 1;
                Ok(Value::Table(t))
            }
            other => Err(self.err("value", &other, at)),
        }
    }
}

fn t0(c: &u8) -> u8 {
    *c
}

fn cj_decode(it: &Interp, args: Vec<Value>) -> NR {
    if args.len() != 1 {
        return bad_arg(0, "decode", "expected 1 argument");
    }
    let s = check_str(&args, 0, "decode")?;
    let mut d = Dec { s: &s, i: 0, null: cjson_null(it), depth: 0, it };
    let (t, p) = d.token();
    let v = match d.value(t, p) {
        Ok(v) => v,
        Err(m) => return msg(m),
    };
    let (t, p) = d.token();
    if !matches!(t, Tk::End) {
        return msg(d.err("the end", &t, p));
    }
    Ok(vec![v])
}

// ---------------- bit ----------------

fn tobit(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    let r = n.round_ties_even();
    r.rem_euclid(4294967296.0) as u64 as u32 as i32
}

fn barg(args: &[Value], i: usize, f: &str) -> Result<i32, super::interp::NErr> {
    Ok(tobit(check_num(args, i, f)?))
}

fn r(v: i32) -> NR {
    Ok(vec![Value::Num(v as f64)])
}

fn bit_tobit(_: &Interp, a: Vec<Value>) -> NR {
    r(barg(&a, 0, "tobit")?)
}
fn bit_bnot(_: &Interp, a: Vec<Value>) -> NR {
    r(!barg(&a, 0, "bnot")?)
}
fn fold(a: &[Value], f: &str, op: fn(i32, i32) -> i32) -> NR {
    let mut v = barg(a, 0, f)?;
    for i in 1..a.len() {
        v = op(v, barg(a, i, f)?);
    }
    r(v)
}
fn bit_band(_: &Interp, a: Vec<Value>) -> NR {
    fold(&a, "band", |x, y| x & y)
}
fn bit_bor(_: &Interp, a: Vec<Value>) -> NR {
    fold(&a, "bor", |x, y| x | y)
}
fn bit_bxor(_: &Interp, a: Vec<Value>) -> NR {
    fold(&a, "bxor", |x, y| x ^ y)
}
fn bit_lshift(_: &Interp, a: Vec<Value>) -> NR {
    let (x, n) = (barg(&a, 0, "lshift")? as u32, barg(&a, 1, "lshift")? as u32 & 31);
    r((x << n) as i32)
}
fn bit_rshift(_: &Interp, a: Vec<Value>) -> NR {
    let (x, n) = (barg(&a, 0, "rshift")? as u32, barg(&a, 1, "rshift")? as u32 & 31);
    r((x >> n) as i32)
}
fn bit_arshift(_: &Interp, a: Vec<Value>) -> NR {
    let (x, n) = (barg(&a, 0, "arshift")?, barg(&a, 1, "arshift")? as u32 & 31);
    r(x >> n)
}
fn bit_rol(_: &Interp, a: Vec<Value>) -> NR {
    let (x, n) = (barg(&a, 0, "rol")? as u32, barg(&a, 1, "rol")? as u32 & 31);
    r(x.rotate_left(n) as i32)
}
fn bit_ror(_: &Interp, a: Vec<Value>) -> NR {
    let (x, n) = (barg(&a, 0, "ror")? as u32, barg(&a, 1, "ror")? as u32 & 31);
    r(x.rotate_right(n) as i32)
}
fn bit_bswap(_: &Interp, a: Vec<Value>) -> NR {
    r(barg(&a, 0, "bswap")?.swap_bytes())
}
fn bit_tohex(_: &Interp, a: Vec<Value>) -> NR {
    let x = barg(&a, 0, "tohex")? as u32;
    let n = opt_int(&a, 1, "tohex", 8)?;
    let _ = check_any;
    let upper = n < 0;
    let n = n.unsigned_abs().min(8) as usize;
    if n == 0 {
        return Ok(vec![Value::from("")]);
    }
    let s = if upper { format!("{x:08X}") } else { format!("{x:08x}") };
    Ok(vec![Value::from(&s[8 - n..])])
}
