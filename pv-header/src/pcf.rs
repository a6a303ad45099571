//! Plaintext control flags of the SE header (`pcf`, header offset 0x38; se-format.md §1.2).
//!
//! Bits use MSB0 numbering: bit *n* of the 64-bit word has the value `1 << (63 - n)`.
//! Bits that this crate does not name are "unknown": they are kept exactly as read
//! (pvimg shows them but never rejects them, vector n12), so a header parsed and written
//! back is byte-identical.

use alloc::vec::Vec;

/// The value of MSB0 bit `n` of a 64-bit flag word.
pub const fn msb0(n: u32) -> u64 {
    1u64 << (63 - n)
}

bitflags::bitflags! {
    /// Plaintext control flags (se-format.md §1.2). Unknown bits are retained
    /// ([`PlaintextControlFlags::from_bits_retain`]); [`Default`] is pvimg's default, 0xe0.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct PlaintextControlFlags: u64 {
        /// Bit 34: the host may dump the guest (`--enable-dump`).
        const ALLOW_DUMPING = msb0(34);
        /// Bit 35: the components are **not** encrypted (`--disable-image-encryption`).
        const NO_COMPONENT_ENCRYPTION = msb0(35);
        /// Bit 56: PCKMO DEA/TDEA key-encryption functions allowed.
        const PCKMO_DEA_TDEA = msb0(56);
        /// Bit 57: PCKMO AES functions allowed.
        const PCKMO_AES = msb0(57);
        /// Bit 58: PCKMO ECC functions allowed.
        const PCKMO_ECC = msb0(58);
        /// Bit 59: PCKMO HMAC functions allowed (`--enable-pckmo-hmac`).
        const PCKMO_HMAC = msb0(59);
        /// Bit 62: backup target (host) keys supported (`--enable-backup-keys`).
        const BACKUP_TARGET_KEYS = msb0(62);
    }
}

/// The names `pvimg info` prints for set flags, and the bits it cannot name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlagNames {
    /// Names of the known flags that are set, in MSB0 bit order.
    pub known: Vec<&'static str>,
    /// The set bits that have no name (0 if none).
    pub unknown: u64,
}

/// Collects the names of the set bits of `bits` from a `(mask, name)` table.
pub(crate) fn flag_names(bits: u64, table: &[(u64, &'static str)]) -> FlagNames {
    let mut out = FlagNames { known: Vec::new(), unknown: bits };
    for &(mask, name) in table {
        if bits & mask != 0 {
            out.known.push(name);
            out.unknown &= !mask;
        }
    }
    out
}

/// `(mask, pvimg text)` of every named plaintext control flag, in MSB0 bit order.
pub const PCF_NAMES: [(u64, &str); 7] = [
    (PlaintextControlFlags::ALLOW_DUMPING.bits(), "allow dumping"),
    (PlaintextControlFlags::NO_COMPONENT_ENCRYPTION.bits(), "no component encryption"),
    (PlaintextControlFlags::PCKMO_DEA_TDEA.bits(), "DEA and TDEA PCKMO support"),
    (PlaintextControlFlags::PCKMO_AES.bits(), "AES PCKMO support"),
    (PlaintextControlFlags::PCKMO_ECC.bits(), "ECC PCKMO support"),
    (PlaintextControlFlags::PCKMO_HMAC.bits(), "HMAC PCKMO support"),
    (PlaintextControlFlags::BACKUP_TARGET_KEYS.bits(), "backup target keys support"),
];

impl PlaintextControlFlags {
    /// The three PCKMO bits `--enable-pckmo` sets (DEA/TDEA, AES, ECC); cleared by
    /// `--disable-pckmo`.
    pub const PCKMO_DEFAULT: Self =
        Self::PCKMO_DEA_TDEA.union(Self::PCKMO_AES).union(Self::PCKMO_ECC);

    /// pvimg's default value, 0xe0 (the three default PCKMO bits).
    pub const PVIMG_DEFAULT: Self =
        Self::PCKMO_DEA_TDEA.union(Self::PCKMO_AES).union(Self::PCKMO_ECC);

    /// The bits set that have no name here.
    pub const fn unknown_bits(self) -> u64 {
        self.bits() & !Self::all().bits()
    }

    /// The text names of the set flags (as `pvimg info` prints them) and the unknown rest.
    pub fn names(self) -> FlagNames {
        flag_names(self.bits(), &PCF_NAMES)
    }
}

impl Default for PlaintextControlFlags {
    /// pvimg's default, [`PlaintextControlFlags::PVIMG_DEFAULT`] (0xe0).
    fn default() -> Self {
        Self::PVIMG_DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_the_spec_table() {
        assert_eq!(PlaintextControlFlags::ALLOW_DUMPING.bits(), 0x2000_0000);
        assert_eq!(PlaintextControlFlags::NO_COMPONENT_ENCRYPTION.bits(), 0x1000_0000);
        assert_eq!(PlaintextControlFlags::PCKMO_DEA_TDEA.bits(), 0x80);
        assert_eq!(PlaintextControlFlags::PCKMO_AES.bits(), 0x40);
        assert_eq!(PlaintextControlFlags::PCKMO_ECC.bits(), 0x20);
        assert_eq!(PlaintextControlFlags::PCKMO_HMAC.bits(), 0x10);
        assert_eq!(PlaintextControlFlags::BACKUP_TARGET_KEYS.bits(), 0x2);
        assert_eq!(PlaintextControlFlags::default().bits(), 0xe0);
        assert_eq!(PlaintextControlFlags::PCKMO_DEFAULT, PlaintextControlFlags::PVIMG_DEFAULT);
        // B2: every option set.
        assert_eq!(PlaintextControlFlags::all().bits(), 0x3000_00f2);
    }

    #[test]
    fn unknown_bits_are_kept_and_named_apart() {
        // n12: pcf 0xe1 (bit 63 unknown).
        let f = PlaintextControlFlags::from_bits_retain(0xe1);
        assert_eq!(f.bits(), 0xe1);
        assert_eq!(f.unknown_bits(), 1);
        let n = f.names();
        assert_eq!(
            n.known,
            ["DEA and TDEA PCKMO support", "AES PCKMO support", "ECC PCKMO support"]
        );
        assert_eq!(n.unknown, 1);
        assert_eq!(PlaintextControlFlags::empty().names(), FlagNames::default());
    }

    #[test]
    fn names_follow_bit_order() {
        let n = PlaintextControlFlags::all().names();
        assert_eq!(n.known.len(), 7);
        assert_eq!(n.known[0], "allow dumping");
        assert_eq!(n.known[6], "backup target keys support");
        assert_eq!(n.unknown, 0);
    }
}
