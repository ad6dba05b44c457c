//! Redis's `cmsgpack` library (lua_cmsgpack): pack(...) concatenates the MessagePack encoding of
//! each argument, unpack(s) decodes every value, unpack_one/unpack_limit decode a few and give
//! the offset to continue from (-1 at the end).

use super::shared::Rc;
use super::shared::RefCell;

use super::interp::{Interp, NErr, State, NR};
use super::libs::{bad_arg, check_str, msg, native, opt_int, set};
use super::{Table, TableRef, Value};

const MAX_NESTING: usize = 16;

pub fn open(st: &State) {
    let t = TableRef(Rc::new(RefCell::new(Table::default())));
    set(&t, "pack", native("pack", pack));
    set(&t, "unpack", native("unpack", unpack));
    set(&t, "unpack_one", native("unpack_one", unpack_one));
    set(&t, "unpack_limit", native("unpack_limit", unpack_limit));
    set(&t, "_NAME", Value::from("cmsgpack"));
    set(&t, "_VERSION", Value::from("lua-cmsgpack 0.4.0"));
    set(&t, "_COPYRIGHT", Value::from("Copyright (C) 2012, Salvatore Sanfilippo"));
    set(&t, "_DESCRIPTION", Value::from("MessagePack C implementation for Lua"));
    set(&st.globals, "cmsgpack", Value::Table(t));
}

fn enc_int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        let u = n as u64;
        if u < 128 {
            out.push(u as u8);
        } else if u <= 0xff {
            out.extend_from_slice(&[0xcc, u as u8]);
        } else if u <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(u as u16).to_be_bytes());
        } else if u <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(u as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&u.to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2147483648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn enc_len(out: &mut Vec<u8>, n: usize, fix: u8, fixmax: usize, c8: Option<u8>, c16: u8, c32: u8) {
    if n < fixmax {
        out.push(fix | n as u8);
    } else if let (Some(c), true) = (c8, n <= 0xff) {
        out.extend_from_slice(&[c, n as u8]);
    } else if n <= 0xffff {
        out.push(c16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(c32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn encode(v: &Value, out: &mut Vec<u8>, level: usize) {
    match v {
        Value::Nil | Value::Func(_) => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Num(n) => {
            let n = *n;
            if n.is_finite() && n == (n as i64) as f64 {
                enc_int(out, n as i64);
            } else if (n as f32) as f64 == n {
                out.push(0xca);
                out.extend_from_slice(&(n as f32).to_be_bytes());
            } else {
                out.push(0xcb);
                out.extend_from_slice(&n.to_be_bytes());
            }
        }
        Value::Str(s) => {
            enc_len(out, s.len(), 0xa0, 32, Some(0xd9), 0xda, 0xdb);
            out.extend_from_slice(s);
        }
        Value::Table(t) => {
            if level >= MAX_NESTING {
                out.push(0xc0);
                return;
            }
            let tb = t.0.borrow();
            let mut count = 0usize;
            let mut max = 0f64;
            let mut is_array = true;
            let mut k = Value::Nil;
            while let Ok(Some((nk, _))) = tb.next(&k) {
                count += 1;
                match &nk {
                    Value::Num(n) if *n >= 1.0 && n.fract() == 0.0 => {
                        if *n > max {
                            max = *n;
                        }
                    }
                    _ => is_array = false,
                }
                k = nk;
            }
            if is_array && max == count as f64 {
                enc_len(out, count, 0x90, 16, None, 0xdc, 0xdd);
                for i in 1..=count {
                    encode(&tb.get_int(i), out, level + 1);
                }
            } else {
                enc_len(out, count, 0x80, 16, None, 0xde, 0xdf);
                let mut k = Value::Nil;
                while let Ok(Some((nk, nv))) = tb.next(&k) {
                    encode(&nk, out, level + 1);
                    encode(&nv, out, level + 1);
                    k = nk;
                }
            }
        }
    }
}

fn pack(_: &Interp, args: Vec<Value>) -> NR {
    if args.is_empty() {
        return msg("bad argument #0 to 'pack' (MessagePack pack needs input.)");
    }
    let mut out = Vec::new();
    for a in &args {
        encode(a, &mut out, 0);
        if out.len() > super::interp::MAX_STR {
            return msg("not enough memory");
        }
    }
    Ok(vec![Value::from(out)])
}

struct Dec<'a> {
    s: &'a [u8],
    i: usize,
}

type DR = Result<Value, &'static str>;

impl<'a> Dec<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        if self.s.len() - self.i < n {
            return Err("Missing bytes in input.");
        }
        let b = &self.s[self.i..self.i + n];
        self.i += n;
        Ok(b)
    }
    fn uint(&mut self, n: usize) -> Result<u64, &'static str> {
        let b = self.take(n)?;
        Ok(b.iter().fold(0u64, |a, &c| (a << 8) | c as u64))
    }
    fn str(&mut self, n: usize) -> DR {
        Ok(Value::str(self.take(n)?))
    }
    fn array(&mut self, n: usize, depth: usize) -> DR {
        let t = TableRef(Rc::new(RefCell::new(Table::default())));
        for i in 1..=n {
            let v = self.value(depth + 1)?;
            let _ = t.0.borrow_mut().set(Value::Num(i as f64), v);
        }
        Ok(Value::Table(t))
    }
    fn map(&mut self, n: usize, depth: usize) -> DR {
        let t = TableRef(Rc::new(RefCell::new(Table::default())));
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            if !k.is_nil() {
                let _ = t.0.borrow_mut().set(k, v);
            }
        }
        Ok(Value::Table(t))
    }
    fn value(&mut self, depth: usize) -> DR {
        if depth > 200 {
            return Err("Bad data format in input.");
        }
        let c = self.take(1)?[0];
        Ok(match c {
            0x00..=0x7f => Value::Num(c as f64),
            0x80..=0x8f => return self.map((c & 0x0f) as usize, depth),
            0x90..=0x9f => return self.array((c & 0x0f) as usize, depth),
            0xa0..=0xbf => return self.str((c & 0x1f) as usize),
            0xc0 => Value::Nil,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xd9 => {
                let n = self.uint(1)? as usize;
                return self.str(n);
            }
            0xda => {
                let n = self.uint(2)? as usize;
                return self.str(n);
            }
            0xdb => {
                let n = self.uint(4)? as usize;
                return self.str(n);
            }
            0xca => Value::Num(f32::from_bits(self.uint(4)? as u32) as f64),
            0xcb => Value::Num(f64::from_bits(self.uint(8)?)),
            0xcc => Value::Num(self.uint(1)? as f64),
            0xcd => Value::Num(self.uint(2)? as f64),
            0xce => Value::Num(self.uint(4)? as f64),
            0xcf => Value::Num(self.uint(8)? as f64),
            0xd0 => Value::Num(self.uint(1)? as u8 as i8 as f64),
            0xd1 => Value::Num(self.uint(2)? as u16 as i16 as f64),
            0xd2 => Value::Num(self.uint(4)? as u32 as i32 as f64),
            0xd3 => Value::Num(self.uint(8)? as i64 as f64),
            0xdc => {
                let n = self.uint(2)? as usize;
                return self.array(n, depth);
            }
            0xdd => {
                let n = self.uint(4)? as usize;
                return self.array(n, depth);
            }
            0xde => {
                let n = self.uint(2)? as usize;
                return self.map(n, depth);
            }
            0xdf => {
                let n = self.uint(4)? as usize;
                return self.map(n, depth);
            }
            0xe0..=0xff => Value::Num(c as i8 as f64),
            _ => return Err("Bad data format in input."),
        })
    }
}

