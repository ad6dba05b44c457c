//! Differential tests: every script under `tests/diff/` runs against a real `redis-server` and
//! against our engine, and the raw RESP replies must match byte for byte.
//!
//! Script format (one command per line, redis-cli quoting):
//! - `# text` is a comment; blank lines are ignored.
//! - `@client N` switches to connection N (connections open on first use, both sides).
//! - `@unordered CMD ...` compares the reply with array elements sorted (unspecified order).
//! - `@nocompare CMD ...` runs the command on both sides without comparing (RANDOMKEY, TIME).
//! - `@scanall CMD 0 ...` repeats a SCAN-like command until its cursor is 0 and compares the
//!   sorted union of the elements.
//! - `@sleep MS` waits on both sides (real time: expiry tests).
//! - `@fields N CMD ...` compares, for each element of the top-level array reply, only its
//!   first N sub-elements (COMMAND INFO: name..ACL categories match, tips/key specs may not).
//! - `@send CMD ...` sends a command without reading its reply (a client that blocks);
//!   `@read` reads and compares the next reply pending on the current connection (the
//!   blocked client's answer, a pushed message).
//! - `@mask F1,F2 CMD ...` compares the reply with the value after each field named F1, F2
//!   (in any map or flat key/value array, at any depth) replaced by a placeholder (ACL LOG's
//!   `age-seconds` and `client-info`).
//! - `@grep PREFIX CMD ...` compares only the space-separated words starting with PREFIX in
//!   the reply's strings (`@grep user= CLIENT INFO`).
//! - `@approx PCT CMD ...` compares integer replies within PCT percent of Redis's (MEMORY
//!   USAGE of sampled values: skiplist levels and hashtable sampling are random); any other
//!   reply must match exactly.
//! - `@infofield NAME CMD ...` compares only the value of the `NAME:value` line of a text
//!   reply (INFO stats evicted_keys, INFO memory maxmemory_human).
//! - `@resp3` / `@resp2` is shorthand for `HELLO 3` / `HELLO 2` without comparing the reply.
//!
//! Every script starts from FLUSHALL on both sides, on fresh connections. `DIFF_TRACE=1` prints
//! every line with both replies as the script runs.
//! Our side is the real `redis-playground-server` binary, reached over TCP like Redis.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis_playground::engine::cli::split_args;
use redis_playground::engine::resp::{encode, parse_reply};
use redis_playground::engine::Reply;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for_port(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn start_redis() -> Option<Server> {
    let port = free_port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--protected-mode", "no", "--enable-debug-command", "yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let s = Server { child, port };
    if wait_for_port(port) {
        Some(s)
    } else {
        None
    }
}

fn start_ours() -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_redis-playground-server"))
        .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-playground-server");
    let s = Server { child, port };
    assert!(wait_for_port(port), "redis-playground-server did not start");
    s
}

/// One side of the comparison: numbered connections to one server.
struct Side {
    port: u16,
    conns: Vec<Option<(TcpStream, Vec<u8>)>>,
}

impl Side {
    fn new(port: u16) -> Side {
        Side { port, conns: Vec::new() }
    }

    fn conn(&mut self, n: usize) -> &mut (TcpStream, Vec<u8>) {
        if self.conns.len() <= n {
            self.conns.resize_with(n + 1, || None);
        }
        let port = self.port;
        self.conns[n].get_or_insert_with(|| {
            let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(10))).ok();
            s.set_nodelay(true).ok();
            (s, Vec::new())
        })
    }

    /// Sends argv on connection n and returns the raw bytes of one reply.
    fn call(&mut self, n: usize, argv: &[Vec<u8>]) -> Vec<u8> {
        let req = encode(&Reply::Array(argv.iter().map(|a| Reply::Bulk(a.clone())).collect()), 2);
        let (stream, buf) = self.conn(n);
        stream.write_all(&req).expect("write");
        read_reply(stream, buf)
    }

    /// Sends argv on connection n without waiting for a reply (`@send`).
    fn send(&mut self, n: usize, argv: &[Vec<u8>]) {
        let req = encode(&Reply::Array(argv.iter().map(|a| Reply::Bulk(a.clone())).collect()), 2);
        let (stream, _) = self.conn(n);
        stream.write_all(&req).expect("write");
    }

    /// Reads the next reply pending on connection n (`@read`).
    fn read(&mut self, n: usize) -> Vec<u8> {
        let (stream, buf) = self.conn(n);
        read_reply(stream, buf)
    }
}

