//! Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB.
//!
//! A command naming N channels answers with N confirmations. The first is the command's reply;
//! the others go to the client's own pushed queue, which every host writes right after the
//! reply, so the wire carries exactly Redis's sequence (inside EXEC too: the first lands in
//! EXEC's array and the rest follow it, as with Redis).

use crate::engine::pubsub::Kind;
use crate::engine::table::{CommandSpec, Group};
use crate::engine::{CmdResult, Ctx, RedisError, Reply};

/// The confirmation words of each kind: (subscribe, unsubscribe).
fn words(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Channel => ("subscribe", "unsubscribe"),
        Kind::Pattern => ("psubscribe", "punsubscribe"),
        Kind::Shard => ("ssubscribe", "sunsubscribe"),
    }
}

/// The count a confirmation carries: channels plus patterns, or shard channels alone.
fn count(ctx: &Ctx, kind: Kind) -> i64 {
    let subs = ctx.eng.pubsub.of(ctx.client);
    match kind {
        Kind::Shard => subs.shard.len() as i64,
        _ => subs.count() as i64,
    }
}

/// Returns the first confirmation and queues the rest right behind it.
fn confirmations(ctx: &mut Ctx, replies: Vec<Reply>) -> Reply {
    let mut it = replies.into_iter();
    let first = it.next().unwrap_or(Reply::NoReply);
    for r in it {
        ctx.eng.push_to(ctx.client, r);
    }
    first
}

fn subscribe_kind(ctx: &mut Ctx, kind: Kind) -> CmdResult {
    let names = ctx.args().rest();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        ctx.eng.pubsub.subscribe(ctx.client, kind, name);
        let n = count(ctx, kind);
        out.push(Reply::Push(vec![Reply::bulk_str(words(kind).0), Reply::bulk(name.clone()), Reply::Int(n)]));
    }
    Ok(confirmations(ctx, out))
}

fn unsubscribe_kind(ctx: &mut Ctx, kind: Kind) -> CmdResult {
    let mut names: Vec<Vec<u8>> = ctx.args().rest().to_vec();
    let word = words(kind).1;
    if names.is_empty() {
        let subs = ctx.eng.pubsub.of(ctx.client);
        names = match kind {
            Kind::Channel => subs.channels,
            Kind::Pattern => subs.patterns,
            Kind::Shard => subs.shard,
        };
        if names.is_empty() {
            // Nothing to leave: one confirmation with a nil name.
            let n = count(ctx, kind);
            return Ok(Reply::Push(vec![Reply::bulk_str(word), Reply::Nil, Reply::Int(n)]));
        }
    }
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        ctx.eng.pubsub.unsubscribe(ctx.client, kind, &name);
        let n = count(ctx, kind);
        out.push(Reply::Push(vec![Reply::bulk_str(word), Reply::bulk(name), Reply::Int(n)]));
    }
    Ok(confirmations(ctx, out))
}

/// SUBSCRIBE channel [channel ...]
fn subscribe(ctx: &mut Ctx) -> CmdResult {
    subscribe_kind(ctx, Kind::Channel)
}

/// UNSUBSCRIBE [channel ...]
fn unsubscribe(ctx: &mut Ctx) -> CmdResult {
    unsubscribe_kind(ctx, Kind::Channel)
}

/// PSUBSCRIBE pattern [pattern ...]
fn psubscribe(ctx: &mut Ctx) -> CmdResult {
    subscribe_kind(ctx, Kind::Pattern)
}

/// PUNSUBSCRIBE [pattern ...]
fn punsubscribe(ctx: &mut Ctx) -> CmdResult {
    unsubscribe_kind(ctx, Kind::Pattern)
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
fn ssubscribe(ctx: &mut Ctx) -> CmdResult {
    subscribe_kind(ctx, Kind::Shard)
}

/// SUNSUBSCRIBE [shardchannel ...]
fn sunsubscribe(ctx: &mut Ctx) -> CmdResult {
    unsubscribe_kind(ctx, Kind::Shard)
}

/// PUBLISH channel message
fn publish(ctx: &mut Ctx) -> CmdResult {
    let (ch, msg) = (ctx.argv[1].clone(), ctx.argv[2].clone());
    Ok(Reply::Int(ctx.eng.publish(&ch, &msg) as i64))
}

/// SPUBLISH shardchannel message
fn spublish(ctx: &mut Ctx) -> CmdResult {
    let (ch, msg) = (ctx.argv[1].clone(), ctx.argv[2].clone());
    Ok(Reply::Int(ctx.eng.spublish(&ch, &msg) as i64))
}

/// Never runs: the dispatcher resolves PUBSUB's subcommands.
fn pubsub(_ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::NoReply)
}

