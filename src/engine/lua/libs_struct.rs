//! Redis's `struct` library (pack/unpack/size of binary records, as lua_struct.c does):
//! `>` `<` `!n` endianness and alignment, `b B h H l L T i[n] I[n]` integers, `f d` floats,
//! `x` padding, `c[n]` fixed strings (`c0` takes its length from the previous number), `s`
//! zero-terminated strings.

use super::shared::Rc;
use super::shared::RefCell;

use super::interp::{Interp, NErr, State, NR};
use super::libs::{bad_arg, check_num, check_str, msg, native, opt_int, set};
use super::{Table, TableRef, Value};

pub fn open(st: &State) {
    let t = TableRef(Rc::new(RefCell::new(Table::default())));
    set(&t, "pack", native("pack", pack));
    set(&t, "unpack", native("unpack", unpack));
    set(&t, "size", native("size", size));
    set(&st.globals, "struct", Value::Table(t));
}

struct Hdr {
    little: bool,
    align: usize,
}

fn getnum(f: &[u8], i: &mut usize, d: usize) -> usize {
    if !f.get(*i).is_some_and(|c| c.is_ascii_digit()) {
        return d;
    }
    let mut a: usize = 0;
    while let Some(c) = f.get(*i).filter(|c| c.is_ascii_digit()) {
        a = a.saturating_mul(10).saturating_add((c - b'0') as usize);
        *i += 1;
    }
    a
}

fn optsize(opt: u8, f: &[u8], i: &mut usize) -> Result<usize, NErr> {
    Ok(match opt {
        b'B' | b'b' | b'x' => 1,
        b'H' | b'h' => 2,
        b'L' | b'l' | b'T' | b'd' => 8,
        b'f' => 4,
        b'c' => getnum(f, i, 1),
        b'i' | b'I' => {
            let sz = getnum(f, i, 4);
            if sz > 32 {
                return msg(format!("integral size {sz} is larger than limit of 32"));
            }
            sz
        }
        _ => 0,
    })
}

fn toalign(len: usize, h: &Hdr, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    (size - (len & (size - 1))) & (size - 1)
}

/// Handles the control options; Ok(false) for a data option.
fn control(opt: u8, f: &[u8], i: &mut usize, h: &mut Hdr, fname: &str) -> Result<bool, NErr> {
    match opt {
        b' ' => Ok(true),
        b'>' => {
            h.little = false;
            Ok(true)
        }
        b'<' => {
            h.little = true;
            Ok(true)
        }
        b'!' => {
            let a = getnum(f, i, 8);
            if a == 0 || !a.is_power_of_two() {
                return msg(format!("alignment {a} is not a power of 2"));
            }
            h.align = a;
            Ok(true)
        }
        b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' | b'f' | b'd' | b'x' | b'c' | b's' => Ok(false),
        o => bad_arg(0, fname, &format!("invalid format option '{}'", o as char)),
    }
}

fn put_int(out: &mut Vec<u8>, x: f64, little: bool, size: usize) {
    let mut v: u64 = if x < 0.0 { (x as i64) as u64 } else { x as u64 };
    let mut b = vec![0u8; size];
    for byte in b.iter_mut().take(size.min(8)) {
        *byte = (v & 0xff) as u8;
        v >>= 8;
    }
    if !little {
        b.reverse();
    }
    out.extend_from_slice(&b);
}

fn pack(_: &Interp, mut args: Vec<Value>) -> NR {
    let f = check_str(&args, 0, "pack")?;
    // lua_struct pushes a placeholder, so the first missing argument reads as nil
    args.push(Value::Nil);
    let mut h = Hdr { little: true, align: 1 };
    let mut out = Vec::new();
    let mut arg = 1;
    let mut i = 0;
    while i < f.len() {
        let opt = f[i];
        i += 1;
        if control(opt, &f, &mut i, &mut h, "pack")? {
            continue;
        }
        let mut size = optsize(opt, &f, &mut i)?;
        let pad = toalign(out.len(), &h, opt, size);
        out.extend(std::iter::repeat_n(0u8, pad));
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = check_num(&args, arg, "pack")?;
                arg += 1;
                put_int(&mut out, n, h.little, size);
            }
            b'x' => out.push(0),
            b'f' => {
                let n = check_num(&args, arg, "pack")?;
                arg += 1;
                let b = if h.little { (n as f32).to_le_bytes() } else { (n as f32).to_be_bytes() };
                out.extend_from_slice(&b);
            }
            b'd' => {
                let n = check_num(&args, arg, "pack")?;
                arg += 1;
                let b = if h.little { n.to_le_bytes() } else { n.to_be_bytes() };
                out.extend_from_slice(&b);
            }
            b'c' | b's' => {
                let s = check_str(&args, arg, "pack")?;
                arg += 1;
                if opt == b's' {
                    out.extend_from_slice(&s);
                    out.push(0);
                } else {
                    if size == 0 {
                        size = s.len();
                    }
                    if s.len() < size {
                        return bad_arg(arg, "pack", "string too short");
                    }
                    out.extend_from_slice(&s[..size]);
                }
            }
            _ => {}
        }
        if out.len() > super::interp::MAX_STR {
            return msg("not enough memory");
        }
    }
    Ok(vec![Value::from(out)])
}

