//! Entry point of the web app (built by Trunk for wasm32). On other targets it only explains
//! where the native server is.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground UI runs in the browser: `trunk serve`. For the RESP server run `cargo run --bin redis-playground-server`.");
}

#[cfg(target_arch = "wasm32")]
fn main() {}
