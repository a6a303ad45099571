//! Binary integer arithmetic, compare, load/load-and-test and the boolean operations that
//! share their operand shapes (Principles of Operation, chapter 7, "General
//! Instructions"). Each opcode maps to an [`Alu`] operation and the width/extension of its
//! second operand; the dispatcher fetches the operand from a register, storage or an
//! immediate.

use super::{Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;
use pv_core::psw::PSW_MASK_PM_FIXED;

/// The operation, by result width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Alu {
    A32,
    A64,
    Al32,
    Al64,
    Alc32,
    Alc64,
    S32,
    S64,
    Sl32,
    Sl64,
    Slb32,
    Slb64,
    C32,
    C64,
    Cl32,
    Cl64,
    N32,
    N64,
    O32,
    O64,
    X32,
    X64,
    L32,
    L64,
    Lt32,
    Lt64,
    Ms32,
    Ms64,
}

/// Width and extension of the second operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wid {
    /// 64 bits.
    G,
    /// 32 bits, sign-extended.
    Fs,
    /// 32 bits, zero-extended.
    Fu,
    /// 16 bits, sign-extended.
    Hs,
    /// 16 bits, zero-extended.
    Hu,
    /// 8 bits, sign-extended.
    Bs,
    /// 8 bits, zero-extended.
    Bu,
}

impl Wid {
    /// The operand size in storage.
    pub const fn bytes(self) -> usize {
        match self {
            Self::G => 8,
            Self::Fs | Self::Fu => 4,
            Self::Hs | Self::Hu => 2,
            Self::Bs | Self::Bu => 1,
        }
    }

    /// Extends the low bits of `raw` to 64 bits.
    pub const fn extend(self, raw: u64) -> u64 {
        match self {
            Self::G => raw,
            Self::Fs => raw as i32 as i64 as u64,
            Self::Fu => raw as u32 as u64,
            Self::Hs => raw as i16 as i64 as u64,
            Self::Hu => raw as u16 as u64,
            Self::Bs => raw as i8 as i64 as u64,
            Self::Bu => raw as u8 as u64,
        }
    }
}

/// The ALU operation and second-operand shape of `op`, if it is one of this family.
#[inline]
pub fn alu_of(op: Op) -> Option<(Alu, Wid)> {
    use Alu::*;
    use Op::*;
    use Wid::*;
    Some(match op {
        Ar | A | Ay | Afi | Ark => (A32, Fs),
        Ah | Ahy | Ahi | Ahik => (A32, Hs),
        Agr | Ag | Agrk => (A64, G),
        Agfr | Agf | Agfi => (A64, Fs),
        Aghi | Aghik => (A64, Hs),
        Alr | Al | Aly | Alfi | Alrk => (Al32, Fu),
        Alhsik => (Al32, Hs),
        Algr | Alg | Algrk => (Al64, G),
        Algfr | Algf | Algfi => (Al64, Fu),
        Alghsik => (Al64, Hs),
        Alcr | Alc => (Alc32, Fu),
        Alcgr | Alcg => (Alc64, G),
        Sr | S | Sy | Srk => (S32, Fs),
        Sh | Shy => (S32, Hs),
        Sgr | Sg | Sgrk => (S64, G),
        Sgfr | Sgf => (S64, Fs),
        Slr | Sl | Sly | Slfi | Slrk => (Sl32, Fu),
        Slgr | Slg | Slgrk => (Sl64, G),
        Slgfr | Slgf | Slgfi => (Sl64, Fu),
        Slbr | Slb => (Slb32, Fu),
        Slbgr | Slbg => (Slb64, G),
        Cr | C | Cy | Cfi | Crl => (C32, Fs),
        Ch | Chy | Chi | Chrl => (C32, Hs),
        Cgr | Cg | Cgrl => (C64, G),
        Cgfr | Cgf | Cgfi | Cgfrl => (C64, Fs),
        Cgh | Cghi | Cghrl => (C64, Hs),
        Clr | Cl | Cly | Clfi | Clrl => (Cl32, Fu),
        Clhrl => (Cl32, Hu),
        Clgr | Clg | Clgrl => (Cl64, G),
        Clgfr | Clgf | Clgfi | Clgfrl => (Cl64, Fu),
        Clghrl => (Cl64, Hu),
        Nr | N | Ny | Nrk => (N32, Fu),
        Ngr | Ng | Ngrk => (N64, G),
        Or | O | Oy | Ork => (O32, Fu),
        Ogr | Og | Ogrk => (O64, G),
        Xr | X | Xy | Xrk => (X32, Fu),
        Xgr | Xg | Xgrk => (X64, G),
        Lr | L | Ly | Lrl => (L32, Fu),
        Lh | Lhy | Lhi | Lhr | Lhrl => (L32, Hs),
        Lb | Lbr => (L32, Bs),
        Llcr | Llc => (L32, Bu),
        Llhr | Llh | Llhrl => (L32, Hu),
        Lgr | Lg | Lgrl => (L64, G),
        Lgfr | Lgf | Lgfi | Lgfrl => (L64, Fs),
        Lgh | Lghr | Lghi | Lghrl => (L64, Hs),
        Lgb | Lgbr => (L64, Bs),
        Llgfr | Llgf | Llgfrl => (L64, Fu),
        Llghr | Llgh | Llghrl => (L64, Hu),
        Llgcr | Llgc => (L64, Bu),
        Ltr | Lt => (Lt32, Fs),
        Ltgr | Ltg => (Lt64, G),
        Ltgfr | Ltgf => (Lt64, Fs),
        Msr | Ms | Msy | Msfi => (Ms32, Fs),
        Mh | Mhi => (Ms32, Hs),
        Msgr | Msg => (Ms64, G),
        Msgfr | Msgf | Msgfi => (Ms64, Fs),
        Mghi => (Ms64, Hs),
        _ => return None,
    })
}

