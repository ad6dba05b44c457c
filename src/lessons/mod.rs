//! Guided lessons: the data model, the embedded course and a learner's progress.
//!
//! Pure Rust (no web crates): the web UI renders these types, the native tests replay them.

pub mod catalog;
pub mod model;
pub mod progress;

pub use model::{
    parse_body, parse_inline, parse_lesson, Answer, Block, Challenge, Example, Goal, GoalStatus, Inline, Lesson,
    Question, Section,
};
pub use progress::{LessonProgress, Progress, Tally, PROGRESS_VERSION};
