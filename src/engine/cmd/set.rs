//! Set commands (Redis's t_set.c): SADD, SINTER, SPOP and friends.
//!
//! Redis 7.0 stores a set either as a sorted array of integers ("intset", while every member
//! is an integer and there are at most `set-max-intset-entries`) or as a hash table. The
//! intset's ascending order is visible in replies, so it is kept exactly; the hash table is the
//! engine's [`Dict`], which gives SSCAN Redis's cursor guarantee.

use crate::engine::args::{is, Args};
use crate::engine::dict::Dict;
use crate::engine::events::EventClass;
use crate::engine::keyspace::Value;
use crate::engine::num;
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::Ctx;

// ---- value ----------------------------------------------------------------------------------

/// A set value in one of Redis 7.0's two encodings.
#[derive(Clone, Debug)]
pub enum SetValue {
    /// Ascending, distinct integers.
    Intset(Vec<i64>),
    Hash(Dict<Vec<u8>, ()>),
}

impl PartialEq for SetValue {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.members().iter().all(|m| other.contains(m))
    }
}

impl SetValue {
    /// An empty set in the encoding Redis picks for a first member (`setTypeCreate`).
    pub fn for_member(first: &[u8]) -> SetValue {
        if num::parse_i64(first).is_some() {
            SetValue::Intset(Vec::new())
        } else {
            SetValue::Hash(Dict::new())
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            SetValue::Intset(_) => "intset",
            SetValue::Hash(_) => "hashtable",
        }
    }

    pub fn len(&self) -> usize {
        match self {
            SetValue::Intset(v) => v.len(),
            SetValue::Hash(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            SetValue::Intset(v) => num::parse_i64(member).is_some_and(|n| v.binary_search(&n).is_ok()),
            SetValue::Hash(d) => d.contains_key(member),
        }
    }

    fn convert_to_hash(&mut self) {
        if let SetValue::Intset(v) = self {
            let mut d = Dict::new();
            for n in v.iter() {
                d.insert(n.to_string().into_bytes(), ());
            }
            *self = SetValue::Hash(d);
        }
    }

    /// Adds a member; true if it was new. Converts to a hash table like `setTypeAdd`.
    pub fn add(&mut self, member: &[u8], max_intset: usize) -> bool {
        if let SetValue::Intset(v) = self {
            match num::parse_i64(member) {
                Some(n) => {
                    let Err(pos) = v.binary_search(&n) else {
                        return false;
                    };
                    v.insert(pos, n);
                    if v.len() > max_intset {
                        self.convert_to_hash();
                    }
                    return true;
                }
                None => self.convert_to_hash(),
            }
        }
        match self {
            SetValue::Hash(d) => d.insert(member.to_vec(), ()).is_none(),
            SetValue::Intset(_) => false,
        }
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            SetValue::Intset(v) => match num::parse_i64(member).map(|n| v.binary_search(&n)) {
                Some(Ok(pos)) => {
                    v.remove(pos);
                    true
                }
                _ => false,
            },
            SetValue::Hash(d) => d.remove(member).is_some(),
        }
    }

    /// Every member, in the order Redis iterates them (ascending for an intset).
    pub fn members(&self) -> Vec<Vec<u8>> {
        match self {
            SetValue::Intset(v) => v.iter().map(|n| n.to_string().into_bytes()).collect(),
            SetValue::Hash(d) => d.keys().cloned().collect(),
        }
    }

    /// A uniformly chosen member.
    pub fn random(&self, rng: &mut crate::engine::Rng) -> Option<Vec<u8>> {
        match self {
            SetValue::Intset(v) => {
                let i = rng.below(v.len() as u64) as usize;
                v.get(i).map(|n| n.to_string().into_bytes())
            }
            SetValue::Hash(d) => d.random_entry(|| rng.next_u64()).map(|(k, _)| k.clone()),
        }
    }
}

// ---- shared helpers -------------------------------------------------------------------------

