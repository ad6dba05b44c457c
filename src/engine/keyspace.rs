//! Databases, values and the intent-named helpers handlers use to read and write keys.
//!
//! Architecture invariant: handlers reach keys only through the helpers here
//! (`read_*`/`write_*`/`set_key`/`delete_key`), which apply lazy expiry, type checks with
//! Redis's WRONGTYPE error, access-time tracking and the "key modified" signal (WATCH, events).

use super::cmd::hash::HashValue;
use super::cmd::list::ListValue;
use super::cmd::set::SetValue;
use super::cmd::zset::ZSetValue;
use super::dict::Dict;
use super::reply::RedisError;
use super::Ctx;

/// A string value and the encoding Redis would give it.
#[derive(Clone, Debug)]
pub struct StrValue {
    pub bytes: Vec<u8>,
    pub enc: StrEnc,
    /// For a raw string grown in place (APPEND, SETRANGE, SETBIT): Redis's sds capacity and
    /// allocation after its greedy growth (`sdsMakeRoomFor`), so MEMORY USAGE can report it;
    /// `(0, 0)` for a string allocated to its exact size.
    pub sds: (usize, usize),
}

/// Strings compare by content and encoding; the modelled allocation is bookkeeping.
impl PartialEq for StrValue {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes && self.enc == other.enc
    }
}
impl Eq for StrValue {}

/// Redis's string encodings, as OBJECT ENCODING names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrEnc {
    Int,
    Embstr,
    Raw,
}

/// Strings up to this length are allocated with their header (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`).
pub const EMBSTR_SIZE_LIMIT: usize = 44;

impl StrValue {
    /// A string as `createStringObject` makes it: embstr when short, raw otherwise.
    pub fn plain(bytes: Vec<u8>) -> StrValue {
        let enc = if bytes.len() <= EMBSTR_SIZE_LIMIT { StrEnc::Embstr } else { StrEnc::Raw };
        StrValue { bytes, enc, sds: (0, 0) }
    }
    /// A string after `tryObjectEncoding`: integers that fit a long become `int`.
    pub fn encoded(bytes: Vec<u8>) -> StrValue {
        if bytes.len() <= 20 && super::num::parse_i64(&bytes).is_some() {
            StrValue { bytes, enc: StrEnc::Int, sds: (0, 0) }
        } else {
            StrValue::plain(bytes)
        }
    }
    /// A string that was modified in place (APPEND, SETRANGE, SETBIT): always `raw`.
    pub fn raw(bytes: Vec<u8>) -> StrValue {
        StrValue { bytes, enc: StrEnc::Raw, sds: (0, 0) }
    }
    /// An integer value (INCR and friends).
    pub fn int(n: i64) -> StrValue {
        StrValue { bytes: n.to_string().into_bytes(), enc: StrEnc::Int, sds: (0, 0) }
    }
    /// Records an in-place change from `old_len` bytes to the current bytes the way Redis
    /// makes it: the value becomes a private raw string (`dbUnshareStringValue`), which grows
    /// greedily when it runs out of room (`sdsMakeRoomFor`: double below 1 MB, else +1 MB).
    pub fn note_growth(&mut self, old_len: usize) {
        let (cap, alloc) = if self.enc == StrEnc::Raw && self.sds.1 > 0 {
            self.sds
        } else {
            super::memory::sds_exact(old_len, self.enc == StrEnc::Raw)
        };
        let new_len = self.bytes.len();
        self.sds = if new_len <= cap { (cap, alloc) } else { super::memory::sds_greedy(new_len) };
        self.enc = StrEnc::Raw;
    }
    pub fn encoding_name(&self) -> &'static str {
        match self.enc {
            StrEnc::Int => "int",
            StrEnc::Embstr => "embstr",
            StrEnc::Raw => "raw",
        }
    }
}

/// A value stored at a key. Each data type module adds its own variant.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(StrValue),
    List(ListValue),
    Hash(HashValue),
    Set(SetValue),
    ZSet(ZSetValue),
    Stream(Box<super::stream::Stream>),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }
    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding_name(),
            Value::List(l) => l.encoding_name(),
            Value::Hash(h) => h.encoding_name(),
            Value::Set(s) => s.encoding_name(),
            Value::ZSet(z) => z.encoding_name(),
            Value::Stream(_) => "stream",
        }
    }
}

/// A key's value and metadata.
#[derive(Clone, Debug)]
pub struct Entry {
    pub value: Value,
    /// Absolute expiry time in Unix milliseconds.
    pub expire_at: Option<i64>,
    /// Last access time in milliseconds (LRU clock, OBJECT IDLETIME).
    pub lru_ms: i64,
    /// The logarithmic access counter (OBJECT FREQ, LFU eviction).
    pub lfu_counter: u8,
    /// What this key costs in Redis's terms (`memory::key_usage`, fast estimate), as counted
    /// in its database's running total; kept by `Db::put`/`Db::refresh`.
    pub mem: usize,
}

