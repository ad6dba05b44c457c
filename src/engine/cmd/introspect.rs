//! Introspection commands: INFO, SLOWLOG, MONITOR and LATENCY basics (MEMORY is in memory.rs).
//!
//! The slow log is fed by `Engine::after_command`, called once per executed command from
//! `Engine::run_command`, so handlers here only read and reset it.

use std::collections::VecDeque;

use crate::engine::cmd::connection::help_reply;
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{ClientId, Ctx, Engine, REDIS_VERSION};

/// Redis keeps at most this many arguments of a logged command (SLOWLOG_ENTRY_MAX_ARGC).
const MAX_ARGC: usize = 32;
/// Longer arguments are cut to this many bytes (SLOWLOG_ENTRY_MAX_STRING).
const MAX_STRING: usize = 128;

/// One slow log entry.
#[derive(Clone, Debug)]
pub struct SlowEntry {
    pub id: u64,
    pub time_s: i64,
    pub duration_us: u64,
    pub argv: Vec<Vec<u8>>,
    pub addr: String,
    pub name: Vec<u8>,
}

/// The slow log: newest entry first, as SLOWLOG GET returns them.
#[derive(Clone, Debug, Default)]
pub struct SlowLog {
    pub entries: VecDeque<SlowEntry>,
    pub next_id: u64,
}

/// Commands Redis never logs (its CMD_SKIP_SLOWLOG flag). AUTH, HELLO and ACL SETUSER are
/// logged with their secrets redacted (`acl::redact_for_logs`).
const SKIP: &[&str] = &["exec", "migrate", "restore", "restore-asking"];

impl Engine {
    /// Records a finished command in the slow log when it took at least
    /// `slowlog-log-slower-than` microseconds (-1 disables the log).
    pub(crate) fn after_command(&mut self, client: ClientId, argv: &[Vec<u8>], name: &str, usec: u64) {
        // Nothing to feed and nothing to log (the usual case): skip the redaction too.
        let threshold = self.config.slowlog_log_slower_than;
        if self.monitors.is_empty() && (threshold < 0 || (usec as i64) < threshold) {
            return;
        }
        let redacted = crate::engine::acl::redact_for_logs(name, argv);
        let argv = redacted.as_deref().unwrap_or(argv);
        self.feed_monitors(client, argv, name);
        if threshold < 0 || (usec as i64) < threshold || SKIP.contains(&name) {
            return;
        }
        let mut kept: Vec<Vec<u8>> = Vec::new();
        for (i, a) in argv.iter().enumerate() {
            if i == MAX_ARGC - 1 && argv.len() > MAX_ARGC {
                kept.push(format!("... ({} more arguments)", argv.len() - i).into_bytes());
                break;
            }
            if a.len() > MAX_STRING {
                let mut cut = a[..MAX_STRING].to_vec();
                cut.extend_from_slice(format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes());
                kept.push(cut);
            } else {
                kept.push(a.clone());
            }
        }
        let (addr, cname) = match self.client(client) {
            Some(c) => (c.addr.clone(), c.name.clone().unwrap_or_default()),
            None => (String::new(), Vec::new()),
        };
        let time_s = self.now_ms().div_euclid(1000);
        let log = &mut self.slowlog;
        let id = log.next_id;
        log.next_id += 1;
        log.entries.push_front(SlowEntry { id, time_s, duration_us: usec, argv: kept, addr, name: cname });
        let max = self.config.slowlog_max_len as usize;
        log.entries.truncate(max);
    }
}

/// The sections INFO prints with no argument (or `default`), in Redis 7.0's order.
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];
/// Every section in print order; `all` skips modules, `everything` prints them all.
const ALL_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

use crate::engine::memory::human;

