//! HyperLogLog commands (Redis's hyperloglog.c): PFADD, PFCOUNT and PFMERGE.
//!
//! An HLL is a plain string whose bytes are exactly Redis's: a 16-byte "HYLL" header (magic,
//! encoding, three unused bytes, the cached cardinality little-endian with its top bit
//! meaning "stale"), then 16384 six-bit registers either packed densely or run-length coded
//! (sparse ZERO/XZERO/VAL opcodes). Sparse updates split and merge opcodes the way Redis does
//! so that GET returns the very same bytes, and the estimator is Redis 5+'s (Ertl's) one.

use crate::engine::events::EventClass;
use crate::engine::keyspace::{Access, Entry, StrEnc, StrValue, Value};
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::Ctx;

// ---- value API ------------------------------------------------------------------------------

/// Precision: 2^14 registers.
const P: u32 = 14;
const REGISTERS: usize = 1 << P;
/// Bits of the hash left after the register index.
const Q: usize = 64 - P as usize;
const HDR: usize = 16;
const DENSE_SIZE: usize = HDR + (REGISTERS * 6).div_ceil(8);
const DENSE: u8 = 0;
const SPARSE: u8 = 1;
const ZERO_MAX: usize = 64;
const VAL_MAX_VALUE: u8 = 32;
const VAL_MAX_LEN: usize = 4;

const INVALID_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const CORRUPTED: &str = "INVALIDOBJ Corrupted HLL object detected";

/// MurmurHash2, 64-bit version (MurmurHash64A), as Redis hashes elements.
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4a7935bd1e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut buf = [0u8; 8];
        buf.copy_from_slice(c);
        let mut k = u64::from_le_bytes(buf);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate().rev() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element maps to and the run length of zeros (plus one) it observed.
pub fn pat_len(ele: &[u8]) -> (usize, u8) {
    let hash = murmur64a(ele, 0xadc83b19);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // A sentinel bit guarantees the loop ends within Q+1 steps.
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// A new empty HLL: sparse, one XZERO covering every register, cached cardinality 0.
pub fn new_hll() -> Vec<u8> {
    let mut v = b"HYLL".to_vec();
    v.extend_from_slice(&[SPARSE, 0, 0, 0]);
    v.extend_from_slice(&[0; 8]);
    let n = REGISTERS - 1;
    v.push(0x40 | (n >> 8) as u8);
    v.push((n & 0xff) as u8);
    v
}

/// Redis's `isHLLObjectOrReply` header checks on a string's bytes.
pub fn is_valid(s: &StrValue) -> bool {
    let b = &s.bytes;
    if s.enc == StrEnc::Int || b.len() < HDR || !b.starts_with(b"HYLL") {
        return false;
    }
    match b.get(4) {
        Some(&DENSE) => b.len() == DENSE_SIZE,
        Some(&SPARSE) => true,
        _ => false,
    }
}

fn invalidate_cache(b: &mut [u8]) {
    if let Some(x) = b.get_mut(15) {
        *x |= 0x80;
    }
}

fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let b0 = u32::from(regs.get(byte).copied().unwrap_or(0));
    let b1 = u32::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & 63) as u8
}

fn dense_set(regs: &mut [u8], i: usize, val: u8) {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let v = u32::from(val);
    if let Some(b) = regs.get_mut(byte) {
        *b = ((u32::from(*b) & !(63u32 << fb)) | (v << fb)) as u8;
    }
    if let Some(b) = regs.get_mut(byte + 1) {
        let fb8 = 8 - fb;
        *b = ((u32::from(*b) & !(63u32 >> fb8)) | (v >> fb8)) as u8;
    }
}

/// One decoded sparse opcode: (zero?, value, run length, opcode size).
fn sparse_op(b: &[u8], p: usize) -> Option<(u8, usize, usize)> {
    let x = *b.get(p)?;
    if x & 0xc0 == 0 {
        Some((0, usize::from(x & 0x3f) + 1, 1))
    } else if x & 0xc0 == 0x40 {
        let y = *b.get(p + 1)?;
        Some((0, ((usize::from(x & 0x3f) << 8) | usize::from(y)) + 1, 2))
    } else {
        Some((((x >> 2) & 0x1f) + 1, usize::from(x & 3) + 1, 1))
    }
}

