//! The native RESP server over the playground engine:
//! `redis-playground-server [--port PORT] [--bind ADDR]` (default 127.0.0.1:6380).
//!
//! Threads and locks:
//! - The engine and the registry of connections sit behind one mutex, so commands run one at a
//!   time and atomically, as in Redis.
//! - Each connection has a reader thread (reads, parses, runs commands, writes their replies)
//!   and a writer thread that sleeps until output arrives from elsewhere: replies pushed to
//!   this client by another connection's command (an unblocked BLPOP, a pub/sub message) or
//!   by the timer (a BLPOP timeout), and kills.
//! - Output is appended to a connection's outbox only while the engine lock is held, so a
//!   client's replies and pushes leave in the order the engine produced them. Sockets are
//!   written outside the engine lock: a client that does not read only stalls itself.
//! - A timer thread ticks the engine every 10 ms (active expiry, blocking timeouts).
//!
//! Malformed requests get Redis's exact protocol error and the connection is closed after it,
//! as are clients that QUIT or are killed. Nothing read from the network can panic the server.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use redis_playground::engine::clock::SystemClock;
use redis_playground::engine::resp::{encode_into, parse_request_as};
use redis_playground::engine::{table, ClientId, Engine};

/// How often the engine's periodic work runs.
const TICK: Duration = Duration::from_millis(10);
/// How often a blocked client with more commands already received checks whether it may go on.
const BLOCKED_POLL: Duration = Duration::from_millis(10);
/// Bytes read from a socket at a time.
const READ_CHUNK: usize = 64 * 1024;
/// Output buffers up to this capacity are kept for reuse; bigger ones are freed after use.
const REUSE_LIMIT: usize = 64 * 1024;
/// Unparsed input a client may accumulate before it is dropped (Redis's
/// `client-query-buffer-limit`, 1 GB).
const QUERY_BUFFER_LIMIT: usize = 1024 * 1024 * 1024;
/// Pushed output a client may leave unread before it is disconnected (Redis's hard limit for
/// pub/sub clients, `client-output-buffer-limit pubsub 32mb`).
const PUSH_BACKLOG_LIMIT: usize = 32 * 1024 * 1024;

/// What a connection has to send, filled under the engine lock.
#[derive(Default)]
struct Pending {
    buf: Vec<u8>,
    /// Send what is pending, then close the connection.
    close: bool,
    /// The connection is finished: the writer thread exits without sending more.
    done: bool,
}

/// One connection's output side.
struct Outbox {
    pending: Mutex<Pending>,
    /// Wakes the writer thread when `pending` changes.
    wake: Condvar,
    /// Serializes socket writes between the reader and the writer thread, so chunks taken
    /// from `pending` in order are also written in order.
    writing: Mutex<()>,
    stream: TcpStream,
}

/// Everything behind the engine lock.
struct State {
    engine: Engine,
    conns: HashMap<ClientId, Arc<Outbox>>,
}

type Shared = Arc<Mutex<State>>;

/// Locks a mutex even if a thread panicked while holding it: a playground server keeps
/// serving rather than dying with the first bug.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Options {
    port: u16,
    bind: String,
    /// `--save` / `--appendonly`: start-up values of those parameters, as redis-server takes
    /// them (the differential tests start both servers with `--save '' --appendonly no`).
    save: Option<String>,
    appendonly: Option<bool>,
}

fn parse_options() -> Result<Option<Options>, String> {
    let mut opts = Options { port: 6380, bind: String::from("127.0.0.1"), save: None, appendonly: None };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        match flag.as_str() {
            "--port" | "-p" => {
                let v = inline.or_else(|| args.next()).unwrap_or_default();
                opts.port = v.parse().map_err(|_| format!("invalid port {v:?}"))?;
            }
            "--bind" => {
                opts.bind = inline.or_else(|| args.next()).ok_or("--bind needs an address")?;
            }
            "--save" => {
                opts.save = Some(inline.or_else(|| args.next()).ok_or("--save needs a value")?);
            }
            "--appendonly" => {
                let v = inline.or_else(|| args.next()).unwrap_or_default();
                opts.appendonly = Some(match v.as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err(format!("--appendonly takes yes or no, not {v:?}")),
                });
            }
            "--help" | "-h" => {
                println!(
                    "usage: redis-playground-server [--port PORT] [--bind ADDR] [--save SPEC] [--appendonly yes|no]"
                );
                println!("Serves the Redis Playground engine over RESP (default 127.0.0.1:6380).");
                return Ok(None);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Some(opts))
}

