//! The disassembler: a [`Visitor`] that prints an instruction the way binutils'
//! `s390x-linux-gnu-objdump -d` prints it (mnemonic, a tab, operands), extended mnemonics
//! (`j`, `je`, `br`, `cije`, `locgre`, `risbgz`, ...) included. The operand syntax comes
//! from the opcode table ([`crate::decode::table`]).

use alloc::format;
use alloc::string::String;
use core::fmt::Write;

use crate::decode::*;

/// Condition suffixes for masks 1-14 (branch on condition and the on-condition family).
const COND: [&str; 16] =
    ["", "o", "h", "nle", "l", "nhe", "lh", "ne", "e", "nlh", "he", "nl", "le", "nh", "no", ""];

/// Names relative-branch targets: returns the text objdump puts between `<` and `>`.
pub trait Symbolizer {
    /// The symbol text for `addr` (e.g. `start+0x32`), or `None` to print the address only.
    fn symbolize(&self, addr: u64) -> Option<String>;
}

/// A symbolizer that knows no symbols.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSymbols;

impl Symbolizer for NoSymbols {
    fn symbolize(&self, _addr: u64) -> Option<String> {
        None
    }
}

/// Prints instructions at a given address.
#[derive(Debug, Clone, Copy)]
pub struct Disassembler<'a, Y: Symbolizer + ?Sized> {
    /// The address of the instruction being printed (for relative operands).
    pub addr: u64,
    /// Names branch targets.
    pub symbols: &'a Y,
}

/// Disassembles the instruction at the start of `bytes`, located at `addr`. Returns the
/// text and the number of bytes consumed. Unknown opcodes print as objdump does: the next
/// four bytes as `.long` (or two as `.short`, or one as `.byte`, at the end of the input).
pub fn disassemble<Y: Symbolizer + ?Sized>(
    bytes: &[u8],
    addr: u64,
    symbols: &Y,
) -> (String, usize) {
    let mut d = Disassembler { addr, symbols };
    match Insn::decode(bytes) {
        Ok(insn)
            if insn.op.info().ext != Ext::Hid
                && insn.encode()[..insn.len()] == bytes[..insn.len()] =>
        {
            match insn.accept(&mut d) {
                Some(text) => (text, insn.len()),
                None => raw(bytes),
            }
        }
        _ => raw(bytes),
    }
}

fn raw(bytes: &[u8]) -> (String, usize) {
    match bytes {
        [a, b, c, d, ..] => (format!(".long\t0x{:08x}", u32::from_be_bytes([*a, *b, *c, *d])), 4),
        [a, b, ..] => (format!(".short\t0x{:04x}", u16::from_be_bytes([*a, *b])), 2),
        [a] => (format!(".byte\t0x{a:02x}"), 1),
        [] => (String::new(), 0),
    }
}

/// Storage operand: displacement, index, base.
#[derive(Debug, Clone, Copy, Default)]
struct Addr {
    d: i64,
    x: u8,
    b: u8,
}

/// A format-independent view of the fields, by operand number.
#[derive(Debug, Clone, Copy, Default)]
struct View {
    /// Value and width in bits of operand n's register/immediate field.
    val: [Option<(u64, u8)>; 6],
    /// Storage operand n.
    addr: [Option<Addr>; 6],
    /// SS-a 8-bit length code.
    l: u8,
    /// Nibble length codes L1, L2.
    ln: [u8; 3],
}

impl View {
    fn v(mut self, n: usize, value: impl Into<u64>, width: u8) -> Self {
        self.val[n] = Some((value.into(), width));
        self
    }

    fn a(mut self, n: usize, d: i64, x: u8, b: u8) -> Self {
        self.addr[n] = Some(Addr { d, x, b });
        self
    }
}

fn sext(v: u64, width: u8) -> i64 {
    let s = 64 - u32::from(width);
    ((v << s) as i64) >> s
}

fn opnum(tok: &str, at: usize) -> usize {
    usize::from(tok.as_bytes().get(at).copied().unwrap_or(b'0').wrapping_sub(b'0')).min(5)
}