fn is_val(x: u8) -> bool {
    x & 0x80 != 0
}

fn val_op(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | ((len - 1) as u8)
}

fn push_zero(seq: &mut Vec<u8>, len: usize) {
    if len > ZERO_MAX {
        let n = len - 1;
        seq.push(0x40 | (n >> 8) as u8);
        seq.push((n & 0xff) as u8);
    } else {
        seq.push((len - 1) as u8);
    }
}

/// Feeds every register of an HLL to `f(index, value)`; false on corruption.
fn for_each_register(b: &[u8], mut f: impl FnMut(usize, u8)) -> bool {
    let body = b.get(HDR..).unwrap_or(&[]);
    match b.get(4) {
        Some(&DENSE) => {
            for i in 0..REGISTERS {
                f(i, dense_get(body, i));
            }
            true
        }
        Some(&SPARSE) => {
            let mut idx = 0;
            let mut p = 0;
            while p < body.len() {
                let Some((v, len, size)) = sparse_op(body, p) else {
                    return false;
                };
                if idx + len > REGISTERS {
                    return false;
                }
                for i in idx..idx + len {
                    f(i, v);
                }
                idx += len;
                p += size;
            }
            idx == REGISTERS
        }
        _ => false,
    }
}

/// Converts a sparse HLL to dense in place, keeping the header (and its cached cardinality).
fn to_dense(b: &mut Vec<u8>) -> bool {
    if b.get(4) != Some(&SPARSE) {
        return true;
    }
    let mut regs = vec![0u8; DENSE_SIZE - HDR];
    if !for_each_register(b, |i, v| {
        if v != 0 {
            dense_set(&mut regs, i, v)
        }
    }) {
        return false;
    }
    b.truncate(HDR);
    if let Some(e) = b.get_mut(4) {
        *e = DENSE;
    }
    b.extend_from_slice(&regs);
    true
}

/// Raises register `index` to `count` in a sparse HLL exactly like Redis's `hllSparseSet`,
/// promoting to dense when needed. Ok(true) if changed, Err on corruption.
fn sparse_set(b: &mut Vec<u8>, index: usize, count: u8, max_bytes: usize) -> Result<bool, ()> {
    if count <= VAL_MAX_VALUE {
        // Step 1: find the opcode covering the register.
        let mut p = HDR;
        let mut first = 0usize;
        let mut prev: Option<usize> = None;
        let mut found = None;
        while p < b.len() {
            let op = sparse_op(b, p).ok_or(())?;
            if index < first + op.1 {
                found = Some(op);
                break;
            }
            prev = Some(p);
            p += op.2;
            first += op.1;
        }
        let (v, runlen, oplen) = found.ok_or(())?;
        let x = *b.get(p).ok_or(())?;
        let mut merge = true;
        if is_val(x) {
            if v >= count {
                return Ok(false);
            }
            if runlen == 1 {
                b[p] = val_op(count, 1);
                merge = false;
            }
        } else if oplen == 1 && runlen == 1 {
            b[p] = val_op(count, 1);
            merge = false;
        }
        if merge {
            // General case: split the run into up to three opcodes.
            let last = first + runlen - 1;
            let mut seq = Vec::with_capacity(5);
            if is_val(x) {
                if index != first {
                    seq.push(val_op(v, index - first));
                }
                seq.push(val_op(count, 1));
                if index != last {
                    seq.push(val_op(v, last - index));
                }
            } else {
                if index != first {
                    push_zero(&mut seq, index - first);
                }
                seq.push(val_op(count, 1));
                if index != last {
                    push_zero(&mut seq, last - index);
                }
            }
            let grows = seq.len() > oplen;
            if grows && b.len() + seq.len() - oplen > max_bytes {
                return promote(b, index, count);
            }
            b.splice(p..p + oplen, seq);
        }
        // Step 4: merge adjacent equal VAL opcodes near the change.
        let mut q = prev.unwrap_or(HDR);
        let mut scan = 5;
        while q < b.len() && scan > 0 {
            scan -= 1;
            let x = b[q];
            if x & 0xc0 == 0x40 {
                q += 2;
                continue;
            }
            if x & 0xc0 == 0 {
                q += 1;
                continue;
            }
            if let Some(&y) = b.get(q + 1) {
                if is_val(y) {
                    let (v1, l1, _) = sparse_op(b, q).ok_or(())?;
                    let (v2, l2, _) = sparse_op(b, q + 1).ok_or(())?;
                    if v1 == v2 && l1 + l2 <= VAL_MAX_LEN {
                        b[q + 1] = val_op(v1, l1 + l2);
                        b.remove(q);
                        continue;
                    }
                }
            }
            q += 1;
        }
        invalidate_cache(b);
        return Ok(true);
    }
    promote(b, index, count)
}

