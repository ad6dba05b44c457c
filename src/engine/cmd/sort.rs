//! SORT and SORT_RO (Redis's sort.c): sorting a list, set or sorted set, optionally by
//! external keys (`BY pattern`), fetching external values (`GET pattern`) and storing the
//! result as a list.
//!
//! What decides byte-exact replies, as Redis 7.0 does it:
//! - Numeric sorting reads every weight with C's `strtod` (leading blanks allowed, hex floats,
//!   `inf`; trailing garbage, NaN or an out-of-range value is "One or more scores can't be
//!   converted into double"; an empty string is 0). A missing weight counts as 0. Equal weights
//!   fall back to comparing the elements byte by byte.
//! - ALPHA compares with `strcoll` in Redis's locale (C.UTF-8: plain byte order) on C strings,
//!   so bytes after a NUL are ignored, except with STORE, which compares binary-safe. A
//!   missing BY weight sorts first.
//! - The full sort is a stable merge sort (glibc's `qsort`); with BY and a LIMIT that narrows
//!   the range Redis switches to its partial quicksort (`pqsort`, Bentley–McIlroy), which
//!   is not stable, so [`partial_sort`] reproduces that algorithm step by step.
//! - `BY` without `*` means "don't sort": lists and sorted sets keep their own order (reversed
//!   by DESC) and sets their iteration order, except that a set with STORE is sorted ALPHA so
//!   that the stored result is deterministic.
//! - Sorting a sorted set converts it to the skiplist encoding for good.
//!
//! Not reproduced: Redis 7.0 does not clear `errno` before its `strtod`, so after one weight
//! out of range (ERANGE), later SORTs of non-integer weights keep failing until some other
//! command happens to reset `errno` (ZADD's score parsing does). Here every SORT starts clean.

use std::cmp::Ordering;

use crate::engine::args::is;
use crate::engine::events::EventClass;
use crate::engine::keyspace::{Access, Value};
use crate::engine::num;
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::Ctx;

use super::list::{End, ListValue};

/// The error of a weight that is not a double.
const NOT_DOUBLE: &str = "One or more scores can't be converted into double";

// ---- weights ---------------------------------------------------------------------------------

/// The bytes before the first NUL: what C string functions see of a binary-safe value.
fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(i) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// C's `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A weight as SORT reads it: `strtod` must consume the whole C string without a range error
/// and not produce NaN. `None` is the conversion error.
pub fn sort_weight(raw: &[u8]) -> Option<f64> {
    let s = c_str(raw);
    if s.is_empty() {
        // strtod converts nothing and leaves the end pointer on the terminating NUL.
        return Some(0.0);
    }
    let mut i = 0;
    while s.get(i).is_some_and(|&b| is_c_space(b)) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let rest = s.get(i..).unwrap_or(&[]);
    let starts = |word: &str| rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word.as_bytes());
    let v = if starts("infinity") || starts("inf") {
        let len = if starts("infinity") { 8 } else { 3 };
        if rest.len() != len {
            return None;
        }
        f64::INFINITY
    } else if starts("nan") {
        // NaN (with or without its parenthesised payload) is always refused.
        return None;
    } else if (starts("0x") || starts("0X")) && hex_follows(rest.get(2..).unwrap_or(&[])) {
        hex_weight(rest.get(2..).unwrap_or(&[]))?
    } else {
        decimal_weight(rest)?
    };
    Some(if neg { -v } else { v })
}

/// True when hexadecimal digits follow `0x` (else strtod reads just the `0`).
fn hex_follows(s: &[u8]) -> bool {
    match s.first() {
        Some(b) if b.is_ascii_hexdigit() => true,
        Some(b'.') => s.get(1).is_some_and(u8::is_ascii_hexdigit),
        _ => false,
    }
}

/// Reads an optional exponent (`e`/`p` already consumed by the caller's check): sign and
/// digits; returns the exponent and how many bytes it took, or `None` when no digit follows
/// (strtod then stops before the exponent letter).
fn exponent(s: &[u8]) -> Option<(i64, usize)> {
    let mut i = 0;
    let neg = match s.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut e: i64 = 0;
    while let Some(&d) = s.get(i).filter(|b| b.is_ascii_digit()) {
        e = e.saturating_mul(10).saturating_add(i64::from(d - b'0')).min(1 << 40);
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if neg { -e } else { e }, i))
}

