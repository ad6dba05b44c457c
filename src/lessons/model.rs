//! The lesson model: lessons, sections, challenges with goals, quizzes, parsed from TOML.
//!
//! Lessons are data (levels-as-data): a TOML file per lesson, embedded at build time by
//! `catalog.rs`. Everything here is plain Rust so the web UI, the native tests and any tool can
//! share it. Goals are checked against a live [`Engine`] without changing its data.

use serde::{Deserialize, Serialize};

use crate::engine::cli::{format_reply, split_args};
use crate::engine::{table, Engine};

/// One lesson: an ordered set of explanatory sections, hands-on challenges and a quiz.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// Stable identifier, used in URLs and in saved progress (`strings`).
    pub id: String,
    pub title: String,
    /// Position in the course; the catalog sorts by it.
    pub order: u32,
    /// One or two sentences shown in the lesson list.
    pub summary: String,
    #[serde(default)]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub challenges: Vec<Challenge>,
    #[serde(default)]
    pub quiz: Vec<Question>,
}

/// A titled piece of text in light markdown (see [`parse_body`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub title: String,
    pub body: String,
}

/// A task the learner solves in the console; done when every goal holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    pub id: String,
    pub prompt: String,
    /// Commands run (silently) before the learner starts, to prepare the keyspace.
    #[serde(default)]
    pub setup: Vec<String>,
    /// One way to solve it, shown on request ("show solution") and replayed by the tests.
    pub solution: Vec<String>,
    pub hint: String,
    pub goals: Vec<Goal>,
}

/// A condition on the engine's state. TOML forms:
/// `{ command = "GET counter", expect = "\"15\"" }`, `{ key = "k", type = "string" }`,
/// `{ key = "k", exists = false }`, `{ key = "k", ttl_between = [1, 100] }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Goal {
    /// A read-only command's reply, as redis-cli prints it (without the final newline).
    Command { command: String, expect: String },
    /// The key holds a value of this type (`string`, `list`, `hash`, ...).
    Type {
        key: String,
        #[serde(rename = "type")]
        kind: String,
    },
    /// The key exists (or not).
    Exists { key: String, exists: bool },
    /// The key has a time to live, in whole seconds, within the inclusive range.
    Ttl { key: String, ttl_between: [i64; 2] },
}

/// A quiz question, tagged by `kind` in TOML.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Question {
    MultipleChoice {
        id: String,
        prompt: String,
        choices: Vec<String>,
        /// Index into `choices` of the right one.
        answer: usize,
        explanation: String,
    },
    TrueFalse {
        id: String,
        prompt: String,
        answer: bool,
        explanation: String,
    },
    FillIn {
        id: String,
        prompt: String,
        /// Every accepted answer; matching ignores ASCII case and surrounding spaces.
        accepted: Vec<String>,
        explanation: String,
    },
}

/// What a learner answered to a question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Choice(usize),
    Bool(bool),
    Text(String),
}

