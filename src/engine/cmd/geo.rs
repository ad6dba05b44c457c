//! Geospatial commands (Redis's geo.c): GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH,
//! GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and the `_RO` variants.
//!
//! A geo key is an ordinary sorted set whose scores are 52-bit interleaved geohashes
//! (`engine::geohash`); there is no geo value type. GEOADD turns coordinates into scores and
//! then behaves exactly as ZADD (it even announces `zadd`). Searches scan the score ranges of
//! the nine cells around the centre, keep the points inside the shape, sort them by distance
//! when asked, and either reply or store a new sorted set.

use crate::engine::args::is;
use crate::engine::geohash::{self, Search, Shape};
use crate::engine::keyspace::Value;
use crate::engine::reply::{CmdResult, RedisError, Reply};
use crate::engine::skiplist::NIL;
use crate::engine::table::{CommandSpec, Group};
use crate::engine::Ctx;

use super::zset::{parse_score, store_result, zadd_apply, AddFlags, ZSetValue};

// ---- argument helpers -----------------------------------------------------------------------

fn arg(argv: &[Vec<u8>], i: usize) -> &[u8] {
    argv.get(i).map(Vec::as_slice).unwrap_or(b"")
}

/// A double as Redis's `getDoubleFromObjectOrReply` reads it, with its error text.
fn double(a: &[u8], msg: Option<&str>) -> Result<f64, RedisError> {
    parse_score(a).ok_or_else(|| match msg {
        Some(m) => RedisError::err(m),
        None => RedisError::not_float(),
    })
}

/// A longitude and latitude pair, range-checked (Redis's `extractLongLatOrReply`).
fn lonlat(lon: &[u8], lat: &[u8]) -> Result<[f64; 2], RedisError> {
    let xy = [double(lon, None)?, double(lat, None)?];
    let [x, y] = xy;
    if !(geohash::LON_MIN..=geohash::LON_MAX).contains(&x) || !(geohash::LAT_MIN..=geohash::LAT_MAX).contains(&y) {
        return Err(RedisError::err(&format!("invalid longitude,latitude pair {x:.6},{y:.6}")));
    }
    Ok(xy)
}

/// Metres per unit.
fn unit(u: &[u8]) -> Result<f64, RedisError> {
    if is(u, "m") {
        Ok(1.0)
    } else if is(u, "km") {
        Ok(1000.0)
    } else if is(u, "ft") {
        Ok(0.3048)
    } else if is(u, "mi") {
        Ok(1609.34)
    } else {
        Err(RedisError::err("unsupported unit provided. please use M, KM, FT, MI"))
    }
}

/// `radius unit`: the radius and metres per unit.
fn radius(r: &[u8], u: &[u8]) -> Result<(f64, f64), RedisError> {
    let d = double(r, Some("need numeric radius"))?;
    if d < 0.0 {
        return Err(RedisError::err("radius cannot be negative"));
    }
    Ok((d, unit(u)?))
}

/// `width height unit`: the box and metres per unit.
fn box_size(w: &[u8], h: &[u8], u: &[u8]) -> Result<(f64, f64, f64), RedisError> {
    let w = double(w, Some("need numeric width"))?;
    let h = double(h, Some("need numeric height"))?;
    if h < 0.0 || w < 0.0 {
        return Err(RedisError::err("height or width cannot be negative"));
    }
    Ok((w, h, unit(u)?))
}

/// The sorted set at `key` without touching statistics or access times (the command already
/// looked it up once, as Redis does).
fn peek_zset<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Option<&'c ZSetValue> {
    match ctx.db().peek(key) {
        Some(e) => match &e.value {
            Value::ZSet(z) => Some(z),
            _ => None,
        },
        None => None,
    }
}

/// A member's position decoded from its score.
fn position(z: &ZSetValue, member: &[u8]) -> Option<[f64; 2]> {
    z.score(member).and_then(geohash::decode_score)
}

