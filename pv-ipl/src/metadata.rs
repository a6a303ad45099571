//! The image metadata `SeImgLnx` at 0xc000: 28 packed bytes that tell tools where the SE
//! header and the IPIB are (se-format.md §3.3).
//!
//! | off | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `SeImgLnx` |
//! | 8 | 8 | hdr_off (image offset of the SE header) |
//! | 16 | 4 | version (1) |
//! | 20 | 8 | ipib_off (image offset of the IPIB) |
//!
//! Note the field order: the header offset comes before the version.

use pv_core::be;

use crate::{Error, Result};

/// The metadata magic.
pub const METADATA_MAGIC: [u8; 8] = *b"SeImgLnx";
/// The metadata size in bytes.
pub const METADATA_LEN: usize = 28;
/// The metadata version pvimg writes.
pub const METADATA_VERSION: u32 = 1;

const _: () = assert!(8 + 8 + 4 + 8 == METADATA_LEN);

/// The `SeImgLnx` image metadata (se-format.md §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageMetadata {
    /// Image offset of the SE header.
    pub hdr_off: u64,
    /// The metadata version; readers accept unknown versions (pvimg only warns,
    /// se-format.md §3.7).
    pub version: u32,
    /// Image offset of the IPIB.
    pub ipib_off: u64,
}

impl ImageMetadata {
    /// Version-1 metadata.
    pub const fn new(hdr_off: u64, ipib_off: u64) -> Self {
        Self { hdr_off, version: METADATA_VERSION, ipib_off }
    }

    /// The 28 bytes.
    pub fn to_bytes(&self) -> [u8; METADATA_LEN] {
        let mut b = [0u8; METADATA_LEN];
        b[..8].copy_from_slice(&METADATA_MAGIC);
        be::put_u64(&mut b, 8, self.hdr_off);
        be::put_u32(&mut b, 16, self.version);
        be::put_u64(&mut b, 20, self.ipib_off);
        b
    }

    /// Parses the metadata at the start of `b`: [`Error::NoMetadata`] unless it starts
    /// with the magic.
    pub fn parse(b: &[u8]) -> Result<Self> {
        if b.len() < METADATA_LEN {
            return Err(Error::TooShort { need: METADATA_LEN, have: b.len() });
        }
        if b[..8] != METADATA_MAGIC {
            return Err(Error::NoMetadata);
        }
        Ok(Self {
            hdr_off: be::get_u64(b, 8).unwrap_or(0),
            version: be::get_u32(b, 16).unwrap_or(0),
            ipib_off: be::get_u64(b, 20).unwrap_or(0),
        })
    }

    /// Whether the version is the one this crate knows.
    pub const fn is_known_version(&self) -> bool {
        self.version == METADATA_VERSION
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b1_example() {
        // se-format.md §3.3: B1 gives 5365496d674c6e78 0000000000014000 00000001 0000000000020000.
        let m = ImageMetadata::new(0x14000, 0x20000);
        let b = m.to_bytes();
        let want: [u8; 28] = [
            0x53, 0x65, 0x49, 0x6d, 0x67, 0x4c, 0x6e, 0x78, 0, 0, 0, 0, 0, 1, 0x40, 0, 0, 0, 0, 1,
            0, 0, 0, 0, 0, 2, 0, 0,
        ];
        assert_eq!(b, want);
        assert_eq!(ImageMetadata::parse(&b).unwrap(), m);
        assert!(matches!(ImageMetadata::parse(&b[..27]), Err(Error::TooShort { .. })));
        let mut bad = b;
        bad[0] = b's';
        assert!(matches!(ImageMetadata::parse(&bad), Err(Error::NoMetadata)));
        let mut v2 = b;
        v2[19] = 2;
        let p = ImageMetadata::parse(&v2).unwrap();
        assert!(!p.is_known_version());
    }
}