impl<Y: Symbolizer + ?Sized> Disassembler<'_, Y> {
    fn value(view: &View, tok: &str) -> u64 {
        view.val[opnum(tok, 1)].map_or(0, |(v, _)| v)
    }

    fn operand(&self, view: &View, tok: &str, out: &mut String) {
        let kind = tok.as_bytes()[0];
        if kind == b'D' {
            let n = opnum(tok, 1);
            let a = view.addr[n].unwrap_or_default();
            let inner = &tok[tok.find('(').unwrap_or(tok.len())..];
            let _ = write!(out, "{}", a.d);
            if inner.contains('L') {
                let len = if inner.starts_with("(L,") {
                    u32::from(view.l) + 1
                } else {
                    u32::from(view.ln[opnum(inner, 2).min(2)]) + 1
                };
                let _ = write!(out, "({len},%r{})", a.b);
            } else if inner.contains('X') && a.x != 0 {
                let _ = write!(out, "(%r{},%r{})", a.x, a.b);
            } else if a.b != 0 {
                let _ = write!(out, "(%r{})", a.b);
            }
            return;
        }
        let (v, width) = view.val[opnum(tok, 1)].unwrap_or((0, 4));
        match kind {
            b'R' => drop(write!(out, "%r{v}")),
            b'F' => drop(write!(out, "%f{v}")),
            b'A' => drop(write!(out, "%a{v}")),
            b'C' => drop(write!(out, "%c{v}")),
            b'I' => drop(write!(out, "{}", sext(v, width))),
            b'J' => {
                let target = self.addr.wrapping_add((sext(v, width) as u64).wrapping_mul(2));
                match self.symbols.symbolize(target) {
                    Some(s) => drop(write!(out, "{target:x} <{s}>")),
                    None => drop(write!(out, "0x{target:x}")),
                }
            }
            _ => drop(write!(out, "{v}")),
        }
    }

    /// Whether every field the syntax does not print is zero (binutils treats unprinted
    /// fields as part of the opcode mask).
    fn unprinted_fields_zero(view: &View, toks: &heapless_toks::Toks) -> bool {
        let (mut vals, mut addrs, mut l8, mut ln) = ([false; 6], [false; 6], false, [false; 3]);
        for t in toks.iter() {
            let n = opnum(t, 1);
            if t.starts_with('D') {
                addrs[n] = true;
                let inner = &t[t.find('(').unwrap_or(t.len())..];
                if inner.starts_with("(L,") {
                    l8 = true;
                } else if inner.starts_with("(L") {
                    ln[opnum(inner, 2).min(2)] = true;
                }
            } else {
                vals[n] = true;
            }
        }
        let vals_ok = (0..6).all(|n| vals[n] || view.val[n].is_none_or(|(v, _)| v == 0));
        let addrs_ok = (0..6)
            .all(|n| addrs[n] || view.addr[n].is_none_or(|a| a.d == 0 && a.x == 0 && a.b == 0));
        let l_ok = l8 || ln[1] || ln[2] || view.l == 0;
        let ln_ok = l8 || (0..3).all(|n| ln[n] || view.ln[n] == 0);
        vals_ok && addrs_ok && l_ok && ln_ok
    }

    fn print(&self, op: Op, mut view: View) -> Option<String> {
        let info = op.info();
        let mut toks: heapless_toks::Toks = heapless_toks::split(info.syntax);
        if !Self::unprinted_fields_zero(&view, &toks) {
            let (name, syntax) = alt_form(op)?;
            toks = heapless_toks::split(syntax);
            if !Self::unprinted_fields_zero(&view, &toks) {
                return None;
            }
            return Some(self.render(name.into(), &view, &toks));
        }
        toks.retain(|t| !t.starts_with('_'));
        let mut name = String::from(info.name);
        let mask_tok = toks.iter().position(|t| t.starts_with('M'));
        match (info.ext, mask_tok) {
            (Ext::Bj | Ext::Bjg | Ext::Bb | Ext::Bbr, Some(i)) => {
                let m = Self::value(&view, toks.get(i)) as usize & 15;
                let (pre, post, always, never) = match info.ext {
                    Ext::Bj => ("j", "", "j", "jnop"),
                    Ext::Bjg => ("jg", "", "jg", "jgnop"),
                    Ext::Bb => ("b", "", "b", "nop"),
                    _ => ("b", "r", "br", "nopr"),
                };
                name = match m {
                    15 => always.into(),
                    0 => never.into(),
                    _ => format!("{pre}{}{post}", COND[m]),
                };
                toks.remove(i);
                if info.ext == Ext::Bbr && m == 0 && Self::value(&view, "R2") == 0 {
                    toks.clear();
                }
            }
            (Ext::Cmp, Some(i)) => {
                let suffix = match Self::value(&view, toks.get(i)) {
                    2 => "h",
                    4 => "l",
                    6 => "ne",
                    8 => "e",
                    10 => "nl",
                    12 => "nh",
                    _ => "",
                };
                if !suffix.is_empty() {
                    name.push_str(suffix);
                    toks.remove(i);
                }
            }
            (Ext::Cond, Some(i)) => {
                let m = Self::value(&view, toks.get(i)) as usize;
                if (1..15).contains(&m) {
                    name.push_str(COND[m]);
                    toks.remove(i);
                }
            }
            (Ext::Z, _) => {
                if let Some((v, w)) = view.val[4].filter(|(v, _)| v & 0xc0 == 0x80) {
                    name.push('z');
                    view.val[4] = Some((v & 0x7f, w));
                }
            }
            _ => {}
        }
        while let Some(last) = toks.last() {
            if last.ends_with('?') && Self::value(&view, last) == 0 {
                toks.pop();
            } else {
                break;
            }
        }
        Some(self.render(name, &view, &toks))
    }

    fn render(&self, mut out: String, view: &View, toks: &heapless_toks::Toks) -> String {
        for (i, t) in toks.iter().enumerate() {
            out.push(if i == 0 { '\t' } else { ',' });
            self.operand(view, t.trim_end_matches('?'), &mut out);
        }
        out
    }
}

