//! Fused multiply-and-add and square root in integer arithmetic (`core` has neither
//! `mul_add` nor `sqrt`): results rounded once, to nearest with ties to even, for
//! binary64 and binary32 (Principles of Operation, "MULTIPLY AND ADD", "SQUARE ROOT").
//! NaN operands are handled by the caller.

/// A binary format: precision (with the hidden bit), exponent bias and field width.
#[derive(Debug, Clone, Copy)]
struct Fmt {
    p: u32,
    bias: i32,
    ebits: u32,
}

const F64: Fmt = Fmt { p: 53, bias: 1023, ebits: 11 };
const F32: Fmt = Fmt { p: 24, bias: 127, ebits: 8 };

impl Fmt {
    fn frac_bits(self) -> u32 {
        self.p - 1
    }
    /// Exponent of the least significant bit of the smallest subnormal.
    fn emin_lsb(self) -> i32 {
        1 - self.bias - self.frac_bits() as i32
    }
    fn max_exp_field(self) -> u64 {
        (1 << self.ebits) - 1
    }
    fn sign_bit(self) -> u64 {
        1 << (self.p - 1 + self.ebits)
    }
    /// Splits finite bits into (negative, integer significand, exponent of its LSB).
    fn split(self, bits: u64) -> (bool, u128, i32) {
        let neg = bits & self.sign_bit() != 0;
        let e = (bits >> self.frac_bits()) & self.max_exp_field();
        let f = bits & ((1 << self.frac_bits()) - 1);
        if e == 0 {
            (neg, u128::from(f), self.emin_lsb())
        } else {
            (neg, u128::from(f | (1 << self.frac_bits())), e as i32 + self.emin_lsb() - 1)
        }
    }
    fn is_inf(self, bits: u64) -> bool {
        (bits & !self.sign_bit()) == self.max_exp_field() << self.frac_bits()
    }
    fn is_zero(self, bits: u64) -> bool {
        bits & !self.sign_bit() == 0
    }
    fn inf(self, neg: bool) -> u64 {
        (self.max_exp_field() << self.frac_bits()) | if neg { self.sign_bit() } else { 0 }
    }
    fn default_nan(self) -> u64 {
        (self.max_exp_field() << self.frac_bits()) | (1 << (self.frac_bits() - 1))
    }

    /// Rounds `m * 2^e` (with `sticky` for nonzero bits below `m`) to this format.
    fn round(self, neg: bool, mut m: u128, mut e: i32, mut sticky: bool) -> u64 {
        let sign = if neg { self.sign_bit() } else { 0 };
        if m == 0 {
            return sign;
        }
        let width = 128 - m.leading_zeros() as i32;
        // Shift so that at most p bits remain, and not below the subnormal exponent.
        let shift = (width - self.p as i32).max(self.emin_lsb() - e);
        if shift > 0 {
            let s = shift as u32;
            let (kept, half, rest) = if s >= 128 {
                (0, false, m != 0)
            } else {
                let kept = m >> s;
                let half = (m >> (s - 1)) & 1 != 0;
                let rest = m & ((1u128 << (s - 1)) - 1) != 0;
                (kept, half, rest)
            };
            sticky |= rest;
            m = kept;
            e += shift;
            if half && (sticky || m & 1 != 0) {
                m += 1;
                if m >> self.p != 0 {
                    m >>= 1;
                    e += 1;
                }
            }
        } else if shift < 0 {
            m <<= (-shift) as u32;
            e += shift;
        }
        // m now has p bits (normal) or fewer with e at the minimum (subnormal).
        if m >> (self.p - 1) == 0 {
            return sign | m as u64;
        }
        let field = i64::from(e) - i64::from(self.emin_lsb()) + 1;
        if field >= self.max_exp_field() as i64 {
            return self.inf(neg);
        }
        sign | ((field as u64) << self.frac_bits()) | (m as u64 & ((1 << self.frac_bits()) - 1))
    }