/// PUBSUB CHANNELS [pattern] and PUBSUB SHARDCHANNELS [pattern]
fn channels_of(ctx: &mut Ctx, shard: bool) -> CmdResult {
    let mut a = ctx.args();
    let pattern = a.next_opt();
    if a.remaining() > 0 {
        // Redis checks this extra argument in the handler, with its generic PUBSUB error text.
        let sub = String::from_utf8_lossy(&ctx.argv[1]).into_owned();
        return Err(RedisError::err(format!(
            "unknown subcommand or wrong number of arguments for '{sub}'. Try PUBSUB HELP."
        )));
    }
    Ok(Reply::bulks(ctx.eng.pubsub.active(shard, pattern)))
}

fn channels(ctx: &mut Ctx) -> CmdResult {
    channels_of(ctx, false)
}

fn shardchannels(ctx: &mut Ctx) -> CmdResult {
    channels_of(ctx, true)
}

/// PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat channel, count list.
fn numsub_of(ctx: &mut Ctx, shard: bool) -> CmdResult {
    let mut out = Vec::new();
    for ch in ctx.args().rest() {
        out.push(Reply::bulk(ch.clone()));
        out.push(Reply::Int(ctx.eng.pubsub.numsub(shard, ch) as i64));
    }
    Ok(Reply::Array(out))
}

fn numsub(ctx: &mut Ctx) -> CmdResult {
    numsub_of(ctx, false)
}

fn shardnumsub(ctx: &mut Ctx) -> CmdResult {
    numsub_of(ctx, true)
}

/// PUBSUB NUMPAT
fn numpat(ctx: &mut Ctx) -> CmdResult {
    Ok(Reply::Int(ctx.eng.pubsub.numpat() as i64))
}

/// PUBSUB HELP: our own wording of the subcommand list, in Redis's layout.
fn help(_ctx: &mut Ctx) -> CmdResult {
    let lines = [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(lines.iter().map(|l| Reply::status(l)).collect()))
}

const SUB_FLAGS: &[&str] = &["pubsub", "noscript", "loading", "stale"];
const PUB_FLAGS: &[&str] = &["pubsub", "loading", "stale", "fast"];
const SLOW: &[&str] = &["@pubsub", "@slow"];
const FAST: &[&str] = &["@pubsub", "@fast"];
const INFO_FLAGS: &[&str] = &["pubsub", "loading", "stale"];

macro_rules! spec {
    ($name:expr, $arity:expr, $flags:expr, $keys:expr, $acl:expr, $since:expr, $syntax:expr, $summary:expr, $cx:expr, $h:expr) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $keys.0,
            last_key: $keys.1,
            step: $keys.2,
            acl: $acl,
            group: Group::PubSub,
            since: $since,
            syntax: $syntax,
            summary: $summary,
            complexity: $cx,
            handler: $h,
            subcommands: &[],
        }
    };
}

