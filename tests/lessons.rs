//! Replays the whole course: every lesson validates, every runnable example behaves as the
//! text says (errors only where marked `# error`), every challenge starts unsolved and its
//! solution solves it, and every quiz's stored answer is accepted.

use redis_playground::engine::cli::format_reply;
use redis_playground::engine::{Engine, Reply};
use redis_playground::lessons::{catalog, parse_body, parse_lesson, Answer, Block, Goal, Inline};
use redis_playground::lessons::{Progress, Question};

fn run(engine: &mut Engine, client: u64, line: &str) -> Reply {
    match engine.execute_line(client, line) {
        Ok(r) => r,
        Err(e) => Reply::Error(e),
    }
}

#[test]
fn catalog_loads_sorted_and_valid() {
    let lessons = catalog::load().unwrap_or_else(|e| panic!("catalog errors:\n{}", e.join("\n")));
    assert_eq!(lessons.len(), catalog::SOURCES.len());
    assert_eq!(catalog::lessons().len(), lessons.len());
    for w in lessons.windows(2) {
        assert!(w[0].order < w[1].order, "lesson orders must be distinct and sorted");
    }
    let mut ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), lessons.len(), "lesson ids must be unique");
    for l in &lessons {
        assert!(l.validate().is_empty(), "{}: {:?}", l.id, l.validate());
        assert!(catalog::find(&l.id).is_some());
    }
}

