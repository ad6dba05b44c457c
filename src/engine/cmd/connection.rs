//! Connection commands: PING, ECHO, SELECT, QUIT, RESET, HELLO and the CLIENT family.

use crate::engine::args::is;
use crate::engine::reply::{errors, CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{Client, ClientId, Ctx, Engine, DATABASES, REDIS_VERSION};

// ---- client helpers -------------------------------------------------------------------------

/// Redis accepts client names made only of printable, non-space ASCII ('!' to '~').
fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// CLIENT SETNAME's (and HELLO SETNAME's) check and update; an empty name clears it.
fn set_client_name(ctx: &mut Ctx, name: &[u8]) -> Result<(), RedisError> {
    if !valid_client_name(name) {
        return Err(RedisError::err("Client names cannot contain spaces, newlines or special characters."));
    }
    ctx.client().name = if name.is_empty() { None } else { Some(name.to_vec()) };
    Ok(())
}

/// One CLIENT LIST line (without its trailing newline), with Redis 7.0's fields in order.
/// Buffer sizes and memory figures are plausible constants: the engine has no socket buffers.
pub fn client_info_line(eng: &Engine, c: &Client, now_ms: i64) -> String {
    let name = c.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
    let age = (now_ms - c.created_ms).max(0) / 1000;
    let idle = (now_ms - c.last_interaction_ms).max(0) / 1000;
    let (flags, counts) = eng.session_fields(c.id);
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} {} \
         qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 \
         tot-mem=37658 events=r cmd={} user={} redir={} resp={}",
        c.id,
        c.addr,
        c.laddr,
        c.id + 7,
        name,
        age,
        idle,
        flags,
        c.db,
        counts,
        c.last_cmd,
        String::from_utf8_lossy(&c.user),
        eng.tracker(c.id).map_or(-1, |t| t.redirect as i64),
        c.resp
    )
}

/// The client types Redis knows, for the TYPE filters: `Some(true)` selects subscribed
/// clients (`pubsub`), `Some(false)` the others (`normal`), `None` nobody (no replication here).
fn client_type_matches(kind: &[u8]) -> Result<Option<bool>, RedisError> {
    if is(kind, "normal") {
        Ok(Some(false))
    } else if is(kind, "pubsub") {
        Ok(Some(true))
    } else if ["master", "replica", "slave"].iter().any(|t| is(kind, t)) {
        Ok(None)
    } else {
        Err(RedisError::err(format!("Unknown client type '{}'", String::from_utf8_lossy(kind))))
    }
}

/// Whether a client passes a TYPE filter (`None` = no filter given).
fn type_filter(eng: &Engine, id: ClientId, filter: Option<Option<bool>>) -> bool {
    match filter {
        None => true,
        Some(None) => false,
        Some(Some(pubsub)) => (eng.pubsub.total(id) > 0) == pubsub,
    }
}

// ---- handlers -------------------------------------------------------------------------------

/// PING [message]
fn ping(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    if a.remaining() > 1 {
        return Err(crate::engine::arity_error("ping"));
    }
    // A subscribed RESP2 connection gets PING's answer in the shape of a pushed message.
    if ctx.eng.in_subscribed_mode(ctx.client) {
        let msg = a.next_opt().unwrap_or_default().to_vec();
        return Ok(Reply::Array(vec![Reply::bulk_str("pong"), Reply::bulk(msg)]));
    }
    Ok(match a.next_opt() {
        Some(msg) => Reply::bulk(msg),
        None => Reply::status("PONG"),
    })
}

/// ECHO message
fn echo(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::bulk(ctx.args().next()?))
}

/// SELECT index
fn select(ctx: &mut Ctx) -> CmdResult {
    let n = ctx.args().int().map_err(|_| RedisError::raw(errors::NOT_INTEGER))?;
    if i32::try_from(n).is_err() {
        return Err(RedisError::err("value is out of range, value must between -2147483648 and 2147483647"));
    }
    if n < 0 || n >= DATABASES as i64 {
        return Err(RedisError::raw(errors::DB_INDEX));
    }
    ctx.client().db = n as usize;
    Ok(Reply::ok())
}