/// Second spellings binutils uses when a field the first spelling leaves out is nonzero
/// (the BFP conversions with a rounding-mode/inexact-control mask).
fn alt_form(op: Op) -> Option<(&'static str, &'static str)> {
    Some(match op {
        Op::Cfebr => ("cfebra", "R1,M3,F2,M4"),
        Op::Cfdbr => ("cfdbra", "R1,M3,F2,M4"),
        Op::Cgebr => ("cgebra", "R1,M3,F2,M4"),
        Op::Cgdbr => ("cgdbra", "R1,M3,F2,M4"),
        Op::Cefbr => ("cefbra", "F1,M3,R2,M4"),
        Op::Cdfbr => ("cdfbra", "F1,M3,R2,M4"),
        Op::Cegbr => ("cegbra", "F1,M3,R2,M4"),
        Op::Cdgbr => ("cdgbra", "F1,M3,R2,M4"),
        Op::Ledbr => ("ledbra", "F1,M3,F2,M4"),
        Op::Ldxbr => ("ldxbra", "F1,M3,F2,M4"),
        Op::Lexbr => ("lexbra", "F1,M3,F2,M4"),
        Op::Fixbr => ("fixbra", "F1,M3,F2,M4"),
        Op::Fidbr => ("fidbra", "F1,M3,F2,M4"),
        Op::Fiebr => ("fiebra", "F1,M3,F2,M4"),
        Op::Cxfbr => ("cxfbra", "F1,M3,R2,M4"),
        Op::Cxgbr => ("cxgbra", "F1,M3,R2,M4"),
        Op::Cfxbr => ("cfxbra", "R1,M3,F2,M4"),
        Op::Cgxbr => ("cgxbra", "R1,M3,F2,M4"),
        _ => return None,
    })
}

/// A tiny fixed-capacity token list (no allocation per operand).
mod heapless_toks {
    /// Up to eight syntax tokens.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Toks {
        items: [&'static str; 8],
        len: usize,
    }

