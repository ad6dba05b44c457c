//! maxmemory: the engine-wide memory figure and eviction, as Redis 7.0's `evict.c` does it.
//!
//! Before every command (`Engine::execute`) and after `CONFIG SET maxmemory`,
//! [`Engine::perform_evictions`] compares `used_memory` with `maxmemory` and, while over,
//! deletes keys chosen by `maxmemory-policy`:
//! - `allkeys-*` sample the whole keyspace, `volatile-*` only keys with a time to live;
//! - `*-lru` / `*-lfu` / `volatile-ttl` feed `maxmemory-samples` sampled keys per database into
//!   the eviction pool (16 candidates ordered by "idle score": idle time on the one-second LRU
//!   clock, `255 - counter` for LFU, how soon the key expires for TTL) and evict the best one;
//! - `*-random` pick a random key, visiting the databases round robin;
//! - `noeviction` evicts nothing.
//!
//! Each eviction counts `evicted_keys`, announces the `evicted` keyspace event (class `e`) and
//! signals the key as modified. When nothing can be evicted the command is refused with
//! Redis's OOM error if it may grow memory (`denyoom`, or anything inside MULTI).

use super::events::EventClass;
use super::Engine;

/// Candidates kept between evictions (`EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;
/// Redis's idle-engine figure: what `used_memory` reports for an empty server.
pub const BASELINE: u64 = 880_000;
/// What Redis says when a command is refused for memory.
pub const OOM_ERROR: &str = "OOM command not allowed when used memory > 'maxmemory'.";
/// The 24-bit LRU clock's wrap-around (`LRU_CLOCK_MAX`).
const LRU_CLOCK_MAX: i64 = (1 << 24) - 1;

/// One eviction candidate.
#[derive(Clone, Debug)]
struct Candidate {
    idle: u64,
    key: Vec<u8>,
    db: usize,
}

/// The eviction pool and the random policies' round-robin position.
#[derive(Clone, Debug, Default)]
pub struct EvictState {
    pool: Vec<Candidate>,
    next_db: usize,
    /// When used memory first went over maxmemory without getting back under (ms).
    over_since: Option<i64>,
    /// Total milliseconds spent over maxmemory (`total_eviction_exceeded_time`).
    pub exceeded_ms: i64,
    /// Whether memory was still over the limit when the current command started (Redis's
    /// `pre_command_oom_state`): scripts check it, not the memory they use themselves.
    pub pre_command_oom: bool,
}

impl EvictState {
    /// CONFIG RESETSTAT: the exceeded-time counters start again.
    pub fn reset_stats(&mut self) {
        self.exceeded_ms = 0;
        self.over_since = None;
    }

    /// Milliseconds of the current stretch over maxmemory (`current_eviction_exceeded_time`).
    pub fn current_exceeded_ms(&self, now: i64) -> i64 {
        self.over_since.map_or(0, |t| (now - t).max(0))
    }
}

/// Redis's one-second LRU clock for a time in milliseconds.
fn lru_clock(ms: i64) -> i64 {
    ms.div_euclid(1000) & LRU_CLOCK_MAX
}

/// `estimateObjectIdleTime`: milliseconds on the LRU clock between the last access and now.
pub fn idle_ms(last_ms: i64, now_ms: i64) -> u64 {
    let (now, then) = (lru_clock(now_ms), lru_clock(last_ms));
    let ticks = if now >= then { now - then } else { now + (LRU_CLOCK_MAX - then) };
    (ticks as u64).saturating_mul(1000)
}

/// `LFUDecrAndReturn`: the counter after decaying one step per `decay` minutes idle.
pub fn lfu_decayed(counter: u8, last_ms: i64, now_ms: i64, decay_min: u32) -> u8 {
    if decay_min == 0 {
        return counter;
    }
    let periods = ((now_ms - last_ms).max(0) / 60_000) / i64::from(decay_min);
    counter.saturating_sub(u8::try_from(periods).unwrap_or(u8::MAX))
}

/// Inserts a candidate into the pool kept in ascending idle order (`evictionPoolPopulate`):
/// when the pool is full, the worst candidate (lowest idle) is dropped to make room, and a
/// candidate worse than all of a full pool is not taken.
fn pool_insert(pool: &mut Vec<Candidate>, c: Candidate) {
    let k = pool.iter().position(|p| p.idle >= c.idle).unwrap_or(pool.len());
    if pool.len() < POOL_SIZE {
        pool.insert(k, c);
    } else if k > 0 {
        pool.remove(0);
        pool.insert(k - 1, c);
    }
}

