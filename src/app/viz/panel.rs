//! The visualizer panel: the open key's name and type, and the visualizer for its type.

use std::rc::Rc;

use yew::prelude::*;

use super::list::ListViz;
use super::string::StringViz;
use super::table::{MembersViz, PairsViz};
use super::{KeyView, VizState};
use crate::app::key_browser::key_text;

#[derive(Properties, PartialEq)]
pub struct VizPanelProps {
    pub viz: Rc<VizState>,
    pub on_close: Callback<()>,
}

#[function_component(VizPanel)]
pub fn viz_panel(props: &VizPanelProps) -> Html {
    let v = &props.viz;
    let (type_name, body) = match &v.view {
        KeyView::Missing => ("none", html! { <p class="empty">{ "This key does not exist (any more)." }</p> }),
        KeyView::Str { bytes, encoding } => {
            ("string", html! { <StringViz bytes={bytes.clone()} encoding={encoding.clone()} /> })
        }
        KeyView::List(items) => ("list", html! { <ListViz items={items.clone()} state={(**v).clone()} /> }),
        KeyView::Hash(rows) => ("hash", html! { <PairsViz rows={rows.clone()} left="field" right="value" /> }),
        KeyView::ZSet(rows) => ("zset", html! { <PairsViz rows={rows.clone()} left="member" right="score" /> }),
        KeyView::Stream(entries) => {
            let rows: Vec<(Vec<u8>, Vec<u8>)> = entries
                .iter()
                .map(|(id, fields)| {
                    let text: Vec<String> =
                        fields.iter().map(|(f, v)| format!("{}={}", key_text(f), key_text(v))).collect();
                    (id.clone(), text.join("  ").into_bytes())
                })
                .collect();
            ("stream", html! { <PairsViz rows={rows} left="entry id" right="fields" /> })
        }
        KeyView::Set(members) => ("set", html! { <MembersViz members={members.clone()} /> }),
        KeyView::Other { type_name } => (
            type_name.as_str(),
            html! { <p class="empty">{ format!("No visualizer for {type_name} values yet.") }</p> },
        ),
    };
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <section class="panel viz" aria-label="visualizer">
            <header class="panel-head">
                <h2>
                    <span class={classes!("badge", format!("t-{type_name}"))}>{ type_name.to_string() }</span>
                    <span class="key-name">{ key_text(&v.key) }</span>
                </h2>
                <button class="link" onclick={close} aria-label="close visualizer">{ "×" }</button>
            </header>
            { body }
        </section>
    }
}
