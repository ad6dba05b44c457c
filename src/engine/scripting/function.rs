//! Function libraries (FUNCTION LOAD / DUMP / RESTORE): the `#!lua name=<lib>` metadata line,
//! name and flag rules, and the DUMP payload, which uses Redis's own framing so payloads move
//! between Redis and the playground: for each library the RDB opcode `FUNCTION2` (245) and the
//! library code as an RDB string, then the RDB version (10) as two little-endian bytes and the
//! CRC-64 (Jones polynomial, as Redis's `crc64`) of everything before it, little-endian. We
//! write strings uncompressed (Redis accepts that); LZF-compressed strings from Redis are read.

use crate::engine::cli::split_args;

/// `FUNCTION2`, the RDB opcode before each library in a DUMP payload.
pub const RDB_OPCODE_FUNCTION2: u8 = 245;
/// Redis 7.0's RDB version.
pub const RDB_VERSION: u16 = 10;

/// Function flags, as bits.
pub const FLAG_NO_WRITES: u32 = 1;
pub const FLAG_ALLOW_OOM: u32 = 2;
pub const FLAG_ALLOW_STALE: u32 = 4;
pub const FLAG_NO_CLUSTER: u32 = 8;
pub const FLAG_ALLOW_CROSS_SLOT: u32 = 16;

/// Flag names in Redis's order (FUNCTION LIST prints them so).
pub const FLAG_NAMES: &[(&str, u32)] = &[
    ("no-writes", FLAG_NO_WRITES),
    ("allow-oom", FLAG_ALLOW_OOM),
    ("allow-stale", FLAG_ALLOW_STALE),
    ("no-cluster", FLAG_NO_CLUSTER),
    ("allow-cross-slot-keys", FLAG_ALLOW_CROSS_SLOT),
];

/// A flag's bit from its name.
pub fn flag_bit(name: &[u8]) -> Option<u32> {
    FLAG_NAMES.iter().find(|(n, _)| n.as_bytes() == name).map(|(_, b)| *b)
}

/// The flags' names, in order.
pub fn flag_names(flags: u32) -> Vec<&'static str> {
    FLAG_NAMES.iter().filter(|(_, b)| flags & b != 0).map(|(n, _)| *n).collect()
}

/// Library and function names: letters, digits and underscores, at least one.
pub fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// What the `#!<engine> name=<lib>` line of a library says.
#[derive(Debug, PartialEq, Eq)]
pub struct LibMeta {
    pub engine: String,
    pub name: String,
}

/// Parses a library's first line, with Redis's error texts (without the `ERR ` prefix).
pub fn parse_library_meta(code: &[u8]) -> Result<LibMeta, String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("Invalid library metadata".into());
    };
    let parts = match split_args(&code[..end]) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("Invalid library metadata".into()),
    };
    let engine = String::from_utf8_lossy(parts[0].get(2..).unwrap_or_default()).into_owned();
    let mut name: Option<String> = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err("Invalid metadata value, name argument was given multiple times".into());
            }
            name = Some(String::from_utf8_lossy(&part[5..]).into_owned());
            continue;
        }
        return Err(format!("Invalid metadata value given: {}", String::from_utf8_lossy(part)));
    }
    let Some(name) = name else {
        return Err("Library name was not given".into());
    };
    Ok(LibMeta { engine, name })
}

/// The code with its first (shebang) line blanked, so line numbers stay those of the text the
/// user wrote, as in Redis's messages (`user_function:2: ...`).
pub fn blank_first_line(code: &[u8]) -> Vec<u8> {
    match code.iter().position(|&b| b == b'\n') {
        Some(i) => code[i..].to_vec(),
        None => Vec::new(),
    }
}

/// Redis's CRC-64 (Jones coefficients, reflected, no final xor).
pub fn crc64(data: &[u8]) -> u64 {
    const POLY: u64 = 0x95ac_9329_ac4b_c9b5; // 0xad93d23594c935a9 reflected
    let mut crc: u64 = 0;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ POLY } else { crc >> 1 };
        }
    }
    crc
}