impl Engine {
    /// The memory figure INFO reports and maxmemory compares against: Redis's idle baseline
    /// plus every database's keys as Redis would store them (see `memory.rs`).
    pub fn used_memory(&self) -> u64 {
        let data: usize = self.dbs.iter().map(|d| d.used_memory()).fold(0usize, usize::saturating_add);
        BASELINE.saturating_add(data as u64)
    }

    /// Redis's `overhead_total`: the start-up memory plus each non-empty database's tables
    /// (a dictEntry and an object header per key, a pointer per bucket, the expires table).
    /// Returns the total and each database's (index, main table, expires table) figures.
    pub fn memory_overhead(&self) -> (u64, Vec<(usize, u64, u64)>) {
        use super::memory::{DICT_ENTRY, PTR, ROBJ};
        let mut total = BASELINE;
        let mut per_db = Vec::new();
        for (i, db) in self.dbs.iter().enumerate() {
            if db.is_empty() {
                continue;
            }
            let main = (db.len() * (DICT_ENTRY + ROBJ) + db.keys.capacity() * PTR) as u64;
            let expires = (db.expires.len() * DICT_ENTRY + db.expires.capacity() * PTR) as u64;
            total += main + expires;
            per_db.push((i, main, expires));
        }
        (total, per_db)
    }

    /// Whether memory is over the limit that refuses writes: `maxmemory` (after eviction) or
    /// the playground's fixed `memory_cap`.
    fn over_cap(&self) -> bool {
        self.config.memory_cap > 0 && self.used_memory() > self.config.memory_cap
    }

    /// Redis's `performEvictions`: evicts keys until used memory is at most `maxmemory`.
    /// Returns false when memory is still over the limit and nothing more can be evicted
    /// (the caller then refuses commands that may grow memory).
    pub fn perform_evictions(&mut self) -> bool {
        let max = self.config.maxmemory;
        let now = self.now_ms();
        if max == 0 {
            if let Some(t) = self.evict.over_since.take() {
                self.evict.exceeded_ms += (now - t).max(0);
            }
            return !self.over_cap();
        }
        if self.used_memory() <= max {
            if let Some(t) = self.evict.over_since.take() {
                self.evict.exceeded_ms += (now - t).max(0);
            }
            return !self.over_cap();
        }
        if self.evict.over_since.is_none() {
            self.evict.over_since = Some(now);
        }
        let policy = self.config.maxmemory_policy.clone();
        if policy == "noeviction" {
            return false;
        }
        // Bound the work of one call, as Redis's eviction time limit does.
        for _ in 0..1_000_000 {
            let Some((db, key)) = self.pick_victim(&policy) else {
                return false;
            };
            self.db_mut(db).remove(&key);
            self.stats.evicted_keys += 1;
            self.signal_modified(db, &key);
            self.notify(EventClass::Evicted, "evicted", db, &key);
            if self.used_memory() <= max {
                if let Some(t) = self.evict.over_since.take() {
                    self.evict.exceeded_ms += (self.now_ms() - t).max(0);
                }
                return !self.over_cap();
            }
        }
        false
    }

    /// The next key to evict under `policy`, if any key qualifies.
    fn pick_victim(&mut self, policy: &str) -> Option<(usize, Vec<u8>)> {
        let volatile = policy.starts_with("volatile");
        if policy.ends_with("random") {
            let n = self.dbs.len();
            for _ in 0..n {
                self.evict.next_db = (self.evict.next_db + 1) % n.max(1);
                let db = self.evict.next_db;
                let rng = &mut self.rng;
                let Some(d) = self.dbs.get(db) else { continue };
                let key = if volatile {
                    d.expires.random_entry(|| rng.next_u64()).map(|(k, _)| k.clone())
                } else {
                    d.keys.random_entry(|| rng.next_u64()).map(|(k, _)| k.clone())
                };
                if let Some(k) = key {
                    return Some((db, k));
                }
            }
            return None;
        }
        // Pool-based policies: refill the pool from every database, then take the best
        // candidate that still exists (a bounded number of rounds, for safety).
        for _round in 0..1000 {
            let mut total = 0usize;
            for db in 0..self.dbs.len() {
                let size = if volatile { self.dbs[db].expires.len() } else { self.dbs[db].len() };
                if size == 0 {
                    continue;
                }
                total += size;
                self.populate_pool(db, volatile, policy);
            }
            if total == 0 {
                return None;
            }
            while let Some(c) = self.evict.pool.pop() {
                let Some(d) = self.dbs.get(c.db) else { continue };
                let exists = if volatile { d.expires.contains_key(&c.key) } else { d.keys.contains_key(&c.key) };
                if exists {
                    return Some((c.db, c.key));
                }
            }
        }
        None
    }

