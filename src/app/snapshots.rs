//! Named snapshots: save the current data under a name, list, restore and delete them. The
//! storage (IndexedDB) is driven by the app; this panel only shows and asks.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::idb::SnapshotInfo;
use super::state::Notice;

#[derive(Properties, PartialEq)]
pub struct SnapshotsProps {
    pub list: Rc<Vec<SnapshotInfo>>,
    pub notice: Option<Notice>,
    pub on_save: Callback<String>,
    pub on_restore: Callback<String>,
    pub on_delete: Callback<String>,
    /// Downloads the current data as a snapshot file.
    pub on_download: Callback<()>,
    /// Restores from a snapshot file the learner picked.
    pub on_import_file: Callback<web_sys::File>,
}

fn when(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    String::from(d.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

#[function_component(Snapshots)]
pub fn snapshots(props: &SnapshotsProps) -> Html {
    let name = use_state(String::new);
    let oninput = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| name.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let onsubmit = {
        let name = name.clone();
        let on_save = props.on_save.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let n = name.trim().to_string();
            if !n.is_empty() {
                on_save.emit(n);
                name.set(String::new());
            }
        })
    };
    let rows = props.list.iter().map(|s| {
        let restore = {
            let n = s.name.clone();
            props.on_restore.reform(move |_: MouseEvent| n.clone())
        };
        let delete = {
            let n = s.name.clone();
            props.on_delete.reform(move |_: MouseEvent| n.clone())
        };
        html! {
            <li key={s.name.clone()} class="snap">
                <span class="snap-name">{ s.name.clone() }</span>
                <span class="snap-meta">{ format!("{} keys · {} B · {}", s.keys, s.size, when(s.saved_ms)) }</span>
                <span class="snap-actions">
                    <button class="btn" onclick={restore} aria-label={format!("restore {}", s.name)}>{ "restore" }</button>
                    <button class="btn subtle" onclick={delete} aria-label={format!("delete {}", s.name)}>{ "delete" }</button>
                </span>
            </li>
        }
    });
    let download = props.on_download.reform(|_: MouseEvent| ());
    let onchange = {
        let cb = props.on_import_file.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                cb.emit(file);
            }
            // Picking the same file again must fire another change.
            input.set_value("");
        })
    };
    html! {
        <section class="panel snapshots" aria-label="snapshots">
            <header class="panel-head"><h2>{ "Snapshots" }</h2><span class="count">{ "autosaved" }</span></header>
            <form class="snap-form" {onsubmit}>
                <input class="snap-input" type="text" placeholder="snapshot name" aria-label="snapshot name"
                    value={(*name).clone()} {oninput} />
                <button class="btn" type="submit">{ "save" }</button>
            </form>
            <div class="snap-files">
                <button class="btn subtle" onclick={download}>{ "download file" }</button>
                <label class="btn subtle file-pick">
                    { "import file…" }
                    <input class="snap-file" type="file" accept=".rpsnap,application/octet-stream" {onchange} />
                </label>
            </div>
            if let Some(n) = &props.notice {
                <p class={classes!("notice", n.error.then_some("error"))} role="status">{ n.text.clone() }</p>
            }
            if props.list.is_empty() {
                <p class="empty">{ "No named snapshots yet." }</p>
            } else {
                <ul class="snap-list">{ for rows }</ul>
            }
        </section>
    }
}
