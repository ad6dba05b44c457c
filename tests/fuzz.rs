//! A bounded-time, deterministic fuzz harness (no external crates): the engine must never
//! panic, whatever it is fed.
//!
//! - Random argv for every command and subcommand of `table::all()`, with random argument
//!   counts and values (edge numbers, floats, inf/nan, the command's own keywords, binary,
//!   empty strings, a small pool of key names so commands meet each other's values), run on an
//!   engine with a `VirtualClock` that jumps forward at random, with a few clients.
//! - Random and mutated bytes to `resp::parse_request` and `resp::parse_reply`.
//! - Random lines to `cli::split_args` and random replies to `cli::format_reply` and the
//!   encoder.
//!
//! `FUZZ_SECONDS` sets the total time (default 15), `FUZZ_SEED` the seed. A panic fails the
//! test and reports the input that caused it; so does a reply that does not encode to
//! well-formed RESP, and a command running longer than `FUZZ_HANG_SECONDS` (default 10).
//! `FUZZ_TRACE=1` prints each command first (to find one that aborts the process).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis_playground::engine::resp::{encode, parse_reply, parse_request};
use redis_playground::engine::{cli, table, ClientId, Engine, Reply, VirtualClock};

/// xorshift64*: small, fast and reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Numbers at the edges of what commands parse. Offsets that would make the engine allocate
/// half a gigabyte (SETRANGE 536870911, SETBIT 4294967295) are left out on purpose: they are
/// valid and only slow; one past them (an error) is in.
const EDGE_NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "10",
    "-10",
    "100",
    "1000",
    "-1000",
    "63",
    "64",
    "65",
    "127",
    "128",
    "255",
    "256",
    "511",
    "512",
    "513",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "4294967296",
    "536870912",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "007",
    "+1",
    "-0",
    " 1",
    "1 ",
    "0x10",
    "1e3",
    "1.5",
    "-1.5",
    "0.1",
    "1e308",
    "1e309",
    "-1e309",
    "2.2250738585072014e-308",
    "4.9e-324",
    "1.7976931348623157e308",
    "3.0000000000000004",
    "inf",
    "-inf",
    "+inf",
    "Infinity",
    "-infinity",
    "nan",
    "NaN",
    "-nan",
    "(1",
    "(-1",
    "[a",
    "(a",
    "-",
    "+",
    "*",
    "$",
    "0.",
    ".5",
    "",
];

const WORDS: &[&str] = &[
    "",
    "a",
    "b",
    "k",
    "key",
    "field",
    "member",
    "value",
    "ch",
    "*",
    "?",
    "[a-z]",
    "\\",
    "h*llo",
    "\\x00",
    "NX",
    "XX",
    "GT",
    "LT",
    "EX",
    "PX",
    "EXAT",
    "PXAT",
    "KEEPTTL",
    "GET",
    "COUNT",
    "MATCH",
    "TYPE",
    "LIMIT",
    "WITHSCORES",
    "REV",
    "BYSCORE",
    "BYLEX",
    "LEFT",
    "RIGHT",
    "BEFORE",
    "AFTER",
    "STORE",
    "ASC",
    "DESC",
    "ALPHA",
    "BY",
    "IDX",
    "LEN",
    "MINMATCHLEN",
    "WITHMATCHLEN",
    "RESET",
    "ON",
    "OFF",
    "YES",
    "NO",
    "SKIPME",
    "ID",
    "ADDR",
    "USER",
    "3",
    "2",
    "AUTH",
    "SETNAME",
    "default",
    "WEIGHTS",
    "AGGREGATE",
    "SUM",
    "MIN",
    "MAX",
    "PERSIST",
    "FIELDS",
    "NOVALUE",
    "MAXLEN",
    "MINID",
    "~",
    "=",
    "STREAMS",
    "GROUP",
    "BLOCK",
    "NOACK",
    "MKSTREAM",
    "ABSOLUTETTL",
    "REPLACE",
    "IDLETIME",
    "FREQ",
    "DB",
    "COPY",
    "KEYS",
    "BIT",
    "BYTE",
];

/// Keys are drawn from a small pool so that commands run on each other's values.
const KEYS: &[&str] = &["k", "k2", "list", "hash", "set", "zset", "str", "{t}a", "{t}b", ""];

fn random_bytes(rng: &mut Rng, max: usize) -> Vec<u8> {
    let n = rng.below(max + 1);
    (0..n).map(|_| rng.next() as u8).collect()
}

