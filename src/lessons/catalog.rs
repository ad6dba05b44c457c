//! Every lesson of the course, embedded at build time from `lessons/*.toml`.
//!
//! Adding a lesson means adding its file here; `tests/lessons.rs` replays all of them.

use std::sync::OnceLock;

use super::model::{parse_lesson, Lesson};

/// (file name, text) of each embedded lesson.
pub const SOURCES: &[(&str, &str)] = &[
    ("01-strings.toml", include_str!("../../lessons/01-strings.toml")),
    ("02-keys-and-ttl.toml", include_str!("../../lessons/02-keys-and-ttl.toml")),
];

/// Parses every embedded lesson, sorted by `order`; the errors name the file.
pub fn load() -> Result<Vec<Lesson>, Vec<String>> {
    let mut lessons = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in SOURCES {
        match parse_lesson(text) {
            Ok(l) => lessons.push(l),
            Err(e) => errors.push(format!("{file}: {e}")),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    lessons.sort_by_key(|l| l.order);
    Ok(lessons)
}

/// The course, parsed once. A lesson that fails to parse is left out (the tests make sure none
/// does), so the app never crashes on bad data.
pub fn lessons() -> &'static [Lesson] {
    static CATALOG: OnceLock<Vec<Lesson>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut out: Vec<Lesson> = SOURCES.iter().filter_map(|(_, text)| parse_lesson(text).ok()).collect();
        out.sort_by_key(|l| l.order);
        out
    })
}

/// The lesson with this id.
pub fn find(id: &str) -> Option<&'static Lesson> {
    lessons().iter().find(|l| l.id == id)
}
