//! The z/Architecture program-status word (16 bytes: mask and instruction address) and
//! the ESA/390 short (8-byte) form that an IPL loads from absolute 0
//! (se-format.md §3.2).

/// Bit 12 (MSB0) of a short PSW: marks the 8-byte ESA/390 format.
pub const SHORT_PSW_BIT: u64 = 0x0008_0000_0000_0000;

/// Extended addressing (MSB0 bit 31).
pub const PSW_MASK_EA: u64 = 0x0000_0001_0000_0000;
/// Basic addressing (MSB0 bit 32).
pub const PSW_MASK_BA: u64 = 0x0000_0000_8000_0000;

/// PER mask (MSB0 bit 1).
pub const PSW_MASK_PER: u64 = 0x4000_0000_0000_0000;
/// DAT mode (MSB0 bit 5).
pub const PSW_MASK_DAT: u64 = 0x0400_0000_0000_0000;
/// I/O interruption mask (MSB0 bit 6).
pub const PSW_MASK_IO: u64 = 0x0200_0000_0000_0000;
/// External interruption mask (MSB0 bit 7).
pub const PSW_MASK_EXT: u64 = 0x0100_0000_0000_0000;
/// PSW key (MSB0 bits 8-11).
pub const PSW_MASK_KEY: u64 = 0x00f0_0000_0000_0000;
/// Machine-check mask (MSB0 bit 13).
pub const PSW_MASK_MCHECK: u64 = 0x0004_0000_0000_0000;
/// Wait state (MSB0 bit 14).
pub const PSW_MASK_WAIT: u64 = 0x0002_0000_0000_0000;
/// Problem state (MSB0 bit 15).
pub const PSW_MASK_PSTATE: u64 = 0x0001_0000_0000_0000;
/// Address-space control (MSB0 bits 16-17).
pub const PSW_MASK_ASC: u64 = 0x0000_c000_0000_0000;
/// Condition code (MSB0 bits 18-19).
pub const PSW_MASK_CC: u64 = 0x0000_3000_0000_0000;
/// Program mask (MSB0 bits 20-23: fixed-point overflow, decimal overflow, HFP exponent
/// underflow, HFP significance).
pub const PSW_MASK_PM: u64 = 0x0000_0f00_0000_0000;
/// Fixed-point-overflow mask (MSB0 bit 20).
pub const PSW_MASK_PM_FIXED: u64 = 0x0000_0800_0000_0000;
/// Runtime-instrumentation mask (MSB0 bit 24).
pub const PSW_MASK_RI: u64 = 0x0000_0080_0000_0000;

/// The addressing mode that PSW bits 31 (EA) and 32 (BA) select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressingMode {
    /// EA = 0, BA = 0.
    Bits24,
    /// EA = 0, BA = 1.
    Bits31,
    /// EA = 1, BA = 1.
    Bits64,
}

impl AddressingMode {
    /// The mask that wraps an effective address in this mode.
    pub const fn address_mask(self) -> u64 {
        match self {
            Self::Bits24 => 0x00ff_ffff,
            Self::Bits31 => 0x7fff_ffff,
            Self::Bits64 => u64::MAX,
        }
    }
}

/// A 16-byte z/Architecture PSW.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Psw {
    /// The mask: bits 0-63 of the PSW (interrupt masks, key, state, CC, addressing mode).
    pub mask: u64,
    /// The instruction address: bits 64-127.
    pub addr: u64,
}

impl Psw {
    /// The PSW pvimg writes for 64-bit addressing (EA + BA), at `addr`.
    pub const fn new_64bit(addr: u64) -> Self {
        Self { mask: PSW_MASK_EA | PSW_MASK_BA, addr }
    }

    /// The condition code (0-3).
    pub const fn cc(self) -> u8 {
        ((self.mask & PSW_MASK_CC) >> 44) as u8
    }

    /// Sets the condition code (the low two bits of `cc`).
    pub const fn set_cc(&mut self, cc: u8) {
        self.mask = (self.mask & !PSW_MASK_CC) | (((cc & 3) as u64) << 44);
    }

    /// The PSW key (0-15).
    pub const fn key(self) -> u8 {
        ((self.mask & PSW_MASK_KEY) >> 52) as u8
    }

    /// The program mask (4 bits).
    pub const fn program_mask(self) -> u8 {
        ((self.mask & PSW_MASK_PM) >> 40) as u8
    }

    /// The address-space control (0 primary, 1 access-register, 2 secondary, 3 home).
    pub const fn asc(self) -> u8 {
        ((self.mask & PSW_MASK_ASC) >> 46) as u8
    }

    /// Whether the CPU is in the problem state.
    pub const fn is_problem_state(self) -> bool {
        self.mask & PSW_MASK_PSTATE != 0
    }

