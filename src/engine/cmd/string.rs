//! String commands (Redis's t_string.c): GET, SET and friends.

use crate::engine::events::EventClass;
use crate::engine::keyspace::{StrValue, Value};
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::table::{CommandSpec, Group};
use crate::engine::Ctx;

// ---- handlers -------------------------------------------------------------------------------

/// GET key
fn get(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next()?;
    Ok(Reply::opt_bulk(
        ctx.read_string(key)?.map(|s| s.bytes.clone()),
    ))
}

/// SET key value [NX | XX] [GET] [EX seconds | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]
fn set(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next()?;
    let value = a.bytes()?;
    let (mut nx, mut xx, mut get, mut keepttl) = (false, false, false, false);
    let mut expire: Option<(&str, &[u8])> = None;
    while let Some(word) = a.keyword() {
        match word.as_str() {
            "NX" if !xx => nx = true,
            "XX" if !nx => xx = true,
            "GET" => get = true,
            "KEEPTTL" if expire.is_none() => keepttl = true,
            "EX" | "PX" | "EXAT" | "PXAT" if expire.is_none() && !keepttl => {
                let unit = match word.as_str() {
                    "EX" => "EX",
                    "PX" => "PX",
                    "EXAT" => "EXAT",
                    _ => "PXAT",
                };
                expire = Some((unit, a.next()?));
            }
            _ => return Err(RedisError::syntax()),
        }
    }
    let expire_at = match expire {
        Some((unit, raw)) => Some(expire_time(ctx, unit, raw, "set")?),
        None => None,
    };
    let old = if get {
        ctx.read_string(key)?.map(|s| s.bytes.clone())
    } else {
        None
    };
    let exists = ctx.exists(key);
    if (nx && exists) || (xx && !exists) {
        return Ok(if get {
            Reply::opt_bulk(old)
        } else {
            Reply::Nil
        });
    }
    ctx.set_key(key, Value::Str(StrValue::encoded(value)), keepttl);
    ctx.notify(EventClass::String, "set", key);
    if let Some(at) = expire_at {
        ctx.db().set_expire(key, Some(at));
        ctx.notify(EventClass::Generic, "expire", key);
    }
    ctx.dirty(1);
    Ok(if get {
        Reply::opt_bulk(old)
    } else {
        Reply::ok()
    })
}

/// Converts an EX/PX/EXAT/PXAT argument to an absolute time in ms, with Redis's errors.
fn expire_time(ctx: &Ctx, unit: &str, raw: &[u8], cmd: &str) -> Result<i64, RedisError> {
    let n = crate::engine::num::parse_i64(raw).ok_or_else(RedisError::not_integer)?;
    let invalid = || RedisError::err(format!("invalid expire time in '{cmd}' command"));
    if n <= 0 {
        return Err(invalid());
    }
    let now = ctx.now_ms();
    let at = match unit {
        "EX" => n.checked_mul(1000).and_then(|ms| ms.checked_add(now)),
        "PX" => n.checked_add(now),
        "EXAT" => n.checked_mul(1000),
        _ => Some(n),
    };
    at.ok_or_else(invalid)
}

// ---- table ----------------------------------------------------------------------------------

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        arity: 2,
        flags: &["readonly", "fast"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@read", "@string", "@fast"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key",
        summary: "Returns the string stored at a key, or nil when the key does not exist.",
        complexity: "O(1)",
        handler: get,
        subcommands: &[],
    },
    CommandSpec {
        name: "set",
        arity: -3,
        flags: &["write", "denyoom"],
        first_key: 1,
        last_key: 1,
        step: 1,
        acl: &["@write", "@string", "@slow"],
        group: Group::String,
        since: "1.0.0",
        syntax: "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
        summary: "Stores a string at a key, replacing any value, optionally only if the key is new (NX) or exists (XX), with a time to live.",
        complexity: "O(1)",
        handler: set,
        subcommands: &[],
    },
];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    #[test]
    fn set_options() {
        let (mut e, _) = Engine::with_virtual_clock();
        let c = e.connect();
        let mut run = |l: &str| e.execute_line(c, l).unwrap_or_else(Reply::Error);
        assert_eq!(run("set k v nx"), Reply::ok());
        assert_eq!(run("set k w nx"), Reply::Nil);
        assert_eq!(run("set k w xx get"), Reply::bulk_str("v"));
        assert_eq!(
            run("set k w ex 0"),
            Reply::Error("ERR invalid expire time in 'set' command".into())
        );
        assert_eq!(
            run("set k w nx xx"),
            Reply::Error("ERR syntax error".into())
        );
    }
}
