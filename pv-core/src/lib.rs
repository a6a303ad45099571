//! The shared vocabulary of pvsim (see `docs/DESIGN.md`, "Crates and what each owns"):
//! page constants, big-endian helpers, address newtypes, the program-status word, the
//! storage-access trait, the Ultravisor-call ABI ([`uvc`]) and the format-4 SIE state
//! description of secure CPUs ([`sie`]).
//!
//! This crate is `no_std` and has no dependencies, so every other crate (the trusted
//! ultravisor model included) can use it.
#![no_std]

pub mod addr;
pub mod be;
pub mod psw;
pub mod sie;
pub mod storage;
pub mod uvc;

pub use addr::{GuestAbs, HostAbs};
pub use psw::Psw;
pub use storage::{Storage, StorageFault};

/// The size of one page in bytes (4 KiB; uv-spec and se-format use "page" for this).
pub const PAGE_SIZE: usize = 4096;

/// `PAGE_SIZE` as a `u64`, for address arithmetic.
pub const PAGE_SIZE_U64: u64 = PAGE_SIZE as u64;

/// Rounds `v` up to the next multiple of [`PAGE_SIZE`]; `None` on overflow.
pub const fn page_align_up(v: u64) -> Option<u64> {
    match v.checked_add(PAGE_SIZE_U64 - 1) {
        Some(x) => Some(x & !(PAGE_SIZE_U64 - 1)),
        None => None,
    }
}

/// Whether `v` is a multiple of [`PAGE_SIZE`].
pub const fn is_page_aligned(v: u64) -> bool {
    v & (PAGE_SIZE_U64 - 1) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align() {
        assert_eq!(page_align_up(0), Some(0));
        assert_eq!(page_align_up(1), Some(4096));
        assert_eq!(page_align_up(4096), Some(4096));
        assert_eq!(page_align_up(u64::MAX), None);
        assert!(is_page_aligned(0x14000));
        assert!(!is_page_aligned(0x14008));
    }
}
