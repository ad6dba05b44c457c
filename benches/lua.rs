//! Interpreter speed: `cargo bench --bench lua`. Prints wall time and fuel units (≈ VM steps)
//! per second for an arithmetic loop, string building, and table insert + sort of 100k items.

use std::time::Instant;

use redis_playground::engine::lua::{Host, Lua, LuaError, Resume, Value};

struct NoHost;
impl Host for NoHost {
    fn call(&mut self, _: &mut Lua, _: u32, _: Vec<Value>) -> Result<Vec<Value>, LuaError> {
        Ok(Vec::new())
    }
}

fn bench(name: &str, src: &str) {
    let mut lua = Lua::new(1);
    let f = lua.load(src.as_bytes(), "bench").expect("compiles");
    let mut task = lua.call(f, Vec::new());
    let t0 = Instant::now();
    let mut slices = 0u64;
    let r = loop {
        // 100k-step slices, as the engine would run a script between serving other clients
        match lua.resume(&mut task, &mut NoHost, 100_000) {
            Resume::Done(r) => break r,
            Resume::Pending => slices += 1,
        }
    };
    let dt = t0.elapsed().as_secs_f64();
    let steps = Lua::fuel_used(&task);
    println!(
        "{name:<28} {:>8.1} ms  {:>10} steps  {:>6.1} M steps/s  ({slices} suspensions) -> {:?}",
        dt * 1000.0,
        steps,
        steps as f64 / dt / 1e6,
        r.map(|v| v.into_iter().next())
    );
}

fn main() {
    bench("max recursion depth", "local d = 0 local function f() d = d + 1 local x = 1 + f() end pcall(f) return d");
    bench("sum loop 1e6", "local s = 0 for i = 1, 1e6 do s = s + i end return s");
    bench(
        "string building 100k",
        "local t = {} for i = 1, 100000 do t[#t + 1] = 'item' .. i end return #table.concat(t, ',')",
    );
    bench("concat loop 20k", "local s = '' for i = 1, 20000 do s = s .. 'x' end return #s");
    bench(
        "table insert+sort 100k",
        "local t = {} for i = 1, 100000 do table.insert(t, (i * 7919) % 100003) end table.sort(t) return t[1]",
    );
    bench(
        "sort 100k with comparator",
        "local t = {} for i = 1, 100000 do t[i] = (i * 7919) % 100003 end table.sort(t, function(a, b) return a > b end) return t[1]",
    );
    bench(
        "fib(25) calls",
        "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib(25)",
    );
    bench("gsub/format 20k", "local n = 0 for i = 1, 20000 do local s = string.format('%05d:%s', i, 'abc'):gsub('%d', 'x') n = n + #s end return n");
}
