//! Command handlers, one module per group (like Redis's `t_string.c`, `t_list.c`, ...).
//!
//! Each module starts with its value helpers, then its handlers, then its `COMMANDS` table,
//! then its tests. [`TABLES`] lists every module's table; `table::all()` walks it.

pub mod acl;
pub mod bitmap;
pub mod clientctl;
pub mod connection;
pub mod generic;
pub mod geo;
pub mod hash;
pub mod hll;
pub mod introspect;
pub mod list;
pub mod memory;
pub mod pubsub;
pub mod scripting;
pub mod server;
pub mod set;
pub mod sort;
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
    sort::COMMANDS,
    stream::COMMANDS,
    bitmap::COMMANDS,
    hll::COMMANDS,
    geo::COMMANDS,
    pubsub::COMMANDS,
    tx::COMMANDS,
    introspect::COMMANDS,
    acl::COMMANDS,
    memory::COMMANDS,
    clientctl::COMMANDS,
    scripting::COMMANDS,
];
