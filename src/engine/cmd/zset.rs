//! Sorted set commands (Redis's t_zset.c): ZADD, ZRANGE, ZUNIONSTORE, BZPOPMIN and friends.
//!
//! A sorted set is a real skiplist with spans (`engine::skiplist`) for order and rank, paired
//! with a hash table member → score for O(1) lookups, as Redis's `zset` is. Small sets are a
//! "listpack" in Redis; here the storage is the same skiplist and only the reported encoding
//! changes, following Redis 7.0's conversion rules (never back, except for freshly computed
//! results of ZRANGESTORE and Z*STORE).

use std::collections::HashSet;

use crate::engine::args::is;
use crate::engine::blocking::parse_timeout_secs;
use crate::engine::dict::Dict;
use crate::engine::events::EventClass;
use crate::engine::keyspace::{Access, Entry, Value};
use crate::engine::num;
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::skiplist::{random_level, SkipList, NIL};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::Ctx;

use super::set::{dict_scan, glob_match, parse_cursor, parse_scan_opts, scan_reply, SetValue};

// ---- value ----------------------------------------------------------------------------------

/// A sorted set: skiplist ordered by (score, member) plus a member → score table.
#[derive(Clone, Debug)]
pub struct ZSetValue {
    sl: SkipList,
    dict: Dict<Vec<u8>, f64>,
    listpack: bool,
}

impl PartialEq for ZSetValue {
    fn eq(&self, other: &Self) -> bool {
        self.sl.len() == other.sl.len() && self.sl.iter().eq(other.sl.iter())
    }
}

impl Default for ZSetValue {
    fn default() -> Self {
        ZSetValue::new()
    }
}

/// The listpack limits (`zset-max-listpack-entries`, `zset-max-listpack-value`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub entries: usize,
    pub value: usize,
}

impl ZSetValue {
    /// An empty set, "listpack"-encoded until it outgrows the limits.
    pub fn new() -> ZSetValue {
        ZSetValue { sl: SkipList::new(), dict: Dict::new(), listpack: true }
    }

    /// Rebuilds a sorted set from `(member, score, node level)` triples and its encoding
    /// (snapshot import), keeping the skiplist's shape.
    pub fn restore(entries: Vec<(Vec<u8>, f64, usize)>, listpack: bool) -> ZSetValue {
        let mut z = ZSetValue::new();
        let unlimited = Limits { entries: usize::MAX, value: usize::MAX };
        for (member, score, level) in entries {
            z.set(&member, score, level.clamp(1, crate::engine::skiplist::MAX_LEVEL), unlimited);
        }
        z.listpack = listpack;
        z
    }

    pub fn encoding_name(&self) -> &'static str {
        if self.listpack {
            "listpack"
        } else {
            "skiplist"
        }
    }

    pub fn len(&self) -> usize {
        self.sl.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sl.is_empty()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.dict.get(member).copied()
    }

    /// Sets `member`'s score, inserting it with node level `level` if new. True if added.
    pub fn set(&mut self, member: &[u8], score: f64, level: usize, limits: Limits) -> bool {
        let is_new = !self.dict.contains_key(member);
        if is_new && (self.sl.len() + 1 > limits.entries || member.len() > limits.value) {
            self.listpack = false;
        }
        // A listpack keeps scores as text and reads "-0" back as the integer 0.
        let score = if self.listpack && score == 0.0 { 0.0 } else { score };
        match self.dict.get_mut(member) {
            Some(old) => {
                if *old != score {
                    let prev = *old;
                    *old = score;
                    self.sl.update_score(prev, member, score);
                }
                false
            }
            None => {
                self.dict.insert(member.to_vec(), score);
                self.sl.insert(score, member.to_vec(), level);
                true
            }
        }
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.dict.remove(member) {
            Some(s) => self.sl.delete(s, member),
            None => false,
        }
    }

    /// 0-based rank in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let s = self.score(member)?;
        self.sl.rank(s, member)
    }

    /// The element at 0-based ascending rank.
    pub fn at(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.sl.entry(self.sl.by_rank(rank))
    }

    /// Every element in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        self.sl.iter()
    }

    /// Buckets of the member table (memory estimates).
    pub fn dict_capacity(&self) -> usize {
        self.dict.capacity()
    }

    /// The skiplist itself (for visualizations).
    pub fn skiplist(&self) -> &SkipList {
        &self.sl
    }

    /// Every element with its skiplist node level, in order.
    pub fn levels(&self) -> Vec<(Vec<u8>, f64, usize)> {
        self.sl.levels()
    }

    /// Switches to the skiplist encoding for good (SORT does this to any sorted set it reads).
    pub fn convert_to_skiplist(&mut self) {
        self.listpack = false;
    }

    /// Reports "listpack" again when a freshly built result fits the limits (Redis's
    /// `zsetConvertToListpackIfNeeded` for Z*STORE results).
    fn shrink_if_fits(&mut self, limits: Limits) {
        let maxlen = self.sl.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        self.listpack = self.len() <= limits.entries && maxlen <= limits.value;
    }
}

/// A member with its score.
type Scored = (Vec<u8>, f64);

// ---- ranges ---------------------------------------------------------------------------------

/// A score interval, bounds possibly exclusive.
#[derive(Clone, Copy, Debug)]
struct ScoreRange {
    min: f64,
    max: f64,
    minex: bool,
    maxex: bool,
}

impl ScoreRange {
    fn gte_min(&self, s: f64) -> bool {
        if self.minex {
            s > self.min
        } else {
            s >= self.min
        }
    }
    fn lte_max(&self, s: f64) -> bool {
        if self.maxex {
            s < self.max
        } else {
            s <= self.max
        }
    }
    fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    let (ex, rest) = match arg.first() {
        Some(b'(') => (true, &arg[1..]),
        _ => (false, arg),
    };
    // Redis uses bare strtod here: an empty string converts nothing and reads as 0, leading
    // white space is skipped, and out-of-range values saturate.
    if rest.is_empty() {
        return Some((0.0, ex));
    }
    let start = rest.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(rest.len());
    let v = num::parse_f64(rest.get(start..)?)?;
    Some((v, ex))
}

/// A score argument as Redis's `getDoubleFromObject` reads it: like strtod, but values that
/// overflow to infinity or underflow to zero are rejected (only spelled-out infinities pass).
pub(crate) fn parse_score(arg: &[u8]) -> Option<f64> {
    let v = num::parse_f64(arg)?;
    let body = arg.strip_prefix(b"-").or_else(|| arg.strip_prefix(b"+")).unwrap_or(arg);
    if v.is_infinite() && !body.get(..3).is_some_and(|p| p.eq_ignore_ascii_case(b"inf")) {
        return None;
    }
    if v == 0.0 {
        let hex = body.len() > 1 && body.get(1).is_some_and(|c| *c == b'x' || *c == b'X');
        let mantissa_end = body
            .iter()
            .position(|c| if hex { *c == b'p' || *c == b'P' } else { *c == b'e' || *c == b'E' })
            .unwrap_or(body.len());
        let digits = body.get(usize::from(hex) * 2..mantissa_end).unwrap_or(&[]);
        if digits.iter().any(|c| c.is_ascii_alphanumeric() && *c != b'0') {
            return None;
        }
    }
    Some(v)
}

fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, RedisError> {
    let bad = || RedisError::err("min or max is not a float");
    let (min, minex) = parse_score_bound(min).ok_or_else(bad)?;
    let (max, maxex) = parse_score_bound(max).ok_or_else(bad)?;
    Ok(ScoreRange { min, max, minex, maxex })
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum LexBound {
    NegInf,
    PosInf,
    Incl(Vec<u8>),
    Excl(Vec<u8>),
}

#[derive(Clone, Debug)]
struct LexRange {
    min: LexBound,
    max: LexBound,
}

fn parse_lex_bound(arg: &[u8]) -> Option<LexBound> {
    match arg.first()? {
        b'+' if arg.len() == 1 => Some(LexBound::PosInf),
        b'-' if arg.len() == 1 => Some(LexBound::NegInf),
        b'(' => Some(LexBound::Excl(arg[1..].to_vec())),
        b'[' => Some(LexBound::Incl(arg[1..].to_vec())),
        _ => None,
    }
}

fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, RedisError> {
    let bad = || RedisError::err("min or max not valid string range item");
    Ok(LexRange { min: parse_lex_bound(min).ok_or_else(bad)?, max: parse_lex_bound(max).ok_or_else(bad)? })
}

impl LexRange {
    fn gte_min(&self, m: &[u8]) -> bool {
        match &self.min {
            LexBound::NegInf => true,
            LexBound::PosInf => false,
            LexBound::Incl(x) => m >= x.as_slice(),
            LexBound::Excl(x) => m > x.as_slice(),
        }
    }
    fn lte_max(&self, m: &[u8]) -> bool {
        match &self.max {
            LexBound::NegInf => false,
            LexBound::PosInf => true,
            LexBound::Incl(x) => m <= x.as_slice(),
            LexBound::Excl(x) => m < x.as_slice(),
        }
    }
    fn is_empty(&self) -> bool {
        use std::cmp::Ordering::*;
        let ord = match (&self.min, &self.max) {
            (a, b) if a == b && matches!(a, LexBound::NegInf | LexBound::PosInf) => Equal,
            (LexBound::NegInf, _) | (_, LexBound::PosInf) => Less,
            (LexBound::PosInf, _) | (_, LexBound::NegInf) => Greater,
            (LexBound::Incl(a) | LexBound::Excl(a), LexBound::Incl(b) | LexBound::Excl(b)) => a.cmp(b),
        };
        let exclusive = matches!(self.min, LexBound::Excl(_)) || matches!(self.max, LexBound::Excl(_));
        ord == Greater || (ord == Equal && exclusive)
    }
}

/// Which elements a range query selects.
enum Range {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// Selects elements of `z` like Redis's `genericZrangeby*`: ascending or reversed, with an
/// offset and a limit (negative limit: no limit; negative offset: nothing).
fn select(z: &ZSetValue, range: &Range, rev: bool, offset: i64, limit: i64) -> Vec<(Vec<u8>, f64)> {
    let sl = z.skiplist();
    let mut out = Vec::new();
    let llen = z.len() as i64;
    match range {
        Range::Rank(start, end) => {
            let (mut start, mut end) = (*start, *end);
            if start < 0 {
                start += llen;
            }
            if end < 0 {
                end += llen;
            }
            if start < 0 {
                start = 0;
            }
            if start > end || start >= llen {
                return out;
            }
            if end >= llen {
                end = llen - 1;
            }
            let n = (end - start + 1) as usize;
            let first = if rev { llen - 1 - start } else { start } as usize;
            let mut x = sl.by_rank(first);
            while out.len() < n {
                let Some((m, s)) = sl.entry(x) else { break };
                out.push((m.to_vec(), s));
                x = if rev { sl.prev(x) } else { sl.next(x) };
            }
        }
        Range::Score(r) => {
            if r.is_empty() || offset < 0 {
                return out;
            }
            let mut x = if rev { sl.last_where(|s, _| r.lte_max(s)) } else { sl.first_where(|s, _| r.gte_min(s)) };
            let mut skip = offset;
            while x != NIL && skip > 0 {
                x = if rev { sl.prev(x) } else { sl.next(x) };
                skip -= 1;
            }
            let mut left = limit;
            while left != 0 {
                let Some((m, s)) = sl.entry(x) else { break };
                let inside = if rev { r.gte_min(s) } else { r.lte_max(s) };
                if !inside {
                    break;
                }
                out.push((m.to_vec(), s));
                x = if rev { sl.prev(x) } else { sl.next(x) };
                left -= 1;
            }
        }
        Range::Lex(r) => {
            if r.is_empty() || offset < 0 {
                return out;
            }
            let mut x = if rev { sl.last_where(|_, m| r.lte_max(m)) } else { sl.first_where(|_, m| r.gte_min(m)) };
            let mut skip = offset;
            while x != NIL && skip > 0 {
                x = if rev { sl.prev(x) } else { sl.next(x) };
                skip -= 1;
            }
            let mut left = limit;
            while left != 0 {
                let Some((m, s)) = sl.entry(x) else { break };
                let inside = if rev { r.gte_min(m) } else { r.lte_max(m) };
                if !inside {
                    break;
                }
                out.push((m.to_vec(), s));
                x = if rev { sl.prev(x) } else { sl.next(x) };
                left -= 1;
            }
        }
    }
    out
}

// ---- shared helpers -------------------------------------------------------------------------

fn limits(ctx: &Ctx) -> Limits {
    Limits { entries: ctx.eng.config.zset_max_listpack_entries, value: ctx.eng.config.zset_max_listpack_value }
}

fn resp3(ctx: &mut Ctx) -> bool {
    ctx.client().resp > 2
}

/// Elements as a reply: members only, or with scores (flat in RESP2, pairs in RESP3).
fn emit(items: Vec<(Vec<u8>, f64)>, withscores: bool, resp3: bool) -> Reply {
    let mut out = Vec::with_capacity(items.len() * if withscores { 2 } else { 1 });
    for (m, s) in items {
        if !withscores {
            out.push(Reply::Bulk(m));
        } else if resp3 {
            out.push(Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)]));
        } else {
            out.push(Reply::Bulk(m));
            out.push(Reply::Double(s));
        }
    }
    Reply::Array(out)
}

/// Node levels for `n` insertions, drawn from the engine's generator.
fn draw_levels(ctx: &mut Ctx, n: usize) -> Vec<usize> {
    let rng = &mut ctx.eng.rng;
    (0..n).map(|_| random_level(|| rng.next_u64())).collect()
}

/// After removing elements: deletes the key if the sorted set became empty (`del` event).
fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let empty = matches!(ctx.db().peek(key), Some(e) if matches!(&e.value, Value::ZSet(z) if z.is_empty()));
    if empty {
        ctx.db().remove(key);
        ctx.notify(EventClass::Generic, "del", key);
    }
}

/// Stores a computed sorted set at `dst` (deleting `dst` when empty) with `event`.
fn store_zset(ctx: &mut Ctx, dst: &[u8], mut z: ZSetValue, event: &'static str) -> usize {
    let n = z.len();
    if n > 0 {
        z.shrink_if_fits(limits(ctx));
        ctx.set_key(dst, Value::ZSet(z), false);
        ctx.notify(EventClass::ZSet, event, dst);
    } else if ctx.delete_key(dst) {
        ctx.notify(EventClass::Generic, "del", dst);
    }
    ctx.dirty(1);
    n
}

/// Stores a freshly computed result at `dst` (GEORADIUS STORE, GEOSEARCHSTORE): a new sorted
/// set of `items` announced with `event`, or, when `items` is empty, `dst` deleted (`del`).
/// Counts no dirty (callers follow their command's own counting); true if `dst` changed.
pub(crate) fn store_result(ctx: &mut Ctx, dst: &[u8], items: &[(Vec<u8>, f64)], event: &'static str) -> bool {
    if items.is_empty() {
        let deleted = ctx.delete_key(dst);
        if deleted {
            ctx.notify(EventClass::Generic, "del", dst);
        }
        return deleted;
    }
    let mut z = build(ctx, items);
    z.shrink_if_fits(limits(ctx));
    ctx.set_key(dst, Value::ZSet(z), false);
    ctx.notify(EventClass::ZSet, event, dst);
    true
}

/// Builds a fresh sorted set from ordered elements.
fn build(ctx: &mut Ctx, items: &[(Vec<u8>, f64)]) -> ZSetValue {
    let lim = limits(ctx);
    let levels = draw_levels(ctx, items.len());
    let mut z = ZSetValue::new();
    for ((m, s), l) in items.iter().zip(levels) {
        z.set(m, *s, l, lim);
    }
    z
}

// ---- handlers: adding and removing -----------------------------------------------------------

/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
fn zadd(ctx: &mut Ctx) -> CmdResult {
    zadd_generic(ctx, false)
}

/// ZINCRBY key increment member
fn zincrby(ctx: &mut Ctx) -> CmdResult {
    zadd_generic(ctx, true)
}

