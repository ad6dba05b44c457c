//! Entry point of the web app (built by Trunk for wasm32): mounts the app (`redis_playground::app`). On
//! other targets it only explains where the app and the native server are.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground UI runs in the browser: `bash scripts/serve.sh` (or `trunk serve`). For the RESP server run `cargo run --release --bin redis-playground-server -- --port 6380`.");
}

#[cfg(target_arch = "wasm32")]
fn main() {
    redis_playground::app::start();
}
