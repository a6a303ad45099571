//! Binary floating point (Principles of Operation, chapter 19, "Binary-Floating-Point
//! Instructions"): loads with sign control, arithmetic, multiply-and-add, square root,
//! compare, conversions between BFP formats and to/from fixed point, TEST DATA CLASS.
//! Arithmetic runs on [`super::ieee`] in the FPC's (or the M3 field's) rounding mode and
//! sets the FPC IEEE flags; an exception whose FPC mask is on is a data exception: invalid
//! operation and division by zero suppress the instruction, overflow, underflow and
//! inexact complete it first (the scaled results of trapped overflow and underflow are
//! not modelled). NaN results follow the architecture: an SNaN operand wins over a QNaN
//! and is quieted, op1 before op2; invalid operations give the positive default NaN.

use super::ieee::{F32, F64, Fmt, Mode, flag};
use super::{Event, Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;

/// Operand width of an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum W {
    Long,
    Short,
}

impl W {
    fn fmt(self) -> Fmt {
        match self {
            Self::Long => F64,
            Self::Short => F32,
        }
    }
}

/// The width of a BFP opcode's operands (the first operand for conversions).
fn width(op: Op) -> W {
    use Op::*;
    match op {
        Aebr | Aeb | Sebr | Seb | Meebr | Meeb | Debr | Deb | Sqebr | Sqeb | Cebr | Ceb | Kebr
        | Fiebr | Keb | Ltebr | Lcebr | Lpebr | Lnebr | Maebr | Msebr | Tceb | Cefbr | Cegbr
        | Celfbr | Celgbr | Cfebr | Cgebr | Clfebr | Clgebr | Ledbr => W::Short,
        _ => W::Long,
    }
}

fn cc_of(f: Fmt, v: u64) -> u8 {
    if f.is_nan(v) {
        3
    } else if f.is_zero(v) {
        0
    } else if f.is_neg(v) {
        1
    } else {
        2
    }
}

