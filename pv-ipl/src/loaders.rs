//! pvsim's own boot loaders, built from the s390x sources in `pv-ipl/loaders/` (see its
//! `Makefile` and `TOOLCHAIN.txt`; CI rebuilds them and requires the same bytes).
//!
//! # stage3b (se-format.md §3.5)
//!
//! [`STAGE3B`] is the first code a secure guest runs: the SE header PSW starts it at its
//! image address, 64-bit addressing, DAT off. Pass it as
//! [`ImageInputs::stage3b`](crate::image::ImageInputs) and the image writer replaces its
//! last 64 bytes (zero in [`STAGE3B`]) with the argument block
//! ([`Stage3bArgs`](crate::loader_args::Stage3bArgs)). At run time it:
//!
//! 1. requires `kernel.size >= 0x10000` ([`Stage3bFailure::KernelTooSmall`]) and that the
//!    kernel destination, `[0x10000, kernel.size)`, ends at or below stage3b's own address
//!    and the cmdline and initrd sources if present ([`Stage3bFailure::Layout`]; the
//!    layout of [`ImageLayout::plan`](crate::layout::ImageLayout::plan) always satisfies
//!    it, so stage3b never needs to relocate itself as IBM's does); then copies the kernel
//!    image's bytes `[0x10000, size)` from `kernel.src + 0x10000` to 0x10000 (the first
//!    64 KiB are dropped);
//! 2. without a cmdline (`size == 0`) leaves 0x10480 alone; otherwise requires the size
//!    (which includes the NUL) to be at most the kernel's maximum, the u64 at 0x10430 read
//!    after the kernel copy, 0 meaning 896 ([`Stage3bFailure::CmdlineTooLong`]), and the
//!    last byte to be NUL ([`Stage3bFailure::CmdlineNotTerminated`]); then copies it to
//!    0x10480 (a source below 0x10480 is a [`Stage3bFailure::Layout`] error: the copy
//!    only moves data down);
//! 3. stores the initrd's address and size at 0x10408 and 0x10410 (zeros without one);
//! 4. loads the argument block's PSW (the kernel entry, 0x10000).
//!
//! A failure ends in a disabled wait, mask [`STAGE3B_WAIT_MASK`], at an address that names
//! the reason ([`Stage3bFailure::wait_psw`]; the PSW is built in the argument block's PSW
//! slot). Both copies move data to lower addresses front to back, which is correct even
//! where a large kernel's source and destination overlap.

use pv_core::Psw;

use crate::loader_args::STAGE3B_ARGS_LEN;

/// The stage3b binary: position-independent s390x code followed by a zeroed 64-byte
/// argument block ([`STAGE3B_ARGS_LEN`]). Its size is a multiple of 8, so the block is
/// doubleword aligned in the image, as LPSWE requires for the PSW in it (se-format.md §3.5).
pub const STAGE3B: &[u8] = include_bytes!("../loaders/stage3b.bin");

/// The offset of the argument block in [`STAGE3B`].
pub const STAGE3B_ARGS_OFFSET: usize = STAGE3B.len() - STAGE3B_ARGS_LEN;

/// The mask of stage3b's error waits: wait state, all interruptions disabled, 64-bit
/// addressing.
pub const STAGE3B_WAIT_MASK: u64 = 0x0002_0001_8000_0000;
/// Wait address: the kernel is smaller than 0x10000 bytes.
pub const STAGE3B_ERR_KERNEL_SIZE: u64 = 0x5b_0001;
/// Wait address: the cmdline is longer than the kernel's maximum.
pub const STAGE3B_ERR_CMDLINE_SIZE: u64 = 0x5b_0002;
/// Wait address: the cmdline's last byte is not NUL.
pub const STAGE3B_ERR_CMDLINE_NUL: u64 = 0x5b_0003;
/// Wait address: the kernel destination would reach the cmdline, the initrd or stage3b,
/// or the cmdline source lies below its destination 0x10480.
pub const STAGE3B_ERR_LAYOUT: u64 = 0x5b_0004;

/// Why stage3b stopped in a disabled wait instead of starting the kernel
/// (se-format.md §3.5; the checks are listed in the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage3bFailure {
    /// The kernel image is smaller than 0x10000 bytes.
    KernelTooSmall,
    /// The cmdline (with its NUL) is longer than the kernel's maximum.
    CmdlineTooLong,
    /// The cmdline's last byte is not NUL.
    CmdlineNotTerminated,
    /// The kernel destination `[0x10000, kernel.size)` would overwrite stage3b, the
    /// cmdline or the initrd, or the cmdline source lies below its destination 0x10480.
    Layout,
}

impl Stage3bFailure {
    /// Every failure, in the order of their wait addresses.
    pub const ALL: [Self; 4] =
        [Self::KernelTooSmall, Self::CmdlineTooLong, Self::CmdlineNotTerminated, Self::Layout];

    /// The wait address that names this failure.
    pub const fn wait_addr(self) -> u64 {
        match self {
            Self::KernelTooSmall => STAGE3B_ERR_KERNEL_SIZE,
            Self::CmdlineTooLong => STAGE3B_ERR_CMDLINE_SIZE,
            Self::CmdlineNotTerminated => STAGE3B_ERR_CMDLINE_NUL,
            Self::Layout => STAGE3B_ERR_LAYOUT,
        }
    }

    /// The disabled-wait PSW stage3b loads for this failure.
    pub const fn wait_psw(self) -> Psw {
        Psw { mask: STAGE3B_WAIT_MASK, addr: self.wait_addr() }
    }

    /// The failure a PSW names, if it is one of stage3b's error waits.
    pub fn from_psw(psw: &Psw) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.wait_psw() == *psw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_shape() {
        assert_eq!(STAGE3B.len() % 8, 0);
        assert!(STAGE3B.len() < 4096);
        assert!(STAGE3B[STAGE3B_ARGS_OFFSET..].iter().all(|&b| b == 0));
        // The PSW slot (block + 48) is doubleword aligned in a page-aligned component.
        assert_eq!((STAGE3B_ARGS_OFFSET + 48) % 8, 0);
    }

    #[test]
    fn failures_round_trip() {
        for f in Stage3bFailure::ALL {
            let psw = f.wait_psw();
            assert!(psw.is_wait());
            assert_eq!(Stage3bFailure::from_psw(&psw), Some(f));
        }
        assert_eq!(Stage3bFailure::from_psw(&Psw::new_64bit(0x10000)), None);
        assert_eq!(Stage3bFailure::Layout.wait_addr(), 0x5b_0004);
    }
}
