//! Lua tables laid out exactly as Lua 5.1's ltable.c does: an array part plus a hash part of
//! 2^k nodes with Brent's variation of chained scatter (main positions, a `lastfree`
//! pointer, colliding nodes moved out of other keys' main positions) and the same rehash
//! policy (computesizes). So `next`/`pairs` visit keys in the order Redis's Lua does for
//! string, number and boolean keys (and cjson.encode writes objects in that order), and `#`
//! finds the same border. Tables and functions as keys hash by address, as in Lua.

use super::{TableRef, Value};

/// Most entries a table may hold (a cap so scripts fail with an error, not an abort).
pub const MAX_TABLE_ENTRIES: usize = 1 << 26;
const MAXBITS: usize = 26;

#[derive(Clone, Default)]
struct Node {
    key: Value,
    val: Value,
    next: Option<usize>,
}

#[derive(Default)]
pub struct Table {
    /// The array part (keys 1..=arr.len()); may hold nils, as Lua's does.
    pub arr: Vec<Value>,
    nodes: Vec<Node>,
    lastfree: usize,
    pub meta: Option<TableRef>,
    pub readonly: bool,
}

/// Lua 5.1's string hash (seeded with the length, sampling at most ~32 bytes).
pub fn str_hash(s: &[u8]) -> u32 {
    let l = s.len();
    let mut h: u32 = l as u32;
    let step = (l >> 5) + 1;
    let mut l1 = l;
    while l1 >= step {
        h ^= (h << 5).wrapping_add(h >> 2).wrapping_add(s[l1 - 1] as u32);
        l1 -= step;
    }
    h
}

fn int_key(k: &Value) -> Option<usize> {
    if let Value::Num(n) = k {
        let n = *n;
        if n >= 1.0 && n <= MAX_TABLE_ENTRIES as f64 && n.fract() == 0.0 {
            return Some(n as usize);
        }
    }
    None
}

fn ceil_log2(x: usize) -> usize {
    // ceil(log2(x)) for x >= 1
    let mut l = 0;
    while (1usize << l) < x {
        l += 1;
    }
    l
}

/// luaO_int2fb then fb2int: the sizes OP_NEWTABLE can encode (rounded up).
pub fn fb_round(x: usize) -> usize {
    let mut e = 0u32;
    let mut x = x;
    if x < 8 {
        return x;
    }
    while x >= 16 {
        x = (x + 1) >> 1;
        e += 1;
    }
    (x.min(15)) << e
}

impl Table {
    /// A table preallocated like OP_NEWTABLE (sizes as the constructor would encode them).
    pub fn with_capacity(narr: usize, nhash: usize) -> Table {
        let mut t = Table::default();
        t.arr = vec![Value::Nil; narr.min(MAX_TABLE_ENTRIES)];
        t.set_node_vector(nhash.min(MAX_TABLE_ENTRIES));
        t
    }

    fn set_node_vector(&mut self, size: usize) {
        if size == 0 {
            self.nodes = Vec::new();
            self.lastfree = 0;
            return;
        }
        let n = 1usize << ceil_log2(size);
        self.nodes = vec![Node::default(); n];
        self.lastfree = n;
    }

    fn main_position(&self, k: &Value) -> usize {
        let size = self.nodes.len();
        if size == 0 {
            return 0;
        }
        let modm = ((size - 1) | 1) as u32;
        match k {
            Value::Num(n) => {
                if *n == 0.0 {
                    return 0;
                }
                let bits = n.to_bits();
                let a = (bits as u32).wrapping_add((bits >> 32) as u32);
                (a % modm) as usize
            }
            Value::Str(s) => (str_hash(s) as usize) & (size - 1),
            Value::Bool(b) => (*b as usize) & (size - 1),
            Value::Table(t) => (t.addr() as u32 % modm) as usize,
            Value::Func(f) => (f.addr() as u32 % modm) as usize,
            Value::Nil => 0,
        }
    }

