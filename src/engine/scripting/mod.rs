//! Scripting: EVAL scripts and FUNCTION libraries, run on the engine's own Lua 5.1 interpreter
//! (`engine::lua`), with Redis 7.0's `redis` API, conversions and error texts.
//!
//! Two Lua states, as in Redis: one for EVAL (its script cache is a table of compiled chunks by
//! SHA-1; SCRIPT FLUSH throws the whole state away) and one for function libraries. Both are
//! built lazily, with the `redis` table of host functions, Redis's `pcall` wrapper, and every
//! table reachable from `_G` made read-only (writing a global or a library field errors, and
//! reading an undeclared global errors, as Redis 7.0's global protection does).
//!
//! **Atomicity.** A script runs with `Lua::resume` in fuel slices. `EVAL` runs it synchronously
//! for up to [`CALL_FUEL`]; if it has not finished, the caller is *parked* (its reply withheld,
//! like a blocked client; `Engine::is_blocked` is true for it) and `Engine::tick` continues it
//! in further slices. Until it finishes nothing else touches the data: other clients' commands
//! are *held* (queued, their reply withheld) until `busy-reply-threshold` milliseconds of
//! engine time have passed since the script started; from then on they get Redis's BUSY error,
//! except commands flagged `allow_busy` (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, ...).
//! When the script ends its reply is pushed to its client and the held commands run in order.
//! SCRIPT/FUNCTION KILL stops a script that has not written (else `UNKILLABLE`); a hard limit
//! ([`HARD_FUEL`] steps or [`HARD_MS`] of engine time) stops any script, so a browser tab can
//! never hang. Inside MULTI/EXEC a script runs to completion at once (up to the hard limit).

pub mod convert;
pub mod function;
pub mod sha1;

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::blocking::BlockMode;
use super::lua::{Host, Lua, LuaError, Resume, TableRef, Task, Value};
use super::{ClientId, Engine, RedisError, Reply};
use convert::{error_table, lua_to_reply, number_arg, reply_to_lua};

/// Fuel per `resume` call.
pub const SLICE_FUEL: u64 = 20_000;
/// Fuel (and engine time) an EVAL/FCALL runs synchronously before its client is parked.
pub const CALL_FUEL: u64 = 5_000_000;
pub const CALL_MS: i64 = 50;
/// Fuel a parked script gets per `tick`, and the engine time after which a tick stops early.
pub const TICK_FUEL: u64 = 20_000_000;
pub const TICK_MS: i64 = 40;
/// The hard limit that ends any script, killable or not: two billion steps, or one minute of
/// engine time.
pub const HARD_FUEL: u64 = 2_000_000_000;
pub const HARD_MS: i64 = 60_000;
/// Fuel and engine time a library's load code may use (Redis gives it 500 ms).
pub const LOAD_FUEL: u64 = 50_000_000;
pub const LOAD_MS: i64 = 500;

const H_CALL: u32 = 1;
const H_PCALL: u32 = 2;
const H_ERROR_REPLY: u32 = 3;
const H_STATUS_REPLY: u32 = 4;
const H_SHA1HEX: u32 = 5;
const H_LOG: u32 = 6;
const H_SETRESP: u32 = 7;
const H_SET_REPL: u32 = 8;
const H_REPLICATE: u32 = 9;
const H_BREAKPOINT: u32 = 10;
const H_DEBUG: u32 = 11;
const H_ACL_CHECK: u32 = 12;
const H_REGISTER: u32 = 13;

/// The `redis.*` host functions of both states.
const REDIS_API: &[(&str, u32)] = &[
    ("call", H_CALL),
    ("pcall", H_PCALL),
    ("error_reply", H_ERROR_REPLY),
    ("status_reply", H_STATUS_REPLY),
    ("sha1hex", H_SHA1HEX),
    ("log", H_LOG),
    ("setresp", H_SETRESP),
    ("set_repl", H_SET_REPL),
    ("replicate_commands", H_REPLICATE),
    ("breakpoint", H_BREAKPOINT),
    ("debug", H_DEBUG),
    ("acl_check_cmd", H_ACL_CHECK),
];

const REDIS_CONSTANTS: &[(&str, f64)] = &[
    ("LOG_DEBUG", 0.0),
    ("LOG_VERBOSE", 1.0),
    ("LOG_NOTICE", 2.0),
    ("LOG_WARNING", 3.0),
    ("REPL_NONE", 0.0),
    ("REPL_AOF", 1.0),
    ("REPL_SLAVE", 2.0),
    ("REPL_REPLICA", 2.0),
    ("REPL_ALL", 3.0),
    // 7.0.15 as 0x00MMmmpp.
    ("REDIS_VERSION_NUM", 458_767.0),
];

/// Redis 7.0 replaces `pcall` so that an error table with a string `err` field is caught as
/// that string (errors raised by `redis.call` are such tables).
const PCALL_WRAPPER: &[u8] = b"local rawpcall, type, rawget = pcall, type, rawget
local function fix(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == 'table' then
    local m = rawget(e, 'err')
    if type(m) == 'string' or type(m) == 'number' then e = m end
  end
  return false, e
end
pcall = function(...) return fix(rawpcall(...)) end
";

/// EVAL scripts or functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Eval,
    Function,
}

/// One registered function.
pub struct FunctionDef {
    pub name: String,
    pub description: Option<Vec<u8>>,
    pub flags: u32,
    func: Value,
}

impl FunctionDef {
    pub(crate) fn func_value(&self) -> Value {
        self.func.clone()
    }
}

/// One library: its code and its functions by name.
pub struct Library {
    pub name: String,
    pub code: Vec<u8>,
    pub functions: BTreeMap<String, FunctionDef>,
}

/// A Lua state. The functions state keeps its globals behind `_G`'s metatable, whose
/// `__index` is the full API while functions run and the library-loading API (only
/// `redis.register_function`, `redis.log` and the version fields) while library code loads,
/// as Redis 7.0's function engine does.
struct World {
    lua: Lua,
    /// For the functions state: `_G`'s metatable, the run-time API and the load-time API.
    swap: Option<(TableRef, Value, Value)>,
}

/// The script that is running (or parked).
pub(crate) struct Running {
    pub client: ClientId,
    pub kind: Kind,
    /// The SHA-1 of an EVAL script, or the function's name.
    pub name: String,
    /// The command that started it (FUNCTION STATS shows it).
    pub argv: Vec<Vec<u8>>,
    pub start_ms: i64,
    /// EVAL_RO, FCALL_RO or a `no-writes` flag: write commands are refused.
    pub read_only: bool,
    /// The `allow-oom` flag: denyoom commands run even when memory was over the limit.
    pub allow_oom: bool,
    /// A write command ran: the script cannot be killed.
    pub wrote: bool,
    /// `redis.setresp(3)` was called.
    pub resp3: bool,
    /// The script's selected database (SELECT inside a script does not leak to the caller).
    pub db: usize,
    pub caller_db: usize,
    /// The caller's reply is withheld: it will be pushed.
    pub parked: bool,
    /// Other clients' commands waiting for the script (before the BUSY threshold).
    pub held: VecDeque<(ClientId, Vec<Vec<u8>>)>,
}

