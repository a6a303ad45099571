//! The byte layout of the SE header v1 and its parser (se-format.md §1.1, §6.1).
//!
//! [`SeHdr`] holds every field of §1.1 for any number of key slots the parser accepts.
//! It stores only what cannot be derived: `nks`, `sea` and `sehs` follow from the lengths
//! of the key slots, the encrypted area and the (normally empty) gap before the tag, so
//! [`SeHdr::to_bytes`] gives back exactly the bytes [`SeHdr::parse`] read. The reserved
//! word `res1` and unknown `pcf` bits are kept as read.
//!
//! Placement of the tag *\[inferred\]*: §1.1 puts it in the last 16 bytes of `sehs`. When
//! `sea` is wrong but the structure still fits (vector n08), the bytes between the end of
//! the encrypted area and the tag are kept as a "gap"; GCM then sees the wrong ranges and
//! fails, as pvimg does.

use alloc::vec::Vec;
use core::fmt;

use pv_core::be::{get_u32, get_u64, put_u32, put_u64};

use crate::ecc::{COORDS_LEN, EcPubCoords};
use crate::hdr::ComponentDigests;
use crate::keyslot::{KEYSLOT_LEN, Keyslot};
use crate::pcf::PlaintextControlFlags;
use crate::{Error, Result};

/// `IBMSecEx`, the magic at header offset 0.
pub const HDR_MAGIC: [u8; 8] = *b"IBMSecEx";
/// The only header version (offset 0x08).
pub const HDR_VERSION_V1: u32 = 0x0000_0100;
/// Size of the fixed part before the key slots (0x000-0x19f).
pub const HDR_FIXED_LEN: usize = 0x1a0;
/// Size of the GCM tag at the end of the header.
pub const HDR_TAG_LEN: usize = 16;
/// Size of the fixed part of the encrypted area; `sea` of every header pvimg writes.
pub const SEA_V1: usize = 128;
/// Largest `sehs` the parser accepts (two pages).
pub const MAX_HDR_SIZE: usize = 8192;
/// Bound on `sehs` checked before the header is read at all (4 MiB).
pub const HDR_SIZE_SANITY_LIMIT: usize = 4 * 1024 * 1024;
/// Most key slots a header can hold (`560 + 80 * 95 = 8160 <= 8192`).
pub const MAX_KEY_SLOTS: usize = 95;
/// Size of a digest (PLD, ALD, TLD): SHA-512.
pub const DIGEST_LEN: usize = 64;
/// Size of the boot header tags `PLD ‖ ALD ‖ TLD ‖ tag` used by attestation (§1.6).
pub const BOOT_HDR_TAGS_LEN: usize = 3 * DIGEST_LEN + HDR_TAG_LEN;

// Field offsets of §1.1.
const OFF_VERSION: usize = 0x08;
const OFF_SEHS: usize = 0x0c;
const OFF_IV: usize = 0x10;
const OFF_RES1: usize = 0x1c;
const OFF_NKS: usize = 0x20;
const OFF_SEA: usize = 0x28;
const OFF_NEP: usize = 0x30;
const OFF_PCF: usize = 0x38;
const OFF_CUST: usize = 0x40;
const OFF_PLD: usize = 0xe0;
const OFF_ALD: usize = 0x120;
const OFF_TLD: usize = 0x160;
const _: () = assert!(OFF_CUST + COORDS_LEN == OFF_PLD);
const _: () = assert!(OFF_TLD + DIGEST_LEN == HDR_FIXED_LEN);
const _: () = assert!(HDR_FIXED_LEN == 416);
const _: () =
    assert!(HDR_FIXED_LEN + MAX_KEY_SLOTS * KEYSLOT_LEN + SEA_V1 + HDR_TAG_LEN <= MAX_HDR_SIZE);
const _: () = assert!(
    HDR_FIXED_LEN + (MAX_KEY_SLOTS + 1) * KEYSLOT_LEN + SEA_V1 + HDR_TAG_LEN > MAX_HDR_SIZE
);

