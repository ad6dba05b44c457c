//! Lua 5.1's number conversions: "%.14g" printing and `lua_str2number` parsing.

/// C's `printf("%.*g", precision, v)` (glibc's spelling of inf and nan).
pub fn fmt_g(v: f64, precision: usize, alt: bool) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan".into() } else { "nan".into() };
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let p = precision.max(1);
    if v == 0.0 {
        let z = if alt && p > 1 { format!("0.{}", "0".repeat(p - 1)) } else { "0".into() };
        return if v.is_sign_negative() { format!("-{z}") } else { z };
    }
    let sci = format!("{:.*e}", p - 1, v);
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if exp < -4 || exp >= p as i32 {
        let m = if alt { mantissa } else { strip_zeros(&mantissa) };
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if alt {
            s
        } else {
            strip_zeros(&s)
        }
    }
}

fn strip_zeros(s: &str) -> String {
    if !s.contains('.') {
        return s.to_string();
    }
    let t = s.trim_end_matches('0');
    t.strip_suffix('.').unwrap_or(t).to_string()
}

/// How Lua 5.1 prints a number (`tostring`, `..`): "%.14g".
pub fn number_to_string(n: f64) -> String {
    fmt_g(n, 14, false)
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Lua 5.1's `luaO_str2d`: strtod (decimal, "inf"/"nan" words included as glibc's strtod
/// accepts them), or a hexadecimal integer "0x..", with surrounding whitespace allowed.
pub fn string_to_number(s: &[u8]) -> Option<f64> {
    let mut a = 0;
    let mut b = s.len();
    while a < b && is_space(s[a]) {
        a += 1;
    }
    while b > a && is_space(s[b - 1]) {
        b -= 1;
    }
    let t = &s[a..b];
    if t.is_empty() {
        return None;
    }
    // Hexadecimal (strtoul), with an optional sign as strtoul allows.
    let (neg, body) = match t[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if body.len() > 2 && body[0] == b'0' && (body[1] == b'x' || body[1] == b'X') {
        let mut v: f64 = 0.0;
        for &c in &body[2..] {
            let d = (c as char).to_digit(16)?;
            v = v * 16.0 + d as f64;
        }
        // strtoul wraps negatives modulo 2^64; values that big lose precision anyway.
        return Some(if neg { -v } else { v });
    }
    parse_decimal(t)
}

/// strtod's decimal syntax (the whole text must be consumed).
pub fn parse_decimal(t: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(t).ok()?;
    let lower = text.to_ascii_lowercase();
    let (neg, body) = match lower.as_bytes().first() {
        Some(b'-') => (true, &lower[1..]),
        Some(b'+') => (false, &lower[1..]),
        _ => (false, &lower[..]),
    };
    let v = match body {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => {
            let bb = body.as_bytes();
            if bb.is_empty() || !bb.iter().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'-' | b'+')) {
                return None;
            }
            // Reject forms Rust takes but strtod would not consume wholly (e.g. "1e").
            if !(bb[0].is_ascii_digit() || bb[0] == b'.') {
                return None;
            }
            body.parse::<f64>().ok()?
        }
    };
    Some(if neg { -v } else { v })
}
