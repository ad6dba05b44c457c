//! Bitmap commands (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP.
//!
//! Bitmaps are plain strings read most-significant bit first. Replies, the order in which
//! arguments and keys are checked, and error texts follow Redis 7.0 exactly (BITCOUNT looks
//! the key up before parsing its range, BITPOS checks the bit argument first, ...).

use crate::engine::events::EventClass;
use crate::engine::keyspace::{StrValue, Value};
use crate::engine::num::parse_i64;
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::Ctx;

// ---- value helpers --------------------------------------------------------------------------

const BAD_OFFSET: &str = "bit offset is not an integer or out of range";
const BAD_BIT: &str = "bit is not an integer or out of range";

/// Redis's `getBitOffsetFromArgument` for plain (non-BITFIELD) offsets.
fn bit_offset(ctx: &Ctx, arg: &[u8]) -> Result<u64, RedisError> {
    let off = parse_i64(arg).ok_or_else(|| RedisError::err(BAD_OFFSET))?;
    if off < 0 || (off >> 3) >= ctx.eng.config.max_string_len() {
        return Err(RedisError::err(BAD_OFFSET));
    }
    Ok(off as u64)
}

/// The bit at `offset` (MSB first), 0 past the end.
fn get_bit(bytes: &[u8], offset: u64) -> u8 {
    let byte = (offset >> 3) as usize;
    let bit = 7 - (offset & 7) as u32;
    bytes.get(byte).map_or(0, |b| (b >> bit) & 1)
}

/// Position of the first `bit` in `bytes`: -1 if looking for 1 and there is none, the bit
/// just past the end if looking for 0 and there is none (Redis's `redisBitpos`).
fn first_bit(bytes: &[u8], bit: u8) -> i64 {
    for (i, &b) in bytes.iter().enumerate() {
        let v = if bit == 1 { b } else { !b };
        if v != 0 {
            return (i as i64) * 8 + i64::from(v.leading_zeros() as u8);
        }
    }
    if bit == 1 {
        -1
    } else {
        bytes.len() as i64 * 8
    }
}

/// Parses BYTE|BIT (`Ok(true)` for BIT).
fn unit_is_bit(arg: &[u8]) -> Result<bool, RedisError> {
    if arg.eq_ignore_ascii_case(b"bit") {
        Ok(true)
    } else if arg.eq_ignore_ascii_case(b"byte") {
        Ok(false)
    } else {
        Err(RedisError::syntax())
    }
}

/// A range resolved to bytes, with masks of the bits outside it in the first and last byte.
struct Range {
    start: i64,
    end: i64,
    first_mask: u8,
    last_mask: u8,
}