fn zadd_generic(ctx: &mut Ctx, incr_cmd: bool) -> CmdResult {
    let argv = ctx.args().argv();
    let key = ctx.args().next()?;
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) = (false, false, false, false, false, incr_cmd);
    let mut idx = 2;
    if !incr_cmd {
        while let Some(opt) = argv.get(idx) {
            if is(opt, "nx") {
                nx = true;
            } else if is(opt, "xx") {
                xx = true;
            } else if is(opt, "ch") {
                ch = true;
            } else if is(opt, "incr") {
                incr = true;
            } else if is(opt, "gt") {
                gt = true;
            } else if is(opt, "lt") {
                lt = true;
            } else {
                break;
            }
            idx += 1;
        }
    }
    let pairs = argv.get(idx..).unwrap_or(&[]);
    if pairs.is_empty() || pairs.len() % 2 != 0 {
        return Err(RedisError::syntax());
    }
    if nx && xx {
        return Err(RedisError::err("XX and NX options at the same time are not compatible"));
    }
    if (nx && (gt || lt)) || (gt && lt) {
        return Err(RedisError::err("GT, LT, and/or NX options at the same time are not compatible"));
    }
    if incr && pairs.len() > 2 {
        return Err(RedisError::err("INCR option supports a single increment-element pair"));
    }
    let mut elems = Vec::with_capacity(pairs.len() / 2);
    for p in pairs.chunks(2) {
        let (Some(s), Some(m)) = (p.first(), p.get(1)) else {
            return Err(RedisError::syntax());
        };
        let score = parse_score(s).ok_or_else(RedisError::not_float)?;
        elems.push((score, m.as_slice()));
    }
    zadd_apply(ctx, key, AddFlags { nx, xx, gt, lt, ch, incr }, elems)
}

/// ZADD's conditions (NX, XX, GT, LT, CH, INCR).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AddFlags {
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
    pub ch: bool,
    pub incr: bool,
}

/// ZADD after its arguments are checked: adds or updates `(score, member)` pairs under the
/// conditions, notifies `zadd`/`zincr`, counts dirty and replies as ZADD does. GEOADD comes
/// here too with scores computed from coordinates, as Redis's GEOADD calls ZADD.
pub(crate) fn zadd_apply(ctx: &mut Ctx, key: &[u8], f: AddFlags, elems: Vec<(f64, &[u8])>) -> CmdResult {
    let AddFlags { nx, xx, gt, lt, ch, incr } = f;
    let lim = limits(ctx);
    let levels = draw_levels(ctx, elems.len());
    let exists = ctx.write_zset(key)?.is_some();
    let nil_or_zero = |incr: bool| if incr { Reply::Nil } else { Reply::Int(0) };
    if !exists {
        if xx {
            return Ok(nil_or_zero(incr));
        }
        ctx.set_key(key, Value::ZSet(ZSetValue::new()), false);
    }
    let Some(z) = ctx.write_zset(key)? else {
        return Ok(nil_or_zero(incr));
    };
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last_score = 0.0;
    let mut nan = false;
    for ((score, m), level) in elems.into_iter().zip(levels) {
        let mut score = score;
        match z.score(m) {
            Some(cur) => {
                if nx {
                    continue;
                }
                if incr {
                    score += cur;
                    if score.is_nan() {
                        nan = true;
                        break;
                    }
                }
                if (lt && score >= cur) || (gt && score <= cur) {
                    continue;
                }
                last_score = score;
                processed += 1;
                if score != cur {
                    z.set(m, score, level, lim);
                    updated += 1;
                }
            }
            None => {
                if xx {
                    continue;
                }
                z.set(m, score, level, lim);
                added += 1;
                processed += 1;
                last_score = score;
            }
        }
    }
    ctx.dirty((added + updated) as u64);
    if added > 0 || updated > 0 {
        ctx.signal_modified(key);
        ctx.notify(EventClass::ZSet, if incr { "zincr" } else { "zadd" }, key);
    }
    drop_if_empty(ctx, key);
    if nan {
        return Err(RedisError::err("resulting score is not a number (NaN)"));
    }
    Ok(if incr {
        if processed > 0 {
            Reply::Double(last_score)
        } else {
            Reply::Nil
        }
    } else {
        Reply::Int(if ch { added + updated } else { added })
    })
}

/// ZREM key member [member ...]
fn zrem(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let members = a.rest();
    let Some(z) = ctx.write_zset(key)? else {
        return Ok(Reply::Int(0));
    };
    let mut n = 0;
    for m in members {
        if z.remove(m) {
            n += 1;
            if z.is_empty() {
                break;
            }
        }
    }
    if n > 0 {
        ctx.signal_modified(key);
        ctx.notify(EventClass::ZSet, "zrem", key);
        drop_if_empty(ctx, key);
        ctx.dirty(n);
    }
    Ok(Reply::Int(n as i64))
}

/// ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX key min max
fn zremrange(ctx: &mut Ctx, kind: u8) -> CmdResult {
    let mut a = ctx.args();
    let (key, min, max) = (a.next()?, a.next()?, a.next()?);
    let range = match kind {
        b'r' => Range::Rank(
            num::parse_i64(min).ok_or_else(RedisError::not_integer)?,
            num::parse_i64(max).ok_or_else(RedisError::not_integer)?,
        ),
        b's' => Range::Score(parse_score_range(min, max)?),
        _ => Range::Lex(parse_lex_range(min, max)?),
    };
    let Some(z) = ctx.write_zset(key)? else {
        return Ok(Reply::Int(0));
    };
    let doomed = select(z, &range, false, 0, -1);
    for (m, _) in &doomed {
        z.remove(m);
    }
    let n = doomed.len();
    if n > 0 {
        let event = match kind {
            b'r' => "zremrangebyrank",
            b's' => "zremrangebyscore",
            _ => "zremrangebylex",
        };
        ctx.signal_modified(key);
        ctx.notify(EventClass::ZSet, event, key);
        drop_if_empty(ctx, key);
    }
    ctx.dirty(n as u64);
    Ok(Reply::Int(n as i64))
}

fn zremrangebyrank(ctx: &mut Ctx) -> CmdResult {
    zremrange(ctx, b'r')
}
fn zremrangebyscore(ctx: &mut Ctx) -> CmdResult {
    zremrange(ctx, b's')
}
fn zremrangebylex(ctx: &mut Ctx) -> CmdResult {
    zremrange(ctx, b'l')
}

// ---- handlers: reading ----------------------------------------------------------------------

/// ZCARD key
fn zcard(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(Reply::Int(ctx.read_zset(key)?.map_or(0, ZSetValue::len) as i64))
}

/// ZSCORE key member
fn zscore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, m) = (a.next()?, a.next()?);
    Ok(match ctx.read_zset(key)?.and_then(|z| z.score(m)) {
        Some(s) => Reply::Double(s),
        None => Reply::Nil,
    })
}

/// ZMSCORE key member [member ...]
fn zmscore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let ms = a.rest();
    let z = ctx.read_zset(key)?;
    Ok(Reply::Array(
        ms.iter()
            .map(|m| match z.and_then(|z| z.score(m)) {
                Some(s) => Reply::Double(s),
                None => Reply::Nil,
            })
            .collect(),
    ))
}

fn rank_generic(ctx: &mut Ctx, rev: bool) -> CmdResult {
    let mut a = ctx.args();
    let (key, m) = (a.next()?, a.next()?);
    let Some(z) = ctx.read_zset(key)? else {
        return Ok(Reply::Nil);
    };
    let len = z.len();
    Ok(match z.rank(m) {
        Some(r) => Reply::Int(if rev { len - 1 - r } else { r } as i64),
        None => Reply::Nil,
    })
}

/// ZRANK key member
fn zrank(ctx: &mut Ctx) -> CmdResult {
    rank_generic(ctx, false)
}

/// ZREVRANK key member
fn zrevrank(ctx: &mut Ctx) -> CmdResult {
    rank_generic(ctx, true)
}

/// ZCOUNT key min max
fn zcount(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, min, max) = (a.next()?, a.next()?, a.next()?);
    let r = Range::Score(parse_score_range(min, max)?);
    Ok(Reply::Int(count_range(ctx, key, &r)?))
}

