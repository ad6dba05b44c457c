//! String commands (Redis's t_string.c): GET, SET and its variants, counters, ranges and LCS.
//!
//! Replies, error texts and their order follow Redis 7.0 exactly, including which lookups
//! count as reads (keyspace hits/misses) and which encoding a stored value gets, since
//! OBJECT ENCODING shows it: values stored as given go through `tryObjectEncoding`
//! ([`StrValue::encoded`]), APPEND/SETRANGE leave `raw` strings, counters store integers and
//! INCRBYFLOAT stores its text as a fresh string ([`StrValue::plain`]).

use crate::engine::events::EventClass;
use crate::engine::keyspace::{Access, Entry, StrValue, Value};
use crate::engine::longdouble::LongDouble;
use crate::engine::num::parse_i64;
use crate::engine::reply::{errors, CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{arity_error, Ctx};

// ---- value helpers --------------------------------------------------------------------------

/// What C string functions see of an argument: the bytes before its first NUL. Redis matches
/// option words with `strcasecmp` and character tests, so "nx\0junk" counts as NX there.
fn c_str(arg: &[u8]) -> &[u8] {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    arg.get(..end).unwrap_or(arg)
}

/// True when an option argument is `word`, ignoring ASCII case, as Redis compares it.
fn opt_is(arg: &[u8], word: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(word.as_bytes())
}

/// The unit of an expiry option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    /// EX: relative seconds.
    Ex,
    /// PX: relative milliseconds.
    Px,
    /// EXAT: absolute Unix seconds.
    ExAt,
    /// PXAT: absolute Unix milliseconds.
    PxAt,
}

impl Unit {
    fn parse(arg: &[u8]) -> Option<Unit> {
        [("EX", Unit::Ex), ("PX", Unit::Px), ("EXAT", Unit::ExAt), ("PXAT", Unit::PxAt)]
            .into_iter()
            .find(|(w, _)| opt_is(arg, w))
            .map(|(_, u)| u)
    }
    fn in_seconds(self) -> bool {
        matches!(self, Unit::Ex | Unit::ExAt)
    }
    fn relative(self) -> bool {
        matches!(self, Unit::Ex | Unit::Px)
    }
}

/// The options SET and GETEX share (Redis's `parseExtendedStringArgumentsOrReply`).
#[derive(Default)]
struct ExtOpts<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(Unit, &'a [u8])>,
}

/// Parses SET's (`for_set`) or GETEX's options from `argv[start..]`. Conflicting options are
/// syntax errors, but repeating the same one is allowed, as in Redis; an expiry's number is
/// only checked later.
fn parse_ext_opts(argv: &[Vec<u8>], start: usize, for_set: bool) -> Result<ExtOpts<'_>, RedisError> {
    let mut o = ExtOpts::default();
    let mut j = start;
    while let Some(arg) = argv.get(j) {
        let next = argv.get(j + 1);
        let other_unit = |u: Unit| o.expire.is_some_and(|(x, _)| x != u);
        if for_set && opt_is(arg, "NX") && !o.xx {
            o.nx = true;
        } else if for_set && opt_is(arg, "XX") && !o.nx {
            o.xx = true;
        } else if for_set && opt_is(arg, "GET") {
            o.get = true;
        } else if for_set && opt_is(arg, "KEEPTTL") && o.expire.is_none() {
            o.keepttl = true;
        } else if !for_set && opt_is(arg, "PERSIST") && o.expire.is_none() {
            o.persist = true;
        } else if let Some((unit, value)) =
            Unit::parse(arg).filter(|&u| !o.keepttl && !o.persist && !other_unit(u)).zip(next)
        {
            o.expire = Some((unit, value.as_slice()));
            j += 1;
        } else {
            return Err(RedisError::syntax());
        }
        j += 1;
    }
    Ok(o)
}

/// Converts an expiry argument to an absolute Unix time in ms with Redis's checks
/// (`getExpireMillisecondsOrReply`): positive, no overflow, errors naming the command.
fn expire_at_ms(ctx: &Ctx, unit: Unit, raw: &[u8]) -> Result<i64, RedisError> {
    let invalid = || RedisError::err(format!("invalid expire time in '{}' command", ctx.cmd.name));
    let mut ms = parse_i64(raw).ok_or_else(RedisError::not_integer)?;
    if ms <= 0 || (unit.in_seconds() && ms > i64::MAX / 1000) {
        return Err(invalid());
    }
    if unit.in_seconds() {
        ms *= 1000;
    }
    if unit.relative() {
        // Redis adds without an overflow check and then rejects a non-positive sum.
        ms = ms.wrapping_add(ctx.now_ms());
    }
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms)
}

/// Redis's `checkStringLength`: would a string of `len + extra` bytes exceed
/// proto-max-bulk-len?
fn check_string_length(ctx: &Ctx, len: i64, extra: i64) -> Result<(), RedisError> {
    let total = len.wrapping_add(extra);
    if total > ctx.eng.config.max_string_len() || total < len || total < extra {
        return Err(RedisError::raw(errors::STRING_TOO_LONG));
    }
    Ok(())
}

