//! The Redis-compatible command engine: pure Rust, no I/O, no web crates.
//!
//! An [`Engine`] holds the databases and the connected clients. Callers (the browser app, the
//! native server, tests) `connect()` clients and `execute()` argv vectors for them; replies are
//! protocol-neutral [`Reply`] values that `resp` encodes and `cli` formats. Replies pushed to a
//! client outside of a request (pub/sub messages, unblocked pops) wait in that client's queue
//! until taken with [`Engine::take_pushed`]. Time comes only from the injected [`Clock`].

pub mod acl;
pub mod args;
pub mod blocking;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod dict;
pub mod events;
pub mod evict;
pub mod geohash;
pub mod glob;
pub mod keyspace;
pub mod longdouble;
pub mod lua;
pub mod memory;
pub mod num;
pub mod pause;
pub mod pubsub;
pub mod reply;
pub mod resp;
pub mod scripting;
pub mod sha256;
pub mod skiplist;
pub mod stream;
pub mod table;
pub mod tracking;

use std::collections::{BTreeMap, VecDeque};

pub use args::Args;
pub use clock::{Clock, VirtualClock};
pub use events::{EventClass, KeyEvent};
pub use keyspace::{Access, Db, Entry, StrValue, Value};
pub use reply::{CmdResult, RedisError, Reply};
pub use table::{CommandSpec, Group};

/// The Redis version the engine imitates (what INFO and HELLO report).
pub const REDIS_VERSION: &str = "7.0.15";
/// Number of logical databases (`databases` config).
pub const DATABASES: usize = 16;

/// The most elements a negative-count random pick (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER) may
/// return. Redis would try to build any reply; a browser tab cannot, so larger counts get a
/// clear error instead of exhausting memory (a deliberate, documented divergence).
pub const MAX_RANDOM_REPEATS: u64 = 1_000_000;

/// Refuses a negative random-pick count whose reply would exceed [`MAX_RANDOM_REPEATS`].
pub fn check_random_repeats(count: i64) -> Result<(), RedisError> {
    if count < 0 && count.unsigned_abs() > MAX_RANDOM_REPEATS {
        return Err(RedisError::err(format!(
            "count is too large for the playground: at most {MAX_RANDOM_REPEATS} repeated elements"
        )));
    }
    Ok(())
}

/// The browser app's fixed memory ceiling (see [`Config::playground`]).
pub const PLAYGROUND_MEMORY_CAP: u64 = 64 * 1024 * 1024;

/// A connection's identity, as CLIENT ID reports it.
pub type ClientId = u64;

/// Per-connection state.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: ClientId,
    pub name: Option<Vec<u8>>,
    /// Selected database.
    pub db: usize,
    /// Protocol version (2 or 3), changed by HELLO.
    pub resp: u8,
    /// Peer and local addresses as CLIENT LIST shows them.
    pub addr: String,
    pub laddr: String,
    pub created_ms: i64,
    pub last_interaction_ms: i64,
    /// Full name of the last command run (`client|list`).
    pub last_cmd: String,
    /// Replies pushed outside a request, oldest first.
    pub pushed: VecDeque<Reply>,
    /// Set by QUIT or CLIENT KILL: the connection should close after its pending output.
    pub closing: bool,
    /// The ACL user the connection runs as (`default` until AUTH).
    pub user: Vec<u8>,
    /// Whether the connection has authenticated (or started so, the default user being
    /// on and nopass when it connected).
    pub authenticated: bool,
}

/// Per-command statistics (INFO commandstats).
#[derive(Clone, Debug, Default)]
pub struct CommandStats {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

/// Server-wide counters (INFO stats).
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub total_commands: u64,
    pub total_connections: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub expired_keys: u64,
    pub evicted_keys: u64,
    /// The highest `used_memory` seen (`used_memory_peak`); CONFIG RESETSTAT clears it.
    pub peak_memory: u64,
    /// Changes since the last save (`rdb_changes_since_last_save`).
    pub dirty: u64,
    pub commands: BTreeMap<String, CommandStats>,
    pub errors: BTreeMap<String, u64>,
}

impl Stats {
    /// The statistics of command `name`, created at its first use. The name is copied only
    /// then, so the per-command path does not allocate.
    pub(crate) fn update_command(&mut self, name: &str, f: impl FnOnce(&mut CommandStats)) {
        match self.commands.get_mut(name) {
            Some(st) => f(st),
            None => {
                let mut st = CommandStats::default();
                f(&mut st);
                self.commands.insert(name.to_string(), st);
            }
        }
    }
}

/// Stores a command's name as a client's last command, reusing the string's buffer.
pub(crate) fn set_last_cmd(last: &mut String, name: &str) {
    if last != name {
        last.clear();
        last.push_str(name);
    }
}

