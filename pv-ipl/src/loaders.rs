//! pvsim's own boot loaders, built from the s390x sources in `pv-ipl/loaders/` (see its
//! `Makefile` and `TOOLCHAIN.txt`; CI rebuilds them and requires the same bytes).
//!
//! # stage3a (se-format.md §3.4)
//!
//! [`STAGE3A`] runs non-secure, right after an ordinary IPL: the image is loaded at
//! absolute 0 and the CPU starts at the short PSW at 0 (se-format.md §3.2). Pass it as
//! [`ImageInputs::stage3a`](crate::image::ImageInputs): the writer places it at
//! [`STAGE3A_ADDR`] (0x10000) and replaces its last 24 bytes (zero in [`STAGE3A`]) with
//! the argument block ([`Stage3aArgs`](crate::loader_args::Stage3aArgs)). Its main entry
//! is at offset [`STAGE3A_ENTRY_OFFSET`], i.e. at [`STAGE3A_ENTRY`] (0x11000), where
//! [`default_ipl_psw`](crate::layout::default_ipl_psw) points; offset 0 only jumps there.
//! Its first instruction is SAM64, so a short PSW selecting 31-bit addressing works too.
//! At run time it:
//!
//! 1. computes the IPIB and SE header addresses (the block's address plus `ipib_offs` and
//!    `hdr_offs`), requires a page-aligned IPIB ([`Stage3aFailure::IpibNotAligned`]) and
//!    stores the header address and size into the IPIB's PV fields (se-format.md §3.6);
//! 2. requires facility 161, secure unpack (STFLE; [`Stage3aFailure::NoUnpackFacility`]);
//! 3. issues DIAG 308 subcode 8, "set PV IPIB", with R1 = GR2 = the IPIB address; the
//!    response in R1+1 = GR3 must be 0x0001 ([`Stage3aFailure::PvSetRejected`]);
//! 4. issues DIAG 308 subcode 10, "unpack and IPL in secure mode" (uv-spec.md §6.2). On
//!    success it never completes: the guest continues in secure mode at the SE header's
//!    PSW. If it returns, GR3 holds the failure word
//!    ([`pv_start_failure_word`](crate::diag308::pv_start_failure_word), or a bare
//!    response code such as 0x0902) ([`Stage3aFailure::PvStartFailed`]).
//!
//! A failure ends in a disabled wait, mask [`STAGE3A_WAIT_MASK`], at an address that names
//! the reason ([`Stage3aFailure::wait_psw`]). At the wait, GR2 ([`STAGE3A_IPIB_REG`])
//! holds the IPIB address and GR3 ([`STAGE3A_RESULT_REG`]) the DIAG 308 response or
//! failure word (0 for the checks before the DIAGs); the same doubleword is stored in the
//! result slot at [`STAGE3A_RESULT_ADDR`], right before the argument block. stage3a writes
//! nothing outside its own bytes except the two IPIB fields (its wait PSW and STFLE list
//! live in its data area) and relies on no lowcore contents: it enables no interruptions.
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

use crate::layout::{STAGE3A_ADDR, STAGE3A_ENTRY};
use crate::loader_args::{STAGE3A_ARGS_LEN, STAGE3B_ARGS_LEN};

/// The stage3a binary: a jump at offset 0, position-independent s390x code from
/// [`STAGE3A_ENTRY_OFFSET`], a zeroed data area and a zeroed 24-byte argument block
/// ([`STAGE3A_ARGS_LEN`]) at the end. Its size is a multiple of 8 and it ends well below
/// 0x13000 when placed at 0x10000, so the SE header stays at 0x14000 (se-format.md §3.1).
pub const STAGE3A: &[u8] = include_bytes!("../loaders/stage3a.bin");

/// The offset of stage3a's main entry in [`STAGE3A`]: it starts at [`STAGE3A_ENTRY`]
/// (0x11000) when placed at [`STAGE3A_ADDR`], as the default IPL PSW requires.
pub const STAGE3A_ENTRY_OFFSET: u64 = 0x1000;
const _: () = assert!(STAGE3A_ADDR + STAGE3A_ENTRY_OFFSET == STAGE3A_ENTRY);

/// The offset of the argument block in [`STAGE3A`].
pub const STAGE3A_ARGS_OFFSET: usize = STAGE3A.len() - STAGE3A_ARGS_LEN;

/// The offset in [`STAGE3A`] of the result slot: the doubleword where a failing stage3a
/// stores the DIAG 308 response or failure word (the same value as in GR3).
pub const STAGE3A_RESULT_OFFSET: usize = STAGE3A_ARGS_OFFSET - 8;

/// The image address of the result slot ([`STAGE3A_RESULT_OFFSET`] from 0x10000).
pub const STAGE3A_RESULT_ADDR: u64 = STAGE3A_ADDR + STAGE3A_RESULT_OFFSET as u64;

/// The general register that holds the IPIB address (R1 of the DIAG 308s), also at an
/// error wait.
pub const STAGE3A_IPIB_REG: u8 = 2;
/// The general register that receives the DIAG 308 response (R1+1) and holds it, or the
/// subcode-10 failure word, at an error wait.
pub const STAGE3A_RESULT_REG: u8 = 3;

/// The mask of both loaders' error waits: wait state, all interruptions disabled, 64-bit
/// addressing.
pub const LOADER_WAIT_MASK: u64 = 0x0002_0001_8000_0000;

