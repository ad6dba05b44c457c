//! Native tests for the web app's engine-facing logic: HELP pages, syntax hints and completion
//! (`src/app/help.rs`), and the visualizer adapter with its list animation ids
//! (`src/app/viz/model.rs`). Those files belong to the wasm-only app but use nothing except the
//! engine, so they are compiled here by path and tested without a browser.

// The included files name the library as `crate::`, as they do inside it.
use redis_playground::engine;

#[path = "../src/app/help.rs"]
#[allow(dead_code)]
mod help;
#[path = "../src/app/viz/model.rs"]
#[allow(dead_code)]
mod model;

use model::{key_view, KeyView, VizState};
use redis_playground::engine::{table, Engine};

fn s(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[test]
fn help_for_a_command_uses_redis_cli_layout() {
    let set = table::lookup(b"set").unwrap();
    let expected =
        format!("\n  SET {}\n  summary: {}\n  since: {}\n  group: string\n\n", set.syntax, set.summary, set.since);
    assert_eq!(help::help_text(&s(&["set"])), expected);
    assert_eq!(help::help_text(&s(&["SET"])), expected);
    // Subcommands are found by their two words.
    assert!(help::help_text(&s(&["config", "get"])).starts_with("\n  CONFIG GET "));
    // Unknown topics print nothing, like redis-cli.
    assert_eq!(help::help_text(&s(&["nosuchcommand"])), "");
    assert!(help::help_text(&[]).contains("\"help @<group>\""));
}

#[test]
fn help_for_a_group_lists_its_commands_without_group_lines() {
    let text = help::help_text(&s(&["@string"]));
    assert!(text.contains("\n  GET key\n"), "{text}");
    assert!(text.contains("\n  APPEND key value\n"));
    assert!(!text.contains("group:"));
    assert!(!text.contains("\n  LPUSH "));
    assert_eq!(help::help_text(&s(&["@nosuchgroup"])), "");
}

#[test]
fn hints_drop_one_word_per_typed_argument_up_to_the_options() {
    let syntax = table::lookup(b"set").unwrap().syntax;
    assert_eq!(help::hint("SET").as_deref(), Some(format!(" {syntax}").as_str()));
    assert_eq!(help::hint("set ").as_deref(), Some(syntax));
    assert!(help::hint("SET k ").unwrap().starts_with("value "));
    assert!(help::hint("SET k").unwrap().starts_with(" value "));
    assert!(help::hint("SET k v ").unwrap().starts_with("[NX"));
    assert_eq!(help::hint(""), None);
    assert_eq!(help::hint("nosuch "), None);
    // GET takes one key: nothing left to hint once it is typed.
    assert_eq!(help::hint("GET k "), None);
}

#[test]
fn completion_follows_the_typed_case() {
    let upper = help::completions("GETR");
    assert_eq!(upper, vec!["GETRANGE".to_string()]);
    let lower = help::completions("ge");
    assert!(lower.contains(&"get".to_string()) && lower.contains(&"getrange".to_string()));
    assert!(lower.windows(2).all(|w| w[0] <= w[1]));
    assert!(help::completions("zzzz").is_empty());
}

fn engine_with(lines: &[&str]) -> Engine {
    let (mut e, _) = Engine::with_virtual_clock();
    let c = e.connect();
    for line in lines {
        let r = e.execute_line(c, line).unwrap();
        assert!(!r.is_error(), "{line}: {r:?}");
    }
    e
}

#[test]
fn adapter_reads_each_type_through_commands() {
    let mut e = engine_with(&[
        "SET s hello",
        "SET n 42",
        "RPUSH l a b c",
        "HSET h f1 v1 f2 v2",
        "SADD st y x",
        "ZADD z 2 two 1 one",
        "SELECT 2",
        "SET other 1",
    ]);
    assert_eq!(key_view(&mut e, 0, b"s"), KeyView::Str { bytes: b"hello".to_vec(), encoding: "embstr".into() });
    assert_eq!(key_view(&mut e, 0, b"n"), KeyView::Str { bytes: b"42".to_vec(), encoding: "int".into() });
    assert_eq!(key_view(&mut e, 0, b"l"), KeyView::List(vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]));
    assert_eq!(
        key_view(&mut e, 0, b"h"),
        KeyView::Hash(vec![(b"f1".to_vec(), b"v1".to_vec()), (b"f2".to_vec(), b"v2".to_vec())])
    );
    assert_eq!(key_view(&mut e, 0, b"st"), KeyView::Set(vec![b"x".to_vec(), b"y".to_vec()]));
    assert_eq!(
        key_view(&mut e, 0, b"z"),
        KeyView::ZSet(vec![(b"one".to_vec(), b"1".to_vec()), (b"two".to_vec(), b"2".to_vec())])
    );
    assert_eq!(key_view(&mut e, 0, b"missing"), KeyView::Missing);
    assert_eq!(key_view(&mut e, 2, b"other"), KeyView::Str { bytes: b"1".to_vec(), encoding: "int".into() });
    assert_eq!(key_view(&mut e, 0, b"other"), KeyView::Missing);
    // The adapter ran as no client: only the learner's client exists, and the next one to
    // connect gets the next id, as if nobody had looked.
    assert_eq!(e.clients().count(), 1);
    let next = e.connect();
    assert_eq!(e.execute_line(next, "CLIENT ID"), Ok(redis_playground::engine::Reply::Int(2)));
}

fn list(items: &[&str]) -> KeyView {
    KeyView::List(items.iter().map(|i| i.as_bytes().to_vec()).collect())
}

#[test]
fn list_ids_survive_pushes_and_pops() {
    let v = VizState::new(0, b"l".to_vec(), list(&["a", "b"]));
    assert_eq!(v.ids, vec![0, 1]);
    // LPUSH x: one new id at the head, the old ones kept.
    let v = v.update(list(&["x", "a", "b"]));
    assert_eq!(v.ids, vec![2, 0, 1]);
    // RPUSH y z: new ids at the tail.
    let v = v.update(list(&["x", "a", "b", "y", "z"]));
    assert_eq!(v.ids, vec![2, 0, 1, 3, 4]);
    // LPOP: the head leaves and is shown as popped.
    let v = v.update(list(&["a", "b", "y", "z"]));
    assert_eq!(v.ids, vec![0, 1, 3, 4]);
    assert_eq!(v.popped_head, vec![b"x".to_vec()]);
    assert!(v.popped_tail.is_empty());
    // RPOP 2.
    let v = v.update(list(&["a", "b"]));
    assert_eq!(v.ids, vec![0, 1]);
    assert_eq!(v.popped_tail, vec![b"y".to_vec(), b"z".to_vec()]);
    assert!(v.popped_head.is_empty());
    // An unrelated change (LSET) renumbers everything.
    let v = v.update(list(&["q", "b"]));
    assert_eq!(v.ids.len(), 2);
    assert!(v.ids.iter().all(|&i| i >= 5));
    // A type change starts over.
    let v = v.update(KeyView::Missing);
    assert!(v.ids.is_empty());
}