/// Everything scripting keeps in the engine.
#[derive(Default)]
pub struct ScriptState {
    eval: Option<Box<World>>,
    funcs: Option<Box<World>>,
    /// EVAL's script cache: SHA-1 to body and compiled chunk.
    /// With each script its shebang flags (`None` without a shebang).
    scripts: HashMap<String, (Vec<u8>, Value, Option<u32>)>,
    pub(crate) libraries: BTreeMap<String, Library>,
    /// Function name (lower case) to library name.
    pub(crate) function_index: HashMap<String, String>,
    pub(crate) running: Option<Running>,
    task: Option<Task>,
    /// Tests shrink the budgets: (call, tick, hard) fuel instead of the constants.
    pub(crate) budgets: Option<(u64, u64, u64)>,
}

struct NoHost;
impl Host for NoHost {
    fn call(&mut self, _: &mut Lua, _: u32, _: Vec<Value>) -> Result<Vec<Value>, LuaError> {
        Ok(Vec::new())
    }
}

fn set_field(lua: &mut Lua, t: &TableRef, name: &str, v: Value) {
    let _ = lua.raw_set(t, Value::str(name.as_bytes()), v);
}

/// Makes every table reachable from `t` read-only, `t` included.
fn protect(lua: &mut Lua, t: &TableRef, seen: &mut Vec<TableRef>) {
    if seen.iter().any(|s| s.ptr_eq(t)) || seen.len() > 10_000 {
        return;
    }
    seen.push(t.clone());
    for (_, v) in convert::table_pairs(lua, t) {
        if let Value::Table(child) = v {
            protect(lua, &child, seen);
        }
    }
    lua.set_readonly(t, true);
}

/// Moves the functions state's globals behind `_G`'s metatable (see [`World`]). The argument
/// is the load-time `redis` table; returns the metatable, the run-time API and the load API.
const FUNCTION_GLOBALS: &[u8] = b"local load_redis = ...
local G, pairs, ipairs, rawset, setmetatable, error, tostring = _G, pairs, ipairs, rawset, setmetatable, error, tostring
local api, names = {}, {}
for k, v in pairs(G) do api[k] = v names[#names + 1] = k end
for _, k in ipairs(names) do rawset(G, k, nil) end
local missing = function(t, k)
  error(\"Script attempted to access nonexistent global variable '\" .. tostring(k) .. \"'\", 2)
end
setmetatable(api, {__index = missing})
setmetatable(load_redis, {__index = missing})
local load_api = setmetatable({redis = load_redis}, {__index = missing})
local mt = {__index = api}
setmetatable(G, mt)
return mt, api, load_api
";

fn new_world(seed: u64, functions: bool) -> Box<World> {
    let mut lua = Lua::new(seed);
    let g = lua.globals();
    let redis = lua.new_table();
    for (name, id) in REDIS_API {
        let f = lua.host_function(name, *id);
        set_field(&mut lua, &redis, name, f);
    }
    for (name, v) in REDIS_CONSTANTS {
        set_field(&mut lua, &redis, name, Value::Num(*v));
    }
    set_field(&mut lua, &redis, "REDIS_VERSION", Value::str(super::REDIS_VERSION.as_bytes()));
    set_field(&mut lua, &g, "redis", Value::Table(redis));
    if let Ok(f) = lua.load(PCALL_WRAPPER, "=pcall_wrapper") {
        let mut task = lua.call(f, Vec::new());
        let _ = lua.resume(&mut task, &mut NoHost, 1_000_000);
    }
    let mut swap = None;
    if functions {
        let load_redis = lua.new_table();
        for (name, id) in [("register_function", H_REGISTER), ("log", H_LOG)] {
            let f = lua.host_function(name, id);
            set_field(&mut lua, &load_redis, name, f);
        }
        for (name, v) in REDIS_CONSTANTS.iter().filter(|(n, _)| n.starts_with("LOG_") || n.starts_with("REDIS")) {
            set_field(&mut lua, &load_redis, name, Value::Num(*v));
        }
        set_field(&mut lua, &load_redis, "REDIS_VERSION", Value::str(super::REDIS_VERSION.as_bytes()));
        if let Ok(f) = lua.load(FUNCTION_GLOBALS, "=function_globals") {
            let mut task = lua.call(f, vec![Value::Table(load_redis)]);
            if let Resume::Done(Ok(v)) = lua.resume(&mut task, &mut NoHost, 1_000_000) {
                if let (Some(Value::Table(mt)), Some(api), Some(load)) = (v.first(), v.get(1), v.get(2)) {
                    swap = Some((mt.clone(), api.clone(), load.clone()));
                }
            }
        }
    }
    let mut seen = Vec::new();
    protect(&mut lua, &g, &mut seen);
    if let Some((mt, api, load)) = &swap {
        for t in [Value::Table(mt.clone()), api.clone(), load.clone()] {
            if let Value::Table(t) = t {
                protect(&mut lua, &t, &mut seen);
            }
        }
    }
    Box::new(World { lua, swap })
}

/// The `#!lua flags=...` line an EVAL script may start with: its flags (`None` without one).
pub fn eval_shebang_flags(body: &[u8]) -> Result<Option<u32>, RedisError> {
    if !body.starts_with(b"#!") {
        return Ok(None);
    }
    let end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let line = &body[..end];
    let parts = super::cli::split_args(line).unwrap_or_default();
    let engine = parts.first().map(|p| p.as_slice()).unwrap_or(b"");
    if engine != b"#!lua" {
        return Err(RedisError::err(format!(
            "Unexpected engine in script shebang: {}",
            String::from_utf8_lossy(engine)
        )));
    }
    let mut flags = 0;
    for part in &parts[1..] {
        let Some(list) = part.strip_prefix(b"flags=") else {
            return Err(RedisError::err(format!("Unknown lua shebang option: {}", String::from_utf8_lossy(part))));
        };
        for f in list.split(|&b| b == b',') {
            if f.is_empty() {
                continue;
            }
            flags |= function::flag_bit(f).ok_or_else(|| {
                RedisError::err(format!("Unexpected flag in script shebang: {}", String::from_utf8_lossy(f)))
            })?;
        }
    }
    Ok(Some(flags))
}

/// The text of a Lua value as `tostring` gives it for error messages.
fn value_text(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Num(n) => super::lua::number_to_string(*n),
        Value::Str(s) => String::from_utf8_lossy(s).into_owned(),
        other => format!("{other:?}"),
    }
}

/// Where an error happened, as Redis's error handler reports it (`@user_script:1`): the
/// interpreter's location, else a `chunk:line:` prefix of the message.
fn error_location(e: &LuaError) -> Option<(String, u32)> {
    match &e.location {
        // Our own helper chunks ("=function_globals": the missing-global guard) act as C code
        // does in Redis: the message's position, from the caller, is the one to report.
        Some((chunk, line)) if !chunk.is_empty() && !chunk.starts_with('=') => Some((at_chunk(chunk), *line)),
        _ => lua_error_location(e),
    }
}

/// Redis names chunks with a leading '@' (`@user_script`).
fn at_chunk(chunk: &str) -> String {
    if chunk.starts_with('@') {
        chunk.to_string()
    } else {
        format!("@{chunk}")
    }
}

/// Recovers a location from a `chunk:line:` prefix of a string error.
fn lua_error_location(e: &LuaError) -> Option<(String, u32)> {
    if let Value::Str(s) = &e.value {
        let text = String::from_utf8_lossy(s);
        for chunk in ["user_script", "user_function"] {
            if let Some(rest) = text.strip_prefix(&format!("{chunk}:")) {
                let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                if let Ok(line) = digits.parse() {
                    return Some((format!("@{chunk}"), line));
                }
            }
        }
    }
    None
}

/// The error reply of a failed script: `<err> script: <name>, on <source>:<line>.`
fn script_error_text(lua: &Lua, e: &LuaError, name: &str, default_source: &str) -> String {
    let msg = match &e.value {
        Value::Table(t) => match lua.raw_get(t, &Value::str(b"err")) {
            Value::Str(s) => String::from_utf8_lossy(&s).into_owned(),
            Value::Num(n) => super::lua::number_to_string(n),
            // Redis 7.0 crashes on error({}); a plain message will do.
            _ => "ERR unknown error".into(),
        },
        other => format!("ERR {}", value_text(other)),
    };
    let loc = error_location(e).unwrap_or_else(|| (default_source.to_string(), 1));
    format!("{msg} script: {name}, on {}:{}.", loc.0, loc.1).replace(['\r', '\n'], " ")
}

/// `redis.error_reply`'s table: `-CODE msg` keeps its code, a bare message gets `ERR`.
fn error_reply_text(s: &[u8]) -> String {
    let text = String::from_utf8_lossy(s);
    let body = text.strip_prefix('-').unwrap_or(&text);
    let (code, msg) = match body.split_once(' ') {
        Some((c, m)) => (c.to_string(), m.to_string()),
        None => ("ERR".to_string(), body.to_string()),
    };
    format!("{code} {}", msg.trim_matches(|c| c == '\r' || c == '\n'))
}

fn raise(lua: &mut Lua, text: &str) -> LuaError {
    LuaError::new(error_table(lua, text))
}

/// Lua's `tonumber` for host arguments (numbers and numeric strings).
fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        Value::Str(s) => super::lua::string_to_number(s),
        _ => None,
    }
}

