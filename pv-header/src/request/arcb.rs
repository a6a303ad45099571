//! The attestation request control block, version 1 (se-format.md §4.2;
//! crypto-perf-and-oracle.md §6.3).
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0x00 | 48 | envelope header, magic = 8 zero bytes |
//! | 0x30 | 8 | attestation flags (MSB0 bits 1-5) |
//! | 0x38 | 4 | measurement algorithm id (1 = HMAC-SHA512) |
//! | 0x3c | 4 | reserved |
//! | 0x40 | 160 | customer public key |
//! | 0xe0 | 80·nks | key slots |
//! | … | 64 (+16) | encrypted: measurement key ‖ nonce (only with the nonce flag) |
//! | … | 16 | tag |
//!
//! With one host key and the nonce the request is 400 bytes.

use alloc::vec::Vec;
use p521::PublicKey;

use super::envelope::{self, Envelope, RequestKeys, RequestOpener};
use super::measurement::{BootHdrTags, CUID_LEN, MEASUREMENT_LEN, MeasurementInput};
use super::{RequestKind, be32, be64};
use crate::ecc::EcPubCoords;
use crate::rand::RandomSource;
use crate::secret::Secret;
use crate::{Error, Result};

/// The ARCB magic: 8 zero bytes.
pub const MAGIC: [u8; 8] = [0; 8];
/// Offset of the customer public key.
pub const CUSTOMER_KEY_OFFSET: usize = 0x40;
/// Size of the measurement key.
pub const MEASUREMENT_KEY_LEN: usize = 64;
/// Size of the nonce.
pub const NONCE_LEN: usize = 16;

bitflags::bitflags! {
    /// Plaintext attestation flags at 0x30, MSB0 bit numbering (§4.2). Every flag but the
    /// nonce asks the Ultravisor for one item of additional data.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct AttestationFlags: u64 {
        /// Bit 1: the request carries a nonce, which the measurement covers. `pvattest`
        /// always sets it.
        const NONCE = 1 << 62;
        /// Bit 2: additional data "image PHKH" (32 bytes).
        const IMAGE_PHKH = 1 << 61;
        /// Bit 3: additional data "attestation PHKH" (32 bytes).
        const ATTESTATION_PHKH = 1 << 60;
        /// Bit 4: additional data "secret-store hash" (64 bytes).
        const SECRET_STORE_HASH = 1 << 59;
        /// Bit 5: additional data "firmware state" (0x140 bytes).
        const FIRMWARE_STATE = 1 << 58;
    }
}

impl AttestationFlags {
    /// The size of the additional data these flags ask for.
    pub fn additional_size(self) -> usize {
        let mut n = 0;
        if self.contains(Self::IMAGE_PHKH) {
            n += 32;
        }
        if self.contains(Self::ATTESTATION_PHKH) {
            n += 32;
        }
        if self.contains(Self::SECRET_STORE_HASH) {
            n += 64;
        }
        if self.contains(Self::FIRMWARE_STATE) {
            n += super::measurement::FIRMWARE_STATE_LEN;
        }
        n
    }

    /// Parses the flag word; unknown bits give [`Error::AttestationFlags`].
    pub fn from_word(word: u64) -> Result<Self> {
        Self::from_bits(word).ok_or(Error::AttestationFlags { flags: word & !Self::all().bits() })
    }
}

/// The measurement algorithm id at 0x38 (§4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum MeasurementAlgorithm {
    /// HMAC-SHA512, 64-byte measurement.
    HmacSha512 = 1,
}

impl MeasurementAlgorithm {
    /// The id.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// Parses the id.
    pub fn from_code(mai: u32) -> Result<Self> {
        match mai {
            1 => Ok(Self::HmacSha512),
            _ => Err(Error::MeasurementAlgorithm { mai }),
        }
    }

    /// The size of the measurement.
    pub fn measurement_len(self) -> usize {
        MEASUREMENT_LEN
    }
}

/// An attestation request before sealing: flags, algorithm and the two secrets.
#[derive(Debug, Clone)]
pub struct AttestationRequest {
    flags: AttestationFlags,
    algorithm: MeasurementAlgorithm,
    measurement_key: Secret<MEASUREMENT_KEY_LEN>,
    nonce: Option<Secret<NONCE_LEN>>,
}

