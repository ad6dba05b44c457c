//! Pub/Sub bookkeeping: who listens to which channel, pattern or shard channel.
//!
//! Subscribers are kept in subscription order so that PUBLISH delivers deterministically (Redis
//! walks its own lists the same way). Each client's own subscriptions are kept too, for
//! UNSUBSCRIBE without arguments, the subscribed-mode check and disconnect/RESET cleanup.

use std::collections::{BTreeMap, HashMap};

use super::cmd::server::glob_match;
use super::{ClientId, Engine, Reply};

/// One client's subscriptions, in the order they were made.
#[derive(Clone, Debug, Default)]
pub struct ClientSubs {
    pub channels: Vec<Vec<u8>>,
    pub patterns: Vec<Vec<u8>>,
    pub shard: Vec<Vec<u8>>,
}

impl ClientSubs {
    /// What (UN)SUBSCRIBE and (P)(UN)SUBSCRIBE report: channels plus patterns.
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }
}

/// Which of the three subscription kinds a command works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

/// The server-wide subscription tables.
#[derive(Clone, Debug, Default)]
pub struct PubSubState {
    channels: BTreeMap<Vec<u8>, Vec<ClientId>>,
    patterns: BTreeMap<Vec<u8>, Vec<ClientId>>,
    shard: BTreeMap<Vec<u8>, Vec<ClientId>>,
    clients: HashMap<ClientId, ClientSubs>,
}

impl PubSubState {
    fn table(&mut self, kind: Kind) -> &mut BTreeMap<Vec<u8>, Vec<ClientId>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    fn own(subs: &mut ClientSubs, kind: Kind) -> &mut Vec<Vec<u8>> {
        match kind {
            Kind::Channel => &mut subs.channels,
            Kind::Pattern => &mut subs.patterns,
            Kind::Shard => &mut subs.shard,
        }
    }

    /// Subscribes; false if the client already was subscribed.
    pub fn subscribe(&mut self, id: ClientId, kind: Kind, name: &[u8]) -> bool {
        let subs = self.clients.entry(id).or_default();
        let own = Self::own(subs, kind);
        if own.iter().any(|c| c == name) {
            return false;
        }
        own.push(name.to_vec());
        self.table(kind).entry(name.to_vec()).or_default().push(id);
        true
    }

    /// Unsubscribes; false if the client was not subscribed.
    pub fn unsubscribe(&mut self, id: ClientId, kind: Kind, name: &[u8]) -> bool {
        let Some(subs) = self.clients.get_mut(&id) else {
            return false;
        };
        let own = Self::own(subs, kind);
        let Some(pos) = own.iter().position(|c| c == name) else {
            return false;
        };
        own.remove(pos);
        let table = self.table(kind);
        if let Some(list) = table.get_mut(name) {
            list.retain(|c| *c != id);
            if list.is_empty() {
                table.remove(name);
            }
        }
        true
    }

    /// A client's subscriptions (empty if none).
    pub fn of(&self, id: ClientId) -> ClientSubs {
        self.clients.get(&id).cloned().unwrap_or_default()
    }

    /// Channels plus patterns plus shard channels: non-zero puts a RESP2 client in subscribed mode.
    pub fn total(&self, id: ClientId) -> usize {
        self.clients.get(&id).map(|s| s.count() + s.shard.len()).unwrap_or(0)
    }

    /// Drops every subscription of a client, without confirmations (disconnect, RESET).
    pub fn forget(&mut self, id: ClientId) {
        let Some(subs) = self.clients.remove(&id) else {
            return;
        };
        for (kind, names) in [(Kind::Channel, subs.channels), (Kind::Pattern, subs.patterns), (Kind::Shard, subs.shard)]
        {
            let table = self.table(kind);
            for n in names {
                if let Some(list) = table.get_mut(&n) {
                    list.retain(|c| *c != id);
                    if list.is_empty() {
                        table.remove(&n);
                    }
                }
            }
        }
    }

    /// Active channels (or shard channels) matching an optional glob pattern.
    pub fn active(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let table = if shard { &self.shard } else { &self.channels };
        table.keys().filter(|c| pattern.is_none_or(|p| glob_match(p, c, false))).cloned().collect()
    }

    /// Number of subscribers of a channel (or shard channel).
    pub fn numsub(&self, shard: bool, channel: &[u8]) -> usize {
        let table = if shard { &self.shard } else { &self.channels };
        table.get(channel).map(Vec::len).unwrap_or(0)
    }

    /// Number of distinct patterns subscribed to by anyone.
    pub fn numpat(&self) -> usize {
        self.patterns.len()
    }
}

impl Engine {
    /// Delivers a message; returns how many deliveries were made (PUBLISH's reply).
    pub fn publish(&mut self, channel: &[u8], message: &[u8]) -> usize {
        let mut n = 0;
        let direct: Vec<ClientId> = self.pubsub.channels.get(channel).cloned().unwrap_or_default();
        for id in direct {
            let m = Reply::Push(vec![Reply::bulk_str("message"), Reply::bulk(channel), Reply::bulk(message)]);
            self.push_to(id, m);
            n += 1;
        }
        let patterns: Vec<(Vec<u8>, Vec<ClientId>)> = self
            .pubsub
            .patterns
            .iter()
            .filter(|(p, _)| glob_match(p, channel, false))
            .map(|(p, l)| (p.clone(), l.clone()))
            .collect();
        for (p, ids) in patterns {
            for id in ids {
                let m = Reply::Push(vec![
                    Reply::bulk_str("pmessage"),
                    Reply::bulk(p.clone()),
                    Reply::bulk(channel),
                    Reply::bulk(message),
                ]);
                self.push_to(id, m);
                n += 1;
            }
        }
        n
    }

    /// Delivers a shard message (SPUBLISH); returns the number of receivers.
    pub fn spublish(&mut self, channel: &[u8], message: &[u8]) -> usize {
        let ids: Vec<ClientId> = self.pubsub.shard.get(channel).cloned().unwrap_or_default();
        for &id in &ids {
            let m = Reply::Push(vec![Reply::bulk_str("smessage"), Reply::bulk(channel), Reply::bulk(message)]);
            self.push_to(id, m);
        }
        ids.len()
    }

    /// True when a RESP2 client is restricted to the subscription commands.
    pub fn in_subscribed_mode(&self, id: ClientId) -> bool {
        self.client_protocol(id) == 2 && self.pubsub.total(id) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_bookkeeping() {
        let mut st = PubSubState::default();
        assert!(st.subscribe(1, Kind::Channel, b"a"));
        assert!(!st.subscribe(1, Kind::Channel, b"a"));
        assert!(st.subscribe(2, Kind::Channel, b"a"));
        assert!(st.subscribe(1, Kind::Pattern, b"a*"));
        assert!(st.subscribe(1, Kind::Shard, b"s"));
        assert_eq!(st.of(1).count(), 2);
        assert_eq!(st.total(1), 3);
        assert_eq!(st.numsub(false, b"a"), 2);
        assert_eq!(st.numpat(), 1);
        assert!(st.unsubscribe(2, Kind::Channel, b"a"));
        assert!(!st.unsubscribe(2, Kind::Channel, b"a"));
        st.forget(1);
        assert_eq!(st.total(1), 0);
        assert!(st.active(false, None).is_empty());
        assert_eq!(st.numpat(), 0);
    }
}
