//! Data-driven transcript tests: each file under `tests/transcripts/` is a console session,
//! lines `> COMMAND` followed by the exact text redis-cli would print. They run in-process on
//! a virtual clock, so they also pin down the console's formatting.
//!
//! Directives: `!client N` switches connection, `!advance MS` moves the virtual clock (and
//! ticks the engine), `!pushed` expects the replies pushed to the current client since the
//! last check (the lines that follow), `#` starts a comment.

use std::collections::HashMap;
use std::path::Path;

use redis_playground::engine::cli::{format_reply, format_reply_to, split_args};
use redis_playground::engine::{ClientId, Engine};

fn run_transcript(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let (mut engine, clock) = Engine::with_virtual_clock();
    let mut clients: HashMap<usize, ClientId> = HashMap::new();
    let mut current = 0usize;
    let mut failures = Vec::new();
    // Each step: (line number, what ran, produced output), then the expected lines follow.
    let mut produced: Option<(usize, String, String)> = None;
    let mut expected = String::new();
    let flush = |produced: &mut Option<(usize, String, String)>, expected: &mut String, failures: &mut Vec<String>| {
        if let Some((line, cmd, got)) = produced.take() {
            if &got != expected {
                failures.push(format!("{}:{line}: {cmd}\n--- expected\n{expected}--- got\n{got}", path.display()));
            }
        }
        expected.clear();
    };
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("> ") {
            flush(&mut produced, &mut expected, &mut failures);
            let id = *clients.entry(current).or_insert_with(|| engine.connect());
            let out = match engine.execute_line(id, cmd) {
                Ok(reply) => {
                    format_reply_to(&split_args(cmd.as_bytes()).unwrap_or_default(), &reply, engine.client_protocol(id))
                }
                Err(msg) => format!("{msg}\n"),
            };
            produced = Some((i + 1, cmd.to_string(), out));
        } else if let Some(rest) = line.strip_prefix('!') {
            flush(&mut produced, &mut expected, &mut failures);
            let (word, arg) = rest.split_once(' ').unwrap_or((rest, ""));
            match word {
                "client" => current = arg.trim().parse().unwrap_or(0),
                "advance" => {
                    clock.advance_ms(arg.trim().parse().unwrap_or(0));
                    engine.tick();
                }
                "pushed" => {
                    let id = *clients.entry(current).or_insert_with(|| engine.connect());
                    let proto = engine.client_protocol(id);
                    let out: String = engine.take_pushed(id).iter().map(|r| format_reply(r, proto)).collect();
                    produced = Some((i + 1, "!pushed".into(), out));
                }
                other => failures.push(format!("{}:{}: unknown directive !{other}", path.display(), i + 1)),
            }
        } else if produced.is_some() {
            expected.push_str(line);
            expected.push('\n');
        } else if !line.trim().is_empty() {
            failures.push(format!("{}:{}: text outside a step: {line}", path.display(), i + 1));
        }
    }
    flush(&mut produced, &mut expected, &mut failures);
    failures
}

#[test]
fn transcripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    assert!(!files.is_empty(), "no transcripts found");
    let mut failures = Vec::new();
    for f in &files {
        failures.extend(run_transcript(f));
    }
    println!("transcripts: {} files, {} failures", files.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
