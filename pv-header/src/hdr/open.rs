//! Opening an SE header: GCM authentication and decryption with the header protection
//! key (se-format.md §1.6, §6.2), or with a host private key through the key slots
//! (§1.4).

use p521::PublicKey;

use crate::ecc::{CustomerKey, phkh};
use crate::hdr::layout::{HdrDefect, SeHdr};
use crate::hdr::secrets::SeHdrSecrets;
use crate::keyslot::unwrap_any;
use crate::secret::{Secret, SecretVec};
use crate::{Error, Result, gcm};

/// A header whose tag verified, with its decrypted secrets and the protection key that
/// opened (or sealed) it. Built by [`SeHdr::open`] and by the
/// [`SeHdrBuilder`](crate::hdr::SeHdrBuilder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptedSeHdr {
    hdr: SeHdr,
    secrets: SeHdrSecrets,
    prot_key: Secret<32>,
}

impl DecryptedSeHdr {
    pub(crate) fn from_parts(hdr: SeHdr, secrets: SeHdrSecrets, prot_key: Secret<32>) -> Self {
        Self { hdr, secrets, prot_key }
    }

    /// The header (plaintext fields and ciphertext).
    pub fn hdr(&self) -> &SeHdr {
        &self.hdr
    }

    /// The decrypted secrets.
    pub fn secrets(&self) -> &SeHdrSecrets {
        &self.secrets
    }

    /// The header protection key.
    pub fn prot_key(&self) -> &Secret<32> {
        &self.prot_key
    }

    /// The sealed header bytes.
    pub fn to_bytes(&self) -> alloc::vec::Vec<u8> {
        self.hdr.to_bytes()
    }

    /// Drops the secrets and keeps the header.
    pub fn into_hdr(self) -> SeHdr {
        self.hdr
    }
}

impl SeHdr {
    /// Authenticates and decrypts with the header protection key (§6.2): AES-256-GCM,
    /// nonce = IV, AAD = every byte before the encrypted area, tag = last 16 bytes.
    ///
    /// Errors: [`Error::HdrAuth`] for any GCM failure (opaque); after that,
    /// [`Error::InvalidHdr`] if the area is shorter than 128 bytes or bytes outside GCM
    /// lie before the tag, and [`Error::HdrOptionalItems`] unless `noi == 0`.
    pub fn open(&self, prot_key: &Secret<32>) -> Result<DecryptedSeHdr> {
        let mut plain = SecretVec::new(self.encrypted.clone());
        gcm::open(prot_key.expose(), &self.iv, &self.aad(), plain.expose_mut(), &self.tag)
            .map_err(|_| Error::HdrAuth)?;
        if !self.gap.is_empty() {
            let defect = HdrDefect::UnauthenticatedBytes { len: self.gap.len() };
            return Err(Error::InvalidHdr { defect });
        }
        let secrets = SeHdrSecrets::from_plaintext(plain.expose())?;
        if secrets.noi() != 0 {
            return Err(Error::HdrOptionalItems { noi: secrets.noi() });
        }
        Ok(DecryptedSeHdr::from_parts(self.clone(), secrets, prot_key.clone()))
    }

    /// Checks the tag only (same errors as [`SeHdr::open`]).
    pub fn verify(&self, prot_key: &Secret<32>) -> Result<()> {
        self.open(prot_key).map(drop)
    }

    /// Unwraps the header protection key from the slot of `host` (found by phkh):
    /// [`Error::NoMatchingKeySlot`] if none, [`Error::KeySlotAuth`] if the slot does not
    /// open, [`Error::InvalidPublicKey`] if the customer key is not a P-521 point.
    pub fn unwrap_prot_key(&self, host: &CustomerKey) -> Result<Secret<32>> {
        unwrap_any(&self.keyslots, host, &self.cust_pub)
    }

    /// Opens with a host private key: unwraps the protection key, then [`SeHdr::open`].
    pub fn open_with_host_key(&self, host: &CustomerKey) -> Result<DecryptedSeHdr> {
        self.open(&self.unwrap_prot_key(host)?)
    }

    /// Whether a key slot targets `host` (`pvimg test -k`: phkh match only).
    pub fn contains_host_key(&self, host: &PublicKey) -> bool {
        self.contains_phkh(&phkh(host))
    }

    /// Whether a key slot has this public host key hash.
    pub fn contains_phkh(&self, hash: &[u8; 32]) -> bool {
        self.keyslots.iter().any(|s| &s.phkh == hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hdr::layout::{HDR_TAG_LEN, SEA_V1};

    #[test]
    fn wrong_key_is_opaque() {
        let b = {
            let mut b = alloc::vec![0u8; 640];
            b[..8].copy_from_slice(b"IBMSecEx");
            b[8..12].copy_from_slice(&0x100u32.to_be_bytes());
            b[12..16].copy_from_slice(&640u32.to_be_bytes());
            b[0x27] = 1;
            b[0x2f] = SEA_V1 as u8;
            b
        };
        let h = SeHdr::parse(&b).unwrap();
        assert_eq!(h.open(&Secret::new([0; 32])), Err(Error::HdrAuth));
        assert_eq!(h.tag().len(), HDR_TAG_LEN);
        assert!(!h.contains_phkh(&[1; 32]));
        assert!(h.contains_phkh(&[0; 32]));
    }
}
