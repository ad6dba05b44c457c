//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, the COMMAND family (all derived
//! from the command table) and CONFIG GET/SET/RESETSTAT/HELP over the engine's `Config`.

use crate::engine::args::is;
use crate::engine::cmd::connection::help_reply;
use crate::engine::reply::{errors, CmdResult, RedisError, Reply};
use crate::engine::table::{self, CommandSpec, Group};
use crate::engine::{Config, Ctx, Engine, Stats, DATABASES};

// ---- helpers --------------------------------------------------------------------------------

/// Redis's glob matching (`stringmatchlen`); kept as a name other command modules already use.
pub fn glob_match(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    crate::engine::glob::matches(pattern, text, nocase)
}

/// Empties database `i`, telling WATCH about every key first; returns how many keys it held.
fn flush_db(eng: &mut Engine, i: usize) -> usize {
    let keys: Vec<Vec<u8>> = eng.db(i).map(|d| d.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
    for k in &keys {
        eng.signal_modified(i, k);
    }
    eng.db_mut(i).clear();
    keys.len()
}

/// FLUSHDB/FLUSHALL's optional `ASYNC | SYNC` (both behave the same here).
fn flush_mode(ctx: &Ctx) -> Result<(), RedisError> {
    match ctx.argv.len() {
        1 => Ok(()),
        2 if is(&ctx.argv[1], "async") || is(&ctx.argv[1], "sync") => Ok(()),
        _ => Err(RedisError::syntax()),
    }
}

// ---- keyspace-wide handlers -----------------------------------------------------------------

/// DBSIZE
fn dbsize(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Int(ctx.db().len() as i64))
}

/// FLUSHDB [ASYNC | SYNC]
fn flushdb(ctx: &mut Ctx) -> CmdResult {
    flush_mode(ctx)?;
    let n = flush_db(ctx.eng, ctx.db);
    ctx.eng.tracking_flush();
    ctx.dirty(n as u64);
    Ok(Reply::ok())
}

/// FLUSHALL [ASYNC | SYNC]
fn flushall(ctx: &mut Ctx) -> CmdResult {
    flush_mode(ctx)?;
    let mut n = 0;
    for i in 0..DATABASES {
        n += flush_db(ctx.eng, i);
    }
    ctx.eng.tracking_flush();
    ctx.dirty(n as u64 + 1);
    Ok(Reply::ok())
}