/// The subset of configuration the engine honours, readable by CONFIG GET.
#[derive(Clone, Debug)]
pub struct Config {
    pub maxmemory: u64,
    pub maxmemory_policy: String,
    pub hz: u32,
    pub lfu_log_factor: u32,
    pub lfu_decay_time: u32,
    pub maxmemory_samples: u32,
    /// Encoding thresholds (Redis 7.0 defaults); CONFIG SET changes them.
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub list_max_listpack_size: i64,
    pub list_compress_depth: i64,
    pub set_max_intset_entries: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    pub stream_node_max_bytes: usize,
    pub stream_node_max_entries: usize,
    pub hll_sparse_max_bytes: usize,
    pub proto_max_bulk_len: i64,
    /// `notify-keyspace-events` as flag bits (see `pubsub::NOTIFY_*`); 0 publishes nothing.
    pub notify_keyspace_events: u32,
    /// SLOWLOG: log commands taking at least this many microseconds (-1: never).
    pub slowlog_log_slower_than: i64,
    /// SLOWLOG: how many entries are kept.
    pub slowlog_max_len: u64,
    /// `requirepass`: the default user's password as last set through CONFIG (empty: none).
    pub requirepass: String,
    /// `acllog-max-len`: how many ACL LOG entries are kept.
    pub acllog_max_len: u64,
    /// `acl-pubsub-default`: whether new users and selectors start with `allchannels`.
    pub acl_pubsub_allchannels: bool,
    /// A fixed ceiling on `used_memory` (0: none), not visible to CONFIG: above it, commands
    /// that may grow memory get Redis's OOM error whatever maxmemory says, and no single
    /// string may grow past it. The browser app sets it ([`Config::playground`]) so that no
    /// command can exhaust the tab's heap; the native server keeps 0, like Redis.
    pub memory_cap: u64,
    /// Persistence settings the persistence lesson shows: stored and reported by CONFIG and
    /// INFO, never acted on (the playground writes no files).
    pub appendonly: bool,
    pub appendfsync: String,
    /// `save` as Redis prints it ("3600 1 300 100 60 10000"; "" disables snapshots).
    pub save: String,
    /// `lazyfree-lazy-eviction`: stored and reported (evictions free at once either way).
    pub lazyfree_lazy_eviction: bool,
    /// `maxmemory-eviction-tenacity`: stored and reported; one eviction pass always
    /// finishes its work here.
    pub maxmemory_eviction_tenacity: u32,
    /// Active expiry in `tick` (DEBUG SET-ACTIVE-EXPIRE turns it off).
    pub active_expire: bool,
    /// Milliseconds a script may run before other clients get BUSY (`busy-reply-threshold`,
    /// alias `lua-time-limit`).
    pub busy_reply_threshold: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            maxmemory: 0,
            maxmemory_policy: "noeviction".into(),
            hz: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            maxmemory_samples: 5,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
            hll_sparse_max_bytes: 3000,
            proto_max_bulk_len: 512 * 1024 * 1024,
            notify_keyspace_events: 0,
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            requirepass: String::new(),
            acllog_max_len: 128,
            acl_pubsub_allchannels: false,
            memory_cap: 0,
            appendonly: false,
            appendfsync: "everysec".into(),
            save: "3600 1 300 100 60 10000".into(),
            lazyfree_lazy_eviction: false,
            maxmemory_eviction_tenacity: 10,
            active_expire: true,
            busy_reply_threshold: 5000,
        }
    }
}

impl Config {
    /// The browser playground's configuration: Redis's defaults (maxmemory 0, noeviction, so
    /// CONFIG GET and INFO read as the documentation says), plus a fixed 64 MB `memory_cap`.
    /// Past the cap, writes fail with Redis's own OOM error instead of keys silently
    /// disappearing (an eviction lesson sets maxmemory and a policy itself).
    pub fn playground() -> Config {
        Config { memory_cap: PLAYGROUND_MEMORY_CAP, ..Config::default() }
    }

    /// The longest a string may grow to: `proto-max-bulk-len`, and never past `memory_cap`.
    pub fn max_string_len(&self) -> i64 {
        if self.memory_cap > 0 {
            self.proto_max_bulk_len.min(i64::try_from(self.memory_cap).unwrap_or(i64::MAX))
        } else {
            self.proto_max_bulk_len
        }
    }

    /// True when the eviction policy tracks access frequency (OBJECT FREQ is allowed).
    pub fn lfu_enabled(&self) -> bool {
        self.maxmemory_policy.contains("lfu")
    }
}

/// A small, fast, seedable random generator (xorshift64*); deterministic for tests.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A uniform number in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// Everything a handler can reach while it runs.
pub struct Ctx<'a> {
    pub eng: &'a mut Engine,
    pub client: ClientId,
    /// The full argv, command name first.
    pub argv: &'a [Vec<u8>],
    pub cmd: &'static CommandSpec,
    /// The client's selected database when the command started.
    pub db: usize,
    /// Whether the command may block, and whether this is a blocked client's re-run.
    pub block_mode: blocking::BlockMode,
    /// Set by `Ctx::block`: the command parked the client instead of replying.
    pub blocked_again: bool,
}

