//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FUNCTION *, FCALL and
//! FCALL_RO. The machinery (Lua states, script cache, libraries, the running script, BUSY and
//! KILL) lives in `engine::scripting`; these handlers parse arguments and apply Redis's checks
//! in Redis's order.

use crate::engine::args::is;
use crate::engine::cmd::connection::help_reply;
use crate::engine::glob;
use crate::engine::scripting::function::{self, FLAG_ALLOW_OOM, FLAG_NO_WRITES};
use crate::engine::scripting::{self as sc, Kind, Start};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{CmdResult, Ctx, RedisError, Reply};

const RO_WRITE_FLAG: &str = "ERR Can not execute a script with write flag using *_ro command.";

/// The keys and arguments after `numkeys` (argv[2]), with EVAL's error texts.
/// Keys and arguments of a script call.
type KeysArgs = (Vec<Vec<u8>>, Vec<Vec<u8>>);

fn split_keys(argv: &[Vec<u8>], bad_number: &str) -> Result<KeysArgs, RedisError> {
    let raw = argv.get(2).map(|v| v.as_slice()).unwrap_or_default();
    let numkeys = crate::engine::num::parse_i64(raw).ok_or_else(|| RedisError::raw(bad_number.to_string()))?;
    let rest = argv.get(3..).unwrap_or_default();
    if numkeys > rest.len() as i64 {
        return Err(RedisError::err("Number of keys can't be greater than number of args"));
    }
    if numkeys < 0 {
        return Err(RedisError::err("Number of keys can't be negative"));
    }
    let n = numkeys as usize;
    Ok((rest[..n].to_vec(), rest[n..].to_vec()))
}

/// A script's reply as a handler result (errors count as failed calls).
fn script_reply(r: Reply) -> CmdResult {
    match r {
        Reply::Error(e) => Err(RedisError::raw(e)),
        other => Ok(other),
    }
}

fn eval_generic(ctx: &mut Ctx, by_sha: bool, ro: bool) -> CmdResult {
    let (keys, args) = split_keys(ctx.argv, crate::engine::reply::errors::NOT_INTEGER)?;
    let argv = ctx.argv;
    let first: &[u8] = argv.get(1).map(|v| v.as_slice()).unwrap_or_default();
    let seed = ctx.eng.lua_seed();
    let sha = if by_sha {
        let sha = String::from_utf8_lossy(first).to_ascii_lowercase();
        if !ctx.eng.scripting.script_exists(sha.as_bytes()) {
            return Err(RedisError::raw("NOSCRIPT No matching script. Please use EVAL."));
        }
        sha
    } else {
        sc::eval_shebang_flags(first)?;
        ctx.eng.scripting.load_script(first, seed)?
    };
    let (func, flags) = ctx
        .eng
        .scripting
        .cached(&sha)
        .ok_or_else(|| RedisError::raw("NOSCRIPT No matching script. Please use EVAL."))?;
    if ro && flags.is_some_and(|f| f & FLAG_NO_WRITES == 0) {
        return Err(RedisError::raw(RO_WRITE_FLAG));
    }
    // A script with a shebang (flags) is refused at once when memory was over the limit,
    // unless it may not write or allows OOM; one without (Redis's compatibility mode) is
    // checked command by command.
    if let Some(f) = flags {
        check_oom_at_start(ctx, f)?;
    }
    let read_only = ro || flags.is_some_and(|f| f & FLAG_NO_WRITES != 0);
    let allow_oom = flags.is_some_and(|f| f & FLAG_ALLOW_OOM != 0);
    let sync = !ctx.block_mode.may_block;
    let start = Start { kind: Kind::Eval, name: sha, func, keys, args, read_only, allow_oom, sync };
    script_reply(ctx.eng.start_script(ctx.client, ctx.argv, ctx.db, start))
}

/// EVAL script numkeys [key ...] [arg ...]
fn eval(ctx: &mut Ctx) -> CmdResult {
    eval_generic(ctx, false, false)
}

/// EVALSHA sha1 numkeys [key ...] [arg ...]
fn evalsha(ctx: &mut Ctx) -> CmdResult {
    eval_generic(ctx, true, false)
}

/// EVAL_RO script numkeys [key ...] [arg ...]
fn eval_ro(ctx: &mut Ctx) -> CmdResult {
    eval_generic(ctx, false, true)
}

/// EVALSHA_RO sha1 numkeys [key ...] [arg ...]
fn evalsha_ro(ctx: &mut Ctx) -> CmdResult {
    eval_generic(ctx, true, true)
}