/// SWAPDB index1 index2
fn swapdb(ctx: &mut Ctx) -> CmdResult {
    let parse = |raw: &[u8], which: &str| {
        crate::engine::num::parse_i64(raw)
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or_else(|| RedisError::err(format!("invalid {which} DB index")))
    };
    let a = parse(&ctx.argv[1], "first")?;
    let b = parse(&ctx.argv[2], "second")?;
    let range = 0..DATABASES as i64;
    if !range.contains(&a) || !range.contains(&b) {
        return Err(RedisError::raw(errors::DB_INDEX));
    }
    let (a, b) = (a as usize, b as usize);
    if a != b {
        for i in [a, b] {
            let keys: Vec<Vec<u8>> =
                ctx.eng.db(i).map(|d| d.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
            for k in &keys {
                ctx.eng.signal_modified(i, k);
            }
        }
        ctx.eng.dbs.swap(a, b);
    }
    ctx.dirty(1);
    Ok(Reply::ok())
}

/// TIME
fn time(ctx: &mut Ctx) -> CmdResult {
    let us = ctx.now_us();
    Ok(Reply::Array(vec![Reply::bulk_int(us.div_euclid(1_000_000)), Reply::bulk_int(us.rem_euclid(1_000_000))]))
}

// ---- COMMAND --------------------------------------------------------------------------------

/// Redis 7.0's command tips (COMMAND INFO's 8th field), which our table does not carry.
const TIPS: &[(&str, &[&str])] = &[
    ("client|info", &["nondeterministic_output"]),
    ("client|list", &["nondeterministic_output"]),
    ("cluster|bumpepoch", &["nondeterministic_output"]),
    ("cluster|count-failure-reports", &["nondeterministic_output"]),
    ("cluster|getkeysinslot", &["nondeterministic_output"]),
    ("cluster|info", &["nondeterministic_output"]),
    ("cluster|links", &["nondeterministic_output"]),
    ("cluster|nodes", &["nondeterministic_output"]),
    ("cluster|replicas", &["nondeterministic_output"]),
    ("cluster|shards", &["nondeterministic_output"]),
    ("cluster|slaves", &["nondeterministic_output"]),
    ("cluster|slots", &["nondeterministic_output"]),
    ("command", &["nondeterministic_output_order"]),
    ("command|docs", &["nondeterministic_output_order"]),
    ("command|info", &["nondeterministic_output_order"]),
    ("command|list", &["nondeterministic_output_order"]),
    ("config|set", &["request_policy:all_nodes", "response_policy:all_succeeded"]),
    ("dbsize", &["request_policy:all_shards", "response_policy:agg_sum"]),
    ("del", &["request_policy:multi_shard", "response_policy:agg_sum"]),
    ("dump", &["nondeterministic_output"]),
    ("exists", &["request_policy:multi_shard", "response_policy:agg_sum"]),
    ("flushall", &["request_policy:all_shards", "response_policy:all_succeeded"]),
    ("flushdb", &["request_policy:all_shards", "response_policy:all_succeeded"]),
    ("function|delete", &["request_policy:all_shards", "response_policy:all_succeeded"]),
    ("function|flush", &["request_policy:all_shards", "response_policy:all_succeeded"]),
    ("function|kill", &["request_policy:all_shards", "response_policy:one_succeeded"]),
    ("function|list", &["nondeterministic_output_order"]),
    ("function|load", &["request_policy:all_shards", "response_policy:all_succeeded"]),
    ("function|restore", &["request_policy:all_shards", "response_policy:all_succeeded"]),
    ("function|stats", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    ("hgetall", &["nondeterministic_output_order"]),
    ("hkeys", &["nondeterministic_output_order"]),
    ("hrandfield", &["nondeterministic_output"]),
    ("hscan", &["nondeterministic_output"]),
    ("hvals", &["nondeterministic_output_order"]),
    ("info", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    ("keys", &["request_policy:all_shards", "nondeterministic_output_order"]),
    ("lastsave", &["nondeterministic_output"]),
    ("latency|doctor", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    ("latency|graph", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    ("latency|histogram", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    ("latency|history", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    ("latency|latest", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    ("latency|reset", &["request_policy:all_nodes", "response_policy:all_succeeded"]),
    ("memory|doctor", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    ("memory|malloc-stats", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    ("memory|purge", &["request_policy:all_shards", "response_policy:all_succeeded"]),
    ("memory|stats", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    ("mget", &["request_policy:multi_shard"]),
    ("migrate", &["nondeterministic_output"]),
    ("module|list", &["nondeterministic_output_order"]),
    ("mset", &["request_policy:multi_shard", "response_policy:all_succeeded"]),
    ("msetnx", &["request_policy:multi_shard", "response_policy:agg_min"]),
    ("object|encoding", &["nondeterministic_output"]),
    ("object|freq", &["nondeterministic_output"]),
    ("object|idletime", &["nondeterministic_output"]),
    ("object|refcount", &["nondeterministic_output"]),
    ("ping", &["request_policy:all_shards", "response_policy:all_succeeded"]),
    ("pttl", &["nondeterministic_output"]),
    ("randomkey", &["request_policy:all_shards", "nondeterministic_output"]),
    ("scan", &["nondeterministic_output", "request_policy:special"]),
    ("script|exists", &["request_policy:all_shards", "response_policy:agg_logical_and"]),
    ("script|flush", &["request_policy:all_nodes", "response_policy:all_succeeded"]),
    ("script|kill", &["request_policy:all_shards", "response_policy:one_succeeded"]),
    ("script|load", &["request_policy:all_nodes", "response_policy:all_succeeded"]),
    ("sdiff", &["nondeterministic_output_order"]),
    ("sinter", &["nondeterministic_output_order"]),
    ("slowlog|get", &["request_policy:all_nodes", "nondeterministic_output"]),
    ("slowlog|len", &["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"]),
    ("slowlog|reset", &["request_policy:all_nodes", "response_policy:all_succeeded"]),
    ("smembers", &["nondeterministic_output_order"]),
    ("spop", &["nondeterministic_output"]),
    ("srandmember", &["nondeterministic_output"]),
    ("sscan", &["nondeterministic_output"]),
    ("sunion", &["nondeterministic_output_order"]),
    ("time", &["nondeterministic_output"]),
    ("touch", &["request_policy:multi_shard", "response_policy:agg_sum"]),
    ("ttl", &["nondeterministic_output"]),
    ("unlink", &["request_policy:multi_shard", "response_policy:agg_sum"]),
    ("wait", &["request_policy:all_shards", "response_policy:agg_min"]),
    ("xadd", &["nondeterministic_output"]),
    ("xautoclaim", &["nondeterministic_output"]),
    ("xclaim", &["nondeterministic_output"]),
    ("xinfo|consumers", &["nondeterministic_output"]),
    ("xpending", &["nondeterministic_output"]),
    ("xtrim", &["nondeterministic_output"]),
    ("zrandmember", &["nondeterministic_output"]),
    ("zscan", &["nondeterministic_output"]),
];

fn tips(name: &str) -> &'static [&'static str] {
    TIPS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).unwrap_or(&[])
}

fn kv(k: &str, v: Reply) -> (Reply, Reply) {
    (Reply::bulk_str(k), v)
}

/// Redis 7.0's key specifications (COMMAND INFO's 9th field), which our table does not carry,
/// in a compact notation: specs separated by `;`, each `flags|begin|find` where begin is
/// `i<index>`, `k<keyword>,<startfrom>` or `u` (unknown) and find is
/// `r<lastkey>,<keystep>,<limit>`, `n<keynumidx>,<firstkey>,<keystep>` or `u`.
const KEY_SPECS: &[(&str, &str)] = &[
    ("append", "RW,insert|i1|r0,1,0"),
    ("bitcount", "RO,access|i1|r0,1,0"),
    ("bitfield", "RW,access,update,variable_flags|i1|r0,1,0"),
    ("bitfield_ro", "RO,access|i1|r0,1,0"),
    ("bitop", "OW,update|i2|r0,1,0;RO,access|i3|r-1,1,0"),
    ("bitpos", "RO,access|i1|r0,1,0"),
    ("blmove", "RW,access,delete|i1|r0,1,0;RW,insert|i2|r0,1,0"),
    ("blmpop", "RW,access,delete|i2|n0,1,1"),
    ("blpop", "RW,access,delete|i1|r-2,1,0"),
    ("brpop", "RW,access,delete|i1|r-2,1,0"),
    ("brpoplpush", "RW,access,delete|i1|r0,1,0;RW,insert|i2|r0,1,0"),
    ("bzmpop", "RW,access,delete|i2|n0,1,1"),
    ("bzpopmax", "RW,access,delete|i1|r-2,1,0"),
    ("bzpopmin", "RW,access,delete|i1|r-2,1,0"),
    ("copy", "RO,access|i1|r0,1,0;OW,update|i2|r0,1,0"),
    ("decr", "RW,access,update|i1|r0,1,0"),
    ("decrby", "RW,access,update|i1|r0,1,0"),
    ("del", "RM,delete|i1|r-1,1,0"),
    ("dump", "RO,access|i1|r0,1,0"),
    ("eval", "RW,access,update|i2|n0,1,1"),
    ("eval_ro", "RO,access|i2|n0,1,1"),
    ("evalsha", "RW,access,update|i2|n0,1,1"),
    ("evalsha_ro", "RO,access|i2|n0,1,1"),
    ("exists", "RO|i1|r-1,1,0"),
    ("expire", "RW,update|i1|r0,1,0"),
    ("expireat", "RW,update|i1|r0,1,0"),
    ("expiretime", "RO,access|i1|r0,1,0"),
    ("fcall", "RW,access,update|i2|n0,1,1"),
    ("fcall_ro", "RO,access|i2|n0,1,1"),
    ("geoadd", "RW,update|i1|r0,1,0"),
    ("geodist", "RO,access|i1|r0,1,0"),
    ("geohash", "RO,access|i1|r0,1,0"),
    ("geopos", "RO,access|i1|r0,1,0"),
    ("georadius", "RO,access|i1|r0,1,0;OW,update|kSTORE,6|r0,1,0;OW,update|kSTOREDIST,6|r0,1,0"),
    ("georadius_ro", "RO,access|i1|r0,1,0"),
    ("georadiusbymember", "RO,access|i1|r0,1,0;OW,update|kSTORE,5|r0,1,0;OW,update|kSTOREDIST,5|r0,1,0"),
    ("georadiusbymember_ro", "RO,access|i1|r0,1,0"),
    ("geosearch", "RO,access|i1|r0,1,0"),
    ("geosearchstore", "OW,update|i1|r0,1,0;RO,access|i2|r0,1,0"),
    ("get", "RO,access|i1|r0,1,0"),
    ("getbit", "RO,access|i1|r0,1,0"),
    ("getdel", "RW,access,delete|i1|r0,1,0"),
    ("getex", "RW,access,update|i1|r0,1,0"),
    ("getrange", "RO,access|i1|r0,1,0"),
    ("getset", "RW,access,update|i1|r0,1,0"),
    ("hdel", "RW,delete|i1|r0,1,0"),
    ("hexists", "RO|i1|r0,1,0"),
    ("hget", "RO,access|i1|r0,1,0"),
    ("hgetall", "RO,access|i1|r0,1,0"),
    ("hincrby", "RW,access,update|i1|r0,1,0"),
    ("hincrbyfloat", "RW,access,update|i1|r0,1,0"),
    ("hkeys", "RO,access|i1|r0,1,0"),
    ("hlen", "RO|i1|r0,1,0"),
    ("hmget", "RO,access|i1|r0,1,0"),
    ("hmset", "RW,update|i1|r0,1,0"),
    ("hrandfield", "RO,access|i1|r0,1,0"),
    ("hscan", "RO,access|i1|r0,1,0"),
    ("hset", "RW,update|i1|r0,1,0"),
    ("hsetnx", "RW,insert|i1|r0,1,0"),
    ("hstrlen", "RO|i1|r0,1,0"),
    ("hvals", "RO,access|i1|r0,1,0"),
    ("incr", "RW,access,update|i1|r0,1,0"),
    ("incrby", "RW,access,update|i1|r0,1,0"),
    ("incrbyfloat", "RW,access,update|i1|r0,1,0"),
    ("lcs", "RO,access|i1|r1,1,0"),
    ("lindex", "RO,access|i1|r0,1,0"),
    ("linsert", "RW,insert|i1|r0,1,0"),
    ("llen", "RO|i1|r0,1,0"),
    ("lmove", "RW,access,delete|i1|r0,1,0;RW,insert|i2|r0,1,0"),
    ("lmpop", "RW,access,delete|i1|n0,1,1"),
    ("lpop", "RW,access,delete|i1|r0,1,0"),
    ("lpos", "RO,access|i1|r0,1,0"),
    ("lpush", "RW,insert|i1|r0,1,0"),
    ("lpushx", "RW,insert|i1|r0,1,0"),
    ("lrange", "RO,access|i1|r0,1,0"),
    ("lrem", "RW,delete|i1|r0,1,0"),
    ("lset", "RW,update|i1|r0,1,0"),
    ("ltrim", "RW,delete|i1|r0,1,0"),
    ("memory|usage", "RO|i2|r0,1,0"),
    ("mget", "RO,access|i1|r-1,1,0"),
    ("migrate", "RW,access,delete|i3|r0,1,0;RW,access,delete,incomplete|kKEYS,-2|r-1,1,0"),
    ("move", "RW,access,update|i1|r0,1,0"),
    ("mset", "OW,update|i1|r-1,2,0"),
    ("msetnx", "OW,insert|i1|r-1,2,0"),
    ("object|encoding", "RO|i2|r0,1,0"),
    ("object|freq", "RO|i2|r0,1,0"),
    ("object|idletime", "RO|i2|r0,1,0"),
    ("object|refcount", "RO|i2|r0,1,0"),
    ("persist", "RW,update|i1|r0,1,0"),
    ("pexpire", "RW,update|i1|r0,1,0"),
    ("pexpireat", "RW,update|i1|r0,1,0"),
    ("pexpiretime", "RO,access|i1|r0,1,0"),
    ("pfadd", "RW,insert|i1|r0,1,0"),
    ("pfcount", "RW,access|i1|r-1,1,0"),
    ("pfdebug", "RW,access|i2|r0,1,0"),
    ("pfmerge", "RW,access,insert|i1|r0,1,0;RO,access|i2|r-1,1,0"),
    ("psetex", "OW,update|i1|r0,1,0"),
    ("pttl", "RO,access|i1|r0,1,0"),
    ("rename", "RW,access,delete|i1|r0,1,0;OW,update|i2|r0,1,0"),
    ("renamenx", "RW,access,delete|i1|r0,1,0;OW,insert|i2|r0,1,0"),
    ("restore", "OW,update|i1|r0,1,0"),
    ("restore-asking", "OW,update|i1|r0,1,0"),
    ("rpop", "RW,access,delete|i1|r0,1,0"),
    ("rpoplpush", "RW,access,delete|i1|r0,1,0;RW,insert|i2|r0,1,0"),
    ("rpush", "RW,insert|i1|r0,1,0"),
    ("rpushx", "RW,insert|i1|r0,1,0"),
    ("sadd", "RW,insert|i1|r0,1,0"),
    ("scard", "RO|i1|r0,1,0"),
    ("sdiff", "RO,access|i1|r-1,1,0"),
    ("sdiffstore", "OW,update|i1|r0,1,0;RO,access|i2|r-1,1,0"),
    ("set", "RW,access,update,variable_flags|i1|r0,1,0"),
    ("setbit", "RW,access,update|i1|r0,1,0"),
    ("setex", "OW,update|i1|r0,1,0"),
    ("setnx", "OW,insert|i1|r0,1,0"),
    ("setrange", "RW,update|i1|r0,1,0"),
    ("sinter", "RO,access|i1|r-1,1,0"),
    ("sintercard", "RO,access|i1|n0,1,1"),
    ("sinterstore", "RW,update|i1|r0,1,0;RO,access|i2|r-1,1,0"),
    ("sismember", "RO|i1|r0,1,0"),
    ("smembers", "RO,access|i1|r0,1,0"),
    ("smismember", "RO,access|i1|r0,1,0"),
    ("smove", "RW,access,delete|i1|r0,1,0;RW,insert|i2|r0,1,0"),
    ("sort", "RO,access|i1|r0,1,0;RO,access|u|u;OW,update|u|u"),
    ("sort_ro", "RO,access|i1|r0,1,0;RO,access|u|u"),
    ("spop", "RW,access,delete|i1|r0,1,0"),
    ("spublish", "not_key|i1|r0,1,0"),
    ("srandmember", "RO,access|i1|r0,1,0"),
    ("srem", "RW,delete|i1|r0,1,0"),
    ("sscan", "RO,access|i1|r0,1,0"),
    ("ssubscribe", "not_key|i1|r-1,1,0"),
    ("strlen", "RO|i1|r0,1,0"),
    ("substr", "RO,access|i1|r0,1,0"),
    ("sunion", "RO,access|i1|r-1,1,0"),
    ("sunionstore", "OW,update|i1|r0,1,0;RO,access|i2|r-1,1,0"),
    ("sunsubscribe", "not_key|i1|r-1,1,0"),
    ("touch", "RO|i1|r-1,1,0"),
    ("ttl", "RO,access|i1|r0,1,0"),
    ("type", "RO|i1|r0,1,0"),
    ("unlink", "RM,delete|i1|r-1,1,0"),
    ("watch", "RO|i1|r-1,1,0"),
    ("xack", "RW,update|i1|r0,1,0"),
    ("xadd", "RW,update|i1|r0,1,0"),
    ("xautoclaim", "RW,delete|i1|r0,1,0"),
    ("xclaim", "RW,update|i1|r0,1,0"),
    ("xdel", "RW,delete|i1|r0,1,0"),
    ("xgroup|create", "RW,insert|i2|r0,1,0"),
    ("xgroup|createconsumer", "RW,insert|i2|r0,1,0"),
    ("xgroup|delconsumer", "RW,delete|i2|r0,1,0"),
    ("xgroup|destroy", "RW,delete|i2|r0,1,0"),
    ("xgroup|setid", "RW,update|i2|r0,1,0"),
    ("xinfo|consumers", "RO,access|i2|r0,1,0"),
    ("xinfo|groups", "RO,access|i2|r0,1,0"),
    ("xinfo|stream", "RO,access|i2|r0,1,0"),
    ("xlen", "RO|i1|r0,1,0"),
    ("xpending", "RO,access|i1|r0,1,0"),
    ("xrange", "RO,access|i1|r0,1,0"),
    ("xread", "RO,access|kSTREAMS,1|r-1,1,2"),
    ("xreadgroup", "RO,access|kSTREAMS,4|r-1,1,2"),
    ("xrevrange", "RO,access|i1|r0,1,0"),
    ("xsetid", "RW,update|i1|r0,1,0"),
    ("xtrim", "RW,delete|i1|r0,1,0"),
    ("zadd", "RW,update|i1|r0,1,0"),
    ("zcard", "RO|i1|r0,1,0"),
    ("zcount", "RO,access|i1|r0,1,0"),
    ("zdiff", "RO,access|i1|n0,1,1"),
    ("zdiffstore", "OW,update|i1|r0,1,0;RO,access|i2|n0,1,1"),
    ("zincrby", "RW,access,update|i1|r0,1,0"),
    ("zinter", "RO,access|i1|n0,1,1"),
    ("zintercard", "RO,access|i1|n0,1,1"),
    ("zinterstore", "OW,update|i1|r0,1,0;RO,access|i2|n0,1,1"),
    ("zlexcount", "RO,access|i1|r0,1,0"),
    ("zmpop", "RW,access,delete|i1|n0,1,1"),
    ("zmscore", "RO,access|i1|r0,1,0"),
    ("zpopmax", "RW,access,delete|i1|r0,1,0"),
    ("zpopmin", "RW,access,delete|i1|r0,1,0"),
    ("zrandmember", "RO,access|i1|r0,1,0"),
    ("zrange", "RO,access|i1|r0,1,0"),
    ("zrangebylex", "RO,access|i1|r0,1,0"),
    ("zrangebyscore", "RO,access|i1|r0,1,0"),
    ("zrangestore", "OW,update|i1|r0,1,0;RO,access|i2|r0,1,0"),
    ("zrank", "RO,access|i1|r0,1,0"),
    ("zrem", "RW,delete|i1|r0,1,0"),
    ("zremrangebylex", "RW,delete|i1|r0,1,0"),
    ("zremrangebyrank", "RW,delete|i1|r0,1,0"),
    ("zremrangebyscore", "RW,delete|i1|r0,1,0"),
    ("zrevrange", "RO,access|i1|r0,1,0"),
    ("zrevrangebylex", "RO,access|i1|r0,1,0"),
    ("zrevrangebyscore", "RO,access|i1|r0,1,0"),
    ("zrevrank", "RO,access|i1|r0,1,0"),
    ("zscan", "RO,access|i1|r0,1,0"),
    ("zscore", "RO,access|i1|r0,1,0"),
    ("zunion", "RO,access|i1|n0,1,1"),
    ("zunionstore", "OW,update|i1|r0,1,0;RO,access|i2|n0,1,1"),
];

fn int_list(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|n| n.parse().ok()).collect()
}

/// Where a key spec's keys start.
#[derive(Debug, Clone, PartialEq)]
enum BeginSearch {
    Index(i64),
    /// The argument after `keyword`, searched from `startfrom` (backwards when negative).
    Keyword(String, i64),
    Unknown,
}

/// How a key spec's keys continue from the first one.
#[derive(Debug, Clone, PartialEq)]
enum FindKeys {
    /// lastkey (relative, or from the end when negative), keystep, limit.
    Range(i64, i64, i64),
    /// keynumidx, firstkey, keystep.
    Keynum(i64, i64, i64),
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
struct KeySpec {
    flags: Vec<String>,
    begin: BeginSearch,
    find: FindKeys,
}

/// One key spec from the compact notation above.
fn parse_key_spec(text: &str) -> Option<KeySpec> {
    let mut parts = text.split('|');
    let flags = parts.next()?.split(',').map(str::to_string).collect();
    let begin = match parts.next()?.split_at_checked(1)? {
        ("i", n) => BeginSearch::Index(n.parse().ok()?),
        ("k", rest) => {
            let (word, from) = rest.rsplit_once(',')?;
            BeginSearch::Keyword(word.to_string(), from.parse().ok()?)
        }
        _ => BeginSearch::Unknown,
    };
    let find = match parts.next()?.split_at_checked(1)? {
        ("r", nums) => {
            let v = int_list(nums);
            FindKeys::Range(*v.first()?, *v.get(1)?, *v.get(2)?)
        }
        ("n", nums) => {
            let v = int_list(nums);
            FindKeys::Keynum(*v.first()?, *v.get(1)?, *v.get(2)?)
        }
        _ => FindKeys::Unknown,
    };
    Some(KeySpec { flags, begin, find })
}

/// A command's key specifications: Redis's own when known, else one index-based range derived
/// from first/last/step.
fn key_specs_of(c: &CommandSpec) -> Vec<KeySpec> {
    if let Some((_, text)) = KEY_SPECS.iter().find(|(n, _)| *n == c.name) {
        return text.split(';').filter_map(parse_key_spec).collect();
    }
    if c.first_key <= 0 {
        return Vec::new();
    }
    let flags: &[&str] = if c.has_flag("readonly") {
        &["RO", "access"]
    } else if c.is_write() {
        &["RW", "update"]
    } else {
        &["RO"]
    };
    let lastkey = if c.last_key < 0 { c.last_key } else { c.last_key - c.first_key };
    vec![KeySpec {
        flags: flags.iter().map(|f| f.to_string()).collect(),
        begin: BeginSearch::Index(i64::from(c.first_key)),
        find: FindKeys::Range(i64::from(lastkey), i64::from(c.step), 0),
    }]
}

/// A key spec as COMMAND INFO shows it.
fn key_spec_reply(spec: &KeySpec) -> Reply {
    let unknown = || Reply::Map(vec![kv("type", Reply::bulk_str("unknown")), kv("spec", Reply::Map(Vec::new()))]);
    let typed = |t: &str, fields: Vec<(Reply, Reply)>| {
        Reply::Map(vec![kv("type", Reply::bulk_str(t)), kv("spec", Reply::Map(fields))])
    };
    let begin = match &spec.begin {
        BeginSearch::Index(i) => typed("index", vec![kv("index", Reply::Int(*i))]),
        BeginSearch::Keyword(w, from) => {
            typed("keyword", vec![kv("keyword", Reply::bulk_str(w)), kv("startfrom", Reply::Int(*from))])
        }
        BeginSearch::Unknown => unknown(),
    };
    let find = match spec.find {
        FindKeys::Range(last, step, limit) => typed(
            "range",
            vec![kv("lastkey", Reply::Int(last)), kv("keystep", Reply::Int(step)), kv("limit", Reply::Int(limit))],
        ),
        FindKeys::Keynum(idx, first, step) => typed(
            "keynum",
            vec![kv("keynumidx", Reply::Int(idx)), kv("firstkey", Reply::Int(first)), kv("keystep", Reply::Int(step))],
        ),
        FindKeys::Unknown => unknown(),
    };
    Reply::Map(vec![
        kv("flags", Reply::Set(spec.flags.iter().map(|f| Reply::status(f)).collect())),
        kv("begin_search", begin),
        kv("find_keys", find),
    ])
}

fn key_specs(c: &CommandSpec) -> Vec<Reply> {
    key_specs_of(c).iter().map(key_spec_reply).collect()
}

/// The key positions (with their spec's flags) in a full command line, following Redis's
/// key-spec walk; `None` when the arguments contradict a spec (bad numkeys, too few).
fn keys_from_specs(c: &CommandSpec, argv: &[Vec<u8>]) -> Option<Vec<(usize, Vec<String>)>> {
    let argc = argv.len() as i64;
    let mut out = Vec::new();
    for spec in key_specs_of(c) {
        let first = match &spec.begin {
            BeginSearch::Index(i) => *i,
            BeginSearch::Keyword(word, from) => {
                let found = if *from > 0 {
                    (*from..argc - 1).find(|&i| argv.get(i as usize).is_some_and(|a| is(a, word)))
                } else {
                    (1..=argc + from).rev().find(|&i| argv.get(i as usize).is_some_and(|a| is(a, word)))
                };
                match found {
                    Some(i) => i + 1,
                    None => continue,
                }
            }
            BeginSearch::Unknown => continue,
        };
        let (first, last, step) = match spec.find {
            FindKeys::Range(lastkey, step, limit) => {
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (first, last, step)
            }
            FindKeys::Keynum(idx, firstkey, step) => {
                let raw = argv.get(usize::try_from(first + idx).ok()?)?;
                let n = crate::engine::num::parse_i64(raw).filter(|n| *n >= 0)?;
                let f = first + firstkey;
                (f, f.checked_add(n.checked_sub(1)?.checked_mul(step)?)?, step)
            }
            FindKeys::Unknown => continue,
        };
        if last >= argc || last < first || first >= argc || step <= 0 {
            return None;
        }
        let flags = if spec.flags.iter().any(|f| f == "variable_flags") {
            variable_key_flags(c.name, argv).iter().map(|f| f.to_string()).collect()
        } else {
            spec.flags.clone()
        };
        let mut i = first;
        while i <= last {
            out.push((i as usize, flags.clone()));
            i += step;
        }
    }
    Some(out)
}

/// The key arguments of a full command line with their key-spec flags (`access`, `update`,
/// ...), skipping `not_key` specs, as ACL checks them; none when the arguments contradict
/// the specs (the command will fail on its own).
pub(crate) fn key_positions_with_flags(c: &CommandSpec, argv: &[Vec<u8>]) -> Vec<(usize, Vec<String>)> {
    command_keys(c, argv).into_iter().filter(|(_, flags)| !flags.iter().any(|f| f == "not_key")).collect()
}

/// The key arguments of a command with their flags, as Redis's `getKeysFromCommandWithSpecs`
/// finds them: from the key specs, or for SORT (whose STORE may stand anywhere) from its own
/// key-extraction callback. COMMAND GETKEYS and the ACL checks both use it.
fn command_keys(c: &CommandSpec, argv: &[Vec<u8>]) -> Vec<(usize, Vec<String>)> {
    if c.name != "sort" {
        return keys_from_specs(c, argv).unwrap_or_default();
    }
    super::sort::sort_get_keys(argv)
        .into_iter()
        .enumerate()
        .map(|(n, i)| (i, if n == 0 { vec!["RO".into(), "access".into()] } else { vec!["OW".into(), "update".into()] }))
        .collect()
}

/// The key flags of the commands whose access depends on their options (SET with or without
/// GET, BITFIELD with or without writes), as Redis's key-extraction callbacks decide them.
fn variable_key_flags(name: &str, argv: &[Vec<u8>]) -> &'static [&'static str] {
    const RW: &[&str] = &["RW", "access", "update"];
    if name == "bitfield" {
        let mut i = 2;
        while let Some(arg) = argv.get(i) {
            let remaining = argv.len() - i - 1;
            if is(arg, "get") && remaining >= 2 {
                i += 3;
            } else if is(arg, "overflow") && remaining >= 1 {
                i += 2;
            } else {
                // SET/INCRBY, or a syntax error: assume a write, as Redis does.
                return RW;
            }
        }
        return &["RO", "access"];
    }
    if argv.iter().skip(3).any(|a| is(a, "get")) {
        RW
    } else {
        &["OW", "update"]
    }
}

/// One COMMAND INFO entry: Redis 7.0's ten fields.
pub fn command_info(c: &CommandSpec) -> Reply {
    Reply::Array(vec![
        Reply::bulk_str(c.name),
        Reply::Int(i64::from(c.arity)),
        Reply::Set(c.flags.iter().map(|f| Reply::status(f)).collect()),
        Reply::Int(i64::from(c.first_key)),
        Reply::Int(i64::from(c.last_key)),
        Reply::Int(i64::from(c.step)),
        Reply::Set(c.acl.iter().map(|a| Reply::status(a)).collect()),
        Reply::Set(tips(c.name).iter().map(|t| Reply::bulk_str(t)).collect()),
        Reply::Set(key_specs(c)),
        Reply::Set(c.subcommands.iter().map(command_info).collect()),
    ])
}

/// Finds a command by the name COMMAND INFO/DOCS accept (`get`, `config|get`).
fn lookup_named(name: &[u8]) -> Option<&'static CommandSpec> {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    table::lookup_full(&lower)
}

/// COMMAND (every command's info)
fn command(_ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Array(table::all().map(command_info).collect()))
}

/// COMMAND COUNT
fn command_count(_ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Int(table::count() as i64))
}

/// COMMAND INFO [command-name ...]
fn command_info_cmd(ctx: &mut Ctx) -> CmdResult {
    let names = ctx.args().rest();
    if names.is_empty() {
        return command(ctx);
    }
    Ok(Reply::Array(names.iter().map(|n| lookup_named(n).map(command_info).unwrap_or(Reply::Nil)).collect()))
}

/// One argument description for COMMAND DOCS, parsed from our syntax notation.
#[derive(Debug, Clone, PartialEq)]
struct DocArg {
    name: String,
    kind: &'static str,
    token: Option<String>,
    optional: bool,
    multiple: bool,
    children: Vec<DocArg>,
}

/// Splits syntax notation into tokens: words, `[`, `]`, `|`, `...`.
fn syntax_tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for ch in s.chars() {
        match ch {
            '[' | ']' | '|' | ' ' | '(' | ')' => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                if ch != ' ' {
                    out.push(ch.to_string());
                }
            }
            _ => word.push(ch),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// True for the punctuation tokens of the syntax notation.
fn is_punct(t: &str) -> bool {
    ["[", "]", "|", "(", ")", "..."].contains(&t)
}

/// Parses a sequence of arguments up to a closing `]`/`)` or the end; alternatives separated
/// by `|` become a `oneof`.
fn parse_seq(toks: &[String], pos: &mut usize, keys: bool) -> Vec<DocArg> {
    // Each alternative's arguments, with the token span each argument came from.
    let mut alts: Vec<Vec<(DocArg, usize, usize)>> = vec![Vec::new()];
    while let Some(t) = toks.get(*pos) {
        let start = *pos;
        match t.as_str() {
            "]" | ")" => break,
            "|" => {
                *pos += 1;
                alts.push(Vec::new());
            }
            "[" | "(" => {
                // `a b [a b ...]`: the optional repeat of the preceding words folds into them.
                if let Some(cur) = alts.last_mut() {
                    if let Some(words) = repeat_words(toks, *pos + 1) {
                        let k = words.len();
                        let same = start >= k && toks.get(start - k..start).is_some_and(|prev| prev == words);
                        let tail_start = cur.len().checked_sub(k).and_then(|i| cur.get(i)).map(|(_, s, _)| *s);
                        if same && k == 1 {
                            if let Some((last, _, _)) = cur.last_mut() {
                                last.multiple = true;
                                *pos += 4;
                                continue;
                            }
                        } else if same && tail_start == Some(start - k) {
                            let items: Vec<DocArg> = cur.drain(cur.len() - k..).map(|(a, _, _)| a).collect();
                            let mut g = group_of(items);
                            g.multiple = true;
                            *pos += k + 3;
                            cur.push((g, start - k, *pos));
                            continue;
                        }
                    }
                }
                *pos += 1;
                let mut inner = parse_seq(toks, pos, keys);
                let optional = t == "[";
                if toks.get(*pos).is_some_and(|c| c == "]" || c == ")") {
                    *pos += 1;
                }
                // `[TOKEN a b]`: the token introduces the whole block.
                let mut block_token = None;
                if inner.len() >= 2
                    && inner[0].kind != "pure-token"
                    && inner[1..].iter().all(|x| x.token.is_none() && x.children.is_empty())
                {
                    block_token = inner[0].token.take();
                }
                let mut arg = group_of(inner);
                if block_token.is_some() {
                    arg.token = block_token;
                }
                arg.optional = arg.optional || optional;
                if let Some(cur) = alts.last_mut() {
                    cur.push((arg, start, *pos));
                }
            }
            "..." => {
                *pos += 1;
                // `[x ...]`: the repeat marks the previous argument as multiple.
                if let Some((last, _, _)) = alts.last_mut().and_then(|cur| cur.last_mut()) {
                    last.multiple = true;
                }
            }
            w => {
                *pos += 1;
                let is_token = w.chars().all(|c| c.is_ascii_uppercase() || c == '-' || c.is_ascii_digit())
                    && w.chars().any(|c| c.is_ascii_uppercase());
                let arg = if is_token {
                    let value =
                        toks.get(*pos).filter(|n| !is_punct(n) && !n.chars().any(|c| c.is_ascii_uppercase())).cloned();
                    match value {
                        Some(value) => {
                            *pos += 1;
                            let mut a = leaf(&value, keys);
                            a.token = Some(w.to_string());
                            a
                        }
                        None => DocArg {
                            name: w.to_ascii_lowercase(),
                            kind: "pure-token",
                            token: Some(w.to_string()),
                            optional: false,
                            multiple: false,
                            children: Vec::new(),
                        },
                    }
                } else {
                    leaf(w, keys)
                };
                if let Some(cur) = alts.last_mut() {
                    cur.push((arg, start, *pos));
                }
            }
        }
    }
    let mut alts: Vec<Vec<DocArg>> = alts.into_iter().map(|a| a.into_iter().map(|(d, _, _)| d).collect()).collect();
    if alts.len() > 1 {
        let mut children: Vec<DocArg> = alts.into_iter().map(group_of).collect();
        // `TYPE a | b | c`: a leading pure token introduces the whole choice.
        let mut token = None;
        if let Some(first) = children.first_mut() {
            if first.kind == "block" && first.children.len() == 2 && first.children[0].kind == "pure-token" {
                token = first.children[0].token.clone();
                let second = first.children.pop();
                if let Some(second) = second {
                    *first = second;
                }
            }
        }
        let name = children.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join("_");
        vec![DocArg { name, kind: "oneof", token, optional: false, multiple: false, children }]
    } else {
        alts.pop().unwrap_or_default()
    }
}

/// The plain words of a `[w1 w2 ... ...]` repeat starting at `from`, if that is what follows.
fn repeat_words(toks: &[String], from: usize) -> Option<&[String]> {
    let rest = toks.get(from..)?;
    let dots = rest.iter().position(|t| is_punct(t))?;
    if dots == 0 || rest.get(dots).map(String::as_str) != Some("...") {
        return None;
    }
    if rest.get(dots + 1).map(String::as_str) != Some("]") {
        return None;
    }
    rest.get(..dots)
}

/// One plain argument; its type guessed from its conventional name.
fn leaf(word: &str, keys: bool) -> DocArg {
    const INTEGERS: &[&str] = &[
        "count",
        "index",
        "start",
        "stop",
        "end",
        "offset",
        "seconds",
        "milliseconds",
        "timeout",
        "numkeys",
        "protover",
        "db",
        "port",
        "index1",
        "index2",
    ];
    let kind = if keys && (word == "key" || word == "destination" || word == "source") {
        "key"
    } else if INTEGERS.contains(&word) || word.ends_with("-id") {
        "integer"
    } else if word.starts_with("unix-time") {
        "unix-time"
    } else if word == "pattern" {
        "pattern"
    } else {
        "string"
    };
    DocArg { name: word.to_string(), kind, token: None, optional: false, multiple: false, children: Vec::new() }
}

/// A sequence of one argument is that argument; several become a `block`.
fn group_of(mut items: Vec<DocArg>) -> DocArg {
    if items.len() == 1 {
        return items.pop().unwrap_or_else(|| leaf("arg", false));
    }
    let name = items.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join("_");
    DocArg { name, kind: "block", token: None, optional: false, multiple: false, children: items }
}

fn doc_arg_reply(a: &DocArg, key_index: &mut i64) -> Reply {
    let mut m = vec![kv("name", Reply::bulk_str(&a.name)), kv("type", Reply::bulk_str(a.kind))];
    if a.kind == "key" {
        m.push(kv("key_spec_index", Reply::Int(*key_index)));
        *key_index += 1;
    }
    if let Some(t) = &a.token {
        m.push(kv("token", Reply::bulk_str(t)));
    }
    let mut flags = Vec::new();
    if a.optional {
        flags.push(Reply::status("optional"));
    }
    if a.multiple {
        flags.push(Reply::status("multiple"));
    }
    if !flags.is_empty() {
        m.push(kv("flags", Reply::Set(flags)));
    }
    if !a.children.is_empty() {
        m.push(kv("arguments", Reply::Array(a.children.iter().map(|c| doc_arg_reply(c, key_index)).collect())));
    }
    Reply::Map(m)
}

/// COMMAND DOCS' arguments for a command, derived from its syntax string.
fn doc_arguments(c: &CommandSpec) -> Vec<Reply> {
    let toks = syntax_tokens(c.syntax);
    let mut pos = 0;
    let args = parse_seq(&toks, &mut pos, !key_specs_of(c).is_empty());
    let mut key_index = 0;
    args.iter().map(|a| doc_arg_reply(a, &mut key_index)).collect()
}

/// One COMMAND DOCS entry (summary, since, group, complexity, arguments, subcommands).
fn command_docs_entry(c: &CommandSpec) -> Reply {
    let mut m = vec![
        kv("summary", Reply::bulk_str(c.summary)),
        kv("since", Reply::bulk_str(c.since)),
        kv("group", Reply::bulk_str(c.group.name())),
        kv("complexity", Reply::bulk_str(c.complexity)),
    ];
    let args = doc_arguments(c);
    if !args.is_empty() {
        m.push(kv("arguments", Reply::Array(args)));
    }
    if !c.subcommands.is_empty() {
        m.push(kv(
            "subcommands",
            Reply::Map(c.subcommands.iter().map(|s| (Reply::bulk_str(s.name), command_docs_entry(s))).collect()),
        ));
    }
    Reply::Map(m)
}

/// COMMAND DOCS [command-name ...]
fn command_docs(ctx: &mut Ctx) -> CmdResult {
    let names = ctx.args().rest();
    let entries: Vec<(Reply, Reply)> = if names.is_empty() {
        table::all().map(|c| (Reply::bulk_str(c.name), command_docs_entry(c))).collect()
    } else {
        names.iter().filter_map(|n| lookup_named(n)).map(|c| (Reply::bulk_str(c.name), command_docs_entry(c))).collect()
    };
    Ok(Reply::Map(entries))
}

/// Every command and subcommand, in table order.
fn all_with_subcommands() -> impl Iterator<Item = &'static CommandSpec> {
    table::all().flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()))
}

/// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
fn command_list(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let names: Vec<&str> = if argv.len() == 2 {
        all_with_subcommands().map(|c| c.name).collect()
    } else if argv.len() == 5 && is(&argv[2], "filterby") {
        let value = &argv[4];
        if is(&argv[3], "module") {
            Vec::new()
        } else if is(&argv[3], "aclcat") {
            let cat = format!("@{}", String::from_utf8_lossy(value));
            all_with_subcommands()
                .filter(|c| c.acl.iter().any(|a| a.eq_ignore_ascii_case(&cat)))
                .map(|c| c.name)
                .collect()
        } else if is(&argv[3], "pattern") {
            all_with_subcommands().filter(|c| glob_match(value, c.name.as_bytes(), true)).map(|c| c.name).collect()
        } else {
            return Err(RedisError::syntax());
        }
    } else {
        return Err(RedisError::syntax());
    };
    Ok(Reply::bulks(names))
}

/// A key name with its key-spec flags.
type FlaggedKey = (Vec<u8>, Vec<String>);

/// The keys of the full command line after COMMAND GETKEYS(ANDFLAGS), with their flags.
fn getkeys_of(ctx: &Ctx) -> Result<Vec<FlaggedKey>, RedisError> {
    let full = ctx.argv.get(2..).unwrap_or(&[]);
    let invalid = || RedisError::err("Invalid command specified");
    let base = full.first().and_then(|n| table::lookup(n)).ok_or_else(invalid)?;
    let cmd = match (base.subcommands.is_empty(), full.get(1)) {
        (false, Some(sub)) => base.subcommand(sub).ok_or_else(invalid)?,
        _ => base,
    };
    let has_keys = key_specs_of(cmd).first().is_some_and(|s| !s.flags.iter().any(|f| f == "not_key"));
    if !has_keys {
        return Err(RedisError::err("The command has no key arguments"));
    }
    if !cmd.arity_ok(full.len()) {
        return Err(RedisError::err("Invalid number of arguments specified for command"));
    }
    let keys = command_keys(cmd, full);
    if keys.is_empty() && !cmd.has_flag("no_mandatory_keys") {
        return Err(RedisError::err("Invalid arguments specified for command"));
    }
    Ok(keys.into_iter().filter_map(|(i, flags)| full.get(i).map(|k| (k.clone(), flags))).collect())
}

/// COMMAND GETKEYS command [arg ...]
fn command_getkeys(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Array(getkeys_of(ctx)?.into_iter().map(|(k, _)| Reply::Bulk(k)).collect()))
}

/// COMMAND GETKEYSANDFLAGS command [arg ...]
fn command_getkeysandflags(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Array(
        getkeys_of(ctx)?
            .into_iter()
            .map(|(k, flags)| {
                Reply::Array(vec![Reply::Bulk(k), Reply::Set(flags.iter().map(|f| Reply::status(f)).collect())])
            })
            .collect(),
    ))
}

/// COMMAND HELP
fn command_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(&[
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Prints this help.",
    ]))
}

