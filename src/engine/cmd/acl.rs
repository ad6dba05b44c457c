//! Security commands: ACL and its subcommands, and AUTH. Users, rules and the permission
//! checks themselves live in `engine/acl.rs`; the dispatcher runs the checks.

use crate::engine::acl::{self, User, CATEGORIES};
use crate::engine::args::is;
use crate::engine::reply::{errors, CmdResult, RedisError, Reply};
use crate::engine::table::{self, CommandSpec, Group};
use crate::engine::Ctx;

/// What C's `%s` prints of a binary argument: up to the first NUL.
fn c_text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or(b)).into_owned()
}

/// Redis's reply for a subcommand called with the wrong number of arguments.
fn subcommand_syntax_error(ctx: &Ctx) -> RedisError {
    let sub = ctx.argv.get(1).map(|s| c_text(s)).unwrap_or_default();
    let sub: String = sub.chars().take(128).collect();
    let name = ctx.argv.first().map(|s| c_text(s)).unwrap_or_default().to_ascii_uppercase();
    RedisError::err(format!("unknown subcommand or wrong number of arguments for '{sub}'. Try {name} HELP."))
}

/// An error text made safe for one line, as `addReplyErrorSdsSafe` does.
fn one_line(s: String) -> String {
    s.replace(['\r', '\n'], " ")
}

// ---- handlers -------------------------------------------------------------------------------

/// ACL (container; the dispatcher resolves subcommands)
fn acl_container(_ctx: &mut Ctx) -> CmdResult {
    Err(crate::engine::arity_error("acl"))
}

/// ACL SETUSER username [rule ...]: all rules apply, or none.
fn acl_setuser(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let name = argv.get(2).cloned().unwrap_or_default();
    if name.iter().any(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0)) {
        return Err(RedisError::err("Usernames can't contain spaces or null characters"));
    }
    let rules = argv.get(3..).unwrap_or(&[]);
    let merged = acl::merge_selector_args(rules).map_err(|i| {
        let at = rules.get(i).map(|r| c_text(r)).unwrap_or_default();
        RedisError::err(one_line(format!("Unmatched parenthesis in acl selector starting at '{at}'.")))
    })?;
    let old = ctx.eng.acl.users.get(&name).cloned();
    let allchannels = ctx.eng.config.acl_pubsub_allchannels;
    let mut user = old.clone().unwrap_or_else(|| User::new(&name, allchannels));
    for op in &merged {
        if let Err(e) = user.apply(op, allchannels) {
            return Err(RedisError::err(one_line(format!(
                "Error in ACL SETUSER modifier '{}': {}",
                c_text(op),
                e.message()
            ))));
        }
    }
    ctx.eng.acl.users.insert(name, user);
    if let Some(old) = old {
        ctx.eng.kill_pubsub_clients_if_needed(&old);
    }
    Ok(Reply::ok())
}

/// ACL DELUSER username [username ...]: their connections are closed.
fn acl_deluser(ctx: &mut Ctx) -> CmdResult {
    let names = ctx.argv.get(2..).unwrap_or(&[]);
    if names.iter().any(|n| c_text(n) == "default") {
        return Err(RedisError::err("The 'default' user cannot be removed"));
    }
    let mut deleted = 0;
    for n in names {
        if ctx.eng.acl.users.remove(n).is_some() {
            deleted += 1;
            let victims: Vec<_> = ctx.eng.clients().filter(|c| &c.user == n).map(|c| c.id).collect();
            for v in victims {
                let c = ctx.eng.client_mut(v);
                c.user = b"default".to_vec();
                c.authenticated = false;
                ctx.eng.kill_client(v);
            }
        }
    }
    Ok(Reply::Int(deleted))
}

/// One selector's commands, keys and channels, as GETUSER shows them.
fn selector_fields(s: &acl::Selector) -> Vec<(Reply, Reply)> {
    vec![
        (Reply::bulk_str("commands"), Reply::bulk(s.describe_commands())),
        (Reply::bulk_str("keys"), Reply::bulk(s.keys_text())),
        (Reply::bulk_str("channels"), Reply::bulk(s.channels_text())),
    ]
}