    impl Toks {
        pub fn iter(&self) -> impl Iterator<Item = &&'static str> {
            self.items[..self.len].iter()
        }
        pub fn get(&self, i: usize) -> &'static str {
            self.items[i]
        }
        pub fn last(&self) -> Option<&'static str> {
            self.len.checked_sub(1).map(|i| self.items[i])
        }
        pub fn pop(&mut self) {
            self.len -= 1;
        }
        pub fn clear(&mut self) {
            self.len = 0;
        }
        pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
            let mut n = 0;
            for i in 0..self.len {
                if keep(self.items[i]) {
                    self.items[n] = self.items[i];
                    n += 1;
                }
            }
            self.len = n;
        }
        pub fn remove(&mut self, i: usize) {
            self.items.copy_within(i + 1..self.len, i);
            self.len -= 1;
        }
    }

    /// Splits a syntax string at top-level commas.
    pub fn split(s: &'static str) -> Toks {
        let mut t = Toks::default();
        let (mut depth, mut start) = (0, 0);
        for (i, c) in s.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    t.items[t.len] = &s[start..i];
                    t.len += 1;
                    start = i + 1;
                }
                _ => {}
            }
        }
        if !s.is_empty() {
            t.items[t.len] = &s[start..];
            t.len += 1;
        }
        t
    }
}

fn d(v: u16) -> i64 {
    i64::from(v)
}

