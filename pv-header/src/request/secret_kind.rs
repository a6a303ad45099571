//! Secret types, secret ids and the secrets an add-secret request carries (se-format.md
//! §4.5, table "Secret types"; uv-spec.md §1.5).
//!
//! The secret header in the request is `{reserved u16, type u16, secret_len u32, reserved
//! u64}` (16 bytes), followed for listable secrets by `id[32]`. The meta ("null") secret
//! has the 16 bytes only; update-CCK has 32 zero bytes in place of the id.

use alloc::vec::Vec;
use sha2::{Digest, Sha256};

use crate::secret::{Secret, SecretVec};
use crate::{Error, Result};

/// Size of a secret id.
pub const SECRET_ID_LEN: usize = 32;
/// Largest plaintext secret payload (8190 bytes: 8 KiB minus the length field).
pub const PLAINTEXT_MAX: usize = 8190;
/// Size of a short secret header (meta secret).
pub const SHORT_HEADER_LEN: usize = 16;
/// Size of a secret header with an id (or update-CCK's reserved id).
pub const LONG_HEADER_LEN: usize = 48;

/// A secret type code (§4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum SecretKind {
    /// The meta ("null") secret: no value, only the request's side effects (flags).
    Null = 0x0001,
    /// Association secret (32 bytes), e.g. for an AP extension card.
    Association = 0x0002,
    /// Plaintext secret, encoded as `be16(len) ‖ data`, zero-padded to a multiple of 16.
    Plaintext = 0x0003,
    /// AES-128 key (16 bytes).
    Aes128 = 0x0004,
    /// AES-192 key (24 bytes).
    Aes192 = 0x0005,
    /// AES-256 key (32 bytes).
    Aes256 = 0x0006,
    /// AES-XTS-128 key (32 bytes).
    AesXts128 = 0x0007,
    /// AES-XTS-256 key (64 bytes).
    AesXts256 = 0x0008,
    /// HMAC-SHA256 key (64 bytes).
    HmacSha256 = 0x0009,
    /// HMAC-SHA512 key (128 bytes).
    HmacSha512 = 0x000a,
    /// EC P-256 private key (scalar, 32 bytes).
    EcP256 = 0x0011,
    /// EC P-384 private key (scalar, 48 bytes).
    EcP384 = 0x0012,
    /// EC P-521 private key (scalar left-padded to 80 bytes).
    EcP521 = 0x0013,
    /// Ed25519 private key (32 bytes).
    Ed25519 = 0x0014,
    /// Ed448 private key (left-padded to 64 bytes).
    Ed448 = 0x0015,
    /// A new customer communication key (32 bytes).
    UpdateCck = 0x0016,
}

impl SecretKind {
    /// Every type, in code order.
    pub const ALL: [Self; 16] = [
        Self::Null,
        Self::Association,
        Self::Plaintext,
        Self::Aes128,
        Self::Aes192,
        Self::Aes256,
        Self::AesXts128,
        Self::AesXts256,
        Self::HmacSha256,
        Self::HmacSha512,
        Self::EcP256,
        Self::EcP384,
        Self::EcP521,
        Self::Ed25519,
        Self::Ed448,
        Self::UpdateCck,
    ];

    /// The type code.
    pub fn code(self) -> u16 {
        self as u16
    }

    /// Parses a type code; unknown codes give [`Error::SecretType`].
    pub fn from_code(kind: u16) -> Result<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == kind).ok_or(Error::SecretType { kind })
    }

    /// Whether the guest can retrieve it (types 0x0003 and up, except update-CCK).
    pub fn is_retrievable(self) -> bool {
        self.code() >= 0x0003 && self != Self::UpdateCck
    }

    /// Whether the secret has an id (and so shows up in the secret list by id).
    pub fn has_id(self) -> bool {
        !matches!(self, Self::Null | Self::UpdateCck)
    }

    /// The size of its secret header in the request.
    pub fn header_len(self) -> usize {
        if self == Self::Null { SHORT_HEADER_LEN } else { LONG_HEADER_LEN }
    }

    /// The required value size, for types with one fixed size.
    pub fn fixed_len(self) -> Option<usize> {
        Some(match self {
            Self::Null => 0,
            Self::Association | Self::Aes256 | Self::AesXts128 | Self::UpdateCck => 32,
            Self::Plaintext => return None,
            Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::AesXts256 | Self::HmacSha256 | Self::Ed448 => 64,
            Self::HmacSha512 => 128,
            Self::EcP256 | Self::Ed25519 => 32,
            Self::EcP384 => 48,
            Self::EcP521 => 80,
        })
    }

    /// Checks a value size: the fixed size, or for plaintext a multiple of 16 from 16 to
    /// 8192 (the encoded form of 0..=8190 data bytes).
    pub fn check_len(self, len: usize) -> Result<()> {
        let ok = match self.fixed_len() {
            Some(n) => len == n,
            None => {
                len != 0 && len.is_multiple_of(16) && len <= plaintext_encoded_len(PLAINTEXT_MAX)
            }
        };
        if ok { Ok(()) } else { Err(Error::SecretLength { kind: self.code(), len }) }
    }
}

