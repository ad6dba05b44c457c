//! The standard libraries Redis's Lua has: base, string, table, math, plus cjson and bit
//! (in `libs_extra.rs`). Argument errors use Lua's texts ("bad argument #1 to 'insert'
//! (table expected, got nil)").

use super::shared::Rc;
use super::shared::{Cell, RefCell};

use super::interp::{
    str_val, to_num, to_str_bytes, tostring_basic, Function, Interp, NErr, Special, State, SyncFn, MAX_STR, NR,
};
use super::number::{fmt_g, number_to_string, string_to_number};
use super::pattern::{find_plain, no_specials, Cap, MatchState};
use super::{FuncRef, LuaError, Table, TableRef, Value};

pub fn msg<T>(s: impl Into<String>) -> Result<T, NErr> {
    Err(NErr::Msg(s.into()))
}

fn type_of_arg(args: &[Value], i: usize) -> &'static str {
    match args.get(i) {
        None => "no value",
        Some(v) => v.type_name(),
    }
}

pub fn bad_arg<T>(i: usize, fname: &str, extra: &str) -> Result<T, NErr> {
    msg(format!("bad argument #{} to '{}' ({})", i + 1, fname, extra))
}

pub fn type_err<T>(args: &[Value], i: usize, fname: &str, expected: &str) -> Result<T, NErr> {
    bad_arg(i, fname, &format!("{} expected, got {}", expected, type_of_arg(args, i)))
}

pub fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

pub fn check_any(args: &[Value], i: usize, f: &str) -> Result<Value, NErr> {
    match args.get(i) {
        Some(v) => Ok(v.clone()),
        None => bad_arg(i, f, "value expected"),
    }
}

pub fn check_table(args: &[Value], i: usize, f: &str) -> Result<TableRef, NErr> {
    match args.get(i) {
        Some(Value::Table(t)) => Ok(t.clone()),
        _ => type_err(args, i, f, "table"),
    }
}

pub fn check_num(args: &[Value], i: usize, f: &str) -> Result<f64, NErr> {
    match args.get(i).and_then(to_num) {
        Some(n) => Ok(n),
        None => type_err(args, i, f, "number"),
    }
}

/// lua_Integer conversion of a double (C's cast; out of range saturates here).
pub fn d2i(n: f64) -> i64 {
    if n.is_nan() {
        i64::MIN
    } else {
        n as i64
    }
}

pub fn check_int(args: &[Value], i: usize, f: &str) -> Result<i64, NErr> {
    check_num(args, i, f).map(d2i)
}

pub fn opt_int(args: &[Value], i: usize, f: &str, d: i64) -> Result<i64, NErr> {
    match args.get(i) {
        None | Some(Value::Nil) => Ok(d),
        _ => check_int(args, i, f),
    }
}

pub fn opt_num(args: &[Value], i: usize, f: &str, d: f64) -> Result<f64, NErr> {
    match args.get(i) {
        None | Some(Value::Nil) => Ok(d),
        _ => check_num(args, i, f),
    }
}

pub fn check_str(args: &[Value], i: usize, f: &str) -> Result<Rc<[u8]>, NErr> {
    match args.get(i).and_then(to_str_bytes) {
        Some(s) => Ok(s),
        None => type_err(args, i, f, "string"),
    }
}

pub fn opt_str(args: &[Value], i: usize, f: &str, d: &[u8]) -> Result<Rc<[u8]>, NErr> {
    match args.get(i) {
        None | Some(Value::Nil) => Ok(Rc::from(d)),
        _ => check_str(args, i, f),
    }
}

fn num(n: f64) -> Value {
    Value::Num(n)
}

pub fn set(t: &TableRef, k: &str, v: Value) {
    let _ = t.0.borrow_mut().set(Value::str(k.as_bytes()), v);
}

pub fn native(name: &'static str, f: SyncFn) -> Value {
    Value::Func(FuncRef(Rc::new(Function::Native { name, f })))
}

fn special(name: &'static str, s: Special) -> Value {
    Value::Func(FuncRef(Rc::new(Function::Special { name, s })))
}

fn new_table() -> TableRef {
    TableRef(Rc::new(RefCell::new(Table::default())))
}

