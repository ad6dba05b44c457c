//! The app's state and its reducer (Yew `use_reducer`, todomvc style). Every change goes
//! through `Action`; after each one `sync` pulls what the engine produced (pushed replies,
//! keyspace events) into the view state. Persistence runs as effects on `rev`/`hist_rev`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use yew::Reducible;

use crate::engine::cli::{format_reply, format_reply_to, split_args};
use crate::engine::{ClientId, Engine};
use crate::persist::snapshot;

use super::help;
use super::viz::{key_view, VizState};

/// History entries kept per client.
pub const HISTORY_LIMIT: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// What the learner typed, with the prompt shown at the time.
    Input(String),
    Output,
    Error,
    /// A message from the console itself (not from the server).
    Note,
}

/// One entry of a console's scrollback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    pub text: Rc<str>,
    /// Number of text lines, counted once (large replies are shown in pages).
    pub rows: usize,
    /// Unique id, the entry's stable key when old entries are dropped from the front.
    pub id: u64,
}

/// Scrollback entries kept per console; older ones are dropped.
pub const SCROLLBACK_LIMIT: usize = 1000;

thread_local! {
    static NEXT_LINE_ID: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl Line {
    pub fn new(kind: LineKind, text: &str) -> Line {
        let id = NEXT_LINE_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        Line { kind, rows: text.lines().count(), text: Rc::from(text), id }
    }
    fn reply(text: &str) -> Line {
        let kind = if text.starts_with("(error)") { LineKind::Error } else { LineKind::Output };
        Line::new(kind, text)
    }
}

/// One console tab: an engine connection with its own scrollback and history.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientState {
    /// Stable id for the UI (keys, tab labels); the engine id changes on reconnect.
    pub uid: u32,
    pub id: ClientId,
    pub lines: Rc<Vec<Line>>,
    pub history: Rc<Vec<String>>,
    pub db: usize,
    pub blocked: Option<String>,
    pub unread: bool,
}

impl ClientState {
    pub fn prompt(&self) -> String {
        match self.db {
            0 => "127.0.0.1:6379> ".to_string(),
            n => format!("127.0.0.1:6379[{n}]> "),
        }
    }
    fn push(&mut self, line: Line) {
        let lines = Rc::make_mut(&mut self.lines);
        lines.push(line);
        if lines.len() > SCROLLBACK_LIMIT {
            let extra = lines.len() - SCROLLBACK_LIMIT;
            lines.drain(..extra);
        }
    }
}

/// What the key browser shows for one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    pub type_name: &'static str,
    pub expire_at: Option<i64>,
}

/// A message for the learner about persistence (saved, restored, failed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

#[derive(Clone)]
pub struct AppState {
    pub engine: Rc<RefCell<Engine>>,
    pub clients: Vec<ClientState>,
    pub active: usize,
    pub next_uid: u32,
    /// Keys of database `keys_db`, kept current from keyspace events.
    pub keys: Rc<BTreeMap<Vec<u8>, KeyInfo>>,
    pub keys_db: usize,
    pub filter: String,
    pub viz: Option<Rc<VizState>>,
    pub now_ms: i64,
    /// Bumped whenever the engine's data changed (autosave effect).
    pub rev: u64,
    /// Bumped whenever a history changed (history persistence effect).
    pub hist_rev: u64,
    pub notice: Option<Notice>,
    /// The engine's change counter when last seen; a change means data to autosave even when
    /// no per-key event was announced (FLUSHALL).
    pub last_dirty: u64,
}

impl PartialEq for AppState {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.engine, &other.engine)
            && self.clients == other.clients
            && self.active == other.active
            && self.keys == other.keys
            && self.filter == other.filter
            && self.viz == other.viz
            && self.now_ms == other.now_ms
            && self.notice == other.notice
    }
}

pub enum Action {
    /// Runs a typed line in the active console.
    Run(String),
    Tick,
    AddClient,
    CloseClient(usize),
    SelectClient(usize),
    Clear,
    /// Ctrl+C on a blocked console: like redis-cli, drop the connection and reconnect.
    Cancel,
    Filter(String),
    OpenKey(Option<Vec<u8>>),
    /// Replaces the engine's data with a snapshot; `label` names it in messages.
    Import {
        bytes: Vec<u8>,
        label: String,
        quiet: bool,
    },
    Notice(Option<Notice>),
}

