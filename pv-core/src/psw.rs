//! The z/Architecture program-status word (16 bytes: mask and instruction address) and
//! the ESA/390 short (8-byte) form that an IPL loads from absolute 0
//! (se-format.md §3.2).

/// Bit 12 (MSB0) of a short PSW: marks the 8-byte ESA/390 format.
pub const SHORT_PSW_BIT: u64 = 0x0008_0000_0000_0000;

/// Extended addressing (MSB0 bit 31).
pub const PSW_MASK_EA: u64 = 0x0000_0001_0000_0000;
/// Basic addressing (MSB0 bit 32).
pub const PSW_MASK_BA: u64 = 0x0000_0000_8000_0000;

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
    fn bytes_round_trip() {
        let p = Psw { mask: 0x0706_0504_0302_0100, addr: 0x1122_3344_5566_7788 };
        assert_eq!(Psw::from_bytes(&p.to_bytes()), p);
    }
}