pub fn open_all(st: &State) {
    let g = st.globals.clone();
    set(&g, "_G", Value::Table(g.clone()));
    set(&g, "_VERSION", Value::from("Lua 5.1"));
    let base: &[(&'static str, SyncFn)] = &[
        ("assert", b_assert),
        ("error", b_error),
        ("getmetatable", b_getmetatable),
        ("setmetatable", b_setmetatable),
        ("ipairs", b_ipairs),
        ("pairs", b_pairs),
        ("rawequal", b_rawequal),
        ("rawget", b_rawget),
        ("rawset", b_rawset),
        ("select", b_select),
        ("tonumber", b_tonumber),
        ("type", b_type),
        ("unpack", b_unpack),
        ("loadstring", b_loadstring),
        ("collectgarbage", b_collectgarbage),
        ("gcinfo", b_gcinfo),
    ];
    for (n, f) in base {
        set(&g, n, native(n, *f));
    }
    let next = native("next", b_next);
    set(&g, "next", next.clone());
    *st.next_fn.borrow_mut() = Some(next);
    *st.ipairs_iter.borrow_mut() = Some(native("ipairs_iter", b_ipairs_iter));
    set(&g, "pcall", special("pcall", Special::Pcall));
    set(&g, "xpcall", special("xpcall", Special::Xpcall));
    set(&g, "tostring", special("tostring", Special::Tostring));
    set(&g, "load", special("load", Special::Load));
    let co = new_table();
    set(&co, "create", special("create", Special::CoCreate));
    set(&co, "resume", special("resume", Special::CoResume));
    set(&co, "yield", special("yield", Special::CoYield));
    set(&co, "status", special("status", Special::CoStatus));
    set(&co, "wrap", special("wrap", Special::CoWrap));
    set(&co, "running", special("running", Special::CoRunning));
    set(&g, "coroutine", Value::Table(co));

    // string
    let s = new_table();
    let sf: &[(&'static str, SyncFn)] = &[
        ("byte", s_byte),
        ("char", s_char),
        ("find", s_find),
        ("format", s_format),
        ("len", s_len),
        ("lower", s_lower),
        ("upper", s_upper),
        ("match", s_match),
        ("rep", s_rep),
        ("reverse", s_reverse),
        ("sub", s_sub),
        ("dump", s_dump),
    ];
    for (n, f) in sf {
        set(&s, n, native(n, *f));
    }
    set(&s, "gsub", special("gsub", Special::Gsub));
    set(&s, "gmatch", special("gmatch", Special::Gmatch));
    set(&s, "gfind", special("gmatch", Special::Gmatch));
    set(&g, "string", Value::Table(s.clone()));
    let meta = new_table();
    set(&meta, "__index", Value::Table(s.clone()));
    *st.string_meta.borrow_mut() = Some(meta);
    *st.string_lib.borrow_mut() = Some(s);

    // table
    let t = new_table();
    let tf: &[(&'static str, SyncFn)] = &[
        ("concat", t_concat),
        ("insert", t_insert),
        ("remove", t_remove),
        ("maxn", t_maxn),
        ("getn", t_getn),
        ("setn", t_setn),
    ];
    for (n, f) in tf {
        set(&t, n, native(n, *f));
    }
    set(&t, "sort", special("sort", Special::Sort));
    set(&t, "foreach", special("foreach", Special::Foreach));
    set(&t, "foreachi", special("foreachi", Special::Foreachi));
    set(&g, "table", Value::Table(t));

    // math
    let m = new_table();
    let mf: &[(&'static str, SyncFn)] = &[
        ("abs", m_abs),
        ("ceil", m_ceil),
        ("floor", m_floor),
        ("fmod", m_fmod),
        ("mod", m_fmod),
        ("max", m_max),
        ("min", m_min),
        ("modf", m_modf),
        ("pow", m_pow),
        ("sqrt", m_sqrt),
        ("exp", m_exp),
        ("log", m_log),
        ("log10", m_log10),
        ("sin", m_sin),
        ("cos", m_cos),
        ("tan", m_tan),
        ("asin", m_asin),
        ("acos", m_acos),
        ("atan", m_atan),
        ("atan2", m_atan2),
        ("sinh", m_sinh),
        ("cosh", m_cosh),
        ("tanh", m_tanh),
        ("frexp", m_frexp),
        ("ldexp", m_ldexp),
        ("deg", m_deg),
        ("rad", m_rad),
        ("random", m_random),
        ("randomseed", m_randomseed),
    ];
    for (n, f) in mf {
        set(&m, n, native(n, *f));
    }
    set(&m, "pi", num(std::f64::consts::PI));
    set(&m, "huge", num(f64::INFINITY));
    set(&g, "math", Value::Table(m));

    super::libs_extra::open(st);
    super::libs_struct::open(st);
    super::libs_msgpack::open(st);
}

// ---------------- base ----------------

fn b_assert(_: &Interp, args: Vec<Value>) -> NR {
    if arg(&args, 0).truthy() {
        return Ok(args);
    }
    check_any(&args, 0, "assert")?;
    let m = opt_str(&args, 1, "assert", b"assertion failed!")?;
    msg(String::from_utf8_lossy(&m).into_owned())
}

fn b_error(it: &Interp, args: Vec<Value>) -> NR {
    let level = opt_int(&args, 1, "error", 1)?;
    let v = arg(&args, 0);
    let v = match &v {
        Value::Str(_) | Value::Num(_) if level > 0 => {
            let mut w = it.where_(level as usize).into_bytes();
            w.extend_from_slice(&to_str_bytes(&v).unwrap_or_else(|| Rc::from(&b""[..])));
            Value::from(w)
        }
        _ => v,
    };
    Err(NErr::Lua(LuaError::new(v)))
}

fn b_getmetatable(it: &Interp, args: Vec<Value>) -> NR {
    let v = check_any(&args, 0, "getmetatable")?;
    match it.metatable(&v) {
        None => Ok(vec![Value::Nil]),
        Some(m) => {
            let p = m.0.borrow().get_str(b"__metatable");
            if !p.is_nil() {
                Ok(vec![p])
            } else {
                Ok(vec![Value::Table(m)])
            }
        }
    }
}

fn b_setmetatable(it: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "setmetatable")?;
    let m = match args.get(1) {
        Some(Value::Nil) => None,
        Some(Value::Table(m)) => Some(m.clone()),
        _ => return bad_arg(1, "setmetatable", "nil or table expected"),
    };
    if let Some(old) = &t.0.borrow().meta {
        if !old.0.borrow().get_str(b"__metatable").is_nil() {
            return msg("cannot change a protected metatable");
        }
    }
    if t.0.borrow().readonly {
        return Err(NErr::Lua(LuaError::msg("Attempt to modify a readonly table")));
    }
    let _ = it;
    t.0.borrow_mut().meta = m;
    Ok(vec![Value::Table(t)])
}

fn b_next(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "next")?;
    let r = t.0.borrow().next(&arg(&args, 1));
    match r {
        Ok(Some((k, v))) => Ok(vec![k, v]),
        Ok(None) => Ok(vec![Value::Nil]),
        Err(()) => Err(NErr::Lua(LuaError::msg("invalid key to 'next'"))),
    }
}

fn b_pairs(it: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "pairs")?;
    let n = it.st.next_fn.borrow().clone().unwrap_or(Value::Nil);
    Ok(vec![n, Value::Table(t), Value::Nil])
}

fn b_ipairs(it: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "ipairs")?;
    let n = it.st.ipairs_iter.borrow().clone().unwrap_or(Value::Nil);
    Ok(vec![n, Value::Table(t), num(0.0)])
}

fn b_ipairs_iter(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "ipairs")?;
    let i = check_int(&args, 1, "ipairs")? + 1;
    let v = if i >= 1 { t.0.borrow().get_int(i as usize) } else { Value::Nil };
    if v.is_nil() {
        Ok(vec![Value::Nil])
    } else {
        Ok(vec![num(i as f64), v])
    }
}

fn b_rawequal(_: &Interp, args: Vec<Value>) -> NR {
    let a = check_any(&args, 0, "rawequal")?;
    let b = check_any(&args, 1, "rawequal")?;
    Ok(vec![Value::Bool(a.raw_eq(&b))])
}

fn b_rawget(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "rawget")?;
    let k = check_any(&args, 1, "rawget")?;
    let v = t.0.borrow().get(&k);
    Ok(vec![v])
}

fn b_rawset(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "rawset")?;
    check_any(&args, 1, "rawset")?;
    check_any(&args, 2, "rawset")?;
    if t.0.borrow().readonly {
        return Err(NErr::Lua(LuaError::msg("Attempt to modify a readonly table")));
    }
    t.0.borrow_mut().set(arg(&args, 1), arg(&args, 2)).map_err(|m| NErr::Lua(LuaError::msg(m)))?;
    Ok(vec![Value::Table(t)])
}

fn b_select(_: &Interp, args: Vec<Value>) -> NR {
    if let Some(Value::Str(s)) = args.first() {
        if s.first() == Some(&b'#') {
            return Ok(vec![num((args.len() - 1) as f64)]);
        }
    }
    let n = check_int(&args, 0, "select")?;
    let len = args.len() as i64 - 1;
    let i = if n < 0 {
        len + n
    } else if n == 0 {
        return bad_arg(0, "select", "index out of range");
    } else {
        n - 1
    };
    if i < 0 {
        return bad_arg(0, "select", "index out of range");
    }
    Ok(args.into_iter().skip(1 + i as usize).collect())
}

