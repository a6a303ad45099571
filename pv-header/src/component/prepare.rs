//! Preparing secured components on the customer side (se-format.md §2.2, §2.3).
//!
//! A [`Preparer`] holds the page cipher and the three running digests shared by all
//! components of one image. Components are prepared one after another in ascending address
//! order; each is read in 4 KiB pages, the last page zero-padded, an empty input giving one
//! zero page. Every page is encrypted with its tweak (unless encryption is disabled) and
//! fed to PLD/ALD/TLD.
//!
//! Three ways in, all giving the same bytes and digests:
//! - page by page, no_std: [`Preparer::begin_component`] → [`ComponentPages`];
//! - from memory: [`Preparer::prepare_slice`];
//! - streaming (feature `std`): [`Preparer::prepare_reader`], and the two-thread
//!   [`Preparer::prepare_reader_pipelined`]. Memory use is a few batches of pages, whatever
//!   the input size.

use alloc::vec::Vec;

use super::digest::{ComponentDigests, DigestState};
use super::tweak::Tweak;
use super::xts::{Xts, XtsKey};
use super::{ComponentSpec, Encryption, PAGE_SIZE, Page, PreparedComponent};
use crate::{Error, Result};

const PAGE_U64: u64 = PAGE_SIZE as u64;

/// Prepares the secured components of one image and computes their digests
/// (se-format.md §2.2, §2.3).
#[derive(Debug, Clone)]
pub struct Preparer {
    /// The page cipher; `None` when encryption is disabled.
    pub(super) xts: Option<Xts>,
    /// The running digests over all components so far.
    pub(super) digests: DigestState,
    /// The first address the next component may use (end of the previous one).
    pub(super) next_free: Option<u64>,
}

impl Preparer {
    /// A preparer that encrypts with `key` unless `encryption` is
    /// [`Encryption::Disabled`].
    pub fn new(key: &XtsKey, encryption: Encryption) -> Self {
        let xts = match encryption {
            Encryption::Enabled => Some(Xts::new(key)),
            Encryption::Disabled => None,
        };
        Self { xts, digests: DigestState::default(), next_free: None }
    }

    /// A preparer that leaves pages in plaintext (no key needed).
    pub fn plaintext() -> Self {
        Self { xts: None, digests: DigestState::default(), next_free: None }
    }

    /// Starts the next component. Its address must be 4 KiB aligned
    /// ([`Error::ComponentUnaligned`]) and not below the end of the previous component
    /// ([`Error::ComponentOverlap`]).
    pub fn begin_component(&mut self, spec: ComponentSpec) -> Result<ComponentPages<'_>> {
        self.check_start(spec)?;
        Ok(ComponentPages { prep: self, spec, pages: 0 })
    }

    /// Checks the placement rules for a component starting at `spec.addr`.
    pub(super) fn check_start(&self, spec: ComponentSpec) -> Result<()> {
        let addr = spec.addr.get();
        if !spec.addr.is_page_aligned() {
            return Err(Error::ComponentUnaligned { addr });
        }
        match self.next_free {
            Some(previous_end) if addr < previous_end => {
                Err(Error::ComponentOverlap { addr, previous_end })
            }
            _ => Ok(()),
        }
    }

    /// Prepares a whole component held in memory; returns the prepared bytes (a whole
    /// number of pages, at least one).
    pub fn prepare_slice(
        &mut self,
        spec: ComponentSpec,
        data: &[u8],
    ) -> Result<(Vec<u8>, PreparedComponent)> {
        let pages = data.len().div_ceil(PAGE_SIZE).max(1);
        let mut out = alloc::vec![0u8; pages * PAGE_SIZE];
        out[..data.len()].copy_from_slice(data);
        let mut comp = self.begin_component(spec)?;
        for chunk in out.chunks_exact_mut(PAGE_SIZE) {
            comp.prepare_page(as_page(chunk))?;
        }
        let info = comp.finish(data.len() as u64)?;
        Ok((out, info))
    }

    /// The digests over everything prepared so far (preparation may continue).
    pub fn digests(&self) -> ComponentDigests {
        self.digests.snapshot()
    }

    /// The final digests over all components, for the SE header.
    pub fn finish(self) -> ComponentDigests {
        self.digests.finish()
    }
}

