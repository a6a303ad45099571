//! Shifts, rotates and the rotate-then-operate-on-selected-bits family (RISBG, RISBGN,
//! RNSBG, ROSBG, RXSBG) (Principles of Operation, chapter 7).

use super::arith::cc_signed;
use super::{Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;

/// Bits `start..=end` (MSB0, wrapping past bit 63 to bit 0) set.
pub fn bit_range(start: u8, end: u8) -> u64 {
    let (s, e) = (u32::from(start & 63), u32::from(end & 63));
    let from_s = u64::MAX >> s;
    let to_e = u64::MAX << (63 - e);
    if s <= e { from_s & to_e } else { from_s | to_e }
}

/// Arithmetic left shift of a `bits`-wide signed value: result and overflow flag.
fn sla(v: i64, n: u32, bits: u32) -> (i64, bool) {
    let sign = v < 0;
    let mut r = v;
    let mut overflow = false;
    for _ in 0..n.min(bits) {
        r <<= 1;
        let top = (r >> (bits - 1)) & 1 != 0;
        if top != sign {
            overflow = true;
        }
    }
    // Keep the sign and the low bits-1 bits.
    let low = r & ((1i64 << (bits - 1)) - 1);
    let r = if sign { low | (-1i64 << (bits - 1)) } else { low };
    (r, overflow)
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// The shift family; `amount` is the second-operand address (low 6 bits used).
    pub fn shift(&mut self, op: Op, r1: u8, r3: u8, amount: u64) -> Step {
        use Op::*;
        let n = (amount & 63) as u32;
        let st = &mut self.cpu.state;
        match op {
            Sll => st.set_gr32(r1, ((u64::from(st.gr32(r1)) << n) & 0xffff_ffff) as u32),
            Srl => st.set_gr32(r1, (u64::from(st.gr32(r1)) >> n) as u32),
            Sllk => st.set_gr32(r1, ((u64::from(st.gr32(r3)) << n) & 0xffff_ffff) as u32),
            Srlk => st.set_gr32(r1, (u64::from(st.gr32(r3)) >> n) as u32),
            Sllg => st.set_g(r1, st.g(r3).checked_shl(n).unwrap_or(0)),
            Srlg => st.set_g(r1, st.g(r3).checked_shr(n).unwrap_or(0)),
            Sra | Srak => {
                let src = if op == Sra { r1 } else { r3 };
                let r = (st.gr32(src) as i32 >> n.min(31)) as u32;
                st.set_gr32(r1, r);
                st.psw.set_cc(cc_signed(i64::from(r as i32)));
            }
            Srag => {
                let r = st.g(r3) as i64 >> n.min(63);
                st.set_g(r1, r as u64);
                st.psw.set_cc(cc_signed(r));
            }
            Sla | Slak => {
                let src = if op == Sla { r1 } else { r3 };
                let (r, o) = sla(i64::from(st.gr32(src) as i32), n, 32);
                st.set_gr32(r1, r as u32);
                return self.arith_cc(if o { 3 } else { cc_signed(r) });
            }
            Slag => {
                let v = st.g(r3) as i64;
                let (r, o) = if n == 0 { (v, false) } else { sla64(v, n) };
                st.set_g(r1, r as u64);
                return self.arith_cc(if o { 3 } else { cc_signed(r) });
            }
            Rll => st.set_gr32(r1, st.gr32(r3).rotate_left(n)),
            Rllg => st.set_g(r1, st.g(r3).rotate_left(n)),
            Sldl | Srdl | Slda | Srda => {
                if r1 & 1 != 0 {
                    return Err(ProgramCheck::new(PgmCode::Specification).into());
                }
                let v = (u64::from(st.gr32(r1)) << 32) | u64::from(st.gr32(r1 + 1));
                let (r, cc) = match op {
                    Sldl => (v.checked_shl(n).unwrap_or(0), None),
                    Srdl => (v.checked_shr(n).unwrap_or(0), None),
                    Srda => {
                        let r = (v as i64 >> n.min(63)) as u64;
                        (r, Some(cc_signed(r as i64)))
                    }
                    _ => {
                        let (r, o) = sla64(v as i64, n);
                        (r as u64, Some(if o { 3 } else { cc_signed(r) }))
                    }
                };
                st.set_gr32(r1, (r >> 32) as u32);
                st.set_gr32(r1 + 1, r as u32);
                if let Some(cc) = cc {
                    return self.arith_cc(cc);
                }
            }
            _ => return Err(ProgramCheck::new(PgmCode::Operation).into()),
        }
        Ok(())
    }

    /// RISBG, RISBGN, RNSBG, ROSBG, RXSBG.
    pub fn rotate_selected(&mut self, op: Op, r1: u8, r2: u8, i3: u8, i4: u8, i5: u8) -> Step {
        let st = &mut self.cpu.state;
        let rot = st.g(r2).rotate_left(u32::from(i5 & 63));
        let mask = bit_range(i3, i4);
        let old = st.g(r1);
        match op {
            Op::Risbg | Op::Risbgn => {
                let zero = i4 & 0x80 != 0;
                let r = (rot & mask) | if zero { 0 } else { old & !mask };
                st.set_g(r1, r);
                if op == Op::Risbg {
                    st.psw.set_cc(cc_signed(r as i64));
                }
            }
            Op::Rnsbg | Op::Rosbg | Op::Rxsbg => {
                let sel = match op {
                    Op::Rnsbg => (old & rot) & mask,
                    Op::Rosbg => (old | rot) & mask,
                    _ => (old ^ rot) & mask,
                };
                if i3 & 0x80 == 0 {
                    st.set_g(r1, (old & !mask) | sel);
                }
                st.psw.set_cc(u8::from(sel != 0));
            }
            _ => return Err(ProgramCheck::new(PgmCode::Operation).into()),
        }
        Ok(())
    }
}

fn sla64(v: i64, n: u32) -> (i64, bool) {
    let sign = v < 0;
    let mut overflow = false;
    let mut r = v;
    for _ in 0..n {
        r = r.wrapping_shl(1);
        if (r < 0) != sign {
            overflow = true;
        }
    }
    let r = if sign { r | i64::MIN } else { r & i64::MAX };
    (r, overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(bit_range(0, 63), u64::MAX);
        assert_eq!(bit_range(63, 63), 1);
        assert_eq!(bit_range(0, 0), 1 << 63);
        assert_eq!(bit_range(62, 1), 0xc000_0000_0000_0003);
        assert_eq!(bit_range(32, 63), 0xffff_ffff);
    }

    #[test]
    fn arithmetic_left() {
        assert_eq!(sla(1, 1, 32), (2, false));
        assert_eq!(sla(0x4000_0000, 1, 32), (0, true));
        assert_eq!(sla(-1, 4, 32), (-16, false));
        assert_eq!(sla64(i64::MAX, 1), (i64::MAX - 1, true));
    }
}
