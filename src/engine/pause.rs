//! CLIENT PAUSE: postponed clients, as Redis 7.0's `blockClient(c, BLOCKED_POSTPONE)`.
//!
//! While a pause is on, a command it covers (every command for `ALL`; for `WRITE`, commands
//! flagged `write` or `may_replicate`, and EXEC of such a transaction) is not run: the client
//! is parked like a blocked client (no keys, no deadline), so its later requests wait behind
//! it. When the pause ends (CLIENT UNPAUSE, or its deadline on the injected clock, checked by
//! `tick`), the postponed commands run again from the top, in the order they arrived, and
//! their replies are pushed to their clients.

use std::collections::VecDeque;

use super::{ClientId, CommandSpec, Engine, Reply};

/// How much a pause holds back (ordered: `All` covers more than `Write`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseMode {
    Write,
    All,
}

/// The pause in force and the clients waiting for its end.
#[derive(Clone, Debug, Default)]
pub struct PauseState {
    mode: Option<PauseMode>,
    end_ms: i64,
    /// Postponed clients, oldest first.
    queue: VecDeque<ClientId>,
}

impl Engine {
    /// CLIENT PAUSE: a pause already in force keeps the stronger mode and the later end.
    pub fn pause_clients(&mut self, mode: PauseMode, end_ms: i64) {
        let p = &mut self.pause;
        match p.mode {
            Some(m) => {
                p.mode = Some(m.max(mode));
                p.end_ms = p.end_ms.max(end_ms);
            }
            None => {
                p.mode = Some(mode);
                p.end_ms = end_ms;
            }
        }
    }

    /// The pause in force, if any.
    pub fn pause_mode(&self) -> Option<PauseMode> {
        self.pause.mode
    }

    /// Whether the pause in force holds back `cmd` for `client`.
    pub(crate) fn pause_covers(&self, client: ClientId, cmd: &CommandSpec) -> bool {
        match self.pause.mode {
            None => false,
            Some(PauseMode::All) => true,
            Some(PauseMode::Write) => {
                let base = cmd.name.split('|').next().unwrap_or(cmd.name);
                cmd.has_flag("write")
                    || cmd.has_flag("may_replicate")
                    || (base == "exec" && self.multi_has_write(client))
            }
        }
    }

    /// Parks `client` with its command until the pause ends.
    pub(crate) fn postpone(&mut self, client: ClientId, argv: &[Vec<u8>], db: usize) {
        let b = super::blocking::Blocked {
            db,
            keys: Vec::new(),
            deadline_ms: None,
            argv: argv.to_vec(),
            timeout_reply: Reply::NoReply,
            postponed: true,
        };
        self.blocking.clients.insert(client, b);
        self.pause.queue.push_back(client);
    }

    /// CLIENT UNPAUSE, or the end of the pause: runs the postponed commands again, oldest
    /// first, pushing their replies.
    pub fn unpause_clients(&mut self) {
        self.pause.mode = None;
        self.pause.end_ms = 0;
        let queue = std::mem::take(&mut self.pause.queue);
        for id in queue {
            let Some(b) = self.blocking.clients.get(&id) else { continue };
            if !b.postponed {
                continue;
            }
            let argv = b.argv.clone();
            self.blocking.clients.remove(&id);
            let reply = self.execute(id, &argv);
            if !matches!(reply, Reply::NoReply) {
                self.push_to(id, reply);
            }
        }
    }

    /// Ends a pause whose time is up (from `tick`).
    pub(crate) fn check_pause_timeout(&mut self) {
        if self.pause.mode.is_some() && self.now_ms() >= self.pause.end_ms {
            self.unpause_clients();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    use crate::engine::test_run as run;

    #[test]
    fn write_pause_holds_writes_until_unpause() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let a = e.connect();
        let b = e.connect();
        assert_eq!(run(&mut e, a, "client pause 10000 write"), Reply::ok());
        assert_eq!(run(&mut e, b, "get k"), Reply::Nil);
        assert_eq!(run(&mut e, b, "set k 1"), Reply::NoReply);
        assert!(e.is_blocked(b));
        assert_eq!(run(&mut e, a, "get k"), Reply::Nil);
        assert_eq!(run(&mut e, a, "client unpause"), Reply::ok());
        assert_eq!(e.take_pushed(b), vec![Reply::ok()]);
        assert_eq!(run(&mut e, a, "get k"), Reply::bulk_str("1"));
    }

    #[test]
    fn all_pause_ends_on_the_clock() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let a = e.connect();
        assert_eq!(run(&mut e, a, "client pause 500"), Reply::ok());
        assert_eq!(run(&mut e, a, "ping"), Reply::NoReply);
        // Even UNPAUSE waits under ALL, as in Redis 7.0.
        clock.advance_ms(499);
        e.tick();
        assert!(e.take_pushed(a).is_empty());
        clock.advance_ms(1);
        e.tick();
        assert_eq!(e.take_pushed(a), vec![Reply::status("PONG")]);
        assert_eq!(run(&mut e, a, "ping"), Reply::status("PONG"));
    }

    #[test]
    fn pause_errors() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let a = e.connect();
        assert_eq!(
            run(&mut e, a, "client pause abc"),
            Reply::Error("ERR timeout is not an integer or out of range".into())
        );
        assert_eq!(run(&mut e, a, "client pause -1"), Reply::Error("ERR timeout is negative".into()));
        assert_eq!(
            run(&mut e, a, "client pause 10 bogus"),
            Reply::Error("ERR CLIENT PAUSE mode must be WRITE or ALL".into())
        );
    }
}
