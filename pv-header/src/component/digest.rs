//! The three running SHA-512 digests over all secured components and the page count
//! (se-format.md §2.3).
//!
//! For every page, in ascending address order over all components: PLD is fed the 4096
//! prepared bytes (ciphertext, or padded plaintext when encryption is off), ALD the page's
//! `be64` address, TLD the page's 16-byte tweak; `nep` counts the pages. The header stores
//! the four values; the ultravisor recomputes them during unpack and compares them at
//! "Verify Unpack".

use sha2::{Digest, Sha512};

use super::Page;
use super::tweak::Tweak;

/// The page list digest (PLD), address list digest (ALD), tweak list digest (TLD) and
/// number of encrypted pages (`nep`) of all secured components of an image
/// (se-format.md §2.3; header fields at 0x0e0, 0x120, 0x160 and 0x030, §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ComponentDigests {
    /// SHA-512 over every prepared page.
    pub pld: [u8; 64],
    /// SHA-512 over `be64(page address)` of every page.
    pub ald: [u8; 64],
    /// SHA-512 over the 16-byte tweak of every page.
    pub tld: [u8; 64],
    /// The number of pages.
    pub nep: u64,
}

/// One of the four values of [`ComponentDigests`]; the ultravisor reports which one did
/// not match (uv-spec "Verify Unpack": rrc 0x1a ALD, 0x1b PLD, 0x1c TLD, 0x1d page count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestField {
    /// The address list digest.
    Ald,
    /// The page list digest.
    Pld,
    /// The tweak list digest.
    Tld,
    /// The number of encrypted pages.
    PageCount,
}

impl ComponentDigests {
    /// The first value that differs from `expected`, checked in the order of the
    /// ultravisor's reason codes (ALD, PLD, TLD, page count) — *\[inferred\]*: the spec names
    /// the codes but not the order of the checks. `None` if all four match.
    pub fn first_mismatch(&self, expected: &Self) -> Option<DigestField> {
        if self.ald != expected.ald {
            Some(DigestField::Ald)
        } else if self.pld != expected.pld {
            Some(DigestField::Pld)
        } else if self.tld != expected.tld {
            Some(DigestField::Tld)
        } else if self.nep != expected.nep {
            Some(DigestField::PageCount)
        } else {
            None
        }
    }
}

/// The running hashers behind [`ComponentDigests`].
#[derive(Clone, Default)]
pub(crate) struct DigestState {
    /// PLD hasher.
    pub(crate) pld: Sha512,
    /// ALD and TLD hashers and the page count (kept together: they are fed per page from
    /// the address and tweak alone, so the pipeline updates them off the PLD thread).
    pub(crate) list: ListDigests,
}

impl core::fmt::Debug for DigestState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DigestState {{ nep: {} }}", self.list.nep)
    }
}

/// The ALD and TLD hashers and `nep`.
#[derive(Clone, Default)]
pub(crate) struct ListDigests {
    ald: Sha512,
    tld: Sha512,
    nep: u64,
}

impl ListDigests {
    /// Records one page at `addr` with `tweak`.
    #[inline]
    pub(crate) fn page(&mut self, addr: u64, tweak: Tweak) {
        self.ald.update(addr.to_be_bytes());
        self.tld.update(tweak.to_be_bytes());
        self.nep += 1;
    }

    /// The final digests, with `pld` computed elsewhere.
    pub(crate) fn finish(self, pld: [u8; 64]) -> ComponentDigests {
        ComponentDigests {
            pld,
            ald: self.ald.finalize().into(),
            tld: self.tld.finalize().into(),
            nep: self.nep,
        }
    }
}

impl DigestState {
    /// Records one prepared page at `addr` with `tweak`.
    #[inline]
    pub(crate) fn page(&mut self, prepared: &Page, addr: u64, tweak: Tweak) {
        self.pld.update(prepared);
        self.list.page(addr, tweak);
    }

    /// The digests so far (the hashers keep running).
    pub(crate) fn snapshot(&self) -> ComponentDigests {
        self.clone().finish()
    }

    /// The final digests.
    pub(crate) fn finish(self) -> ComponentDigests {
        self.list.finish(self.pld.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_state_is_sha512_of_nothing() {
        let d = DigestState::default().finish();
        // SHA-512("") starts cf83e135.
        assert_eq!(d.pld[..4], [0xcf, 0x83, 0xe1, 0x35]);
        assert_eq!(d.ald, d.tld);
        assert_eq!(d.nep, 0);
    }

    #[test]
    fn first_mismatch_reports_in_reason_code_order() {
        let a = ComponentDigests { pld: [1; 64], ald: [2; 64], tld: [3; 64], nep: 4 };
        assert_eq!(a.first_mismatch(&a), None);
        let mut b = a;
        b.nep = 5;
        assert_eq!(a.first_mismatch(&b), Some(DigestField::PageCount));
        b.tld[0] = 0;
        assert_eq!(a.first_mismatch(&b), Some(DigestField::Tld));
        b.pld[0] = 0;
        assert_eq!(a.first_mismatch(&b), Some(DigestField::Pld));
        b.ald[0] = 0;
        assert_eq!(a.first_mismatch(&b), Some(DigestField::Ald));
    }
}
