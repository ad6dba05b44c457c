//! List commands (Redis's t_list.c): pushes, pops, ranges, moves and the blocking pops.

use std::collections::VecDeque;

use crate::engine::blocking::parse_timeout_secs;
use crate::engine::events::EventClass;
use crate::engine::keyspace::Value;
use crate::engine::num::parse_i64;
use crate::engine::reply::{errors, CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group, Handler};
use crate::engine::{arity_error, Ctx};

// ---- value ----------------------------------------------------------------------------------

/// A list value: the elements, head first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListValue {
    pub items: VecDeque<Vec<u8>>,
}

/// Which end of a list an operation works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

impl End {
    fn pop_event(self) -> &'static str {
        match self {
            End::Left => "lpop",
            End::Right => "rpop",
        }
    }
    fn push_event(self) -> &'static str {
        match self {
            End::Left => "lpush",
            End::Right => "rpush",
        }
    }
}

impl ListValue {
    pub fn new() -> ListValue {
        ListValue::default()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// Redis 7.0 stores every list as a quicklist (plain listpack lists only came with 7.2),
    /// whatever `list-max-listpack-size` says; that setting only sizes the quicklist's nodes.
    pub fn encoding_name(&self) -> &'static str {
        "quicklist"
    }
    pub fn push(&mut self, end: End, v: Vec<u8>) {
        match end {
            End::Left => self.items.push_front(v),
            End::Right => self.items.push_back(v),
        }
    }
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        match end {
            End::Left => self.items.pop_front(),
            End::Right => self.items.pop_back(),
        }
    }
    /// The position of a possibly negative index, if it is inside the list.
    pub fn index(&self, i: i64) -> Option<usize> {
        let len = self.items.len() as i64;
        let i = if i < 0 { i.checked_add(len)? } else { i };
        if (0..len).contains(&i) {
            Some(i as usize)
        } else {
            None
        }
    }
    /// The positions `start..=stop` select after Redis's clamping (LRANGE, LTRIM); `None` when
    /// the range is empty.
    pub fn clamp_range(&self, start: i64, stop: i64) -> Option<(usize, usize)> {
        let len = self.items.len() as i64;
        let mut start = if start < 0 { start.saturating_add(len) } else { start };
        let mut stop = if stop < 0 { stop.saturating_add(len) } else { stop };
        if start < 0 {
            start = 0;
        }
        if start > stop || start >= len {
            return None;
        }
        if stop >= len {
            stop = len - 1;
        }
        Some((start as usize, stop as usize))
    }
}

/// LEFT or RIGHT, with Redis's syntax error otherwise.
fn parse_end(arg: &[u8]) -> Result<End, RedisError> {
    if arg.eq_ignore_ascii_case(b"left") {
        Ok(End::Left)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Ok(End::Right)
    } else {
        Err(RedisError::syntax())
    }
}

/// An integer argument with Redis's generic "not an integer" error.
fn int_arg(arg: &[u8]) -> Result<i64, RedisError> {
    parse_i64(arg).ok_or_else(RedisError::not_integer)
}

/// An integer in `min..=i64::MAX`, with `msg` for both parse and range failures (Redis's
/// `getRangeLongFromObjectOrReply` with a custom message).
fn ranged_arg(arg: &[u8], min: i64, msg: &str) -> Result<i64, RedisError> {
    match parse_i64(arg) {
        Some(n) if n >= min => Ok(n),
        _ => Err(RedisError::err(msg)),
    }
}