// ---- CONFIG ---------------------------------------------------------------------------------

/// How a parameter's value is parsed and checked.
#[derive(Clone, Copy)]
enum Kind {
    /// An integer within bounds; `memory` ones accept units (1kb, 5mb, 2gb).
    Int { min: i128, max: i128, memory: bool, unsigned: bool },
    /// One of a fixed set of lower-case words.
    Enum(&'static [&'static str]),
    /// Readable only (`databases`).
    Immutable,
    /// Free text checked and normalised by a parser; the error text when it refuses.
    Text(fn(&[u8]) -> Option<String>, &'static str),
}

/// One CONFIG parameter: its names, kind, and accessors into `Config`.
struct Param {
    name: &'static str,
    alias: Option<&'static str>,
    kind: Kind,
    get: fn(&Config) -> String,
    set: fn(&mut Config, i128, &str),
}

const INT_MAX: i128 = i32::MAX as i128;
const INT_MIN: i128 = i32::MIN as i128;
const LONG_MAX: i128 = i64::MAX as i128;

const fn int(min: i128, max: i128) -> Kind {
    Kind::Int { min, max, memory: false, unsigned: false }
}
const fn mem(min: i128, max: i128) -> Kind {
    Kind::Int { min, max, memory: true, unsigned: false }
}

const POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

const BOOL_ERROR: &str = "argument must be 'yes' or 'no'";

/// A yes/no parameter, any case.
fn parse_bool(raw: &[u8]) -> Option<String> {
    if raw.eq_ignore_ascii_case(b"yes") {
        Some("yes".into())
    } else if raw.eq_ignore_ascii_case(b"no") {
        Some("no".into())
    } else {
        None
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// `save`: pairs of "seconds changes" separated by single spaces, or "" for none; printed
/// back as numbers.
fn parse_save(raw: &[u8]) -> Option<String> {
    if raw.is_empty() {
        return Some(String::new());
    }
    let parts: Vec<&[u8]> = raw.split(|&b| b == b' ').collect();
    if !parts.len().is_multiple_of(2) {
        return None;
    }
    let mut nums = Vec::with_capacity(parts.len());
    for p in parts {
        let n = crate::engine::num::parse_i64(p).or_else(|| {
            // Redis reads each number with strtoll: leading zeros are fine.
            let t = std::str::from_utf8(p).ok()?;
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                t.parse::<i64>().ok()
            } else {
                None
            }
        })?;
        if n < 0 {
            return None;
        }
        nums.push(n.to_string());
    }
    Some(nums.join(" "))
}

/// The parameters the engine honours, with Redis 7.0's bounds and aliases.
const PARAMS: &[Param] = &[
    Param {
        name: "maxmemory",
        alias: None,
        kind: Kind::Int { min: 0, max: u64::MAX as i128, memory: true, unsigned: true },
        get: |c| c.maxmemory.to_string(),
        set: |c, v, _| c.maxmemory = v as u64,
    },
    Param {
        name: "maxmemory-policy",
        alias: None,
        kind: Kind::Enum(POLICIES),
        get: |c| c.maxmemory_policy.clone(),
        set: |c, _, s| c.maxmemory_policy = s.to_string(),
    },
    Param {
        name: "maxmemory-samples",
        alias: None,
        kind: int(1, INT_MAX),
        get: |c| c.maxmemory_samples.to_string(),
        set: |c, v, _| c.maxmemory_samples = v as u32,
    },
    Param {
        name: "maxmemory-eviction-tenacity",
        alias: None,
        kind: int(0, 100),
        get: |c| c.maxmemory_eviction_tenacity.to_string(),
        set: |c, v, _| c.maxmemory_eviction_tenacity = v as u32,
    },
    Param {
        name: "lazyfree-lazy-eviction",
        alias: None,
        kind: Kind::Text(parse_bool, BOOL_ERROR),
        get: |c| yes_no(c.lazyfree_lazy_eviction),
        set: |c, _, s| c.lazyfree_lazy_eviction = s == "yes",
    },
    Param {
        name: "appendonly",
        alias: None,
        kind: Kind::Text(parse_bool, BOOL_ERROR),
        get: |c| yes_no(c.appendonly),
        set: |c, _, s| c.appendonly = s == "yes",
    },
    Param {
        name: "appendfsync",
        alias: None,
        kind: Kind::Enum(&["everysec", "always", "no"]),
        get: |c| c.appendfsync.clone(),
        set: |c, _, s| c.appendfsync = s.to_string(),
    },
    Param {
        name: "save",
        alias: None,
        kind: Kind::Text(parse_save, "Invalid save parameters"),
        get: |c| c.save.clone(),
        set: |c, _, s| c.save = s.to_string(),
    },
    Param {
        name: "hz",
        alias: None,
        kind: int(0, INT_MAX),
        get: |c| c.hz.to_string(),
        // Redis clamps the effective frequency to 1..=500.
        set: |c, v, _| c.hz = v.clamp(1, 500) as u32,
    },
    Param {
        name: "lfu-log-factor",
        alias: None,
        kind: int(0, INT_MAX),
        get: |c| c.lfu_log_factor.to_string(),
        set: |c, v, _| c.lfu_log_factor = v as u32,
    },
    Param {
        name: "lfu-decay-time",
        alias: None,
        kind: int(0, INT_MAX),
        get: |c| c.lfu_decay_time.to_string(),
        set: |c, v, _| c.lfu_decay_time = v as u32,
    },
    Param {
        name: "hash-max-listpack-entries",
        alias: Some("hash-max-ziplist-entries"),
        kind: int(0, LONG_MAX),
        get: |c| c.hash_max_listpack_entries.to_string(),
        set: |c, v, _| c.hash_max_listpack_entries = v as usize,
    },
    Param {
        name: "hash-max-listpack-value",
        alias: Some("hash-max-ziplist-value"),
        kind: mem(0, LONG_MAX),
        get: |c| c.hash_max_listpack_value.to_string(),
        set: |c, v, _| c.hash_max_listpack_value = v as usize,
    },
    Param {
        name: "list-max-listpack-size",
        alias: Some("list-max-ziplist-size"),
        kind: int(INT_MIN, INT_MAX),
        get: |c| c.list_max_listpack_size.to_string(),
        set: |c, v, _| c.list_max_listpack_size = v as i64,
    },
    Param {
        name: "list-compress-depth",
        alias: None,
        kind: int(0, INT_MAX),
        get: |c| c.list_compress_depth.to_string(),
        set: |c, v, _| c.list_compress_depth = v as i64,
    },
    Param {
        name: "set-max-intset-entries",
        alias: None,
        kind: int(0, LONG_MAX),
        get: |c| c.set_max_intset_entries.to_string(),
        set: |c, v, _| c.set_max_intset_entries = v as usize,
    },
    Param {
        name: "zset-max-listpack-entries",
        alias: Some("zset-max-ziplist-entries"),
        kind: int(0, LONG_MAX),
        get: |c| c.zset_max_listpack_entries.to_string(),
        set: |c, v, _| c.zset_max_listpack_entries = v as usize,
    },
    Param {
        name: "zset-max-listpack-value",
        alias: Some("zset-max-ziplist-value"),
        kind: mem(0, LONG_MAX),
        get: |c| c.zset_max_listpack_value.to_string(),
        set: |c, v, _| c.zset_max_listpack_value = v as usize,
    },
    Param {
        name: "stream-node-max-bytes",
        alias: None,
        kind: mem(0, LONG_MAX),
        get: |c| c.stream_node_max_bytes.to_string(),
        set: |c, v, _| c.stream_node_max_bytes = v as usize,
    },
    Param {
        name: "stream-node-max-entries",
        alias: None,
        kind: int(0, LONG_MAX),
        get: |c| c.stream_node_max_entries.to_string(),
        set: |c, v, _| c.stream_node_max_entries = v as usize,
    },
    Param {
        name: "hll-sparse-max-bytes",
        alias: None,
        kind: mem(0, LONG_MAX),
        get: |c| c.hll_sparse_max_bytes.to_string(),
        set: |c, v, _| c.hll_sparse_max_bytes = v as usize,
    },
    Param {
        name: "proto-max-bulk-len",
        alias: None,
        kind: mem(1024 * 1024, LONG_MAX),
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, v, _| c.proto_max_bulk_len = v as i64,
    },
    Param {
        name: "notify-keyspace-events",
        alias: None,
        kind: Kind::Text(
            |raw| crate::engine::pubsub::parse_notify_flags(raw).map(crate::engine::pubsub::notify_flags_to_string),
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        ),
        get: |c| crate::engine::pubsub::notify_flags_to_string(c.notify_keyspace_events),
        set: |c, _, s| c.notify_keyspace_events = crate::engine::pubsub::parse_notify_flags(s.as_bytes()).unwrap_or(0),
    },
    Param {
        name: "slowlog-log-slower-than",
        alias: None,
        kind: int(-1, LONG_MAX),
        get: |c| c.slowlog_log_slower_than.to_string(),
        set: |c, v, _| c.slowlog_log_slower_than = v as i64,
    },
    Param {
        name: "slowlog-max-len",
        alias: None,
        kind: int(0, LONG_MAX),
        get: |c| c.slowlog_max_len.to_string(),
        set: |c, v, _| c.slowlog_max_len = v as u64,
    },
    Param {
        name: "requirepass",
        alias: None,
        kind: Kind::Text(|raw| Some(String::from_utf8_lossy(raw).into_owned()), ""),
        get: |c| c.requirepass.clone(),
        set: |c, _, s| c.requirepass = s.to_string(),
    },
    Param {
        name: "acl-pubsub-default",
        alias: None,
        kind: Kind::Enum(&["allchannels", "resetchannels"]),
        get: |c| if c.acl_pubsub_allchannels { "allchannels" } else { "resetchannels" }.to_string(),
        set: |c, _, s| c.acl_pubsub_allchannels = s == "allchannels",
    },
    Param { name: "aclfile", alias: None, kind: Kind::Immutable, get: |_| String::new(), set: |_, _, _| {} },
    Param {
        name: "acllog-max-len",
        alias: None,
        kind: int(0, LONG_MAX),
        get: |c| c.acllog_max_len.to_string(),
        set: |c, v, _| c.acllog_max_len = v as u64,
    },
    Param {
        name: "busy-reply-threshold",
        alias: Some("lua-time-limit"),
        kind: int(0, LONG_MAX),
        get: |c| c.busy_reply_threshold.to_string(),
        set: |c, v, _| c.busy_reply_threshold = v as i64,
    },
    Param { name: "databases", alias: None, kind: Kind::Immutable, get: |_| DATABASES.to_string(), set: |_, _, _| {} },
];

/// Finds a parameter by its name or alias, ignoring case.
fn find_param(name: &[u8]) -> Option<&'static Param> {
    PARAMS.iter().find(|p| is(name, p.name) || p.alias.is_some_and(|a| is(name, a)))
}

