//! The tab strip over the console: one tab per client connection, a dot on tabs with unseen
//! output, a "waiting" flag on blocked ones, and buttons to add and close clients.

use yew::prelude::*;

use super::state::ClientState;

#[derive(Properties, PartialEq)]
pub struct ClientTabsProps {
    pub clients: Vec<ClientState>,
    pub active: usize,
    pub on_select: Callback<usize>,
    pub on_close: Callback<usize>,
    pub on_add: Callback<()>,
    /// Side-by-side panes instead of one console at a time.
    pub split: bool,
    pub on_split: Callback<()>,
}

#[function_component(ClientTabs)]
pub fn client_tabs(props: &ClientTabsProps) -> Html {
    let closable = props.clients.len() > 1;
    let tabs = props.clients.iter().enumerate().map(|(i, c)| {
        let select = props.on_select.reform(move |_: MouseEvent| i);
        let close = props.on_close.reform(move |e: MouseEvent| {
            e.stop_propagation();
            i
        });
        let active = i == props.active;
        let label = format!("client {}", c.uid);
        html! {
            <div key={c.uid} class={classes!("tab", active.then_some("active"))} role="tab" aria-selected={active.to_string()}>
                <button class="tab-label" onclick={select} title={format!("connection id {}", c.id)}>
                    { label }
                    if c.db != 0 { <span class="tab-db">{ format!("[{}]", c.db) }</span> }
                    if c.blocked.is_some() { <span class="tab-flag" title="blocked">{ "waiting" }</span> }
                    if c.unread { <span class="tab-dot" title="new output">{ " •" }</span> }
                </button>
                if closable {
                    <button class="tab-close" onclick={close} aria-label={format!("close client {}", c.uid)}>{ "×" }</button>
                }
            </div>
        }
    });
    let add = props.on_add.reform(|_: MouseEvent| ());
    let split = props.on_split.reform(|_: MouseEvent| ());
    html! {
        <nav class="tabs" role="tablist" aria-label="clients">
            { for tabs }
            <button class="tab-add" onclick={add} title="connect another client" aria-label="add client">{ "+ client" }</button>
            if props.clients.len() > 1 {
                <button class={classes!("tab-add", "split-toggle", props.split.then_some("on"))} onclick={split}
                    aria-pressed={props.split.to_string()} title="show every client side by side">
                    { if props.split { "▣ tabs" } else { "◫ side by side" } }
                </button>
            }
        </nav>
    }
}
