//! Generic keyspace commands (Redis's db.c, expire.c and object.c): DEL, EXISTS, TYPE, KEYS,
//! SCAN, RENAME, COPY, MOVE, the EXPIRE family, TTL family, PERSIST, TOUCH, RANDOMKEY, OBJECT.

use crate::engine::events::EventClass;
use crate::engine::glob::Pattern;
use crate::engine::keyspace::{Access, Entry, StrEnc, Value};
use crate::engine::num::parse_i64;
use crate::engine::reply::{errors, CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{Ctx, DATABASES};

// ---- helpers --------------------------------------------------------------------------------

/// Redis's `OBJ_SHARED_INTEGERS`: integers below this are shared objects with a pinned refcount.
const SHARED_INTEGERS: i64 = 10_000;
/// The refcount OBJECT REFCOUNT reports for shared objects (`OBJ_SHARED_REFCOUNT`, INT_MAX).
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// What C's `%s` prints of an argument: the bytes up to the first NUL.
fn c_str(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(bytes.get(..end).unwrap_or(bytes)).into_owned()
}

/// A database index argument as MOVE and COPY DB read it (`getIntFromObjectOrReply`, then the
/// range of configured databases).
fn db_index_arg(raw: &[u8]) -> Result<usize, RedisError> {
    let n = parse_i64(raw).ok_or_else(RedisError::not_integer)?;
    if n < i64::from(i32::MIN) || n > i64::from(i32::MAX) {
        return Err(RedisError::err(format!(
            "value is out of range, value must between {} and {}",
            i32::MIN,
            i32::MAX
        )));
    }
    if n < 0 || n >= DATABASES as i64 {
        return Err(RedisError::raw(errors::DB_INDEX));
    }
    Ok(n as usize)
}

/// A SCAN cursor as C's `strtoul` reads it (what Redis uses): optional sign, decimal digits,
/// nothing after them; a leading space or an overflow is an error. The empty string is 0 and a
/// negative number wraps around, as in C.
fn parse_cursor(raw: &[u8]) -> Option<u64> {
    // C sees the argument only up to its first NUL byte.
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let s = raw.get(..end)?;
    let Some(&first) = s.first() else { return Some(0) };
    if matches!(first, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        return None;
    }
    let (neg, digits) = match first {
        b'-' => (true, s.get(1..)?),
        b'+' => (false, s.get(1..)?),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// Parses a SCAN-family cursor, with Redis's error for anything `strtoul` would not take.
pub fn parse_scan_cursor(raw: &[u8]) -> Result<u64, RedisError> {
    parse_cursor(raw).ok_or_else(|| RedisError::err("invalid cursor"))
}

/// The options shared by SCAN, SSCAN, HSCAN and ZSCAN.
pub struct ScanOptions {
    /// COUNT: how many elements to aim for per call (at least 1; default 10).
    pub count: i64,
    /// MATCH, or `None` when absent or `*` (everything matches).
    pub pattern: Option<Pattern>,
    /// TYPE (SCAN only): keep keys whose type name equals this, ignoring case.
    pub type_filter: Option<Vec<u8>>,
}

/// Parses `[MATCH pattern] [COUNT count] [TYPE type]` in any order, later ones winning, with
/// Redis's errors (COUNT below 1 is a syntax error). `allow_type` is false for the
/// per-collection scans, where TYPE is a syntax error. Redis parses these options after the
/// cursor and, for HSCAN and friends, after the key lookup.
pub fn parse_scan_options(opts: &[Vec<u8>], allow_type: bool) -> Result<ScanOptions, RedisError> {
    let mut o = ScanOptions { count: 10, pattern: None, type_filter: None };
    let mut i = 0;
    while let Some(opt) = opts.get(i) {
        // Every option takes a value; a trailing option name is a syntax error.
        let Some(value) = opts.get(i + 1) else { return Err(RedisError::syntax()) };
        if opt.eq_ignore_ascii_case(b"count") {
            o.count = parse_i64(value).ok_or_else(RedisError::not_integer)?;
            if o.count < 1 {
                return Err(RedisError::syntax());
            }
        } else if opt.eq_ignore_ascii_case(b"match") {
            let p = Pattern::new(value);
            o.pattern = if p.matches_everything() { None } else { Some(p) };
        } else if allow_type && opt.eq_ignore_ascii_case(b"type") {
            o.type_filter = Some(value.clone());
        } else {
            return Err(RedisError::syntax());
        }
        i += 2;
    }
    Ok(o)
}

/// Seconds from milliseconds, rounded half up as TTL and EXPIRETIME report them.
fn ms_to_rounded_secs(ms: i64) -> i64 {
    ms / 1000 + i64::from(ms % 1000 >= 500)
}

// ---- handlers: existence and deletion -------------------------------------------------------

/// DEL key [key ...] and UNLINK key [key ...] (we free memory at once either way).
fn del(ctx: &mut Ctx) -> CmdResult {
    let mut deleted = 0;
    for key in ctx.args().rest() {
        if ctx.delete_key(key) {
            ctx.notify(EventClass::Generic, "del", key);
            deleted += 1;
        }
    }
    ctx.dirty(deleted as u64);
    Ok(Reply::Int(deleted))
}

/// EXISTS key [key ...]
fn exists(ctx: &mut Ctx) -> CmdResult {
    let mut n = 0;
    for key in ctx.args().rest() {
        if ctx.lookup(key, Access::Peek).is_some() {
            n += 1;
        }
    }
    Ok(Reply::Int(n))
}

/// TOUCH key [key ...]: a read access that updates LRU/LFU.
fn touch(ctx: &mut Ctx) -> CmdResult {
    let mut n = 0;
    for key in ctx.args().rest() {
        if ctx.lookup(key, Access::Read).is_some() {
            n += 1;
        }
    }
    Ok(Reply::Int(n))
}

/// TYPE key
fn type_cmd(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    let name = ctx.lookup(key, Access::Peek).map(|e| e.value.type_name()).unwrap_or("none");
    Ok(Reply::status(name))
}

// ---- handlers: iteration --------------------------------------------------------------------

/// KEYS pattern: every live key that matches; expired keys are skipped but not deleted.
fn keys(ctx: &mut Ctx) -> CmdResult {
    let pattern = Pattern::new(ctx.args().next()?);
    let now = ctx.now_ms();
    let db = ctx.db();
    let found: Vec<Reply> = db
        .iter()
        .filter(|(k, _)| pattern.matches_everything() || pattern.matches(k, false))
        .filter(|(k, _)| !db.is_expired_at(k, now))
        .map(|(k, _)| Reply::Bulk(k.clone()))
        .collect();
    Ok(Reply::Array(found))
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
fn scan(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let mut cursor = parse_scan_cursor(a.next()?)?;
    let ScanOptions { count, pattern, type_filter } = parse_scan_options(a.rest(), true)?;

    // Visit buckets until COUNT keys were collected, giving up after 10×COUNT buckets so that
    // a sparse table cannot stall the server.
    let mut batch: Vec<Vec<u8>> = Vec::new();
    let mut budget = count.saturating_mul(10);
    let wanted = usize::try_from(count).unwrap_or(usize::MAX);
    loop {
        cursor = ctx.db().keys.scan_step(cursor, |k, _| batch.push(k.clone()));
        if cursor == 0 || budget == 0 {
            break;
        }
        budget -= 1;
        if batch.len() >= wanted {
            break;
        }
    }

    let mut out = Vec::with_capacity(batch.len());
    for key in batch {
        if let Some(p) = &pattern {
            if !p.matches(&key, false) {
                continue;
            }
        }
        if let Some(want) = &type_filter {
            let name = ctx.lookup(&key, Access::Peek).map(|e| e.value.type_name()).unwrap_or("none");
            if !name.as_bytes().eq_ignore_ascii_case(want) {
                continue;
            }
        }
        if ctx.expire_if_needed(&key) {
            continue;
        }
        out.push(Reply::Bulk(key));
    }
    Ok(Reply::Array(vec![Reply::Bulk(cursor.to_string().into_bytes()), Reply::Array(out)]))
}

/// RANDOMKEY: a random live key; expired keys drawn on the way are deleted.
fn randomkey(ctx: &mut Ctx) -> CmdResult {
    let db = ctx.db;
    loop {
        let eng = &mut *ctx.eng;
        let rng = &mut eng.rng;
        let Some(d) = eng.dbs.get(db) else { return Ok(Reply::Nil) };
        let Some((key, _)) = d.keys.random_entry(|| rng.next_u64()) else {
            return Ok(Reply::Nil);
        };
        let key = key.clone();
        let volatile = d.expires.contains_key(&key);
        if volatile && ctx.expire_if_needed(&key) {
            continue;
        }
        return Ok(Reply::Bulk(key));
    }
}

// ---- handlers: renaming and moving ----------------------------------------------------------

/// RENAME key newkey / RENAMENX key newkey
fn rename_generic(ctx: &mut Ctx, nx: bool) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst) = (a.next()?, a.next()?);
    if ctx.lookup(src, Access::Write).is_none() {
        return Err(RedisError::raw(errors::NO_SUCH_KEY));
    }
    // Renaming a key to itself changes nothing, but the key must still exist.
    if src == dst {
        return Ok(if nx { Reply::Int(0) } else { Reply::ok() });
    }
    if ctx.lookup(dst, Access::Write).is_some() {
        if nx {
            return Ok(Reply::Int(0));
        }
        ctx.db().remove(dst);
    }
    // The entry moves whole: value, time to live and access metadata.
    let Some(entry) = ctx.db().remove(src) else { return Err(RedisError::raw(errors::NO_SUCH_KEY)) };
    ctx.db().put(dst.to_vec(), entry);
    ctx.signal_modified(src);
    ctx.signal_modified(dst);
    ctx.notify(EventClass::Generic, "rename_from", src);
    ctx.notify(EventClass::Generic, "rename_to", dst);
    ctx.dirty(1);
    Ok(if nx { Reply::Int(1) } else { Reply::ok() })
}

fn rename(ctx: &mut Ctx) -> CmdResult {
    rename_generic(ctx, false)
}

fn renamenx(ctx: &mut Ctx) -> CmdResult {
    rename_generic(ctx, true)
}

/// MOVE key db
fn move_cmd(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let dst = db_index_arg(a.next()?)?;
    let src = ctx.db;
    if dst == src {
        return Err(RedisError::raw(errors::SAME_OBJECT));
    }
    if ctx.lookup(key, Access::Write).is_none() {
        return Ok(Reply::Int(0));
    }
    if ctx.eng.lookup(dst, key, Access::Write).is_some() {
        return Ok(Reply::Int(0));
    }
    let Some(entry) = ctx.db().remove(key) else { return Ok(Reply::Int(0)) };
    ctx.eng.db_mut(dst).put(key.to_vec(), entry);
    ctx.signal_modified(key);
    ctx.eng.signal_modified(dst, key);
    ctx.notify(EventClass::Generic, "move_from", key);
    ctx.eng.notify(EventClass::Generic, "move_to", dst, key);
    ctx.dirty(1);
    Ok(Reply::Int(1))
}

/// COPY source destination [DB destination-db] [REPLACE]
fn copy(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst) = (a.next()?, a.next()?);
    let mut replace = false;
    let mut dst_db = ctx.db;
    while let Some(opt) = a.next_opt() {
        if opt.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if opt.eq_ignore_ascii_case(b"db") && a.remaining() >= 1 {
            dst_db = db_index_arg(a.next()?)?;
        } else {
            return Err(RedisError::syntax());
        }
    }
    if dst_db == ctx.db && src == dst {
        return Err(RedisError::raw(errors::SAME_OBJECT));
    }
    let Some(entry) = ctx.lookup(src, Access::Read) else { return Ok(Reply::Int(0)) };
    let (value, expire_at) = (entry.value.clone(), entry.expire_at);
    if ctx.eng.lookup(dst_db, dst, Access::Write).is_some() {
        if !replace {
            return Ok(Reply::Int(0));
        }
        ctx.eng.db_mut(dst_db).remove(dst);
    }
    // The copy is a new object: fresh access metadata, same encoding and time to live.
    let mut copied = Entry::new(value, ctx.now_ms());
    copied.expire_at = expire_at;
    ctx.eng.db_mut(dst_db).put(dst.to_vec(), copied);
    ctx.eng.signal_modified(dst_db, dst);
    ctx.eng.notify(EventClass::Generic, "copy_to", dst_db, dst);
    ctx.dirty(1);
    Ok(Reply::Int(1))
}

// ---- handlers: time to live -----------------------------------------------------------------

/// The NX/XX/GT/LT options of the EXPIRE family.
#[derive(Clone, Copy, Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT key time [NX | XX | GT | LT]. `basetime` is added to the
/// (unit-converted) argument: the current time for relative forms, 0 for absolute ones.
fn expire_generic(ctx: &mut Ctx, basetime: i64, seconds: bool) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let raw_when = a.next()?;
    // Options are validated before the time argument, as Redis does.
    let mut f = ExpireFlags::default();
    for opt in a.rest() {
        match String::from_utf8_lossy(opt).to_ascii_lowercase().as_str() {
            "nx" => f.nx = true,
            "xx" => f.xx = true,
            "gt" => f.gt = true,
            "lt" => f.lt = true,
            _ => return Err(RedisError::err(format!("Unsupported option {}", c_str(opt)))),
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(RedisError::err("NX and XX, GT or LT options at the same time are not compatible"));
    }
    if f.gt && f.lt {
        return Err(RedisError::err("GT and LT options at the same time are not compatible"));
    }
    let invalid = || RedisError::err(format!("invalid expire time in '{}' command", ctx.cmd.name));
    let mut when = parse_i64(raw_when).ok_or_else(RedisError::not_integer)?;
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    when = when.checked_add(basetime).ok_or_else(invalid)?;

    let Some(entry) = ctx.lookup(key, Access::Write) else { return Ok(Reply::Int(0)) };
    let current = entry.expire_at;
    // A key without a time to live counts as living forever for GT and LT.
    let refused = (f.nx && current.is_some())
        || (f.xx && current.is_none())
        || (f.gt && current.is_none_or(|c| when <= c))
        || (f.lt && current.is_some_and(|c| when >= c));
    if refused {
        return Ok(Reply::Int(0));
    }
    if when <= ctx.now_ms() {
        // A time in the past deletes the key at once: it is a deletion, not an expiry.
        ctx.db().remove(key);
        ctx.signal_modified(key);
        ctx.notify(EventClass::Generic, "del", key);
    } else {
        ctx.db().set_expire(key, Some(when));
        ctx.signal_modified(key);
        ctx.notify(EventClass::Generic, "expire", key);
    }
    ctx.dirty(1);
    Ok(Reply::Int(1))
}

fn expire(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.now_ms();
    expire_generic(ctx, now, true)
}

fn pexpire(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.now_ms();
    expire_generic(ctx, now, false)
}

fn expireat(ctx: &mut Ctx) -> CmdResult {
    expire_generic(ctx, 0, true)
}

fn pexpireat(ctx: &mut Ctx) -> CmdResult {
    expire_generic(ctx, 0, false)
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 without a time to live.
fn ttl_generic(ctx: &mut Ctx, millis: bool, absolute: bool) -> CmdResult {
    let key = ctx.args().next()?;
    let now = ctx.now_ms();
    let Some(entry) = ctx.lookup(key, Access::Peek) else { return Ok(Reply::Int(-2)) };
    let Some(at) = entry.expire_at else { return Ok(Reply::Int(-1)) };
    let t = if absolute { at } else { at.saturating_sub(now) }.max(0);
    Ok(Reply::Int(if millis { t } else { ms_to_rounded_secs(t) }))
}

fn ttl(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, false, false)
}

fn pttl(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, true, false)
}

