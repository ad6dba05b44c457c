//! The evaluator: async tree walking over the AST (see the module header in mod.rs).

use super::shared::Rc;
use super::shared::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::number::{number_to_string, string_to_number};
use super::parse::{BinOp, Expr, Proto, Stat, TItem, UpSrc};
use super::{FuncRef, Host, Lua, LuaError, Resume, Table, TableRef, Task, Value};

/// Deepest nesting of calls (Lua, library and host functions together) before "stack overflow".
/// In the browser, wasm frames also live on the JavaScript engine's own stack (about 1 MB in
/// Chromium), which the measured-stack check below cannot see: unoptimised wasm builds (the
/// component tests) overflow it after about 25 Lua levels, so they stop at 16; optimised
/// builds reach 200 (the browser tests check that the release bundle does).
pub const MAX_DEPTH: u32 = if cfg!(all(target_arch = "wasm32", debug_assertions)) { 16 } else { 200 };
/// Longest string a script may build (Redis's proto-max-bulk-len).
pub const MAX_STR: usize = 512 * 1024 * 1024;

pub type R<T> = Result<T, LuaError>;
type LBF<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A library function's error: a message that still needs Lua's "chunk:line: " position,
/// or an error value that passes through unchanged.
pub enum NErr {
    Msg(String),
    Lua(LuaError),
}
impl From<LuaError> for NErr {
    fn from(e: LuaError) -> NErr {
        NErr::Lua(e)
    }
}
pub type NR = Result<Vec<Value>, NErr>;
pub type SyncFn = fn(&Interp, Vec<Value>) -> NR;

/// Library functions that must call back into Lua (or need the evaluator).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Special {
    Pcall,
    Xpcall,
    Tostring,
    Sort,
    Gsub,
    Foreach,
    Foreachi,
    Gmatch,
    CoCreate,
    CoResume,
    CoYield,
    CoStatus,
    CoWrap,
    CoRunning,
    Load,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum CoStatus {
    Suspended,
    Running,
    Dead,
}

type CoFuture = Pin<Box<dyn Future<Output = R<Vec<Value>>> + Send>>;

/// A coroutine: its body runs as its own future, polled by whoever resumes it.
pub struct CoState {
    pub f: Value,
    pub fut: super::shared::MutCell<Option<CoFuture>>,
    pub status: Cell<CoStatus>,
    pub started: Cell<bool>,
    pub me: RefCell<super::shared::Weak<Function>>,
}

pub enum Function {
    Lua {
        proto: Rc<Proto>,
        upvals: Vec<Rc<RefCell<Value>>>,
    },
    Native {
        name: &'static str,
        f: SyncFn,
    },
    Special {
        name: &'static str,
        s: Special,
    },
    /// The iterator string.gmatch returns: subject, pattern, next position.
    GmatchIter {
        s: Value,
        p: Value,
        pos: Cell<usize>,
        last_end: Cell<Option<usize>>,
    },
    Host {
        name: String,
        id: u32,
    },
    Coroutine(Rc<CoState>),
    CoWrap(Rc<CoState>),
}

impl Drop for Function {
    fn drop(&mut self) {
        if let Function::Lua { upvals, .. } = self {
            if upvals.is_empty() {
                return;
            }
            let mut work = Vec::new();
            for c in upvals.drain(..) {
                if let Ok(cell) = Rc::try_unwrap(c) {
                    work.push(cell.into_inner());
                }
            }
            super::table::drop_iteratively(work);
        }
    }
}

pub struct State {
    pub globals: TableRef,
    pub string_meta: RefCell<Option<TableRef>>,
    pub string_lib: RefCell<Option<TableRef>>,
    pub fuel: super::shared::U64Cell,
    pub host_req: RefCell<Option<(u32, Vec<Value>)>>,
    pub host_resp: RefCell<Option<R<Vec<Value>>>>,
    pub rng: Cell<u64>,
    pub next_fn: RefCell<Option<Value>>,
    pub ipairs_iter: RefCell<Option<Value>>,
    /// Address of a local in `resume`'s frame: the base the stack-depth check measures from.
    pub stack_base: super::shared::UsizeCell,
    /// Values passed by coroutine.yield to the nearest resumer, and back by resume.
    pub co_yield: RefCell<Option<Vec<Value>>>,
    pub co_transfer: RefCell<Option<Vec<Value>>>,
}

/// Bytes of Rust stack the evaluator may use below `resume` before raising "stack overflow"
/// (wasm's whole stack is 1 MB; native threads have 2 MB).
pub const STACK_LIMIT: usize = if cfg!(debug_assertions) { 1792 * 1024 } else { 640 * 1024 };

#[inline(never)]
pub fn stack_addr() -> usize {
    let x = 0u8;
    std::hint::black_box(&x) as *const u8 as usize
}

impl State {
    pub fn new(seed: u64) -> State {
        State {
            globals: TableRef(Rc::new(RefCell::new(Table::default()))),
            string_meta: RefCell::new(None),
            string_lib: RefCell::new(None),
            fuel: super::shared::U64Cell::new(0),
            host_req: RefCell::new(None),
            host_resp: RefCell::new(None),
            rng: Cell::new(super::libs::srand48(seed as i32)),
            next_fn: RefCell::new(None),
            ipairs_iter: RefCell::new(None),
            stack_base: super::shared::UsizeCell::new(0),
            co_yield: RefCell::new(None),
            co_transfer: RefCell::new(None),
        }
    }
}

pub fn make_main_closure(p: Rc<Proto>) -> Value {
    Value::Func(FuncRef(Rc::new(Function::Lua { proto: p, upvals: Vec::new() })))
}

/// (chunk name, current line) of each active function, innermost last ("" for library
/// functions); shared with the `Task` so `Lua::location` can read a paused task's line.
pub type Frames = Rc<RefCell<Vec<(Rc<str>, u32)>>>;

/// One running task's evaluator state.
pub struct Interp {
    pub st: Rc<State>,
    pub frames: Frames,
    depth: super::shared::U32Cell,
    /// Calls made from library code or metamethods now active (Lua 5.1 cannot yield across them).
    ccalls: super::shared::U32Cell,
    /// The coroutine this evaluator runs (None for the main task).
    pub co: Option<super::shared::Weak<Function>>,
}

struct CoPoll(Rc<CoState>, Rc<State>);
impl Future for CoPoll {
    type Output = R<Option<Vec<Value>>>;
    /// Ok(Some(values)) = yielded, Ok(None) never; Err = error; Ready(Ok) for a return is
    /// signalled through `status` becoming Dead.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.0.fut.borrow_mut();
        let Some(fut) = slot.as_mut() else {
            return Poll::Ready(Ok(Some(Vec::new())));
        };
        match fut.as_mut().poll(cx) {
            Poll::Ready(r) => {
                *slot = None;
                self.0.status.set(CoStatus::Dead);
                Poll::Ready(r.map(Some))
            }
            Poll::Pending => {
                let y = self.1.co_yield.borrow_mut().take();
                match y {
                    Some(v) => {
                        self.0.status.set(CoStatus::Suspended);
                        Poll::Ready(Ok(Some(v)))
                    }
                    None => Poll::Pending,
                }
            }
        }
    }
}

struct CoYieldFut(Rc<State>, bool);
impl Future for CoYieldFut {
    type Output = Vec<Value>;
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Vec<Value>> {
        if self.1 {
            return Poll::Ready(self.0.co_transfer.borrow_mut().take().unwrap_or_default());
        }
        self.1 = true;
        Poll::Pending
    }
}

enum Slot {
    Val(Value),
    Cell(Rc<RefCell<Value>>),
}

struct Frame {
    slots: Vec<Slot>,
    varargs: Vec<Value>,
    func: FuncRef,
    proto: Rc<Proto>,
}