/// The host while a script runs: `redis.call` goes through the engine's dispatcher.
struct ScriptHost<'a> {
    eng: &'a mut Engine,
}

impl Host for ScriptHost<'_> {
    fn call(&mut self, lua: &mut Lua, id: u32, args: Vec<Value>) -> Result<Vec<Value>, LuaError> {
        match id {
            H_CALL => self.eng.redis_call(lua, &args, true),
            H_PCALL => self.eng.redis_call(lua, &args, false),
            H_SETRESP => {
                if args.len() != 1 {
                    return Err(raise(lua, "ERR redis.setresp() requires one argument."));
                }
                let v = to_number(&args[0]).unwrap_or(0.0);
                if v != 2.0 && v != 3.0 {
                    return Err(raise(lua, "ERR RESP version must be 2 or 3."));
                }
                if let Some(r) = self.eng.scripting.running.as_mut() {
                    r.resp3 = v == 3.0;
                }
                Ok(Vec::new())
            }
            H_ACL_CHECK => {
                let argv: Vec<Vec<u8>> = args
                    .iter()
                    .map(|a| match a {
                        Value::Num(n) => number_arg(*n),
                        other => other.as_bytes().unwrap_or_default().to_vec(),
                    })
                    .collect();
                if argv.is_empty() {
                    return Err(raise(lua, "ERR Please specify at least one argument for this redis lib call"));
                }
                // Redis's lookupCommand: the command, or its subcommand when it has some.
                let cmd = super::table::lookup(&argv[0]).and_then(|base| match argv.get(1) {
                    Some(sub) if !base.subcommands.is_empty() => base.subcommand(sub),
                    _ => Some(base),
                });
                let Some(cmd) = cmd else {
                    return Err(raise(lua, "ERR Invalid command passed to redis.acl_check_cmd()"));
                };
                let user = self.eng.scripting.running.as_ref().and_then(|r| self.eng.client(r.client));
                let user = user.map(|c| c.user.clone()).unwrap_or_default();
                Ok(vec![Value::Bool(super::acl::check_command(self.eng, &user, cmd, &argv).is_ok())])
            }
            H_REGISTER => Err(LuaError::new(Value::str(
                b"Script attempted to access nonexistent global variable 'register_function'",
            ))),
            other => common_api(lua, other, &args),
        }
    }
}

/// The `redis.*` functions that need no engine.
fn common_api(lua: &mut Lua, id: u32, args: &[Value]) -> Result<Vec<Value>, LuaError> {
    match id {
        H_ERROR_REPLY | H_STATUS_REPLY => {
            let Some(Value::Str(s)) = args.first().filter(|_| args.len() == 1) else {
                return Ok(vec![error_table(lua, "ERR wrong number or type of arguments")]);
            };
            if id == H_ERROR_REPLY {
                Ok(vec![error_table(lua, &error_reply_text(s))])
            } else {
                let t = lua.new_table();
                set_field(lua, &t, "ok", Value::Str(s.clone()));
                Ok(vec![Value::Table(t)])
            }
        }
        H_SHA1HEX => {
            if args.len() != 1 {
                return Err(raise(lua, "ERR wrong number of arguments"));
            }
            let data = match &args[0] {
                Value::Str(s) => s.to_vec(),
                Value::Num(n) => super::lua::number_to_string(*n).into_bytes(),
                _ => Vec::new(),
            };
            Ok(vec![Value::str(sha1::sha1_hex(&data).as_bytes())])
        }
        H_LOG => {
            if args.len() < 2 {
                return Err(raise(lua, "ERR redis.log() requires two arguments or more."));
            }
            let Some(level) = to_number(&args[0]) else {
                return Err(raise(lua, "ERR First argument must be a number."));
            };
            if !(0.0..=3.0).contains(&level) {
                return Err(raise(lua, "ERR Invalid debug level."));
            }
            // The playground has no server log: the message is dropped.
            Ok(Vec::new())
        }
        H_SET_REPL => {
            if args.len() != 1 {
                return Err(raise(lua, "ERR redis.set_repl() requires two arguments."));
            }
            let flags = to_number(&args[0]).map(convert::double_to_i64).unwrap_or(0);
            if flags & !3 != 0 {
                return Err(raise(
                    lua,
                    "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                ));
            }
            Ok(Vec::new())
        }
        H_REPLICATE => Ok(vec![Value::Bool(true)]),
        H_BREAKPOINT => Ok(vec![Value::Bool(false)]),
        _ => Ok(Vec::new()),
    }
}

/// The host while a library's code loads: only `redis.register_function` and `redis.log`.
struct LoadHost {
    defs: Vec<FunctionDef>,
}

fn api_name(id: u32) -> &'static str {
    REDIS_API.iter().find(|(_, i)| *i == id).map(|(n, _)| *n).unwrap_or("redis")
}

impl Host for LoadHost {
    fn call(&mut self, lua: &mut Lua, id: u32, args: Vec<Value>) -> Result<Vec<Value>, LuaError> {
        match id {
            H_REGISTER => {
                let def = read_register_args(lua, &args).map_err(|e| raise(lua, &format!("ERR {e}")))?;
                if !function::valid_name(def.name.as_bytes()) {
                    return Err(raise(
                        lua,
                        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
                    ));
                }
                if self.defs.iter().any(|d| d.name == def.name) {
                    return Err(raise(lua, "ERR Function already exists in the library"));
                }
                self.defs.push(def);
                Ok(Vec::new())
            }
            H_LOG => common_api(lua, id, &args),
            other => Err(LuaError::new(Value::str(
                format!("Script attempted to access nonexistent global variable '{}'", api_name(other)).as_bytes(),
            ))),
        }
    }
}

/// A string argument as Lua's `lua_isstring` accepts it (numbers too).
fn string_arg(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(String::from_utf8_lossy(s).into_owned()),
        Value::Num(n) => Some(super::lua::number_to_string(*n)),
        _ => None,
    }
}