/// QUIT: replies OK, then the connection closes (arguments are ignored, as in Redis).
fn quit(ctx: &mut Ctx) -> CmdResult {
    ctx.client().closing = true;
    Ok(Reply::ok())
}

/// RESET: back to a fresh connection's state (database 0, no name, RESP2).
fn reset(ctx: &mut Ctx) -> CmdResult {
    // Leaves MULTI, forgets WATCHed keys and drops every subscription, silently.
    let id = ctx.client;
    ctx.eng.reset_session(id);
    let c = ctx.client();
    c.db = 0;
    c.name = None;
    c.resp = 2;
    // Back to the default user, authenticated only if it needs no password.
    c.user = b"default".to_vec();
    let auto = ctx.eng.acl.default_auto_auth();
    ctx.client().authenticated = auto;
    Ok(Reply::status("RESET"))
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
fn hello(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let mut version = None;
    if let Some(v) = argv.get(1) {
        let v = crate::engine::num::parse_i64(v)
            .ok_or_else(|| RedisError::err("Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&v) {
            return Err(RedisError::raw("NOPROTO unsupported protocol version"));
        }
        version = Some(v as u8);
    }
    // Options act in order as they are read: a name set before a failing option stays set.
    let mut j = 2;
    while let Some(opt) = argv.get(j) {
        let more = argv.len() - 1 - j;
        if is(opt, "AUTH") && more >= 2 {
            let object = argv.first().cloned().unwrap_or_default();
            if !ctx.eng.authenticate(ctx.client, &argv[j + 1], &argv[j + 2], &object) {
                return Err(RedisError::raw(super::acl::WRONGPASS));
            }
            j += 3;
        } else if is(opt, "SETNAME") && more >= 1 {
            set_client_name(ctx, &argv[j + 1])?;
            j += 2;
        } else {
            return Err(RedisError::err(format!("Syntax error in HELLO option '{}'", String::from_utf8_lossy(opt))));
        }
    }
    let id = ctx.client;
    // Redis tests the connection's own flag here, not whether authentication is required.
    if !ctx.client().authenticated {
        return Err(RedisError::raw(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        ));
    }
    let c = ctx.client();
    if let Some(v) = version {
        c.resp = v;
    }
    let proto = c.resp;
    let s = Reply::bulk_str;
    Ok(Reply::Map(vec![
        (s("server"), s("redis")),
        (s("version"), s(REDIS_VERSION)),
        (s("proto"), Reply::Int(i64::from(proto))),
        (s("id"), Reply::Int(id as i64)),
        (s("mode"), s("standalone")),
        (s("role"), s("master")),
        (s("modules"), Reply::empty_array()),
    ]))
}

/// CLIENT (container; the dispatcher resolves subcommands)
fn client(_ctx: &mut Ctx) -> CmdResult {
    Err(crate::engine::arity_error("client"))
}

/// CLIENT ID
fn client_id(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Int(ctx.client as i64))
}

/// CLIENT SETNAME connection-name
fn client_setname(ctx: &mut Ctx) -> CmdResult {
    let name = ctx.args().next()?;
    set_client_name(ctx, name)?;
    Ok(Reply::ok())
}

/// CLIENT GETNAME
fn client_getname(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::opt_bulk(ctx.client().name.clone()))
}

/// CLIENT INFO
fn client_info(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.now_ms();
    let me = ctx.client().clone();
    let line = client_info_line(ctx.eng, &me, now);
    Ok(Reply::Verbatim("txt".into(), format!("{line}\n").into_bytes()))
}

