//! AES-256-GCM in detached mode (12-byte nonce, 16-byte tag), as used for the SE header
//! (se-format.md §1.6), key slots (§1.4) and UV requests (§4.1).

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

/// Encrypts `buf` in place with `aad`; returns the tag.
pub fn seal(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> [u8; 16] {
    let cipher = Aes256Gcm::new(key.into());
    let tag = cipher
        .encrypt_inout_detached(&Nonce::from(*nonce), aad, buf.into())
        // Only fails for messages longer than GCM's 64 GiB limit, which no caller makes.
        .unwrap_or_default();
    tag.into()
}

/// Decrypts `buf` in place after checking `tag`. On failure `buf` is left unchanged
/// and the error carries no detail (opaque, like `aead::Error`).
pub fn open(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; 16],
) -> Result<(), aes_gcm::Error> {
    let cipher = Aes256Gcm::new(key.into());
    cipher.decrypt_inout_detached(&Nonce::from(*nonce), aad, buf.into(), &Tag::from(*tag))
}

/// An AES-256-GCM key with its expanded key schedule and GHASH key, for callers that use
/// one key many times (the ultravisor's export key, uv-spec.md §3.5): the schedule is
/// computed once. The key material is zeroized on drop (aes-gcm's `zeroize` feature).
#[derive(Clone)]
pub struct GcmKey(Aes256Gcm);

impl core::fmt::Debug for GcmKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("GcmKey(<redacted>)")
    }
}

impl GcmKey {
    /// Expands `key`.
    pub fn new(key: &[u8; 32]) -> Self {
        Self(Aes256Gcm::new(key.into()))
    }

    /// [`seal`] with this key.
    pub fn seal(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> [u8; 16] {
        self.0
            .encrypt_inout_detached(&Nonce::from(*nonce), aad, buf.into())
            // Only fails for messages longer than GCM's 64 GiB limit.
            .unwrap_or_default()
            .into()
    }

    /// [`open`] with this key.
    pub fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<(), aes_gcm::Error> {
        self.0.decrypt_inout_detached(&Nonce::from(*nonce), aad, buf.into(), &Tag::from(*tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = [7u8; 32];
        let nonce = [1u8; 12];
        let mut buf = *b"hello world, sixteen+";
        let tag = seal(&key, &nonce, b"aad", &mut buf);
        assert_ne!(&buf, b"hello world, sixteen+");
        let mut bad = buf;
        bad[0] ^= 1;
        assert!(open(&key, &nonce, b"aad", &mut bad, &tag).is_err());
        assert!(open(&key, &nonce, b"aaD", &mut buf.clone(), &tag).is_err());
        open(&key, &nonce, b"aad", &mut buf, &tag).unwrap();
        assert_eq!(&buf, b"hello world, sixteen+");
    }

    #[test]
    fn keyed_equals_one_shot() {
        let (key, nonce) = ([9u8; 32], [3u8; 12]);
        let k = GcmKey::new(&key);
        let mut a = [0x5au8; 100];
        let mut b = a;
        let ta = k.seal(&nonce, b"x", &mut a);
        assert_eq!((ta, a), (seal(&key, &nonce, b"x", &mut b), b));
        assert!(k.open(&nonce, b"y", &mut a.clone(), &ta).is_err());
        k.open(&nonce, b"x", &mut a, &ta).unwrap();
        assert_eq!(a, [0x5a; 100]);
        assert_eq!(alloc::format!("{k:?}"), "GcmKey(<redacted>)");
    }
}