/// Upper-case words of a syntax string (`[EX seconds | PX milliseconds]` gives EX, PX).
fn keywords(syntax: &str) -> Vec<String> {
    syntax
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| w.len() > 1 && w.chars().any(|c| c.is_ascii_uppercase()))
        .filter(|w| !w.chars().any(|c| c.is_ascii_lowercase()))
        .map(str::to_string)
        .collect()
}

fn random_arg(rng: &mut Rng, kw: &[String]) -> Vec<u8> {
    match rng.below(14) {
        0..=2 => rng.pick(KEYS).as_bytes().to_vec(),
        3..=5 => rng.pick(EDGE_NUMBERS).as_bytes().to_vec(),
        6 | 7 if !kw.is_empty() => {
            let w = rng.pick(kw).clone();
            if rng.chance(30) {
                w.to_ascii_lowercase().into_bytes()
            } else {
                w.into_bytes()
            }
        }
        8 => rng.pick(WORDS).as_bytes().to_vec(),
        // Random integers stay below 2^19 in magnitude: valid offsets of hundreds of
        // megabytes (SETRANGE, SETBIT) would only make the run slow.
        9 => (rng.next() as i64 >> (44 + rng.below(20))).to_string().into_bytes(),
        10 => format!("{}", (rng.next() as i64 as f64) / 1000.0).into_bytes(),
        11 => random_bytes(rng, 16),
        12 => {
            // Short digit strings, or ones far beyond any valid offset (ten digits or more).
            let n = if rng.chance(50) { 1 + rng.below(5) } else { 10 + rng.below(390) };
            (0..n).map(|i| if i == 0 { b'9' } else { b'0' + (rng.next() % 10) as u8 }).collect()
        }
        _ => rng.below(100).to_string().into_bytes(),
    }
}

struct Target {
    argv_prefix: Vec<Vec<u8>>,
    arity: i32,
    keywords: Vec<String>,
}

/// Commands whose valid uses may stall the whole run (sleeps, huge loops) are not fuzzed.
const SKIP: &[&str] = &["debug", "shutdown", "monitor", "sync", "psync", "failover"];

fn targets() -> Vec<Target> {
    let mut out = Vec::new();
    for c in table::all() {
        if SKIP.contains(&c.name) {
            continue;
        }
        out.push(Target {
            argv_prefix: vec![c.name.as_bytes().to_vec()],
            arity: c.arity,
            keywords: keywords(c.syntax),
        });
        for s in c.subcommands {
            let sub = s.name.split_once('|').map(|(_, n)| n).unwrap_or(s.name);
            out.push(Target {
                argv_prefix: vec![c.name.as_bytes().to_vec(), sub.as_bytes().to_vec()],
                arity: s.arity,
                keywords: keywords(s.syntax),
            });
        }
    }
    out
}

fn random_argv(rng: &mut Rng, t: &Target) -> Vec<Vec<u8>> {
    let mut argv = t.argv_prefix.clone();
    if rng.chance(20) {
        // Mixed case, as clients may send it.
        if let Some(first) = argv.first_mut() {
            first.make_ascii_uppercase();
        }
    }
    let base = t.arity.unsigned_abs() as usize;
    let extra = if rng.chance(10) { rng.below(12) } else { rng.below(4) };
    let total = if rng.chance(8) { rng.below(base + 2) } else { base + if t.arity < 0 { extra } else { 0 } };
    while argv.len() < total {
        argv.push(random_arg(rng, &t.keywords));
    }
    argv
}

fn show(argv: &[Vec<u8>]) -> String {
    argv.iter().map(|a| cli::quote(a)).collect::<Vec<_>>().join(" ")
}

struct Fuzzer {
    engine: Engine,
    clock: VirtualClock,
    clients: Vec<ClientId>,
}

impl Fuzzer {
    fn new() -> Fuzzer {
        let (mut engine, clock) = Engine::with_virtual_clock();
        let clients = (0..3).map(|_| engine.connect()).collect();
        Fuzzer { engine, clock, clients }
    }
}