enum Flow {
    Normal,
    Break,
    Return(Vec<Value>),
    Tail(Value, Vec<Value>),
}

struct Yield(bool);
impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

struct HostWait(Rc<State>);
impl Future for HostWait {
    type Output = R<Vec<Value>>;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<R<Vec<Value>>> {
        match self.0.host_resp.borrow_mut().take() {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    }
}

pub async fn run_task(st: Rc<State>, frames: Frames, f: Value, args: Vec<Value>) -> R<Vec<Value>> {
    let it =
        Interp { st, frames, depth: super::shared::U32Cell::new(0), ccalls: super::shared::U32Cell::new(0), co: None };
    it.call(f, args).await
}

pub fn resume(lua: &mut Lua, task: &mut Task, host: &mut dyn Host, fuel: u64) -> Resume {
    let st = lua.st.clone();
    let Some(fut) = task.fut.as_mut() else {
        return Resume::Done(Err(LuaError::msg("cannot resume dead task")));
    };
    st.fuel.set(fuel);
    st.stack_base.set(stack_addr());
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    loop {
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(r) => {
                task.used += fuel.saturating_sub(st.fuel.get());
                task.fut = None;
                return Resume::Done(r);
            }
            Poll::Pending => {
                let req = st.host_req.borrow_mut().take();
                if let Some((id, args)) = req {
                    let r = host.call(lua, id, args);
                    *st.host_resp.borrow_mut() = Some(r);
                    continue;
                }
                task.used += fuel.saturating_sub(st.fuel.get());
                return Resume::Pending;
            }
        }
    }
}

/// Evaluates an expression: the synchronous fast path, else the boxed async path.
macro_rules! ev {
    ($s:expr, $f:expr, $e:expr) => {
        match $s.fast($f, $e) {
            Some(r) => r,
            None => Box::pin($s.eval_slow($f, $e)).await,
        }
    };
}

macro_rules! tick {
    ($s:expr) => {
        if $s.st.fuel.get() == 0 {
            $s.pause(0).await;
        }
        $s.st.fuel.set($s.st.fuel.get().saturating_sub(1));
    };
    ($s:expr, $line:expr) => {
        if $s.st.fuel.get() == 0 {
            $s.pause($line).await;
        }
        $s.st.fuel.set($s.st.fuel.get().saturating_sub(1));
    };
}

pub fn str_val(s: &[u8]) -> Value {
    Value::str(s)
}

/// Number coercion for arithmetic (strings convert).
pub fn to_num(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        Value::Str(s) => string_to_number(s),
        _ => None,
    }
}

/// String coercion for concatenation (numbers convert).
pub fn to_str_bytes(v: &Value) -> Option<Rc<[u8]>> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Num(n) => Some(Rc::from(number_to_string(*n).as_bytes())),
        _ => None,
    }
}

pub fn arith_op(op: BinOp, a: f64, b: f64) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Mod => a - (a / b).floor() * b,
        BinOp::Pow => a.powf(b),
        _ => f64::NAN,
    }
}

fn event_name(op: BinOp) -> &'static [u8] {
    match op {
        BinOp::Add => b"__add",
        BinOp::Sub => b"__sub",
        BinOp::Mul => b"__mul",
        BinOp::Div => b"__div",
        BinOp::Mod => b"__mod",
        BinOp::Pow => b"__pow",
        BinOp::Concat => b"__concat",
        _ => b"",
    }
}

impl Interp {
    /// Suspends the task (out of fuel), remembering the line for `Lua::location`.
    #[inline(never)]
    async fn pause(&self, line: u32) {
        if line != 0 {
            self.set_line(line);
        }
        Yield(false).await;
    }

    /// True when the Rust stack below `resume` is nearly used up (deep library recursion).
    pub fn stack_low(&self) -> bool {
        stack_addr().abs_diff(self.st.stack_base.get()) > STACK_LIMIT + STACK_LIMIT / 4
    }

    /// A fuel check point for library loops (sort): suspends when the fuel is used up.
    pub async fn tick(&self) {
        tick!(self);
    }

    pub fn new_coroutine(&self, f: Value) -> Rc<CoState> {
        Rc::new(CoState {
            f,
            fut: super::shared::MutCell::new(None),
            status: Cell::new(CoStatus::Suspended),
            started: Cell::new(false),
            me: RefCell::new(super::shared::Weak::new()),
        })
    }

    /// Resumes a coroutine: Ok(yielded or returned values) or Err(error value).
    pub async fn co_resume(&self, cs: &Rc<CoState>, args: Vec<Value>) -> Result<Vec<Value>, Value> {
        match cs.status.get() {
            CoStatus::Dead => return Err(Value::from("cannot resume dead coroutine")),
            CoStatus::Running => return Err(Value::from("cannot resume non-suspended coroutine")),
            CoStatus::Suspended => {}
        }
        if !cs.started.get() {
            cs.started.set(true);
            let st = self.st.clone();
            let f = cs.f.clone();
            let me = cs.me.borrow().clone();
            let fut: CoFuture = Box::pin(async move {
                let it = Interp {
                    st,
                    frames: Rc::new(RefCell::new(Vec::new())),
                    depth: super::shared::U32Cell::new(0),
                    ccalls: super::shared::U32Cell::new(0),
                    co: Some(me),
                };
                it.call(f, args).await
            });
            *cs.fut.borrow_mut() = Some(fut);
        } else {
            *self.st.co_transfer.borrow_mut() = Some(args);
        }
        cs.status.set(CoStatus::Running);
        match (CoPoll(cs.clone(), self.st.clone())).await {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Ok(Vec::new()),
            Err(e) => {
                cs.status.set(CoStatus::Dead);
                *cs.fut.borrow_mut() = None;
                Err(e.value)
            }
        }
    }

    pub async fn co_yield(&self, vals: Vec<Value>) -> R<Vec<Value>> {
        if self.co.is_none() || self.ccalls.get() > 0 {
            return Err(LuaError::msg("attempt to yield across metamethod/C-call boundary"));
        }
        *self.st.co_yield.borrow_mut() = Some(vals);
        Ok(CoYieldFut(self.st.clone(), false).await)
    }

    pub fn new_table(&self) -> TableRef {
        TableRef(Rc::new(RefCell::new(Table::default())))
    }

    /// "chunk:line:" of the Lua function `level` levels up (1 = innermost), or "".
    /// Lua's luaL_where: level 0 is the running function, 1 its caller; "" for library
    /// functions.
    pub fn where_(&self, level: usize) -> String {
        let fr = self.frames.borrow();
        if level >= fr.len() {
            return String::new();
        }
        let (c, l) = &fr[fr.len() - 1 - level];
        if c.is_empty() {
            return String::new();
        }
        format!("{c}:{l}: ")
    }

    fn caller_is_c(&self) -> bool {
        let fr = self.frames.borrow();
        fr.len() < 2 || fr[fr.len() - 2].0.is_empty()
    }

    pub fn set_line(&self, line: u32) {
        if let Some(f) = self.frames.borrow_mut().last_mut() {
            f.1 = line;
        }
    }

    fn rt_err(&self, line: u32, msg: &str) -> LuaError {
        let chunk = self.frames.borrow().last().map(|f| f.0.clone()).unwrap_or_else(|| Rc::from(""));
        if chunk.is_empty() {
            return LuaError::new(Value::from(msg));
        }
        let mut e = LuaError::new(Value::from(format!("{chunk}:{line}: {msg}").into_bytes()));
        e.location = Some((chunk.to_string(), line));
        e
    }

    /// A runtime error at the running function's current line (none in library functions).
    fn here_err(&self, msg: &str) -> LuaError {
        LuaError::new(Value::from(format!("{}{}", self.where_(0), msg).into_bytes()))
    }

