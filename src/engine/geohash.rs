//! Geohash math with Redis's exact arithmetic (its `geohash.c` and `geohash_helper.c`).
//!
//! A position is stored as a sorted-set score: 26 bits of longitude and 26 bits of latitude
//! interleaved into a 52-bit integer (latitude bits in the even positions), over the Web
//! Mercator latitude range ±85.05112878 rather than ±90. A radius or box search covers the
//! query area with the cell holding the centre and its eight neighbours, at a precision (step)
//! estimated from the radius, and then filters the candidates by true distance (haversine on
//! a sphere with Redis's earth radius). Every floating-point operation is written in the same
//! order as Redis's C code so that distances and coordinates come out bit for bit the same.

/// Bits of precision per coordinate (26 × 2 = 52 bits, exact in a double).
pub const STEP_MAX: u8 = 26;

pub const LAT_MIN: f64 = -85.05112878;
pub const LAT_MAX: f64 = 85.05112878;
pub const LON_MIN: f64 = -180.0;
pub const LON_MAX: f64 = 180.0;

/// Earth's quadratic mean radius for WGS-84, as Redis uses it.
pub const EARTH_RADIUS_M: f64 = 6372797.560856;
const MERCATOR_MAX: f64 = 20037726.37;
const D_R: f64 = std::f64::consts::PI / 180.0;

fn deg_rad(a: f64) -> f64 {
    a * D_R
}

fn rad_deg(a: f64) -> f64 {
    a / D_R
}

/// A cell: `bits` holds `2 * step` interleaved bits. All zero is Redis's "no cell".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Hash {
    pub bits: u64,
    pub step: u8,
}

impl Hash {
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }
}

/// A coordinate interval.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

/// A decoded cell: its longitude and latitude intervals.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Area {
    pub lon: Range,
    pub lat: Range,
}

/// The ranges Redis indexes with (longitude first).
pub const LON_RANGE: Range = Range { min: LON_MIN, max: LON_MAX };
pub const LAT_RANGE: Range = Range { min: LAT_MIN, max: LAT_MAX };

/// Spreads the low 32 bits of `v` to the even bit positions.
fn spread(v: u32) -> u64 {
    let mut x = u64::from(v);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    x = (x | (x << 1)) & 0x5555_5555_5555_5555;
    x
}

/// Gathers the even bit positions of `v` into 32 bits.
fn gather(v: u64) -> u32 {
    let mut x = v & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF;
    x as u32
}

/// `lat` bits in even positions, `lon` bits in odd ones.
fn interleave(lat: u32, lon: u32) -> u64 {
    spread(lat) | (spread(lon) << 1)
}

/// C's conversion of a non-negative double to `uint32_t` (truncation), saturating instead of
/// overflowing for values that cannot occur with in-range inputs.
fn to_u32(v: f64) -> u32 {
    v as u32
}