    /// `a * b + c` for non-NaN operands.
    fn fma(self, a: u64, b: u64, c: u64) -> u64 {
        let pneg = (a ^ b) & self.sign_bit() != 0;
        let cneg = c & self.sign_bit() != 0;
        let (ainf, binf, cinf) = (self.is_inf(a), self.is_inf(b), self.is_inf(c));
        let pzero = self.is_zero(a) || self.is_zero(b);
        if ainf || binf {
            if pzero || (cinf && cneg != pneg) {
                return self.default_nan();
            }
            return self.inf(pneg);
        }
        if cinf {
            return c;
        }
        if pzero {
            if self.is_zero(c) {
                // (+0) + (-0) is +0 when rounding to nearest.
                return if pneg && cneg { self.sign_bit() } else { 0 };
            }
            return c;
        }
        let (_, ma, ea) = self.split(a);
        let (_, mb, eb) = self.split(b);
        let (_, mc, ec) = self.split(c);
        let (mp, ep) = (ma * mb, ea + eb);
        if mc == 0 {
            return self.round(pneg, mp, ep, false);
        }
        // Put both leading bits at bit 120, then align to the larger exponent.
        let norm = |m: u128, e: i32| {
            let s = m.leading_zeros() as i32 - 7;
            (m << s, e - s)
        };
        let (mp, ep) = norm(mp, ep);
        let (mc, ec) = norm(mc, ec);
        let ((big, be, bneg), (small, se, sneg)) = if ep >= ec {
            ((mp, ep, pneg), (mc, ec, cneg))
        } else {
            ((mc, ec, cneg), (mp, ep, pneg))
        };
        let d = (be - se) as u32;
        let (small, sticky) = if d >= 121 {
            (0, small != 0)
        } else {
            (small >> d, d > 0 && small & ((1u128 << d) - 1) != 0)
        };
        if bneg == sneg {
            return self.round(bneg, big + small, be, sticky);
        }
        // Subtract; a borrow from the sticky bits lowers the difference by less than one
        // unit of the last kept bit.
        let (mut m, neg) = if big >= small { (big - small, bneg) } else { (small - big, sneg) };
        if m == 0 && !sticky {
            return 0;
        }
        // Make room for the sticky borrow: scale by 2 and subtract it.
        m = (m << 1) - u128::from(sticky);
        self.round(neg, m, be - 1, sticky)
    }
}

