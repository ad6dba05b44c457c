//! IndexedDB through web-sys: the autosaved engine state and named snapshots.
//!
//! One database, `redis-playground`, with two object stores: `kv` (the autosave and the lesson
//! progress) and
//! `snapshots` (records `{name, bytes, saved, keys}` keyed by name).
//! Requests are wrapped in promises so callers can `await` them.

use std::cell::RefCell;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DB_NAME: &str = "redis-playground";
const KV: &str = "kv";
const SNAPSHOTS: &str = "snapshots";
pub const AUTOSAVE_KEY: &str = "autosave";
/// The learner's lesson progress (TOML text, `lessons::progress::Progress`), beside the autosave.
pub const PROGRESS_KEY: &str = "progress";

thread_local! {
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// A named snapshot as listed in the panel.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotInfo {
    pub name: String,
    pub saved_ms: f64,
    pub keys: u32,
    pub size: u32,
}

fn err(what: &str) -> impl Fn(JsValue) -> String + '_ {
    move |e| {
        let detail = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
        format!("IndexedDB {what} failed {detail}").trim_end().to_string()
    }
}

/// Resolves with the request's result once it succeeds.
async fn done(req: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let r = req.clone();
        let ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
        });
        let fail = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("request failed"));
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(fail.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(err("request"))
}

async fn open() -> Result<IdbDatabase, String> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let window = web_sys::window().ok_or("no window")?;
    let factory = window.indexed_db().map_err(err("open"))?.ok_or("IndexedDB is not available")?;
    let req: IdbOpenDbRequest = factory.open_with_u32(DB_NAME, 1).map_err(err("open"))?;
    let r = req.clone();
    let upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(db) = r.result().and_then(|v| v.dyn_into::<IdbDatabase>().map_err(JsValue::from)) {
            let names = db.object_store_names();
            for store in [KV, SNAPSHOTS] {
                if !names.contains(store) {
                    let _ = db.create_object_store(store);
                }
            }
        }
    });
    req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let db: IdbDatabase = done(&req).await?.dyn_into().map_err(err("open"))?;
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

async fn put(store: &str, key: &str, value: &JsValue) -> Result<(), String> {
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite).map_err(err("write"))?;
    let req = tx.object_store(store).map_err(err("write"))?.put_with_key(value, &JsValue::from_str(key));
    done(&req.map_err(err("write"))?).await.map(|_| ())
}

async fn get(store: &str, key: &str) -> Result<JsValue, String> {
    let db = open().await?;
    let tx = db.transaction_with_str(store).map_err(err("read"))?;
    let req = tx.object_store(store).map_err(err("read"))?.get(&JsValue::from_str(key));
    done(&req.map_err(err("read"))?).await
}

fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec)
}

pub async fn save_autosave(bytes: &[u8]) -> Result<(), String> {
    put(KV, AUTOSAVE_KEY, &Uint8Array::from(bytes).into()).await
}

pub async fn load_autosave() -> Result<Option<Vec<u8>>, String> {
    Ok(bytes_of(&get(KV, AUTOSAVE_KEY).await?))
}

pub async fn save_progress(text: &str) -> Result<(), String> {
    put(KV, PROGRESS_KEY, &JsValue::from_str(text)).await
}

/// The saved progress text, or `None` if nothing (or something that is not text) is stored.
pub async fn load_progress() -> Result<Option<String>, String> {
    Ok(get(KV, PROGRESS_KEY).await?.as_string())
}

pub async fn save_snapshot(name: &str, bytes: &[u8], keys: u32, saved_ms: f64) -> Result<(), String> {
    let rec = Object::new();
    let set = |k: &str, v: JsValue| Reflect::set(&rec, &JsValue::from_str(k), &v).map(|_| ());
    set("name", JsValue::from_str(name)).map_err(err("write"))?;
    set("bytes", Uint8Array::from(bytes).into()).map_err(err("write"))?;
    set("saved", JsValue::from_f64(saved_ms)).map_err(err("write"))?;
    set("keys", JsValue::from_f64(f64::from(keys))).map_err(err("write"))?;
    put(SNAPSHOTS, name, &rec.into()).await
}

/// The bytes of a named snapshot, or `None` if there is none by that name.
pub async fn load_snapshot(name: &str) -> Result<Option<Vec<u8>>, String> {
    let rec = get(SNAPSHOTS, name).await?;
    if rec.is_undefined() || rec.is_null() {
        return Ok(None);
    }
    // A record whose bytes are missing or of the wrong type reads as empty, which the
    // snapshot decoder then reports as "not a snapshot".
    Ok(Some(Reflect::get(&rec, &JsValue::from_str("bytes")).ok().and_then(|b| bytes_of(&b)).unwrap_or_default()))
}

pub async fn delete_snapshot(name: &str) -> Result<(), String> {
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(SNAPSHOTS, IdbTransactionMode::Readwrite).map_err(err("delete"))?;
    let req = tx.object_store(SNAPSHOTS).map_err(err("delete"))?.delete(&JsValue::from_str(name));
    done(&req.map_err(err("delete"))?).await.map(|_| ())
}

pub async fn list_snapshots() -> Result<Vec<SnapshotInfo>, String> {
    let db = open().await?;
    let tx = db.transaction_with_str(SNAPSHOTS).map_err(err("read"))?;
    let req = tx.object_store(SNAPSHOTS).map_err(err("read"))?.get_all();
    let all: Array = done(&req.map_err(err("read"))?).await?.dyn_into().map_err(err("read"))?;
    let field = |rec: &JsValue, k: &str| Reflect::get(rec, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let mut out: Vec<SnapshotInfo> = all
        .iter()
        .map(|rec| SnapshotInfo {
            name: field(&rec, "name").as_string().unwrap_or_default(),
            saved_ms: field(&rec, "saved").as_f64().unwrap_or(0.0),
            keys: field(&rec, "keys").as_f64().unwrap_or(0.0) as u32,
            size: field(&rec, "bytes").dyn_ref::<Uint8Array>().map(Uint8Array::length).unwrap_or(0),
        })
        .collect();
    out.sort_by(|a, b| b.saved_ms.total_cmp(&a.saved_ms));
    Ok(out)
}
