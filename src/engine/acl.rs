//! Access control lists: users, their rules, and the permission checks, as in Redis 7.0.
//!
//! A [`User`] has flags (on/off, nopass, payload sanitizing), password hashes (SHA-256 hex)
//! and one or more [`Selector`]s: the root selector plus any `(...)` selectors. A selector
//! allows a set of commands (one bit per command or subcommand of the table, plus Redis's
//! reserved "future commands" bit set only by `+@all`), key patterns with read/write
//! permissions and channel patterns. A command runs when any selector allows all of it.
//!
//! Rules are applied by [`User::apply`] with Redis's parsing and error texts; users are
//! rendered back (`ACL LIST`, `ACL GETUSER`) with Redis's algorithm, which reconstructs the
//! command rules from the bits (best-fitting categories first, then single commands).
//!
//! Permission checks happen in one place: the dispatcher (`Engine::execute`) calls
//! [`Engine::acl_check`] after arity and authentication and before MULTI queueing; EXEC
//! re-checks each queued command with the same function, as Redis does. Scripting calls
//! [`check_command`] for each command a script runs.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::OnceLock;

use super::table::{self, CommandSpec};
use super::{ClientId, Ctx, Engine};

/// Redis's ACL categories, in the order ACL CAT and the rendering use.
pub const CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// Log entries within this many milliseconds of each other may be grouped.
const LOG_GROUPING_MS: i64 = 60_000;

// ---- the command index ------------------------------------------------------------------------

/// Every command and subcommand of the table, numbered: each command is followed by its
/// subcommands, the order ACL rendering walks them.
struct CmdIndex {
    specs: Vec<&'static CommandSpec>,
    parent: Vec<Option<usize>>,
    subs: Vec<Vec<usize>>,
    by_name: HashMap<&'static str, usize>,
}

fn index() -> &'static CmdIndex {
    static INDEX: OnceLock<CmdIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut ix = CmdIndex { specs: Vec::new(), parent: Vec::new(), subs: Vec::new(), by_name: HashMap::new() };
        for c in table::all() {
            let id = ix.specs.len();
            ix.specs.push(c);
            ix.parent.push(None);
            ix.subs.push(Vec::new());
            ix.by_name.insert(c.name, id);
            for s in c.subcommands {
                let sid = ix.specs.len();
                ix.specs.push(s);
                ix.parent.push(Some(id));
                ix.subs.push(Vec::new());
                ix.by_name.insert(s.name, sid);
                if let Some(v) = ix.subs.get_mut(id) {
                    v.push(sid);
                }
            }
        }
        ix
    })
}

/// Number of command bits (the reserved future-commands bit comes after them).
fn ncmds() -> usize {
    index().specs.len()
}

fn id_of(cmd: &CommandSpec) -> Option<usize> {
    index().by_name.get(cmd.name).copied()
}

fn in_category(spec: &CommandSpec, cat: &str) -> bool {
    spec.acl.iter().any(|a| a.strip_prefix('@').is_some_and(|a| a == cat))
}

/// Redis's ACL command lookup: `name` or `parent|sub` (case-insensitive), nothing deeper.
fn lookup_acl_command(name: &[u8]) -> Option<usize> {
    let mut parts = name.split(|&b| b == b'|');
    let first = parts.next()?;
    let base = table::lookup(first)?;
    let spec = match (parts.next(), parts.next()) {
        (None, _) => base,
        (Some(sub), None) => {
            if base.subcommands.is_empty() {
                return None;
            }
            base.subcommand(sub)?
        }
        _ => return None,
    };
    id_of(spec)
}

// ---- selectors ----------------------------------------------------------------------------------

/// Why a rule was refused (Redis's errno values in `ACLSetUser`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleError {
    /// Unknown command or category (ENOENT).
    NoEnt,
    /// Not understood, or a bad pattern (EINVAL).
    Inval,
    /// A key pattern after `allkeys` (EEXIST).
    KeysAfterAll,
    /// A channel pattern after `allchannels` (EISDIR).
    ChannelsAfterAll,
    /// Removing a password the user does not have (ENODEV).
    NoSuchPassword,
    /// A malformed `#hash` (EBADMSG).
    BadHash,
    /// `+cmd|sub|arg` (ECHILD).
    SubcommandFirstArg,
}

impl RuleError {
    /// The text ACL SETUSER shows after the modifier.
    pub fn message(self) -> &'static str {
        match self {
            RuleError::NoEnt => "Unknown command or category name in ACL",
            RuleError::Inval => "Syntax error",
            RuleError::KeysAfterAll => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
            }
            RuleError::ChannelsAfterAll => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
            }
            RuleError::NoSuchPassword => "The password you are trying to remove from the user does not exist",
            RuleError::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            }
            RuleError::SubcommandFirstArg => "Allowing first-arg of a subcommand is not supported",
        }
    }
}

/// A key pattern with its permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    pub pattern: Vec<u8>,
    pub read: bool,
    pub write: bool,
}

impl KeyPattern {
    /// `~pat`, `%R~pat` or `%W~pat`.
    fn render(&self) -> String {
        let prefix = match (self.read, self.write) {
            (true, false) => "%R~",
            (false, true) => "%W~",
            _ => "~",
        };
        format!("{prefix}{}", String::from_utf8_lossy(&self.pattern))
    }
}

/// One set of permissions: commands, keys and channels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// One bit per command of the index, then the future-commands bit.
    bits: Vec<bool>,
    /// The ALLCOMMANDS flag: set by `+@all`, cleared by any removal.
    allcommands: bool,
    /// Allowed first arguments of otherwise denied commands (`+select|0`), by command id.
    firstargs: BTreeMap<usize, Vec<String>>,
    pub patterns: Vec<KeyPattern>,
    pub allkeys: bool,
    pub channels: Vec<Vec<u8>>,
    pub allchannels: bool,
}

