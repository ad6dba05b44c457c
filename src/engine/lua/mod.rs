//! A Lua 5.1 interpreter in pure Rust, the one Redis scripts (EVAL, FUNCTION) run on.
//!
//! Redis embeds Lua 5.1: numbers are doubles only, `tostring` prints "%.14g", and error
//! messages have 5.1's exact texts. Execution is *resumable*: `Lua::resume` runs a `Task` for a
//! given amount of fuel and returns `Resume::Pending` when the fuel is used up, keeping the whole
//! state of the script (nested calls, loops, pcall, metamethods, sort comparators) so that the
//! engine can serve other clients and continue later.
//!
//! Design: `parse` compiles source to an AST whose locals are resolved to frame slots (captured
//! locals become shared cells, created afresh at each declaration so every loop iteration
//! captures its own variable). `interp` evaluates it with async functions: a call is a boxed
//! future, so the Rust stack stays shallow and bounded (call depth is capped with Lua's "stack
//! overflow" error). Expressions without calls take a synchronous fast path. Fuel checks await a
//! future that is Pending when fuel is exhausted; host function calls also suspend the future, so
//! `resume` can hand the host `&mut Lua` while no borrow of the state is held.

use shared::Rc;
use shared::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

#[allow(dead_code)]
mod interp;
mod lex;
#[allow(dead_code)]
mod libs;
mod libs_extra;
mod libs_msgpack;
mod libs_struct;
mod number;
#[allow(dead_code)]
mod parse;
mod pattern;
mod shared;
mod table;

#[cfg(test)]
mod tests;

pub use number::{number_to_string, string_to_number};
pub(crate) use table::Table;

/// A Lua string: immutable, binary safe bytes.
pub type LuaStr = Rc<[u8]>;

/// A Lua value.
#[derive(Clone, Default)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Num(f64),
    Str(LuaStr),
    Table(TableRef),
    Func(FuncRef),
}

/// A handle on a table (cheap to clone; equality is identity).
#[derive(Clone)]
pub struct TableRef(pub(crate) Rc<RefCell<Table>>);

/// A handle on a function: a Lua closure, a library function or a host function.
#[derive(Clone)]
pub struct FuncRef(pub(crate) Rc<interp::Function>);

impl TableRef {
    pub fn ptr_eq(&self, o: &TableRef) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
    pub(crate) fn addr(&self) -> usize {
        Rc::as_ptr(&self.0) as *const u8 as usize
    }
}

impl FuncRef {
    pub fn ptr_eq(&self, o: &FuncRef) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
    pub(crate) fn addr(&self) -> usize {
        Rc::as_ptr(&self.0) as *const u8 as usize
    }
}

impl Value {
    /// A string value from bytes.
    pub fn str(b: &[u8]) -> Value {
        Value::Str(Rc::from(b))
    }
    /// The bytes of a string value (None for other types; numbers are not converted).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// Lua's `type()` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::Table(_) => "table",
            Value::Func(_) => "function",
        }
    }
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }
    /// Lua truthiness: everything but nil and false.
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }
    /// Raw equality (no __eq): numbers by value, strings by bytes, others by identity.
    pub fn raw_eq(&self, o: &Value) -> bool {
        match (self, o) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Table(a), Value::Table(b)) => a.ptr_eq(b),
            (Value::Func(a), Value::Func(b)) => a.ptr_eq(b),
            _ => false,
        }
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Str(Rc::from(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::str(v.as_bytes())
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Num(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(n) => write!(f, "{}", number_to_string(*n)),
            Value::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s)),
            Value::Table(t) => write!(f, "table: 0x{:08x}", t.addr()),
            Value::Func(x) => write!(f, "function: 0x{:08x}", x.addr()),
        }
    }
}
impl fmt::Debug for TableRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "table: 0x{:08x}", self.addr())
    }
}
impl fmt::Debug for FuncRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function: 0x{:08x}", self.addr())
    }
}

/// A Lua error: the error object (usually a string "chunk:line: message", but any value
/// `error()` was given, e.g. a table {err="..."}), and optionally a traceback.
#[derive(Clone, Debug)]
pub struct LuaError {
    pub value: Value,
    pub traceback: Option<String>,
    /// Chunk name and current line of the innermost Lua function active when the error was
    /// raised (for a library or host function: its Lua caller's line).
    pub location: Option<(String, u32)>,
}

impl LuaError {
    pub fn new(value: Value) -> LuaError {
        LuaError { value, traceback: None, location: None }
    }
    pub fn msg(s: &str) -> LuaError {
        LuaError::new(Value::from(s))
    }
}

/// How a `resume` ended.
#[derive(Debug)]
pub enum Resume {
    Done(Result<Vec<Value>, LuaError>),
    /// Out of fuel: call `resume` again to continue.
    Pending,
}

/// The embedder's side: called synchronously when Lua calls a function made by `host_function`.
pub trait Host {
    fn call(&mut self, lua: &mut Lua, id: u32, args: Vec<Value>) -> Result<Vec<Value>, LuaError>;
}

