//! Client-side caching (CLIENT TRACKING), as Redis 7.0's `tracking.c` does it.
//!
//! Default mode: after a tracking client runs a read-only command, the command's keys are
//! remembered for it (OPTIN: only right after CLIENT CACHING yes; OPTOUT: unless CLIENT CACHING
//! no). When such a key is modified (`Engine::signal_modified`), each client that read it gets
//! one `invalidate` message and forgets it. BCAST mode remembers nothing: every modified key
//! that starts with one of the client's prefixes is announced after the command. NOLOOP skips
//! the client's own writes. FLUSHDB/FLUSHALL announce a null key to every tracking client.
//!
//! Messages go to the client itself as a RESP3 push `["invalidate", [key]]`, or to its
//! REDIRECT client: RESP3 push there too, or, for a RESP2 client in Pub/Sub mode, a `message`
//! on `__redis__:invalidate`. A RESP2 client without redirection receives nothing (Redis's
//! rule), and a vanished redirect target marks the redirection broken.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{ClientId, CommandSpec, Engine, Reply};

/// One client's tracking options.
#[derive(Clone, Debug, Default)]
pub struct Tracker {
    pub redirect: ClientId,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// CLIENT CACHING yes/no for the next command.
    pub caching: bool,
    pub broken_redirect: bool,
    pub prefixes: BTreeSet<Vec<u8>>,
}

/// Every tracking client, the keys read in default mode, and the BCAST keys to announce.
#[derive(Clone, Debug, Default)]
pub struct TrackingState {
    pub(crate) clients: BTreeMap<ClientId, Tracker>,
    /// Key (whatever the database, as in Redis) → clients that read it.
    table: HashMap<Vec<u8>, BTreeSet<ClientId>>,
    /// Modified keys waiting for BCAST announcement, with the client that changed them.
    pending_bcast: BTreeMap<Vec<u8>, Option<ClientId>>,
    /// The client whose command is running (NOLOOP).
    pub(crate) current: Option<ClientId>,
}

impl Engine {
    /// Number of clients with tracking on (INFO clients: tracking_clients).
    pub fn tracking_clients(&self) -> usize {
        self.tracking.clients.len()
    }

    /// The tracking options of a client, if it tracks.
    pub fn tracker(&self, id: ClientId) -> Option<&Tracker> {
        self.tracking.clients.get(&id)
    }

    /// CLIENT TRACKING on: switches tracking on with these options (already checked).
    pub(crate) fn enable_tracking(&mut self, id: ClientId, t: Tracker) {
        let entry = self.tracking.clients.entry(id).or_default();
        let mut merged = t;
        // In BCAST mode prefixes accumulate across CLIENT TRACKING on calls; none given means
        // every key (the empty prefix).
        if merged.bcast && merged.prefixes.is_empty() {
            merged.prefixes.insert(Vec::new());
        }
        merged.prefixes.extend(entry.prefixes.iter().cloned());
        *entry = merged;
    }

    /// CLIENT TRACKING off (also RESET and disconnect).
    pub(crate) fn disable_tracking(&mut self, id: ClientId) {
        self.tracking.clients.remove(&id);
    }

    /// After a read-only command: remember its keys for a tracking client in default mode.
    pub(crate) fn tracking_after_command(&mut self, id: ClientId, cmd: &CommandSpec, argv: &[Vec<u8>]) {
        let in_multi = self.in_multi(id);
        let Some(t) = self.tracking.clients.get_mut(&id) else { return };
        let caching = t.caching;
        // CLIENT CACHING applies to the next command; like Redis, any CLIENT subcommand (they
        // share one implementation there) and commands queued in MULTI keep it.
        if !cmd.name.starts_with("client|") && !in_multi {
            t.caching = false;
        }
        if !cmd.has_flag("readonly") || t.bcast {
            return;
        }
        if (t.optin && !caching) || (t.optout && caching) {
            return;
        }
        for i in cmd.key_positions(argv.len()) {
            if let Some(k) = argv.get(i) {
                self.tracking.table.entry(k.clone()).or_default().insert(id);
            }
        }
    }

    /// A key changed: invalidate it for the clients that read it, and queue it for BCAST.
    pub(crate) fn tracking_invalidate(&mut self, key: &[u8]) {
        if self.tracking.clients.is_empty() {
            return;
        }
        let current = self.tracking.current;
        if self.tracking.clients.values().any(|t| t.bcast && t.prefixes.iter().any(|p| key.starts_with(p))) {
            self.tracking.pending_bcast.insert(key.to_vec(), current);
        }
        let Some(ids) = self.tracking.table.remove(key) else { return };
        for id in ids {
            let Some(t) = self.tracking.clients.get(&id) else { continue };
            if t.bcast || (t.noloop && Some(id) == current) {
                continue;
            }
            self.send_invalidation(id, Reply::Array(vec![Reply::bulk(key.to_vec())]));
        }
    }

