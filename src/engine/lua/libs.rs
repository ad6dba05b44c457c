//! Standard libraries (stub).
use super::interp::State;
pub fn open_all(_st: &State) {}
