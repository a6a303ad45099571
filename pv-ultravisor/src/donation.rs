//! Donated storage (uv-spec.md §4 "Donation rules", §3.1, §3.2): the checks a donated
//! range must pass and the two operations on it. Donated pages are zeroed when the
//! ultravisor takes them (it initializes its own storage) and again when it gives them
//! back, so the host never sees what the ultravisor kept there.

use pv_core::{PAGE_SIZE_U64, is_page_aligned};

use crate::error::Result;
use crate::storage::{Donation, MachineStorage, PageEvent};

/// A page-aligned range of absolute storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRange {
    /// The first byte.
    pub start: u64,
    /// The length in bytes (a multiple of 4 KiB).
    pub len: u64,
}

impl PageRange {
    /// The end (exclusive); saturates.
    pub const fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }

    /// Whether the range overlaps `[start, start + len)`.
    pub const fn overlaps(&self, start: u64, len: u64) -> bool {
        start < self.end() && self.start < start.saturating_add(len)
    }

    /// The page addresses of the range.
    pub fn pages(&self) -> impl Iterator<Item = u64> + use<> {
        let (start, n) = (self.start, self.len / PAGE_SIZE_U64);
        (0..n).map(move |i| start + i * PAGE_SIZE_U64)
    }
}

/// Why a range cannot be donated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Undonatable {
    /// The origin or length is not page aligned, or the length is 0.
    Unaligned,
    /// The range leaves the machine's storage (or wraps).
    BeyondMemory,
    /// A page of the range is not non-secure (already donated, or secure).
    InUse,
}

/// Checks that `[origin, origin + len)` can be donated: aligned, inside storage, every
/// page non-secure.
pub fn check(
    mem: &MachineStorage,
    origin: u64,
    len: u64,
) -> core::result::Result<PageRange, Undonatable> {
    if !is_page_aligned(origin) || !is_page_aligned(len) || len == 0 {
        return Err(Undonatable::Unaligned);
    }
    match origin.checked_add(len) {
        Some(end) if end <= mem.len() => {}
        _ => return Err(Undonatable::BeyondMemory),
    }
    if !mem.all_non_secure(origin, len) {
        return Err(Undonatable::InUse);
    }
    Ok(PageRange { start: origin, len })
}

/// Whether `[origin, origin + len)` overlaps one of the host's prefix areas (8 KiB at each
/// prefix; the absolute lowcore at 0 is one).
pub fn overlaps_prefix(prefixes: &[u64], origin: u64, len: u64) -> bool {
    let lowcore = PageRange { start: 0, len: 2 * PAGE_SIZE_U64 };
    lowcore.overlaps(origin, len)
        || prefixes
            .iter()
            .any(|&p| PageRange { start: p, len: 2 * PAGE_SIZE_U64 }.overlaps(origin, len))
}

/// Donates a range that passed [`check`]: every page becomes
/// [`PageState::Donated`](crate::storage::PageState::Donated) and
/// is zeroed.
pub fn donate(mem: &mut MachineStorage, range: PageRange, to: Donation) -> Result<()> {
    for p in range.pages() {
        mem.transition(p, PageEvent::Donate(to))?;
        mem.zero_page(p);
    }
    Ok(())
}

/// Gives a donated range back: every page is zeroed and becomes non-secure.
pub fn reclaim(mem: &mut MachineStorage, range: PageRange, from: Donation) -> Result<()> {
    for p in range.pages() {
        mem.zero_page(p);
        mem.transition(p, PageEvent::Reclaim(from))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pv_core::{GuestAbs, Storage};

    #[test]
    fn donate_and_reclaim_zero_the_pages() {
        let mut m = MachineStorage::new(0x10_0000);
        m.write(GuestAbs(0x3000), &[0xaa; 16]).unwrap();
        let r = check(&m, 0x2000, 0x2000).unwrap();
        donate(&mut m, r, Donation::UvBase).unwrap();
        assert!(m.read(GuestAbs(0x3000), &mut [0; 1]).is_err());
        assert_eq!(check(&m, 0x3000, 0x1000), Err(Undonatable::InUse));
        reclaim(&mut m, r, Donation::UvBase).unwrap();
        let mut b = [1u8; 16];
        m.read(GuestAbs(0x3000), &mut b).unwrap();
        assert_eq!(b, [0; 16]);
        assert_eq!(check(&m, 0x2001, 0x1000), Err(Undonatable::Unaligned));
        assert_eq!(check(&m, 0x2000, 0), Err(Undonatable::Unaligned));
        assert_eq!(check(&m, 0xff000, 0x2000), Err(Undonatable::BeyondMemory));
        assert_eq!(check(&m, !0xfff, 0x2000), Err(Undonatable::BeyondMemory));
    }

    #[test]
    fn prefix_overlap() {
        assert!(overlaps_prefix(&[], 0x1000, 0x1000));
        assert!(!overlaps_prefix(&[], 0x2000, 0x1000));
        assert!(overlaps_prefix(&[0x10_0000], 0xff000, 0x2000));
        assert!(!overlaps_prefix(&[0x10_0000], 0x10_2000, 0x2000));
    }
}