impl<'a> Ctx<'a> {
    /// A cursor over the arguments after the command name (and subcommand name, if any).
    pub fn args(&self) -> Args<'a> {
        let skip = usize::from(self.cmd.name.contains('|'));
        Args::new(self.argv, skip)
    }
    pub fn now_ms(&self) -> i64 {
        self.eng.clock.now_ms()
    }
    pub fn now_us(&self) -> i64 {
        self.eng.clock.now_us()
    }
    /// The calling client's state.
    pub fn client(&mut self) -> &mut Client {
        self.eng.client_mut(self.client)
    }
}

/// The id of the placeholder client behind [`Engine::inspect`] and unknown ids; real clients
/// are numbered from 1.
pub const DETACHED_CLIENT: ClientId = 0;

/// The engine: databases, clients, configuration, statistics and the clock.
pub struct Engine {
    pub(crate) dbs: Vec<Db>,
    pub(crate) clients: BTreeMap<ClientId, Client>,
    pub(crate) clock: Box<dyn Clock>,
    pub config: Config,
    pub stats: Stats,
    pub(crate) rng: Rng,
    events: VecDeque<KeyEvent>,
    capture_events: bool,
    /// Set while [`Engine::inspect`] runs: nothing observable (statistics, access times,
    /// MONITOR, the slow log) is recorded.
    quiet: bool,
    pub(crate) blocking: blocking::BlockState,
    /// Channel, pattern and shard-channel subscriptions.
    pub(crate) pubsub: pubsub::PubSubState,
    /// MULTI queues and WATCHed keys.
    pub(crate) tx: cmd::tx::TxState,
    /// SLOWLOG entries, fed by `after_command` (cmd/introspect.rs).
    pub(crate) slowlog: cmd::introspect::SlowLog,
    /// Clients in MONITOR mode, fed by `after_command` (cmd/introspect.rs).
    pub(crate) monitors: std::collections::BTreeSet<ClientId>,
    /// ACL users and the ACL LOG (acl.rs).
    pub(crate) acl: acl::AclState,
    /// maxmemory eviction: the candidate pool and round-robin state (evict.rs).
    pub(crate) evict: evict::EvictState,
    /// CLIENT PAUSE and its postponed clients (pause.rs).
    pub(crate) pause: pause::PauseState,
    /// Clients that set CLIENT NO-EVICT on (shown as flag `e` in CLIENT LIST).
    pub(crate) no_evict: std::collections::BTreeSet<ClientId>,
    /// CLIENT TRACKING: tracking clients and the keys they read (tracking.rs).
    pub(crate) tracking: tracking::TrackingState,
    /// Script cache, function libraries and the running script (scripting/mod.rs).
    pub(crate) scripting: scripting::ScriptState,
    next_client_id: ClientId,
    started_ms: i64,
    /// A placeholder client used when a client id is unknown, so lookups never fail.
    detached: Client,
}

impl Engine {
    /// A new engine reading time from `clock`.
    pub fn new(clock: Box<dyn Clock>) -> Engine {
        Engine::with_config(clock, Config::default())
    }

    /// A new engine with a given configuration (the browser app passes
    /// [`Config::playground`]).
    pub fn with_config(clock: Box<dyn Clock>, config: Config) -> Engine {
        let now = clock.now_ms();
        Engine {
            dbs: (0..DATABASES).map(|_| Db::default()).collect(),
            clients: BTreeMap::new(),
            clock,
            config,
            stats: Stats::default(),
            rng: Rng::new(0x5eed_1234_abcd_9876),
            events: VecDeque::new(),
            capture_events: false,
            quiet: false,
            blocking: blocking::BlockState::default(),
            pubsub: pubsub::PubSubState::default(),
            tx: cmd::tx::TxState::default(),
            slowlog: Default::default(),
            monitors: Default::default(),
            acl: acl::AclState::default(),
            evict: Default::default(),
            pause: Default::default(),
            no_evict: Default::default(),
            tracking: Default::default(),
            scripting: Default::default(),
            next_client_id: 1,
            started_ms: now,
            detached: new_client(DETACHED_CLIENT, now),
        }
    }

    /// An engine on a [`VirtualClock`]; the clock is returned so tests can advance it.
    pub fn with_virtual_clock() -> (Engine, VirtualClock) {
        let clock = VirtualClock::default();
        (Engine::new(Box::new(clock.clone())), clock)
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Milliseconds since the engine started (INFO uptime).
    pub fn uptime_ms(&self) -> i64 {
        self.now_ms() - self.started_ms
    }

    /// Reseeds the random generator (RANDOMKEY, SPOP, eviction sampling).
    pub fn seed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }

    /// Connects a new client and returns its id.
    pub fn connect(&mut self) -> ClientId {
        self.connect_from("127.0.0.1:0", "127.0.0.1:6379")
    }