    /// Whether the wait-state bit is set.
    pub const fn is_wait(self) -> bool {
        self.mask & PSW_MASK_WAIT != 0
    }

    /// Whether DAT is on.
    pub const fn is_dat(self) -> bool {
        self.mask & PSW_MASK_DAT != 0
    }

    /// The addressing mode, or `None` for the invalid combination EA = 1, BA = 0.
    pub const fn addressing_mode(self) -> Option<AddressingMode> {
        match (self.mask & PSW_MASK_EA != 0, self.mask & PSW_MASK_BA != 0) {
            (false, false) => Some(AddressingMode::Bits24),
            (false, true) => Some(AddressingMode::Bits31),
            (true, true) => Some(AddressingMode::Bits64),
            (true, false) => None,
        }
    }

    /// Sets the addressing-mode bits.
    pub const fn set_addressing_mode(&mut self, mode: AddressingMode) {
        self.mask &= !(PSW_MASK_EA | PSW_MASK_BA);
        self.mask |= match mode {
            AddressingMode::Bits24 => 0,
            AddressingMode::Bits31 => PSW_MASK_BA,
            AddressingMode::Bits64 => PSW_MASK_EA | PSW_MASK_BA,
        };
    }

    /// The 16 big-endian bytes.
    pub fn to_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.mask.to_be_bytes());
        b[8..].copy_from_slice(&self.addr.to_be_bytes());
        b
    }

    /// Parses 16 big-endian bytes.
    pub fn from_bytes(b: &[u8; 16]) -> Self {
        let mut m = [0u8; 8];
        let mut a = [0u8; 8];
        m.copy_from_slice(&b[..8]);
        a.copy_from_slice(&b[8..]);
        Self { mask: u64::from_be_bytes(m), addr: u64::from_be_bytes(a) }
    }

    /// Converts to the short 8-byte form (`mask | bit 12 | addr`), as pvimg does for the
    /// IPL PSW at absolute 0. `None` if the mask has bits in its low 31 bits or bit 12, or
    /// the address does not fit in 31 bits (se-format.md §3.2).
    pub fn to_short(self) -> Option<u64> {
        if self.mask & 0x7fff_ffff != 0 || self.mask & SHORT_PSW_BIT != 0 || self.addr >= 1 << 31 {
            return None;
        }
        Some(self.mask | SHORT_PSW_BIT | self.addr)
    }

    /// Expands a short PSW: the address is the low 31 bits, the mask the rest without
    /// bit 12. `None` if bit 12 is not set.
    pub fn from_short(short: u64) -> Option<Self> {
        if short & SHORT_PSW_BIT == 0 {
            return None;
        }
        Some(Self { mask: short & !SHORT_PSW_BIT & !0x7fff_ffff, addr: short & 0x7fff_ffff })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_psw_of_pvimg() {
        // se-format.md §3.2: mask 0x180000000, addr 0x11000 -> 00 08 00 01 80 01 10 00.
        let s = Psw::new_64bit(0x11000).to_short().unwrap();
        assert_eq!(s.to_be_bytes(), [0x00, 0x08, 0x00, 0x01, 0x80, 0x01, 0x10, 0x00]);
        assert_eq!(Psw::from_short(s), Some(Psw::new_64bit(0x11000)));
        assert_eq!(Psw { mask: 1, addr: 0 }.to_short(), None);
        assert_eq!(Psw::new_64bit(1 << 31).to_short(), None);
        assert_eq!(Psw::from_short(0), None);
    }

    #[test]
    fn fields() {
        let mut p = Psw { mask: 0x0705_2000_8000_0000, addr: 0 };
        assert_eq!(p.key(), 0);
        assert!(p.is_dat());
        assert!(p.is_problem_state());
        assert!(!p.is_wait());
        assert_eq!(p.cc(), 2);
        p.set_cc(1);
        assert_eq!(p.mask, 0x0705_1000_8000_0000);
        assert_eq!(p.addressing_mode(), Some(AddressingMode::Bits31));
        p.set_addressing_mode(AddressingMode::Bits64);
        assert_eq!(p.mask & (PSW_MASK_EA | PSW_MASK_BA), PSW_MASK_EA | PSW_MASK_BA);
        p.mask &= !PSW_MASK_BA;
        assert_eq!(p.addressing_mode(), None);
        let q = Psw { mask: 0x00f2_c300_0000_0000, addr: 0 };
        assert_eq!((q.key(), q.asc(), q.program_mask(), q.is_wait()), (15, 3, 3, true));
        assert_eq!(AddressingMode::Bits24.address_mask(), 0xff_ffff);
    }

    #[test]
    fn bytes_round_trip() {
        let p = Psw { mask: 0x0706_0504_0302_0100, addr: 0x1122_3344_5566_7788 };
        assert_eq!(Psw::from_bytes(&p.to_bytes()), p);
    }
}
