//! Integration tests of the native server (`redis-playground-server`) over real sockets:
//! pipelining, inline commands, many connections, protocol errors compared byte for byte with
//! a real `redis-server`, redis-cli and redis-py against our server, QUIT, active expiry, and
//! replies pushed outside a request (unblocked and timed-out BLPOP) when the engine has them,
//! and a busy script answering BUSY to a second client until SCRIPT KILL.
//!
//! Tools that may be missing (redis-server, redis-cli, python3 with redis-py) make their test
//! skip with a message, except under CI (the `CI` variable set), where they must be present.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis_playground::engine::resp::{encode, parse_reply};
use redis_playground::engine::{table, Reply};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Skips (or, under CI, fails) a test whose tool is missing.
fn missing(what: &str) {
    if in_ci() {
        panic!("{what} is required under CI");
    }
    eprintln!("skipped: {what} is not available");
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

fn start_ours() -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_redis-playground-server"))
        .args(["--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-playground-server");
    let s = Server { child, port };
    assert!(wait_for_port(port), "redis-playground-server did not start");
    s
}

fn start_redis() -> Option<Server> {
    let port = free_port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let s = Server { child, port };
    wait_for_port(port).then_some(s)
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.set_nodelay(true).ok();
    s
}

fn request(argv: &[&[u8]]) -> Vec<u8> {
    encode(&Reply::Array(argv.iter().map(|a| Reply::Bulk(a.to_vec())).collect()), 2)
}

/// Reads exactly `n` replies and returns them decoded.
fn read_replies(s: &mut TcpStream, buf: &mut Vec<u8>, n: usize) -> Vec<Reply> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 65536];
    while out.len() < n {
        match parse_reply(buf) {
            Ok(Some((r, used))) => {
                buf.drain(..used);
                out.push(r);
                continue;
            }
            Ok(None) => {}
            Err(e) => panic!("bad reply bytes: {e}"),
        }
        match s.read(&mut chunk) {
            Ok(0) => panic!("connection closed after {} of {n} replies", out.len()),
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
            Err(e) => panic!("read failed after {} of {n} replies: {e}", out.len()),
        }
    }
    out
}

fn call(s: &mut TcpStream, argv: &[&[u8]]) -> Reply {
    s.write_all(&request(argv)).expect("write");
    read_replies(s, &mut Vec::new(), 1).remove(0)
}

/// Sends raw bytes on a fresh connection and collects what comes back until the server
/// closes the connection or stays quiet for `quiet`. Returns the bytes and whether it closed.
fn raw_exchange(port: u16, bytes: &[u8], quiet: Duration) -> (Vec<u8>, bool) {
    let mut s = connect(port);
    s.set_read_timeout(Some(quiet)).ok();
    // The server may close before reading everything; later write errors are expected.
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return (out, false),
            Err(_) => return (out, true),
        }
    }
}

fn has(name: &str) -> bool {
    table::lookup_full(name).is_some()
}

#[test]
fn pipelines_a_thousand_commands_in_one_write() {
    let srv = start_ours();
    let mut s = connect(srv.port);
    let mut req = Vec::new();
    for i in 0..500 {
        req.extend(request(&[b"SET", format!("key:{i}").as_bytes(), format!("value-{i}").as_bytes()]));
        req.extend(request(&[b"GET", format!("key:{i}").as_bytes()]));
    }
    s.write_all(&req).expect("write");
    let replies = read_replies(&mut s, &mut Vec::new(), 1000);
    for i in 0..500 {
        assert_eq!(replies[2 * i], Reply::Status("OK".into()), "SET #{i}");
        assert_eq!(replies[2 * i + 1], Reply::Bulk(format!("value-{i}").into_bytes()), "GET #{i}");
    }
    assert_eq!(call(&mut s, &[b"DBSIZE"]), Reply::Int(500));
}