/// ACL GETUSER username
fn acl_getuser(ctx: &mut Ctx) -> CmdResult {
    let name = ctx.argv.get(2).cloned().unwrap_or_default();
    let Some(u) = ctx.eng.acl.user(&name) else {
        return Ok(Reply::Nil);
    };
    let s = Reply::bulk_str;
    let mut fields = vec![
        (s("flags"), Reply::Set(u.flags().into_iter().map(s).collect())),
        (s("passwords"), Reply::Array(u.passwords.iter().map(|p| s(p)).collect())),
    ];
    if let Some(root) = u.selectors.first() {
        fields.extend(selector_fields(root));
    }
    let selectors = u.selectors.iter().skip(1).map(|sel| Reply::Map(selector_fields(sel))).collect();
    fields.push((s("selectors"), Reply::Array(selectors)));
    Ok(Reply::Map(fields))
}

/// ACL LIST
fn acl_list(ctx: &mut Ctx) -> CmdResult {
    let lines = ctx.eng.acl.users.values().map(|u| {
        let mut line = b"user ".to_vec();
        line.extend_from_slice(&u.name);
        line.push(b' ');
        line.extend_from_slice(u.describe().as_bytes());
        line
    });
    Ok(Reply::bulks(lines.collect::<Vec<_>>()))
}

/// ACL USERS
fn acl_users(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::bulks(ctx.eng.acl.users.keys().cloned().collect::<Vec<_>>()))
}

/// ACL WHOAMI
fn acl_whoami(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::bulk(ctx.client().user.clone()))
}

/// ACL LOAD / ACL SAVE: there is never an ACL file.
fn acl_no_file(_ctx: &mut Ctx) -> CmdResult {
    Err(RedisError::err(
        "This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.",
    ))
}

/// ACL CAT [category]
fn acl_cat(ctx: &mut Ctx) -> CmdResult {
    match ctx.argv.len() {
        2 => Ok(Reply::bulks(CATEGORIES.iter().map(|c| c.as_bytes().to_vec()).collect::<Vec<_>>())),
        3 => {
            let raw = ctx.argv.get(2).cloned().unwrap_or_default();
            let cat = String::from_utf8_lossy(&raw).to_ascii_lowercase();
            if !CATEGORIES.contains(&cat.as_str()) {
                let shown: String = c_text(&raw).chars().take(128).collect();
                return Err(RedisError::err(format!("Unknown category '{shown}'")));
            }
            let tag = format!("@{cat}");
            let mut names = Vec::new();
            for c in table::all() {
                for spec in std::iter::once(c).chain(c.subcommands.iter()) {
                    if spec.acl.contains(&tag.as_str()) {
                        names.push(spec.name.as_bytes().to_vec());
                    }
                }
            }
            Ok(Reply::bulks(names))
        }
        _ => Err(subcommand_syntax_error(ctx)),
    }
}

/// ACL GENPASS [bits]: random hex from the engine's generator.
fn acl_genpass(ctx: &mut Ctx) -> CmdResult {
    let bits = match ctx.argv.len() {
        2 => 256,
        3 => crate::engine::num::parse_i64(ctx.argv.get(2).map(|v| v.as_slice()).unwrap_or_default())
            .ok_or_else(|| RedisError::raw(errors::NOT_INTEGER))?,
        _ => return Err(subcommand_syntax_error(ctx)),
    };
    if bits <= 0 || bits > 4096 {
        return Err(RedisError::err(
            "ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
        ));
    }
    let chars = (bits + 3) / 4;
    let hex = b"0123456789abcdef";
    let mut out = Vec::new();
    for _ in 0..chars {
        let d = ctx.eng.rng.below(16) as usize;
        out.push(hex.get(d).copied().unwrap_or(b'0'));
    }
    Ok(Reply::Bulk(out))
}