    fn find_node(&self, k: &Value) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut i = self.main_position(k);
        for _ in 0..=self.nodes.len() {
            let n = &self.nodes[i];
            if n.key.raw_eq(k) {
                return Some(i);
            }
            i = n.next?;
        }
        None
    }

    pub fn get(&self, k: &Value) -> Value {
        if let Some(i) = int_key(k) {
            if i <= self.arr.len() {
                return self.arr[i - 1].clone();
            }
        }
        match self.find_node(k) {
            Some(i) => self.nodes[i].val.clone(),
            None => Value::Nil,
        }
    }

    pub fn get_str(&self, k: &[u8]) -> Value {
        self.get(&Value::str(k))
    }

    pub fn get_int(&self, i: usize) -> Value {
        if i >= 1 && i <= self.arr.len() {
            return self.arr[i - 1].clone();
        }
        self.get(&Value::Num(i as f64))
    }

    /// Raw set (luaH_set): errors are Lua's texts for nil and NaN keys.
    pub fn set(&mut self, k: Value, v: Value) -> Result<(), &'static str> {
        match &k {
            Value::Nil => return Err("table index is nil"),
            Value::Num(n) if n.is_nan() => return Err("table index is NaN"),
            _ => {}
        }
        if let Some(i) = int_key(&k) {
            if i <= self.arr.len() {
                self.arr[i - 1] = v;
                return Ok(());
            }
        }
        if let Some(i) = self.find_node(&k) {
            self.nodes[i].val = v;
            return Ok(());
        }
        self.new_key(k, v, 0)
    }

    fn get_free_pos(&mut self) -> Option<usize> {
        while self.lastfree > 0 {
            self.lastfree -= 1;
            if self.nodes[self.lastfree].key.is_nil() {
                return Some(self.lastfree);
            }
        }
        None
    }

    fn new_key(&mut self, k: Value, v: Value, depth: u32) -> Result<(), &'static str> {
        if depth > 4 {
            return Err("table overflow");
        }
        if self.nodes.is_empty() {
            self.rehash(&k)?;
            return self.set_after_rehash(k, v, depth);
        }
        let mut mp = self.main_position(&k);
        if !self.nodes[mp].val.is_nil() {
            let Some(n) = self.get_free_pos() else {
                self.rehash(&k)?;
                return self.set_after_rehash(k, v, depth);
            };
            let mut othern = self.main_position(&self.nodes[mp].key);
            if othern != mp {
                // the colliding node is out of its main position: move it to the free slot
                let mut guard = 0;
                while self.nodes[othern].next != Some(mp) {
                    match self.nodes[othern].next {
                        Some(x) if guard <= self.nodes.len() => othern = x,
                        _ => return Err("table overflow"),
                    }
                    guard += 1;
                }
                self.nodes[othern].next = Some(n);
                self.nodes[n] = self.nodes[mp].clone();
                self.nodes[mp].next = None;
                self.nodes[mp].val = Value::Nil;
            } else {
                self.nodes[n].next = self.nodes[mp].next;
                self.nodes[mp].next = Some(n);
                mp = n;
            }
        }
        self.nodes[mp].key = k;
        self.nodes[mp].val = v;
        Ok(())
    }

    fn set_after_rehash(&mut self, k: Value, v: Value, depth: u32) -> Result<(), &'static str> {
        if let Some(i) = int_key(&k) {
            if i <= self.arr.len() {
                self.arr[i - 1] = v;
                return Ok(());
            }
        }
        if let Some(i) = self.find_node(&k) {
            self.nodes[i].val = v;
            return Ok(());
        }
        self.new_key(k, v, depth + 1)
    }

    fn count_int(k: &Value, nums: &mut [usize]) -> usize {
        match int_key(k) {
            Some(i) => {
                nums[ceil_log2(i)] += 1;
                1
            }
            None => 0,
        }
    }

    fn rehash(&mut self, ek: &Value) -> Result<(), &'static str> {
        let mut nums = [0usize; MAXBITS + 1];
        // keys in the array part, by slices (2^(lg-1), 2^lg]
        let mut nasize = 0usize;
        let mut i = 1usize;
        let mut ttlg = 1usize;
        for num in nums.iter_mut() {
            let mut lim = ttlg;
            if lim > self.arr.len() {
                lim = self.arr.len();
                if i > lim {
                    break;
                }
            }
            let mut lc = 0;
            while i <= lim {
                if !self.arr[i - 1].is_nil() {
                    lc += 1;
                }
                i += 1;
            }
            *num += lc;
            nasize += lc;
            ttlg *= 2;
        }
        let mut totaluse = nasize;
        for n in self.nodes.iter().rev() {
            if !n.val.is_nil() {
                nasize += Self::count_int(&n.key, &mut nums);
                totaluse += 1;
            }
        }
        nasize += Self::count_int(ek, &mut nums);
        totaluse += 1;
        if totaluse > MAX_TABLE_ENTRIES {
            return Err("table overflow");
        }
        // computesizes
        let mut a = 0usize;
        let mut na = 0usize;
        let mut n = 0usize;
        let mut twotoi = 1usize;
        let mut idx = 0usize;
        while twotoi / 2 < nasize && idx <= MAXBITS {
            if nums[idx] > 0 {
                a += nums[idx];
                if a > twotoi / 2 {
                    n = twotoi;
                    na = a;
                }
            }
            if a == nasize {
                break;
            }
            idx += 1;
            twotoi *= 2;
        }
        self.resize(n, totaluse - na)
    }

    fn resize(&mut self, nasize: usize, nhsize: usize) -> Result<(), &'static str> {
        let oldasize = self.arr.len();
        let old_nodes = std::mem::take(&mut self.nodes);
        if nasize > oldasize {
            self.arr.resize(nasize, Value::Nil);
        }
        self.set_node_vector(nhsize);
        if nasize < oldasize {
            let vanish = self.arr.split_off(nasize);
            for (j, v) in vanish.into_iter().enumerate() {
                if !v.is_nil() {
                    self.set(Value::Num((nasize + j + 1) as f64), v)?;
                }
            }
        }
        for n in old_nodes.into_iter().rev() {
            if !n.val.is_nil() {
                self.set(n.key, n.val)?;
            }
        }
        Ok(())
    }

    /// luaH_resizearray (SETLIST growing the array part for a multi-value tail).
    pub fn resize_array(&mut self, n: usize) -> Result<(), &'static str> {
        let nh = self.nodes.len();
        self.resize(n.min(MAX_TABLE_ENTRIES), nh)
    }

    /// The `#` border, as luaH_getn computes it.
    pub fn len(&self) -> usize {
        let mut j = self.arr.len();
        if j > 0 && self.arr[j - 1].is_nil() {
            let mut i = 0;
            while j - i > 1 {
                let m = (i + j) / 2;
                if self.arr[m - 1].is_nil() {
                    j = m;
                } else {
                    i = m;
                }
            }
            return i;
        }
        if self.nodes.is_empty() {
            return j;
        }
        // unbound search
        let mut i = j;
        j += 1;
        while !self.get_int(j).is_nil() {
            i = j;
            if j > MAX_TABLE_ENTRIES {
                let mut k = 1;
                while !self.get_int(k).is_nil() {
                    k += 1;
                }
                return k - 1;
            }
            j *= 2;
        }
        while j - i > 1 {
            let m = (i + j) / 2;
            if self.get_int(m).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i
    }

    /// `next`: Ok(None) at the end, Err for a key not in the table.
    pub fn next(&self, k: &Value) -> Result<Option<(Value, Value)>, ()> {
        let start = match k {
            Value::Nil => 0,
            _ => match int_key(k) {
                Some(i) if i <= self.arr.len() => i,
                _ => match self.find_node(k) {
                    Some(n) => self.arr.len() + n + 1,
                    None => return Err(()),
                },
            },
        };
        for i in start..self.arr.len() {
            if !self.arr[i].is_nil() {
                return Ok(Some((Value::Num((i + 1) as f64), self.arr[i].clone())));
            }
        }
        let from = start.saturating_sub(self.arr.len());
        for n in self.nodes.iter().skip(from) {
            if !n.val.is_nil() {
                return Ok(Some((n.key.clone(), n.val.clone())));
            }
        }
        Ok(None)
    }
}

