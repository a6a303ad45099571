//! The attestation measurement and its inputs (se-format.md §4.3; crypto-perf-and-oracle.md
//! §6.5).
//!
//! `measurement = HMAC-SHA512(measurement key, msg)` with
//!
//! ```text
//! msg = PLD(64) ‖ ALD(64) ‖ TLD(64) ‖ SE-header tag(16)     boot-header tags
//!     ‖ CUID(16)
//!     ‖ be16(len(user data)) ‖ 00 00 ‖ be32(len(additional data))
//!     ‖ user data (0..=256)
//!     ‖ nonce(16)                                          only with the nonce flag
//!     ‖ additional data                                    in flag order
//! ```

use alloc::vec::Vec;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;

use super::arcb::AttestationFlags;
use super::{array_at, be32};
use crate::secret::Secret;
use crate::{Error, Result};

/// Size of the boot-header tags.
pub const BOOT_HDR_TAGS_LEN: usize = 0xd0;
/// Size of an HMAC-SHA512 measurement.
pub const MEASUREMENT_LEN: usize = 64;
/// Maximum size of the user data of an attestation.
pub const USER_DATA_MAX: usize = 256;
/// Size of a configuration unique id.
pub const CUID_LEN: usize = 16;
/// Size of the additional data "firmware state" item.
pub const FIRMWARE_STATE_LEN: usize = 0x140;

const SE_HDR_MAGIC: [u8; 8] = *b"IBMSecEx";
const SE_HDR_OFF_SEHS: usize = 0x0c;
const SE_HDR_OFF_PLD: usize = 0xe0;
const SE_HDR_OFF_ALD: usize = 0x120;
const SE_HDR_OFF_TLD: usize = 0x160;
const SE_HDR_MIN_LEN: usize = 0x1a0 + 16;

/// The boot-header tags of an SE image: `PLD ‖ ALD ‖ TLD ‖ SE-header tag` (0xd0 bytes,
/// se-format.md §4.3 and §4.5; crypto-perf-and-oracle.md §6.3). They bind attestation
/// measurements and add-secret requests to one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootHdrTags {
    /// Page-list digest.
    pub pld: [u8; 64],
    /// Address-list digest.
    pub ald: [u8; 64],
    /// Tweak-list digest.
    pub tld: [u8; 64],
    /// The SE header's GCM tag.
    pub tag: [u8; 16],
}

const _: () = assert!(64 * 3 + 16 == BOOT_HDR_TAGS_LEN);

impl BootHdrTags {
    /// From the four values.
    pub fn new(pld: [u8; 64], ald: [u8; 64], tld: [u8; 64], tag: [u8; 16]) -> Self {
        Self { pld, ald, tld, tag }
    }

    /// From exactly 0xd0 bytes.
    pub fn from_slice(b: &[u8]) -> Result<Self> {
        if b.len() != BOOT_HDR_TAGS_LEN {
            return Err(Error::WrongSize { expected: BOOT_HDR_TAGS_LEN, actual: b.len() });
        }
        Ok(Self {
            pld: array_at(b, 0),
            ald: array_at(b, 64),
            tld: array_at(b, 128),
            tag: array_at(b, 192),
        })
    }

    /// Takes the tags out of raw SE-header bytes (header v1, §1.1): magic `IBMSecEx`, the
    /// header size sehs at 0x0c, PLD at 0xe0, ALD at 0x120, TLD at 0x160 and the tag in
    /// the last 16 of the sehs bytes. A minimal local reader: it does not decrypt or check
    /// anything else.
    pub fn from_se_header(hdr: &[u8]) -> Result<Self> {
        if hdr.len() < SE_HDR_MIN_LEN || hdr[..8] != SE_HDR_MAGIC {
            return Err(Error::SeHeaderTags);
        }
        let sehs = be32(hdr, SE_HDR_OFF_SEHS) as usize;
        if sehs < SE_HDR_MIN_LEN || sehs > hdr.len() {
            return Err(Error::SeHeaderTags);
        }
        Ok(Self {
            pld: array_at(hdr, SE_HDR_OFF_PLD),
            ald: array_at(hdr, SE_HDR_OFF_ALD),
            tld: array_at(hdr, SE_HDR_OFF_TLD),
            tag: array_at(hdr, sehs - 16),
        })
    }

    /// The 0xd0 bytes.
    pub fn to_bytes(&self) -> [u8; BOOT_HDR_TAGS_LEN] {
        let mut b = [0u8; BOOT_HDR_TAGS_LEN];
        b[..64].copy_from_slice(&self.pld);
        b[64..128].copy_from_slice(&self.ald);
        b[128..192].copy_from_slice(&self.tld);
        b[192..].copy_from_slice(&self.tag);
        b
    }
}