fn coord_reply(xy: [f64; 2]) -> Reply {
    let [x, y] = xy;
    Reply::Array(vec![Reply::DoubleText(geohash::fmt_coord(x)), Reply::DoubleText(geohash::fmt_coord(y))])
}

// ---- handlers: adding and reading -----------------------------------------------------------

/// GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
fn geoadd(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let key = arg(argv, 1);
    let mut flags = AddFlags::default();
    let mut idx = 2;
    while let Some(opt) = argv.get(idx) {
        if is(opt, "nx") {
            flags.nx = true;
        } else if is(opt, "xx") {
            flags.xx = true;
        } else if is(opt, "ch") {
            flags.ch = true;
        } else {
            break;
        }
        idx += 1;
    }
    let triples = argv.get(idx..).unwrap_or(&[]);
    // No triple at all is ZADD's syntax error, as GEOADD hands the rest to ZADD.
    if triples.len() % 3 != 0 || (flags.xx && flags.nx) || triples.is_empty() {
        return Err(RedisError::syntax());
    }
    let mut elems = Vec::with_capacity(triples.len() / 3);
    for t in triples.chunks(3) {
        let [lon, lat, member] = t else {
            return Err(RedisError::syntax());
        };
        let [x, y] = lonlat(lon, lat)?;
        let score = geohash::score_of(x, y).unwrap_or(0);
        elems.push((score as f64, member.as_slice()));
    }
    zadd_apply(ctx, key, flags, elems)
}

/// GEOPOS key [member ...]
fn geopos(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let z = ctx.read_zset(arg(argv, 1))?;
    let members = argv.get(2..).unwrap_or(&[]);
    Ok(Reply::Array(
        members
            .iter()
            .map(|m| match z.and_then(|z| position(z, m)) {
                Some(xy) => coord_reply(xy),
                None => Reply::NilArray,
            })
            .collect(),
    ))
}

/// GEOHASH key [member ...]
fn geohash_cmd(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let z = ctx.read_zset(arg(argv, 1))?;
    let members = argv.get(2..).unwrap_or(&[]);
    Ok(Reply::Array(
        members
            .iter()
            .map(|m| match z.and_then(|z| z.score(m)).and_then(geohash::geohash_string) {
                Some(h) => Reply::Bulk(h.into_bytes()),
                None => Reply::Nil,
            })
            .collect(),
    ))
}

/// GEODIST key member1 member2 [M | KM | FT | MI]
fn geodist(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let to_meter = match argv.len() {
        5 => unit(arg(argv, 4))?,
        n if n > 5 => return Err(RedisError::syntax()),
        _ => 1.0,
    };
    let Some(z) = ctx.read_zset(arg(argv, 1))? else {
        return Ok(Reply::Nil);
    };
    match (position(z, arg(argv, 2)), position(z, arg(argv, 3))) {
        (Some([x1, y1]), Some([x2, y2])) => {
            let d = geohash::distance(x1, y1, x2, y2) / to_meter;
            Ok(Reply::Bulk(geohash::fmt_distance(d).into_bytes()))
        }
        _ => Ok(Reply::Nil),
    }
}

// ---- handlers: searching --------------------------------------------------------------------

/// Which command is searching (Redis's `georadiusGeneric` flags).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// GEORADIUS / GEORADIUS_RO: centre from coordinates.
    Coords,
    /// GEORADIUSBYMEMBER / _RO: centre from a member.
    Member,
    /// GEOSEARCH.
    Search,
    /// GEOSEARCHSTORE.
    SearchStore,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// A parsed search request.
struct Request<'a> {
    search: Search,
    withdist: bool,
    withhash: bool,
    withcoord: bool,
    sort: Sort,
    any: bool,
    /// 0: unlimited.
    count: u64,
    store: Option<&'a [u8]>,
    storedist: bool,
}

/// One point found.
struct Point {
    member: Vec<u8>,
    xy: [f64; 2],
    dist: f64,
    score: f64,
}