/// `redis.register_function(name, callback)` or `redis.register_function{function_name=...,
/// callback=..., flags={...}, description=...}`, with Redis's error texts.
fn read_register_args(lua: &Lua, args: &[Value]) -> Result<FunctionDef, String> {
    match args {
        [name, callback] => {
            let name = string_arg(name).ok_or("first argument to redis.register_function must be a string")?;
            if !matches!(callback, Value::Func(_)) {
                return Err("second argument to redis.register_function must be a function".into());
            }
            Ok(FunctionDef { name, description: None, flags: 0, func: callback.clone() })
        }
        [named] => {
            let Value::Table(t) = named else {
                return Err("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).".into());
            };
            let (mut name, mut description, mut flags, mut func) = (None, None, 0, None);
            for (k, v) in convert::table_pairs(lua, t) {
                let key =
                    string_arg(&k).ok_or("named argument key given to redis.register_function is not a string")?;
                match key.as_str() {
                    "function_name" => {
                        name = Some(
                            string_arg(&v)
                                .ok_or("function_name argument given to redis.register_function must be a string")?,
                        )
                    }
                    "description" => {
                        description = Some(
                            string_arg(&v)
                                .ok_or("description argument given to redis.register_function must be a string")?
                                .into_bytes(),
                        )
                    }
                    "callback" => {
                        if !matches!(v, Value::Func(_)) {
                            return Err("callback argument given to redis.register_function must be a function".into());
                        }
                        func = Some(v);
                    }
                    "flags" => {
                        let Value::Table(ft) = v else {
                            return Err(
                                "flags argument to redis.register_function must be a table representing function flags"
                                    .into(),
                            );
                        };
                        for (_, f) in convert::table_pairs(lua, &ft) {
                            let bit = match &f {
                                Value::Str(s) => function::flag_bit(s),
                                _ => None,
                            };
                            flags |= bit.ok_or("unknown flag given")?;
                        }
                    }
                    _ => return Err("unknown argument given to redis.register_function".into()),
                }
            }
            let name = name.ok_or("redis.register_function must get a function name argument")?;
            let func = func.ok_or("redis.register_function must get a callback argument")?;
            Ok(FunctionDef { name, description, flags, func })
        }
        _ => Err("wrong number of arguments to redis.register_function".into()),
    }
}

impl ScriptState {
    /// True while the client waits for a script: its own (parked) or one whose command is held.
    pub fn is_waiting(&self, id: ClientId) -> bool {
        self.running.as_ref().is_some_and(|r| (r.parked && r.client == id) || r.held.iter().any(|(c, _)| *c == id))
    }

    /// True if a script is running (parked between slices).
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    pub fn script_exists(&self, sha: &[u8]) -> bool {
        std::str::from_utf8(sha).is_ok_and(|s| self.scripts.contains_key(&s.to_ascii_lowercase()))
    }

    /// SCRIPT FLUSH: the cache and the whole EVAL Lua state go.
    pub fn flush_scripts(&mut self) {
        self.scripts.clear();
        if !self.running.as_ref().is_some_and(|r| r.kind == Kind::Eval) {
            self.eval = None;
        }
    }

    pub fn functions_count(&self) -> usize {
        self.libraries.values().map(|l| l.functions.len()).sum()
    }

    /// Removes every library.
    pub fn flush_functions(&mut self) {
        self.libraries.clear();
        self.function_index.clear();
    }

    /// Removes a library; false if there is none by that name.
    pub fn delete_library(&mut self, name: &str) -> bool {
        let Some(lib) = self.libraries.remove(name) else {
            return false;
        };
        for f in lib.functions.keys() {
            self.function_index.remove(&f.to_ascii_lowercase());
        }
        true
    }

    fn world(&mut self, kind: Kind, seed: u64) -> &mut World {
        let slot = match kind {
            Kind::Eval => &mut self.eval,
            Kind::Function => &mut self.funcs,
        };
        slot.get_or_insert_with(|| new_world(seed, kind == Kind::Function))
    }

    /// Compiles an EVAL script into the cache (if not there yet) and returns its SHA-1.
    pub fn load_script(&mut self, body: &[u8], seed: u64) -> Result<String, RedisError> {
        let sha = sha1::sha1_hex(body);
        if self.scripts.contains_key(&sha) {
            return Ok(sha);
        }
        let source = if body.starts_with(b"#!") { function::blank_first_line(body) } else { body.to_vec() };
        let world = self.world(Kind::Eval, seed);
        let f = world.lua.load(&source, "user_script").map_err(|e| {
            RedisError::err(format!("Error compiling script (new function): {e}").replace(['\r', '\n'], " "))
        })?;
        let flags = eval_shebang_flags(body).unwrap_or(None);
        self.scripts.insert(sha.clone(), (body.to_vec(), f, flags));
        Ok(sha)
    }