    /// Converts a library error to a Lua error at the current position.
    pub fn nerr(&self, e: NErr) -> LuaError {
        match e {
            NErr::Lua(l) => l,
            NErr::Msg(mut m) => {
                if self.caller_is_c() && m.starts_with("bad argument #") {
                    if let Some(a) = m.find(" to '") {
                        if let Some(b) = m[a + 5..].find('\'') {
                            m.replace_range(a + 5..a + 5 + b, "?");
                        }
                    }
                }
                LuaError::new(Value::from(format!("{}{}", self.where_(1), m).into_bytes()))
            }
        }
    }

    pub fn metatable(&self, v: &Value) -> Option<TableRef> {
        match v {
            Value::Table(t) => t.0.borrow().meta.clone(),
            Value::Str(_) => self.st.string_meta.borrow().clone(),
            _ => None,
        }
    }

    pub fn metamethod(&self, v: &Value, name: &[u8]) -> Value {
        match self.metatable(v) {
            Some(m) => m.0.borrow().get_str(name),
            None => Value::Nil,
        }
    }

    fn describe(&self, f: &Frame, e: &Expr) -> String {
        match e {
            Expr::Global(n, _) => format!("global '{}'", String::from_utf8_lossy(n)),
            Expr::Local(s) => match f.proto.slot_names.get(*s) {
                Some(n) => format!("local '{}'", String::from_utf8_lossy(n)),
                None => String::new(),
            },
            Expr::Upval(i) => match f.proto.upval_names.get(*i) {
                Some(n) => format!("upvalue '{}'", String::from_utf8_lossy(n)),
                None => String::new(),
            },
            Expr::Index(_, k, _) => match &**k {
                Expr::Str(s) => format!("field '{}'", String::from_utf8_lossy(s)),
                _ => String::new(),
            },
            _ => String::new(),
        }
    }

    fn type_err(&self, f: &Frame, e: Option<&Expr>, v: &Value, op: &str, line: u32) -> LuaError {
        let d = e.map(|e| self.describe(f, e)).unwrap_or_default();
        if d.is_empty() {
            self.rt_err(line, &format!("attempt to {op} a {} value", v.type_name()))
        } else {
            self.rt_err(line, &format!("attempt to {op} {d} (a {} value)", v.type_name()))
        }
    }

    // ---------- locals ----------

    fn get_local(f: &Frame, i: usize) -> Value {
        match f.slots.get(i) {
            Some(Slot::Val(v)) => v.clone(),
            Some(Slot::Cell(c)) => c.borrow().clone(),
            None => Value::Nil,
        }
    }

    fn set_local(f: &mut Frame, i: usize, v: Value) {
        match f.slots.get_mut(i) {
            Some(Slot::Val(x)) => *x = v,
            Some(Slot::Cell(c)) => *c.borrow_mut() = v,
            None => {}
        }
    }

    fn decl_local(f: &mut Frame, i: usize, v: Value) {
        let cap = f.proto.captured.get(i).copied().unwrap_or(false);
        if let Some(s) = f.slots.get_mut(i) {
            *s = if cap { Slot::Cell(Rc::new(RefCell::new(v))) } else { Slot::Val(v) };
        }
    }

    fn upval(f: &Frame, i: usize) -> Option<&Rc<RefCell<Value>>> {
        match &*f.func.0 {
            Function::Lua { upvals, .. } => upvals.get(i),
            _ => None,
        }
    }

    fn make_closure(f: &mut Frame, p: &Rc<Proto>) -> Value {
        let mut ups = Vec::with_capacity(p.upvals.len());
        for u in &p.upvals {
            let c = match u {
                UpSrc::Local(s) => match f.slots.get_mut(*s) {
                    Some(slot) => {
                        if let Slot::Val(v) = slot {
                            let c = Rc::new(RefCell::new(std::mem::take(v)));
                            *slot = Slot::Cell(c);
                        }
                        match slot {
                            Slot::Cell(c) => c.clone(),
                            Slot::Val(_) => Rc::new(RefCell::new(Value::Nil)),
                        }
                    }
                    None => Rc::new(RefCell::new(Value::Nil)),
                },
                UpSrc::Up(i) => match Self::upval(f, *i) {
                    Some(c) => c.clone(),
                    None => Rc::new(RefCell::new(Value::Nil)),
                },
            };
            ups.push(c);
        }
        Value::Func(FuncRef(Rc::new(Function::Lua { proto: p.clone(), upvals: ups })))
    }

    // ---------- fast synchronous expressions ----------