/// ACL LOG [count | RESET]
fn acl_log(ctx: &mut Ctx) -> CmdResult {
    let mut count: i64 = 10;
    match ctx.argv.len() {
        2 => {}
        3 => {
            let arg = ctx.argv.get(2).cloned().unwrap_or_default();
            if is(&arg, "reset") {
                ctx.eng.acl.log.clear();
                return Ok(Reply::ok());
            }
            count = crate::engine::num::parse_i64(&arg).ok_or_else(|| RedisError::raw(errors::NOT_INTEGER))?.max(0);
        }
        _ => return Err(subcommand_syntax_error(ctx)),
    }
    let now = ctx.now_ms();
    let s = Reply::bulk_str;
    let entries = ctx
        .eng
        .acl
        .log
        .iter()
        .take(usize::try_from(count).unwrap_or(usize::MAX))
        .map(|e| {
            Reply::Map(vec![
                (s("count"), Reply::Int(e.count as i64)),
                (s("reason"), s(e.reason)),
                (s("context"), s(e.context.name())),
                (s("object"), Reply::bulk(e.object.clone())),
                (s("username"), Reply::bulk(e.username.clone())),
                (s("age-seconds"), Reply::Double((now - e.ctime_ms) as f64 / 1000.0)),
                (s("client-info"), Reply::bulk(e.client_info.clone())),
            ])
        })
        .collect();
    Ok(Reply::Array(entries))
}

/// ACL DRYRUN username command [arg ...]: would the user be allowed to run it?
fn acl_dryrun(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let name = argv.get(2).cloned().unwrap_or_default();
    let Some(user) = ctx.eng.acl.user(&name) else {
        return Err(RedisError::err(format!("User '{}' not found", c_text(&name))));
    };
    let line = argv.get(3..).unwrap_or(&[]);
    let not_found =
        || RedisError::err(format!("Command '{}' not found", line.first().map(|c| c_text(c)).unwrap_or_default()));
    let base = line.first().and_then(|n| table::lookup(n)).ok_or_else(not_found)?;
    let cmd: &CommandSpec = match (base.subcommands.is_empty(), line.get(1)) {
        (false, Some(sub)) => base.subcommand(sub).ok_or_else(not_found)?,
        _ => base,
    };
    if !cmd.arity_ok(line.len()) {
        return Err(crate::engine::arity_error(cmd.name));
    }
    Ok(match user.check(cmd, line) {
        Ok(()) => Reply::ok(),
        Err(acl::Denied::Command) => {
            Reply::bulk(format!("This user has no permissions to run the '{}' command", cmd.name))
        }
        Err(acl::Denied::Key(i)) => Reply::bulk(format!(
            "This user has no permissions to access the '{}' key",
            line.get(i).map(|k| c_text(k)).unwrap_or_default()
        )),
        Err(acl::Denied::Channel(i)) => Reply::bulk(format!(
            "This user has no permissions to access the '{}' channel",
            line.get(i).map(|k| c_text(k)).unwrap_or_default()
        )),
    })
}

/// ACL HELP
fn acl_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(super::connection::help_reply(&[
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Prints this help.",
    ]))
}

/// AUTH [username] password
fn auth(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    if argv.len() > 3 {
        return Err(RedisError::syntax());
    }
    let (user, password) = match (argv.get(1), argv.get(2)) {
        (Some(p), None) => {
            if ctx.eng.acl.user(b"default").is_some_and(|u| u.nopass) {
                return Err(RedisError::err(
                    "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
                ));
            }
            (b"default".to_vec(), p.clone())
        }
        (Some(u), Some(p)) => (u.clone(), p.clone()),
        _ => return Err(crate::engine::arity_error("auth")),
    };
    let object = argv.first().cloned().unwrap_or_default();
    if ctx.eng.authenticate(ctx.client, &user, &password, &object) {
        Ok(Reply::ok())
    } else {
        Err(RedisError::raw(WRONGPASS))
    }
}

/// The reply to a failed AUTH or HELLO AUTH.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

// ---- table ----------------------------------------------------------------------------------

const ADMIN_FLAGS: &[&str] = &["admin", "noscript", "loading", "stale"];
const ADMIN_ACL: &[&str] = &["@admin", "@slow", "@dangerous"];
const USER_FLAGS: &[&str] = &["noscript", "loading", "stale"];
const SLOW: &[&str] = &["@slow"];

