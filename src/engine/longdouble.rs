//! A software x87 80-bit `long double`, exactly as much as INCRBYFLOAT and HINCRBYFLOAT need.
//!
//! Redis computes those commands with C `long double`: `strtold` to parse, `+` to add and
//! `%.17Lf` to print. On x86-64 that is the 80-bit extended format (64-bit mantissa, 15-bit
//! exponent), and its rounding shows in replies (10.5 + 0.1 prints "10.6", where f64 would
//! print "10.6000000000000001"). Since Rust has no such type, this module reproduces it in
//! software: correctly rounded parsing, round-to-nearest-even addition and exact decimal
//! formatting, using a tiny big-integer type for the exact conversions.

use std::cmp::Ordering;

/// Exponent of `mant * 2^exp` for subnormals and for normals with the smallest exponent.
const MIN_EXP: i64 = -16445;
/// Exponent of the largest finite values (unbiased exponent 16383 minus 63 fraction bits).
const MAX_EXP: i64 = 16320;
/// Redis's `MAX_LONG_DOUBLE_CHARS`: `string2ld` refuses strings this long or longer.
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Finite,
    Inf,
    Nan,
}

/// An 80-bit extended precision value: `(-1)^neg * mant * 2^exp` when finite.
///
/// Invariant for finite values: `mant == 0` (a signed zero), or `mant >= 2^63` with
/// `MIN_EXP <= exp <= MAX_EXP` (normal), or `mant < 2^63` with `exp == MIN_EXP` (subnormal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    neg: bool,
    class: Class,
    mant: u64,
    exp: i64,
}