/// Which rule of se-format.md §6.1 (or of the builder) a header breaks. Carried by
/// [`Error::InvalidHdr`], whose message is always pvimg's "Invalid Secure Execution header".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HdrDefect {
    /// `sehs <= 16` or `sehs > 4 MiB` (checked before the rest is read).
    SizeOutOfBounds {
        /// The `sehs` read.
        sehs: u32,
    },
    /// `sehs > 8192`.
    TooLarge {
        /// The `sehs` read.
        sehs: u32,
    },
    /// `nks > sehs` or `sea > sehs`.
    CountExceedsSize {
        /// The `nks` read.
        nks: u64,
        /// The `sea` read.
        sea: u64,
    },
    /// The fixed part, `nks` key slots, `sea` bytes and the tag do not fit in `sehs`.
    DoesNotFit {
        /// The `nks` read.
        nks: u64,
        /// The `sea` read.
        sea: u64,
    },
    /// A builder was given no host key or more than 95.
    KeySlotCount {
        /// The number of host keys given.
        nks: usize,
    },
    /// The authenticated encrypted area is shorter than its 128-byte fixed part.
    EncryptedAreaTooSmall {
        /// The `sea` of the header.
        sea: u64,
    },
    /// `sea` leaves bytes between the encrypted area and the tag that GCM does not cover;
    /// refused even when the tag verifies *\[inferred\]* (the UV rejects such a header with
    /// rc 0x010a rrc 0x0039).
    UnauthenticatedBytes {
        /// How many such bytes.
        len: usize,
    },
}

impl fmt::Display for HdrDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SizeOutOfBounds { sehs } => write!(f, "sehs {sehs} is <= 16 or > 4 MiB"),
            Self::TooLarge { sehs } => write!(f, "sehs {sehs} is > {MAX_HDR_SIZE}"),
            Self::CountExceedsSize { nks, sea } => write!(f, "nks {nks} or sea {sea} > sehs"),
            Self::DoesNotFit { nks, sea } => write!(f, "{nks} key slots and sea {sea} do not fit"),
            Self::KeySlotCount { nks } => write!(f, "{nks} host keys (1..={MAX_KEY_SLOTS})"),
            Self::EncryptedAreaTooSmall { sea } => write!(f, "sea {sea} < {SEA_V1}"),
            Self::UnauthenticatedBytes { len } => write!(f, "{len} bytes before the tag"),
        }
    }
}

fn invalid(defect: HdrDefect) -> Error {
    Error::InvalidHdr { defect }
}

/// `sehs` for `nks` key slots with the standard 128-byte encrypted area:
/// `560 + 80 * nks` (640 for 1 key, 8160 for 95). Errors unless `1 <= nks <= 95`
/// ("Invalid Secure Execution header", like pvimg for the 96th key).
pub fn expected_size(nks: usize) -> Result<usize> {
    if nks == 0 || nks > MAX_KEY_SLOTS {
        return Err(invalid(HdrDefect::KeySlotCount { nks }));
    }
    Ok(HDR_FIXED_LEN + nks * KEYSLOT_LEN + SEA_V1 + HDR_TAG_LEN)
}

/// Checks the first bytes of a header candidate: magic (else [`Error::HdrNotFound`]),
/// at least 16 bytes (else [`Error::HdrTruncated`]) and the `sehs` sanity bound.
/// Returns `sehs`.
pub(crate) fn check_prefix(b: &[u8]) -> Result<usize> {
    if b.get(..HDR_MAGIC.len()) != Some(&HDR_MAGIC[..]) {
        return Err(Error::HdrNotFound);
    }
    let sehs = get_u32(b, OFF_SEHS).ok_or(Error::HdrTruncated { need: 16, have: b.len() })?;
    let len = sehs as usize;
    if len <= HDR_TAG_LEN || len > HDR_SIZE_SANITY_LIMIT {
        return Err(invalid(HdrDefect::SizeOutOfBounds { sehs }));
    }
    Ok(len)
}

fn array<const N: usize>(b: &[u8], off: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[off..off + N]);
    a
}

