//! Component tests in a real browser (wasm-bindgen-test in headless Chromium): each test mounts
//! one Yew component from `src/app` into the page with chosen props, then reads the DOM and
//! sends real DOM events, so rendering and wiring are checked without the whole app.
//!
//! Run by `scripts/test.sh` (`cargo test --target wasm32-unknown-unknown --lib` with
//! wasm-bindgen-test-runner and Debian's chromedriver). They live in the library rather than
//! under tests/ because an integration test would also build the native server binary, which
//! does not exist for wasm32.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use crate::app::client_tabs::{ClientTabs, ClientTabsProps};
use crate::app::console::{Console, ConsoleProps};
use crate::app::idb::SnapshotInfo;
use crate::app::key_browser::{KeyBrowser, KeyBrowserProps};
use crate::app::lesson::{LessonPanel, LessonProps};
use crate::app::snapshots::{Snapshots, SnapshotsProps};
use crate::app::state::{ClientState, KeyInfo, Line, LineKind, Notice};
use crate::app::viz::list::{ListViz, ListVizProps};
use crate::app::viz::model::{KeyView, VizState};
use crate::app::viz::string::{StringViz, StringVizProps};
use crate::engine::Engine;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts a component in a fresh element of the page and returns that element.
fn mount<C>(props: C::Properties) -> Element
where
    C: BaseComponent,
{
    let document = gloo_document();
    let root = document.create_element("div").expect("div");
    document.body().expect("body").append_child(&root).expect("append");
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    root
}

fn gloo_document() -> web_sys::Document {
    web_sys::window().expect("window").document().expect("document")
}

/// Lets Yew's scheduler render (it runs on the microtask/timer queue).
async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(30)).await;
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).expect("selector");
    (0..list.length()).filter_map(|i| list.item(i)).map(|n| n.text_content().unwrap_or_default()).collect()
}

fn click(root: &Element, selector: &str) {
    let el: HtmlElement = root.query_selector(selector).expect("selector").expect(selector).dyn_into().expect("html");
    el.click();
}

/// Collects what a callback receives.
fn recorder<T: 'static>() -> (Callback<T>, Rc<RefCell<Vec<T>>>) {
    let got = Rc::new(RefCell::new(Vec::new()));
    let sink = got.clone();
    (Callback::from(move |v: T| sink.borrow_mut().push(v)), got)
}

fn client(db: usize, lines: Vec<Line>) -> ClientState {
    ClientState {
        uid: 1,
        id: 1,
        lines: Rc::new(lines),
        history: Rc::new(vec!["GET a".to_string()]),
        db,
        blocked: None,
        unread: false,
    }
}

fn type_into(root: &Element, text: &str) {
    let input: HtmlInputElement =
        root.query_selector("input.cmd").expect("sel").expect("input.cmd").dyn_into().expect("input");
    input.set_value(text);
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::InputEvent::new_with_event_init_dict("input", &init).expect("event");
    input.dispatch_event(&ev).expect("dispatch");
}

fn press(root: &Element, key: &str) {
    let input = root.query_selector("input.cmd").expect("sel").expect("input.cmd");
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    input.dispatch_event(&ev).expect("dispatch");
}

#[wasm_bindgen_test]
async fn console_shows_prompt_styled_replies_hint_and_runs_on_enter() {
    let lines = vec![
        Line::new(LineKind::Input("127.0.0.1:6379[3]> ".into()), "GET a"),
        Line::new(LineKind::Output, "\"1\""),
        Line::new(LineKind::Error, "(error) ERR unknown command 'FOO', with args beginning with: "),
    ];
    let (on_run, ran) = recorder::<String>();
    let props = ConsoleProps {
        client: client(3, lines),
        on_run,
        on_clear: Callback::noop(),
        on_cancel: Callback::noop(),
        on_focus: Callback::noop(),
        active: true,
        label: None,
    };
    let root = mount::<Console>(props);
    settle().await;
    assert_eq!(texts(&root, ".prompt-line .prompt"), vec!["127.0.0.1:6379[3]> "]);
    let all = root.text_content().unwrap_or_default();
    assert!(all.contains("\"1\""), "{all}");
    assert_eq!(texts(&root, ".line.error").len(), 1, "{all}");
    // The syntax hint after the command name comes from the command table.
    type_into(&root, "SET ");
    settle().await;
    let hint = texts(&root, ".syntax-hint").concat();
    assert!(hint.starts_with("key value"), "hint {hint:?}");
    type_into(&root, "SET k v");
    settle().await;
    press(&root, "Enter");
    settle().await;
    assert_eq!(*ran.borrow(), vec!["SET k v".to_string()]);
    // Up recalls history.
    press(&root, "ArrowUp");
    settle().await;
    let input: HtmlInputElement =
        root.query_selector("input.cmd").ok().flatten().expect("input").dyn_into().expect("input");
    assert_eq!(input.value(), "GET a");
}

