//! Visualizers for hashes and sorted sets (a two-column table: field/value, member/score) and
//! for sets (members as chips).

use yew::prelude::*;

use crate::app::key_browser::key_text;

/// Rows drawn at most.
const MAX_ROWS: usize = 500;

#[derive(Properties, PartialEq)]
pub struct PairsProps {
    pub rows: Vec<(Vec<u8>, Vec<u8>)>,
    pub left: &'static str,
    pub right: &'static str,
}

#[function_component(PairsViz)]
pub fn pairs_viz(props: &PairsProps) -> Html {
    let rows = props.rows.iter().take(MAX_ROWS).map(|(a, b)| {
        html! { <tr><td>{ key_text(a) }</td><td>{ key_text(b) }</td></tr> }
    });
    html! {
        <div class="viz-table">
            <div class="viz-meta"><span>{ format!("{} entries", props.rows.len()) }</span></div>
            <table>
                <thead><tr><th>{ props.left }</th><th>{ props.right }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if props.rows.len() > MAX_ROWS {
                <p class="empty">{ format!("showing the first {MAX_ROWS} of {}", props.rows.len()) }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct MembersProps {
    pub members: Vec<Vec<u8>>,
}

#[function_component(MembersViz)]
pub fn members_viz(props: &MembersProps) -> Html {
    let chips = props.members.iter().take(MAX_ROWS).map(|m| html! { <li class="chip">{ key_text(m) }</li> });
    html! {
        <div class="viz-set">
            <div class="viz-meta"><span>{ format!("{} members (unordered; shown sorted)", props.members.len()) }</span></div>
            <ul class="chips">{ for chips }</ul>
            if props.members.len() > MAX_ROWS {
                <p class="empty">{ format!("showing the first {MAX_ROWS} of {}", props.members.len()) }</p>
            }
        </div>
    }
}
