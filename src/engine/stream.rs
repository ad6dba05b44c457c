//! The stream value type (Redis's `t_stream.c` data model): entries ordered by id, grouped into
//! "nodes" the way Redis packs them into listpacks under a radix tree, and consumer groups.
//!
//! Nodes matter to users because approximate trimming (`MAXLEN ~`, `MINID ~`) only removes
//! whole nodes, and XINFO reports the radix tree's size. A node is modelled by its counters
//! (live and deleted entries), an estimate of its listpack size in bytes and the first entry's
//! fields (the "master" fields that later entries may share). A new node starts when the tail
//! node holds `stream-node-max-entries` entries (deleted ones included) or would exceed
//! `stream-node-max-bytes`, exactly as Redis decides.

use std::collections::{BTreeMap, BTreeSet};

/// A stream entry id: milliseconds and a sequence number, ordered as a 128-bit number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId { ms: u64::MAX, seq: u64::MAX };

    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }
    /// The next id, or `None` past the maximum.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }
    /// The previous id, or `None` below 0-0.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }
    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }
    /// The `ms-seq` text.
    pub fn to_bytes(self) -> Vec<u8> {
        format!("{}-{}", self.ms, self.seq).into_bytes()
    }
    /// The 16 big-endian bytes Redis uses as the radix tree key.
    fn key_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.ms.to_be_bytes());
        out[8..].copy_from_slice(&self.seq.to_be_bytes());
        out
    }
}

/// One packed node of entries (a listpack in Redis), keyed in the stream by its master id.
#[derive(Clone, Debug, PartialEq)]
struct Node {
    /// Live entries.
    count: u64,
    /// Entries flagged deleted but still occupying the node.
    deleted: u64,
    /// Estimated listpack size in bytes.
    bytes: usize,
    /// Fields of the node's first entry; entries with the same fields store only values.
    master_fields: Vec<Vec<u8>>,
    /// The id of the node's last entry, deleted or not.
    last: StreamId,
}

/// A pending (delivered, unacknowledged) entry of a consumer group.
#[derive(Clone, Debug, PartialEq)]
pub struct Nack {
    pub consumer: Vec<u8>,
    pub delivery_time: i64,
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Consumer {
    /// Last time the consumer read or claimed (XINFO CONSUMERS idle).
    pub seen_time: i64,
    /// Ids this consumer owns in the group's pending list.
    pub pel: BTreeSet<StreamId>,
}

/// Redis's marker for an unknown `entries-read` counter (`SCG_INVALID_ENTRIES_READ`).
pub const INVALID_ENTRIES_READ: i64 = -1;

/// A consumer group.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerGroup {
    pub last_id: StreamId,
    /// Logical number of entries read (or [`INVALID_ENTRIES_READ`]).
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Nack>,
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl ConsumerGroup {
    pub fn new(last_id: StreamId, entries_read: i64) -> ConsumerGroup {
        ConsumerGroup { last_id, entries_read, pel: BTreeMap::new(), consumers: BTreeMap::new() }
    }
}

/// How a trim chooses what to remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrimStrategy {
    MaxLen(u64),
    MinId(StreamId),
}

/// A stream value.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Stream {
    /// Live entries: id to flat field/value list.
    entries: BTreeMap<StreamId, Vec<Vec<u8>>>,
    nodes: BTreeMap<StreamId, Node>,
    pub last_id: StreamId,
    /// First live entry id (0-0 when empty).
    pub first_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
    pub groups: BTreeMap<Vec<u8>, ConsumerGroup>,
}

/// Listpack header (total bytes + element count) and end marker.
const LP_OVERHEAD: usize = 7;

/// Bytes of a listpack integer element (encoding and data, backlen excluded).
fn lp_int_len(v: i64) -> usize {
    if (0..=127).contains(&v) {
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
    }
}

