//! Blocking commands (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...): clients waiting for keys.
//!
//! A handler that finds no data calls [`Ctx::block`]. The client is parked with its argv, the
//! keys it waits on and a deadline; its reply is withheld (`Reply::NoReply`). Whenever a
//! watched key is modified, the key is marked ready; after the current command the engine
//! re-runs each waiting client's command for that key in the order the clients blocked (FIFO,
//! like Redis). A re-run that finds data replies through the client's pushed queue; one that
//! finds none calls `block` again and simply keeps its place. Deadlines are checked by
//! `Engine::tick`, which pushes the command's timeout reply.
//!
//! Inside MULTI/EXEC and scripts a blocking command never blocks: `block` returns the timeout
//! reply at once, as Redis does.

use std::collections::{HashMap, VecDeque};

use super::reply::{CmdResult, Reply};
use super::{ClientId, Ctx, Engine};

/// Why and until when a client waits.
#[derive(Clone, Debug)]
pub struct Blocked {
    pub db: usize,
    pub keys: Vec<Vec<u8>>,
    /// Absolute deadline in ms; `None` waits forever (timeout 0).
    pub deadline_ms: Option<i64>,
    /// The command to run again when a key becomes ready.
    pub argv: Vec<Vec<u8>>,
    /// What the client receives when the deadline passes.
    pub timeout_reply: Reply,
    /// Held back by CLIENT PAUSE (pause.rs): re-run when the pause ends, never by keys,
    /// deadlines or CLIENT UNBLOCK.
    pub postponed: bool,
}

/// The engine's bookkeeping of blocked clients.
#[derive(Clone, Debug, Default)]
pub struct BlockState {
    pub(crate) clients: HashMap<ClientId, Blocked>,
    /// For each (db, key), the clients waiting on it, oldest first.
    pub(crate) by_key: HashMap<(usize, Vec<u8>), VecDeque<ClientId>>,
    /// Keys modified since the last round of serving.
    pub(crate) ready: Vec<(usize, Vec<u8>)>,
}

impl BlockState {
    fn remove_client(&mut self, id: ClientId) -> Option<Blocked> {
        let b = self.clients.remove(&id)?;
        for k in &b.keys {
            let slot = (b.db, k.clone());
            if let Some(q) = self.by_key.get_mut(&slot) {
                q.retain(|c| *c != id);
                if q.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
        Some(b)
    }
}

/// Per-call blocking context carried by [`Ctx`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockMode {
    /// False inside MULTI/EXEC and scripts: blocking commands answer at once.
    pub may_block: bool,
    /// True when re-running a blocked client's command after a key became ready.
    pub reprocessing: bool,
}

impl Ctx<'_> {
    /// Parks the calling client until one of `keys` changes or `timeout_ms` passes (`0` waits
    /// forever); `timeout_reply` is what it gets on timeout. Returns the reply to send now:
    /// nothing (the client waits), or `timeout_reply` at once where blocking is not allowed.
    pub fn block(&mut self, keys: Vec<Vec<u8>>, timeout_ms: i64, timeout_reply: Reply) -> CmdResult {
        if !self.block_mode.may_block {
            return Ok(timeout_reply);
        }
        self.blocked_again = true;
        if self.block_mode.reprocessing {
            // Still nothing to serve: keep the existing place in every queue.
            return Ok(Reply::NoReply);
        }
        let deadline_ms = if timeout_ms > 0 { Some(self.now_ms().saturating_add(timeout_ms)) } else { None };
        let b = Blocked { db: self.db, keys, deadline_ms, argv: self.argv.to_vec(), timeout_reply, postponed: false };
        let st = &mut self.eng.blocking;
        for k in &b.keys {
            let q = st.by_key.entry((b.db, k.clone())).or_default();
            if !q.contains(&self.client) {
                q.push_back(self.client);
            }
        }
        st.clients.insert(self.client, b);
        Ok(Reply::NoReply)
    }

    /// True when this call is the re-run of a blocked client's command.
    pub fn is_reprocessing(&self) -> bool {
        self.block_mode.reprocessing
    }
}

