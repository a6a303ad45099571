//! Key slots (se-format.md §1.4, 80 bytes each): `phkh(32) ‖ wrpk(32) ‖ kst(16)`.
//! `wrpk ‖ kst = AES-256-GCM(KEK, nonce 0^12, AAD empty, protection key)`. The same slot
//! format carries the header protection key of an SE header and the request protection
//! key of attestation and add-secret requests (§4.1).

use p521::PublicKey;

use crate::ecc::{CustomerKey, EcPubCoords, phkh};
use crate::secret::Secret;
use crate::{Error, Result, gcm};

/// Size of one key slot.
pub const KEYSLOT_LEN: usize = 80;

/// One key slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyslot {
    /// SHA-256 of the target host key's coordinates.
    pub phkh: [u8; 32],
    /// The wrapped 32-byte protection key (GCM ciphertext).
    pub wrpk: [u8; 32],
    /// The key-slot tag (GCM tag).
    pub kst: [u8; 16],
}

impl Keyslot {
    /// Wraps `prot_key` for `host` with the customer key `cust` (§1.4 steps 1-4).
    pub fn wrap(prot_key: &Secret<32>, host: &PublicKey, cust: &CustomerKey) -> Self {
        let kek = cust.kek(host);
        let mut wrpk = *prot_key.expose();
        let kst = gcm::seal(kek.expose(), &[0; 12], &[], &mut wrpk);
        Self { phkh: phkh(host), wrpk, kst }
    }

    /// Unwraps with the host's private key and the customer's public key.
    pub fn unwrap(&self, host: &CustomerKey, cust_pub: &EcPubCoords) -> Result<Secret<32>> {
        let cust = cust_pub.to_public_key()?;
        let kek = host.kek(&cust);
        let mut k = Secret::new(self.wrpk);
        gcm::open(kek.expose(), &[0; 12], &[], k.expose_mut(), &self.kst)
            .map_err(|_| Error::KeySlotAuth)?;
        Ok(k)
    }

    /// The 80 bytes.
    pub fn to_bytes(&self) -> [u8; KEYSLOT_LEN] {
        let mut b = [0u8; KEYSLOT_LEN];
        b[..32].copy_from_slice(&self.phkh);
        b[32..64].copy_from_slice(&self.wrpk);
        b[64..].copy_from_slice(&self.kst);
        b
    }

    /// Parses 80 bytes.
    pub fn from_slice(b: &[u8]) -> Result<Self> {
        if b.len() != KEYSLOT_LEN {
            return Err(Error::WrongSize { expected: KEYSLOT_LEN, actual: b.len() });
        }
        let mut s = Self { phkh: [0; 32], wrpk: [0; 32], kst: [0; 16] };
        s.phkh.copy_from_slice(&b[..32]);
        s.wrpk.copy_from_slice(&b[32..64]);
        s.kst.copy_from_slice(&b[64..]);
        Ok(s)
    }
}

/// Finds the slot for `host` among `slots` (by phkh) and unwraps it.
pub fn unwrap_any(
    slots: &[Keyslot],
    host: &CustomerKey,
    cust_pub: &EcPubCoords,
) -> Result<Secret<32>> {
    let want = phkh(&host.public_key());
    let slot = slots.iter().find(|s| s.phkh == want).ok_or(Error::NoMatchingKeySlot)?;
    slot.unwrap(host, cust_pub)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::CounterRandom;

    #[test]
    fn wrap_unwrap() {
        let cust = CustomerKey::generate(&mut CounterRandom::new(b"c")).unwrap();
        let host = CustomerKey::generate(&mut CounterRandom::new(b"h")).unwrap();
        let other = CustomerKey::generate(&mut CounterRandom::new(b"o")).unwrap();
        let pk = Secret::new([0x17; 32]);
        let slot = Keyslot::wrap(&pk, &host.public_key(), &cust);
        assert_eq!(Keyslot::from_slice(&slot.to_bytes()).unwrap(), slot);
        let got = unwrap_any(&[slot], &host, &cust.public_coords()).unwrap();
        assert_eq!(got.expose(), pk.expose());
        assert_eq!(
            unwrap_any(&[slot], &other, &cust.public_coords()).unwrap_err(),
            Error::NoMatchingKeySlot
        );
        let mut bad = slot;
        bad.kst[3] ^= 1;
        assert_eq!(bad.unwrap(&host, &cust.public_coords()).unwrap_err(), Error::KeySlotAuth);
    }
}