/// Normalizes BITCOUNT/BITPOS start/end (negative indexes, clamping, BIT units).
fn resolve(mut start: i64, mut end: i64, strlen: i64, is_bit: bool) -> Range {
    let totlen = if is_bit { strlen << 3 } else { strlen };
    if start < 0 {
        start += totlen;
    }
    if end < 0 {
        end += totlen;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= totlen {
        end = totlen - 1;
    }
    let (mut first_mask, mut last_mask) = (0u8, 0u8);
    if is_bit && start <= end {
        first_mask = !((1u32 << (8 - (start & 7))) - 1) as u8;
        last_mask = ((1u32 << (7 - (end & 7))) - 1) as u8;
        start >>= 3;
        end >>= 3;
    }
    Range { start, end, first_mask, last_mask }
}

fn at(bytes: &[u8], i: i64) -> u8 {
    usize::try_from(i).ok().and_then(|i| bytes.get(i)).copied().unwrap_or(0)
}

// ---- handlers -------------------------------------------------------------------------------

/// SETBIT key offset value
fn setbit(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let offset = bit_offset(ctx, a.next()?)?;
    let on = parse_i64(a.next()?).ok_or_else(|| RedisError::err(BAD_BIT))?;
    if on & !1 != 0 {
        return Err(RedisError::err(BAD_BIT));
    }
    let byte = (offset >> 3) as usize;
    let shift = 7 - (offset & 7) as u32;
    // Like Redis 7.0.15, the write only counts (event, dirty) when the key was created or
    // grown, or the bit actually changed.
    let (old, grown) = match ctx.write_string(key)? {
        Some(s) => {
            let mut bytes = std::mem::take(&mut s.bytes);
            let old_len = bytes.len();
            let grown = bytes.len() <= byte;
            if grown {
                bytes.resize(byte + 1, 0);
            }
            let mut old = 0;
            if let Some(b) = bytes.get_mut(byte) {
                old = (*b >> shift) & 1;
                *b = (*b & !(1 << shift)) | ((on as u8) << shift);
            }
            s.bytes = bytes;
            s.note_growth(old_len);
            (old, grown)
        }
        None => {
            let mut bytes = vec![0u8; byte + 1];
            if let Some(b) = bytes.get_mut(byte) {
                *b = (on as u8) << shift;
            }
            ctx.set_key(key, Value::Str(StrValue::raw(bytes)), false);
            (0, true)
        }
    };
    if grown || i64::from(old) != on {
        ctx.signal_modified(key);
        ctx.notify(EventClass::String, "setbit", key);
        ctx.dirty(1);
    }
    Ok(Reply::Int(i64::from(old)))
}

/// GETBIT key offset
fn getbit(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let offset = bit_offset(ctx, a.next()?)?;
    Ok(Reply::Int(ctx.read_string(key)?.map_or(0, |s| i64::from(get_bit(&s.bytes, offset)))))
}

/// BITCOUNT key [start end [BYTE|BIT]]
fn bitcount(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let Some(bytes) = ctx.read_string(key)?.map(|s| s.bytes.clone()) else {
        return Ok(Reply::Int(0));
    };
    let rest = a.rest();
    let strlen = bytes.len() as i64;
    let r = match rest.len() {
        0 => Range { start: 0, end: strlen - 1, first_mask: 0, last_mask: 0 },
        2 | 3 => {
            let start = parse_i64(&rest[0]).ok_or_else(RedisError::not_integer)?;
            let end = parse_i64(&rest[1]).ok_or_else(RedisError::not_integer)?;
            let is_bit = match rest.get(2) {
                Some(u) => unit_is_bit(u)?,
                None => false,
            };
            if start < 0 && end < 0 && start > end {
                return Ok(Reply::Int(0));
            }
            resolve(start, end, strlen, is_bit)
        }
        _ => return Err(RedisError::syntax()),
    };
    if r.start > r.end {
        return Ok(Reply::Int(0));
    }
    let slice = bytes.get(r.start as usize..=r.end as usize).unwrap_or(&[]);
    let mut count: i64 = slice.iter().map(|b| i64::from(b.count_ones())).sum();
    count -= i64::from((at(&bytes, r.start) & r.first_mask).count_ones());
    count -= i64::from((at(&bytes, r.end) & r.last_mask).count_ones());
    Ok(Reply::Int(count))
}

/// BITPOS key bit [start [end [BYTE|BIT]]]
fn bitpos(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let bit = a.int()?;
    if bit != 0 && bit != 1 {
        return Err(RedisError::err("The bit argument must be 1 or 0."));
    }
    let bit = bit as u8;
    let Some(bytes) = ctx.read_string(key)?.map(|s| s.bytes.clone()) else {
        return Ok(Reply::Int(if bit == 1 { -1 } else { 0 }));
    };
    let rest = a.rest();
    let strlen = bytes.len() as i64;
    let mut end_given = false;
    let r = match rest.len() {
        0 => Range { start: 0, end: strlen - 1, first_mask: 0, last_mask: 0 },
        1..=3 => {
            let start = parse_i64(&rest[0]).ok_or_else(RedisError::not_integer)?;
            let is_bit = match rest.get(2) {
                Some(u) => unit_is_bit(u)?,
                None => false,
            };
            let end = match rest.get(1) {
                Some(e) => {
                    end_given = true;
                    parse_i64(e).ok_or_else(RedisError::not_integer)?
                }
                None => strlen - 1,
            };
            resolve(start, end, strlen, is_bit)
        }
        _ => return Err(RedisError::syntax()),
    };
    if r.start > r.end {
        return Ok(Reply::Int(-1));
    }
    let (mut start, end) = (r.start, r.end);
    let mut nbytes = end - start + 1;
    let masked = |b: u8, mask: u8| if bit == 1 { b & !mask } else { b | mask };
    let pos = 'found: {
        if r.first_mask != 0 {
            let mut t = masked(at(&bytes, start), r.first_mask);
            if r.last_mask != 0 && nbytes == 1 {
                t = masked(t, r.last_mask);
            }
            let pos = first_bit(&[t], bit);
            if nbytes == 1 || (pos != -1 && pos != 8) {
                break 'found pos;
            }
            start += 1;
            nbytes -= 1;
        }
        let cur = nbytes - i64::from(r.last_mask != 0);
        if cur > 0 {
            let slice = bytes.get(start as usize..(start + cur) as usize).unwrap_or(&[]);
            let pos = first_bit(slice, bit);
            if nbytes == cur || (pos != -1 && pos != cur << 3) {
                break 'found pos;
            }
            start += cur;
            nbytes -= cur;
        }
        first_bit(&[masked(at(&bytes, end), r.last_mask)], bit)
    };
    if end_given && bit == 0 && pos == nbytes << 3 {
        return Ok(Reply::Int(-1));
    }
    Ok(Reply::Int(if pos != -1 { pos + (start << 3) } else { pos }))
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]
fn bitop(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.args().rest();
    let op = argv.first().map(|o| o.to_ascii_lowercase()).unwrap_or_default();
    let op = match op.as_slice() {
        b"and" | b"or" | b"xor" | b"not" => op,
        _ => return Err(RedisError::syntax()),
    };
    if op == b"not" && argv.len() != 3 {
        return Err(RedisError::err("BITOP NOT must be called with a single source key."));
    }
    let Some(dest) = argv.get(1) else {
        return Err(RedisError::syntax());
    };
    let mut srcs: Vec<Vec<u8>> = Vec::new();
    for k in argv.get(2..).unwrap_or(&[]) {
        srcs.push(ctx.read_string(k)?.map(|s| s.bytes.clone()).unwrap_or_default());
    }
    let maxlen = srcs.iter().map(Vec::len).max().unwrap_or(0);
    if maxlen > 0 {
        let byte = |s: &Vec<u8>, i: usize| s.get(i).copied().unwrap_or(0);
        let mut res = vec![0u8; maxlen];
        for (i, out) in res.iter_mut().enumerate() {
            let mut v = srcs.first().map_or(0, |s| byte(s, i));
            match op.as_slice() {
                b"not" => v = !v,
                b"and" => srcs.iter().skip(1).for_each(|s| v &= byte(s, i)),
                b"or" => srcs.iter().skip(1).for_each(|s| v |= byte(s, i)),
                _ => srcs.iter().skip(1).for_each(|s| v ^= byte(s, i)),
            }
            *out = v;
        }
        ctx.set_key(dest, Value::Str(StrValue::raw(res)), false);
        ctx.notify(EventClass::String, "set", dest);
        ctx.dirty(1);
    } else if ctx.delete_key(dest) {
        ctx.notify(EventClass::Generic, "del", dest);
        ctx.dirty(1);
    }
    Ok(Reply::Int(maxlen as i64))
}