#[test]
fn course_replays() {
    let lessons = catalog::load().unwrap_or_else(|e| panic!("catalog errors:\n{}", e.join("\n")));
    let (mut examples, mut challenges, mut questions) = (0, 0, 0);
    let mut failures = Vec::new();
    // LESSONS_TRANSCRIPT=1 prints every example with its reply, for proofreading the text.
    let show = std::env::var_os("LESSONS_TRANSCRIPT").is_some();
    for lesson in &lessons {
        // Examples build on each other within a lesson: one engine per lesson.
        let (mut engine, _clock) = Engine::with_virtual_clock();
        let client = engine.connect();
        for section in &lesson.sections {
            for ex in section.examples() {
                examples += 1;
                let reply = run(&mut engine, client, &ex.command);
                let is_err = matches!(reply, Reply::Error(_));
                if show {
                    print!("> {}\n{}", ex.command, format_reply(&reply, 2));
                }
                if is_err != ex.expect_error {
                    failures.push(format!(
                        "{} / {}: `{}` {} but gave: {}",
                        lesson.id,
                        section.title,
                        ex.command,
                        if ex.expect_error { "should fail" } else { "should succeed" },
                        format_reply(&reply, 2).trim_end()
                    ));
                }
            }
        }
        for ch in &lesson.challenges {
            challenges += 1;
            // Each challenge on a fresh engine, as the app resets the console for it.
            let (mut engine, _clock) = Engine::with_virtual_clock();
            let client = engine.connect();
            for e in ch.prepare(&mut engine, client) {
                failures.push(format!("{} / {}: setup {e}", lesson.id, ch.id));
            }
            if ch.is_met(&mut engine) {
                failures.push(format!("{} / {}: goals already met after setup", lesson.id, ch.id));
            }
            for e in ch.solve(&mut engine, client) {
                failures.push(format!("{} / {}: solution {e}", lesson.id, ch.id));
            }
            for (goal, st) in ch.goals.iter().zip(ch.check(&mut engine)) {
                if !st.met {
                    failures.push(format!(
                        "{} / {}: goal {goal:?} not met after solution ({})",
                        lesson.id, ch.id, st.detail
                    ));
                }
            }
        }
        for q in &lesson.quiz {
            questions += 1;
            assert!(q.is_correct(&q.correct_answer()), "{} / {}", lesson.id, q.id());
        }
    }
    println!("lessons: {}, examples run: {examples}, challenges: {challenges}, questions: {questions}", lessons.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn goals_do_not_change_the_keyspace() {
    let (mut engine, _clock) = Engine::with_virtual_clock();
    let c = engine.connect();
    run(&mut engine, c, "SET k 15");
    let goals = [
        Goal::Command { command: "GET k".into(), expect: "\"15\"".into() },
        Goal::Type { key: "k".into(), kind: "string".into() },
        Goal::Exists { key: "k".into(), exists: true },
        Goal::Exists { key: "missing".into(), exists: false },
    ];
    for g in &goals {
        assert!(g.check(&mut engine).met, "{g:?}");
    }
    assert_eq!(engine.db(0).map(|d| d.len()), Some(1));
    assert_eq!(engine.clients().count(), 1, "the probe client is gone");
    let wrong = Goal::Command { command: "GET k".into(), expect: "\"16\"".into() };
    let st = wrong.check(&mut engine);
    assert!(!st.met);
    assert_eq!(st.detail, "GET k gives \"15\"");
}

#[test]
fn write_commands_are_rejected_as_goals() {
    for cmd in ["SET k v", "DEL k", "NOSUCHCOMMAND x", "\"unbalanced"] {
        let g = Goal::Command { command: cmd.into(), expect: "OK".into() };
        assert!(g.validate().is_err(), "{cmd}");
        let (mut engine, _clock) = Engine::with_virtual_clock();
        assert!(!g.check(&mut engine).met);
        assert_eq!(engine.db(0).map(|d| d.len()), Some(0), "{cmd} must not run");
    }
    let ok = Goal::Command { command: "EXISTS k".into(), expect: "(integer) 0".into() };
    assert!(ok.validate().is_ok());
}

#[test]
fn ttl_goal_follows_the_clock() {
    let (mut engine, clock) = Engine::with_virtual_clock();
    let c = engine.connect();
    run(&mut engine, c, "SET s v PX 100000");
    let g = Goal::Ttl { key: "s".into(), ttl_between: [90, 100] };
    assert!(g.check(&mut engine).met);
    clock.advance_ms(20_000);
    let st = g.check(&mut engine);
    assert!(!st.met);
    assert_eq!(st.detail, "s expires in 80 s");
    clock.advance_ms(90_000);
    let st = g.check(&mut engine);
    assert_eq!(st.detail, "s does not exist");
    let gone = Goal::Exists { key: "s".into(), exists: false };
    assert!(gone.check(&mut engine).met, "an expired key counts as absent");
}

const MINI: &str = r#"
id = "mini"
title = "Mini"
order = 9
summary = "s"

[[sections]]
title = "One"
body = '''
Some **bold** and `code` text
on two lines.

- item one
- item `two`

```redis
# a comment line
SET a 1
GET a
INCR nope nope # error
```

```text
not runnable
```
'''

[[challenges]]
id = "c1"
prompt = "p"
solution = ["SET a 2"]
hint = "h"
goals = [{ command = "GET a", expect = '"2"' }, { key = "a", type = "string" }, { key = "b", exists = false }, { key = "a", ttl_between = [1, 2] }]

[[quiz]]
kind = "multiple_choice"
id = "q1"
prompt = "p"
choices = ["a", "b"]
answer = 1
explanation = "e"

[[quiz]]
kind = "true_false"
id = "q2"
prompt = "p"
answer = true
explanation = "e"

[[quiz]]
kind = "fill_in"
id = "q3"
prompt = "p"
accepted = ["Yes", "y"]
explanation = "e"
"#;

#[test]
fn parses_every_goal_and_question_kind() {
    let l = parse_lesson(MINI).unwrap();
    let goals = &l.challenges[0].goals;
    assert!(matches!(goals[0], Goal::Command { .. }));
    assert!(matches!(goals[1], Goal::Type { .. }));
    assert!(matches!(goals[2], Goal::Exists { exists: false, .. }));
    assert!(matches!(goals[3], Goal::Ttl { ttl_between: [1, 2], .. }));
    assert!(matches!(l.quiz[0], Question::MultipleChoice { answer: 1, .. }));
    assert!(l.quiz[1].is_correct(&Answer::Bool(true)));
    assert!(!l.quiz[1].is_correct(&Answer::Bool(false)));
    assert!(l.quiz[2].is_correct(&Answer::Text("  yES ".into())));
    assert!(!l.quiz[2].is_correct(&Answer::Text("no".into())));
    assert!(!l.quiz[2].is_correct(&Answer::Choice(0)), "wrong kind of answer");

    // prepare/solve run lines for a client and report error replies.
    let mut ch = l.challenges[0].clone();
    ch.setup = vec!["SET a 1 EX 1000".into(), "INCR".into()];
    let (mut engine, _clock) = Engine::with_virtual_clock();
    let c = engine.connect();
    let errs = ch.prepare(&mut engine, c);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("wrong number of arguments"), "{errs:?}");
    assert!(!ch.is_met(&mut engine));
    assert!(ch.solve(&mut engine, c).is_empty());
    // SET drops the expiry, so the ttl goal fails while the others hold.
    let met: Vec<bool> = ch.check(&mut engine).iter().map(|s| s.met).collect();
    assert_eq!(met, [true, true, true, false]);
}

#[test]
fn light_markdown() {
    let l = parse_lesson(MINI).unwrap();
    let blocks = l.sections[0].blocks();
    assert_eq!(blocks.len(), 4, "{blocks:?}");
    assert_eq!(
        blocks[0],
        Block::Paragraph(vec![
            Inline::Text("Some ".into()),
            Inline::Bold("bold".into()),
            Inline::Text(" and ".into()),
            Inline::Code("code".into()),
            Inline::Text(" text on two lines.".into()),
        ])
    );
    assert!(matches!(&blocks[1], Block::List(items) if items.len() == 2));
    let Block::Redis(ex) = &blocks[2] else { panic!("{:?}", blocks[2]) };
    assert_eq!(ex.len(), 3, "the comment line is not a command");
    assert_eq!(ex[2].command, "INCR nope nope");
    assert!(ex[2].expect_error && !ex[0].expect_error);
    assert!(matches!(&blocks[3], Block::Code { lang, .. } if lang == "text"));
    // Unmatched markers stay text.
    assert_eq!(parse_body("a `b and **c"), vec![Block::Paragraph(vec![Inline::Text("a `b and **c".into())])]);
}

#[test]
fn validation_catches_mistakes() {
    let cases = [
        ("answer = 1", "answer = 2", "out of range"),
        ("id = \"q2\"", "id = \"q1\"", "duplicate id"),
        ("goals = [{ command", "goals = [{ command = \"SET a 3\", expect = \"OK\" }, { command", "not a read-only"),
        ("GET a\n", "GET \"a\n", "unbalanced quotes"),
        ("id = \"c1\"", "id = \"C 1\"", "bad id"),
    ];
    for (from, to, want) in cases {
        let text = MINI.replacen(from, to, 1);
        assert_ne!(text, MINI, "{from}");
        let err = parse_lesson(&text).unwrap_err();
        assert!(err.contains(want), "{want}: {err}");
    }
    let no_goals = MINI.replacen(
        "goals = [{ command = \"GET a\", expect = '\"2\"' }, { key = \"a\", type = \"string\" }, { key = \"b\", exists = false }, { key = \"a\", ttl_between = [1, 2] }]",
        "goals = []",
        1,
    );
    assert!(parse_lesson(&no_goals).unwrap_err().contains("no goals"));
    assert!(parse_lesson("id = 3").is_err());
    // A goal or question with a stray field is refused rather than half-read.
    let stray_goal = MINI.replacen("{ key = \"b\", exists = false }", "{ key = \"b\", exists = false, ttl = 3 }", 1);
    assert_ne!(stray_goal, MINI);
    assert!(parse_lesson(&stray_goal).is_err());
    let stray_question = MINI.replacen("answer = true", "answer = true\nchoices = [\"x\"]", 1);
    assert!(parse_lesson(&stray_question).is_err());
    assert!(parse_lesson(&MINI.replacen("summary", "sumary", 1)).is_err(), "unknown field");
}

#[test]
fn progress_round_trips_and_tallies() {
    let l = parse_lesson(MINI).unwrap();
    let mut p = Progress::new();
    assert_eq!(p.tally(&l).percent(), 0);
    p.view_section("mini", 0);
    p.complete_challenge("mini", "c1");
    p.show_solution("mini", "c1");
    assert!(p.answer(&l, "q1", Answer::Choice(1)));
    assert!(!p.answer(&l, "q2", Answer::Bool(false)));
    assert!(p.answer(&l, "q3", Answer::Text("y".into())));
    let t = p.tally(&l);
    assert_eq!((t.done(), t.total()), (4, 5));
    assert!(!t.is_complete());
    assert!(p.answer(&l, "q2", Answer::Bool(true)), "a later answer replaces the first");
    assert!(p.tally(&l).is_complete());
    assert_eq!(p.tally(&l).percent(), 100);

    let saved = p.to_toml().unwrap();
    let back = Progress::from_toml(&saved).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.version, redis_playground::lessons::PROGRESS_VERSION);
    let future = saved.replacen("version = 1", "version = 99", 1);
    assert!(Progress::from_toml(&future).is_err());
    p.reset_lesson("mini");
    assert_eq!(p.tally(&l).done(), 0);
}
