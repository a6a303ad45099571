//! A small IEEE 754 binary-arithmetic core in integer arithmetic (Principles of
//! Operation, chapter 19, "Binary-Floating-Point Instructions"; `core` offers neither
//! `mul_add`, `sqrt` nor exception flags). Every operation rounds once in the requested
//! mode and reports the IEEE flags: inexact, overflow, underflow (tiny before rounding and
//! inexact), divide by zero and invalid. NaN operands are resolved by the caller
//! ([`Fmt::pick_nan`]); the invalid operations produce the default NaN.

/// IEEE flags in the bit positions of the FPC flag byte.
pub mod flag {
    /// Invalid operation.
    pub const INVALID: u8 = 0x80;
    /// Division by zero.
    pub const DIVIDE: u8 = 0x40;
    /// Overflow.
    pub const OVERFLOW: u8 = 0x20;
    /// Underflow.
    pub const UNDERFLOW: u8 = 0x10;
    /// Inexact.
    pub const INEXACT: u8 = 0x08;
}

/// Rounding modes (the BFP rounding-mode field of the FPC, or an instruction's M3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// To nearest, ties to even.
    NearestEven,
    /// To nearest, ties away from zero.
    NearestAway,
    /// Toward zero.
    Zero,
    /// Toward +infinity.
    Up,
    /// Toward -infinity.
    Down,
}

impl Mode {
    /// The mode the FPC's BFP rounding-mode bits (0-3) select.
    pub const fn from_fpc(fpc: u32) -> Self {
        match fpc & 7 {
            1 => Self::Zero,
            2 => Self::Up,
            3 => Self::Down,
            _ => Self::NearestEven,
        }
    }

    /// The mode an M3 rounding-method field selects (0: the FPC's mode).
    pub const fn from_m3(m3: u8, fpc: u32) -> Self {
        match m3 {
            1 => Self::NearestAway,
            4 => Self::NearestEven,
            5 => Self::Zero,
            6 => Self::Up,
            7 => Self::Down,
            _ => Self::from_fpc(fpc),
        }
    }

    /// Whether a value with the given sign, kept part and discarded bits rounds up
    /// (away from zero).
    fn increments(self, neg: bool, odd: bool, half: bool, rest: bool) -> bool {
        match self {
            Self::NearestEven => half && (rest || odd),
            Self::NearestAway => half,
            Self::Zero => false,
            Self::Up => !neg && (half || rest),
            Self::Down => neg && (half || rest),
        }
    }
}

/// A binary format: precision (with the hidden bit), exponent bias and field width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fmt {
    p: u32,
    bias: i32,
    ebits: u32,
}