/// Redis's `scriptPrepareForRun` OOM check for scripts declaring flags: refused when memory was
/// over the limit as the command started, unless flagged `no-writes` or `allow-oom`.
fn check_oom_at_start(ctx: &Ctx, flags: u32) -> Result<(), RedisError> {
    let cfg = &ctx.eng.config;
    let limited = cfg.maxmemory != 0 || cfg.memory_cap != 0;
    if limited && ctx.eng.evict.pre_command_oom && flags & (FLAG_NO_WRITES | FLAG_ALLOW_OOM) == 0 {
        return Err(RedisError::raw(crate::engine::evict::OOM_ERROR));
    }
    Ok(())
}

fn fcall_generic(ctx: &mut Ctx, ro: bool) -> CmdResult {
    let name = String::from_utf8_lossy(ctx.argv.get(1).map(|v| v.as_slice()).unwrap_or_default()).into_owned();
    let (func, flags) = match ctx.eng.scripting.find_function(&name) {
        Some((f, _)) => (f.func_value(), f.flags),
        None => return Err(RedisError::err("Function not found")),
    };
    let (keys, args) = split_keys(ctx.argv, "ERR Bad number of keys provided")?;
    if ro && flags & FLAG_NO_WRITES == 0 {
        return Err(RedisError::raw(RO_WRITE_FLAG));
    }
    check_oom_at_start(ctx, flags)?;
    let read_only = ro || flags & FLAG_NO_WRITES != 0;
    let allow_oom = flags & FLAG_ALLOW_OOM != 0;
    let sync = !ctx.block_mode.may_block;
    let start = Start { kind: Kind::Function, name, func, keys, args, read_only, allow_oom, sync };
    script_reply(ctx.eng.start_script(ctx.client, ctx.argv, ctx.db, start))
}

/// FCALL function numkeys [key ...] [arg ...]
fn fcall(ctx: &mut Ctx) -> CmdResult {
    fcall_generic(ctx, false)
}

/// FCALL_RO function numkeys [key ...] [arg ...]
fn fcall_ro(ctx: &mut Ctx) -> CmdResult {
    fcall_generic(ctx, true)
}

/// SCRIPT / FUNCTION (containers; the dispatcher resolves subcommands)
fn container(_ctx: &mut Ctx) -> CmdResult {
    Err(RedisError::syntax())
}

/// SCRIPT LOAD script
fn script_load(ctx: &mut Ctx) -> CmdResult {
    let body = ctx.argv.get(2).cloned().unwrap_or_default();
    sc::eval_shebang_flags(&body)?;
    let seed = ctx.eng.lua_seed();
    let sha = ctx.eng.scripting.load_script(&body, seed)?;
    Ok(Reply::bulk(sha.into_bytes()))
}

/// SCRIPT EXISTS sha1 [sha1 ...]
fn script_exists(ctx: &mut Ctx) -> CmdResult {
    let st = &ctx.eng.scripting;
    Ok(Reply::Array(ctx.argv[2..].iter().map(|s| Reply::Int(i64::from(st.script_exists(s)))).collect()))
}

/// The optional ASYNC|SYNC of SCRIPT FLUSH and FUNCTION FLUSH.
fn flush_mode_ok(ctx: &Ctx) -> bool {
    match ctx.argv.len() {
        2 => true,
        3 => is(&ctx.argv[2], "sync") || is(&ctx.argv[2], "async"),
        _ => false,
    }
}

/// SCRIPT FLUSH [ASYNC|SYNC]
fn script_flush(ctx: &mut Ctx) -> CmdResult {
    if !flush_mode_ok(ctx) {
        return Err(RedisError::err("SCRIPT FLUSH only support SYNC|ASYNC option"));
    }
    ctx.eng.scripting.flush_scripts();
    Ok(Reply::ok())
}

/// SCRIPT KILL
fn script_kill(ctx: &mut Ctx) -> CmdResult {
    ctx.eng.kill_script(Kind::Eval)
}

/// SCRIPT DEBUG YES|SYNC|NO: the Lua debugger is not available; NO is accepted.
fn script_debug(ctx: &mut Ctx) -> CmdResult {
    let mode = &ctx.argv[2];
    if is(mode, "no") {
        Ok(Reply::ok())
    } else if is(mode, "yes") || is(mode, "sync") {
        Err(RedisError::err("SCRIPT DEBUG is not available in the playground (only SCRIPT DEBUG NO)"))
    } else {
        Err(RedisError::err("Use SCRIPT DEBUG YES/SYNC/NO"))
    }
}