impl Selector {
    /// An empty selector: no commands, keys or channels (`allchannels` when
    /// `acl-pubsub-default` says so).
    pub fn new(allchannels: bool) -> Selector {
        Selector {
            bits: vec![false; ncmds() + 1],
            allcommands: false,
            firstargs: BTreeMap::new(),
            patterns: Vec::new(),
            allkeys: false,
            channels: Vec::new(),
            allchannels,
        }
    }

    fn bit(&self, id: usize) -> bool {
        self.bits.get(id).copied().unwrap_or(false)
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        if let Some(b) = self.bits.get_mut(id) {
            *b = on;
        }
        if !on {
            self.allcommands = false;
        }
    }

    fn future(&self) -> bool {
        self.bit(ncmds())
    }

    /// Allows or denies a command; a container's subcommands follow it.
    fn change_perm(&mut self, id: usize, allow: bool) {
        self.set_bit(id, allow);
        self.firstargs.remove(&id);
        if let Some(subs) = index().subs.get(id) {
            for &s in subs {
                self.set_bit(s, allow);
            }
        }
    }

    fn set_all(&mut self, on: bool) {
        for b in self.bits.iter_mut() {
            *b = on;
        }
        self.allcommands = on;
        self.firstargs.clear();
    }

    fn set_category(&mut self, cat: &str, on: bool) -> Result<(), RuleError> {
        if !CATEGORIES.contains(&cat) {
            return Err(RuleError::NoEnt);
        }
        for (id, spec) in index().specs.iter().enumerate() {
            if in_category(spec, cat) {
                self.change_perm(id, on);
            }
        }
        Ok(())
    }