fn promote(b: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, ()> {
    if !to_dense(b) {
        return Err(());
    }
    let regs = b.get_mut(HDR..).ok_or(())?;
    if dense_get(regs, index) < count {
        dense_set(regs, index, count);
    }
    Ok(true)
}

/// Sets register `index` to at least `count`; Ok(true) if it changed.
fn set_register(b: &mut Vec<u8>, index: usize, count: u8, max_bytes: usize) -> Result<bool, ()> {
    match b.get(4) {
        Some(&DENSE) => {
            let regs = b.get_mut(HDR..).ok_or(())?;
            if dense_get(regs, index) < count {
                dense_set(regs, index, count);
                Ok(true)
            } else {
                Ok(false)
            }
        }
        Some(&SPARSE) => sparse_set(b, index, count, max_bytes),
        _ => Err(()),
    }
}

/// Adds one element; Ok(true) if a register changed.
pub fn add(b: &mut Vec<u8>, ele: &[u8], max_bytes: usize) -> Result<bool, ()> {
    let (index, count) = pat_len(ele);
    set_register(b, index, count, max_bytes)
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let zp = z;
        z += x * y;
        y += y;
        if zp == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let zp = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if zp == z {
            return z / 3.0;
        }
    }
}

/// Redis's estimator from a histogram of register values.
fn estimate(histo: &[u64; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - histo[Q + 1] as f64) / m);
    for j in (1..=Q).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    let alpha_inf = 0.721_347_520_444_481_7_f64;
    (alpha_inf * m * m / z).round() as u64
}

/// The cardinality of registers (`None` on corruption).
pub fn count(b: &[u8]) -> Option<u64> {
    let mut histo = [0u64; 64];
    if !for_each_register(b, |_, v| histo[usize::from(v & 63)] += 1) {
        return None;
    }
    Some(estimate(&histo))
}

/// Folds an HLL's registers into `max`; false on corruption.
fn merge_into(max: &mut [u8], b: &[u8]) -> bool {
    for_each_register(b, |i, v| {
        if let Some(m) = max.get_mut(i) {
            if v > *m {
                *m = v;
            }
        }
    })
}

// ---- handlers -------------------------------------------------------------------------------

/// The HLL bytes at `key` after Redis's type checks; `Ok(None)` if missing.
fn hll_bytes(ctx: &mut Ctx, key: &[u8], access: Access) -> Result<Option<Vec<u8>>, RedisError> {
    let s = match access {
        Access::Read => ctx.read_string(key)?,
        _ => ctx.write_string(key)?.map(|s| &*s),
    };
    match s {
        None => Ok(None),
        Some(s) if is_valid(s) => Ok(Some(s.bytes.clone())),
        Some(_) => Err(RedisError::raw(INVALID_HLL)),
    }
}

/// Stores modified HLL bytes back in place (as a raw string, keeping the time to live).
fn store(ctx: &mut Ctx, key: &[u8], bytes: Vec<u8>) {
    match ctx.lookup(key, Access::NoTouch) {
        Some(Entry { value: Value::Str(s), .. }) => *s = StrValue::raw(bytes),
        _ => ctx.set_key(key, Value::Str(StrValue::raw(bytes)), false),
    }
    ctx.signal_modified(key);
}

