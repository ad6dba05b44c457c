//! The snapshot format: every database's keys, values and expiry times in one versioned,
//! checksummed byte string.
//!
//! Layout (all integers little-endian):
//! `"RPGSNAP"` magic, `u16` version, `u16` database count, then per database `u16` index and
//! `u64` key count followed by the entries, then an `u64` FNV-1a checksum of everything
//! before it. An entry is a length-prefixed key, a flags byte (bit 0: has expiry), the expiry
//! in Unix ms when present, a type tag and the type's payload.
//!
//! Architecture invariant: importing is all-or-nothing. The whole snapshot is decoded and
//! validated into fresh databases before anything in the engine changes, so a corrupt or
//! foreign file leaves the current state untouched.

use std::fmt;

use crate::engine::cmd::hash::HashValue;
use crate::engine::cmd::list::ListValue;
use crate::engine::cmd::set::SetValue;
use crate::engine::cmd::zset::ZSetValue;
use crate::engine::dict::Dict;
use crate::engine::keyspace::{Db, Entry, StrEnc, StrValue, Value};
use crate::engine::{Engine, DATABASES};

const MAGIC: &[u8; 7] = b"RPGSNAP";
/// The current format version; bump it when the layout changes and keep reading old ones.
pub const VERSION: u16 = 1;

const TAG_STRING: u8 = 0;
const TAG_LIST: u8 = 1;
const TAG_HASH: u8 = 2;
const TAG_SET: u8 = 3;
const TAG_ZSET: u8 = 4;
const TAG_STREAM: u8 = 5;

/// Why a snapshot could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotError {
    NotASnapshot,
    UnsupportedVersion(u16),
    Truncated,
    ChecksumMismatch,
    Corrupt(String),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::NotASnapshot => f.write_str("this file is not a Redis Playground snapshot"),
            SnapshotError::UnsupportedVersion(v) => {
                write!(f, "snapshot format version {v} is newer than this playground understands ({VERSION})")
            }
            SnapshotError::Truncated => f.write_str("the snapshot is truncated"),
            SnapshotError::ChecksumMismatch => f.write_str("the snapshot is damaged (checksum mismatch)"),
            SnapshotError::Corrupt(why) => write!(f, "the snapshot is damaged: {why}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// What an import restored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    pub keys: usize,
    pub databases: usize,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

// ---- writing --------------------------------------------------------------------------------

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
}

fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Str(s) => {
            out.push(TAG_STRING);
            out.push(match s.enc {
                StrEnc::Int => 0,
                StrEnc::Embstr => 1,
                StrEnc::Raw => 2,
            });
            put_bytes(out, &s.bytes);
        }
        Value::List(l) => {
            out.push(TAG_LIST);
            out.extend_from_slice(&(l.items.len() as u64).to_le_bytes());
            for item in &l.items {
                put_bytes(out, item);
            }
        }
        Value::Hash(h) => {
            out.push(TAG_HASH);
            out.push(u8::from(matches!(h, HashValue::Table(_))));
            out.extend_from_slice(&(h.len() as u64).to_le_bytes());
            for (f, v) in h.pairs() {
                put_bytes(out, f);
                put_bytes(out, v);
            }
        }
        Value::Set(set) => {
            out.push(TAG_SET);
            out.push(u8::from(matches!(set, SetValue::Hash(_))));
            let members = set.members();
            out.extend_from_slice(&(members.len() as u64).to_le_bytes());
            for m in &members {
                put_bytes(out, m);
            }
        }
        Value::ZSet(z) => {
            out.push(TAG_ZSET);
            out.push(u8::from(z.encoding_name() == "listpack"));
            let nodes = z.levels();
            out.extend_from_slice(&(nodes.len() as u64).to_le_bytes());
            for (member, score, level) in &nodes {
                put_bytes(out, member);
                out.extend_from_slice(&score.to_bits().to_le_bytes());
                out.push(*level as u8);
            }
        }
        Value::Stream(s) => {
            out.push(TAG_STREAM);
            put_bytes(out, &s.encode());
        }
    }
}

