//! The architected state of one CPU (z/Architecture Principles of Operation, chapter 2,
//! "Organization" and chapter 4, "Control"): PSW, general, control, access and
//! floating-point registers, FPC, prefix, timing facilities and the breaking-event address.

use pv_core::Psw;
use pv_core::psw::AddressingMode;

/// Lowcore offsets the CPU model uses (Principles of Operation, "Assigned Storage
/// Locations"; machine.md "Lowcore usage").
pub mod lowcore {
    /// External-interruption parameter (4 bytes).
    pub const EXT_PARAM: u64 = 0x80;
    /// CPU address (2 bytes).
    pub const CPU_ADDR: u64 = 0x84;
    /// External-interruption code (2 bytes).
    pub const EXT_CODE: u64 = 0x86;
    /// SVC ILC (2 bytes, the instruction length in bytes).
    pub const SVC_ILC: u64 = 0x88;
    /// SVC interruption code (2 bytes).
    pub const SVC_CODE: u64 = 0x8a;
    /// Program ILC (2 bytes, the instruction length in bytes).
    pub const PGM_ILC: u64 = 0x8c;
    /// Program-interruption code (2 bytes).
    pub const PGM_CODE: u64 = 0x8e;
    /// Data-exception code (4 bytes).
    pub const DXC: u64 = 0x90;
    /// Translation-exception identification (8 bytes).
    pub const TEID: u64 = 0xa8;
    /// STFL facility list (4 bytes).
    pub const STFL_FAC: u64 = 0xc8;
    /// Breaking-event address (8 bytes).
    pub const BEA: u64 = 0x110;
    /// Restart old PSW.
    pub const RESTART_OLD: u64 = 0x120;
    /// External old PSW.
    pub const EXT_OLD: u64 = 0x130;
    /// SVC old PSW.
    pub const SVC_OLD: u64 = 0x140;
    /// Program old PSW.
    pub const PGM_OLD: u64 = 0x150;
    /// Machine-check old PSW.
    pub const MCCK_OLD: u64 = 0x160;
    /// I/O old PSW.
    pub const IO_OLD: u64 = 0x170;
    /// Restart new PSW.
    pub const RESTART_NEW: u64 = 0x1a0;
    /// External new PSW.
    pub const EXT_NEW: u64 = 0x1b0;
    /// SVC new PSW.
    pub const SVC_NEW: u64 = 0x1c0;
    /// Program new PSW.
    pub const PGM_NEW: u64 = 0x1d0;
    /// Machine-check new PSW.
    pub const MCCK_NEW: u64 = 0x1e0;
    /// I/O new PSW.
    pub const IO_NEW: u64 = 0x1f0;
}

/// CR0 bit 35 (MSB0 of 64): low-address protection.
pub const CR0_LOW_ADDRESS_PROTECTION: u64 = 1 << (63 - 35);
/// CR0 bit 45: AFP-register control.
pub const CR0_AFP: u64 = 1 << (63 - 45);

/// The architected registers and timing state of one CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuState {
    /// The current PSW.
    pub psw: Psw,
    /// General registers 0-15.
    pub gr: [u64; 16],
    /// Control registers 0-15.
    pub cr: [u64; 16],
    /// Access registers 0-15.
    pub ar: [u32; 16],
    /// Floating-point registers 0-15 (the 64-bit FPRs).
    pub fpr: [u64; 16],
    /// Floating-point-control register.
    pub fpc: u32,
    /// Prefix register (a multiple of 8 KiB below 2 GiB).
    pub prefix: u32,
    /// CPU address (as STAP stores it).
    pub cpu_addr: u16,
    /// The TOD clock value (bit 51 ticks once per microsecond), advanced by the caller.
    pub tod: u64,
    /// CPU timer (decremented with the TOD clock; negative raises a pending interruption).
    pub cpu_timer: u64,
    /// Clock comparator.
    pub ckc: u64,
    /// Breaking-event address: the address of the last successful branch.
    pub bea: u64,
}

impl Default for CpuState {
    fn default() -> Self {
        Self::new()
    }
}