impl Ctx<'_> {
    /// Pops up to `count` elements from the list at `key` (which the caller found to be a list)
    /// and does what every pop does: the pop event, deleting an emptied key with `del`, the
    /// modification signal and the dirty counter.
    fn pop_list(&mut self, key: &[u8], end: End, count: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut emptied = false;
        if let Ok(Some(l)) = self.write_list(key) {
            while out.len() < count {
                match l.pop(end) {
                    Some(v) => out.push(v),
                    None => break,
                }
            }
            emptied = l.is_empty();
        }
        if out.is_empty() {
            return out;
        }
        self.notify(EventClass::List, end.pop_event(), key);
        if emptied {
            self.delete_key(key);
            self.notify(EventClass::Generic, "del", key);
        }
        self.signal_modified(key);
        self.dirty(out.len() as u64);
        out
    }

    /// Pushes `values` onto the list at `key`, creating it; returns the new length. The caller
    /// has checked the key's type. Announces the push and signals the key.
    fn push_list(&mut self, key: &[u8], end: End, values: &[Vec<u8>]) -> usize {
        let len = match self.write_list(key) {
            Ok(Some(l)) => {
                for v in values {
                    l.push(end, v.clone());
                }
                l.len()
            }
            _ => {
                let mut l = ListValue::new();
                for v in values {
                    l.push(end, v.clone());
                }
                let n = l.len();
                self.set_key(key, Value::List(l), false);
                n
            }
        };
        self.signal_modified(key);
        self.notify(EventClass::List, end.push_event(), key);
        len
    }

    /// LMOVE's core: moves one element from `src` to `dst`. `Ok(None)` when `src` is missing;
    /// WRONGTYPE when either key holds another type.
    fn move_element(&mut self, src: &[u8], dst: &[u8], from: End, to: End) -> Result<Option<Vec<u8>>, RedisError> {
        if self.write_list(src)?.is_none() {
            return Ok(None);
        }
        self.write_list(dst)?;
        let Some(value) = self.write_list(src)?.and_then(|l| l.pop(from)) else {
            return Ok(None);
        };
        // Push before deleting an emptied source: with src == dst the element goes back in.
        self.push_list(dst, to, std::slice::from_ref(&value));
        self.notify(EventClass::List, from.pop_event(), src);
        if matches!(self.write_list(src), Ok(Some(l)) if l.is_empty()) {
            self.delete_key(src);
            self.notify(EventClass::Generic, "del", src);
        }
        self.signal_modified(src);
        self.dirty(1);
        Ok(Some(value))
    }

    /// True if `key` holds a list; WRONGTYPE for other types, except in a blocked client's
    /// re-run, where Redis keeps the client waiting instead.
    fn list_ready(&mut self, key: &[u8]) -> Result<bool, RedisError> {
        let reprocessing = self.is_reprocessing();
        match self.write_list(key) {
            Ok(l) => Ok(l.is_some_and(|l| !l.is_empty())),
            Err(_) if reprocessing => Ok(false),
            Err(e) => Err(e),
        }
    }
}

// ---- handlers -------------------------------------------------------------------------------

fn push_generic(ctx: &mut Ctx, end: End, only_existing: bool) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let values = a.rest();
    let exists = ctx.write_list(key)?.is_some();
    if only_existing && !exists {
        return Ok(Reply::Int(0));
    }
    let len = ctx.push_list(key, end, values);
    ctx.dirty(values.len() as u64);
    Ok(Reply::Int(len as i64))
}

/// LPUSH key element [element ...]
fn lpush(ctx: &mut Ctx) -> CmdResult {
    push_generic(ctx, End::Left, false)
}

/// RPUSH key element [element ...]
fn rpush(ctx: &mut Ctx) -> CmdResult {
    push_generic(ctx, End::Right, false)
}

/// LPUSHX key element [element ...]
fn lpushx(ctx: &mut Ctx) -> CmdResult {
    push_generic(ctx, End::Left, true)
}

/// RPUSHX key element [element ...]
fn rpushx(ctx: &mut Ctx) -> CmdResult {
    push_generic(ctx, End::Right, true)
}

fn pop_generic(ctx: &mut Ctx, end: End) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    if a.remaining() > 1 {
        return Err(arity_error(ctx.cmd.name));
    }
    let count = match a.next_opt() {
        Some(c) => Some(ranged_arg(c, 0, "value is out of range, must be positive")?),
        None => None,
    };
    if ctx.write_list(key)?.is_none() {
        return Ok(if count.is_some() { Reply::NilArray } else { Reply::Nil });
    }
    match count {
        None => Ok(Reply::opt_bulk(ctx.pop_list(key, end, 1).pop())),
        Some(0) => Ok(Reply::empty_array()),
        Some(n) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            Ok(Reply::bulks(ctx.pop_list(key, end, n)))
        }
    }
}

/// LPOP key [count]
fn lpop(ctx: &mut Ctx) -> CmdResult {
    pop_generic(ctx, End::Left)
}

/// RPOP key [count]
fn rpop(ctx: &mut Ctx) -> CmdResult {
    pop_generic(ctx, End::Right)
}

/// LLEN key
fn llen(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(Reply::Int(ctx.read_list(key)?.map(|l| l.len() as i64).unwrap_or(0)))
}