fn get_int(b: &[u8], little: bool, signed: bool) -> f64 {
    let size = b.len();
    let mut l: u64 = 0;
    for i in 0..size {
        let byte = if little { b[size - 1 - i] } else { b[i] };
        l = (l << 8) | byte as u64;
    }
    if signed && size > 0 && size < 8 {
        let mask: u64 = !0u64 << (size * 8 - 1);
        if l & mask != 0 {
            l |= mask;
        }
    }
    if signed {
        (l as i64) as f64
    } else {
        l as f64
    }
}

fn unpack(_: &Interp, args: Vec<Value>) -> NR {
    let f = check_str(&args, 0, "unpack")?;
    let data = check_str(&args, 1, "unpack")?;
    let start = opt_int(&args, 2, "unpack", 1)? - 1;
    if start < 0 {
        return bad_arg(2, "unpack", "offset must be 1 or greater");
    }
    let mut pos = start as usize;
    let mut h = Hdr { little: true, align: 1 };
    let mut out: Vec<Value> = Vec::new();
    let mut i = 0;
    while i < f.len() {
        let opt = f[i];
        i += 1;
        if control(opt, &f, &mut i, &mut h, "unpack")? {
            continue;
        }
        let mut size = optsize(opt, &f, &mut i)?;
        pos += toalign(pos, &h, opt, size);
        if pos.saturating_add(size) > data.len() {
            return bad_arg(1, "unpack", "data string too short");
        }
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                out.push(Value::Num(get_int(&data[pos..pos + size], h.little, opt.is_ascii_lowercase())));
            }
            b'x' => {}
            b'f' => {
                let mut b = [0u8; 4];
                b.copy_from_slice(&data[pos..pos + 4]);
                let v = if h.little { f32::from_le_bytes(b) } else { f32::from_be_bytes(b) };
                out.push(Value::Num(v as f64));
            }
            b'd' => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&data[pos..pos + 8]);
                let v = if h.little { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) };
                out.push(Value::Num(v));
            }
            b'c' => {
                if size == 0 {
                    match out.pop() {
                        Some(Value::Num(n)) if n >= 0.0 => size = n as usize,
                        _ => return msg("format 'c0' needs a previous size"),
                    }
                    if pos.saturating_add(size) > data.len() {
                        return bad_arg(1, "unpack", "data string too short");
                    }
                }
                out.push(Value::str(&data[pos..pos + size]));
            }
            b's' => {
                let Some(z) = data[pos..].iter().position(|&c| c == 0) else {
                    return msg("unfinished string in data");
                };
                out.push(Value::str(&data[pos..pos + z]));
                size = z + 1;
            }
            _ => {}
        }
        pos += size;
    }
    out.push(Value::Num((pos + 1) as f64));
    Ok(out)
}

fn size(_: &Interp, args: Vec<Value>) -> NR {
    let f = check_str(&args, 0, "size")?;
    let mut h = Hdr { little: true, align: 1 };
    let mut total = 0usize;
    let mut i = 0;
    while i < f.len() {
        let opt = f[i];
        i += 1;
        if control(opt, &f, &mut i, &mut h, "size")? {
            continue;
        }
        let size = optsize(opt, &f, &mut i)?;
        total += toalign(total, &h, opt, size);
        if opt == b's' {
            return bad_arg(0, "size", "option 's' has no fixed size");
        }
        if opt == b'c' && size == 0 {
            return bad_arg(0, "size", "option 'c0' has no fixed size");
        }
        total += size;
    }
    Ok(vec![Value::Num(total as f64)])
}