#[wasm_bindgen_test]
async fn key_browser_shows_types_ttls_and_hostile_names_as_text() {
    let mut keys = BTreeMap::new();
    keys.insert(b"<img src=x onerror=alert(1)>".to_vec(), KeyInfo { type_name: "string", expire_at: Some(42_000) });
    keys.insert(b"queue".to_vec(), KeyInfo { type_name: "list", expire_at: None });
    keys.insert(b"bin\xff".to_vec(), KeyInfo { type_name: "hash", expire_at: None });
    let (on_open, opened) = recorder::<Vec<u8>>();
    let props = KeyBrowserProps {
        keys: Rc::new(keys),
        db: 0,
        filter: String::new(),
        now_ms: 0,
        open: None,
        on_filter: Callback::noop(),
        on_open,
    };
    let root = mount::<KeyBrowser>(props);
    settle().await;
    assert!(root.query_selector("img").expect("sel").is_none(), "a key name became markup");
    let names = texts(&root, ".key-name");
    assert!(names.contains(&"<img src=x onerror=alert(1)>".to_string()), "{names:?}");
    assert!(names.contains(&"bin\\xff".to_string()), "{names:?}");
    let badges = texts(&root, ".badge");
    assert_eq!(badges.len(), 3);
    assert!(badges.contains(&"list".to_string()) && badges.contains(&"hash".to_string()));
    assert_eq!(texts(&root, ".ttl"), vec!["42s"]);
    click(&root, ".key-row");
    assert_eq!(opened.borrow().len(), 1);
}

#[wasm_bindgen_test]
async fn string_visualizer_switches_between_text_bytes_and_bits() {
    let props = StringVizProps { bytes: b"A\xff".to_vec(), encoding: "embstr".into() };
    let root = mount::<StringViz>(props);
    settle().await;
    assert_eq!(texts(&root, ".str-text"), vec!["A\\xff"]);
    let buttons = root.query_selector_all(".segs button").expect("sel");
    assert_eq!(buttons.length(), 3);
    buttons.item(2).expect("bits").dyn_into::<HtmlElement>().expect("button").click();
    settle().await;
    assert_eq!(texts(&root, ".bits-view .byte"), vec!["01000001", "11111111"]);
    buttons.item(1).expect("bytes").dyn_into::<HtmlElement>().expect("button").click();
    settle().await;
    assert_eq!(texts(&root, ".hex-view .hex"), vec!["41 ff"]);
}

#[wasm_bindgen_test]
async fn list_visualizer_draws_boxes_head_to_tail() {
    let items: Vec<Vec<u8>> = vec![b"y".to_vec(), b"x".to_vec(), b"z".to_vec()];
    let state = VizState::new(0, b"l".to_vec(), KeyView::List(items.clone()));
    let root = mount::<ListViz>(ListVizProps { items, state });
    settle().await;
    assert_eq!(texts(&root, ".list-boxes .val"), vec!["y", "x", "z"]);
    assert_eq!(texts(&root, ".list-boxes .idx"), vec!["0", "1", "2"]);
    assert!(texts(&root, ".viz-meta").concat().contains("3 elements"));
}

#[wasm_bindgen_test]
async fn lesson_panel_runs_blocks_and_checks_goals_against_the_engine() {
    let (engine, _clock) = Engine::with_virtual_clock();
    let engine = Rc::new(RefCell::new(engine));
    let (on_run, ran) = recorder::<String>();
    let root = mount::<LessonPanel>(LessonProps { on_run, engine: engine.clone(), rev: 0 });
    settle().await;
    assert!(texts(&root, "h2").concat().starts_with("Lesson: "));
    click(&root, ".section summary");
    click(&root, ".section .run-block");
    assert_eq!(ran.borrow().len(), 1, "a block click runs its command");
    let goals = texts(&root, ".challenge .goals li");
    assert!(!goals.is_empty() && goals.iter().all(|g| g.starts_with('○')), "{goals:?}");
    assert!(root.query_selector(".challenge.done").expect("sel").is_none());
}

