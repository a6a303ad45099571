//! Binary floating point (Principles of Operation, chapter 19, "Binary-Floating-Point
//! Instructions"): loads with sign control, arithmetic, compare, conversions between
//! BFP formats and to/from fixed point, TEST DATA CLASS. Arithmetic uses the host's IEEE
//! binary32/binary64 in round-to-nearest-even with the architected NaN rules (an SNaN
//! operand wins over a QNaN and is quieted; op1 before op2; the default NaN is the
//! positive quiet NaN). FPC exception flags and traps, non-default BFP rounding modes for
//! arithmetic are not modelled (NOTES.md); multiply-and-add and square root are exact
//! ([`super::fma`]).

use super::fma::{fma32, fma64, sqrt32, sqrt64};
use super::{Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;

const DNAN64: u64 = 0x7ff8_0000_0000_0000;
const DNAN32: u32 = 0x7fc0_0000;

fn is_snan64(b: u64) -> bool {
    f64::from_bits(b).is_nan() && b & (1 << 51) == 0
}

fn is_snan32(b: u32) -> bool {
    f32::from_bits(b).is_nan() && b & (1 << 22) == 0
}

/// The NaN an operation on `ops` (binary64 bits, in priority order) produces, if any.
fn nan_of64(ops: &[u64]) -> Option<u64> {
    let pick = ops
        .iter()
        .find(|&&x| is_snan64(x))
        .or_else(|| ops.iter().find(|&&x| f64::from_bits(x).is_nan()));
    pick.map(|&x| x | (1 << 51))
}

fn nan_of32(ops: &[u32]) -> Option<u32> {
    let pick = ops
        .iter()
        .find(|&&x| is_snan32(x))
        .or_else(|| ops.iter().find(|&&x| f32::from_bits(x).is_nan()));
    pick.map(|&x| x | (1 << 22))
}

/// The NaN an operation on `a` and `b` (binary64 bits) produces, if any operand is NaN.
fn nan_result64(a: u64, b: Option<u64>) -> Option<u64> {
    let ops = [Some(a), b];
    let pick = ops
        .iter()
        .flatten()
        .find(|&&x| is_snan64(x))
        .or_else(|| ops.iter().flatten().find(|&&x| f64::from_bits(x).is_nan()));
    pick.map(|&x| x | (1 << 51))
}

fn nan_result32(a: u32, b: Option<u32>) -> Option<u32> {
    let ops = [Some(a), b];
    let pick = ops
        .iter()
        .flatten()
        .find(|&&x| is_snan32(x))
        .or_else(|| ops.iter().flatten().find(|&&x| f32::from_bits(x).is_nan()));
    pick.map(|&x| x | (1 << 22))
}

fn cc_of(v: f64) -> u8 {
    if v.is_nan() {
        3
    } else if v == 0.0 {
        0
    } else if v < 0.0 {
        1
    } else {
        2
    }
}

fn cmp_cc(a: f64, b: f64) -> u8 {
    if a.is_nan() || b.is_nan() {
        3
    } else if a == b {
        0
    } else if a < b {
        1
    } else {
        2
    }
}

/// Rounds to an integer by BFP rounding method `m` (0 = current mode, taken as nearest
/// even; 1 = nearest with ties away; 4 = nearest even; 5 = toward 0; 6 = toward +inf;
/// 7 = toward -inf).
fn round(v: f64, m: u8) -> f64 {
    let t = v as i128 as f64; // toward zero, exact for |v| < 2^63 range handled by caller
    let frac = v - t;
    match m {
        5 => t,
        6 => {
            if frac > 0.0 {
                t + 1.0
            } else {
                t
            }
        }
        7 => {
            if frac < 0.0 {
                t - 1.0
            } else {
                t
            }
        }
        1 => {
            if frac >= 0.5 {
                t + 1.0
            } else if frac <= -0.5 {
                t - 1.0
            } else {
                t
            }
        }
        _ => {
            let a = frac.abs();
            if a > 0.5 || (a == 0.5 && (t as i128) % 2 != 0) { t + frac.signum() } else { t }
        }
    }
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    fn fd(&self, r: u8) -> u64 {
        self.cpu.state.fpr[usize::from(r & 15)]
    }

    fn set_fd(&mut self, r: u8, v: u64) {
        self.cpu.state.fpr[usize::from(r & 15)] = v;
    }

    fn fe(&self, r: u8) -> u32 {
        (self.fd(r) >> 32) as u32
    }

    fn set_fe(&mut self, r: u8, v: u32) {
        let f = &mut self.cpu.state.fpr[usize::from(r & 15)];
        *f = (*f & 0xffff_ffff) | (u64::from(v) << 32);
    }

    /// Long (binary64) operations: `b` is the second operand's bits.
    pub fn bfp_long(&mut self, op: Op, r1: u8, b: u64) -> Step {
        use Op::*;
        let a = self.fd(r1);
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        let arith = |r: f64| if r.is_nan() { DNAN64 } else { r.to_bits() };
        let res = match op {
            Adbr | Adb => Some(nan_result64(a, Some(b)).unwrap_or_else(|| arith(x + y))),
            Sdbr | Sdb => Some(nan_result64(a, Some(b)).unwrap_or_else(|| arith(x - y))),
            Mdbr | Mdb => Some(nan_result64(a, Some(b)).unwrap_or_else(|| arith(x * y))),
            Ddbr | Ddb => Some(nan_result64(a, Some(b)).unwrap_or_else(|| arith(x / y))),
            Sqdbr | Sqdb => Some(nan_result64(b, None).unwrap_or_else(|| sqrt64(b))),
            Cdbr | Cdb | Kdbr | Kdb => {
                self.set_cc(cmp_cc(x, y));
                None
            }
            Ltdbr => {
                let r = nan_result64(b, None).unwrap_or(b);
                self.set_cc(cc_of(f64::from_bits(r)));
                self.set_fd(r1, r);
                return Ok(());
            }
            Lcdbr | Lpdbr | Lndbr => {
                let r = match op {
                    Lcdbr => b ^ (1 << 63),
                    Lpdbr => b & !(1 << 63),
                    _ => b | (1 << 63),
                };
                self.set_fd(r1, r);
                self.set_cc(cc_of(f64::from_bits(r)));
                return Ok(());
            }
            Lcdfr => Some(b ^ (1 << 63)),
            Lpdfr => Some(b & !(1 << 63)),
            Lndfr => Some(b | (1 << 63)),
            _ => return Err(ProgramCheck::new(PgmCode::Operation).into()),
        };
        if let Some(r) = res {
            self.set_fd(r1, r);
            if matches!(op, Adbr | Adb | Sdbr | Sdb) {
                self.set_cc(cc_of(f64::from_bits(r)));
            }
        }
        Ok(())
    }

    /// Short (binary32) operations.
    pub fn bfp_short(&mut self, op: Op, r1: u8, b: u32) -> Step {
        use Op::*;
        let a = self.fe(r1);
        let (x, y) = (f32::from_bits(a), f32::from_bits(b));
        let arith = |r: f32| if r.is_nan() { DNAN32 } else { r.to_bits() };
        let r = match op {
            Aebr | Aeb => nan_result32(a, Some(b)).unwrap_or_else(|| arith(x + y)),
            Sebr | Seb => nan_result32(a, Some(b)).unwrap_or_else(|| arith(x - y)),
            Meebr | Meeb => nan_result32(a, Some(b)).unwrap_or_else(|| arith(x * y)),
            Debr | Deb => nan_result32(a, Some(b)).unwrap_or_else(|| arith(x / y)),
            Sqebr | Sqeb => nan_result32(b, None).unwrap_or_else(|| sqrt32(b)),
            Cebr | Ceb | Kebr | Keb => {
                self.set_cc(cmp_cc(x.into(), y.into()));
                return Ok(());
            }
            Ltebr => nan_result32(b, None).unwrap_or(b),
            Lcebr => b ^ (1 << 31),
            Lpebr => b & !(1 << 31),
            Lnebr => b | (1 << 31),
            _ => return Err(ProgramCheck::new(PgmCode::Operation).into()),
        };
        self.set_fe(r1, r);
        if !matches!(op, Meebr | Meeb | Debr | Deb | Sqebr | Sqeb) {
            self.set_cc(cc_of(f32::from_bits(r).into()));
        }
        Ok(())
    }

    /// Conversions between formats and to/from fixed point. `r2` is the source register
    /// (general or floating point), `m3` the rounding method where one applies.
    pub fn bfp_convert(&mut self, op: Op, r1: u8, r2: u8, m3: u8) -> Step {
        use Op::*;
        let g = self.cpu.state.g(r2);
        match op {
            Cdgbr => self.set_fd(r1, (g as i64 as f64).to_bits()),
            Cdfbr => self.set_fd(r1, f64::from(g as u32 as i32).to_bits()),
            Cegbr => self.set_fe(r1, (g as i64 as f32).to_bits()),
            Cefbr => self.set_fe(r1, (g as u32 as i32 as f32).to_bits()),
            Cdlgbr => self.set_fd(r1, (g as f64).to_bits()),
            Cdlfbr => self.set_fd(r1, f64::from(g as u32).to_bits()),
            Celgbr => self.set_fe(r1, (g as f32).to_bits()),
            Celfbr => self.set_fe(r1, (g as u32 as f32).to_bits()),
            Clgdbr | Clfdbr | Clgebr | Clfebr => {
                let v = if matches!(op, Clgdbr | Clfdbr) {
                    f64::from_bits(self.fd(r2))
                } else {
                    f64::from(f32::from_bits(self.fe(r2)))
                };
                let wide = matches!(op, Clgdbr | Clgebr);
                let lim = if wide { 18_446_744_073_709_551_616.0 } else { 4_294_967_296.0 };
                let m = if m3 == 0 { [4, 5, 6, 7][(self.cpu.state.fpc & 3) as usize] } else { m3 };
                let r = if v.is_nan() { None } else { Some(round(v.clamp(-2.0, lim * 2.0), m)) };
                let (val, cc) = match r {
                    Some(x) if x >= 0.0 && x < lim => (x as u64, cc_of(v)),
                    Some(x) if x >= lim => (if wide { u64::MAX } else { u64::from(u32::MAX) }, 3),
                    _ => (0, 3),
                };
                if wide {
                    self.cpu.state.set_g(r1, val);
                } else {
                    self.cpu.state.set_gr32(r1, val as u32);
                }
                self.set_cc(cc);
            }
            Ldebr => {
                let b = self.fe(r2);
                let r = nan_result32(b, None).map_or_else(
                    || f64::from(f32::from_bits(b)).to_bits(),
                    |n| {
                        ((u64::from(n) & 0x8000_0000) << 32)
                            | 0x7ff0_0000_0000_0000
                            | (u64::from(n & 0x7f_ffff) << 29)
                    },
                );
                self.set_fd(r1, r);
            }
            Ledbr => {
                let b = self.fd(r2);
                let r = nan_result64(b, None).map_or_else(
                    || (f64::from_bits(b) as f32).to_bits(),
                    |n| {
                        ((n >> 32) as u32 & 0x8000_0000)
                            | 0x7f80_0000
                            | ((n >> 29) as u32 & 0x7f_ffff)
                    },
                );
                self.set_fe(r1, r);
            }
            Cgdbr | Cfdbr | Cgebr | Cfebr => {
                let v = if matches!(op, Cgdbr | Cfdbr) {
                    f64::from_bits(self.fd(r2))
                } else {
                    f64::from(f32::from_bits(self.fe(r2)))
                };
                let wide = matches!(op, Cgdbr | Cgebr);
                // In range: -2^(n-1) <= x < 2^(n-1), both bounds exact in binary64.
                let lim = if wide { 9_223_372_036_854_775_808.0 } else { 2_147_483_648.0 };
                let m = if m3 == 0 { [4, 5, 6, 7][(self.cpu.state.fpc & 3) as usize] } else { m3 };
                let r =
                    if v.is_nan() { None } else { Some(round(v.clamp(-lim * 2.0, lim * 2.0), m)) };
                let (val, cc) = match r {
                    Some(x) if x >= -lim && x < lim => (x as i64, cc_of(v)),
                    Some(x) if x > 0.0 => (if wide { i64::MAX } else { i64::from(i32::MAX) }, 3),
                    _ => (if wide { i64::MIN } else { i64::from(i32::MIN) }, 3),
                };
                if wide {
                    self.cpu.state.set_g(r1, val as u64);
                } else {
                    self.cpu.state.set_gr32(r1, val as u32);
                }
                self.set_cc(cc);
            }
            _ => return Err(ProgramCheck::new(PgmCode::Operation).into()),
        }
        Ok(())
    }
}

/// The TEST DATA CLASS bit (of the 12 low bits of the second-operand address) for a
/// value: bit 52 +zero, 53 -zero, 54/55 normal, 56/57 subnormal, 58/59 infinity,
/// 60/61 QNaN, 62/63 SNaN.
fn class_bit(cat: core::num::FpCategory, quiet: bool, neg: bool) -> u64 {
    use core::num::FpCategory::*;
    let class = match cat {
        Zero => 0,
        Normal => 1,
        Subnormal => 2,
        Infinite => 3,
        Nan => {
            if quiet {
                4
            } else {
                5
            }
        }
    };
    1u64 << (11 - (class * 2 + u32::from(neg)))
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// MADBR/MSDBR/MAEBR/MSEBR: R1 = R3 * R2 +/- R1, rounded once. NaN operands are
    /// chosen in the order R2, R3, R1 (SNaN before QNaN).
    pub fn bfp_fma(&mut self, op: Op, r1: u8, r3: u8, r2: u8) -> Step {
        let sub = matches!(op, Op::Msdbr | Op::Msebr);
        if matches!(op, Op::Madbr | Op::Msdbr) {
            let (a, b, c) = (self.fd(r3), self.fd(r2), self.fd(r1));
            let r = nan_of64(&[b, a, c]).unwrap_or_else(|| {
                let r = fma64(a, b, if sub { c ^ (1 << 63) } else { c });
                if f64::from_bits(r).is_nan() { DNAN64 } else { r }
            });
            self.set_fd(r1, r);
        } else {
            let (a, b, c) = (self.fe(r3), self.fe(r2), self.fe(r1));
            let r = nan_of32(&[b, a, c]).unwrap_or_else(|| {
                let r = fma32(a, b, if sub { c ^ (1 << 31) } else { c });
                if f32::from_bits(r).is_nan() { DNAN32 } else { r }
            });
            self.set_fe(r1, r);
        }
        Ok(())
    }

    /// TCDB/TCEB: CC 1 if the class of FPR R1 is selected by the address bits.
    pub fn test_data_class(&mut self, op: Op, r1: u8, addr: u64) -> Step {
        let bit = if op == Op::Tcdb {
            let b = self.fd(r1);
            class_bit(f64::from_bits(b).classify(), b & (1 << 51) != 0, b >> 63 != 0)
        } else {
            let b = self.fe(r1);
            class_bit(f32::from_bits(b).classify(), b & (1 << 22) != 0, b >> 31 != 0)
        };
        self.set_cc(u8::from(bit & addr != 0));
        Ok(())
    }
}