fn b_tonumber(_: &Interp, args: Vec<Value>) -> NR {
    let base = opt_int(&args, 1, "tonumber", 10)?;
    if base == 10 {
        check_any(&args, 0, "tonumber")?;
        return Ok(vec![match to_num(&args[0]) {
            Some(n) => num(n),
            None => Value::Nil,
        }]);
    }
    let s = check_str(&args, 0, "tonumber")?;
    if !(2..=36).contains(&base) {
        return bad_arg(1, "tonumber", "base out of range");
    }
    let t = String::from_utf8_lossy(&s);
    let t = t.trim_matches(|c: char| c.is_ascii_whitespace());
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty() {
        return Ok(vec![Value::Nil]);
    }
    let mut v: f64 = 0.0;
    for c in body.chars() {
        match c.to_digit(base as u32) {
            Some(d) => v = v * base as f64 + d as f64,
            None => return Ok(vec![Value::Nil]),
        }
    }
    // strtoul wraps a negated value modulo 2^64
    Ok(vec![num(if neg && v != 0.0 { 18446744073709551616.0 - v } else { v })])
}

fn b_type(_: &Interp, args: Vec<Value>) -> NR {
    let v = check_any(&args, 0, "type")?;
    if let Value::Func(f) = &v {
        if let Function::Coroutine(_) = &*f.0 {
            return Ok(vec![Value::from("thread")]);
        }
    }
    Ok(vec![Value::from(v.type_name())])
}

fn b_unpack(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "unpack")?;
    let i = opt_int(&args, 1, "unpack", 1)?;
    let e = match args.get(2) {
        None | Some(Value::Nil) => t.0.borrow().len() as i64,
        _ => check_int(&args, 2, "unpack")?,
    };
    if i > e {
        return Ok(Vec::new());
    }
    let n = (e as i128 - i as i128 + 1) as u128;
    if n >= 8000 {
        return msg("too many results to unpack");
    }
    let tb = t.0.borrow();
    Ok((i..=e).map(|k| tb.get(&num(k as f64))).collect())
}

fn b_loadstring(it: &Interp, args: Vec<Value>) -> NR {
    let s = check_str(&args, 0, "loadstring")?;
    let name = match args.get(1) {
        Some(Value::Str(n)) => {
            let n = String::from_utf8_lossy(n).into_owned();
            match n.strip_prefix('=').or_else(|| n.strip_prefix('@')) {
                Some(x) => x.to_string(),
                None => format!("[string \"{n}\"]"),
            }
        }
        _ => {
            // Lua's chunk id for a string source: [string "first line..."]
            let src = String::from_utf8_lossy(&s);
            let first = src.lines().next().unwrap_or("");
            let mut id = String::from("[string \"");
            let truncated = first.len() < src.trim_end_matches('\n').len() || first.len() > 45;
            let shown: String = first.chars().take(45).collect();
            id.push_str(&shown);
            if truncated {
                id.push_str("...");
            }
            id.push_str("\"]");
            id
        }
    };
    let _ = it;
    match super::parse::parse_chunk(&s, &name) {
        Ok(p) => Ok(vec![super::interp::make_main_closure(p)]),
        Err(e) => Ok(vec![Value::Nil, Value::from(e.into_bytes())]),
    }
}

fn b_collectgarbage(_: &Interp, args: Vec<Value>) -> NR {
    let opt = opt_str(&args, 0, "collectgarbage", b"collect")?;
    match &*opt {
        b"count" => Ok(vec![num(100.0)]),
        b"collect" | b"step" | b"stop" | b"restart" | b"setpause" | b"setstepmul" => Ok(vec![num(0.0)]),
        _ => bad_arg(0, "collectgarbage", &format!("invalid option '{}'", String::from_utf8_lossy(&opt))),
    }
}

fn b_gcinfo(_: &Interp, _: Vec<Value>) -> NR {
    Ok(vec![num(100.0)])
}

// ---------------- specials (call back into Lua) ----------------

