//! Server commands: COMMAND, DBSIZE, FLUSHDB, FLUSHALL, TIME, ...

use crate::engine::reply::{CmdResult, Reply};
use crate::engine::table::{self, CommandSpec, Group};
use crate::engine::Ctx;

/// DBSIZE
fn dbsize(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Int(ctx.db().len() as i64))
}

/// COMMAND COUNT
fn command_count(_ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Int(table::count() as i64))
}

/// COMMAND (container; the dispatcher resolves subcommands)
fn command(_ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::empty_array())
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "dbsize",
        arity: 1,
        flags: &["readonly", "fast"],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@keyspace", "@read", "@fast"],
        group: Group::Server,
        since: "1.0.0",
        syntax: "",
        summary: "Returns how many keys the selected database holds.",
        complexity: "O(1)",
        handler: dbsize,
        subcommands: &[],
    },
    CommandSpec {
        name: "command",
        arity: -1,
        flags: &["loading", "stale"],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow", "@connection"],
        group: Group::Server,
        since: "2.8.13",
        syntax: "",
        summary: "Describes every command the server knows.",
        complexity: "O(N) where N is the number of commands",
        handler: command,
        subcommands: &[CommandSpec {
            name: "command|count",
            arity: 2,
            flags: &["loading", "stale"],
            first_key: 0,
            last_key: 0,
            step: 0,
            acl: &["@slow", "@connection"],
            group: Group::Server,
            since: "2.8.13",
            syntax: "",
            summary: "Returns how many commands the server knows.",
            complexity: "O(1)",
            handler: command_count,
            subcommands: &[],
        }],
    },
];
