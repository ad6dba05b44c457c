//! Introspection commands: SLOWLOG (more of INFO/MEMORY/MONITOR to come).
//!
//! The slow log is fed by `Engine::after_command`, called once per executed command from
//! `Engine::run_command`, so handlers here only read and reset it.

use std::collections::VecDeque;

use crate::engine::cmd::connection::help_reply;
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{ClientId, Ctx, Engine};

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

/// Commands Redis never logs (its CMD_SKIP_SLOWLOG flag), so secrets and EXEC stay out.
const SKIP: &[&str] = &["exec", "auth", "hello", "migrate", "restore", "restore-asking"];

impl Engine {
    /// Records a finished command in the slow log when it took at least
    /// `slowlog-log-slower-than` microseconds (-1 disables the log).
    pub(crate) fn after_command(&mut self, client: ClientId, argv: &[Vec<u8>], name: &str, usec: u64) {
        let threshold = self.config.slowlog_log_slower_than;
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

/// The container handler is never called: the dispatcher resolves a subcommand first.
fn container(_ctx: &mut Ctx) -> CmdResult {
    Err(RedisError::syntax())
}

const ADMIN_FLAGS: &[&str] = &["admin", "loading", "stale"];
const ADMIN_ACL: &[&str] = &["@admin", "@slow", "@dangerous"];

macro_rules! sub {
    ($name:expr, $arity:expr, $flags:expr, $acl:expr, $since:expr, $syntax:expr, $summary:expr,
     $complexity:expr, $handler:expr) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: 0,
            last_key: 0,
            step: 0,
            acl: $acl,
            group: Group::Server,
            since: $since,
            syntax: $syntax,
            summary: $summary,
            complexity: $complexity,
            handler: $handler,
            subcommands: &[],
        }
    };
}

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
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
}];

#[cfg(test)]
mod tests {
    use crate::engine::reply::Reply;
    use crate::engine::Engine;

    fn run(e: &mut Engine, c: u64, line: &str) -> Reply {
        e.execute_line(c, line).unwrap()
    }

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
}