    /// Compiles and runs a library's code, collecting what it registers. Err is the full text.
    pub fn create_library(
        &mut self,
        code: &[u8],
        replace: bool,
        seed: u64,
        clock: &dyn super::Clock,
    ) -> Result<String, RedisError> {
        let meta = function::parse_library_meta(code).map_err(RedisError::err)?;
        if !meta.engine.eq_ignore_ascii_case("lua") {
            return Err(RedisError::err(format!("Engine '{}' not found", meta.engine)));
        }
        if !function::valid_name(meta.name.as_bytes()) {
            return Err(RedisError::err(
                "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
            ));
        }
        if self.libraries.contains_key(&meta.name) && !replace {
            return Err(RedisError::err(format!("Library '{}' already exists", meta.name)));
        }
        let defs = self.run_library_code(code, seed, clock)?;
        if defs.is_empty() {
            return Err(RedisError::err("No functions registered"));
        }
        for d in &defs {
            if let Some(owner) = self.function_index.get(&d.name.to_ascii_lowercase()) {
                if *owner != meta.name {
                    return Err(RedisError::err(format!("Function {} already exists", d.name)));
                }
            }
        }
        self.delete_library(&meta.name);
        let mut functions = BTreeMap::new();
        for d in defs {
            // FCALL finds functions ignoring case, as Redis does (library names keep theirs).
            self.function_index.insert(d.name.to_ascii_lowercase(), meta.name.clone());
            functions.insert(d.name.clone(), d);
        }
        self.libraries.insert(meta.name.clone(), Library { name: meta.name.clone(), code: code.to_vec(), functions });
        Ok(meta.name)
    }

    fn run_library_code(
        &mut self,
        code: &[u8],
        seed: u64,
        clock: &dyn super::Clock,
    ) -> Result<Vec<FunctionDef>, RedisError> {
        let source = function::blank_first_line(code);
        let world = self.world(Kind::Function, seed);
        let lua = &mut world.lua;
        let f = lua
            .load(&source, "user_function")
            .map_err(|e| RedisError::err(format!("Error compiling function: {e}").replace(['\r', '\n'], " ")))?;
        // While library code loads, globals resolve to the load-time API only.
        if let Some((mt, _, load)) = &world.swap {
            let _ = lua.raw_set(mt, Value::str(b"__index"), load.clone());
        }
        let mut host = LoadHost { defs: Vec::new() };
        let mut task = lua.call(f, Vec::new());
        let deadline = clock.now_ms().saturating_add(LOAD_MS);
        let mut outcome = Resume::Pending;
        while matches!(outcome, Resume::Pending) && Lua::fuel_used(&task) < LOAD_FUEL && clock.now_ms() < deadline {
            outcome = lua.resume(&mut task, &mut host, SLICE_FUEL);
        }
        if let Some((mt, api, _)) = &world.swap {
            let _ = lua.raw_set(mt, Value::str(b"__index"), api.clone());
        }
        match outcome {
            Resume::Done(Ok(_)) => Ok(host.defs),
            Resume::Done(Err(e)) => {
                let msg = match &e.value {
                    Value::Table(t) => match lua.raw_get(t, &Value::str(b"err")) {
                        Value::Str(s) => String::from_utf8_lossy(&s).into_owned(),
                        _ => "ERR unknown error".into(),
                    },
                    other => format!("ERR {}", value_text(other)),
                };
                Err(RedisError::err(format!("Error registering functions: {msg}").replace(['\r', '\n'], " ")))
            }
            Resume::Pending => Err(RedisError::err("Error registering functions: ERR FUNCTION LOAD timeout")),
        }
    }

    /// A cached EVAL script's compiled chunk and shebang flags.
    pub(crate) fn cached(&self, sha: &str) -> Option<(Value, Option<u32>)> {
        self.scripts.get(sha).map(|(_, f, flags)| (f.clone(), *flags))
    }

    /// A function and its flags, by name.
    pub(crate) fn find_function(&self, name: &str) -> Option<(&FunctionDef, &Library)> {
        let key = name.to_ascii_lowercase();
        let lib = self.libraries.get(self.function_index.get(&key)?)?;
        let f =
            lib.functions.get(name).or_else(|| lib.functions.values().find(|f| f.name.eq_ignore_ascii_case(name)))?;
        Some((f, lib))
    }
}

/// How a script is started.
pub(crate) struct Start {
    pub kind: Kind,
    pub name: String,
    pub func: Value,
    pub keys: Vec<Vec<u8>>,
    pub args: Vec<Vec<u8>>,
    pub read_only: bool,
    pub allow_oom: bool,
    pub sync: bool,
}

