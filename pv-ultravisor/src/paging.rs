//! Export and import of secure pages (uv-spec.md §3.5, §4; the mechanism is unpublished,
//! §11.15 — this one is pvsim's).
//!
//! Export encrypts the page in place with AES-256-GCM under the configuration's export
//! key (drawn on first use), nonce `be64(counter) ‖ 0^4` with a counter that never
//! repeats for the key, and AAD `"pvsim-export" ‖ CUID ‖ be64(guest address) ‖
//! be64(counter)`. The ultravisor keeps the tag and the counter per guest page. Import
//! checks the tag with the recorded counter and the page's own guest address, so a page
//! the host **modified**, **moved** to another guest address, or **replayed** from an
//! older export fails (rc 0x0107, *\[inferred\]*). Import of a page that has no record
//! (never exported) gives a zero page (uv-spec.md §11.16).

use alloc::collections::BTreeMap;

use pv_header::gcm::GcmKey;
use pv_header::secret::Secret;

use crate::entropy::{Draw, UvEntropy};
use crate::storage::Page;

const AAD_LABEL: &[u8; 12] = b"pvsim-export";

/// What the ultravisor remembers about one exported page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportRecord {
    /// The counter value the page was exported with.
    pub counter: u64,
    /// The GCM tag.
    pub tag: [u8; 16],
    /// Whether the page was shared (or pinned) when exported; import restores sharing.
    pub shared: bool,
}

/// A configuration's paging state.
#[derive(Debug, Default)]
pub struct Paging {
    /// The export key, expanded once (drawn on the first export).
    key: Option<GcmKey>,
    counter: u64,
    records: BTreeMap<u64, ExportRecord>,
}

/// An exported page did not authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrityError;

fn nonce(counter: u64) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[..8].copy_from_slice(&counter.to_be_bytes());
    n
}

fn aad(cuid: &[u8; 16], gaddr: u64, counter: u64) -> [u8; 44] {
    let mut a = [0u8; 44];
    a[..12].copy_from_slice(AAD_LABEL);
    a[12..28].copy_from_slice(cuid);
    a[28..36].copy_from_slice(&gaddr.to_be_bytes());
    a[36..].copy_from_slice(&counter.to_be_bytes());
    a
}

impl Paging {
    /// Encrypts `page` (the page at guest address `gaddr`) in place and records it.
    pub fn export(
        &mut self,
        entropy: &mut dyn UvEntropy,
        cuid: &[u8; 16],
        gaddr: u64,
        page: &mut Page,
        shared: bool,
    ) {
        let key = self.key.get_or_insert_with(|| {
            let mut k = Secret::new([0; 32]);
            entropy.fill(Draw::ExportKey, k.expose_mut());
            GcmKey::new(k.expose())
        });
        self.counter += 1;
        let counter = self.counter;
        let tag = key.seal(&nonce(counter), &aad(cuid, gaddr, counter), page);
        self.records.insert(gaddr, ExportRecord { counter, tag, shared });
    }

    /// The record of the page at `gaddr`, if it is exported.
    pub fn record(&self, gaddr: u64) -> Option<ExportRecord> {
        self.records.get(&gaddr).copied()
    }

    /// Decrypts and checks `page` for guest address `gaddr`. `Ok(None)`: the page was
    /// never exported (the caller zeroes it); `Ok(Some(shared))`: decrypted in place, the
    /// record is consumed. On failure the page and the record are unchanged.
    pub fn import(
        &mut self,
        cuid: &[u8; 16],
        gaddr: u64,
        page: &mut Page,
    ) -> Result<Option<bool>, IntegrityError> {
        let Some(rec) = self.records.get(&gaddr).copied() else {
            return Ok(None);
        };
        let key = self.key.as_ref().ok_or(IntegrityError)?;
        let a = aad(cuid, gaddr, rec.counter);
        key.open(&nonce(rec.counter), &a, page, &rec.tag).map_err(|_| IntegrityError)?;
        self.records.remove(&gaddr);
        Ok(Some(rec.shared))
    }

    /// Forgets the record of `gaddr` (the page was destroyed or re-made by Unpack).
    pub fn forget(&mut self, gaddr: u64) {
        self.records.remove(&gaddr);
    }

    /// Number of exported pages.
    pub fn exported(&self) -> usize {
        self.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::CounterEntropy;

    #[test]
    fn modified_moved_and_replayed_pages_fail() {
        let mut e = CounterEntropy::new(b"p");
        let mut p = Paging::default();
        let cuid = [7u8; 16];
        let plain: Page = core::array::from_fn(|i| i as u8);
        let mut a = plain;
        p.export(&mut e, &cuid, 0x1000, &mut a, false);
        assert_ne!(a, plain);
        // Modified.
        let mut m = a;
        m[5] ^= 1;
        assert_eq!(p.import(&cuid, 0x1000, &mut m), Err(IntegrityError));
        // Moved: export another page and swap the ciphertexts.
        let mut b = plain;
        p.export(&mut e, &cuid, 0x2000, &mut b, true);
        let mut moved = b;
        assert_eq!(p.import(&cuid, 0x1000, &mut moved), Err(IntegrityError));
        // Good import.
        let mut ok = a;
        assert_eq!(p.import(&cuid, 0x1000, &mut ok), Ok(Some(false)));
        assert_eq!(ok, plain);
        // Replay: export again, then offer the first ciphertext.
        let mut again = plain;
        p.export(&mut e, &cuid, 0x1000, &mut again, false);
        let mut replay = a;
        assert_eq!(p.import(&cuid, 0x1000, &mut replay), Err(IntegrityError));
        assert_eq!(p.import(&cuid, 0x2000, &mut b), Ok(Some(true)));
        assert_eq!(p.exported(), 1);
        // A page that was never exported reads back as "no record".
        assert_eq!(p.import(&cuid, 0x9000, &mut [0; 4096]), Ok(None));
    }
}