/// Entries compare by content; the cached memory figure is bookkeeping.
impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
            && self.expire_at == other.expire_at
            && self.lru_ms == other.lru_ms
            && self.lfu_counter == other.lfu_counter
    }
}

/// LFU counters of new keys start here, as in Redis (`LFU_INIT_VAL`).
pub const LFU_INIT_VAL: u8 = 5;

impl Entry {
    pub fn new(value: Value, now_ms: i64) -> Entry {
        Entry { value, expire_at: None, lru_ms: now_ms, lfu_counter: LFU_INIT_VAL, mem: 0 }
    }
}

/// One logical database.
#[derive(Clone, Debug, Default)]
pub struct Db {
    pub(crate) keys: Dict<Vec<u8>, Entry>,
    /// Keys with a time to live, mirrored here so active expiry can sample them.
    pub(crate) expires: Dict<Vec<u8>, i64>,
    /// Sum of the entries' `mem`: the keys' cost in Redis's terms (see `memory.rs`).
    used: usize,
    /// The key whose `mem` was computed last, while `fresh` says no mutable access to any
    /// entry has been handed out since (`Engine::lookup_at` clears it). A write signals and
    /// notifies, each refreshing the key: the second refresh of an unchanged value is skipped.
    fresh_key: Vec<u8>,
    fresh: bool,
}

impl Db {
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    pub fn volatile_count(&self) -> usize {
        self.expires.len()
    }
    pub fn clear(&mut self) {
        self.keys.clear();
        self.expires.clear();
        self.used = 0;
        self.fresh = false;
    }
    /// The memory this database accounts for in Redis's terms: its entries, the main and
    /// expires tables' buckets, and one dictEntry per key with a time to live.
    pub fn used_memory(&self) -> usize {
        use super::memory::{DICT_ENTRY, PTR};
        self.used
            .saturating_add(PTR * (self.keys.capacity() + self.expires.capacity()))
            .saturating_add(DICT_ENTRY * self.expires.len())
    }
    /// The entries' own cost (keys and values), without the tables' buckets.
    pub fn keys_memory(&self) -> usize {
        self.used
    }
    /// Recomputes the cost of `key` after an in-place change (called from `signal_modified`
    /// and `notify`, so every write keeps the running total in step).
    pub fn refresh(&mut self, key: &[u8]) {
        if self.fresh && self.fresh_key == key {
            return;
        }
        if let Some(e) = self.keys.get_mut(key) {
            let mem = super::memory::key_usage(key, &e.value, super::memory::Estimate::Fast, Default::default());
            self.used = self.used.saturating_sub(e.mem).saturating_add(mem);
            e.mem = mem;
            self.mark_fresh(key);
        }
    }
    /// Records that `key`'s cached cost matches its value (see `fresh`).
    fn mark_fresh(&mut self, key: &[u8]) {
        self.fresh_key.clear();
        self.fresh_key.extend_from_slice(key);
        self.fresh = true;
    }
    /// Called before an entry is handed out for possible in-place change.
    pub(crate) fn mark_stale(&mut self) {
        self.fresh = false;
    }
    /// The entry at `key` without expiry checks (for snapshots and introspection).
    pub fn peek(&self, key: &[u8]) -> Option<&Entry> {
        self.keys.get(key)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Entry)> {
        self.keys.iter()
    }
    pub fn is_expired_at(&self, key: &[u8], now_ms: i64) -> bool {
        matches!(self.expires.get(key), Some(&when) if now_ms > when)
    }
    /// Inserts or replaces a whole entry, keeping the expires mirror and the memory total in
    /// step.
    pub fn put(&mut self, key: Vec<u8>, mut entry: Entry) {
        entry.mem = super::memory::key_usage(&key, &entry.value, super::memory::Estimate::Fast, Default::default());
        self.used = self.used.saturating_add(entry.mem);
        match entry.expire_at {
            Some(at) => {
                self.expires.insert(key.clone(), at);
            }
            None => {
                self.expires.remove(&key);
            }
        }
        self.mark_fresh(&key);
        if let Some(old) = self.keys.insert(key, entry) {
            self.used = self.used.saturating_sub(old.mem);
        }
    }
    /// Removes a key; returns its entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        self.fresh = false;
        self.expires.remove(key);
        let e = self.keys.remove(key)?;
        self.used = self.used.saturating_sub(e.mem);
        Some(e)
    }
    /// Sets or clears the expiry of an existing key; false if the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], at: Option<i64>) -> bool {
        let Some(e) = self.keys.get_mut(key) else {
            return false;
        };
        e.expire_at = at;
        match at {
            Some(at) => {
                self.expires.insert(key.to_vec(), at);
            }
            None => {
                self.expires.remove(key);
            }
        }
        true
    }
}