impl Engine {
    /// A seed for a new Lua state's math.random.
    pub(crate) fn lua_seed(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Starts a script for `client` and runs it for up to [`CALL_FUEL`] (to the end when
    /// `sync`). Returns its reply, or `Reply::NoReply` when the client is parked.
    pub(crate) fn start_script(&mut self, client: ClientId, argv: &[Vec<u8>], db: usize, s: Start) -> Reply {
        let seed = self.lua_seed();
        let world = self.scripting.world(s.kind, seed);
        let lua = &mut world.lua;
        let keys = strings_table(lua, &s.keys);
        let args = strings_table(lua, &s.args);
        let task = match s.kind {
            Kind::Eval => {
                let g = lua.globals();
                lua.set_readonly(&g, false);
                set_field(lua, &g, "KEYS", keys);
                set_field(lua, &g, "ARGV", args);
                lua.set_readonly(&g, true);
                lua.call(s.func, Vec::new())
            }
            Kind::Function => lua.call(s.func, vec![keys, args]),
        };
        self.scripting.task = Some(task);
        self.scripting.running = Some(Running {
            client,
            kind: s.kind,
            name: s.name,
            argv: argv.to_vec(),
            start_ms: self.now_ms(),
            read_only: s.read_only,
            allow_oom: s.allow_oom,
            wrote: false,
            resp3: false,
            db,
            caller_db: self.client_db(client),
            parked: false,
            held: VecDeque::new(),
        });
        let (call_fuel, _, hard_fuel) = self.scripting.budgets.unwrap_or((CALL_FUEL, TICK_FUEL, HARD_FUEL));
        let (budget, until) = if s.sync { (hard_fuel, None) } else { (call_fuel, Some(self.now_ms() + CALL_MS)) };
        match self.advance_script(budget, until) {
            Some(reply) => reply,
            None => {
                if let Some(r) = self.scripting.running.as_mut() {
                    r.parked = true;
                }
                Reply::NoReply
            }
        }
    }

    /// Runs the current script for up to `budget` fuel (and, if given, until the engine clock
    /// passes `until_ms`). Returns its reply when it finished (or was stopped by the hard
    /// limit); the reply of a parked script is pushed instead of returned.
    fn advance_script(&mut self, budget: u64, until_ms: Option<i64>) -> Option<Reply> {
        let kind = self.scripting.running.as_ref()?.kind;
        let mut used = 0u64;
        loop {
            let mut task = self.scripting.task.take()?;
            let slot = match kind {
                Kind::Eval => self.scripting.eval.take(),
                Kind::Function => self.scripting.funcs.take(),
            };
            let Some(mut world) = slot else {
                self.scripting.task = Some(task);
                return self.finish_script(Reply::Error("ERR script engine unavailable".into()));
            };
            let outcome = {
                let mut host = ScriptHost { eng: self };
                world.lua.resume(&mut task, &mut host, SLICE_FUEL)
            };
            let total = Lua::fuel_used(&task);
            let reply = match outcome {
                Resume::Done(result) => Some(self.script_result(&world.lua, result)),
                Resume::Pending => {
                    let started = self.scripting.running.as_ref().map(|r| r.start_ms).unwrap_or(0);
                    let hard_fuel = self.scripting.budgets.map_or(HARD_FUEL, |b| b.2);
                    if total >= hard_fuel || self.now_ms().saturating_sub(started) >= HARD_MS {
                        let loc = world.lua_location(&task);
                        Some(Reply::Error(self.stopped_text(
                            "ERR Script exceeded the playground's hard limit (2000000000 steps or 60 seconds) and was stopped",
                            loc,
                        )))
                    } else {
                        None
                    }
                }
            };
            match kind {
                Kind::Eval => self.scripting.eval = Some(world),
                Kind::Function => self.scripting.funcs = Some(world),
            }
            if let Some(reply) = reply {
                return self.finish_script(reply);
            }
            self.scripting.task = Some(task);
            used = used.saturating_add(SLICE_FUEL);
            if used >= budget || until_ms.is_some_and(|t| self.now_ms() >= t) {
                return None;
            }
        }
    }

    /// `<why> script: <name>, on <source>:<line>.` for a script stopped from outside.
    fn stopped_text(&self, why: &str, loc: Option<(String, u32)>) -> String {
        let Some(r) = self.scripting.running.as_ref() else {
            return why.to_string();
        };
        let default = if r.kind == Kind::Eval { "@user_script" } else { "@user_function" };
        let (src, line) = loc.unwrap_or_else(|| (default.to_string(), 1));
        format!("{why} script: {}, on {src}:{line}.", r.name)
    }

    /// The reply of a finished script.
    fn script_result(&mut self, lua: &Lua, result: Result<Vec<Value>, LuaError>) -> Reply {
        let Some(r) = self.scripting.running.as_ref() else {
            return Reply::NoReply;
        };
        match result {
            Ok(values) => lua_to_reply(lua, values.first().unwrap_or(&Value::Nil), r.resp3),
            Err(e) => {
                let default = if r.kind == Kind::Eval { "@user_script" } else { "@user_function" };
                Reply::Error(script_error_text(lua, &e, &r.name, default))
            }
        }
    }

    /// Ends the running script with `reply`: restores the caller's database, delivers the reply
    /// (returned, or pushed if the caller was parked), then runs the held commands in order.
    fn finish_script(&mut self, reply: Reply) -> Option<Reply> {
        self.scripting.task = None;
        let r = self.scripting.running.take()?;
        if let Some(c) = self.clients.get_mut(&r.client) {
            c.db = r.caller_db;
        }
        if let Reply::Error(e) = &reply {
            let cmd = if r.kind == Kind::Eval { "eval" } else { "fcall" };
            if r.parked {
                self.count_failed(cmd, e);
            }
        }
        let out = if r.parked {
            self.push_to(r.client, reply);
            None
        } else {
            Some(reply)
        };
        self.release_held(r.held);
        self.serve_ready_keys();
        Some(out.unwrap_or(Reply::NoReply))
    }

    /// Runs held commands again (the script ended, or the BUSY threshold passed), pushing
    /// their replies.
    fn release_held(&mut self, held: VecDeque<(ClientId, Vec<Vec<u8>>)>) {
        for (id, argv) in held {
            let reply = self.execute(id, &argv);
            if !matches!(reply, Reply::NoReply) {
                self.push_to(id, reply);
            }
        }
    }

    /// The dispatcher's gate while a script runs, before lookup: another client's command is
    /// held until the BUSY threshold passes. True if `argv` was held.
    pub(crate) fn hold_for_script(&mut self, client: ClientId, argv: &[Vec<u8>]) -> bool {
        let threshold = self.config.busy_reply_threshold;
        let now = self.now_ms();
        let Some(r) = self.scripting.running.as_mut() else {
            return false;
        };
        // Held until the threshold; the script's own client waits for its reply in any case.
        let before = now.saturating_sub(r.start_ms) < threshold;
        if before || r.client == client || r.held.iter().any(|(c, _)| *c == client) {
            r.held.push_back((client, argv.to_vec()));
            return true;
        }
        false
    }

    /// The dispatcher's gate after lookup: BUSY for commands not flagged `allow_busy`.
    pub(crate) fn busy_error(&self, cmd: &super::CommandSpec) -> Option<RedisError> {
        let r = self.scripting.running.as_ref()?;
        if cmd.has_flag("allow_busy") {
            return None;
        }
        Some(busy_text(r.kind))
    }

    /// Periodic work for a parked script: release held commands once the BUSY threshold has
    /// passed, then run more slices.
    pub(crate) fn script_tick(&mut self) {
        let threshold = self.config.busy_reply_threshold;
        let now = self.now_ms();
        let Some(r) = self.scripting.running.as_mut() else {
            return;
        };
        if now.saturating_sub(r.start_ms) >= threshold && !r.held.is_empty() {
            let held = std::mem::take(&mut r.held);
            self.release_held(held);
        }
        if self.scripting.running.is_some() {
            let tick_fuel = self.scripting.budgets.map_or(TICK_FUEL, |b| b.1);
            self.advance_script(tick_fuel, Some(now.saturating_add(TICK_MS)));
        }
    }

    /// SCRIPT KILL (`kind` Eval) or FUNCTION KILL (`kind` Function).
    pub(crate) fn kill_script(&mut self, kind: Kind) -> Result<Reply, RedisError> {
        let Some(r) = self.scripting.running.as_ref() else {
            return Err(RedisError::raw("NOTBUSY No scripts in execution right now."));
        };
        if r.wrote {
            return Err(RedisError::raw(
                "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
            ));
        }
        if r.kind != kind {
            return Err(busy_text(r.kind));
        }
        let loc = {
            let world = match kind {
                Kind::Eval => self.scripting.eval.as_ref(),
                Kind::Function => self.scripting.funcs.as_ref(),
            };
            match (world, self.scripting.task.as_ref()) {
                (Some(w), Some(t)) => w.lua_location(t),
                _ => None,
            }
        };
        let text = self.stopped_text("ERR Script killed by user with SCRIPT KILL...", loc);
        self.finish_script(Reply::Error(text));
        Ok(Reply::ok())
    }

    /// Forgets a disconnected client's held commands (a running script goes on).
    pub(crate) fn forget_script_client(&mut self, id: ClientId) {
        if let Some(r) = self.scripting.running.as_mut() {
            r.held.retain(|(c, _)| *c != id);
        }
    }

    /// `redis.call` / `redis.pcall`: runs argv through the dispatcher as the script's client.
    fn redis_call(&mut self, lua: &mut Lua, args: &[Value], raise_error: bool) -> Result<Vec<Value>, LuaError> {
        let fail = |lua: &mut Lua, text: &str| {
            if raise_error {
                Err(raise(lua, text))
            } else {
                Ok(vec![error_table(lua, text)])
            }
        };
        if args.is_empty() {
            return fail(lua, "ERR Please specify at least one argument for this redis lib call");
        }
        let mut argv = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Value::Str(s) => argv.push(s.to_vec()),
                Value::Num(n) => argv.push(number_arg(*n)),
                _ => return fail(lua, "ERR Lua redis lib command arguments must be strings or integers"),
            }
        }
        match self.run_from_script(&argv) {
            Ok(Reply::Error(e)) | Err(e) => fail(lua, e.trim_end_matches(['\r', '\n'])),
            Ok(reply) => {
                let resp3 = self.scripting.running.as_ref().is_some_and(|r| r.resp3);
                Ok(vec![reply_to_lua(lua, &reply, resp3)])
            }
        }
    }

