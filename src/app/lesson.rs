//! The lesson panel: a lesson from `lessons/*.toml` rendered as text with runnable command
//! blocks, its challenges (goals checked against the engine after every change, with a hint and
//! "show solution") and its quiz, with progress kept in IndexedDB beside the autosave.

use std::cell::RefCell;
use std::rc::Rc;

use crate::engine::Engine;
use crate::lessons::catalog;
use crate::lessons::model::{parse_inline, Answer, Block, Challenge, Inline, Lesson, Question};
use crate::lessons::progress::Progress;
use yew::prelude::*;

use wasm_bindgen_futures::spawn_local;

use super::idb;

/// Where releases before IndexedDB kept the progress; read once and moved.
const LEGACY_PROGRESS_KEY: &str = "redis-playground-lesson-progress";

#[derive(Properties)]
pub struct LessonProps {
    /// Runs a command in the active console (lesson blocks are clickable).
    pub on_run: Callback<String>,
    /// The engine, read (never changed) to check challenge goals.
    pub engine: Rc<RefCell<Engine>>,
    /// Bumped whenever the engine's data changed: goals are re-checked then.
    pub rev: u64,
}

impl PartialEq for LessonProps {
    fn eq(&self, other: &Self) -> bool {
        self.rev == other.rev && Rc::ptr_eq(&self.engine, &other.engine) && self.on_run == other.on_run
    }
}

/// The saved progress: IndexedDB's, else a legacy localStorage copy (then removed), else none.
/// Unreadable text counts as none rather than blocking the lessons.
async fn load_progress() -> Progress {
    if let Ok(Some(text)) = idb::load_progress().await {
        if let Ok(p) = Progress::from_toml(&text) {
            return p;
        }
    }
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    let legacy = storage.as_ref().and_then(|s| s.get_item(LEGACY_PROGRESS_KEY).ok().flatten());
    match legacy.and_then(|t| Progress::from_toml(&t).ok()) {
        Some(p) => {
            save_progress(&p);
            if let Some(s) = storage {
                let _ = s.remove_item(LEGACY_PROGRESS_KEY);
            }
            p
        }
        None => Progress::default(),
    }
}

fn save_progress(p: &Progress) {
    if let Ok(text) = p.to_toml() {
        spawn_local(async move {
            if let Err(e) = idb::save_progress(&text).await {
                web_sys::console::warn_1(&format!("lesson progress not saved: {e}").into());
            }
        });
    }
}

/// Applies a change to the progress, saves it and re-renders. Until the saved progress has
/// loaded nothing changes, so a click in the first instant cannot overwrite the save.
fn update(progress: &UseStateHandle<Option<Progress>>, change: impl FnOnce(&mut Progress)) {
    let Some(mut p) = (**progress).clone() else {
        return;
    };
    change(&mut p);
    save_progress(&p);
    progress.set(Some(p));
}

fn inline(parts: &[Inline]) -> Html {
    parts
        .iter()
        .map(|p| match p {
            Inline::Text(t) => html! { { t.clone() } },
            Inline::Code(t) => html! { <code>{ t.clone() }</code> },
            Inline::Bold(t) => html! { <strong>{ t.clone() }</strong> },
        })
        .collect()
}

fn run_button(on_run: &Callback<String>, command: &str) -> Html {
    let cmd = command.to_string();
    let run = on_run.reform(move |_: MouseEvent| cmd.clone());
    html! { <li><button class="run-block" onclick={run} title="run in the console">{ command.to_string() }</button></li> }
}

fn body(lesson_body: &[Block], on_run: &Callback<String>) -> Html {
    lesson_body
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => html! { <p>{ inline(p) }</p> },
            Block::List(items) => html! { <ul>{ for items.iter().map(|i| html! { <li>{ inline(i) }</li> }) }</ul> },
            Block::Redis(examples) => html! {
                <ul class="blocks">{ for examples.iter().map(|e| run_button(on_run, &e.command)) }</ul>
            },
            Block::Code { text, .. } => html! { <pre>{ text.clone() }</pre> },
        })
        .collect()
}