fn expiretime(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, false, true)
}

fn pexpiretime(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, true, true)
}

/// PERSIST key
fn persist(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    let has_ttl = matches!(ctx.lookup(key, Access::Write), Some(Entry { expire_at: Some(_), .. }));
    if !has_ttl {
        return Ok(Reply::Int(0));
    }
    ctx.db().set_expire(key, None);
    ctx.signal_modified(key);
    ctx.notify(EventClass::Generic, "persist", key);
    ctx.dirty(1);
    Ok(Reply::Int(1))
}

// ---- handlers: OBJECT -----------------------------------------------------------------------

const LFU_NOT_SELECTED: &str = "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
const LFU_SELECTED: &str = "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// OBJECT alone never reaches here: the dispatcher requires a subcommand.
fn object(_ctx: &mut Ctx) -> CmdResult {
    Err(RedisError::syntax())
}

/// OBJECT HELP: Redis's help lines, word for word (clients may parse them).
fn object_help(_ctx: &mut Ctx) -> CmdResult {
    const LINES: &[&str] = &[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(LINES.iter().map(|l| Reply::status(l)).collect()))
}

/// The entry OBJECT inspects, looked up without touching its access time.
fn object_entry<'c>(ctx: &'c mut Ctx) -> Result<Option<&'c mut Entry>, RedisError> {
    let key = ctx.args().next()?;
    Ok(ctx.lookup(key, Access::Peek))
}