/// binary64 (long BFP).
pub const F64: Fmt = Fmt { p: 53, bias: 1023, ebits: 11 };
/// binary32 (short BFP).
pub const F32: Fmt = Fmt { p: 24, bias: 127, ebits: 8 };

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
    /// The sign bit.
    pub fn sign_bit(self) -> u64 {
        1 << (self.p - 1 + self.ebits)
    }
    /// The quiet bit of a NaN.
    pub fn quiet_bit(self) -> u64 {
        1 << (self.frac_bits() - 1)
    }
    /// Whether the bits are a NaN.
    pub fn is_nan(self, b: u64) -> bool {
        (b & !self.sign_bit()) > self.max_exp_field() << self.frac_bits()
    }
    /// Whether the bits are a signaling NaN.
    pub fn is_snan(self, b: u64) -> bool {
        self.is_nan(b) && b & self.quiet_bit() == 0
    }
    /// Whether the bits are an infinity.
    pub fn is_inf(self, bits: u64) -> bool {
        (bits & !self.sign_bit()) == self.max_exp_field() << self.frac_bits()
    }
    /// Whether the bits are a zero.
    pub fn is_zero(self, bits: u64) -> bool {
        bits & !self.sign_bit() == 0
    }
    /// Whether the bits are negative (sign bit set).
    pub fn is_neg(self, bits: u64) -> bool {
        bits & self.sign_bit() != 0
    }
    /// Whether a finite value has no fraction bits (exponent at least the precision).
    pub fn is_integral(self, bits: u64) -> bool {
        let e = (bits >> self.frac_bits()) & self.max_exp_field();
        e as i32 - self.bias >= self.frac_bits() as i32
    }
    /// Whether the bits are a subnormal number.
    pub fn is_subnormal(self, bits: u64) -> bool {
        !self.is_zero(bits) && (bits >> self.frac_bits()) & self.max_exp_field() == 0
    }
    fn inf(self, neg: bool) -> u64 {
        (self.max_exp_field() << self.frac_bits()) | if neg { self.sign_bit() } else { 0 }
    }
    fn max_finite(self, neg: bool) -> u64 {
        self.inf(neg) - 1
    }
    /// The default (positive quiet) NaN.
    pub fn default_nan(self) -> u64 {
        (self.max_exp_field() << self.frac_bits()) | self.quiet_bit()
    }

    /// The NaN result for `ops` (in priority order): the first SNaN, quieted, else the
    /// first QNaN; `None` if no operand is a NaN. The flags report invalid for an SNaN.
    pub fn pick_nan(self, ops: &[u64]) -> Option<(u64, u8)> {
        if let Some(s) = ops.iter().find(|&&x| self.is_snan(x)) {
            return Some((s | self.quiet_bit(), flag::INVALID));
        }
        ops.iter().find(|&&x| self.is_nan(x)).map(|&q| (q, 0))
    }

    /// Splits finite bits into (negative, integer significand, exponent of its LSB).
    fn split(self, bits: u64) -> (bool, u128, i32) {
        let neg = self.is_neg(bits);
        let e = (bits >> self.frac_bits()) & self.max_exp_field();
        let f = bits & ((1 << self.frac_bits()) - 1);
        if e == 0 {
            (neg, u128::from(f), self.emin_lsb())
        } else {
            (neg, u128::from(f | (1 << self.frac_bits())), e as i32 + self.emin_lsb() - 1)
        }
    }

    /// Rounds `m * 2^e` (with `sticky` for nonzero bits below `m`) to this format.
    pub fn round(self, neg: bool, mut m: u128, mut e: i32, sticky: bool, mode: Mode) -> (u64, u8) {
        let sign = if neg { self.sign_bit() } else { 0 };
        if m == 0 {
            return (sign, if sticky { flag::INEXACT } else { 0 });
        }
        let width = 128 - m.leading_zeros() as i32;
        // Tiny (before rounding): the value lies below the smallest normal number.
        let tiny = e + width - 1 < 1 - self.bias;
        // Keep at most p bits, and none below the smallest subnormal's LSB.
        let shift = (width - self.p as i32).max(self.emin_lsb() - e);
        let mut inexact = sticky;
        if shift > 0 {
            let s = shift as u32;
            let (kept, half, rest) = if s > 127 {
                (0, false, true)
            } else {
                let kept = m >> s;
                let half = (m >> (s - 1)) & 1 != 0;
                let rest = m & ((1u128 << (s - 1)) - 1) != 0;
                (kept, half, rest)
            };
            inexact |= half || rest;
            let up = mode.increments(neg, kept & 1 != 0, half, rest || sticky);
            m = kept + u128::from(up);
            e += shift;
            if m >> self.p != 0 {
                m >>= 1;
                e += 1;
            }
        } else {
            if sticky {
                // Only bits below the kept ones: round the magnitude as a whole.
                let up = mode.increments(neg, m & 1 != 0, false, true);
                m += u128::from(up);
            }
            if shift < 0 && m >> self.p == 0 {
                let s = (-shift) as u32;
                m <<= s;
                e -= s as i32;
            }
            if m >> self.p != 0 {
                m >>= 1;
                e += 1;
            }
        }
        let mut flags = if inexact { flag::INEXACT } else { 0 };
        if tiny && inexact {
            flags |= flag::UNDERFLOW;
        }
        if m == 0 {
            return (sign, flags);
        }
        if m >> (self.p - 1) == 0 {
            return (sign | m as u64, flags);
        }
        let field = i64::from(e) - i64::from(self.emin_lsb()) + 1;
        if field >= self.max_exp_field() as i64 {
            let r = match mode {
                Mode::Zero => self.max_finite(neg),
                Mode::Up if neg => self.max_finite(true),
                Mode::Down if !neg => self.max_finite(false),
                _ => self.inf(neg),
            };
            return (r, flag::OVERFLOW | flag::INEXACT);
        }
        let frac = m as u64 & ((1 << self.frac_bits()) - 1);
        (sign | ((field as u64) << self.frac_bits()) | frac, flags)
    }

    fn exact_zero(self, mode: Mode) -> u64 {
        if mode == Mode::Down { self.sign_bit() } else { 0 }
    }

    /// `a * b + c` rounded once, for non-NaN operands.
    pub fn fma(self, a: u64, b: u64, c: u64, mode: Mode) -> (u64, u8) {
        let pneg = self.is_neg(a) != self.is_neg(b);
        let cneg = self.is_neg(c);
        let (ainf, binf, cinf) = (self.is_inf(a), self.is_inf(b), self.is_inf(c));
        let pzero = self.is_zero(a) || self.is_zero(b);
        if ainf || binf {
            if pzero || (cinf && cneg != pneg) {
                return (self.default_nan(), flag::INVALID);
            }
            return (self.inf(pneg), 0);
        }
        if cinf {
            return (c, 0);
        }
        if pzero {
            if self.is_zero(c) {
                let r = if pneg == cneg {
                    if pneg { self.sign_bit() } else { 0 }
                } else {
                    self.exact_zero(mode)
                };
                return (r, 0);
            }
            return (c, 0);
        }
        let (_, ma, ea) = self.split(a);
        let (_, mb, eb) = self.split(b);
        let (_, mc, ec) = self.split(c);
        let (mp, ep) = (ma * mb, ea + eb);
        if mc == 0 {
            return self.round(pneg, mp, ep, false, mode);
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
            return self.round(bneg, big + small, be, sticky, mode);
        }
        let (m, neg) = if big >= small { (big - small, bneg) } else { (small - big, sneg) };
        if m == 0 && !sticky {
            return (self.exact_zero(mode), 0);
        }
        // A borrow from the sticky bits lowers the difference by less than one unit of
        // its last bit: scale by 2 and subtract it.
        self.round(neg, (m << 1) - u128::from(sticky), be - 1, sticky, mode)
    }

    /// `a + b` for non-NaN operands.
    pub fn add(self, a: u64, b: u64, mode: Mode) -> (u64, u8) {
        let one = ((self.bias as u64) << self.frac_bits()) & !self.sign_bit();
        self.fma(a, one, b, mode)
    }

    /// `a * b` for non-NaN operands.
    pub fn mul(self, a: u64, b: u64, mode: Mode) -> (u64, u8) {
        let zero = if self.is_neg(a) != self.is_neg(b) { self.sign_bit() } else { 0 };
        self.fma(a, b, zero, mode)
    }

    /// `a / b` for non-NaN operands.
    pub fn div(self, a: u64, b: u64, mode: Mode) -> (u64, u8) {
        let neg = self.is_neg(a) != self.is_neg(b);
        let sign = if neg { self.sign_bit() } else { 0 };
        let (ainf, binf, azero, bzero) =
            (self.is_inf(a), self.is_inf(b), self.is_zero(a), self.is_zero(b));
        if (ainf && binf) || (azero && bzero) {
            return (self.default_nan(), flag::INVALID);
        }
        if ainf {
            return (self.inf(neg), 0);
        }
        if bzero {
            return (self.inf(neg), flag::DIVIDE);
        }
        if azero || binf {
            return (sign, 0);
        }
        let (_, ma, ea) = self.split(a);
        let (_, mb, eb) = self.split(b);
        let s = ma.leading_zeros() - 7;
        let n = ma << s;
        let (q, r) = (n / mb, n % mb);
        self.round(neg, q, ea - s as i32 - eb, r != 0, mode)
    }

    /// The square root of a non-NaN value.
    pub fn sqrt(self, a: u64, mode: Mode) -> (u64, u8) {
        if self.is_zero(a) {
            return (a, 0);
        }
        if self.is_neg(a) {
            return (self.default_nan(), flag::INVALID);
        }
        if self.is_inf(a) {
            return (a, 0);
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
        self.round(false, r, e / 2 - k, r * r != scaled, mode)
    }

    /// Converts an integer (sign and magnitude) to this format.
    pub fn from_int(self, neg: bool, magnitude: u128, mode: Mode) -> (u64, u8) {
        self.round(neg, magnitude, 0, false, mode)
    }

    /// Converts a non-NaN value of `from` to this format.
    pub fn convert(self, from: Fmt, bits: u64, mode: Mode) -> (u64, u8) {
        let neg = from.is_neg(bits);
        if from.is_inf(bits) {
            return (self.inf(neg), 0);
        }
        if from.is_zero(bits) {
            return (if neg { self.sign_bit() } else { 0 }, 0);
        }
        let (_, m, e) = from.split(bits);
        self.round(neg, m, e, false, mode)
    }

    /// Converts a NaN of `from` to this format (quieting an SNaN, keeping the payload's
    /// leading bits).
    pub fn convert_nan(self, from: Fmt, bits: u64) -> (u64, u8) {
        let flags = if from.is_snan(bits) { flag::INVALID } else { 0 };
        let payload = bits & ((1 << from.frac_bits()) - 1);
        let payload = if self.frac_bits() >= from.frac_bits() {
            payload << (self.frac_bits() - from.frac_bits())
        } else {
            payload >> (from.frac_bits() - self.frac_bits())
        };
        let sign = if from.is_neg(bits) { self.sign_bit() } else { 0 };
        (sign | (self.max_exp_field() << self.frac_bits()) | payload | self.quiet_bit(), flags)
    }

    /// Rounds a non-NaN, finite value to an integer in `mode`: (negative, magnitude,
    /// inexact). Magnitudes that do not fit in 128 bits saturate.
    pub fn to_int(self, bits: u64, mode: Mode) -> (bool, u128, bool) {
        let (neg, m, e) = self.split(bits);
        if m == 0 {
            return (neg, 0, false);
        }
        if e >= 0 {
            let v = if e >= 64 { u128::MAX } else { m << e };
            return (neg, v, false);
        }
        let s = (-e) as u32;
        let (kept, half, rest) = if s > 127 {
            (0, false, true)
        } else {
            (m >> s, (m >> (s - 1)) & 1 != 0, m & ((1u128 << (s - 1)) - 1) != 0)
        };
        let up = mode.increments(neg, kept & 1 != 0, half, rest);
        (neg, kept + u128::from(up), half || rest)
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

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    const RNE: Mode = Mode::NearestEven;

    fn rng(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    fn pick64(s: &mut u64) -> u64 {
        let r = rng(s);
        match r % 6 {
            0 => r & 0x800f_ffff_ffff_ffff,
            1 => (r & 0x8000_ffff_ffff_ffff) | (0x3ff << 52),
            2 => r & 0xbfff_ffff_ffff_ffff,
            3 => [0, 1 << 63, 0x7ff0 << 48, 0xfff0 << 48, 0x7fef_ffff_ffff_ffff]
                [(r >> 8) as usize % 5],
            _ => (r & 0x801f_ffff_ffff_ffff) | (((r >> 40) % 2000 + 20) << 52),
        }
    }

    fn pick32(s: &mut u64) -> u64 {
        let r = rng(s) as u32;
        u64::from(match r % 4 {
            0 => r & 0x807f_ffff,
            1 => (r & 0x80ff_ffff) | (0x7f << 23),
            _ => r & 0xbfff_ffff,
        })
    }

    fn same64(got: u64, want: f64) -> bool {
        if want.is_nan() { F64.is_nan(got) } else { got == want.to_bits() }
    }

    #[test]
    fn f64_ops_match_host() {
        let mut s = 0x1234_5678_9abc_def1u64;
        for _ in 0..100_000 {
            let (a, b, c) = (pick64(&mut s), pick64(&mut s), pick64(&mut s));
            let (x, y, z) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
            assert!(same64(F64.fma(a, b, c, RNE).0, x.mul_add(y, z)), "fma {a:#x} {b:#x} {c:#x}");
            assert!(same64(F64.add(a, b, RNE).0, x + y), "add {a:#x} {b:#x}");
            assert!(same64(F64.mul(a, b, RNE).0, x * y), "mul {a:#x} {b:#x}");
            assert!(same64(F64.div(a, b, RNE).0, x / y), "div {a:#x} {b:#x}");
            let p = a & !(1 << 63);
            assert!(same64(F64.sqrt(p, RNE).0, f64::from_bits(p).sqrt()), "sqrt {p:#x}");
        }
    }

    #[test]
    fn f32_ops_match_host() {
        let mut s = 0x0bad_cafe_1234_5678u64;
        for _ in 0..100_000 {
            let (a, b, c) = (pick32(&mut s), pick32(&mut s), pick32(&mut s));
            let f = |v: u64| f32::from_bits(v as u32);
            let same = |got: u64, want: f32| {
                if want.is_nan() { F32.is_nan(got) } else { got == u64::from(want.to_bits()) }
            };
            assert!(same(F32.fma(a, b, c, RNE).0, f(a).mul_add(f(b), f(c))));
            assert!(same(F32.add(a, b, RNE).0, f(a) + f(b)));
            assert!(same(F32.mul(a, b, RNE).0, f(a) * f(b)));
            assert!(same(F32.div(a, b, RNE).0, f(a) / f(b)), "div {a:#x} {b:#x}");
            assert!(same(F32.convert(F64, f64::from(f(a)).to_bits(), RNE).0, f(a)));
            let d = pick64(&mut s);
            if !f64::from_bits(d).is_nan() {
                assert!(
                    same(F32.convert(F64, d, RNE).0, f64::from_bits(d) as f32),
                    "narrow {d:#x}"
                );
            }
        }
    }

    #[test]
    fn flags_and_modes() {
        let one = 1.0f64.to_bits();
        let three = 3.0f64.to_bits();
        assert_eq!(F64.div(one, three, RNE).1, flag::INEXACT);
        assert_eq!(F64.div(one, 0, RNE), (f64::INFINITY.to_bits(), flag::DIVIDE));
        assert_eq!(F64.div(0, 0, RNE), (F64.default_nan(), flag::INVALID));
        let max = f64::MAX.to_bits();
        assert_eq!(
            F64.add(max, max, RNE),
            (f64::INFINITY.to_bits(), flag::OVERFLOW | flag::INEXACT)
        );
        assert_eq!(F64.add(max, max, Mode::Zero).0, max);
        let tiny = 1u64; // smallest subnormal
        assert_eq!(F64.mul(tiny, 0.5f64.to_bits(), RNE).1, flag::UNDERFLOW | flag::INEXACT);
        assert_eq!(F64.add(tiny, tiny, RNE), (2, 0), "exact subnormal sums do not underflow");
        // 1/3 rounded up and down differ by one unit.
        let up = F64.div(one, three, Mode::Up).0;
        let down = F64.div(one, three, Mode::Down).0;
        assert_eq!(up - down, 1);
        // x - x is -0 only when rounding toward -infinity.
        assert_eq!(F64.add(one, (-1.0f64).to_bits(), RNE).0, 0);
        assert_eq!(F64.add(one, (-1.0f64).to_bits(), Mode::Down).0, 1 << 63);
        assert_eq!(F64.to_int(2.5f64.to_bits(), RNE), (false, 2, true));
        assert_eq!(F64.to_int(2.5f64.to_bits(), Mode::NearestAway), (false, 3, true));
        assert_eq!(F64.to_int((-2.5f64).to_bits(), Mode::Down), (true, 3, true));
        assert_eq!(
            F64.from_int(false, (1 << 53) + 1, RNE),
            ((2.0f64.powi(53)).to_bits(), flag::INEXACT)
        );
        assert_eq!(
            F64.pick_nan(&[one, 0x7ff4_0000_0000_0001]),
            Some((0x7ffc_0000_0000_0001, flag::INVALID))
        );
    }
}