fn plaintext_encoded_len(n: usize) -> usize {
    (2 + n).div_ceil(16) * 16
}

/// Encodes plaintext secret data: `be16(len) ‖ data`, zero-padded to a multiple of 16.
pub fn encode_plaintext(data: &[u8]) -> Result<SecretVec> {
    if data.len() > PLAINTEXT_MAX {
        return Err(Error::SecretLength { kind: SecretKind::Plaintext.code(), len: data.len() });
    }
    let mut v = SecretVec::new(Vec::with_capacity(plaintext_encoded_len(data.len())));
    // Checked above: at most 8190.
    v.expose_mut().extend_from_slice(&(data.len() as u16).to_be_bytes());
    v.expose_mut().extend_from_slice(data);
    v.expose_mut().resize(plaintext_encoded_len(data.len()), 0);
    Ok(v)
}

/// Decodes the plaintext encoding. `None` unless the length field is at most 8190, the
/// padding is shorter than 16 bytes and all zero. (`pvsecret retrieve` applies the same
/// rule before it falls back to the raw bytes, except that its check `padding < 15`
/// also rejects the 15-byte padding of a 15-byte secret; we accept it.)
pub fn decode_plaintext(encoded: &[u8]) -> Option<SecretVec> {
    if encoded.len() < 2 {
        return None;
    }
    let len = u16::from_be_bytes([encoded[0], encoded[1]]) as usize;
    let end = 2 + len;
    if len > PLAINTEXT_MAX || end > encoded.len() || encoded.len() - end >= 16 {
        return None;
    }
    if encoded[end..].iter().any(|&b| b != 0) {
        return None;
    }
    Some(SecretVec::new(encoded[2..end].to_vec()))
}

/// A secret id: `SHA-256(name)`, or with `--use-name` the name itself (§4.5).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SecretId(pub [u8; SECRET_ID_LEN]);

impl SecretId {
    /// `SHA-256(name)`, the default id of a named secret.
    pub fn from_name(name: &str) -> Self {
        Self(Sha256::digest(name.as_bytes()).into())
    }

    /// The `--use-name` form: the first (at most) 31 bytes of the name, zero-padded to 32
    /// bytes (so the id is always NUL-terminated).
    pub fn from_name_verbatim(name: &str) -> Self {
        let mut id = [0u8; SECRET_ID_LEN];
        let n = name.len().min(SECRET_ID_LEN - 1);
        id[..n].copy_from_slice(&name.as_bytes()[..n]);
        Self(id)
    }
}

impl core::fmt::Debug for SecretId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SecretId(")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// A secret as an add-secret request carries it: type, id (for listable types) and the
/// value (zeroized on drop, redacted in `Debug`). Constructors enforce the size rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestSecret {
    kind: SecretKind,
    id: Option<SecretId>,
    value: SecretVec,
}

impl GuestSecret {
    /// The meta secret.
    pub fn null() -> Self {
        Self { kind: SecretKind::Null, id: None, value: SecretVec::default() }
    }

    /// An association secret.
    pub fn association(id: SecretId, value: &Secret<32>) -> Self {
        let value = SecretVec::new(value.expose().to_vec());
        Self { kind: SecretKind::Association, id: Some(id), value }
    }

    /// A plaintext secret of at most 8190 bytes (stored encoded).
    pub fn plaintext(id: SecretId, data: &[u8]) -> Result<Self> {
        Ok(Self { kind: SecretKind::Plaintext, id: Some(id), value: encode_plaintext(data)? })
    }

    /// A retrievable key (AES, AES-XTS, HMAC, EC). EC scalars shorter than the type's
    /// size are left-padded with zeros; every other size must match exactly.
    pub fn key(kind: SecretKind, id: SecretId, key: &[u8]) -> Result<Self> {
        let is_key = kind.is_retrievable() && kind != SecretKind::Plaintext;
        let want = kind.fixed_len().unwrap_or(0);
        if !is_key {
            return Err(Error::SecretType { kind: kind.code() });
        }
        let is_ec = kind.code() >= SecretKind::EcP256.code();
        let mut v = Vec::with_capacity(want);
        if is_ec && key.len() < want {
            v.resize(want - key.len(), 0);
        }
        v.extend_from_slice(key);
        let value = SecretVec::new(v);
        kind.check_len(value.expose().len())
            .map_err(|_| Error::SecretLength { kind: kind.code(), len: key.len() })?;
        Ok(Self { kind, id: Some(id), value })
    }

    /// An update of the customer communication key.
    pub fn update_cck(cck: &Secret<32>) -> Self {
        let value = SecretVec::new(cck.expose().to_vec());
        Self { kind: SecretKind::UpdateCck, id: None, value }
    }

    /// Any secret from its parts, with the size rules checked (what an opener uses). The
    /// id must be given exactly for types that have one.
    pub fn from_parts(kind: SecretKind, id: Option<SecretId>, value: SecretVec) -> Result<Self> {
        if kind.has_id() != id.is_some() {
            return Err(Error::SecretType { kind: kind.code() });
        }
        kind.check_len(value.expose().len())?;
        Ok(Self { kind, id, value })
    }