/// How a read lookup counts towards INFO's keyspace_hits/misses and touches access times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A read by a command: counts hits/misses and updates LRU/LFU.
    Read,
    /// A lookup before a write: updates LRU/LFU but not hit/miss statistics.
    Write,
    /// No side effects besides lazy expiry (TYPE-like introspection with NOTOUCH, OBJECT).
    NoTouch,
    /// A read that counts hits/misses but leaves LRU/LFU alone (Redis's `LOOKUP_NOTOUCH`:
    /// EXISTS, TYPE, TTL, OBJECT).
    Peek,
}

impl Ctx<'_> {
    /// The selected database of the calling client.
    pub fn db_index(&self) -> usize {
        self.db
    }

    pub fn db(&mut self) -> &mut Db {
        let i = self.db;
        self.eng.db_mut(i)
    }

    /// Deletes `key` if its time to live has run out (lazy expiry); true if it did.
    pub fn expire_if_needed(&mut self, key: &[u8]) -> bool {
        let db = self.db;
        self.eng.expire_if_needed(db, key)
    }

    /// Looks a key up, applying lazy expiry and access tracking.
    pub fn lookup(&mut self, key: &[u8], access: Access) -> Option<&mut Entry> {
        let db = self.db;
        self.eng.lookup(db, key, access)
    }

    /// True if the key exists (after lazy expiry), without touching it.
    pub fn exists(&mut self, key: &[u8]) -> bool {
        self.lookup(key, Access::NoTouch).is_some()
    }

    /// The string at `key` for reading; `Ok(None)` if missing, WRONGTYPE for other types.
    pub fn read_string(&mut self, key: &[u8]) -> Result<Option<&StrValue>, RedisError> {
        match self.lookup(key, Access::Read) {
            None => Ok(None),
            Some(Entry { value: Value::Str(s), .. }) => Ok(Some(s)),
            #[allow(unreachable_patterns)]
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The string at `key` for modification; `Ok(None)` if missing, WRONGTYPE for other types.
    pub fn write_string(&mut self, key: &[u8]) -> Result<Option<&mut StrValue>, RedisError> {
        match self.lookup(key, Access::Write) {
            None => Ok(None),
            Some(Entry { value: Value::Str(s), .. }) => Ok(Some(s)),
            #[allow(unreachable_patterns)]
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The list at `key` for reading; `Ok(None)` if missing, WRONGTYPE for other types.
    pub fn read_list(&mut self, key: &[u8]) -> Result<Option<&ListValue>, RedisError> {
        match self.lookup(key, Access::Read) {
            None => Ok(None),
            Some(Entry { value: Value::List(l), .. }) => Ok(Some(l)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The list at `key` for modification; `Ok(None)` if missing, WRONGTYPE for other types.
    /// The caller signals the modification.
    pub fn write_list(&mut self, key: &[u8]) -> Result<Option<&mut ListValue>, RedisError> {
        match self.lookup(key, Access::Write) {
            None => Ok(None),
            Some(Entry { value: Value::List(l), .. }) => Ok(Some(l)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The hash at `key` for reading; `Ok(None)` if missing, WRONGTYPE for other types.
    pub fn read_hash(&mut self, key: &[u8]) -> Result<Option<&HashValue>, RedisError> {
        match self.lookup(key, Access::Read) {
            None => Ok(None),
            Some(Entry { value: Value::Hash(h), .. }) => Ok(Some(h)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The hash at `key` for modification; `Ok(None)` if missing, WRONGTYPE for other types.
    /// The caller signals the modification.
    pub fn write_hash(&mut self, key: &[u8]) -> Result<Option<&mut HashValue>, RedisError> {
        match self.lookup(key, Access::Write) {
            None => Ok(None),
            Some(Entry { value: Value::Hash(h), .. }) => Ok(Some(h)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The set at `key` for reading; `Ok(None)` if missing, WRONGTYPE for other types.
    pub fn read_set(&mut self, key: &[u8]) -> Result<Option<&SetValue>, RedisError> {
        match self.lookup(key, Access::Read) {
            None => Ok(None),
            Some(Entry { value: Value::Set(s), .. }) => Ok(Some(s)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The set at `key` for modification; `Ok(None)` if missing, WRONGTYPE for other types.
    /// The caller signals the change ([`Ctx::signal_modified`]) once it has made it.
    pub fn write_set(&mut self, key: &[u8]) -> Result<Option<&mut SetValue>, RedisError> {
        match self.lookup(key, Access::Write) {
            None => Ok(None),
            Some(Entry { value: Value::Set(s), .. }) => Ok(Some(s)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The sorted set at `key` for reading; `Ok(None)` if missing, WRONGTYPE otherwise.
    pub fn read_zset(&mut self, key: &[u8]) -> Result<Option<&ZSetValue>, RedisError> {
        match self.lookup(key, Access::Read) {
            None => Ok(None),
            Some(Entry { value: Value::ZSet(z), .. }) => Ok(Some(z)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The sorted set at `key` for modification; `Ok(None)` if missing, WRONGTYPE otherwise.
    /// The caller signals the change once it has made it.
    pub fn write_zset(&mut self, key: &[u8]) -> Result<Option<&mut ZSetValue>, RedisError> {
        match self.lookup(key, Access::Write) {
            None => Ok(None),
            Some(Entry { value: Value::ZSet(z), .. }) => Ok(Some(z)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The stream at `key` for reading; `Ok(None)` if missing, WRONGTYPE for other types.
    pub fn read_stream(&mut self, key: &[u8]) -> Result<Option<&super::stream::Stream>, RedisError> {
        match self.lookup(key, Access::Read) {
            None => Ok(None),
            Some(Entry { value: Value::Stream(s), .. }) => Ok(Some(s)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// The stream at `key` for modification; `Ok(None)` if missing, WRONGTYPE for other types.
    pub fn write_stream(&mut self, key: &[u8]) -> Result<Option<&mut super::stream::Stream>, RedisError> {
        match self.lookup(key, Access::Write) {
            None => Ok(None),
            Some(Entry { value: Value::Stream(s), .. }) => Ok(Some(s)),
            Some(_) => Err(RedisError::wrong_type()),
        }
    }

    /// Stores `value` at `key` like Redis's `setKey`: replaces any old value of any type and
    /// clears its time to live unless `keep_ttl`. Signals the modification.
    pub fn set_key(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        let now = self.now_ms();
        let db = self.db;
        let old = self.eng.lookup_at(db, key, Access::NoTouch, now).map(|e| e.expire_at);
        let old_expire = if keep_ttl { old.flatten() } else { None };
        let mut entry = Entry::new(value, now);
        entry.expire_at = old_expire;
        self.db().put(key.to_vec(), entry);
        // Redis 7.0 announces key creation as the `new` event (class `n`), before the command's
        // own event. It goes to keyspace pub/sub only, not to the captured event stream.
        if old.is_none() && self.eng.config.notify_keyspace_events != 0 {
            self.eng.publish_keyspace_event(super::events::EventClass::New, "new", db, key);
        }
        self.signal_modified(key);
    }

    /// Deletes `key`; true if it existed. Signals the modification (the caller notifies).
    pub fn delete_key(&mut self, key: &[u8]) -> bool {
        if self.expire_if_needed(key) {
            return false;
        }
        let removed = self.db().remove(key).is_some();
        if removed {
            self.signal_modified(key);
        }
        removed
    }

    /// Tells WATCH and the client-side caches that `key` changed (Redis's `signalModifiedKey`).
    pub fn signal_modified(&mut self, key: &[u8]) {
        let db = self.db;
        self.eng.signal_modified(db, key);
    }

    /// Announces a keyspace event in the calling client's database.
    pub fn notify(&mut self, class: super::events::EventClass, event: &'static str, key: &[u8]) {
        let db = self.db;
        self.eng.notify(class, event, db, key);
    }

    /// Marks the command as having changed `n` things (INFO's dirty counter / RDB changes).
    pub fn dirty(&mut self, n: u64) {
        self.eng.stats.dirty += n;
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::memory::{key_usage, Estimate};
    use crate::engine::Engine;

    /// The running total equals a fresh computation of every key after in-place writes (the
    /// skipped second refresh of a write must never leave a stale figure).
    #[test]
    fn memory_total_follows_in_place_writes() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        let run = |e: &mut Engine, line: &str| {
            e.execute_line(c, line).ok();
        };
        for i in 0..200 {
            run(&mut e, &format!("LPUSH l{} {}", i % 3, "x".repeat(i % 40)));
            run(&mut e, &format!("APPEND s{} abc", i % 2));
            run(&mut e, &format!("HSET h f{i} v"));
            if i % 7 == 0 {
                run(&mut e, "LPOP l1");
                run(&mut e, "SETRANGE s0 100 z");
            }
        }
        // The same key written twice in a row, in place.
        run(&mut e, "RPUSH same a");
        run(&mut e, "RPUSH same bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
        run(&mut e, "LSET same 0 cccccccccccccccccccccccccccccccccccccccccc");
        run(&mut e, "MULTI");
        run(&mut e, "RPUSH l0 a b c");
        run(&mut e, "LSET l0 0 longer-value");
        run(&mut e, "EXEC");
        let Some(db) = e.db(0) else { return };
        let recomputed: usize =
            db.iter().map(|(k, v)| key_usage(k, &v.value, Estimate::Fast, Default::default())).sum();
        assert_eq!(db.keys_memory(), recomputed);
    }
}
