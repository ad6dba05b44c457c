//! Connection commands: PING, ECHO, SELECT, QUIT, RESET, HELLO, CLIENT ...

use crate::engine::reply::{errors, CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{Ctx, DATABASES};

/// PING [message]
fn ping(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    if a.remaining() > 1 {
        return Err(crate::engine::arity_error("ping"));
    }
    Ok(match a.next_opt() {
        Some(msg) => Reply::bulk(msg),
        None => Reply::status("PONG"),
    })
}

/// ECHO message
fn echo(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::bulk(ctx.args().next()?))
}

/// SELECT index
fn select(ctx: &mut Ctx) -> CmdResult {
    let n = ctx.args().int().map_err(|_| RedisError::raw(errors::NOT_INTEGER))?;
    if n < 0 || n >= DATABASES as i64 {
        return Err(RedisError::raw(errors::DB_INDEX));
    }
    ctx.client().db = n as usize;
    Ok(Reply::ok())
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "ping",
        arity: -1,
        flags: &["fast"],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@fast", "@connection"],
        group: Group::Connection,
        since: "1.0.0",
        syntax: "[message]",
        summary: "Checks the connection: replies PONG, or echoes the message given.",
        complexity: "O(1)",
        handler: ping,
        subcommands: &[],
    },
    CommandSpec {
        name: "echo",
        arity: 2,
        flags: &["fast"],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@fast", "@connection"],
        group: Group::Connection,
        since: "1.0.0",
        syntax: "message",
        summary: "Replies with the message it was given.",
        complexity: "O(1)",
        handler: echo,
        subcommands: &[],
    },
    CommandSpec {
        name: "select",
        arity: 2,
        flags: &["loading", "stale", "fast"],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@fast", "@connection"],
        group: Group::Connection,
        since: "1.0.0",
        syntax: "index",
        summary: "Switches this connection to another numbered database (0 to 15).",
        complexity: "O(1)",
        handler: select,
        subcommands: &[],
    },
];