    /// Evaluates a call-free expression without suspending; None means "needs the async path"
    /// (a call or a metamethod function is involved). Only side-effect-free work is done
    /// before returning None, so the async path may start over.
    fn fast(&self, f: &mut Frame, e: &Expr) -> Option<R<Value>> {
        Some(Ok(match e {
            Expr::Nil => Value::Nil,
            Expr::True => Value::Bool(true),
            Expr::False => Value::Bool(false),
            Expr::Num(n) => Value::Num(*n),
            Expr::Str(s) => Value::Str(s.clone()),
            Expr::Local(i) => Self::get_local(f, *i),
            Expr::Upval(i) => match Self::upval(f, *i) {
                Some(c) => c.borrow().clone(),
                None => Value::Nil,
            },
            Expr::Vararg => f.varargs.first().cloned().unwrap_or(Value::Nil),
            Expr::Paren(x) => return self.fast(f, x),
            Expr::Func(p) => Self::make_closure(f, p),
            Expr::Global(name, line) => return self.global_fast(name, *line),
            Expr::Index(o, k, line) => {
                let ov = match self.fast(f, o)? {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                let kv = match self.fast(f, k)? {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                return self.index_fast(f, Some(o), ov, kv, *line);
            }
            Expr::Bin(op, a, b, line) => {
                let av = match self.fast(f, a)? {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                let bv = match self.fast(f, b)? {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                return self.bin_fast(f, *op, a, b, av, bv, *line);
            }
            Expr::And(a, b) => {
                let av = match self.fast(f, a)? {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                if !av.truthy() {
                    av
                } else {
                    return self.fast(f, b);
                }
            }
            Expr::Or(a, b) => {
                let av = match self.fast(f, a)? {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                if av.truthy() {
                    av
                } else {
                    return self.fast(f, b);
                }
            }
            Expr::Not(a) => match self.fast(f, a)? {
                Ok(v) => Value::Bool(!v.truthy()),
                Err(e) => return Some(Err(e)),
            },
            Expr::Neg(a, line) => {
                let v = match self.fast(f, a)? {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                match to_num(&v) {
                    Some(n) => Value::Num(-n),
                    None => {
                        if !self.metamethod(&v, b"__unm").is_nil() {
                            return None;
                        }
                        return Some(Err(self.type_err(f, Some(a), &v, "perform arithmetic on", *line)));
                    }
                }
            }
            Expr::Len(a, line) => {
                let v = match self.fast(f, a)? {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                };
                match &v {
                    Value::Str(s) => Value::Num(s.len() as f64),
                    Value::Table(t) => Value::Num(t.0.borrow().len() as f64),
                    _ => return Some(Err(self.type_err(f, Some(a), &v, "get length of", *line))),
                }
            }
            Expr::Call(..) | Expr::Method(..) | Expr::Table(..) => return None,
        }))
    }

    fn global_fast(&self, name: &Rc<[u8]>, line: u32) -> Option<R<Value>> {
        let g = self.st.globals.0.borrow();
        let v = g.get_str(name);
        if !v.is_nil() {
            return Some(Ok(v));
        }
        if let Some(m) = &g.meta {
            if !m.0.borrow().get_str(b"__index").is_nil() {
                return None;
            }
        }
        if g.readonly {
            return Some(Err(self.rt_err(
                line,
                &format!("Script attempted to access nonexistent global variable '{}'", String::from_utf8_lossy(name)),
            )));
        }
        Some(Ok(Value::Nil))
    }

    fn index_fast(&self, f: &Frame, oe: Option<&Expr>, o: Value, k: Value, line: u32) -> Option<R<Value>> {
        let mut cur = o;
        for _ in 0..100 {
            let h = match &cur {
                Value::Table(t) => {
                    let tb = t.0.borrow();
                    let v = tb.get(&k);
                    if !v.is_nil() {
                        return Some(Ok(v));
                    }
                    let h = match &tb.meta {
                        None => Value::Nil,
                        Some(m) => m.0.borrow().get_str(b"__index"),
                    };
                    if h.is_nil() {
                        if tb.readonly && t.ptr_eq(&self.st.globals) {
                            let name = match &k {
                                Value::Str(s) => String::from_utf8_lossy(s).into_owned(),
                                other => tostring_basic(other),
                            };
                            return Some(Err(self.rt_err(
                                line,
                                &format!("Script attempted to access nonexistent global variable '{name}'"),
                            )));
                        }
                        return Some(Ok(Value::Nil));
                    }
                    h
                }
                _ => {
                    let h = self.metamethod(&cur, b"__index");
                    if h.is_nil() {
                        return Some(Err(self.type_err(f, oe, &cur, "index", line)));
                    }
                    h
                }
            };
            match h {
                Value::Func(_) => return None,
                other => cur = other,
            }
        }
        Some(Err(self.rt_err(line, "loop in gettable")))
    }

    #[allow(clippy::too_many_arguments)]
    fn bin_fast(&self, f: &Frame, op: BinOp, ae: &Expr, be: &Expr, a: Value, b: Value, line: u32) -> Option<R<Value>> {
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Pow => {
                if let (Value::Num(x), Value::Num(y)) = (&a, &b) {
                    return Some(Ok(Value::Num(arith_op(op, *x, *y))));
                }
                match (to_num(&a), to_num(&b)) {
                    (Some(x), Some(y)) => Some(Ok(Value::Num(arith_op(op, x, y)))),
                    _ => {
                        let ev = event_name(op);
                        if !self.metamethod(&a, ev).is_nil() || !self.metamethod(&b, ev).is_nil() {
                            return None;
                        }
                        Some(Err(self.arith_err(f, ae, be, &a, &b, line)))
                    }
                }
            }
            BinOp::Concat => match (&a, &b) {
                (Value::Str(_) | Value::Num(_), Value::Str(_) | Value::Num(_)) => Some(self.concat2(&a, &b, line)),
                _ => {
                    if !self.metamethod(&a, b"__concat").is_nil() || !self.metamethod(&b, b"__concat").is_nil() {
                        return None;
                    }
                    let (e, v) = if matches!(a, Value::Str(_) | Value::Num(_)) { (be, &b) } else { (ae, &a) };
                    Some(Err(self.type_err(f, Some(e), v, "concatenate", line)))
                }
            },
            BinOp::Eq | BinOp::Ne => {
                let eq = if a.raw_eq(&b) {
                    true
                } else if let (Value::Table(_), Value::Table(_)) = (&a, &b) {
                    if self.eq_handler(&a, &b).is_some() {
                        return None;
                    }
                    false
                } else {
                    false
                };
                Some(Ok(Value::Bool(if op == BinOp::Eq { eq } else { !eq })))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (x, y) = if matches!(op, BinOp::Gt | BinOp::Ge) { (&b, &a) } else { (&a, &b) };
                let le = matches!(op, BinOp::Le | BinOp::Ge);
                match (x, y) {
                    (Value::Num(p), Value::Num(q)) => Some(Ok(Value::Bool(if le { p <= q } else { p < q }))),
                    (Value::Str(p), Value::Str(q)) => Some(Ok(Value::Bool(if le { p <= q } else { p < q }))),
                    _ => {
                        if x.type_name() == y.type_name() {
                            let name: &[u8] = if le { b"__le" } else { b"__lt" };
                            if self.comp_handler(x, y, name).is_some()
                                || (le && self.comp_handler(x, y, b"__lt").is_some())
                            {
                                return None;
                            }
                        }
                        Some(Err(self.order_err(x, y, line)))
                    }
                }
            }
        }
    }

    fn arith_err(&self, f: &Frame, ae: &Expr, be: &Expr, a: &Value, b: &Value, line: u32) -> LuaError {
        if to_num(a).is_some() {
            self.type_err(f, Some(be), b, "perform arithmetic on", line)
        } else {
            self.type_err(f, Some(ae), a, "perform arithmetic on", line)
        }
    }

    fn order_err(&self, x: &Value, y: &Value, line: u32) -> LuaError {
        let (t1, t2) = (x.type_name(), y.type_name());
        if t1 == t2 {
            self.rt_err(line, &format!("attempt to compare two {t1} values"))
        } else {
            self.rt_err(line, &format!("attempt to compare {t1} with {t2}"))
        }
    }

    fn concat2(&self, a: &Value, b: &Value, line: u32) -> R<Value> {
        let (Some(x), Some(y)) = (to_str_bytes(a), to_str_bytes(b)) else {
            return Err(self.rt_err(line, "attempt to concatenate a nil value"));
        };
        if x.len() + y.len() > MAX_STR {
            return Err(self.rt_err(line, "string length overflow"));
        }
        let mut v = Vec::with_capacity(x.len() + y.len());
        v.extend_from_slice(&x);
        v.extend_from_slice(&y);
        Ok(Value::from(v))
    }

    fn eq_handler(&self, a: &Value, b: &Value) -> Option<Value> {
        let m1 = self.metamethod(a, b"__eq");
        if m1.is_nil() {
            return None;
        }
        let m2 = self.metamethod(b, b"__eq");
        if m1.raw_eq(&m2) {
            Some(m1)
        } else {
            None
        }
    }

    fn comp_handler(&self, a: &Value, b: &Value, name: &[u8]) -> Option<Value> {
        let m1 = self.metamethod(a, name);
        if m1.is_nil() {
            return None;
        }
        let m2 = self.metamethod(b, name);
        if m1.raw_eq(&m2) {
            Some(m1)
        } else {
            None
        }
    }

    // ---------- async operations with metamethods ----------

    pub fn index<'a>(&'a self, o: Value, k: Value, line: u32) -> LBF<'a, R<Value>> {
        Box::pin(async move {
            let mut cur = o;
            for _ in 0..100 {
                let h = match &cur {
                    Value::Table(t) => {
                        let tb = t.0.borrow();
                        let v = tb.get(&k);
                        if !v.is_nil() {
                            return Ok(v);
                        }
                        match &tb.meta {
                            None => return Ok(Value::Nil),
                            Some(m) => {
                                let h = m.0.borrow().get_str(b"__index");
                                if h.is_nil() {
                                    return Ok(Value::Nil);
                                }
                                h
                            }
                        }
                    }
                    _ => {
                        let h = self.metamethod(&cur, b"__index");
                        if h.is_nil() {
                            return Err(self.rt_err(line, &format!("attempt to index a {} value", cur.type_name())));
                        }
                        h
                    }
                };
                if let Value::Func(_) = h {
                    self.set_line(line);
                    let r = self.call(h, vec![cur, k]).await?;
                    return Ok(r.into_iter().next().unwrap_or(Value::Nil));
                }
                cur = h;
            }
            Err(self.rt_err(line, "loop in gettable"))
        })
    }

    pub fn set_index<'a>(&'a self, o: Value, k: Value, v: Value, line: u32, what: String) -> LBF<'a, R<()>> {
        Box::pin(async move {
            let mut cur = o;
            for _ in 0..100 {
                let h = match &cur {
                    Value::Table(t) => {
                        let h = {
                            let tb = t.0.borrow();
                            match &tb.meta {
                                None => Value::Nil,
                                Some(m) => {
                                    if tb.get(&k).is_nil() {
                                        m.0.borrow().get_str(b"__newindex")
                                    } else {
                                        Value::Nil
                                    }
                                }
                            }
                        };
                        if h.is_nil() {
                            return self.raw_set_checked(t, k, v, line);
                        }
                        h
                    }
                    _ => {
                        let h = self.metamethod(&cur, b"__newindex");
                        if h.is_nil() {
                            if what.is_empty() {
                                return Err(self.rt_err(line, &format!("attempt to index a {} value", cur.type_name())));
                            }
                            return Err(
                                self.rt_err(line, &format!("attempt to index {what} (a {} value)", cur.type_name()))
                            );
                        }
                        h
                    }
                };
                if let Value::Func(_) = h {
                    self.set_line(line);
                    self.call(h, vec![cur, k, v]).await?;
                    return Ok(());
                }
                cur = h;
            }
            Err(self.rt_err(line, "loop in settable"))
        })
    }

    fn raw_set_checked(&self, t: &TableRef, k: Value, v: Value, line: u32) -> R<()> {
        let mut tb = t.0.borrow_mut();
        if tb.readonly {
            return Err(self.rt_err(line, "Attempt to modify a readonly table"));
        }
        tb.set(k, v).map_err(|m| self.rt_err(line, m))
    }

    pub async fn arith(&self, op: BinOp, a: Value, b: Value, line: u32) -> R<Value> {
        if let (Some(x), Some(y)) = (to_num(&a), to_num(&b)) {
            return Ok(Value::Num(arith_op(op, x, y)));
        }
        let ev = event_name(op);
        let mut h = self.metamethod(&a, ev);
        if h.is_nil() {
            h = self.metamethod(&b, ev);
        }
        if h.is_nil() {
            let bad = if to_num(&a).is_some() { &b } else { &a };
            return Err(self.rt_err(line, &format!("attempt to perform arithmetic on a {} value", bad.type_name())));
        }
        self.set_line(line);
        let r = self.call(h, vec![a, b]).await?;
        Ok(r.into_iter().next().unwrap_or(Value::Nil))
    }

    pub async fn concat(&self, a: Value, b: Value, line: u32) -> R<Value> {
        if matches!(a, Value::Str(_) | Value::Num(_)) && matches!(b, Value::Str(_) | Value::Num(_)) {
            return self.concat2(&a, &b, line);
        }
        let mut h = self.metamethod(&a, b"__concat");
        if h.is_nil() {
            h = self.metamethod(&b, b"__concat");
        }
        if h.is_nil() {
            let bad = if matches!(a, Value::Str(_) | Value::Num(_)) { &b } else { &a };
            return Err(self.rt_err(line, &format!("attempt to concatenate a {} value", bad.type_name())));
        }
        self.set_line(line);
        let r = self.call(h, vec![a, b]).await?;
        Ok(r.into_iter().next().unwrap_or(Value::Nil))
    }

    pub async fn equals(&self, a: &Value, b: &Value) -> R<bool> {
        if a.raw_eq(b) {
            return Ok(true);
        }
        if let (Value::Table(_), Value::Table(_)) = (a, b) {
            if let Some(h) = self.eq_handler(a, b) {
                let r = self.call(h, vec![a.clone(), b.clone()]).await?;
                return Ok(r.first().map(|v| v.truthy()).unwrap_or(false));
            }
        }
        Ok(false)
    }

    /// a < b (le=false) or a <= b (le=true), with metamethods.
    pub async fn less(&self, a: &Value, b: &Value, le: bool, line: u32) -> R<bool> {
        match (a, b) {
            (Value::Num(p), Value::Num(q)) => return Ok(if le { p <= q } else { p < q }),
            (Value::Str(p), Value::Str(q)) => return Ok(if le { p <= q } else { p < q }),
            _ => {}
        }
        if a.type_name() == b.type_name() {
            if line != 0 {
                self.set_line(line);
            }
            let name: &[u8] = if le { b"__le" } else { b"__lt" };
            if let Some(h) = self.comp_handler(a, b, name) {
                let r = self.call(h, vec![a.clone(), b.clone()]).await?;
                return Ok(r.first().map(|v| v.truthy()).unwrap_or(false));
            }
            if le {
                if let Some(h) = self.comp_handler(b, a, b"__lt") {
                    let r = self.call(h, vec![b.clone(), a.clone()]).await?;
                    return Ok(!r.first().map(|v| v.truthy()).unwrap_or(false));
                }
            }
        }
        Err(self.order_err(a, b, line))
    }

    pub async fn tostring(&self, v: Value) -> R<Value> {
        let h = self.metamethod(&v, b"__tostring");
        if !h.is_nil() {
            let r = self.call(h, vec![v]).await?;
            // Lua 5.1 returns whatever __tostring returned
            return Ok(r.into_iter().next().unwrap_or(Value::Nil));
        }
        if let Value::Str(_) = v {
            return Ok(v);
        }
        Ok(Value::from(tostring_basic(&v).into_bytes()))
    }

    // ---------- calls ----------

    pub fn call<'a>(&'a self, f: Value, args: Vec<Value>) -> LBF<'a, R<Vec<Value>>> {
        Box::pin(self.call_inner(f, args, None))
    }