/// PFADD key [element ...]
fn pfadd(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let elements = a.rest();
    let max_bytes = ctx.eng.config.hll_sparse_max_bytes;
    let (mut b, mut updated) = match hll_bytes(ctx, key, Access::Write)? {
        Some(b) => (b, 0u64),
        None => (new_hll(), 1),
    };
    for e in elements {
        match add(&mut b, e, max_bytes) {
            Ok(true) => updated += 1,
            Ok(false) => {}
            Err(()) => return Err(RedisError::raw(CORRUPTED)),
        }
    }
    if updated > 0 {
        invalidate_cache(&mut b);
        store(ctx, key, b);
        ctx.notify(EventClass::String, "pfadd", key);
        ctx.dirty(updated);
    } else if ctx.exists(key) {
        // Redis unshares the value even when nothing changed, which makes it raw.
        store_raw_quietly(ctx, key);
    }
    Ok(Reply::Int(i64::from(updated > 0)))
}

/// Turns the string at `key` raw without signalling (Redis's `dbUnshareStringValue`).
fn store_raw_quietly(ctx: &mut Ctx, key: &[u8]) {
    if let Some(Entry { value: Value::Str(s), .. }) = ctx.lookup(key, Access::NoTouch) {
        s.enc = StrEnc::Raw;
    }
}

/// PFCOUNT key [key ...]
fn pfcount(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    if keys.len() > 1 {
        let mut max = vec![0u8; REGISTERS];
        for k in keys {
            if let Some(b) = hll_bytes(ctx, k, Access::Read)? {
                if !merge_into(&mut max, &b) {
                    return Err(RedisError::raw(CORRUPTED));
                }
            }
        }
        let mut histo = [0u64; 64];
        for &v in &max {
            histo[usize::from(v & 63)] += 1;
        }
        return Ok(Reply::Int(estimate(&histo) as i64));
    }
    let Some(key) = keys.first() else {
        return Ok(Reply::Int(0));
    };
    let Some(mut b) = hll_bytes(ctx, key, Access::Write)? else {
        return Ok(Reply::Int(0));
    };
    store_raw_quietly(ctx, key);
    let hdr = b.get(8..16).ok_or_else(|| RedisError::raw(CORRUPTED))?;
    if hdr[7] & 0x80 == 0 {
        let mut c = [0u8; 8];
        c.copy_from_slice(hdr);
        return Ok(Reply::Int(u64::from_le_bytes(c) as i64));
    }
    let card = count(&b).ok_or_else(|| RedisError::raw(CORRUPTED))?;
    if let Some(h) = b.get_mut(8..16) {
        h.copy_from_slice(&card.to_le_bytes());
    }
    store(ctx, key, b);
    ctx.dirty(1);
    Ok(Reply::Int(card as i64))
}

/// PFMERGE destkey [sourcekey ...]
fn pfmerge(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    let max_bytes = ctx.eng.config.hll_sparse_max_bytes;
    let mut max = vec![0u8; REGISTERS];
    let mut use_dense = false;
    for k in keys {
        if let Some(b) = hll_bytes(ctx, k, Access::Read)? {
            use_dense |= b.get(4) == Some(&DENSE);
            if !merge_into(&mut max, &b) {
                return Err(RedisError::raw(CORRUPTED));
            }
        }
    }
    let Some(dest) = keys.first() else {
        return Ok(Reply::ok());
    };
    let mut b = match hll_bytes(ctx, dest, Access::Write)? {
        Some(b) => b,
        None => {
            let b = new_hll();
            ctx.set_key(dest, Value::Str(StrValue::raw(b.clone())), false);
            b
        }
    };
    if use_dense && !to_dense(&mut b) {
        return Err(RedisError::raw(CORRUPTED));
    }
    for (i, &v) in max.iter().enumerate() {
        if v != 0 && set_register(&mut b, i, v, max_bytes).is_err() {
            return Err(RedisError::raw(CORRUPTED));
        }
    }
    invalidate_cache(&mut b);
    store(ctx, dest, b);
    ctx.notify(EventClass::String, "pfadd", dest);
    ctx.dirty(1);
    Ok(Reply::ok())
}