impl AppState {
    /// A fresh state; `histories` restores one console per saved history.
    pub fn new(mut engine: Engine, histories: Vec<Vec<String>>) -> AppState {
        engine.capture_events(true);
        let now_ms = engine.now_ms();
        let mut s = AppState {
            engine: Rc::new(RefCell::new(engine)),
            clients: Vec::new(),
            active: 0,
            next_uid: 1,
            keys: Rc::new(BTreeMap::new()),
            keys_db: 0,
            filter: String::new(),
            viz: None,
            now_ms,
            rev: 0,
            hist_rev: 0,
            notice: None,
            last_dirty: 0,
        };
        let histories = if histories.is_empty() { vec![Vec::new()] } else { histories };
        for h in histories {
            s.add_client(h);
        }
        if let Some(c) = s.clients.first_mut() {
            c.push(Line::new(
                LineKind::Note,
                "Welcome to Redis Playground: type a command such as SET greeting hello, then GET greeting. HELP shows help, Tab completes.",
            ));
        }
        s.rebuild_keys();
        s
    }

    fn add_client(&mut self, history: Vec<String>) {
        let id = self.engine.borrow_mut().connect();
        let uid = self.next_uid;
        self.next_uid += 1;
        self.clients.push(ClientState {
            uid,
            id,
            lines: Rc::new(Vec::new()),
            history: Rc::new(history),
            db: 0,
            blocked: None,
            unread: false,
        });
    }

    pub fn active_client(&self) -> Option<&ClientState> {
        self.clients.get(self.active)
    }