/// A loader's reasons to stop: each names one disabled-wait PSW.
pub trait LoaderFailure: Copy + PartialEq + 'static {
    /// Every failure, in the order of their wait addresses.
    const ALL: &'static [Self];

    /// The wait address that names this failure.
    fn wait_addr(self) -> u64;

    /// The disabled-wait PSW the loader loads for this failure.
    fn wait_psw(self) -> Psw {
        Psw { mask: LOADER_WAIT_MASK, addr: self.wait_addr() }
    }

    /// The failure a PSW names, if it is one of the loader's error waits.
    fn from_psw(psw: &Psw) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.wait_psw() == *psw)
    }
}

/// The mask of stage3a's error waits ([`LOADER_WAIT_MASK`]).
pub const STAGE3A_WAIT_MASK: u64 = LOADER_WAIT_MASK;
/// Wait address: the IPIB address the argument block names is not page aligned.
pub const STAGE3A_ERR_IPIB_ALIGN: u64 = 0x5a_0001;
/// Wait address: facility 161 (secure unpack) is not installed.
pub const STAGE3A_ERR_FACILITY: u64 = 0x5a_0002;
/// Wait address: DIAG 308 subcode 8 answered something other than 0x0001.
pub const STAGE3A_ERR_PV_SET: u64 = 0x5a_0003;
/// Wait address: DIAG 308 subcode 10 returned, so entering secure mode failed.
pub const STAGE3A_ERR_PV_START: u64 = 0x5a_0004;

/// Why stage3a stopped in a disabled wait instead of entering secure mode
/// (se-format.md §3.4; the checks are listed in the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage3aFailure {
    /// The IPIB address is not page aligned (DIAG 308 would reject it).
    IpibNotAligned,
    /// Facility 161 (secure unpack) is not installed.
    NoUnpackFacility,
    /// DIAG 308 subcode 8 did not answer 0x0001; the response is in GR3.
    PvSetRejected,
    /// DIAG 308 subcode 10 returned; the failure word is in GR3.
    PvStartFailed,
}

impl LoaderFailure for Stage3aFailure {
    const ALL: &'static [Self] =
        &[Self::IpibNotAligned, Self::NoUnpackFacility, Self::PvSetRejected, Self::PvStartFailed];

    fn wait_addr(self) -> u64 {
        match self {
            Self::IpibNotAligned => STAGE3A_ERR_IPIB_ALIGN,
            Self::NoUnpackFacility => STAGE3A_ERR_FACILITY,
            Self::PvSetRejected => STAGE3A_ERR_PV_SET,
            Self::PvStartFailed => STAGE3A_ERR_PV_START,
        }
    }
}

/// The stage3b binary: position-independent s390x code followed by a zeroed 64-byte
/// argument block ([`STAGE3B_ARGS_LEN`]). Its size is a multiple of 8, so the block is
/// doubleword aligned in the image, as LPSWE requires for the PSW in it (se-format.md §3.5).
pub const STAGE3B: &[u8] = include_bytes!("../loaders/stage3b.bin");

/// The offset of the argument block in [`STAGE3B`].
pub const STAGE3B_ARGS_OFFSET: usize = STAGE3B.len() - STAGE3B_ARGS_LEN;

/// The mask of stage3b's error waits ([`LOADER_WAIT_MASK`]).
pub const STAGE3B_WAIT_MASK: u64 = LOADER_WAIT_MASK;
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

impl LoaderFailure for Stage3bFailure {
    const ALL: &'static [Self] =
        &[Self::KernelTooSmall, Self::CmdlineTooLong, Self::CmdlineNotTerminated, Self::Layout];

    fn wait_addr(self) -> u64 {
        match self {
            Self::KernelTooSmall => STAGE3B_ERR_KERNEL_SIZE,
            Self::CmdlineTooLong => STAGE3B_ERR_CMDLINE_SIZE,
            Self::CmdlineNotTerminated => STAGE3B_ERR_CMDLINE_NUL,
            Self::Layout => STAGE3B_ERR_LAYOUT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage3a_shape() {
        assert_eq!(STAGE3A.len() % 8, 0);
        // It ends below 0x13000 (se-format.md §3.1).
        assert!(STAGE3A_ADDR + (STAGE3A.len() as u64) < 0x13000);
        assert!(STAGE3A[STAGE3A_RESULT_OFFSET..].iter().all(|&b| b == 0));
        assert_eq!(STAGE3A_RESULT_ADDR % 8, 0);
        // Offset 0: `j` (BRC 15) to the main entry, which starts with SAM64.
        let rel = (STAGE3A_ENTRY_OFFSET / 2) as u16;
        assert_eq!(STAGE3A[..4], [0xa7, 0xf4, (rel >> 8) as u8, rel as u8]);
        let main = STAGE3A_ENTRY_OFFSET as usize;
        assert_eq!(STAGE3A[main..main + 2], [0x01, 0x0e]);
    }

    #[test]
    fn stage3a_failures_round_trip() {
        for &f in Stage3aFailure::ALL {
            let psw = f.wait_psw();
            assert!(psw.is_wait());
            assert_eq!(Stage3aFailure::from_psw(&psw), Some(f));
            assert_eq!(Stage3bFailure::from_psw(&psw), None);
        }
        assert_eq!(Stage3aFailure::from_psw(&Stage3bFailure::Layout.wait_psw()), None);
        assert_eq!(Stage3aFailure::PvStartFailed.wait_addr(), 0x5a_0004);
    }

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
        for &f in Stage3bFailure::ALL {
            let psw = f.wait_psw();
            assert!(psw.is_wait());
            assert_eq!(Stage3bFailure::from_psw(&psw), Some(f));
        }
        assert_eq!(Stage3bFailure::from_psw(&Psw::new_64bit(0x10000)), None);
        assert_eq!(Stage3bFailure::Layout.wait_addr(), 0x5b_0004);
    }
}