fn unpack_full(args: &[Value], limit: i64, offset: i64, fname: &str, with_offset: bool) -> NR {
    let s = check_str(args, 0, fname)?;
    if offset < 0 || limit < 0 {
        return bad_arg(if offset < 0 { 2 } else { 1 }, fname, "Offset and limit must be positive.");
    }
    let mut d = Dec { s: &s, i: (offset as usize).min(s.len()) };
    let mut vals = Vec::new();
    let mut n = 0;
    while d.i < s.len() && (limit == 0 || n < limit) {
        match d.value(0) {
            Ok(v) => vals.push(v),
            Err(m) => return Err(NErr::Msg(m.into())),
        }
        n += 1;
    }
    if with_offset {
        let next = if d.i >= s.len() { -1.0 } else { d.i as f64 };
        vals.insert(0, Value::Num(next));
    }
    Ok(vals)
}

fn unpack(_: &Interp, args: Vec<Value>) -> NR {
    unpack_full(&args, 0, 0, "unpack", false)
}

fn unpack_one(_: &Interp, args: Vec<Value>) -> NR {
    let off = opt_int(&args, 1, "unpack_one", 0)?;
    unpack_full(&args, 1, off, "unpack_one", true)
}

fn unpack_limit(_: &Interp, args: Vec<Value>) -> NR {
    let limit = opt_int(&args, 1, "unpack_limit", 0)?;
    let off = opt_int(&args, 2, "unpack_limit", 0)?;
    unpack_full(&args, limit, off, "unpack_limit", true)
}
