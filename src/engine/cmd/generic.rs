//! Generic keyspace commands (Redis's db.c and expire.c): DEL, EXISTS, EXPIRE, SCAN, ...

use crate::engine::events::EventClass;
use crate::engine::reply::{CmdResult, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::Ctx;

/// DEL key [key ...]
fn del(ctx: &mut Ctx) -> CmdResult {
    let mut deleted = 0;
    for key in ctx.args().rest() {
        if ctx.delete_key(key) {
            ctx.notify(EventClass::Generic, "del", key);
            deleted += 1;
        }
    }
    ctx.dirty(deleted as u64);
    Ok(Reply::Int(deleted))
}

/// EXISTS key [key ...]
fn exists(ctx: &mut Ctx) -> CmdResult {
    let mut n = 0;
    for key in ctx.args().rest() {
        if ctx.exists(key) {
            n += 1;
        }
    }
    Ok(Reply::Int(n))
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "del",
        arity: -2,
        flags: &["write"],
        first_key: 1,
        last_key: -1,
        step: 1,
        acl: &["@keyspace", "@write", "@slow"],
        group: Group::Generic,
        since: "1.0.0",
        syntax: "key [key ...]",
        summary: "Removes the given keys, whatever their type, and returns how many existed.",
        complexity: "O(N) for N keys; removing a collection is O(M) in its elements.",
        handler: del,
        subcommands: &[],
    },
    CommandSpec {
        name: "exists",
        arity: -2,
        flags: &["readonly", "fast"],
        first_key: 1,
        last_key: -1,
        step: 1,
        acl: &["@keyspace", "@read", "@fast"],
        group: Group::Generic,
        since: "1.0.0",
        syntax: "key [key ...]",
        summary: "Counts how many of the given keys exist; a key named twice counts twice.",
        complexity: "O(N) for N keys",
        handler: exists,
        subcommands: &[],
    },
];
