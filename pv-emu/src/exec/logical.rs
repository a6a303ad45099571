//! Immediate operations on register halves and words (IIHH ... LLILF), test under mask,
//! insert/store/compare characters under mask, FIND LEFTMOST ONE and POPULATION COUNT
//! (Principles of Operation, chapter 7).

use super::{Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;

/// What an immediate-on-part instruction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartOp {
    Insert,
    And,
    Orr,
    Xor,
    LoadLogical,
}

/// Whether `op` is one of the immediate-on-part instructions ([`Exec::part_imm`]).
pub(crate) fn is_part_imm(op: Op) -> bool {
    part_of(op).is_some()
}

/// Operation, bit shift and width of the register part an immediate instruction touches.
fn part_of(op: Op) -> Option<(PartOp, u32, u32)> {
    use Op::*;
    use PartOp::*;
    Some(match op {
        Iihh => (Insert, 48, 16),
        Iihl => (Insert, 32, 16),
        Iilh => (Insert, 16, 16),
        Iill => (Insert, 0, 16),
        Nihh => (And, 48, 16),
        Nihl => (And, 32, 16),
        Nilh => (And, 16, 16),
        Nill => (And, 0, 16),
        Oihh => (Orr, 48, 16),
        Oihl => (Orr, 32, 16),
        Oilh => (Orr, 16, 16),
        Oill => (Orr, 0, 16),
        Llihh => (LoadLogical, 48, 16),
        Llihl => (LoadLogical, 32, 16),
        Llilh => (LoadLogical, 16, 16),
        Llill => (LoadLogical, 0, 16),
        Iihf => (Insert, 32, 32),
        Iilf => (Insert, 0, 32),
        Nihf => (And, 32, 32),
        Nilf => (And, 0, 32),
        Oihf => (Orr, 32, 32),
        Oilf => (Orr, 0, 32),
        Xihf => (Xor, 32, 32),
        Xilf => (Xor, 0, 32),
        Llihf => (LoadLogical, 32, 32),
        Llilf => (LoadLogical, 0, 32),
        _ => return None,
    })
}

/// CC of TEST UNDER MASK (RI forms): 0 all zero, 1 mixed with leftmost selected zero,
/// 2 mixed with leftmost selected one, 3 all ones.
pub fn cc_tm_ri(v: u64, mask: u64) -> u8 {
    let sel = v & mask;
    if sel == 0 {
        0
    } else if sel == mask {
        3
    } else {
        let top = 63 - mask.leading_zeros();
        if sel >> top & 1 != 0 { 2 } else { 1 }
    }
}

