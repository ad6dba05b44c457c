//! Hash commands (Redis's t_hash.c): field/value maps with listpack and hashtable encodings.

use crate::engine::dict::Dict;
use crate::engine::events::EventClass;
use crate::engine::keyspace::Value;
use crate::engine::longdouble::LongDouble;
use crate::engine::num::{parse_i64, parse_u64};
use crate::engine::reply::{errors, CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group, Handler};
use crate::engine::{arity_error, Config, Ctx};

// ---- value ----------------------------------------------------------------------------------

/// A hash value in one of Redis's two encodings. The listpack form keeps insertion order (a
/// replaced value stays in place, a deleted field closes its gap), which is the order Redis
/// replies in; the hashtable form has no specified order. Redis 7.0 never converts back.
#[derive(Clone, Debug)]
pub enum HashValue {
    Listpack(Vec<(Vec<u8>, Vec<u8>)>),
    Table(Dict<Vec<u8>, Vec<u8>>),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Listpack(Vec::new())
    }
}

impl PartialEq for HashValue {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.pairs().all(|(f, v)| other.get(f) == Some(v))
    }
}

impl HashValue {
    pub fn new() -> HashValue {
        HashValue::default()
    }
    pub fn len(&self) -> usize {
        match self {
            HashValue::Listpack(v) => v.len(),
            HashValue::Table(d) => d.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn encoding_name(&self) -> &'static str {
        match self {
            HashValue::Listpack(_) => "listpack",
            HashValue::Table(_) => "hashtable",
        }
    }
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            HashValue::Listpack(v) => v.iter().find(|(f, _)| f.as_slice() == field).map(|(_, v)| v.as_slice()),
            HashValue::Table(d) => d.get(field).map(Vec::as_slice),
        }
    }
    /// Field/value pairs in reply order.
    pub fn pairs(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match self {
            HashValue::Listpack(v) => Box::new(v.iter().map(|(f, v)| (f.as_slice(), v.as_slice()))),
            HashValue::Table(d) => Box::new(d.iter().map(|(f, v)| (f.as_slice(), v.as_slice()))),
        }
    }
    /// Switches to the hashtable encoding (Redis's `hashTypeConvert`).
    pub fn convert_to_table(&mut self) {
        if let HashValue::Listpack(v) = self {
            let mut d = Dict::new();
            for (f, val) in v.drain(..) {
                d.insert(f, val);
            }
            *self = HashValue::Table(d);
        }
    }
    /// Converts before a write whose arguments are too long for a listpack
    /// (`hashTypeTryConversion`): any string longer than hash-max-listpack-value.
    pub fn prepare_for<'a>(&mut self, args: impl IntoIterator<Item = &'a [u8]>, cfg: &Config) {
        if matches!(self, HashValue::Listpack(_)) && args.into_iter().any(|a| a.len() > cfg.hash_max_listpack_value) {
            self.convert_to_table();
        }
    }
    /// Sets a field; true if it is new. Converts to a hashtable when the field or value is too
    /// long, or when the entry count passes hash-max-listpack-entries.
    pub fn set(&mut self, field: Vec<u8>, value: Vec<u8>, cfg: &Config) -> bool {
        self.prepare_for([field.as_slice(), value.as_slice()], cfg);
        let new = match self {
            HashValue::Listpack(v) => match v.iter_mut().find(|(f, _)| *f == field) {
                Some(slot) => {
                    slot.1 = value;
                    false
                }
                None => {
                    v.push((field, value));
                    true
                }
            },
            HashValue::Table(d) => d.insert(field, value).is_none(),
        };
        if self.len() > cfg.hash_max_listpack_entries {
            self.convert_to_table();
        }
        new
    }
    /// Deletes a field; true if it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            HashValue::Listpack(v) => match v.iter().position(|(f, _)| f.as_slice() == field) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            HashValue::Table(d) => d.remove(field).is_some(),
        }
    }
}

