//! The list visualizer: elements as boxes from head (index 0) to tail. Boxes keep a stable id
//! across updates, so an LPUSH/RPUSH animates only the new boxes (CSS `enter`), and popped
//! elements fade out at the end they left from.

use yew::prelude::*;

use crate::app::key_browser::key_text;
use crate::app::viz::VizState;

/// Elements drawn at most.
const MAX_ITEMS: usize = 200;

#[derive(Properties, PartialEq)]
pub struct ListVizProps {
    pub items: Vec<Vec<u8>>,
    pub state: VizState,
}

#[function_component(ListViz)]
pub fn list_viz(props: &ListVizProps) -> Html {
    let st = &props.state;
    let gen = st.generation;
    let ghost = |side: &'static str, items: &[Vec<u8>]| {
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                html! { <li key={format!("{side}-{gen}-{i}")} class="box popped">{ key_text(v) }</li> }
            })
            .collect::<Html>()
    };
    let boxes = props.items.iter().zip(st.ids.iter()).take(MAX_ITEMS).enumerate().map(|(i, (v, id))| {
        html! {
            <li key={id.to_string()} class="box enter" title={format!("index {i}")}>
                <span class="idx">{ i }</span>
                <span class="val">{ key_text(v) }</span>
            </li>
        }
    });
    html! {
        <div class="viz-list">
            <div class="viz-meta"><span>{ format!("{} elements", props.items.len()) }</span></div>
            if props.items.is_empty() && st.popped_head.is_empty() && st.popped_tail.is_empty() {
                <p class="empty">{ "(empty list)" }</p>
            }
            <div class="list-ends"><span>{ "head (LPUSH / LPOP)" }</span><span>{ "tail (RPUSH / RPOP)" }</span></div>
            <ol class="list-boxes">
                { ghost("h", &st.popped_head) }
                { for boxes }
                { ghost("t", &st.popped_tail) }
            </ol>
            if props.items.len() > MAX_ITEMS {
                <p class="empty">{ format!("showing the first {MAX_ITEMS} of {}", props.items.len()) }</p>
            }
        </div>
    }
}
