//! P-521 keys in the SE encodings (se-format.md §1.3, §1.4, §7).
//!
//! - [`EcPubCoords`]: the 160-byte "coordinates" form of a public key: X and Y, each an
//!   unsigned big-endian integer left-padded with 14 zero bytes to 80 bytes. It is the
//!   customer key in headers and requests and the input of the public host key hash.
//! - [`phkh`]: SHA-256 of those coordinates.
//! - [`derive_kek`]: `SHA-256(Z ‖ 00 00 00 01)` with Z the 66-byte ECDH X coordinate
//!   (ANSI X9.63 KDF, one round, no shared info).
//! - [`CustomerKey`]: the per-image (or per-request) P-521 key pair, drawn from a
//!   [`RandomSource`].

use p521::elliptic_curve::sec1::{FromSec1Point, ToSec1Point};
use p521::{PublicKey, SecretKey};
use sha2::{Digest, Sha256};

use crate::rand::RandomSource;
use crate::secret::Secret;
use crate::{Error, Result};

/// Length of one P-521 field element in bytes.
pub const FIELD_LEN: usize = 66;
/// Length of one padded coordinate in the SE encoding.
pub const COORD_LEN: usize = 80;
/// Length of the coordinates encoding (X ‖ Y).
pub const COORDS_LEN: usize = 2 * COORD_LEN;
const PAD: usize = COORD_LEN - FIELD_LEN;

/// A P-521 public key in the SE 160-byte coordinates encoding (se-format.md §1.3).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EcPubCoords(pub [u8; COORDS_LEN]);

impl core::fmt::Debug for EcPubCoords {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "EcPubCoords(")?;
        for b in &self.0[PAD..PAD + 8] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

impl EcPubCoords {
    /// Encodes a public key.
    pub fn from_public_key(pk: &PublicKey) -> Self {
        let pt = pk.to_sec1_point(false);
        let mut out = [0u8; COORDS_LEN];
        // An uncompressed, non-identity point always has both coordinates.
        if let (Some(x), Some(y)) = (pt.x(), pt.y()) {
            out[PAD..COORD_LEN].copy_from_slice(x);
            out[COORD_LEN + PAD..].copy_from_slice(y);
        }
        Self(out)
    }

    /// Parses 160 bytes: the padding must be zero and the point must be on the curve
    /// (the UV rejects anything else with rrc 0x0b, se-format.md §6.4).
    pub fn from_slice(b: &[u8]) -> Result<Self> {
        let arr: [u8; COORDS_LEN] =
            b.try_into().map_err(|_| Error::WrongSize { expected: COORDS_LEN, actual: b.len() })?;
        let c = Self(arr);
        c.to_public_key()?;
        Ok(c)
    }

    /// Validates and converts to a `p521` public key.
    pub fn to_public_key(&self) -> Result<PublicKey> {
        let b = &self.0;
        if b[..PAD].iter().any(|&x| x != 0) || b[COORD_LEN..COORD_LEN + PAD].iter().any(|&x| x != 0)
        {
            return Err(Error::InvalidPublicKey);
        }
        let mut sec1 = [0u8; 1 + 2 * FIELD_LEN];
        sec1[0] = 0x04;
        sec1[1..1 + FIELD_LEN].copy_from_slice(&b[PAD..COORD_LEN]);
        sec1[1 + FIELD_LEN..].copy_from_slice(&b[COORD_LEN + PAD..]);
        let pt = p521::Sec1Point::from_bytes(sec1).map_err(|_| Error::InvalidPublicKey)?;
        Option::from(PublicKey::from_sec1_point(&pt)).ok_or(Error::InvalidPublicKey)
    }

    /// The public host key hash of these coordinates.
    pub fn phkh(&self) -> [u8; 32] {
        Sha256::digest(self.0).into()
    }
}

/// The public host key hash: `SHA-256(coordinates(key))` (se-format.md §1.4 step 1).
pub fn phkh(pk: &PublicKey) -> [u8; 32] {
    EcPubCoords::from_public_key(pk).phkh()
}

/// The key-encryption key of a key slot: `SHA-256(Z ‖ 00 00 00 01)` where Z is the
/// 66-byte big-endian X coordinate of `ECDH(sk, pk)`, leading zeros kept (§1.4 steps 2-3).
/// Both sides get the same value: (customer private, host public) or (host private,
/// customer public).
pub fn derive_kek(sk: &SecretKey, pk: &PublicKey) -> Secret<32> {
    let shared = p521::elliptic_curve::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
    let mut h = Sha256::new();
    h.update(shared.raw_secret_bytes());
    h.update([0, 0, 0, 1]);
    Secret::new(h.finalize().into())
}

/// The 66-byte ECDH shared X coordinate (exposed for known-answer tests).
pub fn ecdh_z(sk: &SecretKey, pk: &PublicKey) -> Secret<FIELD_LEN> {
    let shared = p521::elliptic_curve::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
    let mut z = [0u8; FIELD_LEN];
    z.copy_from_slice(shared.raw_secret_bytes());
    Secret::new(z)
}

/// A customer (or host) P-521 private key. The inner `SecretKey` zeroizes on drop.
#[derive(Clone)]
pub struct CustomerKey {
    sk: SecretKey,
}