/// Human-readable sparse opcodes, as PFDEBUG DECODE prints them.
fn decode_sparse(b: &[u8]) -> String {
    let mut out = Vec::new();
    let mut p = HDR;
    while let Some((v, len, size)) = sparse_op(b, p) {
        out.push(match (b.get(p).copied().unwrap_or(0) & 0xc0, v) {
            (0, _) => format!("z:{len}"),
            (0x40, _) => format!("Z:{len}"),
            _ => format!("v:{v},{len}"),
        });
        p += size;
    }
    out.join(" ")
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
fn pfdebug(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let sub = a.next()?;
    let key = a.next()?;
    let Some(mut b) = hll_bytes(ctx, key, Access::Write)? else {
        return Err(RedisError::err("The specified key does not exist"));
    };
    store_raw_quietly(ctx, key);
    let sparse = b.get(4) == Some(&SPARSE);
    let densify = |ctx: &mut Ctx, mut b: Vec<u8>| -> Result<Vec<u8>, RedisError> {
        if !to_dense(&mut b) {
            return Err(RedisError::raw(CORRUPTED));
        }
        // Redis rewrites the value without signalling the key as modified.
        if let Some(Entry { value: Value::Str(s), .. }) = ctx.lookup(key, Access::NoTouch) {
            s.bytes = b.clone();
        }
        ctx.dirty(1);
        Ok(b)
    };
    if sub.eq_ignore_ascii_case(b"getreg") {
        if sparse {
            b = densify(ctx, b)?;
        }
        let regs = b.get(HDR..).unwrap_or(&[]);
        Ok(Reply::Array((0..REGISTERS).map(|i| Reply::Int(i64::from(dense_get(regs, i)))).collect()))
    } else if sub.eq_ignore_ascii_case(b"decode") {
        if !sparse {
            return Err(RedisError::err("HLL encoding is not sparse"));
        }
        Ok(Reply::Bulk(decode_sparse(&b).into_bytes()))
    } else if sub.eq_ignore_ascii_case(b"encoding") {
        Ok(Reply::status(if sparse { "sparse" } else { "dense" }))
    } else if sub.eq_ignore_ascii_case(b"todense") {
        if sparse {
            densify(ctx, b)?;
        }
        Ok(Reply::Int(i64::from(sparse)))
    } else {
        Err(RedisError::err(format!("Unknown PFDEBUG subcommand '{}'", String::from_utf8_lossy(sub))))
    }
}

/// PFSELFTEST: checks register packing and that sparse and dense forms agree.
fn pfselftest(ctx: &mut Ctx) -> CmdResult {
    let mut regs = vec![0u8; DENSE_SIZE - HDR];
    let mut seed = ctx.eng.rng.next_u64();
    let mut expected = vec![0u8; REGISTERS];
    for (i, want) in expected.iter_mut().enumerate() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *want = ((seed >> 33) & 63) as u8;
        dense_set(&mut regs, i, *want);
    }
    for (i, &want) in expected.iter().enumerate() {
        if dense_get(&regs, i) != want {
            return Err(RedisError::raw(format!("TESTFAILED Register error at {i}")));
        }
    }
    let (mut sparse, mut dense) = (new_hll(), new_hll());
    if !to_dense(&mut dense) {
        return Err(RedisError::raw("TESTFAILED dense conversion"));
    }
    for i in 0..5000u32 {
        let e = i.to_le_bytes();
        if add(&mut sparse, &e, DENSE_SIZE).is_err() || add(&mut dense, &e, DENSE_SIZE).is_err() {
            return Err(RedisError::raw("TESTFAILED add"));
        }
    }
    if count(&sparse) != count(&dense) {
        return Err(RedisError::raw("TESTFAILED sparse and dense estimates differ"));
    }
    Ok(Reply::ok())
}