/// A decimal number that must fill `s` entirely; `None` for garbage or a range error.
fn decimal_weight(s: &[u8]) -> Option<f64> {
    let mut i = 0;
    let int_start = i;
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_part = s.get(int_start..i).unwrap_or(&[]);
    let mut frac_part: &[u8] = &[];
    if s.get(i) == Some(&b'.') {
        let f = i + 1;
        let mut j = f;
        while s.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if int_part.is_empty() && j == f {
            return None;
        }
        frac_part = s.get(f..j).unwrap_or(&[]);
        i = j;
    } else if int_part.is_empty() {
        return None;
    }
    let mut exp = 0;
    if matches!(s.get(i), Some(b'e' | b'E')) {
        if let Some((e, len)) = exponent(s.get(i + 1..).unwrap_or(&[])) {
            exp = e;
            i += 1 + len;
        }
    }
    if i != s.len() {
        return None;
    }
    let text = format!(
        "{}.{}e{}",
        if int_part.is_empty() { "0" } else { std::str::from_utf8(int_part).ok()? },
        if frac_part.is_empty() { "0" } else { std::str::from_utf8(frac_part).ok()? },
        exp
    );
    let v: f64 = text.parse().ok()?;
    let nonzero = int_part.iter().chain(frac_part).any(|&d| d != b'0');
    // ERANGE: overflow, underflow to zero, or a (practically always inexact) subnormal.
    if v.is_infinite() || (nonzero && v.abs() < f64::MIN_POSITIVE) {
        return None;
    }
    Some(v)
}

/// The digits after `0x` (C99 hexadecimal float) that must fill `s` entirely.
fn hex_weight(s: &[u8]) -> Option<f64> {
    let mut i = 0;
    let mut v = 0f64;
    let mut nonzero = false;
    while let Some(d) = s.get(i).and_then(|&b| (b as char).to_digit(16)) {
        v = v * 16.0 + f64::from(d);
        nonzero |= d != 0;
        i += 1;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        let mut scale = 1.0 / 16.0;
        while let Some(d) = s.get(i).and_then(|&b| (b as char).to_digit(16)) {
            v += f64::from(d) * scale;
            scale /= 16.0;
            nonzero |= d != 0;
            i += 1;
        }
    }
    let mut exp = 0;
    if matches!(s.get(i), Some(b'p' | b'P')) {
        if let Some((e, len)) = exponent(s.get(i + 1..).unwrap_or(&[])) {
            exp = e;
            i += 1 + len;
        }
    }
    if i != s.len() {
        return None;
    }
    // Scale in steps so that huge mantissas with negative exponents stay representable.
    let mut e = exp.clamp(-5000, 5000) as i32;
    while e != 0 {
        let step = e.clamp(-1000, 1000);
        v *= 2f64.powi(step);
        e -= step;
    }
    // ERANGE on overflow or underflow to zero (exact subnormals are accepted, as glibc does).
    if v.is_infinite() || (nonzero && v == 0.0) {
        return None;
    }
    Some(v)
}

// ---- patterns --------------------------------------------------------------------------------

/// The key (and hash field) a BY/GET pattern names for one element, as Redis's
/// `lookupKeyByPattern` builds it; `None` when the pattern has no `*`.
fn pattern_target(pattern: &[u8], subst: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    // Redis searches the pattern as a C string but copies its parts binary-safe.
    let cs = c_str(pattern);
    let star = cs.iter().position(|&b| b == b'*')?;
    let after = cs.get(star + 1..).unwrap_or(&[]);
    let arrow = after.windows(2).position(|w| w == b"->").map(|p| p + star + 1).filter(|&f| f + 2 < cs.len());
    let (key_end, field) = match arrow {
        Some(f) => (f, Some(pattern.get(f + 2..).unwrap_or(&[]).to_vec())),
        None => (pattern.len(), None),
    };
    let mut key = Vec::with_capacity(pattern.len() + subst.len());
    key.extend_from_slice(pattern.get(..star).unwrap_or(&[]));
    key.extend_from_slice(subst);
    key.extend_from_slice(pattern.get(star + 1..key_end).unwrap_or(&[]));
    Some((key, field))
}