/// Why a string is not a long double.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not the complete text of a number.
    Invalid,
    /// A number too large (it would be infinite) or too small (it would be zero): `strtold`
    /// sets `ERANGE` and Redis's `string2ld` refuses it.
    Range,
}

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble { neg: false, class: Class::Finite, mant: 0, exp: 0 };

    fn zero(neg: bool) -> LongDouble {
        LongDouble { neg, ..LongDouble::ZERO }
    }
    fn inf(neg: bool) -> LongDouble {
        LongDouble { neg, class: Class::Inf, mant: 0, exp: 0 }
    }
    fn nan() -> LongDouble {
        LongDouble { neg: false, class: Class::Nan, mant: 0, exp: 0 }
    }

    pub fn is_nan(&self) -> bool {
        self.class == Class::Nan
    }
    pub fn is_infinite(&self) -> bool {
        self.class == Class::Inf
    }
    pub fn is_finite(&self) -> bool {
        self.class == Class::Finite
    }
    pub fn is_zero(&self) -> bool {
        self.class == Class::Finite && self.mant == 0
    }
    pub fn is_sign_negative(&self) -> bool {
        self.neg
    }

    /// An integer, exactly (every i64 fits the 64-bit mantissa).
    pub fn from_i64(v: i64) -> LongDouble {
        round(v < 0, u128::from(v.unsigned_abs()), 0, false)
    }

    /// Parses like C's `strtold` when it must consume the whole string: an optional sign, then
    /// a decimal number with optional fraction and exponent, a hexadecimal one (`0x1.8p3`),
    /// `inf`/`infinity` or `nan` (any case). No surrounding whitespace. Rounds to nearest even.
    pub fn parse(s: &[u8]) -> Result<LongDouble, ParseError> {
        let (neg, body) = match s.split_first() {
            Some((b'-', rest)) => (true, rest),
            Some((b'+', rest)) => (false, rest),
            _ => (false, s),
        };
        if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            return Ok(LongDouble::inf(neg));
        }
        if is_nan_text(body) {
            return Ok(LongDouble::nan());
        }
        let hex = body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' && starts_hex_mantissa(&body[2..]);
        if hex {
            parse_hex(neg, &body[2..])
        } else {
            parse_decimal(neg, body)
        }
    }

    /// Redis's `string2ld`: the whole string must be a number (at most 5119 bytes, no leading
    /// space); NaN and out-of-range values are refused. Infinity itself is accepted.
    pub fn parse_redis(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS {
            return None;
        }
        match LongDouble::parse(s) {
            Ok(v) if !v.is_nan() => Some(v),
            _ => None,
        }
    }

    /// `self + other`, rounded to nearest even like the x87 FPU in extended precision.
    fn sum(self, other: LongDouble) -> LongDouble {
        match (self.class, other.class) {
            (Class::Nan, _) | (_, Class::Nan) => return LongDouble::nan(),
            (Class::Inf, Class::Inf) => {
                return if self.neg == other.neg { self } else { LongDouble::nan() };
            }
            (Class::Inf, _) => return self,
            (_, Class::Inf) => return other,
            _ => {}
        }
        if self.mant == 0 && other.mant == 0 {
            return LongDouble::zero(self.neg && other.neg);
        }
        if self.mant == 0 {
            return other;
        }
        if other.mant == 0 {
            return self;
        }
        // Normalize both so the top mantissa bit is set (subnormals get smaller exponents).
        let norm = |v: LongDouble| {
            let lz = v.mant.leading_zeros();
            (v.mant << lz, v.exp - i64::from(lz), v.neg)
        };
        let (a, b) = (norm(self), norm(other));
        let (big, small) = if (a.1, a.0) >= (b.1, b.0) { (a, b) } else { (b, a) };
        // 62 guard bits below the larger operand's mantissa make the rounding exact.
        let wide_a = u128::from(big.0) << 62;
        let exp = big.1 - 62;
        let d = big.1 - small.1;
        let (wide_b, sticky) = if d <= 62 {
            (u128::from(small.0) << (62 - d), false)
        } else if d - 62 >= 64 {
            (0, true)
        } else {
            let sd = (d - 62) as u32;
            (u128::from(small.0 >> sd), small.0 & ((1u64 << sd) - 1) != 0)
        };
        if big.2 == small.2 {
            return round(big.2, wide_a + wide_b, exp, sticky);
        }
        let diff = wide_a - wide_b;
        if diff == 0 {
            return LongDouble::ZERO;
        }
        if sticky {
            // a - b - f with 0 < f < 1 unit equals (a - b - 1) + (1 - f): one less, inexact.
            round(big.2, diff - 1, exp, true)
        } else {
            round(big.2, diff, exp, false)
        }
    }

    /// C's `printf("%.17Lf", v)`: all integer digits and 17 decimals, the last one rounded
    /// half to even on the exact binary value (as glibc does).
    pub fn to_fixed17(&self) -> String {
        let sign = if self.neg { "-" } else { "" };
        match self.class {
            Class::Inf => return format!("{sign}inf"),
            Class::Nan => return format!("{sign}nan"),
            Class::Finite => {}
        }
        let digits = if self.exp >= 0 {
            let int = Big::from_u128(u128::from(self.mant)).shl(self.exp as u64);
            format!("{}00000000000000000", int.to_decimal())
        } else {
            let mut n = Big::from_u128(u128::from(self.mant));
            n.mul_small(100_000_000_000_000_000);
            let s = self.exp.unsigned_abs();
            let mut q = n.shr(s);
            let half = n.bit(s - 1);
            let below = n.any_below(s - 1);
            if half && (below || q.bit(0)) {
                q.add_small(1);
            }
            q.to_decimal()
        };
        let padded = if digits.len() < 18 { format!("{digits:0>18}") } else { digits };
        let (int, frac) = padded.split_at(padded.len() - 17);
        format!("{sign}{int}.{frac}")
    }

    /// Redis's "human friendly" long double text (`ld2string` with `LD_STR_HUMAN`): `%.17Lf`
    /// without trailing zeros or a trailing point, and "-0" written as "0".
    pub fn to_human(&self) -> String {
        if self.is_infinite() {
            return if self.neg { "-inf".into() } else { "inf".into() };
        }
        let fixed = self.to_fixed17();
        let mut out = if fixed.contains('.') {
            let t = fixed.trim_end_matches('0');
            t.strip_suffix('.').unwrap_or(t).to_string()
        } else {
            fixed
        };
        if out == "-0" {
            out = "0".into();
        }
        out
    }
}

impl std::ops::Add for LongDouble {
    type Output = LongDouble;
    fn add(self, other: LongDouble) -> LongDouble {
        self.sum(other)
    }
}

