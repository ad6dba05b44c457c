//! The browser app (wasm32 only): a redis-cli style console over the engine.
//!
//! This module is the only place that knows about Yew and the DOM; the engine stays pure Rust.
//! Every value is rendered as a text node (never as HTML), so whatever a learner stores in a
//! key is shown, not interpreted.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use redis_playground::engine::cli::format_reply;
use redis_playground::engine::clock::FnClock;
use redis_playground::engine::{ClientId, Engine};

/// How often the engine's periodic work (active expiry, blocking timeouts) runs, as Redis's
/// default `hz 10` does.
const TICK_MS: i32 = 100;

/// Mounts the app on the document body.
pub fn start() {
    console_error_panic_hook::set_once();
    yew::Renderer::<Console>::new().render();
}

/// One line of the console's scrollback.
#[derive(Clone, PartialEq)]
enum Line {
    /// What the learner typed, with the prompt shown at the time.
    Input { prompt: String, text: String },
    /// A reply formatted exactly as redis-cli prints it.
    Output(String),
    /// A message from the console itself (not from the server).
    Note(String),
}

pub enum Msg {
    Input(String),
    Key(KeyboardEvent),
    Tick,
    Focus,
}

/// The console: one engine, one client, a scrollback and a history.
pub struct Console {
    engine: Engine,
    client: ClientId,
    lines: Vec<Line>,
    input: String,
    history: Vec<String>,
    /// Position while browsing history with the arrow keys; `None` when editing a new line.
    history_pos: Option<usize>,
    /// The line being edited before browsing history started, restored by going past the end.
    draft: String,
    input_ref: NodeRef,
    scroll_ref: NodeRef,
    timer: Option<(i32, Closure<dyn FnMut()>)>,
}

impl Console {
    fn prompt(&self) -> String {
        match self.engine.client_db(self.client) {
            0 => "127.0.0.1:6379> ".to_string(),
            n => format!("127.0.0.1:6379[{n}]> "),
        }
    }

    /// Runs one typed line, as redis-cli's interactive loop does.
    fn run(&mut self, line: String) {
        let prompt = self.prompt();
        self.lines.push(Line::Input { prompt, text: line.clone() });
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return;
        }
        if self.history.last().map(String::as_str) != Some(line.as_str()) {
            self.history.push(line.clone());
        }
        if trimmed.eq_ignore_ascii_case("clear") {
            self.lines.clear();
            return;
        }
        match self.engine.execute_line(self.client, &line) {
            Ok(reply) => {
                let text = format_reply(&reply, self.engine.client_protocol(self.client));
                if !text.is_empty() {
                    self.lines.push(Line::Output(text));
                }
            }
            Err(msg) => self.lines.push(Line::Output(format!("{msg}\n"))),
        }
        self.take_pushed();
        if self.engine.client_closing(self.client) {
            // redis-cli reconnects on the next command; a fresh client starts in db 0 on RESP2.
            self.engine.disconnect(self.client);
            self.client = self.engine.connect();
            self.lines.push(Line::Note("(connection closed; reconnected as a new client)".into()));
        }
    }

    /// Appends replies that arrived outside a request (pub/sub messages, unblocked pops).
    /// Returns true if there were any.
    fn take_pushed(&mut self) -> bool {
        let proto = self.engine.client_protocol(self.client);
        let pushed = self.engine.take_pushed(self.client);
        let any = !pushed.is_empty();
        for reply in pushed {
            self.lines.push(Line::Output(format_reply(&reply, proto)));
        }
        any
    }

    fn history_step(&mut self, older: bool) {
        if self.history.is_empty() {
            return;
        }
        let last = self.history.len() - 1;
        let next = match (self.history_pos, older) {
            (None, true) => {
                self.draft = self.input.clone();
                Some(last)
            }
            (None, false) => None,
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i < last => Some(i + 1),
            (Some(_), false) => None,
        };
        self.history_pos = next;
        self.input = match next {
            Some(i) => self.history.get(i).cloned().unwrap_or_default(),
            None => std::mem::take(&mut self.draft),
        };
    }

    fn focus_input(&self) {
        if let Some(input) = self.input_ref.cast::<HtmlInputElement>() {
            let _ = input.focus();
        }
    }
}

