//! The native RESP server over the playground engine.
fn main() {}