/// A keyless entry of the server group (`CommandSpec::keyless`).
macro_rules! sub {
    ($($arg:expr),* $(,)?) => {
        CommandSpec::keyless(Group::Server, $($arg),*)
    };
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "acl",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: SLOW,
        group: Group::Server,
        since: "6.0.0",
        syntax: "",
        summary: "Groups the commands that manage users and their permissions.",
        complexity: "Depends on subcommand.",
        handler: acl_container,
        subcommands: &[
            sub!(
                "acl|cat",
                -2,
                USER_FLAGS,
                SLOW,
                "6.0.0",
                "[categoryname]",
                "Lists the ACL categories, or the commands in one category.",
                "O(1) since the categories and commands are a fixed set.",
                acl_cat
            ),
            sub!(
                "acl|deluser",
                -3,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "6.0.0",
                "username [username ...]",
                "Deletes users and closes the connections authenticated as them.",
                "O(1) amortized time considering the typical user.",
                acl_deluser
            ),
            sub!(
                "acl|dryrun",
                -4,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "7.0.0",
                "username command [arg [arg ...]]",
                "Tells whether a user could run a command line, without running it.",
                "O(1).",
                acl_dryrun
            ),
            sub!(
                "acl|genpass",
                -2,
                USER_FLAGS,
                SLOW,
                "6.0.0",
                "[bits]",
                "Makes a random password in hex (256 bits unless told otherwise).",
                "O(1)",
                acl_genpass
            ),
            sub!(
                "acl|getuser",
                3,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "6.0.0",
                "username",
                "Shows a user's flags, password hashes, command rules, key and channel patterns and selectors.",
                "O(N). Where N is the number of password, command and pattern rules that the user has.",
                acl_getuser
            ),
            sub!(
                "acl|help",
                2,
                &["loading", "stale"],
                SLOW,
                "6.0.0",
                "",
                "Describes the ACL subcommands.",
                "O(1)",
                acl_help
            ),
            sub!(
                "acl|list",
                2,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "6.0.0",
                "",
                "Lists every user with its rules, as a configuration file would hold them.",
                "O(N). Where N is the number of configured users.",
                acl_list
            ),
            sub!(
                "acl|load",
                2,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "6.0.0",
                "",
                "Reloads users from the ACL file (the playground has none).",
                "O(N). Where N is the number of configured users.",
                acl_no_file
            ),
            sub!(
                "acl|log",
                -2,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "6.0.0",
                "[count|RESET]",
                "Shows the most recent denied commands, keys, channels and logins, or clears them.",
                "O(N) with N being the number of entries shown.",
                acl_log
            ),
            sub!(
                "acl|save",
                2,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "6.0.0",
                "",
                "Writes users to the ACL file (the playground has none).",
                "O(N). Where N is the number of configured users.",
                acl_no_file
            ),
            sub!(
                "acl|setuser",
                -3,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "6.0.0",
                "username [rule [rule ...]]",
                "Creates a user or changes its rules; either every rule applies or none does.",
                "O(N). Where N is the number of rules provided.",
                acl_setuser
            ),
            sub!(
                "acl|users",
                2,
                ADMIN_FLAGS,
                ADMIN_ACL,
                "6.0.0",
                "",
                "Lists the user names.",
                "O(N). Where N is the number of configured users.",
                acl_users
            ),
            sub!(
                "acl|whoami",
                2,
                USER_FLAGS,
                SLOW,
                "6.0.0",
                "",
                "Tells which user the connection runs as.",
                "O(1)",
                acl_whoami
            ),
        ],
    },
    CommandSpec {
        name: "auth",
        arity: -2,
        flags: &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@fast", "@connection"],
        group: Group::Connection,
        since: "1.0.0",
        syntax: "[username] password",
        summary: "Logs the connection in as a user (the default user when only a password is given).",
        complexity: "O(N) where N is the number of passwords defined for the user",
        handler: auth,
        subcommands: &[],
    },
];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    use crate::engine::test_run as run;

    fn err(r: Reply) -> String {
        r.error_text().unwrap_or("").to_string()
    }

    #[test]
    fn setuser_auth_and_checks() {
        let (mut e, _) = Engine::with_virtual_clock();
        let admin = e.connect();
        let c = e.connect();
        assert_eq!(run(&mut e, admin, "acl setuser alice on >pw ~a* +get"), Reply::ok());
        assert_eq!(run(&mut e, c, "auth alice nope"), Reply::Error(super::WRONGPASS.into()));
        assert_eq!(run(&mut e, c, "auth alice pw"), Reply::ok());
        assert_eq!(
            run(&mut e, c, "acl whoami"),
            Reply::Error("NOPERM this user has no permissions to run the 'acl|whoami' command".into())
        );
        assert_eq!(run(&mut e, c, "get a1"), Reply::Nil);
        assert!(err(run(&mut e, c, "get b1")).contains("one of the keys"));
        // Denied inside MULTI: rejected at queue time, the transaction is spoiled.
        assert_eq!(
            run(&mut e, c, "multi"),
            Reply::Error("NOPERM this user has no permissions to run the 'multi' command".into())
        );
        match run(&mut e, admin, "acl log") {
            Reply::Array(v) => assert_eq!(v.len(), 4),
            other => panic!("{other:?}"),
        }
        assert_eq!(run(&mut e, admin, "acl deluser alice"), Reply::Int(1));
        assert!(e.client_closing(c));
        assert_eq!(err(run(&mut e, admin, "acl deluser default")), "ERR The 'default' user cannot be removed");
    }

    #[test]
    fn requirepass_and_noauth() {
        let (mut e, _) = Engine::with_virtual_clock();
        let admin = e.connect();
        assert_eq!(run(&mut e, admin, "config set requirepass s3cret"), Reply::ok());
        let c = e.connect();
        assert_eq!(err(run(&mut e, c, "get k")), "NOAUTH Authentication required.");
        assert_eq!(run(&mut e, c, "auth wrong"), Reply::Error(super::WRONGPASS.into()));
        assert_eq!(run(&mut e, c, "auth s3cret"), Reply::ok());
        assert_eq!(run(&mut e, c, "get k"), Reply::Nil);
        assert_eq!(run(&mut e, admin, "config set requirepass \"\""), Reply::ok());
        assert!(err(run(&mut e, admin, "auth x")).starts_with("ERR AUTH <password> called without"));
    }

    #[test]
    fn secrets_are_redacted_in_the_slow_log() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "config set slowlog-log-slower-than 0");
        run(&mut e, c, "acl setuser zz on >p ~*");
        run(&mut e, c, "auth zz p");
        run(&mut e, c, "hello 2 auth zz p setname n");
        let shown = format!("{:?}", run(&mut e, c, "slowlog get 3"));
        assert!(!shown.contains("Bulk([112])"), "{shown}");
        let r = |words: &[&str]| {
            let argv: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
            crate::engine::acl::redact_for_logs(&table_name(words), &argv)
                .map(|v| v.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" "))
        };
        assert_eq!(r(&["auth", "pw"]).as_deref(), Some("auth (redacted)"));
        assert_eq!(r(&["auth", "u", "pw"]).as_deref(), Some("auth (redacted) (redacted)"));
        assert_eq!(r(&["auth", "a", "b", "c"]), None);
        assert_eq!(
            r(&["hello", "3", "auth", "u", "p", "setname", "x"]).as_deref(),
            Some("hello 3 auth (redacted) (redacted) setname x")
        );
        assert_eq!(r(&["hello", "9", "auth", "u", "p"]), None);
        assert_eq!(r(&["acl", "setuser", "u", ">p"]).as_deref(), Some("acl setuser (redacted) (redacted)"));
        assert_eq!(r(&["get", "k"]), None);
        assert_eq!(
            r(&["config", "set", "hz", "5", "REQUIREPASS", "pw"]).as_deref(),
            Some("config set hz 5 REQUIREPASS (redacted)")
        );
        assert_eq!(r(&["config", "set", "requirepass"]), None);
    }

    fn table_name(words: &[&str]) -> String {
        match words {
            ["acl", sub, ..] => format!("acl|{sub}"),
            ["config", sub, ..] => format!("config|{sub}"),
            [w, ..] => w.to_string(),
            [] => String::new(),
        }
    }

    #[test]
    fn genpass_lengths() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        assert!(matches!(run(&mut e, c, "acl genpass"), Reply::Bulk(b) if b.len() == 64));
        assert!(matches!(run(&mut e, c, "acl genpass 5"), Reply::Bulk(b) if b.len() == 2));
        assert!(err(run(&mut e, c, "acl genpass 0")).starts_with("ERR ACL GENPASS argument"));
    }
}