/// True for the pattern `#` (the element itself); Redis tests it as a C string.
fn is_hash_pattern(pattern: &[u8]) -> bool {
    c_str(pattern) == b"#" && pattern.first() == Some(&b'#')
}

/// The value a BY/GET pattern points at for `elem`: a string key, a hash field, or the
/// element itself for `#`; `None` when missing or of another type.
fn lookup_by_pattern(ctx: &mut Ctx, pattern: &[u8], elem: &[u8]) -> Option<Vec<u8>> {
    if is_hash_pattern(pattern) {
        return Some(elem.to_vec());
    }
    let (key, field) = pattern_target(pattern, elem)?;
    let entry = ctx.lookup(&key, Access::Read)?;
    match (&entry.value, field) {
        (Value::Hash(h), Some(f)) => h.get(&f).map(<[u8]>::to_vec),
        (Value::Str(s), None) => Some(s.bytes.clone()),
        _ => None,
    }
}

// ---- sorting ---------------------------------------------------------------------------------

/// One element to sort, with its numeric weight or its BY value for ALPHA.
#[derive(Clone, Debug)]
struct Item {
    obj: Vec<u8>,
    score: f64,
    by: Option<Vec<u8>>,
}

/// How two items compare (Redis's `sortCompare`).
#[derive(Clone, Copy, Debug)]
struct Order {
    alpha: bool,
    by_pattern: bool,
    /// With STORE Redis compares binary-safe instead of with `strcoll`.
    store: bool,
    desc: bool,
}

impl Order {
    fn compare(&self, a: &Item, b: &Item) -> Ordering {
        let text = |x: &[u8], y: &[u8]| if self.store { x.cmp(y) } else { c_str(x).cmp(c_str(y)) };
        let ord = if !self.alpha {
            if a.score > b.score {
                Ordering::Greater
            } else if a.score < b.score {
                Ordering::Less
            } else {
                a.obj.cmp(&b.obj)
            }
        } else if self.by_pattern {
            match (&a.by, &b.by) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(x), Some(y)) => text(x, y),
            }
        } else {
            text(&a.obj, &b.obj)
        };
        if self.desc {
            ord.reverse()
        } else {
            ord
        }
    }
}

/// Redis's `pqsort`: Bentley–McIlroy quicksort that only recurses into the parts overlapping
/// positions `lo..=hi` (which may be empty or out of bounds). Not stable, so ties come out in
/// the order this exact sequence of swaps leaves them.
fn partial_sort<T>(v: &mut [T], lo: i64, hi: i64, cmp: &dyn Fn(&T, &T) -> Ordering) {
    let c = |v: &[T], x: usize, y: usize| match (v.get(x), v.get(y)) {
        (Some(p), Some(q)) => cmp(p, q),
        _ => Ordering::Equal,
    };
    let insertion = |v: &mut [T], a: usize, n: usize| {
        for m in a + 1..a + n {
            let mut l = m;
            while l > a && c(v, l - 1, l) == Ordering::Greater {
                v.swap(l, l - 1);
                l -= 1;
            }
        }
    };
    let med3 = |v: &[T], a: usize, b: usize, d: usize| {
        if c(v, a, b) == Ordering::Less {
            if c(v, b, d) == Ordering::Less {
                b
            } else if c(v, a, d) == Ordering::Less {
                d
            } else {
                a
            }
        } else if c(v, b, d) == Ordering::Greater {
            b
        } else if c(v, a, d) == Ordering::Less {
            a
        } else {
            d
        }
    };
    // Whether the block a..a+n (n > 0) overlaps the wanted range.
    let wanted = |a: usize, n: usize| {
        let (first, last) = (a as i64, (a + n) as i64 - 1);
        !((lo < first && hi < first) || (lo > last && hi > last))
    };
    let mut stack = vec![(0usize, v.len())];
    while let Some((mut a, mut n)) = stack.pop() {
        loop {
            if n < 7 {
                insertion(v, a, n);
                break;
            }
            let mut pm = a + n / 2;
            if n > 7 {
                let mut pl = a;
                let mut pn = a + n - 1;
                if n > 40 {
                    let d = n / 8;
                    pl = med3(v, pl, pl + d, pl + 2 * d);
                    pm = med3(v, pm - d, pm, pm + d);
                    pn = med3(v, pn - 2 * d, pn - d, pn);
                }
                pm = med3(v, pl, pm, pn);
            }
            v.swap(a, pm);
            let (mut pa, mut pb) = (a + 1, a + 1);
            let (mut pc, mut pd) = (a + n - 1, a + n - 1);
            let mut swapped = false;
            loop {
                while pb <= pc {
                    let r = c(v, pb, a);
                    if r == Ordering::Greater {
                        break;
                    }
                    if r == Ordering::Equal {
                        swapped = true;
                        v.swap(pa, pb);
                        pa += 1;
                    }
                    pb += 1;
                }
                while pb <= pc {
                    let r = c(v, pc, a);
                    if r == Ordering::Less {
                        break;
                    }
                    if r == Ordering::Equal {
                        swapped = true;
                        v.swap(pc, pd);
                        pd -= 1;
                    }
                    pc -= 1;
                }
                if pb > pc {
                    break;
                }
                v.swap(pb, pc);
                swapped = true;
                pb += 1;
                pc -= 1;
            }
            if !swapped {
                insertion(v, a, n);
                break;
            }
            let pn = a + n;
            let r = (pa - a).min(pb - pa);
            for i in 0..r {
                v.swap(a + i, pb - r + i);
            }
            let r = (pd - pc).min(pn - pd - 1);
            for i in 0..r {
                v.swap(pb + i, pn - r + i);
            }
            let left = pb - pa;
            if left > 1 && wanted(a, left) {
                stack.push((a, left));
            }
            let right = pd - pc;
            if right > 1 && wanted(pn - right, right) {
                a = pn - right;
                n = right;
                continue;
            }
            break;
        }
    }
}