/// OBJECT ENCODING key
fn object_encoding(ctx: &mut Ctx) -> CmdResult {
    Ok(match object_entry(ctx)? {
        Some(e) => Reply::bulk_str(e.value.encoding_name()),
        None => Reply::Nil,
    })
}

/// OBJECT REFCOUNT key: small integers are shared objects in Redis, everything else has one
/// owner.
fn object_refcount(ctx: &mut Ctx) -> CmdResult {
    let no_shared = ctx.eng.config.maxmemory != 0
        && (ctx.eng.config.maxmemory_policy.contains("lru") || ctx.eng.config.maxmemory_policy.contains("lfu"));
    let Some(e) = object_entry(ctx)? else { return Ok(Reply::Nil) };
    let shared = match &e.value {
        Value::Str(s) => {
            s.enc == StrEnc::Int && !no_shared && parse_i64(&s.bytes).is_some_and(|n| (0..SHARED_INTEGERS).contains(&n))
        }
        #[allow(unreachable_patterns)]
        _ => false,
    };
    Ok(Reply::Int(if shared { SHARED_REFCOUNT } else { 1 }))
}

/// OBJECT IDLETIME key: seconds since the last access, on Redis's one-second LRU clock.
fn object_idletime(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.now_ms();
    let lfu = ctx.eng.config.lfu_enabled();
    let Some(e) = object_entry(ctx)? else { return Ok(Reply::Nil) };
    if lfu {
        return Err(RedisError::err(LFU_SELECTED));
    }
    // Whole seconds elapsed (Redis counts on a cached one-second clock; elapsed time keeps
    // back-to-back calls at 0 instead of flipping at a second boundary).
    Ok(Reply::Int(now.saturating_sub(e.lru_ms).max(0) / 1000))
}