    /// Connects a new client with the addresses CLIENT LIST should show.
    pub fn connect_from(&mut self, addr: &str, laddr: &str) -> ClientId {
        let id = self.next_client_id;
        self.next_client_id += 1;
        let mut c = new_client(id, self.now_ms());
        c.addr = addr.to_string();
        c.laddr = laddr.to_string();
        c.authenticated = self.acl.default_auto_auth();
        self.clients.insert(id, c);
        self.stats.total_connections += 1;
        id
    }

    /// Forgets a client (its connection closed).
    pub fn disconnect(&mut self, id: ClientId) {
        self.forget_blocked(id);
        self.forget_script_client(id);
        self.reset_session(id);
        self.no_evict.remove(&id);
        self.clients.remove(&id);
    }

    /// Drops a client's subscriptions, transaction and watched keys (disconnect and RESET).
    pub(crate) fn reset_session(&mut self, id: ClientId) {
        self.pubsub.forget(id);
        self.forget_tx(id);
        self.monitors.remove(&id);
        self.disable_tracking(id);
    }

    pub fn client(&self, id: ClientId) -> Option<&Client> {
        self.clients.get(&id)
    }

    pub fn clients(&self) -> impl Iterator<Item = &Client> {
        self.clients.values()
    }

    pub(crate) fn client_mut(&mut self, id: ClientId) -> &mut Client {
        match self.clients.get_mut(&id) {
            Some(c) => c,
            None => &mut self.detached,
        }
    }

    /// The protocol version a client speaks (2 or 3).
    pub fn client_protocol(&self, id: ClientId) -> u8 {
        self.clients.get(&id).map(|c| c.resp).unwrap_or(2)
    }

    /// The database a client has selected.
    pub fn client_db(&self, id: ClientId) -> usize {
        self.clients.get(&id).map(|c| c.db).unwrap_or(0)
    }

    /// True when the client asked to close (QUIT) or was killed.
    pub fn client_closing(&self, id: ClientId) -> bool {
        self.clients.get(&id).map(|c| c.closing).unwrap_or(true)
    }

    /// Takes the replies pushed to a client since the last call.
    pub fn take_pushed(&mut self, id: ClientId) -> Vec<Reply> {
        match self.clients.get_mut(&id) {
            Some(c) => c.pushed.drain(..).collect(),
            None => Vec::new(),
        }
    }

    /// Queues a reply for a client outside of a request.
    pub fn push_to(&mut self, id: ClientId, reply: Reply) {
        if let Some(c) = self.clients.get_mut(&id) {
            c.pushed.push_back(reply);
        }
    }

    pub fn db(&self, index: usize) -> Option<&Db> {
        self.dbs.get(index)
    }

    pub(crate) fn db_mut(&mut self, index: usize) -> &mut Db {
        let last = self.dbs.len().saturating_sub(1);
        let i = index.min(last);
        &mut self.dbs[i]
    }

    /// Replaces every database at once (snapshot import). Blocked clients are re-checked.
    pub fn replace_databases(&mut self, dbs: Vec<Db>) {
        self.dbs = dbs;
        self.dbs.resize_with(DATABASES, Db::default);
    }

    /// Starts or stops recording keyspace events for [`Engine::drain_events`].
    pub fn capture_events(&mut self, on: bool) {
        self.capture_events = on;
        if !on {
            self.events.clear();
        }
    }

    /// Takes the keyspace events recorded since the last call.
    pub fn drain_events(&mut self) -> Vec<KeyEvent> {
        self.events.drain(..).collect()
    }

    /// Records a keyspace event.
    pub fn notify(&mut self, class: EventClass, event: &'static str, db: usize, key: &[u8]) {
        if self.capture_events {
            if self.events.len() >= events::EVENT_BUFFER_LIMIT {
                self.events.pop_front();
            }
            self.events.push_back(KeyEvent { class, event, db, key: key.to_vec() });
        }
        // notify-keyspace-events: publish to __keyspace@db__:key and __keyevent@db__:event.
        if self.config.notify_keyspace_events != 0 {
            self.publish_keyspace_event(class, event, db, key);
        }
        // Every write notifies: keep the memory total in step with the change.
        self.db_mut(db).refresh(key);
    }

    /// Called whenever a key's value changes (Redis's `signalModifiedKey`); WATCH and
    /// blocking operations hook in here.
    pub fn signal_modified(&mut self, db: usize, key: &[u8]) {
        self.db_mut(db).refresh(key);
        self.tracking_invalidate(key);
        self.mark_ready_if_watched(db, key);
        self.touch_watched_key(db, key);
    }

