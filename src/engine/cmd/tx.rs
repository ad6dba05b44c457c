//! Transactions: MULTI, EXEC, DISCARD, WATCH and UNWATCH, with the engine-side state they need.
//!
//! While a client is in MULTI the dispatcher (`Engine::execute`) queues its commands and
//! answers `+QUEUED`; errors found while queueing (unknown command, wrong arity) make the
//! transaction "dirty" so EXEC refuses it. WATCHed keys are checked through
//! `Engine::signal_modified`: any change by anyone flags the watchers, and EXEC then answers a
//! null array. EXEC runs the queue with blocking disabled, so BLPOP and friends answer at once.

use std::collections::HashMap;

use crate::engine::blocking::BlockMode;
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{ClientId, CmdResult, Ctx, Engine, RedisError, Reply};

/// One watched key, and whether it was already logically expired when watched (Redis treats
/// the later deletion of such a key as no change).
#[derive(Clone, Debug)]
struct Watched {
    db: usize,
    key: Vec<u8>,
    expired: bool,
}

/// A client's transaction state.
#[derive(Clone, Debug, Default)]
pub struct MultiState {
    /// Inside MULTI.
    pub active: bool,
    /// An error while queueing: EXEC must abort with EXECABORT.
    pub dirty_exec: bool,
    /// A watched key changed: EXEC must answer a null array.
    pub dirty_cas: bool,
    /// The queued commands with their argv.
    queue: Vec<(&'static CommandSpec, Vec<Vec<u8>>)>,
    watched: Vec<Watched>,
}

/// Every client's transaction state plus the reverse index of watched keys.
#[derive(Clone, Debug, Default)]
pub struct TxState {
    clients: HashMap<ClientId, MultiState>,
    watchers: HashMap<(usize, Vec<u8>), Vec<ClientId>>,
}

impl Engine {
    /// True while the client is between MULTI and EXEC/DISCARD.
    pub fn in_multi(&self, id: ClientId) -> bool {
        self.tx.clients.get(&id).is_some_and(|m| m.active)
    }

    /// True when the client's queued transaction writes (CLIENT PAUSE WRITE holds its EXEC).
    pub(crate) fn multi_has_write(&self, id: ClientId) -> bool {
        self.tx
            .clients
            .get(&id)
            .is_some_and(|m| m.queue.iter().any(|(c, _)| c.has_flag("write") || c.has_flag("may_replicate")))
    }

    /// True when the client's queued transaction holds a command that may grow memory (EXEC
    /// is then refused under memory pressure, as Redis's `denyoom` check on EXEC does).
    pub(crate) fn multi_has_denyoom(&self, id: ClientId) -> bool {
        self.tx.clients.get(&id).is_some_and(|m| m.queue.iter().any(|(c, _)| c.has_flag("denyoom")))
    }

    /// For CLIENT LIST: queued commands while in MULTI (else `None`), and whether a watched
    /// key changed.
    pub(crate) fn multi_summary(&self, id: ClientId) -> (Option<usize>, bool) {
        match self.tx.clients.get(&id) {
            Some(m) => (m.active.then_some(m.queue.len()), m.dirty_cas),
            None => (None, false),
        }
    }

    /// Queues a command of a client in MULTI (the dispatcher's `+QUEUED` path).
    pub(crate) fn queue_multi(&mut self, id: ClientId, cmd: &'static CommandSpec, argv: &[Vec<u8>]) {
        let m = self.tx.clients.entry(id).or_default();
        // A doomed transaction keeps answering QUEUED but stores nothing (CLIENT LIST's multi=).
        if !m.dirty_cas && !m.dirty_exec {
            m.queue.push((cmd, argv.to_vec()));
        }
    }

    /// Marks a client's open transaction as failed (Redis's `flagTransaction`).
    pub(crate) fn flag_transaction(&mut self, id: ClientId) {
        if let Some(m) = self.tx.clients.get_mut(&id) {
            if m.active {
                m.dirty_exec = true;
            }
        }
    }

    /// Leaves MULTI, dropping the queue and the error flag (watches stay).
    pub(crate) fn discard_multi(&mut self, id: ClientId) {
        if let Some(m) = self.tx.clients.get_mut(&id) {
            m.active = false;
            m.dirty_exec = false;
            m.queue.clear();
        }
    }

