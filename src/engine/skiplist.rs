//! The sorted set's ordered index: a skiplist with spans, as Redis's `zskiplist`.
//!
//! Nodes live in a `Vec` and link to each other by index (no unsafe, no shared pointers);
//! freed slots are reused through a free list. Slot 0 is the header. Each forward link carries
//! its span (how many rank positions it jumps), which gives O(log n) rank queries and access by
//! rank. Levels are drawn by the caller from the engine's random generator, with Redis's
//! parameters (P = 1/4, at most 32 levels), so the structure is reproducible.
//!
//! Layout for speed on big sets: a node keeps its score and its first [`INLINE`] links in
//! the node itself (about 94% of nodes have no more levels than that), so a search step
//! touches one cache line instead of the node plus a separate links vector; only taller nodes
//! keep their upper links in a boxed slice. Links use 32-bit indices and spans, which halves
//! their size; a list never holds 2^32 - 1 nodes (an insert that would need that index is
//! ignored rather than panicking).

use std::cmp::Ordering;

/// Redis's `ZSKIPLIST_MAXLEVEL`.
pub const MAX_LEVEL: usize = 32;
/// The end of a chain.
pub const NIL: usize = usize::MAX;

/// The end of a chain inside a link.
const NIL32: u32 = u32::MAX;
/// How many levels a node stores inline.
const INLINE: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Link {
    forward: u32,
    span: u32,
}

const EMPTY_LINK: Link = Link { forward: NIL32, span: 0 };

#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
struct Node {
    score: f64,
    low: [Link; INLINE],
    backward: u32,
    /// The node's level (0 for a free slot).
    level: u32,
    member: Vec<u8>,
    /// Links for levels `INLINE..level`.
    high: Option<Box<[Link]>>,
}

impl Node {
    fn new(score: f64, member: Vec<u8>, level: usize) -> Node {
        let high = (level > INLINE).then(|| vec![EMPTY_LINK; level - INLINE].into_boxed_slice());
        Node { score, low: [EMPTY_LINK; INLINE], backward: NIL32, level: level as u32, member, high }
    }

    #[inline]
    fn link(&self, i: usize) -> Option<Link> {
        if i >= self.level as usize {
            return None;
        }
        if i < INLINE {
            self.low.get(i).copied()
        } else {
            self.high.as_ref().and_then(|h| h.get(i - INLINE)).copied()
        }
    }

    #[inline]
    fn link_mut(&mut self, i: usize) -> Option<&mut Link> {
        if i >= self.level as usize {
            return None;
        }
        if i < INLINE {
            self.low.get_mut(i)
        } else {
            self.high.as_mut().and_then(|h| h.get_mut(i - INLINE))
        }
    }
}

#[inline]
fn wide(x: u32) -> usize {
    if x == NIL32 {
        NIL
    } else {
        x as usize
    }
}

#[inline]
fn narrow(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(NIL32)
}

/// A skiplist ordered by (score, member bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct SkipList {
    nodes: Vec<Node>,
    free: Vec<usize>,
    tail: usize,
    level: usize,
    len: usize,
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList::new()
    }
}

/// A level for a new node: 1, plus one more with probability 1/4 each time, at most 32.
/// `rand16` must return uniform numbers; only their low 16 bits are used (as Redis does).
pub fn random_level(mut rand16: impl FnMut() -> u64) -> usize {
    let mut level = 1;
    while level < MAX_LEVEL && (rand16() & 0xFFFF) * 4 < 0xFFFF {
        level += 1;
    }
    level
}

#[inline]
fn cmp(score_a: f64, member_a: &[u8], score_b: f64, member_b: &[u8]) -> Ordering {
    match score_a.partial_cmp(&score_b) {
        Some(Ordering::Less) => Ordering::Less,
        Some(Ordering::Greater) => Ordering::Greater,
        _ => member_a.cmp(member_b),
    }
}