/// An SE header v1 (se-format.md §1.1), as parsed or built. The encrypted area is the
/// GCM ciphertext; see [`SeHdr::open`](crate::hdr::SeHdr::open) for the plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeHdr {
    pub(crate) iv: [u8; 12],
    pub(crate) res1: u32,
    pub(crate) nep: u64,
    pub(crate) pcf: PlaintextControlFlags,
    pub(crate) cust_pub: EcPubCoords,
    pub(crate) pld: [u8; DIGEST_LEN],
    pub(crate) ald: [u8; DIGEST_LEN],
    pub(crate) tld: [u8; DIGEST_LEN],
    pub(crate) keyslots: Vec<Keyslot>,
    pub(crate) encrypted: Vec<u8>,
    pub(crate) gap: Vec<u8>,
    pub(crate) tag: [u8; HDR_TAG_LEN],
}

impl SeHdr {
    /// Parses a header that starts at `b[0]` with the rules of se-format.md §6.1, in
    /// pvimg's order: magic, 16 bytes, `sehs` bounds, `sehs` bytes, version, `sehs <=
    /// 8192`, `nks`/`sea <= sehs`, the structure fits. Bytes after `sehs` are ignored.
    /// Reserved words, unknown `pcf` bits and a wrong `sea` that still fits are accepted.
    pub fn parse(b: &[u8]) -> Result<Self> {
        let sehs = check_prefix(b)?;
        let b = b.get(..sehs).ok_or(Error::HdrTruncated { need: sehs, have: b.len() })?;
        let field32 =
            |off| get_u32(b, off).ok_or(Error::HdrTruncated { need: off + 4, have: sehs });
        let field64 =
            |off| get_u64(b, off).ok_or(Error::HdrTruncated { need: off + 8, have: sehs });
        let version = field32(OFF_VERSION)?;
        if version != HDR_VERSION_V1 {
            return Err(Error::UnknownHdrVersion { version });
        }
        if sehs > MAX_HDR_SIZE {
            return Err(invalid(HdrDefect::TooLarge { sehs: sehs as u32 }));
        }
        // Fields beyond the first 16 bytes may be missing when sehs is tiny; such a
        // header cannot hold the fixed part, so it is "does not fit".
        let (nks, sea) = match (field64(OFF_NKS), field64(OFF_SEA)) {
            (Ok(nks), Ok(sea)) => (nks, sea),
            _ => return Err(invalid(HdrDefect::DoesNotFit { nks: 0, sea: 0 })),
        };
        if nks > sehs as u64 || sea > sehs as u64 {
            return Err(invalid(HdrDefect::CountExceedsSize { nks, sea }));
        }
        // Both are <= 8192 here, so this cannot overflow.
        let (nks_n, sea_n) = (nks as usize, sea as usize);
        let ea_off = HDR_FIXED_LEN + nks_n * KEYSLOT_LEN;
        let tag_off = sehs - HDR_TAG_LEN;
        if ea_off + sea_n > tag_off {
            return Err(invalid(HdrDefect::DoesNotFit { nks, sea }));
        }
        let mut keyslots = Vec::with_capacity(nks_n);
        for chunk in b[HDR_FIXED_LEN..ea_off].chunks_exact(KEYSLOT_LEN) {
            keyslots.push(Keyslot::from_slice(chunk)?);
        }
        Ok(Self {
            iv: array(b, OFF_IV),
            res1: field32(OFF_RES1)?,
            nep: field64(OFF_NEP)?,
            pcf: PlaintextControlFlags::from_bits_retain(field64(OFF_PCF)?),
            cust_pub: EcPubCoords(array(b, OFF_CUST)),
            pld: array(b, OFF_PLD),
            ald: array(b, OFF_ALD),
            tld: array(b, OFF_TLD),
            keyslots,
            encrypted: b[ea_off..ea_off + sea_n].to_vec(),
            gap: b[ea_off + sea_n..tag_off].to_vec(),
            tag: array(b, tag_off),
        })
    }

