//! The inverse of preparation, as the ultravisor performs it during "Unpack" and
//! "Verify Unpack" (se-format.md §2.3; uv-spec "unp" and "Verify Unpack").
//!
//! Each Unpack call brings one page, its guest absolute address and its tweak (`tweak[0]` =
//! component tweak prefix, `tweak[1]` = byte offset in the component). The [`Unpacker`]
//! feeds PLD with the page as received (the ciphertext), ALD with the address and TLD with
//! the tweak, then decrypts the page in place. The digests follow the order of the calls,
//! so pages unpacked out of order, at the wrong address or with the wrong tweak give
//! different digests than the header's. no_std, one page at a time.

use super::digest::{ComponentDigests, DigestState};
use super::tweak::Tweak;
use super::xts::{Xts, XtsKey};
use super::{Encryption, Page};
use crate::{Error, Result};
use pv_core::GuestAbs;

/// Decrypts secured-component pages in place and recomputes PLD/ALD/TLD and the page count
/// (se-format.md §2.3).
///
/// With feature `std`, [`Unpacker::digest_on_thread`] moves the page digest (PLD, the one
/// SHA-512 stream that bounds unpack throughput) to a worker thread; the results are the
/// same.
#[derive(Debug)]
pub struct Unpacker {
    xts: Option<Xts>,
    digests: DigestState,
    /// PLD computed on a worker thread (then `digests.pld` is unused).
    #[cfg(feature = "std")]
    pld_thread: Option<super::pld_thread::PldThread>,
}

impl Unpacker {
    /// An unpacker that decrypts with `key`, unless `encryption` is
    /// [`Encryption::Disabled`] (pages are then taken as they are).
    pub fn new(key: &XtsKey, encryption: Encryption) -> Self {
        let xts = match encryption {
            Encryption::Enabled => Some(Xts::new(key)),
            Encryption::Disabled => None,
        };
        Self {
            xts,
            digests: DigestState::default(),
            #[cfg(feature = "std")]
            pld_thread: None,
        }
    }

    /// An unpacker for images whose components are not encrypted.
    pub fn plaintext() -> Self {
        Self {
            xts: None,
            digests: DigestState::default(),
            #[cfg(feature = "std")]
            pld_thread: None,
        }
    }

    /// Computes PLD on a worker thread from now on (pages already unpacked stay counted);
    /// decryption, ALD and TLD stay with the caller. If no thread can be started the
    /// unpacker keeps hashing inline. Feature `std`.
    #[cfg(feature = "std")]
    pub fn digest_on_thread(mut self) -> Self {
        if self.pld_thread.is_none() {
            self.pld_thread = super::pld_thread::PldThread::spawn(&mut self.digests.pld);
        }
        self
    }

    /// Accounts for the page `page` placed at `addr` with tweak `tweak` and decrypts it in
    /// place. [`Error::ComponentUnaligned`] if `addr` is not 4 KiB aligned (the page is then
    /// left untouched and not counted).
    pub fn unpack_page(&mut self, addr: GuestAbs, tweak: Tweak, page: &mut Page) -> Result<()> {
        if !addr.is_page_aligned() {
            return Err(Error::ComponentUnaligned { addr: addr.get() });
        }
        #[cfg(feature = "std")]
        if let Some(t) = &mut self.pld_thread {
            t.page(page);
            self.digests.list.page(addr.get(), tweak);
        } else {
            self.digests.page(page, addr.get(), tweak);
        }
        #[cfg(not(feature = "std"))]
        self.digests.page(page, addr.get(), tweak);
        if let Some(xts) = &self.xts {
            xts.decrypt_page(page, tweak);
        }
        Ok(())
    }

    /// The digests over the pages unpacked so far (unpacking may continue).
    pub fn digests(&mut self) -> ComponentDigests {
        #[cfg(feature = "std")]
        if let Some(t) = &mut self.pld_thread {
            return self.digests.list.clone().finish(t.snapshot());
        }
        self.digests.snapshot()
    }

    /// The final digests.
    pub fn finish(self) -> ComponentDigests {
        #[cfg(feature = "std")]
        if let Some(t) = self.pld_thread {
            return self.digests.list.finish(t.finish());
        }
        self.digests.finish()
    }