/// The string at `key` for GET-like commands: its bytes, `None` if missing, WRONGTYPE otherwise.
fn get_bytes(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Vec<u8>>, RedisError> {
    Ok(ctx.read_string(key)?.map(|s| s.bytes.clone()))
}

/// True if `key` exists, looked up as a write would (no hit/miss statistics).
fn exists_for_write(ctx: &mut Ctx, key: &[u8]) -> bool {
    ctx.lookup(key, Access::Write).is_some()
}

/// The core of SET, SETNX, SETEX and PSETEX (Redis's `setGenericCommand`).
fn set_generic(
    ctx: &mut Ctx,
    key: &[u8],
    value: &[u8],
    opts: &ExtOpts,
    ok_reply: Reply,
    abort_reply: Reply,
) -> CmdResult {
    let expire_at = match opts.expire {
        Some((unit, raw)) => Some(expire_at_ms(ctx, unit, raw)?),
        None => None,
    };
    let old = if opts.get { Some(get_bytes(ctx, key)?) } else { None };
    let found = exists_for_write(ctx, key);
    if (opts.nx && found) || (opts.xx && !found) {
        return Ok(match old {
            Some(old) => Reply::opt_bulk(old),
            None => abort_reply,
        });
    }
    ctx.set_key(key, Value::Str(StrValue::encoded(value.to_vec())), opts.keepttl);
    ctx.dirty(1);
    ctx.notify(EventClass::String, "set", key);
    if let Some(at) = expire_at {
        ctx.db().set_expire(key, Some(at));
        ctx.notify(EventClass::Generic, "expire", key);
    }
    Ok(match old {
        Some(old) => Reply::opt_bulk(old),
        None => ok_reply,
    })
}

/// Stores a counter's new value, keeping the key's time to live as Redis's in-place update
/// and `dbOverwrite` do.
fn store_keeping_ttl(ctx: &mut Ctx, key: &[u8], value: StrValue) {
    match ctx.lookup(key, Access::NoTouch) {
        Some(Entry { value: Value::Str(s), .. }) => *s = value,
        _ => {
            ctx.set_key(key, Value::Str(value), false);
            return;
        }
    }
    ctx.signal_modified(key);
}

/// INCR, DECR, INCRBY and DECRBY (Redis's `incrDecrCommand`).
fn incr_decr(ctx: &mut Ctx, incr: i64) -> CmdResult {
    let key = ctx.args().next()?;
    let current = match ctx.write_string(key)? {
        None => 0,
        Some(s) => parse_i64(&s.bytes).ok_or_else(RedisError::not_integer)?,
    };
    let value = current.checked_add(incr).ok_or_else(|| RedisError::raw(errors::OVERFLOW))?;
    store_keeping_ttl(ctx, key, StrValue::int(value));
    ctx.notify(EventClass::String, "incrby", key);
    ctx.dirty(1);
    Ok(Reply::Int(value))
}

/// GETRANGE's index arithmetic: the byte range of a `len`-byte string, `None` when empty.
fn range_of(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = len as i64;
    let mut start = if start < 0 { start + len } else { start };
    let mut end = if end < 0 { end + len } else { end };
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

/// The longest common subsequence table of Redis's LCS: `t[i][j]` (flattened, row length
/// `b.len() + 1`) is the LCS length of `a[..i]` and `b[..j]`.
/// `None` when the table cannot be allocated.
fn lcs_table(a: &[u8], b: &[u8]) -> Option<Vec<u32>> {
    let w = b.len() + 1;
    let cells = (a.len() + 1).checked_mul(w)?;
    let mut t = Vec::new();
    t.try_reserve_exact(cells).ok()?;
    t.resize(cells, 0u32);
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            t[i * w + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    Some(t)
}

/// One matching range found by LCS: positions in a, positions in b, length.
type LcsMatch = ((u32, u32), (u32, u32), u32);

/// Walks the table back from the end as Redis does, returning the common subsequence and
/// the matching ranges (last first) that are at least `min_len` long (0: all).
fn lcs_walk(a: &[u8], b: &[u8], t: &[u32], min_len: i64) -> (Vec<u8>, Vec<LcsMatch>) {
    let w = b.len() + 1;
    let at = |i: usize, j: usize| t.get(i * w + j).copied().unwrap_or(0);
    let total = at(a.len(), b.len()) as usize;
    let mut result = vec![0u8; total];
    let mut idx = total;
    let mut matches = Vec::new();
    let alen = a.len() as u32;
    // `astart == alen` means no range is open.
    let (mut astart, mut aend, mut bstart, mut bend) = (alen, 0u32, 0u32, 0u32);
    let (mut i, mut j) = (a.len(), b.len());
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            if let Some(slot) = idx.checked_sub(1).and_then(|k| result.get_mut(k)) {
                *slot = a[i - 1];
            }
            let (ii, jj) = ((i - 1) as u32, (j - 1) as u32);
            if astart == alen {
                (astart, aend, bstart, bend) = (ii, ii, jj, jj);
            } else if astart == ii + 1 && bstart == jj + 1 {
                astart -= 1;
                bstart -= 1;
            } else {
                emit = true;
            }
            if astart == 0 || bstart == 0 {
                emit = true;
            }
            idx = idx.saturating_sub(1);
            i -= 1;
            j -= 1;
        } else {
            if at(i - 1, j) > at(i, j - 1) {
                i -= 1;
            } else {
                j -= 1;
            }
            if astart != alen {
                emit = true;
            }
        }
        if emit {
            let len = aend.wrapping_sub(astart).wrapping_add(1);
            if min_len == 0 || i64::from(len) >= min_len {
                matches.push(((astart, aend), (bstart, bend), len));
            }
            astart = alen;
        }
    }
    (result, matches)
}

// ---- handlers -------------------------------------------------------------------------------

/// GET key
fn get(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(Reply::opt_bulk(get_bytes(ctx, key)?))
}

/// SET key value [NX | XX] [GET] [EX seconds | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]
fn set(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, value) = (a.next()?, a.next()?);
    let opts = parse_ext_opts(ctx.argv, 3, true)?;
    set_generic(ctx, key, value, &opts, Reply::ok(), Reply::Nil)
}