/// LRANGE key start stop
fn lrange(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let start = int_arg(a.next()?)?;
    let stop = int_arg(a.next()?)?;
    let Some(l) = ctx.read_list(key)? else {
        return Ok(Reply::empty_array());
    };
    Ok(match l.clamp_range(start, stop) {
        Some((s, e)) => Reply::bulks(l.items.range(s..=e).cloned()),
        None => Reply::empty_array(),
    })
}

/// LINDEX key index
fn lindex(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let index = a.next()?;
    let Some(l) = ctx.read_list(key)? else {
        return Ok(Reply::Nil);
    };
    let i = int_arg(index)?;
    Ok(Reply::opt_bulk(l.index(i).and_then(|p| l.items.get(p)).cloned()))
}

/// LSET key index element
fn lset(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let index = a.next()?;
    let value = a.bytes()?;
    let Some(l) = ctx.write_list(key)? else {
        return Err(RedisError::raw(errors::NO_SUCH_KEY));
    };
    let i = int_arg(index)?;
    let Some(slot) = l.index(i).and_then(|p| l.items.get_mut(p)) else {
        return Err(RedisError::raw(errors::OUT_OF_RANGE));
    };
    *slot = value;
    ctx.signal_modified(key);
    ctx.notify(EventClass::List, "lset", key);
    ctx.dirty(1);
    Ok(Reply::ok())
}

/// LINSERT key BEFORE|AFTER pivot element
fn linsert(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let where_ = a.next()?;
    let after = if where_.eq_ignore_ascii_case(b"after") {
        true
    } else if where_.eq_ignore_ascii_case(b"before") {
        false
    } else {
        return Err(RedisError::syntax());
    };
    let pivot = a.next()?;
    let value = a.bytes()?;
    let Some(l) = ctx.write_list(key)? else {
        return Ok(Reply::Int(0));
    };
    let Some(pos) = l.items.iter().position(|v| v.as_slice() == pivot) else {
        return Ok(Reply::Int(-1));
    };
    l.items.insert(pos + usize::from(after), value);
    let len = l.len() as i64;
    ctx.signal_modified(key);
    ctx.notify(EventClass::List, "linsert", key);
    ctx.dirty(1);
    Ok(Reply::Int(len))
}

/// LREM key count element
fn lrem(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let count = int_arg(a.next()?)?;
    let value = a.next()?;
    let Some(l) = ctx.write_list(key)? else {
        return Ok(Reply::Int(0));
    };
    let limit = if count == 0 { u64::MAX } else { count.unsigned_abs() };
    let mut removed: u64 = 0;
    let len = l.items.len();
    if count >= 0 {
        let mut i = 0;
        while i < l.items.len() && removed < limit {
            if l.items.get(i).is_some_and(|v| v.as_slice() == value) {
                l.items.remove(i);
                removed += 1;
            } else {
                i += 1;
            }
        }
    } else {
        let mut i = len;
        while i > 0 && removed < limit {
            i -= 1;
            if l.items.get(i).is_some_and(|v| v.as_slice() == value) {
                l.items.remove(i);
                removed += 1;
            }
        }
    }
    let emptied = l.is_empty();
    if removed > 0 {
        ctx.notify(EventClass::List, "lrem", key);
        if emptied {
            ctx.delete_key(key);
            ctx.notify(EventClass::Generic, "del", key);
        }
        ctx.signal_modified(key);
        ctx.dirty(removed);
    }
    Ok(Reply::Int(removed as i64))
}