    /// (allowed, denied) commands of a category.
    fn count_category(&self, cat: &str) -> (usize, usize) {
        let (mut on, mut off) = (0, 0);
        for (id, spec) in index().specs.iter().enumerate() {
            if in_category(spec, cat) {
                if self.bit(id) {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    /// Applies one selector rule (Redis's `ACLSetSelector`).
    pub fn apply(&mut self, op: &[u8]) -> Result<(), RuleError> {
        let is = |w: &str| op.eq_ignore_ascii_case(w.as_bytes());
        let first = op.first().copied().unwrap_or(0);
        let second = op.get(1).copied().unwrap_or(0);
        if is("allkeys") || is("~*") {
            self.allkeys = true;
            self.patterns.clear();
        } else if is("resetkeys") {
            self.allkeys = false;
            self.patterns.clear();
        } else if is("allchannels") || is("&*") {
            self.allchannels = true;
            self.channels.clear();
        } else if is("resetchannels") {
            self.allchannels = false;
            self.channels.clear();
        } else if is("allcommands") || is("+@all") {
            self.set_all(true);
        } else if is("nocommands") || is("-@all") {
            self.set_all(false);
        } else if first == b'~' || first == b'%' {
            if self.allkeys {
                return Err(RuleError::KeysAfterAll);
            }
            let (mut read, mut write) = (true, true);
            let mut offset = 1;
            if first == b'%' {
                read = false;
                write = false;
                while let Some(&c) = op.get(offset) {
                    if c.eq_ignore_ascii_case(&b'R') && !read {
                        read = true;
                    } else if c.eq_ignore_ascii_case(&b'W') && !write {
                        write = true;
                    } else if c == b'~' {
                        offset += 1;
                        break;
                    } else {
                        return Err(RuleError::Inval);
                    }
                    offset += 1;
                }
                // Redis would keep a pattern without permissions and later abort on it.
                if !read && !write {
                    return Err(RuleError::Inval);
                }
            }
            let pat = op.get(offset..).unwrap_or(&[]);
            if has_spaces(pat) {
                return Err(RuleError::Inval);
            }
            match self.patterns.iter_mut().find(|p| p.pattern == pat) {
                Some(p) => {
                    p.read |= read;
                    p.write |= write;
                }
                None => self.patterns.push(KeyPattern { pattern: pat.to_vec(), read, write }),
            }
            self.allkeys = false;
        } else if first == b'&' {
            if self.allchannels {
                return Err(RuleError::ChannelsAfterAll);
            }
            let pat = op.get(1..).unwrap_or(&[]);
            if has_spaces(pat) {
                return Err(RuleError::Inval);
            }
            if !self.channels.iter().any(|c| c == pat) {
                self.channels.push(pat.to_vec());
            }
            self.allchannels = false;
        } else if first == b'+' && second != b'@' {
            let name = op.get(1..).unwrap_or(&[]);
            match name.iter().rposition(|&b| b == b'|') {
                None => {
                    let id = lookup_acl_command(name).ok_or(RuleError::NoEnt)?;
                    self.change_perm(id, true);
                }
                Some(bar) => {
                    let (base, sub) = (&name[..bar], &name[bar + 1..]);
                    let id = lookup_acl_command(base).ok_or(RuleError::NoEnt)?;
                    if index().parent.get(id).copied().flatten().is_some() {
                        return Err(RuleError::SubcommandFirstArg);
                    }
                    if sub.is_empty() {
                        return Err(RuleError::Inval);
                    }
                    let has_subs = index().subs.get(id).is_some_and(|s| !s.is_empty());
                    if has_subs {
                        let sid = lookup_acl_command(name).ok_or(RuleError::NoEnt)?;
                        self.change_perm(sid, true);
                    } else {
                        let sub = String::from_utf8_lossy(c_str(sub)).into_owned();
                        let list = self.firstargs.entry(id).or_default();
                        if !list.iter().any(|s| s.eq_ignore_ascii_case(&sub)) {
                            list.push(sub);
                        }
                    }
                }
            }
        } else if first == b'-' && second != b'@' {
            let id = lookup_acl_command(op.get(1..).unwrap_or(&[])).ok_or(RuleError::NoEnt)?;
            self.change_perm(id, false);
        } else if (first == b'+' || first == b'-') && second == b'@' {
            let cat = String::from_utf8_lossy(op.get(2..).unwrap_or(&[])).to_ascii_lowercase();
            self.set_category(&cat, first == b'+')?;
        } else {
            return Err(RuleError::Inval);
        }
        Ok(())
    }

    /// The command rules as Redis renders them: `+@all` or `-@all`, the categories that fit
    /// best, then single commands (and allowed first arguments).
    pub fn describe_commands(&self) -> String {
        let additive = !self.future();
        let mut rules = String::new();
        let mut fake = Selector::new(false);
        if additive {
            rules.push_str("-@all ");
            fake.set_all(false);
        } else {
            rules.push_str("+@all ");
            fake.set_all(true);
        }
        let mut temp = self.clone();
        let mut applied = [false; 21];
        loop {
            let mut best: Option<usize> = None;
            let (mut mindiff, mut maxsame) = (usize::MAX, 0usize);
            for (j, cat) in CATEGORIES.iter().enumerate() {
                if applied.get(j).copied().unwrap_or(true) {
                    continue;
                }
                let (on, off) = temp.count_category(cat);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                    best = Some(j);
                    mindiff = diff;
                    maxsame = same;
                }
            }
            let Some(j) = best else { break };
            let cat = CATEGORIES.get(j).copied().unwrap_or("all");
            let _ = fake.set_category(cat, additive);
            let _ = temp.set_category(cat, !additive);
            rules.push_str(if additive { "+@" } else { "-@" });
            rules.push_str(cat);
            rules.push(' ');
            if let Some(a) = applied.get_mut(j) {
                *a = true;
            }
        }
        let ix = index();
        for (id, parent) in ix.parent.iter().enumerate() {
            if parent.is_none() {
                self.describe_single(id, &mut fake, &mut rules);
            }
        }
        rules.pop();
        rules
    }

    fn describe_single(&self, id: usize, fake: &mut Selector, rules: &mut String) {
        let ix = index();
        let Some(spec) = ix.specs.get(id) else { return };
        let userbit = self.bit(id);
        if userbit != fake.bit(id) {
            rules.push(if userbit { '+' } else { '-' });
            rules.push_str(spec.name);
            rules.push(' ');
            fake.change_perm(id, userbit);
        }
        if let Some(subs) = ix.subs.get(id) {
            for &s in subs {
                self.describe_single(s, fake, rules);
            }
        }
        if !userbit {
            if let Some(args) = self.firstargs.get(&id) {
                for a in args {
                    rules.push_str(&format!("+{}|{} ", spec.name, a));
                }
            }
        }
    }

    /// The selector in ACL LIST form: keys, channels, commands.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        if self.allkeys {
            s.push_str("~* ");
        } else {
            for p in &self.patterns {
                s.push_str(&p.render());
                s.push(' ');
            }
        }
        if self.allchannels {
            s.push_str("&* ");
        } else {
            s.push_str("resetchannels ");
            for c in &self.channels {
                s.push('&');
                s.push_str(&String::from_utf8_lossy(c));
                s.push(' ');
            }
        }
        s.push_str(&self.describe_commands());
        s
    }

    /// GETUSER's `keys` field.
    pub fn keys_text(&self) -> String {
        if self.allkeys {
            return "~*".into();
        }
        self.patterns.iter().map(KeyPattern::render).collect::<Vec<_>>().join(" ")
    }

    /// GETUSER's `channels` field.
    pub fn channels_text(&self) -> String {
        if self.allchannels {
            return "&*".into();
        }
        self.channels.iter().map(|c| format!("&{}", String::from_utf8_lossy(c))).collect::<Vec<_>>().join(" ")
    }

    fn check_key(&self, key: &[u8], read: bool, write: bool) -> bool {
        self.allkeys
            || self
                .patterns
                .iter()
                .any(|p| (!read || p.read) && (!write || p.write) && super::glob::matches(&p.pattern, key, false))
    }

    /// Checks one command against this selector (Redis's `ACLSelectorCheckCmd`).
    fn check(
        &self,
        id: usize,
        cmd: &CommandSpec,
        argv: &[Vec<u8>],
        keys: &mut Option<Vec<KeyRef>>,
    ) -> Result<(), Denied> {
        if !self.allcommands && !cmd.has_flag("no_auth") && !self.bit(id) {
            let args = self.firstargs.get(&id).ok_or(Denied::Command)?;
            let pos = if index().parent.get(id).copied().flatten().is_some() { 2 } else { 1 };
            let arg = argv.get(pos).ok_or(Denied::Command)?;
            let arg = String::from_utf8_lossy(c_str(arg)).into_owned();
            if !args.iter().any(|a| a.eq_ignore_ascii_case(&arg)) {
                return Err(Denied::Command);
            }
        }
        if !self.allkeys {
            let keys = keys.get_or_insert_with(|| command_keys(cmd, argv));
            for k in keys.iter() {
                let Some(key) = argv.get(k.pos) else { continue };
                if !self.check_key(key, k.read, k.write) {
                    return Err(Denied::Key(k.pos));
                }
            }
        }
        if !self.allchannels {
            for (pos, pattern) in command_channels(cmd, argv) {
                let Some(ch) = argv.get(pos) else { continue };
                if !channel_allowed(&self.channels, ch, pattern) {
                    return Err(Denied::Channel(pos));
                }
            }
        }
        Ok(())
    }
}

/// A key argument and the permissions it needs.
#[derive(Clone, Debug)]
struct KeyRef {
    pos: usize,
    read: bool,
    write: bool,
}

/// The keys of a command line with their access (from the key specs' flags).
fn command_keys(cmd: &CommandSpec, argv: &[Vec<u8>]) -> Vec<KeyRef> {
    super::cmd::server::key_positions_with_flags(cmd, argv)
        .into_iter()
        .map(|(pos, flags)| {
            let has = |f: &str| flags.iter().any(|x| x == f);
            KeyRef { pos, read: has("access"), write: has("insert") || has("delete") || has("update") }
        })
        .collect()
}

/// The channel arguments ACL checks, and whether each is a pattern (PSUBSCRIBE). The
/// unsubscribe commands are not checked.
fn command_channels(cmd: &CommandSpec, argv: &[Vec<u8>]) -> Vec<(usize, bool)> {
    match cmd.name {
        "subscribe" | "ssubscribe" => (1..argv.len()).map(|i| (i, false)).collect(),
        "psubscribe" => (1..argv.len()).map(|i| (i, true)).collect(),
        "publish" | "spublish" => vec![(1, false)],
        _ => Vec::new(),
    }
}

/// A channel against a list of ACL channel patterns: channels match as globs, patterns
/// (PSUBSCRIBE) only literally.
fn channel_allowed(list: &[Vec<u8>], channel: &[u8], is_pattern: bool) -> bool {
    list.iter()
        .any(|p| if is_pattern { p.as_slice() == c_str(channel) } else { super::glob::matches(p, channel, false) })
}

/// What C's string functions see of a binary argument: up to the first NUL.
fn c_str(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b.get(..end).unwrap_or(b)
}

/// Redis's `ACLStringHasSpaces`: any C `isspace` character or a NUL.
fn has_spaces(s: &[u8]) -> bool {
    s.iter().any(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0))
}