fn is_nan_text(body: &[u8]) -> bool {
    if body.len() < 3 || !body[..3].eq_ignore_ascii_case(b"nan") {
        return false;
    }
    // C also accepts "nan(chars)" where chars are letters, digits and underscores.
    let rest = &body[3..];
    rest.is_empty()
        || (rest.len() >= 2
            && rest[0] == b'('
            && rest[rest.len() - 1] == b')'
            && rest[1..rest.len() - 1].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_'))
}

/// True when a hexadecimal significand starts here (a hex digit, or a point then one).
fn starts_hex_mantissa(s: &[u8]) -> bool {
    match s.first() {
        Some(c) if c.is_ascii_hexdigit() => true,
        Some(b'.') => s.get(1).is_some_and(u8::is_ascii_hexdigit),
        _ => false,
    }
}

/// Reads an exponent's digits (after `e` or `p`) with an optional sign; saturates far beyond
/// any meaningful range. Returns `None` when no digit follows.
fn parse_exponent(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        v = (v * 10 + i64::from(c - b'0')).min(1 << 40);
    }
    Some(if neg { -v } else { v })
}

/// Splits `digits[.digits][<exp_char>exp]`, calling `digit` for every significand digit
/// and returning (digits after the point, exponent). `None` when the text is malformed.
fn split_number(s: &[u8], is_digit: fn(&u8) -> bool, exp_char: u8, mut digit: impl FnMut(u8)) -> Option<(i64, i64)> {
    let mut i = 0;
    let mut seen = 0usize;
    let mut frac = 0i64;
    while let Some(c) = s.get(i).filter(|c| is_digit(c)) {
        digit(*c);
        seen += 1;
        i += 1;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        while let Some(c) = s.get(i).filter(|c| is_digit(c)) {
            digit(*c);
            seen += 1;
            frac += 1;
            i += 1;
        }
    }
    if seen == 0 {
        return None;
    }
    let exp = match s.get(i) {
        None => 0,
        Some(c) if (c | 0x20) == exp_char => parse_exponent(s.get(i + 1..).unwrap_or(&[]))?,
        Some(_) => return None,
    };
    Some((frac, exp))
}

fn parse_decimal(neg: bool, s: &[u8]) -> Result<LongDouble, ParseError> {
    let mut big = Big::default();
    let (mut chunk, mut chunk_len) = (0u64, 0u32);
    let (frac, exp) = split_number(s, u8::is_ascii_digit, b'e', |c| {
        chunk = chunk * 10 + u64::from(c - b'0');
        chunk_len += 1;
        if chunk_len == 19 {
            big.mul_small(10u64.pow(19));
            big.add_small(chunk);
            chunk = 0;
            chunk_len = 0;
        }
    })
    .ok_or(ParseError::Invalid)?;
    big.mul_small(10u64.pow(chunk_len));
    big.add_small(chunk);
    if big.is_zero() {
        return Ok(LongDouble::zero(neg));
    }
    let exp10 = exp - frac;
    // value is in [2^(bits-1), 2^bits) * 10^exp10; decide the hopeless cases cheaply.
    let bits = big.bit_len() as f64;
    let log_lo = (bits - 1.0) * std::f64::consts::LOG10_2 + exp10 as f64;
    let log_hi = bits * std::f64::consts::LOG10_2 + exp10 as f64;
    if log_lo > 4934.0 {
        return Err(ParseError::Range);
    }
    if log_hi < -4953.0 {
        return Err(ParseError::Range);
    }
    let (num, den) = if exp10 >= 0 {
        let mut n = big;
        n.mul_pow10(exp10 as u64);
        (n, Big::from_u128(1))
    } else {
        let mut d = Big::from_u128(1);
        d.mul_pow10(exp10.unsigned_abs());
        (big, d)
    };
    // Scale so that the quotient has 66 or 67 bits: two guard bits beyond the mantissa.
    let k = 66 - (num.bit_len() as i64 - den.bit_len() as i64);
    let (mut rem, den) = if k >= 0 { (num.shl(k as u64), den) } else { (num, den.shl(k.unsigned_abs())) };
    let mut q: u128 = 0;
    let mut t = den.shl(66);
    for i in (0..=66).rev() {
        if rem.cmp(&t) != Ordering::Less {
            rem.sub_assign(&t);
            q |= 1u128 << i;
        }
        t = t.shr(1);
    }
    finish(neg, round(neg, q, -k, !rem.is_zero()))
}