/// Parses a search's arguments in Redis's order, with its errors. `z` is the source set, if
/// it exists (a member centre is only resolved then).
fn parse_request<'a>(
    argv: &'a [Vec<u8>],
    kind: Kind,
    nostore: bool,
    z: Option<&ZSetValue>,
) -> Result<Request<'a>, RedisError> {
    let mut req = Request {
        search: Search { center: [0.0, 0.0], shape: Shape::Radius(0.0), conversion: 0.0 },
        withdist: false,
        withhash: false,
        withcoord: false,
        sort: Sort::None,
        any: false,
        count: 0,
        store: None,
        storedist: false,
    };
    let geosearch = matches!(kind, Kind::Search | Kind::SearchStore);
    let base = match kind {
        Kind::Coords => {
            req.search.center = lonlat(arg(argv, 2), arg(argv, 3))?;
            let (r, conv) = radius(arg(argv, 4), arg(argv, 5))?;
            req.search.shape = Shape::Radius(r);
            req.search.conversion = conv;
            6
        }
        Kind::Member => {
            if let Some(z) = z {
                req.search.center = position(z, arg(argv, 2))
                    .ok_or_else(|| RedisError::err("could not decode requested zset member"))?;
                let (r, conv) = radius(arg(argv, 3), arg(argv, 4))?;
                req.search.shape = Shape::Radius(r);
                req.search.conversion = conv;
            }
            5
        }
        Kind::Search => 2,
        Kind::SearchStore => {
            req.store = Some(arg(argv, 1));
            3
        }
    };
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let rest = argv.get(base..).unwrap_or(&[]);
    let remaining = rest.len();
    let at = |i: usize| rest.get(i).map(Vec::as_slice).unwrap_or(b"");
    let mut i = 0;
    while i < remaining {
        let a = at(i);
        if is(a, "withdist") {
            req.withdist = true;
        } else if is(a, "withhash") {
            req.withhash = true;
        } else if is(a, "withcoord") {
            req.withcoord = true;
        } else if is(a, "any") {
            req.any = true;
        } else if is(a, "asc") {
            req.sort = Sort::Asc;
        } else if is(a, "desc") {
            req.sort = Sort::Desc;
        } else if is(a, "count") && i + 1 < remaining {
            let n = crate::engine::num::parse_i64(at(i + 1)).ok_or_else(RedisError::not_integer)?;
            if n <= 0 {
                return Err(RedisError::err("COUNT must be > 0"));
            }
            req.count = n as u64;
            i += 1;
        } else if (is(a, "store") || is(a, "storedist")) && i + 1 < remaining && !nostore && !geosearch {
            req.store = Some(at(i + 1));
            req.storedist = is(a, "storedist");
            i += 1;
        } else if is(a, "storedist") && kind == Kind::SearchStore {
            req.storedist = true;
        } else if is(a, "frommember") && i + 1 < remaining && geosearch && !fromloc {
            if let Some(z) = z {
                req.search.center =
                    position(z, at(i + 1)).ok_or_else(|| RedisError::err("could not decode requested zset member"))?;
            }
            frommember = true;
            i += 1;
        } else if is(a, "fromlonlat") && i + 2 < remaining && geosearch && !frommember {
            req.search.center = lonlat(at(i + 1), at(i + 2))?;
            fromloc = true;
            i += 2;
        } else if is(a, "byradius") && i + 2 < remaining && geosearch && !bybox {
            let (r, conv) = radius(at(i + 1), at(i + 2))?;
            req.search.shape = Shape::Radius(r);
            req.search.conversion = conv;
            byradius = true;
            i += 2;
        } else if is(a, "bybox") && i + 3 < remaining && geosearch && !byradius {
            let (w, h, conv) = box_size(at(i + 1), at(i + 2), at(i + 3))?;
            req.search.shape = Shape::Box { width: w, height: h };
            req.search.conversion = conv;
            bybox = true;
            i += 3;
        } else {
            return Err(RedisError::syntax());
        }
        i += 1;
    }
    let name = String::from_utf8_lossy(arg(argv, 0));
    if req.store.is_some() && (req.withdist || req.withhash || req.withcoord) {
        let what = if kind == Kind::SearchStore { "GEOSEARCHSTORE" } else { "STORE option in GEORADIUS" };
        return Err(RedisError::err(&format!(
            "{what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        )));
    }
    if geosearch && !(frommember || fromloc) {
        return Err(RedisError::err(&format!("exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}")));
    }
    if geosearch && !(byradius || bybox) {
        return Err(RedisError::err(&format!("exactly one of BYRADIUS and BYBOX can be specified for {name}")));
    }
    if req.any && req.count == 0 {
        return Err(RedisError::err("the ANY argument requires COUNT argument"));
    }
    Ok(req)
}

/// Collects the points of `z` inside the search, cell by cell in Redis's order, stopping at
/// `limit` points when non-zero (ANY).
fn collect_points(z: &ZSetValue, s: &Search, limit: u64) -> Vec<Point> {
    let areas = geohash::search_areas(s);
    let mut out: Vec<Point> = Vec::new();
    let full = |out: &Vec<Point>| limit != 0 && !out.is_empty() && out.len() as u64 >= limit;
    let mut last_processed = 0usize;
    let sl = z.skiplist();
    for (i, cell) in areas.cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        // Huge radii make neighbours coincide; skip a cell equal to the one just scanned.
        if last_processed != 0 && areas.cells.get(last_processed) == Some(cell) {
            continue;
        }
        if full(&out) {
            break;
        }
        let (min, max) = geohash::cell_scores(*cell);
        let (min, max) = (min as f64, max as f64);
        let mut x = sl.first_where(|score, _| score >= min);
        while x != NIL {
            let Some((member, score)) = sl.entry(x) else { break };
            if score >= max {
                break;
            }
            if let Some(xy) = geohash::decode_score(score) {
                if let Some(dist) = geohash::within(s, xy) {
                    out.push(Point { member: member.to_vec(), xy, dist, score });
                }
            }
            if full(&out) {
                break;
            }
            x = sl.next(x);
        }
        last_processed = i;
    }
    out
}

/// Orders the points by distance as Redis does: a stable full sort (glibc's merge sort) when
/// every point is returned, its partial quicksort when only the first `returned` are.
fn sort_points(points: &mut [Point], sort: Sort, returned: usize) {
    let asc = |a: &Point, b: &Point| a.dist.partial_cmp(&b.dist).unwrap_or(std::cmp::Ordering::Equal);
    let cmp = |a: &Point, b: &Point| match sort {
        Sort::Desc => asc(b, a),
        _ => asc(a, b),
    };
    if sort == Sort::None {
        return;
    }
    if returned == points.len() {
        points.sort_by(cmp);
    } else if returned > 0 {
        geohash::pqsort(points, &cmp, 0, returned - 1);
    }
}

fn search_generic(ctx: &mut Ctx, src_idx: usize, kind: Kind, nostore: bool) -> CmdResult {
    let argv = ctx.argv;
    let src = arg(argv, src_idx);
    let exists = ctx.read_zset(src)?.is_some();
    let (mut req, mut points) = {
        let z = if exists { peek_zset(ctx, src) } else { None };
        let req = parse_request(argv, kind, nostore, z)?;
        let Some(z) = z else {
            return missing_source(ctx, req.store);
        };
        // COUNT without an order means the nearest ones (unless ANY).
        let mut req = req;
        if req.count != 0 && req.sort == Sort::None && !req.any {
            req.sort = Sort::Asc;
        }
        let limit = if req.any { req.count } else { 0 };
        let points = collect_points(z, &req.search, limit);
        (req, points)
    };
    if points.is_empty() && req.store.is_none() {
        return Ok(Reply::empty_array());
    }
    let returned =
        if req.count == 0 { points.len() } else { points.len().min(usize::try_from(req.count).unwrap_or(usize::MAX)) };
    sort_points(&mut points, req.sort, returned);
    points.truncate(returned);
    let conv = req.search.conversion;
    for p in &mut points {
        p.dist /= conv;
    }
    if let Some(dst) = req.store.take() {
        let items: Vec<(Vec<u8>, f64)> =
            points.into_iter().map(|p| (p.member, if req.storedist { p.dist } else { p.score })).collect();
        let event = if matches!(kind, Kind::Search | Kind::SearchStore) { "geosearchstore" } else { "georadiusstore" };
        let n = items.len();
        if store_result(ctx, dst, &items, event) {
            ctx.dirty(if n > 0 { n as u64 } else { 1 });
        }
        return Ok(Reply::Int(n as i64));
    }
    let options = usize::from(req.withdist) + usize::from(req.withhash) + usize::from(req.withcoord);
    let out = points
        .into_iter()
        .map(|p| {
            if options == 0 {
                return Reply::Bulk(p.member);
            }
            let mut item = vec![Reply::Bulk(p.member)];
            if req.withdist {
                item.push(Reply::Bulk(geohash::fmt_distance(p.dist).into_bytes()));
            }
            if req.withhash {
                item.push(Reply::Int(p.score as i64));
            }
            if req.withcoord {
                item.push(coord_reply(p.xy));
            }
            Reply::Array(item)
        })
        .collect();
    Ok(Reply::Array(out))
}

/// The source key does not exist: a store deletes its destination and replies 0, a plain
/// search replies with an empty array.
fn missing_source(ctx: &mut Ctx, store: Option<&[u8]>) -> CmdResult {
    match store {
        Some(dst) => {
            if store_result(ctx, dst, &[], "del") {
                ctx.dirty(1);
            }
            Ok(Reply::Int(0))
        }
        None => Ok(Reply::empty_array()),
    }
}

/// GEORADIUS key longitude latitude radius unit [options] [STORE key | STOREDIST key]
fn georadius(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Kind::Coords, false)
}