    /// One command from a script, with Redis's script-specific refusals.
    fn run_from_script(&mut self, argv: &[Vec<u8>]) -> Result<Reply, String> {
        let cmd = match super::resolve_for_script(argv) {
            Ok(c) => c,
            Err(super::ScriptLookup::Unknown) => return Err("ERR Unknown Redis command called from script".into()),
            Err(super::ScriptLookup::Arity) => {
                return Err("ERR Wrong number of args calling Redis command from script".into())
            }
        };
        if cmd.has_flag("noscript") {
            return Err("ERR This Redis command is not allowed from script".into());
        }
        let Some(client) = self.scripting.running.as_ref().map(|r| r.client) else {
            return Err("ERR This Redis command is not allowed from script".into());
        };
        // The checks of Redis's scriptCall, in its order: ACL, read-only, OOM.
        if let Err(denied) = self.acl_check(client, cmd, argv, super::acl::LogContext::Lua) {
            return Err(format!("ERR The user executing the script {}", denied.script_message()));
        }
        let memory_limited = self.config.maxmemory != 0 || self.config.memory_cap != 0;
        let pre_command_oom = self.evict.pre_command_oom;
        let Some(r) = self.scripting.running.as_mut() else {
            return Err("ERR This Redis command is not allowed from script".into());
        };
        if cmd.is_write() && r.read_only {
            return Err("ERR Write commands are not allowed from read-only scripts.".into());
        }
        // Only before the script's first write: once it wrote, it cannot stop halfway.
        if !r.allow_oom && !r.wrote && memory_limited && pre_command_oom && cmd.has_flag("denyoom") {
            return Err(super::evict::OOM_ERROR.into());
        }
        if cmd.is_write() {
            r.wrote = true;
        }
        let (client, db) = (r.client, r.db);
        if let Some(c) = self.clients.get_mut(&client) {
            c.db = db;
        }
        let mode = BlockMode { may_block: false, reprocessing: false };
        let (result, _) = self.run_command(client, argv, cmd, db, mode);
        // SELECT inside the script moves only the script: the caller keeps its database.
        let new_db = self.client_db(client);
        if let Some(r) = self.scripting.running.as_mut() {
            r.db = new_db;
            let caller_db = r.caller_db;
            if let Some(c) = self.clients.get_mut(&client) {
                c.db = caller_db;
            }
        }
        Ok(match result {
            Ok(reply) => reply,
            Err(e) => {
                self.count_failed(cmd.name, &e.0);
                Reply::Error(e.0)
            }
        })
    }
}

impl World {
    /// Where a paused task is (the line SCRIPT KILL reports).
    fn lua_location(&self, task: &Task) -> Option<(String, u32)> {
        self.lua.location(task).map(|(chunk, line)| (at_chunk(&chunk), line))
    }
}

/// Redis's BUSY error while a script of `kind` runs.
pub fn busy_text(kind: Kind) -> RedisError {
    let which = if kind == Kind::Eval { "SCRIPT" } else { "FUNCTION" };
    RedisError::raw(format!("BUSY Redis is busy running a script. You can only call {which} KILL or SHUTDOWN NOSAVE."))
}