    async fn call_inner(&self, f: Value, mut args: Vec<Value>, what: Option<(String, u32)>) -> R<Vec<Value>> {
        let fr = match f {
            Value::Func(fr) => fr,
            other => {
                let h = self.metamethod(&other, b"__call");
                match h {
                    Value::Func(fr) => {
                        args.insert(0, other);
                        fr
                    }
                    _ => {
                        let line = what.as_ref().map(|w| w.1).unwrap_or(0);
                        return Err(match what {
                            Some((d, _)) if !d.is_empty() => {
                                self.rt_err(line, &format!("attempt to call {d} (a {} value)", other.type_name()))
                            }
                            Some(_) => self.rt_err(line, &format!("attempt to call a {} value", other.type_name())),
                            None => self.here_err(&format!("attempt to call a {} value", other.type_name())),
                        });
                    }
                }
            }
        };
        if self.depth.get() >= MAX_DEPTH || stack_addr().abs_diff(self.st.stack_base.get()) > STACK_LIMIT {
            // calls made by library code or metamethods are C-level calls in Lua
            return Err(self.here_err(if what.is_none() { "C stack overflow" } else { "stack overflow" }));
        }
        tick!(self);
        let boundary = what.is_none() && self.depth.get() > 0;
        if boundary {
            self.ccalls.set(self.ccalls.get() + 1);
        }
        self.depth.set(self.depth.get() + 1);
        let r = match &*fr.0 {
            Function::Lua { .. } => Box::pin(self.call_lua(fr, args)).await,
            Function::Native { f, .. } => {
                self.frames.borrow_mut().push((Rc::from(""), 0));
                let r = f(self, args).map_err(|e| self.nerr(e));
                self.frames.borrow_mut().pop();
                r
            }
            Function::Special { s, .. } => {
                self.frames.borrow_mut().push((Rc::from(""), 0));
                let r = Box::pin(super::libs::call_special(self, *s, args)).await.map_err(|e| self.nerr(e));
                self.frames.borrow_mut().pop();
                r
            }
            Function::GmatchIter { s, p, pos, last_end } => {
                self.frames.borrow_mut().push((Rc::from(""), 0));
                let r = super::libs::gmatch_next(self, s, p, pos, last_end).map_err(|e| self.nerr(e));
                self.frames.borrow_mut().pop();
                r
            }
            Function::Coroutine(_) => Err(self.here_err("attempt to call a thread value")),
            Function::CoWrap(cs) => {
                let cs = cs.clone();
                match Box::pin(self.co_resume(&cs, args)).await {
                    Ok(v) => Ok(v),
                    Err(e) => {
                        let v = match &e {
                            Value::Str(_) | Value::Num(_) => {
                                let mut w = self.where_(0).into_bytes();
                                w.extend_from_slice(&to_str_bytes(&e).unwrap_or_else(|| Rc::from(&b""[..])));
                                Value::from(w)
                            }
                            _ => e,
                        };
                        Err(LuaError::new(v))
                    }
                }
            }
            Function::Host { id, .. } => {
                *self.st.host_req.borrow_mut() = Some((*id, args));
                *self.st.host_resp.borrow_mut() = None;
                HostWait(self.st.clone()).await
            }
        };
        self.depth.set(self.depth.get() - 1);
        if boundary {
            self.ccalls.set(self.ccalls.get() - 1);
        }
        r
    }

