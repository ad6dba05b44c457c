//! In-process throughput of collection commands on values of 1k, 100k and 1M elements:
//! `cargo bench --bench collections`.
//!
//! Each command runs straight through `Engine::execute` (no sockets) against a list, sorted
//! set, set or hash that already holds N elements, and the table shows operations per second
//! per size and how the rate falls from one size to the next, next to the complexity Redis
//! documents: O(1) stays flat, O(log n) drops a little, O(n) drops with the size (x0.01 from
//! 1k to 100k, x0.1 from 100k to 1M). Writes that grow the value (LPUSH, ZADD, SADD, HSET) are
//! undone between timed rounds, outside the timing, so every figure is taken at size N.
//! `BENCH_SECONDS` sets the time per figure (default 0.5); the whole run takes about a minute
//! at the default.

use std::hint::black_box;
use std::time::{Duration, Instant};

use redis_playground::engine::clock::SystemClock;
use redis_playground::engine::{ClientId, Engine};

const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];

fn argv(words: &[&str]) -> Vec<Vec<u8>> {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}

/// Times `op` in rounds that grow until `budget` is spent; `reset` runs after each round,
/// untimed, to bring the value back to its size (rounds never exceed 256 operations). Returns operations per second.
fn measure(
    budget: Duration,
    e: &mut Engine,
    mut op: impl FnMut(&mut Engine, usize),
    mut reset: impl FnMut(&mut Engine),
) -> f64 {
    for i in 0..16 {
        op(e, i);
    }
    reset(e);
    let mut timed = Duration::ZERO;
    let mut ops = 0usize;
    let mut round = 1usize;
    while timed < budget {
        let start = Instant::now();
        for i in 0..round {
            op(e, ops + i);
        }
        timed += start.elapsed();
        ops += round;
        reset(e);
        if round < 256 {
            round *= 2;
        }
    }
    ops as f64 / timed.as_secs_f64().max(1e-9)
}

/// Fills `key` with `n` elements using `cmd` (RPUSH/ZADD/SADD/HSET) in batches of 1000.
fn fill(e: &mut Engine, c: ClientId, cmd: &str, key: &str, n: usize) {
    let mut i = 0;
    while i < n {
        let mut a = argv(&[cmd, key]);
        for j in i..(i + 1000).min(n) {
            match cmd {
                "ZADD" => {
                    a.push(j.to_string().into_bytes());
                    a.push(format!("m:{j:07}").into_bytes());
                }
                "HSET" => {
                    a.push(format!("f:{j:07}").into_bytes());
                    a.push(b"v".to_vec());
                }
                _ => a.push(format!("m:{j:07}").into_bytes()),
            }
        }
        black_box(e.execute(c, &a));
        i += 1000;
    }
}

struct Row {
    name: &'static str,
    complexity: &'static str,
    rates: Vec<f64>,
}