    /// Compares the final digests with `expected` (the SE header's PLD, ALD, TLD and nep);
    /// [`Error::ComponentVerify`], which does not say which one differed, on a mismatch. Use
    /// [`ComponentDigests::first_mismatch`] on [`Unpacker::finish`] to get the field.
    pub fn verify(self, expected: &ComponentDigests) -> Result<()> {
        match self.finish().first_mismatch(expected) {
            None => Ok(()),
            Some(_) => Err(Error::ComponentVerify),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{ComponentSpec, DigestField, PAGE_SIZE, Preparer, TweakPrefix};

    #[test]
    fn inverts_preparation_and_notices_a_swapped_page_order() {
        let key = XtsKey::from_slice(&[[9u8; 32], [8u8; 32]].concat()).unwrap();
        let spec = ComponentSpec { addr: GuestAbs(0x8000), tweak_prefix: TweakPrefix(0x28 << 48) };
        let data: alloc::vec::Vec<u8> = (0..2 * PAGE_SIZE).map(|i| (i % 253) as u8).collect();
        let mut p = Preparer::new(&key, Encryption::Enabled);
        let (enc, _) = p.prepare_slice(spec, &data).unwrap();
        let want = p.finish();
        let pages: alloc::vec::Vec<(u64, Page)> = enc
            .chunks_exact(PAGE_SIZE)
            .enumerate()
            .map(|(i, c)| (i as u64 * 0x1000, c.try_into().unwrap()))
            .collect();

        let mut u = Unpacker::new(&key, Encryption::Enabled);
        for (off, page) in &pages {
            let mut pg = *page;
            let a = GuestAbs(0x8000 + off);
            u.unpack_page(a, Tweak::new(spec.tweak_prefix, *off), &mut pg).unwrap();
            assert_eq!(&pg[..], &data[*off as usize..*off as usize + PAGE_SIZE]);
        }
        assert_eq!(u.finish(), want);

        let mut u = Unpacker::new(&key, Encryption::Enabled);
        for (off, page) in pages.iter().rev() {
            let a = GuestAbs(0x8000 + off);
            u.unpack_page(a, Tweak::new(spec.tweak_prefix, *off), &mut page.clone()).unwrap();
        }
        assert_eq!(u.finish().first_mismatch(&want), Some(DigestField::Ald));
        let mut u = Unpacker::plaintext();
        let e = u.unpack_page(GuestAbs(0x8008), Tweak(0), &mut [0; PAGE_SIZE]);
        assert_eq!(e, Err(Error::ComponentUnaligned { addr: 0x8008 }));
        assert_eq!(u.finish().nep, 0);
    }

    #[cfg(feature = "std")]
    #[test]
    fn digest_on_thread_gives_the_same_digests_and_plaintext() {
        let key = XtsKey::from_slice(&[[3u8; 32], [4u8; 32]].concat()).unwrap();
        let spec = ComponentSpec { addr: GuestAbs(0x20000), tweak_prefix: TweakPrefix(7 << 48) };
        let n = 150;
        let data: alloc::vec::Vec<u8> = (0..n * PAGE_SIZE).map(|i| (i % 251) as u8).collect();
        let mut p = Preparer::new(&key, Encryption::Enabled);
        let (enc, _) = p.prepare_slice(spec, &data).unwrap();
        let want = p.finish();
        // Inline for the first pages, then on the thread; snapshots along the way.
        let mut inline = Unpacker::new(&key, Encryption::Enabled);
        let mut u = Some(Unpacker::new(&key, Encryption::Enabled));
        for (i, c) in enc.chunks_exact(PAGE_SIZE).enumerate() {
            if i == 3 {
                u = u.take().map(Unpacker::digest_on_thread);
            }
            let un = u.as_mut().unwrap();
            let off = (i * PAGE_SIZE) as u64;
            let (a, t) = (GuestAbs(0x20000 + off), Tweak::new(spec.tweak_prefix, off));
            let mut pg: Page = c.try_into().unwrap();
            un.unpack_page(a, t, &mut pg).unwrap();
            assert_eq!(&pg[..], &data[i * PAGE_SIZE..][..PAGE_SIZE]);
            let mut pg2: Page = c.try_into().unwrap();
            inline.unpack_page(a, t, &mut pg2).unwrap();
            if i % 70 == 1 {
                assert_eq!(un.digests(), inline.digests(), "snapshot after page {i}");
            }
        }
        assert_eq!(u.unwrap().finish(), want);
        // A wrong page on the thread path is noticed.
        let first = |flip: bool, thread: bool| {
            let mut u = Unpacker::new(&key, Encryption::Enabled);
            if thread {
                u = u.digest_on_thread();
            }
            let mut pg: Page = enc[..PAGE_SIZE].try_into().unwrap();
            pg[5] ^= u8::from(flip);
            u.unpack_page(spec.addr, spec.tweak_prefix.first_tweak(), &mut pg).unwrap();
            u.finish()
        };
        assert_eq!(first(false, true), first(false, false));
        assert_eq!(first(true, true).first_mismatch(&first(false, false)), Some(DigestField::Pld));
        let mut u = Unpacker::plaintext().digest_on_thread();
        let e = u.unpack_page(GuestAbs(0x8008), Tweak(0), &mut [0; PAGE_SIZE]);
        assert_eq!(e, Err(Error::ComponentUnaligned { addr: 0x8008 }));
        assert_eq!(u.finish().nep, 0);
    }
}
