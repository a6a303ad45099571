//! The plaintext of the header's encrypted area (se-format.md §1.5):
//! `CCK(32) ‖ XTS key(64) ‖ PSW(16) ‖ scf(8) ‖ noi(4) ‖ res2(4) ‖ optional items(noi)`.

use core::fmt;

use pv_core::Psw;
use pv_core::be::{get_u32, get_u64, put_u32, put_u64};
use zeroize::Zeroize;

use crate::hdr::layout::{HdrDefect, SEA_V1};
use crate::scf::SecretControlFlags;
use crate::secret::{Secret, SecretVec};
use crate::{Error, Result};

const OFF_XTS: usize = 0x20;
const OFF_PSW: usize = 0x60;
const OFF_SCF: usize = 0x70;
const OFF_NOI: usize = 0x78;
const OFF_RES2: usize = 0x7c;
const _: () = assert!(OFF_RES2 + 4 == SEA_V1);

/// The secrets of an SE header (se-format.md §1.5). Every field is wiped on drop and
/// `Debug` shows none of them.
#[derive(Clone, PartialEq, Eq)]
pub struct SeHdrSecrets {
    cck: Secret<32>,
    xts_key: Secret<64>,
    psw: Psw,
    scf: SecretControlFlags,
    noi: u32,
    res2: u32,
    items: SecretVec,
}

impl SeHdrSecrets {
    /// Secrets as pvimg writes them: `noi = 0`, `res2 = 0`, no optional items.
    pub fn new(cck: Secret<32>, xts_key: Secret<64>, psw: Psw, scf: SecretControlFlags) -> Self {
        Self { cck, xts_key, psw, scf, noi: 0, res2: 0, items: SecretVec::default() }
    }

    /// Decodes a decrypted area. Needs at least 128 bytes; `noi`, `res2` and whatever
    /// follows the 128-byte fixed part are kept as read (the opener, not this decoder,
    /// insists on `noi == 0`).
    pub fn from_plaintext(b: &[u8]) -> Result<Self> {
        if b.len() < SEA_V1 {
            let defect = HdrDefect::EncryptedAreaTooSmall { sea: b.len() as u64 };
            return Err(Error::InvalidHdr { defect });
        }
        let mut psw = [0u8; 16];
        psw.copy_from_slice(&b[OFF_PSW..OFF_SCF]);
        let too_short = Error::TooShort { need: SEA_V1, have: b.len() };
        Ok(Self {
            cck: Secret::from_slice(&b[..OFF_XTS])?,
            xts_key: Secret::from_slice(&b[OFF_XTS..OFF_PSW])?,
            psw: Psw::from_bytes(&psw),
            scf: SecretControlFlags::from_bits_retain(
                get_u64(b, OFF_SCF).ok_or(too_short.clone())?,
            ),
            noi: get_u32(b, OFF_NOI).ok_or(too_short.clone())?,
            res2: get_u32(b, OFF_RES2).ok_or(too_short)?,
            items: SecretVec::new(b[SEA_V1..].to_vec()),
        })
    }

    /// Encodes the area (128 bytes plus the optional items); the result is wiped on drop.
    pub fn to_plaintext(&self) -> SecretVec {
        let mut v = SecretVec::new(alloc::vec![0u8; SEA_V1 + self.items.expose().len()]);
        let b = v.expose_mut();
        b[..OFF_XTS].copy_from_slice(self.cck.expose());
        b[OFF_XTS..OFF_PSW].copy_from_slice(self.xts_key.expose());
        let mut psw = self.psw.to_bytes();
        b[OFF_PSW..OFF_SCF].copy_from_slice(&psw);
        psw.zeroize();
        put_u64(b, OFF_SCF, self.scf.bits());
        put_u32(b, OFF_NOI, self.noi);
        put_u32(b, OFF_RES2, self.res2);
        b[SEA_V1..].copy_from_slice(self.items.expose());
        v
    }

    /// The customer communication key.
    pub fn cck(&self) -> &Secret<32> {
        &self.cck
    }

    /// The AES-256-XTS component key: key1 (data) ‖ key2 (tweak).
    pub fn xts_key(&self) -> &Secret<64> {
        &self.xts_key
    }

    /// The PSW the guest starts with in secure mode.
    pub fn psw(&self) -> Psw {
        self.psw
    }

    /// Replaces the PSW (the image writer knows the stage3b address late).
    pub fn set_psw(&mut self, psw: Psw) {
        self.psw = psw;
    }

    /// The secret control flags, unknown bits included.
    pub fn scf(&self) -> SecretControlFlags {
        self.scf
    }

    /// `noi`: the byte count of optional items, as decrypted.
    pub fn noi(&self) -> u32 {
        self.noi
    }

    /// The reserved word after `noi`, as decrypted (not checked).
    pub fn res2(&self) -> u32 {
        self.res2
    }

    /// Whatever follows the 128-byte fixed part (the optional items; empty for every
    /// header pvimg writes).
    pub fn optional_items(&self) -> &SecretVec {
        &self.items
    }
}

impl Drop for SeHdrSecrets {
    fn drop(&mut self) {
        // cck, xts_key and items wipe themselves.
        self.psw.mask.zeroize();
        self.psw.addr.zeroize();
        self.scf = SecretControlFlags::empty();
        self.noi.zeroize();
        self.res2.zeroize();
    }
}

impl fmt::Debug for SeHdrSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeHdrSecrets")
            .field("cck", &self.cck)
            .field("xts_key", &self.xts_key)
            .field("psw", &"<redacted>")
            .field("scf", &"<redacted>")
            .field("noi", &self.noi)
            .field("optional_items", &self.items)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::format;

    #[test]
    fn round_trip_and_redaction() {
        let s = SeHdrSecrets::new(
            Secret::new([0x11; 32]),
            Secret::new([0x22; 64]),
            Psw::new_64bit(0x1e000),
            SecretControlFlags::CCK_UPDATE_ALLOWED,
        );
        let p = s.to_plaintext();
        assert_eq!(p.expose().len(), 128);
        assert_eq!(&p.expose()[0x60..0x70], &Psw::new_64bit(0x1e000).to_bytes());
        assert_eq!(p.expose()[0x70], 0x20);
        let back = SeHdrSecrets::from_plaintext(p.expose()).unwrap();
        assert_eq!(back, s);
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("17") && !dbg.contains("0x1e000") && !dbg.contains("122880"));
        assert!(SeHdrSecrets::from_plaintext(&[0; 127]).is_err());
    }

    #[test]
    fn optional_items_are_kept() {
        let mut b = [0u8; 144];
        b[0x7b] = 16;
        b[0x7f] = 1;
        b[0x80] = 0xaa;
        let s = SeHdrSecrets::from_plaintext(&b).unwrap();
        assert_eq!((s.noi(), s.res2()), (16, 1));
        assert_eq!(s.optional_items().expose().len(), 16);
        assert_eq!(s.to_plaintext().expose(), &b[..]);
    }
}