/// Bytes of the back-length trailer for an element of `l` bytes.
fn lp_backlen(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// A listpack element's full size for an integer.
fn lp_int(v: i64) -> usize {
    let l = lp_int_len(v);
    l + lp_backlen(l)
}

/// A listpack element's full size for a string (stored as an integer when it is one).
fn lp_str(s: &[u8]) -> usize {
    if s.len() <= 20 {
        if let Some(v) = crate::engine::num::parse_i64(s) {
            if v.to_string().as_bytes() == s {
                return lp_int(v);
            }
        }
    }
    let l = s.len()
        + match s.len() {
            0..=63 => 1,
            64..=4095 => 2,
            _ => 5,
        };
    l + lp_backlen(l)
}

/// Largest total of field/value bytes an entry may have (`STREAM_LISTPACK_MAX_SIZE`).
pub const LISTPACK_MAX_SIZE: usize = 1 << 30;

impl Stream {
    pub fn new() -> Stream {
        Stream::default()
    }

    pub fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of nodes (XINFO's radix-tree-keys).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of radix tree nodes a compressed radix tree of the node keys has
    /// (XINFO's radix-tree-nodes).
    pub fn rax_nodes(&self) -> u64 {
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|k| k.key_bytes()).collect();
        if keys.is_empty() {
            return 1;
        }
        rax_count(&keys, 0)
    }

    /// Each node's listpack size in bytes, oldest node first (memory estimates).
    pub fn node_bytes(&self) -> Vec<usize> {
        self.nodes.values().map(|n| n.bytes).collect()
    }

    /// The first `n` nodes' listpack sizes, then the tail node's (memory estimates).
    pub fn node_bytes_sample(&self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.nodes.values().take(n).map(|n| n.bytes).collect();
        if self.nodes.len() > n {
            v.extend(self.nodes.values().next_back().map(|n| n.bytes));
        }
        v
    }

    /// The entry with id `id`.
    pub fn get(&self, id: StreamId) -> Option<&Vec<Vec<u8>>> {
        self.entries.get(&id)
    }

    /// Live entries between `start` and `end` inclusive, reversed when `rev`, at most `count`
    /// (0: all).
    pub fn range(&self, start: StreamId, end: StreamId, rev: bool, count: usize) -> Vec<(StreamId, &Vec<Vec<u8>>)> {
        if start > end {
            return Vec::new();
        }
        let it = self.entries.range(start..=end).map(|(k, v)| (*k, v));
        let limit = if count == 0 { usize::MAX } else { count };
        if rev {
            it.rev().take(limit).collect()
        } else {
            it.take(limit).collect()
        }
    }

    pub fn first_entry(&self) -> Option<(StreamId, &Vec<Vec<u8>>)> {
        self.entries.iter().next().map(|(k, v)| (*k, v))
    }

    pub fn last_entry(&self) -> Option<(StreamId, &Vec<Vec<u8>>)> {
        self.entries.iter().next_back().map(|(k, v)| (*k, v))
    }

    /// The id of the last live entry (0-0 when empty).
    pub fn last_valid_id(&self) -> StreamId {
        self.entries.keys().next_back().copied().unwrap_or_default()
    }

    /// Appends an entry with a fresh id (already validated greater than `last_id`).
    pub fn append(&mut self, id: StreamId, fields: Vec<Vec<u8>>, max_entries: usize, max_bytes: usize) {
        let totelelen: usize = fields.iter().map(Vec::len).sum();
        let node_max_bytes =
            if max_bytes == 0 || max_bytes > LISTPACK_MAX_SIZE { LISTPACK_MAX_SIZE } else { max_bytes };
        let mut use_tail = false;
        if let Some((_, tail)) = self.nodes.iter().next_back() {
            use_tail = true;
            if tail.bytes + totelelen >= node_max_bytes
                || (max_entries > 0 && tail.count + tail.deleted >= max_entries as u64)
            {
                use_tail = false;
            }
        }
        let names: Vec<&Vec<u8>> = fields.iter().step_by(2).collect();
        if use_tail {
            if let Some((master, tail)) = self.nodes.iter_mut().next_back() {
                let same = tail.master_fields.len() == names.len()
                    && tail.master_fields.iter().zip(&names).all(|(a, b)| a == *b);
                let ms_diff = id.ms.wrapping_sub(master.ms) as i64;
                let seq_diff = id.seq.wrapping_sub(master.seq) as i64;
                let mut add = lp_int(if same { 2 } else { 0 }) + lp_int(ms_diff) + lp_int(seq_diff);
                if same {
                    add += fields.iter().skip(1).step_by(2).map(|v| lp_str(v)).sum::<usize>();
                    add += lp_int(names.len() as i64 + 3);
                } else {
                    add += lp_int(names.len() as i64) + fields.iter().map(|v| lp_str(v)).sum::<usize>();
                    add += lp_int(fields.len() as i64 + 4);
                }
                tail.bytes += add;
                tail.count += 1;
                tail.last = id;
            }
        } else {
            let master_fields: Vec<Vec<u8>> = names.iter().map(|n| n.to_vec()).collect();
            let mut bytes = LP_OVERHEAD + lp_int(1) + lp_int(0) + lp_int(names.len() as i64);
            bytes += master_fields.iter().map(|f| lp_str(f)).sum::<usize>() + lp_int(0);
            bytes += lp_int(2) + lp_int(0) + lp_int(0);
            bytes += fields.iter().skip(1).step_by(2).map(|v| lp_str(v)).sum::<usize>();
            bytes += lp_int(names.len() as i64 + 3);
            self.nodes.insert(id, Node { count: 1, deleted: 0, bytes, master_fields, last: id });
        }
        self.entries.insert(id, fields);
        self.last_id = id;
        self.entries_added = self.entries_added.saturating_add(1);
        if self.entries.len() == 1 {
            self.first_id = id;
        }
    }

    /// The master id of the node holding `id`.
    fn node_of(&self, id: StreamId) -> Option<StreamId> {
        self.nodes.range(..=id).next_back().map(|(k, _)| *k)
    }

    /// Removes one live entry (XDEL): flags it in its node, dropping the node when it was the
    /// node's last live entry. Does not touch `first_id`/`max_deleted_id`.
    fn remove_entry(&mut self, id: StreamId) -> bool {
        if self.entries.remove(&id).is_none() {
            return false;
        }
        if let Some(master) = self.node_of(id) {
            let drop_node = match self.nodes.get_mut(&master) {
                Some(n) if n.count <= 1 => true,
                Some(n) => {
                    n.count -= 1;
                    n.deleted += 1;
                    false
                }
                None => false,
            };
            if drop_node {
                self.nodes.remove(&master);
            }
        }
        true
    }

    /// XDEL of one id: true if it existed. Keeps the first id and the max deleted id current.
    pub fn delete(&mut self, id: StreamId) -> bool {
        if !self.remove_entry(id) {
            return false;
        }
        if id > self.max_deleted_id {
            self.max_deleted_id = id;
        }
        true
    }

    /// Recomputes `first_id` after deletions.
    pub fn refresh_first_id(&mut self) {
        self.first_id = self.entries.keys().next().copied().unwrap_or_default();
    }

    /// Trims like Redis's `streamTrim`: whole nodes first; with `approx` stop at the first node
    /// that cannot go entirely, otherwise flag entries inside it. `limit` bounds the number of
    /// entries removed in whole nodes (0: no bound). Returns how many entries were removed.
    pub fn trim(&mut self, strategy: TrimStrategy, approx: bool, limit: u64) -> u64 {
        let mut deleted: u64 = 0;
        loop {
            if let TrimStrategy::MaxLen(max) = strategy {
                if self.len() <= max {
                    break;
                }
            }
            let Some((&master, node)) = self.nodes.iter().next() else { break };
            let entries = node.count;
            if limit > 0 && deleted + entries > limit {
                break;
            }
            let remove_node = match strategy {
                TrimStrategy::MaxLen(max) => self.len().saturating_sub(entries) >= max,
                TrimStrategy::MinId(min) => node.last < min,
            };
            if remove_node {
                let next = self.nodes.range(master..).nth(1).map(|(k, _)| *k);
                let ids: Vec<StreamId> = match next {
                    Some(n) => self.entries.range(master..n).map(|(k, _)| *k).collect(),
                    None => self.entries.range(master..).map(|(k, _)| *k).collect(),
                };
                for i in ids {
                    self.entries.remove(&i);
                }
                self.nodes.remove(&master);
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            // Flag entries inside this node until the condition holds.
            let next = self.nodes.range(master..).nth(1).map(|(k, _)| *k);
            let ids: Vec<StreamId> = match next {
                Some(n) => self.entries.range(master..n).map(|(k, _)| *k).collect(),
                None => self.entries.range(master..).map(|(k, _)| *k).collect(),
            };
            let mut from_node = 0;
            for i in ids {
                let stop = match strategy {
                    TrimStrategy::MaxLen(max) => self.len() <= max,
                    TrimStrategy::MinId(min) => i >= min,
                };
                if stop {
                    break;
                }
                self.entries.remove(&i);
                from_node += 1;
            }
            if let Some(n) = self.nodes.get_mut(&master) {
                n.count = n.count.saturating_sub(from_node);
                n.deleted += from_node;
            }
            deleted += from_node;
            break;
        }
        self.refresh_first_id();
        deleted
    }

    /// Redis's `streamRangeHasTombstones` from `start` to the end of the stream.
    pub fn has_tombstones_from(&self, start: StreamId) -> bool {
        if self.is_empty() || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: the logical read counter of `id`,
    /// or [`INVALID_ENTRIES_READ`] when it cannot be known.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return 0;
        }
        if self.is_empty() && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        } else if id > self.last_id {
            return INVALID_ENTRIES_READ;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return added - self.len() as i64;
            } else if id == self.first_id {
                return added - self.len() as i64 + 1;
            }
        }
        INVALID_ENTRIES_READ
    }

    /// A group's lag (XINFO GROUPS), `None` when unknown.
    pub fn group_lag(&self, g: &ConsumerGroup) -> Option<i64> {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != INVALID_ENTRIES_READ && !self.has_tombstones_from(g.last_id) {
            return Some(added - g.entries_read);
        }
        let read = self.estimate_distance(g.last_id);
        if read != INVALID_ENTRIES_READ {
            Some(added - read)
        } else {
            None
        }
    }

    /// Moves a group's last delivered id forward to `id` while reading, updating its
    /// entries-read counter as Redis does.
    pub fn advance_group(&mut self, group: &[u8], id: StreamId) {
        let tomb = self.has_tombstones_from(id);
        let est = self.estimate_distance(id);
        let added = self.entries_added;
        if let Some(g) = self.groups.get_mut(group) {
            if id > g.last_id {
                if g.entries_read != INVALID_ENTRIES_READ && !tomb {
                    g.entries_read += 1;
                } else if added > 0 {
                    g.entries_read = est;
                }
                g.last_id = id;
            }
        }
    }
}

