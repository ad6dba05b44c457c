//! A learner's progress: sections viewed, challenges completed, quiz answers, per lesson.
//!
//! Pure data with serde so the app can store it (IndexedDB) and load it back; `version` lets a
//! later release migrate old saves instead of misreading them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::model::{Answer, Lesson};

/// The format version written by this code.
pub const PROGRESS_VERSION: u32 = 1;

/// Everything saved about one learner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub version: u32,
    /// Per lesson id.
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
}

/// Progress in one lesson.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// Indexes of the sections the learner has opened.
    #[serde(default)]
    pub sections_viewed: BTreeSet<usize>,
    /// Ids of the challenges whose goals were met.
    #[serde(default)]
    pub challenges_completed: BTreeSet<String>,
    /// Ids of the challenges solved with "show solution" (still completed, but shown apart).
    #[serde(default)]
    pub solutions_shown: BTreeSet<String>,
    /// The latest answer to each question, by question id.
    #[serde(default)]
    pub quiz_answers: BTreeMap<String, Answer>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress { version: PROGRESS_VERSION, lessons: BTreeMap::new() }
    }
}

/// Counts for a progress bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub sections_viewed: usize,
    pub sections: usize,
    pub challenges_done: usize,
    pub challenges: usize,
    pub questions_right: usize,
    pub questions: usize,
}

impl Tally {
    pub fn done(&self) -> usize {
        self.sections_viewed + self.challenges_done + self.questions_right
    }
    pub fn total(&self) -> usize {
        self.sections + self.challenges + self.questions
    }
    /// 0..=100.
    pub fn percent(&self) -> u8 {
        match self.total() {
            0 => 100,
            t => (self.done() * 100 / t).min(100) as u8,
        }
    }
    pub fn is_complete(&self) -> bool {
        self.done() >= self.total()
    }
}

impl Progress {
    pub fn new() -> Progress {
        Progress::default()
    }

    /// Reads a saved progress in TOML; an unknown (newer) version is an error, not a guess.
    pub fn from_toml(text: &str) -> Result<Progress, String> {
        let p: Progress = toml::from_str(text).map_err(|e| e.to_string())?;
        if p.version != PROGRESS_VERSION {
            return Err(format!("unsupported progress version {}", p.version));
        }
        Ok(p)
    }
    pub fn to_toml(&self) -> Result<String, String> {
        toml::to_string(self).map_err(|e| e.to_string())
    }

    pub fn lesson(&self, id: &str) -> Option<&LessonProgress> {
        self.lessons.get(id)
    }
    fn lesson_mut(&mut self, id: &str) -> &mut LessonProgress {
        self.lessons.entry(id.to_string()).or_default()
    }

    pub fn view_section(&mut self, lesson: &str, index: usize) {
        self.lesson_mut(lesson).sections_viewed.insert(index);
    }
    pub fn complete_challenge(&mut self, lesson: &str, challenge: &str) {
        self.lesson_mut(lesson).challenges_completed.insert(challenge.to_string());
    }
    pub fn show_solution(&mut self, lesson: &str, challenge: &str) {
        self.lesson_mut(lesson).solutions_shown.insert(challenge.to_string());
    }
    /// Records an answer (replacing an earlier one) and returns whether it is right.
    pub fn answer(&mut self, lesson: &Lesson, question: &str, answer: Answer) -> bool {
        let right = lesson.question(question).map(|q| q.is_correct(&answer)).unwrap_or(false);
        self.lesson_mut(&lesson.id).quiz_answers.insert(question.to_string(), answer);
        right
    }

    /// How far the learner is in `lesson`; ids that no longer exist in it are ignored.
    pub fn tally(&self, lesson: &Lesson) -> Tally {
        let mut t = Tally {
            sections: lesson.sections.len(),
            challenges: lesson.challenges.len(),
            questions: lesson.quiz.len(),
            ..Tally::default()
        };
        if let Some(lp) = self.lessons.get(&lesson.id) {
            t.sections_viewed = lp.sections_viewed.iter().filter(|&&i| i < lesson.sections.len()).count();
            t.challenges_done = lesson.challenges.iter().filter(|c| lp.challenges_completed.contains(&c.id)).count();
            t.questions_right = lesson
                .quiz
                .iter()
                .filter(|q| lp.quiz_answers.get(q.id()).map(|a| q.is_correct(a)).unwrap_or(false))
                .count();
        }
        t
    }

    /// Forgets one lesson's progress ("start over").
    pub fn reset_lesson(&mut self, lesson: &str) {
        self.lessons.remove(lesson);
    }
}