/// The pages of the component being prepared (from [`Preparer::begin_component`]).
///
/// Feed every page in order with [`ComponentPages::prepare_page`] — the last one
/// zero-padded, and one all-zero page for an empty input — then call
/// [`ComponentPages::finish`].
#[derive(Debug)]
pub struct ComponentPages<'a> {
    prep: &'a mut Preparer,
    spec: ComponentSpec,
    pages: u64,
}

impl ComponentPages<'_> {
    /// Prepares the next page in place (encrypts it unless encryption is disabled) and
    /// feeds it to the digests.
    pub fn prepare_page(&mut self, page: &mut Page) -> Result<()> {
        let (addr, tweak) = page_position(self.spec, self.pages)?;
        if let Some(xts) = &self.prep.xts {
            xts.encrypt_page(page, tweak);
        }
        self.prep.digests.page(page, addr, tweak);
        self.pages += 1;
        self.prep.next_free = Some(addr + PAGE_U64);
        Ok(())
    }

    /// The number of pages prepared so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Ends the component. `original_size` is the input size in bytes; it must need exactly
    /// the pages prepared ([`Error::ComponentEmpty`] if there were none,
    /// [`Error::ComponentSize`] otherwise).
    pub fn finish(self, original_size: u64) -> Result<PreparedComponent> {
        finish_info(self.spec, self.pages, original_size)
    }
}

/// The address and tweak of page `index` of a component; [`Error::ComponentAddressOverflow`]
/// if the page would not end inside the 64-bit address space.
#[inline]
pub(super) fn page_position(spec: ComponentSpec, index: u64) -> Result<(u64, Tweak)> {
    let overflow = Error::ComponentAddressOverflow { addr: spec.addr.get() };
    let offset = index.checked_mul(PAGE_U64).ok_or(overflow.clone())?;
    let addr = spec.addr.get().checked_add(offset).ok_or(overflow.clone())?;
    addr.checked_add(PAGE_U64).ok_or(overflow)?;
    Ok((addr, spec.tweak_prefix.first_tweak().add(offset)))
}

/// The result of a component of `pages` pages made from `original_size` input bytes.
pub(super) fn finish_info(
    spec: ComponentSpec,
    pages: u64,
    original_size: u64,
) -> Result<PreparedComponent> {
    if pages == 0 {
        return Err(Error::ComponentEmpty);
    }
    if original_size.div_ceil(PAGE_U64).max(1) != pages {
        return Err(Error::ComponentSize { original: original_size, pages });
    }
    Ok(PreparedComponent {
        addr: spec.addr,
        tweak_prefix: spec.tweak_prefix,
        original_size,
        prepared_size: pages * PAGE_U64,
    })
}

/// A page-sized chunk as a page (callers use `chunks_exact_mut(PAGE_SIZE)`).
#[inline]
pub(super) fn as_page(chunk: &mut [u8]) -> &mut Page {
    let (pages, _) = chunk.as_chunks_mut::<PAGE_SIZE>();
    &mut pages[0]
}

#[cfg(feature = "std")]
mod stream {
    use std::io::{ErrorKind, Read, Write};

    use super::*;

    /// Pages per read/write batch of the single-threaded stream path (64 KiB).
    const SEQ_BATCH_PAGES: usize = 16;