fn fuzz_commands(rng: &mut Rng, budget: Duration, failures: &mut Vec<String>) -> u64 {
    let targets = targets();
    assert!(!targets.is_empty(), "the command table is empty");
    let mut f = Fuzzer::new();
    let start = Instant::now();
    let mut executed = 0u64;
    let mut slowest = (Duration::ZERO, String::new());
    let watchdog = Watchdog::start();
    while start.elapsed() < budget && failures.len() < 20 {
        for _ in 0..64 {
            let t = rng.pick(&targets);
            let argv = random_argv(rng, t);
            let slot = rng.below(f.clients.len());
            let client = f.clients[slot];
            let began = Instant::now();
            watchdog.watch(&argv);
            let r = catch_unwind(AssertUnwindSafe(|| {
                let reply = f.engine.execute(client, &argv);
                let proto = f.engine.client_protocol(client);
                let _ = cli::format_reply(&reply, proto);
                let mut wire = encode(&reply, proto);
                for p in f.engine.take_pushed(client) {
                    wire.extend(encode(&p, proto));
                }
                well_formed(&wire)
            }));
            let took = began.elapsed();
            if took > slowest.0 {
                slowest = (took, show(&argv));
            }
            executed += 1;
            match r {
                Err(_) => {
                    failures.push(format!("engine panicked on: {}", show(&argv)));
                    f = Fuzzer::new();
                    continue;
                }
                Ok(Err(e)) => failures.push(format!("bad RESP for {}: {e}", show(&argv))),
                Ok(Ok(())) => {}
            }
            if f.engine.client_closing(client) {
                f.engine.disconnect(client);
                f.clients[slot] = f.engine.connect();
            }
            if rng.chance(5) {
                let jump = match rng.below(4) {
                    0 => 1,
                    1 => rng.below(1000) as i64,
                    2 => rng.below(100_000) as i64,
                    _ => rng.below(10_000_000) as i64,
                };
                f.clock.advance_ms(jump);
            }
            if rng.chance(2) {
                let r = catch_unwind(AssertUnwindSafe(|| f.engine.tick()));
                if r.is_err() {
                    failures.push(format!("tick panicked after: {}", show(&argv)));
                    f = Fuzzer::new();
                }
            }
        }
        if executed % 20_000 < 64 {
            // Keep values from growing without bound; a fresh engine now and then also
            // resets configuration changes.
            f = Fuzzer::new();
        }
    }
    println!(
        "fuzz: {executed} commands over {} command/subcommand forms; slowest {:?}: {}",
        targets.len(),
        slowest.0,
        slowest.1.chars().take(120).collect::<String>()
    );
    executed
}