    /// The authenticated additional data: every byte before the encrypted area (§1.6).
    pub fn aad(&self) -> Vec<u8> {
        let mut b = alloc::vec![0u8; self.encrypted_area_offset()];
        b[..HDR_MAGIC.len()].copy_from_slice(&HDR_MAGIC);
        put_u32(&mut b, OFF_VERSION, HDR_VERSION_V1);
        put_u32(&mut b, OFF_SEHS, self.sehs());
        b[OFF_IV..OFF_IV + 12].copy_from_slice(&self.iv);
        put_u32(&mut b, OFF_RES1, self.res1);
        put_u64(&mut b, OFF_NKS, self.nks());
        put_u64(&mut b, OFF_SEA, self.sea());
        put_u64(&mut b, OFF_NEP, self.nep);
        put_u64(&mut b, OFF_PCF, self.pcf.bits());
        b[OFF_CUST..OFF_PLD].copy_from_slice(&self.cust_pub.0);
        b[OFF_PLD..OFF_ALD].copy_from_slice(&self.pld);
        b[OFF_ALD..OFF_TLD].copy_from_slice(&self.ald);
        b[OFF_TLD..HDR_FIXED_LEN].copy_from_slice(&self.tld);
        for (i, slot) in self.keyslots.iter().enumerate() {
            let off = HDR_FIXED_LEN + i * KEYSLOT_LEN;
            b[off..off + KEYSLOT_LEN].copy_from_slice(&slot.to_bytes());
        }
        b
    }