    /// The type.
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// The id (none for the meta secret and update-CCK).
    pub fn id(&self) -> Option<&SecretId> {
        self.id.as_ref()
    }

    /// The value as the request carries it (plaintext: encoded).
    pub fn value(&self) -> &SecretVec {
        &self.value
    }

    /// For plaintext secrets: the decoded data.
    pub fn plaintext_data(&self) -> Option<SecretVec> {
        (self.kind == SecretKind::Plaintext).then(|| decode_plaintext(self.value.expose()))?
    }

    /// The secret header as the request carries it (16 or 48 bytes).
    pub fn header_bytes(&self) -> Vec<u8> {
        let mut h = Vec::with_capacity(self.kind.header_len());
        h.extend_from_slice(&[0, 0]);
        h.extend_from_slice(&self.kind.code().to_be_bytes());
        // Every size rule keeps values far below 4 GiB.
        h.extend_from_slice(&(self.value.expose().len() as u32).to_be_bytes());
        h.extend_from_slice(&[0; 8]);
        if self.kind.header_len() == LONG_HEADER_LEN {
            h.extend_from_slice(&self.id.unwrap_or_default().0);
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in SecretKind::ALL {
            assert_eq!(SecretKind::from_code(k.code()).unwrap(), k);
        }
        assert_eq!(SecretKind::from_code(0x0b), Err(Error::SecretType { kind: 0x0b }));
        assert!(SecretKind::Plaintext.is_retrievable());
        assert!(!SecretKind::Association.is_retrievable());
        assert!(!SecretKind::UpdateCck.is_retrievable());
    }

    #[test]
    fn ids() {
        // pvsecret's id for "pvimg-vector-assoc" (vectors pvimg/asrcb/values.json).
        let id = SecretId::from_name("pvimg-vector-assoc");
        assert_eq!(id.0[..4], [0x63, 0xcb, 0x69, 0x92]);
        let v = SecretId::from_name_verbatim("a-name-that-is-much-longer-than-32-bytes");
        assert_eq!(&v.0[..31], b"a-name-that-is-much-longer-than");
        assert_eq!(v.0[31], 0);
        assert_eq!(&SecretId::from_name_verbatim("ab").0[..3], b"ab\0");
    }

    #[test]
    fn plaintext_encoding() {
        let e = encode_plaintext(b"0123456789").unwrap();
        assert_eq!(e.expose().len(), 16);
        assert_eq!(&e.expose()[..2], &[0, 10]);
        assert_eq!(decode_plaintext(e.expose()).unwrap().expose(), b"0123456789");
        let e = encode_plaintext(b"01234567890123").unwrap();
        assert_eq!(e.expose().len(), 16);
        assert_eq!(encode_plaintext(&[1; 14 + 1]).unwrap().expose().len(), 32);
        assert_eq!(encode_plaintext(&[]).unwrap().expose(), &[0; 16]);
        assert_eq!(encode_plaintext(&[1; PLAINTEXT_MAX]).unwrap().expose().len(), 8192);
        assert!(encode_plaintext(&[1; PLAINTEXT_MAX + 1]).is_err());
        // Not the encoding: too much padding, non-zero padding, too long.
        let mut bad = alloc::vec![0u8; 32];
        bad[1] = 10;
        assert!(decode_plaintext(&bad).is_none());
        assert!(decode_plaintext(&[0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 0, 0, 0]).is_none());
        assert!(decode_plaintext(&[0, 20, 1, 2]).is_none());
    }

    #[test]
    fn size_rules() {
        let id = SecretId::from_name("k");
        assert!(GuestSecret::key(SecretKind::Aes128, id, &[1; 16]).is_ok());
        assert_eq!(
            GuestSecret::key(SecretKind::Aes192, id, &[1; 16]).unwrap_err(),
            Error::SecretLength { kind: 5, len: 16 }
        );
        assert!(GuestSecret::key(SecretKind::HmacSha512, id, &[1; 128]).is_ok());
        let ec = GuestSecret::key(SecretKind::EcP521, id, &[1; 66]).unwrap();
        assert_eq!(ec.value().expose().len(), 80);
        assert_eq!(&ec.value().expose()[..14], &[0; 14]);
        assert!(GuestSecret::key(SecretKind::EcP256, id, &[1; 33]).is_err());
        assert!(GuestSecret::key(SecretKind::Association, id, &[1; 32]).is_err());
        let n = GuestSecret::null();
        assert_eq!(n.header_bytes(), [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let c = GuestSecret::update_cck(&Secret::new([3; 32]));
        let h = c.header_bytes();
        assert_eq!((h.len(), &h[..8]), (48, &[0, 0, 0, 0x16, 0, 0, 0, 32][..]));
        assert_eq!(&h[16..], &[0; 32]);
        assert!(GuestSecret::from_parts(SecretKind::Null, Some(id), SecretVec::default()).is_err());
        assert!(SecretKind::Plaintext.check_len(8208).is_err());
        assert!(SecretKind::Plaintext.check_len(0).is_err());
    }
}