/// Redis's glob matching, case-sensitive (shared with KEYS/SCAN in `engine::glob`).
pub fn glob_match(p: &[u8], s: &[u8]) -> bool {
    crate::engine::glob::matches(p, s, false)
}

/// Parses a SCAN cursor like Redis (`strtoul`, base 10); `ERR invalid cursor` otherwise.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, RedisError> {
    let bad = || RedisError::err("invalid cursor");
    let (neg, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ => (false, arg),
    };
    if digits.is_empty() {
        // strtoul parses nothing and leaves the end pointer at the start.
        return if arg.is_empty() { Ok(0) } else { Err(bad()) };
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return Err(bad());
        }
        v = v.checked_mul(10).and_then(|v| v.checked_add(u64::from(c - b'0'))).ok_or_else(bad)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// The MATCH and COUNT options of the SCAN family.
pub struct ScanOpts {
    pub pattern: Option<Vec<u8>>,
    pub count: usize,
}

/// Parses `[MATCH pattern] [COUNT count]` with Redis's errors.
pub fn parse_scan_opts(mut a: Args) -> Result<ScanOpts, RedisError> {
    let mut o = ScanOpts { pattern: None, count: 10 };
    while let Some(w) = a.next_opt() {
        if is(w, "count") && a.remaining() >= 1 {
            let n = a.int()?;
            if n < 1 {
                return Err(RedisError::syntax());
            }
            o.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(w, "match") && a.remaining() >= 1 {
            let p = a.next()?;
            o.pattern = if p == b"*" { None } else { Some(p.to_vec()) };
        } else {
            return Err(RedisError::syntax());
        }
    }
    Ok(o)
}

/// A scan reply: the next cursor and the elements.
pub fn scan_reply(cursor: u64, items: Vec<Reply>) -> Reply {
    Reply::Array(vec![Reply::Bulk(cursor.to_string().into_bytes()), Reply::Array(items)])
}

/// Walks `dict` from `cursor` like `scanGenericCommand`: at most `count` elements' worth of
/// buckets (10 × count bucket visits at most). Returns the next cursor and the keys visited.
pub fn dict_scan<V: Clone>(dict: &Dict<Vec<u8>, V>, mut cursor: u64, count: usize) -> (u64, Vec<(Vec<u8>, V)>) {
    let mut out = Vec::new();
    let mut budget = count.saturating_mul(10);
    loop {
        cursor = dict.scan_step(cursor, |k, v| out.push((k.clone(), v.clone())));
        budget = budget.saturating_sub(1);
        if cursor == 0 || budget == 0 || out.len() >= count {
            break;
        }
    }
    (cursor, out)
}

fn max_intset(ctx: &Ctx) -> usize {
    ctx.eng.config.set_max_intset_entries
}

/// Members as a RESP3 set reply (an array in RESP2).
fn set_reply(members: Vec<Vec<u8>>) -> Reply {
    Reply::Set(members.into_iter().map(Reply::Bulk).collect())
}

/// Stores a computed set at `dst` (or deletes `dst` if the result is empty), with the
/// events `*STORE` commands send. Returns the stored cardinality.
fn store_set(ctx: &mut Ctx, dst: &[u8], result: SetValue, event: &'static str) -> usize {
    let n = result.len();
    if n > 0 {
        ctx.set_key(dst, Value::Set(result), false);
        ctx.notify(EventClass::Set, event, dst);
    } else if ctx.delete_key(dst) {
        ctx.notify(EventClass::Generic, "del", dst);
    }
    ctx.dirty(1);
    n
}

/// After removing members: deletes the key if the set became empty (with a `del` event).
fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let empty = matches!(ctx.db().peek(key), Some(e) if matches!(&e.value, Value::Set(s) if s.is_empty()));
    if empty {
        ctx.db().remove(key);
        ctx.notify(EventClass::Generic, "del", key);
    }
}