/// OBJECT FREQ key: the LFU counter after the decay for the minutes since the last access.
fn object_freq(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.now_ms();
    let lfu = ctx.eng.config.lfu_enabled();
    let decay = i64::from(ctx.eng.config.lfu_decay_time);
    let Some(e) = object_entry(ctx)? else { return Ok(Reply::Nil) };
    if !lfu {
        return Err(RedisError::err(LFU_NOT_SELECTED));
    }
    let minutes = now.saturating_sub(e.lru_ms).max(0) / 60_000;
    let periods = if decay > 0 { minutes / decay } else { 0 };
    Ok(Reply::Int((i64::from(e.lfu_counter) - periods).max(0)))
}

// ---- table ----------------------------------------------------------------------------------

/// A generic-group command without subcommands.
macro_rules! spec {
    ($name:expr, $arity:expr, $flags:expr, $keys:expr, $acl:expr, $since:expr, $syntax:expr, $summary:expr, $cx:expr, $h:expr) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $keys.0,
            last_key: $keys.1,
            step: $keys.2,
            acl: $acl,
            group: Group::Generic,
            since: $since,
            syntax: $syntax,
            summary: $summary,
            complexity: $cx,
            handler: $h,
            subcommands: &[],
        }
    };
}

const ONE_KEY: (i32, i32, i32) = (1, 1, 1);
const ALL_KEYS: (i32, i32, i32) = (1, -1, 1);
const TWO_KEYS: (i32, i32, i32) = (1, 2, 1);
const NO_KEYS: (i32, i32, i32) = (0, 0, 0);
const OBJ_KEY: (i32, i32, i32) = (2, 2, 1);