// ---- the command -----------------------------------------------------------------------------

/// SORT's options, parsed in Redis's order (errors come from the first bad option).
struct Opts {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<Vec<u8>>,
    by: Option<Vec<u8>>,
    dont_sort: bool,
    gets: Vec<Vec<u8>>,
}

/// `full_key_access`: whether the caller's ACL user may read every key, which BY (with a real
/// pattern) and GET need, since they read keys that are not named as arguments.
fn parse_opts(argv: &[Vec<u8>], readonly: bool, full_key_access: bool) -> Result<Opts, RedisError> {
    let mut o = Opts {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        store: None,
        by: None,
        dont_sort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while let Some(arg) = argv.get(j) {
        let left = argv.len() - j - 1;
        let next = |k: usize| argv.get(j + k).map(Vec::as_slice).unwrap_or(&[]);
        if is(arg, "asc") {
            o.desc = false;
        } else if is(arg, "desc") {
            o.desc = true;
        } else if is(arg, "alpha") {
            o.alpha = true;
        } else if is(arg, "limit") && left >= 2 {
            o.limit_start = num::parse_i64(next(1)).ok_or_else(RedisError::not_integer)?;
            o.limit_count = num::parse_i64(next(2)).ok_or_else(RedisError::not_integer)?;
            j += 2;
        } else if !readonly && is(arg, "store") && left >= 1 {
            o.store = Some(next(1).to_vec());
            j += 1;
        } else if is(arg, "by") && left >= 1 {
            let pattern = next(1);
            // A pattern without `*` (as a C string) names no per-element key: don't sort.
            if !c_str(pattern).contains(&b'*') {
                o.dont_sort = true;
            } else if !full_key_access {
                return Err(RedisError::err("BY option of SORT denied due to insufficient ACL permissions."));
            }
            o.by = Some(pattern.to_vec());
            j += 1;
        } else if is(arg, "get") && left >= 1 {
            if !full_key_access {
                return Err(RedisError::err("GET option of SORT denied due to insufficient ACL permissions."));
            }
            o.gets.push(next(1).to_vec());
            j += 1;
        } else {
            return Err(RedisError::syntax());
        }
        j += 1;
    }
    Ok(o)
}

/// The elements to sort and the positions `start..=end` of the ones to output (an empty range
/// when `end < start`).
struct Loaded {
    elems: Vec<Vec<u8>>,
    start: i64,
    end: i64,
}

/// The elements of the value to sort, or only the range a don't-sort needs, and the output
/// range after Redis's LIMIT clamping.
fn load(ctx: &mut Ctx, key: &[u8], o: &mut Opts) -> Result<Loaded, RedisError> {
    enum Kind {
        List,
        Set,
        ZSet,
    }
    // Read the whole value first; a sorted set is converted to a skiplist as Redis does.
    let (kind, elems) = match ctx.lookup(key, Access::Read) {
        None => (Kind::List, Vec::new()),
        Some(e) => match &mut e.value {
            Value::List(l) => (Kind::List, l.items.iter().cloned().collect::<Vec<_>>()),
            Value::Set(s) => (Kind::Set, s.members()),
            Value::ZSet(z) => {
                z.convert_to_skiplist();
                (Kind::ZSet, z.iter().map(|(m, _)| m.to_vec()).collect())
            }
            _ => return Err(RedisError::wrong_type()),
        },
    };
    let is_set = matches!(kind, Kind::Set);
    if o.dont_sort && is_set && o.store.is_some() {
        // A stored set result must not depend on the hash table's order.
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    let len = elems.len() as i64;
    let mut start = o.limit_start.max(0).min(len);
    let count = o.limit_count.max(-1).min(len);
    let mut end = if count < 0 { len - 1 } else { start + count - 1 };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    if o.dont_sort && !is_set {
        // Lists and sorted sets are already in order: take the range directly, from the
        // other end for DESC.
        let mut elems = elems;
        if o.desc {
            elems.reverse();
        }
        if end < start {
            return Ok(Loaded { elems: Vec::new(), start, end });
        }
        let taken: Vec<Vec<u8>> = elems.into_iter().skip(start as usize).take((end - start + 1) as usize).collect();
        return Ok(Loaded { elems: taken, start: 0, end: end - start });
    }
    Ok(Loaded { elems, start, end })
}

fn sort_generic(ctx: &mut Ctx, readonly: bool) -> CmdResult {
    let argv = ctx.argv;
    let full_key_access = ctx.user_reads_all_keys();
    let mut o = parse_opts(argv, readonly, full_key_access)?;
    let key = argv.get(1).map(Vec::as_slice).unwrap_or(&[]);
    let Loaded { elems, start, end } = load(ctx, key, &mut o)?;
    let mut items: Vec<Item> = elems.into_iter().map(|obj| Item { obj, score: 0.0, by: None }).collect();

    if !o.dont_sort {
        let mut bad = false;
        for it in items.iter_mut() {
            let weight = match &o.by {
                Some(p) => match lookup_by_pattern(ctx, p, &it.obj) {
                    Some(v) => v,
                    None => continue,
                },
                None => {
                    if o.alpha {
                        continue;
                    }
                    it.obj.clone()
                }
            };
            if o.alpha {
                it.by = Some(weight);
            } else {
                match sort_weight(&weight) {
                    Some(s) => it.score = s,
                    None => bad = true,
                }
            }
        }
        if bad {
            // Redis still sorts before replying with the error; the order is never seen.
            return Err(RedisError::err(NOT_DOUBLE));
        }
        let order = Order { alpha: o.alpha, by_pattern: o.by.is_some(), store: o.store.is_some(), desc: o.desc };
        let n = items.len() as i64;
        if o.by.is_some() && (start != 0 || end != n - 1) {
            partial_sort(&mut items, start, end, &|a: &Item, b: &Item| order.compare(a, b));
        } else {
            items.sort_by(|a, b| order.compare(a, b));
        }
    }

    let range: Vec<Item> = if end >= start {
        items.into_iter().skip(start.max(0) as usize).take((end - start + 1) as usize).collect()
    } else {
        Vec::new()
    };
    match o.store.take() {
        None => {
            let mut out = Vec::with_capacity(range.len() * o.gets.len().max(1));
            for it in &range {
                if o.gets.is_empty() {
                    out.push(Reply::Bulk(it.obj.clone()));
                }
                for g in &o.gets {
                    out.push(Reply::opt_bulk(lookup_by_pattern(ctx, g, &it.obj)));
                }
            }
            Ok(Reply::Array(out))
        }
        Some(dst) => {
            let mut list = ListValue::new();
            for it in &range {
                if o.gets.is_empty() {
                    list.push(End::Right, it.obj.clone());
                }
                for g in &o.gets {
                    list.push(End::Right, lookup_by_pattern(ctx, g, &it.obj).unwrap_or_default());
                }
            }
            let n = list.len();
            if n > 0 {
                ctx.set_key(&dst, Value::List(list), false);
                ctx.notify(EventClass::List, "sortstore", &dst);
                ctx.dirty(n as u64);
            } else if ctx.delete_key(&dst) {
                ctx.notify(EventClass::Generic, "del", &dst);
                ctx.dirty(1);
            }
            Ok(Reply::Int(n as i64))
        }
    }
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
fn sort(ctx: &mut Ctx) -> CmdResult {
    sort_generic(ctx, false)
}

/// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
fn sort_ro(ctx: &mut Ctx) -> CmdResult {
    sort_generic(ctx, true)
}

/// The key positions of a SORT command line as Redis's `sortGetKeys` finds them: the sorted
/// key, then the destination of the last STORE, skipping the arguments of LIMIT, GET and BY.
pub fn sort_get_keys(argv: &[Vec<u8>]) -> Vec<usize> {
    let mut keys = vec![1];
    let mut store = None;
    let mut i = 2;
    while let Some(arg) = argv.get(i) {
        if is(arg, "limit") {
            i += 2;
        } else if is(arg, "get") || is(arg, "by") {
            i += 1;
        } else if is(arg, "store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store);
    keys
}

// ---- table -----------------------------------------------------------------------------------

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "sort",
        arity: -2,
        flags: &["write", "denyoom", "movablekeys"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@set", "@sortedset", "@list", "@slow", "@dangerous"],
        group: Group::Generic,
        since: "1.0.0",
        syntax: "key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA] [STORE destination]",
        summary: "Sorts a list, set or sorted set numerically or lexically, by its elements or by external weights, and returns or stores the result.",
        complexity: "O(N+M*log(M)): N elements to sort, M returned; O(N) without sorting",
        handler: sort,
        subcommands: &[],
    },
    CommandSpec {
        name: "sort_ro",
        arity: -2,
        flags: &["readonly", "movablekeys"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@set", "@sortedset", "@list", "@slow", "@dangerous"],
        group: Group::Generic,
        since: "7.0.0",
        syntax: "key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA]",
        summary: "The read-only SORT: the same options except STORE.",
        complexity: "O(N+M*log(M)): N elements to sort, M returned; O(N) without sorting",
        handler: sort_ro,
        subcommands: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;

    fn run(e: &mut Engine, c: crate::engine::ClientId, line: &str) -> Reply {
        e.execute_line(c, line).unwrap_or_else(Reply::Error)
    }

    fn texts(r: &Reply) -> Vec<String> {
        match r {
            Reply::Array(v) => v
                .iter()
                .map(|x| match x {
                    Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                    Reply::Nil => "(nil)".into(),
                    other => format!("{other:?}"),
                })
                .collect(),
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn weights_follow_strtod() {
        assert_eq!(sort_weight(b""), Some(0.0));
        assert_eq!(sort_weight(b" 12"), Some(12.0));
        assert_eq!(sort_weight(b"\t-3.5e1"), Some(-35.0));
        assert_eq!(sort_weight(b".5"), Some(0.5));
        assert_eq!(sort_weight(b"5."), Some(5.0));
        assert_eq!(sort_weight(b"0x1.8p1"), Some(3.0));
        assert_eq!(sort_weight(b"0X10"), Some(16.0));
        assert_eq!(sort_weight(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(sort_weight(b"3\0abc"), Some(3.0));
        assert_eq!(sort_weight(b"0x1p-1074"), Some(f64::from_bits(1)));
        for bad in ["12 ", "nan", "infx", "0x", "1e", "1e+", ".", "+-1", "1_0", " ", "1e309", "1e-400", "1e-310"] {
            assert_eq!(sort_weight(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn patterns_build_keys_and_fields() {
        assert_eq!(pattern_target(b"w_*", b"3"), Some((b"w_3".to_vec(), None)));
        assert_eq!(pattern_target(b"h_*->f", b"3"), Some((b"h_3".to_vec(), Some(b"f".to_vec()))));
        assert_eq!(pattern_target(b"*->a->b", b"x"), Some((b"x".to_vec(), Some(b"a->b".to_vec()))));
        assert_eq!(pattern_target(b"*->", b"x"), Some((b"x->".to_vec(), None)));
        assert_eq!(pattern_target(b"a->b*", b"x"), Some((b"a->bx".to_vec(), None)));
        assert_eq!(pattern_target(b"nostar", b"x"), None);
        assert_eq!(pattern_target(b"k\0*", b"x"), None);
        assert!(is_hash_pattern(b"#") && is_hash_pattern(b"#\0z") && !is_hash_pattern(b"##"));
    }

    #[test]
    fn get_keys_like_redis() {
        let argv = |s: &str| s.split(' ').map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(sort_get_keys(&argv("sort a store b")), vec![1, 3]);
        assert_eq!(sort_get_keys(&argv("sort a limit 0 1 store b store c")), vec![1, 8]);
        assert_eq!(sort_get_keys(&argv("sort a limit store b")), vec![1]);
        assert_eq!(sort_get_keys(&argv("sort a get store b")), vec![1]);
        assert_eq!(sort_get_keys(&argv("sort a store")), vec![1]);
    }

    #[test]
    fn partial_sort_matches_full_sort_in_range() {
        let mut seed = 7u64;
        for n in [0usize, 1, 5, 7, 8, 40, 41, 100, 333] {
            let mut v: Vec<u64> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (seed >> 33) % 50
                })
                .collect();
            let mut full = v.clone();
            full.sort();
            let (lo, hi) = (n as i64 / 3, n as i64 / 2);
            partial_sort(&mut v, lo, hi, &|a: &u64, b: &u64| a.cmp(b));
            for i in lo.max(0)..=hi {
                if let (Some(x), Some(y)) = (v.get(i as usize), full.get(i as usize)) {
                    assert_eq!(x, y, "n={n} i={i}");
                }
            }
        }
    }

    #[test]
    fn sort_store_and_events() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "rpush l 3 1 2");
        assert_eq!(texts(&run(&mut e, c, "sort l")), ["1", "2", "3"]);
        assert_eq!(texts(&run(&mut e, c, "sort l desc limit 1 5")), ["2", "1"]);
        run(&mut e, c, "mset w_1 30 w_2 20 w_3 10");
        assert_eq!(texts(&run(&mut e, c, "sort l by w_* get # get w_*")), ["3", "10", "2", "20", "1", "30"]);
        assert_eq!(texts(&run(&mut e, c, "sort l by nosort desc")), ["2", "1", "3"]);
        e.capture_events(true);
        assert_eq!(run(&mut e, c, "sort l store d"), Reply::Int(3));
        assert_eq!(run(&mut e, c, "sort missing store d"), Reply::Int(0));
        let names: Vec<&str> = e.drain_events().iter().map(|ev| ev.event).collect();
        assert_eq!(names, ["sortstore", "del"]);
        assert!(run(&mut e, c, "sort_ro l store d").is_error());
        run(&mut e, c, "rpush bad a");
        assert_eq!(run(&mut e, c, "sort bad"), Reply::Error(format!("ERR {NOT_DOUBLE}")));
    }

    #[test]
    fn sorted_sets_become_skiplists() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "zadd z 1 b 2 a 3 c");
        assert_eq!(texts(&run(&mut e, c, "sort z by nosort limit 1 5 desc")), ["a", "b"]);
        assert_eq!(run(&mut e, c, "object encoding z"), Reply::bulk_str("skiplist"));
    }

    #[test]
    fn random_option_mixes_never_panic() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        for line in [
            "rpush l 3 1 2 x 1e5 -inf",
            "sadd s 5 1 9",
            "sadd h a b 1",
            "zadd z 1 a 2 b 3 c",
            "mset w_1 2 w_3 x w_a 1",
            "hset hw_1 f 3",
        ] {
            run(&mut e, c, line);
        }
        let words = [
            "BY",
            "w_*",
            "hw_*->f",
            "nosort",
            "*",
            "#",
            "GET",
            "LIMIT",
            "0",
            "-1",
            "2",
            "9223372036854775807",
            "-9223372036854775808",
            "ASC",
            "DESC",
            "ALPHA",
            "STORE",
            "dst",
            "->",
            "*->",
            "x",
        ];
        let mut seed = 99u64;
        for i in 0..3000 {
            let key = ["l", "s", "h", "z", "w_1", "nokey", "dst"][i % 7];
            let mut line = format!("{} {key}", if i % 3 == 0 { "sort_ro" } else { "sort" });
            for _ in 0..(i % 9) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                line.push(' ');
                line.push_str(words[(seed >> 33) as usize % words.len()]);
            }
            let _ = run(&mut e, c, &line);
        }
    }
}
