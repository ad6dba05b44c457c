//! What redis-cli does on its own side of the prompt: `HELP` pages, the greyed syntax hint
//! after a command name, and Tab completion of command names. All of it is derived from the
//! engine's command table (`table::all`), so there is no second list of commands.

use crate::engine::table::{self, CommandSpec, Group};

/// Every command and subcommand, in table order (subcommands right after their parent).
fn entries() -> impl Iterator<Item = &'static CommandSpec> {
    table::all().flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()))
}

/// One entry in redis-cli's help layout; `with_group` is set for `HELP cmd`, not `HELP @group`.
fn entry(out: &mut String, c: &CommandSpec, with_group: bool) {
    out.push_str(&format!("\n  {} {}\n", c.display_name(), c.syntax));
    out.push_str(&format!("  summary: {}\n", c.summary));
    out.push_str(&format!("  since: {}\n", c.since));
    if with_group {
        out.push_str(&format!("  group: {}\n", c.group.name()));
    }
}

/// The text redis-cli prints for `HELP <topic>` (topic already split into words).
pub fn help_text(topic: &[String]) -> String {
    if topic.is_empty() {
        return concat!(
            "redis-cli 7.0.15 (Redis Playground)\n",
            "To get help about Redis commands type:\n",
            "      \"help @<group>\" to get a list of commands in <group>\n",
            "      \"help <command>\" for help on <command>\n",
            "      \"help <tab>\" to get a list of possible help topics\n",
            "      \"quit\" to exit\n"
        )
        .to_string();
    }
    let mut out = String::new();
    if let Some(group) = topic[0].strip_prefix('@') {
        if let Some(g) = Group::parse(group) {
            for c in entries().filter(|c| c.group == g) {
                entry(&mut out, c, false);
            }
        }
    } else {
        let full = topic.iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("|");
        let found = table::lookup_full(&full).or_else(|| table::lookup(topic[0].as_bytes()));
        if let Some(c) = found {
            entry(&mut out, c, true);
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The command (or `parent sub` subcommand) a line starts with, and how many words it used.
fn matched(words: &[&str]) -> Option<(&'static CommandSpec, usize)> {
    let first = words.first()?;
    let cmd = table::lookup(first.as_bytes())?;
    if !cmd.subcommands.is_empty() {
        if let Some(sub) = words.get(1).and_then(|w| cmd.subcommand(w.as_bytes())) {
            return Some((sub, 2));
        }
    }
    Some((cmd, 1))
}

/// redis-cli's greyed hint for what is typed so far: the command's syntax minus one word per
/// argument already typed, stopping at the first optional (`[`) part.
pub fn hint(line: &str) -> Option<String> {
    if line.trim().is_empty() {
        return None;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let (cmd, used) = matched(&words)?;
    let mut hint = cmd.syntax;
    let mut to_remove = words.len().saturating_sub(used);
    while to_remove > 0 && !hint.is_empty() {
        if hint.starts_with('[') {
            break;
        }
        if hint.starts_with(' ') {
            to_remove -= 1;
        }
        let mut rest = hint.chars();
        rest.next();
        hint = rest.as_str();
    }
    let hint = hint.trim_start();
    if hint.is_empty() || (to_remove > 0) {
        return None;
    }
    Some(if line.ends_with(' ') { hint.to_string() } else { format!(" {hint}") })
}

/// Command names starting with `prefix` (ignoring case), for Tab completion, in the case the
/// learner started typing in.
pub fn completions(prefix: &str) -> Vec<String> {
    let lower = prefix.to_ascii_lowercase();
    let upper = prefix.chars().next().map(|c| c.is_ascii_uppercase()).unwrap_or(true);
    let mut names: Vec<String> = table::all()
        .filter(|c| c.name.starts_with(&lower))
        .map(|c| if upper { c.name.to_ascii_uppercase() } else { c.name.to_string() })
        .collect();
    names.sort();
    names
}