const KS_WRITE_FAST: &[&str] = &["@keyspace", "@write", "@fast"];
const KS_WRITE_SLOW: &[&str] = &["@keyspace", "@write", "@slow"];
const KS_READ_FAST: &[&str] = &["@keyspace", "@read", "@fast"];
const KS_READ_SLOW: &[&str] = &["@keyspace", "@read", "@slow"];

pub const COMMANDS: &[CommandSpec] = &[
    spec!(
        "del",
        -2,
        &["write"],
        ALL_KEYS,
        KS_WRITE_SLOW,
        "1.0.0",
        "key [key ...]",
        "Removes the given keys, whatever their type, and returns how many existed.",
        "O(N) for N keys; removing a collection is O(M) in its elements.",
        del
    ),
    spec!(
        "unlink",
        -2,
        &["write", "fast"],
        ALL_KEYS,
        KS_WRITE_FAST,
        "4.0.0",
        "key [key ...]",
        "Removes the given keys like DEL, but a real server reclaims their memory in the background.",
        "O(1) per key; freeing a large value happens off the main thread.",
        del
    ),
    spec!(
        "exists",
        -2,
        &["readonly", "fast"],
        ALL_KEYS,
        KS_READ_FAST,
        "1.0.0",
        "key [key ...]",
        "Counts how many of the given keys exist; a key named twice counts twice.",
        "O(N) for N keys",
        exists
    ),
    spec!(
        "type",
        2,
        &["readonly", "fast"],
        ONE_KEY,
        KS_READ_FAST,
        "1.0.0",
        "key",
        "Names the data type stored at a key (string, list, set, zset, hash, stream), or none.",
        "O(1)",
        type_cmd
    ),
    spec!(
        "keys",
        2,
        &["readonly"],
        NO_KEYS,
        &["@keyspace", "@read", "@slow", "@dangerous"],
        "1.0.0",
        "pattern",
        "Lists every key whose name matches a glob pattern; it walks the whole database, so prefer SCAN.",
        "O(N) for N keys in the database",
        keys
    ),
    spec!(
        "scan",
        -2,
        &["readonly"],
        NO_KEYS,
        KS_READ_SLOW,
        "2.8.0",
        "cursor [MATCH pattern] [COUNT count] [TYPE type]",
        "Walks the keyspace a few keys per call: pass back the returned cursor until it is 0.",
        "O(1) per call, O(N) for a full walk",
        scan
    ),
    spec!(
        "randomkey",
        1,
        &["readonly"],
        NO_KEYS,
        KS_READ_SLOW,
        "1.0.0",
        "",
        "Returns the name of a key picked at random, or nil when the database is empty.",
        "O(1)",
        randomkey
    ),
    spec!(
        "rename",
        3,
        &["write"],
        TWO_KEYS,
        KS_WRITE_SLOW,
        "1.0.0",
        "key newkey",
        "Gives a key a new name, overwriting whatever the new name held; the time to live moves along.",
        "O(1)",
        rename
    ),
    spec!(
        "renamenx",
        3,
        &["write", "fast"],
        TWO_KEYS,
        KS_WRITE_FAST,
        "1.0.0",
        "key newkey",
        "Renames a key only when the new name is free; replies 1 if it did.",
        "O(1)",
        renamenx
    ),
    spec!(
        "copy",
        -3,
        &["write", "denyoom"],
        TWO_KEYS,
        KS_WRITE_SLOW,
        "6.2.0",
        "source destination [DB destination-db] [REPLACE]",
        "Duplicates a key's value and time to live under another name, possibly in another database.",
        "O(N) in the size of the copied value",
        copy
    ),
    spec!(
        "move",
        3,
        &["write", "fast"],
        ONE_KEY,
        KS_WRITE_FAST,
        "1.0.0",
        "key db",
        "Moves a key to another database unless that database already has the name.",
        "O(1)",
        move_cmd
    ),
    spec!(
        "expire",
        -3,
        &["write", "fast"],
        ONE_KEY,
        KS_WRITE_FAST,
        "1.0.0",
        "key seconds [NX | XX | GT | LT]",
        "Sets a key to disappear after the given number of seconds; conditions restrict when it applies.",
        "O(1)",
        expire
    ),
    spec!(
        "pexpire",
        -3,
        &["write", "fast"],
        ONE_KEY,
        KS_WRITE_FAST,
        "2.6.0",
        "key milliseconds [NX | XX | GT | LT]",
        "Like EXPIRE with the time to live in milliseconds.",
        "O(1)",
        pexpire
    ),
    spec!(
        "expireat",
        -3,
        &["write", "fast"],
        ONE_KEY,
        KS_WRITE_FAST,
        "1.2.0",
        "key unix-time-seconds [NX | XX | GT | LT]",
        "Sets a key to disappear at a Unix time given in seconds; a past time deletes it now.",
        "O(1)",
        expireat
    ),
    spec!(
        "pexpireat",
        -3,
        &["write", "fast"],
        ONE_KEY,
        KS_WRITE_FAST,
        "2.6.0",
        "key unix-time-milliseconds [NX | XX | GT | LT]",
        "Like EXPIREAT with the Unix time in milliseconds.",
        "O(1)",
        pexpireat
    ),
    spec!(
        "ttl",
        2,
        &["readonly", "fast"],
        ONE_KEY,
        KS_READ_FAST,
        "1.0.0",
        "key",
        "Seconds a key has left to live: -1 if it never expires, -2 if it does not exist.",
        "O(1)",
        ttl
    ),
    spec!(
        "pttl",
        2,
        &["readonly", "fast"],
        ONE_KEY,
        KS_READ_FAST,
        "2.6.0",
        "key",
        "Like TTL in milliseconds.",
        "O(1)",
        pttl
    ),
    spec!(
        "expiretime",
        2,
        &["readonly", "fast"],
        ONE_KEY,
        KS_READ_FAST,
        "7.0.0",
        "key",
        "The Unix time in seconds at which a key will expire: -1 if never, -2 if the key does not exist.",
        "O(1)",
        expiretime
    ),
    spec!(
        "pexpiretime",
        2,
        &["readonly", "fast"],
        ONE_KEY,
        KS_READ_FAST,
        "7.0.0",
        "key",
        "Like EXPIRETIME in milliseconds.",
        "O(1)",
        pexpiretime
    ),
    spec!(
        "persist",
        2,
        &["write", "fast"],
        ONE_KEY,
        KS_WRITE_FAST,
        "2.2.0",
        "key",
        "Removes a key's time to live so that it is kept forever; replies 1 if there was one.",
        "O(1)",
        persist
    ),
    spec!(
        "touch",
        -2,
        &["readonly", "fast"],
        ALL_KEYS,
        KS_READ_FAST,
        "3.2.1",
        "key [key ...]",
        "Marks keys as just used (for LRU/LFU eviction) and counts how many exist.",
        "O(N) for N keys",
        touch
    ),
    CommandSpec {
        name: "object",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::Generic,
        since: "2.2.3",
        syntax: "<subcommand> [arguments]",
        summary: "Looks inside the object that holds a key's value: encoding, reference count, idle time, access frequency.",
        complexity: "Depends on the subcommand",
        handler: object,
        subcommands: &[
            spec!(
                "object|encoding",
                3,
                &["readonly"],
                OBJ_KEY,
                KS_READ_SLOW,
                "2.2.3",
                "key",
                "Names the internal representation of a key's value (listpack, hashtable, int, embstr, ...).",
                "O(1)",
                object_encoding
            ),
            spec!(
                "object|freq",
                3,
                &["readonly"],
                OBJ_KEY,
                KS_READ_SLOW,
                "4.0.0",
                "key",
                "Reports a key's logarithmic access counter; only with an LFU eviction policy.",
                "O(1)",
                object_freq
            ),
            spec!(
                "object|help",
                2,
                &["loading", "stale"],
                NO_KEYS,
                &["@keyspace", "@slow"],
                "6.2.0",
                "",
                "Lists the OBJECT subcommands.",
                "O(1)",
                object_help
            ),
            spec!(
                "object|idletime",
                3,
                &["readonly"],
                OBJ_KEY,
                KS_READ_SLOW,
                "2.2.3",
                "key",
                "Seconds since a key was last read or written; not tracked under an LFU policy.",
                "O(1)",
                object_idletime
            ),
            spec!(
                "object|refcount",
                3,
                &["readonly"],
                OBJ_KEY,
                KS_READ_SLOW,
                "2.2.3",
                "key",
                "How many references the server holds to a key's value object (shared small integers report a huge number).",
                "O(1)",
                object_refcount
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::parse_cursor;
    use crate::engine::{Engine, Reply, VirtualClock};

    fn setup() -> (Engine, VirtualClock, u64) {
        let (mut e, clock) = Engine::with_virtual_clock();
        let c = e.connect();
        (e, clock, c)
    }

    use crate::engine::test_run as run;

    fn events(e: &mut Engine) -> Vec<String> {
        e.drain_events()
            .into_iter()
            .map(|ev| format!("{}:{}:{}", ev.event, ev.db, String::from_utf8_lossy(&ev.key)))
            .collect()
    }

    #[test]
    fn cursor_parsing_follows_strtoul() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"+7"), Some(7));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_cursor(b"5\x00junk"), Some(5));
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"1 "), None);
        assert_eq!(parse_cursor(b"+"), None);
        assert_eq!(parse_cursor(b"0x1"), None);
    }

    #[test]
    fn expire_events_dirty_and_lazy_expiry() {
        let (mut e, clock, c) = setup();
        run(&mut e, c, "set k v");
        e.capture_events(true);
        let dirty = e.stats.dirty;
        assert_eq!(run(&mut e, c, "pexpire k 100"), Reply::Int(1));
        assert_eq!(run(&mut e, c, "pttl k"), Reply::Int(100));
        assert_eq!(run(&mut e, c, "ttl k"), Reply::Int(0));
        clock.advance_ms(50);
        assert_eq!(run(&mut e, c, "pttl k"), Reply::Int(50));
        assert_eq!(run(&mut e, c, "persist k"), Reply::Int(1));
        assert_eq!(run(&mut e, c, "persist k"), Reply::Int(0));
        assert_eq!(run(&mut e, c, "pexpire k 10"), Reply::Int(1));
        assert_eq!(e.stats.dirty, dirty + 3);
        clock.advance_ms(11);
        assert_eq!(run(&mut e, c, "ttl k"), Reply::Int(-2));
        assert_eq!(events(&mut e), ["expire:0:k", "persist:0:k", "expire:0:k", "expired:0:k"]);
        // A past time is a deletion.
        run(&mut e, c, "set d v");
        e.drain_events();
        assert_eq!(run(&mut e, c, "expire d -1"), Reply::Int(1));
        assert_eq!(events(&mut e), ["del:0:d"]);
        assert_eq!(run(&mut e, c, "exists d"), Reply::Int(0));
    }

    #[test]
    fn ttl_rounds_half_up() {
        let (mut e, clock, c) = setup();
        run(&mut e, c, "set k v px 1500");
        assert_eq!(run(&mut e, c, "ttl k"), Reply::Int(2));
        clock.advance_ms(1);
        assert_eq!(run(&mut e, c, "ttl k"), Reply::Int(1));
        run(&mut e, c, "pexpireat k 9223372036854775807");
        assert_eq!(run(&mut e, c, "expiretime k"), Reply::Int(9_223_372_036_854_776));
    }

    #[test]
    fn rename_copy_move_events() {
        let (mut e, _clock, c) = setup();
        run(&mut e, c, "set a v");
        e.capture_events(true);
        assert_eq!(run(&mut e, c, "rename a b"), Reply::ok());
        assert_eq!(run(&mut e, c, "copy b c db 2"), Reply::Int(1));
        assert_eq!(run(&mut e, c, "move b 3"), Reply::Int(1));
        assert_eq!(events(&mut e), ["rename_from:0:a", "rename_to:0:b", "copy_to:2:c", "move_from:0:b", "move_to:3:b"]);
        assert_eq!(run(&mut e, c, "rename nokey x"), Reply::Error("ERR no such key".into()));
    }

    #[test]
    fn scan_visits_every_key_once_per_walk_while_growing() {
        let (mut e, _clock, c) = setup();
        for i in 0..300 {
            run(&mut e, c, &format!("set key:{i} v"));
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let Reply::Array(parts) = run(&mut e, c, &format!("scan {cursor} count 7")) else { panic!() };
            let (Some(Reply::Bulk(next)), Some(Reply::Array(keys))) = (parts.first(), parts.get(1)) else { panic!() };
            for k in keys {
                if let Reply::Bulk(k) = k {
                    seen.insert(k.clone());
                }
            }
            calls += 1;
            if calls == 5 {
                for i in 300..2000 {
                    run(&mut e, c, &format!("set extra:{i} v"));
                }
            }
            cursor = String::from_utf8_lossy(next).into_owned();
            if cursor == "0" {
                break;
            }
        }
        for i in 0..300 {
            assert!(seen.contains(format!("key:{i}").as_bytes()), "missed key:{i}");
        }
    }

    #[test]
    fn scan_and_keys_skip_expired_keys() {
        let (mut e, clock, c) = setup();
        run(&mut e, c, "set live v");
        run(&mut e, c, "set dead v px 5");
        clock.advance_ms(10);
        assert_eq!(run(&mut e, c, "keys *"), Reply::bulks(["live"]));
        // KEYS does not delete; SCAN does.
        assert_eq!(e.db(0).map(|d| d.len()), Some(2));
        assert_eq!(run(&mut e, c, "scan 0"), Reply::Array(vec![Reply::bulk_str("0"), Reply::bulks(["live"])]));
        assert_eq!(e.db(0).map(|d| d.len()), Some(1));
    }

    #[test]
    fn randomkey_is_seeded_and_skips_expired() {
        let (mut e, clock, c) = setup();
        assert_eq!(run(&mut e, c, "randomkey"), Reply::Nil);
        for i in 0..20 {
            run(&mut e, c, &format!("set v{i} x px 5"));
        }
        run(&mut e, c, "set live x");
        clock.advance_ms(10);
        assert_eq!(run(&mut e, c, "randomkey"), Reply::bulk_str("live"));
        let mut seen = std::collections::HashSet::new();
        for i in 0..10 {
            run(&mut e, c, &format!("set k{i} x"));
        }
        for _ in 0..500 {
            if let Reply::Bulk(k) = run(&mut e, c, "randomkey") {
                seen.insert(k);
            }
        }
        assert_eq!(seen.len(), 11);
    }

    #[test]
    fn object_idletime_and_lfu_freq() {
        let (mut e, clock, c) = setup();
        run(&mut e, c, "set k v");
        clock.advance_ms(5_500);
        assert_eq!(run(&mut e, c, "object idletime k"), Reply::Int(5));
        run(&mut e, c, "get k");
        assert_eq!(run(&mut e, c, "object idletime k"), Reply::Int(0));
        e.config.maxmemory_policy = "allkeys-lfu".into();
        run(&mut e, c, "set f v");
        assert_eq!(run(&mut e, c, "object freq f"), Reply::Int(5));
        run(&mut e, c, "get f");
        assert_eq!(run(&mut e, c, "object freq f"), Reply::Int(6));
        // One point of decay per idle minute (lfu-decay-time 1).
        clock.advance_ms(3 * 60_000);
        assert_eq!(run(&mut e, c, "object freq f"), Reply::Int(3));
        assert!(run(&mut e, c, "object idletime f").is_error());
        assert_eq!(run(&mut e, c, "object idletime nokey"), Reply::Nil);
    }

    #[test]
    fn introspection_counts_hits_but_does_not_touch() {
        let (mut e, clock, c) = setup();
        run(&mut e, c, "set k v");
        clock.advance_ms(3_000);
        let (h, m) = (e.stats.keyspace_hits, e.stats.keyspace_misses);
        for line in ["exists k nokey", "type k", "ttl k", "object encoding k", "object idletime nokey"] {
            run(&mut e, c, line);
        }
        assert_eq!((e.stats.keyspace_hits - h, e.stats.keyspace_misses - m), (4, 2));
        assert_eq!(run(&mut e, c, "object idletime k"), Reply::Int(3));
        assert_eq!(run(&mut e, c, "touch k nokey"), Reply::Int(1));
        assert_eq!(run(&mut e, c, "object idletime k"), Reply::Int(0));
    }

    #[test]
    fn hostile_arguments_do_not_panic() {
        let (mut e, _clock, c) = setup();
        run(&mut e, c, "set k v");
        for line in [
            "scan 0 count 9223372036854775807",
            "scan 18446744073709551615 match [",
            "keys \\",
            "keys [^",
            "expire k -9223372036854775808",
            "pexpire k -9223372036854775808",
            "pexpireat k -9223372036854775808",
            "copy k k2 db -2147483648",
            "move k 2147483647",
            "object freq k",
        ] {
            let _ = run(&mut e, c, line);
        }
    }
}