    /// Samples `maxmemory-samples` keys of one database into the eviction pool.
    fn populate_pool(&mut self, db: usize, volatile: bool, policy: &str) {
        let now = self.now_ms();
        let samples = self.config.maxmemory_samples.max(1) as usize;
        let decay = self.config.lfu_decay_time;
        let mut picked: Vec<Candidate> = Vec::with_capacity(samples);
        {
            let rng = &mut self.rng;
            let Some(d) = self.dbs.get(db) else { return };
            let keys: Vec<&Vec<u8>> = if volatile {
                d.expires.sample_some(samples, || rng.next_u64()).into_iter().map(|(k, _)| k).collect()
            } else {
                d.keys.sample_some(samples, || rng.next_u64()).into_iter().map(|(k, _)| k).collect()
            };
            for key in keys {
                let Some(e) = d.keys.get(key) else { continue };
                let idle = if policy.ends_with("lru") {
                    idle_ms(e.lru_ms, now)
                } else if policy.ends_with("lfu") {
                    255 - u64::from(lfu_decayed(e.lfu_counter, e.lru_ms, now, decay))
                } else {
                    // volatile-ttl: the sooner it expires, the better a candidate.
                    u64::MAX - (e.expire_at.unwrap_or(i64::MAX).max(0) as u64)
                };
                picked.push(Candidate { idle, key: key.clone(), db });
            }
        }
        for c in picked {
            // A key already in the pool keeps one slot.
            if self.evict.pool.iter().any(|p| p.db == c.db && p.key == c.key) {
                continue;
            }
            pool_insert(&mut self.evict.pool, c);
        }
    }

    /// The check `execute` runs before a command: evict if needed; true when the command must
    /// be refused with the OOM error.
    pub(crate) fn refuse_for_memory(&mut self, client: super::ClientId, cmd: &super::CommandSpec) -> bool {
        if self.config.maxmemory == 0 && self.config.memory_cap == 0 {
            self.evict.pre_command_oom = false;
            return false;
        }
        let out_of_memory = !self.perform_evictions();
        self.evict.pre_command_oom = out_of_memory;
        if !out_of_memory {
            return false;
        }
        let base = cmd.name.split('|').next().unwrap_or(cmd.name);
        let denyoom = cmd.has_flag("denyoom") || (base == "exec" && self.multi_has_denyoom(client));
        let in_multi = self.in_multi(client) && !matches!(base, "exec" | "discard" | "quit" | "reset");
        denyoom || in_multi
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Reply;

    use crate::engine::test_run as run;

    #[test]
    fn pool_keeps_the_best_sixteen_in_order() {
        let mut pool = Vec::new();
        for i in [5u64, 1, 9, 3, 7, 20, 0, 11, 13, 2, 4, 6, 8, 10, 12, 14, 15, 16] {
            pool_insert(&mut pool, Candidate { idle: i, key: i.to_string().into_bytes(), db: 0 });
        }
        let idles: Vec<u64> = pool.iter().map(|c| c.idle).collect();
        assert_eq!(idles.len(), POOL_SIZE);
        assert!(idles.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(idles.last(), Some(&20));
        assert!(!idles.contains(&0));
    }

    #[test]
    fn idle_time_wraps_like_the_lru_clock() {
        assert_eq!(idle_ms(0, 5_999), 5_000);
        let wrap = (LRU_CLOCK_MAX + 1) * 1000;
        // Redis's formula loses one tick when the clock wraps.
        assert_eq!(idle_ms(wrap - 2000, wrap + 1000), 2000);
    }

    #[test]
    fn noeviction_refuses_writes_but_not_reads() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "set a 1");
        assert_eq!(run(&mut e, c, "config set maxmemory 1"), Reply::ok());
        assert_eq!(run(&mut e, c, "set b 1"), Reply::Error(format!("{OOM_ERROR}")));
        assert_eq!(run(&mut e, c, "get a"), Reply::bulk_str("1"));
        assert_eq!(run(&mut e, c, "del a"), Reply::Int(1));
        assert_eq!(e.stats.evicted_keys, 0);
    }

