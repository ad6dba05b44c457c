//! libFuzzer target: arbitrary bytes to the request and reply parsers and to redis-cli's
//! argument splitter. None of them may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redis_playground::engine::{cli, resp};

fuzz_target!(|data: &[u8]| {
    let _ = resp::parse_request(data);
    let _ = resp::parse_reply(data);
    let _ = cli::split_args(data);
});