/// Compares two non-NaN values: 0 equal, 1 low, 2 high.
fn compare(f: Fmt, a: u64, b: u64) -> u8 {
    if f.is_zero(a) && f.is_zero(b) {
        return 0;
    }
    let key = |v: u64| -> i128 {
        let mag = i128::from(v & !f.sign_bit());
        if f.is_neg(v) { -mag } else { mag }
    };
    super::arith::cc_cmp(key(a), key(b))
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    fn freg(&self, w: W, r: u8) -> u64 {
        let v = self.cpu.state.fpr[usize::from(r & 15)];
        if w == W::Long { v } else { v >> 32 }
    }

    fn set_freg(&mut self, w: W, r: u8, v: u64) {
        let f = &mut self.cpu.state.fpr[usize::from(r & 15)];
        *f = if w == W::Long { v } else { (*f & 0xffff_ffff) | (v << 32) };
    }

    fn mode(&self) -> Mode {
        Mode::from_fpc(self.cpu.state.fpc)
    }

    fn data_exception(&mut self, dxc: u8) -> Event {
        let fpc = &mut self.cpu.state.fpc;
        *fpc = (*fpc & !0xff00) | (u32::from(dxc) << 8);
        ProgramCheck::data(dxc).into()
    }

    /// Before storing a result: a trap-enabled invalid or divide-by-zero exception
    /// suppresses the instruction. Returns the other enabled exceptions.
    fn ieee_check(&mut self, flags: u8) -> Result<u8, Event> {
        let trap = flags & (self.cpu.state.fpc >> 24) as u8;
        if trap & flag::INVALID != 0 {
            return Err(self.data_exception(0x80));
        }
        if trap & flag::DIVIDE != 0 {
            return Err(self.data_exception(0x40));
        }
        Ok(trap)
    }

    /// After storing a result: sets the flags of the exceptions that do not trap and
    /// raises the data exception of an enabled overflow, underflow or inexact result.
    fn ieee_commit(&mut self, flags: u8, trap: u8) -> Step {
        self.cpu.state.fpc |= u32::from(flags & !trap) << 16;
        if trap == 0 {
            return Ok(());
        }
        let dxc = if trap & flag::OVERFLOW != 0 {
            0x20 | (flags & flag::INEXACT)
        } else if trap & flag::UNDERFLOW != 0 {
            0x10 | (flags & flag::INEXACT)
        } else {
            0x08
        };
        Err(self.data_exception(dxc))
    }

    /// Stores `v` into FPR R1 (optionally setting the CC) with the IEEE protocol.
    fn ieee_store(&mut self, w: W, r1: u8, (v, flags): (u64, u8), set_cc: bool) -> Step {
        let trap = self.ieee_check(flags)?;
        self.set_freg(w, r1, v);
        if set_cc {
            self.set_cc(cc_of(w.fmt(), v));
        }
        self.ieee_commit(flags, trap)
    }

    /// Two-operand and load-type BFP instructions; `b` is the second operand's bits.
    pub fn bfp_op(&mut self, op: Op, r1: u8, b: u64) -> Step {
        use Op::*;
        let w = width(op);
        let f = w.fmt();
        let a = self.freg(w, r1);
        let mode = self.mode();
        let binary = |g: fn(Fmt, u64, u64, Mode) -> (u64, u8), b2: u64| {
            f.pick_nan(&[a, b]).unwrap_or_else(|| g(f, a, b2, mode))
        };
        match op {
            Adbr | Adb | Aebr | Aeb => self.ieee_store(w, r1, binary(Fmt::add, b), true),
            Sdbr | Sdb | Sebr | Seb => {
                self.ieee_store(w, r1, binary(Fmt::add, b ^ f.sign_bit()), true)
            }
            Mdbr | Mdb | Meebr | Meeb => self.ieee_store(w, r1, binary(Fmt::mul, b), false),
            Ddbr | Ddb | Debr | Deb => self.ieee_store(w, r1, binary(Fmt::div, b), false),
            Sqdbr | Sqdb | Sqebr | Sqeb => {
                let r = f.pick_nan(&[b]).unwrap_or_else(|| f.sqrt(b, mode));
                self.ieee_store(w, r1, r, false)
            }
            Cdbr | Cdb | Cebr | Ceb | Kdbr | Kdb | Kebr | Keb => {
                let signal = matches!(op, Kdbr | Kdb | Kebr | Keb);
                let unordered = f.is_nan(a) || f.is_nan(b);
                let invalid = if signal { unordered } else { f.is_snan(a) || f.is_snan(b) };
                let trap = self.ieee_check(if invalid { flag::INVALID } else { 0 })?;
                self.set_cc(if unordered { 3 } else { compare(f, a, b) });
                self.ieee_commit(if invalid { flag::INVALID } else { 0 }, trap)
            }
            Ltdbr | Ltebr => {
                let r = f.pick_nan(&[b]).unwrap_or((b, 0));
                self.ieee_store(w, r1, r, true)
            }
            Lcdbr | Lpdbr | Lndbr | Lcebr | Lpebr | Lnebr | Lcdfr | Lpdfr | Lndfr => {
                let s = f.sign_bit();
                let r = match op {
                    Lcdbr | Lcebr | Lcdfr => b ^ s,
                    Lpdbr | Lpebr | Lpdfr => b & !s,
                    _ => b | s,
                };
                self.set_freg(w, r1, r);
                if !matches!(op, Lcdfr | Lpdfr | Lndfr) {
                    self.set_cc(cc_of(f, r));
                }
                Ok(())
            }
            _ => Err(ProgramCheck::new(PgmCode::Operation).into()),
        }
    }

    /// MADBR/MSDBR/MAEBR/MSEBR: R1 = R3 * R2 +/- R1, rounded once. NaN operands are
    /// chosen in the order R2, R3, R1 (SNaN before QNaN).
    pub fn bfp_fma(&mut self, op: Op, r1: u8, r3: u8, r2: u8) -> Step {
        let w = width(op);
        let f = w.fmt();
        let (a, b, c) = (self.freg(w, r3), self.freg(w, r2), self.freg(w, r1));
        let sub = matches!(op, Op::Msdbr | Op::Msebr);
        let r = f
            .pick_nan(&[b, a, c])
            .unwrap_or_else(|| f.fma(a, b, if sub { c ^ f.sign_bit() } else { c }, self.mode()));
        self.ieee_store(w, r1, r, false)
    }

    /// Conversions: between BFP formats, from fixed point (R2 is a general register) and
    /// to fixed point (R1 is a general register). `m3` is the rounding method, `m4` bit 1
    /// suppresses the inexact exception.
    pub fn bfp_convert(&mut self, op: Op, r1: u8, r2: u8, m3: u8, m4: u8) -> Step {
        use Op::*;
        let mode = Mode::from_m3(m3, self.cpu.state.fpc);
        let quiet = |flags: u8| if m4 & 4 != 0 { flags & !flag::INEXACT } else { flags };
        let g = self.cpu.state.g(r2);
        match op {
            Cdgbr | Cegbr | Cdfbr | Cefbr | Cdlgbr | Celgbr | Cdlfbr | Celfbr => {
                let w = width(op);
                let (neg, mag) = match op {
                    Cdgbr | Cegbr => ((g as i64) < 0, u128::from((g as i64).unsigned_abs())),
                    Cdfbr | Cefbr => {
                        let v = g as u32 as i32;
                        (v < 0, u128::from(v.unsigned_abs()))
                    }
                    Cdlgbr | Celgbr => (false, u128::from(g)),
                    _ => (false, u128::from(g as u32)),
                };
                let (v, flags) = w.fmt().from_int(neg, mag, mode);
                self.ieee_store(w, r1, (v, quiet(flags)), false)
            }
            Fidbr | Fiebr => {
                // LOAD FP INTEGER: round to an integral value in the same format.
                let w = width(op);
                let f = w.fmt();
                let b = self.freg(w, r2);
                let r = if let Some(n) = f.pick_nan(&[b]) {
                    n
                } else if f.is_inf(b) || f.is_zero(b) || f.is_integral(b) {
                    (b, 0)
                } else {
                    let (neg, mag, inexact) = f.to_int(b, mode);
                    let (v, _) = f.from_int(neg, mag, mode);
                    (v, quiet(if inexact { flag::INEXACT } else { 0 }))
                };
                self.ieee_store(w, r1, r, false)
            }
            Ldebr => {
                let b = self.freg(W::Short, r2);
                let r =
                    if F32.is_nan(b) { F64.convert_nan(F32, b) } else { F64.convert(F32, b, mode) };
                self.ieee_store(W::Long, r1, r, false)
            }
            Ledbr => {
                let b = self.freg(W::Long, r2);
                let r =
                    if F64.is_nan(b) { F32.convert_nan(F64, b) } else { F32.convert(F64, b, mode) };
                self.ieee_store(W::Short, r1, (r.0, quiet(r.1)), false)
            }
            Cgdbr | Cfdbr | Cgebr | Cfebr | Clgdbr | Clfdbr | Clgebr | Clfebr => {
                let f = if matches!(op, Cgdbr | Cfdbr | Clgdbr | Clfdbr) { F64 } else { F32 };
                let b = self.freg(if f == F64 { W::Long } else { W::Short }, r2);
                let wide = matches!(op, Cgdbr | Cgebr | Clgdbr | Clgebr);
                let logical = matches!(op, Clgdbr | Clfdbr | Clgebr | Clfebr);
                let bits = if wide { 64 } else { 32 };
                // The results of an invalid conversion: the most negative (signed) or
                // zero (logical) for NaN and negative overflow, the largest for positive.
                let (min_val, max_val): (u64, u64) = match (logical, wide) {
                    (false, true) => (1 << 63, i64::MAX as u64),
                    (false, false) => (1 << 31, i32::MAX as u64),
                    (true, true) => (0, u64::MAX),
                    (true, false) => (0, u64::from(u32::MAX)),
                };
                // An invalid conversion of a number also reports inexact (unless M4
                // suppresses it); a NaN reports only invalid.
                let invalid = quiet(flag::INVALID | flag::INEXACT);
                let (val, cc, flags) = if f.is_nan(b) {
                    (min_val, 3, flag::INVALID)
                } else if f.is_inf(b) {
                    (if f.is_neg(b) { min_val } else { max_val }, 3, invalid)
                } else {
                    let (neg, mag, inexact) = f.to_int(b, mode);
                    let fits = if logical {
                        (!neg || mag == 0) && mag < 1u128 << bits
                    } else if neg {
                        mag <= 1u128 << (bits - 1)
                    } else {
                        mag < 1u128 << (bits - 1)
                    };
                    if fits {
                        let v = if neg { (mag as u64).wrapping_neg() } else { mag as u64 };
                        let fl = if inexact { flag::INEXACT } else { 0 };
                        (v, cc_of(f, b), quiet(fl))
                    } else {
                        (if neg { min_val } else { max_val }, 3, invalid)
                    }
                };
                let trap = self.ieee_check(flags)?;
                if wide {
                    self.cpu.state.set_g(r1, val);
                } else {
                    self.cpu.state.set_gr32(r1, val as u32);
                }
                self.set_cc(cc);
                self.ieee_commit(flags, trap)
            }
            _ => Err(ProgramCheck::new(PgmCode::Operation).into()),
        }
    }

    /// TCDB/TCEB: CC 1 if the class of FPR R1 is selected by the address bits.
    pub fn test_data_class(&mut self, op: Op, r1: u8, addr: u64) -> Step {
        let w = width(op);
        let f = w.fmt();
        let v = self.freg(w, r1);
        let class = if f.is_zero(v) {
            0
        } else if f.is_nan(v) {
            if f.is_snan(v) { 5 } else { 4 }
        } else if f.is_inf(v) {
            3
        } else if f.is_subnormal(v) {
            2
        } else {
            1
        };
        // Bits 52-63 of the address: +zero, -zero, +normal, -normal, +subnormal, ...,
        // -SNaN.
        let bit = 1u64 << (11 - (class * 2 + u32::from(f.is_neg(v))));
        self.set_cc(u8::from(bit & addr != 0));
        Ok(())
    }
}
