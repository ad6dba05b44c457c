//! Lua tables: an array part for keys 1..n and an insertion-ordered hash part (so `next` can
//! continue from any key, and clearing fields during traversal is allowed, as in Lua).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::{TableRef, Value};

/// Most entries a table may hold (a cap so scripts fail with an error, not an abort).
pub const MAX_TABLE_ENTRIES: usize = 1 << 26;

/// A hashable table key (never nil or NaN).
#[derive(Clone)]
pub struct Key(pub Value);

impl PartialEq for Key {
    fn eq(&self, o: &Key) -> bool {
        self.0.raw_eq(&o.0)
    }
}
impl Eq for Key {}
impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match &self.0 {
            Value::Nil => 0u8.hash(h),
            Value::Bool(b) => b.hash(h),
            Value::Num(n) => {
                let n = if *n == 0.0 { 0.0 } else { *n };
                n.to_bits().hash(h)
            }
            Value::Str(s) => s.hash(h),
            Value::Table(t) => t.addr().hash(h),
            Value::Func(f) => f.addr().hash(h),
        }
    }
}

#[derive(Default)]
pub struct Table {
    pub arr: Vec<Value>,
    pub keys: Vec<(Key, Value)>,
    pub index: HashMap<Key, usize>,
    pub live: usize,
    pub meta: Option<TableRef>,
    pub readonly: bool,
}

fn arr_index(k: &Value) -> Option<usize> {
    if let Value::Num(n) = k {
        let n = *n;
        if n >= 1.0 && n <= (usize::MAX / 2) as f64 && n.fract() == 0.0 {
            return Some(n as usize - 1);
        }
    }
    None
}

impl Table {
    pub fn with_capacity(narr: usize, nhash: usize) -> Table {
        Table {
            arr: Vec::with_capacity(narr.min(1 << 16)),
            keys: Vec::with_capacity(nhash.min(1 << 16)),
            index: HashMap::with_capacity(nhash.min(1 << 16)),
            ..Table::default()
        }
    }

    pub fn get(&self, k: &Value) -> Value {
        if let Some(i) = arr_index(k) {
            if let Some(v) = self.arr.get(i) {
                return v.clone();
            }
        }
        self.get_hash(k)
    }

    pub fn get_str(&self, k: &[u8]) -> Value {
        self.get_hash(&Value::str(k))
    }

    fn get_hash(&self, k: &Value) -> Value {
        if self.keys.is_empty() {
            return Value::Nil;
        }
        match self.index.get(&Key(k.clone())) {
            Some(&i) => self.keys.get(i).map(|e| e.1.clone()).unwrap_or(Value::Nil),
            None => Value::Nil,
        }
    }

    pub fn get_int(&self, i: usize) -> Value {
        if i >= 1 {
            if let Some(v) = self.arr.get(i - 1) {
                return v.clone();
            }
        }
        self.get_hash(&Value::Num(i as f64))
    }

    /// Raw set; errors are Lua's texts for nil and NaN keys.
    pub fn set(&mut self, k: Value, v: Value) -> Result<(), &'static str> {
        match &k {
            Value::Nil => return Err("table index is nil"),
            Value::Num(n) if n.is_nan() => return Err("table index is NaN"),
            _ => {}
        }
        if let Some(i) = arr_index(&k) {
            if i < self.arr.len() {
                self.arr[i] = v;
                if i + 1 == self.arr.len() {
                    while matches!(self.arr.last(), Some(Value::Nil)) {
                        self.arr.pop();
                    }
                }
                return Ok(());
            }
            if i == self.arr.len() && !v.is_nil() {
                if self.arr.len() + self.live >= MAX_TABLE_ENTRIES {
                    return Err("table overflow");
                }
                self.arr.push(v);
                // Remove a shadow in the hash part, then migrate following keys.
                if !self.keys.is_empty() {
                    self.remove_hash(&k);
                    loop {
                        let nk = Value::Num((self.arr.len() + 1) as f64);
                        let nv = self.get_hash(&nk);
                        if nv.is_nil() {
                            break;
                        }
                        self.remove_hash(&nk);
                        self.arr.push(nv);
                    }
                }
                return Ok(());
            }
        }
        let key = Key(k);
        match self.index.get(&key) {
            Some(&i) => {
                if let Some(e) = self.keys.get_mut(i) {
                    let was_nil = e.1.is_nil();
                    let now_nil = v.is_nil();
                    e.1 = v;
                    if was_nil && !now_nil {
                        self.live += 1;
                    } else if !was_nil && now_nil {
                        self.live -= 1;
                    }
                }
            }
            None => {
                if v.is_nil() {
                    return Ok(());
                }
                if self.arr.len() + self.live >= MAX_TABLE_ENTRIES {
                    return Err("table overflow");
                }
                if self.keys.len() > 16 && self.live * 2 < self.keys.len() {
                    self.compact();
                }
                self.index.insert(key.clone(), self.keys.len());
                self.keys.push((key, v));
                self.live += 1;
            }
        }
        Ok(())
    }

    fn remove_hash(&mut self, k: &Value) {
        let key = Key(k.clone());
        if let Some(&i) = self.index.get(&key) {
            if let Some(e) = self.keys.get_mut(i) {
                if !e.1.is_nil() {
                    self.live -= 1;
                }
                e.1 = Value::Nil;
            }
        }
    }

    fn compact(&mut self) {
        let old = std::mem::take(&mut self.keys);
        self.index.clear();
        for (k, v) in old {
            if !v.is_nil() {
                self.index.insert(k.clone(), self.keys.len());
                self.keys.push((k, v));
            }
        }
    }

    /// The `#` border.
    pub fn len(&self) -> usize {
        let n = self.arr.len();
        if n > 0 || self.keys.is_empty() {
            return n;
        }
        // No array part: probe the hash part like Lua's unbound search.
        let mut j = 0usize;
        while !self.get_int(j + 1).is_nil() {
            j += 1;
            if j > MAX_TABLE_ENTRIES {
                break;
            }
        }
        j
    }

    /// `next`: Ok(None) at the end, Err for a key not in the table.
    pub fn next(&self, k: &Value) -> Result<Option<(Value, Value)>, ()> {
        let mut start_hash = 0usize;
        let mut arr_from = 0usize;
        match k {
            Value::Nil => {}
            _ => {
                let mut found = false;
                if let Some(i) = arr_index(k) {
                    if i < self.arr.len() {
                        arr_from = i + 1;
                        found = true;
                    }
                }
                if !found {
                    match self.index.get(&Key(k.clone())) {
                        Some(&i) => {
                            arr_from = self.arr.len();
                            start_hash = i + 1;
                        }
                        // An array key cleared during traversal (the array part shrank).
                        None if arr_index(k).is_some() => arr_from = self.arr.len(),
                        None => return Err(()),
                    }
                }
            }
        }
        for i in arr_from..self.arr.len() {
            if !self.arr[i].is_nil() {
                return Ok(Some((Value::Num((i + 1) as f64), self.arr[i].clone())));
            }
        }
        for e in self.keys.iter().skip(start_hash) {
            if !e.1.is_nil() {
                return Ok(Some((e.0 .0.clone(), e.1.clone())));
            }
        }
        Ok(None)
    }
}
