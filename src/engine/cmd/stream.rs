//! Stream commands (Redis's t_stream.c): XADD, XRANGE/XREVRANGE, XLEN, XDEL, XTRIM, XREAD,
//! consumer groups (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM), XSETID and XINFO.
//!
//! Argument parsing follows Redis 7.0 step by step because the order of checks decides which
//! error a malformed command gets. Blocking reads park the client through the blocking core;
//! the argv kept for the re-run has `$` already resolved to the id that was last when the
//! client blocked, and a COUNT (1000 by default, as Redis serves blocked readers).

use crate::engine::cmd::connection::help_reply;
use crate::engine::events::EventClass;
use crate::engine::keyspace::{Access, Entry, Value};
use crate::engine::num::parse_i64;
use crate::engine::reply::{errors, CmdResult, RedisError, Reply};
use crate::engine::stream::{
    Consumer, ConsumerGroup, Nack, Stream, StreamId, TrimStrategy, INVALID_ENTRIES_READ, LISTPACK_MAX_SIZE,
};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{arity_error, Ctx};

// ---- helpers --------------------------------------------------------------------------------

const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";

fn invalid_id() -> RedisError {
    RedisError::raw(INVALID_ID)
}

/// What C string functions see of an argument: the bytes before its first NUL.
fn c_str(arg: &[u8]) -> &[u8] {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    arg.get(..end).unwrap_or(arg)
}

/// An argument as `%s` prints it inside an error message (no CR/LF in error lines).
fn c_text(arg: &[u8]) -> String {
    String::from_utf8_lossy(c_str(arg)).replace(['\r', '\n'], " ")
}

fn opt_is(arg: &[u8], word: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(word.as_bytes())
}

/// C's `strtoull` in base 10 on a whole string: leading spaces, an optional sign (a minus
/// negates modulo 2^64), at least one digit, nothing after, no overflow.
fn strtoull_whole(s: &[u8]) -> Option<u64> {
    let mut i = 0;
    while s.get(i).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')) {
        i += 1;
    }
    let mut neg = false;
    if let Some(&c) = s.get(i) {
        if c == b'+' || c == b'-' {
            neg = c == b'-';
            i += 1;
        }
    }
    let digits = s.get(i..)?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// Redis's `string2ull`: a strict integer first, else `strtoull`.
fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = parse_i64(s) {
        return u64::try_from(v).ok();
    }
    if s.is_empty() {
        return None;
    }
    strtoull_whole(s)
}

/// Parses a stream id like `streamGenericParseIDOrReply`. `strict` rejects `-` and `+`;
/// `seq_given` (XADD) allows `ms-*` and reports whether the sequence was given.
fn parse_id_full(
    arg: &[u8],
    missing_seq: u64,
    strict: bool,
    seq_given: Option<&mut bool>,
) -> Result<StreamId, RedisError> {
    if arg.len() > 127 {
        return Err(invalid_id());
    }
    let buf = c_str(arg);
    if strict && (buf == b"-" || buf == b"+") {
        return Err(invalid_id());
    }
    let allow_star = seq_given.is_some();
    let mut given = true;
    if buf == b"-" {
        return Ok(StreamId::MIN);
    }
    if buf == b"+" {
        return Ok(StreamId::MAX);
    }
    let (ms_part, seq_part) = match buf.iter().position(|&b| b == b'-') {
        Some(p) => (&buf[..p], Some(&buf[p + 1..])),
        None => (buf, None),
    };
    let ms = string2ull(ms_part).ok_or_else(invalid_id)?;
    let seq = match seq_part {
        Some(b"*") if allow_star => {
            given = false;
            0
        }
        Some(s) => string2ull(s).ok_or_else(invalid_id)?,
        None => missing_seq,
    };
    if let Some(g) = seq_given {
        *g = given;
    }
    Ok(StreamId::new(ms, seq))
}

/// An id where `-` and `+` are allowed (range bounds).
fn parse_id(arg: &[u8], missing_seq: u64) -> Result<StreamId, RedisError> {
    parse_id_full(arg, missing_seq, false, None)
}

/// An id where `-` and `+` are not allowed.
fn parse_strict_id(arg: &[u8]) -> Result<StreamId, RedisError> {
    parse_id_full(arg, 0, true, None)
}

/// A range bound, possibly exclusive with a `(` prefix; returns the id and whether exclusive.
fn parse_interval_id(arg: &[u8], missing_seq: u64) -> Result<(StreamId, bool), RedisError> {
    if arg.len() > 1 && arg.first() == Some(&b'(') {
        Ok((parse_id_full(&arg[1..], missing_seq, true, None)?, true))
    } else {
        Ok((parse_id(arg, missing_seq)?, false))
    }
}

/// Inclusive bounds from possibly exclusive start/end arguments, with Redis's errors.
fn parse_range_bounds(start: &[u8], end: &[u8]) -> Result<(StreamId, StreamId), RedisError> {
    let (mut s, sx) = parse_interval_id(start, 0)?;
    if sx {
        s = s.incr().ok_or_else(|| RedisError::err("invalid start ID for the interval"))?;
    }
    let (mut e, ex) = parse_interval_id(end, u64::MAX)?;
    if ex {
        e = e.decr().ok_or_else(|| RedisError::err("invalid end ID for the interval"))?;
    }
    Ok((s, e))
}

fn int_arg(arg: &[u8]) -> Result<i64, RedisError> {
    parse_i64(arg).ok_or_else(RedisError::not_integer)
}

fn int_arg_msg(arg: &[u8], msg: &str) -> Result<i64, RedisError> {
    parse_i64(arg).ok_or_else(|| RedisError::err(msg))
}

fn id_reply(id: StreamId) -> Reply {
    Reply::Bulk(id.to_bytes())
}

/// One entry as `[id, [field, value, ...]]`.
fn entry_reply(id: StreamId, fields: &[Vec<u8>]) -> Reply {
    Reply::Array(vec![id_reply(id), Reply::Array(fields.iter().map(|f| Reply::Bulk(f.clone())).collect())])
}

fn nogroup_key_group(key: &[u8], group: &[u8]) -> RedisError {
    RedisError::raw(format!("NOGROUP No such key '{}' or consumer group '{}'", c_text(key), c_text(group)))
}

fn nogroup_for_key(group: &[u8], key: &[u8]) -> RedisError {
    RedisError::raw(format!("NOGROUP No such consumer group '{}' for key name '{}'", c_text(group), c_text(key)))
}

fn subcommand_syntax(ctx: &Ctx, parent: &str) -> RedisError {
    let sub = ctx.argv.get(1).map(|a| c_text(a)).unwrap_or_default();
    RedisError::err(format!("unknown subcommand or wrong number of arguments for '{sub}'. Try {parent} HELP."))
}

fn now_u(ctx: &Ctx) -> i64 {
    ctx.now_ms()
}

/// The stream at `key` for writing; must exist (callers checked).
fn stream_mut<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut Stream, RedisError> {
    ctx.write_stream(key)?.ok_or_else(|| RedisError::raw(errors::NO_SUCH_KEY))
}

/// The stream at `key` looked up without statistics (re-runs of blocked readers).
fn peek_stream<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Option<&'c mut Stream> {
    match ctx.lookup(key, Access::NoTouch) {
        Some(Entry { value: Value::Stream(s), .. }) => Some(s),
        _ => None,
    }
}

/// Adds a consumer to a group if missing; true if it was created.
fn ensure_consumer(g: &mut ConsumerGroup, name: &[u8], now: i64, refresh: bool) -> bool {
    match g.consumers.get_mut(name) {
        Some(c) => {
            if refresh {
                c.seen_time = now;
            }
            false
        }
        None => {
            g.consumers.insert(name.to_vec(), Consumer { seen_time: now, pel: Default::default() });
            true
        }
    }
}

// ---- XADD / XTRIM ---------------------------------------------------------------------------

/// Parsed trimming options (and XADD's id), as `streamParseAddOrTrimArgsOrReply` leaves them.
struct AddTrim {
    strategy: Option<TrimStrategy>,
    approx: bool,
    limit: u64,
    id: StreamId,
    id_given: bool,
    seq_given: bool,
    no_mkstream: bool,
    /// Position of the id (XADD) or argc (XTRIM).
    idpos: usize,
}

