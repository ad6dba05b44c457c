//! Command handlers, one module per group (like Redis's `t_string.c`, `t_list.c`, ...).
//!
//! Each module starts with its value helpers, then its handlers, then its `COMMANDS` table,
//! then its tests. [`TABLES`] lists every module's table; `table::all()` walks it.

pub mod bitmap;
pub mod connection;
pub mod generic;
pub mod hash;
pub mod hll;
pub mod introspect;
pub mod list;
pub mod pubsub;
pub mod scripting;
pub mod server;
pub mod set;
pub mod stream;
pub mod string;
pub mod tx;
pub mod zset;

use super::table::CommandSpec;

/// Every module's command table.
pub const TABLES: &[&[CommandSpec]] = &[
    connection::COMMANDS,
    string::COMMANDS,
    generic::COMMANDS,
    server::COMMANDS,
    list::COMMANDS,
    hash::COMMANDS,
    set::COMMANDS,
    zset::COMMANDS,
    stream::COMMANDS,
    bitmap::COMMANDS,
    hll::COMMANDS,
    pubsub::COMMANDS,
    tx::COMMANDS,
    introspect::COMMANDS,
    scripting::COMMANDS,
];