/// Parses a SCAN cursor the way C's `strtoul` reads it in Redis 7.0: an optional sign (a
/// negative value wraps around), digits, nothing after them and no leading space. An empty
/// string is cursor 0.
fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let (neg, digits) = match arg.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, arg),
    };
    if digits.is_empty() {
        // strtoul parsed nothing: the end pointer is the string start, valid only if empty.
        return if arg.is_empty() { Some(0) } else { None };
    }
    let v = parse_u64(digits)?;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// Formats HINCRBYFLOAT's result.
// ---- handlers -------------------------------------------------------------------------------

/// Sets field/value pairs on the hash at `key`, creating it; returns how many fields were new.
fn set_pairs(ctx: &mut Ctx, key: &[u8], pairs: &[Vec<u8>]) -> Result<i64, RedisError> {
    let cfg = ctx.eng.config.clone();
    let mut created = 0;
    let fill = |h: &mut HashValue| {
        let mut n = 0;
        h.prepare_for(pairs.iter().map(Vec::as_slice), &cfg);
        for fv in pairs.chunks(2) {
            if let [f, v] = fv {
                if h.set(f.clone(), v.clone(), &cfg) {
                    n += 1;
                }
            }
        }
        n
    };
    match ctx.write_hash(key)? {
        Some(h) => created += fill(h),
        None => {
            let mut h = HashValue::new();
            created += fill(&mut h);
            ctx.set_key(key, Value::Hash(h), false);
        }
    }
    Ok(created)
}

fn hset_generic(ctx: &mut Ctx, reply_ok: bool) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let pairs = a.rest();
    if !pairs.len().is_multiple_of(2) {
        return Err(arity_error(ctx.cmd.name));
    }
    let created = set_pairs(ctx, key, pairs)?;
    ctx.signal_modified(key);
    ctx.notify(EventClass::Hash, "hset", key);
    ctx.dirty((pairs.len() / 2) as u64);
    Ok(if reply_ok { Reply::ok() } else { Reply::Int(created) })
}

/// HSET key field value [field value ...]
fn hset(ctx: &mut Ctx) -> CmdResult {
    hset_generic(ctx, false)
}

/// HMSET key field value [field value ...]
fn hmset(ctx: &mut Ctx) -> CmdResult {
    hset_generic(ctx, true)
}

/// HSETNX key field value
fn hsetnx(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let field = a.next()?;
    let value = a.next()?;
    if let Some(h) = ctx.write_hash(key)? {
        if h.get(field).is_some() {
            return Ok(Reply::Int(0));
        }
    }
    set_pairs(ctx, key, &[field.to_vec(), value.to_vec()])?;
    ctx.signal_modified(key);
    ctx.notify(EventClass::Hash, "hset", key);
    ctx.dirty(1);
    Ok(Reply::Int(1))
}

/// HGET key field
fn hget(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let field = a.next()?;
    Ok(Reply::opt_bulk(ctx.read_hash(key)?.and_then(|h| h.get(field)).map(<[u8]>::to_vec)))
}

/// HMGET key field [field ...]
fn hmget(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let fields = a.rest();
    let h = ctx.read_hash(key)?;
    Ok(Reply::Array(fields.iter().map(|f| Reply::opt_bulk(h.and_then(|h| h.get(f)).map(<[u8]>::to_vec))).collect()))
}

/// HDEL key field [field ...]
fn hdel(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let fields = a.rest();
    let Some(h) = ctx.write_hash(key)? else {
        return Ok(Reply::Int(0));
    };
    let mut deleted = 0;
    for f in fields {
        if h.remove(f) {
            deleted += 1;
        }
    }
    let emptied = h.is_empty();
    if deleted > 0 {
        if emptied {
            ctx.delete_key(key);
        }
        ctx.signal_modified(key);
        ctx.notify(EventClass::Hash, "hdel", key);
        if emptied {
            ctx.notify(EventClass::Generic, "del", key);
        }
        ctx.dirty(deleted as u64);
    }
    Ok(Reply::Int(deleted))
}

/// HLEN key
fn hlen(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(Reply::Int(ctx.read_hash(key)?.map(|h| h.len() as i64).unwrap_or(0)))
}