/// Why a command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    Command,
    /// The argv index of the key.
    Key(usize),
    /// The argv index of the channel.
    Channel(usize),
}

impl Denied {
    /// Redis's order of seriousness when picking among selectors' answers.
    fn rank(self) -> (u8, usize) {
        match self {
            Denied::Command => (1, 0),
            Denied::Key(p) => (2, p),
            Denied::Channel(p) => (4, p),
        }
    }

    /// The dispatcher's NOPERM error for `cmd` (its full name).
    pub fn noperm(self, cmd: &CommandSpec) -> String {
        match self {
            Denied::Command => format!("NOPERM this user has no permissions to run the '{}' command", cmd.name),
            Denied::Key(_) => "NOPERM this user has no permissions to access one of the keys used as arguments".into(),
            Denied::Channel(_) => {
                "NOPERM this user has no permissions to access one of the channels used as arguments".into()
            }
        }
    }

    /// The short reason a script gets (Redis's `getAclErrorMessage`).
    pub fn script_message(self) -> &'static str {
        match self {
            Denied::Command => "can't run this command or subcommand",
            Denied::Key(_) => "can't access at least one of the keys mentioned in the command arguments",
            Denied::Channel(_) => "can't publish to the channel mentioned in the command",
        }
    }

    /// EXEC's reason when a queued command is no longer allowed.
    pub fn exec_reason(self) -> &'static str {
        match self {
            Denied::Command => "no permission to execute the command or subcommand",
            Denied::Key(_) => "no permission to touch the specified keys",
            Denied::Channel(_) => "no permission to access one of the channels used as arguments",
        }
    }

    fn reason(self) -> LogReason {
        match self {
            Denied::Command => LogReason::Command,
            Denied::Key(p) => LogReason::Key(p),
            Denied::Channel(p) => LogReason::Channel(p),
        }
    }
}

// ---- users ----------------------------------------------------------------------------------

/// Payload sanitizing flags (`skip-sanitize-payload` / `sanitize-payload`); new users have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sanitize {
    Unset,
    Skip,
    On,
}

/// One ACL user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: Vec<u8>,
    pub enabled: bool,
    pub nopass: bool,
    sanitize: Sanitize,
    /// SHA-256 hex of each password, in the order added.
    pub passwords: Vec<String>,
    /// The root selector first, then the `(...)` selectors.
    pub selectors: Vec<Selector>,
}

impl User {
    /// A new user: off, no passwords, no permissions.
    pub fn new(name: &[u8], allchannels: bool) -> User {
        User {
            name: name.to_vec(),
            enabled: false,
            nopass: false,
            sanitize: Sanitize::Unset,
            passwords: Vec::new(),
            selectors: vec![Selector::new(allchannels)],
        }
    }

    /// The `default` user: on, nopass, every key, channel and command.
    pub fn default_user() -> User {
        let mut u = User::new(b"default", false);
        for op in ["+@all", "~*", "&*", "on", "nopass"] {
            let _ = u.apply(op.as_bytes(), false);
        }
        u
    }

    fn root(&mut self) -> &mut Selector {
        if self.selectors.is_empty() {
            self.selectors.push(Selector::new(false));
        }
        &mut self.selectors[0]
    }

    /// Applies one rule (Redis's `ACLSetUser`); `allchannels` is `acl-pubsub-default`.
    pub fn apply(&mut self, op: &[u8], allchannels: bool) -> Result<(), RuleError> {
        let is = |w: &str| op.eq_ignore_ascii_case(w.as_bytes());
        let first = op.first().copied().unwrap_or(0);
        if op.is_empty() {
            return Ok(());
        }
        if is("on") {
            self.enabled = true;
        } else if is("off") {
            self.enabled = false;
        } else if is("skip-sanitize-payload") {
            self.sanitize = Sanitize::Skip;
        } else if is("sanitize-payload") {
            self.sanitize = Sanitize::On;
        } else if is("nopass") {
            self.nopass = true;
            self.passwords.clear();
        } else if is("resetpass") {
            self.nopass = false;
            self.passwords.clear();
        } else if first == b'>' || first == b'#' {
            let rest = op.get(1..).unwrap_or(&[]);
            let hash = if first == b'>' { super::sha256::hex_digest(rest) } else { valid_hash(rest)? };
            if !self.passwords.contains(&hash) {
                self.passwords.push(hash);
            }
            self.nopass = false;
        } else if first == b'<' || first == b'!' {
            let rest = op.get(1..).unwrap_or(&[]);
            let hash = if first == b'<' { super::sha256::hex_digest(rest) } else { valid_hash(rest)? };
            let pos = self.passwords.iter().position(|p| *p == hash).ok_or(RuleError::NoSuchPassword)?;
            self.passwords.remove(pos);
        } else if first == b'(' && op.last() == Some(&b')') {
            let inner = op.get(1..op.len().saturating_sub(1)).unwrap_or(&[]);
            let mut sel = Selector::new(allchannels);
            for sub in super::cli::split_args(inner).unwrap_or_default() {
                sel.apply(&sub)?;
            }
            self.selectors.push(sel);
        } else if is("clearselectors") {
            self.selectors.truncate(1);
        } else if is("reset") {
            self.nopass = false;
            self.passwords.clear();
            let root = self.root();
            root.allkeys = false;
            root.patterns.clear();
            root.allchannels = allchannels;
            root.channels.clear();
            self.enabled = false;
            self.sanitize = Sanitize::On;
            self.selectors.truncate(1);
            self.root().set_all(false);
        } else {
            self.root().apply(op)?;
        }
        Ok(())
    }

