//! MEMORY: USAGE (a key's cost in Redis 7.0's terms, see `engine::memory`), STATS, DOCTOR,
//! MALLOC-STATS, PURGE and HELP.

use crate::engine::cmd::connection::help_reply;
use crate::engine::evict::BASELINE;
use crate::engine::memory::{self, Estimate, Layout};
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{Ctx, Engine};

/// Below this, MEMORY DOCTOR declines to judge (Redis's 5 MB threshold).
const DOCTOR_MIN: u64 = 5 * 1024 * 1024;

/// MEMORY USAGE key [SAMPLES count]
fn memory_usage(ctx: &mut Ctx) -> CmdResult {
    let mut samples = memory::DEFAULT_SAMPLES;
    let mut args = ctx.args();
    let key = args.next()?.to_vec();
    while !args.is_empty() {
        let word = args.next()?;
        if word.eq_ignore_ascii_case(b"samples") && !args.is_empty() {
            let n = args.int()?;
            if n < 0 {
                return Err(RedisError::syntax());
            }
            samples = if n == 0 { usize::MAX } else { usize::try_from(n).unwrap_or(usize::MAX) };
        } else {
            return Err(RedisError::syntax());
        }
    }
    let layout = Layout {
        list_fill: ctx.eng.config.list_max_listpack_size,
        stream_node_max_bytes: ctx.eng.config.stream_node_max_bytes,
    };
    // Like Redis, a plain table lookup: no lazy expiry, no access time, no hit/miss count.
    let Some(e) = ctx.db().peek(&key) else { return Ok(Reply::Nil) };
    let usage = memory::key_usage(&key, &e.value, Estimate::Samples(samples), layout);
    Ok(Reply::Int(i64::try_from(usage).unwrap_or(i64::MAX)))
}

/// Redis's `(float)` percentages, printed as doubles.
fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from((a as f32) * 100.0 / (b as f32))
    }
}

fn int(n: u64) -> Reply {
    Reply::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// MEMORY STATS: Redis's fields in Redis's order; allocator figures equal the used memory
/// (ratios 1), as nothing here fragments.
fn memory_stats(ctx: &mut Ctx) -> CmdResult {
    let e: &Engine = ctx.eng;
    let used = e.used_memory();
    let peak = e.stats.peak_memory.max(used);
    let s = |t: &str| Reply::bulk_str(t);
    let mut m: Vec<(Reply, Reply)> = vec![
        (s("peak.allocated"), int(peak)),
        (s("total.allocated"), int(used)),
        (s("startup.allocated"), int(BASELINE)),
        (s("replication.backlog"), int(0)),
        (s("clients.slaves"), int(0)),
        (s("clients.normal"), int(0)),
        (s("cluster.links"), int(0)),
        (s("aof.buffer"), int(0)),
        (s("lua.caches"), int(0)),
        (s("functions.caches"), int(184)),
    ];
    let (overhead, per_db) = e.memory_overhead();
    let keys: u64 = e.dbs.iter().map(|d| d.len() as u64).sum();
    for (i, main, expires) in per_db {
        m.push((
            Reply::bulk_str(&format!("db.{i}")),
            Reply::Map(vec![
                (s("overhead.hashtable.main"), int(main)),
                (s("overhead.hashtable.expires"), int(expires)),
                (s("overhead.hashtable.slot-to-keys"), int(0)),
            ]),
        ));
    }
    let net = if used > BASELINE { used - BASELINE } else { 1 };
    let dataset = used.saturating_sub(overhead);
    m.extend([
        (s("overhead.total"), int(overhead)),
        (s("keys.count"), int(keys)),
        (s("keys.bytes-per-key"), int(if keys == 0 { 0 } else { net / keys })),
        (s("dataset.bytes"), int(dataset)),
        (s("dataset.percentage"), Reply::Double(pct(dataset, net))),
        (s("peak.percentage"), Reply::Double(pct(used, peak))),
        (s("allocator.allocated"), int(used)),
        (s("allocator.active"), int(used)),
        (s("allocator.resident"), int(used)),
        (s("allocator-fragmentation.ratio"), Reply::Double(1.0)),
        (s("allocator-fragmentation.bytes"), int(0)),
        (s("allocator-rss.ratio"), Reply::Double(1.0)),
        (s("allocator-rss.bytes"), int(0)),
        (s("rss-overhead.ratio"), Reply::Double(1.0)),
        (s("rss-overhead.bytes"), int(0)),
        (s("fragmentation"), Reply::Double(1.0)),
        (s("fragmentation.bytes"), int(0)),
    ]);
    Ok(Reply::Map(m))
}

/// MEMORY DOCTOR: Redis's report. Only the checks that apply here: too little data to judge,
/// or a past peak well above today's usage.
fn memory_doctor(ctx: &mut Ctx) -> CmdResult {
    let used = ctx.eng.used_memory();
    let peak = ctx.eng.stats.peak_memory.max(used);
    let text = if used < DOCTOR_MIN {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n".to_string()
    } else if (peak as f32 / used as f32) > 1.5 {
        "Sam, I detected a few issues in this Redis instance memory implants:\n\n * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\nI'm here to keep you safe, Sam. I want to help you.\n".to_string()
    } else {
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
            .to_string()
    };
    Ok(Reply::Verbatim("txt".into(), text.into_bytes()))
}

/// MEMORY MALLOC-STATS: what Redis answers when it is not built on jemalloc.
fn memory_malloc_stats(_ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::bulk_str("Stats not supported for the current allocator"))
}