// ---- handlers -------------------------------------------------------------------------------

/// SADD key member [member ...]
fn sadd(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let members = a.rest();
    let max = max_intset(ctx);
    let added = match ctx.write_set(key)? {
        Some(s) => members.iter().filter(|m| s.add(m, max)).count(),
        None => {
            let mut s = SetValue::for_member(members.first().map_or(&[][..], |m| m));
            let n = members.iter().filter(|m| s.add(m, max)).count();
            ctx.set_key(key, Value::Set(s), false);
            n
        }
    };
    if added > 0 {
        ctx.signal_modified(key);
        ctx.notify(EventClass::Set, "sadd", key);
    }
    ctx.dirty(added as u64);
    Ok(Reply::Int(added as i64))
}

/// SREM key member [member ...]
fn srem(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let members = a.rest();
    let removed = match ctx.write_set(key)? {
        Some(s) => {
            let mut n = 0;
            for m in members {
                if s.remove(m) {
                    n += 1;
                    if s.is_empty() {
                        break;
                    }
                }
            }
            n
        }
        None => return Ok(Reply::Int(0)),
    };
    if removed > 0 {
        ctx.signal_modified(key);
        ctx.notify(EventClass::Set, "srem", key);
        drop_if_empty(ctx, key);
        ctx.dirty(removed as u64);
    }
    Ok(Reply::Int(removed as i64))
}

/// SMEMBERS key
fn smembers(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(set_reply(ctx.read_set(key)?.map(SetValue::members).unwrap_or_default()))
}

/// SISMEMBER key member
fn sismember(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, m) = (a.next()?, a.next()?);
    Ok(Reply::Int(i64::from(ctx.read_set(key)?.is_some_and(|s| s.contains(m)))))
}

/// SMISMEMBER key member [member ...]
fn smismember(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let ms = a.rest();
    let s = ctx.read_set(key)?;
    Ok(Reply::Array(ms.iter().map(|m| Reply::Int(i64::from(s.is_some_and(|s| s.contains(m))))).collect()))
}

/// SCARD key
fn scard(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(Reply::Int(ctx.read_set(key)?.map_or(0, SetValue::len) as i64))
}

/// SPOP with a count above a fifth of the set keeps the remainder in a new set (Redis's
/// `SPOP_MOVE_STRATEGY_MUL`).
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;

/// SPOP key [count]
fn spop(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let count = match a.next_opt() {
        None => None,
        Some(c) => {
            a.finish()?;
            let n = num::parse_i64(c)
                .filter(|n| *n >= 0)
                .ok_or_else(|| RedisError::err("value is out of range, must be positive"))?;
            Some(n as u64)
        }
    };
    // The generator is copied out so the set can be borrowed at the same time; its advanced
    // state is written back below.
    let mut rng = ctx.eng.rng.clone();
    let max = max_intset(ctx);
    let Some(set) = ctx.write_set(key)? else {
        return Ok(match count {
            None => Reply::Nil,
            Some(_) => Reply::Set(Vec::new()),
        });
    };
    let popped: Vec<Vec<u8>> = match count {
        Some(0) => return Ok(Reply::Set(Vec::new())),
        Some(n) if n >= set.len() as u64 => {
            let all = set.members();
            *set = SetValue::Intset(Vec::new());
            all
        }
        // Popping most of the set: Redis instead draws the members that stay, into a new set
        // created for the first of them (so it can be an intset again), and returns the rest.
        Some(n) if n.saturating_mul(SPOP_MOVE_STRATEGY_MUL) > set.len() as u64 => {
            let mut kept: Option<SetValue> = None;
            for _ in 0..set.len() - n as usize {
                let Some(m) = set.random(&mut rng) else {
                    break;
                };
                set.remove(&m);
                kept.get_or_insert_with(|| SetValue::for_member(&m)).add(&m, max);
            }
            let rest = set.members();
            if let Some(k) = kept {
                *set = k;
            }
            rest
        }
        _ => {
            let n = count.unwrap_or(1) as usize;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                let Some(m) = set.random(&mut rng) else {
                    break;
                };
                set.remove(&m);
                v.push(m);
            }
            v
        }
    };
    let empty = set.is_empty();
    ctx.eng.rng = rng;
    let n = popped.len();
    ctx.signal_modified(key);
    ctx.notify(EventClass::Set, "spop", key);
    if empty {
        ctx.db().remove(key);
        ctx.notify(EventClass::Generic, "del", key);
    }
    ctx.dirty(n as u64);
    Ok(match count {
        None => Reply::opt_bulk(popped.into_iter().next()),
        Some(_) => set_reply(popped),
    })
}