    /// The flags in Redis's order.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            f.push("nopass");
        }
        match self.sanitize {
            Sanitize::Skip => f.push("skip-sanitize-payload"),
            Sanitize::On => f.push("sanitize-payload"),
            Sanitize::Unset => {}
        }
        f
    }

    /// The user's rules as ACL LIST shows them (after `user <name> `).
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for f in self.flags() {
            s.push_str(f);
            s.push(' ');
        }
        for p in &self.passwords {
            s.push('#');
            s.push_str(p);
            s.push(' ');
        }
        for (i, sel) in self.selectors.iter().enumerate() {
            if i == 0 {
                s.push_str(&sel.describe());
            } else {
                s.push_str(&format!(" ({})", sel.describe()));
            }
        }
        s
    }

    /// Whether `password` logs this user in.
    pub fn password_ok(&self, password: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let h = super::sha256::hex_digest(password);
        self.passwords.contains(&h)
    }

    /// Checks a command against every selector (Redis's `ACLCheckAllUserCommandPerm`).
    pub fn check(&self, cmd: &CommandSpec, argv: &[Vec<u8>]) -> Result<(), Denied> {
        let Some(id) = id_of(cmd) else {
            return Err(Denied::Command);
        };
        let mut keys = None;
        let mut worst = Denied::Command;
        for sel in &self.selectors {
            match sel.check(id, cmd, argv, &mut keys) {
                Ok(()) => return Ok(()),
                Err(d) => {
                    if d.rank() > worst.rank() {
                        worst = d;
                    }
                }
            }
        }
        Err(worst)
    }

    /// Whether one selector both allows the command and grants the given access to every
    /// key (`allkeys`, or a `*` pattern with those permissions): Redis's
    /// `ACLUserCheckCmdWithUnrestrictedKeyAccess`, which SORT's BY and GET options need.
    pub fn check_with_all_keys(&self, cmd: &CommandSpec, argv: &[Vec<u8>], read: bool, write: bool) -> bool {
        let Some(id) = id_of(cmd) else { return false };
        let mut keys = None;
        self.selectors.iter().any(|s| {
            s.check(id, cmd, argv, &mut keys).is_ok()
                && (s.allkeys
                    || s.patterns.iter().any(|p| (!read || p.read) && (!write || p.write) && p.pattern == b"*"))
        })
    }

    /// Every channel pattern the user's selectors allow, or None when one allows all.
    fn all_channels(&self) -> Option<Vec<Vec<u8>>> {
        if self.selectors.iter().any(|s| s.allchannels) {
            return None;
        }
        Some(self.selectors.iter().flat_map(|s| s.channels.iter().cloned()).collect())
    }
}

fn valid_hash(h: &[u8]) -> Result<String, RuleError> {
    if h.len() != 64 || !h.iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)) {
        return Err(RuleError::BadHash);
    }
    Ok(String::from_utf8_lossy(h).into_owned())
}

/// Merges selector rules split over several arguments (`(~a` `+get)`), as Redis does; on an
/// unclosed parenthesis, returns the index of the argument that opened it.
pub fn merge_selector_args(args: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, usize> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (j, op) in args.iter().enumerate() {
        if let Some((start, mut acc)) = open.take() {
            acc.push(b' ');
            acc.extend_from_slice(c_str(op));
            if op.last() == Some(&b')') {
                out.push(acc);
            } else {
                open = Some((start, acc));
            }
            continue;
        }
        if op.first() == Some(&b'(') && op.last() != Some(&b')') {
            open = Some((j, op.clone()));
            continue;
        }
        out.push(op.clone());
    }
    match open {
        Some((start, _)) => Err(start),
        None => Ok(out),
    }
}

// ---- the log ----------------------------------------------------------------------------------

/// Why an ACL LOG entry was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogReason {
    Command,
    Key(usize),
    Channel(usize),
    Auth,
}

impl LogReason {
    fn name(self) -> &'static str {
        match self {
            LogReason::Command => "command",
            LogReason::Key(_) => "key",
            LogReason::Channel(_) => "channel",
            LogReason::Auth => "auth",
        }
    }
}

/// Where the denied command ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogContext {
    Toplevel,
    Multi,
    Lua,
}

impl LogContext {
    pub fn name(self) -> &'static str {
        match self {
            LogContext::Toplevel => "toplevel",
            LogContext::Multi => "multi",
            LogContext::Lua => "lua",
        }
    }
}

/// One ACL LOG entry.
#[derive(Clone, Debug)]
pub struct LogEntry {
    pub count: u64,
    pub reason: &'static str,
    pub context: LogContext,
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    pub ctime_ms: i64,
    pub client_info: String,
}

/// Users and the security log.
#[derive(Clone, Debug)]
pub struct AclState {
    /// By name, sorted as Redis's radix tree lists them.
    pub users: BTreeMap<Vec<u8>, User>,
    /// Newest first.
    pub log: VecDeque<LogEntry>,
    /// The client whose EXEC is running its queue: its denials log in the `multi` context.
    pub(crate) exec_client: Option<ClientId>,
}

impl Default for AclState {
    fn default() -> Self {
        let mut users = BTreeMap::new();
        users.insert(b"default".to_vec(), User::default_user());
        AclState { users, log: VecDeque::new(), exec_client: None }
    }
}

impl AclState {
    pub fn user(&self, name: &[u8]) -> Option<&User> {
        self.users.get(name)
    }