    /// Deletes `key` in `db` if expired; true if it did.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        let now = self.now_ms();
        self.expire_if_needed_at(db, key, now)
    }

    /// [`Engine::expire_if_needed`] with the time already read.
    fn expire_if_needed_at(&mut self, db: usize, key: &[u8], now: i64) -> bool {
        if !self.db_mut(db).is_expired_at(key, now) {
            return false;
        }
        self.db_mut(db).remove(key);
        self.stats.expired_keys += 1;
        self.notify(EventClass::Expired, "expired", db, key);
        self.signal_modified(db, key);
        true
    }

    /// Looks a key up with lazy expiry and access tracking.
    pub fn lookup(&mut self, db: usize, key: &[u8], access: Access) -> Option<&mut Entry> {
        let now = self.now_ms();
        self.lookup_at(db, key, access, now)
    }

    /// [`Engine::lookup`] at a time already read (one clock reading serves the expiry check
    /// and the access time).
    pub(crate) fn lookup_at(&mut self, db: usize, key: &[u8], access: Access, now: i64) -> Option<&mut Entry> {
        let access = if self.quiet { Access::NoTouch } else { access };
        self.expire_if_needed_at(db, key, now);
        let lfu = self.config.lfu_enabled();
        let (log_factor, decay) = (self.config.lfu_log_factor, self.config.lfu_decay_time);
        let r = self.rng.next_u64();
        // One probe of the table serves the hit/miss count and the entry (the same index
        // `db_mut` would pick; fields borrowed apart so the counters can be updated).
        let i = db.min(self.dbs.len().saturating_sub(1));
        let found = self.dbs.get_mut(i).and_then(|d| {
            d.mark_stale();
            d.keys.get_mut(key)
        });
        if matches!(access, Access::Read | Access::Peek) {
            if found.is_some() {
                self.stats.keyspace_hits += 1;
            } else {
                self.stats.keyspace_misses += 1;
            }
        }
        let e = found?;
        if matches!(access, Access::Read | Access::Write) {
            if lfu {
                e.lfu_counter = lfu_touch(e.lfu_counter, e.lru_ms, now, log_factor, decay, r);
            }
            e.lru_ms = now;
        }
        Some(e)
    }

    /// One round of active expiry over every database, as Redis's cron does: sample keys with
    /// a time to live, delete the expired ones, repeat while more than a quarter were expired.
    /// Returns how many keys were deleted.
    pub fn active_expire_cycle(&mut self) -> usize {
        let now = self.now_ms();
        let mut deleted = 0;
        for db in 0..self.dbs.len() {
            for _round in 0..16 {
                let sample = self.dbs[db].expires.len().min(20);
                if sample == 0 {
                    break;
                }
                let mut expired = 0;
                for _ in 0..sample {
                    let rng = &mut self.rng;
                    let pick = self.dbs[db].expires.random_entry(|| rng.next_u64()).map(|(k, &at)| (k.clone(), at));
                    if let Some((key, at)) = pick {
                        if now > at && self.expire_if_needed(db, &key) {
                            expired += 1;
                        }
                    }
                }
                deleted += expired;
                if expired * 4 <= sample {
                    break;
                }
            }
        }
        deleted
    }

    /// Periodic work (Redis's serverCron): active expiry and blocked-client timeouts. Call it
    /// every 10 to 100 ms.
    pub fn tick(&mut self) {
        if self.config.active_expire {
            self.active_expire_cycle();
        }
        self.check_pause_timeout();
        self.expire_blocked();
        self.serve_ready_keys();
        self.tracking_broadcast();
        // A parked script continues (scripting/mod.rs).
        self.script_tick();
    }

    /// Runs one command for `client` and returns its reply.
    pub fn execute(&mut self, client: ClientId, argv: &[Vec<u8>]) -> Reply {
        let Some(name) = argv.first() else {
            return Reply::NoReply;
        };
        if !self.clients.contains_key(&client) {
            return Reply::Error("ERR unknown client".into());
        }
        // A client that QUIT or was killed gets no more replies, like a closed socket.
        if self.client_closing(client) {
            return Reply::NoReply;
        }
        // While a script runs, other commands wait until the BUSY threshold (scripting/mod.rs).
        if self.scripting.is_running() && self.hold_for_script(client, argv) {
            return Reply::NoReply;
        }
        let cmd = match resolve(name, argv) {
            Ok(c) => c,
            Err(e) => {
                // A known command with the wrong arity still counts as a rejected call.
                return match table::lookup(name) {
                    Some(base) => {
                        let found = if base.subcommands.is_empty() || argv.len() < 2 {
                            Some(base)
                        } else {
                            base.subcommand(&argv[1])
                        };
                        match found {
                            Some(spec) => self.reject_resolved(client, spec, name, e),
                            None => self.reject(client, name, e),
                        }
                    }
                    None => self.reject(client, name, e),
                };
            }
        };
        // Like Redis, the command counts as the client's last one even if it is queued or refused.
        let now = self.now_ms();
        let db = {
            let c = self.client_mut(client);
            c.last_interaction_ms = now;
            set_last_cmd(&mut c.last_cmd, cmd.name);
            c.db
        };
        // The checks run in Redis's order (processCommand): authentication, no_multi, ACL,
        // maxmemory, the subscribed context, a busy script, CLIENT PAUSE, then MULTI queueing.
        if !self.auth_ok(client) && !cmd.has_flag("no_auth") {
            return self.reject_resolved(client, cmd, name, RedisError::raw("NOAUTH Authentication required."));
        }
        // Commands flagged no_multi (SAVE, SHUTDOWN, SYNC, PSYNC in Redis 7.0) are refused.
        if self.in_multi(client) && cmd.has_flag("no_multi") {
            return self.reject_resolved(
                client,
                cmd,
                name,
                RedisError::err("Command not allowed inside a transaction"),
            );
        }
        // ACL: the only permission check before a command runs (EXEC re-checks its queue).
        let context = if self.in_multi(client) { acl::LogContext::Multi } else { acl::LogContext::Toplevel };
        if let Err(denied) = self.acl_check(client, cmd, argv, context) {
            return self.reject_resolved(client, cmd, name, RedisError::raw(denied.noperm(cmd)));
        }
        // maxmemory (Redis's performEvictions in processCommand): evict before the command,
        // and refuse it when memory is still over and it may grow memory.
        if !self.quiet && self.refuse_for_memory(client, cmd) {
            return self.reject_resolved(client, cmd, name, RedisError::raw(evict::OOM_ERROR));
        }
        // Pub/Sub: a RESP2 connection with subscriptions may only run the subscription
        // commands, PING, QUIT and RESET (RESP3 connections may run anything).
        let base = cmd.name.split('|').next().unwrap_or(cmd.name);
        const SUBSCRIBED_OK: &[&str] = &[
            "ping",
            "subscribe",
            "ssubscribe",
            "unsubscribe",
            "sunsubscribe",
            "psubscribe",
            "punsubscribe",
            "quit",
            "reset",
        ];
        if self.in_subscribed_mode(client) && !SUBSCRIBED_OK.contains(&base) {
            let e = RedisError::err(format!(
                "Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                cmd.name
            ));
            return self.reject_resolved(client, cmd, name, e);
        }
        // A script running past busy-reply-threshold: only `allow_busy` commands (SCRIPT KILL,
        // FUNCTION KILL, ...) run; the rest get BUSY (scripting/mod.rs).
        if let Some(e) = self.busy_error(cmd) {
            return self.reject_resolved(client, cmd, name, e);
        }
        // MULTI: everything but the transaction-control commands (and QUIT/RESET) is queued.
        const RUN_IN_MULTI: &[&str] = &["exec", "discard", "multi", "watch", "quit", "reset"];
        // CLIENT PAUSE (pause.rs): park the command until the pause ends; a client with a
        // postponed command is blocked, so its next requests wait behind it.
        if !self.quiet && self.pause_covers(client, cmd) {
            self.postpone(client, argv, db);
            return Reply::NoReply;
        }
        if self.in_multi(client) && !RUN_IN_MULTI.contains(&base) {
            self.queue_multi(client, cmd, argv);
            return Reply::status("QUEUED");
        }
        let mode = blocking::BlockMode { may_block: true, reprocessing: false };
        let (result, _) = self.run_command(client, argv, cmd, db, mode);
        let reply = match result {
            Ok(r) => r,
            Err(e) => {
                self.count_failed(cmd.name, &e.0);
                e.into()
            }
        };
        self.serve_ready_keys();
        self.tracking_broadcast();
        reply
    }

    /// Runs a resolved command's handler and records its statistics. Returns the result and
    /// whether the handler parked the client.
    pub(crate) fn run_command(
        &mut self,
        client: ClientId,
        argv: &[Vec<u8>],
        cmd: &'static CommandSpec,
        db: usize,
        block_mode: blocking::BlockMode,
    ) -> (CmdResult, bool) {
        let start = self.clock.now_us();
        let outer = self.tracking.current.replace(client);
        let mut ctx = Ctx { eng: self, client, argv, cmd, db, block_mode, blocked_again: false };
        let result = (cmd.handler)(&mut ctx);
        let blocked = ctx.blocked_again;
        self.tracking.current = outer;
        if !self.quiet && !self.tracking.clients.is_empty() {
            self.tracking_after_command(client, cmd, argv);
        }
        let elapsed = (self.clock.now_us() - start).max(0) as u64;
        if !block_mode.reprocessing && !self.quiet {
            self.stats.total_commands += 1;
            self.stats.update_command(cmd.name, |st| {
                st.calls += 1;
                st.usec += elapsed;
            });
            // Introspection hook (cmd/introspect.rs): the slow log and MONITOR feed.
            self.after_command(client, argv, cmd.name, elapsed);
            let used = self.used_memory();
            if used > self.stats.peak_memory {
                self.stats.peak_memory = used;
            }
        }
        (result, blocked)
    }

    /// Runs a read-only command on `db` for the playground itself (a lesson checking a goal),
    /// as no client: no connection is made, and no statistic, access time, MONITOR line or
    /// slow-log entry records it, so what the learner inspects afterwards (INFO, CLIENT LIST,
    /// OBJECT IDLETIME, eviction order) is as if nothing had looked. Commands without the
    /// `readonly` flag are refused. Replies are RESP2.
    pub fn inspect(&mut self, db: usize, argv: &[Vec<u8>]) -> Reply {
        let Some(name) = argv.first() else {
            return Reply::NoReply;
        };
        let cmd = match resolve(name, argv) {
            Ok(c) => c,
            Err(e) => return e.into(),
        };
        if !cmd.has_flag("readonly") || db >= self.dbs.len() {
            return Reply::Error(format!("ERR {} is not a read-only command", cmd.display_name()));
        }
        self.quiet = true;
        let mode = blocking::BlockMode { may_block: false, reprocessing: false };
        let (result, _) = self.run_command(DETACHED_CLIENT, argv, cmd, db, mode);
        self.quiet = false;
        result.unwrap_or_else(Reply::from)
    }

    /// Re-runs a blocked client's command; returns its reply and whether it blocks again.
    pub(crate) fn rerun_blocked(&mut self, id: ClientId, b: &blocking::Blocked) -> (Reply, bool) {
        let Some(name) = b.argv.first() else {
            return (Reply::NoReply, false);
        };
        let cmd = match resolve(name, &b.argv) {
            Ok(c) => c,
            Err(e) => return (e.into(), false),
        };
        let mode = blocking::BlockMode { may_block: true, reprocessing: true };
        let (result, again) = self.run_command(id, &b.argv, cmd, b.db, mode);
        match result {
            Ok(r) => (r, again),
            Err(e) => (e.into(), false),
        }
    }

    /// A command refused before running (unknown, wrong arity, not allowed now). Inside MULTI
    /// this spoils the transaction; a refused EXEC (even outside MULTI) answers EXECABORT with
    /// the reason and discards any transaction at once, as Redis's `rejectCommand` does.
    fn reject(&mut self, client: ClientId, name: &[u8], e: RedisError) -> Reply {
        let e = if name.eq_ignore_ascii_case(b"exec") {
            self.discard_multi(client);
            self.unwatch_all(client);
            let text = e.0.strip_prefix("ERR ").unwrap_or(&e.0);
            RedisError::raw(format!("EXECABORT Transaction discarded because of: {text}"))
        } else {
            self.flag_transaction(client);
            e
        };
        self.count_error(&e.0);
        e.into()
    }

    /// [`Engine::reject`] for a command that was found: it also counts in the command's
    /// `rejected_calls` (INFO commandstats), as Redis's `rejectCommand` does.
    fn reject_resolved(&mut self, client: ClientId, cmd: &'static CommandSpec, name: &[u8], e: RedisError) -> Reply {
        if !self.quiet {
            self.stats.update_command(cmd.name, |st| st.rejected_calls += 1);
        }
        self.reject(client, name, e)
    }

    /// Counts a command's runtime error (failed_calls and the error prefix).
    pub(crate) fn count_failed(&mut self, cmd_name: &str, text: &str) {
        if let Some(st) = self.stats.commands.get_mut(cmd_name) {
            st.failed_calls += 1;
        }
        self.count_error(text);
    }

    fn count_error(&mut self, text: &str) {
        let prefix = text.split(' ').next().unwrap_or("ERR").to_string();
        *self.stats.errors.entry(prefix).or_default() += 1;
    }

    /// Runs a line typed in a console: split like redis-cli, execute, return the reply.
    /// `Err` carries redis-cli's message for unbalanced quotes.
    pub fn execute_line(&mut self, client: ClientId, line: &str) -> Result<Reply, String> {
        let argv = cli::split_args(line.as_bytes()).ok_or_else(|| "Invalid argument(s)".to_string())?;
        Ok(self.execute(client, &argv))
    }
}