impl Engine {
    /// The text of one INFO section, header included (`None` for an unknown name).
    fn info_section(&self, name: &str) -> Option<String> {
        let mut out = String::new();
        let mut line = |k: &str, v: String| {
            out.push_str(k);
            out.push(':');
            out.push_str(&v);
            out.push_str("\r\n");
        };
        let now_ms = self.now_ms();
        let uptime = self.uptime_ms().max(0) / 1000;
        let header = match name {
            "server" => {
                line("redis_version", REDIS_VERSION.into());
                line("redis_git_sha1", "00000000".into());
                line("redis_git_dirty", "0".into());
                line("redis_build_id", "0".into());
                line("redis_mode", "standalone".into());
                line("os", "Redis Playground".into());
                line("arch_bits", "64".into());
                line("monotonic_clock", "Engine clock".into());
                line("multiplexing_api", "none".into());
                line("atomicvar_api", "none".into());
                line("gcc_version", "0.0.0".into());
                line("process_id", "1".into());
                line("process_supervised", "no".into());
                line("run_id", "0000000000000000000000000000000000000000".into());
                line("tcp_port", "6379".into());
                line("server_time_usec", (now_ms * 1000).to_string());
                line("uptime_in_seconds", uptime.to_string());
                line("uptime_in_days", (uptime / 86400).to_string());
                line("hz", self.config.hz.to_string());
                line("configured_hz", self.config.hz.to_string());
                line("lru_clock", ((now_ms / 1000) & ((1 << 24) - 1)).to_string());
                line("executable", String::new());
                line("config_file", String::new());
                line("io_threads_active", "0".into());
                "Server"
            }
            "clients" => {
                line("connected_clients", self.clients.len().to_string());
                line("cluster_connections", "0".into());
                line("maxclients", "10000".into());
                line("client_recent_max_input_buffer", "0".into());
                line("client_recent_max_output_buffer", "0".into());
                line("blocked_clients", self.blocked_count().to_string());
                line("tracking_clients", self.tracking_clients().to_string());
                line("clients_in_timeout_table", "0".into());
                "Clients"
            }
            "memory" => {
                let used = self.used_memory();
                let peak = self.stats.peak_memory.max(used);
                let startup = crate::engine::evict::BASELINE;
                let (overhead, _) = self.memory_overhead();
                let dataset = used.saturating_sub(overhead);
                let pct = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 * 100.0 / b as f64 };
                line("used_memory", used.to_string());
                line("used_memory_human", human(used));
                line("used_memory_rss", used.to_string());
                line("used_memory_rss_human", human(used));
                line("used_memory_peak", peak.to_string());
                line("used_memory_peak_human", human(peak));
                line("used_memory_peak_perc", format!("{:.2}%", pct(used, peak)));
                line("used_memory_overhead", overhead.to_string());
                line("used_memory_startup", startup.to_string());
                line("used_memory_dataset", dataset.to_string());
                line("used_memory_dataset_perc", format!("{:.2}%", pct(dataset, used.saturating_sub(startup))));
                line("allocator_allocated", used.to_string());
                line("allocator_active", used.to_string());
                line("allocator_resident", used.to_string());
                line("total_system_memory", "0".into());
                line("total_system_memory_human", "0B".into());
                line("used_memory_lua", "32768".into());
                line("used_memory_vm_eval", "32768".into());
                line("used_memory_lua_human", "32.00K".into());
                line("used_memory_scripts_eval", "0".into());
                line("number_of_cached_scripts", "0".into());
                line("number_of_functions", "0".into());
                line("number_of_libraries", "0".into());
                line("used_memory_vm_functions", "32768".into());
                line("used_memory_vm_total", "65536".into());
                line("used_memory_vm_total_human", "64.00K".into());
                line("used_memory_functions", "184".into());
                line("used_memory_scripts", "184".into());
                line("used_memory_scripts_human", "184B".into());
                line("maxmemory", self.config.maxmemory.to_string());
                line("maxmemory_human", human(self.config.maxmemory));
                line("maxmemory_policy", self.config.maxmemory_policy.clone());
                line("allocator_frag_ratio", "1.00".into());
                line("allocator_frag_bytes", "0".into());
                line("allocator_rss_ratio", "1.00".into());
                line("allocator_rss_bytes", "0".into());
                line("rss_overhead_ratio", "1.00".into());
                line("rss_overhead_bytes", "0".into());
                line("mem_fragmentation_ratio", "1.00".into());
                line("mem_fragmentation_bytes", "0".into());
                line("mem_not_counted_for_evict", "0".into());
                line("mem_replication_backlog", "0".into());
                line("mem_total_replication_buffers", "0".into());
                line("mem_clients_slaves", "0".into());
                line("mem_clients_normal", "0".into());
                line("mem_cluster_links", "0".into());
                line("mem_aof_buffer", "0".into());
                line("mem_allocator", "rust".into());
                line("active_defrag_running", "0".into());
                line("lazyfree_pending_objects", "0".into());
                line("lazyfreed_objects", "0".into());
                "Memory"
            }
            "persistence" => {
                line("loading", "0".into());
                line("async_loading", "0".into());
                line("rdb_changes_since_last_save", self.stats.dirty.to_string());
                line("rdb_bgsave_in_progress", "0".into());
                line("rdb_last_save_time", (self.started_ms / 1000).to_string());
                line("rdb_last_bgsave_status", "ok".into());
                line("rdb_saves", "0".into());
                line("aof_enabled", u8::from(self.config.appendonly).to_string());
                line("aof_rewrite_in_progress", "0".into());
                line("aof_last_write_status", "ok".into());
                "Persistence"
            }
            "stats" => {
                let errors: u64 = self.stats.errors.values().sum();
                line("total_connections_received", self.stats.total_connections.to_string());
                line("total_commands_processed", self.stats.total_commands.to_string());
                line("instantaneous_ops_per_sec", "0".into());
                line("rejected_connections", "0".into());
                line("expired_keys", self.stats.expired_keys.to_string());
                line("evicted_keys", self.stats.evicted_keys.to_string());
                line("evicted_clients", "0".into());
                line("total_eviction_exceeded_time", self.evict.exceeded_ms.to_string());
                line("current_eviction_exceeded_time", self.evict.current_exceeded_ms(now_ms).to_string());
                line("keyspace_hits", self.stats.keyspace_hits.to_string());
                line("keyspace_misses", self.stats.keyspace_misses.to_string());
                line("pubsub_channels", self.pubsub.active(false, None).len().to_string());
                line("pubsub_patterns", self.pubsub.numpat().to_string());
                line("pubsubshard_channels", self.pubsub.active(true, None).len().to_string());
                line("total_error_replies", errors.to_string());
                "Stats"
            }
            "replication" => {
                line("role", "master".into());
                line("connected_slaves", "0".into());
                line("master_failover_state", "no-failover".into());
                line("master_repl_offset", "0".into());
                line("repl_backlog_active", "0".into());
                "Replication"
            }
            "cpu" => {
                line("used_cpu_sys", "0.000000".into());
                line("used_cpu_user", "0.000000".into());
                line("used_cpu_sys_children", "0.000000".into());
                line("used_cpu_user_children", "0.000000".into());
                "CPU"
            }
            "modules" => "Modules",
            "commandstats" => {
                for (cmd, st) in &self.stats.commands {
                    let per = if st.calls == 0 { 0.0 } else { st.usec as f64 / st.calls as f64 };
                    line(
                        &format!("cmdstat_{cmd}"),
                        format!(
                            "calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}",
                            st.calls, st.usec, st.rejected_calls, st.failed_calls
                        ),
                    );
                }
                "Commandstats"
            }
            "errorstats" => {
                for (prefix, n) in &self.stats.errors {
                    line(&format!("errorstat_{prefix}"), format!("count={n}"));
                }
                "Errorstats"
            }
            "latencystats" => "Latencystats",
            "cluster" => {
                line("cluster_enabled", "0".into());
                "Cluster"
            }
            "keyspace" => {
                for (i, db) in self.dbs.iter().enumerate() {
                    if db.len() == 0 {
                        continue;
                    }
                    let ttls: Vec<i64> = db.expires.iter().map(|(_, &at)| (at - now_ms).max(0)).collect();
                    let avg = if ttls.is_empty() { 0 } else { ttls.iter().sum::<i64>() / ttls.len() as i64 };
                    line(&format!("db{i}"), format!("keys={},expires={},avg_ttl={avg}", db.len(), ttls.len()));
                }
                "Keyspace"
            }
            _ => return None,
        };
        Some(format!("# {header}\r\n{out}"))
    }

    /// The full INFO text for the requested section names (lower-cased by the caller).
    pub fn info_text(&self, wanted: &[String]) -> String {
        let mut names: Vec<&str> = Vec::new();
        if wanted.is_empty() {
            names.extend(DEFAULT_SECTIONS);
        }
        for w in wanted {
            match w.as_str() {
                "default" => names.extend(DEFAULT_SECTIONS),
                "all" => names.extend(ALL_SECTIONS.iter().filter(|s| **s != "modules")),
                "everything" => names.extend(ALL_SECTIONS),
                other => names.extend(ALL_SECTIONS.iter().filter(|s| **s == other)),
            }
        }
        // Print in Redis's fixed order, each section once.
        let mut parts = Vec::new();
        for s in ALL_SECTIONS {
            if names.contains(s) {
                if let Some(text) = self.info_section(s) {
                    parts.push(text);
                }
            }
        }
        parts.join("\r\n")
    }
}