    /// Whether new connections start authenticated (the default user is on and nopass).
    pub fn default_auto_auth(&self) -> bool {
        self.users.get(b"default".as_slice()).is_some_and(|u| u.enabled && u.nopass)
    }

    /// `requirepass`: replaces the default user's passwords (empty: nopass).
    pub fn set_requirepass(&mut self, password: &[u8]) {
        if let Some(u) = self.users.get_mut(b"default".as_slice()) {
            let _ = u.apply(b"resetpass", false);
            if password.is_empty() {
                let _ = u.apply(b"nopass", false);
            } else {
                let mut op = b">".to_vec();
                op.extend_from_slice(password);
                let _ = u.apply(&op, false);
            }
        }
    }
}

/// The command line as MONITOR and the slow log show it: passwords and ACL rules replaced by
/// `(redacted)`, as Redis's `redactClientCommandArgument` does for AUTH, HELLO AUTH and
/// ACL SETUSER. `None` when nothing is hidden.
pub fn redact_for_logs(name: &str, argv: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    let hide: Vec<usize> = match name {
        "auth" if argv.len() <= 3 => (1..argv.len()).collect(),
        "acl|setuser" => (2..argv.len()).collect(),
        // CONFIG SET hides the values of its sensitive parameters, in every pair.
        "config|set" if argv.len() % 2 == 0 => (2..argv.len())
            .step_by(2)
            .filter(|&i| {
                argv.get(i).is_some_and(|n| {
                    ["requirepass", "masterauth", "masteruser"].iter().any(|w| n.eq_ignore_ascii_case(w.as_bytes()))
                })
            })
            .map(|i| i + 1)
            .collect(),
        "hello" => {
            // HELLO hides each AUTH pair it reads, up to its first bad option.
            let mut v = Vec::new();
            let version_ok = argv.get(1).is_none_or(|a| super::num::parse_i64(a).is_some_and(|n| (2..=3).contains(&n)));
            let mut j = 2;
            while version_ok && j < argv.len() {
                let more = argv.len() - 1 - j;
                let opt = argv.get(j).map(|o| o.as_slice()).unwrap_or_default();
                if opt.eq_ignore_ascii_case(b"auth") && more >= 2 {
                    v.extend([j + 1, j + 2]);
                    j += 3;
                } else if opt.eq_ignore_ascii_case(b"setname") && more >= 1 {
                    j += 2;
                } else {
                    break;
                }
            }
            v
        }
        _ => Vec::new(),
    };
    if hide.is_empty() {
        return None;
    }
    Some(
        argv.iter()
            .enumerate()
            .map(|(i, a)| if hide.contains(&i) { b"(redacted)".to_vec() } else { a.clone() })
            .collect(),
    )
}

/// Checks whether `user` may run `cmd` with `argv` (the full command line, name first),
/// without logging. This is the check scripting must call for each command a script runs
/// (`redis.call` as the calling client's user); on `Err`, a script reports
/// `Denied::script_message` and logs with [`Engine::acl_log_denied`] in `LogContext::Lua`.
/// An unknown user may run nothing.
pub fn check_command(eng: &Engine, user: &[u8], cmd: &CommandSpec, argv: &[Vec<u8>]) -> Result<(), Denied> {
    match eng.acl.user(user) {
        Some(u) => u.check(cmd, argv),
        None => Err(Denied::Command),
    }
}

impl Ctx<'_> {
    /// Whether the calling client's user may read every key with the running command (Redis's
    /// `ACLUserCheckCmdWithUnrestrictedKeyAccess` with read access): SORT's BY and GET options
    /// read keys named by patterns, so they need it.
    pub fn user_reads_all_keys(&mut self) -> bool {
        let name = self.client().user.clone();
        let (cmd, argv) = (self.cmd, self.argv);
        self.eng.acl.user(&name).is_some_and(|u| u.check_with_all_keys(cmd, argv, true, false))
    }
}

impl Engine {
    /// The dispatcher's (and EXEC's) permission check for a client: on denial, the ACL LOG
    /// gets an entry in `context`.
    pub(crate) fn acl_check(
        &mut self,
        client: ClientId,
        cmd: &'static CommandSpec,
        argv: &[Vec<u8>],
        context: LogContext,
    ) -> Result<(), Denied> {
        // The user's name is borrowed for the check; it is copied only for a denial's log entry.
        let r = match self.clients.get(&client) {
            Some(c) => check_command(self, &c.user, cmd, argv),
            None => check_command(self, b"default", cmd, argv),
        };
        if let Err(d) = r {
            let user = self.client_mut(client).user.clone();
            let object = match d {
                Denied::Command => cmd.name.as_bytes().to_vec(),
                Denied::Key(p) | Denied::Channel(p) => argv.get(p).cloned().unwrap_or_default(),
            };
            self.acl_log_denied(client, d.reason(), context, object, user);
        }
        r
    }

    /// Adds (or groups into a recent similar entry) an ACL LOG entry.
    pub fn acl_log_denied(
        &mut self,
        client: ClientId,
        reason: LogReason,
        context: LogContext,
        object: Vec<u8>,
        username: Vec<u8>,
    ) {
        let now = self.now_ms();
        let info = match self.clients.get(&client) {
            Some(c) => super::cmd::connection::client_info_line(self, c, now),
            None => String::new(),
        };
        let reason = reason.name();
        let log = &mut self.acl.log;
        let found = log.iter().take(10).position(|e| {
            e.reason == reason
                && e.context == context
                && (e.ctime_ms - now).abs() <= LOG_GROUPING_MS
                && e.object == object
                && e.username == username
        });
        if let Some(mut e) = found.and_then(|i| log.remove(i)) {
            e.count += 1;
            e.ctime_ms = now;
            e.client_info = info;
            log.push_front(e);
            return;
        }
        log.push_front(LogEntry { count: 1, reason, context, object, username, ctime_ms: now, client_info: info });
        let max = usize::try_from(self.config.acllog_max_len).unwrap_or(usize::MAX);
        while log.len() > max {
            log.pop_back();
        }
    }

