//! Memory accounting: what a value would cost inside Redis 7.0 (MEMORY USAGE), and the
//! engine-wide `used_memory` figure that INFO reports and maxmemory eviction compares against.
//!
//! The estimate follows Redis's `objectComputeSize`: every allocation is rounded up to
//! jemalloc's size class, strings are sds strings with their header (and an `robj` of 16 bytes
//! in front), keys are sds strings in a 24-byte `dictEntry`, small aggregates are listpacks or
//! intsets whose byte layout we compute exactly, and big aggregates (hashtables, skiplists,
//! quicklists, streams) are estimated from a sample of their elements, as Redis does.
//!
//! `Db` keeps a running total (`Db::used`) of its entries' costs: `Db::put`/`Db::remove` add
//! and subtract, and `Engine::signal_modified` / `Engine::notify` recompute the changed key
//! (`Db::refresh`), so every write path keeps it in step. The per-key recomputation uses
//! [`Estimate::Fast`], which bounds the work for huge lists and streams.

use super::cmd::hash::HashValue;
use super::cmd::list::ListValue;
use super::cmd::set::SetValue;
use super::cmd::zset::ZSetValue;
use super::keyspace::{StrEnc, StrValue, Value};

/// `sizeof(robj)`.
pub const ROBJ: usize = 16;
/// `sizeof(dictEntry)`.
pub const DICT_ENTRY: usize = 24;
/// `sizeof(dict)` in Redis 7.0.
pub const DICT: usize = 56;
/// A bucket pointer.
pub const PTR: usize = 8;
/// `sizeof(quicklist)` and `sizeof(quicklistNode)` in Redis 7.0.
const QUICKLIST: usize = 40;
const QUICKLIST_NODE: usize = 40;
/// `sizeof(zset)` + `sizeof(zskiplist)`.
const ZSET: usize = 16;
const ZSKIPLIST: usize = 32;
/// A skiplist node without its levels, and one level (forward pointer + span).
const ZSL_NODE: usize = 24;
const ZSL_LEVEL: usize = 16;
/// The skiplist header node has all 32 levels.
const ZSL_MAX_LEVEL: usize = 32;
/// `sizeof(stream)`, `sizeof(streamCG)`, `sizeof(streamConsumer)`, `sizeof(streamNACK)`.
const STREAM: usize = 80;
const STREAM_CG: usize = 40;
const STREAM_CONSUMER: usize = 24;
const STREAM_NACK: usize = 24;
/// Listpack header (total bytes + count) plus the end byte.
const LP_HDR: usize = 7;
/// Redis's default number of sampled elements (`OBJ_COMPUTE_SIZE_DEF_SAMPLES`).
pub const DEFAULT_SAMPLES: usize = 5;

/// jemalloc's usable size for a request of `n` bytes: 8, then steps of 16 up to 128, then four
/// classes per doubling (160, 192, 224, 256, 320, ...).
pub fn jemalloc_size(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16).saturating_mul(16);
    }
    let p = n.checked_next_power_of_two().unwrap_or(usize::MAX);
    let step = p / 8;
    n.div_ceil(step).saturating_mul(step)
}

/// Bytes of an sds header for a string of `len` bytes (`sdsReqType`; an empty string gets a
/// type-8 header).
fn sds_header(len: usize) -> usize {
    if len == 0 {
        3
    } else if len < 1 << 5 {
        1
    } else if len < 1 << 8 {
        3
    } else if len < 1 << 16 {
        5
    } else if (len as u64) < 1u64 << 32 {
        9
    } else {
        17
    }
}

/// The largest length an sds header type can hold (`sdsTypeMaxSize`), by header size.
fn sds_type_max(hdr: usize) -> usize {
    match hdr {
        1 => (1 << 5) - 1,
        3 => (1 << 8) - 1,
        5 => (1 << 16) - 1,
        9 => u32::MAX as usize,
        _ => usize::MAX,
    }
}

