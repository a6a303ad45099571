//! The optional user data of an add-secret request (se-format.md §4.5;
//! crypto-perf-and-oracle.md §6.3): a 512-byte area at 0x218, authenticated but not
//! encrypted, whose type is the last u16 of the magic.
//!
//! | type | data | signature |
//! |---|---|---|
//! | 0 none | – | – |
//! | 1 unsigned | up to 512 bytes | – |
//! | 2 ECDSA-P521 | up to 256 bytes | DER signature (≤ 139) at +0x100, 5 reserved, be16 signature length at +0x190, 110 reserved |
//! | 3 RSA-2048 | up to 256 bytes | 256 bytes at +0x100 |
//! | 4 RSA-3072 | up to 128 bytes | 384 bytes at +0x80 |
//!
//! Data is zero-padded and carries no length. A signature covers `req[0 .. rql − 16]`
//! (everything up to the tag, ciphertext included) with the signature slot (from the
//! signature offset to the end of the area) zeroed, hashed with SHA-512. The request is
//! sealed once, signed, and the tag recomputed. The Ultravisor never checks it; only tools
//! on the guest side do. This crate signs and verifies ECDSA-P521 (feature `std`); RSA-PSS
//! is not implemented ([`Error::UserDataSigningUnsupported`]).

use alloc::vec::Vec;

use crate::ecc::CustomerKey;
use crate::{Error, Result};

/// Size of the user-data area.
pub const USER_DATA_AREA_LEN: usize = 0x200;
/// Largest DER ECDSA-P521 signature.
pub const EC_SIGNATURE_MAX: usize = 139;
const EC_SIG_LEN_OFF: usize = 0x190;

/// The user-data type in the add-secret magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum UserDataType {
    /// No user data; the area is zero.
    None = 0,
    /// Up to 512 bytes, unsigned.
    Unsigned = 1,
    /// Up to 256 bytes, signed with ECDSA-P521/SHA-512.
    EcdsaP521 = 2,
    /// Up to 256 bytes, signed with RSA-2048-PSS/SHA-512.
    Rsa2048 = 3,
    /// Up to 128 bytes, signed with RSA-3072-PSS/SHA-512.
    Rsa3072 = 4,
}

impl UserDataType {
    /// The code.
    pub fn code(self) -> u16 {
        self as u16
    }

    /// Parses a code; unknown codes give [`Error::UserDataType`].
    pub fn from_code(code: u16) -> Result<Self> {
        Ok(match code {
            0 => Self::None,
            1 => Self::Unsigned,
            2 => Self::EcdsaP521,
            3 => Self::Rsa2048,
            4 => Self::Rsa3072,
            _ => return Err(Error::UserDataType { code }),
        })
    }

    /// The largest data size.
    pub fn max_data_len(self) -> usize {
        match self {
            Self::None => 0,
            Self::Unsigned => USER_DATA_AREA_LEN,
            Self::EcdsaP521 | Self::Rsa2048 => 256,
            Self::Rsa3072 => 128,
        }
    }

    /// Where the signature slot starts in the area (signed types only).
    pub fn signature_offset(self) -> Option<usize> {
        match self {
            Self::None | Self::Unsigned => None,
            other => Some(other.max_data_len()),
        }
    }

    /// Splits an area into the data part and, for signed types, the signature.
    pub fn split_area(self, area: &[u8; USER_DATA_AREA_LEN]) -> (&[u8], Option<&[u8]>) {
        match self {
            Self::None => (&[], None),
            Self::Unsigned => (&area[..], None),
            Self::EcdsaP521 => {
                let len = u16::from_be_bytes([area[EC_SIG_LEN_OFF], area[EC_SIG_LEN_OFF + 1]]);
                let len = (len as usize).min(EC_SIGNATURE_MAX);
                (&area[..256], Some(&area[256..256 + len]))
            }
            Self::Rsa2048 | Self::Rsa3072 => {
                let off = self.max_data_len();
                (&area[..off], Some(&area[off..]))
            }
        }
    }
}

/// User data to put into an add-secret request.
#[derive(Debug, Clone, Default)]
pub enum UserData {
    /// None.
    #[default]
    None,
    /// Unsigned data (at most 512 bytes).
    Unsigned(Vec<u8>),
    /// Data (at most 256 bytes) signed with a P-521 key (needs feature `std`).
    EcdsaP521 {
        /// The data.
        data: Vec<u8>,
        /// The signing key.
        key: CustomerKey,
    },
}

impl UserData {
    /// The type code this data gives the magic.
    pub fn data_type(&self) -> UserDataType {
        match self {
            Self::None => UserDataType::None,
            Self::Unsigned(_) => UserDataType::Unsigned,
            Self::EcdsaP521 { .. } => UserDataType::EcdsaP521,
        }
    }

    /// The data.
    pub fn data(&self) -> &[u8] {
        match self {
            Self::None => &[],
            Self::Unsigned(d) | Self::EcdsaP521 { data: d, .. } => d,
        }
    }