/// How BITFIELD handles overflow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// One parsed BITFIELD operation.
struct FieldOp {
    /// None for GET; Some((is_incr, value)) for SET/INCRBY.
    write: Option<(bool, i64)>,
    signed: bool,
    bits: u32,
    offset: u64,
    overflow: Overflow,
}

const BAD_TYPE: &str = "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

/// Parses `iN`/`uN` (lower-case only, i1..i64, u1..u63).
fn field_type(arg: &[u8]) -> Result<(bool, u32), RedisError> {
    let err = || RedisError::err(BAD_TYPE);
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(err()),
    };
    let bits = parse_i64(arg.get(1..).unwrap_or(&[])).ok_or_else(err)?;
    if bits < 1 || (signed && bits > 64) || (!signed && bits > 63) {
        return Err(err());
    }
    Ok((signed, bits as u32))
}

/// A BITFIELD offset: plain bits, or `#N` meaning N fields of this width.
fn field_offset(ctx: &Ctx, arg: &[u8], bits: u32) -> Result<u64, RedisError> {
    let err = || RedisError::err(BAD_OFFSET);
    let (hash, digits) = match arg.split_first() {
        Some((b'#', rest)) => (true, rest),
        _ => (false, arg),
    };
    let mut off = parse_i64(digits).ok_or_else(err)?;
    if hash {
        off = off.wrapping_mul(i64::from(bits));
    }
    if off < 0 || (off >> 3) >= ctx.eng.config.max_string_len() {
        return Err(err());
    }
    Ok(off as u64)
}