impl Component for Console {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let mut engine = Engine::new(Box::new(FnClock(js_sys::Date::now)));
        let client = engine.connect();
        let tick = ctx.link().callback(|_: ()| Msg::Tick);
        let closure = Closure::<dyn FnMut()>::new(move || tick.emit(()));
        let timer = web_sys::window().and_then(|w| {
            w.set_interval_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), TICK_MS).ok()
        });
        Console {
            engine,
            client,
            lines: vec![Line::Note(
                "Welcome to Redis Playground: type a command such as SET greeting hello, then GET greeting.".into(),
            )],
            input: String::new(),
            history: Vec::new(),
            history_pos: None,
            draft: String::new(),
            input_ref: NodeRef::default(),
            scroll_ref: NodeRef::default(),
            timer: timer.map(|id| (id, closure)),
        }
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Input(text) => {
                self.input = text;
                self.history_pos = None;
                true
            }
            Msg::Key(e) => match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    let line = std::mem::take(&mut self.input);
                    self.history_pos = None;
                    self.draft.clear();
                    self.run(line);
                    true
                }
                "ArrowUp" => {
                    e.prevent_default();
                    self.history_step(true);
                    true
                }
                "ArrowDown" => {
                    e.prevent_default();
                    self.history_step(false);
                    true
                }
                "l" | "L" if e.ctrl_key() => {
                    e.prevent_default();
                    self.lines.clear();
                    true
                }
                _ => false,
            },
            Msg::Tick => {
                self.engine.tick();
                self.take_pushed()
            }
            Msg::Focus => {
                // Clicking the scrollback focuses the input, unless the learner is selecting text.
                let selecting = web_sys::window()
                    .and_then(|w| w.get_selection().ok().flatten())
                    .map(|s| !s.is_collapsed())
                    .unwrap_or(false);
                if !selecting {
                    self.focus_input();
                }
                false
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let oninput = link.callback(|e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            Msg::Input(input.value())
        });
        let onkeydown = link.callback(Msg::Key);
        let onclick = link.callback(|_: MouseEvent| Msg::Focus);
        let lines = self.lines.iter().map(|line| match line {
            Line::Input { prompt, text } => html! {
                <div class="line input"><span class="prompt">{ prompt.clone() }</span>{ text.clone() }</div>
            },
            Line::Output(text) => {
                let class = if text.starts_with("(error)") { "line output error" } else { "line output" };
                html! { <pre {class}>{ text.clone() }</pre> }
            }
            Line::Note(text) => html! { <div class="line note">{ text.clone() }</div> },
        });
        html! {
            <main class="app">
                <header class="bar">
                    <h1>{ "Redis Playground" }</h1>
                    <span class="hint">{ "↑/↓ history · Ctrl+L clear" }</span>
                </header>
                <section class="console" ref={self.scroll_ref.clone()} {onclick} aria-label="Redis console">
                    { for lines }
                    <label class="line prompt-line">
                        <span class="prompt">{ self.prompt() }</span>
                        <input
                            ref={self.input_ref.clone()}
                            class="cmd"
                            type="text"
                            aria-label="command"
                            spellcheck="false"
                            autocomplete="off"
                            autocapitalize="off"
                            autofocus=true
                            value={self.input.clone()}
                            {oninput}
                            {onkeydown}
                        />
                    </label>
                </section>
            </main>
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, first_render: bool) {
        if let Some(el) = self.scroll_ref.cast::<Element>() {
            el.set_scroll_top(el.scroll_height());
        }
        if first_render {
            self.focus_input();
        }
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        if let (Some((id, _)), Some(w)) = (self.timer.take(), web_sys::window()) {
            w.clear_interval_with_handle(id);
        }
    }
}
