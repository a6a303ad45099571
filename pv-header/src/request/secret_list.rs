//! What the guest gets back from the secret store (se-format.md §4.6; uv-spec.md §1.5,
//! List Secrets and Retrieve Secret).
//!
//! List Secrets writes one 4096-byte page: a 16-byte header `{num_secrets_stored u16,
//! total_num_secrets u16, next_secret_idx u16 (0 = no more), reserved u16, reserved
//! u64}` and up to 85 entries of 48 bytes `{index u16, type u16, secret_len u32,
//! reserved u64, id[32]}`. The `/dev/uv` list ioctl may concatenate several pages' entries
//! behind one merged header, so the decoder accepts any buffer that holds the entries.
//!
//! Retrieve Secret returns `secret_len` bytes: plaintext secrets in their `be16(len) ‖
//! data ‖ padding` encoding, keys as IBM protected keys (wrapped by the machine).

use alloc::vec::Vec;

use super::secret_kind::{SecretId, SecretKind, decode_plaintext};
use super::{array_at, be16, be32};
use crate::secret::SecretVec;
use crate::{Error, Result};

/// Size of a list page.
pub const LIST_PAGE_LEN: usize = 4096;
/// Size of the list header.
pub const LIST_HEADER_LEN: usize = 16;
/// Size of one list entry.
pub const LIST_ENTRY_LEN: usize = 48;
/// Entries that fit one page.
pub const ENTRIES_PER_PAGE: usize = (LIST_PAGE_LEN - LIST_HEADER_LEN) / LIST_ENTRY_LEN;

const _: () = assert!(ENTRIES_PER_PAGE == 85);

/// One secret-list entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretEntry {
    /// The index to pass to Retrieve Secret.
    pub index: u16,
    /// The raw type code (see [`SecretKind`]; kept raw so unknown types still list).
    pub kind: u16,
    /// The secret length.
    pub len: u32,
    /// The id (zero for types without one).
    pub id: SecretId,
}

impl SecretEntry {
    /// The typed secret kind.
    pub fn secret_kind(&self) -> Result<SecretKind> {
        SecretKind::from_code(self.kind)
    }

    fn to_bytes(self) -> [u8; LIST_ENTRY_LEN] {
        let mut b = [0u8; LIST_ENTRY_LEN];
        b[..2].copy_from_slice(&self.index.to_be_bytes());
        b[2..4].copy_from_slice(&self.kind.to_be_bytes());
        b[4..8].copy_from_slice(&self.len.to_be_bytes());
        b[16..].copy_from_slice(&self.id.0);
        b
    }

    fn from_bytes(b: &[u8]) -> Self {
        Self { index: be16(b, 0), kind: be16(b, 2), len: be32(b, 4), id: SecretId(array_at(b, 16)) }
    }
}

/// A List Secrets result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretList {
    /// Number of secrets in the store.
    pub total: u16,
    /// Index to continue listing from (0: no more).
    pub next_index: u16,
    /// The entries in this result.
    pub entries: Vec<SecretEntry>,
}