/// GEORADIUS_RO key longitude latitude radius unit [options]
fn georadius_ro(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Kind::Coords, true)
}

/// GEORADIUSBYMEMBER key member radius unit [options] [STORE key | STOREDIST key]
fn georadiusbymember(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Kind::Member, false)
}

/// GEORADIUSBYMEMBER_RO key member radius unit [options]
fn georadiusbymember_ro(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Kind::Member, true)
}

/// GEOSEARCH key FROMMEMBER member | FROMLONLAT lon lat BYRADIUS r unit | BYBOX w h unit ...
fn geosearch(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Kind::Search, false)
}

/// GEOSEARCHSTORE destination source ... [STOREDIST]
fn geosearchstore(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 2, Kind::SearchStore, false)
}

// ---- table ----------------------------------------------------------------------------------

macro_rules! spec {
    ($name:expr, $arity:expr, $flags:expr, $fk:expr, $lk:expr, $acl:expr, $since:expr, $syntax:expr, $summary:expr, $cx:expr, $h:expr) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $fk,
            last_key: $lk,
            step: 1,
            acl: $acl,
            group: Group::Geo,
            since: $since,
            syntax: $syntax,
            summary: $summary,
            complexity: $cx,
            handler: $h,
            subcommands: &[],
        }
    };
}