/// The additional data an attestation can ask for, in flag order (§4.2, §4.3): image PHKH
/// (32), attestation PHKH (32), secret-store hash (64), firmware state (0x140).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdditionalData {
    /// PHKH of the host key that unpacked the image.
    pub image_phkh: Option<[u8; 32]>,
    /// PHKH of the host key that decrypted the attestation request.
    pub attestation_phkh: Option<[u8; 32]>,
    /// Hash of the secret store.
    pub secret_store_hash: Option<[u8; 64]>,
    /// Firmware state.
    pub firmware_state: Option<[u8; FIRMWARE_STATE_LEN]>,
}

impl AdditionalData {
    /// Splits `b` by the additional-data flags in `flags`; the size must match exactly.
    pub fn from_slice(b: &[u8], flags: AttestationFlags) -> Result<Self> {
        let expected = flags.additional_size();
        if b.len() != expected {
            return Err(Error::AdditionalDataSize { expected, actual: b.len() });
        }
        let mut off = 0;
        let mut take = |on: bool, n: usize| {
            let r = on.then(|| &b[off..off + n]);
            if on {
                off += n;
            }
            r
        };
        let image = take(flags.contains(AttestationFlags::IMAGE_PHKH), 32);
        let att = take(flags.contains(AttestationFlags::ATTESTATION_PHKH), 32);
        let ssh = take(flags.contains(AttestationFlags::SECRET_STORE_HASH), 64);
        let fw = take(flags.contains(AttestationFlags::FIRMWARE_STATE), FIRMWARE_STATE_LEN);
        Ok(Self {
            image_phkh: image.map(|s| array_at(s, 0)),
            attestation_phkh: att.map(|s| array_at(s, 0)),
            secret_store_hash: ssh.map(|s| array_at(s, 0)),
            firmware_state: fw.map(|s| array_at(s, 0)),
        })
    }

    /// The flags of the items present.
    pub fn flags(&self) -> AttestationFlags {
        let mut f = AttestationFlags::empty();
        f.set(AttestationFlags::IMAGE_PHKH, self.image_phkh.is_some());
        f.set(AttestationFlags::ATTESTATION_PHKH, self.attestation_phkh.is_some());
        f.set(AttestationFlags::SECRET_STORE_HASH, self.secret_store_hash.is_some());
        f.set(AttestationFlags::FIRMWARE_STATE, self.firmware_state.is_some());
        f
    }

    /// The concatenation in flag order.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.flags().additional_size());
        if let Some(x) = &self.image_phkh {
            v.extend_from_slice(x);
        }
        if let Some(x) = &self.attestation_phkh {
            v.extend_from_slice(x);
        }
        if let Some(x) = &self.secret_store_hash {
            v.extend_from_slice(x);
        }
        if let Some(x) = &self.firmware_state {
            v.extend_from_slice(x);
        }
        v
    }
}

/// Everything the measurement covers (§4.3).
#[derive(Debug, Clone, Copy)]
pub struct MeasurementInput<'a> {
    /// Boot-header tags of the running image.
    pub tags: &'a BootHdrTags,
    /// The configuration unique id.
    pub cuid: &'a [u8; CUID_LEN],
    /// User data supplied by the guest (at most 256 bytes).
    pub user_data: &'a [u8],
    /// The nonce from the request, if its nonce flag is set.
    pub nonce: Option<&'a [u8; 16]>,
    /// The additional data, concatenated in flag order.
    pub additional: &'a [u8],
}