/// Encodes a position at `step` bits per coordinate over the given ranges. `None` when the
/// position is outside Redis's limits or the ranges (Redis's `geohashEncode` returning 0).
pub fn encode(lon_range: Range, lat_range: Range, lon: f64, lat: f64, step: u8) -> Option<Hash> {
    if step == 0 || step > 32 {
        return None;
    }
    if !(LON_MIN..=LON_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max {
        return None;
    }
    let lat_off = (lat - lat_range.min) / (lat_range.max - lat_range.min);
    let lon_off = (lon - lon_range.min) / (lon_range.max - lon_range.min);
    let scale = (1u64 << step) as f64;
    Some(Hash { bits: interleave(to_u32(lat_off * scale), to_u32(lon_off * scale)), step })
}

/// Encodes with Redis's indexing ranges.
pub fn encode_wgs84(lon: f64, lat: f64, step: u8) -> Option<Hash> {
    encode(LON_RANGE, LAT_RANGE, lon, lat, step)
}

/// The cell's intervals (Redis's `geohashDecode`); `None` for the zero hash.
pub fn decode(lon_range: Range, lat_range: Range, hash: Hash) -> Option<Area> {
    if hash.is_zero() || hash.step > 32 {
        return None;
    }
    let lat_scale = lat_range.max - lat_range.min;
    let lon_scale = lon_range.max - lon_range.min;
    let ilat = gather(hash.bits);
    let ilon = gather(hash.bits >> 1);
    let div = (1u64 << hash.step) as f64;
    // C adds 1 in 32-bit unsigned arithmetic, so the top cell index wraps to 0.
    let lat = Range {
        min: lat_range.min + (f64::from(ilat) * 1.0 / div) * lat_scale,
        max: lat_range.min + (f64::from(ilat.wrapping_add(1)) * 1.0 / div) * lat_scale,
    };
    let lon = Range {
        min: lon_range.min + (f64::from(ilon) * 1.0 / div) * lon_scale,
        max: lon_range.min + (f64::from(ilon.wrapping_add(1)) * 1.0 / div) * lon_scale,
    };
    Some(Area { lon, lat })
}

/// The centre of a cell, clamped to the indexable limits: `[lon, lat]`.
pub fn area_center(area: &Area) -> [f64; 2] {
    let lon = ((area.lon.min + area.lon.max) / 2.0).clamp(LON_MIN, LON_MAX);
    let lat = ((area.lat.min + area.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    [lon, lat]
}

/// C's `(uint64_t)` of a double as x86-64 code computes it (values ≥ 2^63 via an offset,
/// anything else out of range gives 2^63).
pub fn score_bits(score: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    let cvt = |v: f64| -> u64 {
        if v.is_nan() || !(-TWO63..TWO63).contains(&v) {
            1 << 63
        } else {
            (v as i64) as u64
        }
    };
    if score >= TWO63 {
        cvt(score - TWO63) ^ (1 << 63)
    } else {
        cvt(score)
    }
}

/// Decodes a sorted-set score to `[lon, lat]` (the centre of its 52-bit cell), as Redis's
/// `decodeGeohash` does for any score, even ones no GEOADD produced.
pub fn decode_score(score: f64) -> Option<[f64; 2]> {
    let area = decode(LON_RANGE, LAT_RANGE, Hash { bits: score_bits(score), step: STEP_MAX })?;
    Some(area_center(&area))
}

/// The 52-bit score of a position (GEOADD). `None` outside the limits.
pub fn score_of(lon: f64, lat: f64) -> Option<u64> {
    encode_wgs84(lon, lat, STEP_MAX).map(align52)
}

/// Left-aligns a hash to 52 bits.
pub fn align52(h: Hash) -> u64 {
    let shift = 52u32.saturating_sub(u32::from(h.step) * 2);
    h.bits.checked_shl(shift).unwrap_or(0)
}

/// The standard 11-character geohash of a score (GEOHASH): decoded, then re-encoded over
/// ±180/±90, the eleventh character always '0'.
pub fn geohash_string(score: f64) -> Option<String> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let [lon, lat] = decode_score(score)?;
    let bits =
        encode(Range { min: -180.0, max: 180.0 }, Range { min: -90.0, max: 90.0 }, lon, lat, 26).map_or(0, |h| h.bits);
    let mut out = String::with_capacity(11);
    for i in 0..11u32 {
        let idx = if i == 10 { 0 } else { ((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize };
        out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'0')));
    }
    Some(out)
}

fn mask_shr(mask: u64, step: u8) -> u64 {
    mask.checked_shr(64 - u32::from(step.min(32)) * 2).unwrap_or(0)
}

/// Moves a cell one column east (`d > 0`) or west (`d < 0`), wrapping around.
fn move_x(h: &mut Hash, d: i8) {
    if d == 0 {
        return;
    }
    let mut x = h.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = h.bits & 0x5555_5555_5555_5555;
    let zz = mask_shr(0x5555_5555_5555_5555, h.step);
    if d > 0 {
        x = x.wrapping_add(zz.wrapping_add(1));
    } else {
        x |= zz;
        x = x.wrapping_sub(zz.wrapping_add(1));
    }
    x &= mask_shr(0xaaaa_aaaa_aaaa_aaaa, h.step);
    h.bits = x | y;
}

/// Moves a cell one row north (`d > 0`) or south (`d < 0`), wrapping around.
fn move_y(h: &mut Hash, d: i8) {
    if d == 0 {
        return;
    }
    let x = h.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let mut y = h.bits & 0x5555_5555_5555_5555;
    let zz = mask_shr(0xaaaa_aaaa_aaaa_aaaa, h.step);
    if d > 0 {
        y = y.wrapping_add(zz.wrapping_add(1));
    } else {
        y |= zz;
        y = y.wrapping_sub(zz.wrapping_add(1));
    }
    y &= mask_shr(0x5555_5555_5555_5555, h.step);
    h.bits = x | y;
}

fn moved(h: Hash, dx: i8, dy: i8) -> Hash {
    let mut n = h;
    move_x(&mut n, dx);
    move_y(&mut n, dy);
    n
}

/// The centre cell and its neighbours in the order Redis searches them: centre, N, S, E, W,
/// NE, NW, SE, SW. Neighbours that cannot hold results are zero.
#[derive(Clone, Copy, Debug)]
pub struct SearchAreas {
    pub cells: [Hash; 9],
}

/// What a search covers, in metres after unit conversion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    Radius(f64),
    Box { width: f64, height: f64 },
}