#[function_component(LessonPanel)]
pub fn lesson_panel(props: &LessonProps) -> Html {
    let lessons = catalog::lessons();
    let current = use_state(|| 0usize);
    let progress = use_state(|| None::<Progress>);
    {
        let progress = progress.clone();
        use_effect_with((), move |_| spawn_local(async move { progress.set(Some(load_progress().await)) }));
    }
    let shown = (*progress).clone().unwrap_or_default();
    let open_hint = use_state(|| None::<String>);
    let open_solution = use_state(|| None::<String>);
    let fill = use_state(String::new);
    let Some(lesson) = lessons.get(*current).or_else(|| lessons.first()) else {
        return html! { <section class="panel lesson"><p>{ "No lessons." }</p></section> };
    };

    // Goals are checked on every engine change; a newly met challenge is saved as completed.
    let statuses: Vec<(bool, Vec<(bool, String)>)> = {
        let mut engine = props.engine.borrow_mut();
        lesson
            .challenges
            .iter()
            .map(|c: &Challenge| {
                let st = c.check(&mut engine);
                (st.iter().all(|s| s.met), st.into_iter().map(|s| (s.met, s.detail)).collect())
            })
            .collect()
    };
    {
        let newly: Vec<String> = lesson
            .challenges
            .iter()
            .zip(&statuses)
            .filter(|(c, (met, _))| {
                *met && !shown.lesson(&lesson.id).is_some_and(|p| p.challenges_completed.contains(&c.id))
            })
            .map(|(c, _)| c.id.clone())
            .collect();
        if !newly.is_empty() {
            update(&progress, |p| newly.iter().for_each(|id| p.complete_challenge(&lesson.id, id)));
        }
    }

    let tally = shown.tally(lesson);
    let picker = lessons.iter().enumerate().map(|(i, l): (usize, &Lesson)| {
        let class = if i == *current { "lesson-tab active" } else { "lesson-tab" };
        let current = current.clone();
        let onclick = Callback::from(move |_: MouseEvent| current.set(i));
        html! { <button {class} {onclick}>{ l.title.clone() }</button> }
    });

    let sections = lesson.sections.iter().map(|s| {
        html! { <details class="section"><summary>{ s.title.clone() }</summary>{ body(&s.blocks(), &props.on_run) }</details> }
    });

    let challenges = lesson.challenges.iter().zip(statuses).map(|(c, (met, goals))| {
        let id = c.id.clone();
        let hint_open = open_hint.as_deref() == Some(id.as_str());
        let sol_open = open_solution.as_deref() == Some(id.as_str());
        let toggle_hint = {
            let open_hint = open_hint.clone();
            let id = id.clone();
            Callback::from(move |_: MouseEvent| open_hint.set(if hint_open { None } else { Some(id.clone()) }))
        };
        let toggle_solution = {
            let open_solution = open_solution.clone();
            let progress = progress.clone();
            let (lid, id) = (lesson.id.clone(), id.clone());
            Callback::from(move |_: MouseEvent| {
                if !sol_open {
                    update(&progress, |p| p.show_solution(&lid, &id));
                }
                open_solution.set(if sol_open { None } else { Some(id.clone()) })
            })
        };
        let setup = if c.setup.is_empty() {
            html! {}
        } else {
            let lines = c.setup.clone();
            let on_run = props.on_run.clone();
            let onclick = Callback::from(move |_: MouseEvent| lines.iter().for_each(|l| on_run.emit(l.clone())));
            html! { <button class="setup" {onclick}>{ "set up" }</button> }
        };
        html! {
            <div class={classes!("challenge", met.then_some("done"))} data-challenge={id.clone()}>
                <h3>{ if met { "✓ Challenge complete" } else { "Challenge" } }</h3>
                <p>{ inline(&parse_inline(&c.prompt)) }</p>
                { setup }
                <ul class="goals">
                    { for goals.iter().map(|(ok, detail)| html! {
                        <li class={if *ok { "goal met" } else { "goal" }}>{ if *ok { "✓ " } else { "○ " } }{ detail.clone() }</li>
                    }) }
                </ul>
                <button class="hint" onclick={toggle_hint}>{ "hint" }</button>
                <button class="solution" onclick={toggle_solution}>{ "show solution" }</button>
                if hint_open { <p class="hint-text">{ inline(&parse_inline(&c.hint)) }</p> }
                if sol_open { <ul class="blocks">{ for c.solution.iter().map(|l| run_button(&props.on_run, l)) }</ul> }
            </div>
        }
    });

    let quiz = lesson.quiz.iter().map(|q| {
        let qid = q.id().to_string();
        let given = shown.lesson(&lesson.id).and_then(|p| p.quiz_answers.get(&qid)).cloned();
        let answer_with = |a: Answer| {
            let progress = progress.clone();
            let lesson = lesson.clone();
            let qid = qid.clone();
            Callback::from(move |_: MouseEvent| update(&progress, |p| {
                p.answer(&lesson, &qid, a.clone());
            }))
        };
        let options: Html = match q {
            Question::MultipleChoice { choices, .. } => choices
                .iter()
                .enumerate()
                .map(|(i, c)| html! { <button class="choice" onclick={answer_with(Answer::Choice(i))}>{ c.clone() }</button> })
                .collect(),
            Question::TrueFalse { .. } => html! { <>
                <button class="choice" onclick={answer_with(Answer::Bool(true))}>{ "true" }</button>
                <button class="choice" onclick={answer_with(Answer::Bool(false))}>{ "false" }</button>
            </> },
            Question::FillIn { .. } => {
                let fill_in = fill.clone();
                let oninput = Callback::from(move |e: InputEvent| {
                    if let Some(t) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                        fill_in.set(t.value());
                    }
                });
                let submit = {
                    let progress = progress.clone();
                    let lesson = lesson.clone();
                    let qid = qid.clone();
                    let fill = fill.clone();
                    Callback::from(move |_: MouseEvent| {
                        update(&progress, |p| {
                            p.answer(&lesson, &qid, Answer::Text((*fill).clone()));
                        })
                    })
                };
                html! { <><input class="fill-in" type="text" {oninput} /><button class="choice" onclick={submit}>{ "check" }</button></> }
            }
        };
        let verdict = given.map(|a| {
            let right = q.is_correct(&a);
            html! {
                <p class={if right { "verdict right" } else { "verdict wrong" }}>
                    { if right { "Right. " } else { "Not quite. " } }{ q.explanation().to_string() }
                </p>
            }
        });
        html! {
            <div class="question" data-question={qid.clone()}>
                <p>{ inline(&parse_inline(q.prompt())) }</p>
                <div class="choices">{ options }</div>
                { for verdict }
            </div>
        }
    });

    html! {
        <section class="panel lesson" aria-label="lesson">
            <header class="panel-head">
                <h2>{ format!("Lesson: {}", lesson.title) }</h2>
                <span class="count">{ format!("{}%", tally.percent()) }</span>
            </header>
            <nav class="lesson-picker">{ for picker }</nav>
            <p class="lesson-summary">{ inline(&parse_inline(&lesson.summary)) }</p>
            { for sections }
            { for challenges }
            if !lesson.quiz.is_empty() {
                <div class="quiz"><h3>{ "Quiz" }</h3>{ for quiz }</div>
            }
        </section>
    }
}