/// Capacity and allocation of a string of `len` bytes allocated to size: by `sdsnewlen` (a
/// fresh private copy), or, for a raw string stored from an argument, after
/// `trimStringObjectIfNeeded` dropped a spare room over a tenth of the length.
pub fn sds_exact(len: usize, stored_raw: bool) -> (usize, usize) {
    let hdr = sds_header(len);
    let alloc = jemalloc_size(hdr + len + 1);
    if hdr == 1 {
        return (len, alloc);
    }
    let cap = (alloc - hdr - 1).min(sds_type_max(hdr));
    if stored_raw && cap - len > len / 10 {
        (len, alloc)
    } else {
        (cap, alloc)
    }
}

/// Capacity and allocation after `sdsMakeRoomFor` grew a string to `len` bytes greedily.
pub fn sds_greedy(len: usize) -> (usize, usize) {
    const MAX_PREALLOC: usize = 1024 * 1024;
    let n = if len < MAX_PREALLOC { len.saturating_mul(2) } else { len.saturating_add(MAX_PREALLOC) };
    // A growable string never uses the 5-bit header.
    let hdr = sds_header(n).max(3);
    let alloc = jemalloc_size(hdr + n + 1);
    ((alloc - hdr - 1).min(sds_type_max(hdr)), alloc)
}

/// The allocation of an sds string of `len` bytes made with `sdsnewlen` (header, bytes, NUL).
pub fn sds_alloc(len: usize) -> usize {
    jemalloc_size(sds_header(len).saturating_add(len).saturating_add(1))
}

/// Bytes of the back-length trailer for a listpack element of `l` bytes.
fn lp_backlen(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// A listpack element holding the integer `v`.
pub fn lp_int(v: i64) -> usize {
    let l = if (0..=127).contains(&v) {
        1
    } else if (-4096..=4095).contains(&v) {
        2
    } else if i16::try_from(v).is_ok() {
        3
    } else if (-(1 << 23)..(1 << 23)).contains(&v) {
        4
    } else if i32::try_from(v).is_ok() {
        5
    } else {
        9
    };
    l + lp_backlen(l)
}

/// A listpack element holding `s` (as an integer when it is the canonical form of one).
pub fn lp_str(s: &[u8]) -> usize {
    if s.len() <= 20 {
        if let Some(v) = super::num::parse_i64(s) {
            return lp_int(v);
        }
    }
    let l = s.len().saturating_add(match s.len() {
        0..=63 => 1,
        64..=4095 => 2,
        _ => 5,
    });
    l.saturating_add(lp_backlen(l))
}

/// How much work an estimate may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estimate {
    /// As MEMORY USAGE: sample up to this many elements/nodes (`usize::MAX`: all), laying
    /// lists out into quicklist nodes exactly.
    Samples(usize),
    /// The running total: default samples, and lists/streams estimated from their first
    /// elements/nodes so that one write never costs more than a bounded amount of work.
    Fast,
}

impl Estimate {
    fn samples(self) -> usize {
        match self {
            Estimate::Samples(n) => n.max(1),
            Estimate::Fast => DEFAULT_SAMPLES,
        }
    }
}

/// The layout knobs that change sizes (`list-max-listpack-size`, `stream-node-max-bytes`).
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub list_fill: i64,
    pub stream_node_max_bytes: usize,
}

impl Default for Layout {
    fn default() -> Self {
        Layout { list_fill: -2, stream_node_max_bytes: 4096 }
    }
}

/// MEMORY USAGE of a key: the value, the key's sds and its dictEntry.
pub fn key_usage(key: &[u8], value: &Value, how: Estimate, layout: Layout) -> usize {
    value_size(value, how, layout).saturating_add(sds_alloc(key.len())).saturating_add(DICT_ENTRY)
}

/// `objectComputeSize` for one value.
pub fn value_size(value: &Value, how: Estimate, layout: Layout) -> usize {
    match value {
        Value::Str(s) => string_size(s),
        Value::List(l) => list_size(l, how, layout),
        Value::Hash(h) => hash_size(h, how),
        Value::Set(s) => set_size(s, how),
        Value::ZSet(z) => zset_size(z, how),
        Value::Stream(s) => stream_size(s, how, layout),
    }
}

fn string_size(s: &StrValue) -> usize {
    match s.enc {
        StrEnc::Int => ROBJ,
        // The object and its sds (type-8 header) in one allocation.
        StrEnc::Embstr => jemalloc_size(ROBJ + 3 + s.bytes.len() + 1),
        StrEnc::Raw if s.sds.1 > 0 => ROBJ + s.sds.1,
        StrEnc::Raw => ROBJ + sds_alloc(s.bytes.len()),
    }
}