impl SecretList {
    /// Decodes a list buffer: the header, then `num_secrets_stored` entries.
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        if b.len() < LIST_HEADER_LEN {
            return Err(Error::TooShort { need: LIST_HEADER_LEN, have: b.len() });
        }
        let n = be16(b, 0) as usize;
        let need = LIST_HEADER_LEN + n * LIST_ENTRY_LEN;
        if b.len() < need {
            return Err(Error::TooShort { need, have: b.len() });
        }
        let entries = b[LIST_HEADER_LEN..need]
            .chunks_exact(LIST_ENTRY_LEN)
            .map(SecretEntry::from_bytes)
            .collect();
        Ok(Self { total: be16(b, 2), next_index: be16(b, 4), entries })
    }

    /// Encodes header and entries (16 + 48·n bytes, any n up to 65535).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let n = u16::try_from(self.entries.len())
            .map_err(|_| Error::SecretListSize { count: self.entries.len() })?;
        let mut out = Vec::with_capacity(LIST_HEADER_LEN + self.entries.len() * LIST_ENTRY_LEN);
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(&self.total.to_be_bytes());
        out.extend_from_slice(&self.next_index.to_be_bytes());
        out.extend_from_slice(&[0; 10]);
        for e in &self.entries {
            out.extend_from_slice(&e.to_bytes());
        }
        Ok(out)
    }

    /// Encodes one List Secrets page (at most 85 entries), zero-filled to 4096 bytes.
    pub fn to_page(&self) -> Result<Vec<u8>> {
        if self.entries.len() > ENTRIES_PER_PAGE {
            return Err(Error::SecretListSize { count: self.entries.len() });
        }
        let mut out = self.to_bytes()?;
        out.resize(LIST_PAGE_LEN, 0);
        Ok(out)
    }
}

/// A retrieved secret as `pvsecret retrieve` interprets the Retrieve Secret output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetrievedSecret {
    /// A plaintext secret: decoded data, or the raw bytes if they are not in the
    /// plaintext encoding.
    Plaintext(SecretVec),
    /// A key, returned as an IBM protected key (opaque, machine-wrapped bytes).
    ProtectedKey {
        /// The key type.
        kind: SecretKind,
        /// The protected key.
        key: SecretVec,
    },
}

impl RetrievedSecret {
    /// Interprets `output` (the bytes Retrieve Secret wrote) for a secret of `kind`.
    pub fn from_uv_output(kind: SecretKind, output: &[u8]) -> Self {
        match kind {
            SecretKind::Plaintext => Self::Plaintext(
                decode_plaintext(output).unwrap_or_else(|| SecretVec::new(output.to_vec())),
            ),
            kind => Self::ProtectedKey { kind, key: SecretVec::new(output.to_vec()) },
        }
    }

    /// The bytes (decoded plaintext or the protected key).
    pub fn data(&self) -> &[u8] {
        match self {
            Self::Plaintext(p) => p.expose(),
            Self::ProtectedKey { key, .. } => key.expose(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn list_round_trip() {
        let e = |i: u16| SecretEntry { index: i, kind: 2, len: 32, id: SecretId([i as u8; 32]) };
        let l = SecretList { total: 3, next_index: 0, entries: vec![e(0), e(1), e(2)] };
        let b = l.to_bytes().unwrap();
        assert_eq!(b.len(), 16 + 3 * 48);
        assert_eq!(&b[..6], &[0, 3, 0, 3, 0, 0]);
        assert_eq!(&b[16..24], &[0, 0, 0, 2, 0, 0, 0, 32]);
        assert_eq!(SecretList::from_bytes(&b).unwrap(), l);
        let page = l.to_page().unwrap();
        assert_eq!(page.len(), 4096);
        assert_eq!(SecretList::from_bytes(&page).unwrap(), l);
        assert!(SecretList::from_bytes(&b[..100]).is_err());
        let big = SecretList { entries: vec![e(0); 86], ..l };
        assert_eq!(big.to_page().unwrap_err(), Error::SecretListSize { count: 86 });
        assert_eq!(e(1).secret_kind().unwrap(), SecretKind::Association);
    }

    #[test]
    fn retrieve() {
        let enc = [0, 3, b'a', b'b', b'c', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let r = RetrievedSecret::from_uv_output(SecretKind::Plaintext, &enc);
        assert_eq!(r.data(), b"abc");
        let raw = [0x20u8; 32];
        assert_eq!(RetrievedSecret::from_uv_output(SecretKind::Plaintext, &raw).data(), &raw);
        let k = RetrievedSecret::from_uv_output(SecretKind::Aes128, &[7; 48]);
        assert!(matches!(k, RetrievedSecret::ProtectedKey { kind: SecretKind::Aes128, .. }));
    }
}