    /// Forgets every key the client watches and its CAS flag.
    pub(crate) fn unwatch_all(&mut self, id: ClientId) {
        let Some(m) = self.tx.clients.get_mut(&id) else {
            return;
        };
        let watched = std::mem::take(&mut m.watched);
        m.dirty_cas = false;
        for w in watched {
            let slot = (w.db, w.key);
            if let Some(list) = self.tx.watchers.get_mut(&slot) {
                list.retain(|c| *c != id);
                if list.is_empty() {
                    self.tx.watchers.remove(&slot);
                }
            }
        }
    }

    /// Drops all transaction state of a client (disconnect, RESET).
    pub(crate) fn forget_tx(&mut self, id: ClientId) {
        self.unwatch_all(id);
        self.tx.clients.remove(&id);
    }

    /// Flags the clients watching a key that just changed (from `signal_modified`).
    pub(crate) fn touch_watched_key(&mut self, db: usize, key: &[u8]) {
        if self.tx.watchers.is_empty() {
            return;
        }
        let Some(ids) = self.tx.watchers.get(&(db, key.to_vec())).cloned() else {
            return;
        };
        let exists = self.dbs.get(db).is_some_and(|d| d.keys.contains_key(key));
        for id in ids {
            let Some(m) = self.tx.clients.get_mut(&id) else {
                continue;
            };
            // A key that was already expired when watched and is now deleted did not change.
            if let Some(w) = m.watched.iter_mut().find(|w| w.db == db && w.key == key && w.expired) {
                if !exists {
                    w.expired = false;
                    continue;
                }
            }
            m.dirty_cas = true;
        }
    }

    /// True when a watched key that was alive at WATCH time has expired since (Redis 7.0
    /// aborts EXEC then even if nobody touched the key).
    fn watched_key_expired(&mut self, id: ClientId) -> bool {
        let now = self.now_ms();
        let Some(m) = self.tx.clients.get(&id) else {
            return false;
        };
        m.watched.iter().any(|w| !w.expired && self.dbs.get(w.db).is_some_and(|d| d.is_expired_at(&w.key, now)))
    }
}

/// MULTI
fn multi(ctx: &mut Ctx) -> CmdResult {
    if ctx.eng.in_multi(ctx.client) {
        return Err(RedisError::err("MULTI calls can not be nested"));
    }
    ctx.eng.tx.clients.entry(ctx.client).or_default().active = true;
    Ok(Reply::ok())
}

/// DISCARD
fn discard(ctx: &mut Ctx) -> CmdResult {
    if !ctx.eng.in_multi(ctx.client) {
        return Err(RedisError::err("DISCARD without MULTI"));
    }
    ctx.eng.discard_multi(ctx.client);
    ctx.eng.unwatch_all(ctx.client);
    Ok(Reply::ok())
}

/// EXEC: runs the queue in order, each command seeing the effects of the previous ones.
fn exec(ctx: &mut Ctx) -> CmdResult {
    let id = ctx.client;
    if !ctx.eng.in_multi(id) {
        return Err(RedisError::err("EXEC without MULTI"));
    }
    let (dirty_exec, dirty_cas, queue) = match ctx.eng.tx.clients.get_mut(&id) {
        Some(m) => (m.dirty_exec, m.dirty_cas, std::mem::take(&mut m.queue)),
        None => (false, false, Vec::new()),
    };
    let expired = ctx.eng.watched_key_expired(id);
    ctx.eng.discard_multi(id);
    ctx.eng.unwatch_all(id);
    if dirty_exec {
        return Err(RedisError::raw("EXECABORT Transaction discarded because of previous errors."));
    }
    if dirty_cas || expired {
        return Ok(Reply::NilArray);
    }
    let mut out = Vec::with_capacity(queue.len());
    let outer_exec = ctx.eng.acl.exec_client.replace(id);
    for (cmd, argv) in queue {
        // SELECT inside the transaction changes the database of the commands after it.
        let db = ctx.eng.client_db(id);
        crate::engine::set_last_cmd(&mut ctx.eng.client_mut(id).last_cmd, cmd.name);
        // Permissions are checked again now, in case they changed since queueing.
        if let Err(denied) = ctx.eng.acl_check(id, cmd, &argv, crate::engine::acl::LogContext::Multi) {
            out.push(Reply::Error(format!(
                "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: {}",
                denied.exec_reason()
            )));
            continue;
        }
        let mode = BlockMode { may_block: false, reprocessing: false };
        let (result, _) = ctx.eng.run_command(id, &argv, cmd, db, mode);
        out.push(match result {
            Ok(r) => r,
            Err(e) => {
                ctx.eng.count_failed(cmd.name, &e.0);
                e.into()
            }
        });
    }
    ctx.eng.acl.exec_client = outer_exec;
    crate::engine::set_last_cmd(&mut ctx.eng.client_mut(id).last_cmd, "exec");
    Ok(Reply::Array(out))
}

/// WATCH key [key ...]
fn watch(ctx: &mut Ctx) -> CmdResult {
    let id = ctx.client;
    if ctx.eng.in_multi(id) {
        return Err(RedisError::err("WATCH inside MULTI is not allowed"));
    }
    let now = ctx.now_ms();
    for key in ctx.args().rest() {
        let m = ctx.eng.tx.clients.entry(id).or_default();
        if m.watched.iter().any(|w| w.db == ctx.db && &w.key == key) {
            continue;
        }
        let expired = ctx.eng.dbs.get(ctx.db).is_some_and(|d| d.is_expired_at(key, now));
        ctx.eng.tx.clients.entry(id).or_default().watched.push(Watched { db: ctx.db, key: key.clone(), expired });
        ctx.eng.tx.watchers.entry((ctx.db, key.clone())).or_default().push(id);
    }
    Ok(Reply::ok())
}

/// UNWATCH
fn unwatch(ctx: &mut Ctx) -> CmdResult {
    ctx.eng.unwatch_all(ctx.client);
    Ok(Reply::ok())
}

const CTRL_FLAGS: &[&str] = &["noscript", "loading", "stale", "fast", "allow_busy"];
const FAST: &[&str] = &["@fast", "@transaction"];

macro_rules! spec {
    ($name:expr, $arity:expr, $flags:expr, $keys:expr, $acl:expr, $since:expr, $syntax:expr, $summary:expr, $cx:expr, $h:expr) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $keys.0,
            last_key: $keys.1,
            step: $keys.2,
            acl: $acl,
            group: Group::Transactions,
            since: $since,
            syntax: $syntax,
            summary: $summary,
            complexity: $cx,
            handler: $h,
            subcommands: &[],
        }
    };
}