    /// FLUSHDB/FLUSHALL: every tracking client hears of it (a null key), and the table of
    /// read keys is dropped.
    pub(crate) fn tracking_flush(&mut self) {
        let ids: Vec<ClientId> = self.tracking.clients.keys().copied().collect();
        for id in ids {
            self.send_invalidation(id, Reply::Nil);
        }
        self.tracking.table.clear();
        // The flush itself is announced by the null key, not key by key.
        self.tracking.pending_bcast.clear();
    }

    /// After each command: announce the BCAST keys modified meanwhile, one message per
    /// prefix and client, keys in order.
    pub(crate) fn tracking_broadcast(&mut self) {
        if self.tracking.pending_bcast.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.tracking.pending_bcast);
        let targets: Vec<(ClientId, Vec<Vec<u8>>, bool)> = self
            .tracking
            .clients
            .iter()
            .filter(|(_, t)| t.bcast)
            .map(|(id, t)| (*id, t.prefixes.iter().cloned().collect(), t.noloop))
            .collect();
        for (id, prefixes, noloop) in targets {
            for p in prefixes {
                let keys: Vec<Reply> = pending
                    .iter()
                    .filter(|(k, by)| k.starts_with(&p) && !(noloop && **by == Some(id)))
                    .map(|(k, _)| Reply::bulk(k.clone()))
                    .collect();
                if !keys.is_empty() {
                    self.send_invalidation(id, Reply::Array(keys));
                }
            }
        }
    }

    /// Redis's `sendTrackingMessage`: to the client or its redirect target.
    fn send_invalidation(&mut self, id: ClientId, keys: Reply) {
        let Some(t) = self.tracking.clients.get_mut(&id) else { return };
        let mut target = id;
        let mut redirected = false;
        if t.redirect != 0 {
            if !self.clients.contains_key(&t.redirect) {
                t.broken_redirect = true;
                let redirect = t.redirect;
                if self.client_protocol(id) > 2 {
                    self.push_to(
                        id,
                        Reply::Push(vec![
                            Reply::bulk_str("tracking-redir-broken"),
                            Reply::Int(i64::try_from(redirect).unwrap_or(i64::MAX)),
                        ]),
                    );
                }
                return;
            }
            target = t.redirect;
            redirected = true;
        }
        if self.client_protocol(target) > 2 {
            self.push_to(target, Reply::Push(vec![Reply::bulk_str("invalidate"), keys]));
        } else if redirected && self.pubsub.total(target) > 0 {
            self.push_to(
                target,
                Reply::Push(vec![Reply::bulk_str("message"), Reply::bulk_str("__redis__:invalidate"), keys]),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    use crate::engine::test_run as run;

    fn invalidate(keys: &[&str]) -> Reply {
        Reply::Push(vec![
            Reply::bulk_str("invalidate"),
            Reply::Array(keys.iter().map(|k| Reply::bulk_str(k)).collect()),
        ])
    }

    #[test]
    fn default_mode_invalidates_read_keys_once() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let a = e.connect();
        let b = e.connect();
        run(&mut e, a, "hello 3");
        assert_eq!(run(&mut e, a, "client tracking on"), Reply::ok());
        run(&mut e, b, "set k 1");
        run(&mut e, a, "get k");
        run(&mut e, b, "set k 2");
        assert_eq!(e.take_pushed(a), vec![invalidate(&["k"])]);
        run(&mut e, b, "set k 3");
        assert!(e.take_pushed(a).is_empty());
        // Its own writes too, unless NOLOOP.
        run(&mut e, a, "get k");
        run(&mut e, a, "set k 4");
        assert_eq!(e.take_pushed(a), vec![invalidate(&["k"])]);
        assert_eq!(run(&mut e, a, "client tracking on noloop"), Reply::ok());
        run(&mut e, a, "get k");
        run(&mut e, a, "set k 5");
        assert!(e.take_pushed(a).is_empty());
        run(&mut e, a, "client tracking off");
        assert_eq!(e.tracking_clients(), 0);
    }

    #[test]
    fn bcast_prefixes_and_redirect_to_resp2_subscriber() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let a = e.connect();
        let sub = e.connect();
        let w = e.connect();
        run(&mut e, sub, "subscribe __redis__:invalidate");
        e.take_pushed(sub);
        assert_eq!(run(&mut e, a, &format!("client tracking on bcast prefix user: redirect {sub}")), Reply::ok());
        run(&mut e, w, "mset user:1 a other b");
        let msg = Reply::Push(vec![
            Reply::bulk_str("message"),
            Reply::bulk_str("__redis__:invalidate"),
            Reply::Array(vec![Reply::bulk_str("user:1")]),
        ]);
        assert_eq!(e.take_pushed(sub), vec![msg]);
        assert_eq!(run(&mut e, a, "client getredir"), Reply::Int(sub as i64));
        run(&mut e, w, "flushall");
        assert_eq!(
            e.take_pushed(sub),
            vec![Reply::Push(vec![Reply::bulk_str("message"), Reply::bulk_str("__redis__:invalidate"), Reply::Nil])]
        );
    }
}