impl AttestationRequest {
    /// A request with a random measurement key and, if `flags` has
    /// [`AttestationFlags::NONCE`], a random nonce (drawn in that order).
    pub fn new(flags: AttestationFlags, rng: &mut impl RandomSource) -> Result<Self> {
        let mut key = Secret::new([0; MEASUREMENT_KEY_LEN]);
        rng.fill(key.expose_mut())?;
        let nonce = if flags.contains(AttestationFlags::NONCE) {
            let mut n = Secret::new([0; NONCE_LEN]);
            rng.fill(n.expose_mut())?;
            Some(n)
        } else {
            None
        };
        Ok(Self::with_secrets(flags, key, nonce))
    }

    /// A request with given secrets (known answers). The nonce flag is set exactly when
    /// `nonce` is given.
    pub fn with_secrets(
        flags: AttestationFlags,
        measurement_key: Secret<MEASUREMENT_KEY_LEN>,
        nonce: Option<Secret<NONCE_LEN>>,
    ) -> Self {
        let mut flags = flags;
        flags.set(AttestationFlags::NONCE, nonce.is_some());
        Self { flags, algorithm: MeasurementAlgorithm::HmacSha512, measurement_key, nonce }
    }

    /// The flags.
    pub fn flags(&self) -> AttestationFlags {
        self.flags
    }

    /// The measurement key.
    pub fn measurement_key(&self) -> &Secret<MEASUREMENT_KEY_LEN> {
        &self.measurement_key
    }

    /// The nonce.
    pub fn nonce(&self) -> Option<&Secret<NONCE_LEN>> {
        self.nonce.as_ref()
    }

    fn plaintext(&self) -> crate::secret::SecretVec {
        let mut p = crate::secret::SecretVec::new(Vec::with_capacity(80));
        p.expose_mut().extend_from_slice(self.measurement_key.expose());
        if let Some(n) = &self.nonce {
            p.expose_mut().extend_from_slice(n.expose());
        }
        p
    }

    /// Builds the ARCB bytes for `hosts` (1 to 255 host keys).
    pub fn seal(&self, hosts: &[PublicKey], keys: &RequestKeys) -> Result<Vec<u8>> {
        let mut specific = [0u8; 16];
        specific[..8].copy_from_slice(&self.flags.bits().to_be_bytes());
        specific[8..12].copy_from_slice(&self.algorithm.code().to_be_bytes());
        let plain = self.plaintext();
        let aad = envelope::build_aad(&MAGIC, &specific, &[], plain.expose().len(), hosts, keys)?;
        Ok(envelope::seal(aad, plain.expose(), keys))
    }

    /// Opens an ARCB as the Ultravisor does (or as the customer, or with the arpk).
    ///
    /// Checks in the Ultravisor's order (uv-spec.md §1.6, Retrieve Attestation
    /// Measurement): magic and version, the length (it must be exactly the v1 layout),
    /// nks, sea (64, or 80 with the nonce flag), the flags, the algorithm, then the key
    /// slot and the GCM tag.
    pub fn open(bytes: &[u8], opener: &RequestOpener<'_>) -> Result<OpenedAttestationRequest> {
        let env = Envelope::parse(bytes, RequestKind::Attestation)?;
        if !env.trailing().is_empty() {
            return Err(Error::RequestLength { rql: env.rql() as u32, available: bytes.len() });
        }
        let word = be64(bytes, 0x30);
        let nonce_flag = word & AttestationFlags::NONCE.bits() != 0;
        let want_sea = MEASUREMENT_KEY_LEN + if nonce_flag { NONCE_LEN } else { 0 };
        if env.sea() != want_sea {
            return Err(Error::RequestEncryptedSize { sea: env.sea() as u32 });
        }
        let flags = AttestationFlags::from_word(word)?;
        let algorithm = MeasurementAlgorithm::from_code(be32(bytes, 0x38))?;
        let customer_key = env.customer_key()?;
        let (protection_key, plain) = env.open(opener)?;
        let p = plain.expose();
        let measurement_key = Secret::from_slice(&p[..MEASUREMENT_KEY_LEN])?;
        let nonce =
            if nonce_flag { Some(Secret::from_slice(&p[MEASUREMENT_KEY_LEN..])?) } else { None };
        Ok(OpenedAttestationRequest {
            flags,
            algorithm,
            nks: env.nks(),
            iv: env.iv(),
            customer_key,
            protection_key,
            measurement_key,
            nonce,
        })
    }
}