/// Serializes every non-empty database of the engine. Keys already past their expiry time
/// are left out.
pub fn export(engine: &Engine) -> Vec<u8> {
    let now = engine.now_ms();
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let dbs: Vec<(usize, &Db)> =
        (0..DATABASES).filter_map(|i| engine.db(i).map(|d| (i, d))).filter(|(_, d)| !d.is_empty()).collect();
    out.extend_from_slice(&(dbs.len() as u16).to_le_bytes());
    for (index, db) in dbs {
        let live: Vec<(&Vec<u8>, &Entry)> = db.iter().filter(|(_, e)| e.expire_at.is_none_or(|at| at >= now)).collect();
        out.extend_from_slice(&(index as u16).to_le_bytes());
        out.extend_from_slice(&(live.len() as u64).to_le_bytes());
        for (key, e) in live {
            put_bytes(&mut out, key);
            match e.expire_at {
                Some(at) => {
                    out.push(1);
                    out.extend_from_slice(&at.to_le_bytes());
                }
                None => out.push(0),
            }
            put_value(&mut out, &e.value);
        }
    }
    let sum = fnv1a(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

// ---- reading --------------------------------------------------------------------------------

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.pos.checked_add(n).ok_or(SnapshotError::Truncated)?;
        let s = self.buf.get(self.pos..end).ok_or(SnapshotError::Truncated)?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }
    fn u16(&mut self) -> Result<u16, SnapshotError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u64(&mut self) -> Result<u64, SnapshotError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn i64(&mut self) -> Result<i64, SnapshotError> {
        Ok(self.u64()? as i64)
    }
    fn flag(&mut self, what: &str) -> Result<bool, SnapshotError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(SnapshotError::Corrupt(format!("bad {what} {other}"))),
        }
    }
    /// An element count, checked against the bytes left so a forged count cannot make the
    /// reader allocate or loop far beyond the input.
    fn count(&mut self) -> Result<u64, SnapshotError> {
        let n = self.u64()?;
        if n > (self.buf.len() - self.pos) as u64 {
            return Err(SnapshotError::Truncated);
        }
        Ok(n)
    }
    fn bytes(&mut self) -> Result<Vec<u8>, SnapshotError> {
        let n = self.u64()?;
        let n = usize::try_from(n).map_err(|_| SnapshotError::Truncated)?;
        Ok(self.take(n)?.to_vec())
    }
}

fn read_value(r: &mut Reader) -> Result<Value, SnapshotError> {
    match r.u8()? {
        TAG_STRING => {
            let enc = match r.u8()? {
                0 => StrEnc::Int,
                1 => StrEnc::Embstr,
                2 => StrEnc::Raw,
                other => return Err(SnapshotError::Corrupt(format!("unknown string encoding {other}"))),
            };
            Ok(Value::Str(StrValue { bytes: r.bytes()?, enc, sds: (0, 0) }))
        }
        TAG_LIST => {
            let n = r.count()?;
            let mut l = ListValue::new();
            for _ in 0..n {
                l.items.push_back(r.bytes()?);
            }
            Ok(Value::List(l))
        }
        TAG_HASH => {
            let table = match r.u8()? {
                0 => false,
                1 => true,
                other => return Err(SnapshotError::Corrupt(format!("unknown hash encoding {other}"))),
            };
            let n = r.count()?;
            let mut pairs = Vec::new();
            for _ in 0..n {
                pairs.push((r.bytes()?, r.bytes()?));
            }
            Ok(Value::Hash(if table {
                let mut d = Dict::new();
                for (f, v) in pairs {
                    d.insert(f, v);
                }
                HashValue::Table(d)
            } else {
                HashValue::Listpack(pairs)
            }))
        }
        TAG_SET => {
            let hashtable = r.flag("set encoding")?;
            let n = r.count()?;
            let mut members = Vec::new();
            for _ in 0..n {
                members.push(r.bytes()?);
            }
            if hashtable {
                let mut d = Dict::new();
                for m in members {
                    d.insert(m, ());
                }
                Ok(Value::Set(SetValue::Hash(d)))
            } else {
                let mut ints = Vec::new();
                for m in &members {
                    let n = crate::engine::num::parse_i64(m)
                        .ok_or_else(|| SnapshotError::Corrupt("non-integer member in an intset".into()))?;
                    ints.push(n);
                }
                ints.sort_unstable();
                ints.dedup();
                Ok(Value::Set(SetValue::Intset(ints)))
            }
        }
        TAG_ZSET => {
            let listpack = r.flag("zset encoding")?;
            let n = r.count()?;
            let mut nodes = Vec::new();
            for _ in 0..n {
                let member = r.bytes()?;
                let score = f64::from_bits(r.u64()?);
                if score.is_nan() {
                    return Err(SnapshotError::Corrupt("NaN score".into()));
                }
                nodes.push((member, score, usize::from(r.u8()?)));
            }
            Ok(Value::ZSet(ZSetValue::restore(nodes, listpack)))
        }
        TAG_STREAM => crate::engine::stream::Stream::decode(&r.bytes()?)
            .map(|s| Value::Stream(Box::new(s)))
            .ok_or_else(|| SnapshotError::Corrupt("bad stream payload".into())),
        other => Err(SnapshotError::Corrupt(format!("unknown value type {other}"))),
    }
}