// ---- serialization (snapshots) ---------------------------------------------------------------

/// Little-endian writer for [`Stream::encode`].
struct Out(Vec<u8>);

impl Out {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.u64(v as u64);
    }
    fn id(&mut self, id: StreamId) {
        self.u64(id.ms);
        self.u64(id.seq);
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn list(&mut self, l: &[Vec<u8>]) {
        self.u64(l.len() as u64);
        for b in l {
            self.bytes(b);
        }
    }
}

/// Bounds-checked reader for [`Stream::decode`].
struct In<'a>(&'a [u8]);

impl In<'_> {
    fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_at_checked(8)?;
        self.0 = rest;
        Some(u64::from_le_bytes(head.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        self.u64().map(|v| v as i64)
    }
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        // Every counted item takes at least one byte: reject absurd counts early.
        (n <= self.0.len()).then_some(n)
    }
    fn id(&mut self) -> Option<StreamId> {
        Some(StreamId::new(self.u64()?, self.u64()?))
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.len()?;
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head.to_vec())
    }
    fn list(&mut self) -> Option<Vec<Vec<u8>>> {
        let n = self.len()?;
        (0..n).map(|_| self.bytes()).collect()
    }
}

impl Stream {
    /// The whole stream (entries, node layout, counters, groups) as bytes for snapshots.
    pub fn encode(&self) -> Vec<u8> {
        let mut o = Out(Vec::new());
        o.id(self.last_id);
        o.id(self.first_id);
        o.id(self.max_deleted_id);
        o.u64(self.entries_added);
        o.u64(self.entries.len() as u64);
        for (id, fields) in &self.entries {
            o.id(*id);
            o.list(fields);
        }
        o.u64(self.nodes.len() as u64);
        for (master, n) in &self.nodes {
            o.id(*master);
            o.u64(n.count);
            o.u64(n.deleted);
            o.u64(n.bytes as u64);
            o.list(&n.master_fields);
            o.id(n.last);
        }
        o.u64(self.groups.len() as u64);
        for (name, g) in &self.groups {
            o.bytes(name);
            o.id(g.last_id);
            o.i64(g.entries_read);
            o.u64(g.consumers.len() as u64);
            for (cname, c) in &g.consumers {
                o.bytes(cname);
                o.i64(c.seen_time);
            }
            o.u64(g.pel.len() as u64);
            for (id, n) in &g.pel {
                o.id(*id);
                o.bytes(&n.consumer);
                o.i64(n.delivery_time);
                o.u64(n.delivery_count);
            }
        }
        o.0
    }

