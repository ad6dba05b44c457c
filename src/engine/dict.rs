//! A chained hash table with Redis's SCAN guarantee.
//!
//! Why not `std::collections::HashMap`: SCAN must return every element that is present for the
//! whole iteration, even while the table grows or shrinks between calls. Redis gets this from a
//! power-of-two table of bucket chains walked in reverse-binary cursor order; open addressing
//! (std's SwissTable) moves elements away from their home bucket, which breaks the guarantee.
//! This table keeps chains, so the same cursor arithmetic works. It also gives RANDOMKEY,
//! SRANDMEMBER and eviction sampling a fair "random bucket, then random element" pick.
//!
//! The hash is SipHash-1-3 with fixed keys (`DefaultHasher::new()`): deterministic across runs,
//! which keeps tests and lessons reproducible.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

const MIN_BUCKETS: usize = 4;

/// A hash table of `K -> V` with cursor-based scanning.
#[derive(Clone, Debug)]
pub struct Dict<K, V> {
    buckets: Vec<Vec<(K, V)>>,
    len: usize,
}

impl<K, V> Default for Dict<K, V> {
    fn default() -> Self {
        Dict { buckets: Vec::new(), len: 0 }
    }
}

/// The fixed-key hash used by every [`Dict`].
pub fn hash_of<Q: Hash + ?Sized>(key: &Q) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl<K: Hash + Eq, V> Dict<K, V> {
    pub fn new() -> Self {
        Dict::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of buckets (the table size Redis reports in `DEBUG HTSTATS`).
    pub fn capacity(&self) -> usize {
        self.buckets.len()
    }

    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }

    fn bucket_of<Q: Hash + ?Sized>(&self, key: &Q) -> usize {
        (hash_of(key) as usize) & self.mask()
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.len == 0 {
            return None;
        }
        let b = self.buckets.get(self.bucket_of(key))?;
        b.iter().find(|(k, _)| k.borrow() == key).map(|(_, v)| v)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.len == 0 {
            return None;
        }
        let idx = self.bucket_of(key);
        let b = self.buckets.get_mut(idx)?;
        b.iter_mut().find(|(k, _)| k.borrow() == key).map(|(_, v)| v)
    }

    /// The stored key equal to `key`, with its value.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.len == 0 {
            return None;
        }
        let b = self.buckets.get(self.bucket_of(key))?;
        b.iter().find(|(k, _)| k.borrow() == key).map(|(k, v)| (k, v))
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if self.buckets.is_empty() {
            self.buckets.resize_with(MIN_BUCKETS, Vec::new);
        }
        let idx = self.bucket_of(&key);
        if let Some(b) = self.buckets.get_mut(idx) {
            if let Some(slot) = b.iter_mut().find(|(k, _)| *k == key) {
                return Some(std::mem::replace(&mut slot.1, value));
            }
            b.push((key, value));
        }
        self.len += 1;
        if self.len > self.buckets.len() {
            self.resize(self.buckets.len() * 2);
        }
        None
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.len == 0 {
            return None;
        }
        let idx = self.bucket_of(key);
        let b = self.buckets.get_mut(idx)?;
        let pos = b.iter().position(|(k, _)| k.borrow() == key)?;
        let kv = b.swap_remove(pos);
        self.len -= 1;
        self.maybe_shrink();
        Some(kv)
    }

    pub fn clear(&mut self) {
        self.buckets = Vec::new();
        self.len = 0;
    }

    fn maybe_shrink(&mut self) {
        // Like Redis: shrink when fewer than 10% of buckets would be used.
        let cap = self.buckets.len();
        if cap > MIN_BUCKETS && self.len * 10 < cap {
            let target = self.len.next_power_of_two().max(MIN_BUCKETS);
            self.resize(target);
        }
        if self.len == 0 {
            self.buckets = Vec::new();
        }
    }

    fn resize(&mut self, new_size: usize) {
        let new_size = new_size.next_power_of_two().max(MIN_BUCKETS);
        let old = std::mem::take(&mut self.buckets);
        self.buckets.resize_with(new_size, Vec::new);
        let mask = new_size - 1;
        for bucket in old {
            for (k, v) in bucket {
                let idx = (hash_of(&k) as usize) & mask;
                if let Some(b) = self.buckets.get_mut(idx) {
                    b.push((k, v));
                }
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.buckets.iter().flat_map(|b| b.iter().map(|(k, v)| (k, v)))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.buckets.iter_mut().flat_map(|b| b.iter_mut().map(|(k, v)| (&*k, v)))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }

    /// Keeps only the entries for which `f` returns true.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        let mut removed = 0;
        for b in &mut self.buckets {
            let before = b.len();
            b.retain_mut(|(k, v)| f(k, v));
            removed += before - b.len();
        }
        self.len -= removed;
        self.maybe_shrink();
    }

    /// Visits one bucket at `cursor` (Redis's `dictScan`) and returns the next cursor; 0 means
    /// the walk is complete. Every element present for the whole walk is visited at least once,
    /// however the table is resized between calls.
    pub fn scan_step(&self, cursor: u64, mut visit: impl FnMut(&K, &V)) -> u64 {
        if self.buckets.is_empty() {
            return 0;
        }
        let mask = self.mask() as u64;
        if let Some(b) = self.buckets.get((cursor & mask) as usize) {
            for (k, v) in b {
                visit(k, v);
            }
        }
        // Increment the reversed cursor, so that the high bits advance first.
        let mut v = cursor | !mask;
        v = v.reverse_bits();
        v = v.wrapping_add(1);
        v.reverse_bits()
    }

    /// Up to `count` distinct elements from consecutive buckets starting at a random one
    /// (Redis's `dictGetSomeKeys`, used by eviction): cheap, not uniform, no duplicates.
    pub fn sample_some(&self, count: usize, mut rand: impl FnMut() -> u64) -> Vec<(&K, &V)> {
        let mut out = Vec::with_capacity(count.min(self.len));
        if self.len == 0 || count == 0 {
            return out;
        }
        let n = self.buckets.len();
        let mut i = (rand() as usize) & self.mask();
        let max_steps = count.saturating_mul(10).max(n.min(64)).min(n);
        for _ in 0..max_steps {
            if let Some(b) = self.buckets.get(i) {
                for (k, v) in b {
                    if out.len() == count {
                        return out;
                    }
                    out.push((k, v));
                }
            }
            i = (i + 1) & self.mask();
        }
        out
    }

    /// A random element: a random non-empty bucket, then a random element of its chain.
    /// `rand` must return uniformly distributed numbers.
    pub fn random_entry(&self, mut rand: impl FnMut() -> u64) -> Option<(&K, &V)> {
        if self.len == 0 {
            return None;
        }
        let mask = self.mask() as u64;
        // The table is at least 10% full, so this loop ends quickly; the bound keeps it total.
        for _ in 0..10_000 {
            let b = &self.buckets[(rand() & mask) as usize];
            if !b.is_empty() {
                let (k, v) = &b[(rand() % b.len() as u64) as usize];
                return Some((k, v));
            }
        }
        self.iter().next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn insert_get_remove() {
        let mut d: Dict<Vec<u8>, i32> = Dict::new();
        for i in 0..1000 {
            assert_eq!(d.insert(format!("k{i}").into_bytes(), i), None);
        }
        assert_eq!(d.len(), 1000);
        assert_eq!(d.get(b"k10".as_slice()), Some(&10));
        assert_eq!(d.insert(b"k10".to_vec(), 11), Some(10));
        for i in 0..990 {
            assert!(d.remove(format!("k{i}").as_bytes()).is_some());
        }
        assert_eq!(d.len(), 10);
        assert!(d.capacity() <= 64);
        assert_eq!(d.get(b"k995".as_slice()), Some(&995));
    }

    #[test]
    fn scan_sees_every_stable_element_across_resizes() {
        let mut d: Dict<u32, ()> = Dict::new();
        for i in 0..500 {
            d.insert(i, ());
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            cursor = d.scan_step(cursor, |k, _| {
                seen.insert(*k);
            });
            step += 1;
            // Grow and shrink the table while the walk is in progress.
            if step == 20 {
                for i in 1000..5000 {
                    d.insert(i, ());
                }
            }
            if step == 200 {
                for i in 1000..5000 {
                    d.remove(&i);
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..500 {
            assert!(seen.contains(&i), "missed {i}");
        }
    }

    #[test]
    fn random_entry_covers_elements() {
        let mut d: Dict<u32, ()> = Dict::new();
        for i in 0..8 {
            d.insert(i, ());
        }
        let mut state = 7u64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut seen = HashSet::new();
        for _ in 0..500 {
            seen.insert(*d.random_entry(&mut rand).map(|(k, _)| k).unwrap_or(&99));
        }
        assert_eq!(seen.len(), 8);
    }
}