/// SRANDMEMBER key [count]
fn srandmember(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let count = match a.next_opt() {
        None => None,
        Some(c) => {
            a.finish()?;
            let n = num::parse_i64(c).ok_or_else(RedisError::not_integer)?;
            if n == i64::MIN {
                return Err(RedisError::err(
                    "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                ));
            }
            crate::engine::check_random_repeats(n)?;
            Some(n)
        }
    };
    // The generator is copied out so the set can stay borrowed; its new state is put back.
    let mut rng = ctx.eng.rng.clone();
    let Some(set) = ctx.read_set(key)? else {
        return Ok(match count {
            None => Reply::Nil,
            Some(_) => Reply::empty_array(),
        });
    };
    let reply = srandmember_reply(set, count, &mut rng);
    ctx.eng.rng = rng;
    Ok(reply)
}

/// SRANDMEMBER's reply, drawing from `rng`.
fn srandmember_reply(set: &SetValue, count: Option<i64>, rng: &mut crate::engine::Rng) -> Reply {
    let Some(count) = count else {
        return Reply::opt_bulk(set.random(rng));
    };
    if count == 0 {
        return Reply::empty_array();
    }
    if count < 0 {
        let n = count.unsigned_abs();
        let mut out = Vec::new();
        for _ in 0..n {
            if let Some(m) = set.random(rng) {
                out.push(Reply::Bulk(m));
            }
        }
        return Reply::Array(out);
    }
    let n = count as u64;
    if n >= set.len() as u64 {
        return Reply::bulks(set.members());
    }
    // Partial Fisher-Yates over the members: n distinct picks.
    let mut all = set.members();
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        let j = i + rng.below((all.len() - i) as u64) as usize;
        all.swap(i, j);
        if let Some(m) = all.get(i) {
            out.push(m.clone());
        }
    }
    Reply::bulks(out)
}

/// SMOVE source destination member
fn smove(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst, m) = (a.next()?, a.next()?, a.next()?);
    let src_has = match ctx.write_set(src)? {
        None => {
            // Redis still checks the destination's type only when the source exists.
            return Ok(Reply::Int(0));
        }
        Some(s) => s.contains(m),
    };
    ctx.write_set(dst)?;
    if src == dst {
        return Ok(Reply::Int(i64::from(src_has)));
    }
    if !src_has {
        return Ok(Reply::Int(0));
    }
    if let Some(s) = ctx.write_set(src)? {
        s.remove(m);
    }
    ctx.notify(EventClass::Set, "srem", src);
    drop_if_empty(ctx, src);
    let max = max_intset(ctx);
    let added = match ctx.write_set(dst)? {
        Some(d) => d.add(m, max),
        None => {
            let mut d = SetValue::for_member(m);
            d.add(m, max);
            ctx.set_key(dst, Value::Set(d), false);
            true
        }
    };
    ctx.signal_modified(src);
    ctx.signal_modified(dst);
    ctx.dirty(1);
    if added {
        ctx.dirty(1);
        ctx.notify(EventClass::Set, "sadd", dst);
    }
    Ok(Reply::Int(1))
}