impl MeasurementInput<'_> {
    fn check(&self) -> Result<u32> {
        if self.user_data.len() > USER_DATA_MAX {
            return Err(Error::UserDataTooLong { len: self.user_data.len(), max: USER_DATA_MAX });
        }
        u32::try_from(self.additional.len()).map_err(|_| Error::AdditionalDataSize {
            expected: u32::MAX as usize,
            actual: self.additional.len(),
        })
    }

    /// The exact HMAC message.
    pub fn message(&self) -> Result<Vec<u8>> {
        let add_len = self.check()?;
        let mut m = Vec::with_capacity(
            BOOT_HDR_TAGS_LEN + CUID_LEN + 8 + self.user_data.len() + 16 + self.additional.len(),
        );
        m.extend_from_slice(&self.tags.to_bytes());
        m.extend_from_slice(self.cuid);
        // Checked above: at most 256.
        m.extend_from_slice(&(self.user_data.len() as u16).to_be_bytes());
        m.extend_from_slice(&[0, 0]);
        m.extend_from_slice(&add_len.to_be_bytes());
        m.extend_from_slice(self.user_data);
        if let Some(n) = self.nonce {
            m.extend_from_slice(n);
        }
        m.extend_from_slice(self.additional);
        Ok(m)
    }

    fn mac(&self, key: &Secret<64>) -> Result<Hmac<Sha512>> {
        let msg = self.message()?;
        // HMAC accepts keys of any length, so this never fails.
        let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(key.expose())
            .map_err(|_| Error::WrongSize { expected: 64, actual: key.expose().len() })?;
        mac.update(&msg);
        Ok(mac)
    }

    /// HMAC-SHA512 over [`Self::message`] with the measurement key.
    pub fn measure(&self, key: &Secret<64>) -> Result<[u8; MEASUREMENT_LEN]> {
        let out = self.mac(key)?.finalize().into_bytes();
        Ok(array_at(&out, 0))
    }

    /// Compares `measurement` with the expected value in constant time.
    /// [`Error::MeasurementVerify`] on any mismatch (also of the length).
    pub fn verify(&self, key: &Secret<64>, measurement: &[u8]) -> Result<()> {
        self.mac(key)?.verify_slice(measurement).map_err(|_| Error::MeasurementVerify)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_header() {
        let t = BootHdrTags::new([1; 64], [2; 64], [3; 64], [4; 16]);
        assert_eq!(BootHdrTags::from_slice(&t.to_bytes()).unwrap(), t);
        assert!(BootHdrTags::from_slice(&[0; 10]).is_err());
        let mut hdr = alloc::vec![0u8; 0x280];
        hdr[..8].copy_from_slice(b"IBMSecEx");
        hdr[0x0c..0x10].copy_from_slice(&0x280u32.to_be_bytes());
        hdr[0xe0..0x120].fill(1);
        hdr[0x120..0x160].fill(2);
        hdr[0x160..0x1a0].fill(3);
        hdr[0x270..].fill(4);
        assert_eq!(BootHdrTags::from_se_header(&hdr).unwrap(), t);
        hdr[0x0c..0x10].copy_from_slice(&0x281u32.to_be_bytes());
        assert_eq!(BootHdrTags::from_se_header(&hdr), Err(Error::SeHeaderTags));
        hdr[0] = b'X';
        assert_eq!(BootHdrTags::from_se_header(&hdr), Err(Error::SeHeaderTags));
    }

    #[test]
    fn additional_data_split() {
        let f = AttestationFlags::ATTESTATION_PHKH | AttestationFlags::FIRMWARE_STATE;
        let mut b = alloc::vec![5u8; 32];
        b.extend_from_slice(&[6; FIRMWARE_STATE_LEN]);
        let a = AdditionalData::from_slice(&b, f).unwrap();
        assert_eq!(a.attestation_phkh, Some([5; 32]));
        assert!(a.image_phkh.is_none());
        assert_eq!(a.flags(), f);
        assert_eq!(a.to_bytes(), b);
        assert_eq!(
            AdditionalData::from_slice(&b[1..], f).unwrap_err(),
            Error::AdditionalDataSize { expected: 32 + 0x140, actual: 32 + 0x140 - 1 }
        );
    }

    #[test]
    fn message_layout_and_verify() {
        let tags = BootHdrTags::new([1; 64], [2; 64], [3; 64], [4; 16]);
        let input = MeasurementInput {
            tags: &tags,
            cuid: &[9; 16],
            user_data: b"hi",
            nonce: Some(&[0xab; 16]),
            additional: &[7; 32],
        };
        let m = input.message().unwrap();
        assert_eq!(m.len(), 208 + 16 + 8 + 2 + 16 + 32);
        assert_eq!(&m[224..232], &[0, 2, 0, 0, 0, 0, 0, 32]);
        let key = Secret::new([0x77; 64]);
        let mac = input.measure(&key).unwrap();
        input.verify(&key, &mac).unwrap();
        let mut bad = mac;
        bad[63] ^= 1;
        assert_eq!(input.verify(&key, &bad), Err(Error::MeasurementVerify));
        assert_eq!(input.verify(&key, &mac[..32]), Err(Error::MeasurementVerify));
        let long = [0u8; 257];
        let too_long = MeasurementInput { user_data: &long, ..input };
        assert!(matches!(too_long.message(), Err(Error::UserDataTooLong { .. })));
    }
}