    /// The header bytes (`sehs` long); identical to the input of [`SeHdr::parse`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = self.aad();
        b.extend_from_slice(&self.encrypted);
        b.extend_from_slice(&self.gap);
        b.extend_from_slice(&self.tag);
        b
    }

    /// The magic, `IBMSecEx`.
    pub fn magic(&self) -> [u8; 8] {
        HDR_MAGIC
    }

    /// The version (always [`HDR_VERSION_V1`]; others do not parse).
    pub fn version(&self) -> u32 {
        HDR_VERSION_V1
    }

    /// `sehs`: the total header size in bytes, tag included.
    pub fn sehs(&self) -> u32 {
        let len = self.encrypted_area_offset() + self.encrypted.len() + self.gap.len();
        // At most 8192 for a parsed header, 8160 for a built one.
        (len + HDR_TAG_LEN) as u32
    }

    /// The GCM nonce (offset 0x10).
    pub fn iv(&self) -> &[u8; 12] {
        &self.iv
    }

    /// The reserved word at 0x1c, as read (pvimg writes 0 and does not check it).
    pub fn res1(&self) -> u32 {
        self.res1
    }

    /// `nks`: the number of key slots.
    pub fn nks(&self) -> u64 {
        self.keyslots.len() as u64
    }

    /// `sea`: the size of the encrypted area.
    pub fn sea(&self) -> u64 {
        self.encrypted.len() as u64
    }

    /// `nep`: the number of pages over all secured components.
    pub fn nep(&self) -> u64 {
        self.nep
    }

    /// The plaintext control flags, unknown bits included.
    pub fn pcf(&self) -> PlaintextControlFlags {
        self.pcf
    }

    /// The customer public key, as stored (not validated by the parser).
    pub fn cust_pub_key(&self) -> &EcPubCoords {
        &self.cust_pub
    }

    /// The page list digest.
    pub fn pld(&self) -> &[u8; DIGEST_LEN] {
        &self.pld
    }

    /// The address list digest.
    pub fn ald(&self) -> &[u8; DIGEST_LEN] {
        &self.ald
    }

    /// The tweak list digest.
    pub fn tld(&self) -> &[u8; DIGEST_LEN] {
        &self.tld
    }

    /// PLD, ALD, TLD and `nep` together.
    pub fn digests(&self) -> ComponentDigests {
        ComponentDigests { pld: self.pld, ald: self.ald, tld: self.tld, nep: self.nep }
    }

    /// The key slots, in header order.
    pub fn keyslots(&self) -> &[Keyslot] {
        &self.keyslots
    }

    /// The encrypted area (GCM ciphertext, `sea` bytes).
    pub fn encrypted_area(&self) -> &[u8] {
        &self.encrypted
    }

    /// Header offset of the encrypted area, `0x1a0 + 80 * nks` (= the AAD length).
    pub fn encrypted_area_offset(&self) -> usize {
        HDR_FIXED_LEN + self.keyslots.len() * KEYSLOT_LEN
    }

    /// Bytes between the encrypted area and the tag; empty unless `sea` is wrong.
    pub fn gap(&self) -> &[u8] {
        &self.gap
    }

    /// The GCM tag (last 16 bytes).
    pub fn tag(&self) -> &[u8; HDR_TAG_LEN] {
        &self.tag
    }

    /// The boot header tags `PLD ‖ ALD ‖ TLD ‖ tag` (208 bytes) that attestation and
    /// add-secret requests bind (§1.6).
    pub fn boot_hdr_tags(&self) -> [u8; BOOT_HDR_TAGS_LEN] {
        let mut t = [0u8; BOOT_HDR_TAGS_LEN];
        t[..DIGEST_LEN].copy_from_slice(&self.pld);
        t[DIGEST_LEN..2 * DIGEST_LEN].copy_from_slice(&self.ald);
        t[2 * DIGEST_LEN..3 * DIGEST_LEN].copy_from_slice(&self.tld);
        t[3 * DIGEST_LEN..].copy_from_slice(&self.tag);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal(nks: usize, sea: usize) -> Vec<u8> {
        let sehs = HDR_FIXED_LEN + nks * KEYSLOT_LEN + sea + HDR_TAG_LEN;
        let mut b = alloc::vec![0u8; sehs];
        b[..8].copy_from_slice(&HDR_MAGIC);
        put_u32(&mut b, OFF_VERSION, HDR_VERSION_V1);
        put_u32(&mut b, OFF_SEHS, sehs as u32);
        put_u64(&mut b, OFF_NKS, nks as u64);
        put_u64(&mut b, OFF_SEA, sea as u64);
        b
    }

    #[test]
    fn sizes() {
        assert_eq!(expected_size(1), Ok(640));
        assert_eq!(expected_size(2), Ok(720));
        assert_eq!(expected_size(95), Ok(8160));
        let e = Error::InvalidHdr { defect: HdrDefect::KeySlotCount { nks: 96 } };
        assert_eq!(expected_size(96), Err(e));
        assert!(expected_size(0).is_err());
    }

    #[test]
    fn round_trip_with_zero_and_max_slots() {
        for nks in [0, 1, 95] {
            let b = minimal(nks, SEA_V1);
            let h = SeHdr::parse(&b).unwrap();
            assert_eq!(h.nks(), nks as u64);
            assert_eq!(h.to_bytes(), b);
            assert_eq!(h.aad().len(), h.encrypted_area_offset());
        }
    }

    #[test]
    fn rule_order() {
        assert_eq!(SeHdr::parse(b"IBMSec"), Err(Error::HdrNotFound));
        assert_eq!(
            SeHdr::parse(b"IBMSecEx\0\0\x01\0"),
            Err(Error::HdrTruncated { need: 16, have: 12 })
        );
        let mut b = minimal(1, SEA_V1);
        put_u32(&mut b, OFF_SEHS, 17);
        put_u32(&mut b, OFF_VERSION, 0x200);
        // Version is checked after the sehs bound and before "fits".
        assert_eq!(SeHdr::parse(&b), Err(Error::UnknownHdrVersion { version: 0x200 }));
        put_u32(&mut b, OFF_VERSION, HDR_VERSION_V1);
        assert!(matches!(
            SeHdr::parse(&b),
            Err(Error::InvalidHdr { defect: HdrDefect::DoesNotFit { .. } })
        ));
        put_u32(&mut b, OFF_SEHS, 40);
        assert!(matches!(
            SeHdr::parse(&b),
            Err(Error::InvalidHdr { defect: HdrDefect::DoesNotFit { nks: 0, sea: 0 } })
        ));
        let mut b = minimal(1, SEA_V1);
        put_u64(&mut b, OFF_SEA, 641);
        assert!(matches!(
            SeHdr::parse(&b),
            Err(Error::InvalidHdr { defect: HdrDefect::CountExceedsSize { .. } })
        ));
    }

    #[test]
    fn short_sea_leaves_a_gap() {
        let mut b = minimal(1, SEA_V1);
        put_u64(&mut b, OFF_SEA, 0);
        let h = SeHdr::parse(&b).unwrap();
        assert_eq!(h.gap().len(), SEA_V1);
        assert_eq!(h.to_bytes(), b);
    }
}