/// INFO [section ...]
fn info(ctx: &mut Ctx) -> CmdResult {
    let wanted: Vec<String> =
        ctx.argv.iter().skip(1).map(|a| String::from_utf8_lossy(a).to_ascii_lowercase()).collect();
    let text = ctx.eng.info_text(&wanted);
    Ok(Reply::Verbatim("txt".into(), text.into_bytes()))
}

/// Appends `arg` quoted like Redis's `sdscatrepr`: printable bytes as they are, the usual
/// C escapes, anything else as `\xHH`.
fn repr(out: &mut String, arg: &[u8]) {
    out.push('"');
    for &b in arg {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
}

impl Engine {
    /// Sends a finished command to every MONITOR client as Redis's status line
    /// `<sec>.<usec> [<db> <addr>] "ARG" ...`. Admin commands are never shown, as in Redis.
    fn feed_monitors(&mut self, client: ClientId, argv: &[Vec<u8>], name: &str) {
        if self.monitors.is_empty() {
            return;
        }
        let admin = crate::engine::table::lookup(name.split('|').next().unwrap_or(name).as_bytes())
            .map(|c| {
                c.flags.contains(&"admin")
                    || c.subcommand(argv.get(1).map(|v| v.as_slice()).unwrap_or(b""))
                        .map(|s| s.flags.contains(&"admin"))
                        .unwrap_or(false)
            })
            .unwrap_or(false);
        if admin {
            return;
        }
        self.monitors.retain(|id| self.clients.contains_key(id));
        let us = self.clock.now_us();
        let (db, addr) = match self.client(client) {
            Some(c) => (c.db, c.addr.clone()),
            None => (0, String::new()),
        };
        let mut line = format!("{}.{:06} [{db} {addr}]", us.div_euclid(1_000_000), us.rem_euclid(1_000_000));
        for a in argv {
            line.push(' ');
            repr(&mut line, a);
        }
        let targets: Vec<ClientId> = self.monitors.iter().copied().filter(|&id| id != client).collect();
        for id in targets {
            self.push_to(id, Reply::Status(line.clone()));
        }
    }
}

/// MONITOR
fn monitor(ctx: &mut Ctx) -> CmdResult {
    // A client already monitoring gets no reply at all, like Redis.
    if !ctx.eng.monitors.insert(ctx.client) {
        return Ok(Reply::NoReply);
    }
    Ok(Reply::ok())
}

/// SLOWLOG GET [count]
fn slowlog_get(ctx: &mut Ctx) -> CmdResult {
    // Redis checks the argument count before parsing the count.
    if ctx.argv.len() > 3 {
        // Redis's reply for extra arguments after a valid subcommand.
        let sub = String::from_utf8_lossy(ctx.argv.get(1).map(|v| v.as_slice()).unwrap_or(b"get")).into_owned();
        return Err(RedisError::err(format!(
            "unknown subcommand or wrong number of arguments for '{sub}'. Try SLOWLOG HELP."
        )));
    }
    let mut args = ctx.args();
    let count = if args.is_empty() {
        10
    } else {
        let n = args.int().map_err(|_| RedisError::err("count should be greater than or equal to -1"))?;
        if n < -1 {
            return Err(RedisError::err("count should be greater than or equal to -1"));
        }
        if n == -1 {
            i64::MAX
        } else {
            n
        }
    };
    let entries = ctx
        .eng
        .slowlog
        .entries
        .iter()
        .take(usize::try_from(count).unwrap_or(usize::MAX))
        .map(|e| {
            Reply::Array(vec![
                Reply::Int(e.id as i64),
                Reply::Int(e.time_s),
                Reply::Int(e.duration_us as i64),
                Reply::bulks(e.argv.iter().cloned()),
                Reply::bulk_str(&e.addr),
                Reply::bulk(e.name.clone()),
            ])
        })
        .collect();
    Ok(Reply::Array(entries))
}

/// SLOWLOG LEN
fn slowlog_len(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Int(ctx.eng.slowlog.entries.len() as i64))
}