fn get_field(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    let mut v = 0u64;
    for i in 0..u64::from(bits) {
        v = (v << 1) | u64::from(get_bit(bytes, offset + i));
    }
    v
}

fn get_signed(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_field(bytes, offset, bits);
    if bits < 64 && v & (1u64 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

fn set_field(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    for i in 0..bits {
        let bit = (value >> (bits - 1 - i)) & 1;
        let o = offset + u64::from(i);
        let shift = 7 - (o & 7) as u32;
        if let Some(b) = bytes.get_mut((o >> 3) as usize) {
            *b = (*b & !(1 << shift)) | ((bit as u8) << shift);
        }
    }
}

/// Redis's unsigned overflow check: Some(new value) or None when FAIL refuses.
fn unsigned_result(value: u64, incr: i64, bits: u32, ow: Overflow) -> (bool, u64) {
    let max = (1u64 << bits) - 1;
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = value.wrapping_neg() as i64;
    let wrap = || value.wrapping_add(incr as u64) & !(u64::MAX << bits);
    if value > max || (incr > 0 && incr > maxincr) {
        (true, if ow == Overflow::Wrap { wrap() } else { max })
    } else if incr < 0 && incr < minincr {
        (true, if ow == Overflow::Wrap { wrap() } else { 0 })
    } else {
        (false, value.wrapping_add(incr as u64))
    }
}

/// Redis's signed overflow check.
fn signed_result(value: i64, incr: i64, bits: u32, ow: Overflow) -> (bool, i64) {
    let max = if bits == 64 { i64::MAX } else { (1i64 << (bits - 1)) - 1 };
    let min = -max - 1;
    let maxincr = max.wrapping_sub(value);
    let minincr = min.wrapping_sub(value);
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    if value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        (true, if ow == Overflow::Wrap { wrap() } else { max })
    } else if value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr) {
        (true, if ow == Overflow::Wrap { wrap() } else { min })
    } else {
        (false, value.wrapping_add(incr))
    }
}