fn new_client(id: ClientId, now: i64) -> Client {
    Client {
        id,
        name: None,
        db: 0,
        resp: 2,
        addr: "127.0.0.1:0".into(),
        laddr: "127.0.0.1:6379".into(),
        created_ms: now,
        last_interaction_ms: now,
        last_cmd: "NULL".into(),
        pushed: VecDeque::new(),
        closing: false,
        user: b"default".to_vec(),
        authenticated: true,
    }
}

/// Finds the command (or subcommand) for argv and checks its arity, with Redis 7's error
/// texts. This is the only place those errors are produced.
fn resolve(name: &[u8], argv: &[Vec<u8>]) -> Result<&'static CommandSpec, RedisError> {
    let Some(cmd) = table::lookup(name) else {
        let mut args = String::new();
        for a in argv.iter().skip(1) {
            if args.len() >= 128 {
                break;
            }
            let room = 128 - args.len();
            let text = c_string_prefix(a, room);
            args.push_str(&format!("'{text}' "));
        }
        return Err(RedisError::err(format!(
            "unknown command '{}', with args beginning with: {}",
            c_string_prefix(name, 128),
            args
        )));
    };
    if !cmd.subcommands.is_empty() && argv.len() >= 2 {
        let sub = &argv[1];
        let Some(subcmd) = cmd.subcommand(sub) else {
            return Err(RedisError::err(format!(
                "unknown subcommand '{}'. Try {} HELP.",
                c_string_prefix(sub, 128),
                String::from_utf8_lossy(name).to_ascii_uppercase()
            )));
        };
        if !subcmd.arity_ok(argv.len()) {
            return Err(arity_error(subcmd.name));
        }
        return Ok(subcmd);
    }
    if !cmd.arity_ok(argv.len()) {
        return Err(arity_error(cmd.name));
    }
    Ok(cmd)
}