fn fmt_rate(r: f64) -> String {
    let n = r as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn main() {
    let seconds: f64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0.5);
    let budget = Duration::from_secs_f64(seconds.max(0.01));
    let mut e = Engine::new(Box::new(SystemClock));
    let c = e.connect();
    println!("redis-playground collections, in process, {seconds} s per figure");

    let mut rows: Vec<Row> = [
        ("LPUSH l x", "O(1)"),
        ("LRANGE l 0 99", "O(S+N), N=100"),
        ("LRANGE l 0 -1", "O(n)"),
        ("ZADD z <score> <new member>", "O(log n)"),
        ("ZRANGE z 0 99", "O(log n + 100)"),
        ("ZRANGE z a a+99 BYSCORE", "O(log n + 100)"),
        ("SADD s <new member>", "O(1)"),
        ("HSET h <new field> v", "O(1)"),
    ]
    .into_iter()
    .map(|(name, complexity)| Row { name, complexity, rates: Vec::new() })
    .collect();

    for &n in &SIZES {
        black_box(e.execute(c, &argv(&["FLUSHALL"])));
        let keep = (n - 1).to_string();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };

        fill(&mut e, c, "RPUSH", "l", n);
        let lpush = argv(&["LPUSH", "l", "x"]);
        let ltrim = argv(&["LTRIM", "l", "0", &keep]);
        rows[0].rates.push(measure(
            budget,
            &mut e,
            |e, _| drop(black_box(e.execute(c, &lpush))),
            |e| drop(e.execute(c, &ltrim)),
        ));
        let lr100 = argv(&["LRANGE", "l", "0", "99"]);
        rows[1].rates.push(measure(budget, &mut e, |e, _| drop(black_box(e.execute(c, &lr100))), |_e| ()));
        let lrall = argv(&["LRANGE", "l", "0", "-1"]);
        rows[2].rates.push(measure(budget, &mut e, |e, _| drop(black_box(e.execute(c, &lrall))), |_e| ()));
        black_box(e.execute(c, &argv(&["DEL", "l"])));

        fill(&mut e, c, "ZADD", "z", n);
        let news: Vec<Vec<u8>> = (0..256).map(|i| format!("new:{i}").into_bytes()).collect();
        let scores: Vec<Vec<u8>> = (0..256).map(|_| (next() % n as u64).to_string().into_bytes()).collect();
        let zadds: Vec<Vec<Vec<u8>>> =
            (0..256).map(|i| vec![b"ZADD".to_vec(), b"z".to_vec(), scores[i].clone(), news[i].clone()]).collect();
        let remove_all = |cmd: &str, key: &str| {
            let mut a = argv(&[cmd, key]);
            a.extend(news.iter().cloned());
            a
        };
        let zrem = remove_all("ZREM", "z");
        rows[3].rates.push(measure(
            budget,
            &mut e,
            |e, i| drop(black_box(e.execute(c, &zadds[i % 256]))),
            |e| drop(e.execute(c, &zrem)),
        ));
        let zr100 = argv(&["ZRANGE", "z", "0", "99"]);
        rows[4].rates.push(measure(budget, &mut e, |e, _| drop(black_box(e.execute(c, &zr100))), |_e| ()));
        let byscore: Vec<Vec<Vec<u8>>> = (0..256)
            .map(|_| {
                let a = next() % n.saturating_sub(100).max(1) as u64;
                vec![
                    b"ZRANGE".to_vec(),
                    b"z".to_vec(),
                    a.to_string().into_bytes(),
                    (a + 99).to_string().into_bytes(),
                    b"BYSCORE".to_vec(),
                ]
            })
            .collect();
        rows[5].rates.push(measure(budget, &mut e, |e, i| drop(black_box(e.execute(c, &byscore[i % 256]))), |_e| ()));
        black_box(e.execute(c, &argv(&["DEL", "z"])));

        fill(&mut e, c, "SADD", "s", n);
        let sadds: Vec<Vec<Vec<u8>>> = news.iter().map(|m| vec![b"SADD".to_vec(), b"s".to_vec(), m.clone()]).collect();
        let srem = remove_all("SREM", "s");
        rows[6].rates.push(measure(
            budget,
            &mut e,
            |e, i| drop(black_box(e.execute(c, &sadds[i % 256]))),
            |e| drop(e.execute(c, &srem)),
        ));
        black_box(e.execute(c, &argv(&["DEL", "s"])));

        fill(&mut e, c, "HSET", "h", n);
        let hsets: Vec<Vec<Vec<u8>>> =
            news.iter().map(|m| vec![b"HSET".to_vec(), b"h".to_vec(), m.clone(), b"v".to_vec()]).collect();
        let hdel = remove_all("HDEL", "h");
        rows[7].rates.push(measure(
            budget,
            &mut e,
            |e, i| drop(black_box(e.execute(c, &hsets[i % 256]))),
            |e| drop(e.execute(c, &hdel)),
        ));
        black_box(e.execute(c, &argv(&["DEL", "h"])));
        eprintln!("  size {n} done");
    }

    println!();
    println!(
        "{:<28} {:>14} {:>14} {:>14} {:>9} {:>9}   Redis documents",
        "command (value of n elements)", "n=1k ops/s", "n=100k ops/s", "n=1M ops/s", "100k/1k", "1M/100k"
    );
    for r in &rows {
        let rate = |i: usize| r.rates.get(i).copied().unwrap_or(0.0);
        let ratio = |a: f64, b: f64| if b > 0.0 { format!("x{:.3}", a / b) } else { "-".into() };
        println!(
            "{:<28} {:>14} {:>14} {:>14} {:>9} {:>9}   {}",
            r.name,
            fmt_rate(rate(0)),
            fmt_rate(rate(1)),
            fmt_rate(rate(2)),
            ratio(rate(1), rate(0)),
            ratio(rate(2), rate(1)),
            r.complexity
        );
    }
}