fn put_rdb_len(out: &mut Vec<u8>, len: usize) {
    if len < 64 {
        out.push(len as u8);
    } else if len < 16384 {
        out.push(0x40 | (len >> 8) as u8);
        out.push((len & 0xff) as u8);
    } else if len <= u32::MAX as usize {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// An RDB string as Redis writes it with `rdbcompression yes`: strings over 20 bytes are
/// LZF-compressed when that saves at least 4 bytes (`0xC3`, compressed and original lengths,
/// data), others are written plain.
fn put_rdb_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() > 20 {
        if let Some(packed) = lzf_compress(s, s.len() - 4) {
            out.push(0xC3);
            put_rdb_len(out, packed.len());
            put_rdb_len(out, s.len());
            out.extend_from_slice(&packed);
            return;
        }
    }
    put_rdb_len(out, s.len());
    out.extend_from_slice(s);
}

/// FUNCTION DUMP's payload for these library codes.
pub fn dump_payload<'a>(codes: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(RDB_OPCODE_FUNCTION2);
        put_rdb_string(&mut out, code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The error FUNCTION RESTORE gives for a payload that is not one.
pub const BAD_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";

/// Reads a DUMP payload back into library codes. Err carries the full error text.
pub fn parse_payload(p: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if p.len() < 10 {
        return Err(BAD_PAYLOAD.into());
    }
    let (body, trailer) = p.split_at(p.len() - 10);
    let version = u16::from_le_bytes([trailer[0], trailer[1]]);
    let mut crc_bytes = [0u8; 8];
    crc_bytes.copy_from_slice(&trailer[2..10]);
    let crc = u64::from_le_bytes(crc_bytes);
    if version > RDB_VERSION || crc64(&p[..p.len() - 8]) != crc {
        return Err(BAD_PAYLOAD.into());
    }
    let mut codes = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if body[i] != RDB_OPCODE_FUNCTION2 {
            return Err("ERR given type is not a function".into());
        }
        i += 1;
        let (code, used) = read_rdb_string(body.get(i..).unwrap_or_default()).ok_or_else(bad_data)?;
        i += used;
        codes.push(code);
    }
    Ok(codes)
}

fn bad_data() -> String {
    "ERR failed loading the library".into()
}

fn read_rdb_len(b: &[u8]) -> Option<(u64, bool, usize)> {
    let first = *b.first()?;
    match first >> 6 {
        0 => Some((u64::from(first & 0x3f), false, 1)),
        1 => Some(((u64::from(first & 0x3f) << 8) | u64::from(*b.get(1)?), false, 2)),
        2 => match first {
            0x80 => {
                let s = b.get(1..5)?;
                Some((u64::from(u32::from_be_bytes([s[0], s[1], s[2], s[3]])), false, 5))
            }
            0x81 => {
                let s = b.get(1..9)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                Some((u64::from_be_bytes(a), false, 9))
            }
            _ => None,
        },
        // Special encodings: 0..2 integers, 3 LZF.
        _ => Some((u64::from(first & 0x3f), true, 1)),
    }
}

/// An RDB string (plain, integer-encoded or LZF) and the bytes it took.
fn read_rdb_string(b: &[u8]) -> Option<(Vec<u8>, usize)> {
    let (len, special, used) = read_rdb_len(b)?;
    if !special {
        let len = usize::try_from(len).ok()?;
        let end = used.checked_add(len)?;
        return Some((b.get(used..end)?.to_vec(), end));
    }
    match len {
        0 => Some(((*b.get(used)? as i8).to_string().into_bytes(), used + 1)),
        1 => {
            let s = b.get(used..used + 2)?;
            Some((i16::from_le_bytes([s[0], s[1]]).to_string().into_bytes(), used + 2))
        }
        2 => {
            let s = b.get(used..used + 4)?;
            Some((i32::from_le_bytes([s[0], s[1], s[2], s[3]]).to_string().into_bytes(), used + 4))
        }
        3 => {
            let rest = b.get(used..)?;
            let (clen, _, u1) = read_rdb_len(rest)?;
            let (ulen, _, u2) = read_rdb_len(rest.get(u1..)?)?;
            let start = used + u1 + u2;
            let end = start.checked_add(usize::try_from(clen).ok()?)?;
            let data = lzf_decompress(b.get(start..end)?, usize::try_from(ulen).ok()?)?;
            Some((data, end))
        }
        _ => None,
    }
}

/// LZF compression as liblzf 3.6 does it with Redis's settings (`HLOG` 16, `VERY_FAST`, a
/// zeroed hash table), so payloads come out byte for byte as Redis writes them. `None` when
/// the output would exceed `out_max` bytes.
pub fn lzf_compress(input: &[u8], out_max: usize) -> Option<Vec<u8>> {
    const HLOG: u32 = 16;
    const HSIZE: usize = 1 << HLOG;
    const MAX_LIT: usize = 1 << 5;
    const MAX_OFF: usize = 1 << 13;
    const MAX_REF: usize = (1 << 8) + (1 << 3);
    let n = input.len();
    if n == 0 || out_max == 0 {
        return None;
    }
    let idx = |h: u32| -> usize { ((h >> (24 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1) };
    let first = |p: usize| -> u32 { (u32::from(input[p]) << 8) | u32::from(*input.get(p + 1).unwrap_or(&0)) };
    let next = |v: u32, p: usize| -> u32 { (v << 8) | u32::from(*input.get(p + 2).unwrap_or(&0)) };
    // Slot values are positions + 1; 0 means empty (Redis's stale slots point before the input).
    let mut htab = vec![0usize; HSIZE];
    let mut out: Vec<u8> = vec![0];
    let mut lit: usize = 0;
    let mut ip = 0usize;
    let mut hval = first(0);
    // `out` holds a placeholder control byte for the current literal run at out.len()-lit-1.
    while ip + 2 < n {
        hval = next(hval, ip);
        let slot = idx(hval);
        let refp = htab[slot];
        htab[slot] = ip + 1;
        let matched = refp > 1 && {
            let r = refp - 1;
            let off = ip - r - 1;
            off < MAX_OFF && input[r + 2] == input[ip + 2] && input[r] == input[ip] && input[r + 1] == input[ip + 1]
        };
        if matched {
            let r = refp - 1;
            let off = ip - r - 1;
            let mut len = 2usize;
            let maxlen = (n - ip - len).min(MAX_REF);
            // The output may not grow past out_max (liblzf's checks, in its own terms).
            if out.len() + 4 >= out_max && out.len() - usize::from(lit == 0) + 4 >= out_max {
                return None;
            }
            let ctrl = out.len() - lit - 1;
            out[ctrl] = (lit as u8).wrapping_sub(1);
            if lit == 0 {
                out.pop();
            }
            // liblzf checks 16 more bytes unrolled when far from the end, then one at a time.
            let mut mismatch = false;
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[r + len] != input[ip + len] {
                        mismatch = true;
                        break;
                    }
                }
            }
            if !mismatch {
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2;
            ip += 1;
            if len < 7 {
                out.push(((off >> 8) + (len << 5)) as u8);
            } else {
                out.push(((off >> 8) + (7 << 5)) as u8);
                out.push((len - 7) as u8);
            }
            out.push(off as u8);
            lit = 0;
            out.push(0);
            ip += len + 1;
            if ip + 2 >= n {
                break;
            }
            ip -= 2;
            hval = first(ip);
            hval = next(hval, ip);
            htab[idx(hval)] = ip + 1;
            ip += 1;
            hval = next(hval, ip);
            htab[idx(hval)] = ip + 1;
            ip += 1;
        } else {
            if out.len() >= out_max {
                return None;
            }
            lit += 1;
            out.push(input[ip]);
            ip += 1;
            if lit == MAX_LIT {
                let ctrl = out.len() - lit - 1;
                out[ctrl] = (lit - 1) as u8;
                lit = 0;
                out.push(0);
            }
        }
    }
    if out.len() + 3 > out_max {
        return None;
    }
    while ip < n {
        lit += 1;
        out.push(input[ip]);
        ip += 1;
        if lit == MAX_LIT {
            let ctrl = out.len() - lit - 1;
            out[ctrl] = (lit - 1) as u8;
            lit = 0;
            out.push(0);
        }
    }
    let ctrl = out.len() - lit - 1;
    out[ctrl] = (lit as u8).wrapping_sub(1);
    if lit == 0 {
        out.pop();
    }
    Some(out)
}

/// LZF decompression (the format Redis compresses RDB strings with).
pub fn lzf_decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    if out_len > 512 * 1024 * 1024 {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut i = 0;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            out.extend_from_slice(input.get(i..i + n)?);
            i += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(i)?);
                i += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + usize::from(*input.get(i)?) + 1;
            i += 1;
            let from = out.len().checked_sub(back)?;
            for k in 0..len + 2 {
                let byte = *out.get(from + k)?;
                out.push(byte);
            }
        }
        if out.len() > out_len {
            return None;
        }
    }
    (out.len() == out_len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_matches_redis() {
        // The check value of Redis's crc64 test ("123456789").
        assert_eq!(crc64(b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }

    #[test]
    fn metadata_rules() {
        assert_eq!(parse_library_meta(b"return 1"), Err("Missing library metadata".into()));
        assert_eq!(parse_library_meta(b"#!lua name=x"), Err("Invalid library metadata".into()));
        assert_eq!(parse_library_meta(b"#!lua\n"), Err("Library name was not given".into()));
        assert_eq!(parse_library_meta(b"#!lua name=a foo=bar\n"), Err("Invalid metadata value given: foo=bar".into()));
        assert_eq!(
            parse_library_meta(b"#!lua name=a NAME=b\n"),
            Err("Invalid metadata value, name argument was given multiple times".into())
        );
        assert_eq!(parse_library_meta(b"#!LUA name=lib\nx"), Ok(LibMeta { engine: "LUA".into(), name: "lib".into() }));
        assert!(valid_name(b"a_1") && !valid_name(b"") && !valid_name(b"a-b"));
        assert_eq!(blank_first_line(b"#!lua name=x\nreturn 1"), b"\nreturn 1");
    }

    #[test]
    fn payload_round_trip_and_redis_bytes() {
        let code: &[u8] = b"#!lua name=d\nredis.register_function('d', function() return 1 end)";
        // What redis-server 7.0.15 answers to FUNCTION DUMP for that library.
        let mut redis = vec![0xf5, b'@', b'B'];
        redis.extend_from_slice(code);
        redis.extend_from_slice(b"\n\x004k'9\x90f/\\");
        assert_eq!(dump_payload(std::iter::once(code)), redis);
        assert_eq!(parse_payload(&redis), Ok(vec![code.to_vec()]));
        assert_eq!(parse_payload(b"garbage"), Err(BAD_PAYLOAD.into()));
        let mut broken = redis.clone();
        broken[5] ^= 1;
        assert_eq!(parse_payload(&broken), Err(BAD_PAYLOAD.into()));
        assert_eq!(parse_payload(&dump_payload(std::iter::empty())), Ok(vec![]));
    }

    #[test]
    fn lzf_round_trips() {
        let samples: Vec<Vec<u8>> = vec![
            b"#!lua name=big\nredis.register_function('a', function() return 1 end)\nredis.register_function('b', function() return 1 end)".to_vec(),
            vec![b'x'; 1000],
            (0..5000u32).map(|i| (i * 7 % 251) as u8).collect(),
            b"abcdefghijklmnopqrstuvwxyz0123456789".to_vec(),
        ];
        for s in samples {
            if let Some(packed) = lzf_compress(&s, s.len() - 4) {
                assert!(packed.len() <= s.len() - 4);
                assert_eq!(lzf_decompress(&packed, s.len()), Some(s.clone()));
            }
        }
        // Incompressible text is left plain.
        assert_eq!(lzf_compress(b"abcdefghijklmnopqrstuvwxyz0123456789", 32), None);
    }

    #[test]
    fn lzf_back_references() {
        // "abcabcabc": 3 literals, then a back reference of length 6 at distance 3.
        let packed = [2, b'a', b'b', b'c', (4 << 5), 2];
        assert_eq!(lzf_decompress(&packed, 9), Some(b"abcabcabc".to_vec()));
        assert_eq!(lzf_decompress(&[0x20, 5], 3), None);
    }
}