/// LTRIM key start stop
fn ltrim(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let start = int_arg(a.next()?)?;
    let stop = int_arg(a.next()?)?;
    let Some(l) = ctx.write_list(key)? else {
        return Ok(Reply::ok());
    };
    let len = l.len();
    let (left, right) = match l.clamp_range(start, stop) {
        Some((s, e)) => (s, len - 1 - e),
        None => (len, 0),
    };
    l.items.drain(..left);
    let keep = l.items.len().saturating_sub(right);
    l.items.truncate(keep);
    let emptied = l.is_empty();
    ctx.notify(EventClass::List, "ltrim", key);
    if emptied {
        ctx.delete_key(key);
        ctx.notify(EventClass::Generic, "del", key);
    }
    ctx.signal_modified(key);
    ctx.dirty((left + right) as u64);
    Ok(Reply::ok())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
fn lpos(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let element = a.next()?;
    let (mut rank, mut count, mut maxlen): (i64, Option<i64>, i64) = (1, None, 0);
    while let Some(opt) = a.next_opt() {
        let more = !a.is_empty();
        if more && opt.eq_ignore_ascii_case(b"rank") {
            rank = int_arg(a.next()?)?;
            if rank == 0 {
                return Err(RedisError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if more && opt.eq_ignore_ascii_case(b"count") {
            count = Some(ranged_arg(a.next()?, 0, "COUNT can't be negative")?);
        } else if more && opt.eq_ignore_ascii_case(b"maxlen") {
            maxlen = ranged_arg(a.next()?, 0, "MAXLEN can't be negative")?;
        } else {
            return Err(RedisError::syntax());
        }
    }
    let Some(l) = ctx.read_list(key)? else {
        return Ok(if count.is_some() { Reply::empty_array() } else { Reply::Nil });
    };
    let len = l.len();
    let want = match count {
        Some(0) => u64::MAX,
        Some(n) => n as u64,
        None => 1,
    };
    // Redis negates a negative rank; LONG_MIN stays negative there and so skips nothing.
    let mut skip = if rank == i64::MIN { 0 } else { rank.unsigned_abs().saturating_sub(1) };
    let mut found: Vec<Reply> = Vec::new();
    // MAXLEN 0 compares every element; otherwise only the first `maxlen` from the start side.
    let limit = if maxlen == 0 { len } else { usize::try_from(maxlen).unwrap_or(usize::MAX).min(len) };
    for step in 0..limit {
        let pos = if rank > 0 { step } else { len - 1 - step };
        if l.items.get(pos).is_some_and(|v| v.as_slice() == element) {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            found.push(Reply::Int(pos as i64));
            if found.len() as u64 >= want {
                break;
            }
        }
    }
    Ok(match count {
        Some(_) => Reply::Array(found),
        None => found.pop().unwrap_or(Reply::Nil),
    })
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
fn lmove(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let src = a.next()?;
    let dst = a.next()?;
    let from = parse_end(a.next()?)?;
    let to = parse_end(a.next()?)?;
    Ok(Reply::opt_bulk(ctx.move_element(src, dst, from, to)?))
}

/// RPOPLPUSH source destination
fn rpoplpush(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let src = a.next()?;
    let dst = a.next()?;
    Ok(Reply::opt_bulk(ctx.move_element(src, dst, End::Right, End::Left)?))
}

/// The parsed arguments of LMPOP/BLMPOP: keys, end and count.
struct MpopArgs<'a> {
    keys: &'a [Vec<u8>],
    end: End,
    count: usize,
}

/// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at argv[numkeys_idx].
fn parse_mpop(argv: &[Vec<u8>], numkeys_idx: usize) -> Result<MpopArgs<'_>, RedisError> {
    let raw = argv.get(numkeys_idx).ok_or_else(RedisError::syntax)?;
    let numkeys = ranged_arg(raw, 1, "numkeys should be greater than 0")?;
    let where_idx = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(numkeys_idx + 1))
        .filter(|&i| i < argv.len())
        .ok_or_else(RedisError::syntax)?;
    let keys = argv.get(numkeys_idx + 1..where_idx).ok_or_else(RedisError::syntax)?;
    let end = parse_end(argv.get(where_idx).ok_or_else(RedisError::syntax)?)?;
    let mut count: Option<i64> = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        let opt = argv.get(j).ok_or_else(RedisError::syntax)?;
        if count.is_none() && more && opt.eq_ignore_ascii_case(b"count") {
            let raw = argv.get(j + 1).ok_or_else(RedisError::syntax)?;
            count = Some(ranged_arg(raw, 1, "count should be greater than 0")?);
            j += 2;
        } else {
            return Err(RedisError::syntax());
        }
    }
    let count = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    Ok(MpopArgs { keys, end, count })
}

/// Pops from the first non-empty list of `keys`: `[key, [elements]]`, or `None`.
fn mpop_first(ctx: &mut Ctx, m: &MpopArgs) -> Result<Option<Reply>, RedisError> {
    for key in m.keys {
        if ctx.list_ready(key)? {
            let popped = ctx.pop_list(key, m.end, m.count);
            return Ok(Some(Reply::Array(vec![Reply::bulk(key.clone()), Reply::bulks(popped)])));
        }
    }
    Ok(None)
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn lmpop(ctx: &mut Ctx) -> CmdResult {
    let m = parse_mpop(ctx.argv, 1)?;
    Ok(mpop_first(ctx, &m)?.unwrap_or(Reply::NilArray))
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn blmpop(ctx: &mut Ctx) -> CmdResult {
    let m = parse_mpop(ctx.argv, 2)?;
    let timeout = parse_timeout_secs(ctx.args().next()?)?;
    match mpop_first(ctx, &m)? {
        Some(r) => Ok(r),
        None => ctx.block(m.keys.to_vec(), timeout, Reply::NilArray),
    }
}

fn bpop_generic(ctx: &mut Ctx, end: End) -> CmdResult {
    let rest = ctx.args().rest();
    let Some((timeout, keys)) = rest.split_last() else {
        return Err(RedisError::syntax());
    };
    let timeout = parse_timeout_secs(timeout)?;
    for key in keys {
        if ctx.list_ready(key)? {
            let v = ctx.pop_list(key, end, 1);
            let mut out = vec![Reply::bulk(key.clone())];
            out.extend(v.into_iter().map(Reply::Bulk));
            return Ok(Reply::Array(out));
        }
    }
    ctx.block(keys.to_vec(), timeout, Reply::NilArray)
}

/// BLPOP key [key ...] timeout
fn blpop(ctx: &mut Ctx) -> CmdResult {
    bpop_generic(ctx, End::Left)
}

/// BRPOP key [key ...] timeout
fn brpop(ctx: &mut Ctx) -> CmdResult {
    bpop_generic(ctx, End::Right)
}

fn bmove_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End, t: &[u8]) -> CmdResult {
    let timeout = parse_timeout_secs(t)?;
    if ctx.list_ready(src)? {
        return Ok(Reply::opt_bulk(ctx.move_element(src, dst, from, to)?));
    }
    // Redis answers a timed-out BLMOVE with a null array, but one that may not block (inside
    // MULTI or a script) with a null bulk string.
    if !ctx.block_mode.may_block {
        return Ok(Reply::Nil);
    }
    ctx.block(vec![src.to_vec()], timeout, Reply::NilArray)
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
fn blmove(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let src = a.next()?;
    let dst = a.next()?;
    let from = parse_end(a.next()?)?;
    let to = parse_end(a.next()?)?;
    let t = a.next()?;
    bmove_generic(ctx, src, dst, from, to, t)
}

/// BRPOPLPUSH source destination timeout
fn brpoplpush(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let src = a.next()?;
    let dst = a.next()?;
    let t = a.next()?;
    bmove_generic(ctx, src, dst, End::Right, End::Left, t)
}

// ---- table ----------------------------------------------------------------------------------

/// A list-group table entry; the arguments follow `CommandSpec`'s field order.
#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    arity: i32,
    flags: &'static [&'static str],
    keys: (i32, i32, i32),
    acl: &'static [&'static str],
    since: &'static str,
    syntax: &'static str,
    summary: &'static str,
    complexity: &'static str,
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        first_key: keys.0,
        last_key: keys.1,
        step: keys.2,
        acl,
        group: Group::List,
        since,
        syntax,
        summary,
        complexity,
        handler,
        subcommands: &[],
    }
}