// ---- command table --------------------------------------------------------------------------

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "pfadd",
        arity: -2,
        flags: &["write", "denyoom", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@hyperloglog", "@fast"],
        group: Group::HyperLogLog,
        since: "2.8.9",
        syntax: "key [element [element ...]]",
        summary: "Counts elements into a HyperLogLog; replies 1 if its estimate may have changed.",
        complexity: "O(1) per element",
        handler: pfadd,
        subcommands: &[],
    },
    CommandSpec {
        name: "pfcount",
        arity: -2,
        flags: &["readonly"],
        first_key: 1,
        last_key: -1,
        step: 1,
        acl: &["@read", "@hyperloglog", "@slow"],
        group: Group::HyperLogLog,
        since: "2.8.9",
        syntax: "key [key ...]",
        summary: "Estimates how many distinct elements one HyperLogLog, or the union of several, has seen.",
        complexity: "O(1) for one key (cached), O(N) for the union of N keys",
        handler: pfcount,
        subcommands: &[],
    },
    CommandSpec {
        name: "pfmerge",
        arity: -2,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: -1,
        step: 1,
        acl: &["@write", "@hyperloglog", "@slow"],
        group: Group::HyperLogLog,
        since: "2.8.9",
        syntax: "destkey [sourcekey [sourcekey ...]]",
        summary: "Folds several HyperLogLogs into the destination one, as the union of what they saw.",
        complexity: "O(N) for N source keys",
        handler: pfmerge,
        subcommands: &[],
    },
    CommandSpec {
        name: "pfdebug",
        arity: 3,
        flags: &["write", "denyoom", "admin"],
        first_key: 2,
        last_key: 2,
        step: 1,
        acl: &["@write", "@hyperloglog", "@admin", "@slow", "@dangerous"],
        group: Group::HyperLogLog,
        since: "2.8.9",
        syntax: "subcommand key",
        summary: "Inspects a HyperLogLog's internals: its registers, sparse opcodes or encoding, or makes it dense.",
        complexity: "N/A",
        handler: pfdebug,
        subcommands: &[],
    },
    CommandSpec {
        name: "pfselftest",
        arity: 1,
        flags: &["admin"],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@hyperloglog", "@admin", "@slow", "@dangerous"],
        group: Group::HyperLogLog,
        since: "2.8.9",
        syntax: "",
        summary: "Runs internal consistency checks of the HyperLogLog implementation.",
        complexity: "N/A",
        handler: pfselftest,
        subcommands: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hll_layout() {
        let b = new_hll();
        assert_eq!(b.len(), 18);
        assert_eq!(&b[16..], &[0x7f, 0xff]);
        assert_eq!(count(&b), Some(0));
    }

    #[test]
    fn dense_registers_roundtrip() {
        let mut regs = vec![0u8; DENSE_SIZE - HDR];
        for i in 0..REGISTERS {
            dense_set(&mut regs, i, (i % 64) as u8);
        }
        for i in 0..REGISTERS {
            assert_eq!(dense_get(&regs, i), (i % 64) as u8);
        }
    }

    #[test]
    fn sparse_and_dense_agree() {
        let mut s = new_hll();
        let mut d = new_hll();
        assert!(to_dense(&mut d));
        for i in 0..2000 {
            let e = format!("e{i}");
            add(&mut s, e.as_bytes(), 100_000).unwrap();
            add(&mut d, e.as_bytes(), 100_000).unwrap();
        }
        assert_eq!(s[4], SPARSE);
        let c = count(&s).unwrap();
        assert_eq!(Some(c), count(&d));
        assert!((1900..2100).contains(&c), "{c}");
        assert!(to_dense(&mut s));
        assert_eq!(s[HDR..], d[HDR..]);
    }

    #[test]
    fn murmur_known_value() {
        // Self-consistency: different inputs, different hashes; tails handled.
        assert_ne!(murmur64a(b"a", 1), murmur64a(b"b", 1));
        assert_ne!(murmur64a(b"abcdefghi", 1), murmur64a(b"abcdefgh", 1));
    }

    #[test]
    fn pfadd_pfcount_cache_and_events() {
        let (mut e, _clock) = crate::engine::Engine::with_virtual_clock();
        let c = e.connect();
        e.capture_events(true);
        let r = e.execute_line(c, "pfadd h a b c").unwrap_or_else(Reply::Error);
        assert_eq!(r, Reply::Int(1));
        assert_eq!(e.execute_line(c, "pfcount h").ok(), Some(Reply::Int(3)));
        let stored = e.db(0).and_then(|d| d.peek(b"h")).map(|en| en.value.clone());
        match stored {
            Some(Value::Str(s)) => {
                assert_eq!(&s.bytes[8..16], &3u64.to_le_bytes());
                assert_eq!(s.enc, StrEnc::Raw);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.execute_line(c, "pfmerge m h").ok(), Some(Reply::ok()));
        let names: Vec<_> = e.drain_events().into_iter().map(|ev| ev.event).collect();
        assert_eq!(names, ["pfadd", "pfadd"]);
    }
}