fn strings_table(lua: &mut Lua, items: &[Vec<u8>]) -> Value {
    let t = lua.new_table();
    for (i, item) in items.iter().enumerate() {
        let _ = lua.raw_set(&t, Value::Num((i + 1) as f64), Value::str(item));
    }
    Value::Table(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_flags() {
        assert_eq!(eval_shebang_flags(b"return 1"), Ok(None));
        assert_eq!(eval_shebang_flags(b"#!lua\nreturn 1"), Ok(Some(0)));
        assert_eq!(
            eval_shebang_flags(b"#!lua flags=no-writes,allow-oom\nreturn 1"),
            Ok(Some(function::FLAG_NO_WRITES | function::FLAG_ALLOW_OOM))
        );
        assert_eq!(
            eval_shebang_flags(b"#!lua flags=bad\n"),
            Err(RedisError::err("Unexpected flag in script shebang: bad"))
        );
        assert_eq!(eval_shebang_flags(b"#!lua foo=bar\n"), Err(RedisError::err("Unknown lua shebang option: foo=bar")));
        assert_eq!(
            eval_shebang_flags(b"#!python\n"),
            Err(RedisError::err("Unexpected engine in script shebang: #!python"))
        );
    }

    #[test]
    fn error_reply_codes() {
        assert_eq!(error_reply_text(b"my err"), "my err");
        assert_eq!(error_reply_text(b"bad"), "ERR bad");
        assert_eq!(error_reply_text(b"-X y"), "X y");
        assert_eq!(error_reply_text(b"-ERR x\r\n"), "ERR x");
    }

    #[test]
    fn busy_texts() {
        assert_eq!(
            busy_text(Kind::Eval).0,
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
        );
        assert_eq!(
            busy_text(Kind::Function).0,
            "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
        );
    }

    #[test]
    fn error_locations_from_messages() {
        let e = LuaError::new(Value::str(b"user_script:3: boom"));
        assert_eq!(lua_error_location(&e), Some(("@user_script".into(), 3)));
        let lua = Lua::new(1);
        assert_eq!(
            script_error_text(&lua, &e, "abc", "@user_script"),
            "ERR user_script:3: boom script: abc, on @user_script:3."
        );
        assert_eq!(
            script_error_text(&lua, &LuaError::new(Value::Nil), "abc", "@user_script"),
            "ERR nil script: abc, on @user_script:1."
        );
    }
}

#[cfg(test)]
mod engine_tests {
    use crate::engine::{Engine, Reply, VirtualClock};

    use crate::engine::test_run as run;

    fn err(s: &str) -> Reply {
        Reply::Error(s.into())
    }

    const BUSY_EVAL: &str = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    const BUSY_FN: &str = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
    const UNKILLABLE: &str = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";

    /// An engine whose scripts park after 50k fuel and get 50k fuel per tick.
    fn small_budgets() -> (Engine, VirtualClock, u64, u64) {
        let (mut e, clock) = Engine::with_virtual_clock();
        e.scripting.budgets = Some((5_000, 5_000, super::HARD_FUEL));
        let a = e.connect();
        let b = e.connect();
        (e, clock, a, b)
    }

    #[test]
    fn an_infinite_loop_is_parked_answers_busy_and_is_killed() {
        let (mut e, clock, a, b) = small_budgets();
        assert_eq!(run(&mut e, b, "config set lua-time-limit 100"), Reply::ok());
        assert_eq!(run(&mut e, a, "eval \"while true do end\" 0"), Reply::NoReply);
        assert!(e.is_blocked(a));
        // Before the threshold another client's command is held, not answered.
        assert_eq!(run(&mut e, b, "ping"), Reply::NoReply);
        assert!(e.is_blocked(b));
        e.tick();
        assert!(e.take_pushed(b).is_empty());
        clock.advance_ms(150);
        e.tick();
        assert_eq!(e.take_pushed(b), vec![err(BUSY_EVAL)]);
        assert_eq!(run(&mut e, b, "get x"), err(BUSY_EVAL));
        assert_eq!(run(&mut e, b, "function stats"), err(BUSY_EVAL));
        assert_eq!(run(&mut e, b, "function kill"), err(BUSY_EVAL));
        assert_eq!(run(&mut e, b, "script kill"), Reply::ok());
        assert_eq!(
            e.take_pushed(a),
            vec![err("ERR Script killed by user with SCRIPT KILL... script: 694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1.")]
        );
        assert!(!e.is_blocked(a) && !e.is_blocked(b));
        assert_eq!(run(&mut e, b, "ping"), Reply::status("PONG"));
        assert_eq!(run(&mut e, a, "eval \"return 5\" 0"), Reply::Int(5));
    }

    #[test]
    fn a_writing_loop_is_unkillable_until_the_hard_limit() {
        let (mut e, clock, a, b) = small_budgets();
        assert_eq!(
            run(&mut e, a, "eval \"redis.call('set','x','1') local i = 0 while true do i = i + 1 end\" 0"),
            Reply::NoReply
        );
        clock.advance_ms(6_000);
        e.tick();
        assert_eq!(run(&mut e, b, "script kill"), err(UNKILLABLE));
        assert_eq!(run(&mut e, b, "function kill"), err(UNKILLABLE));
        assert_eq!(run(&mut e, b, "get x"), err(BUSY_EVAL));
        for _ in 0..10 {
            clock.advance_ms(6_000);
            e.tick();
        }
        let pushed = e.take_pushed(a);
        assert_eq!(pushed.len(), 1);
        assert!(
            matches!(&pushed[0], Reply::Error(m) if m.starts_with("ERR Script exceeded the playground's hard limit")),
            "{pushed:?}"
        );
        assert_eq!(run(&mut e, b, "get x"), Reply::bulk_str("1"));
    }

    #[test]
    fn the_fuel_limit_ends_any_script() {
        let (mut e, _clock, a, _b) = small_budgets();
        e.scripting.budgets = Some((5_000, 5_000, 400_000));
        assert_eq!(
            run(&mut e, a, "eval \"redis.call('set','x','1') local i = 0 while true do i = i + 1 end\" 0"),
            Reply::NoReply
        );
        for _ in 0..20 {
            e.tick();
        }
        let pushed = e.take_pushed(a);
        assert!(matches!(&pushed[..], [Reply::Error(m)] if m.contains("hard limit")), "{pushed:?}");
        assert!(!e.scripting.is_running());
    }

    #[test]
    fn errors_name_the_line_of_the_failing_call() {
        let (mut e, _clock, a, _b) = small_budgets();
        let r = run(&mut e, a, "eval \"local x = 1\nreturn redis.call('nosuch')\" 0");
        assert!(matches!(&r, Reply::Error(m) if m.ends_with(", on @user_script:2.")), "{r:?}");
        let r = run(&mut e, a, "eval \"\n\nerror('deep')\" 0");
        assert!(
            matches!(&r, Reply::Error(m) if m.starts_with("ERR user_script:3: deep script: ") && m.ends_with(", on @user_script:3.")),
            "{r:?}"
        );
    }

    #[test]
    fn held_commands_run_after_the_script_in_order() {
        let (mut e, _clock, a, b) = small_budgets();
        let script = "eval \"local i = 0 while i < 40000 do i = i + 1 end redis.call('set', 'n', i) return i\" 0";
        assert_eq!(run(&mut e, a, script), Reply::NoReply);
        assert_eq!(run(&mut e, b, "get n"), Reply::NoReply);
        assert_eq!(run(&mut e, b, "incr n"), Reply::NoReply);
        for _ in 0..50 {
            e.tick();
            if !e.scripting.is_running() {
                break;
            }
        }
        assert_eq!(e.take_pushed(a), vec![Reply::Int(40000)]);
        assert_eq!(e.take_pushed(b), vec![Reply::bulk_str("40000"), Reply::Int(40001)]);
    }

    #[test]
    fn functions_are_killed_with_function_kill() {
        let (mut e, clock, a, b) = small_budgets();
        let lib = "function load \"#!lua name=busy\nredis.register_function('loop', function() local i = 0 while true do i = i + 1 end end)\"";
        assert_eq!(run(&mut e, a, lib), Reply::bulk_str("busy"));
        assert_eq!(run(&mut e, a, "fcall loop 0"), Reply::NoReply);
        clock.advance_ms(6_000);
        assert_eq!(run(&mut e, b, "ping"), err(BUSY_FN));
        assert_eq!(run(&mut e, b, "script kill"), err(BUSY_FN));
        let stats = run(&mut e, b, "function stats");
        assert!(matches!(&stats, Reply::Map(m) if matches!(&m[0].1, Reply::Map(_))), "{stats:?}");
        assert_eq!(run(&mut e, b, "function kill"), Reply::ok());
        assert_eq!(
            e.take_pushed(a),
            vec![err("ERR Script killed by user with SCRIPT KILL... script: loop, on @user_function:2.")]
        );
    }

    #[test]
    fn scripts_in_exec_run_to_the_end_and_disconnects_are_forgotten() {
        let (mut e, _clock, a, b) = small_budgets();
        assert_eq!(run(&mut e, a, "multi"), Reply::ok());
        run(&mut e, a, "eval \"local i = 0 while i < 40000 do i = i + 1 end return i\" 0");
        assert_eq!(run(&mut e, a, "exec"), Reply::Array(vec![Reply::Int(40000)]));
        assert_eq!(run(&mut e, a, "eval \"local i = 0 while true do i = i + 1 end\" 0"), Reply::NoReply);
        assert_eq!(run(&mut e, b, "ping"), Reply::NoReply);
        e.disconnect(b);
        assert!(!e.scripting.is_waiting(b));
        // The script's own client leaving does not stop the script.
        e.disconnect(a);
        assert!(e.scripting.is_running());
    }
}