/// SETNX key value
fn setnx(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, value) = (a.next()?, a.next()?);
    let opts = ExtOpts { nx: true, ..ExtOpts::default() };
    set_generic(ctx, key, value, &opts, Reply::Int(1), Reply::Int(0))
}

/// SETEX key seconds value
fn setex(ctx: &mut Ctx) -> CmdResult {
    set_with_ttl(ctx, Unit::Ex)
}

/// PSETEX key milliseconds value
fn psetex(ctx: &mut Ctx) -> CmdResult {
    set_with_ttl(ctx, Unit::Px)
}

fn set_with_ttl(ctx: &mut Ctx, unit: Unit) -> CmdResult {
    let mut a = ctx.args();
    let (key, ttl, value) = (a.next()?, a.next()?, a.next()?);
    let opts = ExtOpts { expire: Some((unit, ttl)), ..ExtOpts::default() };
    set_generic(ctx, key, value, &opts, Reply::ok(), Reply::Nil)
}

/// GETEX key [EX seconds | PX ms | EXAT ts | PXAT ms-ts | PERSIST]
fn getex(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    let opts = parse_ext_opts(ctx.argv, 2, false)?;
    let Some(value) = get_bytes(ctx, key)? else {
        return Ok(Reply::Nil);
    };
    let expire_at = match opts.expire {
        Some((unit, raw)) => Some((unit, expire_at_ms(ctx, unit, raw)?)),
        None => None,
    };
    match expire_at {
        Some((unit, at)) if !unit.relative() && at <= ctx.now_ms() => {
            // An absolute time already past deletes the key at once.
            ctx.delete_key(key);
            ctx.notify(EventClass::Generic, "del", key);
            ctx.dirty(1);
        }
        Some((_, at)) => {
            ctx.db().set_expire(key, Some(at));
            ctx.signal_modified(key);
            ctx.notify(EventClass::Generic, "expire", key);
            ctx.dirty(1);
        }
        None if opts.persist => {
            let had_ttl = ctx.db().peek(key).is_some_and(|e| e.expire_at.is_some());
            if had_ttl {
                ctx.db().set_expire(key, None);
                ctx.signal_modified(key);
                ctx.notify(EventClass::Generic, "persist", key);
                ctx.dirty(1);
            }
        }
        None => {}
    }
    Ok(Reply::Bulk(value))
}

/// GETDEL key
fn getdel(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    let value = get_bytes(ctx, key)?;
    if value.is_some() && ctx.delete_key(key) {
        ctx.notify(EventClass::Generic, "del", key);
        ctx.dirty(1);
    }
    Ok(Reply::opt_bulk(value))
}

/// GETSET key value
fn getset(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, value) = (a.next()?, a.next()?);
    let old = get_bytes(ctx, key)?;
    ctx.set_key(key, Value::Str(StrValue::encoded(value.to_vec())), false);
    ctx.notify(EventClass::String, "set", key);
    ctx.dirty(1);
    Ok(Reply::opt_bulk(old))
}

/// MGET key [key ...]
fn mget(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        // Keys of other types read as nil here rather than failing the whole command.
        out.push(match ctx.lookup(key, Access::Read) {
            Some(Entry { value: Value::Str(s), .. }) => Reply::Bulk(s.bytes.clone()),
            #[allow(unreachable_patterns)]
            _ => Reply::Nil,
        });
    }
    Ok(Reply::Array(out))
}

/// MSET key value [key value ...]
fn mset(ctx: &mut Ctx) -> CmdResult {
    mset_generic(ctx, false)
}

/// MSETNX key value [key value ...]
fn msetnx(ctx: &mut Ctx) -> CmdResult {
    mset_generic(ctx, true)
}

fn mset_generic(ctx: &mut Ctx, nx: bool) -> CmdResult {
    let pairs = ctx.args().rest();
    if !pairs.len().is_multiple_of(2) {
        // The table's arity only says "at least 3"; pairing is checked here, as Redis does.
        return Err(arity_error(ctx.cmd.name));
    }
    if nx && pairs.chunks(2).any(|p| exists_for_write(ctx, &p[0])) {
        return Ok(Reply::Int(0));
    }
    for p in pairs.chunks(2) {
        let (key, value) = (&p[0], &p[1]);
        ctx.set_key(key, Value::Str(StrValue::encoded(value.clone())), false);
        ctx.notify(EventClass::String, "set", key);
    }
    ctx.dirty((pairs.len() / 2) as u64);
    Ok(if nx { Reply::Int(1) } else { Reply::ok() })
}

/// INCR key
fn incr(ctx: &mut Ctx) -> CmdResult {
    incr_decr(ctx, 1)
}

/// DECR key
fn decr(ctx: &mut Ctx) -> CmdResult {
    incr_decr(ctx, -1)
}

/// INCRBY key increment
fn incrby(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    a.next()?;
    let by = a.int()?;
    incr_decr(ctx, by)
}

/// DECRBY key decrement
fn decrby(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    a.next()?;
    let by = a.int()?;
    // Negating the smallest integer would overflow; Redis has its own message for it.
    let neg = by.checked_neg().ok_or_else(|| RedisError::err("decrement would overflow"))?;
    incr_decr(ctx, neg)
}