/// Whether a quicklist node whose listpack is `node_sz` bytes with `count` elements may take
/// one more element of `sz` bytes (`_quicklistNodeAllowInsert`).
fn node_allows(node_sz: usize, count: usize, sz: usize, fill: i64) -> bool {
    const LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
    const SAFETY: usize = 8192;
    let new_sz = node_sz.saturating_add(sz).saturating_add(8);
    if fill < 0 {
        let offset = usize::try_from(fill.unsigned_abs() - 1).unwrap_or(usize::MAX);
        let limit = LEVELS.get(offset).copied().unwrap_or(LEVELS[LEVELS.len() - 1]);
        if new_sz <= limit {
            return true;
        }
    }
    if new_sz > SAFETY {
        return false;
    }
    (count as i64) < fill && count < u16::MAX as usize
}

/// Lays elements out into quicklist nodes as pushes at the tail would, calling `node` with
/// each finished node's listpack bytes. Stops after `max_nodes` nodes; returns how many
/// elements were consumed.
fn pack_nodes<'a>(
    items: impl Iterator<Item = &'a Vec<u8>>,
    fill: i64,
    max_nodes: usize,
    mut node: impl FnMut(usize),
) -> usize {
    let (mut count, mut lp, mut consumed, mut nodes) = (0usize, LP_HDR, 0usize, 0usize);
    for it in items {
        if count > 0 && !node_allows(lp, count, it.len(), fill) {
            node(lp);
            nodes += 1;
            if nodes >= max_nodes {
                return consumed;
            }
            count = 0;
            lp = LP_HDR;
        }
        count += 1;
        lp = lp.saturating_add(lp_str(it));
        consumed += 1;
    }
    if count > 0 {
        node(lp);
    }
    consumed
}

/// The listpack sizes of a list's quicklist nodes, head first (DEBUG OBJECT).
pub fn quicklist_nodes(items: &std::collections::VecDeque<Vec<u8>>, fill: i64) -> Vec<usize> {
    let mut out = Vec::new();
    pack_nodes(items.iter(), fill, usize::MAX, |lp| out.push(lp));
    out
}

fn list_size(l: &ListValue, how: Estimate, layout: Layout) -> usize {
    let base = ROBJ + QUICKLIST;
    if l.items.is_empty() {
        return base;
    }
    let samples = how.samples();
    match how {
        Estimate::Samples(_) => {
            // Lay out every node (to know how many there are), average the first `samples`.
            let (mut nodes, mut sampled, mut sampled_bytes) = (0usize, 0usize, 0usize);
            pack_nodes(l.items.iter(), layout.list_fill, usize::MAX, |lp| {
                nodes += 1;
                if sampled < samples {
                    sampled += 1;
                    sampled_bytes += QUICKLIST_NODE + jemalloc_size(lp);
                }
            });
            let avg = sampled_bytes as f64 / sampled.max(1) as f64;
            base + (avg * nodes as f64) as usize
        }
        Estimate::Fast => {
            // Small lists are laid out exactly; big ones are extrapolated from their first
            // elements, so one write costs a bounded amount of work.
            const EXACT: usize = 128;
            const SAMPLE: usize = 32;
            if l.items.len() <= EXACT {
                let mut bytes = 0usize;
                pack_nodes(l.items.iter(), layout.list_fill, usize::MAX, |lp| {
                    bytes += QUICKLIST_NODE + jemalloc_size(lp);
                });
                return base + bytes;
            }
            let sampled: usize = l.items.iter().take(SAMPLE).map(|it| lp_str(it)).sum();
            let per_item = sampled as f64 / SAMPLE as f64;
            let lp_total = per_item * l.items.len() as f64;
            let limit = node_limit(layout.list_fill) as f64;
            let nodes = (lp_total / (limit - LP_HDR as f64).max(1.0)).ceil().max(1.0);
            base + (nodes * (QUICKLIST_NODE + LP_HDR) as f64 + lp_total) as usize
        }
    }
}