/// Why a command called from a script was not found (scripts word these errors their own way).
pub(crate) enum ScriptLookup {
    Unknown,
    Arity,
}

/// The dispatcher's lookup for a command a script calls: the same resolution and arity check as
/// [`resolve`], classified for the script's error texts.
pub(crate) fn resolve_for_script(argv: &[Vec<u8>]) -> Result<&'static CommandSpec, ScriptLookup> {
    let Some(name) = argv.first() else {
        return Err(ScriptLookup::Unknown);
    };
    resolve(name, argv).map_err(|e| {
        if e.0.starts_with("ERR wrong number of arguments") {
            ScriptLookup::Arity
        } else {
            ScriptLookup::Unknown
        }
    })
}

/// The unit tests' way to run a console line as client `c` (a split error becomes an error
/// reply).
#[cfg(test)]
pub(crate) fn test_run(e: &mut Engine, c: ClientId, line: &str) -> Reply {
    e.execute_line(c, line).unwrap_or_else(Reply::Error)
}

/// Redis's arity error for a command's full name.
pub fn arity_error(full_name: &str) -> RedisError {
    RedisError::err(format!("wrong number of arguments for '{full_name}' command"))
}

/// What C's `%.*s` prints of an argument: up to the first NUL, at most `max` bytes.
fn c_string_prefix(bytes: &[u8], max: usize) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len()).min(max);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Redis's LFU counter update on access: decay by elapsed minutes, then a logarithmic
/// increment (`LFULogIncr`), using `r` as the random draw.
fn lfu_touch(counter: u8, last_ms: i64, now_ms: i64, log_factor: u32, decay_min: u32, r: u64) -> u8 {
    let mut c = counter;
    if decay_min > 0 {
        let minutes = ((now_ms - last_ms).max(0) / 60_000) as u64 / u64::from(decay_min);
        c = c.saturating_sub(minutes.min(255) as u8);
    }
    if c == 255 {
        return c;
    }
    let rand = (r % 1_000_000) as f64 / 1_000_000.0;
    let base = f64::from(c.saturating_sub(LFU_INIT)).max(0.0);
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if rand < p {
        c + 1
    } else {
        c
    }
}