/// SCRIPT HELP
fn script_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(&[
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ]))
}

/// FUNCTION LOAD [REPLACE] code
fn function_load(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let mut replace = false;
    let mut pos = 2;
    while pos + 1 < argv.len() {
        if is(&argv[pos], "replace") {
            replace = true;
            pos += 1;
            continue;
        }
        return Err(RedisError::err(format!("Unknown option given: {}", String::from_utf8_lossy(&argv[pos]))));
    }
    let Some(code) = argv.get(pos) else {
        return Err(RedisError::err("Function code is missing"));
    };
    let seed = ctx.eng.lua_seed();
    let eng = &mut *ctx.eng;
    let name = eng.scripting.create_library(code, replace, seed, &*eng.clock)?;
    ctx.dirty(1);
    Ok(Reply::bulk(name.into_bytes()))
}

/// FUNCTION DELETE library-name
fn function_delete(ctx: &mut Ctx) -> CmdResult {
    let name = String::from_utf8_lossy(&ctx.argv[2]).into_owned();
    if !ctx.eng.scripting.delete_library(&name) {
        return Err(RedisError::err("Library not found"));
    }
    ctx.dirty(1);
    Ok(Reply::ok())
}

/// FUNCTION FLUSH [ASYNC|SYNC]
fn function_flush(ctx: &mut Ctx) -> CmdResult {
    if !flush_mode_ok(ctx) {
        return Err(RedisError::err("FUNCTION FLUSH only supports SYNC|ASYNC option"));
    }
    ctx.eng.scripting.flush_functions();
    ctx.dirty(1);
    Ok(Reply::ok())
}

fn kv(k: &str, v: Reply) -> (Reply, Reply) {
    (Reply::bulk_str(k), v)
}

/// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
fn function_list(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let (mut with_code, mut pattern): (bool, Option<&[u8]>) = (false, None);
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i];
        if !with_code && is(a, "withcode") {
            with_code = true;
        } else if pattern.is_none() && is(a, "libraryname") {
            if i + 1 >= argv.len() {
                return Err(RedisError::err("library name argument was not given"));
            }
            i += 1;
            pattern = Some(&argv[i]);
        } else {
            return Err(RedisError::err(format!("Unknown argument {}", String::from_utf8_lossy(a))));
        }
        i += 1;
    }
    let mut out = Vec::new();
    for lib in ctx.eng.scripting.libraries.values() {
        if pattern.is_some_and(|p| !glob::matches(p, lib.name.as_bytes(), true)) {
            continue;
        }
        let functions = lib
            .functions
            .values()
            .map(|f| {
                Reply::Map(vec![
                    kv("name", Reply::bulk_str(&f.name)),
                    kv("description", Reply::opt_bulk(f.description.clone())),
                    kv("flags", Reply::Set(function::flag_names(f.flags).into_iter().map(Reply::status).collect())),
                ])
            })
            .collect();
        let mut fields = vec![
            kv("library_name", Reply::bulk_str(&lib.name)),
            kv("engine", Reply::bulk_str("LUA")),
            kv("functions", Reply::Array(functions)),
        ];
        if with_code {
            fields.push(kv("library_code", Reply::bulk(lib.code.clone())));
        }
        out.push(Reply::Map(fields));
    }
    Ok(Reply::Array(out))
}

/// FUNCTION DUMP
fn function_dump(ctx: &mut Ctx) -> CmdResult {
    let libs = &ctx.eng.scripting.libraries;
    Ok(Reply::bulk(function::dump_payload(libs.values().map(|l| l.code.as_slice()))))
}

/// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
fn function_restore(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    if argv.len() > 4 {
        return Err(RedisError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try FUNCTION HELP.",
            String::from_utf8_lossy(&argv[1])
        )));
    }
    #[derive(PartialEq)]
    enum Policy {
        Flush,
        Append,
        Replace,
    }
    let policy = match argv.get(3) {
        None => Policy::Append,
        Some(p) if is(p, "flush") => Policy::Flush,
        Some(p) if is(p, "append") => Policy::Append,
        Some(p) if is(p, "replace") => Policy::Replace,
        Some(_) => {
            return Err(RedisError::err("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."))
        }
    };
    let codes = function::parse_payload(&argv[2]).map_err(RedisError::raw)?;
    // Check every library against the current ones first: all or nothing.
    let st = &mut ctx.eng.scripting;
    let mut names = Vec::new();
    for code in &codes {
        let meta = function::parse_library_meta(code).map_err(RedisError::err)?;
        if policy == Policy::Append && st.libraries.contains_key(&meta.name) {
            return Err(RedisError::err(format!("Library {} already exists", meta.name)));
        }
        names.push(meta.name);
    }
    let backup: Vec<Vec<u8>> = st.libraries.values().map(|l| l.code.clone()).collect();
    if policy == Policy::Flush {
        st.flush_functions();
    }
    let seed = ctx.eng.lua_seed();
    let eng = &mut *ctx.eng;
    let (st, clock) = (&mut eng.scripting, &*eng.clock);
    for code in &codes {
        if let Err(e) = st.create_library(code, policy != Policy::Append, seed, clock) {
            // Put the previous libraries back as they were.
            st.flush_functions();
            for old in &backup {
                let _ = st.create_library(old, true, seed, clock);
            }
            return Err(e);
        }
    }
    ctx.dirty(1);
    Ok(Reply::ok())
}

/// FUNCTION STATS
fn function_stats(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.now_ms();
    let st = &ctx.eng.scripting;
    let running = match st.running.as_ref() {
        Some(r) if r.kind == Kind::Eval => return Err(sc::busy_text(Kind::Eval)),
        Some(r) => Reply::Map(vec![
            kv("name", Reply::bulk_str(&r.name)),
            kv("command", Reply::bulks(r.argv.iter().cloned())),
            kv("duration_ms", Reply::Int(now.saturating_sub(r.start_ms))),
        ]),
        None => Reply::Nil,
    };
    let engines = Reply::Map(vec![(
        Reply::bulk_str("LUA"),
        Reply::Map(vec![
            kv("libraries_count", Reply::Int(st.libraries.len() as i64)),
            kv("functions_count", Reply::Int(st.functions_count() as i64)),
        ]),
    )]);
    Ok(Reply::Map(vec![kv("running_script", running), kv("engines", engines)]))
}

/// FUNCTION KILL
fn function_kill(ctx: &mut Ctx) -> CmdResult {
    ctx.eng.kill_script(Kind::Function)
}

/// FUNCTION HELP
fn function_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(&[
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    ]))
}

// ---- table ----------------------------------------------------------------------------------

/// A keyless entry of the scripting group (`CommandSpec::keyless`).
macro_rules! spec {
    ($($arg:expr),* $(,)?) => {
        CommandSpec::keyless(Group::Scripting, $($arg),*)
    };
}

const EVAL_FLAGS: &[&str] = &["noscript", "stale", "skip_monitor", "no_mandatory_keys", "movablekeys"];
const EVAL_RO_FLAGS: &[&str] = &["readonly", "noscript", "stale", "skip_monitor", "no_mandatory_keys", "movablekeys"];
const ACL: &[&str] = &["@slow", "@scripting"];
const WRITE_ACL: &[&str] = &["@write", "@slow", "@scripting"];
const HELP_FLAGS: &[&str] = &["loading", "stale"];
const NOSCRIPT: &[&str] = &["noscript"];
const EVAL_SYNTAX: &str = "script numkeys [key [key ...]] [arg [arg ...]]";
const SHA_SYNTAX: &str = "sha1 numkeys [key [key ...]] [arg [arg ...]]";
const FCALL_SYNTAX: &str = "function numkeys [key [key ...]] [arg [arg ...]]";
const DEPENDS: &str = "Depends on the script that is executed.";
const DEPENDS_FN: &str = "Depends on the function that is executed.";