#[test]
fn inline_commands_and_split_requests() {
    let srv = start_ours();
    let mut s = connect(srv.port);
    s.write_all(b"SET greeting \"hello world\"\r\nGET greeting\nPING\r\n\r\n").expect("write");
    let r = read_replies(&mut s, &mut Vec::new(), 3);
    assert_eq!(
        r,
        vec![Reply::Status("OK".into()), Reply::Bulk(b"hello world".to_vec()), Reply::Status("PONG".into()),]
    );
    // A request arriving one byte at a time is still one request.
    for b in request(&[b"ECHO", b"split"]) {
        s.write_all(&[b]).expect("write");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(read_replies(&mut s, &mut Vec::new(), 1), vec![Reply::Bulk(b"split".to_vec())]);
}

#[test]
fn serves_many_connections_at_once() {
    let srv = start_ours();
    let port = srv.port;
    let workers: Vec<_> = (0..40)
        .map(|w| {
            std::thread::spawn(move || {
                let mut s = connect(port);
                let mut buf = Vec::new();
                for i in 0..50 {
                    let key = format!("w{w}:{i}");
                    s.write_all(&request(&[b"SET", key.as_bytes(), key.as_bytes()])).expect("write");
                    s.write_all(&request(&[b"GET", key.as_bytes()])).expect("write");
                    let r = read_replies(&mut s, &mut buf, 2);
                    assert_eq!(r[1], Reply::Bulk(key.into_bytes()));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let mut s = connect(port);
    assert_eq!(call(&mut s, &[b"DBSIZE"]), Reply::Int(40 * 50));
}

#[test]
fn quit_replies_then_closes() {
    let srv = start_ours();
    let (out, closed) = raw_exchange(srv.port, b"PING\r\nQUIT\r\nPING\r\n", Duration::from_secs(5));
    assert_eq!(out, b"+PONG\r\n+OK\r\n");
    assert!(closed, "the connection stays open after QUIT");
}

#[test]
fn active_expiry_runs_without_clients() {
    let srv = start_ours();
    let mut s = connect(srv.port);
    for i in 0..20 {
        let key = format!("short:{i}");
        call(&mut s, &[b"SET", key.as_bytes(), b"v", b"PX", b"30"]);
    }
    call(&mut s, &[b"SET", b"kept", b"v"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    // DBSIZE does not touch keys, so only the timer can bring it down.
    while call(&mut s, &[b"DBSIZE"]) != Reply::Int(1) {
        assert!(Instant::now() < deadline, "expired keys were not removed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Malformed requests, each sent on a fresh connection.
const PROTOCOL_CASES: &[&[u8]] = &[
    b"*x\r\n",
    b"*1\r\n:1\r\n",
    b"$-5\r\n",
    b"*1\r\n$-5\r\n",
    b"*1\r\n$-1\r\n",
    b"*1\r\n$x\r\n",
    b"*1\r\n$ 3\r\n",
    b"*+1\r\n",
    b"*01\r\n$4\r\nPING\r\n",
    b"*-0\r\n",
    b"*\r\n",
    b"*1\r\n\r\n",
    b"*1\rx\r\n",
    b"*1\r\n\xff\r\n",
    b"*2\r\n$4\r\nPING\r\n%1\r\n",
    b"*2147483648\r\n",
    b"*1\r\n$536870913\r\n",
    b"set \"a b\r\n",
    b"set 'a\r\n",
    b"set a \"b\"c\r\n",
    b"PING\r\n*x\r\n",
    b"*0\r\n*-1\r\nPING\r\n",
    b"\r\n\n  \r\nPING\n",
    b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
    b"*1\r\n$4\r\nPING\r\n\x00\r\n",
    b"ping \x00\n",
    b"ping \"\\x41\"\r\n",
    b"*1\r\n$0\r\n\r\n",
    b"*1\r\n$4\r\nQUIT\r\nPING\r\n",
    b"quit\r\nping\r\n",
];

fn big_cases() -> Vec<Vec<u8>> {
    vec![
        vec![b'a'; 70_000],
        [b"*".as_slice(), &[b'1'; 70_000]].concat(),
        [b"*1\r\n$".as_slice(), &[b'1'; 70_000]].concat(),
        [b"*1\r\n$4\r\n".as_slice(), &[b'x'; 70_000]].concat(),
    ]
}

/// What our server must answer even where no redis-server is around to compare with.
#[test]
fn protocol_errors_have_redis_texts() {
    let srv = start_ours();
    // These all close the connection, which ends the wait at once.
    let q = Duration::from_secs(5);
    let expect: &[(&[u8], &[u8])] = &[
        (b"*x\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\n:1\r\n", b"-ERR Protocol error: expected '$', got ':'\r\n"),
        (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"set \"a b\r\n", b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ];
    for (req, want) in expect {
        let (got, closed) = raw_exchange(srv.port, req, q);
        assert_eq!(got, *want, "for {:?}", String::from_utf8_lossy(req));
        assert!(closed, "not closed after {:?}", String::from_utf8_lossy(req));
    }
    let (got, closed) = raw_exchange(srv.port, &vec![b'a'; 70_000], q);
    assert_eq!(got, b"-ERR Protocol error: too big inline request\r\n");
    assert!(closed);
    let (got, closed) = raw_exchange(srv.port, b"$-5\r\n", Duration::from_millis(500));
    assert_eq!(got, b"-ERR unknown command '$-5', with args beginning with: \r\n");
    assert!(!closed);
}

#[test]
fn protocol_errors_match_redis_server_byte_for_byte() {
    let Some(redis) = start_redis() else {
        return missing("redis-server");
    };
    let ours = start_ours();
    let q = Duration::from_millis(300);
    let mut cases: Vec<Vec<u8>> = PROTOCOL_CASES.iter().map(|c| c.to_vec()).collect();
    cases.extend(big_cases());
    let mut failures = Vec::new();
    for case in &cases {
        let mut expected = raw_exchange(redis.port, case, q);
        let mut got = raw_exchange(ours.port, case, q);
        if expected != got {
            // A busy machine may be slower than the quiet period: look again, patiently.
            let patient = Duration::from_secs(2);
            expected = raw_exchange(redis.port, case, patient);
            got = raw_exchange(ours.port, case, patient);
        }
        if expected != got {
            failures.push(format!(
                "request {:?}\n  redis: {:?} closed={}\n  ours:  {:?} closed={}",
                String::from_utf8_lossy(&case[..case.len().min(40)]),
                String::from_utf8_lossy(&expected.0),
                expected.1,
                String::from_utf8_lossy(&got.0),
                got.1
            ));
        }
    }
    println!("protocol errors: {}/{} cases match redis-server", cases.len() - failures.len(), cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn redis_cli_works_against_our_server() {
    let srv = start_ours();
    let port = srv.port.to_string();
    let run = |args: &[&str]| Command::new("redis-cli").args(["-p", &port]).args(args).output();
    let Ok(set) = run(&["SET", "a", "1"]) else {
        return missing("redis-cli");
    };
    assert_eq!(String::from_utf8_lossy(&set.stdout), "OK\n");
    let get = run(&["GET", "a"]).expect("redis-cli");
    assert_eq!(String::from_utf8_lossy(&get.stdout), "1\n");
    let get = run(&["GET", "missing"]).expect("redis-cli");
    assert_eq!(String::from_utf8_lossy(&get.stdout), "\n");
    let ping = run(&["PING"]).expect("redis-cli");
    assert_eq!(String::from_utf8_lossy(&ping.stdout), "PONG\n");
}

#[test]
fn redis_py_smoke() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/redis_py_smoke.py");
    let Ok(probe) = Command::new("python3").args(["-c", "import redis"]).stderr(Stdio::null()).status() else {
        eprintln!("skipped: python3 is not available");
        return;
    };
    if !probe.success() {
        return missing("the redis Python module (pip install redis)");
    }
    let srv = start_ours();
    // Commands the engine does not have yet are skipped by the script, by name.
    let missing_cmds: Vec<&str> = ["incr", "mget", "hello"].into_iter().filter(|c| !has(c)).collect();
    let out = Command::new("python3")
        .arg(script)
        .arg(srv.port.to_string())
        .env("SMOKE_SKIP", missing_cmds.join(","))
        .output()
        .expect("run python3");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        out.status.success(),
        "redis-py smoke test failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unblocked_and_timed_out_pops_are_pushed_promptly() {
    if !has("blpop") || !has("rpush") {
        eprintln!("skipped: the engine has no BLPOP/RPUSH yet");
        return;
    }
    let srv = start_ours();
    let mut waiter = connect(srv.port);
    let mut other = connect(srv.port);
    // A request pipelined after a blocking one waits until the client is served.
    let mut req = request(&[b"BLPOP", b"queue", b"0"]);
    req.extend(request(&[b"PING"]));
    waiter.write_all(&req).expect("write");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(call(&mut other, &[b"RPUSH", b"queue", b"job"]), Reply::Int(1));
    let r = read_replies(&mut waiter, &mut Vec::new(), 2);
    assert_eq!(
        r,
        vec![
            Reply::Array(vec![Reply::Bulk(b"queue".to_vec()), Reply::Bulk(b"job".to_vec())]),
            Reply::Status("PONG".into()),
        ]
    );
    // A timeout is delivered by the timer, with nothing sent by anyone.
    let start = Instant::now();
    waiter.write_all(&request(&[b"BLPOP", b"nothing", b"0.1"])).expect("write");
    let r = read_replies(&mut waiter, &mut Vec::new(), 1);
    assert_eq!(r, vec![Reply::NilArray]);
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(90) && waited < Duration::from_secs(3), "timeout after {waited:?}");
}

#[test]
fn killed_clients_are_disconnected() {
    if !has("client|kill") || !has("client|id") {
        eprintln!("skipped: the engine has no CLIENT KILL yet");
        return;
    }
    let srv = start_ours();
    let mut victim = connect(srv.port);
    let mut killer = connect(srv.port);
    let Reply::Int(id) = call(&mut victim, &[b"CLIENT", b"ID"]) else {
        panic!("CLIENT ID is not an integer");
    };
    let r = call(&mut killer, &[b"CLIENT", b"KILL", b"ID", id.to_string().as_bytes()]);
    assert_eq!(r, Reply::Int(1));
    let mut chunk = [0u8; 16];
    let n = victim.read(&mut chunk).unwrap_or(0);
    assert_eq!(n, 0, "the killed client's connection is still open");
}

#[test]
fn a_busy_script_answers_busy_to_a_second_client_and_is_killed() {
    let server = start_ours();
    let mut a = connect(server.port);
    let mut b = connect(server.port);
    assert_eq!(call(&mut b, &[b"CONFIG", b"SET", b"busy-reply-threshold", b"100"]), Reply::ok());
    a.write_all(&request(&[b"EVAL", b"local i = 0 while true do i = i + 1 end", b"0"])).expect("write");
    std::thread::sleep(Duration::from_millis(20));
    // Sent before the threshold: held, then answered BUSY once it passes.
    let started = Instant::now();
    let busy = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    assert_eq!(call(&mut b, &[b"PING"]), Reply::Error(busy.into()));
    assert!(started.elapsed() >= Duration::from_millis(50), "answered before the threshold");
    // The script's client pipelines a command: it waits for the script too.
    a.write_all(&request(&[b"PING"])).expect("write");
    assert_eq!(call(&mut b, &[b"SCRIPT", b"KILL"]), Reply::ok());
    let mut buf = Vec::new();
    let replies = read_replies(&mut a, &mut buf, 2);
    assert!(
        matches!(&replies[0], Reply::Error(m) if m.starts_with("ERR Script killed by user with SCRIPT KILL... script: ")),
        "{replies:?}"
    );
    assert_eq!(replies[1], Reply::status("PONG"));
    assert_eq!(call(&mut b, &[b"PING"]), Reply::status("PONG"));
}