pub const COMMANDS: &[CommandSpec] = &[
    spec!(
        "multi",
        1,
        CTRL_FLAGS,
        (0, 0, 0),
        FAST,
        "1.2.0",
        "",
        "Opens a transaction: later commands are queued until EXEC or DISCARD.",
        "O(1)",
        multi
    ),
    spec!(
        "exec",
        1,
        &["noscript", "loading", "stale", "skip_slowlog"],
        (0, 0, 0),
        &["@slow", "@transaction"],
        "1.2.0",
        "",
        "Runs every queued command of the transaction atomically and returns their replies.",
        "Depends on commands in the transaction",
        exec
    ),
    spec!(
        "discard",
        1,
        CTRL_FLAGS,
        (0, 0, 0),
        FAST,
        "2.0.0",
        "",
        "Drops the queued commands and leaves the transaction.",
        "O(N), when N is the number of queued commands",
        discard
    ),
    spec!(
        "watch",
        -2,
        CTRL_FLAGS,
        (1, -1, 1),
        FAST,
        "2.2.0",
        "key [key ...]",
        "Makes the next EXEC conditional on the given keys staying unchanged.",
        "O(1) for every key.",
        watch
    ),
    spec!(
        "unwatch",
        1,
        CTRL_FLAGS,
        (0, 0, 0),
        FAST,
        "2.2.0",
        "",
        "Forgets every key watched by this connection.",
        "O(1)",
        unwatch
    ),
];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    use crate::engine::test_run as run;

    #[test]
    fn queue_and_exec() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "multi"), Reply::ok());
        assert_eq!(run(&mut e, c, "set a 1"), Reply::status("QUEUED"));
        assert_eq!(run(&mut e, c, "incrby a x"), Reply::status("QUEUED"));
        assert_eq!(run(&mut e, c, "incr a"), Reply::status("QUEUED"));
        assert_eq!(
            run(&mut e, c, "exec"),
            Reply::Array(vec![
                Reply::ok(),
                Reply::Error("ERR value is not an integer or out of range".into()),
                Reply::Int(2)
            ])
        );
        assert!(!e.in_multi(c));
        assert_eq!(e.stats.errors.get("ERR"), Some(&1));
    }

    #[test]
    fn queueing_errors_abort() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "multi");
        assert!(run(&mut e, c, "nosuch").is_error());
        assert_eq!(run(&mut e, c, "multi"), Reply::Error("ERR MULTI calls can not be nested".into()));
        assert_eq!(run(&mut e, c, "watch k"), Reply::Error("ERR WATCH inside MULTI is not allowed".into()));
        assert_eq!(
            run(&mut e, c, "exec"),
            Reply::Error("EXECABORT Transaction discarded because of previous errors.".into())
        );
        assert_eq!(run(&mut e, c, "exec"), Reply::Error("ERR EXEC without MULTI".into()));
        assert_eq!(run(&mut e, c, "discard"), Reply::Error("ERR DISCARD without MULTI".into()));
        run(&mut e, c, "multi");
        assert_eq!(
            run(&mut e, c, "exec now"),
            Reply::Error(
                "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command".into()
            )
        );
        assert!(!e.in_multi(c));
    }

    #[test]
    fn watch_sees_other_clients_expiry_and_flush() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let (a, b) = (e.connect(), e.connect());
        run(&mut e, a, "watch k");
        run(&mut e, b, "set k 1");
        run(&mut e, a, "multi");
        run(&mut e, a, "set k 2");
        assert_eq!(run(&mut e, a, "exec"), Reply::NilArray);
        assert_eq!(run(&mut e, a, "get k"), Reply::bulk_str("1"));
        // Expiry without any access still aborts.
        run(&mut e, a, "set t v px 10");
        run(&mut e, a, "watch t");
        clock.advance_ms(20);
        run(&mut e, a, "multi");
        assert_eq!(run(&mut e, a, "exec"), Reply::NilArray);
        // FLUSHALL touches existing watched keys.
        run(&mut e, a, "watch k");
        run(&mut e, b, "flushall");
        run(&mut e, a, "multi");
        assert_eq!(run(&mut e, a, "exec"), Reply::NilArray);
        // UNWATCH and RESET forget.
        run(&mut e, a, "watch k");
        run(&mut e, a, "unwatch");
        run(&mut e, b, "set k 3");
        run(&mut e, a, "multi");
        assert_eq!(run(&mut e, a, "exec"), Reply::Array(vec![]));
        run(&mut e, a, "watch k");
        run(&mut e, a, "multi");
        assert_eq!(run(&mut e, a, "reset"), Reply::status("RESET"));
        assert!(!e.in_multi(a));
        run(&mut e, b, "set k 4");
        run(&mut e, a, "multi");
        assert_eq!(run(&mut e, a, "exec"), Reply::Array(vec![]));
    }

    #[test]
    fn client_list_shows_session_flags() {
        let (mut e, _) = Engine::with_virtual_clock();
        let (a, b) = (e.connect(), e.connect());
        run(&mut e, a, "hello 3");
        run(&mut e, a, "subscribe x y");
        run(&mut e, a, "watch k");
        run(&mut e, a, "multi");
        run(&mut e, a, "set q 1");
        assert_eq!(e.session_fields(a), ("Px".to_string(), "sub=2 psub=0 ssub=0 multi=1".to_string()));
        run(&mut e, b, "set k 1");
        run(&mut e, a, "set q 2");
        // A doomed transaction stores nothing more.
        assert_eq!(e.session_fields(a), ("Pxd".to_string(), "sub=2 psub=0 ssub=0 multi=1".to_string()));
        assert_eq!(e.session_fields(b), ("N".to_string(), "sub=0 psub=0 ssub=0 multi=-1".to_string()));
    }

    #[test]
    fn disconnect_drops_watches() {
        let (mut e, _) = Engine::with_virtual_clock();
        let (a, b) = (e.connect(), e.connect());
        run(&mut e, a, "watch k j");
        run(&mut e, a, "multi");
        e.disconnect(a);
        assert!(e.tx.watchers.is_empty());
        assert_eq!(run(&mut e, b, "set k 1"), Reply::ok());
    }
}