/// Type-checks `keys` as sets (with lazy expiry and access tracking), then lends them all at
/// once to `f` without copying; `None` stands for a missing key.
fn with_sets<R>(ctx: &mut Ctx, keys: &[Vec<u8>], f: impl FnOnce(&[Option<&SetValue>]) -> R) -> Result<R, RedisError> {
    // The *STORE forms look their sources up for writing, as Redis does (no hit/miss counts).
    let access = if ctx.cmd.is_write() { crate::engine::Access::Write } else { crate::engine::Access::Read };
    for k in keys {
        match ctx.lookup(k, access).map(|e| &e.value) {
            None | Some(Value::Set(_)) => {}
            Some(_) => return Err(RedisError::wrong_type()),
        }
    }
    let db: &crate::engine::Db = ctx.db();
    let sets: Vec<Option<&SetValue>> = keys
        .iter()
        .map(|k| match db.peek(k).map(|e| &e.value) {
            Some(Value::Set(s)) => Some(s),
            _ => None,
        })
        .collect();
    Ok(f(&sets))
}

/// The intersection, in Redis's order: the smallest set's iteration order. `None` when a key
/// is missing (after every key was type-checked).
fn intersect(ctx: &mut Ctx, keys: &[Vec<u8>], limit: usize) -> Result<Option<Vec<Vec<u8>>>, RedisError> {
    with_sets(ctx, keys, |sets| {
        let mut sets: Vec<&SetValue> = sets.iter().copied().collect::<Option<_>>()?;
        // A stable sort by size, as Redis's qsort of the set pointers (ties kept in key order
        // here; only ties among hash tables could differ, and their order is unspecified).
        sets.sort_by_key(|s| s.len());
        let Some((first, rest)) = sets.split_first() else {
            return Some(Vec::new());
        };
        let mut out = Vec::new();
        for m in first.members() {
            if limit > 0 && out.len() >= limit {
                break;
            }
            if rest.iter().all(|s| s.contains(&m)) {
                out.push(m);
            }
        }
        Some(out)
    })
}

/// SINTER key [key ...]
fn sinter(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    Ok(set_reply(intersect(ctx, keys, 0)?.unwrap_or_default()))
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
fn sintercard(ctx: &mut Ctx) -> CmdResult {
    let (keys, limit) = numkeys_and_limit(ctx.args())?;
    let n = intersect(ctx, keys, limit)?.map_or(0, |v| v.len());
    Ok(Reply::Int(n as i64))
}

/// Parses `numkeys key... [LIMIT n]` (SINTERCARD, ZINTERCARD) with Redis's errors.
pub fn numkeys_and_limit<'a>(mut a: Args<'a>) -> Result<(&'a [Vec<u8>], usize), RedisError> {
    let nk = num::parse_i64(a.next()?)
        .filter(|n| *n > 0)
        .ok_or_else(|| RedisError::err("numkeys should be greater than 0"))?;
    if nk as u64 > a.remaining() as u64 {
        return Err(RedisError::err("Number of keys can't be greater than number of args"));
    }
    let argv = a.argv();
    let start = a.position();
    let keys = argv.get(start..start + nk as usize).unwrap_or(&[]);
    let mut rest = Args::new(argv, start + nk as usize - 1);
    let mut limit = 0usize;
    while let Some(w) = rest.next_opt() {
        if is(w, "limit") && rest.remaining() >= 1 {
            let l = num::parse_i64(rest.next()?)
                .filter(|n| *n >= 0)
                .ok_or_else(|| RedisError::err("LIMIT can't be negative"))?;
            limit = usize::try_from(l).unwrap_or(usize::MAX);
        } else {
            return Err(RedisError::syntax());
        }
    }
    Ok((keys, limit))
}