fn parse_add_trim(ctx: &Ctx, xadd: bool) -> Result<AddTrim, RedisError> {
    let argv = ctx.argv;
    let argc = argv.len();
    let mut t = AddTrim {
        strategy: None,
        approx: false,
        limit: 0,
        id: StreamId::MIN,
        id_given: false,
        seq_given: false,
        no_mkstream: false,
        idpos: argc,
    };
    let mut limit_given = false;
    let mut i = 2;
    while i < argc {
        let moreargs = argc - 1 - i;
        let opt = &argv[i];
        let o = c_str(opt);
        if xadd && o == b"*" {
            break;
        } else if (opt_is(opt, "maxlen") || opt_is(opt, "minid")) && moreargs > 0 {
            let maxlen = opt_is(opt, "maxlen");
            if t.strategy.is_some() {
                return Err(RedisError::err(
                    "syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            t.approx = false;
            let next = c_str(&argv[i + 1]);
            if moreargs >= 2 && next == b"~" {
                t.approx = true;
                i += 1;
            } else if moreargs >= 2 && next == b"=" {
                i += 1;
            }
            let arg = &argv[i + 1];
            if maxlen {
                let n = int_arg(arg)?;
                if n < 0 {
                    return Err(RedisError::err("The MAXLEN argument must be >= 0."));
                }
                t.strategy = Some(TrimStrategy::MaxLen(n as u64));
            } else {
                t.strategy = Some(TrimStrategy::MinId(parse_strict_id(arg)?));
            }
            i += 1;
        } else if opt_is(opt, "limit") && moreargs > 0 {
            let n = int_arg(&argv[i + 1])?;
            if n < 0 {
                return Err(RedisError::err("The LIMIT argument must be >= 0."));
            }
            t.limit = n as u64;
            limit_given = true;
            i += 1;
        } else if xadd && opt_is(opt, "nomkstream") {
            t.no_mkstream = true;
        } else if xadd {
            let mut given = true;
            t.id = parse_id_full(opt, 0, true, Some(&mut given))?;
            t.seq_given = given;
            t.id_given = true;
            break;
        } else {
            return Err(RedisError::syntax());
        }
        i += 1;
    }
    t.idpos = i;
    if t.limit > 0 && t.strategy.is_none() {
        return Err(RedisError::err("syntax error, LIMIT cannot be used without specifying a trimming strategy"));
    }
    if !xadd && t.strategy.is_none() {
        return Err(RedisError::err("syntax error, XTRIM must be called with a trimming strategy"));
    }
    if limit_given {
        if !t.approx {
            return Err(RedisError::err("syntax error, LIMIT cannot be used without the special ~ option"));
        }
    } else if t.approx {
        let per_node = ctx.eng.config.stream_node_max_entries as u64;
        t.limit = per_node.saturating_mul(100);
        if t.limit == 0 {
            t.limit = 10_000;
        }
        t.limit = t.limit.min(1_000_000);
    } else {
        t.limit = 0;
    }
    Ok(t)
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
fn xadd(ctx: &mut Ctx) -> CmdResult {
    let t = parse_add_trim(ctx, true)?;
    let argv = ctx.argv;
    let key = &argv[1];
    let field_pos = t.idpos + 1;
    let nfields = argv.len() as i64 - field_pos as i64;
    if nfields < 2 || nfields % 2 == 1 {
        return Err(arity_error("xadd"));
    }
    if t.id_given && t.seq_given && t.id.is_zero() {
        return Err(RedisError::err("The ID specified in XADD must be greater than 0-0"));
    }
    if ctx.write_stream(key)?.is_none() {
        if t.no_mkstream {
            return Ok(Reply::Nil);
        }
        ctx.set_key(key, Value::Stream(Box::default()), false);
    }
    let now = now_u(ctx).max(0) as u64;
    let (max_entries, max_bytes) = (ctx.eng.config.stream_node_max_entries, ctx.eng.config.stream_node_max_bytes);
    let fields: Vec<Vec<u8>> = argv.get(field_pos..).unwrap_or(&[]).to_vec();
    let s = stream_mut(ctx, key)?;
    if s.last_id == StreamId::MAX {
        return Err(RedisError::err("The stream has exhausted the last possible ID, unable to add more items"));
    }
    let too_small = || RedisError::err("The ID specified in XADD is equal or smaller than the target stream top item");
    let id = if t.id_given {
        if t.seq_given {
            t.id
        } else if s.last_id.ms == t.id.ms {
            if s.last_id.seq == u64::MAX {
                return Err(too_small());
            }
            StreamId::new(t.id.ms, s.last_id.seq + 1)
        } else {
            t.id
        }
    } else if now > s.last_id.ms {
        StreamId::new(now, 0)
    } else {
        s.last_id.incr().ok_or_else(too_small)?
    };
    if id <= s.last_id {
        return Err(too_small());
    }
    if fields.iter().map(Vec::len).sum::<usize>() > LISTPACK_MAX_SIZE {
        return Err(RedisError::err("Elements are too large to be stored"));
    }
    s.append(id, fields, max_entries, max_bytes);
    let trimmed = match t.strategy {
        Some(st) => s.trim(st, t.approx, t.limit),
        None => 0,
    };
    ctx.signal_modified(key);
    ctx.notify(EventClass::Stream, "xadd", key);
    ctx.dirty(1);
    if trimmed > 0 {
        ctx.notify(EventClass::Stream, "xtrim", key);
    }
    Ok(id_reply(id))
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
fn xtrim(ctx: &mut Ctx) -> CmdResult {
    let t = parse_add_trim(ctx, false)?;
    let key = &ctx.argv[1];
    let Some(s) = ctx.write_stream(key)? else { return Ok(Reply::Int(0)) };
    let deleted = match t.strategy {
        Some(st) => s.trim(st, t.approx, t.limit),
        None => 0,
    };
    if deleted > 0 {
        ctx.notify(EventClass::Stream, "xtrim", key);
        ctx.signal_modified(key);
        ctx.dirty(deleted);
    }
    Ok(Reply::Int(deleted as i64))
}

// ---- XRANGE / XREVRANGE / XLEN / XDEL -------------------------------------------------------

fn xrange_generic(ctx: &mut Ctx, rev: bool) -> CmdResult {
    let argv = ctx.argv;
    let (start_arg, end_arg) = if rev { (&argv[3], &argv[2]) } else { (&argv[2], &argv[3]) };
    let (start, end) = parse_range_bounds(start_arg, end_arg)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if c_str(&argv[j]).eq_ignore_ascii_case(b"COUNT") && j + 1 < argv.len() {
            count = int_arg(&argv[j + 1])?.max(0);
            j += 2;
        } else {
            return Err(RedisError::syntax());
        }
    }
    let Some(s) = ctx.read_stream(&argv[1])? else { return Ok(Reply::empty_array()) };
    if count == 0 {
        return Ok(Reply::NilArray);
    }
    let n = if count < 0 { 0 } else { count as usize };
    Ok(Reply::Array(s.range(start, end, rev, n).into_iter().map(|(id, f)| entry_reply(id, f)).collect()))
}

/// XRANGE key start end [COUNT n]
fn xrange(ctx: &mut Ctx) -> CmdResult {
    xrange_generic(ctx, false)
}

/// XREVRANGE key end start [COUNT n]
fn xrevrange(ctx: &mut Ctx) -> CmdResult {
    xrange_generic(ctx, true)
}

/// XLEN key
fn xlen(ctx: &mut Ctx) -> CmdResult {
    let key = &ctx.argv[1];
    Ok(Reply::Int(ctx.read_stream(key)?.map(|s| s.len() as i64).unwrap_or(0)))
}

/// XDEL key id [id ...]
fn xdel(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let key = &argv[1];
    if ctx.write_stream(key)?.is_none() {
        return Ok(Reply::Int(0));
    }
    let ids = argv[2..].iter().map(|a| parse_strict_id(a)).collect::<Result<Vec<_>, _>>()?;
    let s = stream_mut(ctx, key)?;
    let mut deleted = 0u64;
    for id in ids {
        if s.delete(id) {
            deleted += 1;
        }
    }
    if deleted > 0 {
        s.refresh_first_id();
        ctx.signal_modified(key);
        ctx.notify(EventClass::Stream, "xdel", key);
        ctx.dirty(deleted);
    }
    Ok(Reply::Int(deleted as i64))
}

// ---- XREAD / XREADGROUP ---------------------------------------------------------------------

/// Entries read by a group consumer with `>`: delivers after the group's last id, adding
/// pending entries unless `noack`.
fn read_new_for_group(
    s: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    start: StreamId,
    count: usize,
    noack: bool,
    now: i64,
) -> Vec<Reply> {
    let items: Vec<(StreamId, Vec<Vec<u8>>)> =
        s.range(start, StreamId::MAX, false, count).into_iter().map(|(id, f)| (id, f.clone())).collect();
    let mut out = Vec::with_capacity(items.len());
    for (id, fields) in items {
        s.advance_group(group, id);
        out.push(entry_reply(id, &fields));
        if noack {
            continue;
        }
        let Some(g) = s.groups.get_mut(group) else { continue };
        if let Some(old) = g.pel.get(&id).map(|n| n.consumer.clone()) {
            if let Some(c) = g.consumers.get_mut(&old) {
                c.pel.remove(&id);
            }
        }
        g.pel.insert(id, Nack { consumer: consumer.to_vec(), delivery_time: now, delivery_count: 1 });
        if let Some(c) = g.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }
    out
}

/// A consumer's own pending entries from `start` (XREADGROUP with an explicit id): deleted
/// entries come back as `[id, nil]`; served ones count as a new delivery.
fn read_history(s: &mut Stream, group: &[u8], consumer: &[u8], start: StreamId, count: usize, now: i64) -> Vec<Reply> {
    let ids: Vec<StreamId> = match s.groups.get(group).and_then(|g| g.consumers.get(consumer)) {
        Some(c) => c.pel.range(start..).copied().take(if count == 0 { usize::MAX } else { count }).collect(),
        None => Vec::new(),
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match s.get(id).cloned() {
            Some(fields) => {
                out.push(entry_reply(id, &fields));
                if let Some(n) = s.groups.get_mut(group).and_then(|g| g.pel.get_mut(&id)) {
                    n.delivery_time = now;
                    n.delivery_count += 1;
                }
            }
            None => out.push(Reply::Array(vec![id_reply(id), Reply::NilArray])),
        }
    }
    out
}

/// Wraps `[key, entries]` pairs as an array (RESP2) or a map (RESP3).
fn keyed_reply(ctx: &Ctx, items: Vec<(Vec<u8>, Reply)>) -> Reply {
    if ctx.eng.client_protocol(ctx.client) == 3 {
        Reply::Map(items.into_iter().map(|(k, v)| (Reply::Bulk(k), v)).collect())
    } else {
        Reply::Array(items.into_iter().map(|(k, v)| Reply::Array(vec![Reply::Bulk(k), v])).collect())
    }
}

/// Default COUNT for blocked readers (`XREAD_BLOCKED_DEFAULT_COUNT`).
const BLOCKED_DEFAULT_COUNT: i64 = 1000;

/// XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ... and
/// XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ...
fn xread_generic(ctx: &mut Ctx, group_cmd: bool) -> CmdResult {
    let argv = ctx.argv;
    let argc = argv.len();
    let mut timeout: i64 = -1;
    let mut count: i64 = 0;
    let mut streams_arg = 0;
    let mut streams_count = 0;
    let mut noack = false;
    let mut group: Option<&[u8]> = None;
    let mut consumer: &[u8] = b"";
    let mut i = 1;
    while i < argc {
        let moreargs = argc - i - 1;
        let o = &argv[i];
        if opt_is(o, "BLOCK") && moreargs > 0 {
            i += 1;
            let t = int_arg_msg(&argv[i], "timeout is not an integer or out of range")?;
            if t < 0 {
                return Err(RedisError::err("timeout is negative"));
            }
            timeout = t;
        } else if opt_is(o, "COUNT") && moreargs > 0 {
            i += 1;
            count = int_arg(&argv[i])?.max(0);
        } else if opt_is(o, "STREAMS") && moreargs > 0 {
            streams_arg = i + 1;
            let n = argc - streams_arg;
            if !n.is_multiple_of(2) {
                return Err(RedisError::err(
                    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            streams_count = n / 2;
            break;
        } else if opt_is(o, "GROUP") && moreargs >= 2 {
            if !group_cmd {
                return Err(RedisError::err(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            group = Some(&argv[i + 1]);
            consumer = &argv[i + 2];
            i += 2;
        } else if opt_is(o, "NOACK") {
            if !group_cmd {
                return Err(RedisError::err(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            noack = true;
        } else {
            return Err(RedisError::syntax());
        }
        i += 1;
    }
    if streams_arg == 0 {
        return Err(RedisError::syntax());
    }
    if group_cmd && group.is_none() {
        return Err(RedisError::err("Missing GROUP option for XREADGROUP"));
    }
    let keys: Vec<Vec<u8>> = argv[streams_arg..streams_arg + streams_count].to_vec();
    let id_args = &argv[streams_arg + streams_count..];

    if ctx.is_reprocessing() {
        return serve_blocked(ctx, &keys, id_args, group, consumer, count, noack, timeout);
    }

    // Resolve ids (None means ">").
    let mut ids: Vec<Option<StreamId>> = Vec::with_capacity(streams_count);
    for (k, arg) in keys.iter().zip(id_args) {
        let s = ctx.read_stream(k)?;
        if let Some(g) = group {
            if s.is_none_or(|s| !s.groups.contains_key(g)) {
                return Err(RedisError::raw(format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    c_text(k),
                    c_text(g)
                )));
            }
        }
        let a = c_str(arg);
        if a == b"$" {
            if group_cmd {
                return Err(RedisError::err("The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."));
            }
            ids.push(Some(s.map(|s| s.last_id).unwrap_or_default()));
            continue;
        } else if a == b">" {
            if !group_cmd {
                return Err(RedisError::err(
                    "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                ));
            }
            ids.push(None);
            continue;
        }
        ids.push(Some(parse_strict_id(arg)?));
    }

    let now = ctx.now_ms();
    let n = count.max(0) as usize;
    let mut served: Vec<(Vec<u8>, Reply)> = Vec::new();
    for (k, id) in keys.iter().zip(&ids) {
        let Some(s) = ctx.read_stream(k)? else { continue };
        let mut gt = id.unwrap_or(StreamId::MAX);
        let mut history = false;
        let serve = if let Some(g) = group {
            if id.is_some() {
                history = true;
                true
            } else if !s.is_empty() {
                let last = s.groups.get(g).map(|g| g.last_id).unwrap_or_default();
                if s.last_valid_id() > last {
                    gt = last;
                    true
                } else {
                    false
                }
            } else {
                false
            }
        } else {
            !s.is_empty() && s.last_valid_id() > gt
        };
        if !serve {
            continue;
        }
        let start = gt.incr().unwrap_or(StreamId::MAX);
        let entries = if let Some(g) = group {
            let s = stream_mut(ctx, k)?;
            let created = s.groups.get_mut(g).map(|gr| ensure_consumer(gr, consumer, now, true)).unwrap_or(false);
            let list = if history {
                read_history(s, g, consumer, start, n, now)
            } else {
                read_new_for_group(s, g, consumer, start, n, noack, now)
            };
            if created {
                ctx.notify(EventClass::Stream, "xgroup-createconsumer", k);
                ctx.dirty(1);
            }
            ctx.dirty(1);
            list
        } else {
            s.range(start, StreamId::MAX, false, n).into_iter().map(|(id, f)| entry_reply(id, f)).collect()
        };
        served.push((k.clone(), Reply::Array(entries)));
    }
    if !served.is_empty() {
        return Ok(keyed_reply(ctx, served));
    }
    if timeout < 0 {
        return Ok(Reply::NilArray);
    }
    let reply = ctx.block(keys.clone(), timeout, Reply::NilArray)?;
    if ctx.blocked_again {
        // Keep the resolved ids (and the blocked default count) for the re-run.
        let mut nargv: Vec<Vec<u8>> = vec![argv[0].clone()];
        if let Some(g) = group {
            nargv.extend([b"GROUP".to_vec(), g.to_vec(), consumer.to_vec()]);
            if noack {
                nargv.push(b"NOACK".to_vec());
            }
        }
        let c = if count > 0 { count } else { BLOCKED_DEFAULT_COUNT };
        nargv.extend([
            b"COUNT".to_vec(),
            c.to_string().into_bytes(),
            b"BLOCK".to_vec(),
            timeout.to_string().into_bytes(),
        ]);
        nargv.push(b"STREAMS".to_vec());
        nargv.extend(keys.iter().cloned());
        for id in &ids {
            nargv.push(match id {
                Some(id) => id.to_bytes(),
                None => b">".to_vec(),
            });
        }
        let me = ctx.client;
        if let Some(b) = ctx.eng.blocking.clients.get_mut(&me) {
            b.argv = nargv;
        }
    }
    Ok(reply)
}

/// A blocked reader's re-run after one of its keys changed: like Redis's
/// `serveClientsBlockedOnStreamKey`, serve the first stream whose last id passed the one the
/// client waits for, with only that stream in the reply.
#[allow(clippy::too_many_arguments)]
fn serve_blocked(
    ctx: &mut Ctx,
    keys: &[Vec<u8>],
    id_args: &[Vec<u8>],
    group: Option<&[u8]>,
    consumer: &[u8],
    count: i64,
    noack: bool,
    timeout: i64,
) -> CmdResult {
    let now = ctx.now_ms();
    for (k, arg) in keys.iter().zip(id_args) {
        if peek_stream(ctx, k).is_none() {
            unblock_group_readers(ctx, k);
        }
        let Some(s) = peek_stream(ctx, k) else {
            if group.is_some() {
                return Err(RedisError::raw("UNBLOCKED the stream key no longer exists"));
            }
            continue;
        };
        let gt = match group {
            Some(g) => match s.groups.get(g) {
                Some(gr) => gr.last_id,
                None => {
                    return Err(RedisError::raw(
                        "NOGROUP the consumer group this client was blocked on no longer exists",
                    ))
                }
            },
            None => parse_strict_id(arg).unwrap_or(StreamId::MAX),
        };
        if s.last_id <= gt {
            continue;
        }
        let start = gt.incr().unwrap_or(StreamId::MAX);
        let n = count.max(0) as usize;
        let entries = match group {
            Some(g) => {
                let created = s.groups.get_mut(g).map(|gr| ensure_consumer(gr, consumer, now, true)).unwrap_or(false);
                let list = read_new_for_group(s, g, consumer, start, n, noack, now);
                if created {
                    ctx.notify(EventClass::Stream, "xgroup-createconsumer", k);
                    ctx.dirty(1);
                }
                list
            }
            None => s.range(start, StreamId::MAX, false, n).into_iter().map(|(id, f)| entry_reply(id, f)).collect(),
        };
        return Ok(keyed_reply(ctx, vec![(k.clone(), Reply::Array(entries))]));
    }
    ctx.block(keys.to_vec(), timeout, Reply::NilArray)
}

/// Redis wakes every XREADGROUP client waiting on a stream that was deleted or replaced by
/// another type with an error; the engine re-runs one waiter at a time and stops at a missing
/// key, so the first re-run answers the other group readers here.
fn unblock_group_readers(ctx: &mut Ctx, key: &[u8]) {
    let slot = (ctx.db, key.to_vec());
    let waiters: Vec<u64> = ctx.eng.blocking.by_key.get(&slot).map(|q| q.iter().copied().collect()).unwrap_or_default();
    for id in waiters {
        if id == ctx.client {
            continue;
        }
        let group_reader = ctx
            .eng
            .blocking
            .clients
            .get(&id)
            .is_some_and(|b| b.argv.first().is_some_and(|a| a.eq_ignore_ascii_case(b"xreadgroup")));
        if group_reader {
            ctx.eng.unblock_with(id, Reply::Error("UNBLOCKED the stream key no longer exists".into()));
        }
    }
}

fn xread(ctx: &mut Ctx) -> CmdResult {
    xread_generic(ctx, false)
}

fn xreadgroup(ctx: &mut Ctx) -> CmdResult {
    xread_generic(ctx, true)
}

// ---- XGROUP ---------------------------------------------------------------------------------

/// XGROUP alone never reaches here: the dispatcher requires a subcommand.
fn xgroup(_ctx: &mut Ctx) -> CmdResult {
    Err(RedisError::syntax())
}

const XGROUP_HELP: &[&str] = &[
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
];

fn xgroup_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(XGROUP_HELP))
}

/// The common front of XGROUP's subcommands (options, key and group checks), in Redis's order.
/// Returns (mkstream, entries_read, stream exists).
fn xgroup_prepare(ctx: &mut Ctx, sub: &str) -> Result<(bool, i64, bool), RedisError> {
    let argv = ctx.argv;
    let mut mkstream = false;
    let mut entries_read = INVALID_ENTRIES_READ;
    let mut i = 5;
    while i < argv.len() {
        if sub == "create" && opt_is(&argv[i], "MKSTREAM") {
            mkstream = true;
            i += 1;
        } else if (sub == "create" || sub == "setid") && opt_is(&argv[i], "ENTRIESREAD") && i + 1 < argv.len() {
            entries_read = int_arg(&argv[i + 1])?;
            if entries_read < 0 && entries_read != INVALID_ENTRIES_READ {
                return Err(RedisError::err("value for ENTRIESREAD must be positive or -1"));
            }
            i += 2;
        } else {
            return Err(subcommand_syntax(ctx, "XGROUP"));
        }
    }
    let key = &argv[2];
    let exists = ctx.write_stream(key)?.is_some();
    if !mkstream {
        if !exists {
            return Err(RedisError::err("The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
        }
        let has_group = ctx.write_stream(key)?.is_some_and(|s| s.groups.contains_key(argv[3].as_slice()));
        if !has_group && matches!(sub, "setid" | "createconsumer" | "delconsumer") {
            return Err(nogroup_for_key(&argv[3], key));
        }
    }
    Ok((mkstream, entries_read, exists))
}

/// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]
fn xgroup_create(ctx: &mut Ctx) -> CmdResult {
    let (mkstream, entries_read, exists) = xgroup_prepare(ctx, "create")?;
    let argv = ctx.argv;
    if argv.len() > 8 {
        return Err(subcommand_syntax(ctx, "XGROUP"));
    }
    let key = &argv[2];
    let id = if c_str(&argv[4]) == b"$" {
        ctx.write_stream(key)?.map(|s| s.last_id).unwrap_or_default()
    } else {
        parse_strict_id(&argv[4])?
    };
    if !exists && mkstream {
        ctx.set_key(key, Value::Stream(Box::default()), false);
    }
    let s = stream_mut(ctx, key)?;
    if s.groups.contains_key(argv[3].as_slice()) {
        return Err(RedisError::raw("BUSYGROUP Consumer Group name already exists"));
    }
    s.groups.insert(argv[3].clone(), ConsumerGroup::new(id, entries_read));
    ctx.dirty(1);
    ctx.notify(EventClass::Stream, "xgroup-create", key);
    Ok(Reply::ok())
}

/// XGROUP SETID key group id|$ [ENTRIESREAD n]
fn xgroup_setid(ctx: &mut Ctx) -> CmdResult {
    let (_, entries_read, _) = xgroup_prepare(ctx, "setid")?;
    let argv = ctx.argv;
    if argv.len() != 5 && argv.len() != 7 {
        return Err(subcommand_syntax(ctx, "XGROUP"));
    }
    let key = &argv[2];
    let s = stream_mut(ctx, key)?;
    let id = if c_str(&argv[4]) == b"$" { s.last_id } else { parse_id(&argv[4], 0)? };
    if let Some(g) = s.groups.get_mut(argv[3].as_slice()) {
        g.last_id = id;
        g.entries_read = entries_read;
    }
    ctx.dirty(1);
    ctx.notify(EventClass::Stream, "xgroup-setid", key);
    Ok(Reply::ok())
}

/// XGROUP DESTROY key group
fn xgroup_destroy(ctx: &mut Ctx) -> CmdResult {
    xgroup_prepare(ctx, "destroy")?;
    let argv = ctx.argv;
    let key = &argv[2];
    let s = stream_mut(ctx, key)?;
    if s.groups.remove(argv[3].as_slice()).is_none() {
        return Ok(Reply::Int(0));
    }
    ctx.dirty(1);
    ctx.notify(EventClass::Stream, "xgroup-destroy", key);
    ctx.signal_modified(key);
    Ok(Reply::Int(1))
}

/// XGROUP CREATECONSUMER key group consumer
fn xgroup_createconsumer(ctx: &mut Ctx) -> CmdResult {
    xgroup_prepare(ctx, "createconsumer")?;
    let argv = ctx.argv;
    let key = &argv[2];
    let now = ctx.now_ms();
    let s = stream_mut(ctx, key)?;
    let created = match s.groups.get_mut(argv[3].as_slice()) {
        Some(g) if !g.consumers.contains_key(argv[4].as_slice()) => {
            g.consumers.insert(argv[4].clone(), Consumer { seen_time: now, pel: Default::default() });
            true
        }
        _ => false,
    };
    if created {
        ctx.dirty(1);
        ctx.notify(EventClass::Stream, "xgroup-createconsumer", key);
    }
    Ok(Reply::Int(i64::from(created)))
}

/// XGROUP DELCONSUMER key group consumer: returns how many pending entries it had.
fn xgroup_delconsumer(ctx: &mut Ctx) -> CmdResult {
    xgroup_prepare(ctx, "delconsumer")?;
    let argv = ctx.argv;
    let key = &argv[2];
    let s = stream_mut(ctx, key)?;
    let mut pending = None;
    if let Some(g) = s.groups.get_mut(argv[3].as_slice()) {
        if let Some(c) = g.consumers.remove(argv[4].as_slice()) {
            for id in &c.pel {
                g.pel.remove(id);
            }
            pending = Some(c.pel.len() as i64);
        }
    }
    if pending.is_some() {
        ctx.dirty(1);
        ctx.notify(EventClass::Stream, "xgroup-delconsumer", key);
    }
    Ok(Reply::Int(pending.unwrap_or(0)))
}

// ---- XSETID / XACK / XPENDING ---------------------------------------------------------------

/// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
fn xsetid(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let id = parse_strict_id(&argv[2])?;
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let moreargs = argv.len() - 1 - i;
        if opt_is(&argv[i], "ENTRIESADDED") && moreargs > 0 {
            entries_added = int_arg(&argv[i + 1])?;
            if entries_added < 0 {
                return Err(RedisError::err("entries_added must be positive"));
            }
            i += 2;
        } else if opt_is(&argv[i], "MAXDELETEDID") && moreargs > 0 {
            max_xdel = parse_strict_id(&argv[i + 1])?;
            if id < max_xdel {
                return Err(RedisError::err(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            i += 2;
        } else {
            return Err(RedisError::syntax());
        }
    }
    let key = &argv[1];
    let Some(s) = ctx.write_stream(key)? else { return Err(RedisError::raw(errors::NO_SUCH_KEY)) };
    if !s.is_empty() {
        if id < s.last_valid_id() {
            return Err(RedisError::err("The ID specified in XSETID is smaller than the target stream top item"));
        }
        if entries_added != -1 && s.len() > entries_added as u64 {
            return Err(RedisError::err(
                "The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if !max_xdel.is_zero() {
        s.max_deleted_id = max_xdel;
    }
    ctx.dirty(1);
    ctx.notify(EventClass::Stream, "xsetid", key);
    Ok(Reply::ok())
}

/// XACK key group id [id ...]
fn xack(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let key = &argv[1];
    let has_group = match ctx.read_stream(key)? {
        Some(s) => s.groups.contains_key(argv[2].as_slice()),
        None => false,
    };
    if !has_group {
        return Ok(Reply::Int(0));
    }
    let ids = argv[3..].iter().map(|a| parse_strict_id(a)).collect::<Result<Vec<_>, _>>()?;
    let s = stream_mut(ctx, key)?;
    let mut acked = 0u64;
    if let Some(g) = s.groups.get_mut(argv[2].as_slice()) {
        for id in ids {
            if let Some(n) = g.pel.remove(&id) {
                if let Some(c) = g.consumers.get_mut(&n.consumer) {
                    c.pel.remove(&id);
                }
                acked += 1;
            }
        }
    }
    ctx.dirty(acked);
    Ok(Reply::Int(acked as i64))
}

/// XPENDING key group [[IDLE min] start end count [consumer]]
fn xpending(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let argc = argv.len();
    let justinfo = argc == 3;
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(RedisError::syntax());
    }
    let mut range = (StreamId::MIN, StreamId::MAX);
    let mut count: i64 = 0;
    let mut minidle: i64 = 0;
    let mut consumer: Option<&[u8]> = None;
    if argc >= 6 {
        let mut startidx = 3;
        if opt_is(&argv[3], "IDLE") {
            minidle = int_arg(&argv[4])?;
            if argc < 8 {
                return Err(RedisError::syntax());
            }
            startidx += 2;
        }
        count = int_arg(&argv[startidx + 2])?.max(0);
        range = parse_range_bounds(&argv[startidx], &argv[startidx + 1])?;
        consumer = argv.get(startidx + 3).map(Vec::as_slice);
    }
    let key = &argv[1];
    let gname = &argv[2];
    let now = ctx.now_ms();
    let s = ctx.read_stream(key)?;
    let Some(g) = s.and_then(|s| s.groups.get(gname.as_slice())) else {
        return Err(nogroup_key_group(key, gname));
    };
    if justinfo {
        let mut out = vec![Reply::Int(g.pel.len() as i64)];
        match (g.pel.keys().next(), g.pel.keys().next_back()) {
            (Some(first), Some(last)) => {
                out.push(id_reply(*first));
                out.push(id_reply(*last));
                let per: Vec<Reply> = g
                    .consumers
                    .iter()
                    .filter(|(_, c)| !c.pel.is_empty())
                    .map(|(name, c)| Reply::Array(vec![Reply::Bulk(name.clone()), Reply::bulk_int(c.pel.len() as i64)]))
                    .collect();
                out.push(Reply::Array(per));
            }
            _ => {
                out.push(Reply::Nil);
                out.push(Reply::Nil);
                out.push(Reply::NilArray);
            }
        }
        return Ok(Reply::Array(out));
    }
    let ids: Vec<StreamId> = match consumer {
        Some(c) => match g.consumers.get(c) {
            Some(c) => c.pel.iter().copied().collect(),
            None => return Ok(Reply::empty_array()),
        },
        None => g.pel.keys().copied().collect(),
    };
    let (start, end) = range;
    let mut out = Vec::new();
    for id in ids.into_iter().filter(|id| *id >= start) {
        if count == 0 || id > end {
            break;
        }
        let Some(n) = g.pel.get(&id) else { continue };
        if minidle != 0 && now - n.delivery_time < minidle {
            continue;
        }
        count -= 1;
        out.push(Reply::Array(vec![
            id_reply(id),
            Reply::Bulk(n.consumer.clone()),
            Reply::Int((now - n.delivery_time).max(0)),
            Reply::Int(n.delivery_count as i64),
        ]));
    }
    Ok(Reply::Array(out))
}

// ---- XCLAIM / XAUTOCLAIM --------------------------------------------------------------------

/// Gives pending entry `id` to `name` (creating the consumer), with Redis's bookkeeping.
/// Returns whether the consumer was created.
fn claim_to(g: &mut ConsumerGroup, id: StreamId, name: &[u8], now: i64) -> bool {
    let created = ensure_consumer(g, name, now, true);
    if let Some(old) = g.pel.get(&id).map(|n| n.consumer.clone()) {
        if old.as_slice() != name {
            if let Some(c) = g.consumers.get_mut(&old) {
                c.pel.remove(&id);
            }
        }
    }
    if let Some(n) = g.pel.get_mut(&id) {
        n.consumer = name.to_vec();
    }
    if let Some(c) = g.consumers.get_mut(name) {
        c.pel.insert(id);
    }
    created
}

/// XCLAIM key group consumer min-idle id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE]
/// [JUSTID] [LASTID id]
fn xclaim(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let key = &argv[1];
    let gname = &argv[2];
    let name = &argv[3];
    let has_group = ctx.read_stream(key)?.is_some_and(|s| s.groups.contains_key(gname.as_slice()));
    if !has_group {
        return Err(nogroup_key_group(key, gname));
    }
    let minidle = int_arg_msg(&argv[4], "Invalid min-idle-time argument for XCLAIM")?.max(0);
    let mut ids = Vec::new();
    let mut j = 5;
    while j < argv.len() {
        match parse_strict_id(&argv[j]) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = ctx.now_ms();
    let mut force = false;
    let mut justid = false;
    let mut retrycount: i64 = -1;
    let mut deliverytime: i64 = -1;
    let mut last_id = StreamId::MIN;
    while j < argv.len() {
        let moreargs = argv.len() - 1 - j;
        let opt = &argv[j];
        if opt_is(opt, "FORCE") {
            force = true;
        } else if opt_is(opt, "JUSTID") {
            justid = true;
        } else if opt_is(opt, "IDLE") && moreargs > 0 {
            j += 1;
            deliverytime = now.wrapping_sub(int_arg_msg(&argv[j], "Invalid IDLE option argument for XCLAIM")?);
        } else if opt_is(opt, "TIME") && moreargs > 0 {
            j += 1;
            deliverytime = int_arg_msg(&argv[j], "Invalid TIME option argument for XCLAIM")?;
        } else if opt_is(opt, "RETRYCOUNT") && moreargs > 0 {
            j += 1;
            retrycount = int_arg_msg(&argv[j], "Invalid RETRYCOUNT option argument for XCLAIM")?;
        } else if opt_is(opt, "LASTID") && moreargs > 0 {
            j += 1;
            last_id = parse_strict_id(&argv[j])?;
        } else {
            return Err(RedisError::err(format!("Unrecognized XCLAIM option '{}'", c_text(opt))));
        }
        j += 1;
    }
    if deliverytime == -1 || deliverytime < 0 || deliverytime > now {
        deliverytime = now;
    }
    let s = stream_mut(ctx, key)?;
    let mut created = false;
    let mut dirty = 0u64;
    let mut out = Vec::new();
    let exists: Vec<bool> = ids.iter().map(|id| s.get(*id).is_some()).collect();
    let entries: Vec<Option<Vec<Vec<u8>>>> = ids.iter().map(|id| s.get(*id).cloned()).collect();
    let Some(g) = s.groups.get_mut(gname.as_slice()) else { return Ok(Reply::empty_array()) };
    if last_id > g.last_id {
        g.last_id = last_id;
        dirty += 1;
    }
    for (k, id) in ids.iter().enumerate() {
        let id = *id;
        if !exists.get(k).copied().unwrap_or(false) {
            if let Some(n) = g.pel.remove(&id) {
                if let Some(c) = g.consumers.get_mut(&n.consumer) {
                    c.pel.remove(&id);
                }
                dirty += 1;
            }
            continue;
        }
        // A pending entry FORCE creates has no owner yet, so the idle check does not apply.
        let fresh = force && !g.pel.contains_key(&id);
        if fresh {
            g.pel.insert(id, Nack { consumer: Vec::new(), delivery_time: now, delivery_count: 1 });
        }
        let Some(n) = g.pel.get(&id) else { continue };
        if !fresh && minidle > 0 && now - n.delivery_time < minidle {
            continue;
        }
        created |= claim_to(g, id, name, now);
        if let Some(n) = g.pel.get_mut(&id) {
            n.delivery_time = deliverytime;
            if retrycount >= 0 {
                n.delivery_count = retrycount as u64;
            } else if !justid {
                n.delivery_count += 1;
            }
        }
        if justid {
            out.push(id_reply(id));
        } else if let Some(Some(f)) = entries.get(k) {
            out.push(entry_reply(id, f));
        }
        dirty += 1;
    }
    if created {
        ctx.notify(EventClass::Stream, "xgroup-createconsumer", key);
        dirty += 1;
    }
    ctx.dirty(dirty);
    Ok(Reply::Array(out))
}

/// XAUTOCLAIM key group consumer min-idle start [COUNT n] [JUSTID]
fn xautoclaim(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let key = &argv[1];
    let gname = &argv[2];
    let name = &argv[3];
    let minidle = int_arg_msg(&argv[4], "Invalid min-idle-time argument for XAUTOCLAIM")?.max(0);
    let (mut start, sx) = parse_interval_id(&argv[5], 0)?;
    if sx {
        start = start.incr().ok_or_else(|| RedisError::err("invalid start ID for the interval"))?;
    }
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let moreargs = argv.len() - 1 - j;
        if opt_is(&argv[j], "COUNT") && moreargs > 0 {
            let max_count = i64::MAX / 16;
            count = match parse_i64(&argv[j + 1]) {
                Some(v) if (1..=max_count).contains(&v) => v,
                _ => return Err(RedisError::err("COUNT must be > 0")),
            };
            j += 1;
        } else if opt_is(&argv[j], "JUSTID") {
            justid = true;
        } else {
            return Err(RedisError::syntax());
        }
        j += 1;
    }
    let has_group = ctx.read_stream(key)?.is_some_and(|s| s.groups.contains_key(gname.as_slice()));
    if !has_group {
        return Err(nogroup_key_group(key, gname));
    }
    let now = ctx.now_ms();
    let s = stream_mut(ctx, key)?;
    let pel_ids: Vec<StreamId> = match s.groups.get(gname.as_slice()) {
        Some(g) => g.pel.range(start..).map(|(k, _)| *k).collect(),
        None => Vec::new(),
    };
    let mut attempts = count.saturating_mul(10);
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut created = false;
    let mut dirty = 0u64;
    let mut i = 0;
    while attempts > 0 && count > 0 && i < pel_ids.len() {
        attempts -= 1;
        let id = pel_ids[i];
        i += 1;
        let fields = s.get(id).cloned();
        let Some(g) = s.groups.get_mut(gname.as_slice()) else { break };
        let Some(fields) = fields else {
            if let Some(n) = g.pel.remove(&id) {
                if let Some(c) = g.consumers.get_mut(&n.consumer) {
                    c.pel.remove(&id);
                }
            }
            deleted.push(id_reply(id));
            dirty += 1;
            count -= 1;
            continue;
        };
        let Some(n) = g.pel.get(&id) else { continue };
        if minidle > 0 && now - n.delivery_time < minidle {
            continue;
        }
        created |= claim_to(g, id, name, now);
        if let Some(n) = g.pel.get_mut(&id) {
            n.delivery_time = now;
            if !justid {
                n.delivery_count += 1;
            }
        }
        claimed.push(if justid { id_reply(id) } else { entry_reply(id, &fields) });
        count -= 1;
        dirty += 1;
    }
    let next = pel_ids.get(i).copied().unwrap_or(StreamId::MIN);
    if created {
        ctx.notify(EventClass::Stream, "xgroup-createconsumer", key);
        dirty += 1;
    }
    ctx.dirty(dirty);
    Ok(Reply::Array(vec![id_reply(next), Reply::Array(claimed), Reply::Array(deleted)]))
}

// ---- XINFO ----------------------------------------------------------------------------------

/// XINFO alone never reaches here: the dispatcher requires a subcommand.
fn xinfo(_ctx: &mut Ctx) -> CmdResult {
    Err(RedisError::syntax())
}

const XINFO_HELP: &[&str] = &[
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
];

fn xinfo_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(XINFO_HELP))
}

fn xinfo_stream_of<'c>(ctx: &'c mut Ctx) -> Result<&'c Stream, RedisError> {
    let key = &ctx.argv[2];
    ctx.read_stream(key)?.ok_or_else(|| RedisError::raw(errors::NO_SUCH_KEY))
}

fn field(name: &str, v: Reply) -> (Reply, Reply) {
    (Reply::bulk_str(name), v)
}

fn lag_reply(s: &Stream, g: &ConsumerGroup) -> Reply {
    s.group_lag(g).map(Reply::Int).unwrap_or(Reply::Nil)
}

fn entries_read_reply(g: &ConsumerGroup) -> Reply {
    if g.entries_read == INVALID_ENTRIES_READ {
        Reply::Nil
    } else {
        Reply::Int(g.entries_read)
    }
}

/// XINFO STREAM key [FULL [COUNT n]]
fn xinfo_stream(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let optv = &argv[3..];
    // The key is looked up before the options are checked.
    xinfo_stream_of(ctx)?;
    let mut full = false;
    let mut count: i64 = 10;
    if !optv.is_empty() {
        if (optv.len() != 1 && optv.len() != 3) || !opt_is(&optv[0], "full") {
            return Err(subcommand_syntax(ctx, "XINFO"));
        }
        full = true;
        if optv.len() == 3 {
            if !opt_is(&optv[1], "count") {
                return Err(subcommand_syntax(ctx, "XINFO"));
            }
            count = int_arg(&optv[2])?;
            if count < 0 {
                count = 10;
            }
        }
    }
    let key = &argv[2];
    let Some(s) = peek_stream(ctx, key) else { return Err(RedisError::raw(errors::NO_SUCH_KEY)) };
    let s = &*s;
    let mut m = vec![
        field("length", Reply::Int(s.len() as i64)),
        field("radix-tree-keys", Reply::Int(s.node_count() as i64)),
        field("radix-tree-nodes", Reply::Int(s.rax_nodes() as i64)),
        field("last-generated-id", id_reply(s.last_id)),
        field("max-deleted-entry-id", id_reply(s.max_deleted_id)),
        field("entries-added", Reply::Int(s.entries_added as i64)),
        field("recorded-first-entry-id", id_reply(s.first_id)),
    ];
    if !full {
        m.push(field("groups", Reply::Int(s.groups.len() as i64)));
        m.push(field("first-entry", s.first_entry().map(|(id, f)| entry_reply(id, f)).unwrap_or(Reply::Nil)));
        m.push(field("last-entry", s.last_entry().map(|(id, f)| entry_reply(id, f)).unwrap_or(Reply::Nil)));
        return Ok(Reply::Map(m));
    }
    let n = count as usize;
    let limit = if n == 0 { usize::MAX } else { n };
    m.push(field(
        "entries",
        Reply::Array(
            s.range(StreamId::MIN, StreamId::MAX, false, n).into_iter().map(|(id, f)| entry_reply(id, f)).collect(),
        ),
    ));
    let mut groups = Vec::new();
    for (name, g) in &s.groups {
        let pending: Vec<Reply> = g
            .pel
            .iter()
            .take(limit)
            .map(|(id, nk)| {
                Reply::Array(vec![
                    id_reply(*id),
                    Reply::Bulk(nk.consumer.clone()),
                    Reply::Int(nk.delivery_time),
                    Reply::Int(nk.delivery_count as i64),
                ])
            })
            .collect();
        let consumers: Vec<Reply> = g
            .consumers
            .iter()
            .map(|(cname, c)| {
                let cp: Vec<Reply> = c
                    .pel
                    .iter()
                    .take(limit)
                    .map(|id| {
                        let nk = g.pel.get(id);
                        Reply::Array(vec![
                            id_reply(*id),
                            Reply::Int(nk.map(|n| n.delivery_time).unwrap_or(0)),
                            Reply::Int(nk.map(|n| n.delivery_count as i64).unwrap_or(0)),
                        ])
                    })
                    .collect();
                Reply::Map(vec![
                    field("name", Reply::Bulk(cname.clone())),
                    field("seen-time", Reply::Int(c.seen_time)),
                    field("pel-count", Reply::Int(c.pel.len() as i64)),
                    field("pending", Reply::Array(cp)),
                ])
            })
            .collect();
        groups.push(Reply::Map(vec![
            field("name", Reply::Bulk(name.clone())),
            field("last-delivered-id", id_reply(g.last_id)),
            field("entries-read", entries_read_reply(g)),
            field("lag", lag_reply(s, g)),
            field("pel-count", Reply::Int(g.pel.len() as i64)),
            field("pending", Reply::Array(pending)),
            field("consumers", Reply::Array(consumers)),
        ]));
    }
    m.push(field("groups", Reply::Array(groups)));
    Ok(Reply::Map(m))
}

/// XINFO GROUPS key
fn xinfo_groups(ctx: &mut Ctx) -> CmdResult {
    let s = xinfo_stream_of(ctx)?;
    Ok(Reply::Array(
        s.groups
            .iter()
            .map(|(name, g)| {
                Reply::Map(vec![
                    field("name", Reply::Bulk(name.clone())),
                    field("consumers", Reply::Int(g.consumers.len() as i64)),
                    field("pending", Reply::Int(g.pel.len() as i64)),
                    field("last-delivered-id", id_reply(g.last_id)),
                    field("entries-read", entries_read_reply(g)),
                    field("lag", lag_reply(s, g)),
                ])
            })
            .collect(),
    ))
}

/// XINFO CONSUMERS key group
fn xinfo_consumers(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.now_ms();
    let argv = ctx.argv;
    let s = xinfo_stream_of(ctx)?;
    let Some(g) = s.groups.get(argv[3].as_slice()) else { return Err(nogroup_for_key(&argv[3], &argv[2])) };
    Ok(Reply::Array(
        g.consumers
            .iter()
            .map(|(name, c)| {
                Reply::Map(vec![
                    field("name", Reply::Bulk(name.clone())),
                    field("pending", Reply::Int(c.pel.len() as i64)),
                    field("idle", Reply::Int((now - c.seen_time).max(0))),
                ])
            })
            .collect(),
    ))
}

// ---- command table --------------------------------------------------------------------------

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
            group: Group::Stream,
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
const SUB_KEY: (i32, i32, i32) = (2, 2, 1);
const NO_KEYS: (i32, i32, i32) = (0, 0, 0);
const W_FAST: &[&str] = &["@write", "@stream", "@fast"];
const W_SLOW: &[&str] = &["@write", "@stream", "@slow"];
const R_FAST: &[&str] = &["@read", "@stream", "@fast"];
const R_SLOW: &[&str] = &["@read", "@stream", "@slow"];

pub const COMMANDS: &[CommandSpec] = &[
    spec!(
        "xadd",
        -5,
        &["write", "denyoom", "fast"],
        ONE_KEY,
        W_FAST,
        "5.0.0",
        "key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]",
        "Appends an entry to a stream, creating the stream unless told not to, and optionally trims it.",
        "O(1) per added entry; O(N) when trimming N entries",
        xadd
    ),
    spec!(
        "xrange",
        -4,
        &["readonly"],
        ONE_KEY,
        R_SLOW,
        "5.0.0",
        "key start end [COUNT count]",
        "Lists stream entries whose ids fall between two bounds, oldest first.",
        "O(log N + M) for M returned entries",
        xrange
    ),
    spec!(
        "xrevrange",
        -4,
        &["readonly"],
        ONE_KEY,
        R_SLOW,
        "5.0.0",
        "key end start [COUNT count]",
        "Lists stream entries between two ids, newest first.",
        "O(log N + M) for M returned entries",
        xrevrange
    ),
    spec!(
        "xlen",
        2,
        &["readonly", "fast"],
        ONE_KEY,
        R_FAST,
        "5.0.0",
        "key",
        "Counts the entries of a stream.",
        "O(1)",
        xlen
    ),
    spec!(
        "xdel",
        -3,
        &["write", "fast"],
        ONE_KEY,
        W_FAST,
        "5.0.0",
        "key id [id ...]",
        "Removes entries from a stream by id and says how many existed.",
        "O(1) per id",
        xdel
    ),
    spec!(
        "xtrim",
        -4,
        &["write"],
        ONE_KEY,
        W_SLOW,
        "5.0.0",
        "key MAXLEN|MINID [=|~] threshold [LIMIT count]",
        "Drops the oldest entries of a stream, by length or by minimum id.",
        "O(N) for N removed entries",
        xtrim
    ),
    spec!(
        "xread",
        -4,
        &["readonly", "blocking", "movablekeys"],
        NO_KEYS,
        &["@read", "@stream", "@slow", "@blocking"],
        "5.0.0",
        "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
        "Reads entries newer than the given ids from one or more streams, optionally waiting for them.",
        "O(M) per stream for M returned entries",
        xread
    ),
    spec!(
        "xreadgroup",
        -7,
        &["write", "blocking", "movablekeys"],
        NO_KEYS,
        &["@write", "@stream", "@slow", "@blocking"],
        "5.0.0",
        "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]",
        "Reads entries for a consumer of a group: new ones with >, or its own pending ones.",
        "O(M) per stream for M returned entries",
        xreadgroup
    ),
    spec!(
        "xack",
        -4,
        &["write", "fast"],
        ONE_KEY,
        W_FAST,
        "5.0.0",
        "key group id [id ...]",
        "Marks pending entries of a group as processed.",
        "O(1) per id",
        xack
    ),
    spec!(
        "xpending",
        -3,
        &["readonly"],
        ONE_KEY,
        R_SLOW,
        "5.0.0",
        "key group [[IDLE min-idle-time] start end count [consumer]]",
        "Summarises or lists the entries a group delivered but nobody acknowledged yet.",
        "O(N) for N listed entries",
        xpending
    ),
    spec!(
        "xclaim",
        -6,
        &["write", "fast"],
        ONE_KEY,
        W_FAST,
        "5.0.0",
        "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]",
        "Moves pending entries idle long enough to another consumer.",
        "O(log N) per id",
        xclaim
    ),
    spec!(
        "xautoclaim",
        -6,
        &["write", "fast"],
        ONE_KEY,
        W_FAST,
        "6.2.0",
        "key group consumer min-idle-time start [COUNT count] [JUSTID]",
        "Scans a group's pending entries from an id and moves the idle ones to a consumer.",
        "O(1) per scanned entry",
        xautoclaim
    ),
    spec!(
        "xsetid",
        -3,
        &["write", "denyoom", "fast"],
        ONE_KEY,
        W_FAST,
        "5.0.0",
        "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
        "Overrides a stream's last id and its bookkeeping counters.",
        "O(1)",
        xsetid
    ),
    CommandSpec {
        name: "xgroup",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::Stream,
        since: "5.0.0",
        syntax: "<subcommand> [arguments]",
        summary: "Manages consumer groups and their consumers.",
        complexity: "Depends on the subcommand",
        handler: xgroup,
        subcommands: &[
            spec!(
                "xgroup|create",
                -5,
                &["write", "denyoom"],
                SUB_KEY,
                W_SLOW,
                "5.0.0",
                "key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]",
                "Creates a consumer group starting after an id (or at the end with $).",
                "O(1)",
                xgroup_create
            ),
            spec!(
                "xgroup|createconsumer",
                5,
                &["write", "denyoom"],
                SUB_KEY,
                W_SLOW,
                "6.2.0",
                "key group consumer",
                "Adds a named consumer to a group.",
                "O(1)",
                xgroup_createconsumer
            ),
            spec!(
                "xgroup|delconsumer",
                5,
                &["write"],
                SUB_KEY,
                W_SLOW,
                "5.0.0",
                "key group consumer",
                "Removes a consumer and its pending entries from a group.",
                "O(1)",
                xgroup_delconsumer
            ),
            spec!(
                "xgroup|destroy",
                4,
                &["write"],
                SUB_KEY,
                W_SLOW,
                "5.0.0",
                "key group",
                "Deletes a consumer group with its consumers and pending entries.",
                "O(N) for N pending entries",
                xgroup_destroy
            ),
            spec!(
                "xgroup|help",
                2,
                &["loading", "stale"],
                NO_KEYS,
                &["@stream", "@slow"],
                "5.0.0",
                "",
                "Lists the XGROUP subcommands.",
                "O(1)",
                xgroup_help
            ),
            spec!(
                "xgroup|setid",
                -5,
                &["write"],
                SUB_KEY,
                W_SLOW,
                "5.0.0",
                "key group id|$ [ENTRIESREAD entries-read]",
                "Moves a group's last delivered id.",
                "O(1)",
                xgroup_setid
            ),
        ],
    },
    CommandSpec {
        name: "xinfo",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::Stream,
        since: "5.0.0",
        syntax: "<subcommand> [arguments]",
        summary: "Reports on a stream, its groups and their consumers.",
        complexity: "Depends on the subcommand",
        handler: xinfo,
        subcommands: &[
            spec!(
                "xinfo|consumers",
                4,
                &["readonly"],
                SUB_KEY,
                R_SLOW,
                "5.0.0",
                "key group",
                "Lists a group's consumers with their pending counts and idle times.",
                "O(1)",
                xinfo_consumers
            ),
            spec!(
                "xinfo|groups",
                3,
                &["readonly"],
                SUB_KEY,
                R_SLOW,
                "5.0.0",
                "key",
                "Lists a stream's consumer groups with their progress.",
                "O(1)",
                xinfo_groups
            ),
            spec!(
                "xinfo|help",
                2,
                &["loading", "stale"],
                NO_KEYS,
                &["@stream", "@slow"],
                "5.0.0",
                "",
                "Lists the XINFO subcommands.",
                "O(1)",
                xinfo_help
            ),
            spec!(
                "xinfo|stream",
                -3,
                &["readonly"],
                SUB_KEY,
                R_SLOW,
                "5.0.0",
                "key [FULL [COUNT count]]",
                "Describes a stream: length, ids, counters, first and last entries, or everything with FULL.",
                "O(1), or O(N) with FULL",
                xinfo_stream
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    use crate::engine::test_run as run;

    fn b(s: &str) -> Reply {
        Reply::bulk_str(s)
    }

    #[test]
    fn ids_come_from_the_clock_and_sequence_within_a_millisecond() {
        let (mut e, clock) = Engine::with_virtual_clock();
        clock.set_ms(1000);
        let c = e.connect();
        assert_eq!(run(&mut e, c, "xadd s * a 1"), b("1000-0"));
        assert_eq!(run(&mut e, c, "xadd s * a 1"), b("1000-1"));
        clock.set_ms(900);
        assert_eq!(run(&mut e, c, "xadd s * a 1"), b("1000-2"));
        clock.set_ms(2000);
        assert_eq!(run(&mut e, c, "xadd s * a 1"), b("2000-0"));
        assert_eq!(run(&mut e, c, "xlen s"), Reply::Int(4));
    }

    #[test]
    fn xread_block_is_woken_by_another_client() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let a = e.connect();
        let w = e.connect();
        run(&mut e, w, "xadd s 1-1 f v");
        assert_eq!(run(&mut e, a, "xread block 0 streams s $"), Reply::NoReply);
        assert!(e.is_blocked(a));
        run(&mut e, w, "xadd s 2-1 f w");
        let pushed = e.take_pushed(a);
        assert_eq!(
            pushed,
            vec![Reply::Array(vec![Reply::Array(vec![
                b("s"),
                Reply::Array(vec![Reply::Array(vec![b("2-1"), Reply::Array(vec![b("f"), b("w")])])])
            ])])]
        );
        assert!(!e.is_blocked(a));
    }

    #[test]
    fn xread_block_times_out() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let a = e.connect();
        assert_eq!(run(&mut e, a, "xread block 100 streams s 0"), Reply::NoReply);
        clock.advance_ms(50);
        e.tick();
        assert!(e.take_pushed(a).is_empty());
        clock.advance_ms(60);
        e.tick();
        assert_eq!(e.take_pushed(a), vec![Reply::NilArray]);
    }

    #[test]
    fn xreadgroup_block_delivers_and_tracks_pending() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let a = e.connect();
        let w = e.connect();
        assert_eq!(run(&mut e, w, "xgroup create s g $ mkstream"), Reply::ok());
        assert_eq!(run(&mut e, a, "xreadgroup group g alice block 0 streams s >"), Reply::NoReply);
        run(&mut e, w, "xadd s 5-1 f v");
        let pushed = e.take_pushed(a);
        assert_eq!(pushed.len(), 1);
        assert_eq!(run(&mut e, w, "xpending s g - + 10 alice").error_text(), None);
        match run(&mut e, w, "xpending s g") {
            Reply::Array(v) => assert_eq!(v.first(), Some(&Reply::Int(1))),
            other => panic!("{other:?}"),
        }
        // Destroying the key unblocks group readers with an error.
        assert_eq!(run(&mut e, a, "xreadgroup group g alice block 0 streams s >"), Reply::NoReply);
        run(&mut e, w, "del s");
        assert_eq!(e.take_pushed(a), vec![Reply::Error("UNBLOCKED the stream key no longer exists".into())]);
    }

    #[test]
    fn blocked_dollar_means_the_last_id_when_blocking() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let a = e.connect();
        let w = e.connect();
        run(&mut e, w, "xadd s 1-1 f old");
        assert_eq!(run(&mut e, a, "xread block 0 streams s $"), Reply::NoReply);
        // A modification that adds nothing newer keeps the reader waiting.
        assert_eq!(run(&mut e, w, "xdel s 1-1"), Reply::Int(1));
        assert!(e.take_pushed(a).is_empty());
        assert!(e.is_blocked(a));
        run(&mut e, w, "xadd s 3-1 f new");
        let got = e.take_pushed(a);
        assert_eq!(
            got,
            vec![Reply::Array(vec![Reply::Array(vec![
                b("s"),
                Reply::Array(vec![Reply::Array(vec![b("3-1"), Reply::Array(vec![b("f"), b("new")])])])
            ])])]
        );
    }

    #[test]
    fn xreadgroup_block_times_out_and_group_destroy_unblocks() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let a = e.connect();
        let w = e.connect();
        run(&mut e, w, "xgroup create s g $ mkstream");
        assert_eq!(run(&mut e, a, "xreadgroup group g c block 500 streams s >"), Reply::NoReply);
        clock.advance_ms(501);
        e.tick();
        assert_eq!(e.take_pushed(a), vec![Reply::NilArray]);
        // The consumer is only created when something is delivered, as in Redis 7.0.
        assert_eq!(run(&mut e, w, "xinfo consumers s g"), Reply::Array(vec![]));
        assert_eq!(run(&mut e, a, "xreadgroup group g c block 0 streams s >"), Reply::NoReply);
        assert_eq!(run(&mut e, w, "xgroup destroy s g"), Reply::Int(1));
        assert_eq!(
            e.take_pushed(a),
            vec![Reply::Error("NOGROUP the consumer group this client was blocked on no longer exists".into())]
        );
    }

    #[test]
    fn deleting_the_stream_fails_every_group_reader_but_not_plain_readers() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let x = e.connect();
        let a = e.connect();
        let b2 = e.connect();
        let w = e.connect();
        run(&mut e, w, "xgroup create s g $ mkstream");
        assert_eq!(run(&mut e, x, "xread block 0 streams s $"), Reply::NoReply);
        assert_eq!(run(&mut e, a, "xreadgroup group g c1 block 0 streams s >"), Reply::NoReply);
        assert_eq!(run(&mut e, b2, "xreadgroup group g c2 block 0 streams s >"), Reply::NoReply);
        run(&mut e, w, "set s notastream");
        let err = Reply::Error("UNBLOCKED the stream key no longer exists".into());
        assert_eq!(e.take_pushed(a), vec![err.clone()]);
        assert_eq!(e.take_pushed(b2), vec![err]);
        assert!(e.is_blocked(x));
        run(&mut e, w, "del s");
        run(&mut e, w, "xadd s 1-1 f v");
        assert_eq!(e.take_pushed(x).len(), 1);
    }

    #[test]
    fn writes_announce_events_and_count_as_dirty() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        e.capture_events(true);
        let before = e.stats.dirty;
        run(&mut e, c, "xadd s maxlen 1 1-1 f v");
        run(&mut e, c, "xadd s maxlen 1 2-1 f v");
        run(&mut e, c, "xdel s 2-1");
        run(&mut e, c, "xgroup create s g 0");
        run(&mut e, c, "xgroup createconsumer s g c");
        run(&mut e, c, "xgroup setid s g 0");
        run(&mut e, c, "xgroup delconsumer s g c");
        run(&mut e, c, "xgroup destroy s g");
        run(&mut e, c, "xsetid s 5-0");
        run(&mut e, c, "xadd s 6-0 f v");
        run(&mut e, c, "xtrim s maxlen 0");
        let names: Vec<&str> = e.drain_events().iter().map(|ev| ev.event).collect();
        assert_eq!(
            names,
            vec![
                "xadd",
                "xadd",
                "xtrim",
                "xdel",
                "xgroup-create",
                "xgroup-createconsumer",
                "xgroup-setid",
                "xgroup-delconsumer",
                "xgroup-destroy",
                "xsetid",
                "xadd",
                "xtrim"
            ]
        );
        assert!(e.stats.dirty >= before + 11);
    }

    #[test]
    fn no_panics_on_odd_input() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        for line in [
            "xadd s 18446744073709551615-18446744073709551615 f v",
            "xadd s * f v",
            "xrange s (18446744073709551615-18446744073709551615 +",
            "xrevrange s + (0-0",
            "xautoclaim s g c 0 (18446744073709551615-18446744073709551615",
            "xclaim s g c -5 1-1 IDLE -9223372036854775808",
            "xread count 9223372036854775807 streams s 0",
            "xinfo stream s full count 9223372036854775807",
            "xpending s g idle -9223372036854775808 - + 9223372036854775807",
            "xtrim s maxlen ~ 9223372036854775807 limit 9223372036854775807",
            "xread block 9223372036854775807 streams s +",
        ] {
            let _ = run(&mut e, c, line);
        }
    }

    #[test]
    fn streams_survive_a_snapshot() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "xadd s 1-1 f v");
        run(&mut e, c, "xgroup create s g 0");
        run(&mut e, c, "xreadgroup group g alice streams s >");
        let before = run(&mut e, c, "xinfo stream s full");
        let bytes = crate::persist::snapshot::export(&e);
        let (mut e2, _clock2) = Engine::with_virtual_clock();
        let c2 = e2.connect();
        assert!(crate::persist::snapshot::import(&mut e2, &bytes).is_ok());
        assert_eq!(run(&mut e2, c2, "xinfo stream s full"), before);
    }

    #[test]
    fn approximate_trim_keeps_whole_nodes() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        for i in 1..=1000 {
            run(&mut e, c, &format!("xadd s {i}-0 item {i}"));
        }
        assert_eq!(run(&mut e, c, "xtrim s maxlen ~ 555"), Reply::Int(400));
        assert_eq!(run(&mut e, c, "xlen s"), Reply::Int(600));
    }
}