pub async fn call_special(it: &Interp, s: Special, mut args: Vec<Value>) -> NR {
    match s {
        Special::Pcall => {
            let f = check_any(&args, 0, "pcall")?;
            args.remove(0);
            match it.call(f, args).await {
                Ok(mut r) => {
                    r.insert(0, Value::Bool(true));
                    Ok(r)
                }
                Err(e) => Ok(vec![Value::Bool(false), e.value]),
            }
        }
        Special::Xpcall => {
            check_any(&args, 1, "xpcall")?;
            let f = arg(&args, 0);
            let h = arg(&args, 1);
            match it.call(f, Vec::new()).await {
                Ok(mut r) => {
                    r.insert(0, Value::Bool(true));
                    Ok(r)
                }
                Err(e) => {
                    let hr = it.call(h, vec![e.value]).await;
                    match hr {
                        Ok(r) => Ok(vec![Value::Bool(false), r.into_iter().next().unwrap_or(Value::Nil)]),
                        Err(e2) => Ok(vec![Value::Bool(false), e2.value]),
                    }
                }
            }
        }
        Special::Tostring => {
            let v = check_any(&args, 0, "tostring")?;
            Ok(vec![it.tostring(v).await?])
        }
        Special::Sort => sort(it, args).await,
        Special::Gsub => gsub(it, args).await,
        Special::Gmatch => {
            let s = check_str(&args, 0, "gmatch")?;
            let p = check_str(&args, 1, "gmatch")?;
            Ok(vec![Value::Func(FuncRef(Rc::new(Function::GmatchIter {
                s: Value::Str(s),
                p: Value::Str(p),
                pos: Cell::new(0),
                last_end: Cell::new(None),
            })))])
        }
        Special::CoCreate | Special::CoWrap => {
            let f = match args.first() {
                Some(Value::Func(f)) if matches!(&*f.0, Function::Lua { .. }) => Value::Func(f.clone()),
                _ => {
                    return bad_arg(0, if s == Special::CoCreate { "create" } else { "wrap" }, "Lua function expected")
                }
            };
            let cs = it.new_coroutine(f);
            let func =
                if s == Special::CoCreate { Function::Coroutine(cs.clone()) } else { Function::CoWrap(cs.clone()) };
            let rc = Rc::new(func);
            *cs.me.borrow_mut() = Rc::downgrade(&rc);
            Ok(vec![Value::Func(FuncRef(rc))])
        }
        Special::CoResume => {
            let cs = match args.first() {
                Some(Value::Func(f)) => match &*f.0 {
                    Function::Coroutine(cs) => cs.clone(),
                    _ => return bad_arg(0, "resume", "coroutine expected"),
                },
                _ => return bad_arg(0, "resume", "coroutine expected"),
            };
            args.remove(0);
            match it.co_resume(&cs, args).await {
                Ok(mut v) => {
                    v.insert(0, Value::Bool(true));
                    Ok(v)
                }
                Err(e) => Ok(vec![Value::Bool(false), e]),
            }
        }
        Special::CoYield => Ok(it.co_yield(args).await?),
        Special::CoStatus => {
            let cs = match args.first() {
                Some(Value::Func(f)) => match &*f.0 {
                    Function::Coroutine(cs) => cs.clone(),
                    _ => return bad_arg(0, "status", "coroutine expected"),
                },
                _ => return bad_arg(0, "status", "coroutine expected"),
            };
            let st = match cs.status.get() {
                super::interp::CoStatus::Suspended => "suspended",
                super::interp::CoStatus::Running => {
                    let me = it.co.as_ref().and_then(|w| w.upgrade());
                    match me.as_deref() {
                        Some(Function::Coroutine(c)) if Rc::ptr_eq(c, &cs) => "running",
                        _ => "normal",
                    }
                }
                super::interp::CoStatus::Dead => "dead",
            };
            Ok(vec![Value::from(st)])
        }
        Special::CoRunning => match it.co.as_ref().and_then(|w| w.upgrade()) {
            Some(f) => Ok(vec![Value::Func(FuncRef(f))]),
            None => Ok(vec![Value::Nil]),
        },
        Special::Load => {
            let f = match args.first() {
                Some(Value::Func(_)) => args[0].clone(),
                _ => return type_err(&args, 0, "load", "function"),
            };
            let name = match args.get(1) {
                Some(Value::Str(n)) => {
                    let n = String::from_utf8_lossy(n).into_owned();
                    match n.strip_prefix('=').or_else(|| n.strip_prefix('@')) {
                        Some(x) => x.to_string(),
                        None => format!("[string \"{n}\"]"),
                    }
                }
                _ => "(load)".to_string(),
            };
            let mut src = Vec::new();
            loop {
                let r = it.call(f.clone(), Vec::new()).await?;
                match r.into_iter().next() {
                    None | Some(Value::Nil) => break,
                    Some(v @ (Value::Str(_) | Value::Num(_))) => {
                        let s = to_str_bytes(&v).unwrap_or_else(|| Rc::from(&b""[..]));
                        if s.is_empty() {
                            break;
                        }
                        src.extend_from_slice(&s);
                        if src.len() > MAX_STR {
                            return msg("not enough memory");
                        }
                    }
                    Some(_) => return Ok(vec![Value::Nil, Value::from("reader function must return a string")]),
                }
            }
            match super::parse::parse_chunk(&src, &name) {
                Ok(p) => Ok(vec![super::interp::make_main_closure(p)]),
                Err(e) => Ok(vec![Value::Nil, Value::from(e.into_bytes())]),
            }
        }
        Special::Foreach => {
            let t = check_table(&args, 0, "foreach")?;
            let f = arg(&args, 1);
            let mut k = Value::Nil;
            loop {
                let n = t.0.borrow().next(&k);
                match n {
                    Ok(Some((nk, v))) => {
                        let r = it.call(f.clone(), vec![nk.clone(), v]).await?;
                        if let Some(x) = r.into_iter().next() {
                            if !x.is_nil() {
                                return Ok(vec![x]);
                            }
                        }
                        k = nk;
                    }
                    _ => return Ok(Vec::new()),
                }
            }
        }
        Special::Foreachi => {
            let t = check_table(&args, 0, "foreachi")?;
            let f = arg(&args, 1);
            let n = t.0.borrow().len();
            for i in 1..=n {
                let v = t.0.borrow().get_int(i);
                let r = it.call(f.clone(), vec![num(i as f64), v]).await?;
                if let Some(x) = r.into_iter().next() {
                    if !x.is_nil() {
                        return Ok(vec![x]);
                    }
                }
            }
            Ok(Vec::new())
        }
    }
}

// ---------------- string ----------------

/// Lua's relative string position (negative counts from the end).
fn posrelat(pos: i64, len: usize) -> i64 {
    if pos < 0 {
        pos + len as i64 + 1
    } else {
        pos
    }
}

fn s_len(_: &Interp, args: Vec<Value>) -> NR {
    let s = check_str(&args, 0, "len")?;
    Ok(vec![num(s.len() as f64)])
}

fn s_sub(_: &Interp, args: Vec<Value>) -> NR {
    let s = check_str(&args, 0, "sub")?;
    let l = s.len();
    let mut i = posrelat(check_int(&args, 1, "sub")?, l);
    let mut j = posrelat(opt_int(&args, 2, "sub", -1)?, l);
    if i < 1 {
        i = 1;
    }
    if j > l as i64 {
        j = l as i64;
    }
    if i > j {
        return Ok(vec![Value::str(b"")]);
    }
    Ok(vec![Value::str(&s[(i - 1) as usize..j as usize])])
}

fn s_upper(_: &Interp, args: Vec<Value>) -> NR {
    let s = check_str(&args, 0, "upper")?;
    Ok(vec![Value::from(s.to_ascii_uppercase())])
}

fn s_lower(_: &Interp, args: Vec<Value>) -> NR {
    let s = check_str(&args, 0, "lower")?;
    Ok(vec![Value::from(s.to_ascii_lowercase())])
}

fn s_reverse(_: &Interp, args: Vec<Value>) -> NR {
    let s = check_str(&args, 0, "reverse")?;
    let mut v = s.to_vec();
    v.reverse();
    Ok(vec![Value::from(v)])
}

fn s_rep(_: &Interp, args: Vec<Value>) -> NR {
    let s = check_str(&args, 0, "rep")?;
    let n = check_int(&args, 1, "rep")?;
    if n <= 0 || s.is_empty() {
        return Ok(vec![Value::str(b"")]);
    }
    let total = (s.len() as u128) * (n as u128);
    if total > MAX_STR as u128 {
        return msg("not enough memory");
    }
    Ok(vec![Value::from(s.repeat(n as usize))])
}

fn s_byte(_: &Interp, args: Vec<Value>) -> NR {
    let s = check_str(&args, 0, "byte")?;
    let l = s.len();
    let i = posrelat(opt_int(&args, 1, "byte", 1)?, l);
    let j = posrelat(opt_int(&args, 2, "byte", i)?, l);
    let i = i.max(1);
    let j = j.min(l as i64);
    if i > j {
        return Ok(Vec::new());
    }
    Ok(s[(i - 1) as usize..j as usize].iter().map(|&c| num(c as f64)).collect())
}

fn s_char(_: &Interp, args: Vec<Value>) -> NR {
    let mut out = Vec::with_capacity(args.len());
    for i in 0..args.len() {
        let c = check_int(&args, i, "char")?;
        if !(0..=255).contains(&c) {
            return bad_arg(i, "char", "invalid value");
        }
        out.push(c as u8);
    }
    Ok(vec![Value::from(out)])
}

fn s_dump(_: &Interp, _: Vec<Value>) -> NR {
    msg("unable to dump given function")
}

fn push_capture(ms: &MatchState, i: usize, s: usize, e: usize, out: &mut Vec<Value>) -> Result<(), NErr> {
    match ms.get_capture(i, s, e) {
        Ok(Cap::Str(b)) => out.push(Value::str(b)),
        Ok(Cap::Pos(p)) => out.push(num(p as f64)),
        Err(m) => return msg(m),
    }
    Ok(())
}

