//! In-process engine throughput: `cargo bench --bench engine`.
//!
//! Runs commands straight through `Engine::execute` (no sockets) and prints operations per
//! second for SET, GET and INCR, and for pipelined batches that go through the whole request
//! path the server uses: parse a 16-command pipeline, execute, encode the replies.
//! `BENCH_SECONDS` sets the time per measurement (default 1).

use std::hint::black_box;
use std::time::{Duration, Instant};

use redis_playground::engine::clock::SystemClock;
use redis_playground::engine::resp::{encode, encode_into, parse_request};
use redis_playground::engine::{table, Engine, Reply};

const KEYS: usize = 10_000;

fn argvs(cmd: &str, with_value: bool) -> Vec<Vec<Vec<u8>>> {
    (0..KEYS)
        .map(|i| {
            let mut a = vec![cmd.as_bytes().to_vec(), format!("key:{i:06}").into_bytes()];
            if with_value {
                a.push(b"xxx".to_vec());
            }
            a
        })
        .collect()
}

/// Runs `op` in rounds until `budget` has passed; returns operations per second.
fn measure(budget: Duration, ops_per_call: u64, mut op: impl FnMut(usize)) -> (f64, u64) {
    // Warm up caches and allocator.
    for i in 0..1000 {
        op(i);
    }
    let start = Instant::now();
    let mut calls = 0usize;
    while start.elapsed() < budget {
        for _ in 0..256 {
            op(calls);
            calls += 1;
        }
    }
    let ops = calls as u64 * ops_per_call;
    (ops as f64 / start.elapsed().as_secs_f64(), ops)
}

fn report(name: &str, (rate, ops): (f64, u64)) {
    println!("{name:<38} {:>12} ops/s   ({ops} ops, {:.1} ns/op)", group_thousands(rate as u64), 1e9 / rate.max(1.0));
}

fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing useful. Either
    // way the run is short.
    let seconds: f64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let budget = Duration::from_secs_f64(seconds.max(0.05));
    let mut e = Engine::new(Box::new(SystemClock));
    let c = e.connect();
    println!("redis-playground engine, in process, {KEYS} keys, {seconds} s per figure");

    let sets = argvs("SET", true);
    report(
        "SET key:N xxx",
        measure(budget, 1, |i| {
            black_box(e.execute(c, &sets[i % KEYS]));
        }),
    );

    let gets = argvs("GET", false);
    report(
        "GET key:N",
        measure(budget, 1, |i| {
            black_box(e.execute(c, &gets[i % KEYS]));
        }),
    );

    if table::lookup(b"incr").is_some() {
        let incrs = argvs("INCR", false);
        let counters: Vec<Vec<Vec<u8>>> =
            incrs.iter().map(|a| vec![a[0].clone(), [b"counter:".as_slice(), &a[1]].concat()]).collect();
        report(
            "INCR counter:N",
            measure(budget, 1, |i| {
                black_box(e.execute(c, &counters[i % KEYS]));
            }),
        );
    } else {
        println!("{:<38} not in this engine build", "INCR counter:N");
    }

    // The server's path for a pipeline of 16: parse each request, execute, encode the reply.
    let batch = |cmd: &[Vec<Vec<u8>>], start: usize| -> Vec<u8> {
        let mut wire = Vec::new();
        for j in 0..16 {
            let argv = &cmd[(start + j) % KEYS];
            wire.extend(encode(&Reply::Array(argv.iter().map(|a| Reply::Bulk(a.clone())).collect()), 2));
        }
        wire
    };
    let set_batches: Vec<Vec<u8>> = (0..64).map(|b| batch(&sets, b * 16)).collect();
    let get_batches: Vec<Vec<u8>> = (0..64).map(|b| batch(&gets, b * 16)).collect();
    let mut out = Vec::with_capacity(4096);
    let run_pipeline = |e: &mut Engine, wire: &[u8], out: &mut Vec<u8>| {
        out.clear();
        let mut pos = 0;
        while let Ok(Some((argv, used))) = parse_request(&wire[pos..]) {
            pos += used;
            let r = e.execute(c, &argv);
            encode_into(out, &r, 2);
        }
        black_box(&out);
    };
    report(
        "pipeline of 16 SET (parse+run+encode)",
        measure(budget, 16, |i| {
            run_pipeline(&mut e, &set_batches[i % 64], &mut out);
        }),
    );
    report(
        "pipeline of 16 GET (parse+run+encode)",
        measure(budget, 16, |i| {
            run_pipeline(&mut e, &get_batches[i % 64], &mut out);
        }),
    );
}