impl Question {
    pub fn id(&self) -> &str {
        match self {
            Question::MultipleChoice { id, .. } | Question::TrueFalse { id, .. } | Question::FillIn { id, .. } => id,
        }
    }
    pub fn prompt(&self) -> &str {
        match self {
            Question::MultipleChoice { prompt, .. }
            | Question::TrueFalse { prompt, .. }
            | Question::FillIn { prompt, .. } => prompt,
        }
    }
    pub fn explanation(&self) -> &str {
        match self {
            Question::MultipleChoice { explanation, .. }
            | Question::TrueFalse { explanation, .. }
            | Question::FillIn { explanation, .. } => explanation,
        }
    }
    /// True when `answer` is of this question's kind and right.
    pub fn is_correct(&self, answer: &Answer) -> bool {
        match (self, answer) {
            (Question::MultipleChoice { answer: a, .. }, Answer::Choice(c)) => a == c,
            (Question::TrueFalse { answer: a, .. }, Answer::Bool(b)) => a == b,
            (Question::FillIn { accepted, .. }, Answer::Text(t)) => {
                let t = t.trim();
                accepted.iter().any(|a| a.trim().eq_ignore_ascii_case(t))
            }
            _ => false,
        }
    }
    /// The right answer, for "show answer" and for tests.
    pub fn correct_answer(&self) -> Answer {
        match self {
            Question::MultipleChoice { answer, .. } => Answer::Choice(*answer),
            Question::TrueFalse { answer, .. } => Answer::Bool(*answer),
            Question::FillIn { accepted, .. } => Answer::Text(accepted.first().cloned().unwrap_or_default()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Light markdown
// ---------------------------------------------------------------------------------------------

/// A piece of a section body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Consecutive text lines joined by spaces.
    Paragraph(Vec<Inline>),
    /// Consecutive lines starting with `- `.
    List(Vec<Vec<Inline>>),
    /// A ```redis fence: each non-blank, non-comment line is a runnable command.
    Redis(Vec<Example>),
    /// Any other fence, shown verbatim.
    Code { lang: String, text: String },
}

/// Inline text: plain, `code` or **bold**.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Bold(String),
}

/// One runnable command of a ```redis block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The command line as the learner would type it (marker removed).
    pub command: String,
    /// The line ends with `# error`: it is meant to show an error reply.
    pub expect_error: bool,
}

/// The marker that ends a ```redis line whose error reply is the point of the example.
pub const ERROR_MARKER: &str = "# error";

fn example_from_line(line: &str) -> Option<Example> {
    let line = line.trim();
    // Blank lines and whole-line comments are not commands.
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    match line.strip_suffix(ERROR_MARKER) {
        Some(cmd) => Some(Example { command: cmd.trim_end().to_string(), expect_error: true }),
        None => Some(Example { command: line.to_string(), expect_error: false }),
    }
}

/// Splits a body into blocks: blank lines separate paragraphs, ``` fences make code blocks.
pub fn parse_body(body: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut items: Vec<String> = Vec::new();
    let mut fence: Option<(String, Vec<&str>)> = None;

    fn flush(blocks: &mut Vec<Block>, para: &mut Vec<&str>, items: &mut Vec<String>) {
        if !para.is_empty() {
            blocks.push(Block::Paragraph(parse_inline(&para.join(" "))));
            para.clear();
        }
        if !items.is_empty() {
            blocks.push(Block::List(items.iter().map(|i| parse_inline(i)).collect()));
            items.clear();
        }
    }

    for line in body.lines() {
        let trimmed = line.trim();
        if let Some((lang, lines)) = fence.as_mut() {
            if trimmed == "```" {
                let block = if lang == "redis" {
                    Block::Redis(lines.iter().filter_map(|l| example_from_line(l)).collect())
                } else {
                    Block::Code { lang: lang.clone(), text: lines.join("\n") }
                };
                blocks.push(block);
                fence = None;
            } else {
                lines.push(line);
            }
            continue;
        }
        if let Some(lang) = trimmed.strip_prefix("```") {
            flush(&mut blocks, &mut para, &mut items);
            fence = Some((lang.trim().to_string(), Vec::new()));
        } else if trimmed.is_empty() {
            flush(&mut blocks, &mut para, &mut items);
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            if !para.is_empty() {
                blocks.push(Block::Paragraph(parse_inline(&para.join(" "))));
                para.clear();
            }
            items.push(item.to_string());
        } else if !items.is_empty() && line.starts_with("  ") {
            // An indented line continues the previous list item.
            if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(trimmed);
            }
        } else {
            if !items.is_empty() {
                blocks.push(Block::List(items.iter().map(|i| parse_inline(i)).collect()));
                items.clear();
            }
            para.push(trimmed);
        }
    }
    // An unclosed fence still shows its lines (validation reports it).
    if let Some((lang, lines)) = fence {
        blocks.push(Block::Code { lang, text: lines.join("\n") });
    }
    flush(&mut blocks, &mut para, &mut items);
    blocks
}

