//! The parser: Lua 5.1's grammar to an AST whose names are resolved to local slots, upvalues
//! or globals, with Lua's syntax error texts ("'=' expected near 'end'", ...).

use super::shared::Rc;

use super::lex::{Lexer, Tok, T};
use super::LuaStr;

/// How deeply expressions and blocks may nest (Lua's LUAI_MAXCCALLS).
const MAX_LEVELS: u32 = 200;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UpSrc {
    Local(usize),
    Up(usize),
}

pub struct Proto {
    pub chunk: Rc<str>,
    pub line: u32,
    pub nparams: usize,
    pub is_vararg: bool,
    pub nslots: usize,
    pub captured: Vec<bool>,
    pub slot_names: Vec<LuaStr>,
    pub upvals: Vec<UpSrc>,
    pub upval_names: Vec<LuaStr>,
    pub body: Vec<Stat>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

pub enum TItem {
    Pos(Expr),
    Kv(Expr, Expr),
}

pub enum Expr {
    Nil,
    True,
    False,
    Num(f64),
    Str(LuaStr),
    Vararg,
    Local(usize),
    Upval(usize),
    Global(LuaStr, u32),
    Index(Box<Expr>, Box<Expr>, u32),
    Call(Box<Expr>, Vec<Expr>, u32),
    Method(Box<Expr>, LuaStr, Vec<Expr>, u32),
    Func(Rc<Proto>),
    Bin(BinOp, Box<Expr>, Box<Expr>, u32),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>, u32),
    Len(Box<Expr>, u32),
    Table(Vec<TItem>, u32),
    Paren(Box<Expr>),
}

impl Expr {
    pub fn is_multi(&self) -> bool {
        matches!(self, Expr::Call(..) | Expr::Method(..) | Expr::Vararg)
    }
}

pub enum Stat {
    Expr(Expr, u32),
    Local(Vec<usize>, Vec<Expr>, u32),
    Assign(Vec<Expr>, Vec<Expr>, u32),
    Do(Vec<Stat>),
    While(Expr, Vec<Stat>, u32),
    Repeat(Vec<Stat>, Expr, u32),
    If(Vec<(Expr, Vec<Stat>)>, Option<Vec<Stat>>, u32),
    NumFor(usize, Expr, Expr, Option<Expr>, Vec<Stat>, u32),
    GenFor(Vec<usize>, Vec<Expr>, Vec<Stat>, u32),
    LocalFunc(usize, Rc<Proto>, u32),
    Return(Vec<Expr>, u32),
    Break(u32),
}

struct FuncState {
    actives: Vec<(LuaStr, usize)>,
    nslots: usize,
    captured: Vec<bool>,
    slot_names: Vec<LuaStr>,
    upvals: Vec<UpSrc>,
    upval_names: Vec<LuaStr>,
    is_vararg: bool,
    loops: u32,
}

impl FuncState {
    fn new(is_vararg: bool) -> FuncState {
        FuncState {
            actives: Vec::new(),
            nslots: 0,
            captured: Vec::new(),
            slot_names: Vec::new(),
            upvals: Vec::new(),
            upval_names: Vec::new(),
            is_vararg,
            loops: 0,
        }
    }
}

struct Parser<'a> {
    lx: Lexer<'a>,
    cur: Tok,
    ahead: Option<Tok>,
    chunk: Rc<str>,
    fs: Vec<FuncState>,
    level: u32,
    /// Line of the last token consumed (Lua's `lastline`, the line code is emitted at).
    last_line: u32,
}

type R<T> = Result<T, String>;

pub fn parse_chunk(src: &[u8], chunk: &str) -> R<Rc<Proto>> {
    let mut lx = Lexer::new(src, chunk);
    let cur = lx.next()?;
    let mut p =
        Parser { lx, cur, ahead: None, chunk: Rc::from(chunk), fs: vec![FuncState::new(true)], level: 0, last_line: 1 };
    let body = p.block()?;
    if p.cur.t != T::Eof {
        return Err(p.err_near("'<eof>' expected"));
    }
    let fs = p.fs.pop().unwrap_or_else(|| FuncState::new(true));
    Ok(Rc::new(p.finish(fs, 0, 0, body)))
}

