//! Sorted set commands (Redis's t_zset.c).

/// A sorted set.
#[derive(Clone, Debug, PartialEq)]
pub struct ZSetValue;
impl ZSetValue {
    pub fn encoding_name(&self) -> &'static str {
        "skiplist"
    }
}
pub const COMMANDS: &[crate::engine::table::CommandSpec] = &[];