/// CLIENT LIST [TYPE type] [ID id [id ...]]
fn client_list(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let mut ids: Option<Vec<i64>> = None;
    let mut filter = None;
    if argv.len() == 4 && is(&argv[2], "type") {
        filter = Some(client_type_matches(&argv[3])?);
    } else if argv.len() > 3 && is(&argv[2], "id") {
        let mut v = Vec::new();
        for a in &argv[3..] {
            v.push(crate::engine::num::parse_i64(a).ok_or_else(|| RedisError::err("Invalid client ID"))?);
        }
        ids = Some(v);
    } else if argv.len() != 2 {
        return Err(RedisError::syntax());
    }
    let now = ctx.now_ms();
    let mut out = String::new();
    for c in ctx.eng.clients() {
        if ids.as_ref().is_some_and(|ids| !ids.contains(&(c.id as i64))) || !type_filter(ctx.eng, c.id, filter) {
            continue;
        }
        out.push_str(&client_info_line(ctx.eng, c, now));
        out.push('\n');
    }
    Ok(Reply::Verbatim("txt".into(), out.into_bytes()))
}

/// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port]
/// [LADDR ip:port] [SKIPME yes/no] ...
fn client_kill(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let old_style = argv.len() == 3;
    let mut id: Option<u64> = None;
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut filter = None;
    let mut skipme = true;
    let mut user: Option<&[u8]> = None;
    if old_style {
        addr = Some(&argv[2]);
        skipme = false;
    } else if argv.len().is_multiple_of(2) {
        let mut i = 2;
        while let (Some(opt), Some(val)) = (argv.get(i), argv.get(i + 1)) {
            if is(opt, "id") {
                match crate::engine::num::parse_i64(val) {
                    Some(n) if n >= 1 => id = Some(n as u64),
                    _ => return Err(RedisError::err("client-id should be greater than 0")),
                }
            } else if is(opt, "type") {
                filter = Some(client_type_matches(val)?);
            } else if is(opt, "addr") {
                addr = Some(val);
            } else if is(opt, "laddr") {
                laddr = Some(val);
            } else if is(opt, "user") {
                if ctx.eng.acl.user(val).is_none() {
                    return Err(RedisError::err(format!("No such user '{}'", String::from_utf8_lossy(val))));
                }
                user = Some(val);
            } else if is(opt, "skipme") {
                if is(val, "yes") {
                    skipme = true;
                } else if is(val, "no") {
                    skipme = false;
                } else {
                    return Err(RedisError::syntax());
                }
            } else {
                return Err(RedisError::syntax());
            }
            i += 2;
        }
    } else {
        return Err(RedisError::syntax());
    }
    let me = ctx.client;
    let victims: Vec<ClientId> = ctx
        .eng
        .clients()
        .filter(|c| !c.closing && type_filter(ctx.eng, c.id, filter))
        .filter(|c| addr.is_none_or(|a| a == c.addr.as_bytes()))
        .filter(|c| laddr.is_none_or(|a| a == c.laddr.as_bytes()))
        .filter(|c| id.is_none_or(|i| i == c.id))
        .filter(|c| user.is_none_or(|u| u == c.user.as_slice()))
        .filter(|c| !(skipme && c.id == me))
        .map(|c| c.id)
        .collect();
    for v in &victims {
        ctx.eng.client_mut(*v).closing = true;
        // Redis frees a killed client before serving anyone else: its subscriptions, watches
        // and waits end now, not when its connection notices.
        ctx.eng.reset_session(*v);
        ctx.eng.forget_blocked(*v);
    }
    if old_style {
        if victims.is_empty() {
            return Err(RedisError::err("No such client"));
        }
        return Ok(Reply::ok());
    }
    Ok(Reply::Int(victims.len() as i64))
}

/// CLIENT HELP
fn client_help(_ctx: &mut Ctx) -> CmdResult {
    Ok(help_reply(CLIENT_HELP))
}

/// A HELP reply: one status line per text line.
pub fn help_reply(lines: &[&str]) -> Reply {
    Reply::Array(lines.iter().map(|l| Reply::status(l)).collect())
}