/// Redis's `memtoull`: digits with an optional unit (b, k, kb, m, mb, g, gb). Like the C code,
/// an absent number is 0, overflow saturates and the unit multiplication wraps.
fn parse_memory(raw: &[u8]) -> Option<u64> {
    let digits_end = raw.iter().position(|b| !b.is_ascii_digit()).unwrap_or(raw.len());
    let unit = String::from_utf8_lossy(&raw[digits_end..]).to_ascii_lowercase();
    let mul: u64 = match unit.as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits_end >= 128 {
        return None;
    }
    let mut v: u64 = 0;
    for &d in &raw[..digits_end] {
        v = v.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    Some(v.wrapping_mul(mul))
}

fn set_failed(name: &[u8], why: &str) -> RedisError {
    RedisError::err(format!(
        "CONFIG SET failed (possibly related to argument '{}') - {why}",
        String::from_utf8_lossy(name)
    ))
}

/// Checks one value for a parameter; returns the number (or 0) and the normalised text.
fn parse_value(p: &Param, name: &[u8], raw: &[u8]) -> Result<(i128, String), RedisError> {
    match p.kind {
        Kind::Immutable => Err(set_failed(name, "can't set immutable config")),
        Kind::Text(parse, why) => Ok((0, parse(raw).ok_or_else(|| set_failed(name, why))?)),
        Kind::Enum(words) => {
            let text = String::from_utf8_lossy(raw).to_ascii_lowercase();
            if words.contains(&text.as_str()) {
                Ok((0, text))
            } else {
                Err(set_failed(name, &format!("argument(s) must be one of the following: {}", words.join(", "))))
            }
        }
        Kind::Int { min, max, memory, unsigned } => {
            let v: i128 = if memory {
                let u = parse_memory(raw).ok_or_else(|| set_failed(name, "argument must be a memory value"))?;
                // Signed parameters see the C cast of the unsigned result.
                if unsigned {
                    i128::from(u)
                } else {
                    i128::from(u as i64)
                }
            } else {
                let n = crate::engine::num::parse_i64(raw)
                    .ok_or_else(|| set_failed(name, "argument couldn't be parsed into an integer"))?;
                i128::from(n)
            };
            if v < min || v > max {
                return Err(set_failed(name, &format!("argument must be between {min} and {max} inclusive")));
            }
            Ok((v, String::new()))
        }
    }
}

/// CONFIG (container; the dispatcher resolves subcommands)
fn config(_ctx: &mut Ctx) -> CmdResult {
    Err(crate::engine::arity_error("config"))
}

/// CONFIG GET parameter [parameter ...]
fn config_get(ctx: &mut Ctx) -> CmdResult {
    let mut out: Vec<(String, &'static Param)> = Vec::new();
    for pat in ctx.args().rest() {
        let has_glob = pat.iter().any(|b| matches!(b, b'[' | b'*' | b'?'));
        if !has_glob {
            let name = String::from_utf8_lossy(pat).into_owned();
            if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                continue;
            }
            if let Some(p) = find_param(pat) {
                out.push((name, p));
            }
            continue;
        }
        for p in PARAMS {
            for n in std::iter::once(p.name).chain(p.alias) {
                if !out.iter().any(|(m, _)| m.eq_ignore_ascii_case(n)) && glob_match(pat, n.as_bytes(), true) {
                    out.push((n.to_string(), p));
                }
            }
        }
    }
    let cfg = &ctx.eng.config;
    Ok(Reply::Map(out.into_iter().map(|(n, p)| (Reply::bulk(n), Reply::bulk((p.get)(cfg)))).collect()))
}

/// CONFIG SET parameter value [parameter value ...]: all or nothing.
fn config_set(ctx: &mut Ctx) -> CmdResult {
    let pairs = ctx.argv.get(2..).unwrap_or(&[]);
    if !pairs.len().is_multiple_of(2) {
        return Err(RedisError::syntax());
    }
    let mut chosen: Vec<(&'static Param, &[u8], &[u8])> = Vec::new();
    for pair in pairs.chunks(2) {
        let (name, value) = (&pair[0], &pair[1]);
        let p = find_param(name).ok_or_else(|| {
            RedisError::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{}'",
                String::from_utf8_lossy(name)
            ))
        })?;
        if matches!(p.kind, Kind::Immutable) {
            return Err(set_failed(name, "can't set immutable config"));
        }
        if chosen.iter().any(|(_, n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(set_failed(name, "duplicate parameter"));
        }
        chosen.push((p, name, value));
    }
    let mut parsed = Vec::new();
    for (p, name, value) in &chosen {
        parsed.push((*p, parse_value(p, name, value)?));
    }
    let cfg = &mut ctx.eng.config;
    let (mut requirepass, mut maxmemory_set) = (false, false);
    for (p, (v, text)) in parsed {
        (p.set)(cfg, v, &text);
        requirepass |= p.name == "requirepass";
        maxmemory_set |= p.name == "maxmemory";
    }
    // requirepass sets the default user's password (resetpass, then >password or nopass).
    if requirepass {
        let pass = ctx.eng.config.requirepass.clone();
        ctx.eng.acl.set_requirepass(pass.as_bytes());
    }
    // Like Redis's updateMaxmemory: a lower limit takes effect (evicts) at once.
    if maxmemory_set {
        ctx.eng.perform_evictions();
    }
    Ok(Reply::ok())
}

/// CONFIG RESETSTAT: zeroes INFO's counters (not the dirty counter, as in Redis).
fn config_resetstat(ctx: &mut Ctx) -> CmdResult {
    let dirty = ctx.eng.stats.dirty;
    ctx.eng.stats = Stats { dirty, ..Stats::default() };
    ctx.eng.evict.reset_stats();
    Ok(Reply::ok())
}

/// CONFIG REWRITE: there is never a config file to rewrite.
fn config_rewrite(_ctx: &mut Ctx) -> CmdResult {
    Err(RedisError::err("The server is running without a config file"))
}

/// CONFIG HELP
fn config_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(&[
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    ]))
}