pub const COMMANDS: &[CommandSpec] = &[
    spec!(
        "eval",
        -3,
        EVAL_FLAGS,
        ACL,
        "2.6.0",
        EVAL_SYNTAX,
        "Runs a Lua script on the server, atomically, with the given keys and arguments.",
        DEPENDS,
        eval
    ),
    spec!(
        "evalsha",
        -3,
        EVAL_FLAGS,
        ACL,
        "2.6.0",
        SHA_SYNTAX,
        "Runs a script from the script cache, named by the SHA-1 digest of its body.",
        DEPENDS,
        evalsha
    ),
    spec!(
        "eval_ro",
        -3,
        EVAL_RO_FLAGS,
        ACL,
        "7.0.0",
        EVAL_SYNTAX,
        "Runs a Lua script that may only read: write commands inside it are refused.",
        DEPENDS,
        eval_ro
    ),
    spec!(
        "evalsha_ro",
        -3,
        EVAL_RO_FLAGS,
        ACL,
        "7.0.0",
        SHA_SYNTAX,
        "Runs a cached script in read-only mode, named by its SHA-1 digest.",
        DEPENDS,
        evalsha_ro
    ),
    spec!(
        "fcall",
        -3,
        EVAL_FLAGS,
        ACL,
        "7.0.0",
        FCALL_SYNTAX,
        "Calls a function registered by a library loaded with FUNCTION LOAD.",
        DEPENDS_FN,
        fcall
    ),
    spec!(
        "fcall_ro",
        -3,
        EVAL_RO_FLAGS,
        ACL,
        "7.0.0",
        FCALL_SYNTAX,
        "Calls a function flagged no-writes, in read-only mode.",
        DEPENDS_FN,
        fcall_ro
    ),
    CommandSpec {
        name: "script",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::Scripting,
        since: "2.6.0",
        syntax: "",
        summary: "Groups the commands that manage the script cache.",
        complexity: "Depends on subcommand.",
        handler: container,
        subcommands: &[
            spec!(
                "script|debug",
                3,
                NOSCRIPT,
                ACL,
                "3.2.0",
                "YES|SYNC|NO",
                "Sets the debug mode of later scripts; the playground has no Lua debugger, so only NO is accepted.",
                "O(1)",
                script_debug
            ),
            spec!(
                "script|exists",
                -3,
                NOSCRIPT,
                ACL,
                "2.6.0",
                "sha1 [sha1 ...]",
                "Tells, for each SHA-1 digest, whether that script is in the cache (1) or not (0).",
                "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
                script_exists
            ),
            spec!(
                "script|flush",
                -2,
                NOSCRIPT,
                ACL,
                "2.6.0",
                "[ASYNC|SYNC]",
                "Empties the script cache.",
                "O(N) with N being the number of scripts in cache",
                script_flush
            ),
            spec!("script|help", 2, HELP_FLAGS, ACL, "5.0.0", "", "Lists the SCRIPT subcommands.", "O(1)", script_help),
            spec!(
                "script|kill",
                2,
                &["noscript", "allow_busy"],
                ACL,
                "2.6.0",
                "",
                "Stops the running EVAL script, if it has not written anything yet.",
                "O(1)",
                script_kill
            ),
            spec!(
                "script|load",
                3,
                &["noscript", "stale"],
                ACL,
                "2.6.0",
                "script",
                "Compiles a script into the cache without running it and returns its SHA-1 digest.",
                "O(N) with N being the length in bytes of the script body.",
                script_load
            ),
        ],
    },
    CommandSpec {
        name: "function",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::Scripting,
        since: "7.0.0",
        syntax: "",
        summary: "Groups the commands that manage function libraries.",
        complexity: "Depends on subcommand.",
        handler: container,
        subcommands: &[
            spec!(
                "function|delete",
                3,
                &["write", "noscript"],
                WRITE_ACL,
                "7.0.0",
                "library-name",
                "Deletes a library and all its functions.",
                "O(1)",
                function_delete
            ),
            spec!(
                "function|dump",
                2,
                NOSCRIPT,
                ACL,
                "7.0.0",
                "",
                "Returns every library as one payload that FUNCTION RESTORE accepts.",
                "O(N) where N is the number of functions",
                function_dump
            ),
            spec!(
                "function|flush",
                -2,
                &["write", "noscript"],
                WRITE_ACL,
                "7.0.0",
                "[ASYNC|SYNC]",
                "Deletes every library.",
                "O(N) where N is the number of functions deleted",
                function_flush
            ),
            spec!(
                "function|help",
                2,
                HELP_FLAGS,
                ACL,
                "7.0.0",
                "",
                "Lists the FUNCTION subcommands.",
                "O(1)",
                function_help
            ),
            spec!(
                "function|kill",
                2,
                &["noscript", "allow_busy"],
                ACL,
                "7.0.0",
                "",
                "Stops the running function, if it has not written anything yet.",
                "O(1)",
                function_kill
            ),
            spec!(
                "function|list",
                -2,
                NOSCRIPT,
                ACL,
                "7.0.0",
                "[LIBRARYNAME library-name-pattern] [WITHCODE]",
                "Lists the libraries, their functions and flags, optionally with their code.",
                "O(N) where N is the number of functions",
                function_list
            ),
            spec!(
                "function|load",
                -3,
                &["write", "denyoom", "noscript"],
                WRITE_ACL,
                "7.0.0",
                "[REPLACE] function-code",
                "Loads a library: runs its code, which registers functions with redis.register_function.",
                "O(1) (considering compilation time is redundant)",
                function_load
            ),
            spec!(
                "function|restore",
                -3,
                &["write", "denyoom", "noscript"],
                WRITE_ACL,
                "7.0.0",
                "serialized-value [FLUSH|APPEND|REPLACE]",
                "Loads the libraries of a FUNCTION DUMP payload.",
                "O(N) where N is the number of functions on the payload",
                function_restore
            ),
            spec!(
                "function|stats",
                2,
                &["noscript", "allow_busy"],
                ACL,
                "7.0.0",
                "",
                "Tells which function is running, if any, and how many libraries and functions exist.",
                "O(1)",
                function_stats
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    use crate::engine::test_run as run;

    #[test]
    fn numkeys_errors() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "eval x -1"), Reply::Error("ERR Number of keys can't be negative".into()));
        assert_eq!(
            run(&mut e, c, "eval x 2 a"),
            Reply::Error("ERR Number of keys can't be greater than number of args".into())
        );
        assert_eq!(run(&mut e, c, "eval x y"), Reply::Error("ERR value is not an integer or out of range".into()));
        assert_eq!(
            run(&mut e, c, "evalsha ffffffffffffffffffffffffffffffffffffffff 0"),
            Reply::Error("NOSCRIPT No matching script. Please use EVAL.".into())
        );
        assert_eq!(run(&mut e, c, "fcall nosuch -1"), Reply::Error("ERR Function not found".into()));
    }

    #[test]
    fn script_admin_without_scripts() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "script kill"), Reply::Error("NOTBUSY No scripts in execution right now.".into()));
        assert_eq!(run(&mut e, c, "function kill"), Reply::Error("NOTBUSY No scripts in execution right now.".into()));
        assert_eq!(
            run(&mut e, c, "script flush foo"),
            Reply::Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option".into())
        );
        assert_eq!(run(&mut e, c, "script flush async"), Reply::ok());
        assert_eq!(
            run(&mut e, c, "script exists ffffffffffffffffffffffffffffffffffffffff"),
            Reply::Array(vec![Reply::Int(0)])
        );
        assert_eq!(run(&mut e, c, "function load \"return 1\""), Reply::Error("ERR Missing library metadata".into()));
        assert_eq!(run(&mut e, c, "function delete x"), Reply::Error("ERR Library not found".into()));
        assert_eq!(
            run(&mut e, c, "function restore garbage"),
            Reply::Error("ERR DUMP payload version or checksum are wrong".into())
        );
        assert_eq!(run(&mut e, c, "function list"), Reply::Array(vec![]));
    }

    #[test]
    fn function_libraries_register_list_call_and_round_trip() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        let lib = "function load \"#!lua name=lib\nredis.register_function{function_name='get1', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}, description='reads'}\"";
        assert_eq!(run(&mut e, c, lib), Reply::bulk_str("lib"));
        assert_eq!(
            run(&mut e, c, "function load \"#!lua name=bad\nredis.register_function('x', 1)\""),
            Reply::Error(
                "ERR Error registering functions: ERR second argument to redis.register_function must be a function"
                    .into()
            )
        );
        assert_eq!(
            run(&mut e, c, "function load \"#!lua name=bad\nredis.register_function{function_name='x', callback=function() end, flags={'fast'}}\""),
            Reply::Error("ERR Error registering functions: ERR unknown flag given".into())
        );
        run(&mut e, c, "set k v");
        assert_eq!(run(&mut e, c, "fcall_ro GET1 1 k"), Reply::bulk_str("v"));
        let Reply::Array(libs) = run(&mut e, c, "function list") else { panic!("not an array") };
        assert_eq!(libs.len(), 1);
        let Reply::Bulk(payload) = run(&mut e, c, "function dump") else { panic!("not a bulk") };
        assert_eq!(run(&mut e, c, "function flush"), Reply::ok());
        assert_eq!(run(&mut e, c, "fcall get1 1 k"), Reply::Error("ERR Function not found".into()));
        let restore = vec![b"function".to_vec(), b"restore".to_vec(), payload];
        assert_eq!(e.execute(c, &restore), Reply::ok());
        assert_eq!(e.execute(c, &restore), Reply::Error("ERR Library lib already exists".into()));
        assert_eq!(run(&mut e, c, "fcall get1 1 k"), Reply::bulk_str("v"));
    }
}