type TaskFuture = Pin<Box<dyn Future<Output = Result<Vec<Value>, LuaError>> + Send>>;

/// A prepared or suspended call.
pub struct Task {
    fut: Option<TaskFuture>,
    used: u64,
    frames: interp::Frames,
}

/// One Lua state.
pub struct Lua {
    pub(crate) st: Rc<interp::State>,
}

impl Lua {
    /// A fresh state with the standard libraries Redis provides; `seed` seeds math.random.
    pub fn new(seed: u64) -> Lua {
        let st = Rc::new(interp::State::new(seed));
        libs::open_all(&st);
        Lua { st }
    }

    /// Compiles a chunk; the error is Lua 5.1's syntax error text.
    pub fn load(&mut self, source: &[u8], chunkname: &str) -> Result<Value, String> {
        let proto = parse::parse_chunk(source, chunkname)?;
        Ok(interp::make_main_closure(proto))
    }

    pub fn globals(&self) -> TableRef {
        self.st.globals.clone()
    }

    pub fn new_table(&mut self) -> TableRef {
        TableRef(Rc::new(RefCell::new(Table::default())))
    }

    pub fn raw_get(&self, t: &TableRef, key: &Value) -> Value {
        t.0.borrow().get(key)
    }

    pub fn raw_set(&mut self, t: &TableRef, key: Value, val: Value) -> Result<(), LuaError> {
        t.0.borrow_mut().set(key, val).map_err(|e| LuaError::msg(e))
    }

    pub fn raw_len(&self, t: &TableRef) -> usize {
        t.0.borrow().len()
    }

    /// A function value that calls `host.call(id, args)` when called from Lua.
    pub fn host_function(&mut self, name: &str, id: u32) -> Value {
        Value::Func(FuncRef(Rc::new(interp::Function::Host { name: name.into(), id })))
    }

    /// Makes a table read-only (writes raise "Attempt to modify a readonly table").
    pub fn set_readonly(&mut self, t: &TableRef, readonly: bool) {
        let mut tb = t.0.borrow_mut();
        tb.readonly = readonly;
        // Redis guards _G with a metatable (getmetatable(_G) is a table there too).
        if readonly && t.ptr_eq(&self.st.globals) && tb.meta.is_none() {
            tb.meta = Some(TableRef(Rc::new(RefCell::new(Table::default()))));
        }
    }

    /// Prepares a call; runs nothing yet.
    pub fn call(&mut self, f: Value, args: Vec<Value>) -> Task {
        let st = self.st.clone();
        let frames: interp::Frames = Rc::new(RefCell::new(Vec::new()));
        let fr = frames.clone();
        let fut: TaskFuture = Box::pin(async move { interp::run_task(st, fr, f, args).await });
        Task { fut: Some(fut), used: 0, frames }
    }

    /// Runs `task` until it finishes or `fuel` units are used up.
    pub fn resume(&mut self, task: &mut Task, host: &mut dyn Host, fuel: u64) -> Resume {
        interp::resume(self, task, host, fuel)
    }

    /// Where a paused task is: chunk name and current line of its innermost Lua function.
    pub fn location(&self, task: &Task) -> Option<(String, u32)> {
        let fr = task.frames.borrow();
        fr.iter().rev().find(|(c, _)| !c.is_empty()).map(|(c, l)| (c.to_string(), *l))
    }

    /// Sets or clears a table's metatable (no __metatable or readonly checks: host use).
    pub fn set_metatable(&mut self, t: &TableRef, mt: Option<TableRef>) {
        t.0.borrow_mut().meta = mt;
    }

    pub fn get_metatable(&self, t: &TableRef) -> Option<TableRef> {
        t.0.borrow().meta.clone()
    }

    /// lua_next: the entry after `key` (Nil starts) in traversal order, None at the end or for
    /// a key not in the table.
    pub fn next(&self, t: &TableRef, key: &Value) -> Option<(Value, Value)> {
        t.0.borrow().next(key).ok().flatten()
    }

    /// Total fuel used by the task so far.
    pub fn fuel_used(task: &Task) -> u64 {
        task.used
    }

    /// Convenience for tests and simple hosts: load and run to completion with no host
    /// functions and a fuel limit.
    pub fn eval(&mut self, source: &str, fuel: u64) -> Result<Vec<Value>, LuaError> {
        let f = self.load(source.as_bytes(), "user_script").map_err(|e| LuaError::msg(&e))?;
        let mut task = self.call(f, Vec::new());
        struct NoHost;
        impl Host for NoHost {
            fn call(&mut self, _: &mut Lua, _: u32, _: Vec<Value>) -> Result<Vec<Value>, LuaError> {
                Ok(Vec::new())
            }
        }
        match self.resume(&mut task, &mut NoHost, fuel) {
            Resume::Done(r) => r,
            Resume::Pending => Err(LuaError::msg("out of fuel")),
        }
    }
}