    async fn call_lua(&self, fr: FuncRef, args: Vec<Value>) -> R<Vec<Value>> {
        let mut fr = fr;
        let mut args = args;
        loop {
            let proto = match &*fr.0 {
                Function::Lua { proto, .. } => proto.clone(),
                _ => return self.call(Value::Func(fr), args).await,
            };
            let mut slots = Vec::with_capacity(proto.nslots);
            slots.resize_with(proto.nslots, || Slot::Val(Value::Nil));
            let mut frame = Frame { slots, varargs: Vec::new(), func: fr.clone(), proto: proto.clone() };
            let np = proto.nparams;
            if proto.is_vararg && args.len() > np {
                frame.varargs = args.split_off(np);
            }
            for (i, a) in args.into_iter().enumerate() {
                if i < np {
                    Self::decl_local(&mut frame, i, a);
                }
            }
            self.frames.borrow_mut().push((proto.chunk.clone(), proto.line));
            let mut r = self.exec_block(&mut frame, &proto.body).await;
            if let Err(e) = &mut r {
                if e.location.is_none() {
                    e.location = self.frames.borrow().last().map(|(c, l)| (c.to_string(), *l));
                }
            }
            self.frames.borrow_mut().pop();
            match r? {
                Flow::Normal | Flow::Break => return Ok(Vec::new()),
                Flow::Return(v) => return Ok(v),
                Flow::Tail(f, a) => match &f {
                    Value::Func(nf) if matches!(&*nf.0, Function::Lua { .. }) => {
                        tick!(self);
                        fr = nf.clone();
                        args = a;
                    }
                    _ => return self.call(f, a).await,
                },
            }
        }
    }

    // ---------- expressions ----------