/// Integer square root (floor) of a 128-bit value, digit by digit.
fn isqrt(n: u128) -> u128 {
    let mut rem = n;
    let mut root = 0u128;
    let mut bit = 1u128 << 126;
    while bit > n {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root
}

impl Fmt {
    /// The square root of a non-NaN value.
    fn sqrt(self, a: u64) -> u64 {
        let neg = a & self.sign_bit() != 0;
        if self.is_zero(a) {
            return a;
        }
        if neg {
            return self.default_nan();
        }
        if self.is_inf(a) {
            return a;
        }
        let (_, mut m, mut e) = self.split(a);
        if e % 2 != 0 {
            m <<= 1;
            e -= 1;
        }
        // Scale so that the root has more bits than the precision needs.
        let k = (126 - (128 - m.leading_zeros()) as i32) / 2;
        let scaled = m << (2 * k);
        let r = isqrt(scaled);
        self.round(false, r, e / 2 - k, r * r != scaled)
    }
}

/// Square root of a binary64 bit pattern that is not NaN.
pub fn sqrt64(a: u64) -> u64 {
    F64.sqrt(a)
}

/// Square root of a binary32 bit pattern that is not NaN.
pub fn sqrt32(a: u32) -> u32 {
    F32.sqrt(a.into()) as u32
}

/// `a * b + c` for binary64 bit patterns that are not NaN.
pub fn fma64(a: u64, b: u64, c: u64) -> u64 {
    F64.fma(a, b, c)
}

/// `a * b + c` for binary32 bit patterns that are not NaN.
pub fn fma32(a: u32, b: u32, c: u32) -> u32 {
    F32.fma(a.into(), b.into(), c.into()) as u32
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    fn rng(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    fn pick64(s: &mut u64) -> u64 {
        let r = rng(s);
        match r % 6 {
            0 => r & 0x800f_ffff_ffff_ffff,                   // subnormal
            1 => (r & 0x8000_ffff_ffff_ffff) | (0x3ff << 52), // near 1
            2 => r & 0xbfff_ffff_ffff_ffff,                   // no infinities/NaN
            3 => [0, 1 << 63, 0x7ff0 << 48, 0xfff0 << 48, 0x7fef_ffff_ffff_ffff]
                [(r >> 8) as usize % 5],
            _ => (r & 0x801f_ffff_ffff_ffff) | (((r >> 40) % 2000 + 20) << 52),
        }
    }

    #[test]
    fn single_rounding() {
        // (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104 exactly; a separate multiply gives 0.
        let a = (1.0f64 + f64::EPSILON).to_bits();
        let b = (1.0f64 - f64::EPSILON).to_bits();
        assert_eq!(f64::from_bits(fma64(a, b, (-1.0f64).to_bits())), -(2.0f64.powi(-104)));
        assert_eq!(fma64(0, (-1.0f64).to_bits(), 0), 0);
        assert_eq!(fma64((-0.0f64).to_bits(), 1.0f64.to_bits(), (-0.0f64).to_bits()), 1 << 63);
        assert!(f64::from_bits(fma64(f64::INFINITY.to_bits(), 0, 0)).is_nan());
    }

    #[test]
    fn sqrt_matches_host() {
        let mut s = 0x5151_2727_8989_0101u64;
        for _ in 0..100_000 {
            let a = pick64(&mut s) & !(1 << 63);
            let want = f64::from_bits(a).sqrt();
            assert_eq!(sqrt64(a), want.to_bits(), "sqrt {a:#x}");
            let b = (rng(&mut s) as u32) & 0x7fff_ffff;
            if !f32::from_bits(b).is_nan() {
                assert_eq!(sqrt32(b), f32::from_bits(b).sqrt().to_bits(), "sqrt {b:#x}");
            }
        }
        assert!(f64::from_bits(sqrt64((-4.0f64).to_bits())).is_nan());
        assert_eq!(sqrt64((-0.0f64).to_bits()), 1 << 63);
    }

    #[test]
    fn fma64_matches_host() {
        let mut s = 0x1234_5678_9abc_def1u64;
        for _ in 0..200_000 {
            let (a, b, c) = (pick64(&mut s), pick64(&mut s), pick64(&mut s));
            let want = f64::from_bits(a).mul_add(f64::from_bits(b), f64::from_bits(c));
            let got = fma64(a, b, c);
            if want.is_nan() {
                assert!(f64::from_bits(got).is_nan(), "{a:x} {b:x} {c:x}");
            } else {
                assert_eq!(got, want.to_bits(), "{a:#x} * {b:#x} + {c:#x}");
            }
        }
    }

    #[test]
    fn fma32_matches_host() {
        let mut s = 0x0bad_cafe_1234_5678u64;
        for _ in 0..200_000 {
            let p = |s: &mut u64| {
                let r = rng(s) as u32;
                match r % 4 {
                    0 => r & 0x807f_ffff,
                    1 => (r & 0x80ff_ffff) | (0x7f << 23),
                    _ => r & 0xbfff_ffff,
                }
            };
            let (a, b, c) = (p(&mut s), p(&mut s), p(&mut s));
            let want = f32::from_bits(a).mul_add(f32::from_bits(b), f32::from_bits(c));
            let got = fma32(a, b, c);
            if want.is_nan() {
                assert!(f32::from_bits(got).is_nan());
            } else {
                assert_eq!(got, want.to_bits(), "{a:#x} * {b:#x} + {c:#x}");
            }
        }
    }
}
