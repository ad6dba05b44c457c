//! The browser app (wasm32 only): consoles over one engine, a key browser, visualizers,
//! snapshots and the lesson panel.
//!
//! This module is the only place that knows about Yew and the DOM; the engine stays pure Rust.
//! State lives in one reducer (`state::AppState`); persistence (IndexedDB autosave, history in
//! localStorage, the theme) runs as effects. Every value is rendered as a text node (never as
//! HTML), so whatever a learner stores in a key is shown, not interpreted.

pub mod client_tabs;
pub mod console;
pub mod help;
pub mod idb;
pub mod key_browser;
pub mod lesson;
pub mod snapshots;
pub mod state;
pub mod viz;

#[cfg(test)]
mod tests;

use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::engine::clock::FnClock;
use crate::engine::{Config, Engine};
use crate::persist::snapshot;

use client_tabs::ClientTabs;
use console::Console;
use key_browser::KeyBrowser;
use lesson::LessonPanel;
use snapshots::Snapshots;
use state::{Action, AppState, Notice};
use viz::panel::VizPanel;

/// How often the engine's periodic work (active expiry, blocking timeouts) runs, as Redis's
/// default `hz 10` does.
const TICK_MS: u32 = 100;
/// Autosave waits this long after the last change.
const AUTOSAVE_DEBOUNCE_MS: u32 = 400;
const HISTORY_KEY: &str = "rp.history";
const THEME_KEY: &str = "rp.theme";

/// Mounts the app on the document body.
pub fn start() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Histories are stored one client per record, separated by U+001E, entries by newlines
/// (a console line cannot contain a newline).
fn load_histories() -> Vec<Vec<String>> {
    let Some(text) = storage().and_then(|s| s.get_item(HISTORY_KEY).ok().flatten()) else {
        return Vec::new();
    };
    text.split('\u{1e}')
        .map(|h| h.split('\n').filter(|l| !l.is_empty()).map(str::to_string).collect())
        .take(8)
        .collect()
}

fn save_histories(state: &AppState) {
    let text: Vec<String> = state.clients.iter().map(|c| c.history.join("\n")).collect();
    if let Some(s) = storage() {
        let _ = s.set_item(HISTORY_KEY, &text.join("\u{1e}"));
    }
}

fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .map(|m| m.matches())
        .unwrap_or(false)
}

/// Offers `bytes` as a file download (`redis-playground.rpsnap`).
fn download(bytes: &[u8]) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let fail = |_| "the browser refused".to_string();
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/octet-stream");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a").map_err(fail)?.unchecked_into();
    a.set_href(&url);
    a.set_download("redis-playground.rpsnap");
    a.click();
    // Revoked a little later: revoking at once can cancel the download in some browsers.
    Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