    /// Whether a client may run commands without AUTH (Redis's `authRequired` negated).
    pub(crate) fn auth_ok(&self, client: ClientId) -> bool {
        // The client's flag first: it is usually set, and it spares a users-table probe.
        self.clients.get(&client).is_some_and(|c| c.authenticated) || self.acl.default_auto_auth()
    }

    /// Whether a client must still authenticate (the server then limits its request sizes:
    /// `resp::parse_request_as`).
    pub fn auth_required(&self, client: ClientId) -> bool {
        !self.auth_ok(client)
    }

    /// AUTH / HELLO AUTH: logs the client in as `user`, or logs the failure.
    pub(crate) fn authenticate(&mut self, client: ClientId, user: &[u8], password: &[u8], object: &[u8]) -> bool {
        if self.acl.user(user).is_some_and(|u| u.password_ok(password)) {
            let c = self.client_mut(client);
            c.user = user.to_vec();
            c.authenticated = true;
            return true;
        }
        let context = if self.in_multi(client) || self.acl.exec_client == Some(client) {
            LogContext::Multi
        } else {
            LogContext::Toplevel
        };
        self.acl_log_denied(client, LogReason::Auth, context, object.to_vec(), user.to_vec());
        false
    }

    /// After a user's channel permissions change (`old` -> its new rules), kills its
    /// subscribed clients whose subscriptions are no longer allowed, as Redis does.
    pub(crate) fn kill_pubsub_clients_if_needed(&mut self, old: &User) {
        let Some(new) = self.acl.user(&old.name) else { return };
        let Some(upcoming) = new.all_channels() else { return };
        let superset = match old.all_channels() {
            None => false,
            Some(prev) => prev.iter().all(|p| upcoming.contains(p)),
        };
        if superset {
            return;
        }
        let victims: Vec<ClientId> = self
            .clients
            .values()
            .filter(|c| c.user == old.name && !c.closing && self.pubsub.total(c.id) > 0)
            .filter(|c| {
                let subs = self.pubsub.of(c.id);
                subs.patterns.iter().any(|p| !channel_allowed(&upcoming, p, true))
                    || subs.channels.iter().chain(subs.shard.iter()).any(|ch| !channel_allowed(&upcoming, ch, false))
            })
            .map(|c| c.id)
            .collect();
        for v in victims {
            self.kill_client(v);
        }
    }