/// The listpack size a quicklist node is filled to for a `list-max-listpack-size` value.
fn node_limit(fill: i64) -> usize {
    match fill {
        -1 => 4096,
        -2 => 8192,
        -3 => 16384,
        -4 => 32768,
        f if f <= -5 => 65536,
        // A count limit: nodes stay under the 8 KB safety limit.
        _ => 8192,
    }
}

/// Buckets of a Redis dict holding `len` entries, given our table's bucket count.
fn dict_slots(capacity: usize) -> usize {
    capacity
}

/// Bytes of a listpack-encoded hash (0 for a hashtable).
pub fn hash_listpack_bytes(h: &HashValue) -> usize {
    match h {
        HashValue::Listpack(pairs) => {
            pairs.iter().fold(LP_HDR, |acc, (f, v)| acc.saturating_add(lp_str(f)).saturating_add(lp_str(v)))
        }
        HashValue::Table(_) => 0,
    }
}

fn hash_size(h: &HashValue, how: Estimate) -> usize {
    match h {
        HashValue::Listpack(_) => ROBJ + jemalloc_size(hash_listpack_bytes(h)),
        HashValue::Table(d) => {
            let base = ROBJ + DICT + PTR * dict_slots(d.capacity());
            let (mut n, mut bytes) = (0usize, 0usize);
            for (f, v) in d.iter().take(how.samples()) {
                bytes += sds_alloc(f.len()) + sds_alloc(v.len()) + DICT_ENTRY;
                n += 1;
            }
            base + extrapolate(bytes, n, d.len())
        }
    }
}

fn extrapolate(bytes: usize, sampled: usize, total: usize) -> usize {
    if sampled == 0 {
        0
    } else {
        (bytes as f64 / sampled as f64 * total as f64) as usize
    }
}

/// Bytes of an intset-encoded set (header and fixed-width integers; 0 for a hashtable).
pub fn intset_bytes(s: &SetValue) -> usize {
    match s {
        SetValue::Intset(v) => {
            let width = v
                .iter()
                .map(|&x| {
                    if i16::try_from(x).is_ok() {
                        2
                    } else if i32::try_from(x).is_ok() {
                        4
                    } else {
                        8
                    }
                })
                .max()
                .unwrap_or(2);
            8usize.saturating_add(width * v.len())
        }
        SetValue::Hash(_) => 0,
    }
}

fn set_size(s: &SetValue, how: Estimate) -> usize {
    match s {
        SetValue::Intset(_) => ROBJ + jemalloc_size(intset_bytes(s)),
        SetValue::Hash(d) => {
            let base = ROBJ + DICT + PTR * dict_slots(d.capacity());
            let (mut n, mut bytes) = (0usize, 0usize);
            for (m, _) in d.iter().take(how.samples()) {
                bytes += DICT_ENTRY + sds_alloc(m.len());
                n += 1;
            }
            base + extrapolate(bytes, n, d.len())
        }
    }
}

/// The listpack size of a sorted set's entries: member, then the score as `%.17g` text
/// (stored as an integer when it is one).
pub fn zset_listpack_bytes(z: &ZSetValue) -> usize {
    z.iter().fold(LP_HDR, |acc, (m, score)| {
        let text = super::num::fmt_g17(score);
        acc.saturating_add(lp_str(m)).saturating_add(lp_str(text.as_bytes()))
    })
}

fn zset_size(z: &ZSetValue, how: Estimate) -> usize {
    if z.encoding_name() == "listpack" {
        return ROBJ + jemalloc_size(zset_listpack_bytes(z));
    }
    let header = jemalloc_size(ZSL_NODE + ZSL_LEVEL * ZSL_MAX_LEVEL);
    let base = ROBJ + ZSET + ZSKIPLIST + DICT + PTR * dict_slots(z.dict_capacity()) + header;
    let (mut n, mut bytes) = (0usize, 0usize);
    for (m, level) in z.skiplist().iter_levels().take(how.samples()) {
        bytes += sds_alloc(m.len()) + DICT_ENTRY + jemalloc_size(ZSL_NODE + ZSL_LEVEL * level);
        n += 1;
    }
    base + extrapolate(bytes, n, z.len())
}