const W_FAST: &[&str] = &["@write", "@list", "@fast"];
const W_SLOW: &[&str] = &["@write", "@list", "@slow"];
const R_FAST: &[&str] = &["@read", "@list", "@fast"];
const R_SLOW: &[&str] = &["@read", "@list", "@slow"];
const W_BLOCK: &[&str] = &["@write", "@list", "@slow", "@blocking"];
const ONE: (i32, i32, i32) = (1, 1, 1);
const TWO: (i32, i32, i32) = (1, 2, 1);

pub const COMMANDS: &[CommandSpec] = &[
    spec("lpush", -3, &["write", "denyoom", "fast"], ONE, W_FAST, "1.0.0",
        "key element [element ...]",
        "Adds elements at the head of a list, creating it if needed; returns the new length.",
        "O(1) per element", lpush),
    spec("rpush", -3, &["write", "denyoom", "fast"], ONE, W_FAST, "1.0.0",
        "key element [element ...]",
        "Adds elements at the tail of a list, creating it if needed; returns the new length.",
        "O(1) per element", rpush),
    spec("lpushx", -3, &["write", "denyoom", "fast"], ONE, W_FAST, "2.2.0",
        "key element [element ...]",
        "Adds elements at the head of a list only if the list already exists.",
        "O(1) per element", lpushx),
    spec("rpushx", -3, &["write", "denyoom", "fast"], ONE, W_FAST, "2.2.0",
        "key element [element ...]",
        "Adds elements at the tail of a list only if the list already exists.",
        "O(1) per element", rpushx),
    spec("lpop", -2, &["write", "fast"], ONE, W_FAST, "1.0.0", "key [count]",
        "Removes and returns the first element of a list, or the first count elements.",
        "O(N) where N is the number of elements returned", lpop),
    spec("rpop", -2, &["write", "fast"], ONE, W_FAST, "1.0.0", "key [count]",
        "Removes and returns the last element of a list, or the last count elements.",
        "O(N) where N is the number of elements returned", rpop),
    spec("llen", 2, &["readonly", "fast"], ONE, R_FAST, "1.0.0", "key",
        "Returns how many elements a list holds (0 for a missing key).", "O(1)", llen),
    spec("lrange", 4, &["readonly"], ONE, R_SLOW, "1.0.0", "key start stop",
        "Returns the elements between two positions of a list; negative positions count from the tail.",
        "O(S+N) where S is the distance of start from the nearest end and N the number of elements returned",
        lrange),
    spec("lindex", 3, &["readonly"], ONE, R_SLOW, "1.0.0", "key index",
        "Returns the element at a position of a list; negative positions count from the tail.",
        "O(N) where N is the distance to the nearest end", lindex),
    spec("lset", 4, &["write", "denyoom"], ONE, W_SLOW, "1.0.0", "key index element",
        "Replaces the element at a position of an existing list.",
        "O(N) where N is the distance to the nearest end", lset),
    spec("linsert", 5, &["write", "denyoom"], ONE, W_SLOW, "2.2.0",
        "key <BEFORE | AFTER> pivot element",
        "Inserts an element just before or after the first occurrence of a pivot element.",
        "O(N) where N is the number of elements scanned to find the pivot", linsert),
    spec("lrem", 4, &["write"], ONE, W_SLOW, "1.0.0", "key count element",
        "Removes occurrences of an element: count > 0 from the head, < 0 from the tail, 0 all.",
        "O(N+M) where N is the length of the list and M the number of elements removed", lrem),
    spec("ltrim", 4, &["write"], ONE, W_SLOW, "1.0.0", "key start stop",
        "Keeps only the elements between two positions of a list and drops the rest.",
        "O(N) where N is the number of elements removed", ltrim),
    spec("lpos", -3, &["readonly"], ONE, R_SLOW, "6.0.6",
        "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
        "Returns the position of matching elements in a list, optionally skipping matches, returning several, or scanning a limited prefix.",
        "O(N) where N is the number of elements scanned", lpos),
    spec("lmove", 5, &["write", "denyoom"], TWO, W_SLOW, "6.2.0",
        "source destination <LEFT | RIGHT> <LEFT | RIGHT>",
        "Takes an element from one end of a list and puts it at an end of another (or the same) list.",
        "O(1)", lmove),
    spec("rpoplpush", 3, &["write", "denyoom"], TWO, W_SLOW, "1.2.0", "source destination",
        "Moves the last element of a list to the head of another list (superseded by LMOVE).",
        "O(1)", rpoplpush),
    spec("lmpop", -4, &["write", "movablekeys"], (0, 0, 0), W_SLOW, "7.0.0",
        "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
        "Pops one or more elements from the first non-empty list among several keys.",
        "O(N+M) where N is the number of keys given and M the number of elements returned",
        lmpop),
    spec("blpop", -3, &["write", "noscript", "blocking"], (1, -2, 1), W_BLOCK, "2.0.0",
        "key [key ...] timeout",
        "Pops the first element of the first non-empty list, waiting up to a timeout for one to appear.",
        "O(N) where N is the number of keys given", blpop),
    spec("brpop", -3, &["write", "noscript", "blocking"], (1, -2, 1), W_BLOCK, "2.0.0",
        "key [key ...] timeout",
        "Pops the last element of the first non-empty list, waiting up to a timeout for one to appear.",
        "O(N) where N is the number of keys given", brpop),
    spec("blmove", 6, &["write", "denyoom", "noscript", "blocking"], TWO, W_BLOCK, "6.2.0",
        "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout",
        "Like LMOVE, but waits up to a timeout for the source list to have an element.",
        "O(1)", blmove),
    spec("brpoplpush", 4, &["write", "denyoom", "noscript", "blocking"], TWO, W_BLOCK, "2.2.0",
        "source destination timeout",
        "Like RPOPLPUSH, but waits up to a timeout for the source list to have an element.",
        "O(1)", brpoplpush),
    spec("blmpop", -5, &["write", "blocking", "movablekeys"], (0, 0, 0), W_BLOCK, "7.0.0",
        "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
        "Like LMPOP, but waits up to a timeout for one of the lists to have elements.",
        "O(N+M) where N is the number of keys given and M the number of elements returned",
        blmpop),
];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, EventClass, Reply};

    use crate::engine::test_run as run;

    fn arr(items: &[&str]) -> Reply {
        Reply::bulks(items.iter().map(|s| s.as_bytes().to_vec()))
    }

    #[test]
    fn push_pop_range() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "rpush l a b c"), Reply::Int(3));
        assert_eq!(run(&mut e, c, "lpush l z"), Reply::Int(4));
        assert_eq!(run(&mut e, c, "lrange l 0 -1"), arr(&["z", "a", "b", "c"]));
        assert_eq!(run(&mut e, c, "lpop l 2"), arr(&["z", "a"]));
        assert_eq!(run(&mut e, c, "rpop l 5"), arr(&["c", "b"]));
        assert_eq!(run(&mut e, c, "llen l"), Reply::Int(0));
        assert_eq!(run(&mut e, c, "lpop l 2"), Reply::NilArray);
        assert_eq!(run(&mut e, c, "lpop l"), Reply::Nil);
    }

    #[test]
    fn emptied_list_is_deleted_with_del_event() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        e.capture_events(true);
        run(&mut e, c, "rpush l a");
        run(&mut e, c, "rpop l");
        let ev: Vec<_> = e.drain_events().into_iter().map(|k| (k.class, k.event)).collect();
        assert_eq!(ev, vec![(EventClass::List, "rpush"), (EventClass::List, "rpop"), (EventClass::Generic, "del")]);
        assert_eq!(e.db(0).map(|d| d.len()), Some(0));
    }

    #[test]
    fn blpop_woken_by_rpush() {
        let (mut e, _) = Engine::with_virtual_clock();
        let a = e.connect();
        let b = e.connect();
        assert_eq!(run(&mut e, a, "blpop q 0"), Reply::NoReply);
        assert!(e.is_blocked(a));
        assert_eq!(run(&mut e, b, "rpush q x y"), Reply::Int(2));
        assert!(!e.is_blocked(a));
        assert_eq!(e.take_pushed(a), vec![arr(&["q", "x"])]);
        assert_eq!(run(&mut e, b, "lrange q 0 -1"), arr(&["y"]));
    }

    #[test]
    fn blocked_clients_are_served_fifo() {
        let (mut e, _) = Engine::with_virtual_clock();
        let a = e.connect();
        let b = e.connect();
        let p = e.connect();
        run(&mut e, a, "brpop q 0");
        run(&mut e, b, "brpop q 0");
        run(&mut e, p, "rpush q 1");
        assert_eq!(e.take_pushed(a), vec![arr(&["q", "1"])]);
        assert!(e.take_pushed(b).is_empty());
        assert!(e.is_blocked(b));
        run(&mut e, p, "rpush q 2");
        assert_eq!(e.take_pushed(b), vec![arr(&["q", "2"])]);
    }

    #[test]
    fn timeout_after_clock_advance() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let a = e.connect();
        assert_eq!(run(&mut e, a, "blpop q 0.5"), Reply::NoReply);
        clock.advance_ms(499);
        e.tick();
        assert!(e.is_blocked(a));
        clock.advance_ms(1);
        e.tick();
        assert!(!e.is_blocked(a));
        assert_eq!(e.take_pushed(a), vec![Reply::NilArray]);
        assert_eq!(run(&mut e, a, "blmove q d left left 0.01"), Reply::NoReply);
        clock.advance_ms(10);
        e.tick();
        assert_eq!(e.take_pushed(a), vec![Reply::NilArray]);
    }

    #[test]
    fn blmove_chains_to_the_next_waiter() {
        let (mut e, _) = Engine::with_virtual_clock();
        let a = e.connect();
        let b = e.connect();
        let p = e.connect();
        assert_eq!(run(&mut e, a, "blmove src mid right left 0"), Reply::NoReply);
        assert_eq!(run(&mut e, b, "blpop mid 0"), Reply::NoReply);
        run(&mut e, p, "rpush src v");
        assert_eq!(e.take_pushed(a), vec![Reply::bulk_str("v")]);
        assert_eq!(e.take_pushed(b), vec![arr(&["mid", "v"])]);
        assert_eq!(e.db(0).map(|d| d.len()), Some(0));
    }

    #[test]
    fn wrong_type_keeps_a_blocked_client_waiting() {
        let (mut e, _) = Engine::with_virtual_clock();
        let a = e.connect();
        let p = e.connect();
        run(&mut e, a, "blpop k 0");
        run(&mut e, p, "set k str");
        assert!(e.is_blocked(a));
        assert!(e.take_pushed(a).is_empty());
        run(&mut e, p, "del k");
        run(&mut e, p, "rpush k v");
        assert_eq!(e.take_pushed(a), vec![arr(&["k", "v"])]);
    }

    #[test]
    fn lpos_options() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "rpush l a b c a b c a");
        assert_eq!(run(&mut e, c, "lpos l a"), Reply::Int(0));
        assert_eq!(run(&mut e, c, "lpos l a rank -1"), Reply::Int(6));
        assert_eq!(run(&mut e, c, "lpos l a rank 2 count 0"), Reply::Array(vec![Reply::Int(3), Reply::Int(6)]));
        assert_eq!(run(&mut e, c, "lpos l c maxlen 2"), Reply::Nil);
    }

    #[test]
    fn blmpop_and_brpoplpush_are_woken() {
        let (mut e, _) = Engine::with_virtual_clock();
        let a = e.connect();
        let b = e.connect();
        let p = e.connect();
        assert_eq!(run(&mut e, a, "blmpop 0 2 k1 k2 right count 2"), Reply::NoReply);
        assert_eq!(run(&mut e, b, "brpoplpush k3 out 0"), Reply::NoReply);
        run(&mut e, p, "rpush k2 a b c");
        assert_eq!(e.take_pushed(a), vec![Reply::Array(vec![Reply::bulk_str("k2"), arr(&["c", "b"])])]);
        run(&mut e, p, "lpush k3 z");
        assert_eq!(e.take_pushed(b), vec![Reply::bulk_str("z")]);
        assert_eq!(run(&mut e, p, "lrange out 0 -1"), arr(&["z"]));
    }

    #[test]
    fn blmove_to_a_wrong_type_destination_fails_when_woken() {
        let (mut e, _) = Engine::with_virtual_clock();
        let a = e.connect();
        let p = e.connect();
        run(&mut e, a, "blmove src dst left left 0");
        run(&mut e, p, "set dst str");
        run(&mut e, p, "rpush src v");
        assert_eq!(
            e.take_pushed(a),
            vec![Reply::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into())]
        );
        assert_eq!(run(&mut e, p, "llen src"), Reply::Int(1));
    }

    #[test]
    fn disconnect_forgets_a_blocked_client() {
        let (mut e, _) = Engine::with_virtual_clock();
        let a = e.connect();
        let b = e.connect();
        let p = e.connect();
        run(&mut e, a, "blpop q 0");
        run(&mut e, b, "blpop q 0");
        e.disconnect(a);
        run(&mut e, p, "rpush q v");
        assert_eq!(e.take_pushed(b), vec![arr(&["q", "v"])]);
        assert_eq!(e.blocked_count(), 0);
    }

    #[test]
    fn lmove_events_and_same_key_rotation() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "rpush l a b c");
        e.capture_events(true);
        assert_eq!(run(&mut e, c, "lmove l l left right"), Reply::bulk_str("a"));
        assert_eq!(run(&mut e, c, "lrange l 0 -1"), arr(&["b", "c", "a"]));
        run(&mut e, c, "rpush one x");
        assert_eq!(run(&mut e, c, "rpoplpush one two"), Reply::bulk_str("x"));
        let ev: Vec<_> = e.drain_events().into_iter().map(|k| k.event).collect();
        assert_eq!(ev, vec!["rpush", "lpop", "rpush", "lpush", "rpop", "del"]);
        assert_eq!(e.db(0).map(|d| d.len()), Some(2));
    }

    #[test]
    fn encoding_and_type_names() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "rpush l a");
        let v = e.db(0).and_then(|d| d.peek(b"l")).map(|en| (en.value.type_name(), en.value.encoding_name()));
        assert_eq!(v, Some(("list", "quicklist")));
    }
}