    /// Keys read often survive LRU and LFU eviction; keys never touched go first.
    #[test]
    fn lru_and_lfu_prefer_cold_keys() {
        for policy in ["allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu"] {
            let (mut e, clock) = Engine::with_virtual_clock();
            let c = e.connect();
            run(&mut e, c, &format!("config set maxmemory-policy {policy}"));
            run(&mut e, c, "config set maxmemory-samples 10");
            for i in 0..1000 {
                run(&mut e, c, &format!("set key:{i} {}", "v".repeat(100)));
                run(&mut e, c, &format!("expire key:{i} 100000"));
            }
            // The first 100 keys are hot: read again and again while time passes.
            for _ in 0..60 {
                clock.advance_ms(1_000);
                for i in 0..100 {
                    run(&mut e, c, &format!("get key:{i}"));
                }
            }
            let full = e.used_memory();
            let data = full - BASELINE;
            // Make room for only about half the keys.
            run(&mut e, c, &format!("config set maxmemory {}", BASELINE + data / 2));
            let evicted = e.stats.evicted_keys;
            assert!(evicted > 300, "{policy}: evicted {evicted}");
            let hot_left = (0..100).filter(|i| e.db(0).unwrap().peek(format!("key:{i}").as_bytes()).is_some()).count();
            let cold_left =
                (100..1000).filter(|i| e.db(0).unwrap().peek(format!("key:{i}").as_bytes()).is_some()).count();
            assert!(hot_left >= 95, "{policy}: only {hot_left} hot keys left");
            assert!(cold_left < 600, "{policy}: {cold_left} cold keys left");
        }
    }

    #[test]
    fn volatile_policies_leave_persistent_keys() {
        for policy in ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"] {
            let (mut e, _clock) = Engine::with_virtual_clock();
            let c = e.connect();
            run(&mut e, c, &format!("config set maxmemory-policy {policy}"));
            run(&mut e, c, "set keep 1");
            run(&mut e, c, "set t1 1 ex 100");
            run(&mut e, c, "set t2 1 ex 50");
            assert_eq!(run(&mut e, c, "config set maxmemory 1"), Reply::ok());
            assert_eq!(e.stats.evicted_keys, 2, "{policy}");
            assert_eq!(run(&mut e, c, "dbsize"), Reply::Int(1));
            assert_eq!(run(&mut e, c, "set x 1"), Reply::Error(OOM_ERROR.into()));
        }
    }

    #[test]
    fn volatile_ttl_evicts_the_nearest_expiry_first() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        e.capture_events(true);
        run(&mut e, c, "config set maxmemory-policy volatile-ttl");
        for (k, ttl) in [("a", 300), ("b", 100), ("c", 200)] {
            run(&mut e, c, &format!("set {k} v ex {ttl}"));
        }
        e.drain_events();
        run(&mut e, c, "config set maxmemory 1");
        let order: Vec<Vec<u8>> =
            e.drain_events().into_iter().filter(|ev| ev.event == "evicted").map(|ev| ev.key).collect();
        assert_eq!(order, vec![b"b".to_vec(), b"c".to_vec(), b"a".to_vec()]);
    }

    #[test]
    fn random_policies_evict_across_databases() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "config set maxmemory-policy allkeys-random");
        for db in 0..3 {
            run(&mut e, c, &format!("select {db}"));
            for i in 0..10 {
                run(&mut e, c, &format!("set k{i} v"));
            }
        }
        run(&mut e, c, "config set maxmemory 1");
        assert_eq!(e.stats.evicted_keys, 30);
        assert_eq!(e.used_memory(), BASELINE);
    }

    #[test]
    fn memory_cap_refuses_writes_even_without_maxmemory() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        e.config.memory_cap = BASELINE + 10_000;
        let c = e.connect();
        let mut refused = false;
        for i in 0..1000 {
            if run(&mut e, c, &format!("set k{i} {}", "x".repeat(100))) == Reply::Error(OOM_ERROR.into()) {
                refused = true;
                break;
            }
        }
        assert!(refused);
        assert!(e.used_memory() <= BASELINE + 10_000 + 1_000);
        assert_eq!(
            run(&mut e, c, "config get maxmemory"),
            Reply::Map(vec![(Reply::bulk_str("maxmemory"), Reply::bulk_str("0"))])
        );
    }

    #[test]
    fn memory_cap_bounds_single_string_growth() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        e.config = crate::engine::Config { memory_cap: 1 << 20, ..crate::engine::Config::playground() };
        let c = e.connect();
        let too_long = Reply::Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)".into());
        assert_eq!(run(&mut e, c, "setrange k 2000000 x"), too_long);
        assert!(run(&mut e, c, "setbit b 100000000 1").is_error());
        assert_eq!(run(&mut e, c, "setrange k 1000 x"), Reply::Int(1001));
        assert_eq!(crate::engine::Config::playground().memory_cap, crate::engine::PLAYGROUND_MEMORY_CAP);
    }
}
