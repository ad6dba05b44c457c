//! One console pane: scrollback, the prompt line with redis-cli's greyed syntax hint, ↑/↓
//! history, Tab completion, Ctrl+L to clear, and a waiting state while the client is blocked.

use std::rc::Rc;

use web_sys::{Element, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use super::help;
use super::state::{ClientState, Line, LineKind};

/// Replies longer than this many lines are shown a page at a time.
pub const PAGE_ROWS: usize = 500;

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    pub client: ClientState,
    pub on_run: Callback<String>,
    pub on_clear: Callback<()>,
    pub on_cancel: Callback<()>,
    /// The pane got focus (split view: it becomes the active client).
    #[prop_or_default]
    pub on_focus: Callback<()>,
    /// Whether this pane is the active client's (only the active pane takes focus by itself).
    #[prop_or(true)]
    pub active: bool,
    /// A label over the pane (split view).
    #[prop_or_default]
    pub label: Option<String>,
}

/// Cursor state that does not need its own render: where history browsing is, the line being
/// edited before it started, and the Tab completion cycle.
#[derive(Default)]
struct Edit {
    hist_pos: Option<usize>,
    draft: String,
    tab: Option<(String, usize)>,
}

#[function_component(Console)]
pub fn console(props: &ConsoleProps) -> Html {
    let input = use_state(String::new);
    let edit = use_mut_ref(Edit::default);
    let input_ref = use_node_ref();
    let scroll_ref = use_node_ref();
    let client = &props.client;
    let blocked = client.blocked.is_some();

    {
        // Keep the newest output in view, and the prompt focused when it comes back.
        let scroll_ref = scroll_ref.clone();
        let input_ref = input_ref.clone();
        let last = client.lines.last().map(|l| l.id);
        let active = props.active;
        use_effect_with((last, blocked), move |(_, blocked)| {
            let blocked = *blocked;
            if let Some(el) = scroll_ref.cast::<Element>() {
                el.set_scroll_top(el.scroll_height());
            }
            if !active {
                return;
            }
            if let Some(i) = input_ref.cast::<HtmlInputElement>() {
                let _ = i.focus();
            }
            // While blocked the input is disabled: keep focus on the pane so Ctrl+C works.
            if blocked {
                if let Some(el) = scroll_ref.cast::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    }

    let oninput = {
        let input = input.clone();
        let edit = edit.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            let mut ed = edit.borrow_mut();
            ed.hist_pos = None;
            ed.tab = None;
            input.set(el.value());
        })
    };

    let onkeydown = {
        let input = input.clone();
        let edit = edit.clone();
        let history = client.history.clone();
        let on_run = props.on_run.clone();
        let on_clear = props.on_clear.clone();
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |e: KeyboardEvent| {
            let mut ed = edit.borrow_mut();
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    *ed = Edit::default();
                    let line = (*input).clone();
                    input.set(String::new());
                    on_run.emit(line);
                }
                "ArrowUp" | "ArrowDown" => {
                    e.prevent_default();
                    if let Some(text) = history_step(&mut ed, &history, &input, e.key() == "ArrowUp") {
                        input.set(text);
                    }
                }
                // On an empty line Tab moves focus as usual, so the page stays keyboard-navigable.
                "Tab" if !input.is_empty() => {
                    e.prevent_default();
                    let current = (*input).clone();
                    if current.contains(' ') {
                        return;
                    }
                    let (prefix, next) = match ed.tab.take() {
                        Some((p, i)) => (p, i + 1),
                        None => (current, 0),
                    };
                    let names = help::completions(&prefix);
                    if !names.is_empty() {
                        let i = next % names.len();
                        input.set(names[i].clone());
                        ed.tab = Some((prefix, i));
                    }
                }
                "l" | "L" if e.ctrl_key() => {
                    e.prevent_default();
                    on_clear.emit(());
                }
                "c" | "C" if e.ctrl_key() => {
                    on_cancel.emit(());
                }
                _ => {}
            }
        })
    };

    let onclick = {
        let input_ref = input_ref.clone();
        Callback::from(move |_: MouseEvent| {
            // Clicking the scrollback focuses the prompt, unless the learner is selecting text.
            let selecting = web_sys::window()
                .and_then(|w| w.get_selection().ok().flatten())
                .map(|s| !s.is_collapsed())
                .unwrap_or(false);
            if !selecting {
                if let Some(i) = input_ref.cast::<HtmlInputElement>() {
                    let _ = i.focus();
                }
            }
        })
    };

    let hint = if blocked { None } else { help::hint(&input) };
    let lines = client.lines.iter().map(|line| html! { <LineView key={line.id} line={line.clone()} /> });
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    let pane_keydown = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |e: KeyboardEvent| {
            if blocked && e.ctrl_key() && e.key().eq_ignore_ascii_case("c") {
                e.prevent_default();
                on_cancel.emit(());
            }
        })
    };

    let onfocusin = props.on_focus.reform(|_: FocusEvent| ());
    html! {
        <section class="console" ref={scroll_ref} {onclick} onkeydown={pane_keydown} {onfocusin} tabindex="-1" aria-label="Redis console">
            if let Some(label) = props.label.clone() {
                <div class="pane-label">{ label }</div>
            }
            { for lines }
            if let Some(cmd) = client.blocked.clone() {
                <div class="line waiting" role="status">
                    <span class="spinner" aria-hidden="true"></span>
                    { format!("waiting: {cmd} is blocked until data arrives or it times out ") }
                    <button class="link" onclick={cancel}>{ "cancel (Ctrl+C)" }</button>
                </div>
            }
            <label class={classes!("line", "prompt-line", blocked.then_some("disabled"))}>
                <span class="prompt">{ client.prompt() }</span>
                <span class="cmd-wrap">
                    <span class="hint-mirror" aria-hidden="true">
                        <span class="ghost">{ (*input).clone() }</span>
                        <span class="syntax-hint">{ hint.unwrap_or_default() }</span>
                    </span>
                    <input
                        ref={input_ref}
                        class="cmd"
                        type="text"
                        aria-label="command"
                        spellcheck="false"
                        autocomplete="off"
                        autocapitalize="off"
                        disabled={blocked}
                        value={(*input).clone()}
                        {oninput}
                        {onkeydown}
                    />
                </span>
            </label>
        </section>
    }
}

