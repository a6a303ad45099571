//! Secret control flags of the SE header (`scf`, inside the encrypted area at 0x70;
//! se-format.md §1.5).
//!
//! MSB0 bit numbering as for [`crate::pcf`]. Unknown bits are kept as read (vector n13:
//! all ones is accepted). The default is 0.

use crate::pcf::{FlagNames, flag_names, msb0};

bitflags::bitflags! {
    /// Secret control flags (se-format.md §1.5). Unknown bits are retained
    /// ([`SecretControlFlags::from_bits_retain`]); [`Default`] is empty (pvimg's default).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct SecretControlFlags: u64 {
        /// Bit 1: every add-secret request must carry the CCK-derived extension secret
        /// (`--enable-cck-extension-secret`).
        const CCK_EXTENSION_SECRET = msb0(1);
        /// Bit 2: the CCK may be updated later with an update-CCK secret
        /// (`--enable-cck-update`).
        const CCK_UPDATE_ALLOWED = msb0(2);
    }
}

/// `(mask, pvimg text)` of every named secret control flag, in MSB0 bit order.
pub const SCF_NAMES: [(u64, &str); 2] = [
    (SecretControlFlags::CCK_EXTENSION_SECRET.bits(), "CCK extension secret enforced"),
    (SecretControlFlags::CCK_UPDATE_ALLOWED.bits(), "CCK update allowed"),
];

impl SecretControlFlags {
    /// The bits set that have no name here.
    pub const fn unknown_bits(self) -> u64 {
        self.bits() & !Self::all().bits()
    }

    /// The text names of the set flags (as `pvimg info` prints them) and the unknown rest.
    pub fn names(self) -> FlagNames {
        flag_names(self.bits(), &SCF_NAMES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_the_spec_table() {
        assert_eq!(SecretControlFlags::CCK_EXTENSION_SECRET.bits(), 0x4000_0000_0000_0000);
        assert_eq!(SecretControlFlags::CCK_UPDATE_ALLOWED.bits(), 0x2000_0000_0000_0000);
        assert_eq!(SecretControlFlags::default().bits(), 0);
    }

    #[test]
    fn all_ones_keeps_unknown_bits() {
        // n13: scf 0xffff_ffff_ffff_ffff lists the two known flags and unknown bits.
        let f = SecretControlFlags::from_bits_retain(u64::MAX);
        assert_eq!(f.bits(), u64::MAX);
        let n = f.names();
        assert_eq!(n.known, ["CCK extension secret enforced", "CCK update allowed"]);
        assert_eq!(n.unknown, 0x9fff_ffff_ffff_ffff);
        assert_eq!(f.unknown_bits(), n.unknown);
    }
}