fn main() {
    let opts = match parse_options() {
        Ok(Some(o)) => o,
        Ok(None) => return,
        Err(e) => {
            eprintln!("redis-playground-server: {e}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind((opts.bind.as_str(), opts.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}:{}: {e}", opts.bind, opts.port);
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    eprintln!("redis-playground-server listening on {addr}");
    let mut engine = Engine::new(Box::new(SystemClock));
    if let Some(save) = opts.save {
        engine.config.save = save;
    }
    if let Some(on) = opts.appendonly {
        engine.config.appendonly = on;
    }
    let shared: Shared = Arc::new(Mutex::new(State { engine, conns: HashMap::new() }));
    {
        let shared = shared.clone();
        let ticker = thread::Builder::new().name("tick".into()).spawn(move || loop {
            thread::sleep(TICK);
            let mut st = lock(&shared);
            let st = &mut *st;
            if catch_unwind(AssertUnwindSafe(|| st.engine.tick())).is_err() {
                eprintln!("engine tick panicked; continuing");
            }
            deliver_pushed(st, None);
        });
        if let Err(e) = ticker {
            eprintln!("cannot start the timer thread: {e}");
            std::process::exit(1);
        }
    }
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = shared.clone();
                let spawned = thread::Builder::new().name("conn".into()).spawn(move || serve(stream, shared));
                if let Err(e) = spawned {
                    eprintln!("cannot start a connection thread: {e}");
                }
            }
            // Out of file descriptors or an aborted handshake: wait a little and go on.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Moves replies the engine queued for clients (outside their own requests) into their
/// outboxes and wakes their writers. `current` is the connection running this, whose reader
/// writes its own output.
///
/// A client the engine marks as closing while its own reader has not asked to close was
/// killed by someone else (CLIENT KILL); one with too much unread pushed output is too far
/// behind. Redis drops both at once, pending output included, so their sockets are shut down
/// here, which also frees a writer stuck on a peer that stopped reading. (A client closing
/// itself, by QUIT, has `close` set by its reader in the same engine-lock hold, and gets its
/// last replies.)
fn deliver_pushed(st: &mut State, current: Option<ClientId>) {
    let ids: Vec<ClientId> = st.engine.clients().filter(|c| !c.pushed.is_empty() || c.closing).map(|c| c.id).collect();
    for id in ids {
        let proto = st.engine.client_protocol(id);
        let closing = st.engine.client_closing(id);
        let pushed = st.engine.take_pushed(id);
        let Some(outbox) = st.conns.get(&id) else {
            continue;
        };
        let mut p = lock(&outbox.pending);
        if p.close {
            continue;
        }
        for r in &pushed {
            encode_into(&mut p.buf, r, proto);
        }
        if closing || p.buf.len() > PUSH_BACKLOG_LIMIT {
            p.close = true;
            p.buf.clear();
            drop(p);
            outbox.stream.shutdown(Shutdown::Both).ok();
            outbox.wake.notify_one();
            continue;
        }
        drop(p);
        if Some(id) != current {
            outbox.wake.notify_one();
        }
    }
}

/// Writes everything pending, in order. Errors mean the peer is gone.
fn flush(outbox: &Outbox) -> std::io::Result<()> {
    let _turn = lock(&outbox.writing);
    let mut chunk = Vec::new();
    loop {
        {
            let mut p = lock(&outbox.pending);
            if p.buf.is_empty() {
                // Hand a modest buffer back, so the next batch's replies need no allocation.
                if chunk.capacity() <= REUSE_LIMIT {
                    std::mem::swap(&mut chunk, &mut p.buf);
                }
                return Ok(());
            }
            std::mem::swap(&mut chunk, &mut p.buf);
        }
        (&outbox.stream).write_all(&chunk)?;
        chunk.clear();
    }
}

/// The writer thread: sends output that arrives while the reader waits for input.
fn write_loop(outbox: Arc<Outbox>) {
    loop {
        {
            let mut p = lock(&outbox.pending);
            while p.buf.is_empty() && !p.close && !p.done {
                p = outbox.wake.wait(p).unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if p.done {
                return;
            }
        }
        let failed = flush(&outbox).is_err();
        let close = lock(&outbox.pending).close;
        if failed || close {
            // Also wakes the reader out of its blocking read.
            outbox.stream.shutdown(Shutdown::Both).ok();
            return;
        }
    }
}

/// Serves one connection until it closes.
fn serve(stream: TcpStream, shared: Shared) {
    stream.set_nodelay(true).ok();
    let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let local = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let outbox = Arc::new(Outbox {
        pending: Mutex::new(Pending::default()),
        wake: Condvar::new(),
        writing: Mutex::new(()),
        stream: write_half,
    });
    let id = {
        let mut st = lock(&shared);
        let id = st.engine.connect_from(&peer, &local);
        st.conns.insert(id, outbox.clone());
        id
    };
    let writer = {
        let outbox = outbox.clone();
        thread::Builder::new().name("conn-writer".into()).spawn(move || write_loop(outbox))
    };
    if let Ok(writer) = writer {
        read_loop(&stream, &shared, &outbox, id);
        lock(&outbox.pending).done = true;
        outbox.wake.notify_one();
        // Unblocks a writer stuck on a peer that stopped reading.
        stream.shutdown(Shutdown::Both).ok();
        writer.join().ok();
    }
    let mut st = lock(&shared);
    st.conns.remove(&id);
    st.engine.disconnect(id);
}

/// Reads requests and runs them until the peer goes away or the connection must close.
fn read_loop(mut stream: &TcpStream, shared: &Shared, outbox: &Outbox, id: ClientId) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; READ_CHUNK];
    // One batch's replies, reused from batch to batch (it trades buffers with the outbox).
    let mut out: Vec<u8> = Vec::new();
    // True while the client is blocked with more requests already received: they wait, as in
    // Redis, and the reader polls instead of sleeping in `read`.
    let mut held = false;
    let mut polling = false;
    loop {
        if held != polling {
            polling = held;
            stream.set_read_timeout(if held { Some(BLOCKED_POLL) } else { None }).ok();
        }
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > QUERY_BUFFER_LIMIT {
                    // Redis closes such a client without a reply.
                    return;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
        let (used, close, rest_held) = {
            let mut st = lock(shared);
            let st = &mut *st;
            out.clear();
            let r = run_requests(&mut st.engine, id, &buf, &mut out);
            {
                let mut p = lock(&outbox.pending);
                if p.buf.is_empty() {
                    std::mem::swap(&mut p.buf, &mut out);
                } else {
                    p.buf.extend_from_slice(&out);
                }
                if r.1 {
                    p.close = true;
                }
            }
            if r.1 {
                // Gone for every other client before its last reply is even written, as in
                // Redis, where QUIT's client is freed right after that write with nothing run
                // in between (so PUBSUB NUMSUB or CLIENT LIST never see it).
                st.engine.disconnect(id);
            }
            deliver_pushed(st, Some(id));
            r
        };
        held = rest_held;
        buf.drain(..used);
        let close = close || lock(&outbox.pending).close;
        if flush(outbox).is_err() || close {
            return;
        }
    }
}

/// Runs the complete requests at the front of `buf`, appending their replies to `out`.
/// Returns the bytes consumed, whether the connection must close after the output, and
/// whether requests were left waiting because the client is blocked.
fn run_requests(engine: &mut Engine, id: ClientId, buf: &[u8], out: &mut Vec<u8>) -> (usize, bool, bool) {
    let mut used = 0;
    loop {
        if engine.client_closing(id) {
            return (used, true, false);
        }
        if engine.is_blocked(id) {
            return (used, false, used < buf.len());
        }
        let rest = buf.get(used..).unwrap_or_default();
        let argv = match parse_request_as(rest, engine.auth_required(id)) {
            Ok(None) => return (used, false, false),
            Ok(Some((argv, n))) => {
                used += n;
                argv
            }
            Err(err) => {
                out.extend(err.to_resp());
                return (used, true, false);
            }
        };
        let Some(name) = argv.first() else {
            continue;
        };
        // Redis 7.0 answers QUIT before looking commands up; the engine's table may not
        // have it yet.
        if name.eq_ignore_ascii_case(b"quit") && table::lookup(b"quit").is_none() {
            out.extend_from_slice(b"+OK\r\n");
            return (used, true, false);
        }
        let reply = match catch_unwind(AssertUnwindSafe(|| engine.execute(id, &argv))) {
            Ok(r) => r,
            Err(_) => {
                eprintln!(
                    "engine panicked on {:?}",
                    argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>()
                );
                redis_playground::engine::Reply::Error("ERR internal error".into())
            }
        };
        let proto = engine.client_protocol(id);
        encode_into(out, &reply, proto);
        for p in engine.take_pushed(id) {
            encode_into(out, &p, proto);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis_playground::engine::Reply;

    fn read_exactly(s: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut buf = vec![0u8; n];
        s.read_exact(&mut buf).expect("read");
        buf
    }

    #[test]
    fn pushed_replies_reach_an_idle_client_in_order() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let shared: Shared =
            Arc::new(Mutex::new(State { engine: Engine::with_virtual_clock().0, conns: HashMap::new() }));
        let server_side = shared.clone();
        thread::spawn(move || {
            if let Ok((stream, _)) = listener.accept() {
                serve(stream, server_side);
            }
        });
        let mut client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        client.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        client.write_all(b"PING\r\n").expect("write");
        assert_eq!(read_exactly(&mut client, 7), b"+PONG\r\n");
        // The client now sleeps in read; another party queues two replies for it.
        {
            let mut st = lock(&shared);
            let id = st.conns.keys().next().copied().expect("registered");
            st.engine.push_to(id, Reply::Push(vec![Reply::bulk_str("first")]));
            st.engine.push_to(id, Reply::Push(vec![Reply::bulk_str("second")]));
            deliver_pushed(&mut st, None);
        }
        let expected = b"*1\r\n$5\r\nfirst\r\n*1\r\n$6\r\nsecond\r\n";
        assert_eq!(read_exactly(&mut client, expected.len()), expected);
        // Replies to its own requests still follow.
        client.write_all(b"PING\r\n").expect("write");
        assert_eq!(read_exactly(&mut client, 7), b"+PONG\r\n");
        drop(client);
        // The connection is forgotten once the peer leaves.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !lock(&shared).conns.is_empty() {
            assert!(std::time::Instant::now() < deadline, "connection not cleaned up");
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(lock(&shared).engine.clients().count(), 0);
    }
}