const W: &[&str] = &["@write", "@geo", "@slow"];
const R: &[&str] = &["@read", "@geo", "@slow"];
const SEARCH_CX: &str = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape";

pub const COMMANDS: &[CommandSpec] = &[
    spec!(
        "geoadd",
        -5,
        &["write", "denyoom"],
        1,
        1,
        W,
        "3.2.0",
        "key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]",
        "Stores members at positions given as longitude and latitude in a geo key (a sorted set).",
        "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        geoadd
    ),
    spec!(
        "geopos",
        -2,
        &["readonly"],
        1,
        1,
        R,
        "3.2.0",
        "key [member [member ...]]",
        "Returns the longitude and latitude of members, as decoded from their geohash.",
        "O(N) where N is the number of members requested.",
        geopos
    ),
    spec!(
        "geodist",
        -4,
        &["readonly"],
        1,
        1,
        R,
        "3.2.0",
        "key member1 member2 [M | KM | FT | MI]",
        "Returns the great-circle distance between two members in the chosen unit.",
        "O(log(N))",
        geodist
    ),
    spec!(
        "geohash",
        -2,
        &["readonly"],
        1,
        1,
        R,
        "3.2.0",
        "key [member [member ...]]",
        "Returns members' positions as standard 11-character geohash strings.",
        "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
        geohash_cmd
    ),
    spec!(
        "georadius",
        -6,
        &["write", "denyoom", "movablekeys"],
        1,
        1,
        W,
        "3.2.0",
        "key longitude latitude radius (M | KM | FT | MI) [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key] [STOREDIST key]",
        "Finds members within a radius of a position, or stores them (superseded by GEOSEARCH).",
        SEARCH_CX,
        georadius
    ),
    spec!(
        "georadius_ro",
        -6,
        &["readonly"],
        1,
        1,
        R,
        "3.2.10",
        "key longitude latitude radius (M | KM | FT | MI) [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
        "Read-only GEORADIUS: finds members within a radius of a position.",
        SEARCH_CX,
        georadius_ro
    ),
    spec!(
        "georadiusbymember",
        -5,
        &["write", "denyoom", "movablekeys"],
        1,
        1,
        W,
        "3.2.0",
        "key member radius (M | KM | FT | MI) [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key] [STOREDIST key]",
        "Finds members within a radius of another member, or stores them (superseded by GEOSEARCH).",
        SEARCH_CX,
        georadiusbymember
    ),
    spec!(
        "georadiusbymember_ro",
        -5,
        &["readonly"],
        1,
        1,
        R,
        "3.2.10",
        "key member radius (M | KM | FT | MI) [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
        "Read-only GEORADIUSBYMEMBER: finds members within a radius of another member.",
        SEARCH_CX,
        georadiusbymember_ro
    ),
    spec!(
        "geosearch",
        -7,
        &["readonly"],
        1,
        1,
        R,
        "6.2.0",
        "key (FROMMEMBER member | FROMLONLAT longitude latitude) (BYRADIUS radius (M | KM | FT | MI) | BYBOX width height (M | KM | FT | MI)) [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]",
        "Finds members inside a circle or an axis-aligned box around a member or a position.",
        SEARCH_CX,
        geosearch
    ),
    spec!(
        "geosearchstore",
        -8,
        &["write", "denyoom"],
        1,
        2,
        W,
        "6.2.0",
        "destination source (FROMMEMBER member | FROMLONLAT longitude latitude) (BYRADIUS radius (M | KM | FT | MI) | BYBOX width height (M | KM | FT | MI)) [ASC | DESC] [COUNT count [ANY]] [STOREDIST]",
        "Like GEOSEARCH, but stores the members found (or their distances) in a new sorted set.",
        SEARCH_CX,
        geosearchstore
    ),
];

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reply};

    fn run(e: &mut Engine, c: crate::engine::ClientId, line: &str) -> Reply {
        e.execute_line(c, line).unwrap_or_else(|m| Reply::Error(m))
    }

    fn bulk(s: &str) -> Reply {
        Reply::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn add_pos_dist_hash() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        assert_eq!(
            run(&mut e, c, "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania"),
            Reply::Int(2)
        );
        assert_eq!(run(&mut e, c, "ZSCORE Sicily Palermo"), Reply::Double(3479099956230698.0));
        assert_eq!(run(&mut e, c, "GEODIST Sicily Palermo Catania"), bulk("166274.1516"));
        assert_eq!(run(&mut e, c, "GEODIST Sicily Palermo Catania km"), bulk("166.2742"));
        assert_eq!(run(&mut e, c, "GEODIST Sicily Palermo Nowhere"), Reply::Nil);
        assert_eq!(
            run(&mut e, c, "GEOHASH Sicily Palermo Catania x"),
            Reply::Array(vec![bulk("sqc8b49rny0"), bulk("sqdtr74hyu0"), Reply::Nil])
        );
        assert_eq!(
            run(&mut e, c, "GEOPOS Sicily Palermo x"),
            Reply::Array(vec![
                Reply::Array(vec![
                    Reply::DoubleText("13.36138933897018433".into()),
                    Reply::DoubleText("38.11555639549629859".into())
                ]),
                Reply::NilArray
            ])
        );
        assert_eq!(
            run(&mut e, c, "GEOADD Sicily 200 0 x"),
            Reply::Error("ERR invalid longitude,latitude pair 200.000000,0.000000".into())
        );
        assert_eq!(run(&mut e, c, "GEOADD Sicily xx nx 1 2 x"), Reply::Error("ERR syntax error".into()));
    }

    #[test]
    fn search_radius_and_store() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania");
        assert_eq!(
            run(&mut e, c, "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC"),
            Reply::Array(vec![bulk("Catania"), bulk("Palermo")])
        );
        assert_eq!(
            run(&mut e, c, "GEORADIUS Sicily 15 37 200 km WITHDIST DESC"),
            Reply::Array(vec![
                Reply::Array(vec![bulk("Palermo"), bulk("190.4424")]),
                Reply::Array(vec![bulk("Catania"), bulk("56.4413")]),
            ])
        );
        assert_eq!(run(&mut e, c, "GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYBOX 400 400 km"), Reply::Int(2));
        assert_eq!(run(&mut e, c, "ZCARD dst"), Reply::Int(2));
        assert_eq!(
            run(&mut e, c, "GEORADIUS Sicily 15 37 200 km STORE d2 WITHDIST"),
            Reply::Error(
                "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options".into()
            )
        );
        assert_eq!(
            run(&mut e, c, "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km ANY"),
            Reply::Error("ERR the ANY argument requires COUNT argument".into())
        );
        assert_eq!(run(&mut e, c, "GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYRADIUS 1 km"), Reply::Int(0));
        assert_eq!(run(&mut e, c, "EXISTS dst"), Reply::Int(0));
    }

    #[test]
    fn dirty_counts_follow_redis() {
        // Deltas measured on redis-server 7.0.15 (rdb_changes_since_last_save).
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        let steps = [
            ("GEOADD dirty 1 1 a 2 2 b 3 3 c", 3),
            ("GEOADD dirty CH 1 1 a 2 2.5 b", 1),
            ("GEOSEARCHSTORE dirtydst dirty FROMLONLAT 2 2 BYRADIUS 1000 km", 3),
            ("GEOSEARCHSTORE dirtydst dirty FROMLONLAT 50 50 BYRADIUS 1 km", 1),
            ("GEOSEARCHSTORE dirtydst dirty FROMLONLAT 50 50 BYRADIUS 1 km", 0),
            ("GEORADIUS dirty 2 2 1000 km STORE dirtydst COUNT 2", 2),
            ("GEORADIUS nokey 2 2 1000 km STORE dirtydst", 1),
            ("GEORADIUS nokey 2 2 1000 km STORE dirtydst", 0),
            ("GEOSEARCH dirty FROMLONLAT 2 2 BYRADIUS 1000 km", 0),
        ];
        for (line, delta) in steps {
            let before = e.stats.dirty;
            run(&mut e, c, line);
            assert_eq!(e.stats.dirty - before, delta, "{line}");
        }
    }

    #[test]
    fn geo_keys_survive_a_snapshot() {
        // Geo keys are sorted sets: the snapshot format needs nothing of its own.
        use crate::persist::snapshot::{export, import};
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 180 -85.05112878 corner");
        let query = "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 20000 km ASC WITHCOORD WITHDIST WITHHASH";
        let before = run(&mut e, c, query);
        let (mut f, _clock2) = Engine::with_virtual_clock();
        assert!(import(&mut f, &export(&e)).is_ok());
        let c2 = f.connect();
        assert_eq!(run(&mut f, c2, query), before);
        assert_eq!(run(&mut f, c2, "GEOHASH g corner"), run(&mut e, c, "GEOHASH g corner"));
    }

    #[test]
    fn random_searches_never_panic() {
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        let state = std::cell::Cell::new(0x1234_5678_9abc_def0u64);
        let next = || {
            let mut s = state.get();
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            state.set(s);
            s
        };
        let nums = [
            "0",
            "-0",
            "1",
            "-1",
            "180",
            "-180",
            "85.05112878",
            "-85.05112878",
            "90",
            "1e308",
            "-1e308",
            "inf",
            "-inf",
            "1e-320",
            "0.5",
            "179.9999999",
            "-179.9999999",
            "12345",
            "0x1p-1000",
            "nan",
            "x",
            "",
        ];
        let units = ["m", "km", "mi", "ft", "M", "x"];
        let opts = ["WITHDIST", "WITHCOORD", "WITHHASH", "ASC", "DESC", "ANY", "COUNT", "1", "3", "STOREDIST", "STORE"];
        for i in 0..200 {
            let lon = (next() % 36_000) as f64 / 100.0 - 180.0;
            let lat = (next() % 17_000) as f64 / 100.0 - 85.0;
            run(&mut e, c, &format!("GEOADD g {lon} {lat} m{i}"));
        }
        run(&mut e, c, "ZADD g 0 z0 -5 zneg 1e300 zbig 4503599627370496 z52");
        for _ in 0..3000 {
            let pick = |xs: &[&'static str]| xs[(next() as usize) % xs.len()];
            let mut line = match next() % 6 {
                0 => format!(
                    "GEOSEARCH g FROMLONLAT {} {} BYRADIUS {} {}",
                    pick(&nums),
                    pick(&nums),
                    pick(&nums),
                    pick(&units)
                ),
                1 => format!(
                    "GEOSEARCH g FROMMEMBER m{} BYBOX {} {} {}",
                    next() % 210,
                    pick(&nums),
                    pick(&nums),
                    pick(&units)
                ),
                2 => format!("GEORADIUS g {} {} {} {}", pick(&nums), pick(&nums), pick(&nums), pick(&units)),
                3 => format!(
                    "GEORADIUSBYMEMBER g z{} {} {}",
                    pick(&["0", "neg", "big", "52"]),
                    pick(&nums),
                    pick(&units)
                ),
                4 => format!("GEOSEARCHSTORE d g FROMMEMBER zbig BYRADIUS {} {}", pick(&nums), pick(&units)),
                _ => format!("GEODIST g m{} z{} {}", next() % 210, pick(&["0", "neg", "big"]), pick(&units)),
            };
            for _ in 0..next() % 4 {
                line.push(' ');
                line.push_str(pick(&opts));
            }
            if line.ends_with("STORE") {
                line.push_str(" dd");
            }
            let _ = run(&mut e, c, &line);
        }
    }

    #[test]
    fn coordinates_print_as_redis_cli_does() {
        use crate::engine::cli::format_reply;
        use crate::engine::resp::encode;
        let (mut e, _clock) = Engine::with_virtual_clock();
        let c = e.connect();
        run(&mut e, c, "GEOADD Sicily 13.361389 38.115556 Palermo");
        let r = run(&mut e, c, "GEOPOS Sicily Palermo");
        assert_eq!(format_reply(&r, 3), "1) 1) (double) 13.36138933897018433\n   2) (double) 38.11555639549629859\n");
        assert_eq!(format_reply(&r, 2), "1) 1) \"13.36138933897018433\"\n   2) \"38.11555639549629859\"\n");
        assert_eq!(encode(&r, 3), b"*1\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n".to_vec());
    }
}