/// CC of a signed result: 0 zero, 1 negative, 2 positive.
pub const fn cc_signed(v: i64) -> u8 {
    if v == 0 {
        0
    } else if v < 0 {
        1
    } else {
        2
    }
}

/// CC of a comparison: 0 equal, 1 first low, 2 first high.
pub fn cc_cmp<T: Ord>(a: T, b: T) -> u8 {
    match a.cmp(&b) {
        core::cmp::Ordering::Equal => 0,
        core::cmp::Ordering::Less => 1,
        core::cmp::Ordering::Greater => 2,
    }
}

/// CC of a logical addition: bit 1 carry, bit 0 nonzero result.
const fn cc_logical(nonzero: bool, carry: bool) -> u8 {
    (nonzero as u8) | ((carry as u8) << 1)
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// Sets the condition code.
    pub fn set_cc(&mut self, cc: u8) {
        self.cpu.state.psw.set_cc(cc);
    }

    /// The condition code.
    pub fn cc(&self) -> u8 {
        self.cpu.state.psw.cc()
    }

    /// Sets the CC of a signed arithmetic result; CC 3 (overflow) raises a fixed-point
    /// overflow exception when the program mask enables it (the result is kept: the
    /// instruction completes).
    pub fn arith_cc(&mut self, cc: u8) -> Step {
        self.set_cc(cc);
        if cc == 3 && self.cpu.state.psw.mask & PSW_MASK_PM_FIXED != 0 {
            return Err(ProgramCheck::new(PgmCode::FixedPointOverflow).into());
        }
        Ok(())
    }

    /// Performs `k` with first operand `a` and second operand `b`, writing R1.
    #[inline(always)]
    pub fn alu(&mut self, k: Alu, r1: u8, a: u64, b: u64) -> Step {
        let st = &mut self.cpu.state;
        let (a32, b32) = (a as u32, b as u32);
        let carry_in = st.psw.cc() & 2 != 0;
        match k {
            Alu::A32 => {
                let (r, o) = (a32 as i32).overflowing_add(b32 as i32);
                st.set_gr32(r1, r as u32);
                return self.arith_cc(if o { 3 } else { cc_signed(r.into()) });
            }
            Alu::A64 => {
                let (r, o) = (a as i64).overflowing_add(b as i64);
                st.set_g(r1, r as u64);
                return self.arith_cc(if o { 3 } else { cc_signed(r) });
            }
            Alu::S32 => {
                let (r, o) = (a32 as i32).overflowing_sub(b32 as i32);
                st.set_gr32(r1, r as u32);
                return self.arith_cc(if o { 3 } else { cc_signed(r.into()) });
            }
            Alu::S64 => {
                let (r, o) = (a as i64).overflowing_sub(b as i64);
                st.set_g(r1, r as u64);
                return self.arith_cc(if o { 3 } else { cc_signed(r) });
            }
            Alu::Al32 | Alu::Alc32 => {
                let cin = u64::from(k == Alu::Alc32 && carry_in);
                let wide = u64::from(a32) + u64::from(b32) + cin;
                st.set_gr32(r1, wide as u32);
                st.psw.set_cc(cc_logical(wide as u32 != 0, wide >> 32 != 0));
            }
            Alu::Al64 | Alu::Alc64 => {
                let cin = u128::from(k == Alu::Alc64 && carry_in);
                let wide = u128::from(a) + u128::from(b) + cin;
                st.set_g(r1, wide as u64);
                st.psw.set_cc(cc_logical(wide as u64 != 0, wide >> 64 != 0));
            }
            Alu::Sl32 | Alu::Slb32 => {
                // a - b - borrow = a + !b + (1 - borrow); the carry out means "no borrow".
                let cin = u64::from(k == Alu::Sl32 || carry_in);
                let wide = u64::from(a32) + u64::from(!b32) + cin;
                st.set_gr32(r1, wide as u32);
                st.psw.set_cc(cc_logical(wide as u32 != 0, wide >> 32 != 0));
            }
            Alu::Sl64 | Alu::Slb64 => {
                let cin = u128::from(k == Alu::Sl64 || carry_in);
                let wide = u128::from(a) + u128::from(!b) + cin;
                st.set_g(r1, wide as u64);
                st.psw.set_cc(cc_logical(wide as u64 != 0, wide >> 64 != 0));
            }
            Alu::C32 => st.psw.set_cc(cc_cmp(a32 as i32, b32 as i32)),
            Alu::C64 => st.psw.set_cc(cc_cmp(a as i64, b as i64)),
            Alu::Cl32 => st.psw.set_cc(cc_cmp(a32, b32)),
            Alu::Cl64 => st.psw.set_cc(cc_cmp(a, b)),
            Alu::N32 | Alu::O32 | Alu::X32 => {
                let r = match k {
                    Alu::N32 => a32 & b32,
                    Alu::O32 => a32 | b32,
                    _ => a32 ^ b32,
                };
                st.set_gr32(r1, r);
                st.psw.set_cc(u8::from(r != 0));
            }
            Alu::N64 | Alu::O64 | Alu::X64 => {
                let r = match k {
                    Alu::N64 => a & b,
                    Alu::O64 => a | b,
                    _ => a ^ b,
                };
                st.set_g(r1, r);
                st.psw.set_cc(u8::from(r != 0));
            }
            Alu::L32 => st.set_gr32(r1, b32),
            Alu::L64 => st.set_g(r1, b),
            Alu::Lt32 => {
                st.set_gr32(r1, b32);
                st.psw.set_cc(cc_signed((b32 as i32).into()));
            }
            Alu::Lt64 => {
                st.set_g(r1, b);
                st.psw.set_cc(cc_signed(b as i64));
            }
            Alu::Ms32 => st.set_gr32(r1, (a32 as i32).wrapping_mul(b32 as i32) as u32),
            Alu::Ms64 => st.set_g(r1, (a as i64).wrapping_mul(b as i64) as u64),
        }
        Ok(())
    }

    /// LPR/LNR/LCR/LTR-style unary operations on registers (`g` for 64-bit, `f` for a
    /// 64-bit result of a sign-extended 32-bit source).
    pub fn unary(&mut self, op: Op, r1: u8, r2: u8) -> Step {
        use Op::*;
        let st = &mut self.cpu.state;
        let v32 = st.gr32(r2) as i32;
        let v64 = st.g(r2) as i64;
        match op {
            Lpr | Lcr => {
                let (r, o) = if op == Lpr { v32.overflowing_abs() } else { v32.overflowing_neg() };
                st.set_gr32(r1, r as u32);
                self.arith_cc(if o { 3 } else { cc_signed(r.into()) })
            }
            Lnr => {
                let r = if v32 > 0 { -v32 } else { v32 };
                st.set_gr32(r1, r as u32);
                st.psw.set_cc(cc_signed(r.into()));
                Ok(())
            }
            Lpgr | Lcgr | Lpgfr | Lcgfr => {
                let v = if matches!(op, Lpgfr | Lcgfr) { i64::from(v32) } else { v64 };
                let (r, o) = if matches!(op, Lpgr | Lpgfr) {
                    v.overflowing_abs()
                } else {
                    v.overflowing_neg()
                };
                st.set_g(r1, r as u64);
                self.arith_cc(if o { 3 } else { cc_signed(r) })
            }
            Lngr | Lngfr => {
                let v = if op == Lngfr { i64::from(v32) } else { v64 };
                let r = if v > 0 { -v } else { v };
                st.set_g(r1, r as u64);
                st.psw.set_cc(cc_signed(r));
                Ok(())
            }
            _ => Err(ProgramCheck::new(PgmCode::Operation).into()),
        }
    }

    fn even(r1: u8) -> Result<usize, ProgramCheck> {
        if r1 & 1 != 0 {
            return Err(ProgramCheck::new(PgmCode::Specification));
        }
        Ok(usize::from(r1))
    }

    /// Multiply and divide on an even/odd register pair (MR, M, MLR, MLGR, DR, D, DLR,
    /// DLGR, DSGR, ...). `b` is the second operand, already fetched and extended.
    pub fn pair_muldiv(&mut self, op: Op, r1: u8, b: u64) -> Step {
        use Op::*;
        let e = Self::even(r1)?;
        let st = &mut self.cpu.state;
        let (hi, lo) = (st.gr[e], st.gr[e + 1]);
        let divide_exc = || Err(ProgramCheck::new(PgmCode::FixedPointDivide).into());
        match op {
            Mr | M => {
                let p = i64::from(lo as u32 as i32) * i64::from(b as u32 as i32);
                st.set_gr32(r1, (p >> 32) as u32);
                st.set_gr32(r1 + 1, p as u32);
            }
            Mlr | Ml => {
                let p = u64::from(lo as u32) * u64::from(b as u32);
                st.set_gr32(r1, (p >> 32) as u32);
                st.set_gr32(r1 + 1, p as u32);
            }
            Mlgr | Mlg => {
                let p = u128::from(lo) * u128::from(b);
                st.gr[e] = (p >> 64) as u64;
                st.gr[e + 1] = p as u64;
            }
            Dr | D => {
                let n = ((u64::from(hi as u32) << 32) | u64::from(lo as u32)) as i64;
                let d = i64::from(b as u32 as i32);
                if d == 0 {
                    return divide_exc();
                }
                let q = n.wrapping_div(d);
                if q != i64::from(q as i32) || (n == i64::MIN && d == -1) {
                    return divide_exc();
                }
                st.set_gr32(r1, n.wrapping_rem(d) as u32);
                st.set_gr32(r1 + 1, q as u32);
            }
            Dlr | Dl => {
                let n = (u64::from(hi as u32) << 32) | u64::from(lo as u32);
                let d = u64::from(b as u32);
                if d == 0 || n / d > u64::from(u32::MAX) {
                    return divide_exc();
                }
                st.set_gr32(r1, (n % d) as u32);
                st.set_gr32(r1 + 1, (n / d) as u32);
            }
            Dlgr | Dlg => {
                let n = (u128::from(hi) << 64) | u128::from(lo);
                let d = u128::from(b);
                if d == 0 || n / d > u128::from(u64::MAX) {
                    return divide_exc();
                }
                st.gr[e] = (n % d) as u64;
                st.gr[e + 1] = (n / d) as u64;
            }
            Dsgr | Dsg | Dsgfr | Dsgf => {
                let n = lo as i64;
                let d = b as i64;
                if d == 0 || (n == i64::MIN && d == -1) {
                    return divide_exc();
                }
                st.gr[e] = (n % d) as u64;
                st.gr[e + 1] = (n / d) as u64;
            }
            _ => return Err(ProgramCheck::new(PgmCode::Operation).into()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(Wid::Fs.extend(0x8000_0000), 0xffff_ffff_8000_0000);
        assert_eq!(Wid::Hu.extend(0x1_ffff), 0xffff);
        assert_eq!(Wid::Bs.extend(0x80), u64::MAX - 0x7f);
        assert_eq!(cc_signed(-3), 1);
        assert_eq!(cc_cmp(1u8, 2), 1);
        assert_eq!(alu_of(Op::Agfi), Some((Alu::A64, Wid::Fs)));
    }
}