fn union_or_diff(sets: &[Option<&SetValue>], diff: bool, max: usize) -> SetValue {
    let mut out = SetValue::Intset(Vec::new());
    if diff {
        let Some(Some(first)) = sets.first() else {
            return out;
        };
        for m in first.members() {
            if !sets.iter().skip(1).flatten().any(|s| s.contains(&m)) {
                out.add(&m, max);
            }
        }
    } else {
        for s in sets.iter().flatten() {
            for m in s.members() {
                out.add(&m, max);
            }
        }
    }
    out
}

/// SUNION key [key ...]
fn sunion(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    let max = max_intset(ctx);
    let out = with_sets(ctx, keys, |sets| union_or_diff(sets, false, max))?;
    Ok(set_reply(out.members()))
}

/// SDIFF key [key ...]
fn sdiff(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    let max = max_intset(ctx);
    let out = with_sets(ctx, keys, |sets| union_or_diff(sets, true, max))?;
    Ok(set_reply(out.members()))
}

/// SINTERSTORE destination key [key ...]
fn sinterstore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let dst = a.next()?;
    let keys = a.rest();
    let max = max_intset(ctx);
    let mut out = SetValue::Intset(Vec::new());
    for m in intersect(ctx, keys, 0)?.unwrap_or_default() {
        out.add(&m, max);
    }
    Ok(Reply::Int(store_set(ctx, dst, out, "sinterstore") as i64))
}

/// SUNIONSTORE destination key [key ...]
fn sunionstore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let dst = a.next()?;
    let keys = a.rest();
    let max = max_intset(ctx);
    let out = with_sets(ctx, keys, |sets| union_or_diff(sets, false, max))?;
    Ok(Reply::Int(store_set(ctx, dst, out, "sunionstore") as i64))
}

/// SDIFFSTORE destination key [key ...]
fn sdiffstore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let dst = a.next()?;
    let keys = a.rest();
    let max = max_intset(ctx);
    let out = with_sets(ctx, keys, |sets| union_or_diff(sets, true, max))?;
    Ok(Reply::Int(store_set(ctx, dst, out, "sdiffstore") as i64))
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
fn sscan(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let cursor = parse_cursor(a.next()?)?;
    let Some(set) = ctx.read_set(key)? else {
        return Ok(scan_reply(0, Vec::new()));
    };
    let opts = parse_scan_opts(a)?;
    let (next, items) = match set {
        SetValue::Intset(_) => (0, set.members()),
        SetValue::Hash(d) => {
            let (c, v) = dict_scan(d, cursor, opts.count);
            (c, v.into_iter().map(|(k, _)| k).collect())
        }
    };
    let items = items
        .into_iter()
        .filter(|m| opts.pattern.as_deref().is_none_or(|p| glob_match(p, m)))
        .map(Reply::Bulk)
        .collect();
    Ok(scan_reply(next, items))
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
            group: Group::Set,
            since: $since,
            syntax: $syntax,
            summary: $summary,
            complexity: $cx,
            handler: $h,
            subcommands: &[],
        }
    };
}

const W_FAST: &[&str] = &["@write", "@set", "@fast"];
const R_FAST: &[&str] = &["@read", "@set", "@fast"];
const R_SLOW: &[&str] = &["@read", "@set", "@slow"];
const W_SLOW: &[&str] = &["@write", "@set", "@slow"];