fn captures(ms: &MatchState, s: usize, e: usize, whole: bool) -> Result<Vec<Value>, NErr> {
    let n = ms.ncaptures(whole);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        push_capture(ms, i, s, e, &mut out)?;
    }
    Ok(out)
}

fn find_aux(args: Vec<Value>, find: bool) -> NR {
    let fname = if find { "find" } else { "match" };
    let s = check_str(&args, 0, fname)?;
    let p = check_str(&args, 1, fname)?;
    let l = s.len();
    let mut init = posrelat(opt_int(&args, 2, fname, 1)?, l) - 1;
    if init < 0 {
        init = 0;
    } else if init as usize > l {
        init = l as i64;
    }
    let init = init as usize;
    if find && (arg(&args, 3).truthy() || no_specials(&p)) {
        return Ok(match find_plain(&s, &p, init) {
            Some(i) => vec![num((i + 1) as f64), num((i + p.len()) as f64)],
            None => vec![Value::Nil],
        });
    }
    let anchor = p.first() == Some(&b'^');
    let pat = if anchor { &p[1..] } else { &p[..] };
    let mut ms = MatchState::new(&s, pat);
    let mut s1 = init;
    loop {
        ms.reset();
        match ms.do_match(s1, 0) {
            Err(m) => return msg(m),
            Ok(Some(e)) => {
                if find {
                    let mut out = vec![num((s1 + 1) as f64), num(e as f64)];
                    out.extend(captures(&ms, s1, e, false)?);
                    return Ok(out);
                }
                return captures(&ms, s1, e, true);
            }
            Ok(None) => {}
        }
        s1 += 1;
        if s1 > l || anchor {
            break;
        }
    }
    Ok(vec![Value::Nil])
}

fn s_find(_: &Interp, args: Vec<Value>) -> NR {
    find_aux(args, true)
}

fn s_match(_: &Interp, args: Vec<Value>) -> NR {
    find_aux(args, false)
}

pub fn gmatch_next(_: &Interp, s: &Value, p: &Value, pos: &Cell<usize>, _last: &Cell<Option<usize>>) -> NR {
    let (Some(s), Some(p)) = (s.as_bytes(), p.as_bytes()) else { return Ok(vec![Value::Nil]) };
    let mut ms = MatchState::new(s, p);
    let mut src = pos.get();
    while src <= s.len() {
        ms.reset();
        match ms.do_match(src, 0) {
            Err(m) => return msg(m),
            Ok(Some(e)) => {
                pos.set(if e == src { e + 1 } else { e });
                return captures(&ms, src, e, true);
            }
            Ok(None) => src += 1,
        }
    }
    pos.set(s.len() + 1);
    Ok(vec![Value::Nil])
}

async fn gsub(it: &Interp, args: Vec<Value>) -> NR {
    let s = check_str(&args, 0, "gsub")?;
    let p = check_str(&args, 1, "gsub")?;
    let repl = arg(&args, 2);
    match repl {
        Value::Num(_) | Value::Str(_) | Value::Table(_) | Value::Func(_) => {}
        _ => return bad_arg(2, "gsub", "string/function/table expected"),
    }
    let repl_s = to_str_bytes(&repl);
    let max_n = opt_int(&args, 3, "gsub", s.len() as i64 + 1)?;
    let anchor = p.first() == Some(&b'^');
    let pat: Rc<[u8]> = if anchor { Rc::from(&p[1..]) } else { p.clone() };
    let mut out: Vec<u8> = Vec::new();
    let mut src = 0usize;
    let mut n: i64 = 0;
    while n < max_n {
        // Match synchronously, collect captures, then (maybe) call back into Lua.
        let (m, caps, whole) = {
            let mut ms = MatchState::new(&s, &pat);
            ms.reset();
            match ms.do_match(src, 0) {
                Err(m) => return msg(m),
                Ok(Some(e)) => {
                    let caps = captures(&ms, src, e, true)?;
                    (Some(e), caps, &s[src..e])
                }
                Ok(None) => (None, Vec::new(), &s[0..0]),
            }
        };
        if let Some(e) = m {
            n += 1;
            let whole = whole.to_vec();
            match (&repl, &repl_s) {
                (Value::Str(_) | Value::Num(_), Some(r)) => {
                    let mut i = 0;
                    while i < r.len() {
                        let c = r[i];
                        if c == b'%' && i + 1 < r.len() {
                            i += 1;
                            let d = r[i];
                            if d == b'0' {
                                out.extend_from_slice(&whole);
                            } else if d.is_ascii_digit() {
                                let idx = (d - b'1') as usize;
                                let v = if idx == 0 && caps.len() == 1 && whole_only(&caps, &whole) {
                                    caps.first().cloned()
                                } else {
                                    caps.get(idx).cloned()
                                };
                                match v {
                                    Some(v) => {
                                        out.extend_from_slice(&to_str_bytes(&v).unwrap_or_else(|| Rc::from(&b""[..])))
                                    }
                                    None => return msg("invalid capture index"),
                                }
                            } else {
                                out.push(d);
                            }
                        } else if c == b'%' {
                            // a lone '%' at the end: Lua 5.1 copies the terminating NUL
                            out.push(0);
                        } else {
                            out.push(c);
                        }
                        i += 1;
                    }
                }
                _ => {
                    let key = caps.first().cloned().unwrap_or_else(|| Value::from(whole.clone()));
                    let v = match &repl {
                        Value::Table(_) => it.index(repl.clone(), key, 0).await?,
                        _ => it.call(repl.clone(), caps.clone()).await?.into_iter().next().unwrap_or(Value::Nil),
                    };
                    match &v {
                        Value::Nil | Value::Bool(false) => out.extend_from_slice(&whole),
                        Value::Str(_) | Value::Num(_) => {
                            out.extend_from_slice(&to_str_bytes(&v).unwrap_or_else(|| Rc::from(&b""[..])))
                        }
                        other => return msg(format!("invalid replacement value (a {})", other.type_name())),
                    }
                }
            }
            if out.len() > MAX_STR {
                return msg("not enough memory");
            }
            if e > src {
                src = e;
            } else if src < s.len() {
                out.push(s[src]);
                src += 1;
            } else {
                break;
            }
        } else if src < s.len() {
            out.push(s[src]);
            src += 1;
        } else {
            break;
        }
        if anchor {
            break;
        }
    }
    if src < s.len() {
        out.extend_from_slice(&s[src..]);
    }
    Ok(vec![Value::from(out), num(n as f64)])
}

fn whole_only(_caps: &[Value], _whole: &[u8]) -> bool {
    true
}

// string.format

pub struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    prec: Option<usize>,
}