impl SkipList {
    pub fn new() -> SkipList {
        SkipList { nodes: vec![Node::new(0.0, Vec::new(), MAX_LEVEL)], free: Vec::new(), tail: NIL, level: 1, len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of levels in use (the tallest node's level, at least 1).
    pub fn level(&self) -> usize {
        self.level
    }

    #[inline]
    fn link(&self, x: usize, i: usize) -> Option<Link> {
        self.nodes.get(x).and_then(|n| n.link(i))
    }

    #[inline]
    fn fwd(&self, x: usize, i: usize) -> usize {
        self.link(x, i).map_or(NIL, |l| wide(l.forward))
    }

    #[inline]
    fn span(&self, x: usize, i: usize) -> usize {
        self.link(x, i).map_or(0, |l| l.span as usize)
    }

    fn set_link(&mut self, x: usize, i: usize, forward: usize, span: usize) {
        if let Some(l) = self.nodes.get_mut(x).and_then(|n| n.link_mut(i)) {
            l.forward = narrow(forward);
            l.span = u32::try_from(span).unwrap_or(u32::MAX);
        }
    }

    fn add_span(&mut self, x: usize, i: usize, delta: i32) {
        if let Some(l) = self.nodes.get_mut(x).and_then(|n| n.link_mut(i)) {
            l.span = l.span.wrapping_add_signed(delta);
        }
    }

    /// The member and score of node `x`.
    pub fn entry(&self, x: usize) -> Option<(&[u8], f64)> {
        if x == 0 {
            return None;
        }
        self.nodes.get(x).map(|n| (n.member.as_slice(), n.score))
    }

    /// The node after `x` (NIL at the end).
    pub fn next(&self, x: usize) -> usize {
        self.fwd(x, 0)
    }

    /// The node before `x` (NIL at the start).
    pub fn prev(&self, x: usize) -> usize {
        self.nodes.get(x).map_or(NIL, |n| wide(n.backward))
    }

    pub fn first(&self) -> usize {
        self.fwd(0, 0)
    }

    pub fn last(&self) -> usize {
        self.tail
    }

    /// Walks down from the header, at each level moving forward while `go(node)` holds;
    /// calls `at_level(level, node, rank)` with the last node reached on each level.
    #[inline]
    fn descend(
        &self,
        mut go: impl FnMut(&Node) -> bool,
        mut at_level: impl FnMut(usize, usize, usize) -> bool,
    ) -> usize {
        let mut x = 0usize;
        let mut rank = 0usize;
        let mut cur = match self.nodes.first() {
            Some(n) => n,
            None => return 0,
        };
        for i in (0..self.level).rev() {
            while let Some(l) = cur.link(i) {
                let Some(n) = self.nodes.get(l.forward as usize) else { break };
                if !go(n) {
                    break;
                }
                rank += l.span as usize;
                x = l.forward as usize;
                cur = n;
            }
            if !at_level(i, x, rank) {
                break;
            }
        }
        x
    }

    /// Inserts a member that is not present yet, with a node level from [`random_level`].
    pub fn insert(&mut self, score: f64, member: Vec<u8>, level: usize) {
        let level = level.clamp(1, MAX_LEVEL);
        let idx = match self.free.last() {
            Some(&i) => i,
            None => self.nodes.len(),
        };
        if idx >= NIL32 as usize {
            return;
        }
        let mut update = [0usize; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        self.descend(
            |n| cmp(n.score, &n.member, score, &member) == Ordering::Less,
            |i, x, r| {
                if let (Some(u), Some(k)) = (update.get_mut(i), rank.get_mut(i)) {
                    *u = x;
                    *k = r;
                }
                true
            },
        );
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = 0;
                self.set_link(0, i, NIL, self.len);
            }
            self.level = level;
        }
        let node = Node::new(score, member, level);
        match self.free.pop() {
            Some(i) => {
                if let Some(slot) = self.nodes.get_mut(i) {
                    *slot = node;
                }
            }
            None => self.nodes.push(node),
        }
        for i in 0..level {
            let u = update[i];
            let uf = self.fwd(u, i);
            let us = self.span(u, i);
            let jump = rank[0] - rank[i];
            self.set_link(idx, i, uf, us.saturating_sub(jump));
            self.set_link(u, i, idx, jump + 1);
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.add_span(u, i, 1);
        }
        let back = if update[0] == 0 { NIL32 } else { narrow(update[0]) };
        if let Some(n) = self.nodes.get_mut(idx) {
            n.backward = back;
        }
        let f0 = self.fwd(idx, 0);
        if f0 != NIL {
            if let Some(n) = self.nodes.get_mut(f0) {
                n.backward = narrow(idx);
            }
        } else {
            self.tail = idx;
        }
        self.len += 1;
    }

    /// The predecessors of (score, member) on each level.
    fn predecessors(&self, score: f64, member: &[u8]) -> [usize; MAX_LEVEL] {
        let mut update = [0usize; MAX_LEVEL];
        self.descend(
            |n| cmp(n.score, &n.member, score, member) == Ordering::Less,
            |i, x, _| {
                if let Some(u) = update.get_mut(i) {
                    *u = x;
                }
                true
            },
        );
        update
    }

    /// Removes the node for (score, member); false if absent.
    pub fn delete(&mut self, score: f64, member: &[u8]) -> bool {
        let update = self.predecessors(score, member);
        let target = self.fwd(update[0], 0);
        match self.nodes.get(target) {
            Some(n) if n.score == score && n.member == member => {}
            _ => return false,
        }
        self.unlink(target, &update);
        true
    }

    fn unlink(&mut self, x: usize, update: &[usize; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            if self.fwd(u, i) == x {
                let span = self.span(u, i) + self.span(x, i);
                self.set_link(u, i, self.fwd(x, i), span.saturating_sub(1));
            } else {
                self.add_span(u, i, -1);
            }
        }
        let f0 = self.fwd(x, 0);
        let back = self.prev(x);
        if f0 != NIL {
            if let Some(n) = self.nodes.get_mut(f0) {
                n.backward = narrow(back);
            }
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.fwd(0, self.level - 1) == NIL {
            self.level -= 1;
        }
        if let Some(n) = self.nodes.get_mut(x) {
            n.member = Vec::new();
            n.high = None;
            n.low = [EMPTY_LINK; INLINE];
            n.level = 0;
            n.backward = NIL32;
        }
        self.free.push(x);
        self.len -= 1;
    }

    /// Moves an element to a new score, keeping its node level (as Redis reuses the node).
    /// False if (old_score, member) is absent.
    pub fn update_score(&mut self, old_score: f64, member: &[u8], new_score: f64) -> bool {
        let update = self.predecessors(old_score, member);
        let target = self.fwd(update[0], 0);
        let level = match self.nodes.get(target) {
            Some(n) if n.score == old_score && n.member == member => n.level as usize,
            _ => return false,
        };
        let mut owned = Vec::new();
        if let Some(n) = self.nodes.get_mut(target) {
            owned = std::mem::take(&mut n.member);
        }
        self.unlink(target, &update);
        self.insert(new_score, owned, level);
        true
    }

    /// The 0-based rank of (score, member), if present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let mut found = None;
        self.descend(
            |n| cmp(n.score, &n.member, score, member) != Ordering::Greater,
            |_, x, r| {
                if x != 0 {
                    if let Some(n) = self.nodes.get(x) {
                        if n.score == score && n.member == member {
                            found = Some(r - 1);
                            return false;
                        }
                    }
                }
                true
            },
        );
        found
    }

    /// The node at 0-based `rank`, or NIL.
    pub fn by_rank(&self, rank: usize) -> usize {
        let Some(target) = rank.checked_add(1) else { return NIL };
        let mut traversed = 0;
        let mut x = 0;
        for i in (0..self.level).rev() {
            while let Some(l) = self.link(x, i) {
                let span = l.span as usize;
                if l.forward != NIL32 && traversed + span <= target {
                    traversed += span;
                    x = l.forward as usize;
                } else {
                    break;
                }
            }
            if traversed == target {
                return x;
            }
        }
        NIL
    }

    /// The first node for which `above_min` holds (nodes are sorted so that the predicate is
    /// false then true), or NIL.
    pub fn first_where(&self, above_min: impl Fn(f64, &[u8]) -> bool) -> usize {
        let x = self.descend(|n| !above_min(n.score, &n.member), |_, _, _| true);
        self.fwd(x, 0)
    }

    /// The last node for which `below_max` holds (true then false along the list), or NIL.
    pub fn last_where(&self, below_max: impl Fn(f64, &[u8]) -> bool) -> usize {
        let x = self.descend(|n| below_max(n.score, &n.member), |_, _, _| true);
        if x == 0 {
            NIL
        } else {
            x
        }
    }

    /// The 0-based rank of node `x` (walks by its first key).
    pub fn rank_of_node(&self, x: usize) -> Option<usize> {
        let (m, s) = self.entry(x)?;
        self.rank(s, m)
    }

    /// Every element in order with its node level (for visualizations).
    pub fn levels(&self) -> Vec<(Vec<u8>, f64, usize)> {
        self.iter_nodes().map(|n| (n.member.clone(), n.score, n.level as usize)).collect()
    }

    fn iter_nodes(&self) -> impl Iterator<Item = &Node> + '_ {
        let mut x = self.first();
        std::iter::from_fn(move || {
            let n = self.nodes.get(x)?;
            x = n.link(0).map_or(NIL, |l| wide(l.forward));
            Some(n)
        })
    }

    /// Every element's member and node level, in order (memory estimates).
    pub fn iter_levels(&self) -> impl Iterator<Item = (&[u8], usize)> + '_ {
        self.iter_nodes().map(|n| (n.member.as_slice(), n.level as usize))
    }