/// Checks that encoded replies read back as whole replies, with nothing left over.
fn well_formed(mut wire: &[u8]) -> Result<(), String> {
    while !wire.is_empty() {
        match parse_reply(wire) {
            Ok(Some((_, used))) if used > 0 => wire = &wire[used..],
            Ok(_) => return Err(format!("incomplete reply {:?}", cli::quote(wire))),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reports a command that runs far too long (a hang is a bug too) and ends the process, since
/// a stuck handler cannot be interrupted. `FUZZ_HANG_SECONDS` sets the limit (default 10).
/// (An impossible allocation aborts the process outright; rerun with `FUZZ_TRACE=1`.)
struct Watchdog {
    current: Arc<Mutex<(Instant, String)>>,
    /// `FUZZ_TRACE=1` prints every command before it runs.
    trace: bool,
}

impl Watchdog {
    fn start() -> Watchdog {
        let limit = std::env::var("FUZZ_HANG_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10.0);
        let current = Arc::new(Mutex::new((Instant::now(), String::new())));
        let watched = Arc::downgrade(&current);
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            let Some(cur) = watched.upgrade() else { return };
            let (since, argv) = cur.lock().map(|g| g.clone()).unwrap_or_else(|e| e.into_inner().clone());
            if since.elapsed() > Duration::from_secs_f64(limit) {
                eprintln!("fuzz: command still running after {limit} s: {argv}");
                println!("fuzz: command still running after {limit} s: {argv}");
                std::process::exit(101);
            }
        });
        Watchdog { current, trace: std::env::var_os("FUZZ_TRACE").is_some() }
    }

    fn watch(&self, argv: &[Vec<u8>]) {
        let text = show(argv);
        if self.trace {
            // An allocation failure aborts without a panic: the last line names the culprit.
            eprintln!("fuzz: {text}");
        }
        if let Ok(mut g) = self.current.lock() {
            *g = (Instant::now(), text);
        }
    }
}

/// A valid request to mutate.
fn sample_request(rng: &mut Rng) -> Vec<u8> {
    let argv: Vec<Reply> = (0..1 + rng.below(4)).map(|_| Reply::Bulk(random_arg(rng, &[]))).collect();
    if rng.chance(30) {
        let mut line = argv
            .iter()
            .map(|a| match a {
                Reply::Bulk(b) => cli::quote(b),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes();
        line.extend_from_slice(b"\r\n");
        line
    } else {
        encode(&Reply::Array(argv), 2)
    }
}

fn mutate(rng: &mut Rng, mut b: Vec<u8>) -> Vec<u8> {
    const SPECIAL: &[u8] = b"*$:+-%~>_#,(=!\r\n\0\"' \\x0123456789";
    for _ in 0..1 + rng.below(4) {
        let pos = rng.below(b.len() + 1);
        match rng.below(6) {
            0 if pos < b.len() => b[pos] = rng.next() as u8,
            1 if pos < b.len() => b[pos] = *rng.pick(SPECIAL),
            2 => b.insert(pos, *rng.pick(SPECIAL)),
            3 => b.truncate(pos),
            4 if pos < b.len() => {
                b.remove(pos);
            }
            _ => {
                let digits = rng.pick(EDGE_NUMBERS).as_bytes().to_vec();
                b.splice(pos..pos, digits);
            }
        }
    }
    b
}

fn random_reply(rng: &mut Rng, depth: usize) -> Reply {
    let leaf = depth > 3 || rng.chance(60);
    if leaf {
        match rng.below(11) {
            0 => Reply::Status(String::from_utf8_lossy(&random_bytes(rng, 12)).into_owned()),
            1 => Reply::Error(String::from_utf8_lossy(&random_bytes(rng, 12)).into_owned()),
            2 => Reply::Int(rng.next() as i64),
            3 => Reply::Bulk(random_bytes(rng, 20)),
            4 => Reply::Nil,
            5 => Reply::NilArray,
            6 => Reply::Double(f64::from_bits(rng.next())),
            7 => Reply::Bool(rng.chance(50)),
            8 => Reply::BigNumber(rng.pick(EDGE_NUMBERS).to_string()),
            9 => Reply::Verbatim("txt".into(), random_bytes(rng, 20)),
            _ => Reply::NoReply,
        }
    } else {
        let n = rng.below(12);
        let items = || 0..n;
        match rng.below(4) {
            0 => Reply::Array(items().map(|_| random_reply(rng, depth + 1)).collect()),
            1 => Reply::Set(items().map(|_| random_reply(rng, depth + 1)).collect()),
            2 => Reply::Push(items().map(|_| random_reply(rng, depth + 1)).collect()),
            _ => Reply::Map(items().map(|_| (random_reply(rng, depth + 1), random_reply(rng, depth + 1))).collect()),
        }
    }
}

fn fuzz_codec(rng: &mut Rng, budget: Duration, failures: &mut Vec<String>) -> u64 {
    let start = Instant::now();
    let mut cases = 0u64;
    while start.elapsed() < budget && failures.len() < 20 {
        for _ in 0..256 {
            cases += 1;
            let bytes = if rng.chance(20) {
                random_bytes(rng, 64)
            } else {
                let base = sample_request(rng);
                mutate(rng, base)
            };
            if catch_unwind(|| parse_request(&bytes)).is_err() {
                failures.push(format!("parse_request panicked on {:?}", cli::quote(&bytes)));
            }
            let reply = random_reply(rng, 0);
            let proto = if rng.chance(50) { 2 } else { 3 };
            let encoded = mutate(rng, encode(&reply, proto));
            let raw = if rng.chance(50) { encoded } else { bytes.clone() };
            if catch_unwind(|| parse_reply(&raw)).is_err() {
                failures.push(format!("parse_reply panicked on {:?}", cli::quote(&raw)));
            }
            if catch_unwind(|| cli::split_args(&bytes)).is_err() {
                failures.push(format!("split_args panicked on {:?}", cli::quote(&bytes)));
            }
            if catch_unwind(AssertUnwindSafe(|| cli::format_reply(&reply, proto))).is_err() {
                failures.push(format!("format_reply panicked on {reply:?}"));
            }
        }
    }
    println!("fuzz: {cases} codec/cli cases");
    cases
}

#[test]
fn fuzz_engine_codec_and_cli() {
    let seconds: f64 = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(15.0);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x0dd_c0ffee);
    println!("fuzz: seed {seed}, {seconds} s (FUZZ_SEED / FUZZ_SECONDS)");
    let total = Duration::from_secs_f64(seconds.max(0.1));
    let mut rng = Rng(seed.max(1));
    let mut failures = Vec::new();
    let executed = fuzz_commands(&mut rng, total.mul_f64(0.75), &mut failures);
    fuzz_codec(&mut rng, total.mul_f64(0.25), &mut failures);
    assert!(executed > 0);
    assert!(failures.is_empty(), "{} panics (seed {seed}):\n{}", failures.len(), failures.join("\n"));
}
