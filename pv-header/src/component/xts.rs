//! AES-256-XTS over whole 4 KiB pages, with the tweaks of a page computed up front
//! (se-format.md §2.2 step 3, crypto-perf-and-oracle.md §3 "Batched XTS").
//!
//! One page is one XTS data unit of 256 blocks, so ciphertext stealing never occurs. For a
//! page with initial tweak `i` (the 16 raw big-endian bytes of [`Tweak`], used as-is, like
//! OpenSSL's XTS "IV"): `T0 = AES-Enc(key2, i)`, `T(j+1) = T(j)·α` in GF(2¹²⁸) with the
//! little-endian convention of IEEE 1619 (shift left by one over the 16 bytes read as a
//! little-endian integer, reduction constant 0x87), and block `j` is
//! `C(j) = AES-Enc(key1, P(j) ⊕ T(j)) ⊕ T(j)`. All 256 `T(j)` are XORed into the page, one
//! `encrypt_blocks` call of the `aes` crate runs over the 256 blocks (so its VAES/AES-NI
//! kernels see a long batch), and the tweaks are XORed again.

use aes::Aes256;
use aes::cipher::consts::{U32, U64};
use aes::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

use super::tweak::Tweak;
use super::{PAGE_SIZE, Page};
use crate::secret::Secret;
use crate::{Error, Result};

/// The number of 16-byte AES blocks in one page (one XTS data unit).
pub const BLOCKS_PER_PAGE: usize = PAGE_SIZE / 16;

/// The 64-byte AES-256-XTS component key ("image key"): `key1` (data, bytes 0..32) ‖
/// `key2` (tweak, bytes 32..64) (se-format.md §2.2). Zeroized on drop, redacted `Debug`.
///
/// Keys whose two halves are equal are refused, as OpenSSL 3 does ("xts duplicated
/// keys", se-format.md §2.2 step 6).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct XtsKey(Secret<64>);

impl XtsKey {
    /// The size of the key in bytes.
    pub const SIZE: usize = 64;

    /// Wraps a key; [`Error::XtsDuplicatedKeys`] if `key1 == key2`.
    pub fn new(key: Secret<64>) -> Result<Self> {
        let (k1, k2) = key.expose().split_at(32);
        // Branch-free comparison: the result is public, the bytes are not.
        let diff = k1.iter().zip(k2).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 {
            return Err(Error::XtsDuplicatedKeys);
        }
        Ok(Self(key))
    }

    /// Copies a key from a slice of exactly 64 bytes ([`Error::WrongSize`] otherwise).
    pub fn from_slice(key: &[u8]) -> Result<Self> {
        Self::new(Secret::from_slice(key)?)
    }

    /// The key bytes. Callers must not log them.
    pub fn expose(&self) -> &[u8; 64] {
        self.0.expose()
    }
}

/// An AES-256-XTS page cipher: the two expanded AES-256 keys (zeroized on drop by the `aes`
/// crate's `zeroize` feature). Build it once per image and share it between threads.
#[derive(Clone)]
pub struct Xts {
    data: Aes256,
    tweak: Aes256,
}

impl core::fmt::Debug for Xts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Xts(<redacted>)")
    }
}

impl Xts {
    /// Expands both halves of `key`.
    pub fn new(key: &XtsKey) -> Self {
        let whole = Array::<u8, U64>::cast_from_core(key.expose());
        let (k1, k2) = whole.split_ref::<U32>();
        Self { data: Aes256::new(k1), tweak: Aes256::new(k2) }
    }

    /// Encrypts one page in place with the initial tweak `tweak`.
    pub fn encrypt_page(&self, page: &mut Page, tweak: Tweak) {
        let tweaks = self.page_tweaks(tweak);
        xor_tweaks(page, &tweaks);
        let (blocks, _) = Array::slice_as_chunks_mut(page.as_mut_slice());
        self.data.encrypt_blocks(blocks);
        xor_tweaks(page, &tweaks);
    }

    /// Decrypts one page in place with the initial tweak `tweak`.
    pub fn decrypt_page(&self, page: &mut Page, tweak: Tweak) {
        let tweaks = self.page_tweaks(tweak);
        xor_tweaks(page, &tweaks);
        let (blocks, _) = Array::slice_as_chunks_mut(page.as_mut_slice());
        self.data.decrypt_blocks(blocks);
        xor_tweaks(page, &tweaks);
    }

    /// `T(0..256)` of one page as little-endian integers.
    fn page_tweaks(&self, tweak: Tweak) -> [u128; BLOCKS_PER_PAGE] {
        let mut t0 = Array::from(tweak.to_be_bytes());
        self.tweak.encrypt_block(&mut t0);
        let mut t = u128::from_le_bytes(t0.into());
        let mut out = [0u128; BLOCKS_PER_PAGE];
        for slot in out.iter_mut() {
            *slot = t;
            t = gf_double(t);
        }
        out
    }
}

/// Multiplication by α in GF(2¹²⁸), IEEE 1619 little-endian convention.
#[inline(always)]
const fn gf_double(t: u128) -> u128 {
    // All-ones if the top bit is set, else zero: branch-free reduction.
    let carry = 0u128.wrapping_sub(t >> 127);
    (t << 1) ^ (carry & 0x87)
}

/// XORs `T(j)` into block `j` of the page.
#[inline(always)]
fn xor_tweaks(page: &mut Page, tweaks: &[u128; BLOCKS_PER_PAGE]) {
    for (block, t) in page.chunks_exact_mut(16).zip(tweaks) {
        let mut b = [0u8; 16];
        b.copy_from_slice(block);
        let v = u128::from_le_bytes(b) ^ t;
        block.copy_from_slice(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xts_mode::Xts128;

    fn key(seed: u8) -> XtsKey {
        let mut k = [0u8; 64];
        for (i, b) in k.iter_mut().enumerate() {
            *b = seed.wrapping_mul(31).wrapping_add(i as u8);
        }
        XtsKey::new(Secret::new(k)).unwrap()
    }

    fn oracle(k: &XtsKey) -> Xts128<Aes256> {
        let arr: Array<u8, U64> = Array(*k.expose());
        let (k1, k2) = arr.split::<U32>();
        Xts128::new(Aes256::new(&k1), Aes256::new(&k2))
    }

    #[test]
    fn doubling_matches_ieee1619_examples() {
        assert_eq!(gf_double(1), 2);
        assert_eq!(gf_double(1u128 << 127), 0x87);
        assert_eq!(gf_double((1u128 << 127) | 1), 0x85);
    }

    #[test]
    fn matches_xts_mode_and_inverts() {
        let k = key(7);
        let x = Xts::new(&k);
        let o = oracle(&k);
        let mut page = [0u8; PAGE_SIZE];
        for (i, b) in page.iter_mut().enumerate() {
            *b = (i * 13 % 251) as u8;
        }
        let plain = page;
        let tweak = Tweak::from_be_bytes([0xab; 16]);
        let mut expect = page;
        o.encrypt_sector(&mut expect, tweak.to_be_bytes().into());
        x.encrypt_page(&mut page, tweak);
        assert_eq!(page, expect);
        x.decrypt_page(&mut page, tweak);
        assert_eq!(page, plain);
    }

    #[test]
    fn duplicated_halves_are_refused() {
        assert_eq!(XtsKey::new(Secret::new([5; 64])), Err(Error::XtsDuplicatedKeys));
        assert!(matches!(XtsKey::from_slice(&[1; 63]), Err(Error::WrongSize { .. })));
        let s = alloc::format!("{:?} {:?}", key(1), Xts::new(&key(1)));
        assert!(s.contains("redacted"));
    }
}