    fn eval<'a>(&'a self, f: &'a mut Frame, e: &'a Expr) -> LBF<'a, R<Value>> {
        Box::pin(async move {
            if let Some(r) = self.fast(f, e) {
                return r;
            }
            self.eval_slow(f, e).await
        })
    }

    async fn eval_slow(&self, f: &mut Frame, e: &Expr) -> R<Value> {
        match e {
            Expr::Call(..) | Expr::Method(..) => {
                let v = Box::pin(self.eval_call(f, e)).await?;
                Ok(v.into_iter().next().unwrap_or(Value::Nil))
            }
            Expr::Paren(x) => ev!(self, f, x),
            Expr::Global(name, line) => {
                let g = Value::Table(self.st.globals.clone());
                self.index(g, Value::Str(name.clone()), *line).await
            }
            Expr::Index(o, k, line) => {
                let ov = ev!(self, f, o)?;
                let kv = ev!(self, f, k)?;
                if let Some(r) = self.index_fast(f, Some(o), ov.clone(), kv.clone(), *line) {
                    return r;
                }
                self.index(ov, kv, *line).await
            }
            Expr::Bin(op, a, b, line) => {
                let av = ev!(self, f, a)?;
                let bv = ev!(self, f, b)?;
                if let Some(r) = self.bin_fast(f, *op, a, b, av.clone(), bv.clone(), *line) {
                    return r;
                }
                Box::pin(self.bin_meta(*op, av, bv, *line)).await
            }
            Expr::And(a, b) => {
                let av = ev!(self, f, a)?;
                if !av.truthy() {
                    Ok(av)
                } else {
                    ev!(self, f, b)
                }
            }
            Expr::Or(a, b) => {
                let av = ev!(self, f, a)?;
                if av.truthy() {
                    Ok(av)
                } else {
                    ev!(self, f, b)
                }
            }
            Expr::Not(a) => Ok(Value::Bool(!ev!(self, f, a)?.truthy())),
            Expr::Neg(a, line) => {
                let v = ev!(self, f, a)?;
                if let Some(n) = to_num(&v) {
                    return Ok(Value::Num(-n));
                }
                let h = self.metamethod(&v, b"__unm");
                if h.is_nil() {
                    return Err(self.type_err(f, Some(a), &v, "perform arithmetic on", *line));
                }
                let r = self.call(h, vec![v.clone(), v]).await?;
                Ok(r.into_iter().next().unwrap_or(Value::Nil))
            }
            Expr::Len(a, line) => {
                let v = ev!(self, f, a)?;
                match &v {
                    Value::Str(s) => Ok(Value::Num(s.len() as f64)),
                    Value::Table(t) => Ok(Value::Num(t.0.borrow().len() as f64)),
                    _ => Err(self.type_err(f, Some(a), &v, "get length of", *line)),
                }
            }
            Expr::Table(items, line) => Box::pin(self.eval_table(f, items, *line)).await,
            other => match self.fast(f, other) {
                Some(r) => r,
                None => Ok(Value::Nil),
            },
        }
    }

    /// A binary operation that needs a metamethod (kept out of eval_slow's frame).
    async fn bin_meta(&self, op: BinOp, av: Value, bv: Value, line: u32) -> R<Value> {
        match op {
            BinOp::Concat => self.concat(av, bv, line).await,
            BinOp::Eq => Ok(Value::Bool(self.equals(&av, &bv).await?)),
            BinOp::Ne => Ok(Value::Bool(!self.equals(&av, &bv).await?)),
            BinOp::Lt => Ok(Value::Bool(self.less(&av, &bv, false, line).await?)),
            BinOp::Le => Ok(Value::Bool(self.less(&av, &bv, true, line).await?)),
            BinOp::Gt => Ok(Value::Bool(self.less(&bv, &av, false, line).await?)),
            BinOp::Ge => Ok(Value::Bool(self.less(&bv, &av, true, line).await?)),
            _ => self.arith(op, av, bv, line).await,
        }
    }

    async fn eval_table(&self, f: &mut Frame, items: &[TItem], line: u32) -> R<Value> {
        let mut npos = items.iter().filter(|i| matches!(i, TItem::Pos(_))).count();
        if let Some(TItem::Pos(e)) = items.last() {
            if e.is_multi() {
                npos -= 1;
            }
        }
        let nkeyed = items.iter().filter(|i| matches!(i, TItem::Kv(..))).count();
        let t = TableRef(Rc::new(RefCell::new(Table::with_capacity(
            super::table::fb_round(npos),
            super::table::fb_round(nkeyed),
        ))));
        let mut n = 0usize;
        let last = items.len().saturating_sub(1);
        for (idx, it) in items.iter().enumerate() {
            match it {
                TItem::Pos(e) => {
                    if idx == last && e.is_multi() {
                        let vs = self.eval_multi(f, e).await?;
                        let mut tb = t.0.borrow_mut();
                        let end = n + vs.len();
                        if end > tb.arr.len() {
                            tb.resize_array(end).map_err(|m| self.rt_err(line, m))?;
                        }
                        for v in vs {
                            n += 1;
                            tb.set(Value::Num(n as f64), v).map_err(|m| self.rt_err(line, m))?;
                        }
                    } else {
                        let v = ev!(self, f, e)?;
                        n += 1;
                        t.0.borrow_mut().set(Value::Num(n as f64), v).map_err(|m| self.rt_err(line, m))?;
                    }
                }
                TItem::Kv(k, v) => {
                    let kv = ev!(self, f, k)?;
                    let vv = ev!(self, f, v)?;
                    t.0.borrow_mut().set(kv, vv).map_err(|m| self.rt_err(line, m))?;
                }
            }
        }
        Ok(Value::Table(t))
    }

    /// All values of a multi-valued expression (call or `...`); one value otherwise.
    fn eval_multi<'a>(&'a self, f: &'a mut Frame, e: &'a Expr) -> LBF<'a, R<Vec<Value>>> {
        Box::pin(async move {
            match e {
                Expr::Vararg => Ok(f.varargs.clone()),
                Expr::Call(..) | Expr::Method(..) => self.eval_call(f, e).await,
                _ => Ok(vec![ev!(self, f, e)?]),
            }
        })
    }

    async fn eval_list(&self, f: &mut Frame, es: &[Expr]) -> R<Vec<Value>> {
        let mut out = Vec::with_capacity(es.len());
        for (i, e) in es.iter().enumerate() {
            if i + 1 == es.len() && e.is_multi() {
                let vs = self.eval_multi(f, e).await?;
                out.extend(vs);
            } else {
                out.push(ev!(self, f, e)?);
            }
        }
        Ok(out)
    }

    /// Evaluates the callee and arguments of a call expression.
    async fn prep_call(&self, f: &mut Frame, e: &Expr) -> R<(Value, Vec<Value>, String, u32)> {
        match e {
            Expr::Call(fe, args, line) => {
                let fv = ev!(self, f, fe)?;
                let av = Box::pin(self.eval_list(f, args)).await?;
                let d = if matches!(fv, Value::Func(_)) { String::new() } else { self.describe(f, fe) };
                Ok((fv, av, d, *line))
            }
            Expr::Method(oe, name, args, line) => {
                let ov = ev!(self, f, oe)?;
                let k = Value::Str(name.clone());
                let fv = match self.index_fast(f, Some(oe), ov.clone(), k.clone(), *line) {
                    Some(r) => r?,
                    None => self.index(ov.clone(), k, *line).await?,
                };
                let mut av = Vec::with_capacity(args.len() + 1);
                av.push(ov);
                av.extend(Box::pin(self.eval_list(f, args)).await?);
                let d = format!("method '{}'", String::from_utf8_lossy(name));
                Ok((fv, av, d, *line))
            }
            _ => Ok((Value::Nil, Vec::new(), String::new(), 0)),
        }
    }

    async fn eval_call(&self, f: &mut Frame, e: &Expr) -> R<Vec<Value>> {
        let (fv, av, d, line) = Box::pin(self.prep_call(f, e)).await?;
        self.set_line(line);
        Box::pin(self.call_inner(fv, av, Some((d, line)))).await
    }

    // ---------- statements ----------

    fn exec_block<'a>(&'a self, f: &'a mut Frame, b: &'a [Stat]) -> LBF<'a, R<Flow>> {
        Box::pin(async move {
            for s in b {
                tick!(self, stat_line(s));
                match Box::pin(self.exec(f, s)).await? {
                    Flow::Normal => {}
                    other => return Ok(other),
                }
            }
            Ok(Flow::Normal)
        })
    }

    async fn assign(&self, f: &mut Frame, target: &Expr, v: Value, sline: u32) -> R<()> {
        match target {
            Expr::Local(i) => Self::set_local(f, *i, v),
            Expr::Upval(i) => {
                if let Some(c) = Self::upval(f, *i) {
                    *c.borrow_mut() = v;
                }
            }
            Expr::Global(name, _) => {
                let line = &sline;
                let g = self.st.globals.clone();
                let fast = {
                    let tb = g.0.borrow();
                    tb.meta.is_none() && !tb.readonly
                };
                if fast {
                    g.0.borrow_mut().set(Value::Str(name.clone()), v).map_err(|m| self.rt_err(*line, m))?;
                } else {
                    self.set_index(Value::Table(g), Value::Str(name.clone()), v, *line, String::new()).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn exec(&self, f: &mut Frame, s: &Stat) -> R<Flow> {
        match s {
            Stat::Expr(e, _) => {
                self.eval_call(f, e).await?;
            }
            Stat::Local(slots, exprs, _) => {
                if slots.len() == 1 && exprs.len() == 1 && !exprs[0].is_multi() {
                    let v = ev!(self, f, &exprs[0])?;
                    Self::decl_local(f, slots[0], v);
                } else {
                    let vs = Box::pin(self.eval_list(f, exprs)).await?;
                    let mut it = vs.into_iter();
                    for s in slots {
                        Self::decl_local(f, *s, it.next().unwrap_or(Value::Nil));
                    }
                }
            }
            Stat::LocalFunc(slot, p, _) => {
                Self::decl_local(f, *slot, Value::Nil);
                let c = Self::make_closure(f, p);
                Self::set_local(f, *slot, c);
            }
            Stat::Assign(targets, exprs, line) => {
                if targets.len() == 1 && exprs.len() == 1 {
                    match &targets[0] {
                        Expr::Index(o, k, _) => {
                            let ov = ev!(self, f, o)?;
                            let kv = ev!(self, f, k)?;
                            let v = ev!(self, f, &exprs[0])?;
                            Box::pin(self.store(f, o, ov, kv, v, *line)).await?;
                        }
                        t => {
                            let v = ev!(self, f, &exprs[0])?;
                            Box::pin(self.assign(f, t, v, *line)).await?;
                        }
                    }
                } else {
                    // Evaluate table and key operands first, then the values, then assign.
                    let mut places = Vec::with_capacity(targets.len());
                    for t in targets {
                        if let Expr::Index(o, k, _) = t {
                            let ov = ev!(self, f, o)?;
                            let kv = ev!(self, f, k)?;
                            places.push(Some((ov, kv)));
                        } else {
                            places.push(None);
                        }
                    }
                    let mut vs = Box::pin(self.eval_list(f, exprs)).await?;
                    vs.resize(targets.len(), Value::Nil);
                    for (i, t) in targets.iter().enumerate().rev() {
                        let v = std::mem::take(&mut vs[i]);
                        match (t, places[i].take()) {
                            (Expr::Index(o, _, _), Some((ov, kv))) => {
                                Box::pin(self.store(f, o, ov, kv, v, *line)).await?
                            }
                            (t, _) => Box::pin(self.assign(f, t, v, *line)).await?,
                        }
                    }
                }
                let _ = line;
            }
            Stat::Do(b) => return self.exec_block(f, b).await,
            Stat::If(arms, els, _) => {
                for (c, b) in arms {
                    if ev!(self, f, c)?.truthy() {
                        return self.exec_block(f, b).await;
                    }
                }
                if let Some(b) = els {
                    return self.exec_block(f, b).await;
                }
            }
            Stat::While(..) | Stat::Repeat(..) | Stat::NumFor(..) | Stat::GenFor(..) => {
                // loops run in their own boxed future so this function's frame stays small
                return Box::pin(self.exec_loop(f, s)).await;
            }
            Stat::Return(exprs, line) => {
                if exprs.len() == 1 {
                    if let e @ (Expr::Call(..) | Expr::Method(..)) = &exprs[0] {
                        let (fv, av, d, l) = Box::pin(self.prep_call(f, e)).await?;
                        self.set_line(l);
                        if let Value::Func(fr) = &fv {
                            if matches!(&*fr.0, Function::Lua { .. }) {
                                return Ok(Flow::Tail(fv, av));
                            }
                        }
                        let r = Box::pin(self.call_inner(fv, av, Some((d, l)))).await?;
                        return Ok(Flow::Return(r));
                    }
                    let v = ev!(self, f, &exprs[0])?;
                    return Ok(Flow::Return(vec![v]));
                }
                let _ = line;
                return Ok(Flow::Return(Box::pin(self.eval_list(f, exprs)).await?));
            }
            Stat::Break(_) => return Ok(Flow::Break),
        }
        Ok(Flow::Normal)
    }

    async fn exec_loop(&self, f: &mut Frame, s: &Stat) -> R<Flow> {
        match s {
            Stat::While(c, b, line) => loop {
                tick!(self, *line);
                let cv = ev!(self, f, c)?;
                if !cv.truthy() {
                    break;
                }
                match self.exec_block(f, b).await? {
                    Flow::Normal => {}
                    Flow::Break => break,
                    other => return Ok(other),
                }
            },
            Stat::Repeat(b, c, _) => loop {
                match self.exec_block(f, b).await? {
                    Flow::Normal => {}
                    Flow::Break => break,
                    other => return Ok(other),
                }
                tick!(self);
                if ev!(self, f, c)?.truthy() {
                    break;
                }
            },
            Stat::NumFor(var, start, limit, step, body, line) => {
                let sv = ev!(self, f, start)?;
                let lv = ev!(self, f, limit)?;
                let stv = match step {
                    Some(e) => ev!(self, f, e)?,
                    None => Value::Num(1.0),
                };
                let Some(mut i) = to_num(&sv) else {
                    return Err(self.rt_err(*line, "'for' initial value must be a number"));
                };
                let Some(lim) = to_num(&lv) else {
                    return Err(self.rt_err(*line, "'for' limit must be a number"));
                };
                let Some(st) = to_num(&stv) else {
                    return Err(self.rt_err(*line, "'for' step must be a number"));
                };
                while (st > 0.0 && i <= lim) || (st <= 0.0 && i >= lim) {
                    tick!(self, *line);
                    Self::decl_local(f, *var, Value::Num(i));
                    match self.exec_block(f, body).await? {
                        Flow::Normal => {}
                        Flow::Break => break,
                        other => return Ok(other),
                    }
                    i += st;
                }
            }
            Stat::GenFor(vars, exprs, body, line) => {
                let mut vs = Box::pin(self.eval_list(f, exprs)).await?.into_iter();
                let func = vs.next().unwrap_or(Value::Nil);
                let state = vs.next().unwrap_or(Value::Nil);
                let mut ctl = vs.next().unwrap_or(Value::Nil);
                let is_next = self.st.next_fn.borrow().as_ref().map(|n| n.raw_eq(&func)).unwrap_or(false);
                loop {
                    tick!(self, *line);
                    let rs = if is_next {
                        match &state {
                            Value::Table(t) => {
                                let r = t.0.borrow().next(&ctl);
                                match r {
                                    Ok(Some((k, v))) => vec![k, v],
                                    Ok(None) => vec![Value::Nil],
                                    Err(()) => return Err(self.rt_err(*line, "invalid key to 'next'")),
                                }
                            }
                            _ => self.call(func.clone(), vec![state.clone(), ctl.clone()]).await?,
                        }
                    } else {
                        self.set_line(*line);
                        self.call_inner(func.clone(), vec![state.clone(), ctl.clone()], Some((String::new(), *line)))
                            .await?
                    };
                    let first = rs.first().cloned().unwrap_or(Value::Nil);
                    if first.is_nil() {
                        break;
                    }
                    ctl = first;
                    let mut it = rs.into_iter();
                    for v in vars {
                        Self::decl_local(f, *v, it.next().unwrap_or(Value::Nil));
                    }
                    match self.exec_block(f, body).await? {
                        Flow::Normal => {}
                        Flow::Break => break,
                        other => return Ok(other),
                    }
                }
            }
            _ => {}
        }
        Ok(Flow::Normal)
    }

    async fn store(&self, f: &mut Frame, oe: &Expr, ov: Value, kv: Value, v: Value, line: u32) -> R<()> {
        if let Value::Table(t) = &ov {
            let simple = {
                let tb = t.0.borrow();
                tb.meta.is_none() && !tb.readonly
            };
            if simple {
                return t.0.borrow_mut().set(kv, v).map_err(|m| self.rt_err(line, m));
            }
        }
        let d = self.describe(f, oe);
        self.set_index(ov, kv, v, line, d).await
    }
}

/// tostring without metamethods.
pub fn tostring_basic(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Num(n) => number_to_string(*n),
        Value::Str(s) => String::from_utf8_lossy(s).into_owned(),
        Value::Table(t) => format!("table: 0x{:08x}", t.addr()),
        Value::Func(f) => match &*f.0 {
            Function::Coroutine(c) => format!("thread: 0x{:08x}", Rc::as_ptr(c) as *const u8 as usize),
            _ => format!("function: 0x{:08x}", f.addr()),
        },
    }
}

#[cfg(test)]
pub fn future_sizes() {
    let st = Rc::new(State::new(1));
    let it = Interp {
        st,
        frames: Rc::new(RefCell::new(Vec::new())),
        depth: super::shared::U32Cell::new(0),
        ccalls: super::shared::U32Cell::new(0),
        co: None,
    };
    let p = match super::parse::parse_chunk(b"return 1", "x") {
        Ok(p) => p,
        Err(_) => return,
    };
    let fr = FuncRef(Rc::new(Function::Lua { proto: p.clone(), upvals: Vec::new() }));
    let mut frame = Frame { slots: Vec::new(), varargs: Vec::new(), func: fr.clone(), proto: p.clone() };
    let e = Expr::Nil;
    let s = &p.body[0];
    eprintln!("call_inner {}", std::mem::size_of_val(&it.call_inner(Value::Nil, Vec::new(), None)));
    eprintln!("call_lua {}", std::mem::size_of_val(&it.call_lua(fr.clone(), Vec::new())));
    eprintln!("eval_slow {}", std::mem::size_of_val(&it.eval_slow(&mut frame, &e)));
    eprintln!("eval_call {}", std::mem::size_of_val(&it.eval_call(&mut frame, &e)));
    eprintln!("prep_call {}", std::mem::size_of_val(&it.prep_call(&mut frame, &e)));
    eprintln!("eval_list {}", std::mem::size_of_val(&it.eval_list(&mut frame, &[])));
    eprintln!("exec {}", std::mem::size_of_val(&it.exec(&mut frame, s)));
    eprintln!("store {}", std::mem::size_of_val(&it.store(&mut frame, &e, Value::Nil, Value::Nil, Value::Nil, 0)));
    eprintln!("arith {}", std::mem::size_of_val(&it.arith(BinOp::Add, Value::Nil, Value::Nil, 0)));
    eprintln!("less {}", std::mem::size_of_val(&it.less(&Value::Nil, &Value::Nil, false, 0)));
    eprintln!("special {}", std::mem::size_of_val(&super::libs::call_special(&it, Special::Pcall, Vec::new())));
}

/// The line a statement starts on (for fuel stops).
fn stat_line(s: &Stat) -> u32 {
    match s {
        Stat::Expr(_, l)
        | Stat::Local(_, _, l)
        | Stat::Assign(_, _, l)
        | Stat::While(_, _, l)
        | Stat::Repeat(_, _, l)
        | Stat::If(_, _, l)
        | Stat::NumFor(_, _, _, _, _, l)
        | Stat::GenFor(_, _, _, l)
        | Stat::LocalFunc(_, _, l)
        | Stat::Return(_, l)
        | Stat::Break(l) => *l,
        Stat::Do(b) => b.first().map(stat_line).unwrap_or(0),
    }
}