    /// Every element in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        self.iter_nodes().map(|n| (n.member.as_slice(), n.score))
    }

    /// Checks the spans and order (tests).
    #[cfg(test)]
    fn check(&self) {
        // Each link's span must equal the number of level-0 steps it jumps.
        let order: Vec<usize> = {
            let mut v = vec![0];
            let mut x = self.first();
            while x != NIL {
                v.push(x);
                x = self.fwd(x, 0);
            }
            v
        };
        let pos = |n: usize| order.iter().position(|&o| o == n);
        for &x in &order {
            for i in 0..(self.nodes[x].level as usize).min(if x == 0 { self.level } else { 64 }) {
                let f = self.fwd(x, i);
                let to = if f == NIL { order.len() } else { pos(f).unwrap() };
                if f != NIL {
                    assert_eq!(self.span(x, i), to - pos(x).unwrap(), "span at level {i}");
                }
            }
        }
        assert_eq!(order.len() - 1, self.len);
        let tallest = order[1..].iter().map(|&x| self.nodes[x].level as usize).max();
        assert_eq!(self.level, tallest.unwrap_or(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Rng;

    #[test]
    fn matches_a_sorted_vec_model() {
        let mut rng = Rng::new(42);
        let mut sl = SkipList::new();
        let mut model: Vec<(f64, Vec<u8>)> = Vec::new();
        for step in 0..3000 {
            let score = (rng.below(50) as f64) / 2.0;
            let member = format!("m{}", rng.below(400)).into_bytes();
            let present = model.iter().position(|(_, m)| *m == member);
            if let Some(p) = present {
                let (s, m) = model.remove(p);
                assert!(sl.delete(s, &m));
                assert!(!sl.delete(s, &m));
            } else {
                let lvl = random_level(|| rng.next_u64());
                sl.insert(score, member.clone(), lvl);
                model.push((score, member));
                model.sort_by(|a, b| cmp(a.0, &a.1, b.0, &b.1));
            }
            if step % 100 == 0 {
                sl.check();
            }
            assert_eq!(sl.len(), model.len());
        }
        sl.check();
        for (i, (s, m)) in model.iter().enumerate() {
            assert_eq!(sl.rank(*s, m), Some(i));
            let n = sl.by_rank(i);
            assert_eq!(sl.entry(n), Some((m.as_slice(), *s)));
        }
        assert_eq!(sl.by_rank(model.len()), NIL);
        let listed: Vec<(f64, Vec<u8>)> = sl.iter().map(|(m, s)| (s, m.to_vec())).collect();
        assert_eq!(listed, model);
        // Backward links mirror the forward order.
        let mut back = Vec::new();
        let mut x = sl.last();
        while let Some((m, _)) = sl.entry(x) {
            back.push(m.to_vec());
            x = sl.prev(x);
        }
        back.reverse();
        assert_eq!(back.len(), model.len());
        // Range search by score.
        let first = sl.first_where(|s, _| s >= 10.0);
        let expect = model.iter().position(|(s, _)| *s >= 10.0);
        assert_eq!(expect.map(|p| sl.by_rank(p)).unwrap_or(NIL), first);
        let last = sl.last_where(|s, _| s <= 10.0);
        let expect = model.iter().rposition(|(s, _)| *s <= 10.0);
        assert_eq!(expect.map(|p| sl.by_rank(p)).unwrap_or(NIL), last);
        assert!(sl.levels().iter().all(|l| l.2 >= 1 && l.2 <= MAX_LEVEL));
    }

    #[test]
    fn update_score_keeps_the_node_level() {
        let mut sl = SkipList::new();
        sl.insert(1.0, b"a".to_vec(), 5);
        sl.insert(2.0, b"b".to_vec(), 1);
        sl.insert(3.0, b"c".to_vec(), 2);
        assert!(sl.update_score(1.0, b"a", 10.0));
        assert!(!sl.update_score(1.0, b"a", 10.0));
        sl.check();
        let lv: Vec<(Vec<u8>, usize)> = sl.levels().into_iter().map(|(m, _, l)| (m, l)).collect();
        assert_eq!(lv, vec![(b"b".to_vec(), 1), (b"c".to_vec(), 2), (b"a".to_vec(), 5)]);
        assert!(sl.delete(10.0, b"a"));
        sl.check();
        assert_eq!(sl.level(), 2);
    }

    #[test]
    fn score_updates_match_a_sorted_vec_model() {
        let mut rng = Rng::new(9);
        let mut sl = SkipList::new();
        let mut model: Vec<(f64, Vec<u8>, usize)> = Vec::new();
        for step in 0..4000 {
            let member = format!("k{}", rng.below(300)).into_bytes();
            let score = (rng.below(40) as f64) - 20.0;
            match model.iter().position(|(_, m, _)| *m == member) {
                Some(p) if step % 3 == 0 => {
                    let (s, m, l) = model.remove(p);
                    assert!(sl.update_score(s, &m, score));
                    model.push((score, m, l));
                }
                Some(p) => {
                    let (s, m, _) = model.remove(p);
                    assert!(sl.delete(s, &m));
                }
                None => {
                    let lvl = random_level(|| rng.next_u64());
                    sl.insert(score, member.clone(), lvl);
                    model.push((score, member, lvl));
                }
            }
            model.sort_by(|a, b| cmp(a.0, &a.1, b.0, &b.1));
            if step % 50 == 0 {
                sl.check();
                let got: Vec<(f64, Vec<u8>, usize)> = sl.levels().into_iter().map(|(m, s, l)| (s, m, l)).collect();
                assert_eq!(got, model);
            }
        }
        sl.check();
        for (i, (s, m, _)) in model.iter().enumerate() {
            assert_eq!(sl.rank(*s, m), Some(i));
            assert_eq!(sl.rank_of_node(sl.by_rank(i)), Some(i));
        }
        assert!(!sl.update_score(1000.0, b"absent", 1.0));
        assert_eq!(sl.by_rank(usize::MAX), NIL);
    }

    #[test]
    fn level_distribution_is_geometric() {
        let mut rng = Rng::new(7);
        let n = 20000;
        let ones = (0..n).filter(|_| random_level(|| rng.next_u64()) == 1).count();
        assert!(ones > n * 70 / 100 && ones < n * 80 / 100, "{ones}");
    }
}