fn notice(error: bool, text: impl Into<String>) -> Action {
    Action::Notice(Some(Notice { error, text: text.into() }))
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        // Redis's defaults plus a fixed memory cap, so no command can exhaust the tab's heap.
        let engine = Engine::with_config(Box::new(FnClock(js_sys::Date::now)), Config::playground());
        AppState::new(engine, load_histories())
    });
    let snaps = use_state(|| Rc::new(Vec::new()));
    let theme = use_state(|| storage().and_then(|s| s.get_item(THEME_KEY).ok().flatten()));
    let loaded = use_state(|| false);
    let split = use_state(|| false);

    let refresh_snaps = {
        let snaps = snaps.clone();
        Callback::from(move |_: ()| {
            let snaps = snaps.clone();
            spawn_local(async move {
                if let Ok(list) = idb::list_snapshots().await {
                    snaps.set(Rc::new(list));
                }
            });
        })
    };

    {
        // Start-up: restore the autosaved data, list snapshots, start the 100 ms tick.
        let dispatch = state.dispatcher();
        let loaded = loaded.clone();
        let refresh_snaps = refresh_snaps.clone();
        use_effect_with((), move |_| {
            let d = dispatch.clone();
            spawn_local(async move {
                match idb::load_autosave().await {
                    Ok(Some(bytes)) => d.dispatch(Action::Import { bytes, label: "autosave".into(), quiet: true }),
                    Ok(None) => {}
                    Err(e) => d.dispatch(notice(true, format!("Could not read the autosave: {e}"))),
                }
                loaded.set(true);
                refresh_snaps.emit(());
            });
            let tick = Interval::new(TICK_MS, move || dispatch.dispatch(Action::Tick));
            move || drop(tick)
        });
    }

    {
        // Autosave, debounced: a burst of commands is saved once, after it settles.
        let engine = state.engine.clone();
        let dispatch = state.dispatcher();
        let ready = *loaded;
        use_effect_with((state.rev, ready), move |(rev, ready)| {
            let timer = (*rev > 0 && *ready).then(|| {
                Timeout::new(AUTOSAVE_DEBOUNCE_MS, move || {
                    let bytes = snapshot::export(&engine.borrow());
                    spawn_local(async move {
                        if let Err(e) = idb::save_autosave(&bytes).await {
                            dispatch.dispatch(notice(true, format!("Autosave failed: {e}")));
                        }
                    });
                })
            });
            move || drop(timer)
        });
    }

    {
        let s = state.clone();
        use_effect_with(state.hist_rev, move |_| save_histories(&s));
    }

    {
        let theme = (*theme).clone();
        use_effect_with(theme, |theme| {
            if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
                let _ = match theme {
                    Some(t) => root.set_attribute("data-theme", t),
                    None => root.remove_attribute("data-theme"),
                };
            }
        });
    }

    let dark = match theme.as_deref() {
        Some(t) => t == "dark",
        None => prefers_dark(),
    };
    let toggle_theme = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            // Decided now, not at the last render: the system theme may have changed since.
            let dark = match theme.as_deref() {
                Some(t) => t == "dark",
                None => prefers_dark(),
            };
            let next = if dark { "light" } else { "dark" };
            if let Some(s) = storage() {
                let _ = s.set_item(THEME_KEY, next);
            }
            theme.set(Some(next.to_string()));
        })
    };

    let toggle_split = {
        let split = split.clone();
        Callback::from(move |_: ()| split.set(!*split))
    };
    let split = *split;
    let d = state.dispatcher();
    let on_run = {
        let d = d.clone();
        Callback::from(move |line: String| d.dispatch(Action::Run(line)))
    };
    let on_save = {
        let engine = state.engine.clone();
        let d = d.clone();
        let refresh = refresh_snaps.clone();
        Callback::from(move |name: String| {
            let (bytes, keys) = {
                let e = engine.borrow();
                let keys = (0..16).filter_map(|i| e.db(i)).map(|db| db.len()).sum::<usize>();
                (snapshot::export(&e), keys as u32)
            };
            let d = d.clone();
            let refresh = refresh.clone();
            spawn_local(async move {
                match idb::save_snapshot(&name, &bytes, keys, js_sys::Date::now()).await {
                    Ok(()) => d.dispatch(notice(false, format!("Saved \"{name}\" ({keys} keys)."))),
                    Err(e) => d.dispatch(notice(true, format!("Could not save \"{name}\": {e}"))),
                }
                refresh.emit(());
            });
        })
    };
    let on_restore = {
        let d = d.clone();
        Callback::from(move |name: String| {
            let d = d.clone();
            spawn_local(async move {
                match idb::load_snapshot(&name).await {
                    Ok(Some(bytes)) => d.dispatch(Action::Import { bytes, label: name, quiet: false }),
                    Ok(None) => d.dispatch(notice(true, format!("There is no snapshot named \"{name}\"."))),
                    Err(e) => d.dispatch(notice(true, format!("Could not read \"{name}\": {e}"))),
                }
            });
        })
    };
    let on_delete = {
        let d = d.clone();
        let refresh = refresh_snaps.clone();
        Callback::from(move |name: String| {
            let d = d.clone();
            let refresh = refresh.clone();
            spawn_local(async move {
                match idb::delete_snapshot(&name).await {
                    Ok(()) => d.dispatch(notice(false, format!("Deleted \"{name}\"."))),
                    Err(e) => d.dispatch(notice(true, format!("Could not delete \"{name}\": {e}"))),
                }
                refresh.emit(());
            });
        })
    };

    let on_download = {
        let engine = state.engine.clone();
        let d = d.clone();
        Callback::from(move |_: ()| {
            let bytes = snapshot::export(&engine.borrow());
            if let Err(e) = download(&bytes) {
                d.dispatch(notice(true, format!("Could not download: {e}")));
            }
        })
    };
    let on_import_file = {
        let d = d.clone();
        Callback::from(move |file: web_sys::File| {
            let d = d.clone();
            spawn_local(async move {
                let label = file.name();
                match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                    Ok(buf) => {
                        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
                        d.dispatch(Action::Import { bytes, label, quiet: false });
                    }
                    Err(_) => d.dispatch(notice(true, format!("Could not read the file \"{label}\"."))),
                }
            });
        })
    };
    let act: Callback<Action> = {
        let d = d.clone();
        Callback::from(move |a| d.dispatch(a))
    };
    let active = state.active_client().cloned();
    html! {
        <div class="app">
            <header class="bar">
                <h1>{ "Redis Playground" }</h1>
                <span class="hint">{ "Enter run · ↑/↓ history · Tab complete · Ctrl+L clear · HELP cmd" }</span>
                <button class="btn subtle theme-toggle" onclick={toggle_theme} aria-label="toggle dark theme">
                    { if dark { "☀ light" } else { "☾ dark" } }
                </button>
            </header>
            <main class="layout">
                <div class="main-col">
                    <ClientTabs
                        clients={state.clients.clone()}
                        active={state.active}
                        on_select={act.reform(Action::SelectClient)}
                        on_close={act.reform(Action::CloseClient)}
                        on_add={act.reform(|_| Action::AddClient)}
                        {split}
                        on_split={toggle_split}
                    />
                    if split && state.clients.len() > 1 {
                        <div class="consoles split">
                            { for state.clients.iter().enumerate().map(|(i, c)| {
                                // Each pane acts on its own client: select it, then act.
                                let pane = |a: fn(()) -> Action| {
                                    let d = d.clone();
                                    Callback::from(move |_: ()| {
                                        d.dispatch(Action::SelectClient(i));
                                        d.dispatch(a(()));
                                    })
                                };
                                let run = {
                                    let d = d.clone();
                                    Callback::from(move |line: String| {
                                        d.dispatch(Action::SelectClient(i));
                                        d.dispatch(Action::Run(line));
                                    })
                                };
                                let focus = {
                                    let d = d.clone();
                                    let active = state.active;
                                    Callback::from(move |_: ()| if active != i { d.dispatch(Action::SelectClient(i)) })
                                };
                                let label = format!("client {}{}", c.uid, if i == state.active { " (active)" } else { "" });
                                html! {
                                    <Console
                                        key={c.uid}
                                        client={c.clone()}
                                        on_run={run}
                                        on_clear={pane(|_| Action::Clear)}
                                        on_cancel={pane(|_| Action::Cancel)}
                                        on_focus={focus}
                                        active={i == state.active}
                                        label={Some(label)}
                                    />
                                }
                            }) }
                        </div>
                    } else if let Some(c) = active {
                        <Console
                            key={c.uid}
                            client={c.clone()}
                            on_run={on_run.clone()}
                            on_clear={act.reform(|_| Action::Clear)}
                            on_cancel={act.reform(|_| Action::Cancel)}
                        />
                    }
                </div>
                <aside class="side-col">
                    <KeyBrowser
                        keys={state.keys.clone()}
                        db={state.keys_db}
                        filter={state.filter.clone()}
                        now_ms={state.now_ms}
                        open={state.viz.as_ref().map(|v| v.key.clone())}
                        on_filter={act.reform(Action::Filter)}
                        on_open={act.reform(|k| Action::OpenKey(Some(k)))}
                    />
                    if let Some(v) = state.viz.clone() {
                        <VizPanel viz={v} on_close={act.reform(|_| Action::OpenKey(None))} />
                    }
                    <Snapshots
                        list={(*snaps).clone()}
                        notice={state.notice.clone()}
                        {on_save}
                        {on_restore}
                        {on_delete}
                        {on_download}
                        {on_import_file}
                    />
                    <LessonPanel on_run={on_run} engine={state.engine.clone()} rev={state.rev} />
                </aside>
            </main>
        </div>
    }
}