const LFU_INIT: u8 = keyspace::LFU_INIT_VAL;

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::test_run as run;

    #[test]
    fn inspect_reads_without_leaving_a_trace() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "set k v");
        clock.advance_ms(5_000);
        let argv = |words: &[&str]| words.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
        let commands = e.stats.total_commands;
        assert_eq!(e.inspect(0, &argv(&["get", "k"])), Reply::Bulk(b"v".to_vec()));
        assert_eq!(
            e.inspect(0, &argv(&["GET"])),
            Reply::Error("ERR wrong number of arguments for 'get' command".into())
        );
        assert!(matches!(e.inspect(0, &argv(&["set", "k", "w"])), Reply::Error(m) if m.contains("not a read-only")));
        assert_eq!(e.stats.total_commands, commands);
        assert_eq!(e.stats.keyspace_hits, 0);
        // No client was made, and the key still looks 5 s idle.
        assert_eq!(e.clients().count(), 1);
        assert_eq!(run(&mut e, c, "object idletime k"), Reply::Int(5));
        assert_eq!(run(&mut e, c, "client id"), Reply::Int(1));
    }

    #[test]
    fn unknown_command_and_arity_errors() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(
            run(&mut e, c, "foo a b"),
            Reply::Error("ERR unknown command 'foo', with args beginning with: 'a' 'b' ".into())
        );
        assert_eq!(run(&mut e, c, "foo"), Reply::Error("ERR unknown command 'foo', with args beginning with: ".into()));
        assert_eq!(run(&mut e, c, "get"), Reply::Error("ERR wrong number of arguments for 'get' command".into()));
    }

    #[test]
    fn lazy_expiry_uses_the_injected_clock() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "set k v px 100"), Reply::ok());
        clock.advance_ms(100);
        assert_eq!(run(&mut e, c, "get k"), Reply::bulk_str("v"));
        clock.advance_ms(1);
        assert_eq!(run(&mut e, c, "get k"), Reply::Nil);
        assert_eq!(e.stats.expired_keys, 1);
    }

    #[test]
    fn active_expiry_removes_untouched_keys() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let c = e.connect();
        for i in 0..100 {
            run(&mut e, c, &format!("set k{i} v px 10"));
        }
        run(&mut e, c, "set keep v");
        clock.advance_ms(20);
        for _ in 0..50 {
            e.tick();
        }
        assert_eq!(e.db(0).map(Db::len), Some(1));
    }
}