/// INCRBYFLOAT key increment — computed in 80-bit long double like Redis.
fn incrbyfloat(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, by) = (a.next()?, a.next()?);
    let current = match ctx.write_string(key)? {
        None => LongDouble::ZERO,
        Some(s) => LongDouble::parse_redis(&s.bytes).ok_or_else(RedisError::not_float)?,
    };
    let by = LongDouble::parse_redis(by).ok_or_else(RedisError::not_float)?;
    let sum = current + by;
    if !sum.is_finite() {
        return Err(RedisError::raw(errors::NAN_OR_INF));
    }
    let text = sum.to_human().into_bytes();
    store_keeping_ttl(ctx, key, StrValue::plain(text.clone()));
    ctx.notify(EventClass::String, "incrbyfloat", key);
    ctx.dirty(1);
    Ok(Reply::Bulk(text))
}

/// APPEND key value
fn append(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, value) = (a.next()?, a.next()?);
    let old_len = ctx.write_string(key)?.map(|s| s.bytes.len());
    let total = match old_len {
        None => {
            ctx.set_key(key, Value::Str(StrValue::encoded(value.to_vec())), false);
            value.len()
        }
        Some(len) => {
            check_string_length(ctx, len as i64, value.len() as i64)?;
            let mut total = len;
            if let Some(s) = ctx.write_string(key)? {
                // Appending turns any encoding into a plain growable (raw) string.
                s.bytes.extend_from_slice(value);
                s.note_growth(len);
                total = s.bytes.len();
            }
            ctx.signal_modified(key);
            total
        }
    };
    ctx.notify(EventClass::String, "append", key);
    ctx.dirty(1);
    Ok(Reply::Int(total as i64))
}

/// STRLEN key
fn strlen(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(Reply::Int(ctx.read_string(key)?.map_or(0, |s| s.bytes.len() as i64)))
}

/// GETRANGE key start end (and the old SUBSTR)
fn getrange(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let (start, end) = (a.int()?, a.int()?);
    let Some(s) = ctx.read_string(key)? else {
        return Ok(Reply::bulk_str(""));
    };
    Ok(match range_of(s.bytes.len(), start, end) {
        Some((from, to)) => Reply::Bulk(s.bytes.get(from..=to).unwrap_or_default().to_vec()),
        None => Reply::bulk_str(""),
    })
}