/// ZLEXCOUNT key min max
fn zlexcount(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, min, max) = (a.next()?, a.next()?, a.next()?);
    let r = Range::Lex(parse_lex_range(min, max)?);
    Ok(Reply::Int(count_range(ctx, key, &r)?))
}

/// Counts a score or lex range in O(log n) from the ranks of its first and last elements.
fn count_range(ctx: &mut Ctx, key: &[u8], r: &Range) -> Result<i64, RedisError> {
    let Some(z) = ctx.read_zset(key)? else {
        return Ok(0);
    };
    let sl = z.skiplist();
    let (first, last) = match r {
        Range::Score(r) if !r.is_empty() => (sl.first_where(|s, _| r.gte_min(s)), sl.last_where(|s, _| r.lte_max(s))),
        Range::Lex(r) if !r.is_empty() => (sl.first_where(|_, m| r.gte_min(m)), sl.last_where(|_, m| r.lte_max(m))),
        _ => return Ok(0),
    };
    match (sl.rank_of_node(first), sl.rank_of_node(last)) {
        (Some(a), Some(b)) if b >= a => Ok((b - a + 1) as i64),
        _ => Ok(0),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// The shared ZRANGE family: `key_at` is the index of the source key in argv; `store` gives
/// the destination for ZRANGESTORE.
fn zrange_generic(ctx: &mut Ctx, key_at: usize, store: bool, kind: Kind, rev: Option<bool>) -> CmdResult {
    let argv = ctx.args().argv();
    let get = |i: usize| argv.get(i).map(Vec::as_slice).ok_or_else(RedisError::syntax);
    let key = get(key_at)?;
    let (mut minidx, mut maxidx) = (key_at + 1, key_at + 2);
    let (mut withscores, mut kind, mut dir) = (false, kind, rev);
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = key_at + 3;
    while let Some(opt) = argv.get(j) {
        let left = argv.len() - j - 1;
        if !store && is(opt, "withscores") {
            withscores = true;
        } else if is(opt, "limit") && left >= 2 {
            offset = num::parse_i64(get(j + 1)?).ok_or_else(RedisError::not_integer)?;
            limit = num::parse_i64(get(j + 2)?).ok_or_else(RedisError::not_integer)?;
            j += 2;
        } else if dir.is_none() && is(opt, "rev") {
            dir = Some(true);
        } else if kind == Kind::Auto && is(opt, "bylex") {
            kind = Kind::Lex;
        } else if kind == Kind::Auto && is(opt, "byscore") {
            kind = Kind::Score;
        } else {
            return Err(RedisError::syntax());
        }
        j += 1;
    }
    let rev = dir.unwrap_or(false);
    if kind == Kind::Auto {
        kind = Kind::Rank;
    }
    if limit != -1 && kind == Kind::Rank {
        return Err(RedisError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && kind == Kind::Lex {
        return Err(RedisError::err("syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    if rev && kind != Kind::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    let (min, max) = (get(minidx)?, get(maxidx)?);
    let range = match kind {
        Kind::Score => Range::Score(parse_score_range(min, max)?),
        Kind::Lex => Range::Lex(parse_lex_range(min, max)?),
        _ => Range::Rank(
            num::parse_i64(min).ok_or_else(RedisError::not_integer)?,
            num::parse_i64(max).ok_or_else(RedisError::not_integer)?,
        ),
    };
    let items = match ctx.read_zset(key)? {
        Some(z) => select(z, &range, rev, offset, limit),
        None => Vec::new(),
    };
    if store {
        let dst = get(1)?;
        let z = build(ctx, &items);
        return Ok(Reply::Int(store_zset(ctx, dst, z, "zrangestore") as i64));
    }
    let r3 = resp3(ctx);
    Ok(emit(items, withscores, r3))
}

fn zrange(ctx: &mut Ctx) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Auto, None)
}
fn zrangestore(ctx: &mut Ctx) -> CmdResult {
    zrange_generic(ctx, 2, true, Kind::Auto, None)
}
fn zrevrange(ctx: &mut Ctx) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Rank, Some(true))
}
fn zrangebyscore(ctx: &mut Ctx) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Score, Some(false))
}
fn zrevrangebyscore(ctx: &mut Ctx) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Score, Some(true))
}
fn zrangebylex(ctx: &mut Ctx) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Lex, Some(false))
}
fn zrevrangebylex(ctx: &mut Ctx) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Lex, Some(true))
}

// ---- handlers: popping ----------------------------------------------------------------------

/// How a pop replies (Redis's `genericZpopCommand` shapes).
#[derive(Clone, Copy)]
struct PopShape {
    /// Pairs nested as [member, score] arrays (ZMPOP, or ZPOPMIN COUNT in RESP3).
    nested: bool,
    /// The key is part of the reply (BZPOPMIN, ZMPOP).
    emit_key: bool,
}

/// Pops up to `count` elements from the first non-empty sorted set among `keys`. `Ok(None)`
/// when all are missing. In a blocked client's re-run, wrong-type keys are skipped.
fn pop_first(
    ctx: &mut Ctx,
    keys: &[Vec<u8>],
    max: bool,
    count: usize,
    shape: PopShape,
) -> Result<Option<Reply>, RedisError> {
    let mut found = None;
    for k in keys {
        match ctx.write_zset(k) {
            Ok(Some(z)) if !z.is_empty() => {
                found = Some(k.clone());
                break;
            }
            Ok(_) => {}
            Err(e) => {
                if !ctx.is_reprocessing() {
                    return Err(e);
                }
            }
        }
    }
    let Some(key) = found else { return Ok(None) };
    let Some(z) = ctx.write_zset(&key)? else {
        return Ok(None);
    };
    let mut popped = Vec::new();
    while popped.len() < count {
        let x = if max { z.skiplist().last() } else { z.skiplist().first() };
        let Some((m, s)) = z.skiplist().entry(x) else {
            break;
        };
        let (m, s) = (m.to_vec(), s);
        z.remove(&m);
        popped.push((m, s));
    }
    let n = popped.len();
    ctx.notify(EventClass::ZSet, if max { "zpopmax" } else { "zpopmin" }, &key);
    ctx.signal_modified(&key);
    drop_if_empty(ctx, &key);
    ctx.dirty(n as u64);
    let mut items = Vec::new();
    for (m, s) in popped {
        if shape.nested {
            items.push(Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)]));
        } else {
            items.push(Reply::Bulk(m));
            items.push(Reply::Double(s));
        }
    }
    Ok(Some(match (shape.nested, shape.emit_key) {
        (_, false) => Reply::Array(items),
        (false, true) => {
            let mut v = vec![Reply::Bulk(key)];
            v.extend(items);
            Reply::Array(v)
        }
        (true, true) => Reply::Array(vec![Reply::Bulk(key), Reply::Array(items)]),
    }))
}

fn zpop(ctx: &mut Ctx, max: bool) -> CmdResult {
    let mut a = ctx.args();
    let key = a.bytes()?;
    let count = match a.next_opt() {
        Some(c) => {
            a.finish()?;
            let n = num::parse_i64(c)
                .filter(|n| *n >= 0)
                .ok_or_else(|| RedisError::err("value is out of range, must be positive"))?;
            if n == 0 {
                // The key's type is still checked first.
                ctx.write_zset(&key)?;
                return Ok(Reply::empty_array());
            }
            Some(n)
        }
        None => None,
    };
    let shape = PopShape { nested: count.is_some() && resp3(ctx), emit_key: false };
    let n = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    Ok(pop_first(ctx, &[key], max, n, shape)?.unwrap_or_else(Reply::empty_array))
}

/// ZPOPMIN key [count]
fn zpopmin(ctx: &mut Ctx) -> CmdResult {
    zpop(ctx, false)
}

/// ZPOPMAX key [count]
fn zpopmax(ctx: &mut Ctx) -> CmdResult {
    zpop(ctx, true)
}

