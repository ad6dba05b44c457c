//! Lua patterns (stub).