/// SETRANGE key offset value
fn setrange(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let offset = a.int()?;
    let value = a.next()?;
    if offset < 0 {
        return Err(RedisError::err("offset is out of range"));
    }
    let old_len = ctx.write_string(key)?.map(|s| s.bytes.len());
    let new_len = match old_len {
        None => {
            if value.is_empty() {
                return Ok(Reply::Int(0));
            }
            check_string_length(ctx, offset, value.len() as i64)?;
            let mut bytes = vec![0u8; offset as usize];
            bytes.extend_from_slice(value);
            let len = bytes.len();
            ctx.set_key(key, Value::Str(StrValue::raw(bytes)), false);
            len
        }
        Some(len) => {
            if value.is_empty() {
                return Ok(Reply::Int(len as i64));
            }
            check_string_length(ctx, offset, value.len() as i64)?;
            let mut new_len = len;
            if let Some(s) = ctx.write_string(key)? {
                let (from, to) = (offset as usize, offset as usize + value.len());
                let old_len = s.bytes.len();
                if s.bytes.len() < to {
                    s.bytes.resize(to, 0);
                }
                if let Some(dst) = s.bytes.get_mut(from..to) {
                    dst.copy_from_slice(value);
                }
                s.note_growth(old_len);
                new_len = s.bytes.len();
            }
            ctx.signal_modified(key);
            new_len
        }
    };
    ctx.notify(EventClass::String, "setrange", key);
    ctx.dirty(1);
    Ok(Reply::Int(new_len as i64))
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
fn lcs(ctx: &mut Ctx) -> CmdResult {
    let mut args = ctx.args();
    let (ka, kb) = (args.next()?, args.next()?);
    let mut read = |key: &[u8]| match ctx.lookup(key, Access::Read) {
        None => Ok(Vec::new()),
        Some(Entry { value: Value::Str(s), .. }) => Ok(s.bytes.clone()),
        #[allow(unreachable_patterns)]
        Some(_) => Err(()),
    };
    let (a, b) = (read(ka), read(kb));
    let (Ok(a), Ok(b)) = (a, b) else {
        return Err(RedisError::err("The specified keys must contain string values"));
    };
    let (mut getlen, mut getidx, mut withmatchlen, mut minmatchlen) = (false, false, false, 0i64);
    while let Some(opt) = args.next_opt() {
        if opt_is(opt, "IDX") {
            getidx = true;
        } else if opt_is(opt, "LEN") {
            getlen = true;
        } else if opt_is(opt, "WITHMATCHLEN") {
            withmatchlen = true;
        } else if opt_is(opt, "MINMATCHLEN") && args.remaining() > 0 {
            minmatchlen = args.int()?.max(0);
        } else {
            return Err(RedisError::syntax());
        }
    }
    if getlen && getidx {
        return Err(RedisError::err("If you want both the length and indexes, please just use IDX."));
    }
    if a.len() as u64 >= u64::from(u32::MAX - 1) || b.len() as u64 >= u64::from(u32::MAX - 1) {
        return Err(RedisError::err("String too long for LCS"));
    }
    let table_bytes = (a.len() as u64 + 1).saturating_mul(b.len() as u64 + 1).saturating_mul(4);
    if table_bytes > ctx.eng.config.max_string_len().max(0) as u64 {
        return Err(RedisError::err("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
    }
    let Some(table) = lcs_table(&a, &b) else {
        return Err(RedisError::err("Insufficient memory, failed allocating transient memory for LCS"));
    };
    let len = i64::from(table.last().copied().unwrap_or(0));
    if getlen {
        return Ok(Reply::Int(len));
    }
    let (common, matches) = lcs_walk(&a, &b, &table, minmatchlen);
    if !getidx {
        return Ok(Reply::Bulk(common));
    }
    let ranges = matches
        .into_iter()
        .map(|((a0, a1), (b0, b1), n)| {
            let mut item = vec![
                Reply::Array(vec![Reply::Int(a0.into()), Reply::Int(a1.into())]),
                Reply::Array(vec![Reply::Int(b0.into()), Reply::Int(b1.into())]),
            ];
            if withmatchlen {
                item.push(Reply::Int(n.into()));
            }
            Reply::Array(item)
        })
        .collect();
    Ok(Reply::Map(vec![(Reply::bulk_str("matches"), Reply::Array(ranges)), (Reply::bulk_str("len"), Reply::Int(len))]))
}
// ---- table ----------------------------------------------------------------------------------

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        arity: 2,
        flags: &["readonly", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@string", "@fast"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key",
        summary: "Returns the string stored at a key, or nil when the key does not exist.",
        complexity: "O(1)",
        handler: get,
        subcommands: &[],
    },
    CommandSpec {
        name: "set",
        arity: -3,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@slow"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
        summary: "Stores a string at a key, replacing any value, optionally only if the key is new (NX) or exists (XX), with a time to live.",
        complexity: "O(1)",
        handler: set,
        subcommands: &[],
    },
    CommandSpec {
        name: "setnx",
        arity: 3,
        flags: &["write", "denyoom", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key value",
        summary: "Stores a string only when the key does not exist yet; replies 1 if it did so, 0 otherwise.",
        complexity: "O(1)",
        handler: setnx,
        subcommands: &[],
    },
    CommandSpec {
        name: "setex",
        arity: 4,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@slow"],
        group: Group::String,
        since: "2.0.0",
        syntax: "key seconds value",
        summary: "Stores a string together with a time to live given in seconds.",
        complexity: "O(1)",
        handler: setex,
        subcommands: &[],
    },
    CommandSpec {
        name: "psetex",
        arity: 4,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@slow"],
        group: Group::String,
        since: "2.6.0",
        syntax: "key milliseconds value",
        summary: "Stores a string together with a time to live given in milliseconds.",
        complexity: "O(1)",
        handler: psetex,
        subcommands: &[],
    },
    CommandSpec {
        name: "getex",
        arity: -2,
        flags: &["write", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "6.2.0",
        syntax: "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]",
        summary: "Reads a string and at the same time sets or removes the key's time to live.",
        complexity: "O(1)",
        handler: getex,
        subcommands: &[],
    },
    CommandSpec {
        name: "getdel",
        arity: 2,
        flags: &["write", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "6.2.0",
        syntax: "key",
        summary: "Reads a string and deletes its key.",
        complexity: "O(1)",
        handler: getdel,
        subcommands: &[],
    },
    CommandSpec {
        name: "getset",
        arity: 3,
        flags: &["write", "denyoom", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key value",
        summary: "Replaces a string and replies with the previous one (superseded by SET ... GET).",
        complexity: "O(1)",
        handler: getset,
        subcommands: &[],
    },
    CommandSpec {
        name: "mget",
        arity: -2,
        flags: &["readonly", "fast"],
        first_key: 1,
        last_key: -1,
        step: 1,
        acl: &["@read", "@string", "@fast"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key [key ...]",
        summary: "Reads several strings at once; missing keys and keys of other types give nil.",
        complexity: "O(N) for N keys",
        handler: mget,
        subcommands: &[],
    },
    CommandSpec {
        name: "mset",
        arity: -3,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: -1,
        step: 2,
        acl: &["@write", "@string", "@slow"],
        group: Group::String,
        since: "1.0.1",
        syntax: "key value [key value ...]",
        summary: "Stores several strings at once, replacing existing values.",
        complexity: "O(N) for N keys",
        handler: mset,
        subcommands: &[],
    },
    CommandSpec {
        name: "msetnx",
        arity: -3,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: -1,
        step: 2,
        acl: &["@write", "@string", "@slow"],
        group: Group::String,
        since: "1.0.1",
        syntax: "key value [key value ...]",
        summary: "Stores several strings at once, but only when none of the keys exists; replies 1 or 0.",
        complexity: "O(N) for N keys",
        handler: msetnx,
        subcommands: &[],
    },
    CommandSpec {
        name: "incr",
        arity: 2,
        flags: &["write", "denyoom", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key",
        summary: "Adds one to the integer stored at a key (a missing key counts as 0).",
        complexity: "O(1)",
        handler: incr,
        subcommands: &[],
    },
    CommandSpec {
        name: "decr",
        arity: 2,
        flags: &["write", "denyoom", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key",
        summary: "Subtracts one from the integer stored at a key (a missing key counts as 0).",
        complexity: "O(1)",
        handler: decr,
        subcommands: &[],
    },
    CommandSpec {
        name: "incrby",
        arity: 3,
        flags: &["write", "denyoom", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key increment",
        summary: "Adds an integer to the integer stored at a key (a missing key counts as 0).",
        complexity: "O(1)",
        handler: incrby,
        subcommands: &[],
    },
    CommandSpec {
        name: "decrby",
        arity: 3,
        flags: &["write", "denyoom", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key decrement",
        summary: "Subtracts an integer from the integer stored at a key (a missing key counts as 0).",
        complexity: "O(1)",
        handler: decrby,
        subcommands: &[],
    },
    CommandSpec {
        name: "incrbyfloat",
        arity: 3,
        flags: &["write", "denyoom", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "2.6.0",
        syntax: "key increment",
        summary: "Adds a decimal number to the number stored at a key, computing in extended precision.",
        complexity: "O(1)",
        handler: incrbyfloat,
        subcommands: &[],
    },
    CommandSpec {
        name: "append",
        arity: 3,
        flags: &["write", "denyoom", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@fast"],
        group: Group::String,
        since: "2.0.0",
        syntax: "key value",
        summary: "Adds bytes to the end of a string (creating it if needed) and replies with the new length.",
        complexity: "O(1) amortized, plus copying the appended bytes",
        handler: append,
        subcommands: &[],
    },
    CommandSpec {
        name: "strlen",
        arity: 2,
        flags: &["readonly", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@string", "@fast"],
        group: Group::String,
        since: "2.2.0",
        syntax: "key",
        summary: "Replies with the length in bytes of a string (0 for a missing key).",
        complexity: "O(1)",
        handler: strlen,
        subcommands: &[],
    },
    CommandSpec {
        name: "getrange",
        arity: 4,
        flags: &["readonly"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@string", "@slow"],
        group: Group::String,
        since: "2.4.0",
        syntax: "key start end",
        summary: "Returns the bytes of a string between two inclusive offsets; negative offsets count from the end.",
        complexity: "O(N) in the length of the returned part",
        handler: getrange,
        subcommands: &[],
    },
    CommandSpec {
        name: "substr",
        arity: 4,
        flags: &["readonly"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@string", "@slow"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key start end",
        summary: "The old name of GETRANGE (deprecated).",
        complexity: "O(N) in the length of the returned part",
        handler: getrange,
        subcommands: &[],
    },
    CommandSpec {
        name: "setrange",
        arity: 4,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@slow"],
        group: Group::String,
        since: "2.2.0",
        syntax: "key offset value",
        summary: "Overwrites part of a string from an offset, padding with zero bytes; replies with the new length.",
        complexity: "O(1) plus copying the value; O(M) when the string must grow to M bytes",
        handler: setrange,
        subcommands: &[],
    },
    CommandSpec {
        name: "lcs",
        arity: -3,
        flags: &["readonly"],
        first_key: 1,
        last_key: 2,
        step: 1,
        acl: &["@read", "@string", "@slow"],
        group: Group::String,
        since: "7.0.0",
        syntax: "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]",
        summary: "Finds the longest common subsequence of two strings, its length, or the matching ranges.",
        complexity: "O(N*M) for strings of N and M bytes",
        handler: lcs,
        subcommands: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ClientId, Engine, VirtualClock};

    fn setup() -> (Engine, VirtualClock, ClientId) {
        let (mut e, clock) = Engine::with_virtual_clock();
        let c = e.connect();
        (e, clock, c)
    }
    use crate::engine::test_run as run;
    fn err(text: &str) -> Reply {
        Reply::Error(text.into())
    }
    fn enc(e: &Engine, key: &str) -> &'static str {
        e.db(0).and_then(|d| d.peek(key.as_bytes())).map_or("none", |en| en.value.encoding_name())
    }
    fn ttl(e: &Engine, key: &str) -> Option<i64> {
        e.db(0).and_then(|d| d.peek(key.as_bytes())).and_then(|en| en.expire_at)
    }
    fn events(e: &mut Engine) -> Vec<&'static str> {
        e.drain_events().into_iter().map(|ev| ev.event).collect()
    }

    #[test]
    fn set_options_follow_redis_parse_rules() {
        let (mut e, _, c) = setup();
        assert_eq!(run(&mut e, c, "set k v nx"), Reply::ok());
        assert_eq!(run(&mut e, c, "set k w nx"), Reply::Nil);
        assert_eq!(run(&mut e, c, "set k w xx get"), Reply::bulk_str("v"));
        assert_eq!(run(&mut e, c, "set k w nx get"), Reply::bulk_str("w"));
        assert_eq!(run(&mut e, c, "set k w nx xx"), err("ERR syntax error"));
        assert_eq!(run(&mut e, c, "set k w ex 10 ex 20"), Reply::ok());
        assert_eq!(run(&mut e, c, "set k w ex 10 px 20"), err("ERR syntax error"));
        assert_eq!(run(&mut e, c, "set k w keepttl ex 1"), err("ERR syntax error"));
        assert_eq!(run(&mut e, c, "set k w ex"), err("ERR syntax error"));
        assert_eq!(run(&mut e, c, "set k w persist"), err("ERR syntax error"));
        // The option list is checked before the number.
        assert_eq!(run(&mut e, c, "set k w ex abc bogus"), err("ERR syntax error"));
        assert_eq!(run(&mut e, c, "set k w ex abc"), err("ERR value is not an integer or out of range"));
        assert_eq!(run(&mut e, c, "set k w ex 0"), err("ERR invalid expire time in 'set' command"));
        assert_eq!(run(&mut e, c, "set k w px 9223372036854775807"), err("ERR invalid expire time in 'set' command"));
        assert_eq!(run(&mut e, c, "set k w ex 9223372036854776"), err("ERR invalid expire time in 'set' command"));
        assert_eq!(run(&mut e, c, "setex k 0 v"), err("ERR invalid expire time in 'setex' command"));
        assert_eq!(run(&mut e, c, "psetex k -1 v"), err("ERR invalid expire time in 'psetex' command"));
        assert_eq!(run(&mut e, c, "getex k px 0"), err("ERR invalid expire time in 'getex' command"));
        assert_eq!(run(&mut e, c, "set k w exat 9223372036854775"), Reply::ok());
        assert_eq!(ttl(&e, "k"), Some(9_223_372_036_854_775_000));
    }

    #[test]
    fn ttl_handling_matches_redis() {
        let (mut e, clock, c) = setup();
        let now = e.now_ms();
        run(&mut e, c, "set k v px 100");
        assert_eq!(ttl(&e, "k"), Some(now + 100));
        run(&mut e, c, "set k w keepttl");
        assert_eq!(ttl(&e, "k"), Some(now + 100));
        for cmd in ["incr", "incrbyfloat", "append", "setrange"] {
            let line = match cmd {
                "incr" => "incr n",
                "incrbyfloat" => "incrbyfloat n 1.5",
                "append" => "append n x",
                _ => "setrange n 0 7",
            };
            run(&mut e, c, "set n 1 px 50");
            run(&mut e, c, line);
            assert_eq!(ttl(&e, "n"), Some(now + 50), "{cmd} must keep the ttl");
        }
        run(&mut e, c, "getset n 5");
        assert_eq!(ttl(&e, "n"), None);
        run(&mut e, c, "set k v");
        assert_eq!(ttl(&e, "k"), None);
        assert_eq!(run(&mut e, c, "getex k ex 10"), Reply::bulk_str("v"));
        assert_eq!(ttl(&e, "k"), Some(now + 10_000));
        assert_eq!(run(&mut e, c, "getex k persist"), Reply::bulk_str("v"));
        assert_eq!(ttl(&e, "k"), None);
        assert_eq!(run(&mut e, c, "getex k exat 1"), Reply::bulk_str("v"));
        assert_eq!(e.db(0).map(|d| d.peek(b"k").is_some()), Some(false));
        run(&mut e, c, "setex s 1 v");
        clock.advance_ms(1001);
        assert_eq!(run(&mut e, c, "get s"), Reply::Nil);
    }

    #[test]
    fn encodings_follow_t_string_c() {
        // Expected values read from redis-server 7.0 with OBJECT ENCODING.
        let (mut e, _, c) = setup();
        let cases: &[(&str, &str, &str)] = &[
            ("set a 123", "a", "int"),
            ("set a -9223372036854775808", "a", "int"),
            ("set a 9223372036854775808", "a", "embstr"),
            ("set a 0123", "a", "embstr"),
            ("set a 12345678901234567890123456789012345678901234", "a", "embstr"),
            ("set a 123456789012345678901234567890123456789012345", "a", "raw"),
            ("append a x", "a", "raw"),
            ("set b 5", "b", "int"),
            ("append b \"\"", "b", "raw"),
            ("append nk 12", "nk", "int"),
            ("append nk2 abc", "nk2", "embstr"),
            ("setrange c 0 abc", "c", "raw"),
            ("set d abc", "d", "embstr"),
            ("setrange d 0 \"\"", "d", "embstr"),
            ("setrange d 1 x", "d", "raw"),
            ("incrbyfloat f 1", "f", "embstr"),
            ("incrbyfloat f2 1e50", "f2", "raw"),
            ("incr i", "i", "int"),
            ("incrbyfloat i 0", "i", "embstr"),
            ("incr i", "i", "int"),
            ("getset i 77", "i", "int"),
            ("setex l 100 42", "l", "int"),
            ("psetex l 100000 4x", "l", "embstr"),
            ("setnx m 3", "m", "int"),
            ("set o \" 1\"", "o", "embstr"),
            ("mset p 1 q xx", "p", "int"),
            ("msetnx i2 5 j2 yy", "j2", "embstr"),
            ("incrby q2 10000", "q2", "int"),
            ("decrby q2 20000", "q2", "int"),
            ("set r 1 get", "r", "int"),
        ];
        for (line, key, want) in cases {
            assert!(!run(&mut e, c, line).is_error(), "{line}");
            assert_eq!(enc(&e, key), *want, "{line}");
        }
    }

    #[test]
    fn events_and_dirty() {
        let (mut e, _, c) = setup();
        e.capture_events(true);
        let d0 = e.stats.dirty;
        run(&mut e, c, "set k 1 ex 10");
        assert_eq!(events(&mut e), ["set", "expire"]);
        run(&mut e, c, "incrby k 2");
        run(&mut e, c, "decr k");
        run(&mut e, c, "incrbyfloat k 1.5");
        run(&mut e, c, "append k x");
        run(&mut e, c, "setrange k 0 y");
        assert_eq!(events(&mut e), ["incrby", "incrby", "incrbyfloat", "append", "setrange"]);
        run(&mut e, c, "getex k persist");
        run(&mut e, c, "getex k persist");
        run(&mut e, c, "getex k px 100");
        run(&mut e, c, "getdel k");
        run(&mut e, c, "getdel k");
        assert_eq!(events(&mut e), ["persist", "expire", "del"]);
        run(&mut e, c, "mset a 1 b 2");
        run(&mut e, c, "msetnx a 1 c 2");
        run(&mut e, c, "setnx a 1");
        run(&mut e, c, "set a 1 xx get");
        assert_eq!(events(&mut e), ["set", "set", "set"]);
        assert_eq!(e.stats.dirty - d0, 1 + 5 + 3 + 2 + 1);
        // Failed commands change nothing.
        run(&mut e, c, "incrby a x");
        run(&mut e, c, "setrange a -1 x");
        run(&mut e, c, "setrange a 0 \"\"");
        assert!(events(&mut e).is_empty());
    }

    #[test]
    fn counters_and_overflow() {
        let (mut e, _, c) = setup();
        assert_eq!(run(&mut e, c, "incr n"), Reply::Int(1));
        assert_eq!(run(&mut e, c, "decrby n 3"), Reply::Int(-2));
        run(&mut e, c, "set n 9223372036854775807");
        assert_eq!(run(&mut e, c, "incr n"), err("ERR increment or decrement would overflow"));
        assert_eq!(run(&mut e, c, "decrby n -9223372036854775808"), err("ERR decrement would overflow"));
        run(&mut e, c, "set n -9223372036854775808");
        assert_eq!(run(&mut e, c, "decr n"), err("ERR increment or decrement would overflow"));
        assert_eq!(run(&mut e, c, "set s 1.0"), Reply::ok());
        assert_eq!(run(&mut e, c, "incr s"), err("ERR value is not an integer or out of range"));
        assert_eq!(run(&mut e, c, "incrbyfloat s 0.1"), Reply::bulk_str("1.1"));
        assert_eq!(run(&mut e, c, "incrbyfloat s nan"), err("ERR value is not a valid float"));
        assert_eq!(run(&mut e, c, "incrbyfloat s inf"), err("ERR increment would produce NaN or Infinity"));
        assert_eq!(run(&mut e, c, "incrbyfloat t 1e10"), Reply::bulk_str("10000000000"));
        assert_eq!(run(&mut e, c, "incrbyfloat t 0.1"), Reply::bulk_str("10000000000.09999999962747097"));
        assert_eq!(run(&mut e, c, "incrbyfloat z -0"), Reply::bulk_str("0"));
    }

    #[test]
    fn ranges() {
        assert_eq!(range_of(16, 0, 3), Some((0, 3)));
        assert_eq!(range_of(16, -3, -1), Some((13, 15)));
        assert_eq!(range_of(16, -1, -5), None);
        assert_eq!(range_of(16, 5, 3), None);
        assert_eq!(range_of(0, 0, -1), None);
        assert_eq!(range_of(16, i64::MIN, i64::MAX), Some((0, 15)));
        let (mut e, _, c) = setup();
        assert_eq!(run(&mut e, c, "setrange k 3 ab"), Reply::Int(5));
        assert_eq!(run(&mut e, c, "get k"), Reply::bulk(b"\0\0\0ab".to_vec()));
        assert_eq!(run(&mut e, c, "setrange k 1 x"), Reply::Int(5));
        assert_eq!(run(&mut e, c, "getrange k 1 3"), Reply::bulk(b"x\0a".to_vec()));
        assert_eq!(run(&mut e, c, "substr k -2 -1"), Reply::bulk_str("ab"));
        assert_eq!(
            run(&mut e, c, "setrange k 536870912 x"),
            err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        );
        assert_eq!(
            run(&mut e, c, "setrange k 9223372036854775807 x"),
            err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        );
        assert_eq!(run(&mut e, c, "setrange k -1 x"), err("ERR offset is out of range"));
        e.config.proto_max_bulk_len = 6;
        assert_eq!(run(&mut e, c, "append k xy"), err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
        assert_eq!(run(&mut e, c, "append k x"), Reply::Int(6));
    }

    #[test]
    fn lcs_matches_redis_examples() {
        let (mut e, _, c) = setup();
        run(&mut e, c, "mset key1 ohmytext key2 mynewtext");
        assert_eq!(run(&mut e, c, "lcs key1 key2"), Reply::bulk_str("mytext"));
        assert_eq!(run(&mut e, c, "lcs key1 key2 len"), Reply::Int(6));
        let range = |a: i64, b: i64| Reply::Array(vec![Reply::Int(a), Reply::Int(b)]);
        assert_eq!(
            run(&mut e, c, "lcs key1 key2 idx minmatchlen 4 withmatchlen"),
            Reply::Map(vec![
                (
                    Reply::bulk_str("matches"),
                    Reply::Array(vec![Reply::Array(vec![range(4, 7), range(5, 8), Reply::Int(4)])])
                ),
                (Reply::bulk_str("len"), Reply::Int(6)),
            ])
        );
        assert_eq!(
            run(&mut e, c, "lcs key1 key2 len idx"),
            err("ERR If you want both the length and indexes, please just use IDX.")
        );
        e.config.proto_max_bulk_len = 10;
        assert_eq!(
            run(&mut e, c, "lcs key1 key2"),
            err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
        );
    }

    #[test]
    fn mset_pairs_and_read_statistics() {
        let (mut e, _, c) = setup();
        assert_eq!(run(&mut e, c, "mset a 1 b"), err("ERR wrong number of arguments for 'mset' command"));
        assert_eq!(run(&mut e, c, "msetnx a 1 b"), err("ERR wrong number of arguments for 'msetnx' command"));
        run(&mut e, c, "mset a 1 b 2");
        let (h, m) = (e.stats.keyspace_hits, e.stats.keyspace_misses);
        assert_eq!(
            run(&mut e, c, "mget a nope b"),
            Reply::Array(vec![Reply::bulk_str("1"), Reply::Nil, Reply::bulk_str("2")])
        );
        run(&mut e, c, "incr a");
        assert_eq!((e.stats.keyspace_hits - h, e.stats.keyspace_misses - m), (2, 1));
    }
}