pub const COMMANDS: &[CommandSpec] = &[
    spec!(
        "subscribe",
        -2,
        SUB_FLAGS,
        (0, 0, 0),
        SLOW,
        "2.0.0",
        "channel [channel ...]",
        "Starts listening to messages published on the given channels.",
        "O(N) where N is the number of channels to subscribe to.",
        subscribe
    ),
    spec!(
        "unsubscribe",
        -1,
        SUB_FLAGS,
        (0, 0, 0),
        SLOW,
        "2.0.0",
        "[channel [channel ...]]",
        "Stops listening to the given channels, or to all channels when none is named.",
        "O(N) where N is the number of clients already subscribed to a channel.",
        unsubscribe
    ),
    spec!(
        "psubscribe",
        -2,
        SUB_FLAGS,
        (0, 0, 0),
        SLOW,
        "2.0.0",
        "pattern [pattern ...]",
        "Starts listening to every channel whose name matches one of the glob patterns.",
        "O(N) where N is the number of patterns the client is already subscribed to.",
        psubscribe
    ),
    spec!(
        "punsubscribe",
        -1,
        SUB_FLAGS,
        (0, 0, 0),
        SLOW,
        "2.0.0",
        "[pattern [pattern ...]]",
        "Stops listening to the given patterns, or to all patterns when none is named.",
        "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
        punsubscribe
    ),
    spec!(
        "publish",
        3,
        PUB_FLAGS,
        (0, 0, 0),
        FAST,
        "2.0.0",
        "channel message",
        "Sends a message to a channel's subscribers and returns how many received it.",
        "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        publish
    ),
    spec!(
        "ssubscribe",
        -2,
        SUB_FLAGS,
        (1, -1, 1),
        SLOW,
        "7.0.0",
        "shardchannel [shardchannel ...]",
        "Starts listening to messages published on the given shard channels.",
        "O(N) where N is the number of shard channels to subscribe to.",
        ssubscribe
    ),
    spec!(
        "sunsubscribe",
        -1,
        SUB_FLAGS,
        (1, -1, 1),
        SLOW,
        "7.0.0",
        "[shardchannel [shardchannel ...]]",
        "Stops listening to the given shard channels, or to all of them when none is named.",
        "O(N) where N is the number of clients already subscribed to a shard channel.",
        sunsubscribe
    ),
    spec!(
        "spublish",
        3,
        PUB_FLAGS,
        (1, 1, 1),
        FAST,
        "7.0.0",
        "shardchannel message",
        "Sends a message to a shard channel's subscribers and returns how many received it.",
        "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        spublish
    ),
    CommandSpec {
        name: "pubsub",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        acl: &["@slow"],
        group: Group::PubSub,
        since: "2.8.0",
        syntax: "",
        summary: "Groups the commands that inspect the Pub/Sub state.",
        complexity: "Depends on subcommand.",
        handler: pubsub,
        subcommands: &[
            spec!(
                "pubsub|channels",
                -2,
                INFO_FLAGS,
                (0, 0, 0),
                SLOW,
                "2.8.0",
                "[pattern]",
                "Lists the channels that have subscribers, optionally filtered by a glob pattern.",
                "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
                channels
            ),
            spec!(
                "pubsub|numpat",
                2,
                INFO_FLAGS,
                (0, 0, 0),
                SLOW,
                "2.8.0",
                "",
                "Counts the distinct patterns that have subscribers.",
                "O(1)",
                numpat
            ),
            spec!(
                "pubsub|numsub",
                -2,
                INFO_FLAGS,
                (0, 0, 0),
                SLOW,
                "2.8.0",
                "[channel [channel ...]]",
                "Counts the direct subscribers of each given channel.",
                "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
                numsub
            ),
            spec!(
                "pubsub|shardchannels",
                -2,
                INFO_FLAGS,
                (0, 0, 0),
                SLOW,
                "7.0.0",
                "[pattern]",
                "Lists the shard channels that have subscribers, optionally filtered by a glob pattern.",
                "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
                shardchannels
            ),
            spec!(
                "pubsub|help",
                2,
                &["loading", "stale"],
                (0, 0, 0),
                &["@slow"],
                "6.2.0",
                "",
                "Lists the PUBSUB subcommands.",
                "O(1)",
                help
            ),
            spec!(
                "pubsub|shardnumsub",
                -2,
                INFO_FLAGS,
                (0, 0, 0),
                SLOW,
                "7.0.0",
                "[shardchannel [shardchannel ...]]",
                "Counts the subscribers of each given shard channel.",
                "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
                shardnumsub
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    use crate::engine::test_run as run;

    fn push(items: &[&str], n: i64) -> Reply {
        let mut v: Vec<Reply> = items.iter().map(|s| Reply::bulk_str(s)).collect();
        v.push(Reply::Int(n));
        Reply::Push(v)
    }

    #[test]
    fn confirmations_follow_in_order() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(run(&mut e, c, "subscribe a b"), push(&["subscribe", "a"], 1));
        assert_eq!(e.take_pushed(c), vec![push(&["subscribe", "b"], 2)]);
        assert_eq!(run(&mut e, c, "ssubscribe s"), push(&["ssubscribe", "s"], 1));
        assert_eq!(
            run(&mut e, c, "punsubscribe"),
            Reply::Push(vec![Reply::bulk_str("punsubscribe"), Reply::Nil, Reply::Int(2)])
        );
        assert!(run(&mut e, c, "get x").is_error());
        assert_eq!(run(&mut e, c, "ping"), Reply::Array(vec![Reply::bulk_str("pong"), Reply::bulk_str("")]));
        assert_eq!(run(&mut e, c, "reset"), Reply::status("RESET"));
        assert_eq!(run(&mut e, c, "get x"), Reply::Nil);
    }

    #[test]
    fn publish_reaches_channels_patterns_and_shards() {
        let (mut e, _) = Engine::with_virtual_clock();
        let (p, s) = (e.connect(), e.connect());
        run(&mut e, s, "subscribe news");
        run(&mut e, s, "psubscribe n*");
        run(&mut e, s, "ssubscribe news");
        assert_eq!(run(&mut e, p, "publish news hi"), Reply::Int(2));
        assert_eq!(run(&mut e, p, "spublish news yo"), Reply::Int(1));
        let got = e.take_pushed(s);
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[1],
            Reply::Push(vec![
                Reply::bulk_str("pmessage"),
                Reply::bulk_str("n*"),
                Reply::bulk_str("news"),
                Reply::bulk_str("hi")
            ])
        );
        assert_eq!(run(&mut e, p, "pubsub numpat"), Reply::Int(1));
        // HELLO is refused in RESP2 subscribed mode, but RESP3 clients may run anything.
        assert!(run(&mut e, s, "hello 3").is_error());
        let r = e.connect();
        run(&mut e, r, "hello 3");
        run(&mut e, r, "subscribe news");
        assert_eq!(run(&mut e, r, "get x"), Reply::Nil);
        e.disconnect(r);
        e.disconnect(s);
        assert_eq!(run(&mut e, p, "publish news hi"), Reply::Int(0));
        assert_eq!(run(&mut e, p, "pubsub numpat"), Reply::Int(0));
    }
}
