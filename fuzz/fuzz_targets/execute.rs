//! libFuzzer target: the input is a script of redis-cli lines, run on a fresh engine with a
//! virtual clock that moves forward by each line's length in milliseconds. The engine must
//! never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redis_playground::engine::{cli, resp, Engine};

fuzz_target!(|data: &[u8]| {
    let (mut engine, clock) = Engine::with_virtual_clock();
    let client = engine.connect();
    for line in data.split(|&b| b == b'\n').take(64) {
        if let Some(argv) = cli::split_args(line) {
            let reply = engine.execute(client, &argv);
            let proto = engine.client_protocol(client);
            let _ = resp::encode(&reply, proto);
            let _ = cli::format_reply(&reply, proto);
            let _ = engine.take_pushed(client);
        }
        clock.advance_ms(line.len() as i64);
        engine.tick();
    }
});