/// Drops values without recursion, so a long chain of nested tables or closures (built by
/// `t = {t}` in a loop) cannot overflow the Rust stack when it is freed.
pub(crate) fn drop_iteratively(mut work: Vec<Value>) {
    while let Some(v) = work.pop() {
        match v {
            Value::Table(t) => {
                if super::shared::Rc::strong_count(&t.0) == 1 {
                    if let Ok(mut tb) = t.0.try_borrow_mut() {
                        work.append(&mut tb.arr);
                        for n in tb.nodes.drain(..) {
                            work.push(n.key);
                            work.push(n.val);
                        }
                        if let Some(m) = tb.meta.take() {
                            work.push(Value::Table(m));
                        }
                    }
                }
                drop(t);
            }
            Value::Func(f) => {
                if let Ok(mut func) = super::shared::Rc::try_unwrap(f.0) {
                    if let super::interp::Function::Lua { upvals, .. } = &mut func {
                        for c in upvals.drain(..) {
                            if let Ok(cell) = super::shared::Rc::try_unwrap(c) {
                                work.push(cell.into_inner());
                            }
                        }
                    }
                }
            }
            other => drop(other),
        }
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        if self.arr.is_empty() && self.nodes.is_empty() && self.meta.is_none() {
            return;
        }
        let mut work = std::mem::take(&mut self.arr);
        for n in self.nodes.drain(..) {
            work.push(n.key);
            work.push(n.val);
        }
        if let Some(m) = self.meta.take() {
            work.push(Value::Table(m));
        }
        drop_iteratively(work);
    }
}
