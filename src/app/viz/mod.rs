//! Visualizers: a view model of one key (`KeyView`) built by ONE adapter from engine data, and
//! the components that draw it. Views own copies of the bytes; they never borrow engine values.
//!
//! The adapter asks the engine through ordinary commands on an internal connection (TYPE, GET,
//! OBJECT ENCODING, LRANGE), so it depends only on the command surface, not on the engine's
//! value types: when a data type lands in the engine its visualizer starts working unchanged.

pub mod list;
pub mod panel;
pub mod string;
pub mod table;

pub mod model;
pub use model::*;