/// MEMORY PURGE: nothing to give back.
fn memory_purge(_ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::ok())
}

/// MEMORY HELP
fn memory_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(&[
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ]))
}

/// The container handler is never called: the dispatcher resolves a subcommand first.
fn container(_ctx: &mut Ctx) -> CmdResult {
    Err(RedisError::syntax())
}

macro_rules! sub {
    ($name:expr, $arity:expr, $flags:expr, $keys:expr, $acl:expr, $syntax:expr, $summary:expr,
     $complexity:expr, $handler:expr) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $keys,
            last_key: $keys,
            step: if $keys > 0 { 1 } else { 0 },
            acl: $acl,
            group: Group::Server,
            since: "4.0.0",
            syntax: $syntax,
            summary: $summary,
            complexity: $complexity,
            handler: $handler,
            subcommands: &[],
        }
    };
}

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "memory",
    arity: -2,
    flags: &[],
    first_key: 0,
    last_key: 0,
    step: 0,
    acl: &["@slow"],
    group: Group::Server,
    since: "4.0.0",
    syntax: "",
    summary: "Container for the memory introspection subcommands.",
    complexity: "Depends on subcommand.",
    handler: container,
    subcommands: &[
        sub!(
            "memory|doctor",
            2,
            &[],
            0,
            &["@slow"],
            "",
            "Reports memory problems, if it finds any.",
            "O(1)",
            memory_doctor
        ),
        sub!(
            "memory|malloc-stats",
            2,
            &[],
            0,
            &["@slow"],
            "",
            "Shows the memory allocator's own statistics.",
            "Depends on how much memory is allocated, could be slow",
            memory_malloc_stats
        ),
        sub!(
            "memory|help",
            2,
            &["loading", "stale"],
            0,
            &["@slow"],
            "",
            "Explains the MEMORY subcommands.",
            "O(1)",
            memory_help
        ),
        sub!(
            "memory|usage",
            -3,
            &["readonly"],
            2,
            &["@read", "@slow"],
            "key [SAMPLES count]",
            "Estimates how many bytes a key and its value take.",
            "O(N) where N is the number of samples.",
            memory_usage
        ),
        sub!("memory|stats", 2, &[], 0, &["@slow"], "", "Breaks down the server's memory use.", "O(1)", memory_stats),
        sub!(
            "memory|purge",
            2,
            &[],
            0,
            &["@slow"],
            "",
            "Asks the allocator to give unused memory back.",
            "Depends on how much memory is allocated, could be slow",
            memory_purge
        ),
    ],
}];

#[cfg(test)]
mod tests {
    use crate::engine::reply::Reply;
    use crate::engine::Engine;

    use crate::engine::test_run as run;

    #[test]
    fn usage_of_small_values() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "set foo bar");
        assert_eq!(run(&mut e, c, "memory usage foo"), Reply::Int(64));
        assert_eq!(run(&mut e, c, "memory usage nosuch"), Reply::Nil);
        assert!(run(&mut e, c, "memory usage foo samples -1").is_error());
        assert!(run(&mut e, c, "memory usage foo bogus").is_error());
        assert_eq!(run(&mut e, c, "memory usage foo samples 0"), Reply::Int(64));
    }

    #[test]
    fn used_memory_follows_writes_and_deletes() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        let empty = e.used_memory();
        run(&mut e, c, "rpush l a b c");
        let one = e.used_memory();
        assert!(one > empty);
        for i in 0..100 {
            run(&mut e, c, &format!("rpush l {}", "x".repeat(i)));
        }
        assert!(e.used_memory() > one + 5000);
        run(&mut e, c, "del l");
        assert_eq!(e.used_memory(), empty);
        run(&mut e, c, "flushall");
        assert_eq!(e.used_memory(), empty);
    }

    #[test]
    fn stats_fields_in_redis_order() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "set a 1");
        let Reply::Map(m) = run(&mut e, c, "memory stats") else { panic!() };
        let names: Vec<String> = m
            .iter()
            .map(|(k, _)| match k {
                Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                _ => String::new(),
            })
            .collect();
        let want = "peak.allocated total.allocated startup.allocated replication.backlog clients.slaves \
                    clients.normal cluster.links aof.buffer lua.caches functions.caches db.0 overhead.total \
                    keys.count keys.bytes-per-key dataset.bytes dataset.percentage peak.percentage \
                    allocator.allocated allocator.active allocator.resident allocator-fragmentation.ratio \
                    allocator-fragmentation.bytes allocator-rss.ratio allocator-rss.bytes rss-overhead.ratio \
                    rss-overhead.bytes fragmentation fragmentation.bytes";
        assert_eq!(names.join(" "), want.split_whitespace().collect::<Vec<_>>().join(" "));
        // The overhead includes the start-up memory, as in Redis.
        let get = |name: &str| m.iter().find(|(k, _)| *k == Reply::bulk_str(name)).map(|(_, v)| v.clone());
        let Some(Reply::Int(total)) = get("total.allocated") else { panic!() };
        let Some(Reply::Int(overhead)) = get("overhead.total") else { panic!() };
        let Some(Reply::Int(dataset)) = get("dataset.bytes") else { panic!() };
        assert!(overhead > crate::engine::evict::BASELINE as i64);
        assert_eq!(dataset, total - overhead);
    }
}
