//! Unit tests: (script, expected) cases for the language and every library, resumability,
//! and a fuzz-ish no-panic check.

use super::*;

pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Num(n) => number_to_string(*n),
        Value::Str(s) => String::from_utf8_lossy(s).into_owned(),
        Value::Table(_) => "table".into(),
        Value::Func(_) => "function".into(),
    }
}

pub(crate) fn run(src: &str) -> String {
    let mut lua = Lua::new(1);
    match lua.eval(src, 50_000_000) {
        Ok(vs) => vs.iter().map(show).collect::<Vec<_>>().join(","),
        Err(e) => format!("ERR {}", show(&e.value)),
    }
}

#[test]
fn smoke() {
    assert_eq!(run("return 1 + 2"), "3");
    assert_eq!(run("local s=0 for i=1,10 do s=s+i end return s"), "55");
}