/// BITFIELD and BITFIELD_RO (`ro`).
fn bitfield_generic(ctx: &mut Ctx, ro: bool) -> CmdResult {
    let argv = ctx.args().rest();
    let Some((key, rest)) = argv.split_first() else {
        return Err(RedisError::syntax());
    };
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest: Option<u64> = None;
    let mut j = 0;
    while let Some(sub) = rest.get(j) {
        let remargs = rest.len() - j - 1;
        let opcode = if sub.eq_ignore_ascii_case(b"get") && remargs >= 2 {
            0
        } else if sub.eq_ignore_ascii_case(b"set") && remargs >= 3 {
            1
        } else if sub.eq_ignore_ascii_case(b"incrby") && remargs >= 3 {
            2
        } else if sub.eq_ignore_ascii_case(b"overflow") && remargs >= 1 {
            let t = rest.get(j + 1).map(Vec::as_slice).unwrap_or(&[]);
            overflow = if t.eq_ignore_ascii_case(b"wrap") {
                Overflow::Wrap
            } else if t.eq_ignore_ascii_case(b"sat") {
                Overflow::Sat
            } else if t.eq_ignore_ascii_case(b"fail") {
                Overflow::Fail
            } else {
                return Err(RedisError::err("Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(RedisError::syntax());
        };
        let arg = |k: usize| rest.get(j + k).map(Vec::as_slice).unwrap_or(&[]);
        let (signed, bits) = field_type(arg(1))?;
        let offset = field_offset(ctx, arg(2), bits)?;
        let mut write = None;
        if opcode != 0 {
            let top = offset + u64::from(bits) - 1;
            highest = Some(highest.map_or(top, |h| h.max(top)));
            let v = parse_i64(arg(3)).ok_or_else(RedisError::not_integer)?;
            write = Some((opcode == 2, v));
        }
        ops.push(FieldOp { write, signed, bits, offset, overflow });
        j += if opcode == 0 { 3 } else { 4 };
    }
    let mut grown = false;
    let mut bytes = match highest {
        None => {
            return Ok(Reply::Array(match ctx.read_string(key)? {
                None => ops.iter().map(|_| Reply::Int(0)).collect(),
                Some(s) => ops.iter().map(|op| read_op(&s.bytes, op)).collect(),
            }));
        }
        Some(_) if ro => return Err(RedisError::err("BITFIELD_RO only supports the GET subcommand")),
        Some(top) => {
            let need = (top >> 3) as usize + 1;
            let (mut b, existed) = match ctx.write_string(key)? {
                Some(s) => (std::mem::take(&mut s.bytes), true),
                None => (Vec::new(), false),
            };
            if b.len() < need {
                b.resize(need, 0);
                grown = true;
            }
            grown |= !existed;
            b
        }
    };
    let mut replies = Vec::with_capacity(ops.len());
    let mut changes = 0u64;
    for op in &ops {
        let Some((incr, v)) = op.write else {
            replies.push(read_op(&bytes, op));
            continue;
        };
        let (failed, newval, retval, oldval) = if op.signed {
            let old = get_signed(&bytes, op.offset, op.bits);
            let (of, new) = if incr {
                signed_result(old, v, op.bits, op.overflow)
            } else {
                let (of, w) = signed_result(v, 0, op.bits, op.overflow);
                (of, if of { w } else { v })
            };
            let ret = if incr { new } else { old };
            (of && op.overflow == Overflow::Fail, new as u64, ret, old as u64)
        } else {
            let old = get_field(&bytes, op.offset, op.bits);
            let (of, new) = if incr {
                unsigned_result(old, v, op.bits, op.overflow)
            } else {
                let (of, w) = unsigned_result(v as u64, 0, op.bits, op.overflow);
                (of, if of { w } else { v as u64 })
            };
            let ret = if incr { new as i64 } else { old as i64 };
            (of && op.overflow == Overflow::Fail, new, ret, old)
        };
        if failed {
            replies.push(Reply::Nil);
        } else {
            replies.push(Reply::Int(retval));
            // Signed values compare by their bits within the field, as Redis's do.
            let mask = if op.bits == 64 { u64::MAX } else { !(u64::MAX << op.bits) };
            if grown || (oldval & mask) != (newval & mask) {
                changes += 1;
            }
            set_field(&mut bytes, op.offset, op.bits, newval);
        }
    }
    match ctx.write_string(key)? {
        Some(s) => {
            let old_len = s.bytes.len();
            s.bytes = bytes;
            s.note_growth(old_len);
        }
        None => ctx.set_key(key, Value::Str(StrValue::raw(bytes)), false),
    }
    if changes > 0 {
        ctx.signal_modified(key);
        ctx.notify(EventClass::String, "setbit", key);
        ctx.dirty(changes);
    }
    Ok(Reply::Array(replies))
}

/// A GET operation's reply on a string's bytes.
fn read_op(bytes: &[u8], op: &FieldOp) -> Reply {
    if op.signed {
        Reply::Int(get_signed(bytes, op.offset, op.bits))
    } else {
        Reply::Int(get_field(bytes, op.offset, op.bits) as i64)
    }
}

/// BITFIELD key [GET type offset | SET type offset value | INCRBY type offset incr |
/// OVERFLOW WRAP|SAT|FAIL ...]
fn bitfield(ctx: &mut Ctx) -> CmdResult {
    bitfield_generic(ctx, false)
}

/// BITFIELD_RO key [GET type offset ...]
fn bitfield_ro(ctx: &mut Ctx) -> CmdResult {
    bitfield_generic(ctx, true)
}

// ---- command table --------------------------------------------------------------------------

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "setbit",
        arity: 4,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@bitmap", "@slow"],
        group: Group::Bitmap,
        since: "2.2.0",
        syntax: "key offset value",
        summary: "Sets or clears one bit of a string, growing it with zero bytes; replies with the old bit.",
        complexity: "O(1)",
        handler: setbit,
        subcommands: &[],
    },
    CommandSpec {
        name: "getbit",
        arity: 3,
        flags: &["readonly", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@bitmap", "@fast"],
        group: Group::Bitmap,
        since: "2.2.0",
        syntax: "key offset",
        summary: "Reads one bit of a string; bits past its end read as 0.",
        complexity: "O(1)",
        handler: getbit,
        subcommands: &[],
    },
    CommandSpec {
        name: "bitcount",
        arity: -2,
        flags: &["readonly"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@bitmap", "@slow"],
        group: Group::Bitmap,
        since: "2.6.0",
        syntax: "key [start end [BYTE|BIT]]",
        summary: "Counts the 1 bits of a string, or of a byte or bit range of it.",
        complexity: "O(N)",
        handler: bitcount,
        subcommands: &[],
    },
    CommandSpec {
        name: "bitpos",
        arity: -3,
        flags: &["readonly"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@bitmap", "@slow"],
        group: Group::Bitmap,
        since: "2.8.7",
        syntax: "key bit [start [end [BYTE|BIT]]]",
        summary: "Finds the position of the first 0 or 1 bit of a string, optionally within a range.",
        complexity: "O(N)",
        handler: bitpos,
        subcommands: &[],
    },
    CommandSpec {
        name: "bitop",
        arity: -4,
        flags: &["write", "denyoom"],
        first_key: 2,
        last_key: -1,
        step: 1,
        acl: &["@write", "@bitmap", "@slow"],
        group: Group::Bitmap,
        since: "2.6.0",
        syntax: "AND|OR|XOR|NOT destkey key [key ...]",
        summary: "Combines strings bit by bit (AND, OR, XOR, or NOT of one) into the destination key.",
        complexity: "O(N) in the length of the longest string",
        handler: bitop,
        subcommands: &[],
    },
    CommandSpec {
        name: "bitfield",
        arity: -2,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@bitmap", "@slow"],
        group: Group::Bitmap,
        since: "3.2.0",
        syntax: "key [GET encoding offset | [OVERFLOW WRAP|SAT|FAIL] SET encoding offset value | [OVERFLOW WRAP|SAT|FAIL] INCRBY encoding offset increment ...]",
        summary: "Reads, writes and increments integer fields of any width at any bit offset of a string.",
        complexity: "O(1) per operation",
        handler: bitfield,
        subcommands: &[],
    },
    CommandSpec {
        name: "bitfield_ro",
        arity: -2,
        flags: &["readonly", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@bitmap", "@fast"],
        group: Group::Bitmap,
        since: "6.0.0",
        syntax: "key [GET encoding offset ...]",
        summary: "The read-only form of BITFIELD: only GET operations.",
        complexity: "O(1) per operation",
        handler: bitfield_ro,
        subcommands: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_bit_rules() {
        assert_eq!(first_bit(&[0x00, 0x10], 1), 11);
        assert_eq!(first_bit(&[0x00], 1), -1);
        assert_eq!(first_bit(&[0xff], 0), 8);
        assert_eq!(first_bit(&[0xfe], 0), 7);
    }

    #[test]
    fn ranges_in_bits() {
        let r = resolve(3, 12, 2, true);
        assert_eq!((r.start, r.end), (0, 1));
        assert_eq!(r.first_mask, 0xe0);
        assert_eq!(r.last_mask, 0x07);
    }

    #[test]
    fn bitfield_overflow_rules() {
        assert_eq!(unsigned_result(250, 10, 8, Overflow::Wrap), (true, 4));
        assert_eq!(unsigned_result(250, 10, 8, Overflow::Sat), (true, 255));
        assert_eq!(unsigned_result(5, -10, 8, Overflow::Sat), (true, 0));
        assert_eq!(signed_result(127, 1, 8, Overflow::Wrap), (true, -128));
        assert_eq!(signed_result(-128, -1, 8, Overflow::Sat), (true, -128));
        assert_eq!(signed_result(i64::MAX, 1, 64, Overflow::Wrap), (true, i64::MIN));
        let mut b = vec![0u8; 2];
        set_field(&mut b, 4, 8, 0xab);
        assert_eq!(b, [0x0a, 0xb0]);
        assert_eq!(get_field(&b, 4, 8), 0xab);
        assert_eq!(get_signed(&b, 4, 8), 0xab_u8 as i8 as i64);
    }

    fn engine() -> (crate::engine::Engine, crate::engine::ClientId) {
        let (mut e, _clock) = crate::engine::Engine::with_virtual_clock();
        let c = e.connect();
        (e, c)
    }

    #[test]
    fn events_encoding_and_empty_bitop() {
        let (mut e, c) = engine();
        e.capture_events(true);
        let run = |e: &mut crate::engine::Engine, l: &str| e.execute_line(c, l).unwrap_or_else(Reply::Error);
        assert_eq!(run(&mut e, "setbit k 7 1"), Reply::Int(0));
        assert_eq!(run(&mut e, "bitfield k set u8 8 3 get u4 4"), Reply::Array(vec![Reply::Int(0), Reply::Int(1)]));
        assert_eq!(run(&mut e, "bitop or d k"), Reply::Int(2));
        assert_eq!(run(&mut e, "bitop and d nosuch"), Reply::Int(0));
        let names: Vec<_> = e.drain_events().into_iter().map(|ev| ev.event).collect();
        assert_eq!(names, ["setbit", "setbit", "set", "del"]);
        let enc = e.db(0).and_then(|d| d.peek(b"k")).map(|en| en.value.encoding_name());
        assert_eq!(enc, Some("raw"));
    }

    #[test]
    fn unchanged_writes_are_silent() {
        let (mut e, c) = engine();
        for l in ["setbit k 0 0", "bitfield f overflow fail set u2 0 9"] {
            let _ = e.execute_line(c, l);
        }
        e.capture_events(true);
        for l in [
            "setbit k 0 0",
            "setbit k 0 1",
            "bitfield f set u2 0 0",
            "bitfield f set u2 0 1",
            "bitfield f overflow fail incrby u2 0 9",
        ] {
            let _ = e.execute_line(c, l);
        }
        let names: Vec<_> = e.drain_events().into_iter().map(|ev| ev.event).collect();
        assert_eq!(names, ["setbit", "setbit"]);
    }
}