fn parse_hex(neg: bool, s: &[u8]) -> Result<LongDouble, ParseError> {
    let mut big = Big::default();
    let (frac, exp) = split_number(s, u8::is_ascii_hexdigit, b'p', |c| {
        let d = (c as char).to_digit(16).unwrap_or(0);
        big.mul_small(16);
        big.add_small(u64::from(d));
    })
    .ok_or(ParseError::Invalid)?;
    if big.is_zero() {
        return Ok(LongDouble::zero(neg));
    }
    let mut exp2 = exp - 4 * frac;
    let bits = big.bit_len();
    let (sig, sticky) = if bits > 67 {
        let lost = big.any_below(bits - 67);
        exp2 += (bits - 67) as i64;
        (big.shr(bits - 67).low_u128(), lost)
    } else {
        (big.low_u128(), false)
    };
    finish(neg, round(neg, sig, exp2, sticky))
}

/// Maps a rounded non-zero input to strtold's outcome: infinite or zero means `ERANGE`.
fn finish(_neg: bool, v: LongDouble) -> Result<LongDouble, ParseError> {
    if v.is_infinite() || v.is_zero() {
        Err(ParseError::Range)
    } else {
        Ok(v)
    }
}

/// Rounds `sig * 2^exp` (plus a positive amount below its last bit when `sticky`) to the
/// nearest extended value, ties to even; overflows to infinity, underflows through subnormals
/// to zero. Callers keep at least two bits below the final mantissa when `sticky` can be set.
fn round(neg: bool, sig: u128, exp: i64, sticky: bool) -> LongDouble {
    if sig == 0 {
        return LongDouble::zero(neg);
    }
    let bits = 128 - i64::from(sig.leading_zeros());
    let mut shift = bits - 64;
    if exp.saturating_add(shift) < MIN_EXP {
        shift = MIN_EXP - exp;
    }
    let (mant, e) = if shift <= 0 {
        ((sig << shift.unsigned_abs()) as u64, exp + shift)
    } else {
        let (kept, half, below) = if shift > 128 {
            (0u128, false, true)
        } else if shift == 128 {
            (0u128, sig >> 127 == 1, sig << 1 != 0)
        } else {
            let s = shift as u32;
            (sig >> s, (sig >> (s - 1)) & 1 == 1, sig & ((1u128 << (s - 1)) - 1) != 0)
        };
        let below = below || sticky;
        let mut m = kept as u64;
        let mut e = exp + shift;
        if half && (below || m & 1 == 1) {
            match m.checked_add(1) {
                Some(v) => m = v,
                None => {
                    m = 1 << 63;
                    e += 1;
                }
            }
        }
        (m, e)
    };
    if mant == 0 {
        return LongDouble::zero(neg);
    }
    if e > MAX_EXP {
        return LongDouble::inf(neg);
    }
    LongDouble { neg, class: Class::Finite, mant, exp: e }
}

// ---- a minimal unsigned big integer -------------------------------------------------------

/// Little-endian 64-bit limbs without trailing zero limbs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Big(Vec<u64>);