/// SLOWLOG RESET
fn slowlog_reset(ctx: &mut Ctx) -> CmdResult {
    ctx.eng.slowlog.entries.clear();
    Ok(Reply::ok())
}

/// SLOWLOG HELP
fn slowlog_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(&[
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    ]))
}

/// LATENCY LATEST / HISTORY: the latency monitor is off (threshold 0), so nothing is sampled.
fn latency_empty(_ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::empty_array())
}

/// LATENCY RESET [event ...]: reports how many event series it cleared (always none).
fn latency_reset(_ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Int(0))
}

/// LATENCY DOCTOR: Redis's report when monitoring is disabled.
fn latency_doctor(_ctx: &mut Ctx) -> CmdResult {
    let text = "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
    Ok(Reply::Verbatim("txt".into(), text.as_bytes().to_vec()))
}

/// LATENCY HELP
fn latency_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(&[
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    ]))
}

/// The container handler is never called: the dispatcher resolves a subcommand first.
fn container(_ctx: &mut Ctx) -> CmdResult {
    Err(RedisError::syntax())
}

const ADMIN_FLAGS: &[&str] = &["admin", "loading", "stale"];
const ADMIN_ACL: &[&str] = &["@admin", "@slow", "@dangerous"];
const LAT_FLAGS: &[&str] = &["admin", "noscript", "loading", "stale"];