/// Splits text into plain, `code` and **bold** runs. Unmatched markers stay as text.
pub fn parse_inline(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (marker, make): (&str, fn(String) -> Inline) = if rest.starts_with('`') {
            ("`", Inline::Code)
        } else if rest.starts_with("**") {
            ("**", Inline::Bold)
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                plain.push(c);
            }
            rest = chars.as_str();
            continue;
        };
        let after = &rest[marker.len()..];
        match after.find(marker) {
            Some(end) if end > 0 => {
                if !plain.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut plain)));
                }
                out.push(make(after[..end].to_string()));
                rest = &after[end + marker.len()..];
            }
            _ => {
                plain.push_str(marker);
                rest = after;
            }
        }
    }
    if !plain.is_empty() {
        out.push(Inline::Text(plain));
    }
    out
}

impl Section {
    pub fn blocks(&self) -> Vec<Block> {
        parse_body(&self.body)
    }
    /// Every runnable command of the section, in order.
    pub fn examples(&self) -> Vec<Example> {
        self.blocks()
            .into_iter()
            .flat_map(|b| match b {
                Block::Redis(ex) => ex,
                _ => Vec::new(),
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------------------------

/// Parses one lesson file and validates it.
pub fn parse_lesson(text: &str) -> Result<Lesson, String> {
    let lesson: Lesson = toml::from_str(text).map_err(|e| e.to_string())?;
    let problems = lesson.validate();
    if problems.is_empty() {
        Ok(lesson)
    } else {
        Err(format!("lesson '{}': {}", lesson.id, problems.join("; ")))
    }
}

fn check_line(problems: &mut Vec<String>, what: &str, line: &str) {
    match split_args(line.as_bytes()) {
        None => problems.push(format!("{what}: unbalanced quotes in `{line}`")),
        Some(argv) if argv.is_empty() => problems.push(format!("{what}: empty command")),
        Some(_) => {}
    }
}

impl Lesson {
    /// Every problem found; empty when the lesson is sound.
    pub fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !is_ident(&self.id) {
            p.push(format!("lesson id '{}' must be lower-case words joined by '-'", self.id));
        }
        if self.title.trim().is_empty() {
            p.push("empty title".into());
        }
        if self.sections.is_empty() {
            p.push("no sections".into());
        }
        for (i, s) in self.sections.iter().enumerate() {
            let what = format!("section {} '{}'", i + 1, s.title);
            if s.title.trim().is_empty() || s.body.trim().is_empty() {
                p.push(format!("{what}: empty title or body"));
            }
            if s.body.lines().filter(|l| l.trim().starts_with("```")).count() % 2 != 0 {
                p.push(format!("{what}: unclosed ``` fence"));
            }
            for ex in s.examples() {
                check_line(&mut p, &what, &ex.command);
            }
        }
        let mut ids: Vec<&str> = Vec::new();
        for c in &self.challenges {
            let what = format!("challenge '{}'", c.id);
            if !is_ident(&c.id) {
                p.push(format!("{what}: bad id"));
            }
            if ids.contains(&c.id.as_str()) {
                p.push(format!("{what}: duplicate id"));
            }
            ids.push(&c.id);
            if c.goals.is_empty() {
                p.push(format!("{what}: no goals"));
            }
            if c.solution.is_empty() {
                p.push(format!("{what}: no solution"));
            }
            for line in c.setup.iter().chain(&c.solution) {
                check_line(&mut p, &what, line);
            }
            for g in &c.goals {
                if let Err(e) = g.validate() {
                    p.push(format!("{what}: {e}"));
                }
            }
        }
        let mut qids: Vec<&str> = Vec::new();
        for q in &self.quiz {
            let what = format!("question '{}'", q.id());
            if !is_ident(q.id()) {
                p.push(format!("{what}: bad id"));
            }
            if qids.contains(&q.id()) {
                p.push(format!("{what}: duplicate id"));
            }
            qids.push(q.id());
            if q.prompt().trim().is_empty() || q.explanation().trim().is_empty() {
                p.push(format!("{what}: empty prompt or explanation"));
            }
            match q {
                Question::MultipleChoice { choices, answer, .. } => {
                    if choices.len() < 2 {
                        p.push(format!("{what}: needs at least two choices"));
                    }
                    if *answer >= choices.len() {
                        p.push(format!("{what}: answer {answer} out of range"));
                    }
                }
                Question::FillIn { accepted, .. } => {
                    if accepted.iter().all(|a| a.trim().is_empty()) {
                        p.push(format!("{what}: no accepted answer"));
                    }
                }
                Question::TrueFalse { .. } => {}
            }
        }
        p
    }

    pub fn challenge(&self, id: &str) -> Option<&Challenge> {
        self.challenges.iter().find(|c| c.id == id)
    }
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.quiz.iter().find(|q| q.id() == id)
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

// ---------------------------------------------------------------------------------------------
// Goals
// ---------------------------------------------------------------------------------------------

/// The outcome of checking one goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoalStatus {
    pub met: bool,
    /// What was observed, for the UI ("GET counter gave \"14\"").
    pub detail: String,
}

impl Goal {
    /// Static checks: the goal's command parses and is read-only; ranges are ordered.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Goal::Command { command, .. } => {
                let argv = split_args(command.as_bytes())
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| format!("goal command `{command}` does not parse"))?;
                readonly_check(&argv).map_err(|e| format!("goal command `{command}`: {e}"))
            }
            Goal::Ttl { ttl_between, .. } if ttl_between[0] > ttl_between[1] => {
                Err(format!("ttl_between {ttl_between:?} is empty"))
            }
            _ => Ok(()),
        }
    }

    /// Checks the goal on database 0 of `engine`. Key goals only read the keyspace; command
    /// goals run a read-only command through `Engine::inspect`, as no client, so neither the
    /// learner's connection (selected db, transaction, ...) nor what INFO, CLIENT LIST or
    /// OBJECT IDLETIME report is changed by the check.
    pub fn check(&self, engine: &mut Engine) -> GoalStatus {
        match self {
            Goal::Command { command, expect } => {
                let argv = match split_args(command.as_bytes()) {
                    Some(a) if !a.is_empty() => a,
                    _ => return status(false, format!("`{command}` does not parse")),
                };
                if let Err(e) = readonly_check(&argv) {
                    return status(false, e);
                }
                let reply = engine.inspect(0, &argv);
                let text = format_reply(&reply, 2);
                let got = text.strip_suffix('\n').unwrap_or(&text);
                status(got == expect.as_str(), format!("{command} gives {got}"))
            }
            Goal::Type { key, kind } => match live_entry_type(engine, key) {
                Some(t) => status(t == kind, format!("{key} is a {t}")),
                None => status(false, format!("{key} does not exist")),
            },
            Goal::Exists { key, exists } => {
                let found = live_entry_type(engine, key).is_some();
                let word = if found { "exists" } else { "does not exist" };
                status(found == *exists, format!("{key} {word}"))
            }
            Goal::Ttl { key, ttl_between } => {
                if live_entry_type(engine, key).is_none() {
                    return status(false, format!("{key} does not exist"));
                }
                let now = engine.now_ms();
                let at = engine.db(0).and_then(|db| db.peek(key.as_bytes())).and_then(|e| e.expire_at);
                match at {
                    None => status(false, format!("{key} has no time to live")),
                    Some(at) => {
                        // Like TTL: remaining milliseconds rounded to the nearest second.
                        let secs = (at - now + 500).div_euclid(1000);
                        let [lo, hi] = *ttl_between;
                        status(lo <= secs && secs <= hi, format!("{key} expires in {secs} s"))
                    }
                }
            }
        }
    }
}

