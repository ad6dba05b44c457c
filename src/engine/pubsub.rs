//! Pub/Sub bookkeeping: who listens to which channel, pattern or shard channel.
//!
//! Subscribers are kept in subscription order so that PUBLISH delivers deterministically (Redis
//! walks its own lists the same way). Each client's own subscriptions are kept too, for
//! UNSUBSCRIBE without arguments, the subscribed-mode check and disconnect/RESET cleanup.

use std::collections::{BTreeMap, HashMap};

use super::cmd::server::glob_match;
use super::{ClientId, Engine, EventClass, Reply};

/// `notify-keyspace-events` flag bits, one per letter.
pub const NOTIFY_KEYSPACE: u32 = 1 << 0; // K
pub const NOTIFY_KEYEVENT: u32 = 1 << 1; // E
pub const NOTIFY_GENERIC: u32 = 1 << 2; // g
pub const NOTIFY_STRING: u32 = 1 << 3; // $
pub const NOTIFY_LIST: u32 = 1 << 4; // l
pub const NOTIFY_SET: u32 = 1 << 5; // s
pub const NOTIFY_HASH: u32 = 1 << 6; // h
pub const NOTIFY_ZSET: u32 = 1 << 7; // z
pub const NOTIFY_EXPIRED: u32 = 1 << 8; // x
pub const NOTIFY_EVICTED: u32 = 1 << 9; // e
pub const NOTIFY_STREAM: u32 = 1 << 10; // t
pub const NOTIFY_KEY_MISS: u32 = 1 << 11; // m
pub const NOTIFY_MODULE: u32 = 1 << 12; // d
pub const NOTIFY_NEW: u32 = 1 << 13; // n
/// `A`: every class except key misses, module and new-key events (Redis 7.0's alias).
pub const NOTIFY_ALL: u32 = NOTIFY_GENERIC
    | NOTIFY_STRING
    | NOTIFY_LIST
    | NOTIFY_SET
    | NOTIFY_HASH
    | NOTIFY_ZSET
    | NOTIFY_EXPIRED
    | NOTIFY_EVICTED
    | NOTIFY_STREAM;

/// The class letters in the order CONFIG GET prints them (after a possible `A`).
const CLASS_LETTERS: &[(char, u32)] = &[
    ('g', NOTIFY_GENERIC),
    ('$', NOTIFY_STRING),
    ('l', NOTIFY_LIST),
    ('s', NOTIFY_SET),
    ('h', NOTIFY_HASH),
    ('z', NOTIFY_ZSET),
    ('x', NOTIFY_EXPIRED),
    ('e', NOTIFY_EVICTED),
    ('t', NOTIFY_STREAM),
    ('d', NOTIFY_MODULE),
    ('n', NOTIFY_NEW),
];

/// Parses a `notify-keyspace-events` value; `None` on an unknown letter.
pub fn parse_notify_flags(raw: &[u8]) -> Option<u32> {
    let mut flags = 0;
    for &c in raw {
        flags |= match c {
            b'A' => NOTIFY_ALL,
            b'K' => NOTIFY_KEYSPACE,
            b'E' => NOTIFY_KEYEVENT,
            b'm' => NOTIFY_KEY_MISS,
            _ => CLASS_LETTERS.iter().find(|(l, _)| *l as u8 == c)?.1,
        };
    }
    Some(flags)
}

/// The canonical text of the flags, as CONFIG GET shows it: `A` or the class letters, then
/// `K`, `E` and `m`. (Like Redis 7.0, `A` hides `d` and `n`.)
pub fn notify_flags_to_string(flags: u32) -> String {
    let mut s = String::new();
    if flags & NOTIFY_ALL == NOTIFY_ALL {
        s.push('A');
    } else {
        s.extend(CLASS_LETTERS.iter().filter(|(_, b)| flags & b != 0).map(|(l, _)| *l));
    }
    for (l, b) in [('K', NOTIFY_KEYSPACE), ('E', NOTIFY_KEYEVENT), ('m', NOTIFY_KEY_MISS)] {
        if flags & b != 0 {
            s.push(l);
        }
    }
    s
}

/// The flag bit of an event class.
fn class_bit(class: EventClass) -> u32 {
    match class {
        EventClass::Generic => NOTIFY_GENERIC,
        EventClass::String => NOTIFY_STRING,
        EventClass::List => NOTIFY_LIST,
        EventClass::Set => NOTIFY_SET,
        EventClass::Hash => NOTIFY_HASH,
        EventClass::ZSet => NOTIFY_ZSET,
        EventClass::Expired => NOTIFY_EXPIRED,
        EventClass::Evicted => NOTIFY_EVICTED,
        EventClass::Stream => NOTIFY_STREAM,
        EventClass::New => NOTIFY_NEW,
    }
}

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

    /// Publishes a keyspace event on the channels `notify-keyspace-events` enables.
    pub(crate) fn publish_keyspace_event(&mut self, class: EventClass, event: &str, db: usize, key: &[u8]) {
        let flags = self.config.notify_keyspace_events;
        if flags & class_bit(class) == 0 {
            return;
        }
        if flags & NOTIFY_KEYSPACE != 0 {
            let mut ch = format!("__keyspace@{db}__:").into_bytes();
            ch.extend_from_slice(key);
            self.publish(&ch, event.as_bytes());
        }
        if flags & NOTIFY_KEYEVENT != 0 {
            let ch = format!("__keyevent@{db}__:{event}").into_bytes();
            self.publish(&ch, key);
        }
    }

    /// CLIENT LIST's session fields: the `flags=` letters (P subscribed, x in MULTI, b blocked,
    /// d watched key changed, in Redis's order; N for none), and `sub= psub= ssub= multi=`.
    pub fn session_fields(&self, id: ClientId) -> (String, String) {
        let subs = self.pubsub.of(id);
        let (multi, dirty_cas) = self.multi_summary(id);
        let mut flags = String::new();
        if self.pubsub.total(id) > 0 {
            flags.push('P');
        }
        if multi.is_some() {
            flags.push('x');
        }
        if self.is_blocked(id) {
            flags.push('b');
        }
        if let Some(t) = self.tracker(id) {
            flags.push('t');
            if t.broken_redirect {
                flags.push('R');
            }
            if t.bcast {
                flags.push('B');
            }
        }
        if dirty_cas {
            flags.push('d');
        }
        if self.no_evict.contains(&id) {
            flags.push('e');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        let multi = multi.map(|n| n as i64).unwrap_or(-1);
        let counts =
            format!("sub={} psub={} ssub={} multi={multi}", subs.channels.len(), subs.patterns.len(), subs.shard.len());
        (flags, counts)
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
    fn notify_flag_text_round_trips_like_redis() {
        let t = |s: &str| parse_notify_flags(s.as_bytes()).map(notify_flags_to_string);
        assert_eq!(t("KEA").as_deref(), Some("AKE"));
        assert_eq!(t("$lshzxetdmn").as_deref(), Some("$lshzxetdnm"));
        assert_eq!(t("AKn").as_deref(), Some("AK"));
        assert_eq!(t("").as_deref(), Some(""));
        assert_eq!(t("Kq"), None);
    }

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
