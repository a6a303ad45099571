//! Reading an SE boot image for `pvimg info`-like reports (se-format.md §3.3, §3.6,
//! §3.7): the short PSW, the metadata, where the header is, the IPIB and its components,
//! and whether a loader is present (any non-zero byte in the stage3a area from 0x10000 up
//! to the header).
//!
//! The reader only touches the first page, the metadata, the loader area, the header and
//! the IPIB; it never reads the components. It works on a byte slice and (feature `std`)
//! on any `Read + Seek`.

use pv_core::Psw;
use pv_header::hdr::SeHdr;

use crate::ipib::{IPIB_MAX_LEN, Ipib, PvComponent, read_len};
use crate::layout::{METADATA_ADDR, SHORT_PSW_ADDR, STAGE3A_ADDR};
use crate::metadata::{ImageMetadata, METADATA_LEN, METADATA_MAGIC};
use crate::{Error, Result};

/// Random access to an image.
pub trait ImageSource {
    /// The image size in bytes.
    fn size(&mut self) -> Result<u64>;
    /// Fills `buf` from offset `off`; returns how many bytes were there (fewer only at the
    /// end of the image).
    fn read_at(&mut self, off: u64, buf: &mut [u8]) -> Result<usize>;
}

impl ImageSource for &[u8] {
    fn size(&mut self) -> Result<u64> {
        Ok(self.len() as u64)
    }

    fn read_at(&mut self, off: u64, buf: &mut [u8]) -> Result<usize> {
        let start = usize::try_from(off).unwrap_or(usize::MAX).min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// What an image contains (se-format.md §3).
#[derive(Debug, Clone)]
pub struct ImageInfo {
    /// The image size in bytes.
    pub size: u64,
    /// The IPL PSW expanded from the short PSW at 0; `None` if bit 12 is not set there.
    pub ipl_psw: Option<Psw>,
    /// The `SeImgLnx` metadata, if present.
    pub metadata: Option<ImageMetadata>,
    /// Offset of the SE header.
    pub header_offset: u64,
    /// The SE header (public parts).
    pub header: SeHdr,
    /// The IPIB named by the metadata, if any.
    pub ipib: Option<Ipib>,
    /// Whether the stage3a area (0x10000 up to the header) holds any non-zero byte.
    pub loader_present: bool,
}

impl ImageInfo {
    /// Reads an image held in memory.
    pub fn from_bytes(image: &[u8]) -> Result<Self> {
        let (loc, header) = pv_header::hdr::find(image)?;
        Self::read(&mut { image }, loc.offset, header)
    }

    /// Reads a seekable image without loading it whole.
    #[cfg(feature = "std")]
    pub fn read_from<R: std::io::Read + std::io::Seek>(image: &mut R) -> Result<Self> {
        let (loc, header) = pv_header::hdr::read_from(image)?;
        Self::read(&mut SeekSource(image), loc.offset, header)
    }

    /// The secured components the IPIB lists (empty without an IPIB).
    pub fn components(&self) -> &[PvComponent] {
        self.ipib.as_ref().and_then(Ipib::pv).map_or(&[], |p| &p.components)
    }

    fn read(src: &mut impl ImageSource, header_offset: u64, header: SeHdr) -> Result<Self> {
        let size = src.size()?;
        let mut psw = [0u8; 8];
        let ipl_psw = match src.read_at(SHORT_PSW_ADDR, &mut psw)? {
            8 => Psw::from_short(u64::from_be_bytes(psw)),
            _ => None,
        };
        let mut meta = [0u8; METADATA_LEN];
        let n = src.read_at(METADATA_ADDR, &mut meta)?;
        let metadata = match n == METADATA_LEN && meta[..8] == METADATA_MAGIC {
            true => Some(ImageMetadata::parse(&meta)?),
            false => None,
        };
        let ipib = match metadata {
            Some(m) => Some(read_ipib(src, m.ipib_off, size)?),
            None => None,
        };
        let loader_present = metadata.is_some() && nonzero(src, STAGE3A_ADDR, header_offset)?;
        Ok(Self { size, ipl_psw, metadata, header_offset, header, ipib, loader_present })
    }
}

/// Reads and parses the IPIB at `off`.
fn read_ipib(src: &mut impl ImageSource, off: u64, size: u64) -> Result<Ipib> {
    let mut len = [0u8; 4];
    if src.read_at(off, &mut len)? != 4 {
        return Err(Error::ImageTooShort { need: off.saturating_add(4), have: size });
    }
    let len = u32::from_be_bytes(len).min(IPIB_MAX_LEN + 1);
    let mut buf = alloc::vec![0u8; len.max(4) as usize];
    let n = src.read_at(off, &mut buf)?;
    buf.truncate(n);
    read_len(&buf)?;
    Ipib::parse(&buf)
}

/// Whether `[from, to)` holds a non-zero byte.
fn nonzero(src: &mut impl ImageSource, from: u64, to: u64) -> Result<bool> {
    let mut buf = [0u8; 4096];
    let mut off = from;
    while off < to {
        let want = (to - off).min(buf.len() as u64) as usize;
        let n = src.read_at(off, &mut buf[..want])?;
        if buf[..n].iter().any(|&b| b != 0) {
            return Ok(true);
        }
        if n < want {
            break;
        }
        off += n as u64;
    }
    Ok(false)
}

/// A `Read + Seek` image as an [`ImageSource`].
#[cfg(feature = "std")]
struct SeekSource<'a, R>(&'a mut R);

#[cfg(feature = "std")]
impl<R: std::io::Read + std::io::Seek> ImageSource for SeekSource<'_, R> {
    fn size(&mut self) -> Result<u64> {
        Ok(self.0.seek(std::io::SeekFrom::End(0))?)
    }

    fn read_at(&mut self, off: u64, buf: &mut [u8]) -> Result<usize> {
        self.0.seek(std::io::SeekFrom::Start(off))?;
        let mut n = 0;
        while n < buf.len() {
            match self.0.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(n)
    }
}