pub const COMMANDS: &[CommandSpec] = &[
    spec!(
        "sadd",
        -3,
        &["write", "denyoom", "fast"],
        1,
        1,
        W_FAST,
        "1.0.0",
        "key member [member ...]",
        "Adds members to a set, creating it if needed; returns how many were new.",
        "O(1) per member",
        sadd
    ),
    spec!(
        "srem",
        -3,
        &["write", "fast"],
        1,
        1,
        W_FAST,
        "1.0.0",
        "key member [member ...]",
        "Removes members from a set; returns how many were present.",
        "O(N) for N members",
        srem
    ),
    spec!(
        "smembers",
        2,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "1.0.0",
        "key",
        "Lists every member of a set.",
        "O(N) for a set of N members",
        smembers
    ),
    spec!(
        "sismember",
        3,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "1.0.0",
        "key member",
        "Tells whether a value is a member of a set (1 or 0).",
        "O(1)",
        sismember
    ),
    spec!(
        "smismember",
        -3,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "6.2.0",
        "key member [member ...]",
        "Tells, for each value given, whether it is a member of a set.",
        "O(N) for N values",
        smismember
    ),
    spec!(
        "scard",
        2,
        &["readonly", "fast"],
        1,
        1,
        R_FAST,
        "1.0.0",
        "key",
        "Counts the members of a set.",
        "O(1)",
        scard
    ),
    spec!(
        "spop",
        -2,
        &["write", "fast"],
        1,
        1,
        W_FAST,
        "1.0.0",
        "key [count]",
        "Removes and returns one or more random members of a set.",
        "O(1) without count, O(N) for N popped",
        spop
    ),
    spec!(
        "srandmember",
        -2,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "1.0.0",
        "key [count]",
        "Returns random members without removing them; a negative count may repeat members.",
        "O(1) without count, O(|count|) with it",
        srandmember
    ),
    spec!(
        "smove",
        4,
        &["write", "fast"],
        1,
        2,
        W_FAST,
        "1.0.0",
        "source destination member",
        "Moves a member from one set to another.",
        "O(1)",
        smove
    ),
    spec!(
        "sinter",
        -2,
        &["readonly"],
        1,
        -1,
        R_SLOW,
        "1.0.0",
        "key [key ...]",
        "Returns the members common to all given sets.",
        "O(N*M): N the smallest set's size, M the number of sets",
        sinter
    ),
    spec!(
        "sintercard",
        -3,
        &["readonly", "movablekeys"],
        0,
        0,
        R_SLOW,
        "7.0.0",
        "numkeys key [key ...] [LIMIT limit]",
        "Counts the members common to all given sets, stopping early at LIMIT.",
        "O(N*M): N the smallest set's size, M the number of sets",
        sintercard
    ),
    spec!(
        "sunion",
        -2,
        &["readonly"],
        1,
        -1,
        R_SLOW,
        "1.0.0",
        "key [key ...]",
        "Returns the members found in any of the given sets.",
        "O(N) for N members in all sets",
        sunion
    ),
    spec!(
        "sdiff",
        -2,
        &["readonly"],
        1,
        -1,
        R_SLOW,
        "1.0.0",
        "key [key ...]",
        "Returns the members of the first set that are in none of the others.",
        "O(N) for N members in all sets",
        sdiff
    ),
    spec!(
        "sinterstore",
        -3,
        &["write", "denyoom"],
        1,
        -1,
        W_SLOW,
        "1.0.0",
        "destination key [key ...]",
        "Stores the intersection of sets at a destination key; returns its size.",
        "O(N*M): N the smallest set's size, M the number of sets",
        sinterstore
    ),
    spec!(
        "sunionstore",
        -3,
        &["write", "denyoom"],
        1,
        -1,
        W_SLOW,
        "1.0.0",
        "destination key [key ...]",
        "Stores the union of sets at a destination key; returns its size.",
        "O(N) for N members in all sets",
        sunionstore
    ),
    spec!(
        "sdiffstore",
        -3,
        &["write", "denyoom"],
        1,
        -1,
        W_SLOW,
        "1.0.0",
        "destination key [key ...]",
        "Stores the difference of sets at a destination key; returns its size.",
        "O(N) for N members in all sets",
        sdiffstore
    ),
    spec!(
        "sscan",
        -3,
        &["readonly"],
        1,
        1,
        R_SLOW,
        "2.8.0",
        "key cursor [MATCH pattern] [COUNT count]",
        "Iterates over a set's members a few at a time with a cursor.",
        "O(1) per call, O(N) for a full iteration",
        sscan
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, Reply};

    #[test]
    fn intset_stays_sorted_and_converts() {
        let mut s = SetValue::for_member(b"5");
        for m in ["5", "-3", "10", "5"] {
            s.add(m.as_bytes(), 3);
        }
        assert_eq!(s.encoding_name(), "intset");
        assert_eq!(s.members(), vec![b"-3".to_vec(), b"5".to_vec(), b"10".to_vec()]);
        s.add(b"11", 3);
        assert_eq!(s.encoding_name(), "hashtable");
        assert!(s.contains(b"11") && s.contains(b"-3"));
        let mut t = SetValue::for_member(b"1");
        t.add(b"1", 512);
        t.add(b"a", 512);
        assert_eq!(t.encoding_name(), "hashtable");
    }

    #[test]
    fn glob_patterns() {
        assert!(glob_match(b"a*", b"abc"));
        assert!(glob_match(b"a?c", b"abc"));
        assert!(glob_match(b"[a-c]x", b"bx"));
        assert!(!glob_match(b"[^a-c]x", b"bx"));
        assert!(glob_match(b"a\\*", b"a*"));
        assert!(!glob_match(b"a", b"ab"));
        assert!(!glob_match(b"**", b""));
        assert!(glob_match(b"a*b*c", b"aXbYbZc"));
        assert!(!glob_match(b"a*b*c", b"aXbYbZ"));
        assert!(glob_match(b"[abc", b"a"));
        assert!(glob_match(b"x\\", b"x\\"));
        let hostile = b"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b".to_vec();
        assert!(!glob_match(&hostile, &[b'a'; 200]));
    }

    #[test]
    fn commands_and_empty_key_removal() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        let mut run = |l: &str| e.execute_line(c, l).unwrap_or_else(Reply::Error);
        assert_eq!(run("sadd s 3 1 2 1"), Reply::Int(3));
        assert_eq!(
            run("smembers s"),
            Reply::Set(vec![Reply::bulk_str("1"), Reply::bulk_str("2"), Reply::bulk_str("3")])
        );
        assert_eq!(run("srem s 1 2 3"), Reply::Int(3));
        assert_eq!(run("exists s"), Reply::Int(0));
        assert_eq!(run("spop s 3"), Reply::Set(vec![]));
        run("sadd a x y z");
        assert_eq!(run("spop a 5").to_owned_len(), 3);
        assert_eq!(run("exists a"), Reply::Int(0));
    }

    #[test]
    fn events_match_redis_names() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        e.capture_events(true);
        let mut run = |l: &str| e.execute_line(c, l).unwrap_or_else(Reply::Error);
        run("sadd a 1 2");
        run("sadd a 1");
        run("srem a 1");
        run("smove a b 2");
        run("sadd x 1 2");
        run("sinterstore d b x");
        run("sinterstore d b nokey");
        run("spop x");
        let names: Vec<&str> = e.drain_events().iter().map(|ev| ev.event).collect();
        assert_eq!(names, vec!["sadd", "srem", "srem", "del", "sadd", "sadd", "sinterstore", "del", "spop"]);
    }

    #[test]
    fn intset_limit_comes_from_config() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        e.config.set_max_intset_entries = 3;
        let mut run = |l: &str| e.execute_line(c, l).unwrap_or_else(Reply::Error);
        run("sadd s 1 2 3");
        run("sunionstore u s");
        run("sadd s 4");
        let enc = |e: &Engine, k: &str| e.db(0).and_then(|d| d.peek(k.as_bytes())).map(|en| en.value.encoding_name());
        assert_eq!(enc(&e, "s"), Some("hashtable"));
        assert_eq!(enc(&e, "u"), Some("intset"));
    }

    trait Len {
        fn to_owned_len(&self) -> usize;
    }
    impl Len for Reply {
        fn to_owned_len(&self) -> usize {
            match self {
                Reply::Set(v) | Reply::Array(v) => v.len(),
                _ => 0,
            }
        }
    }
}