/// A keyless entry of the server group (`CommandSpec::keyless`).
macro_rules! sub {
    ($($arg:expr),* $(,)?) => {
        CommandSpec::keyless(Group::Server, $($arg),*)
    };
}

pub const COMMANDS: &[CommandSpec] = &[
    sub!(
        "info",
        -1,
        &["loading", "stale"],
        &["@slow", "@dangerous"],
        "1.0.0",
        "[section [section ...]]",
        "Reports server state and statistics, by section.",
        "O(1)",
        info
    ),
    sub!(
        "monitor",
        1,
        &["admin", "noscript", "loading", "stale"],
        &["@admin", "@slow", "@dangerous"],
        "1.0.0",
        "",
        "Streams every command the server runs to this connection.",
        "",
        monitor
    ),
    CommandSpec {
        name: "latency",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::Server,
        since: "2.8.13",
        syntax: "",
        summary: "Container for the latency monitor subcommands.",
        complexity: "Depends on subcommand.",
        handler: container,
        subcommands: &[
            sub!(
                "latency|latest",
                2,
                LAT_FLAGS,
                ADMIN_ACL,
                "2.8.13",
                "",
                "Lists the newest latency sample of every event.",
                "O(1)",
                latency_empty
            ),
            sub!(
                "latency|history",
                3,
                LAT_FLAGS,
                ADMIN_ACL,
                "2.8.13",
                "event",
                "Lists the latency samples of one event.",
                "O(1)",
                latency_empty
            ),
            sub!(
                "latency|reset",
                -2,
                LAT_FLAGS,
                ADMIN_ACL,
                "2.8.13",
                "[event [event ...]]",
                "Clears the latency samples of some or all events.",
                "O(1)",
                latency_reset
            ),
            sub!(
                "latency|doctor",
                2,
                LAT_FLAGS,
                ADMIN_ACL,
                "2.8.13",
                "",
                "Explains the latency data in plain words.",
                "O(1)",
                latency_doctor
            ),
            sub!(
                "latency|help",
                2,
                &["loading", "stale"],
                &["@slow"],
                "2.8.13",
                "",
                "Explains the LATENCY subcommands.",
                "O(1)",
                latency_help
            ),
        ],
    },
    CommandSpec {
        name: "slowlog",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::Server,
        since: "2.2.12",
        syntax: "",
        summary: "Container for the slow log subcommands.",
        complexity: "Depends on subcommand.",
        handler: container,
        subcommands: &[
            sub!(
                "slowlog|get",
                -2,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "2.2.12",
                "[count]",
                "Lists the most recent slow log entries.",
                "O(N) where N is the number of entries returned",
                slowlog_get
            ),
            sub!(
                "slowlog|len",
                2,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "2.2.12",
                "",
                "Counts the entries in the slow log.",
                "O(1)",
                slowlog_len
            ),
            sub!(
                "slowlog|reset",
                2,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "2.2.12",
                "",
                "Empties the slow log.",
                "O(N) where N is the number of entries in the slowlog",
                slowlog_reset
            ),
            sub!(
                "slowlog|help",
                2,
                &["loading", "stale"],
                &["@slow"],
                "6.2.0",
                "",
                "Explains the SLOWLOG subcommands.",
                "O(1)",
                slowlog_help
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use crate::engine::reply::Reply;
    use crate::engine::Engine;

    use crate::engine::test_run as run;

    #[test]
    fn slowlog_records_and_trims() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "config set slowlog-log-slower-than 0"), Reply::ok());
        assert_eq!(run(&mut e, c, "slowlog reset"), Reply::ok());
        // The RESET itself is logged after it ran.
        assert_eq!(run(&mut e, c, "slowlog len"), Reply::Int(1));
        let big = "x".repeat(200);
        run(&mut e, c, &format!("set k {big}"));
        let Reply::Array(entries) = run(&mut e, c, "slowlog get 1") else { panic!() };
        let Reply::Array(fields) = &entries[0] else { panic!() };
        let Reply::Array(argv) = &fields[3] else { panic!() };
        let mut want = "x".repeat(128).into_bytes();
        want.extend_from_slice(b"... (72 more bytes)");
        assert_eq!(argv[2], Reply::Bulk(want));
        assert_eq!(run(&mut e, c, "config set slowlog-max-len 2"), Reply::ok());
        run(&mut e, c, "ping");
        assert_eq!(run(&mut e, c, "slowlog len"), Reply::Int(2));
        assert_eq!(run(&mut e, c, "config set slowlog-log-slower-than -1"), Reply::ok());
        run(&mut e, c, "slowlog reset");
        run(&mut e, c, "ping");
        assert_eq!(run(&mut e, c, "slowlog len"), Reply::Int(0));
    }

    #[test]
    fn info_sections_in_redis_order() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "set a 1");
        run(&mut e, c, "expire a 100");
        run(&mut e, c, "nosuchcommand");
        let text = |r: Reply| match r {
            Reply::Verbatim(_, b) => String::from_utf8(b).unwrap(),
            other => panic!("{other:?}"),
        };
        let all = text(run(&mut e, c, "info"));
        let headers: Vec<&str> = all.split("\r\n").filter(|l| l.starts_with('#')).collect();
        assert_eq!(
            headers,
            [
                "# Server",
                "# Clients",
                "# Memory",
                "# Persistence",
                "# Stats",
                "# Replication",
                "# CPU",
                "# Modules",
                "# Errorstats",
                "# Cluster",
                "# Keyspace"
            ]
        );
        assert!(all.contains("redis_version:7.0.15\r\n"));
        assert!(all.contains("errorstat_ERR:count=1\r\n"));
        assert!(all.contains("db0:keys=1,expires=1,avg_ttl=100000\r\n"));
        let ks = text(run(&mut e, c, "info KEYSPACE commandstats"));
        assert!(ks.starts_with("# Commandstats\r\ncmdstat_"));
        assert!(ks.contains("cmdstat_set:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0\r\n"));
        assert!(ks.ends_with("\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=100000\r\n"));
        assert_eq!(text(run(&mut e, c, "info nosuchsection")), "");
    }

    #[test]
    fn monitor_receives_other_clients_commands() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let m = e.connect();
        let c = e.connect_from("127.0.0.1:50000", "127.0.0.1:6379");
        assert_eq!(run(&mut e, m, "monitor"), Reply::ok());
        assert_eq!(run(&mut e, m, "monitor"), Reply::NoReply);
        clock.set_ms(1_700_000_000_123);
        run(&mut e, c, "set k \"a\\\"b\\n\\x00\"");
        run(&mut e, c, "config get maxmemory");
        let pushed = e.take_pushed(m);
        assert_eq!(
            pushed,
            vec![Reply::Status(r#"1700000000.123000 [0 127.0.0.1:50000] "set" "k" "a\"b\n\x00""#.into())]
        );
    }
}