/// Parses `numkeys key... MIN|MAX [COUNT count]` (ZMPOP, BZMPOP) from argv index `at`.
fn parse_mpop(argv: &[Vec<u8>], at: usize) -> Result<(Vec<Vec<u8>>, bool, usize), RedisError> {
    let nk = argv
        .get(at)
        .and_then(|a| num::parse_i64(a))
        .filter(|n| *n > 0)
        .ok_or_else(|| RedisError::err("numkeys should be greater than 0"))?;
    let where_idx = (at as i64).saturating_add(nk).saturating_add(1);
    if where_idx >= argv.len() as i64 {
        return Err(RedisError::syntax());
    }
    let where_idx = where_idx as usize;
    let keys = argv.get(at + 1..where_idx).unwrap_or(&[]).to_vec();
    let w = argv.get(where_idx).map(Vec::as_slice).unwrap_or(b"");
    let max = if is(w, "min") {
        false
    } else if is(w, "max") {
        true
    } else {
        return Err(RedisError::syntax());
    };
    let mut count: Option<usize> = None;
    let mut j = where_idx + 1;
    while let Some(opt) = argv.get(j) {
        let more = argv.len() - 1 - j;
        if count.is_none() && is(opt, "count") && more > 0 {
            j += 1;
            let n = argv
                .get(j)
                .and_then(|a| num::parse_i64(a))
                .filter(|n| *n > 0)
                .ok_or_else(|| RedisError::err("count should be greater than 0"))?;
            count = Some(usize::try_from(n).unwrap_or(usize::MAX));
        } else {
            return Err(RedisError::syntax());
        }
        j += 1;
    }
    Ok((keys, max, count.unwrap_or(1)))
}

/// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
fn zmpop(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.args().argv();
    let (keys, max, count) = parse_mpop(argv, 1)?;
    let shape = PopShape { nested: true, emit_key: true };
    Ok(pop_first(ctx, &keys, max, count, shape)?.unwrap_or(Reply::NilArray))
}

fn bzpop(ctx: &mut Ctx, max: bool) -> CmdResult {
    let argv = ctx.args().argv();
    let timeout = parse_timeout_secs(argv.last().map(Vec::as_slice).unwrap_or(b""))?;
    let keys: Vec<Vec<u8>> = argv.get(1..argv.len() - 1).unwrap_or(&[]).to_vec();
    let shape = PopShape { nested: false, emit_key: true };
    match pop_first(ctx, &keys, max, 1, shape)? {
        Some(r) => Ok(r),
        None => ctx.block(keys, timeout, Reply::NilArray),
    }
}

/// BZPOPMIN key [key ...] timeout
fn bzpopmin(ctx: &mut Ctx) -> CmdResult {
    bzpop(ctx, false)
}

/// BZPOPMAX key [key ...] timeout
fn bzpopmax(ctx: &mut Ctx) -> CmdResult {
    bzpop(ctx, true)
}

/// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
fn bzmpop(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.args().argv();
    let timeout = parse_timeout_secs(argv.get(1).map(Vec::as_slice).unwrap_or(b""))?;
    let (keys, max, count) = parse_mpop(argv, 2)?;
    let shape = PopShape { nested: true, emit_key: true };
    match pop_first(ctx, &keys, max, count, shape)? {
        Some(r) => Ok(r),
        None => ctx.block(keys, timeout, Reply::NilArray),
    }
}

// ---- handlers: algebra ----------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(acc: &mut f64, v: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *acc += v;
            // inf + -inf: Redis keeps the result a number.
            if acc.is_nan() {
                *acc = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *acc {
                *acc = v;
            }
        }
        Aggregate::Max => {
            if v > *acc {
                *acc = v;
            }
        }
    }
}

/// One input of ZUNION and friends: a sorted set or a plain set (scores 1).
enum Source<'a> {
    Missing,
    Set(&'a SetValue),
    ZSet(&'a ZSetValue),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::Set(s) => s.len(),
            Source::ZSet(z) => z.len(),
        }
    }
    fn score(&self, m: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::Set(s) => s.contains(m).then_some(1.0),
            Source::ZSet(z) => z.score(m),
        }
    }
    fn elements(&self) -> Vec<(Vec<u8>, f64)> {
        match self {
            Source::Missing => Vec::new(),
            Source::Set(s) => s.members().into_iter().map(|m| (m, 1.0)).collect(),
            Source::ZSet(z) => z.iter().map(|(m, s)| (m.to_vec(), s)).collect(),
        }
    }
}

struct AlgebraOpts {
    withscores: bool,
    limit: usize,
}

/// Parses and computes ZUNION/ZINTER/ZDIFF (and their STORE and ZINTERCARD forms) like
/// Redis's `zunionInterDiffGenericCommand`. Returns the result in ascending order.
fn algebra(
    ctx: &mut Ctx,
    numkeys_at: usize,
    op: Op,
    store: bool,
    card_only: bool,
) -> Result<(Vec<Scored>, AlgebraOpts), RedisError> {
    let argv = ctx.args().argv();
    let setnum = argv.get(numkeys_at).and_then(|a| num::parse_i64(a)).ok_or_else(RedisError::not_integer)?;
    if setnum < 1 {
        return Err(RedisError::err(format!("at least 1 input key is needed for '{}' command", ctx.cmd.name)));
    }
    if setnum > (argv.len() - numkeys_at - 1) as i64 {
        return Err(RedisError::syntax());
    }
    let setnum = setnum as usize;
    let access = if store { Access::Write } else { Access::Read };
    let keys = argv.get(numkeys_at + 1..numkeys_at + 1 + setnum).unwrap_or(&[]);
    for k in keys {
        match ctx.lookup(k, access) {
            None | Some(Entry { value: Value::ZSet(_) | Value::Set(_), .. }) => {}
            Some(_) => return Err(RedisError::wrong_type()),
        }
    }
    let mut weights = vec![1.0f64; setnum];
    let mut how = Aggregate::Sum;
    let mut opts = AlgebraOpts { withscores: false, limit: 0 };
    let mut j = numkeys_at + 1 + setnum;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let word = argv.get(j).map(Vec::as_slice).unwrap_or(b"");
        if op != Op::Diff && !card_only && remaining > setnum && is(word, "weights") {
            j += 1;
            for w in weights.iter_mut() {
                *w = argv
                    .get(j)
                    .and_then(|a| parse_score(a))
                    .ok_or_else(|| RedisError::err("weight value is not a float"))?;
                j += 1;
            }
        } else if op != Op::Diff && !card_only && remaining >= 2 && is(word, "aggregate") {
            let a = argv.get(j + 1).map(Vec::as_slice).unwrap_or(b"");
            how = if is(a, "sum") {
                Aggregate::Sum
            } else if is(a, "min") {
                Aggregate::Min
            } else if is(a, "max") {
                Aggregate::Max
            } else {
                return Err(RedisError::syntax());
            };
            j += 2;
        } else if !store && !card_only && is(word, "withscores") {
            opts.withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && is(word, "limit") {
            let l = argv
                .get(j + 1)
                .and_then(|a| num::parse_i64(a))
                .filter(|n| *n >= 0)
                .ok_or_else(|| RedisError::err("LIMIT can't be negative"))?;
            opts.limit = usize::try_from(l).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return Err(RedisError::syntax());
        }
    }
    // Every input is type-checked; now lend them all at once without copying.
    let db: &crate::engine::Db = ctx.db();
    let srcs: Vec<Source> = keys
        .iter()
        .map(|k| match db.peek(k).map(|e| &e.value) {
            Some(Value::ZSet(z)) => Source::ZSet(z),
            Some(Value::Set(s)) => Source::Set(s),
            _ => Source::Missing,
        })
        .collect();
    let weighted = |w: f64, s: f64| {
        let v = w * s;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let mut result: Vec<(Vec<u8>, f64)> = Vec::new();
    match op {
        Op::Inter => {
            // Smallest input first, as Redis orders them (it also fixes the summing order).
            let mut order: Vec<usize> = (0..setnum).collect();
            order.sort_by_key(|&i| srcs.get(i).map_or(0, Source::len));
            let Some((&first, rest)) = order.split_first() else {
                return Ok((result, opts));
            };
            if srcs.get(first).map_or(0, Source::len) > 0 {
                let w0 = weights.get(first).copied().unwrap_or(1.0);
                for (m, s) in srcs.get(first).map(Source::elements).unwrap_or_default() {
                    let mut score = weighted(w0, s);
                    let mut all = true;
                    for &i in rest {
                        match srcs.get(i).and_then(|src| src.score(&m)) {
                            // Only the first input's product is cleaned of NaN in Redis;
                            // here a NaN is dropped by MIN/MAX and zeroed by SUM.
                            Some(v) => aggregate(&mut score, weights.get(i).copied().unwrap_or(1.0) * v, how),
                            None => {
                                all = false;
                                break;
                            }
                        }
                    }
                    if all {
                        result.push((m, score));
                        if card_only && opts.limit > 0 && result.len() >= opts.limit {
                            break;
                        }
                    }
                }
            }
        }
        Op::Union => {
            let mut order: Vec<usize> = (0..setnum).collect();
            order.sort_by_key(|&i| srcs.get(i).map_or(0, Source::len));
            let mut acc: Dict<Vec<u8>, f64> = Dict::new();
            let mut seq: Vec<Vec<u8>> = Vec::new();
            for &i in &order {
                let w = weights.get(i).copied().unwrap_or(1.0);
                for (m, s) in srcs.get(i).map(Source::elements).unwrap_or_default() {
                    let v = weighted(w, s);
                    match acc.get_mut(m.as_slice()) {
                        Some(cur) => aggregate(cur, v, how),
                        None => {
                            seq.push(m.clone());
                            acc.insert(m, v);
                        }
                    }
                }
            }
            for m in seq {
                let s = acc.get(m.as_slice()).copied().unwrap_or(0.0);
                result.push((m, s));
            }
        }
        Op::Diff => {
            for (m, s) in srcs.first().map(Source::elements).unwrap_or_default() {
                if !srcs.iter().skip(1).any(|src| src.score(&m).is_some()) {
                    result.push((m, s));
                }
            }
        }
    }
    result.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.cmp(&b.0)));
    Ok((result, opts))
}