/// `streamRadixTreeMemoryUsage`: 16 bytes per element and a fixed cost per radix node.
fn rax_usage(elements: usize, nodes: u64) -> usize {
    let nodes = usize::try_from(nodes).unwrap_or(usize::MAX);
    elements.saturating_mul(16).saturating_add(nodes.saturating_mul(4 + 8 * 30))
}

fn stream_size(s: &super::stream::Stream, how: Estimate, layout: Layout) -> usize {
    let nodes = s.node_count();
    let rax_nodes = match how {
        Estimate::Samples(_) => s.rax_nodes(),
        // A radix tree of big-endian ids needs about two nodes per key.
        Estimate::Fast if nodes > 64 => 2 * nodes as u64,
        Estimate::Fast => s.rax_nodes(),
    };
    let mut size = ROBJ + STREAM + rax_usage(nodes, rax_nodes);
    // Listpacks: the tail node keeps its preallocated buffer, the others were shrunk to fit.
    let prealloc = if layout.stream_node_max_bytes > 0 && layout.stream_node_max_bytes < 4096 {
        layout.stream_node_max_bytes
    } else {
        4096
    };
    let alloc = |bytes: usize, tail: bool| {
        if tail && bytes <= jemalloc_size(prealloc) {
            jemalloc_size(prealloc)
        } else {
            jemalloc_size(bytes)
        }
    };
    let samples = how.samples();
    let sizes = match how {
        Estimate::Samples(_) => s.node_bytes(),
        // The first nodes and the tail are enough for the estimate below.
        Estimate::Fast => s.node_bytes_sample(samples),
    };
    let mut sampled = 0usize;
    let mut lp = 0usize;
    for (i, b) in sizes.iter().take(samples).enumerate() {
        lp += alloc(*b, i + 1 == nodes);
        sampled += 1;
    }
    if nodes <= sampled || sizes.len() <= sampled {
        size += lp;
    } else {
        let avg = lp / sampled.max(1);
        size += avg * (nodes - 1);
        size += sizes.last().map_or(0, |b| alloc(*b, true));
    }
    // Consumer groups: the group, its PEL, and each consumer with its name and PEL.
    for (_, g) in s.groups.iter() {
        size += STREAM_CG;
        let pel_nodes = |n: usize, ids: &mut dyn Iterator<Item = super::stream::StreamId>| match how {
            Estimate::Fast => 2 * n as u64 + 1,
            Estimate::Samples(_) => super::stream::rax_nodes_of(ids),
        };
        size += rax_usage(g.pel.len(), pel_nodes(g.pel.len(), &mut g.pel.keys().copied()));
        size += STREAM_NACK * g.pel.len();
        for (name, c) in g.consumers.iter() {
            size += STREAM_CONSUMER + name.len();
            size += rax_usage(c.pel.len(), pel_nodes(c.pel.len(), &mut c.pel.iter().copied()));
        }
    }
    size
}

/// Formats a byte count like Redis's `bytesToHuman` ("1.50K", "2.00M").
pub fn human(n: u64) -> String {
    let d = n as f64;
    if n < 1024 {
        format!("{n}B")
    } else if n < 1024 * 1024 {
        format!("{:.2}K", d / 1024.0)
    } else if n < 1024 * 1024 * 1024 {
        format!("{:.2}M", d / (1024.0 * 1024.0))
    } else if n < 1024u64 * 1024 * 1024 * 1024 {
        format!("{:.2}G", d / (1024.0 * 1024.0 * 1024.0))
    } else {
        format!("{:.2}T", d / (1024.0 * 1024.0 * 1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes() {
        let cases = [(1, 8), (8, 8), (9, 16), (24, 32), (100, 112), (128, 128), (129, 160), (257, 320)];
        for (n, want) in cases {
            assert_eq!(jemalloc_size(n), want, "{n}");
        }
        assert_eq!(jemalloc_size(4097), 5120);
        assert_eq!(jemalloc_size(536), 640);
    }

    #[test]
    fn small_strings_match_redis() {
        let v = |b: &[u8]| Value::Str(StrValue::encoded(b.to_vec()));
        let l = Layout::default();
        // Values measured with redis-server 7.0.15.
        assert_eq!(key_usage(b"foo", &v(b"bar"), Estimate::Samples(5), l), 64);
        assert_eq!(key_usage(b"k", &v(b"123"), Estimate::Samples(5), l), 48);
    }
}