/// A decrypted ARCB: everything the Ultravisor needs to compute the measurement.
#[derive(Debug, Clone)]
pub struct OpenedAttestationRequest {
    /// The attestation flags.
    pub flags: AttestationFlags,
    /// The measurement algorithm.
    pub algorithm: MeasurementAlgorithm,
    /// Number of key slots.
    pub nks: usize,
    /// The GCM IV.
    pub iv: [u8; 12],
    /// The customer public key of the request.
    pub customer_key: EcPubCoords,
    /// The request protection key (arpk).
    pub protection_key: Secret<32>,
    /// The measurement key.
    pub measurement_key: Secret<MEASUREMENT_KEY_LEN>,
    /// The nonce (present exactly when the nonce flag is set).
    pub nonce: Option<Secret<NONCE_LEN>>,
}

impl OpenedAttestationRequest {
    /// The size of additional data the flags ask for.
    pub fn additional_size(&self) -> usize {
        self.flags.additional_size()
    }

    fn input<'a>(
        &'a self,
        tags: &'a BootHdrTags,
        cuid: &'a [u8; CUID_LEN],
        user_data: &'a [u8],
        additional: &'a [u8],
    ) -> Result<MeasurementInput<'a>> {
        let expected = self.additional_size();
        if additional.len() != expected {
            return Err(Error::AdditionalDataSize { expected, actual: additional.len() });
        }
        Ok(MeasurementInput {
            tags,
            cuid,
            user_data,
            nonce: self.nonce.as_ref().map(|n| n.expose()),
            additional,
        })
    }

    /// The measurement the Ultravisor returns for this request (§4.3). `additional` must
    /// have the size the flags ask for.
    pub fn measure(
        &self,
        tags: &BootHdrTags,
        cuid: &[u8; CUID_LEN],
        user_data: &[u8],
        additional: &[u8],
    ) -> Result<[u8; MEASUREMENT_LEN]> {
        self.input(tags, cuid, user_data, additional)?.measure(&self.measurement_key)
    }

    /// Verifies a measurement in constant time, as `pvattest verify` does.
    pub fn verify(
        &self,
        tags: &BootHdrTags,
        cuid: &[u8; CUID_LEN],
        user_data: &[u8],
        additional: &[u8],
        measurement: &[u8],
    ) -> Result<()> {
        self.input(tags, cuid, user_data, additional)?.verify(&self.measurement_key, measurement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecc::CustomerKey;
    use crate::rand::CounterRandom;

    #[test]
    fn flags_and_sizes() {
        assert_eq!(AttestationFlags::all().additional_size(), 32 + 32 + 64 + 0x140);
        assert_eq!(AttestationFlags::from_word(0x7000_0000_0000_0000).unwrap().bits() >> 56, 0x70);
        assert_eq!(
            AttestationFlags::from_word(0x8000_0000_0000_0001).unwrap_err(),
            Error::AttestationFlags { flags: 0x8000_0000_0000_0001 }
        );
        assert!(MeasurementAlgorithm::from_code(0).is_err());
    }

    #[test]
    fn seal_open_without_nonce() {
        let mut rng = CounterRandom::new(b"arcb");
        let keys = RequestKeys::generate(&mut rng).unwrap();
        let host = CustomerKey::generate(&mut rng).unwrap();
        let req = AttestationRequest::new(AttestationFlags::IMAGE_PHKH, &mut rng).unwrap();
        assert!(req.nonce().is_none());
        let bytes = req.seal(&[host.public_key()], &keys).unwrap();
        assert_eq!(bytes.len(), 400 - 16);
        let o = AttestationRequest::open(&bytes, &RequestOpener::HostKey(&host)).unwrap();
        assert_eq!(o.measurement_key.expose(), req.measurement_key().expose());
        assert!(o.nonce.is_none());
        assert_eq!(o.flags, AttestationFlags::IMAGE_PHKH);
        let tags = BootHdrTags::new([1; 64], [2; 64], [3; 64], [4; 16]);
        let m = o.measure(&tags, &[0; 16], b"", &[5; 32]).unwrap();
        o.verify(&tags, &[0; 16], b"", &[5; 32], &m).unwrap();
        assert!(matches!(
            o.measure(&tags, &[0; 16], b"", &[5; 31]),
            Err(Error::AdditionalDataSize { .. })
        ));
    }
}
