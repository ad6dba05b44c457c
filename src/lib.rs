//! Redis Playground: a Redis-compatible engine for learning Redis.
//!
//! `engine` is pure Rust and runs both in the browser (WebAssembly) and behind the native RESP
//! server (`src/bin/redis-playground-server.rs`). The web app lives in `app` (wasm32 only).

#[cfg(target_arch = "wasm32")]
pub mod app;
pub mod engine;
pub mod lessons;
pub mod persist;