/// CLIENT HELP's text, line for line as Redis 7.0 prints it (clients depend on the reply).
const CLIENT_HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
];

// ---- table ----------------------------------------------------------------------------------

/// The flags and categories every CLIENT subcommand shares, by access level.
const CLIENT_FLAGS: &[&str] = &["noscript", "loading", "stale"];
const CLIENT_ADMIN_FLAGS: &[&str] = &["admin", "noscript", "loading", "stale"];
const CLIENT_ACL: &[&str] = &["@slow", "@connection"];
const CLIENT_ADMIN_ACL: &[&str] = &["@admin", "@slow", "@dangerous", "@connection"];

/// The immediate, flag-less connection commands' shared fields.
const HANDSHAKE_FLAGS: &[&str] = &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"];

/// A keyless entry of the connection group (`CommandSpec::keyless`).
macro_rules! sub {
    ($($arg:expr),* $(,)?) => {
        CommandSpec::keyless(Group::Connection, $($arg),*)
    };
}

pub const COMMANDS: &[CommandSpec] = &[
    sub!(
        "ping",
        -1,
        &["fast"],
        &["@fast", "@connection"],
        "1.0.0",
        "[message]",
        "Checks the connection: replies PONG, or echoes the message given.",
        "O(1)",
        ping
    ),
    sub!(
        "echo",
        2,
        &["loading", "stale", "fast"],
        &["@fast", "@connection"],
        "1.0.0",
        "message",
        "Replies with the message it was given.",
        "O(1)",
        echo
    ),
    sub!(
        "select",
        2,
        &["loading", "stale", "fast"],
        &["@fast", "@connection"],
        "1.0.0",
        "index",
        "Switches this connection to another numbered database (0 to 15).",
        "O(1)",
        select
    ),
    sub!(
        "quit",
        -1,
        HANDSHAKE_FLAGS,
        &["@fast", "@connection"],
        "1.0.0",
        "",
        "Asks the server to close this connection once the reply is sent.",
        "O(1)",
        quit
    ),
    sub!(
        "reset",
        1,
        HANDSHAKE_FLAGS,
        &["@fast", "@connection"],
        "6.2.0",
        "",
        "Returns this connection to its initial state: database 0, no name, RESP2.",
        "O(1)",
        reset
    ),
    sub!(
        "hello",
        -1,
        HANDSHAKE_FLAGS,
        &["@fast", "@connection"],
        "6.0.0",
        "[protover [AUTH username password] [SETNAME clientname]]",
        "Negotiates the protocol version (2 or 3), optionally authenticates and names the connection, and describes the server.",
        "O(1)",
        hello
    ),
    CommandSpec {
        name: "client",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::Connection,
        since: "2.4.0",
        syntax: "",
        summary: "Groups the commands that inspect and manage client connections.",
        complexity: "Depends on subcommand.",
        handler: client,
        subcommands: &[
            sub!(
                "client|id",
                2,
                CLIENT_FLAGS,
                CLIENT_ACL,
                "5.0.0",
                "",
                "Returns the numeric id of this connection.",
                "O(1)",
                client_id
            ),
            sub!(
                "client|info",
                2,
                CLIENT_FLAGS,
                CLIENT_ACL,
                "6.2.0",
                "",
                "Describes this connection in one CLIENT LIST line.",
                "O(1)",
                client_info
            ),
            sub!(
                "client|setname",
                3,
                CLIENT_FLAGS,
                CLIENT_ACL,
                "2.6.9",
                "connection-name",
                "Names this connection; an empty name removes the name.",
                "O(1)",
                client_setname
            ),
            sub!(
                "client|getname",
                2,
                CLIENT_FLAGS,
                CLIENT_ACL,
                "2.6.9",
                "",
                "Returns the name given to this connection, or nil.",
                "O(1)",
                client_getname
            ),
            sub!(
                "client|list",
                -2,
                CLIENT_ADMIN_FLAGS,
                CLIENT_ADMIN_ACL,
                "2.4.0",
                "[TYPE NORMAL | MASTER | REPLICA | PUBSUB] [ID client-id [client-id ...]]",
                "Lists the open connections, one line of fields each, optionally filtered by type or id.",
                "O(N) where N is the number of client connections",
                client_list
            ),
            sub!(
                "client|kill",
                -3,
                CLIENT_ADMIN_FLAGS,
                CLIENT_ADMIN_ACL,
                "2.4.0",
                "ip:port | [ID client-id] [TYPE NORMAL | MASTER | SLAVE | REPLICA | PUBSUB] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME yes/no]",
                "Closes the connections matching an address or a set of filters.",
                "O(N) where N is the number of client connections",
                client_kill
            ),
            sub!(
                "client|pause",
                -3,
                CLIENT_ADMIN_FLAGS,
                CLIENT_ADMIN_ACL,
                "3.0.0",
                "timeout [WRITE | ALL]",
                "Holds back every client's commands (or only writes) for some milliseconds.",
                "O(1)",
                super::clientctl::client_pause
            ),
            sub!(
                "client|unpause",
                2,
                CLIENT_ADMIN_FLAGS,
                CLIENT_ADMIN_ACL,
                "6.2.0",
                "",
                "Ends a CLIENT PAUSE early; the held commands run.",
                "O(N) Where N is the number of paused clients",
                super::clientctl::client_unpause
            ),
            sub!(
                "client|no-evict",
                3,
                CLIENT_ADMIN_FLAGS,
                CLIENT_ADMIN_ACL,
                "7.0.0",
                "ON | OFF",
                "Exempts this connection from client eviction.",
                "O(1)",
                super::clientctl::client_no_evict
            ),
            sub!(
                "client|unblock",
                -3,
                CLIENT_ADMIN_FLAGS,
                CLIENT_ADMIN_ACL,
                "5.0.0",
                "client-id [TIMEOUT | ERROR]",
                "Answers a client waiting in a blocking command at once: as a timeout, or with an error.",
                "O(log N) where N is the number of client connections",
                super::clientctl::client_unblock
            ),
            sub!(
                "client|tracking",
                -3,
                CLIENT_FLAGS,
                CLIENT_ACL,
                "6.0.0",
                "ON | OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]",
                "Turns server-assisted client-side caching (invalidation messages) on or off.",
                "O(1). Some options may introduce additional complexity.",
                super::clientctl::client_tracking
            ),
            sub!(
                "client|caching",
                3,
                CLIENT_FLAGS,
                CLIENT_ACL,
                "6.0.0",
                "YES | NO",
                "Says whether the next command's keys are tracked (OPTIN / OPTOUT modes).",
                "O(1)",
                super::clientctl::client_caching
            ),
            sub!(
                "client|getredir",
                2,
                CLIENT_FLAGS,
                CLIENT_ACL,
                "6.0.0",
                "",
                "Returns the client id invalidation messages are redirected to, 0 or -1.",
                "O(1)",
                super::clientctl::client_getredir
            ),
            sub!(
                "client|trackinginfo",
                2,
                CLIENT_FLAGS,
                CLIENT_ACL,
                "6.2.0",
                "",
                "Describes this connection's client-side caching settings.",
                "O(1)",
                super::clientctl::client_trackinginfo
            ),
            sub!(
                "client|help",
                2,
                &["loading", "stale"],
                CLIENT_ACL,
                "5.0.0",
                "",
                "Lists the CLIENT subcommands.",
                "O(1)",
                client_help
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    use crate::engine::test_run as run;

    #[test]
    fn client_list_has_redis_fields_in_order() {
        let (mut e, clock) = Engine::with_virtual_clock();
        let c = e.connect_from("10.0.0.1:5000", "10.0.0.2:6379");
        run(&mut e, c, "client setname app");
        run(&mut e, c, "select 3");
        clock.advance_ms(2500);
        let Reply::Verbatim(fmt, body) = run(&mut e, c, "client list") else { panic!("not verbatim") };
        assert_eq!(fmt, "txt");
        let text = String::from_utf8(body).unwrap();
        assert!(text.ends_with('\n'));
        let keys: Vec<&str> = text.trim_end().split(' ').map(|f| f.split('=').next().unwrap()).collect();
        assert_eq!(
            keys.join(" "),
            "id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem \
             multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp"
        );
        assert!(text.starts_with(&format!("id={c} addr=10.0.0.1:5000 laddr=10.0.0.2:6379 ")));
        assert!(text.contains(" name=app age=2 idle=0 flags=N db=3 "));
        assert!(text.contains(" cmd=client|list user=default redir=-1 resp=2\n"));
    }

    #[test]
    fn client_list_filters_and_info() {
        let (mut e, _) = Engine::with_virtual_clock();
        let a = e.connect();
        let b = e.connect();
        let Reply::Verbatim(_, all) = run(&mut e, a, "client list") else { panic!() };
        assert_eq!(String::from_utf8(all).unwrap().lines().count(), 2);
        let Reply::Verbatim(_, one) = run(&mut e, a, &format!("client list id {b}")) else { panic!() };
        assert!(String::from_utf8(one).unwrap().starts_with(&format!("id={b} ")));
        let Reply::Verbatim(_, none) = run(&mut e, a, "client list type pubsub") else { panic!() };
        assert!(none.is_empty());
        let Reply::Verbatim(_, me) = run(&mut e, b, "client info") else { panic!() };
        assert!(String::from_utf8(me).unwrap().contains(" cmd=client|info "));
    }

    #[test]
    fn kill_marks_the_victim_closing() {
        let (mut e, _) = Engine::with_virtual_clock();
        let a = e.connect_from("1.1.1.1:1", "x:1");
        let b = e.connect_from("2.2.2.2:2", "x:1");
        assert_eq!(run(&mut e, a, &format!("client kill id {b}")), Reply::Int(1));
        assert!(e.client_closing(b));
        assert_eq!(run(&mut e, a, "client kill 9.9.9.9:9"), Reply::Error("ERR No such client".into()));
        assert_eq!(run(&mut e, a, "client kill 1.1.1.1:1"), Reply::ok());
        assert!(e.client_closing(a));
    }

    #[test]
    fn hello_bytes_match_redis() {
        use crate::engine::resp::encode;
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        let body = |proto: u8, id: u64| {
            format!(
                "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:{proto}\r\n\
                 $2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n\
                 $7\r\nmodules\r\n*0\r\n"
            )
        };
        let r3 = run(&mut e, c, "hello 3 setname x");
        assert_eq!(String::from_utf8(encode(&r3, 3)).unwrap(), format!("%7\r\n{}", body(3, c)));
        let r2 = run(&mut e, c, "hello 2");
        assert_eq!(String::from_utf8(encode(&r2, 2)).unwrap(), format!("*14\r\n{}", body(2, c)));
        let r = run(&mut e, c, "hello");
        assert_eq!(String::from_utf8(encode(&r, 2)).unwrap(), format!("*14\r\n{}", body(2, c)));
    }

    #[test]
    fn hello_reset_and_quit() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        let r = run(&mut e, c, "hello 3 setname x");
        assert!(matches!(r, Reply::Map(_)));
        assert_eq!(e.client_protocol(c), 3);
        assert_eq!(run(&mut e, c, "client getname"), Reply::bulk_str("x"));
        assert_eq!(run(&mut e, c, "reset"), Reply::status("RESET"));
        assert_eq!(e.client_protocol(c), 2);
        assert_eq!(run(&mut e, c, "client getname"), Reply::Nil);
        assert_eq!(run(&mut e, c, "quit"), Reply::ok());
        assert!(e.client_closing(c));
    }
}