/// A search: centre `[lon, lat]`, a shape in the request's unit and that unit's size in
/// metres (Redis's `GeoShape`).
#[derive(Clone, Copy, Debug)]
pub struct Search {
    pub center: [f64; 2],
    pub shape: Shape,
    pub conversion: f64,
}

/// The step (bits per coordinate) whose cells are about the size of the radius.
pub fn estimate_step(range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut range = range_meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// The search's bounding box: `[min_lon, min_lat, max_lon, max_lat]`.
pub fn bounding_box(s: &Search) -> [f64; 4] {
    let [lon, lat] = s.center;
    let (h, w) = match s.shape {
        Shape::Radius(r) => (r, r),
        Shape::Box { width, height } => (height / 2.0, width / 2.0),
    };
    let height = s.conversion * h;
    let width = s.conversion * w;
    let lat_delta = rad_deg(height / EARTH_RADIUS_M);
    let lon_delta_top = rad_deg(width / EARTH_RADIUS_M / deg_rad(lat + lat_delta).cos());
    let lon_delta_bottom = rad_deg(width / EARTH_RADIUS_M / deg_rad(lat - lat_delta).cos());
    let delta = if lat < 0.0 { lon_delta_bottom } else { lon_delta_top };
    [lon - delta, lat - lat_delta, lon + delta, lat + lat_delta]
}

/// The nine cells covering a search (Redis's `geohashCalculateAreasByShapeWGS84`).
pub fn search_areas(s: &Search) -> SearchAreas {
    let [min_lon, min_lat, max_lon, max_lat] = bounding_box(s);
    let [lon, lat] = s.center;
    let radius = match s.shape {
        Shape::Radius(r) => r,
        Shape::Box { width, height } => ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt(),
    } * s.conversion;
    let mut step = estimate_step(radius, lat);
    let at = |step: u8| {
        let hash = encode(LON_RANGE, LAT_RANGE, lon, lat, step).unwrap_or(Hash { bits: 0, step });
        let area = decode(LON_RANGE, LAT_RANGE, hash).unwrap_or_default();
        (hash, area)
    };
    let (mut hash, mut area) = at(step);
    let dec = |h: Hash| decode(LON_RANGE, LAT_RANGE, h).unwrap_or_default();
    let north = dec(moved(hash, 0, 1));
    let south = dec(moved(hash, 0, -1));
    let east = dec(moved(hash, 1, 0));
    let west = dec(moved(hash, -1, 0));
    let too_coarse_edge =
        north.lat.max < max_lat || south.lat.min > min_lat || east.lon.max < max_lon || west.lon.min > min_lon;
    if step > 1 && too_coarse_edge {
        step -= 1;
        (hash, area) = at(step);
    }
    let mut cells = [
        hash,
        moved(hash, 0, 1),
        moved(hash, 0, -1),
        moved(hash, 1, 0),
        moved(hash, -1, 0),
        moved(hash, 1, 1),
        moved(hash, -1, 1),
        moved(hash, 1, -1),
        moved(hash, -1, -1),
    ];
    const N: usize = 1;
    const S: usize = 2;
    const E: usize = 3;
    const W: usize = 4;
    const NE: usize = 5;
    const NW: usize = 6;
    const SE: usize = 7;
    const SW: usize = 8;
    let mut clear = |idx: [usize; 3]| {
        for i in idx {
            if let Some(c) = cells.get_mut(i) {
                *c = Hash::default();
            }
        }
    };
    if step >= 2 {
        if area.lat.min < min_lat {
            clear([S, SW, SE]);
        }
        if area.lat.max > max_lat {
            clear([N, NE, NW]);
        }
        if area.lon.min < min_lon {
            clear([W, SW, NW]);
        }
        if area.lon.max > max_lon {
            clear([E, SE, NE]);
        }
    }
    SearchAreas { cells }
}

/// The score interval `[min, max)` of every position inside a cell.
pub fn cell_scores(h: Hash) -> (u64, u64) {
    let min = align52(h);
    let max = align52(Hash { bits: h.bits.wrapping_add(1), step: h.step });
    (min, max)
}

/// Distance along a meridian.
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_M * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Great-circle distance in metres (haversine), as Redis's `geohashGetDistance`.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// Whether `point` (`[lon, lat]`) lies in the search area; its distance from the centre if so.
pub fn within(s: &Search, point: [f64; 2]) -> Option<f64> {
    let [x1, y1] = s.center;
    let [x2, y2] = point;
    match s.shape {
        Shape::Radius(r) => {
            let d = distance(x1, y1, x2, y2);
            (d <= r * s.conversion).then_some(d)
        }
        Shape::Box { width, height } => {
            let (w, h) = (width * s.conversion, height * s.conversion);
            if lat_distance(y2, y1) > h / 2.0 {
                return None;
            }
            if distance(x2, y2, x1, y2) > w / 2.0 {
                return None;
            }
            Some(distance(x1, y1, x2, y2))
        }
    }
}

/// Redis's `fixedpoint_d2string(.., 4)`: rounded to 4 decimals half to even, as "%.4f" prints
/// distances.
pub fn fmt_distance(d: f64) -> String {
    if d == 0.0 {
        return "0.0000".into();
    }
    let scaled = (d * 10000.0).round_ties_even();
    // llrint of values out of range returns LLONG_MIN on x86-64.
    let v: i64 = if scaled.is_finite() && scaled >= -9.223_372_036_854_776e18 && scaled < 9.223_372_036_854_776e18 {
        scaled as i64
    } else {
        i64::MIN
    };
    let sign = if v < 0 { "-" } else { "" };
    let u = v.unsigned_abs();
    format!("{sign}{}.{:04}", u / 10000, u % 10000)
}

/// Redis's human long double text of a coordinate (`%.17Lf` without trailing zeros).
pub fn fmt_coord(v: f64) -> String {
    if v.is_infinite() {
        return if v < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let s = format!("{v:.17}");
    let t = s.trim_end_matches('0');
    let t = t.strip_suffix('.').unwrap_or(t);
    if t == "-0" {
        "0".into()
    } else {
        t.to_string()
    }
}

/// Redis's `pqsort`: a Bentley–McIlroy quicksort that only fully orders the elements whose
/// positions fall in `lrange..=rrange`, the rest left partitioned around them. Used for
/// COUNT without ANY, so ties among equal distances land where Redis puts them.
pub fn pqsort<T>(v: &mut [T], cmp: &impl Fn(&T, &T) -> std::cmp::Ordering, lrange: usize, rrange: usize) {
    pq(v, 0, v.len(), cmp, lrange, rrange);
}

fn c3<T>(v: &[T], a: usize, b: usize, cmp: &impl Fn(&T, &T) -> std::cmp::Ordering) -> i32 {
    match (v.get(a), v.get(b)) {
        (Some(x), Some(y)) => cmp(x, y) as i32,
        _ => 0,
    }
}

fn med3<T>(v: &[T], a: usize, b: usize, c: usize, cmp: &impl Fn(&T, &T) -> std::cmp::Ordering) -> usize {
    if c3(v, a, b, cmp) < 0 {
        if c3(v, b, c, cmp) < 0 {
            b
        } else if c3(v, a, c, cmp) < 0 {
            c
        } else {
            a
        }
    } else if c3(v, b, c, cmp) > 0 {
        b
    } else if c3(v, a, c, cmp) < 0 {
        a
    } else {
        c
    }
}

fn swap_at<T>(v: &mut [T], a: usize, b: usize) {
    if a < v.len() && b < v.len() {
        v.swap(a, b);
    }
}

fn vecswap<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        swap_at(v, a + i, b + i);
    }
}