impl core::fmt::Debug for CustomerKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CustomerKey(pub {:?})", self.public_coords())
    }
}

impl CustomerKey {
    /// Draws a fresh key from `rng`: 66 random bytes with the top 7 bits cleared (a
    /// 521-bit candidate), retried until it is a valid non-zero scalar below the order.
    pub fn generate(rng: &mut impl RandomSource) -> Result<Self> {
        for _ in 0..64 {
            let mut cand = Secret::<FIELD_LEN>::new([0; FIELD_LEN]);
            rng.fill(cand.expose_mut())?;
            cand.expose_mut()[0] &= 0x01;
            if let Ok(k) = Self::from_scalar_bytes(cand.expose()) {
                return Ok(k);
            }
        }
        Err(Error::Random)
    }

    /// From a big-endian scalar of 66 bytes, or 80 bytes left-padded with zeros (the
    /// format of IBM's `private_cust.bin`).
    pub fn from_scalar_bytes(b: &[u8]) -> Result<Self> {
        let b = match b.len() {
            FIELD_LEN => b,
            COORD_LEN if b[..PAD].iter().all(|&x| x == 0) => &b[PAD..],
            _ => return Err(Error::InvalidPrivateKey),
        };
        let sk = SecretKey::from_slice(b).map_err(|_| Error::InvalidPrivateKey)?;
        Ok(Self { sk })
    }

    /// Wraps a `p521` secret key.
    pub fn from_secret_key(sk: SecretKey) -> Self {
        Self { sk }
    }

    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1
    /// (`BEGIN EC PRIVATE KEY`), as OpenSSL writes them.
    #[cfg(feature = "std")]
    pub fn from_pem(pem: &str) -> Result<Self> {
        use p521::pkcs8::DecodePrivateKey;
        if let Ok(sk) = SecretKey::from_pkcs8_pem(pem) {
            return Ok(Self { sk });
        }
        SecretKey::from_sec1_pem(pem).map(|sk| Self { sk }).map_err(|_| Error::InvalidPrivateKey)
    }

    /// Reads a DER private key (PKCS#8 or SEC1).
    #[cfg(feature = "std")]
    pub fn from_der(der: &[u8]) -> Result<Self> {
        use p521::pkcs8::DecodePrivateKey;
        if let Ok(sk) = SecretKey::from_pkcs8_der(der) {
            return Ok(Self { sk });
        }
        SecretKey::from_sec1_der(der).map(|sk| Self { sk }).map_err(|_| Error::InvalidPrivateKey)
    }

    /// Reads PEM or DER, whichever `bytes` is.
    #[cfg(feature = "std")]
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self> {
        match core::str::from_utf8(bytes) {
            Ok(s) if s.contains("-----BEGIN") => Self::from_pem(s),
            _ => Self::from_der(bytes),
        }
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.sk.public_key()
    }

    /// The public key in the SE coordinates encoding.
    pub fn public_coords(&self) -> EcPubCoords {
        EcPubCoords::from_public_key(&self.public_key())
    }

    /// The inner `p521` secret key.
    pub fn secret_key(&self) -> &SecretKey {
        &self.sk
    }

    /// The KEK shared with `peer` (see [`derive_kek`]).
    pub fn kek(&self, peer: &PublicKey) -> Secret<32> {
        derive_kek(&self.sk, peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::CounterRandom;

    #[test]
    fn coords_round_trip_and_validation() {
        let k = CustomerKey::generate(&mut CounterRandom::new(b"t")).unwrap();
        let c = k.public_coords();
        assert_eq!(EcPubCoords::from_slice(&c.0).unwrap(), c);
        assert_eq!(c.to_public_key().unwrap(), k.public_key());
        let mut bad = c;
        bad.0[0] = 1;
        assert_eq!(bad.to_public_key(), Err(Error::InvalidPublicKey));
        let mut off_curve = c;
        off_curve.0[COORDS_LEN - 1] ^= 1;
        assert_eq!(off_curve.to_public_key(), Err(Error::InvalidPublicKey));
        assert!(EcPubCoords::from_slice(&[0u8; 159]).is_err());
        assert_eq!(EcPubCoords::from_slice(&[0u8; 160]), Err(Error::InvalidPublicKey));
    }

    #[test]
    fn kek_is_symmetric() {
        let a = CustomerKey::generate(&mut CounterRandom::new(b"a")).unwrap();
        let b = CustomerKey::generate(&mut CounterRandom::new(b"b")).unwrap();
        assert_eq!(a.kek(&b.public_key()).expose(), b.kek(&a.public_key()).expose());
    }

    #[test]
    fn scalar_parsing() {
        assert!(CustomerKey::from_scalar_bytes(&[0u8; 66]).is_err());
        assert!(CustomerKey::from_scalar_bytes(&[1u8; 65]).is_err());
        let mut padded = [0u8; 80];
        padded[79] = 5;
        assert!(CustomerKey::from_scalar_bytes(&padded).is_ok());
        padded[0] = 1;
        assert!(CustomerKey::from_scalar_bytes(&padded).is_err());
    }
}
