//! The command table: the single source of truth about every command.
//!
//! Each `cmd/*.rs` module exports `COMMANDS: &[CommandSpec]`; [`all`] concatenates them.
//! The dispatcher checks existence and arity from here (and only there), and HELP, COMMAND,
//! COMMAND DOCS, the console's hints and completion, and the lessons' reference pages are all
//! derived from these entries.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::cmd;
use super::reply::CmdResult;
use super::Ctx;

/// A command handler. Arity is already checked when it runs.
pub type Handler = fn(&mut Ctx<'_>) -> CmdResult;

/// Documentation groups, named as `COMMAND DOCS` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    Generic,
    String,
    List,
    Set,
    SortedSet,
    Hash,
    PubSub,
    Transactions,
    Connection,
    Server,
    Scripting,
    HyperLogLog,
    Cluster,
    Geo,
    Stream,
    Bitmap,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Hash => "hash",
            Group::PubSub => "pubsub",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
            Group::Scripting => "scripting",
            Group::HyperLogLog => "hyperloglog",
            Group::Cluster => "cluster",
            Group::Geo => "geo",
            Group::Stream => "stream",
            Group::Bitmap => "bitmap",
        }
    }

    pub const ALL: [Group; 16] = [
        Group::Generic,
        Group::String,
        Group::List,
        Group::Set,
        Group::SortedSet,
        Group::Hash,
        Group::PubSub,
        Group::Transactions,
        Group::Connection,
        Group::Server,
        Group::Scripting,
        Group::HyperLogLog,
        Group::Cluster,
        Group::Geo,
        Group::Stream,
        Group::Bitmap,
    ];

    /// Parses a group name as used by `HELP @group`.
    pub fn parse(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name().eq_ignore_ascii_case(name))
    }
}

/// Everything known about one command (or one subcommand, whose name is `parent|sub`).
#[derive(Debug)]
pub struct CommandSpec {
    /// Lower-case name; subcommands are `parent|sub`.
    pub name: &'static str,
    /// Redis's convention: `n` means exactly n arguments including the name, `-n` at least n.
    pub arity: i32,
    /// Redis's command flags, in the order `COMMAND INFO` lists them (`write`, `denyoom`, ...).
    pub flags: &'static [&'static str],
    /// Position of the first key argument (0: none), the last (-1: the last argument) and the
    /// step between keys.
    pub first_key: i32,
    pub last_key: i32,
    pub step: i32,
    /// ACL categories, as `COMMAND INFO` lists them (`@write`, `@string`, `@slow`).
    pub acl: &'static [&'static str],
    pub group: Group,
    /// The Redis version that introduced the command.
    pub since: &'static str,
    /// Arguments after the name, in Redis's documentation notation.
    pub syntax: &'static str,
    /// What it does, in our own words.
    pub summary: &'static str,
    pub complexity: &'static str,
    pub handler: Handler,
    /// Subcommands (`CONFIG GET` ...); empty for plain commands.
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// An entry without key arguments or subcommands of its own (most admin, connection and
    /// scripting entries, and most subcommands): the modules' `sub!`/`spec!` shorthands.
    #[allow(clippy::too_many_arguments)]
    pub const fn keyless(
        group: Group,
        name: &'static str,
        arity: i32,
        flags: &'static [&'static str],
        acl: &'static [&'static str],
        since: &'static str,
        syntax: &'static str,
        summary: &'static str,
        complexity: &'static str,
        handler: Handler,
    ) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags,
            first_key: 0,
            last_key: 0,
            step: 0,
            acl,
            group,
            since,
            syntax,
            summary,
            complexity,
            handler,
            subcommands: &[],
        }
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }
    pub fn is_write(&self) -> bool {
        self.has_flag("write")
    }
    /// True when `argc` (name included) satisfies the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let a = i64::from(self.arity);
        if a >= 0 {
            argc == a
        } else {
            argc >= -a
        }
    }
    /// The name users type: `GET`, or `CONFIG GET` for a subcommand.
    pub fn display_name(&self) -> String {
        self.name.replace('|', " ").to_ascii_uppercase()
    }
    /// The subcommand called `sub` (case-insensitive), if any.
    pub fn subcommand(&self, sub: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands
            .iter()
            .find(|s| s.name.split_once('|').map(|(_, n)| n.as_bytes().eq_ignore_ascii_case(sub)).unwrap_or(false))
    }
    /// Positions of the key arguments in `argv`, from first/last/step.
    pub fn key_positions(&self, argc: usize) -> Vec<usize> {
        if self.first_key <= 0 || self.step <= 0 {
            return Vec::new();
        }
        let last = if self.last_key < 0 { argc as i64 + i64::from(self.last_key) } else { i64::from(self.last_key) };
        let mut out = Vec::new();
        let mut i = i64::from(self.first_key);
        while i <= last && (i as usize) < argc {
            out.push(i as usize);
            i += i64::from(self.step);
        }
        out
    }
}

/// Every top-level command, in table order.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    cmd::TABLES.iter().flat_map(|t| t.iter())
}

fn index() -> &'static HashMap<&'static str, &'static CommandSpec> {
    static INDEX: OnceLock<HashMap<&'static str, &'static CommandSpec>> = OnceLock::new();
    INDEX.get_or_init(|| all().map(|c| (c.name, c)).collect())
}

/// Finds a top-level command by name, ignoring ASCII case.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    if name.len() > 64 {
        return None;
    }
    // Lower-cased on the stack: this runs for every command. Names are ASCII, so bytes that
    // are not UTF-8 can match nothing.
    let mut buf = [0u8; 64];
    let lower = buf.get_mut(..name.len())?;
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(lower).ok()?;
    index().get(lower).copied()
}

/// Finds a command or subcommand by its full name (`get`, `config|get`).
pub fn lookup_full(name: &str) -> Option<&'static CommandSpec> {
    match name.split_once('|') {
        Some((parent, sub)) => lookup(parent.as_bytes())?.subcommand(sub.as_bytes()),
        None => lookup(name.as_bytes()),
    }
}

/// Number of top-level commands (`COMMAND COUNT`).
pub fn count() -> usize {
    index().len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn lookup_ignores_case_and_refuses_odd_names() {
        assert_eq!(lookup(b"GeT").map(|c| c.name), Some("get"));
        assert_eq!(lookup(b"CLIENT").map(|c| c.name), Some("client"));
        assert!(lookup(b"g\xffet").is_none());
        assert!(lookup(&[b'a'; 65]).is_none());
        assert!(lookup(b"").is_none());
    }

    #[test]
    fn names_are_unique_lowercase_and_documented() {
        let mut seen = HashSet::new();
        for c in all() {
            assert!(seen.insert(c.name), "duplicate {}", c.name);
            assert_eq!(c.name, c.name.to_ascii_lowercase());
            assert!(!c.summary.is_empty(), "{} has no summary", c.name);
            assert!(c.arity != 0, "{} has arity 0", c.name);
            for s in c.subcommands {
                assert!(s.name.starts_with(&format!("{}|", c.name)), "{}", s.name);
                assert!(!s.summary.is_empty(), "{} has no summary", s.name);
            }
        }
        assert!(count() > 0);
    }

    #[test]
    fn lookup_ignores_case() {
        assert!(lookup(b"PiNg").is_some());
        assert!(lookup(b"nosuchcommand").is_none());
    }
}