    impl Preparer {
        /// Prepares one component read from `reader`, writing the prepared pages to
        /// `writer` (single thread; memory use is one 64 KiB buffer).
        pub fn prepare_reader<R: Read, W: Write>(
            &mut self,
            spec: ComponentSpec,
            mut reader: R,
            mut writer: W,
        ) -> Result<PreparedComponent> {
            let mut buf = alloc::vec![0u8; SEQ_BATCH_PAGES * PAGE_SIZE];
            let mut comp = self.begin_component(spec)?;
            let mut original = 0u64;
            loop {
                let n = read_padded(&mut reader, &mut buf)?;
                original += n as u64;
                let pages = if n == 0 && comp.pages() == 0 { 1 } else { n.div_ceil(PAGE_SIZE) };
                if pages == 0 {
                    break;
                }
                let bytes = &mut buf[..pages * PAGE_SIZE];
                for chunk in bytes.chunks_exact_mut(PAGE_SIZE) {
                    comp.prepare_page(as_page(chunk))?;
                }
                writer.write_all(bytes)?;
                if n < buf.len() {
                    break;
                }
            }
            comp.finish(original)
        }
    }

    /// Reads until `buf` is full or the input ends; zero-fills the rest of the last page
    /// read. Returns the number of input bytes.
    pub(in crate::component) fn read_padded(
        reader: &mut impl Read,
        buf: &mut [u8],
    ) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match reader.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let end = (n.div_ceil(PAGE_SIZE).max(1) * PAGE_SIZE).min(buf.len());
        buf[n..end].fill(0);
        Ok(n)
    }
}

#[cfg(feature = "std")]
pub(super) use stream::read_padded;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::TweakPrefix;
    use pv_core::GuestAbs;

    fn spec(addr: u64) -> ComponentSpec {
        ComponentSpec { addr: GuestAbs(addr), tweak_prefix: TweakPrefix(0x0028_0000_0000_0001) }
    }

    fn key() -> XtsKey {
        XtsKey::from_slice(&[[3u8; 32], [4u8; 32]].concat()).unwrap()
    }

    #[test]
    fn placement_rules() {
        let mut p = Preparer::new(&key(), Encryption::Enabled);
        assert_eq!(
            p.begin_component(spec(0x1001)).unwrap_err(),
            Error::ComponentUnaligned { addr: 0x1001 }
        );
        p.prepare_slice(spec(0x2000), &[1; 4097]).unwrap();
        assert_eq!(
            p.begin_component(spec(0x3000)).unwrap_err(),
            Error::ComponentOverlap { addr: 0x3000, previous_end: 0x4000 }
        );
        assert_eq!(
            p.begin_component(spec(0x1000)).unwrap_err(),
            Error::ComponentOverlap { addr: 0x1000, previous_end: 0x4000 }
        );
        p.prepare_slice(spec(0x4000), &[]).unwrap();
        assert_eq!(p.digests().nep, 3);
    }

    #[test]
    fn page_api_checks_sizes_and_overflow() {
        let mut p = Preparer::plaintext();
        let comp = p.begin_component(spec(0x1000)).unwrap();
        assert_eq!(comp.finish(0).unwrap_err(), Error::ComponentEmpty);
        let mut comp = p.begin_component(spec(0x1000)).unwrap();
        comp.prepare_page(&mut [0; PAGE_SIZE]).unwrap();
        assert_eq!(
            comp.finish(4097).unwrap_err(),
            Error::ComponentSize { original: 4097, pages: 1 }
        );
        let top = u64::MAX - 0xfff;
        let mut comp = p.begin_component(spec(top)).unwrap();
        assert_eq!(
            comp.prepare_page(&mut [0; PAGE_SIZE]).unwrap_err(),
            Error::ComponentAddressOverflow { addr: top }
        );
    }

    #[test]
    fn empty_input_is_one_zero_page() {
        let mut p = Preparer::plaintext();
        let (bytes, info) = p.prepare_slice(spec(0), &[]).unwrap();
        assert_eq!(bytes, alloc::vec![0u8; PAGE_SIZE]);
        assert_eq!((info.original_size, info.prepared_size), (0, 0x1000));
    }
}
