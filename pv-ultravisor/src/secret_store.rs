//! A configuration's secret store (uv-spec.md §1.6 Add Secret, List Secrets, Lock Secret
//! Store, Retrieve Secret; se-format.md §4.5, §4.6).
//!
//! Secrets get indices 0, 1, 2, … in the order they were added. List Secrets returns up
//! to 85 entries from a start index and the index to continue from (0: no more).
//! Retrieve Secret returns plaintext secrets in their stored (encoded) form and keys as
//! *protected keys*: the key encrypted with the machine's wrapping key, followed by a
//! 32-byte wrapping-key verification pattern (`SHA-256("pvsim-wkvp" ‖ wrapping key)`).
//! The real protected-key format is unpublished; this one is pvsim's *\[inferred\]*.

use alloc::vec::Vec;

use pv_header::request::secret_list::ENTRIES_PER_PAGE;
use pv_header::request::{SecretEntry, SecretId, SecretKind, SecretList};
use pv_header::secret::{Secret, SecretVec};
use sha2::{Digest, Sha256, Sha512};

/// One stored secret.
#[derive(Debug, Clone)]
pub struct StoredSecret {
    /// Its index.
    pub index: u16,
    /// Its type.
    pub kind: SecretKind,
    /// Its id.
    pub id: SecretId,
    /// Its value (as the request carried it; plaintext encoded).
    pub value: SecretVec,
}

/// The store.
#[derive(Debug, Clone, Default)]
pub struct SecretStore {
    entries: Vec<StoredSecret>,
    next_index: u16,
    /// Lock Secret Store succeeded: no more Add Secret or Lock.
    pub locked: bool,
}

/// Size of the wrapping-key verification pattern appended to protected keys.
pub const WKVP_LEN: usize = 32;

impl SecretStore {
    /// Number of stored secrets.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of stored secrets that are (or are not) retrievable.
    pub fn count(&self, retrievable: bool) -> usize {
        self.entries.iter().filter(|e| e.kind.is_retrievable() == retrievable).count()
    }

    /// Whether a secret with this id is stored.
    pub fn contains(&self, id: &SecretId) -> bool {
        self.entries.iter().any(|e| &e.id == id)
    }

    /// Stores a secret; `None` if the index space is exhausted.
    pub fn add(&mut self, kind: SecretKind, id: SecretId, value: SecretVec) -> Option<u16> {
        let index = self.next_index;
        self.next_index = self.next_index.checked_add(1)?;
        self.entries.push(StoredSecret { index, kind, id, value });
        Some(index)
    }

    /// The secret with `index`.
    pub fn get(&self, index: u16) -> Option<&StoredSecret> {
        self.entries.iter().find(|e| e.index == index)
    }

    /// One List Secrets page from `start`: the entries and whether more follow.
    pub fn list(&self, start: u16) -> (SecretList, bool) {
        let mut it = self.entries.iter().filter(|e| e.index >= start);
        let entries: Vec<SecretEntry> = it
            .by_ref()
            .take(ENTRIES_PER_PAGE)
            .map(|e| SecretEntry {
                index: e.index,
                kind: e.kind.code(),
                len: e.value.expose().len() as u32,
                id: e.id,
            })
            .collect();
        let next = it.next().map(|e| e.index);
        let total = u16::try_from(self.entries.len()).unwrap_or(u16::MAX);
        (SecretList { total, next_index: next.unwrap_or(0), entries }, next.is_some())
    }

    /// A hash over the store's entries (index, type, length, id), for the attestation
    /// "secret-store hash" *\[inferred\]*.
    pub fn digest(&self) -> [u8; 64] {
        let mut h = Sha512::new();
        for e in &self.entries {
            h.update(e.index.to_be_bytes());
            h.update(e.kind.code().to_be_bytes());
            h.update((e.value.expose().len() as u32).to_be_bytes());
            h.update(e.id.0);
        }
        h.finalize().into()
    }
}

/// What Retrieve Secret writes for `s`: plaintext as stored; keys as a protected key
/// `E(key) ‖ WKVP` (see the module documentation).
pub fn retrieve_output(s: &StoredSecret, wrapping_key: &Secret<32>) -> SecretVec {
    let v = s.value.expose();
    if s.kind == SecretKind::Plaintext {
        return SecretVec::new(v.to_vec());
    }
    let mut out = SecretVec::new(Vec::with_capacity(v.len() + WKVP_LEN));
    for (i, chunk) in v.chunks(64).enumerate() {
        let mut ks = Sha512::new();
        ks.update(b"pvsim-protected-key");
        ks.update(wrapping_key.expose());
        ks.update(s.id.0);
        ks.update((i as u32).to_be_bytes());
        let pad = ks.finalize();
        out.expose_mut().extend(chunk.iter().zip(pad.iter()).map(|(a, b)| a ^ b));
    }
    let mut w = Sha256::new();
    w.update(b"pvsim-wkvp");
    w.update(wrapping_key.expose());
    out.expose_mut().extend_from_slice(&w.finalize());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(i: u8) -> SecretId {
        SecretId([i; 32])
    }

    #[test]
    fn list_pages_and_continuation() {
        let mut s = SecretStore::default();
        for i in 0..90u8 {
            s.add(SecretKind::Association, id(i), SecretVec::new(alloc::vec![i; 32])).unwrap();
        }
        let (l, more) = s.list(0);
        assert!(more);
        assert_eq!((l.entries.len(), l.total, l.next_index), (85, 90, 85));
        let (l, more) = s.list(l.next_index);
        assert!(!more);
        assert_eq!((l.entries.len(), l.next_index), (5, 0));
        assert_eq!(l.entries[0].index, 85);
        assert!(s.contains(&id(3)) && !s.contains(&id(200)));
        assert_eq!(s.count(false), 90);
    }

    #[test]
    fn protected_keys_hide_the_key() {
        let mut st = SecretStore::default();
        let i = st.add(SecretKind::Aes256, id(1), SecretVec::new(alloc::vec![0x11; 32])).unwrap();
        let k = Secret::new([9; 32]);
        let out = retrieve_output(st.get(i).unwrap(), &k);
        assert_eq!(out.expose().len(), 64);
        assert_ne!(&out.expose()[..32], &[0x11; 32][..]);
        let other = retrieve_output(st.get(i).unwrap(), &Secret::new([8; 32]));
        assert_ne!(out.expose(), other.expose());
        let p =
            st.add(SecretKind::Plaintext, id(2), SecretVec::new(alloc::vec![0, 1, 7, 0])).unwrap();
        assert_eq!(retrieve_output(st.get(p).unwrap(), &k).expose(), &[0, 1, 7, 0]);
        assert_ne!(st.digest(), SecretStore::default().digest());
    }
}
