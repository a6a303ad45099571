//! Finding the SE header in a boot image or a bare header file (se-format.md §3.7).
//!
//! 1. If the 8 bytes at 0xc000 are `SeImgLnx`, the header must start at the metadata's
//!    `hdr_off` (one attempt; an unknown metadata version is only reported).
//! 2. Otherwise the first 8 bytes of pages 0, 0x1000, …, 0x14000 (21 pages) are tested.
//!
//! An unaligned header or one beyond 0x14000 is not found; a bare header at offset 0 is.
//! Offsets are from the start of the input. *\[inferred\]*: a metadata block cut short
//! before its 28 bytes counts as "not found".
//!
//! The functions work on a byte slice and (feature `std`) on any `Read + Seek`, which
//! reads only the pages tested and the header itself, never the whole image.

use pv_core::PAGE_SIZE_U64;
use pv_core::be::{get_u32, get_u64};

use crate::hdr::layout::{HDR_MAGIC, SeHdr, check_prefix};
use crate::{Error, Result};

/// Image offset of the `SeImgLnx` metadata block (§3.3).
pub const METADATA_OFFSET: u64 = 0xc000;
/// `SeImgLnx`, the metadata magic.
pub const METADATA_MAGIC: [u8; 8] = *b"SeImgLnx";
/// Size of the packed metadata block: magic, `hdr_off`, version, `ipib_off`.
pub const METADATA_LEN: usize = 28;
/// The metadata version pvimg writes.
pub const METADATA_VERSION: u32 = 1;
/// Pages tested by the scan: 0..=20, i.e. up to offset 0x14000.
pub const SCAN_PAGES: u64 = 21;

/// Where a header was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HdrLocation {
    /// Offset of the header from the start of the input.
    pub offset: u64,
    /// The metadata version if the header was found through `SeImgLnx` (pvimg warns
    /// when it is not [`METADATA_VERSION`]); `None` if found by the page scan.
    pub metadata_version: Option<u32>,
}

/// Random access to the input: fills `buf` from `off` and returns how many bytes were
/// there (fewer only at the end of the input).
trait ReadAt {
    fn read_at(&mut self, off: u64, buf: &mut [u8]) -> Result<usize>;
}

impl ReadAt for &[u8] {
    fn read_at(&mut self, off: u64, buf: &mut [u8]) -> Result<usize> {
        let start = usize::try_from(off).unwrap_or(usize::MAX).min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

fn locate_at(src: &mut impl ReadAt) -> Result<HdrLocation> {
    let mut meta = [0u8; METADATA_LEN];
    let n = src.read_at(METADATA_OFFSET, &mut meta)?;
    if n >= METADATA_MAGIC.len() && meta[..8] == METADATA_MAGIC {
        if n < METADATA_LEN {
            return Err(Error::HdrNotFound);
        }
        let offset = get_u64(&meta, 8).ok_or(Error::HdrNotFound)?;
        let metadata_version = get_u32(&meta, 16);
        return if has_magic(src, offset)? {
            Ok(HdrLocation { offset, metadata_version })
        } else {
            Err(Error::HdrNotFound)
        };
    }
    for page in 0..SCAN_PAGES {
        let offset = page * PAGE_SIZE_U64;
        if has_magic(src, offset)? {
            return Ok(HdrLocation { offset, metadata_version: None });
        }
    }
    Err(Error::HdrNotFound)
}

fn has_magic(src: &mut impl ReadAt, off: u64) -> Result<bool> {
    let mut m = [0u8; 8];
    Ok(src.read_at(off, &mut m)? == m.len() && m == HDR_MAGIC)
}

fn read_at(src: &mut impl ReadAt) -> Result<(HdrLocation, SeHdr)> {
    let loc = locate_at(src)?;
    let mut head = [0u8; 16];
    let n = src.read_at(loc.offset, &mut head)?;
    let sehs = check_prefix(&head[..n])?;
    let mut buf = alloc::vec![0u8; sehs];
    let n = src.read_at(loc.offset, &mut buf)?;
    let hdr = SeHdr::parse(&buf[..n])?;
    Ok((loc, hdr))
}

/// Finds the header in `image` (§3.7); [`Error::HdrNotFound`] if it is not there.
pub fn locate(image: &[u8]) -> Result<HdrLocation> {
    locate_at(&mut { image })
}

/// Finds and parses the header in `image` (§3.7, then [`SeHdr::parse`]).
pub fn find(image: &[u8]) -> Result<(HdrLocation, SeHdr)> {
    read_at(&mut { image })
}

#[cfg(feature = "std")]
mod stream {
    use std::io::{ErrorKind, Read, Seek, SeekFrom};

    use super::{HdrLocation, ReadAt, SeHdr};
    use crate::Result;

    struct Stream<'a, R>(&'a mut R);

    impl<R: Read + Seek> ReadAt for Stream<'_, R> {
        fn read_at(&mut self, off: u64, buf: &mut [u8]) -> Result<usize> {
            self.0.seek(SeekFrom::Start(off))?;
            let mut n = 0;
            while n < buf.len() {
                match self.0.read(&mut buf[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(n)
        }
    }

    /// Finds the header in a seekable image (§3.7) without reading it whole.
    pub fn locate_in<R: Read + Seek>(image: &mut R) -> Result<HdrLocation> {
        super::locate_at(&mut Stream(image))
    }

    /// Finds and parses the header in a seekable image; reads at most the metadata, the
    /// 21 tested page starts and `sehs` bytes.
    pub fn read_from<R: Read + Seek>(image: &mut R) -> Result<(HdrLocation, SeHdr)> {
        super::read_at(&mut Stream(image))
    }
}

#[cfg(feature = "std")]
pub use stream::{locate_in, read_from};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_limits() {
        let mut img = alloc::vec![0u8; 0x16000];
        img[0x14000..0x14008].copy_from_slice(&HDR_MAGIC);
        assert_eq!(locate(&img), Ok(HdrLocation { offset: 0x14000, metadata_version: None }));
        img[0x14000] = 0;
        img[0x15000..0x15008].copy_from_slice(&HDR_MAGIC);
        assert_eq!(locate(&img), Err(Error::HdrNotFound));
        img[0x3008..0x3010].copy_from_slice(&HDR_MAGIC);
        assert_eq!(locate(&img), Err(Error::HdrNotFound));
        assert_eq!(locate(&[]), Err(Error::HdrNotFound));
        assert_eq!(locate(b"IBMSecE"), Err(Error::HdrNotFound));
    }

    #[test]
    fn metadata_wins_and_is_one_attempt() {
        let mut img = alloc::vec![0u8; 0x20000];
        img[..8].copy_from_slice(&HDR_MAGIC);
        img[0xc000..0xc008].copy_from_slice(&METADATA_MAGIC);
        img[0xc008..0xc010].copy_from_slice(&0x18000u64.to_be_bytes());
        img[0xc010..0xc014].copy_from_slice(&7u32.to_be_bytes());
        assert_eq!(locate(&img), Err(Error::HdrNotFound));
        img[0x18000..0x18008].copy_from_slice(&HDR_MAGIC);
        assert_eq!(locate(&img), Ok(HdrLocation { offset: 0x18000, metadata_version: Some(7) }));
        // An offset beyond the input, or beyond u64 address arithmetic, is not found.
        img[0xc008..0xc010].copy_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(locate(&img), Err(Error::HdrNotFound));
        // A cut metadata block.
        assert_eq!(locate(&img[..0xc010]), Err(Error::HdrNotFound));
    }
}
