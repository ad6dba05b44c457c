//! Keyspace events: what every write announces.
//!
//! Each write command ends by calling `Engine::notify` with Redis's event name (`set`, `del`,
//! `expire`, `lpush`, ...). The events feed the app's visualizations and AOF view (drained with
//! `Engine::drain_events`), and later the `notify-keyspace-events` pub/sub channels.

/// The class of an event, as `notify-keyspace-events` flags name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventClass {
    /// `g`: DEL, EXPIRE, RENAME, ...
    Generic,
    /// `$`
    String,
    /// `l`
    List,
    /// `s`
    Set,
    /// `h`
    Hash,
    /// `z`
    ZSet,
    /// `x`: a key removed because its time to live ran out.
    Expired,
    /// `e`: a key removed by maxmemory eviction.
    Evicted,
    /// `t`
    Stream,
    /// `n`: a key created (only with the `n` flag).
    New,
}

impl EventClass {
    /// The `notify-keyspace-events` flag letter of the class.
    pub fn flag(self) -> char {
        match self {
            EventClass::Generic => 'g',
            EventClass::String => '$',
            EventClass::List => 'l',
            EventClass::Set => 's',
            EventClass::Hash => 'h',
            EventClass::ZSet => 'z',
            EventClass::Expired => 'x',
            EventClass::Evicted => 'e',
            EventClass::Stream => 't',
            EventClass::New => 'n',
        }
    }
}

/// One keyspace event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    pub class: EventClass,
    /// Redis's event name, e.g. `set`, `incrby`, `del`, `expired`.
    pub event: &'static str,
    pub db: usize,
    pub key: Vec<u8>,
}

/// How many undrained events are kept; older ones are dropped (the UI drains after each
/// command, so this only bounds memory when nobody listens).
pub const EVENT_BUFFER_LIMIT: usize = 10_000;