    /// Closes a client now, as CLIENT KILL does.
    pub(crate) fn kill_client(&mut self, id: ClientId) {
        self.client_mut(id).closing = true;
        self.reset_session(id);
        self.forget_blocked(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(rules: &[&str]) -> User {
        let mut u = User::new(b"u", false);
        for r in rules {
            u.apply(r.as_bytes(), false).unwrap_or_else(|e| panic!("{r}: {e:?}"));
        }
        u
    }

    fn argv(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    fn spec(name: &str) -> &'static CommandSpec {
        table::lookup_full(name).unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn default_user_renders_like_redis() {
        assert_eq!(User::default_user().describe(), "on nopass ~* &* +@all");
        assert_eq!(User::new(b"x", false).describe(), "off resetchannels -@all");
    }

    #[test]
    fn rules_render_canonically() {
        let u = user(&["on", ">pw", "~k*", "%R~r*", "&ch*", "+get", "-@all", "+set", "+config|get"]);
        assert_eq!(
            u.describe(),
            "on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* %R~r* resetchannels &ch* -@all +set +config|get"
        );
        let u = user(&["%RW~x", "%W~y", "%R~y", "-@all", "+@string", "+@hash", "-hset"]);
        assert_eq!(u.describe(), "off ~x ~y resetchannels -@all +@string +@hash -hset");
        let u = user(&["+@all", "-@dangerous"]);
        assert_eq!(u.selectors[0].describe_commands(), "+@all -@dangerous");
        let u = user(&["-@all", "+select|0", "+select|1"]);
        assert_eq!(u.selectors[0].describe_commands(), "-@all +select|0 +select|1");
        let u = user(&["reset"]);
        assert_eq!(u.describe(), "off sanitize-payload resetchannels -@all");
    }

    #[test]
    fn rule_errors() {
        let mut u = User::new(b"u", false);
        assert_eq!(u.apply(b"+nosuch", false), Err(RuleError::NoEnt));
        assert_eq!(u.apply(b"+@nosuch", false), Err(RuleError::NoEnt));
        assert_eq!(u.apply(b"bogus", false), Err(RuleError::Inval));
        assert_eq!(u.apply(b"+config|", false), Err(RuleError::Inval));
        assert_eq!(u.apply(b"+config|get|x", false), Err(RuleError::SubcommandFirstArg));
        assert_eq!(u.apply(b"+config|nosuch", false), Err(RuleError::NoEnt));
        assert_eq!(u.apply(b"-get|x", false), Err(RuleError::NoEnt));
        assert_eq!(u.apply(b"<nope", false), Err(RuleError::NoSuchPassword));
        assert_eq!(u.apply(b"#abc", false), Err(RuleError::BadHash));
        assert_eq!(u.apply(b"%X~a", false), Err(RuleError::Inval));
        assert_eq!(u.apply(b"~a b", false), Err(RuleError::Inval));
        assert_eq!(u.apply(b"allkeys", false), Ok(()));
        assert_eq!(u.apply(b"~x", false), Err(RuleError::KeysAfterAll));
        assert_eq!(u.apply(b"allchannels", false), Ok(()));
        assert_eq!(u.apply(b"&x", false), Err(RuleError::ChannelsAfterAll));
    }

    #[test]
    fn passwords_and_selectors() {
        let mut u = user(&["on", ">a", ">b", ">a"]);
        assert_eq!(u.passwords.len(), 2);
        assert!(u.password_ok(b"a") && u.password_ok(b"b") && !u.password_ok(b"c"));
        u.apply(b"<a", false).unwrap_or_default();
        assert!(!u.password_ok(b"a"));
        u.apply(b"nopass", false).unwrap_or_default();
        assert!(u.password_ok(b"anything"));
        u.apply(b"off", false).unwrap_or_default();
        assert!(!u.password_ok(b"anything"));
        let merged = merge_selector_args(&argv("(~a +get %R~b) x")).unwrap_or_default();
        assert_eq!(merged, vec![b"(~a +get %R~b)".to_vec(), b"x".to_vec()]);
        assert_eq!(merge_selector_args(&argv("(~a +get")), Err(0));
        let u = user(&["(~a +get %R~b)", "(+set)"]);
        assert_eq!(
            u.describe(),
            "off resetchannels -@all (~a %R~b resetchannels -@all +get) (resetchannels -@all +set)"
        );
    }

    #[test]
    fn permission_checks() {
        let u = user(&["on", "nopass", "~k*", "%R~r*", "%W~w*", "&ch*", "+@all", "-set"]);
        assert_eq!(u.check(spec("get"), &argv("get k1")), Ok(()));
        assert_eq!(u.check(spec("get"), &argv("get r1")), Ok(()));
        assert_eq!(u.check(spec("get"), &argv("get w1")), Err(Denied::Key(1)));
        assert_eq!(u.check(spec("set"), &argv("set k1 v")), Err(Denied::Command));
        assert_eq!(u.check(spec("lpush"), &argv("lpush w1 v")), Ok(()));
        assert_eq!(u.check(spec("lpush"), &argv("lpush r1 v")), Err(Denied::Key(1)));
        assert_eq!(u.check(spec("publish"), &argv("publish ch1 m")), Ok(()));
        assert_eq!(u.check(spec("publish"), &argv("publish x m")), Err(Denied::Channel(1)));
        assert_eq!(u.check(spec("psubscribe"), &argv("psubscribe ch*")), Ok(()));
        assert_eq!(u.check(spec("psubscribe"), &argv("psubscribe ch1")), Err(Denied::Channel(1)));
        // AUTH-like commands (no_auth) are always allowed.
        let none = user(&["on", "nopass"]);
        assert_eq!(none.check(spec("ping"), &argv("ping")), Err(Denied::Command));
        assert_eq!(none.check(spec("hello"), &argv("hello")), Ok(()));
        assert!(!u.check_with_all_keys(spec("get"), &argv("get k1"), true, false));
        let all_read = user(&["%R~*", "~k*", "+@all"]);
        assert!(all_read.check_with_all_keys(spec("get"), &argv("get k1"), true, false));
        assert!(!all_read.check_with_all_keys(spec("get"), &argv("get k1"), true, true));
        // A second selector can allow what the root does not.
        let two = user(&["~a", "+get", "(~b +set)"]);
        assert_eq!(two.check(spec("set"), &argv("set b v")), Ok(()));
        assert_eq!(two.check(spec("set"), &argv("set a v")), Err(Denied::Key(1)));
        // First-arg rules.
        let sel = user(&["-@all", "+select|0"]);
        assert_eq!(sel.check(spec("select"), &argv("select 0")), Ok(()));
        assert_eq!(sel.check(spec("select"), &argv("select 1")), Err(Denied::Command));
    }

    /// Random rule sequences: the rendered rules, applied to a fresh user, rebuild exactly the
    /// same user (Redis aborts when its rendering would not).
    #[test]
    fn rendering_round_trips() {
        const RULES: &[&str] = &[
            "on",
            "off",
            "nopass",
            "resetpass",
            ">a",
            ">b",
            "<a",
            "+@all",
            "-@all",
            "+@string",
            "-@string",
            "+@read",
            "-@write",
            "+@hash",
            "-@dangerous",
            "+@admin",
            "-@fast",
            "+@slow",
            "+get",
            "-get",
            "+set",
            "+config",
            "-config|set",
            "+config|get",
            "+client",
            "-client|kill",
            "+select|0",
            "+select|1",
            "+get|x",
            "-select",
            "~k*",
            "%R~r*",
            "%W~w*",
            "allkeys",
            "resetkeys",
            "&c*",
            "allchannels",
            "resetchannels",
            "(~s* +get)",
            "(+@list -lpush &x)",
            "clearselectors",
            "reset",
            "skip-sanitize-payload",
            "sanitize-payload",
            "allcommands",
            "nocommands",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..150 {
            let mut u = User::new(b"u", false);
            let n = (seed % 12) as usize + 1;
            for _ in 0..n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let op = RULES[(seed % RULES.len() as u64) as usize];
                let _ = u.apply(op.as_bytes(), false);
            }
            let text = u.describe();
            let words = crate::engine::cli::split_args(text.as_bytes()).unwrap_or_default();
            let merged = merge_selector_args(&words).unwrap_or_default();
            let mut v = User::new(b"u", false);
            for w in &merged {
                v.apply(w, false).unwrap_or_else(|e| panic!("{text}: {w:?}: {e:?}"));
            }
            assert_eq!(v.describe(), text);
            assert_eq!(v.selectors.len(), u.selectors.len(), "{text}");
            for (a, b) in u.selectors.iter().zip(&v.selectors) {
                assert_eq!(a.bits, b.bits, "{text}");
                // First args of an allowed command are kept but never matter (nor show).
                let live = |s: &Selector| {
                    s.firstargs
                        .iter()
                        .filter(|(id, _)| !s.bit(**id))
                        .map(|(id, v)| (*id, v.clone()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(live(a), live(b), "{text}");
                assert_eq!(
                    (&a.patterns, a.allkeys, &a.channels, a.allchannels),
                    (&b.patterns, b.allkeys, &b.channels, b.allchannels),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn requirepass_sets_the_default_password() {
        let mut st = AclState::default();
        assert!(st.default_auto_auth());
        st.set_requirepass(b"secret");
        assert!(!st.default_auto_auth());
        assert!(st.user(b"default").is_some_and(|u| u.password_ok(b"secret")));
        st.set_requirepass(b"");
        assert!(st.default_auto_auth());
    }
}
