//! The visualizers' view model (`KeyView`, `VizState`) and the ONE adapter that builds it from
//! the engine (`key_view`). Plain Rust over the engine, no Yew, so `tests/app_logic.rs` can
//! test it natively.

use crate::engine::resp::to_resp2;
use crate::engine::{Engine, Reply};

/// What a visualizer shows for one key.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyView {
    /// The key does not exist (deleted or expired since it was opened).
    Missing,
    Str {
        bytes: Vec<u8>,
        encoding: String,
    },
    List(Vec<Vec<u8>>),
    /// Field/value pairs, in the hash's own order.
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    /// Members, sorted for a stable display (a set has no order).
    Set(Vec<Vec<u8>>),
    /// Members with their scores as Redis prints them, lowest score first.
    ZSet(Vec<(Vec<u8>, Vec<u8>)>),
    /// Entries, oldest first: id and field/value pairs.
    Stream(Vec<(Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>)>),
    /// A type without a visualizer yet.
    Other {
        type_name: String,
    },
}

/// Runs a read-only command on `db` through `Engine::inspect` and returns its reply in RESP2
/// shape (flat pairs, scores as bulk strings), as a RESP2 client would see it.
fn run(engine: &mut Engine, db: usize, argv: &[&[u8]]) -> Reply {
    let argv: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
    to_resp2(&engine.inspect(db, &argv))
}

fn bulk(r: Reply) -> Option<Vec<u8>> {
    match r {
        Reply::Bulk(b) => Some(b),
        Reply::Status(s) => Some(s.into_bytes()),
        _ => None,
    }
}

/// The one adapter from engine data to a view model: reads `key` of database `db` with
/// read-only commands run by `Engine::inspect`, as no client, so looking at a key never shows
/// in CLIENT LIST, INFO's counters or the key's idle time.
pub fn key_view(engine: &mut Engine, db: usize, key: &[u8]) -> KeyView {
    let type_name = match bulk(run(engine, db, &[b"TYPE", key])) {
        Some(t) => String::from_utf8_lossy(&t).into_owned(),
        None => return KeyView::Missing,
    };
    match type_name.as_str() {
        "none" => KeyView::Missing,
        "string" => {
            let bytes = bulk(run(engine, db, &[b"GET", key])).unwrap_or_default();
            let encoding = bulk(run(engine, db, &[b"OBJECT", b"ENCODING", key]))
                .map(|e| String::from_utf8_lossy(&e).into_owned())
                .unwrap_or_default();
            KeyView::Str { bytes, encoding }
        }
        "list" => match run(engine, db, &[b"LRANGE", key, b"0", b"-1"]) {
            Reply::Array(items) => KeyView::List(items.into_iter().filter_map(bulk).collect()),
            _ => KeyView::Other { type_name },
        },
        "hash" => match run(engine, db, &[b"HGETALL", key]) {
            Reply::Array(items) => KeyView::Hash(pairs(items)),
            _ => KeyView::Other { type_name },
        },
        "set" => match run(engine, db, &[b"SMEMBERS", key]) {
            Reply::Array(items) => {
                let mut members: Vec<Vec<u8>> = items.into_iter().filter_map(bulk).collect();
                members.sort();
                KeyView::Set(members)
            }
            _ => KeyView::Other { type_name },
        },
        "zset" => match run(engine, db, &[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]) {
            Reply::Array(items) => KeyView::ZSet(pairs(items)),
            _ => KeyView::Other { type_name },
        },
        "stream" => match run(engine, db, &[b"XRANGE", key, b"-", b"+", b"COUNT", b"500"]) {
            Reply::Array(items) => KeyView::Stream(
                items
                    .into_iter()
                    .filter_map(|e| match e {
                        Reply::Array(mut parts) if parts.len() == 2 => {
                            let fields = match parts.pop() {
                                Some(Reply::Array(f)) => pairs(f),
                                _ => Vec::new(),
                            };
                            Some((bulk(parts.pop()?)?, fields))
                        }
                        _ => None,
                    })
                    .collect(),
            ),
            _ => KeyView::Other { type_name },
        },
        _ => KeyView::Other { type_name },
    }
}

/// A flat `[k1, v1, k2, v2, ...]` reply (RESP2 HGETALL, ZRANGE WITHSCORES) as pairs.
fn pairs(items: Vec<Reply>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let flat: Vec<Vec<u8>> = items.into_iter().filter_map(bulk).collect();
    flat.chunks_exact(2).map(|c| (c[0].clone(), c[1].clone())).collect()
}

/// The open key's view plus what the list animation needs: a stable id per element (so pushes
/// at either end animate only the new boxes) and the elements that were just popped.
#[derive(Clone, Debug, PartialEq)]
pub struct VizState {
    pub db: usize,
    pub key: Vec<u8>,
    pub view: KeyView,
    pub ids: Vec<u64>,
    pub next_id: u64,
    pub popped_head: Vec<Vec<u8>>,
    pub popped_tail: Vec<Vec<u8>>,
    /// Bumped on every refresh so pop "ghosts" restart their animation.
    pub generation: u64,
}

impl VizState {
    pub fn new(db: usize, key: Vec<u8>, view: KeyView) -> VizState {
        let n = if let KeyView::List(items) = &view { items.len() } else { 0 };
        VizState {
            db,
            key,
            view,
            ids: (0..n as u64).collect(),
            next_id: n as u64,
            popped_head: Vec::new(),
            popped_tail: Vec::new(),
            generation: 0,
        }
    }

    /// Moves to a newer view of the same key, matching list elements that survived.
    pub fn update(&self, view: KeyView) -> VizState {
        let mut next = VizState { view: view.clone(), generation: self.generation + 1, ..self.clone() };
        next.popped_head.clear();
        next.popped_tail.clear();
        let (KeyView::List(old), KeyView::List(new)) = (&self.view, &view) else {
            return VizState { generation: self.generation + 1, ..VizState::new(self.db, self.key.clone(), view) };
        };
        let fresh = |next: &mut VizState, n: usize| -> Vec<u64> {
            let ids = (next.next_id..next.next_id + n as u64).collect();
            next.next_id += n as u64;
            ids
        };
        if new.len() >= old.len() && new.ends_with(old) {
            // Pushed at the head (LPUSH).
            let mut ids = fresh(&mut next, new.len() - old.len());
            ids.extend_from_slice(&self.ids);
            next.ids = ids;
        } else if new.len() >= old.len() && new.starts_with(old) {
            // Pushed at the tail (RPUSH).
            let mut ids = self.ids.clone();
            ids.extend(fresh(&mut next, new.len() - old.len()));
            next.ids = ids;
        } else if old.ends_with(new) {
            // Popped from the head (LPOP).
            let k = old.len() - new.len();
            next.popped_head = old[..k].to_vec();
            next.ids = self.ids[k..].to_vec();
        } else if old.starts_with(new) {
            // Popped from the tail (RPOP).
            next.popped_tail = old[new.len()..].to_vec();
            next.ids = self.ids[..new.len()].to_vec();
        } else {
            next.ids = fresh(&mut next, new.len());
        }
        next
    }
}
