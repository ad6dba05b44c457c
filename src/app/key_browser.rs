//! The key browser: keys of the active client's database with a type badge and a live TTL,
//! filtered by a glob pattern (Redis's own matcher); clicking a key opens its visualizer.

use std::collections::BTreeMap;
use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::cli::quote;
use crate::engine::glob::Pattern;

use super::state::KeyInfo;

/// Keys listed at most; the rest are counted.
const MAX_LISTED: usize = 500;

#[derive(Properties, PartialEq)]
pub struct KeyBrowserProps {
    pub keys: Rc<BTreeMap<Vec<u8>, KeyInfo>>,
    pub db: usize,
    pub filter: String,
    pub now_ms: i64,
    pub open: Option<Vec<u8>>,
    pub on_filter: Callback<String>,
    pub on_open: Callback<Vec<u8>>,
}

/// A TTL as a short countdown ("42s", "3m 05s").
fn ttl_text(ms: i64) -> String {
    let s = (ms.max(0) + 999) / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// A key as text: printable UTF-8 as is, anything else escaped like redis-cli.
pub fn key_text(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if !s.chars().any(char::is_control) => s.to_string(),
        _ => {
            let q = quote(key);
            q[1..q.len() - 1].to_string()
        }
    }
}

#[function_component(KeyBrowser)]
pub fn key_browser(props: &KeyBrowserProps) -> Html {
    let pattern = if props.filter.is_empty() { "*".to_string() } else { props.filter.clone() };
    let matcher = Pattern::new(pattern.as_bytes());
    let matching: Vec<(&Vec<u8>, &KeyInfo)> = props.keys.iter().filter(|(k, _)| matcher.matches(k, false)).collect();
    let oninput = props.on_filter.reform(|e: InputEvent| e.target_unchecked_into::<HtmlInputElement>().value());
    let rows = matching.iter().take(MAX_LISTED).map(|(k, info)| {
        let key = (*k).clone();
        let open = props.open.as_deref() == Some(k.as_slice());
        let onclick = props.on_open.reform(move |_: MouseEvent| key.clone());
        let ttl = info.expire_at.map(|at| ttl_text(at - props.now_ms));
        html! {
            <li key={quote(k)}>
                <button class={classes!("key-row", open.then_some("open"))} {onclick}>
                    <span class={classes!("badge", format!("t-{}", info.type_name))}>{ info.type_name }</span>
                    <span class="key-name">{ key_text(k) }</span>
                    if let Some(t) = ttl { <span class="ttl" title="time to live">{ t }</span> }
                </button>
            </li>
        }
    });
    let total = props.keys.len();
    html! {
        <section class="panel keys" aria-label="key browser">
            <header class="panel-head">
                <h2>{ format!("Keys · db {}", props.db) }</h2>
                <span class="count">{ if matching.len() == total { format!("{total}") } else { format!("{} of {total}", matching.len()) } }</span>
            </header>
            <input class="filter" type="search" placeholder="filter (glob, e.g. user:*)" aria-label="filter keys"
                value={props.filter.clone()} {oninput} />
            if total == 0 {
                <p class="empty">{ "No keys yet. Try SET greeting hello." }</p>
            } else {
                <ul class="key-list">{ for rows }</ul>
                if matching.len() > MAX_LISTED {
                    <p class="empty">{ format!("… and {} more; narrow the filter.", matching.len() - MAX_LISTED) }</p>
                }
            }
        </section>
    }
}