/// Parses a blocking timeout in seconds (fractions allowed) into milliseconds, with Redis's
/// errors: `timeout is not a float or out of range` and `timeout is negative`.
pub fn parse_timeout_secs(arg: &[u8]) -> Result<i64, super::RedisError> {
    // Infinities parse (strtold accepts them) and then fail the range checks below.
    let secs =
        super::num::parse_f64(arg).ok_or_else(|| super::RedisError::err("timeout is not a float or out of range"))?;
    if secs < 0.0 {
        return Err(super::RedisError::err("timeout is negative"));
    }
    let ms = secs * 1000.0;
    // Redis converts the milliseconds to a long long; on x86 an overflowing conversion yields
    // LLONG_MIN, which its next check reports as negative (BLPOP k inf, BLPOP k 1e100).
    if ms >= 9.223_372_036_854_776e18 {
        return Err(super::RedisError::err("timeout is negative"));
    }
    if ms > (i64::MAX / 2) as f64 {
        return Err(super::RedisError::err("timeout is out of range"));
    }
    // Redis rounds up sub-millisecond parts (ceil), so 0.0001 still waits 1 ms.
    Ok(ms.ceil() as i64)
}

impl Engine {
    /// True while the client waits in a blocking command.
    pub fn is_blocked(&self, id: ClientId) -> bool {
        // A client waiting for a script (its own, or held behind one) waits like a blocked one.
        self.blocking.clients.contains_key(&id) || self.scripting.is_waiting(id)
    }

    /// Number of blocked clients (INFO clients: blocked_clients).
    pub fn blocked_count(&self) -> usize {
        self.blocking.clients.len()
    }

    /// The earliest blocking deadline, so a host can schedule its next `tick`.
    pub fn next_block_deadline(&self) -> Option<i64> {
        self.blocking.clients.values().filter_map(|b| b.deadline_ms).min()
    }

    /// Unblocks a client with `reply` pushed to it (timeouts, CLIENT UNBLOCK). False if it
    /// was not blocked.
    pub fn unblock_with(&mut self, id: ClientId, reply: Reply) -> bool {
        if self.blocking.clients.get(&id).is_some_and(|b| b.postponed) {
            return false;
        }
        if self.blocking.remove_client(id).is_none() {
            return false;
        }
        self.push_to(id, reply);
        true
    }

    /// Forgets a disconnected client's wait.
    pub(crate) fn forget_blocked(&mut self, id: ClientId) {
        self.blocking.remove_client(id);
    }

    /// Marks `key` ready if some client waits on it.
    pub(crate) fn mark_ready_if_watched(&mut self, db: usize, key: &[u8]) {
        if self.blocking.by_key.is_empty() {
            return;
        }
        let slot = (db, key.to_vec());
        if self.blocking.by_key.contains_key(&slot) && !self.blocking.ready.contains(&slot) {
            self.blocking.ready.push(slot);
        }
    }

    /// Pushes timeout replies to clients whose deadline has passed.
    pub(crate) fn expire_blocked(&mut self) {
        let now = self.now_ms();
        let mut due: Vec<ClientId> = self
            .blocking
            .clients
            .iter()
            .filter(|(_, b)| b.deadline_ms.is_some_and(|d| now >= d))
            .map(|(id, _)| *id)
            .collect();
        due.sort_unstable();
        for id in due {
            if let Some(b) = self.blocking.remove_client(id) {
                self.push_to(id, b.timeout_reply);
            }
        }
    }

    /// Serves clients waiting on keys that became ready, oldest waiter first, until no more
    /// keys are ready (serving one client can make another key ready, as with BLMOVE).
    pub(crate) fn serve_ready_keys(&mut self) {
        let mut rounds = 0;
        while !self.blocking.ready.is_empty() && rounds < 10_000 {
            rounds += 1;
            let ready = std::mem::take(&mut self.blocking.ready);
            for slot in ready {
                let waiters: Vec<ClientId> =
                    self.blocking.by_key.get(&slot).map(|q| q.iter().copied().collect()).unwrap_or_default();
                for id in waiters {
                    let Some(b) = self.blocking.clients.get(&id).cloned() else {
                        continue;
                    };
                    let (reply, again) = self.rerun_blocked(id, &b);
                    if !again {
                        self.blocking.remove_client(id);
                        self.push_to(id, reply);
                    }
                }
            }
        }
    }
}
