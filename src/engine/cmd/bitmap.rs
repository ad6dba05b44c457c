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
    if off < 0 || (off >> 3) >= ctx.eng.config.proto_max_bulk_len {
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
    Range {
        start,
        end,
        first_mask,
        last_mask,
    }
}

fn at(bytes: &[u8], i: i64) -> u8 {
    usize::try_from(i)
        .ok()
        .and_then(|i| bytes.get(i))
        .copied()
        .unwrap_or(0)
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
    let old = match ctx.write_string(key)? {
        Some(s) => {
            let mut bytes = std::mem::take(&mut s.bytes);
            if bytes.len() <= byte {
                bytes.resize(byte + 1, 0);
            }
            let mut old = 0;
            if let Some(b) = bytes.get_mut(byte) {
                old = (*b >> shift) & 1;
                *b = (*b & !(1 << shift)) | ((on as u8) << shift);
            }
            *s = StrValue::raw(bytes);
            ctx.signal_modified(key);
            old
        }
        None => {
            let mut bytes = vec![0u8; byte + 1];
            if let Some(b) = bytes.get_mut(byte) {
                *b = (on as u8) << shift;
            }
            ctx.set_key(key, Value::Str(StrValue::raw(bytes)), false);
            0
        }
    };
    ctx.notify(EventClass::String, "setbit", key);
    ctx.dirty(1);
    Ok(Reply::Int(i64::from(old)))
}

/// GETBIT key offset
fn getbit(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let offset = bit_offset(ctx, a.next()?)?;
    Ok(Reply::Int(
        ctx.read_string(key)?
            .map_or(0, |s| i64::from(get_bit(&s.bytes, offset))),
    ))
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
        0 => Range {
            start: 0,
            end: strlen - 1,
            first_mask: 0,
            last_mask: 0,
        },
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
        0 => Range {
            start: 0,
            end: strlen - 1,
            first_mask: 0,
            last_mask: 0,
        },
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
            let slice = bytes
                .get(start as usize..(start + cur) as usize)
                .unwrap_or(&[]);
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
    let op = argv
        .first()
        .map(|o| o.to_ascii_lowercase())
        .unwrap_or_default();
    let op = match op.as_slice() {
        b"and" | b"or" | b"xor" | b"not" => op,
        _ => return Err(RedisError::syntax()),
    };
    if op == b"not" && argv.len() != 3 {
        return Err(RedisError::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let Some(dest) = argv.get(1) else {
        return Err(RedisError::syntax());
    };
    let mut srcs: Vec<Vec<u8>> = Vec::new();
    for k in argv.get(2..).unwrap_or(&[]) {
        srcs.push(
            ctx.read_string(k)?
                .map(|s| s.bytes.clone())
                .unwrap_or_default(),
        );
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
}