/// Decodes a snapshot into fresh databases without touching any engine.
pub fn decode(bytes: &[u8]) -> Result<Vec<Db>, SnapshotError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(SnapshotError::NotASnapshot);
    }
    if bytes.len() < MAGIC.len() + 2 + 8 {
        return Err(SnapshotError::Truncated);
    }
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    let mut r = Reader { buf: body, pos: MAGIC.len() };
    let version = r.u16()?;
    if version > VERSION {
        return Err(SnapshotError::UnsupportedVersion(version));
    }
    let mut a = [0u8; 8];
    a.copy_from_slice(sum);
    if fnv1a(body) != u64::from_le_bytes(a) {
        return Err(SnapshotError::ChecksumMismatch);
    }
    let mut dbs: Vec<Db> = (0..DATABASES).map(|_| Db::default()).collect();
    let count = r.u16()?;
    for _ in 0..count {
        let index = usize::from(r.u16()?);
        let keys = r.count()?;
        let db = dbs.get_mut(index).ok_or_else(|| SnapshotError::Corrupt(format!("database {index} out of range")))?;
        for _ in 0..keys {
            let key = r.bytes()?;
            let expire_at = match r.u8()? {
                0 => None,
                1 => Some(r.i64()?),
                other => return Err(SnapshotError::Corrupt(format!("bad flags {other}"))),
            };
            let value = read_value(&mut r)?;
            let mut e = Entry::new(value, 0);
            e.expire_at = expire_at;
            db.put(key, e);
        }
    }
    if r.pos != body.len() {
        return Err(SnapshotError::Corrupt("trailing bytes".into()));
    }
    Ok(dbs)
}

/// Replaces the engine's databases with the snapshot's, or changes nothing on error.
pub fn import(engine: &mut Engine, bytes: &[u8]) -> Result<ImportSummary, SnapshotError> {
    let dbs = decode(bytes)?;
    let summary =
        ImportSummary { keys: dbs.iter().map(Db::len).sum(), databases: dbs.iter().filter(|d| !d.is_empty()).count() };
    engine.replace_databases(dbs);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Reply;

    fn engine_with_data() -> Engine {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        for line in [
            "set a 1",
            "set b \"\\x00\\xffbin\"",
            "set t v ex 100",
            "rpush l x \"\" z",
            "hset h f1 v1 f2 v2",
            "sadd si 3 1 2",
            "sadd sh a b c",
            "zadd z 1 a 2.5 b -inf c",
            "select 5",
            "set other x",
        ] {
            assert!(!e.execute_line(c, line).unwrap_or(Reply::Nil).is_error(), "{line}");
        }
        e
    }

    #[test]
    fn round_trip() {
        let e = engine_with_data();
        let bytes = export(&e);
        let (mut f, _) = Engine::with_virtual_clock();
        let s = import(&mut f, &bytes).unwrap();
        assert_eq!(s, ImportSummary { keys: 9, databases: 2 });
        let c0 = f.connect();
        assert_eq!(f.execute_line(c0, "lrange l 0 -1").ok(), Some(Reply::bulks([&b"x"[..], b"", b"z"])));
        assert_eq!(
            f.execute_line(c0, "hgetall h").ok(),
            Some(Reply::Map(vec![
                (Reply::bulk_str("f1"), Reply::bulk_str("v1")),
                (Reply::bulk_str("f2"), Reply::bulk_str("v2"))
            ]))
        );
        assert_eq!(export(&f), bytes);
        let c = f.connect();
        assert_eq!(f.execute_line(c, "get b").unwrap(), Reply::bulk(b"\x00\xffbin".to_vec()));
        assert_eq!(f.db(0).and_then(|d| d.peek(b"t")).and_then(|e| e.expire_at), Some(f.now_ms() + 100_000));
    }

    #[test]
    fn bad_input_leaves_state_untouched() {
        let e = engine_with_data();
        let good = export(&e);
        let mut f = engine_with_data();
        let before = export(&f);
        let mut flipped = good.clone();
        flipped[20] ^= 0xff;
        for bad in [&b"hello"[..], &good[..good.len() - 3], &flipped, b"", b"RPGSNAP"] {
            assert!(import(&mut f, bad).is_err());
            assert_eq!(export(&f), before);
        }
        let mut future = good.clone();
        future[7] = 99;
        assert_eq!(decode(&future).err(), Some(SnapshotError::UnsupportedVersion(99)));
    }
}
