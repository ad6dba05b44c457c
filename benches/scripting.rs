//! Scripting overhead, in process: `cargo bench --bench scripting`.
//!
//! Compares a direct `GET k` with `EVAL "return redis.call('GET', KEYS[1])" 1 k` and the same
//! script by `EVALSHA`, all through `Engine::execute` (no sockets), and prints operations per
//! second and how many times slower the scripted forms are. Also times a pure-Lua loop to give
//! the interpreter's speed in fuel-free terms. `BENCH_SECONDS` sets the time per measurement
//! (default 1).

use std::hint::black_box;
use std::time::{Duration, Instant};

use redis_playground::engine::clock::SystemClock;
use redis_playground::engine::{Engine, Reply};

fn measure(budget: Duration, mut op: impl FnMut()) -> f64 {
    for _ in 0..200 {
        op();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..64 {
            op();
        }
        n += 64;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn argv(words: &[&str]) -> Vec<Vec<u8>> {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}

fn main() {
    let secs: f64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let budget = Duration::from_secs_f64(secs);
    let mut e = Engine::new(Box::new(SystemClock));
    let c = e.connect();
    e.execute(c, &argv(&["SET", "k", "value"]));
    let script = "return redis.call('GET', KEYS[1])";
    let get = argv(&["GET", "k"]);
    let eval = argv(&["EVAL", script, "1", "k"]);
    let sha = match e.execute(c, &argv(&["SCRIPT", "LOAD", script])) {
        Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("SCRIPT LOAD failed: {other:?}"),
    };
    let evalsha = argv(&["EVALSHA", &sha, "1", "k"]);
    assert_eq!(e.execute(c, &eval), Reply::bulk_str("value"));
    assert_eq!(e.execute(c, &evalsha), Reply::bulk_str("value"));

    let direct = measure(budget, || {
        black_box(e.execute(c, &get));
    });
    let by_eval = measure(budget, || {
        black_box(e.execute(c, &eval));
    });
    let by_sha = measure(budget, || {
        black_box(e.execute(c, &evalsha));
    });
    let lp = argv(&["EVAL", "local s = 0 for i = 1, 100000 do s = s + i end return s", "0"]);
    let loops = measure(budget, || {
        black_box(e.execute(c, &lp));
    });
    println!("GET k (direct)                       {:>12.0} ops/s", direct);
    println!("EVAL redis.call('GET', KEYS[1])      {:>12.0} ops/s   {:.1}x the cost of GET", by_eval, direct / by_eval);
    println!("EVALSHA (same script)                {:>12.0} ops/s   {:.1}x the cost of GET", by_sha, direct / by_sha);
    println!("Lua loop iterations (for ... s = s + i) {:>9.0} per second", loops * 100_000.0);
}