impl<'a> Parser<'a> {
    fn finish(&self, fs: FuncState, line: u32, nparams: usize, body: Vec<Stat>) -> Proto {
        Proto {
            chunk: self.chunk.clone(),
            line,
            nparams,
            is_vararg: fs.is_vararg,
            nslots: fs.nslots,
            captured: fs.captured,
            slot_names: fs.slot_names,
            upvals: fs.upvals,
            upval_names: fs.upval_names,
            body,
        }
    }

    fn err_near(&self, msg: &str) -> String {
        format!("{}:{}: {} near '{}'", self.chunk, self.cur.line, msg, self.cur.text)
    }

    fn advance(&mut self) -> R<()> {
        self.last_line = self.cur.line;
        self.cur = match self.ahead.take() {
            Some(t) => t,
            None => self.lx.next()?,
        };
        Ok(())
    }

    fn peek(&mut self) -> R<&T> {
        if self.ahead.is_none() {
            self.ahead = Some(self.lx.next()?);
        }
        Ok(self.ahead.as_ref().map(|t| &t.t).unwrap_or(&T::Eof))
    }

    fn is(&self, s: &str) -> bool {
        matches!(&self.cur.t, T::Sym(x) if *x == s)
    }

    fn test_next(&mut self, s: &str) -> R<bool> {
        if self.is(s) {
            self.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn check(&mut self, s: &str) -> R<()> {
        if self.is(s) {
            self.advance()
        } else {
            Err(self.err_near(&format!("'{s}' expected")))
        }
    }

    fn check_match(&mut self, what: &str, who: &str, line: u32) -> R<()> {
        if self.is(what) {
            return self.advance();
        }
        if line == self.cur.line {
            Err(self.err_near(&format!("'{what}' expected")))
        } else {
            Err(self.err_near(&format!("'{what}' expected (to close '{who}' at line {line})")))
        }
    }

    fn name(&mut self) -> R<LuaStr> {
        if let T::Name(n) = &self.cur.t {
            let n = n.clone();
            self.advance()?;
            Ok(n)
        } else {
            Err(self.err_near("'<name>' expected"))
        }
    }

    fn enter(&mut self) -> R<()> {
        self.level += 1;
        if self.level > MAX_LEVELS {
            return Err(self.err_near("chunk has too many syntax levels"));
        }
        Ok(())
    }

    fn fs(&mut self) -> &mut FuncState {
        let n = self.fs.len() - 1;
        &mut self.fs[n]
    }

    fn new_slot(&mut self, name: LuaStr) -> usize {
        let fs = self.fs();
        let s = fs.nslots;
        fs.nslots += 1;
        fs.captured.push(false);
        fs.slot_names.push(name);
        s
    }

    fn activate(&mut self, name: LuaStr, slot: usize) {
        self.fs().actives.push((name, slot));
    }

    fn resolve_up(&mut self, level: usize, name: &LuaStr) -> Option<usize> {
        if level == 0 {
            return None;
        }
        let parent = level - 1;
        let src = match self.fs[parent].actives.iter().rev().find(|(n, _)| n == name) {
            Some(&(_, slot)) => {
                self.fs[parent].captured[slot] = true;
                UpSrc::Local(slot)
            }
            None => UpSrc::Up(self.resolve_up(parent, name)?),
        };
        let fs = &mut self.fs[level];
        if let Some(i) = fs.upvals.iter().position(|u| *u == src) {
            return Some(i);
        }
        fs.upvals.push(src);
        fs.upval_names.push(name.clone());
        Some(fs.upvals.len() - 1)
    }

    fn single_var(&mut self, name: LuaStr, line: u32) -> Expr {
        let top = self.fs.len() - 1;
        if let Some(&(_, slot)) = self.fs[top].actives.iter().rev().find(|(n, _)| *n == name) {
            return Expr::Local(slot);
        }
        match self.resolve_up(top, &name) {
            Some(i) => Expr::Upval(i),
            None => Expr::Global(name, line),
        }
    }

    fn block_follow(&self) -> bool {
        matches!(&self.cur.t, T::Eof) || self.is("else") || self.is("elseif") || self.is("end") || self.is("until")
    }

    /// A block in its own scope.
    fn block(&mut self) -> R<Vec<Stat>> {
        let n = self.fs().actives.len();
        let b = self.stats()?;
        self.fs().actives.truncate(n);
        Ok(b)
    }

    fn stats(&mut self) -> R<Vec<Stat>> {
        self.enter()?;
        let mut out = Vec::new();
        loop {
            if self.block_follow() {
                break;
            }
            let last = self.is("return") || self.is("break");
            let s = self.statement()?;
            out.push(s);
            self.test_next(";")?;
            if last {
                break;
            }
        }
        self.level -= 1;
        Ok(out)
    }

    fn statement(&mut self) -> R<Stat> {
        let line = self.cur.line;
        match &self.cur.t {
            T::Sym("if") => self.if_stat(line),
            T::Sym("while") => {
                self.advance()?;
                let cond = self.expr()?;
                self.check("do")?;
                self.fs().loops += 1;
                let body = self.block()?;
                self.fs().loops -= 1;
                self.check_match("end", "while", line)?;
                Ok(Stat::While(cond, body, line))
            }
            T::Sym("do") => {
                self.advance()?;
                let b = self.block()?;
                self.check_match("end", "do", line)?;
                Ok(Stat::Do(b))
            }
            T::Sym("for") => self.for_stat(line),
            T::Sym("repeat") => {
                self.advance()?;
                self.fs().loops += 1;
                let n = self.fs().actives.len();
                let body = self.stats()?;
                self.check_match("until", "repeat", line)?;
                let cond = self.expr()?;
                self.fs().actives.truncate(n);
                self.fs().loops -= 1;
                Ok(Stat::Repeat(body, cond, line))
            }
            T::Sym("function") => {
                self.advance()?;
                // funcname: Name {'.' Name} [':' Name]
                let nline = self.cur.line;
                let n = self.name()?;
                let mut target = self.single_var(n, nline);
                let mut method = false;
                loop {
                    if self.is(".") || self.is(":") {
                        let colon = self.is(":");
                        self.advance()?;
                        let kl = self.cur.line;
                        let k = self.name()?;
                        target = Expr::Index(Box::new(target), Box::new(Expr::Str(k)), kl);
                        if colon {
                            method = true;
                            break;
                        }
                    } else {
                        break;
                    }
                }
                let f = self.body(method, line)?;
                Ok(Stat::Assign(vec![target], vec![Expr::Func(f)], self.last_line))
            }
            T::Sym("local") => {
                self.advance()?;
                if self.test_next("function")? {
                    let n = self.name()?;
                    let slot = self.new_slot(n.clone());
                    self.activate(n, slot);
                    let f = self.body(false, line)?;
                    Ok(Stat::LocalFunc(slot, f, line))
                } else {
                    let mut names = vec![self.name()?];
                    while self.test_next(",")? {
                        names.push(self.name()?);
                    }
                    let exprs = if self.test_next("=")? { self.exprlist()? } else { Vec::new() };
                    let mut slots = Vec::new();
                    for n in names {
                        let s = self.new_slot(n.clone());
                        slots.push((n, s));
                    }
                    let ids = slots.iter().map(|x| x.1).collect();
                    for (n, s) in slots {
                        self.activate(n, s);
                    }
                    Ok(Stat::Local(ids, exprs, line))
                }
            }
            T::Sym("return") => {
                self.advance()?;
                let exprs = if self.block_follow() || self.is(";") { Vec::new() } else { self.exprlist()? };
                Ok(Stat::Return(exprs, line))
            }
            T::Sym("break") => {
                self.advance()?;
                if self.fs().loops == 0 {
                    return Err(self.err_near("no loop to break"));
                }
                Ok(Stat::Break(line))
            }
            _ => self.expr_stat(line),
        }
    }

    fn if_stat(&mut self, line: u32) -> R<Stat> {
        let mut arms = Vec::new();
        self.advance()?;
        let c = self.expr()?;
        self.check("then")?;
        let b = self.block()?;
        arms.push((c, b));
        let mut els = None;
        loop {
            if self.is("elseif") {
                self.advance()?;
                let c = self.expr()?;
                self.check("then")?;
                let b = self.block()?;
                arms.push((c, b));
            } else if self.is("else") {
                self.advance()?;
                els = Some(self.block()?);
                self.check_match("end", "if", line)?;
                break;
            } else {
                self.check_match("end", "if", line)?;
                break;
            }
        }
        Ok(Stat::If(arms, els, line))
    }

    fn for_stat(&mut self, line: u32) -> R<Stat> {
        self.advance()?;
        let n1 = self.name()?;
        if self.is("=") {
            self.advance()?;
            let start = self.expr()?;
            self.check(",")?;
            let limit = self.expr()?;
            let step = if self.test_next(",")? { Some(self.expr()?) } else { None };
            self.check("do")?;
            let n = self.fs().actives.len();
            let slot = self.new_slot(n1.clone());
            self.activate(n1, slot);
            self.fs().loops += 1;
            let body = self.block()?;
            self.fs().loops -= 1;
            self.fs().actives.truncate(n);
            self.check_match("end", "for", line)?;
            Ok(Stat::NumFor(slot, start, limit, step, body, line))
        } else if self.is(",") || self.is("in") {
            let mut names = vec![n1];
            while self.test_next(",")? {
                names.push(self.name()?);
            }
            self.check("in")?;
            let exprs = self.exprlist()?;
            self.check("do")?;
            let n = self.fs().actives.len();
            let mut slots = Vec::new();
            for nm in names {
                let s = self.new_slot(nm.clone());
                self.activate(nm, s);
                slots.push(s);
            }
            self.fs().loops += 1;
            let body = self.block()?;
            self.fs().loops -= 1;
            self.fs().actives.truncate(n);
            self.check_match("end", "for", line)?;
            Ok(Stat::GenFor(slots, exprs, body, line))
        } else {
            Err(self.err_near("'=' or 'in' expected"))
        }
    }

    fn body(&mut self, method: bool, line: u32) -> R<Rc<Proto>> {
        self.enter()?;
        self.fs.push(FuncState::new(false));
        let mut nparams = 0;
        if method {
            let s = self.new_slot(Rc::from(&b"self"[..]));
            self.activate(Rc::from(&b"self"[..]), s);
            nparams += 1;
        }
        self.check("(")?;
        if !self.is(")") {
            loop {
                if self.is("...") {
                    self.advance()?;
                    self.fs().is_vararg = true;
                    break;
                }
                let n = match &self.cur.t {
                    T::Name(_) => self.name()?,
                    _ => return Err(self.err_near("<name> or '...' expected")),
                };
                let s = self.new_slot(n.clone());
                self.activate(n, s);
                nparams += 1;
                if !self.test_next(",")? {
                    break;
                }
            }
        }
        self.check(")")?;
        let body = self.block()?;
        self.check_match("end", "function", line)?;
        let fs = self.fs.pop().unwrap_or_else(|| FuncState::new(false));
        self.level -= 1;
        Ok(Rc::new(self.finish(fs, line, nparams, body)))
    }

    fn expr_stat(&mut self, line: u32) -> R<Stat> {
        let e = self.suffixed()?;
        if self.is("=") || self.is(",") {
            let mut targets = vec![e];
            while self.test_next(",")? {
                targets.push(self.suffixed()?);
            }
            for t in &targets {
                if !matches!(t, Expr::Local(_) | Expr::Upval(_) | Expr::Global(..) | Expr::Index(..)) {
                    return Err(self.err_near("syntax error"));
                }
            }
            self.check("=")?;
            let exprs = self.exprlist()?;
            let _ = line;
            Ok(Stat::Assign(targets, exprs, self.last_line))
        } else if matches!(e, Expr::Call(..) | Expr::Method(..)) {
            Ok(Stat::Expr(e, line))
        } else {
            if !matches!(e, Expr::Local(_) | Expr::Upval(_) | Expr::Global(..) | Expr::Index(..)) {
                return Err(self.err_near("syntax error"));
            }
            Err(self.err_near("'=' expected"))
        }
    }

    fn exprlist(&mut self) -> R<Vec<Expr>> {
        let mut v = vec![self.expr()?];
        while self.test_next(",")? {
            v.push(self.expr()?);
        }
        Ok(v)
    }

    fn primary(&mut self) -> R<Expr> {
        let line = self.cur.line;
        match &self.cur.t {
            T::Name(n) => {
                let n = n.clone();
                self.advance()?;
                Ok(self.single_var(n, line))
            }
            T::Sym("(") => {
                self.advance()?;
                let e = self.expr()?;
                self.check_match(")", "(", line)?;
                Ok(Expr::Paren(Box::new(e)))
            }
            _ => Err(self.err_near("unexpected symbol")),
        }
    }

    fn suffixed(&mut self) -> R<Expr> {
        let base_level = self.level;
        let r = self.suffixed_inner();
        self.level = base_level;
        r
    }

    fn suffixed_inner(&mut self) -> R<Expr> {
        let mut e = self.primary()?;
        let mut last_line = self.cur.line;
        loop {
            self.enter()?;
            match &self.cur.t {
                T::Sym(".") => {
                    self.advance()?;
                    let k = self.name()?;
                    e = Expr::Index(Box::new(e), Box::new(Expr::Str(k)), self.last_line);
                }
                T::Sym("[") => {
                    self.advance()?;
                    let k = self.expr()?;
                    self.check("]")?;
                    e = Expr::Index(Box::new(e), Box::new(k), self.last_line);
                }
                T::Sym(":") => {
                    let line = self.cur.line;
                    self.advance()?;
                    let m = self.name()?;
                    let args = self.call_args(line)?;
                    e = Expr::Method(Box::new(e), m, args, line);
                }
                T::Sym("(") | T::Str(_) | T::Sym("{") => {
                    let line = self.cur.line;
                    if self.is("(") && line != last_line {
                        return Err(self.err_near("ambiguous syntax (function call x new statement)"));
                    }
                    let args = self.call_args(line)?;
                    e = Expr::Call(Box::new(e), args, line);
                }
                _ => return Ok(e),
            }
            last_line = self.cur.line;
        }
    }

    fn call_args(&mut self, line: u32) -> R<Vec<Expr>> {
        match &self.cur.t {
            T::Str(s) => {
                let s = s.clone();
                self.advance()?;
                Ok(vec![Expr::Str(s)])
            }
            T::Sym("{") => Ok(vec![self.table()?]),
            T::Sym("(") => {
                if self.cur.line != line {
                    return Err(self.err_near("ambiguous syntax (function call x new statement)"));
                }
                self.advance()?;
                if self.is(")") {
                    self.advance()?;
                    return Ok(Vec::new());
                }
                let args = self.exprlist()?;
                self.check_match(")", "(", line)?;
                Ok(args)
            }
            _ => Err(self.err_near("function arguments expected")),
        }
    }

    fn table(&mut self) -> R<Expr> {
        let line = self.cur.line;
        self.check("{")?;
        let mut items = Vec::new();
        loop {
            if self.is("}") {
                break;
            }
            match &self.cur.t {
                T::Name(n) => {
                    let n = n.clone();
                    if *self.peek()? == T::Sym("=") {
                        self.advance()?;
                        self.advance()?;
                        let v = self.expr()?;
                        items.push(TItem::Kv(Expr::Str(n), v));
                    } else {
                        items.push(TItem::Pos(self.expr()?));
                    }
                }
                T::Sym("[") => {
                    self.advance()?;
                    let k = self.expr()?;
                    self.check("]")?;
                    self.check("=")?;
                    let v = self.expr()?;
                    items.push(TItem::Kv(k, v));
                }
                _ => items.push(TItem::Pos(self.expr()?)),
            }
            if !(self.test_next(",")? || self.test_next(";")?) {
                break;
            }
        }
        self.check_match("}", "{", line)?;
        Ok(Expr::Table(items, line))
    }

    fn simple(&mut self) -> R<Expr> {
        let e = match &self.cur.t {
            T::Num(n) => Expr::Num(*n),
            T::Str(s) => Expr::Str(s.clone()),
            T::Sym("nil") => Expr::Nil,
            T::Sym("true") => Expr::True,
            T::Sym("false") => Expr::False,
            T::Sym("...") => {
                if !self.fs().is_vararg {
                    return Err(self.err_near("cannot use '...' outside a vararg function"));
                }
                Expr::Vararg
            }
            T::Sym("{") => return self.table(),
            T::Sym("function") => {
                let line = self.cur.line;
                self.advance()?;
                return Ok(Expr::Func(self.body(false, line)?));
            }
            _ => return self.suffixed(),
        };
        self.advance()?;
        Ok(e)
    }

    fn expr(&mut self) -> R<Expr> {
        self.subexpr(0)
    }

    fn binop(&self) -> Option<(BinOp, u8, u8)> {
        let op = match &self.cur.t {
            T::Sym(s) => *s,
            _ => return None,
        };
        Some(match op {
            "+" => (BinOp::Add, 6, 6),
            "-" => (BinOp::Sub, 6, 6),
            "*" => (BinOp::Mul, 7, 7),
            "/" => (BinOp::Div, 7, 7),
            "%" => (BinOp::Mod, 7, 7),
            "^" => (BinOp::Pow, 10, 9),
            ".." => (BinOp::Concat, 5, 4),
            "==" => (BinOp::Eq, 3, 3),
            "~=" => (BinOp::Ne, 3, 3),
            "<" => (BinOp::Lt, 3, 3),
            "<=" => (BinOp::Le, 3, 3),
            ">" => (BinOp::Gt, 3, 3),
            ">=" => (BinOp::Ge, 3, 3),
            // and/or are handled with placeholder ops below
            "and" => (BinOp::Eq, 2, 2),
            "or" => (BinOp::Eq, 1, 1),
            _ => return None,
        })
    }

    fn subexpr(&mut self, limit: u8) -> R<Expr> {
        self.enter()?;
        let mut e = if self.is("not") || self.is("-") || self.is("#") {
            let op = if self.is("not") {
                0
            } else if self.is("-") {
                1
            } else {
                2
            };
            self.advance()?;
            let o = self.subexpr(8)?;
            let line = self.last_line;
            match op {
                0 => Expr::Not(Box::new(o)),
                1 => match o {
                    Expr::Num(n) => Expr::Num(-n),
                    o => Expr::Neg(Box::new(o), line),
                },
                _ => Expr::Len(Box::new(o), line),
            }
        } else {
            self.simple()?
        };
        let base_level = self.level;
        while let Some((op, left, right)) = self.binop() {
            if left <= limit {
                break;
            }
            // each operator deepens the (left-leaning) tree the evaluator recurses on
            self.enter()?;
            let is_and = self.is("and");
            let is_or = self.is("or");
            self.advance()?;
            let r = self.subexpr(right)?;
            let line = self.last_line;
            e = if is_and {
                Expr::And(Box::new(e), Box::new(r))
            } else if is_or {
                Expr::Or(Box::new(e), Box::new(r))
            } else {
                Expr::Bin(op, Box::new(e), Box::new(r), line)
            };
        }
        self.level = base_level - 1;
        Ok(e)
    }
}