/// Sorts `v[base..base + n]`; positions are absolute indexes into `v`.
fn pq<T>(
    v: &mut [T],
    mut base: usize,
    mut n: usize,
    cmp: &impl Fn(&T, &T) -> std::cmp::Ordering,
    lrange: usize,
    rrange: usize,
) {
    loop {
        if n < 7 {
            for pm in base + 1..base + n {
                let mut pl = pm;
                while pl > base && c3(v, pl - 1, pl, cmp) > 0 {
                    swap_at(v, pl, pl - 1);
                    pl -= 1;
                }
            }
            return;
        }
        let mut pm = base + n / 2;
        if n > 7 {
            let mut pl = base;
            let mut pn = base + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(v, pm - d, pm, pm + d, cmp);
                pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(v, pl, pm, pn, cmp);
        }
        swap_at(v, base, pm);
        let (mut pa, mut pb) = (base + 1, base + 1);
        // pc and pd may step below base + 1 (to base); kept as signed positions.
        let (mut pc, mut pd) = ((base + n - 1) as isize, (base + n - 1) as isize);
        loop {
            while pb as isize <= pc {
                let r = c3(v, pb, base, cmp);
                if r > 0 {
                    break;
                }
                if r == 0 {
                    swap_at(v, pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb as isize <= pc {
                let r = c3(v, pc as usize, base, cmp);
                if r < 0 {
                    break;
                }
                if r == 0 {
                    swap_at(v, pc as usize, pd as usize);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb as isize > pc {
                break;
            }
            swap_at(v, pb, pc as usize);
            pb += 1;
            pc -= 1;
        }
        let pn = base + n;
        let r = (pa - base).min(pb - pa);
        vecswap(v, base, pb - r, r);
        let r = ((pd - pc) as usize).min(pn - pd as usize - 1);
        vecswap(v, pb, pn - r, r);
        let overlaps = |start: usize, len: usize| !(rrange < start || lrange >= start + len);
        let left = pb - pa;
        if left > 1 && overlaps(base, left) {
            pq(v, base, left, cmp, lrange, rrange);
        }
        let right = (pd - pc) as usize;
        if right > 1 {
            base = pn - right;
            n = right;
            if overlaps(base, n) {
                continue;
            }
        }
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleave_round_trips() {
        for (a, b) in [(0u32, 0u32), (1, 0), (0, 1), (0x3ff_ffff, 0x155_5555), (u32::MAX, 7)] {
            let v = interleave(a, b);
            assert_eq!(gather(v), a);
            assert_eq!(gather(v >> 1), b);
        }
    }

    #[test]
    fn palermo_score_and_hash() {
        // Values from Redis's documentation examples.
        assert_eq!(score_of(13.361389, 38.115556), Some(3479099956230698));
        assert_eq!(score_of(15.087269, 37.502669), Some(3479447370796909));
        assert_eq!(geohash_string(3479099956230698.0).as_deref(), Some("sqc8b49rny0"));
        assert_eq!(geohash_string(3479447370796909.0).as_deref(), Some("sqdtr74hyu0"));
        let [lon, lat] = decode_score(3479099956230698.0).unwrap_or_default();
        assert_eq!(fmt_coord(lon), "13.36138933897018433");
        assert_eq!(fmt_coord(lat), "38.11555639549629859");
        let [lon2, lat2] = decode_score(3479447370796909.0).unwrap_or_default();
        assert_eq!(fmt_coord(lon2), "15.08726745843887329");
        let d = distance(lon, lat, lon2, lat2);
        assert_eq!(fmt_distance(d), "166274.1516");
        assert_eq!(fmt_distance(d / 1000.0), "166.2742");
    }

    #[test]
    fn out_of_range_positions_do_not_encode() {
        assert_eq!(score_of(180.1, 0.0), None);
        assert_eq!(score_of(0.0, 85.06), None);
        assert!(score_of(-180.0, -85.05112878).is_some());
        assert!(score_of(180.0, 85.05112878).is_some());
    }

    #[test]
    fn steps() {
        assert_eq!(estimate_step(0.0, 0.0), 26);
        assert_eq!(estimate_step(1.0, 0.0), 24);
        assert_eq!(estimate_step(1000.0, 0.0), 14);
        assert_eq!(estimate_step(1000.0, 70.0), 13);
        assert_eq!(estimate_step(1000.0, -85.0), 12);
        assert_eq!(estimate_step(1e9, 0.0), 1);
    }

    #[test]
    fn distances_format_like_redis() {
        assert_eq!(fmt_distance(0.0), "0.0000");
        assert_eq!(fmt_distance(0.00004), "0.0000");
        assert_eq!(fmt_distance(0.7750), "0.7750");
        assert_eq!(fmt_distance(12345.67891), "12345.6789");
        assert_eq!(fmt_coord(-0.0), "0");
        assert_eq!(fmt_coord(2.5), "2.5");
        assert_eq!(fmt_coord(-180.0), "-180");
    }

    #[test]
    fn pqsort_orders_the_requested_prefix() {
        let mut v: Vec<u32> = (0..200).map(|i| (i * 7919 + 13) % 101).collect();
        let mut full = v.clone();
        full.sort();
        pqsort(&mut v, &|a: &u32, b: &u32| a.cmp(b), 0, 9);
        assert_eq!(v.get(..10), full.get(..10));
        let mut w: Vec<u32> = (0..5).rev().collect();
        pqsort(&mut w, &|a: &u32, b: &u32| a.cmp(b), 0, 1);
        assert_eq!(w, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn weird_scores_decode_without_panicking() {
        for s in [0.0, -1.0, 1e300, f64::INFINITY, f64::NEG_INFINITY, 4503599627370496.0, 123.5] {
            assert!(decode_score(s).is_some());
            assert!(geohash_string(s).is_some());
        }
    }
}