// ---- table ----------------------------------------------------------------------------------

/// A keyless entry of the server group (`CommandSpec::keyless`).
macro_rules! spec {
    ($($arg:expr),* $(,)?) => {
        CommandSpec::keyless(Group::Server, $($arg),*)
    };
}

const FLUSH_ACL: &[&str] = &["@keyspace", "@write", "@slow", "@dangerous"];
const CMD_FLAGS: &[&str] = &["loading", "stale"];
const CMD_ACL: &[&str] = &["@slow", "@connection"];
const CONFIG_FLAGS: &[&str] = &["admin", "noscript", "loading", "stale"];
const CONFIG_ACL: &[&str] = &["@admin", "@slow", "@dangerous"];

pub const COMMANDS: &[CommandSpec] = &[
    spec!(
        "dbsize",
        1,
        &["readonly", "fast"],
        &["@keyspace", "@read", "@fast"],
        "1.0.0",
        "",
        "Returns how many keys the selected database holds.",
        "O(1)",
        dbsize
    ),
    spec!(
        "flushdb",
        -1,
        &["write"],
        FLUSH_ACL,
        "1.0.0",
        "[ASYNC | SYNC]",
        "Deletes every key of the selected database.",
        "O(N) where N is the number of keys in the selected database",
        flushdb
    ),
    spec!(
        "flushall",
        -1,
        &["write"],
        FLUSH_ACL,
        "1.0.0",
        "[ASYNC | SYNC]",
        "Deletes every key of every database.",
        "O(N) where N is the total number of keys in all databases",
        flushall
    ),
    spec!(
        "swapdb",
        3,
        &["write", "fast"],
        &["@keyspace", "@write", "@fast", "@dangerous"],
        "4.0.0",
        "index1 index2",
        "Exchanges the contents of two databases; connections using either see the other's keys.",
        "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        swapdb
    ),
    spec!(
        "time",
        1,
        &["loading", "stale", "fast"],
        &["@fast"],
        "2.6.0",
        "",
        "Returns the server clock as seconds and microseconds since the Unix epoch.",
        "O(1)",
        time
    ),
    CommandSpec {
        name: "command",
        arity: -1,
        flags: CMD_FLAGS,
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: CMD_ACL,
        group: Group::Server,
        since: "2.8.13",
        syntax: "",
        summary: "Describes every command the server knows.",
        complexity: "O(N) where N is the total number of Redis commands",
        handler: command,
        subcommands: &[
            spec!(
                "command|count",
                2,
                CMD_FLAGS,
                CMD_ACL,
                "2.8.13",
                "",
                "Returns how many commands the server knows.",
                "O(1)",
                command_count
            ),
            spec!(
                "command|info",
                -2,
                CMD_FLAGS,
                CMD_ACL,
                "2.8.13",
                "[command-name [command-name ...]]",
                "Describes the named commands (arity, flags, key positions, categories), or all of them.",
                "O(N) where N is the number of commands to look up",
                command_info_cmd
            ),
            spec!(
                "command|docs",
                -2,
                CMD_FLAGS,
                CMD_ACL,
                "7.0.0",
                "[command-name [command-name ...]]",
                "Returns the documentation of the named commands, or of all of them.",
                "O(N) where N is the number of commands to look up",
                command_docs
            ),
            spec!(
                "command|list",
                -2,
                CMD_FLAGS,
                CMD_ACL,
                "7.0.0",
                "[FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]",
                "Lists command names, optionally only those of an ACL category or matching a pattern.",
                "O(N) where N is the total number of Redis commands",
                command_list
            ),
            spec!(
                "command|getkeys",
                -4,
                CMD_FLAGS,
                CMD_ACL,
                "2.8.13",
                "command [arg [arg ...]]",
                "Returns which arguments of a full command line are keys.",
                "O(N) where N is the number of arguments to the command",
                command_getkeys
            ),
            spec!(
                "command|getkeysandflags",
                -4,
                CMD_FLAGS,
                CMD_ACL,
                "7.0.0",
                "command [arg [arg ...]]",
                "Returns which arguments of a full command line are keys, with how the command uses each.",
                "O(N) where N is the number of arguments to the command",
                command_getkeysandflags
            ),
            spec!(
                "command|help",
                2,
                CMD_FLAGS,
                CMD_ACL,
                "5.0.0",
                "",
                "Lists the COMMAND subcommands.",
                "O(1)",
                command_help
            ),
        ],
    },
    CommandSpec {
        name: "config",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::Server,
        since: "2.0.0",
        syntax: "",
        summary: "Groups the commands that read and change server parameters.",
        complexity: "Depends on subcommand.",
        handler: config,
        subcommands: &[
            spec!(
                "config|get",
                -3,
                CONFIG_FLAGS,
                CONFIG_ACL,
                "2.0.0",
                "parameter [parameter ...]",
                "Returns the parameters whose names match the given glob patterns, with their values.",
                "O(N) when N is the number of configuration parameters provided",
                config_get
            ),
            spec!(
                "config|set",
                -4,
                CONFIG_FLAGS,
                CONFIG_ACL,
                "2.0.0",
                "parameter value [parameter value ...]",
                "Changes parameters at run time; either every pair is applied or none is.",
                "O(N) when N is the number of configuration parameters provided",
                config_set
            ),
            spec!(
                "config|resetstat",
                2,
                CONFIG_FLAGS,
                CONFIG_ACL,
                "2.0.0",
                "",
                "Zeroes the statistics INFO reports.",
                "O(1)",
                config_resetstat
            ),
            spec!(
                "config|rewrite",
                2,
                CONFIG_FLAGS,
                CONFIG_ACL,
                "2.8.0",
                "",
                "Would write the running configuration back to the config file; there is none here.",
                "O(1)",
                config_rewrite
            ),
            spec!(
                "config|help",
                2,
                CMD_FLAGS,
                &["@slow"],
                "5.0.0",
                "",
                "Lists the CONFIG subcommands.",
                "O(1)",
                config_help
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::test_run as run;

    #[test]
    fn glob_matches_like_redis() {
        assert!(glob_match(b"*", b"anything", false));
        assert!(glob_match(b"h?", b"hz", false));
        assert!(glob_match(b"*max-*-entries*", b"hash-max-listpack-entries", false));
        assert!(glob_match(b"[a-c]x", b"bx", false));
        assert!(!glob_match(b"[^a-c]x", b"bx", false));
        assert!(glob_match(b"HZ", b"hz", true));
        assert!(!glob_match(b"HZ", b"hz", false));
        assert!(glob_match(b"a\\*", b"a*", false));
        assert!(!glob_match(b"a", b"ab", false));
        assert!(glob_match(b"*b*d", b"abcbd", false));
        assert!(glob_match(b"a\\", b"a\\", false));
        assert!(!glob_match(b"a\\b", b"ac", false));
        assert!(!glob_match(b"[", b"", false));
        assert!(glob_match(b"", b"", false));
    }

    #[test]
    fn command_count_equals_table() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "command count"), Reply::Int(table::count() as i64));
        let Reply::Array(all) = run(&mut e, c, "command") else { panic!() };
        assert_eq!(all.len(), table::count());
    }

    #[test]
    fn command_info_shape() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        let Reply::Array(v) = run(&mut e, c, "command info get nosuch config|get") else { panic!() };
        assert_eq!(v.len(), 3);
        let Reply::Array(get) = &v[0] else { panic!() };
        assert_eq!(get.len(), 10);
        assert_eq!(get[0], Reply::bulk_str("get"));
        assert_eq!(v[1], Reply::Nil);
        let Reply::Array(cg) = &v[2] else { panic!() };
        assert_eq!(cg[0], Reply::bulk_str("config|get"));
    }

    #[test]
    fn config_set_is_atomic_and_units_work() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "config set maxmemory 2mb"), Reply::ok());
        assert_eq!(e.config.maxmemory, 2 * 1024 * 1024);
        assert!(run(&mut e, c, "config set maxmemory 1kb hz abc").is_error());
        assert_eq!(e.config.maxmemory, 2 * 1024 * 1024);
        assert_eq!(run(&mut e, c, "config set hz 1000 hash-max-ziplist-entries 7"), Reply::ok());
        assert_eq!(e.config.hz, 500);
        assert_eq!(e.config.hash_max_listpack_entries, 7);
        assert_eq!(parse_memory(b"1g"), Some(1_000_000_000));
        assert_eq!(parse_memory(b"1.5mb"), None);
        assert_eq!(parse_memory(b"-1"), None);
    }

    fn docs_json(r: &Reply) -> String {
        match r {
            Reply::Map(m) => {
                let parts: Vec<String> = m.iter().map(|(k, v)| format!("{}:{}", docs_json(k), docs_json(v))).collect();
                format!("{{{}}}", parts.join(","))
            }
            Reply::Array(v) | Reply::Set(v) => {
                format!("[{}]", v.iter().map(docs_json).collect::<Vec<_>>().join(","))
            }
            Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            Reply::Status(s) => s.clone(),
            Reply::Int(n) => n.to_string(),
            other => format!("{other:?}"),
        }
    }

    fn args_of(name: &str) -> String {
        docs_json(&Reply::Array(doc_arguments(table::lookup_full(name).unwrap())))
    }

    #[test]
    fn docs_arguments_from_syntax() {
        assert_eq!(args_of("ping"), "[{name:message,type:string,flags:[optional]}]");
        assert_eq!(args_of("del"), "[{name:key,type:key,key_spec_index:0,flags:[multiple]}]");
        assert_eq!(
            args_of("config|set"),
            "[{name:parameter_value,type:block,flags:[multiple],arguments:[{name:parameter,type:string},\
             {name:value,type:string}]}]"
        );
        assert_eq!(
            args_of("hello"),
            "[{name:protover_username_password_clientname,type:block,flags:[optional],arguments:[\
             {name:protover,type:integer},{name:username_password,type:block,token:AUTH,flags:[optional],\
             arguments:[{name:username,type:string},{name:password,type:string}]},\
             {name:clientname,type:string,token:SETNAME,flags:[optional]}]}]"
        );
        assert_eq!(
            args_of("flushdb"),
            "[{name:async_sync,type:oneof,flags:[optional],arguments:[{name:async,type:pure-token,token:ASYNC},\
             {name:sync,type:pure-token,token:SYNC}]}]"
        );
        let set = args_of("set");
        assert!(set.starts_with("[{name:key,type:key,key_spec_index:0},{name:value,type:string},"), "{set}");
        assert!(set.contains("{name:unix-time-seconds,type:unix-time,token:EXAT}"), "{set}");
        // Every command's syntax parses without panicking.
        for c in table::all() {
            let _ = command_docs_entry(c);
        }
    }

    /// A table entry named like a Redis command, to exercise its key specs.
    fn fake(name: &'static str) -> CommandSpec {
        let mut c = spec!(name, -1, &[], &[], "1.0.0", "", "test", "O(1)", dbsize);
        c.first_key = 1;
        c.last_key = 1;
        c.step = 1;
        c
    }

    fn keys(name: &'static str, line: &str) -> Option<Vec<String>> {
        let argv = crate::engine::cli::split_args(line.as_bytes()).unwrap();
        let found = keys_from_specs(&fake(name), &argv)?;
        Some(found.into_iter().map(|(i, _)| String::from_utf8_lossy(&argv[i]).into_owned()).collect())
    }

    #[test]
    fn getkeys_follows_key_specs() {
        assert_eq!(
            keys("zunionstore", "zunionstore d 2 a b weights 1 2"),
            Some(vec!["d".into(), "a".into(), "b".into()])
        );
        assert_eq!(keys("zunionstore", "zunionstore d 3 a b"), None);
        assert_eq!(keys("zunionstore", "zunionstore d -1 a b"), None);
        assert_eq!(keys("zunionstore", "zunionstore d 0 a b"), None);
        assert_eq!(keys("xread", "xread count 2 streams a b 0 0"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(keys("xread", "xread streams a b 0"), Some(vec!["a".into()]));
        assert_eq!(keys("georadius", "georadius k 1 2 3 m store d"), Some(vec!["k".into(), "d".into()]));
        assert_eq!(keys("blpop", "blpop a b c 0"), Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(keys("mset", "mset a 1 b 2"), Some(vec!["a".into(), "b".into()]));
        let argv = crate::engine::cli::split_args(b"lmove a b left right").unwrap();
        let found = keys_from_specs(&fake("lmove"), &argv).unwrap();
        assert_eq!(found[0].1, vec!["RW", "access", "delete"]);
        assert_eq!(found[1].1, vec!["RW", "insert"]);
        let flags = |name: &'static str, line: &str| {
            let argv = crate::engine::cli::split_args(line.as_bytes()).unwrap();
            keys_from_specs(&fake(name), &argv).unwrap()[0].1.join(",")
        };
        assert_eq!(flags("set", "set k v"), "OW,update");
        assert_eq!(flags("set", "set k get"), "OW,update");
        assert_eq!(flags("set", "set k v ex 5 GET"), "RW,access,update");
        assert_eq!(flags("bitfield", "bitfield k get u8 0 overflow wrap"), "RO,access");
        assert_eq!(flags("bitfield", "bitfield k get u8 0 incrby u8 0 1"), "RW,access,update");
        // Every stored spec parses.
        for (name, text) in KEY_SPECS {
            assert_eq!(text.split(';').filter_map(parse_key_spec).count(), text.split(';').count(), "{name}");
        }
    }

    #[test]
    fn no_panic_on_odd_arguments() {
        let (mut e, _) = Engine::with_virtual_clock();
        let words: &[&[u8]] = &[
            b"",
            b"0",
            b"-1",
            b"1",
            b"16",
            b"abc",
            b"\x00\xff",
            b"id",
            b"type",
            b"addr",
            b"skipme",
            b"normal",
            b"auth",
            b"setname",
            b"filterby",
            b"pattern",
            b"*",
            b"[",
            b"\\",
            b"9223372036854775808",
            b"hz",
            b"maxmemory",
            b"1kb",
        ];
        let mut seed = 7u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let names: Vec<&str> = COMMANDS
            .iter()
            .chain(crate::engine::cmd::connection::COMMANDS.iter())
            .flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()))
            .map(|c| c.name)
            .filter(|n| *n != "quit" && *n != "client|kill" && *n != "config|set")
            .collect();
        for _ in 0..4000 {
            let c = e.connect();
            let name = names[(next() % names.len() as u64) as usize];
            let mut argv: Vec<Vec<u8>> = name.split('|').map(|p| p.as_bytes().to_vec()).collect();
            for _ in 0..(next() % 6) {
                argv.push(words[(next() % words.len() as u64) as usize].to_vec());
            }
            let _ = e.execute(c, &argv);
            e.disconnect(c);
        }
    }

    #[test]
    fn swapdb_and_flush() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "set a 1");
        assert_eq!(run(&mut e, c, "swapdb 0 1"), Reply::ok());
        assert_eq!(run(&mut e, c, "dbsize"), Reply::Int(0));
        run(&mut e, c, "select 1");
        assert_eq!(run(&mut e, c, "get a"), Reply::bulk_str("1"));
        assert_eq!(run(&mut e, c, "flushall"), Reply::ok());
        assert_eq!(run(&mut e, c, "dbsize"), Reply::Int(0));
    }
}