fn algebra_reply(ctx: &mut Ctx, op: Op) -> CmdResult {
    let (items, opts) = algebra(ctx, 1, op, false, false)?;
    let r3 = resp3(ctx);
    Ok(emit(items, opts.withscores, r3))
}

fn algebra_store(ctx: &mut Ctx, op: Op, event: &'static str) -> CmdResult {
    let (items, _) = algebra(ctx, 2, op, true, false)?;
    let dst = ctx.args().next()?;
    let z = build(ctx, &items);
    Ok(Reply::Int(store_zset(ctx, dst, z, event) as i64))
}

/// ZUNION numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
fn zunion(ctx: &mut Ctx) -> CmdResult {
    algebra_reply(ctx, Op::Union)
}
/// ZINTER numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
fn zinter(ctx: &mut Ctx) -> CmdResult {
    algebra_reply(ctx, Op::Inter)
}
/// ZDIFF numkeys key [key ...] [WITHSCORES]
fn zdiff(ctx: &mut Ctx) -> CmdResult {
    algebra_reply(ctx, Op::Diff)
}
fn zunionstore(ctx: &mut Ctx) -> CmdResult {
    algebra_store(ctx, Op::Union, "zunionstore")
}
fn zinterstore(ctx: &mut Ctx) -> CmdResult {
    algebra_store(ctx, Op::Inter, "zinterstore")
}
fn zdiffstore(ctx: &mut Ctx) -> CmdResult {
    algebra_store(ctx, Op::Diff, "zdiffstore")
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
fn zintercard(ctx: &mut Ctx) -> CmdResult {
    let (items, _) = algebra(ctx, 1, Op::Inter, false, true)?;
    Ok(Reply::Int(items.len() as i64))
}

// ---- handlers: random and scan --------------------------------------------------------------

/// ZRANDMEMBER key [count [WITHSCORES]]
fn zrandmember(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.args().argv();
    let key = ctx.args().next()?;
    let mut count = None;
    let mut withscores = false;
    if let Some(c) = argv.get(2) {
        let n = num::parse_i64(c).ok_or_else(RedisError::not_integer)?;
        if n == i64::MIN {
            return Err(RedisError::err(
                "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ));
        }
        match argv.get(3) {
            Some(w) if argv.len() == 4 && is(w, "withscores") => {
                withscores = true;
                if !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&n) {
                    return Err(RedisError::err("value is out of range"));
                }
            }
            Some(_) => return Err(RedisError::syntax()),
            None => {}
        }
        crate::engine::check_random_repeats(n)?;
        count = Some(n);
    }
    let r3 = resp3(ctx);
    // The generator is copied out so the set can stay borrowed; its new state is put back.
    let mut rng = ctx.eng.rng.clone();
    let Some(z) = ctx.read_zset(key)? else {
        return Ok(if count.is_some() { Reply::empty_array() } else { Reply::Nil });
    };
    let reply = zrandmember_reply(z, count, withscores, r3, &mut rng);
    ctx.eng.rng = rng;
    Ok(reply)
}

/// ZRANDMEMBER's reply, drawing from `rng`.
fn zrandmember_reply(
    z: &ZSetValue,
    count: Option<i64>,
    withscores: bool,
    r3: bool,
    rng: &mut crate::engine::Rng,
) -> Reply {
    let len = z.len() as u64;
    let pick = |rng: &mut crate::engine::Rng| z.at(rng.below(len) as usize).map(|(m, s)| (m.to_vec(), s));
    let Some(count) = count else {
        return Reply::opt_bulk(pick(rng).map(|(m, _)| m));
    };
    if count == 0 {
        return Reply::empty_array();
    }
    let items: Vec<(Vec<u8>, f64)> = if count < 0 {
        (0..count.unsigned_abs()).filter_map(|_| pick(rng)).collect()
    } else if count as u64 >= len {
        // The whole set, highest score first, as Redis 7.0 replies.
        let mut all: Vec<_> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        all.reverse();
        all
    } else {
        let mut chosen = HashSet::new();
        let mut v = Vec::new();
        while (v.len() as i64) < count {
            let r = rng.below(len) as usize;
            if chosen.insert(r) {
                if let Some((m, s)) = z.at(r) {
                    v.push((m.to_vec(), s));
                }
            }
        }
        v
    };
    emit(items, withscores, r3)
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
fn zscan(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let cursor = parse_cursor(a.next()?)?;
    let Some(z) = ctx.read_zset(key)? else {
        return Ok(scan_reply(0, Vec::new()));
    };
    let opts = parse_scan_opts(a)?;
    let (next, items): (u64, Vec<(Vec<u8>, f64)>) = if z.listpack {
        (0, z.iter().map(|(m, s)| (m.to_vec(), s)).collect())
    } else {
        dict_scan(&z.dict, cursor, opts.count)
    };
    let mut out = Vec::new();
    for (m, s) in items {
        if opts.pattern.as_deref().is_none_or(|p| glob_match(p, &m)) {
            out.push(Reply::Bulk(m));
            out.push(Reply::Bulk(num::fmt_g17(s).into_bytes()));
        }
    }
    Ok(scan_reply(next, out))
}

// ---- table ----------------------------------------------------------------------------------

macro_rules! spec {
    ($name:expr, $arity:expr, $flags:expr, $fk:expr, $lk:expr, $acl:expr, $since:expr, $syntax:expr, $summary:expr, $cx:expr, $h:expr) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $fk,
            last_key: $lk,
            step: if $fk == 0 { 0 } else { 1 },
            acl: $acl,
            group: Group::SortedSet,
            since: $since,
            syntax: $syntax,
            summary: $summary,
            complexity: $cx,
            handler: $h,
            subcommands: &[],
        }
    };
}

const W_FAST: &[&str] = &["@write", "@sortedset", "@fast"];
const W_SLOW: &[&str] = &["@write", "@sortedset", "@slow"];
const R_FAST: &[&str] = &["@read", "@sortedset", "@fast"];
const R_SLOW: &[&str] = &["@read", "@sortedset", "@slow"];
const RANGE_SYNTAX: &str = "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]";
const ALGEBRA_SYNTAX: &str =
    "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]";
const STORE_SYNTAX: &str =
    "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]";

pub const COMMANDS: &[CommandSpec] = &[
    spec!(
        "zadd",
        -4,
        &["write", "denyoom", "fast"],
        1,
        1,
        W_FAST,
        "1.2.0",
        "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
        "Adds members with scores to a sorted set or updates their scores, with conditions.",
        "O(log(N)) per member added",
        zadd
    ),
    spec!(
        "zincrby",
        4,
        &["write", "denyoom", "fast"],
        1,
        1,
        W_FAST,
        "1.2.0",
        "key increment member",
        "Adds to a member's score (creating it at 0 first) and returns the new score.",
        "O(log(N))",
        zincrby
    ),
    spec!(
        "zrem",
        -3,
        &["write", "fast"],
        1,
        1,
        W_FAST,
        "1.2.0",
        "key member [member ...]",
        "Removes members from a sorted set; returns how many were present.",
        "O(M*log(N)) for M members",
        zrem
    ),
    spec!(
        "zcard",
        2,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "1.2.0",
        "key",
        "Counts the members of a sorted set.",
        "O(1)",
        zcard
    ),
    spec!(
        "zscore",
        3,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "1.2.0",
        "key member",
        "Returns a member's score.",
        "O(1)",
        zscore
    ),
    spec!(
        "zmscore",
        -3,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "6.2.0",
        "key member [member ...]",
        "Returns the scores of several members (nil for absent ones).",
        "O(N) for N members",
        zmscore
    ),
    spec!(
        "zrank",
        3,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "2.0.0",
        "key member",
        "Returns a member's position counting from the lowest score.",
        "O(log(N))",
        zrank
    ),
    spec!(
        "zrevrank",
        3,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "2.0.0",
        "key member",
        "Returns a member's position counting from the highest score.",
        "O(log(N))",
        zrevrank
    ),
    spec!(
        "zcount",
        4,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "2.0.0",
        "key min max",
        "Counts the members whose score lies in a range.",
        "O(log(N))",
        zcount
    ),
    spec!(
        "zlexcount",
        4,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "2.8.9",
        "key min max",
        "Counts the members in a lexicographical range (for members of equal scores).",
        "O(log(N))",
        zlexcount
    ),
    spec!(
        "zrange",
        -4,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "1.2.0",
        RANGE_SYNTAX,
        "Returns members by rank, score or lexicographical range, optionally reversed and paged.",
        "O(log(N)+M) for M returned members",
        zrange
    ),
    spec!(
        "zrangestore",
        -5,
        &["write", "denyoom"],
        1,
        2,
        W_SLOW,
        "6.2.0",
        "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
        "Stores a range of a sorted set (as ZRANGE selects it) at a destination key.",
        "O(log(N)+M) for M stored members",
        zrangestore
    ),
    spec!(
        "zrangebyscore",
        -4,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "1.0.5",
        "key min max [WITHSCORES] [LIMIT offset count]",
        "Returns members whose score lies in a range, lowest first.",
        "O(log(N)+M) for M returned members",
        zrangebyscore
    ),
    spec!(
        "zrevrangebyscore",
        -4,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "2.2.0",
        "key max min [WITHSCORES] [LIMIT offset count]",
        "Returns members whose score lies in a range, highest first.",
        "O(log(N)+M) for M returned members",
        zrevrangebyscore
    ),
    spec!(
        "zrangebylex",
        -4,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "2.8.9",
        "key min max [LIMIT offset count]",
        "Returns members in a lexicographical range, ascending.",
        "O(log(N)+M) for M returned members",
        zrangebylex
    ),
    spec!(
        "zrevrangebylex",
        -4,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "2.8.9",
        "key max min [LIMIT offset count]",
        "Returns members in a lexicographical range, descending.",
        "O(log(N)+M) for M returned members",
        zrevrangebylex
    ),
    spec!(
        "zrevrange",
        -4,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "1.2.0",
        "key start stop [WITHSCORES]",
        "Returns members by rank counting from the highest score.",
        "O(log(N)+M) for M returned members",
        zrevrange
    ),
    spec!(
        "zremrangebyrank",
        4,
        &["write"],
        1,
        1,
        W_SLOW,
        "2.0.0",
        "key start stop",
        "Removes the members within a rank range; returns how many.",
        "O(log(N)+M) for M removed members",
        zremrangebyrank
    ),
    spec!(
        "zremrangebyscore",
        4,
        &["write"],
        1,
        1,
        W_SLOW,
        "1.2.0",
        "key min max",
        "Removes the members within a score range; returns how many.",
        "O(log(N)+M) for M removed members",
        zremrangebyscore
    ),
    spec!(
        "zremrangebylex",
        4,
        &["write"],
        1,
        1,
        W_SLOW,
        "2.8.9",
        "key min max",
        "Removes the members within a lexicographical range; returns how many.",
        "O(log(N)+M) for M removed members",
        zremrangebylex
    ),
    spec!(
        "zpopmin",
        -2,
        &["write", "fast"],
        1,
        1,
        W_FAST,
        "5.0.0",
        "key [count]",
        "Removes and returns the members with the lowest scores.",
        "O(log(N)*M) for M popped members",
        zpopmin
    ),
    spec!(
        "zpopmax",
        -2,
        &["write", "fast"],
        1,
        1,
        W_FAST,
        "5.0.0",
        "key [count]",
        "Removes and returns the members with the highest scores.",
        "O(log(N)*M) for M popped members",
        zpopmax
    ),
    spec!(
        "zmpop",
        -4,
        &["write", "movablekeys"],
        0,
        0,
        W_SLOW,
        "7.0.0",
        "numkeys key [key ...] MIN | MAX [COUNT count]",
        "Pops the lowest or highest members of the first non-empty sorted set among several keys.",
        "O(K) + O(M*log(N)) for K keys and M popped members",
        zmpop
    ),
    spec!(
        "bzpopmin",
        -3,
        &["write", "noscript", "blocking", "fast"],
        1,
        -2,
        &["@write", "@sortedset", "@fast", "@blocking"],
        "5.0.0",
        "key [key ...] timeout",
        "Pops the lowest-scored member of the first non-empty sorted set, waiting for one if needed.",
        "O(log(N))",
        bzpopmin
    ),
    spec!(
        "bzpopmax",
        -3,
        &["write", "noscript", "blocking", "fast"],
        1,
        -2,
        &["@write", "@sortedset", "@fast", "@blocking"],
        "5.0.0",
        "key [key ...] timeout",
        "Pops the highest-scored member of the first non-empty sorted set, waiting for one if needed.",
        "O(log(N))",
        bzpopmax
    ),
    spec!(
        "bzmpop",
        -5,
        &["write", "blocking", "movablekeys"],
        0,
        0,
        &["@write", "@sortedset", "@slow", "@blocking"],
        "7.0.0",
        "timeout numkeys key [key ...] MIN | MAX [COUNT count]",
        "ZMPOP that waits until one of the sorted sets has members or the timeout passes.",
        "O(K) + O(M*log(N)) for K keys and M popped members",
        bzmpop
    ),
    spec!(
        "zunion",
        -3,
        &["readonly", "movablekeys"],
        0,
        0,
        R_SLOW,
        "6.2.0",
        ALGEBRA_SYNTAX,
        "Returns the union of sorted sets (and sets), combining scores with weights and an aggregate.",
        "O(N)+O(M*log(M)) for N input and M output members",
        zunion
    ),
    spec!(
        "zinter",
        -3,
        &["readonly", "movablekeys"],
        0,
        0,
        R_SLOW,
        "6.2.0",
        ALGEBRA_SYNTAX,
        "Returns the members common to sorted sets (and sets), combining scores.",
        "O(N*K)+O(M*log(M)) worst case",
        zinter
    ),
    spec!(
        "zdiff",
        -3,
        &["readonly", "movablekeys"],
        0,
        0,
        R_SLOW,
        "6.2.0",
        "numkeys key [key ...] [WITHSCORES]",
        "Returns the members of the first sorted set found in none of the others.",
        "O(L + (N-K)log(N)) worst case",
        zdiff
    ),
    spec!(
        "zunionstore",
        -4,
        &["write", "denyoom", "movablekeys"],
        1,
        1,
        W_SLOW,
        "2.0.0",
        STORE_SYNTAX,
        "Stores the union of sorted sets at a destination key; returns its size.",
        "O(N)+O(M log(M)) for N input and M output members",
        zunionstore
    ),
    spec!(
        "zinterstore",
        -4,
        &["write", "denyoom", "movablekeys"],
        1,
        1,
        W_SLOW,
        "2.0.0",
        STORE_SYNTAX,
        "Stores the intersection of sorted sets at a destination key; returns its size.",
        "O(N*K)+O(M*log(M)) worst case",
        zinterstore
    ),
    spec!(
        "zdiffstore",
        -4,
        &["write", "denyoom", "movablekeys"],
        1,
        1,
        W_SLOW,
        "6.2.0",
        "destination numkeys key [key ...]",
        "Stores the difference of sorted sets at a destination key; returns its size.",
        "O(L + (N-K)log(N)) worst case",
        zdiffstore
    ),
    spec!(
        "zintercard",
        -3,
        &["readonly", "movablekeys"],
        0,
        0,
        R_SLOW,
        "7.0.0",
        "numkeys key [key ...] [LIMIT limit]",
        "Counts the members common to sorted sets, stopping early at LIMIT.",
        "O(N*K) worst case",
        zintercard
    ),
    spec!(
        "zrandmember",
        -2,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "6.2.0",
        "key [count [WITHSCORES]]",
        "Returns random members, optionally with scores; a negative count may repeat members.",
        "O(N) for N returned members",
        zrandmember
    ),
    spec!(
        "zscan",
        -3,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "2.8.0",
        "key cursor [MATCH pattern] [COUNT count]",
        "Iterates over a sorted set's members and scores a few at a time with a cursor.",
        "O(1) per call, O(N) for a full iteration",
        zscan
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::resp::encode;
    use crate::engine::{Engine, EventClass, Reply};

    use crate::engine::test_run as run;

    fn zset_of<'e>(e: &'e Engine, key: &str) -> Option<&'e ZSetValue> {
        match e.db(0)?.peek(key.as_bytes()).map(|en| &en.value) {
            Some(Value::ZSet(z)) => Some(z),
            _ => None,
        }
    }

    #[test]
    fn resp3_shapes_match_redis() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        e.client_mut(c).resp = 3;
        run(&mut e, c, "zadd z 1.1 a 2 b -inf c");
        let bytes = |e: &mut Engine, l: &str| encode(&run(e, c, l), 3);
        assert_eq!(bytes(&mut e, "zscore z a"), b",1.1000000000000001\r\n".to_vec());
        assert_eq!(
            bytes(&mut e, "zrange z 0 -1 withscores"),
            b"*3\r\n*2\r\n$1\r\nc\r\n,-inf\r\n*2\r\n$1\r\na\r\n,1.1000000000000001\r\n*2\r\n$1\r\nb\r\n,2\r\n".to_vec()
        );
        assert_eq!(bytes(&mut e, "zpopmin z"), b"*2\r\n$1\r\nc\r\n,-inf\r\n".to_vec());
        assert_eq!(bytes(&mut e, "zpopmax z 1"), b"*1\r\n*2\r\n$1\r\nb\r\n,2\r\n".to_vec());
        assert_eq!(
            bytes(&mut e, "zmpop 1 z min"),
            b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1.1000000000000001\r\n".to_vec()
        );
        assert_eq!(bytes(&mut e, "zmpop 1 z min"), b"_\r\n".to_vec());
        assert_eq!(bytes(&mut e, "zadd z incr 1 a"), b",1\r\n".to_vec());
    }

    #[test]
    fn encodings_follow_redis_limits() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        e.config.zset_max_listpack_entries = 2;
        run(&mut e, c, "zadd a 1 x 2 y");
        assert_eq!(zset_of(&e, "a").map(ZSetValue::encoding_name), Some("listpack"));
        run(&mut e, c, "zadd a 3 z");
        assert_eq!(zset_of(&e, "a").map(ZSetValue::encoding_name), Some("skiplist"));
        // No conversion back on removal...
        run(&mut e, c, "zrem a x y");
        assert_eq!(zset_of(&e, "a").map(ZSetValue::encoding_name), Some("skiplist"));
        // ...but fresh results are listpack when they fit.
        run(&mut e, c, "zunionstore b 1 a");
        assert_eq!(zset_of(&e, "b").map(ZSetValue::encoding_name), Some("listpack"));
        run(&mut e, c, "zrangestore d a 0 -1");
        assert_eq!(zset_of(&e, "d").map(ZSetValue::encoding_name), Some("listpack"));
        let long = "m".repeat(65);
        run(&mut e, c, &format!("zadd l 1 {long}"));
        assert_eq!(zset_of(&e, "l").map(ZSetValue::encoding_name), Some("skiplist"));
        // Scores in a skiplist keep their sign of zero; a listpack reads back 0.
        run(&mut e, c, "zadd a -0 nz");
        assert_eq!(run(&mut e, c, "zscore a nz"), Reply::Double(-0.0));
        assert_eq!(zset_of(&e, "a").map(|z| z.levels().len()), Some(2));
    }

    #[test]
    fn events_and_empty_keys() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        e.capture_events(true);
        run(&mut e, c, "zadd z 1 a 2 b 5 c");
        run(&mut e, c, "zincrby z 1 a");
        run(&mut e, c, "zremrangebyscore z 0 2");
        run(&mut e, c, "zpopmax z");
        let names: Vec<&str> = e.drain_events().iter().map(|ev| ev.event).collect();
        assert_eq!(names, vec!["zadd", "zincr", "zremrangebyscore", "zpopmax", "del"]);
        assert_eq!(run(&mut e, c, "exists z"), Reply::Int(0));
        let ev = e.drain_events();
        assert!(ev.iter().all(|x| x.class != EventClass::ZSet));
    }

    #[test]
    fn bzpopmin_is_woken_by_zadd_from_another_client() {
        let (mut e, _) = Engine::with_virtual_clock();
        let (a, b) = (e.connect(), e.connect());
        assert_eq!(run(&mut e, a, "bzpopmin z1 z2 0"), Reply::NoReply);
        assert!(e.is_blocked(a));
        assert_eq!(run(&mut e, b, "zadd z2 5 m"), Reply::Int(1));
        assert!(!e.is_blocked(a));
        assert_eq!(
            e.take_pushed(a),
            vec![Reply::Array(vec![Reply::bulk_str("z2"), Reply::bulk_str("m"), Reply::Double(5.0)])]
        );
        assert_eq!(run(&mut e, b, "exists z2"), Reply::Int(0));
    }

    #[test]
    fn waiters_are_served_in_fifo_order() {
        let (mut e, _) = Engine::with_virtual_clock();
        let (a, b, w) = (e.connect(), e.connect(), e.connect());
        run(&mut e, a, "bzpopmax z 0");
        run(&mut e, b, "bzmpop 0 1 z MIN COUNT 5");
        run(&mut e, w, "zadd z 1 x");
        assert_eq!(e.take_pushed(a).len(), 1);
        assert!(e.take_pushed(b).is_empty());
        assert!(e.is_blocked(b));
        // A wrong-type value at the key keeps the waiter blocked.
        run(&mut e, w, "set z str");
        assert!(e.is_blocked(b));
        run(&mut e, w, "del z");
        run(&mut e, w, "zadd z 1 p 2 q");
        assert_eq!(
            e.take_pushed(b),
            vec![Reply::Array(vec![
                Reply::bulk_str("z"),
                Reply::Array(vec![
                    Reply::Array(vec![Reply::bulk_str("p"), Reply::Double(1.0)]),
                    Reply::Array(vec![Reply::bulk_str("q"), Reply::Double(2.0)]),
                ])
            ])]
        );
    }

    #[test]
    fn blocking_pop_times_out_on_tick() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let a = e.connect();
        assert_eq!(run(&mut e, a, "bzpopmin z 0.5"), Reply::NoReply);
        clock.advance_ms(499);
        e.tick();
        assert!(e.is_blocked(a));
        clock.advance_ms(1);
        e.tick();
        assert!(!e.is_blocked(a));
        assert_eq!(e.take_pushed(a), vec![Reply::NilArray]);
    }
}