    fn run(&mut self, line: String) {
        let Some(c) = self.clients.get_mut(self.active) else { return };
        c.push(Line::new(LineKind::Input(c.prompt()), &line));
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return;
        }
        if c.history.last() != Some(&line) {
            let h = Rc::make_mut(&mut c.history);
            h.push(line.clone());
            if h.len() > HISTORY_LIMIT {
                h.remove(0);
            }
            self.hist_rev += 1;
        }
        let words: Vec<String> = trimmed.split_whitespace().map(str::to_string).collect();
        let first = words.first().map(|w| w.to_ascii_lowercase()).unwrap_or_default();
        if first == "clear" && words.len() == 1 {
            c.lines = Rc::new(Vec::new());
            return;
        }
        if first == "help" {
            // Like redis-cli, HELP is answered by the console, from the command table.
            let text = help::help_text(&words[1..]);
            if !text.is_empty() {
                c.push(Line::new(LineKind::Output, &text));
            }
            return;
        }
        let mut engine = self.engine.borrow_mut();
        match engine.execute_line(c.id, &line) {
            Ok(reply) => {
                // INFO, CLIENT LIST and the other report commands print raw, as in redis-cli.
                let argv = split_args(line.as_bytes()).unwrap_or_default();
                let text = format_reply_to(&argv, &reply, engine.client_protocol(c.id));
                if !text.is_empty() {
                    c.push(Line::reply(&text));
                }
            }
            Err(msg) => c.push(Line::new(LineKind::Error, &format!("{msg}\n"))),
        }
        if engine.is_blocked(c.id) {
            c.blocked = Some(first.to_ascii_uppercase());
        }
        if engine.client_closing(c.id) {
            // redis-cli reconnects on the next command; a fresh client starts in db 0 on RESP2.
            engine.disconnect(c.id);
            c.id = engine.connect();
            c.push(Line::new(LineKind::Note, "(connection closed; reconnected as a new client)"));
        }
    }

    /// Pulls what the engine produced into the view: pushed replies, blocked flags, selected
    /// databases, and key changes from keyspace events.
    fn sync(&mut self) {
        let mut engine = self.engine.borrow_mut();
        for (i, c) in self.clients.iter_mut().enumerate() {
            let proto = engine.client_protocol(c.id);
            for reply in engine.take_pushed(c.id) {
                c.push(Line::reply(&format_reply(&reply, proto)));
                if i != self.active {
                    c.unread = true;
                }
            }
            if c.blocked.is_some() && !engine.is_blocked(c.id) {
                c.blocked = None;
            }
            c.db = engine.client_db(c.id);
        }
        let events = engine.drain_events();
        let dirty = engine.stats.dirty;
        drop(engine);
        if !events.is_empty() || dirty != self.last_dirty {
            self.last_dirty = dirty;
            self.rev += 1;
        }
        let db = self.active_client().map(|c| c.db).unwrap_or(0);
        if db != self.keys_db {
            self.keys_db = db;
            self.rebuild_keys();
        } else if events.iter().any(|e| e.db == db) {
            let engine = self.engine.borrow();
            let now = engine.now_ms();
            if let Some(d) = engine.db(db) {
                let keys = Rc::make_mut(&mut self.keys);
                for e in events.iter().filter(|e| e.db == db) {
                    match d.peek(&e.key) {
                        Some(entry) if !d.is_expired_at(&e.key, now) => {
                            keys.insert(
                                e.key.clone(),
                                KeyInfo { type_name: entry.value.type_name(), expire_at: entry.expire_at },
                            );
                        }
                        _ => {
                            keys.remove(&e.key);
                        }
                    }
                }
            }
        }
        // Commands that change many keys at once (FLUSHDB, SWAPDB, snapshot import) may not
        // announce each key; a count mismatch catches them.
        let len = self.engine.borrow().db(self.keys_db).map(|d| d.len()).unwrap_or(0);
        let mismatch = len != self.keys.len();
        if mismatch {
            self.rebuild_keys();
        }
        let touched = match &self.viz {
            Some(v) => mismatch || v.db != self.keys_db || events.iter().any(|e| e.db == v.db && e.key == v.key),
            None => false,
        };
        if touched {
            self.refresh_viz();
        }
    }

    fn rebuild_keys(&mut self) {
        let engine = self.engine.borrow();
        let now = engine.now_ms();
        let mut keys = BTreeMap::new();
        if let Some(d) = engine.db(self.keys_db) {
            for (k, entry) in d.iter() {
                if !d.is_expired_at(k, now) {
                    keys.insert(k.clone(), KeyInfo { type_name: entry.value.type_name(), expire_at: entry.expire_at });
                }
            }
        }
        self.keys = Rc::new(keys);
    }

    fn refresh_viz(&mut self) {
        let Some(v) = self.viz.clone() else { return };
        let db = self.keys_db;
        let view = key_view(&mut self.engine.borrow_mut(), db, &v.key);
        let next = if v.db == db { v.update(view) } else { VizState::new(db, v.key.clone(), view) };
        self.viz = Some(Rc::new(next));
    }

    /// Whether the key browser needs the clock to move (a TTL is counting down).
    fn has_ttl(&self) -> bool {
        self.keys.values().any(|k| k.expire_at.is_some())
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        let is_tick = matches!(action, Action::Tick);
        match action {
            Action::Run(line) => s.run(line),
            Action::Tick => {
                s.engine.borrow_mut().tick();
                if s.has_ttl() {
                    s.now_ms = s.engine.borrow().now_ms();
                }
            }
            Action::AddClient => {
                s.add_client(Vec::new());
                s.active = s.clients.len() - 1;
                s.hist_rev += 1;
            }
            Action::CloseClient(i) => {
                if s.clients.len() > 1 && i < s.clients.len() {
                    let c = s.clients.remove(i);
                    s.engine.borrow_mut().disconnect(c.id);
                    if s.active >= s.clients.len() || s.active > i {
                        s.active = s.active.saturating_sub(1);
                    }
                    s.hist_rev += 1;
                }
            }
            Action::SelectClient(i) => {
                if i < s.clients.len() {
                    s.active = i;
                    s.clients[i].unread = false;
                }
            }
            Action::Clear => {
                if let Some(c) = s.clients.get_mut(s.active) {
                    c.lines = Rc::new(Vec::new());
                }
            }
            Action::Cancel => {
                if let Some(c) = s.clients.get_mut(s.active) {
                    let mut engine = s.engine.borrow_mut();
                    engine.disconnect(c.id);
                    c.id = engine.connect();
                    c.blocked = None;
                    c.push(Line::new(LineKind::Note, "(interrupted; reconnected as a new client)"));
                }
            }
            Action::Filter(f) => s.filter = f,
            Action::OpenKey(key) => {
                s.viz = key.map(|k| {
                    let view = key_view(&mut s.engine.borrow_mut(), s.keys_db, &k);
                    Rc::new(VizState::new(s.keys_db, k, view))
                });
            }
            Action::Import { bytes, label, quiet } => {
                let result = snapshot::import(&mut s.engine.borrow_mut(), &bytes);
                match result {
                    Ok(summary) => {
                        s.rev += 1;
                        s.rebuild_keys();
                        s.refresh_viz();
                        if !quiet {
                            s.notice = Some(Notice {
                                error: false,
                                text: format!("Restored \"{label}\": {} keys.", summary.keys),
                            });
                        }
                    }
                    Err(e) => {
                        s.notice = Some(Notice {
                            error: true,
                            text: format!("Could not restore \"{label}\": {e}. Nothing was changed."),
                        });
                    }
                }
                s.now_ms = s.engine.borrow().now_ms();
            }
            Action::Notice(n) => s.notice = n,
        }
        if !is_tick {
            s.now_ms = s.engine.borrow().now_ms();
        }
        s.sync();
        if s == *self && s.rev == self.rev && s.hist_rev == self.hist_rev {
            return self;
        }
        Rc::new(s)
    }
}
