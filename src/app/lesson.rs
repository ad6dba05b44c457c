//! The lesson panel. The lesson model (src/lessons/, lessons/*.toml) is built on another
//! branch; this placeholder keeps the panel's place in the layout and its interface (run a
//! command block in the active console) until that lands and is wired up here.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LessonProps {
    /// Runs a command in the active console (lesson blocks are clickable).
    pub on_run: Callback<String>,
}

#[function_component(LessonPanel)]
pub fn lesson_panel(props: &LessonProps) -> Html {
    const EXAMPLES: [&str; 4] = ["SET greeting hello", "GET greeting", "EXPIRE greeting 30", "TTL greeting"];
    let blocks = EXAMPLES.iter().map(|cmd| {
        let run = props.on_run.reform(move |_: MouseEvent| cmd.to_string());
        html! { <li><button class="run-block" onclick={run} title="run in the console">{ *cmd }</button></li> }
    });
    html! {
        <section class="panel lesson" aria-label="lesson">
            <header class="panel-head"><h2>{ "Lessons" }</h2><span class="count">{ "coming soon" }</span></header>
            <p>{ "Guided lessons will appear here. Meanwhile, click a command to run it:" }</p>
            <ul class="blocks">{ for blocks }</ul>
        </section>
    }
}