fn pad(spec: &Spec, body: String, numeric: bool) -> String {
    if body.len() >= spec.width {
        return body;
    }
    let fill = spec.width - body.len();
    if spec.minus {
        format!("{body}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        // zeros go after the sign / 0x prefix
        let b = body.as_bytes();
        let mut split = 0;
        if matches!(b.first(), Some(b'-' | b'+' | b' ')) {
            split = 1;
        }
        if b.len() >= split + 2 && b[split] == b'0' && matches!(b[split + 1], b'x' | b'X') {
            split += 2;
        }
        format!("{}{}{}", &body[..split], "0".repeat(fill), &body[split..])
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

fn fmt_int(spec: &Spec, v: i64, conv: u8) -> String {
    let neg = v < 0 && matches!(conv, b'd' | b'i');
    let mag: u64 = if matches!(conv, b'd' | b'i') { v.unsigned_abs() } else { v as u64 };
    let mut digits = match conv {
        b'o' => format!("{mag:o}"),
        b'x' => format!("{mag:x}"),
        b'X' => format!("{mag:X}"),
        _ => mag.to_string(),
    };
    if let Some(p) = spec.prec {
        if p == 0 && mag == 0 {
            digits.clear();
        }
        if digits.len() < p {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
    }
    if spec.alt {
        match conv {
            b'o' if !digits.starts_with('0') => digits.insert(0, '0'),
            b'x' if mag != 0 => digits.insert_str(0, "0x"),
            b'X' if mag != 0 => digits.insert_str(0, "0X"),
            _ => {}
        }
    }
    let sign = if neg {
        "-"
    } else if matches!(conv, b'd' | b'i') && spec.plus {
        "+"
    } else if matches!(conv, b'd' | b'i') && spec.space {
        " "
    } else {
        ""
    };
    let body = format!("{sign}{digits}");
    let s2 = Spec { zero: spec.zero && spec.prec.is_none(), ..*spec };
    pad(&s2, body, true)
}

impl Clone for Spec {
    fn clone(&self) -> Spec {
        Spec { ..*self }
    }
}
impl Copy for Spec {}

pub fn fmt_float(spec: &Spec, v: f64, conv: u8) -> String {
    let prec = spec.prec.unwrap_or(6);
    let upper = conv.is_ascii_uppercase();
    let mut body = if !v.is_finite() {
        let s = if v.is_nan() { "nan" } else { "inf" };
        let s = if upper { s.to_uppercase() } else { s.to_string() };
        let neg = v.is_sign_negative();
        let sign = if neg {
            "-"
        } else if spec.plus {
            "+"
        } else if spec.space {
            " "
        } else {
            ""
        };
        let s2 = Spec { zero: false, ..*spec };
        return pad(&s2, format!("{sign}{s}"), false);
    } else {
        match conv.to_ascii_lowercase() {
            b'f' => {
                let s = format!("{:.*}", prec, v.abs());
                if spec.alt && prec == 0 {
                    format!("{s}.")
                } else {
                    s
                }
            }
            b'e' => {
                let s = format!("{:.*e}", prec, v.abs());
                let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                let e: i32 = e.parse().unwrap_or(0);
                let m = if spec.alt && prec == 0 { format!("{m}.") } else { m.to_string() };
                format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.unsigned_abs())
            }
            _ => fmt_g(v.abs(), if prec == 0 { 1 } else { prec }, spec.alt),
        }
    };
    if upper {
        body = body.to_uppercase();
    }
    let sign = if v.is_sign_negative() && !(v == 0.0 && !v.is_sign_negative()) {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    pad(spec, format!("{sign}{body}"), true)
}

fn s_format(_: &Interp, args: Vec<Value>) -> NR {
    let f = check_str(&args, 0, "format")?;
    let mut out: Vec<u8> = Vec::new();
    let mut argi = 0usize;
    let mut i = 0usize;
    while i < f.len() {
        let c = f[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        if f.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        argi += 1;
        let mut spec = Spec { minus: false, plus: false, space: false, alt: false, zero: false, width: 0, prec: None };
        let fstart = i;
        while let Some(&fc) = f.get(i) {
            match fc {
                b'-' => spec.minus = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.alt = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        if i - fstart > 5 {
            return msg("invalid format (repeated flags)");
        }
        let mut nd = 0;
        while let Some(&d) = f.get(i) {
            if !d.is_ascii_digit() {
                break;
            }
            spec.width = spec.width.saturating_mul(10).saturating_add((d - b'0') as usize);
            i += 1;
            nd += 1;
        }
        if nd > 2 {
            return msg("invalid format (width or precision too long)");
        }
        if f.get(i) == Some(&b'.') {
            i += 1;
            let mut p: usize = 0;
            let mut nd = 0;
            while let Some(&d) = f.get(i) {
                if !d.is_ascii_digit() {
                    break;
                }
                p = p.saturating_mul(10).saturating_add((d - b'0') as usize);
                i += 1;
                nd += 1;
            }
            if nd > 2 {
                return msg("invalid format (width or precision too long)");
            }
            spec.prec = Some(p);
        }
        let Some(&conv) = f.get(i) else {
            return msg("invalid option '%' to 'format'");
        };
        i += 1;
        if argi >= args.len() {
            return bad_arg(argi, "format", "no value");
        }
        let piece_start = out.len();
        let mut via_sprintf = conv != b'q';
        match conv {
            b'c' => {
                let n = check_int(&args, argi, "format")?;
                let body = String::from_utf8_lossy(&[n as u8]).into_owned();
                let b = vec![n as u8];
                if spec.width > 1 {
                    let fill = " ".repeat(spec.width - 1);
                    if spec.minus {
                        out.extend_from_slice(&b);
                        out.extend_from_slice(fill.as_bytes());
                    } else {
                        out.extend_from_slice(fill.as_bytes());
                        out.extend_from_slice(&b);
                    }
                } else {
                    out.extend_from_slice(&b);
                }
                let _ = body;
            }
            b'd' | b'i' | b'o' | b'u' | b'x' | b'X' => {
                let n = check_num(&args, argi, "format")?;
                out.extend_from_slice(fmt_int(&spec, d2i(n), conv).as_bytes());
            }
            b'e' | b'E' | b'f' | b'g' | b'G' => {
                let n = check_num(&args, argi, "format")?;
                out.extend_from_slice(fmt_float(&spec, n, conv).as_bytes());
            }
            b'q' => {
                let s = check_str(&args, argi, "format")?;
                out.push(b'"');
                for &b in s.iter() {
                    match b {
                        b'"' | b'\\' | b'\n' => {
                            out.push(b'\\');
                            out.push(b);
                        }
                        b'\r' => out.extend_from_slice(b"\\r"),
                        0 => out.extend_from_slice(b"\\000"),
                        _ => out.push(b),
                    }
                }
                out.push(b'"');
            }
            b's' => {
                let s = check_str(&args, argi, "format")?;
                let mut b: &[u8] = &s;
                if let Some(p) = spec.prec {
                    if b.len() > p {
                        b = &b[..p];
                    }
                } else if s.len() >= 100 {
                    out.extend_from_slice(&s);
                    via_sprintf = false;
                }
                if !via_sprintf {
                    continue;
                }
                let fill = spec.width.saturating_sub(b.len());
                if spec.minus {
                    out.extend_from_slice(b);
                    out.extend(std::iter::repeat_n(b' ', fill));
                } else {
                    out.extend(std::iter::repeat_n(b' ', fill));
                    out.extend_from_slice(b);
                }
            }
            other => {
                return msg(format!("invalid option '%{}' to 'format'", other as char));
            }
        }
        if via_sprintf {
            // Lua 5.1 appends sprintf's output with strlen: a NUL ends the piece
            if let Some(z) = out[piece_start..].iter().position(|&c| c == 0) {
                out.truncate(piece_start + z);
            }
        }
        if out.len() > MAX_STR {
            return msg("not enough memory");
        }
    }
    Ok(vec![Value::from(out)])
}

// ---------------- table ----------------

fn t_concat(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "concat")?;
    let sep = opt_str(&args, 1, "concat", b"")?;
    let i = opt_int(&args, 2, "concat", 1)?;
    let j = match args.get(3) {
        None | Some(Value::Nil) => t.0.borrow().len() as i64,
        _ => check_int(&args, 3, "concat")?,
    };
    let mut out = Vec::new();
    let tb = t.0.borrow();
    let mut k = i;
    while k <= j {
        let v = tb.get(&num(k as f64));
        match &v {
            Value::Str(_) | Value::Num(_) => {
                out.extend_from_slice(&to_str_bytes(&v).unwrap_or_else(|| Rc::from(&b""[..])))
            }
            _ => {
                return msg(format!("invalid value ({}) at index {k} in table for 'concat'", v.type_name()));
            }
        }
        if k != j {
            out.extend_from_slice(&sep);
        }
        if out.len() > MAX_STR {
            return msg("not enough memory");
        }
        k += 1;
    }
    Ok(vec![Value::from(out)])
}

fn check_writable(t: &TableRef) -> Result<(), NErr> {
    if t.0.borrow().readonly {
        return Err(NErr::Lua(LuaError::msg("Attempt to modify a readonly table")));
    }
    Ok(())
}

fn t_insert(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "insert")?;
    check_writable(&t)?;
    let e = t.0.borrow().len() as i64 + 1;
    let mut tb = t.0.borrow_mut();
    match args.len() {
        2 => {
            tb.set(num(e as f64), args[1].clone()).or_else(|m| msg(m))?;
        }
        3 => {
            let pos = check_int(&args, 1, "insert")?;
            if (e as i128) - (pos as i128) > super::table::MAX_TABLE_ENTRIES as i128 {
                return msg("table overflow");
            }
            let mut i = e;
            while i > pos {
                let v = tb.get(&num((i - 1) as f64));
                tb.set(num(i as f64), v).or_else(|m| msg(m))?;
                i -= 1;
            }
            tb.set(num(pos as f64), args[2].clone()).or_else(|m| msg(m))?;
        }
        _ => return msg("wrong number of arguments to 'insert'"),
    }
    Ok(Vec::new())
}

fn t_remove(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "remove")?;
    let e = t.0.borrow().len() as i64;
    let pos = opt_int(&args, 1, "remove", e)?;
    if e == 0 {
        return Ok(Vec::new());
    }
    check_writable(&t)?;
    if (e as i128) - (pos as i128) > super::table::MAX_TABLE_ENTRIES as i128 {
        return msg("table overflow");
    }
    let mut tb = t.0.borrow_mut();
    let v = tb.get(&num(pos as f64));
    let mut p = pos;
    while p < e {
        let nv = tb.get(&num((p + 1) as f64));
        tb.set(num(p as f64), nv).or_else(|m| msg(m))?;
        p += 1;
    }
    tb.set(num(e as f64), Value::Nil).or_else(|m| msg(m))?;
    Ok(vec![v])
}

fn t_maxn(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "maxn")?;
    let tb = t.0.borrow();
    let mut m: f64 = 0.0;
    let mut k = Value::Nil;
    while let Ok(Some((nk, _))) = tb.next(&k) {
        if let Value::Num(n) = nk {
            if n > m {
                m = n;
            }
        }
        k = nk;
    }
    Ok(vec![num(m)])
}

fn t_getn(_: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "getn")?;
    let n = t.0.borrow().len();
    Ok(vec![num(n as f64)])
}

fn t_setn(_: &Interp, _: Vec<Value>) -> NR {
    msg("'setn' is obsolete")
}

async fn sort_lt(it: &Interp, f: &Value, a: &Value, b: &Value) -> Result<bool, NErr> {
    it.tick().await;
    if f.is_nil() {
        Ok(it.less(a, b, false, 0).await.map_err(|e| {
            // comparison errors from sort carry the caller's position
            e
        })?)
    } else {
        let r = it.call(f.clone(), vec![a.clone(), b.clone()]).await?;
        Ok(r.first().map(|v| v.truthy()).unwrap_or(false))
    }
}

/// Lua 5.1's auxsort (quicksort with median of three), so comparators see the same calls and
/// an inconsistent comparator gives "invalid order function for sorting".
async fn sort(it: &Interp, args: Vec<Value>) -> NR {
    let t = check_table(&args, 0, "sort")?;
    let f = arg(&args, 1);
    if !f.is_nil() && !matches!(f, Value::Func(_)) {
        return type_err(&args, 1, "sort", "function");
    }
    let n = t.0.borrow().len() as i64;
    if n > 1 {
        check_writable(&t)?;
    }
    let get = |i: i64| t.0.borrow().get_int(i as usize);
    let setv = |i: i64, v: Value| {
        let _ = t.0.borrow_mut().set(num(i as f64), v);
    };
    // iterative version of auxsort with an explicit stack
    let mut stack: Vec<(i64, i64)> = vec![(1, n)];
    while let Some((mut l, mut u)) = stack.pop() {
        while l < u {
            let (a, b) = (get(l), get(u));
            if sort_lt(it, &f, &b, &a).await? {
                setv(l, b);
                setv(u, a);
            }
            if u - l == 1 {
                break;
            }
            let i = (l + u) / 2;
            let (a, b) = (get(i), get(l));
            if sort_lt(it, &f, &a, &b).await? {
                setv(i, b);
                setv(l, a);
            } else {
                let (a, b) = (get(i), get(u));
                if sort_lt(it, &f, &b, &a).await? {
                    setv(i, b);
                    setv(u, a);
                }
            }
            if u - l == 2 {
                break;
            }
            let p = get(i);
            let tmp = get(u - 1);
            setv(i, tmp);
            setv(u - 1, p.clone());
            let mut i = l;
            let mut j = u - 1;
            loop {
                loop {
                    i += 1;
                    let a = get(i);
                    if !sort_lt(it, &f, &a, &p).await? {
                        break;
                    }
                    if i > u {
                        return msg("invalid order function for sorting");
                    }
                }
                loop {
                    j -= 1;
                    let b = get(j);
                    if !sort_lt(it, &f, &p, &b).await? {
                        break;
                    }
                    if j < l {
                        return msg("invalid order function for sorting");
                    }
                }
                if j < i {
                    break;
                }
                let (a, b) = (get(i), get(j));
                setv(i, b);
                setv(j, a);
            }
            let (a, b) = (get(u - 1), get(i));
            setv(u - 1, b);
            setv(i, a);
            if i - l < u - i {
                stack.push((i + 1, u));
                u = i - 1;
            } else {
                stack.push((l, i - 1));
                l = i + 1;
            }
        }
    }
    Ok(Vec::new())
}

// ---------------- math ----------------

macro_rules! math1 {
    ($name:ident, $lname:expr, $f:expr) => {
        fn $name(_: &Interp, args: Vec<Value>) -> NR {
            let x = check_num(&args, 0, $lname)?;
            let f: fn(f64) -> f64 = $f;
            Ok(vec![num(f(x))])
        }
    };
}

math1!(m_abs, "abs", f64::abs);
math1!(m_ceil, "ceil", f64::ceil);
math1!(m_floor, "floor", f64::floor);
math1!(m_sqrt, "sqrt", f64::sqrt);
math1!(m_exp, "exp", f64::exp);
math1!(m_log, "log", f64::ln);
math1!(m_log10, "log10", f64::log10);
math1!(m_sin, "sin", f64::sin);
math1!(m_cos, "cos", f64::cos);
math1!(m_tan, "tan", f64::tan);
math1!(m_asin, "asin", f64::asin);
math1!(m_acos, "acos", f64::acos);
math1!(m_atan, "atan", f64::atan);
math1!(m_sinh, "sinh", f64::sinh);
math1!(m_cosh, "cosh", f64::cosh);
math1!(m_tanh, "tanh", f64::tanh);
math1!(m_deg, "deg", |x| x * (180.0 / std::f64::consts::PI));
math1!(m_rad, "rad", |x| x * (std::f64::consts::PI / 180.0));

fn m_fmod(_: &Interp, args: Vec<Value>) -> NR {
    let a = check_num(&args, 0, "fmod")?;
    let b = check_num(&args, 1, "fmod")?;
    Ok(vec![num(a % b)])
}

fn m_pow(_: &Interp, args: Vec<Value>) -> NR {
    let a = check_num(&args, 0, "pow")?;
    let b = check_num(&args, 1, "pow")?;
    Ok(vec![num(a.powf(b))])
}

fn m_atan2(_: &Interp, args: Vec<Value>) -> NR {
    let a = check_num(&args, 0, "atan2")?;
    let b = check_num(&args, 1, "atan2")?;
    Ok(vec![num(a.atan2(b))])
}

fn m_ldexp(_: &Interp, args: Vec<Value>) -> NR {
    let a = check_num(&args, 0, "ldexp")?;
    let e = check_int(&args, 1, "ldexp")?;
    let e = e.clamp(-2200, 2200) as i32;
    // split the power so intermediate factors stay finite
    let mut r = a;
    let mut e = e;
    while e > 1000 {
        r *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        r *= 2f64.powi(-1000);
        e += 1000;
    }
    Ok(vec![num(r * 2f64.powi(e))])
}

fn m_frexp(_: &Interp, args: Vec<Value>) -> NR {
    let x = check_num(&args, 0, "frexp")?;
    if x == 0.0 || !x.is_finite() {
        return Ok(vec![num(x), num(0.0)]);
    }
    let mut e = x.abs().log2().floor() as i32 + 1;
    let mut m = x / 2f64.powi(e);
    // fix rounding at the edges
    while m.abs() >= 1.0 {
        m /= 2.0;
        e += 1;
    }
    while m.abs() < 0.5 {
        m *= 2.0;
        e -= 1;
    }
    Ok(vec![num(m), num(e as f64)])
}

fn m_modf(_: &Interp, args: Vec<Value>) -> NR {
    let x = check_num(&args, 0, "modf")?;
    let ip = x.trunc();
    let fp = if x.is_infinite() { 0.0 } else { x - ip };
    Ok(vec![num(ip), num(fp)])
}

fn m_max(_: &Interp, args: Vec<Value>) -> NR {
    let mut m = check_num(&args, 0, "max")?;
    for i in 1..args.len() {
        let v = check_num(&args, i, "max")?;
        if v > m {
            m = v;
        }
    }
    Ok(vec![num(m)])
}

fn m_min(_: &Interp, args: Vec<Value>) -> NR {
    let mut m = check_num(&args, 0, "min")?;
    for i in 1..args.len() {
        let v = check_num(&args, i, "min")?;
        if v < m {
            m = v;
        }
    }
    Ok(vec![num(m)])
}

/// The generator behind math.random: Redis replaces Lua's with drand48's 48-bit LCG
/// (redisLrand48), so seeded sequences match Redis's. `rng` holds the 48-bit state.
pub fn srand48(seed: i32) -> u64 {
    (((seed as u32) as u64) << 16) | 0x330E
}

fn next_random(st: &State) -> f64 {
    let x = st.rng.get() & 0xFFFF_FFFF_FFFF;
    let x = (x.wrapping_mul(0x5_DEEC_E66D).wrapping_add(0xB)) & 0xFFFF_FFFF_FFFF;
    st.rng.set(x);
    let r = (x >> 17) as i64; // lrand48: 31 bits
    let max = i32::MAX as i64;
    (r % max) as f64 / max as f64
}

fn m_random(it: &Interp, args: Vec<Value>) -> NR {
    let r = next_random(&it.st);
    match args.len() {
        0 => Ok(vec![num(r)]),
        1 => {
            let u = check_int(&args, 0, "random")? as i32 as i64;
            if u < 1 {
                return bad_arg(0, "random", "interval is empty");
            }
            Ok(vec![num((r * u as f64).floor() + 1.0)])
        }
        2 => {
            let l = check_int(&args, 0, "random")? as i32 as i64;
            let u = check_int(&args, 1, "random")? as i32 as i64;
            if l > u {
                return bad_arg(1, "random", "interval is empty");
            }
            Ok(vec![num((r * (u - l + 1) as f64).floor() + l as f64)])
        }
        _ => msg("wrong number of arguments"),
    }
}

fn m_randomseed(it: &Interp, args: Vec<Value>) -> NR {
    let s = check_int(&args, 0, "randomseed")?;
    it.st.rng.set(srand48(s as i32));
    Ok(Vec::new())
}

pub fn tostr(v: &Value) -> String {
    tostring_basic(v)
}

pub fn numstr(n: f64) -> String {
    number_to_string(n)
}

pub fn s2n(s: &[u8]) -> Option<f64> {
    string_to_number(s)
}

pub fn sv(s: &[u8]) -> Value {
    str_val(s)
}
