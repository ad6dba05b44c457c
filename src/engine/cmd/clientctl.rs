//! CLIENT PAUSE / UNPAUSE / NO-EVICT / UNBLOCK (their specs sit in connection.rs's CLIENT
//! table), and DEBUG's playground-safe subset: SLEEP, OBJECT, SET-ACTIVE-EXPIRE, HELP.

use crate::engine::cmd::connection::help_reply;
use crate::engine::keyspace::{StrEnc, Value};
use crate::engine::memory;
use crate::engine::pause::PauseMode;
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::tracking::Tracker;
use crate::engine::Ctx;

/// CLIENT PAUSE timeout [WRITE|ALL]
pub fn client_pause(ctx: &mut Ctx) -> CmdResult {
    if ctx.argv.len() > 4 {
        let sub = ctx.argv.get(1).map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
        return Err(RedisError::err(format!(
            "unknown subcommand or wrong number of arguments for '{sub}'. Try CLIENT HELP."
        )));
    }
    let mut args = ctx.args();
    let timeout = args.next()?.to_vec();
    let mode = match args.next_opt() {
        None => PauseMode::All,
        Some(m) if m.eq_ignore_ascii_case(b"write") => PauseMode::Write,
        Some(m) if m.eq_ignore_ascii_case(b"all") => PauseMode::All,
        Some(_) => return Err(RedisError::err("CLIENT PAUSE mode must be WRITE or ALL")),
    };
    let ms = crate::engine::num::parse_i64(&timeout)
        .ok_or_else(|| RedisError::err("timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(RedisError::err("timeout is negative"));
    }
    let now = ctx.now_ms();
    let end = if ms > 0 {
        if ms > i64::MAX - now {
            return Err(RedisError::err("timeout is out of range"));
        }
        ms + now
    } else {
        0
    };
    ctx.eng.pause_clients(mode, end);
    Ok(Reply::ok())
}

/// CLIENT UNPAUSE
pub fn client_unpause(ctx: &mut Ctx) -> CmdResult {
    ctx.eng.unpause_clients();
    Ok(Reply::ok())
}

/// CLIENT NO-EVICT ON|OFF: recorded (flag `e` in CLIENT LIST); the playground never evicts
/// clients anyway.
pub fn client_no_evict(ctx: &mut Ctx) -> CmdResult {
    let arg = ctx.args().next()?.to_vec();
    if arg.eq_ignore_ascii_case(b"on") {
        ctx.eng.no_evict.insert(ctx.client);
    } else if arg.eq_ignore_ascii_case(b"off") {
        ctx.eng.no_evict.remove(&ctx.client);
    } else {
        return Err(RedisError::syntax());
    }
    Ok(Reply::ok())
}

/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: 1 if the client was blocked on keys and is now
/// answered (its timeout reply, or an UNBLOCKED error).
pub fn client_unblock(ctx: &mut Ctx) -> CmdResult {
    let mut args = ctx.args();
    let id = args.int()?;
    let error = match args.next_opt() {
        None => false,
        Some(m) if m.eq_ignore_ascii_case(b"timeout") => false,
        Some(m) if m.eq_ignore_ascii_case(b"error") => true,
        Some(_) => return Err(RedisError::err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
    };
    let Ok(id) = u64::try_from(id) else { return Ok(Reply::Int(0)) };
    let Some(b) = ctx.eng.blocking.clients.get(&id) else { return Ok(Reply::Int(0)) };
    if b.postponed {
        return Ok(Reply::Int(0));
    }
    let reply = if error {
        Reply::Error("UNBLOCKED client unblocked via CLIENT UNBLOCK".into())
    } else {
        b.timeout_reply.clone()
    };
    Ok(Reply::Int(i64::from(ctx.eng.unblock_with(id, reply))))
}

// ---- CLIENT TRACKING ------------------------------------------------------------------------

/// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP], with
/// Redis's checks in Redis's order.
pub fn client_tracking(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let mut t = Tracker::default();
    let mut prefixes: Vec<Vec<u8>> = Vec::new();
    let mut j = 3;
    while j < argv.len() {
        let a = &argv[j];
        let more = j + 1 < argv.len();
        if a.eq_ignore_ascii_case(b"redirect") && more {
            j += 1;
            if t.redirect != 0 {
                return Err(RedisError::err("A client can only redirect to a single other client"));
            }
            let id = crate::engine::num::parse_i64(&argv[j]).ok_or_else(RedisError::not_integer)?;
            let id = u64::try_from(id).ok().filter(|id| ctx.eng.client(*id).is_some());
            let Some(id) = id else {
                return Err(RedisError::err("The client ID you want redirect to does not exist"));
            };
            t.redirect = id;
        } else if a.eq_ignore_ascii_case(b"bcast") {
            t.bcast = true;
        } else if a.eq_ignore_ascii_case(b"optin") {
            t.optin = true;
        } else if a.eq_ignore_ascii_case(b"optout") {
            t.optout = true;
        } else if a.eq_ignore_ascii_case(b"noloop") {
            t.noloop = true;
        } else if a.eq_ignore_ascii_case(b"prefix") && more {
            j += 1;
            prefixes.push(argv[j].clone());
        } else {
            return Err(RedisError::syntax());
        }
        j += 1;
    }
    let mode = argv.get(2).map(|v| v.as_slice()).unwrap_or_default();
    if mode.eq_ignore_ascii_case(b"on") {
        let old = ctx.eng.tracker(ctx.client).cloned();
        if !t.bcast && !prefixes.is_empty() {
            return Err(RedisError::err("PREFIX option requires BCAST mode to be enabled"));
        }
        if let Some(o) = &old {
            if o.bcast != t.bcast {
                return Err(RedisError::err("You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."));
            }
        }
        if t.bcast && (t.optin || t.optout) {
            return Err(RedisError::err("OPTIN and OPTOUT are not compatible with BCAST"));
        }
        if t.optin && t.optout {
            return Err(RedisError::err("You can't specify both OPTIN mode and OPTOUT mode"));
        }
        if let Some(o) = &old {
            if (t.optin && o.optout) || (t.optout && o.optin) {
                return Err(RedisError::err("You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."));
            }
        }
        if t.bcast {
            let existing: Vec<Vec<u8>> = old.map(|o| o.prefixes.into_iter().collect()).unwrap_or_default();
            for (i, p) in prefixes.iter().enumerate() {
                let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                if let Some(c) = existing.iter().find(|e| e.starts_with(p) || p.starts_with(e)) {
                    return Err(RedisError::err(format!(
                        "Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                        show(p),
                        show(c)
                    )));
                }
                if let Some(q) = prefixes[i + 1..].iter().find(|q| q.starts_with(p) || p.starts_with(q)) {
                    return Err(RedisError::err(format!(
                        "Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                        show(p),
                        show(q)
                    )));
                }
            }
        }
        t.prefixes = prefixes.into_iter().collect();
        ctx.eng.enable_tracking(ctx.client, t);
    } else if mode.eq_ignore_ascii_case(b"off") {
        ctx.eng.disable_tracking(ctx.client);
    } else {
        return Err(RedisError::syntax());
    }
    Ok(Reply::ok())
}

/// CLIENT CACHING YES|NO
pub fn client_caching(ctx: &mut Ctx) -> CmdResult {
    let arg = ctx.args().next()?.to_vec();
    let id = ctx.client;
    let Some(t) = ctx.eng.tracking.clients.get_mut(&id) else {
        return Err(RedisError::err(
            "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        ));
    };
    if arg.eq_ignore_ascii_case(b"yes") {
        if !t.optin {
            return Err(RedisError::err("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."));
        }
    } else if arg.eq_ignore_ascii_case(b"no") {
        if !t.optout {
            return Err(RedisError::err("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."));
        }
    } else {
        return Err(RedisError::syntax());
    }
    t.caching = true;
    Ok(Reply::ok())
}

/// CLIENT GETREDIR: the redirect id (0 for none) when tracking, else -1.
pub fn client_getredir(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Int(ctx.eng.tracker(ctx.client).map_or(-1, |t| t.redirect as i64)))
}

/// CLIENT TRACKINGINFO: flags, redirect and prefixes, as Redis lists them.
pub fn client_trackinginfo(ctx: &mut Ctx) -> CmdResult {
    let t = ctx.eng.tracker(ctx.client);
    let mut flags = vec![Reply::bulk_str(if t.is_some() { "on" } else { "off" })];
    if let Some(t) = t {
        if t.bcast {
            flags.push(Reply::bulk_str("bcast"));
        }
        if t.optin {
            flags.push(Reply::bulk_str("optin"));
            if t.caching {
                flags.push(Reply::bulk_str("caching-yes"));
            }
        }
        if t.optout {
            flags.push(Reply::bulk_str("optout"));
            if t.caching {
                flags.push(Reply::bulk_str("caching-no"));
            }
        }
        if t.noloop {
            flags.push(Reply::bulk_str("noloop"));
        }
        if t.broken_redirect {
            flags.push(Reply::bulk_str("broken_redirect"));
        }
    }
    let redirect = t.map_or(-1, |t| t.redirect as i64);
    let prefixes: Vec<Reply> =
        t.map(|t| t.prefixes.iter().map(|p| Reply::bulk(p.clone())).collect()).unwrap_or_default();
    Ok(Reply::Map(vec![
        (Reply::bulk_str("flags"), Reply::Set(flags)),
        (Reply::bulk_str("redirect"), Reply::Int(redirect)),
        (Reply::bulk_str("prefixes"), Reply::Array(prefixes)),
    ]))
}

// ---- DEBUG ----------------------------------------------------------------------------------

/// C's `strtod` on a prefix: the longest leading part that is a number, else 0.
fn strtod_prefix(b: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(b);
    let s = s.trim_start();
    let mut best = 0.0;
    for end in 1..=s.len() {
        if let Some(part) = s.get(..end) {
            if let Ok(v) = part.parse::<f64>() {
                best = v;
            }
        }
    }
    best
}

/// Bytes of an RDB length prefix.
fn rdb_len(n: usize) -> usize {
    if n < 64 {
        1
    } else if n < 16384 {
        2
    } else if u32::try_from(n).is_ok() {
        5
    } else {
        9
    }
}

/// An RDB string: small integers in their integer encodings, the rest length-prefixed
/// (without the LZF compression Redis applies to strings over 20 bytes).
fn rdb_string(b: &[u8]) -> usize {
    if b.len() <= 11 {
        if let Some(v) = crate::engine::num::parse_i64(b) {
            if i8::try_from(v).is_ok() {
                return 2;
            } else if i16::try_from(v).is_ok() {
                return 3;
            } else if i32::try_from(v).is_ok() {
                return 5;
            }
        }
    }
    rdb_len(b.len()) + b.len()
}

fn rdb_blob(n: usize) -> usize {
    rdb_len(n) + n
}

/// DEBUG OBJECT's `serializedlength`: what RDB would write for the value (uncompressed).
fn serialized_length(v: &Value, list_fill: i64) -> usize {
    match v {
        Value::Str(s) => rdb_string(&s.bytes),
        Value::List(l) => {
            let nodes = memory::quicklist_nodes(&l.items, list_fill);
            rdb_len(nodes.len()) + nodes.iter().map(|n| 1 + rdb_blob(*n)).sum::<usize>()
        }
        Value::Hash(h) => match h {
            crate::engine::cmd::hash::HashValue::Listpack(_) => rdb_blob(memory::hash_listpack_bytes(h)),
            crate::engine::cmd::hash::HashValue::Table(d) => {
                rdb_len(d.len()) + d.iter().map(|(f, v)| rdb_string(f) + rdb_string(v)).sum::<usize>()
            }
        },
        Value::Set(s) => match s {
            crate::engine::cmd::set::SetValue::Intset(_) => rdb_blob(memory::intset_bytes(s)),
            crate::engine::cmd::set::SetValue::Hash(d) => {
                rdb_len(d.len()) + d.iter().map(|(m, _)| rdb_string(m)).sum::<usize>()
            }
        },
        Value::ZSet(z) => {
            if z.encoding_name() == "listpack" {
                rdb_blob(memory::zset_listpack_bytes(z))
            } else {
                rdb_len(z.len()) + z.iter().map(|(m, _)| rdb_string(m) + 8).sum::<usize>()
            }
        }
        Value::Stream(st) => {
            let nodes = st.node_bytes();
            rdb_len(nodes.len()) + nodes.iter().map(|n| rdb_blob(16) + rdb_blob(*n)).sum::<usize>() + 40
        }
    }
}

/// DEBUG OBJECT key: Redis's status line. The address is made up (stable per key).
fn debug_object(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    let now = ctx.now_ms();
    let lfu = ctx.eng.config.lfu_enabled();
    let no_shared = ctx.eng.config.maxmemory != 0
        && (ctx.eng.config.maxmemory_policy.contains("lru") || ctx.eng.config.maxmemory_policy.contains("lfu"));
    let (fill, compress) = (ctx.eng.config.list_max_listpack_size, ctx.eng.config.list_compress_depth);
    // Like Redis, a plain table lookup: no lazy expiry, no access time.
    let Some(e) = ctx.db().peek(key) else { return Err(RedisError::err("no such key")) };
    let shared = matches!(&e.value, Value::Str(s) if s.enc == StrEnc::Int && !no_shared
        && crate::engine::num::parse_i64(&s.bytes).is_some_and(|n| (0..10_000).contains(&n)));
    let refcount: i64 = if shared { 2_147_483_647 } else { 1 };
    let lru = if lfu {
        (((e.lru_ms / 60_000) & 0xFFFF) << 8) | i64::from(e.lfu_counter)
    } else {
        e.lru_ms.div_euclid(1000) & ((1 << 24) - 1)
    };
    let idle = crate::engine::evict::idle_ms(e.lru_ms, now) / 1000;
    let addr = 0x7f00_0000_0000u64 | (crate::engine::dict::hash_of(key) & 0xff_ffff_fff0);
    let mut extra = String::new();
    if let Value::List(l) = &e.value {
        let nodes = memory::quicklist_nodes(&l.items, fill);
        let n = nodes.len().max(1);
        extra = format!(
            " ql_nodes:{} ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{}",
            nodes.len(),
            l.items.len() as f64 / n as f64,
            fill,
            u8::from(compress != 0),
            nodes.iter().sum::<usize>()
        );
    }
    Ok(Reply::Status(format!(
        "Value at:0x{addr:x} refcount:{refcount} encoding:{} serializedlength:{} lru:{lru} lru_seconds_idle:{idle}{extra}",
        e.value.encoding_name(),
        serialized_length(&e.value, fill)
    )))
}

/// Redis's DEBUG HELP text (every subcommand it has; the playground runs a safe subset).
const DEBUG_HELP: &[&str] = &[
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
    "HELP",
    "    Prints this help.",
];

/// DEBUG subcommand ...: SLEEP parks the calling client on the injected clock (the engine
/// keeps serving others, unlike Redis, which stops); OBJECT and SET-ACTIVE-EXPIRE as Redis.
fn debug(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let sub = argv.get(1).map(|v| v.as_slice()).unwrap_or_default();
    let is = |w: &str| sub.eq_ignore_ascii_case(w.as_bytes());
    if is("help") && argv.len() == 2 {
        return Ok(help_reply(DEBUG_HELP));
    }
    if is("sleep") && argv.len() == 3 {
        let secs = strtod_prefix(&argv[2]);
        let us = secs * 1_000_000.0;
        let ms = if us.is_finite() { (us as i64) / 1000 } else { 0 };
        if ms <= 0 {
            return Ok(Reply::ok());
        }
        return ctx.block(Vec::new(), ms, Reply::ok());
    }
    if is("object") && argv.len() == 3 {
        let key = argv[2].clone();
        return debug_object(ctx, &key);
    }
    if is("set-active-expire") && argv.len() == 3 {
        // C's atoi: the leading integer, 0 when there is none.
        let n = strtod_prefix(&argv[2]);
        ctx.eng.config.active_expire = n as i64 != 0;
        return Ok(Reply::ok());
    }
    const OTHERS: &[&str] = &[
        "aof-flush-sleep",
        "assert",
        "change-repl-id",
        "config-rewrite-force-all",
        "crash-and-recover",
        "digest",
        "digest-value",
        "error",
        "leak",
        "log",
        "htstats",
        "htstats-key",
        "listpack",
        "mallctl",
        "mallctl-str",
        "drop-cluster-packet-filter",
        "oom",
        "panic",
        "populate",
        "protocol",
        "reload",
        "restart",
        "sdslen",
        "segfault",
        "quicklist-packed-threshold",
        "set-skip-checksum-validation",
        "stringmatch-len",
        "structsize",
        "ziplist",
        "client-eviction",
        "pause-cron",
        "replybuffer",
    ];
    let name = String::from_utf8_lossy(sub).to_ascii_lowercase();
    if OTHERS.contains(&name.as_str()) {
        return Err(RedisError::err(format!(
            "DEBUG {} is not available in the playground (supported: SLEEP, OBJECT, SET-ACTIVE-EXPIRE, HELP)",
            name.to_ascii_uppercase()
        )));
    }
    Err(RedisError::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
        String::from_utf8_lossy(&sub[..sub.len().min(128)])
    )))
}

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "debug",
    arity: -2,
    flags: &["admin", "noscript", "loading", "stale"],
    first_key: 0,
    last_key: 0,
    step: 0,
    acl: &["@admin", "@slow", "@dangerous"],
    group: Group::Server,
    since: "1.0.0",
    syntax: "subcommand [argument ...]",
    summary: "Debugging helpers; the playground runs SLEEP, OBJECT, SET-ACTIVE-EXPIRE and HELP.",
    complexity: "Depends on subcommand.",
    handler: debug,
    subcommands: &[],
}];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    use crate::engine::test_run as run;

    #[test]
    fn debug_sleep_parks_only_the_caller() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let a = e.connect();
        let b = e.connect();
        assert_eq!(run(&mut e, a, "debug sleep 0"), Reply::ok());
        assert_eq!(run(&mut e, a, "debug sleep 0.5"), Reply::NoReply);
        assert_eq!(run(&mut e, b, "ping"), Reply::status("PONG"));
        clock.advance_ms(500);
        e.tick();
        assert_eq!(e.take_pushed(a), vec![Reply::ok()]);
    }

    #[test]
    fn debug_object_line() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "rpush ql a b c");
        let Reply::Status(line) = run(&mut e, c, "debug object ql") else { panic!() };
        assert!(line.starts_with("Value at:0x7f"), "{line}");
        assert!(line.contains(" refcount:1 encoding:quicklist serializedlength:19 lru:"), "{line}");
        assert!(
            line.ends_with(" ql_nodes:1 ql_avg_node:3.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:16")
        );
        run(&mut e, c, "hset dh a 1");
        let Reply::Status(line) = run(&mut e, c, "debug object dh") else { panic!() };
        assert!(line.contains(" encoding:listpack serializedlength:13 "), "{line}");
        run(&mut e, c, "set n 1");
        let Reply::Status(line) = run(&mut e, c, "debug object n") else { panic!() };
        assert!(line.contains(" refcount:2147483647 encoding:int serializedlength:2 "), "{line}");
        assert_eq!(run(&mut e, c, "debug object nosuch"), Reply::Error("ERR no such key".into()));
        assert!(matches!(run(&mut e, c, "debug reload"), Reply::Error(m) if m.contains("not available")));
    }

    #[test]
    fn set_active_expire_stops_the_cron() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "debug set-active-expire 0"), Reply::ok());
        run(&mut e, c, "set k v px 10");
        clock.advance_ms(20);
        e.tick();
        assert_eq!(run(&mut e, c, "dbsize"), Reply::Int(1));
        run(&mut e, c, "debug set-active-expire 1");
        e.tick();
        assert_eq!(run(&mut e, c, "dbsize"), Reply::Int(0));
    }
}