/// CC of TEST UNDER MASK (SI forms): 0 all zero, 1 mixed, 3 all ones.
pub fn cc_tm_si(v: u8, mask: u8) -> u8 {
    let sel = v & mask;
    if sel == 0 {
        0
    } else if sel == mask {
        3
    } else {
        1
    }
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// The immediate-on-part family; `None` if `op` is not one of them.
    #[inline]
    pub fn part_imm(&mut self, op: Op, r1: u8, imm: u64) -> Option<Step> {
        let (kind, shift, width) = part_of(op)?;
        let st = &mut self.cpu.state;
        let fmask = (u64::MAX >> (64 - width)) << shift;
        let imm = (imm << shift) & fmask;
        let old = st.g(r1);
        let new = match kind {
            PartOp::Insert => (old & !fmask) | imm,
            PartOp::And => old & (imm | !fmask),
            PartOp::Orr => old | imm,
            PartOp::Xor => old ^ imm,
            PartOp::LoadLogical => imm,
        };
        st.set_g(r1, new);
        if matches!(kind, PartOp::And | PartOp::Orr | PartOp::Xor) {
            st.psw.set_cc(u8::from(new & fmask != 0));
        }
        Some(Ok(()))
    }

    /// TMLL/TMLH/TMHL/TMHH.
    pub fn tm_ri(&mut self, op: Op, r1: u8, mask: u16) -> Step {
        let shift = match op {
            Op::Tmll => 0,
            Op::Tmlh => 16,
            Op::Tmhl => 32,
            _ => 48,
        };
        let v = self.cpu.state.g(r1) >> shift & 0xffff;
        self.set_cc(cc_tm_ri(v, u64::from(mask)));
        Ok(())
    }

    /// ICM/ICMY (`high` = false) and ICMH (`high` = true).
    pub fn icm(&mut self, r1: u8, m3: u8, addr: u64, high: bool) -> Step {
        let n = m3.count_ones() as usize;
        let mut buf = [0u8; 4];
        self.read(addr, &mut buf[..n])?;
        let mut v = if high { self.cpu.state.grh(r1) } else { self.cpu.state.gr32(r1) };
        let (mut k, mut cc, mut first) = (0, 0, true);
        for i in 0..4 {
            if m3 & (8 >> i) != 0 {
                let b = buf[k];
                k += 1;
                let sh = 24 - 8 * i;
                v = (v & !(0xff << sh)) | (u32::from(b) << sh);
                if first {
                    cc = if b & 0x80 != 0 {
                        1
                    } else if b != 0 {
                        2
                    } else {
                        0
                    };
                    first = false;
                } else if cc == 0 && b != 0 {
                    cc = 2;
                }
            }
        }
        if high {
            self.cpu.state.set_grh(r1, v)
        } else {
            self.cpu.state.set_gr32(r1, v)
        }
        self.set_cc(cc);
        Ok(())
    }

    fn masked_bytes(v: u32, m3: u8) -> ([u8; 4], usize) {
        let mut out = [0u8; 4];
        let mut n = 0;
        for i in 0..4 {
            if m3 & (8 >> i) != 0 {
                out[n] = (v >> (24 - 8 * i)) as u8;
                n += 1;
            }
        }
        (out, n)
    }

    /// STCM/STCMY/STCMH.
    pub fn stcm(&mut self, r1: u8, m3: u8, addr: u64, high: bool) -> Step {
        let v = if high { self.cpu.state.grh(r1) } else { self.cpu.state.gr32(r1) };
        let (b, n) = Self::masked_bytes(v, m3);
        self.write(addr, &b[..n])
    }

    /// CLM/CLMY/CLMH.
    pub fn clm(&mut self, r1: u8, m3: u8, addr: u64, high: bool) -> Step {
        let v = if high { self.cpu.state.grh(r1) } else { self.cpu.state.gr32(r1) };
        let (b, n) = Self::masked_bytes(v, m3);
        let mut s = [0u8; 4];
        self.read(addr, &mut s[..n])?;
        self.set_cc(super::arith::cc_cmp(&b[..n], &s[..n]));
        Ok(())
    }

    /// FLOGR.
    pub fn flogr(&mut self, r1: u8, r2: u8) -> Step {
        if r1 & 1 != 0 {
            return Err(ProgramCheck::new(PgmCode::Specification).into());
        }
        let v = self.cpu.state.g(r2);
        let n = v.leading_zeros();
        let st = &mut self.cpu.state;
        st.set_g(r1, u64::from(n));
        st.set_g(r1 + 1, if n == 64 { 0 } else { v & !(1u64 << (63 - n)) });
        st.psw.set_cc(if v == 0 { 0 } else { 2 });
        Ok(())
    }

    /// POPCNT: a count per byte, or (M3 bit 0, miscellaneous-instruction-extensions
    /// facility 3) the count of the whole register.
    pub fn popcnt(&mut self, r1: u8, r2: u8, m3: u8) -> Step {
        let v = self.cpu.state.g(r2);
        let mut r = 0u64;
        if m3 & 8 != 0 {
            r = u64::from(v.count_ones());
        } else {
            for i in 0..8 {
                r |= u64::from((v >> (8 * i) & 0xff).count_ones()) << (8 * i);
            }
        }
        self.cpu.state.set_g(r1, r);
        self.set_cc(u8::from(v != 0));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tm_codes() {
        assert_eq!(cc_tm_ri(0, 0xff), 0);
        assert_eq!(cc_tm_ri(0xff, 0xff), 3);
        assert_eq!(cc_tm_ri(0x01, 0x81), 1);
        assert_eq!(cc_tm_ri(0x80, 0x81), 2);
        assert_eq!(cc_tm_ri(0x1234, 0), 0);
        assert_eq!(cc_tm_si(0x80, 0x81), 1);
        assert_eq!(cc_tm_si(0x81, 0x81), 3);
    }
}