fn read_reply(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Vec<u8> {
    loop {
        match parse_reply(buf) {
            Ok(Some((_, used))) => {
                let raw: Vec<u8> = buf.drain(..used).collect();
                return raw;
            }
            Ok(None) => {}
            Err(e) => panic!("unparsable reply {e}: {:?}", String::from_utf8_lossy(buf)),
        }
        let mut chunk = [0u8; 65536];
        match stream.read(&mut chunk) {
            Ok(0) => return b"<connection closed>".to_vec(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return format!("<read error {e}>").into_bytes(),
        }
    }
}

fn sorted_elements(raw: &[u8]) -> Vec<Vec<u8>> {
    match parse_reply(raw) {
        Ok(Some((Reply::Array(items), _))) | Ok(Some((Reply::Set(items), _))) => {
            let mut v: Vec<Vec<u8>> = items.iter().map(|r| encode(r, 3)).collect();
            v.sort();
            v
        }
        _ => vec![raw.to_vec()],
    }
}

/// For `@fields N`: each top-level element cut to its first N sub-elements, re-encoded.
fn first_fields(raw: &[u8], n: usize) -> Vec<Vec<u8>> {
    match parse_reply(raw) {
        Ok(Some((Reply::Array(items), _))) => items
            .iter()
            .map(|r| match r {
                Reply::Array(sub) => encode(&Reply::Array(sub.iter().take(n).cloned().collect()), 3),
                other => encode(other, 3),
            })
            .collect(),
        _ => vec![raw.to_vec()],
    }
}

/// For `@mask`: the value after each named field replaced, at any depth.
fn mask_fields(raw: &[u8], fields: &[&str]) -> Vec<Vec<u8>> {
    fn walk(r: &Reply, fields: &[&str]) -> Reply {
        let named = |r: &Reply| match r {
            Reply::Bulk(b) => fields.iter().any(|f| f.as_bytes() == b.as_slice()),
            Reply::Status(s) => fields.contains(&s.as_str()),
            _ => false,
        };
        match r {
            Reply::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut mask_next = false;
                for it in items {
                    if mask_next {
                        out.push(Reply::Bulk(b"<masked>".to_vec()));
                        mask_next = false;
                        continue;
                    }
                    mask_next = named(it);
                    out.push(walk(it, fields));
                }
                Reply::Array(out)
            }
            Reply::Map(pairs) => Reply::Map(
                pairs
                    .iter()
                    .map(|(k, v)| {
                        let v = if named(k) { Reply::Bulk(b"<masked>".to_vec()) } else { walk(v, fields) };
                        (walk(k, fields), v)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    match parse_reply(raw) {
        Ok(Some((r, _))) => vec![encode(&walk(&r, fields), 3)],
        _ => vec![raw.to_vec()],
    }
}

/// For `@grep`: the words starting with `prefix` in every string of the reply.
fn grep_words(raw: &[u8], prefix: &str) -> Vec<Vec<u8>> {
    fn walk(r: &Reply, prefix: &str, out: &mut Vec<Vec<u8>>) {
        match r {
            Reply::Bulk(b) | Reply::Verbatim(_, b) => {
                for w in String::from_utf8_lossy(b).split_whitespace() {
                    if w.starts_with(prefix) {
                        out.push(w.as_bytes().to_vec());
                    }
                }
            }
            Reply::Array(items) | Reply::Set(items) | Reply::Push(items) => {
                items.iter().for_each(|i| walk(i, prefix, out))
            }
            other => out.push(encode(other, 3)),
        }
    }
    let mut out = Vec::new();
    match parse_reply(raw) {
        Ok(Some((r, _))) => walk(&r, prefix, &mut out),
        _ => out.push(raw.to_vec()),
    }
    out
}

fn scan_all(side: &mut Side, n: usize, argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    // The cursor is the argument after the command name (or after the key for HSCAN etc.).
    let cursor_pos = argv.iter().position(|a| a == b"0").unwrap_or(1);
    let mut argv = argv.to_vec();
    let mut all = Vec::new();
    for _ in 0..100_000 {
        let raw = side.call(n, &argv);
        let Ok(Some((Reply::Array(parts), _))) = parse_reply(&raw) else {
            return vec![raw];
        };
        let (Some(Reply::Bulk(cursor)), Some(Reply::Array(items))) = (parts.first(), parts.get(1)) else {
            return vec![raw];
        };
        all.extend(items.iter().map(|r| encode(r, 2)));
        if cursor == b"0" {
            break;
        }
        argv[cursor_pos] = cursor.clone();
    }
    all.sort();
    all.dedup();
    all
}

fn show(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).replace("\r\n", "\\r\\n")
}

struct Outcome {
    compared: usize,
    matched: usize,
    failures: Vec<String>,
}

fn run_script(path: &Path, redis: &mut Side, ours: &mut Side) -> Outcome {
    let text = std::fs::read_to_string(path).expect("read script");
    let mut out = Outcome { compared: 0, matched: 0, failures: Vec::new() };
    let mut client = 0usize;
    for side in [&mut *redis, &mut *ours] {
        side.conns.clear();
        side.call(0, &[b"FLUSHALL".to_vec()]);
    }
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (directive, rest) = match line.strip_prefix('@') {
            Some(d) => match d.split_once(' ') {
                Some((a, b)) => (a, b.trim()),
                None => (d, ""),
            },
            None => ("", line),
        };
        match directive {
            "client" => {
                client = rest.parse().unwrap_or(0);
                continue;
            }
            "sleep" => {
                std::thread::sleep(Duration::from_millis(rest.parse().unwrap_or(0)));
                continue;
            }
            "read" => {
                let (expected, got) = (redis.read(client), ours.read(client));
                out.compared += 1;
                // A read that times out on both sides proves nothing.
                if expected == got && !expected.starts_with(b"<read error") {
                    out.matched += 1;
                } else {
                    out.failures.push(format!(
                        "{}:{}: @read\n    redis: {}\n    ours:  {}",
                        path.display(),
                        lineno + 1,
                        show(&expected),
                        show(&got)
                    ));
                }
                continue;
            }
            "resp3" | "resp2" => {
                let v = if directive == "resp3" { "3" } else { "2" };
                let argv = vec![b"HELLO".to_vec(), v.as_bytes().to_vec()];
                redis.call(client, &argv);
                ours.call(client, &argv);
                continue;
            }
            _ => {}
        }
        let mut fields = 0usize;
        let mut word = "";
        let mut approx = 0f64;
        let mut rest = rest;
        let mut info_field = String::new();
        if directive == "infofield" {
            let (n, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            info_field = format!("{n}:");
            rest = tail.trim();
        }
        if directive == "approx" {
            let (n, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            approx = n.parse().unwrap_or(0.0);
            rest = tail.trim();
        }
        if directive == "fields" {
            let (n, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            fields = n.parse().unwrap_or(0);
            rest = tail.trim();
        }
        if directive == "mask" || directive == "grep" {
            let (w, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            word = w;
            rest = tail.trim();
        }
        if std::env::var("DIFF_TRACE").is_ok() {
            eprintln!("{}:{}: {line}", path.display(), lineno + 1);
        }
        let Some(argv) = split_args(rest.as_bytes()) else {
            out.failures.push(format!("{}:{}: cannot split {rest:?}", path.display(), lineno + 1));
            continue;
        };
        if argv.is_empty() {
            continue;
        }
        let (expected, got) = match directive {
            "scanall" => (scan_all(redis, client, &argv), scan_all(ours, client, &argv)),
            "unordered" => (sorted_elements(&redis.call(client, &argv)), sorted_elements(&ours.call(client, &argv))),
            "fields" => {
                (first_fields(&redis.call(client, &argv), fields), first_fields(&ours.call(client, &argv), fields))
            }
            "mask" => {
                let names: Vec<&str> = word.split(',').collect();
                (mask_fields(&redis.call(client, &argv), &names), mask_fields(&ours.call(client, &argv), &names))
            }
            "grep" => (grep_words(&redis.call(client, &argv), word), grep_words(&ours.call(client, &argv), word)),
            "send" => {
                redis.send(client, &argv);
                ours.send(client, &argv);
                // Give both servers time to park the command before the script goes on.
                std::thread::sleep(Duration::from_millis(30));
                continue;
            }
            "nocompare" => {
                redis.call(client, &argv);
                ours.call(client, &argv);
                continue;
            }
            "approx" => {
                let (e, g) = (redis.call(client, &argv), ours.call(client, &argv));
                match (parse_reply(&e), parse_reply(&g)) {
                    (Ok(Some((Reply::Int(a), _))), Ok(Some((Reply::Int(b), _))))
                        if (a - b).unsigned_abs() as f64 <= a.unsigned_abs() as f64 * approx / 100.0 =>
                    {
                        (vec![e.clone()], vec![e])
                    }
                    _ => (vec![e], vec![g]),
                }
            }
            "infofield" => {
                let pick = |raw: Vec<u8>| -> Vec<u8> {
                    let text = match parse_reply(&raw) {
                        Ok(Some((Reply::Bulk(b), _))) | Ok(Some((Reply::Verbatim(_, b), _))) => b,
                        _ => return raw,
                    };
                    String::from_utf8_lossy(&text)
                        .split("\r\n")
                        .find_map(|l| l.strip_prefix(info_field.as_str()).map(|v| v.as_bytes().to_vec()))
                        .unwrap_or_else(|| b"<field missing>".to_vec())
                };
                (vec![pick(redis.call(client, &argv))], vec![pick(ours.call(client, &argv))])
            }
            "" => (vec![redis.call(client, &argv)], vec![ours.call(client, &argv)]),
            other => {
                out.failures.push(format!("{}:{}: unknown directive @{other}", path.display(), lineno + 1));
                continue;
            }
        };
        if std::env::var("DIFF_TRACE").is_ok() {
            eprintln!("    redis: {}\n    ours:  {}", show(&expected.concat()), show(&got.concat()));
        }
        out.compared += 1;
        if expected == got {
            out.matched += 1;
        } else {
            let e: Vec<String> = expected.iter().map(|r| show(r)).collect();
            let g: Vec<String> = got.iter().map(|r| show(r)).collect();
            out.failures.push(format!(
                "{}:{}: {rest}\n    redis: {}\n    ours:  {}",
                path.display(),
                lineno + 1,
                e.join(" | "),
                g.join(" | ")
            ));
        }
    }
    out
}

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff");
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(&dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "redis"));
    // DIFF_ONLY=strings runs only scripts whose name contains "strings".
    if let Ok(only) = std::env::var("DIFF_ONLY") {
        v.retain(|p| p.to_string_lossy().contains(&only));
    }
    v.sort();
    v
}

#[test]
fn differential_against_redis_server() {
    let Some(redis_server) = start_redis() else {
        if std::env::var("CI").is_ok() {
            panic!("redis-server is required in CI (the README test command installs it)");
        }
        eprintln!("differential: redis-server not found, skipped");
        return;
    };
    let ours_server = start_ours();
    let mut redis = Side::new(redis_server.port);
    let mut ours = Side::new(ours_server.port);
    let (mut compared, mut matched, mut failures) = (0, 0, Vec::new());
    for script in scripts() {
        let o = run_script(&script, &mut redis, &mut ours);
        println!(
            "differential {}: {}/{} replies match",
            script.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            o.matched,
            o.compared
        );
        compared += o.compared;
        matched += o.matched;
        failures.extend(o.failures);
    }
    println!("differential total: {matched}/{compared} replies match redis-server byte for byte");
    if !failures.is_empty() {
        panic!("{} mismatches:\n{}", failures.len(), failures.join("\n"));
    }
}