impl Big {
    fn from_u128(v: u128) -> Big {
        let mut b = Big(vec![v as u64, (v >> 64) as u64]);
        b.trim();
        b
    }
    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
    fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(top) => (self.0.len() as u64) * 64 - u64::from(top.leading_zeros()),
        }
    }
    fn bit(&self, i: u64) -> bool {
        let limb = (i / 64) as usize;
        self.0.get(limb).is_some_and(|l| (l >> (i % 64)) & 1 == 1)
    }
    /// True when any bit below position `i` is set.
    fn any_below(&self, i: u64) -> bool {
        let full = ((i / 64) as usize).min(self.0.len());
        if self.0[..full].iter().any(|&l| l != 0) {
            return true;
        }
        let r = i % 64;
        r > 0 && self.0.get(full).is_some_and(|l| l & ((1u64 << r) - 1) != 0)
    }
    fn low_u128(&self) -> u128 {
        let lo = u128::from(self.0.first().copied().unwrap_or(0));
        let hi = u128::from(self.0.get(1).copied().unwrap_or(0));
        lo | (hi << 64)
    }
    fn mul_small(&mut self, m: u64) {
        let mut carry: u128 = 0;
        for l in &mut self.0 {
            let v = u128::from(*l) * u128::from(m) + carry;
            *l = v as u64;
            carry = v >> 64;
        }
        if carry > 0 {
            self.0.push(carry as u64);
        }
        self.trim();
    }
    fn add_small(&mut self, a: u64) {
        let mut carry = a;
        for l in &mut self.0 {
            if carry == 0 {
                break;
            }
            let (v, o) = l.overflowing_add(carry);
            *l = v;
            carry = u64::from(o);
        }
        if carry > 0 {
            self.0.push(carry);
        }
    }
    fn mul_pow10(&mut self, mut n: u64) {
        while n >= 19 {
            self.mul_small(10u64.pow(19));
            n -= 19;
        }
        self.mul_small(10u64.pow(n as u32));
    }
    fn shl(&self, n: u64) -> Big {
        if self.is_zero() {
            return Big::default();
        }
        let (limbs, bits) = ((n / 64) as usize, (n % 64) as u32);
        let mut out = vec![0u64; limbs];
        out.reserve(self.0.len() + 1);
        let mut carry = 0u64;
        for &l in &self.0 {
            if bits == 0 {
                out.push(l);
            } else {
                out.push((l << bits) | carry);
                carry = l >> (64 - bits);
            }
        }
        if carry > 0 {
            out.push(carry);
        }
        Big(out)
    }
    fn shr(&self, n: u64) -> Big {
        let limbs = (n / 64) as usize;
        let bits = (n % 64) as u32;
        let src = self.0.get(limbs..).unwrap_or(&[]);
        let mut out = Vec::with_capacity(src.len());
        for (i, &l) in src.iter().enumerate() {
            let hi = if bits == 0 { 0 } else { src.get(i + 1).map_or(0, |h| h << (64 - bits)) };
            out.push((l >> bits) | hi);
        }
        let mut b = Big(out);
        b.trim();
        b
    }
    fn cmp(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }
    /// `self -= o`; requires `self >= o`.
    fn sub_assign(&mut self, o: &Big) {
        let mut borrow = false;
        for (i, l) in self.0.iter_mut().enumerate() {
            let r = o.0.get(i).copied().unwrap_or(0);
            let (v1, b1) = l.overflowing_sub(r);
            let (v2, b2) = v1.overflowing_sub(u64::from(borrow));
            *l = v2;
            borrow = b1 || b2;
        }
        self.trim();
    }
    /// Divides in place by `d` (non-zero) and returns the remainder.
    fn div_rem_small(&mut self, d: u64) -> u64 {
        let mut rem: u128 = 0;
        for l in self.0.iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*l);
            *l = (cur / u128::from(d)) as u64;
            rem = cur % u128::from(d);
        }
        self.trim();
        rem as u64
    }
    fn to_decimal(&self) -> String {
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_rem_small(10u64.pow(19)));
        }
        let mut out = match chunks.pop() {
            Some(top) => top.to_string(),
            None => return "0".into(),
        };
        for c in chunks.iter().rev() {
            out.push_str(&format!("{c:019}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Add;

    fn ld(s: &str) -> LongDouble {
        LongDouble::parse(s.as_bytes()).unwrap()
    }
    fn incr(a: &str, b: &str) -> String {
        ld(a).add(ld(b)).to_human()
    }

    #[test]
    fn parses_exact_values() {
        assert_eq!(ld("1").to_fixed17(), "1.00000000000000000");
        assert_eq!(ld("-2.5").to_fixed17(), "-2.50000000000000000");
        assert_eq!(ld("0x1p-2").to_human(), "0.25");
        assert_eq!(ld("0x.8").to_human(), "0.5");
        assert_eq!(ld("+5.0e3").to_human(), "5000");
        assert_eq!(ld("1.").to_human(), "1");
        assert_eq!(ld(".5").to_human(), "0.5");
        assert_eq!(ld("9223372036854775807").to_human(), "9223372036854775807");
        assert_eq!(LongDouble::from_i64(i64::MIN).to_human(), "-9223372036854775808");
        assert!(ld("inf").is_infinite());
        assert!(ld("-Infinity").is_sign_negative());
        assert!(ld("nan").is_nan());
    }

    #[test]
    fn rejects_what_strtold_does_not_consume() {
        for bad in ["", ".", "e5", "1e", "1e+", "1x", " 1", "1 ", "0x", "0xg", "0x1p", "infx", "--1", "1..2"] {
            assert_eq!(LongDouble::parse(bad.as_bytes()), Err(ParseError::Invalid), "{bad:?}");
        }
        assert_eq!(LongDouble::parse(b"1e5000"), Err(ParseError::Range));
        assert_eq!(LongDouble::parse(b"1e-5000"), Err(ParseError::Range));
        assert_eq!(LongDouble::parse(b"0e-5000"), Ok(LongDouble::ZERO));
        assert_eq!(LongDouble::parse_redis(b"nan"), None);
        assert!(LongDouble::parse_redis(b"inf").is_some());
        assert!(LongDouble::parse_redis(&[b'1'; 5120]).is_none());
        assert!(LongDouble::parse_redis(&[b'1'; 5119]).is_none()); // overflows
    }

    #[test]
    fn rounding_shows_long_double_precision() {
        // Values checked against glibc's strtold/%.17Lf on x86-64.
        assert_eq!(ld("0.1").to_fixed17(), "0.10000000000000000");
        assert_eq!(incr("10.5", "0.1"), "10.6");
        assert_eq!(incr("0.1", "0.2"), "0.3");
        assert_eq!(incr("1e10", "0.1"), "10000000000.09999999962747097");
        assert_eq!(incr("3.0e3", "2.0e3"), "5000");
        assert_eq!(incr("1.5", "-1.5"), "0");
        assert_eq!(incr("-1e-30", "0"), "0");
        assert_eq!(ld("1e300").add(ld("1e300")).to_human().len(), 301);
        assert_eq!(incr("1.1", "0"), "1.1");
        assert_eq!(incr("0.3333333333333333333333", "0"), "0.33333333333333333");
    }

    #[test]
    fn fixed_format_ties_go_to_even() {
        // 2^-18 = 0.000003814697265625 ends exactly on a 5 in the 18th decimal.
        assert_eq!(ld("0x1p-18").to_fixed17(), "0.00000381469726562");
        // 3 * 2^-18 = 0.000011444091796875: ...7|5 rounds up to the even 8.
        assert_eq!(ld("0x3p-18").to_fixed17(), "0.00001144409179688");
    }

    #[test]
    fn extremes() {
        let max = ld("0xffffffffffffffffp16320");
        assert!(max.is_finite());
        assert!(max.add(max).is_infinite());
        assert!(ld("1.18973149535723176502e+4932").is_finite());
        assert!(LongDouble::parse(b"1.2e4932").is_err());
        let tiny = ld("0x1p-16445");
        assert!(tiny.is_finite() && !tiny.is_zero());
        assert_eq!(LongDouble::parse(b"0x1p-16446"), Err(ParseError::Range)); // tie to even: zero
        assert!(ld("0x1.8p-16445").add(LongDouble::ZERO).is_finite());
        assert!(ld("inf").add(ld("-inf")).is_nan());
        assert_eq!(ld("-0").add(ld("-0")).to_fixed17(), "-0.00000000000000000");
        assert_eq!(ld("-0").to_human(), "0");
    }

    #[test]
    fn addition_rounds_to_nearest_even() {
        // 1 + 2^-64 is a tie between 1 and 1 + 2^-63: stays at the even 1.
        let one = ld("1");
        assert_eq!(one.add(ld("0x1p-64")), one);
        assert_eq!(one.add(ld("0x1.000001p-64")), ld("0x1.0000000000000002"));
        // Below 1 the spacing halves: 1 - 2^-65 is a tie (to the even 1), and a little more
        // (2^-128, lost to the sticky bit) tips it down to 1 - 2^-64.
        assert_eq!(one.add(ld("-0x1p-65")), one);
        assert_eq!(one.add(ld("-0x1.0000000000000002p-65")), ld("0x1.fffffffffffffffep-1"));
        assert_eq!(one.add(ld("-0x1p-200")), one);
        assert_eq!(ld("5").add(ld("-3")).to_human(), "2");
        assert_eq!(ld("-5").add(ld("3")).to_human(), "-2");
    }

    /// Compares against vectors produced by a C program (one `a b expected` per line) when
    /// LONGDOUBLE_VECTORS names such a file: `cargo test longdouble -- --ignored`.
    #[test]
    #[ignore]
    fn matches_c_vectors() {
        let Ok(path) = std::env::var("LONGDOUBLE_VECTORS") else {
            return;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let mut bad = 0;
        for line in text.lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            let (a, b, want) = (parts[0], parts[1], parts[2]);
            let got = match (LongDouble::parse_redis(a.as_bytes()), LongDouble::parse_redis(b.as_bytes())) {
                (Some(x), Some(y)) => {
                    let s = x.add(y);
                    if s.is_finite() {
                        s.to_human()
                    } else {
                        "NANINF".to_string()
                    }
                }
                _ => "INVALID".to_string(),
            };
            if got != want {
                bad += 1;
                if bad < 20 {
                    eprintln!("{a} + {b}: want {want} got {got}");
                }
            }
        }
        assert_eq!(bad, 0);
    }
}
