//! In-process HyperLogLog and geo throughput: `cargo bench --bench geo_hll`.
//!
//! Runs commands straight through `Engine::execute` and prints operations per second: PFADD
//! (one element, and batches of ten), PFCOUNT on a sparse key, a dense key and a union of
//! three keys, and GEOSEARCH BYRADIUS (several radii) and BYBOX over a 100,000-member geo key.
//! `BENCH_SECONDS` sets the time per measurement (default 1).

use std::hint::black_box;
use std::time::{Duration, Instant};

use redis_playground::engine::clock::SystemClock;
use redis_playground::engine::{ClientId, Engine, Reply};

const GEO_MEMBERS: usize = 100_000;

/// A small deterministic generator (xorshift64*), so every run measures the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }
}

fn argv(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

/// Runs `op` until `budget` has passed (checking the clock after every call, since some
/// operations take milliseconds); returns operations per second and the count.
fn measure(budget: Duration, ops_per_call: u64, mut op: impl FnMut(usize)) -> (f64, u64) {
    let warm = Instant::now();
    let mut i = 0;
    while i < 200 && warm.elapsed() < budget / 10 {
        op(i);
        i += 1;
    }
    let start = Instant::now();
    let mut calls = 0usize;
    while start.elapsed() < budget {
        op(calls);
        calls += 1;
    }
    let ops = calls as u64 * ops_per_call;
    (ops as f64 / start.elapsed().as_secs_f64(), ops)
}

fn report(name: &str, (rate, ops): (f64, u64)) {
    println!("{name:<52} {:>12} ops/s   ({ops} ops, {:.1} µs/op)", group_thousands(rate as u64), 1e6 / rate.max(1e-9));
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

fn run(e: &mut Engine, c: ClientId, parts: &[&str]) -> Reply {
    e.execute(c, &argv(parts))
}

fn len_of(r: &Reply) -> usize {
    match r {
        Reply::Array(v) => v.len(),
        _ => 0,
    }
}

fn main() {
    let seconds: f64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let budget = Duration::from_secs_f64(seconds.max(0.05));
    let mut e = Engine::new(Box::new(SystemClock));
    let c = e.connect();
    println!("redis-playground HyperLogLog and geo, in process, {seconds} s per figure");

    // ---- HyperLogLog ----
    let singles: Vec<Vec<Vec<u8>>> =
        (0..100_000).map(|i| vec![b"PFADD".to_vec(), b"hll:add".to_vec(), format!("el:{i}").into_bytes()]).collect();
    report(
        "PFADD key el (1 element)",
        measure(budget, 1, |i| {
            black_box(e.execute(c, &singles[i % singles.len()]));
        }),
    );
    let batches: Vec<Vec<Vec<u8>>> = (0..10_000)
        .map(|b| {
            let mut a = vec![b"PFADD".to_vec(), b"hll:batch".to_vec()];
            a.extend((0..10).map(|j| format!("el:{b}:{j}").into_bytes()));
            a
        })
        .collect();
    report(
        "PFADD key el x10 (elements/s)",
        measure(budget, 10, |i| {
            black_box(e.execute(c, &batches[i % batches.len()]));
        }),
    );

    for i in 0..200 {
        run(&mut e, c, &["PFADD", "hll:sparse", &format!("s:{i}")]);
    }
    for i in 0..20_000 {
        run(&mut e, c, &["PFADD", "hll:dense", &format!("d:{i}")]);
    }
    for i in 0..5_000 {
        run(&mut e, c, &["PFADD", "hll:third", &format!("t:{i}")]);
    }
    for key in ["hll:sparse", "hll:dense", "hll:third"] {
        let enc = run(&mut e, c, &["PFDEBUG", "ENCODING", key]);
        let n = run(&mut e, c, &["PFCOUNT", key]);
        println!("  {key}: {enc:?}, PFCOUNT {n:?}");
    }
    let count_sparse = argv(&["PFCOUNT", "hll:sparse"]);
    let count_dense = argv(&["PFCOUNT", "hll:dense"]);
    let count_union = argv(&["PFCOUNT", "hll:sparse", "hll:dense", "hll:third"]);
    report(
        "PFCOUNT sparse key (200 el, cached)",
        measure(budget, 1, |_| {
            black_box(e.execute(c, &count_sparse));
        }),
    );
    report(
        "PFCOUNT dense key (20k el, cached)",
        measure(budget, 1, |_| {
            black_box(e.execute(c, &count_dense));
        }),
    );
    // A PFADD that changes a register invalidates the cached cardinality: this pair measures
    // a real recount of the dense key (plus one PFADD).
    let fresh: Vec<Vec<Vec<u8>>> =
        (0..200_000).map(|i| vec![b"PFADD".to_vec(), b"hll:dense".to_vec(), format!("x:{i}").into_bytes()]).collect();
    report(
        "PFADD new el + PFCOUNT dense key (recount)",
        measure(budget, 1, |i| {
            black_box(e.execute(c, &fresh[i % fresh.len()]));
            black_box(e.execute(c, &count_dense));
        }),
    );
    report(
        "PFCOUNT union of 3 keys (sparse, dense, dense)",
        measure(budget, 1, |_| {
            black_box(e.execute(c, &count_union));
        }),
    );

    // ---- Geo ----
    // 100k points over a region of about 3,000 × 2,800 km (western Europe).
    let mut rng = Lcg(0x9E37_79B9_7F4A_7C15);
    let mut add = vec![b"GEOADD".to_vec(), b"geo:big".to_vec()];
    for i in 0..GEO_MEMBERS {
        add.push(format!("{:.6}", rng.range(-10.0, 30.0)).into_bytes());
        add.push(format!("{:.6}", rng.range(35.0, 60.0)).into_bytes());
        add.push(format!("m:{i}").into_bytes());
        if add.len() >= 2 + 3 * 1000 {
            e.execute(c, &add);
            add.truncate(2);
        }
    }
    if add.len() > 2 {
        e.execute(c, &add);
    }
    println!("  geo:big: {:?} members", run(&mut e, c, &["ZCARD", "geo:big"]));
    let centers: Vec<(String, String)> =
        (0..64).map(|_| (format!("{:.4}", rng.range(0.0, 20.0)), format!("{:.4}", rng.range(42.0, 53.0)))).collect();
    let searches: &[(&str, &[&str])] = &[
        ("GEOSEARCH BYRADIUS 5 km", &["BYRADIUS", "5", "km"]),
        ("GEOSEARCH BYRADIUS 50 km", &["BYRADIUS", "50", "km"]),
        ("GEOSEARCH BYRADIUS 200 km", &["BYRADIUS", "200", "km"]),
        ("GEOSEARCH BYRADIUS 500 km", &["BYRADIUS", "500", "km"]),
        ("GEOSEARCH BYRADIUS 200 km ASC COUNT 10", &["BYRADIUS", "200", "km", "ASC", "COUNT", "10"]),
        ("GEOSEARCH BYRADIUS 200 km COUNT 10 ANY", &["BYRADIUS", "200", "km", "COUNT", "10", "ANY"]),
        ("GEOSEARCH BYRADIUS 50 km WITHDIST WITHCOORD ASC", &["BYRADIUS", "50", "km", "WITHDIST", "WITHCOORD", "ASC"]),
        ("GEOSEARCH BYBOX 100 100 km", &["BYBOX", "100", "100", "km"]),
        ("GEOSEARCH BYBOX 1000 500 km", &["BYBOX", "1000", "500", "km"]),
    ];
    for (name, shape) in searches {
        let cmds: Vec<Vec<Vec<u8>>> = centers
            .iter()
            .map(|(lon, lat)| {
                let mut parts = vec!["GEOSEARCH", "geo:big", "FROMLONLAT", lon.as_str(), lat.as_str()];
                parts.extend_from_slice(shape);
                argv(&parts)
            })
            .collect();
        let avg = cmds.iter().map(|a| len_of(&e.execute(c, a))).sum::<usize>() / cmds.len();
        report(
            &format!("{name} (~{avg} results)"),
            measure(budget, 1, |i| {
                black_box(e.execute(c, &cmds[i % cmds.len()]));
            }),
        );
    }
}
