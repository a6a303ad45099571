//! The argument blocks pvimg patches into the loaders (se-format.md §3.4, §3.5):
//!
//! - stage3a's last 24 bytes: `hdr_offs`, `hdr_size`, `ipib_offs` (u64 each), the offsets
//!   relative to the block's own address;
//! - stage3b's last 64 bytes: kernel, cmdline and initrd as `{src, size}` pairs and the
//!   kernel PSW `{mask, addr}`.

use pv_core::{Psw, be};

use crate::{Error, Result};

/// Size of stage3a's argument block.
pub const STAGE3A_ARGS_LEN: usize = 24;
/// Size of stage3b's argument block.
pub const STAGE3B_ARGS_LEN: usize = 64;

/// stage3a's argument block (se-format.md §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage3aArgs {
    /// Header address minus the block address.
    pub hdr_offs: u64,
    /// Header size in bytes.
    pub hdr_size: u64,
    /// IPIB address minus the block address.
    pub ipib_offs: u64,
}

impl Stage3aArgs {
    /// The block at `block_addr` for a header at `hdr_addr` of `hdr_size` bytes and an IPIB
    /// at `ipib_addr`. Both must lie above the block ([`Error::LoaderArgs`]).
    pub fn new(block_addr: u64, hdr_addr: u64, hdr_size: u64, ipib_addr: u64) -> Result<Self> {
        Ok(Self {
            hdr_offs: hdr_addr.checked_sub(block_addr).ok_or(Error::LoaderArgs)?,
            hdr_size,
            ipib_offs: ipib_addr.checked_sub(block_addr).ok_or(Error::LoaderArgs)?,
        })
    }

    /// The header and IPIB addresses this block names when it sits at `block_addr`.
    pub fn resolve(&self, block_addr: u64) -> Result<(u64, u64)> {
        let hdr = block_addr.checked_add(self.hdr_offs).ok_or(Error::LoaderArgs)?;
        let ipib = block_addr.checked_add(self.ipib_offs).ok_or(Error::LoaderArgs)?;
        Ok((hdr, ipib))
    }

    /// The 24 big-endian bytes.
    pub fn to_bytes(&self) -> [u8; STAGE3A_ARGS_LEN] {
        let mut b = [0u8; STAGE3A_ARGS_LEN];
        be::put_u64(&mut b, 0, self.hdr_offs);
        be::put_u64(&mut b, 8, self.hdr_size);
        be::put_u64(&mut b, 16, self.ipib_offs);
        b
    }

    /// Parses 24 bytes.
    pub fn parse(b: &[u8]) -> Result<Self> {
        let short = Error::TooShort { need: STAGE3A_ARGS_LEN, have: b.len() };
        Ok(Self {
            hdr_offs: be::get_u64(b, 0).ok_or(Error::TooShort { need: 8, have: b.len() })?,
            hdr_size: be::get_u64(b, 8).ok_or(Error::TooShort { need: 16, have: b.len() })?,
            ipib_offs: be::get_u64(b, 16).ok_or(short)?,
        })
    }
}

/// A memory blob stage3b moves into place: image address and original size
/// (se-format.md §3.5; a missing component is `{0, 0}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadBlob {
    /// The image address.
    pub src: u64,
    /// The original (unpadded) size; the cmdline's includes the NUL.
    pub size: u64,
}

/// stage3b's argument block (se-format.md §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage3bArgs {
    /// The kernel.
    pub kernel: LoadBlob,
    /// The command line.
    pub cmdline: LoadBlob,
    /// The initial RAM disk.
    pub initrd: LoadBlob,
    /// The PSW stage3b loads (kernel entry).
    pub psw: Psw,
}

impl Stage3bArgs {
    /// The 64 big-endian bytes.
    pub fn to_bytes(&self) -> [u8; STAGE3B_ARGS_LEN] {
        let mut b = [0u8; STAGE3B_ARGS_LEN];
        let blobs = [self.kernel, self.cmdline, self.initrd];
        for (i, blob) in blobs.iter().enumerate() {
            be::put_u64(&mut b, 16 * i, blob.src);
            be::put_u64(&mut b, 16 * i + 8, blob.size);
        }
        b[48..].copy_from_slice(&self.psw.to_bytes());
        b
    }

    /// Parses 64 bytes.
    pub fn parse(b: &[u8]) -> Result<Self> {
        let arr: &[u8; STAGE3B_ARGS_LEN] = b
            .get(..STAGE3B_ARGS_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or(Error::TooShort { need: STAGE3B_ARGS_LEN, have: b.len() })?;
        let blob = |i: usize| LoadBlob {
            src: be::get_u64(arr, 16 * i).unwrap_or(0),
            size: be::get_u64(arr, 16 * i + 8).unwrap_or(0),
        };
        let mut psw = [0u8; 16];
        psw.copy_from_slice(&arr[48..]);
        Ok(Self { kernel: blob(0), cmdline: blob(1), initrd: blob(2), psw: Psw::from_bytes(&psw) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage3a_b1() {
        // se-format.md §3.4: block at 0x12c20, hdr_offs 0x13e0, hdr_size 640, ipib_offs 0xd3e0.
        let a = Stage3aArgs::new(0x12c20, 0x14000, 640, 0x20000).unwrap();
        assert_eq!(a, Stage3aArgs { hdr_offs: 0x13e0, hdr_size: 640, ipib_offs: 0xd3e0 });
        assert_eq!(a.resolve(0x12c20).unwrap(), (0x14000, 0x20000));
        assert_eq!(Stage3aArgs::parse(&a.to_bytes()).unwrap(), a);
        assert!(Stage3aArgs::new(0x15000, 0x14000, 640, 0x20000).is_err());
        assert!(matches!(Stage3aArgs::parse(&[0; 20]), Err(Error::TooShort { .. })));
    }

    #[test]
    fn stage3b_round_trip() {
        let s = Stage3bArgs {
            kernel: LoadBlob { src: 0x15000, size: 0x3011 },
            cmdline: LoadBlob { src: 0x1d000, size: 0x35 },
            initrd: LoadBlob { src: 0x19000, size: 0x4000 },
            psw: Psw::new_64bit(0x10000),
        };
        let b = s.to_bytes();
        assert_eq!(be::get_u64(&b, 16), Some(0x1d000));
        assert_eq!(be::get_u64(&b, 48), Some(0x1_8000_0000));
        assert_eq!(Stage3bArgs::parse(&b).unwrap(), s);
        assert!(Stage3bArgs::parse(&b[..63]).is_err());
    }
}