    /// Reads [`Stream::encode`]'s bytes; `None` when they are damaged.
    pub fn decode(bytes: &[u8]) -> Option<Stream> {
        let mut r = In(bytes);
        let mut s = Stream { last_id: r.id()?, first_id: r.id()?, max_deleted_id: r.id()?, ..Stream::default() };
        s.entries_added = r.u64()?;
        for _ in 0..r.len()? {
            let id = r.id()?;
            s.entries.insert(id, r.list()?);
        }
        for _ in 0..r.len()? {
            let master = r.id()?;
            let (count, deleted) = (r.u64()?, r.u64()?);
            let bytes = usize::try_from(r.u64()?).ok()?;
            let master_fields = r.list()?;
            let last = r.id()?;
            s.nodes.insert(master, Node { count, deleted, bytes, master_fields, last });
        }
        for _ in 0..r.len()? {
            let name = r.bytes()?;
            let mut g = ConsumerGroup::new(r.id()?, r.i64()?);
            for _ in 0..r.len()? {
                let cname = r.bytes()?;
                g.consumers.insert(cname, Consumer { seen_time: r.i64()?, pel: BTreeSet::new() });
            }
            for _ in 0..r.len()? {
                let id = r.id()?;
                let consumer = r.bytes()?;
                let nack = Nack { consumer: consumer.clone(), delivery_time: r.i64()?, delivery_count: r.u64()? };
                g.consumers.entry(consumer).or_default().pel.insert(id);
                g.pel.insert(id, nack);
            }
            s.groups.insert(name, g);
        }
        r.0.is_empty().then_some(s)
    }
}