#[wasm_bindgen_test]
async fn snapshots_panel_lists_snapshots_and_reports_errors() {
    let list = vec![
        SnapshotInfo { name: "before-flush".into(), saved_ms: 0.0, keys: 3, size: 120 },
        SnapshotInfo { name: "<b>bold</b>".into(), saved_ms: 0.0, keys: 1, size: 40 },
    ];
    let (on_restore, restored) = recorder::<String>();
    let props = SnapshotsProps {
        list: Rc::new(list),
        notice: Some(Notice {
            error: true,
            text: "Could not restore \"x\": not a snapshot. Nothing was changed.".into(),
        }),
        on_save: Callback::noop(),
        on_restore,
        on_delete: Callback::noop(),
        on_download: Callback::noop(),
        on_import_file: Callback::noop(),
    };
    let root = mount::<Snapshots>(props);
    settle().await;
    assert_eq!(texts(&root, ".snap-name"), vec!["before-flush", "<b>bold</b>"]);
    assert!(root.query_selector(".snap-list b").expect("sel").is_none());
    assert!(texts(&root, ".notice.error").concat().contains("Nothing was changed"));
    let restore = root.query_selector_all(".snap button").expect("sel");
    let first_restore = (0..restore.length())
        .filter_map(|i| restore.item(i))
        .find(|b| b.text_content().unwrap_or_default() == "restore")
        .expect("restore button");
    first_restore.dyn_into::<HtmlElement>().expect("button").click();
    assert_eq!(*restored.borrow(), vec!["before-flush".to_string()]);
}

#[wasm_bindgen_test]
async fn client_tabs_select_add_and_close() {
    let mut second = client(2, Vec::new());
    second.uid = 2;
    second.id = 7;
    second.unread = true;
    let (on_select, selected) = recorder::<usize>();
    let (on_add, added) = recorder::<()>();
    let props = ClientTabsProps {
        clients: vec![client(0, Vec::new()), second],
        active: 0,
        on_select,
        on_close: Callback::noop(),
        on_add,
        split: false,
        on_split: Callback::noop(),
    };
    let root = mount::<ClientTabs>(props);
    settle().await;
    let tabs = root.query_selector_all(".tab .tab-label").expect("sel");
    assert_eq!(tabs.length(), 2);
    assert!(texts(&root, ".tab.active").concat().starts_with("client 1"));
    // The second client: its db and its unread output are flagged.
    assert_eq!(texts(&root, ".tab-db"), vec!["[2]"]);
    assert_eq!(texts(&root, ".tab-dot").len(), 1);
    tabs.item(1).expect("tab").dyn_into::<HtmlElement>().expect("tab").click();
    click(&root, ".tab-add:not(.split-toggle)");
    assert_eq!(*selected.borrow(), vec![1]);
    assert_eq!(added.borrow().len(), 1);
}

/// The engine's scripting in the browser build: a script runs, a runaway recursion is Lua's
/// "stack overflow" error (not a trap that kills the page), and an endless loop is parked,
/// answered BUSY once past the threshold and stopped by SCRIPT KILL from another client.
#[wasm_bindgen_test]
fn scripts_run_recurse_safely_and_can_be_killed_in_the_browser() {
    use crate::engine::Reply;
    let (mut e, clock) = Engine::with_virtual_clock();
    let (a, b) = (e.connect(), e.connect());
    let run = |e: &mut Engine, c, line: &str| e.execute_line(c, line).unwrap_or_else(Reply::Error);
    assert_eq!(run(&mut e, a, "EVAL \"return redis.call('SET', KEYS[1], ARGV[1])\" 1 k v"), Reply::status("OK"));
    let deep = run(&mut e, a, "EVAL \"local function f(n) return 1 + f(n + 1) end return f(1)\" 0");
    match deep {
        Reply::Error(text) => assert!(text.contains("stack overflow"), "{text}"),
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(run(&mut e, b, "GET k"), Reply::Bulk(b"v".to_vec()));
    assert_eq!(run(&mut e, b, "CONFIG SET busy-reply-threshold 100"), Reply::status("OK"));
    assert_eq!(run(&mut e, a, "EVAL \"while true do end\" 0"), Reply::NoReply);
    assert!(e.is_blocked(a), "the script's client waits");
    clock.advance_ms(200);
    e.tick();
    match run(&mut e, b, "PING") {
        Reply::Error(text) => assert!(text.starts_with("BUSY "), "{text}"),
        other => panic!("expected BUSY, got {other:?}"),
    }
    assert_eq!(run(&mut e, b, "SCRIPT KILL"), Reply::status("OK"));
    e.tick();
    let pushed = e.take_pushed(a);
    assert!(
        pushed.iter().any(|r| matches!(r, Reply::Error(t) if t.contains("Script killed by user with SCRIPT KILL"))),
        "{pushed:?}"
    );
    assert_eq!(run(&mut e, a, "PING"), Reply::status("PONG"));
}