/// HSTRLEN key field
fn hstrlen(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let field = a.next()?;
    Ok(Reply::Int(ctx.read_hash(key)?.and_then(|h| h.get(field)).map(|v| v.len() as i64).unwrap_or(0)))
}

/// HEXISTS key field
fn hexists(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let field = a.next()?;
    Ok(Reply::Int(i64::from(ctx.read_hash(key)?.is_some_and(|h| h.get(field).is_some()))))
}

/// HKEYS key
fn hkeys(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(match ctx.read_hash(key)? {
        Some(h) => Reply::bulks(h.pairs().map(|(f, _)| f.to_vec())),
        None => Reply::empty_array(),
    })
}

/// HVALS key
fn hvals(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(match ctx.read_hash(key)? {
        Some(h) => Reply::bulks(h.pairs().map(|(_, v)| v.to_vec())),
        None => Reply::empty_array(),
    })
}

/// HGETALL key (a map in RESP3)
fn hgetall(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(match ctx.read_hash(key)? {
        Some(h) => Reply::Map(h.pairs().map(|(f, v)| (Reply::bulk(f.to_vec()), Reply::bulk(v.to_vec()))).collect()),
        None => Reply::Map(Vec::new()),
    })
}

/// Stores a computed field value and announces it with `event`.
fn store_field(ctx: &mut Ctx, key: &[u8], field: &[u8], value: Vec<u8>, event: &'static str) -> Result<(), RedisError> {
    let cfg = ctx.eng.config.clone();
    match ctx.write_hash(key)? {
        Some(h) => {
            h.set(field.to_vec(), value, &cfg);
        }
        None => {
            let mut h = HashValue::new();
            h.set(field.to_vec(), value, &cfg);
            ctx.set_key(key, Value::Hash(h), false);
        }
    }
    ctx.signal_modified(key);
    ctx.notify(EventClass::Hash, event, key);
    ctx.dirty(1);
    Ok(())
}

/// HINCRBY key field increment
fn hincrby(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let field = a.next()?;
    let incr = parse_i64(a.next()?).ok_or_else(RedisError::not_integer)?;
    let current = match ctx.write_hash(key)?.and_then(|h| h.get(field)) {
        Some(v) => parse_i64(v).ok_or_else(|| RedisError::err("hash value is not an integer"))?,
        None => 0,
    };
    let new = current.checked_add(incr).ok_or_else(|| RedisError::raw(errors::OVERFLOW))?;
    store_field(ctx, key, field, new.to_string().into_bytes(), "hincrby")?;
    Ok(Reply::Int(new))
}

/// HINCRBYFLOAT key field increment
fn hincrbyfloat(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let field = a.next()?;
    // Computed in 80-bit long double and printed with `%.17Lf`, like Redis.
    let incr = LongDouble::parse_redis(a.next()?).ok_or_else(RedisError::not_float)?;
    if !incr.is_finite() {
        return Err(RedisError::err("value is NaN or Infinity"));
    }
    let current = match ctx.write_hash(key)?.and_then(|h| h.get(field)) {
        Some(v) => LongDouble::parse_redis(v).ok_or_else(|| RedisError::err("hash value is not a float"))?,
        None => LongDouble::ZERO,
    };
    let new = current + incr;
    if !new.is_finite() {
        return Err(RedisError::raw(errors::NAN_OR_INF));
    }
    let text = new.to_human().into_bytes();
    store_field(ctx, key, field, text.clone(), "hincrbyfloat")?;
    Ok(Reply::Bulk(text))
}