fn history_step(ed: &mut Edit, history: &Rc<Vec<String>>, input: &str, older: bool) -> Option<String> {
    if history.is_empty() {
        return None;
    }
    let last = history.len() - 1;
    let next = match (ed.hist_pos, older) {
        (None, true) => {
            ed.draft = input.to_string();
            Some(last)
        }
        (None, false) => return None,
        (Some(i), true) => Some(i.saturating_sub(1)),
        (Some(i), false) if i < last => Some(i + 1),
        (Some(_), false) => None,
    };
    ed.hist_pos = next;
    Some(match next {
        Some(i) => history.get(i).cloned().unwrap_or_default(),
        None => std::mem::take(&mut ed.draft),
    })
}

#[derive(Properties, PartialEq)]
struct LineProps {
    line: Line,
}

/// One scrollback entry; long replies show `PAGE_ROWS` lines and a button for more.
#[function_component(LineView)]
fn line_view(props: &LineProps) -> Html {
    let shown = use_state(|| PAGE_ROWS);
    let line = &props.line;
    match &line.kind {
        LineKind::Input(prompt) => html! {
            <div class="line input"><span class="prompt">{ prompt.clone() }</span>{ line.text.to_string() }</div>
        },
        LineKind::Note => html! { <div class="line note">{ line.text.to_string() }</div> },
        LineKind::Output | LineKind::Error => {
            let class = if line.kind == LineKind::Error { "line output error" } else { "line output" };
            if line.rows <= *shown {
                return html! { <pre {class}>{ line.text.to_string() }</pre> };
            }
            let end = line.text.match_indices('\n').nth(*shown - 1).map(|(i, _)| i + 1).unwrap_or(line.text.len());
            let hidden = line.rows - *shown;
            let more = {
                let shown = shown.clone();
                Callback::from(move |_: MouseEvent| shown.set(*shown + PAGE_ROWS))
            };
            let all = {
                let shown = shown.clone();
                let rows = line.rows;
                Callback::from(move |_: MouseEvent| shown.set(rows))
            };
            html! {
                <div class="long-reply">
                    <pre {class}>{ line.text[..end].to_string() }</pre>
                    <div class="more">
                        { format!("… {hidden} more lines ") }
                        <button class="link show-more" onclick={more}>{ format!("show {} more", hidden.min(PAGE_ROWS)) }</button>
                        { " · " }
                        <button class="link" onclick={all}>{ "show all" }</button>
                    </div>
                </div>
            }
        }
    }
}