fn run_lines(engine: &mut Engine, client: crate::engine::ClientId, lines: &[String]) -> Vec<String> {
    let mut errors = Vec::new();
    for line in lines {
        match engine.execute_line(client, line) {
            Ok(crate::engine::Reply::Error(e)) => errors.push(format!("{line}: {e}")),
            Ok(_) => {}
            Err(e) => errors.push(format!("{line}: {e}")),
        }
    }
    errors
}

fn status(met: bool, detail: String) -> GoalStatus {
    GoalStatus { met, detail }
}

/// The type of the value at `key` in db 0, treating logically expired keys as absent.
fn live_entry_type(engine: &Engine, key: &str) -> Option<&'static str> {
    let now = engine.now_ms();
    let db = engine.db(0)?;
    if db.is_expired_at(key.as_bytes(), now) {
        return None;
    }
    db.peek(key.as_bytes()).map(|e| e.value.type_name())
}

/// Goal commands must not change anything: their table entry needs the `readonly` flag.
fn readonly_check(argv: &[Vec<u8>]) -> Result<(), String> {
    let name = argv.first().map(|n| n.as_slice()).unwrap_or_default();
    let shown = String::from_utf8_lossy(name).to_ascii_uppercase();
    let spec = table::lookup(name).ok_or_else(|| format!("unknown command {shown}"))?;
    let spec = match (spec.subcommands.is_empty(), argv.get(1)) {
        (false, Some(sub)) => spec.subcommand(sub).ok_or_else(|| format!("unknown subcommand of {shown}"))?,
        _ => spec,
    };
    if spec.has_flag("readonly") {
        Ok(())
    } else {
        Err(format!("{} is not a read-only command", spec.display_name()))
    }
}