impl<Y: Symbolizer + ?Sized> Visitor for Disassembler<'_, Y> {
    type Output = Option<String>;

    fn e(&mut self, op: Op, _f: E) -> Option<String> {
        self.print(op, View::default())
    }
    fn i(&mut self, op: Op, f: I) -> Option<String> {
        self.print(op, View::default().v(1, f.i1, 8))
    }
    fn rr(&mut self, op: Op, f: Rr) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(2, f.r2, 4))
    }
    fn rre(&mut self, op: Op, f: Rre) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(2, f.r2, 4))
    }
    fn rrf(&mut self, op: Op, f: Rrf) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(2, f.r2, 4).v(3, f.r3, 4).v(4, f.m4, 4))
    }
    fn rx(&mut self, op: Op, f: Rx) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).a(2, d(f.d2), f.x2, f.b2))
    }
    fn rxe(&mut self, op: Op, f: Rxe) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).a(2, d(f.d2), f.x2, f.b2).v(3, f.m3, 4))
    }
    fn rxy(&mut self, op: Op, f: Rxy) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).a(2, f.d2.into(), f.x2, f.b2))
    }
    fn rs(&mut self, op: Op, f: Rs) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(3, f.r3, 4).a(2, d(f.d2), 0, f.b2))
    }
    fn rsi(&mut self, op: Op, f: Rsi) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(3, f.r3, 4).v(2, f.ri2 as u16, 16))
    }
    fn rsy(&mut self, op: Op, f: Rsy) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(3, f.r3, 4).a(2, f.d2.into(), 0, f.b2))
    }
    fn rsl(&mut self, op: Op, f: Rsl) -> Option<String> {
        let mut v = View::default().a(1, d(f.d1), 0, f.b1);
        v.ln[1] = f.l1;
        self.print(op, v)
    }
    fn ri(&mut self, op: Op, f: Ri) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(2, f.i2, 16))
    }
    fn rie_a(&mut self, op: Op, f: RieA) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(2, f.i2, 16).v(3, f.m3, 4))
    }
    fn rie_b(&mut self, op: Op, f: RieB) -> Option<String> {
        let v = View::default().v(1, f.r1, 4).v(2, f.r2, 4).v(3, f.m3, 4);
        self.print(op, v.v(4, f.ri4 as u16, 16))
    }
    fn rie_c(&mut self, op: Op, f: RieC) -> Option<String> {
        let v = View::default().v(1, f.r1, 4).v(2, f.i2, 8).v(3, f.m3, 4);
        self.print(op, v.v(4, f.ri4 as u16, 16))
    }
    fn rie_d(&mut self, op: Op, f: RieD) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(3, f.r3, 4).v(2, f.i2, 16))
    }
    fn rie_e(&mut self, op: Op, f: RieE) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(3, f.r3, 4).v(2, f.ri2 as u16, 16))
    }
    fn rie_f(&mut self, op: Op, f: RieF) -> Option<String> {
        let v = View::default().v(1, f.r1, 4).v(2, f.r2, 4).v(3, f.i3, 8);
        self.print(op, v.v(4, f.i4, 8).v(5, f.i5, 8))
    }
    fn rie_g(&mut self, op: Op, f: RieG) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(3, f.m3, 4).v(2, f.i2, 16))
    }
    fn ril(&mut self, op: Op, f: Ril) -> Option<String> {
        self.print(op, View::default().v(1, f.r1, 4).v(2, f.i2, 32))
    }
    fn ris(&mut self, op: Op, f: Ris) -> Option<String> {
        let v = View::default().v(1, f.r1, 4).v(2, f.i2, 8).v(3, f.m3, 4);
        self.print(op, v.a(4, d(f.d4), 0, f.b4))
    }
    fn rrs(&mut self, op: Op, f: Rrs) -> Option<String> {
        let v = View::default().v(1, f.r1, 4).v(2, f.r2, 4).v(3, f.m3, 4);
        self.print(op, v.a(4, d(f.d4), 0, f.b4))
    }
    fn s(&mut self, op: Op, f: S) -> Option<String> {
        self.print(op, View::default().a(2, d(f.d2), 0, f.b2))
    }
    fn si(&mut self, op: Op, f: Si) -> Option<String> {
        self.print(op, View::default().a(1, d(f.d1), 0, f.b1).v(2, f.i2, 8))
    }
    fn sil(&mut self, op: Op, f: Sil) -> Option<String> {
        self.print(op, View::default().a(1, d(f.d1), 0, f.b1).v(2, f.i2, 16))
    }
    fn siy(&mut self, op: Op, f: Siy) -> Option<String> {
        self.print(op, View::default().a(1, f.d1.into(), 0, f.b1).v(2, f.i2, 8))
    }
    fn ss(&mut self, op: Op, f: Ss) -> Option<String> {
        let mut v = View::default().a(1, d(f.d1), 0, f.b1).a(2, d(f.d2), 0, f.b2);
        v.l = f.l;
        v.ln = [0, f.l1(), f.l2()];
        if op.info().syntax.contains("U3") {
            // SS-c: the low nibble is the immediate I3, not a length.
            v = v.v(3, f.l2(), 4);
            v.ln[2] = 0;
        }
        self.print(op, v)
    }
    fn sse(&mut self, op: Op, f: Sse) -> Option<String> {
        self.print(op, View::default().a(1, d(f.d1), 0, f.b1).a(2, d(f.d2), 0, f.b2))
    }
    fn ssf(&mut self, op: Op, f: Ssf) -> Option<String> {
        let v = View::default().a(1, d(f.d1), 0, f.b1).a(2, d(f.d2), 0, f.b2);
        self.print(op, v.v(3, f.r3, 4))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dis(b: &[u8]) -> String {
        disassemble(b, 0x1e, &NoSymbols).0
    }

    #[test]
    fn basic_forms() {
        assert_eq!(dis(&[0x1a, 0x12]), "ar\t%r1,%r2");
        assert_eq!(dis(&[0x5a, 0x12, 0x00, 0x08]), "a\t%r1,8(%r2,%r0)");
        assert_eq!(dis(&[0x5a, 0x10, 0xff, 0xff]), "a\t%r1,4095(%r15)");
        assert_eq!(dis(&[0xa7, 0xf4, 0xff, 0xf1]), "j\t0x0");
        assert_eq!(dis(&[0x07, 0x00]), "nopr");
        assert_eq!(dis(&[0x07, 0x07]), "nopr\t%r7");
        assert_eq!(dis(&[0xd7, 0xff, 0x10, 0x00, 0x10, 0x00]), "xc\t0(256,%r1),0(%r1)");
        assert_eq!(dis(&[0xec, 0x12, 0x00, 0xbf, 0x00, 0x55]), "risbgz\t%r1,%r2,0,63,0");
        assert_eq!(dis(&[0xb9, 0xe2, 0x80, 0x12]), "locgre\t%r1,%r2");
        assert_eq!(dis(&[0xb2, 0x20, 0x00, 0x12]), ".long\t0xb2200012");
        assert_eq!(dis(&[0xb9, 0x8e, 0x21, 0x13]), "idte\t%r1,%r2,%r3,1");
        assert_eq!(dis(&[0xb9, 0x8e, 0x20, 0x13]), "idte\t%r1,%r2,%r3");
    }
}