/// HRANDFIELD key [count [WITHVALUES]]
fn hrandfield(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let Some(raw_count) = a.next_opt() else {
        let Some(h) = ctx.read_hash(key)? else {
            return Ok(Reply::Nil);
        };
        let pairs: Vec<Vec<u8>> = h.pairs().map(|(f, _)| f.to_vec()).collect();
        let i = ctx.eng.rng.below(pairs.len() as u64) as usize;
        return Ok(Reply::opt_bulk(pairs.get(i).cloned()));
    };
    let count = match parse_i64(raw_count) {
        Some(n) if n > i64::MIN => n,
        Some(_) => {
            return Err(RedisError::err(
                "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ))
        }
        None => return Err(RedisError::not_integer()),
    };
    let withvalues = match a.next_opt() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case(b"withvalues") && a.is_empty() => true,
        Some(_) => return Err(RedisError::syntax()),
    };
    if withvalues && count < -(i64::MAX / 2) {
        return Err(RedisError::err("value is out of range"));
    }
    let resp3 = ctx.eng.client_protocol(ctx.client) > 2;
    let Some(h) = ctx.read_hash(key)? else {
        return Ok(Reply::empty_array());
    };
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = h.pairs().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
    crate::engine::check_random_repeats(count)?;
    let chosen: Vec<usize> = if count == 0 {
        Vec::new()
    } else if count < 0 {
        let n = count.unsigned_abs();
        (0..n).map(|_| ctx.eng.rng.below(pairs.len() as u64) as usize).collect()
    } else if count as u64 >= pairs.len() as u64 {
        (0..pairs.len()).collect()
    } else {
        // A random subset without repeats, reported in the hash's own order.
        let mut idx: Vec<usize> = (0..pairs.len()).collect();
        let want = count as usize;
        for i in 0..want {
            let j = i + ctx.eng.rng.below((idx.len() - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(want);
        idx.sort_unstable();
        idx
    };
    let mut out = Vec::new();
    for i in chosen {
        let Some((f, v)) = pairs.get(i) else { continue };
        if withvalues && resp3 {
            out.push(Reply::Array(vec![Reply::bulk(f.clone()), Reply::bulk(v.clone())]));
        } else {
            out.push(Reply::bulk(f.clone()));
            if withvalues {
                out.push(Reply::bulk(v.clone()));
            }
        }
    }
    Ok(Reply::Array(out))
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
fn hscan(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let cursor = parse_cursor(a.next()?).ok_or_else(|| RedisError::err("invalid cursor"))?;
    let opts = a.rest();
    let empty = || Reply::Array(vec![Reply::bulk_str("0"), Reply::empty_array()]);
    if ctx.read_hash(key)?.is_none() {
        return Ok(empty());
    }
    let mut count: i64 = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 0;
    while i < opts.len() {
        let more = opts.len() - i >= 2;
        let opt = &opts[i];
        if more && opt.eq_ignore_ascii_case(b"count") {
            count = parse_i64(&opts[i + 1]).ok_or_else(RedisError::not_integer)?;
            if count < 1 {
                return Err(RedisError::syntax());
            }
        } else if more && opt.eq_ignore_ascii_case(b"match") {
            let p = opts[i + 1].as_slice();
            pattern = if p == b"*" { None } else { Some(p) };
        } else {
            return Err(RedisError::syntax());
        }
        i += 2;
    }
    let Some(h) = ctx.read_hash(key)? else {
        return Ok(empty());
    };
    let mut found: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let next = match h {
        // A compact encoding is returned whole in one call, with cursor 0.
        HashValue::Listpack(v) => {
            found.extend(v.iter().cloned());
            0
        }
        HashValue::Table(d) => {
            let mut c = cursor;
            let mut budget = count.saturating_mul(10);
            loop {
                c = d.scan_step(c, |f, v| found.push((f.clone(), v.clone())));
                budget -= 1;
                // Redis counts fields and values in its batch, hence the factor 2.
                if c == 0 || budget <= 0 || (found.len() as i64) * 2 >= count {
                    break;
                }
            }
            c
        }
    };
    let mut items = Vec::new();
    for (f, v) in found {
        if pattern.is_none_or(|p| crate::engine::glob::matches(p, &f, false)) {
            items.push(Reply::Bulk(f));
            items.push(Reply::Bulk(v));
        }
    }
    Ok(Reply::Array(vec![Reply::bulk(next.to_string().into_bytes()), Reply::Array(items)]))
}

// ---- table ----------------------------------------------------------------------------------

/// A hash-group table entry; the arguments follow `CommandSpec`'s field order.
#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    arity: i32,
    flags: &'static [&'static str],
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
        first_key: 1,
        last_key: 1,
        step: 1,
        acl,
        group: Group::Hash,
        since,
        syntax,
        summary,
        complexity,
        handler,
        subcommands: &[],
    }
}

const W_FAST: &[&str] = &["@write", "@hash", "@fast"];
const R_FAST: &[&str] = &["@read", "@hash", "@fast"];
const R_SLOW: &[&str] = &["@read", "@hash", "@slow"];
const WDF: &[&str] = &["write", "denyoom", "fast"];
const RF: &[&str] = &["readonly", "fast"];
const RO: &[&str] = &["readonly"];

pub const COMMANDS: &[CommandSpec] = &[
    spec("hset", -4, WDF, W_FAST, "2.0.0", "key field value [field value ...]",
        "Sets one or more fields of a hash, creating it if needed; returns how many fields were added.",
        "O(1) per field/value pair", hset),
    spec("hsetnx", 4, WDF, W_FAST, "2.0.0", "key field value",
        "Sets a field of a hash only when that field does not exist yet.", "O(1)", hsetnx),
    spec("hget", 3, RF, R_FAST, "2.0.0", "key field",
        "Returns the value of one field of a hash, or nil.", "O(1)", hget),
    spec("hmset", -4, WDF, W_FAST, "2.0.0", "key field value [field value ...]",
        "Sets several fields of a hash and replies OK (superseded by HSET).",
        "O(N) where N is the number of fields being set", hmset),
    spec("hmget", -3, RF, R_FAST, "2.0.0", "key field [field ...]",
        "Returns the values of several fields of a hash, nil for the missing ones.",
        "O(N) where N is the number of fields requested", hmget),
    spec("hgetall", 2, RO, R_SLOW, "2.0.0", "key",
        "Returns every field and value of a hash.", "O(N) where N is the size of the hash", hgetall),
    spec("hdel", -3, &["write", "fast"], W_FAST, "2.0.0", "key field [field ...]",
        "Deletes fields from a hash (and the key once empty); returns how many were removed.",
        "O(N) where N is the number of fields to be removed", hdel),
    spec("hexists", 3, RF, R_FAST, "2.0.0", "key field",
        "Tells whether a field exists in a hash (1) or not (0).", "O(1)", hexists),
    spec("hlen", 2, RF, R_FAST, "2.0.0", "key",
        "Returns how many fields a hash holds.", "O(1)", hlen),
    spec("hstrlen", 3, RF, R_FAST, "3.2.0", "key field",
        "Returns the length in bytes of a field's value (0 when missing).", "O(1)", hstrlen),
    spec("hkeys", 2, RO, R_SLOW, "2.0.0", "key",
        "Returns every field name of a hash.", "O(N) where N is the size of the hash", hkeys),
    spec("hvals", 2, RO, R_SLOW, "2.0.0", "key",
        "Returns every value of a hash.", "O(N) where N is the size of the hash", hvals),
    spec("hincrby", 4, WDF, W_FAST, "2.0.0", "key field increment",
        "Adds an integer to a field of a hash (missing fields count as 0); returns the result.",
        "O(1)", hincrby),
    spec("hincrbyfloat", 4, WDF, W_FAST, "2.6.0", "key field increment",
        "Adds a floating point number to a field of a hash; returns the result as a string.",
        "O(1)", hincrbyfloat),
    spec("hrandfield", -2, RO, R_SLOW, "6.2.0", "key [count [WITHVALUES]]",
        "Returns random fields of a hash: distinct ones for a positive count, possibly repeated ones for a negative count.",
        "O(N) where N is the number of fields returned", hrandfield),
    spec("hscan", -3, RO, R_SLOW, "2.8.0", "key cursor [MATCH pattern] [COUNT count]",
        "Walks the fields and values of a hash incrementally with a cursor.",
        "O(1) for every call. O(N) for a complete iteration", hscan),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;

    use crate::engine::test_run as run;

    #[test]
    fn encodings_convert_like_redis() {
        let cfg = Config::default();
        let mut h = HashValue::new();
        for i in 0..cfg.hash_max_listpack_entries {
            h.set(format!("f{i}").into_bytes(), b"v".to_vec(), &cfg);
        }
        assert_eq!(h.encoding_name(), "listpack");
        h.set(b"one-more".to_vec(), b"v".to_vec(), &cfg);
        assert_eq!(h.encoding_name(), "hashtable");
        let mut h = HashValue::new();
        h.set(b"f".to_vec(), vec![b'x'; 64], &cfg);
        assert_eq!(h.encoding_name(), "listpack");
        h.set(b"g".to_vec(), vec![b'x'; 65], &cfg);
        assert_eq!(h.encoding_name(), "hashtable");
        h.remove(b"g");
        assert_eq!(h.encoding_name(), "hashtable");
    }

    #[test]
    fn listpack_keeps_insertion_order() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "hset h b 1 a 2 c 3");
        run(&mut e, c, "hset h a 9");
        run(&mut e, c, "hdel h b");
        assert_eq!(run(&mut e, c, "hkeys h"), Reply::bulks([b"a".to_vec(), b"c".to_vec()]));
        assert_eq!(run(&mut e, c, "hincrby h a 1"), Reply::Int(10));
        assert_eq!(run(&mut e, c, "hincrbyfloat h a 1.5"), Reply::bulk_str("11.5"));
    }

    #[test]
    fn hscan_walks_a_hashtable() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        for i in 0..300 {
            run(&mut e, c, &format!("hset h f{i} {i}"));
        }
        let mut cursor = "0".to_string();
        let mut seen = std::collections::HashSet::new();
        loop {
            let Reply::Array(parts) = run(&mut e, c, &format!("hscan h {cursor} count 20")) else {
                panic!("bad reply");
            };
            let (Some(Reply::Bulk(cur)), Some(Reply::Array(items))) = (parts.first(), parts.get(1)) else {
                panic!("bad reply");
            };
            for pair in items.chunks(2) {
                seen.insert(format!("{:?}", pair[0]));
            }
            cursor = String::from_utf8_lossy(cur).into_owned();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 300);
    }

    #[test]
    fn resp3_shapes() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        e.client_mut(c).resp = 3;
        run(&mut e, c, "hset h a 1");
        assert_eq!(run(&mut e, c, "hgetall h"), Reply::Map(vec![(Reply::bulk_str("a"), Reply::bulk_str("1"))]));
        assert_eq!(
            run(&mut e, c, "hrandfield h 5 withvalues"),
            Reply::Array(vec![Reply::Array(vec![Reply::bulk_str("a"), Reply::bulk_str("1")])])
        );
    }

    #[test]
    fn events_dirty_and_deletion() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        e.capture_events(true);
        run(&mut e, c, "hset h a 1 b 2");
        run(&mut e, c, "hincrby h a 1");
        run(&mut e, c, "hincrbyfloat h b 0.5");
        run(&mut e, c, "hdel h a b");
        let ev: Vec<_> = e.drain_events().into_iter().map(|k| k.event).collect();
        assert_eq!(ev, vec!["hset", "hincrby", "hincrbyfloat", "hdel", "del"]);
        assert_eq!(e.stats.dirty, 6);
        assert_eq!(e.db(0).map(|d| d.len()), Some(0));
    }

    #[test]
    fn hincr_errors() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "hset h s x big 9223372036854775807");
        assert_eq!(run(&mut e, c, "hincrby h s 1"), Reply::Error("ERR hash value is not an integer".into()));
        assert_eq!(run(&mut e, c, "hincrby h big 1"), Reply::Error("ERR increment or decrement would overflow".into()));
        assert_eq!(run(&mut e, c, "hincrbyfloat h s 1"), Reply::Error("ERR hash value is not a float".into()));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(run(&mut e, c, "hset h f 10.5"), Reply::Int(1));
        assert_eq!(run(&mut e, c, "hincrbyfloat h f 0.1"), Reply::bulk_str("10.6"));
        assert_eq!(run(&mut e, c, "hincrbyfloat h f inf"), Reply::Error("ERR value is NaN or Infinity".into()));
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b" 1"), None);
    }
}