impl Challenge {
    /// Runs the setup commands for `client` and returns the error replies, if any (the tests
    /// make sure there are none). The app calls it on a fresh or flushed engine.
    pub fn prepare(&self, engine: &mut Engine, client: crate::engine::ClientId) -> Vec<String> {
        run_lines(engine, client, &self.setup)
    }
    /// Runs the solution ("show solution" then "run it"), returning the error replies.
    pub fn solve(&self, engine: &mut Engine, client: crate::engine::ClientId) -> Vec<String> {
        run_lines(engine, client, &self.solution)
    }
    /// Checks every goal.
    pub fn check(&self, engine: &mut Engine) -> Vec<GoalStatus> {
        self.goals.iter().map(|g| g.check(engine)).collect()
    }
    /// True when every goal holds.
    pub fn is_met(&self, engine: &mut Engine) -> bool {
        self.goals.iter().all(|g| g.check(engine).met)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_runs() {
        assert_eq!(
            parse_inline("use `INCR` for **atomic** counts"),
            vec![
                Inline::Text("use ".into()),
                Inline::Code("INCR".into()),
                Inline::Text(" for ".into()),
                Inline::Bold("atomic".into()),
                Inline::Text(" counts".into()),
            ]
        );
        // Empty markers and non-ASCII text stay as they are.
        assert_eq!(parse_inline("`` café **"), vec![Inline::Text("`` café **".into())]);
        assert_eq!(parse_inline(""), Vec::<Inline>::new());
    }

    #[test]
    fn example_lines() {
        assert_eq!(example_from_line("  # just a note"), None);
        assert_eq!(example_from_line("   "), None);
        let e = example_from_line("INCR title   # error").unwrap();
        assert_eq!((e.command.as_str(), e.expect_error), ("INCR title", true));
        let e = example_from_line("SET tag \"#1\"").unwrap();
        assert!(!e.expect_error);
    }

    #[test]
    fn idents() {
        assert!(is_ident("keys-and-ttl") && is_ident("q1"));
        assert!(!is_ident("") && !is_ident("a--b") && !is_ident("A") && !is_ident("a b"));
    }

    #[test]
    fn fill_in_matching() {
        let q = Question::FillIn {
            id: "q".into(),
            prompt: "p".into(),
            accepted: vec!["PERSIST".into()],
            explanation: "e".into(),
        };
        assert!(q.is_correct(&Answer::Text(" persist\n".into())));
        assert!(!q.is_correct(&Answer::Text("persists".into())));
        assert_eq!(q.correct_answer(), Answer::Text("PERSIST".into()));
    }
}