impl CpuState {
    /// The state after initial CPU reset: everything zero except CR0 and CR14 (their
    /// architected reset values) and a 64-bit-mode PSW at address 0.
    pub fn new() -> Self {
        let mut cr = [0u64; 16];
        cr[0] = 0xe0;
        cr[14] = 0xc200_0000;
        Self {
            psw: Psw::new_64bit(0),
            gr: [0; 16],
            cr,
            ar: [0; 16],
            fpr: [0; 16],
            fpc: 0,
            prefix: 0,
            cpu_addr: 0,
            tod: 0,
            cpu_timer: 0,
            ckc: 0,
            bea: 1,
        }
    }

    /// The current addressing mode (an invalid EA/BA pair reads as 64-bit; loading such a
    /// PSW is a specification exception, so it never executes).
    #[inline]
    pub fn amode(&self) -> AddressingMode {
        self.psw.addressing_mode().unwrap_or(AddressingMode::Bits64)
    }

    /// Wraps an address to the current addressing mode.
    #[inline]
    pub fn wrap(&self, addr: u64) -> u64 {
        // Same as `self.amode().address_mask()` (EA alone reads as 64-bit), without the
        // intermediate `Option` or branches: this runs several times per instruction.
        // Bits 31-32 of the mask are BA (0x8000_0000) and EA (0x1_0000_0000).
        const MASKS: [u64; 4] = [0x00ff_ffff, 0x7fff_ffff, u64::MAX, u64::MAX];
        addr & MASKS[((self.psw.mask >> 31) & 3) as usize]
    }

    /// Bits 32-63 of a general register.
    #[inline]
    pub fn gr32(&self, r: u8) -> u32 {
        self.gr[usize::from(r & 15)] as u32
    }

    /// Sets bits 32-63 of a general register, leaving bits 0-31 unchanged.
    #[inline]
    pub fn set_gr32(&mut self, r: u8, v: u32) {
        let g = &mut self.gr[usize::from(r & 15)];
        *g = (*g & 0xffff_ffff_0000_0000) | u64::from(v);
    }

    /// Bits 0-31 of a general register (the high word).
    pub fn grh(&self, r: u8) -> u32 {
        (self.gr[usize::from(r & 15)] >> 32) as u32
    }

    /// Sets bits 0-31 of a general register.
    pub fn set_grh(&mut self, r: u8, v: u32) {
        let g = &mut self.gr[usize::from(r & 15)];
        *g = (*g & 0xffff_ffff) | (u64::from(v) << 32);
    }

    /// A general register.
    #[inline]
    pub fn g(&self, r: u8) -> u64 {
        self.gr[usize::from(r & 15)]
    }

    /// Sets a general register.
    #[inline]
    pub fn set_g(&mut self, r: u8, v: u64) {
        self.gr[usize::from(r & 15)] = v;
    }

    /// Real-to-absolute translation by prefixing: real 0-8191 and the prefix area swap.
    #[inline]
    pub fn prefixed(&self, real: u64) -> u64 {
        let p = u64::from(self.prefix) & 0x7fff_e000;
        if real < 0x2000 {
            real + p
        } else if real & !0x1fff == p {
            real - p
        } else {
            real
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixing_swaps_low_core_and_prefix_area() {
        let mut c = CpuState::new();
        assert_eq!(c.prefixed(0x1a0), 0x1a0);
        c.prefix = 0x4_0000;
        assert_eq!(c.prefixed(0x1a0), 0x4_01a0);
        assert_eq!(c.prefixed(0x4_1fff), 0x1fff);
        assert_eq!(c.prefixed(0x4_2000), 0x4_2000);
        assert_eq!(c.prefixed(0x3000), 0x3000);
    }

    #[test]
    fn register_halves() {
        let mut c = CpuState::new();
        c.gr[3] = 0x1111_2222_3333_4444;
        c.set_gr32(3, 0xdead_beef);
        assert_eq!(c.gr[3], 0x1111_2222_dead_beef);
        c.set_grh(3, 7);
        assert_eq!((c.grh(3), c.gr32(3)), (7, 0xdead_beef));
        c.psw.mask = 0;
        assert_eq!(c.wrap(0x1234_5678), 0x34_5678);
    }
}