/// Nodes of a compressed radix tree holding `keys` (sorted, distinct, equal length), all
/// sharing their first `depth` bytes, counted from the node at that depth.
/// Radix tree nodes of a tree keyed by these ids (a consumer group's PEL); 1 when empty.
pub fn rax_nodes_of(ids: impl Iterator<Item = StreamId>) -> u64 {
    let mut keys: Vec<[u8; 16]> = ids.map(|k| k.key_bytes()).collect();
    if keys.is_empty() {
        return 1;
    }
    keys.sort_unstable();
    rax_count(&keys, 0)
}

fn rax_count(keys: &[[u8; 16]], depth: usize) -> u64 {
    let Some(first) = keys.first() else { return 0 };
    if keys.len() == 1 {
        // A compressed node down to the leaf, or the leaf itself.
        return if depth >= 16 { 1 } else { 2 };
    }
    let last = keys[keys.len() - 1];
    let mut common = depth;
    while common < 16 && first[common] == last[common] {
        common += 1;
    }
    // A compressed node covering the shared bytes, then a branching node.
    let mut n = if common > depth { 1 } else { 0 };
    n += 1;
    let mut i = 0;
    while i < keys.len() {
        let b = keys[i][common];
        let mut j = i;
        while j < keys.len() && keys[j][common] == b {
            j += 1;
        }
        n += rax_count(&keys[i..j], common + 1);
        i = j;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fv(n: u64) -> Vec<Vec<u8>> {
        vec![b"f".to_vec(), n.to_string().into_bytes()]
    }

    #[test]
    fn ids_step_across_sequence_overflow() {
        assert_eq!(StreamId::new(1, u64::MAX).incr(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.incr(), None);
        assert_eq!(StreamId::new(2, 0).decr(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(StreamId::MIN.decr(), None);
    }

    #[test]
    fn nodes_split_at_max_entries_and_approx_trim_drops_whole_nodes() {
        let mut s = Stream::new();
        for i in 1..=250 {
            s.append(StreamId::new(i, 0), fv(i), 100, 4096);
        }
        assert_eq!(s.node_count(), 3);
        assert_eq!(s.trim(TrimStrategy::MaxLen(120), true, 0), 100);
        assert_eq!(s.len(), 150);
        assert_eq!(s.trim(TrimStrategy::MaxLen(120), false, 0), 30);
        assert_eq!(s.len(), 120);
        assert_eq!(s.first_id, StreamId::new(131, 0));
    }

    #[test]
    fn encode_decode_round_trip() {
        let mut s = Stream::new();
        for i in 1..=150 {
            s.append(StreamId::new(i, 0), fv(i), 100, 4096);
        }
        s.delete(StreamId::new(3, 0));
        let mut g = ConsumerGroup::new(StreamId::new(5, 0), 5);
        g.consumers.insert(b"c".to_vec(), Consumer { seen_time: 7, pel: [StreamId::new(4, 0)].into_iter().collect() });
        g.pel.insert(StreamId::new(4, 0), Nack { consumer: b"c".to_vec(), delivery_time: 9, delivery_count: 2 });
        s.groups.insert(b"g".to_vec(), g);
        let bytes = s.encode();
        assert_eq!(Stream::decode(&bytes), Some(s));
        assert_eq!(Stream::decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(Stream::decode(&[0xff; 40]), None);
    }

    #[test]
    fn rax_node_counts() {
        let mut s = Stream::new();
        assert_eq!(s.rax_nodes(), 1);
        s.append(StreamId::new(1, 1), fv(1), 1, 4096);
        assert_eq!(s.rax_nodes(), 2);
        s.append(StreamId::new(2, 1), fv(1), 1, 4096);
        // root compressed (7 bytes) -> branch -> two compressed nodes -> two leaves
        assert_eq!(s.rax_nodes(), 6);
    }
}