    /// The 512-byte area before signing: the data, zero-padded. Checks the size limit.
    pub(crate) fn area(&self) -> Result<[u8; USER_DATA_AREA_LEN]> {
        let d = self.data();
        let max = self.data_type().max_data_len();
        if d.len() > max {
            return Err(Error::UserDataTooLong { len: d.len(), max });
        }
        let mut a = [0u8; USER_DATA_AREA_LEN];
        a[..d.len()].copy_from_slice(d);
        Ok(a)
    }

    /// Signs `msg` (the request up to the tag with a zero signature slot) and writes the
    /// signature into `area`. Does nothing for unsigned types.
    pub(crate) fn sign_into(&self, msg: &[u8], area: &mut [u8]) -> Result<()> {
        match self {
            Self::None | Self::Unsigned(_) => Ok(()),
            Self::EcdsaP521 { key, .. } => {
                let sig = ecdsa_sign(key, msg)?;
                let n = sig.len();
                if n > EC_SIGNATURE_MAX {
                    return Err(Error::UserDataSignature);
                }
                area[256..256 + n].copy_from_slice(&sig);
                // At most 139, checked above.
                area[EC_SIG_LEN_OFF..EC_SIG_LEN_OFF + 2].copy_from_slice(&(n as u16).to_be_bytes());
                Ok(())
            }
        }
    }
}

#[cfg(feature = "std")]
fn ecdsa_sign(key: &CustomerKey, msg: &[u8]) -> Result<Vec<u8>> {
    use p521::ecdsa::signature::Signer;
    let sk = p521::ecdsa::SigningKey::from(key.secret_key());
    let sig: p521::ecdsa::Signature = sk.try_sign(msg).map_err(|_| Error::UserDataSignature)?;
    Ok(sig.to_der().as_bytes().to_vec())
}

#[cfg(not(feature = "std"))]
fn ecdsa_sign(_key: &CustomerKey, _msg: &[u8]) -> Result<Vec<u8>> {
    Err(Error::UserDataSigningUnsupported { code: UserDataType::EcdsaP521.code() })
}

/// Verifies the user-data signature of a sealed add-secret request, as `pvsecret verify`
/// does, and returns the signed data (256 bytes, zero-padded). Only ECDSA-P521 requests
/// are supported; RSA types give [`Error::UserDataSigningUnsupported`], unsigned types
/// [`Error::UserDataSignature`]. The request's GCM tag is not checked (no key needed).
#[cfg(feature = "std")]
pub fn verify_signed_user_data(request: &[u8], key: &p521::PublicKey) -> Result<Vec<u8>> {
    use super::asrcb::USER_DATA_OFFSET;
    use super::envelope::{Envelope, TAG_LEN};
    use p521::ecdsa::signature::Verifier;

    let env = Envelope::parse(request, super::RequestKind::AddSecret)?;
    let ty = UserDataType::from_code(super::be16(request, 6))?;
    match ty {
        UserDataType::EcdsaP521 => {}
        UserDataType::Rsa2048 | UserDataType::Rsa3072 => {
            return Err(Error::UserDataSigningUnsupported { code: ty.code() });
        }
        UserDataType::None | UserDataType::Unsigned => return Err(Error::UserDataSignature),
    }
    let mut msg = env.bytes()[..env.rql() - TAG_LEN].to_vec();
    let area: [u8; USER_DATA_AREA_LEN] = super::array_at(&msg, USER_DATA_OFFSET);
    let (data, sig) = ty.split_area(&area);
    let sig = p521::ecdsa::Signature::from_der(sig.unwrap_or_default())
        .map_err(|_| Error::UserDataSignature)?;
    msg[USER_DATA_OFFSET + 256..USER_DATA_OFFSET + USER_DATA_AREA_LEN].fill(0);
    p521::ecdsa::VerifyingKey::from(key)
        .verify(&msg, &sig)
        .map_err(|_| Error::UserDataSignature)?;
    Ok(data.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        for c in 0..5 {
            assert_eq!(UserDataType::from_code(c).unwrap().code(), c);
        }
        assert_eq!(UserDataType::from_code(5), Err(Error::UserDataType { code: 5 }));
        assert_eq!(UserDataType::Rsa3072.signature_offset(), Some(128));
        let mut area = [0u8; USER_DATA_AREA_LEN];
        area[EC_SIG_LEN_OFF + 1] = 3;
        area[256..259].copy_from_slice(&[1, 2, 3]);
        let (d, s) = UserDataType::EcdsaP521.split_area(&area);
        assert_eq!((d.len(), s), (256, Some(&[1u8, 2, 3][..])));
        assert_eq!(UserDataType::Rsa2048.split_area(&area).1.map(<[u8]>::len), Some(256));
    }

    #[test]
    fn area_limits() {
        assert!(UserData::Unsigned(alloc::vec![1; 512]).area().is_ok());
        assert_eq!(
            UserData::Unsigned(alloc::vec![1; 513]).area().unwrap_err(),
            Error::UserDataTooLong { len: 513, max: 512 }
        );
    }
}
