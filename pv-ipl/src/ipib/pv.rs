//! The type-5 (PV) parameter block: the SE header location and the list of secured
//! components the ultravisor unpacks (se-format.md §3.6, uv-spec.md §6.4).
//!
//! | off | size | field |
//! |---|---|---|
//! | 0x18 | 87 | reserved |
//! | 0x6f | 1 | PV block version (1) |
//! | 0x70 | 4 | reserved |
//! | 0x74 | 4 | num_comp |
//! | 0x78 | 8 | SE header address |
//! | 0x80 | 8 | SE header size |
//! | 0x88 + 24·i | 24 | component i: tweak prefix, address, size |

use alloc::vec::Vec;

use pv_core::{be, is_page_aligned};

use super::{PB0_COMMON_END, check_zero};
use crate::{Error, Result};

/// Offset of the PV block version byte.
const VERSION_OFF: usize = 0x6f;
/// Offset of `num_comp`.
const NUM_COMP_OFF: usize = 0x74;
/// Offset of the SE header address.
const HDR_ADDR_OFF: usize = 0x78;
/// Offset of the SE header size.
const HDR_SIZE_OFF: usize = 0x80;
/// Offset of the first component entry.
pub(crate) const COMPONENTS_OFF: usize = 0x88;
/// Size of one component entry.
pub(crate) const COMPONENT_SIZE: usize = 24;
/// The only PV block version defined (s390-tools writes 1).
pub(crate) const PV_VERSION: u8 = 1;

/// The largest SE header a PV IPIB may name (QEMU: two pages, uv-spec.md §6.4).
pub const PV_HEADER_MAX_LEN: u64 = 8192;

/// One secured component as listed in a PV IPIB (se-format.md §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PvComponent {
    /// The first 8 bytes of the component's tweak (kind prefix in the top 16 bits).
    pub tweak_prefix: u64,
    /// The component's guest absolute address.
    pub addr: u64,
    /// Its prepared (page-padded) size in bytes.
    pub len: u64,
}

/// The body of a type-5 parameter block (se-format.md §3.6, uv-spec.md §6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PvBlock {
    /// The PV block version (offset 0x6f); the parser accepts only 1.
    pub version: u8,
    /// The SE header's guest absolute address.
    pub hdr_addr: u64,
    /// The SE header's size in bytes.
    pub hdr_size: u64,
    /// The secured components, in unpack (address) order.
    pub components: Vec<PvComponent>,
}

impl PvBlock {
    /// Bytes after offset 0x18 this block occupies.
    pub(crate) fn body_len(&self) -> usize {
        COMPONENTS_OFF - PB0_COMMON_END + COMPONENT_SIZE * self.components.len()
    }

    /// Parses the block of a whole IPIB `b` (`b.len()` is the declared length): reserved
    /// bytes zero, version 1, and `len == 0x88 + 24·num_comp`.
    pub(crate) fn parse(b: &[u8]) -> Result<Self> {
        let len = b.len() as u32;
        if b.len() < COMPONENTS_OFF {
            return Err(Error::TooShort { need: COMPONENTS_OFF, have: b.len() });
        }
        check_zero(b, PB0_COMMON_END..VERSION_OFF)?;
        let version = b[VERSION_OFF];
        if version != PV_VERSION {
            return Err(Error::UnsupportedPvVersion { version });
        }
        check_zero(b, VERSION_OFF + 1..NUM_COMP_OFF)?;
        let num_comp = be::get_u32(b, NUM_COMP_OFF).unwrap_or(0);
        let expected = (num_comp as u64) * COMPONENT_SIZE as u64 + COMPONENTS_OFF as u64;
        if expected != len as u64 {
            return Err(Error::ComponentCount { num_comp, len });
        }
        let components = (0..num_comp as usize)
            .map(|i| component_at(b, i))
            .collect::<Option<Vec<_>>>()
            .ok_or(Error::ComponentCount { num_comp, len })?;
        Ok(Self {
            version,
            hdr_addr: be::get_u64(b, HDR_ADDR_OFF).unwrap_or(0),
            hdr_size: be::get_u64(b, HDR_SIZE_OFF).unwrap_or(0),
            components,
        })
    }

    /// Writes the block into `b`, a zeroed buffer of the IPIB's full length.
    pub(crate) fn write(&self, b: &mut [u8]) -> Result<()> {
        let n = u32::try_from(self.components.len())
            .map_err(|_| Error::FieldOverflow { what: "num_comp" })?;
        b[VERSION_OFF] = self.version;
        be::put_u32(b, NUM_COMP_OFF, n);
        be::put_u64(b, HDR_ADDR_OFF, self.hdr_addr);
        be::put_u64(b, HDR_SIZE_OFF, self.hdr_size);
        for (i, c) in self.components.iter().enumerate() {
            let off = COMPONENTS_OFF + COMPONENT_SIZE * i;
            be::put_u64(b, off, c.tweak_prefix);
            be::put_u64(b, off + 8, c.addr);
            be::put_u64(b, off + 16, c.len);
        }
        Ok(())
    }

    /// QEMU's semantic rules for DIAG 308 subcode 8 that need no guest storage
    /// (uv-spec.md §6.4): header size at most 8192, at least one component, every
    /// component address page aligned, tweak prefixes strictly increasing. (Whether the
    /// header range is readable is checked by the caller against its storage.)
    pub fn check_unpack_rules(&self) -> Result<()> {
        if self.hdr_size > PV_HEADER_MAX_LEN {
            return Err(Error::HeaderTooLarge { size: self.hdr_size });
        }
        if self.components.is_empty() {
            return Err(Error::NoComponents);
        }
        for (i, c) in self.components.iter().enumerate() {
            if !is_page_aligned(c.addr) {
                return Err(Error::ComponentNotAligned { index: i, addr: c.addr });
            }
            if i > 0 && c.tweak_prefix <= self.components[i - 1].tweak_prefix {
                return Err(Error::TweakPrefixOrder { index: i });
            }
        }
        Ok(())
    }
}

/// Reads component `i` of the IPIB `b`.
fn component_at(b: &[u8], i: usize) -> Option<PvComponent> {
    let off = COMPONENTS_OFF + COMPONENT_SIZE * i;
    Some(PvComponent {
        tweak_prefix: be::get_u64(b, off)?,
        addr: be::get_u64(b, off + 8)?,
        len: be::get_u64(b, off + 16)?,
    })
}

/// The PV view DIAG 308 subcode 8 takes of a zero-filled IPIB page whose length field
/// has already been checked: `pbt == 5`, `len >= 148`, and (stricter than QEMU, which
/// reads past `len` into its zero-filled buffer; *\[inferred\]*, documented in
/// `diag308`) `0x88 + 24·num_comp <= len`. Reserved bytes and the version are not
/// checked, as in QEMU.
pub(crate) fn diag_view(page: &[u8], len: u32) -> Result<PvBlock> {
    let found = page[0x0c];
    if found != super::pbt::PV {
        return Err(Error::WrongBlockType { expected: super::pbt::PV, found });
    }
    if len < super::DIAG_MIN_PV_LEN {
        return Err(Error::IpibTooShortForType { pbt: found, len, min: super::DIAG_MIN_PV_LEN });
    }
    let num_comp = be::get_u32(page, NUM_COMP_OFF).unwrap_or(0);
    if (num_comp as u64) * COMPONENT_SIZE as u64 + COMPONENTS_OFF as u64 > len as u64 {
        return Err(Error::ComponentCount { num_comp, len });
    }
    let components = (0..num_comp as usize)
        .map(|i| component_at(page, i))
        .collect::<Option<Vec<_>>>()
        .ok_or(Error::ComponentCount { num_comp, len })?;
    Ok(PvBlock {
        version: page[VERSION_OFF],
        hdr_addr: be::get_u64(page, HDR_ADDR_OFF).unwrap_or(0),
        hdr_size: be::get_u64(page, HDR_SIZE_OFF).unwrap_or(0),
        components,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Ipib;
    use super::*;

    fn sample() -> Ipib {
        Ipib::new_pv(
            0x14000,
            640,
            alloc::vec![
                PvComponent { tweak_prefix: 0x0028_0000_0000_0001, addr: 0x15000, len: 0x4000 },
                PvComponent { tweak_prefix: 0x0046_0000_0000_0001, addr: 0x19000, len: 0x2000 },
            ],
        )
    }

    #[test]
    fn length_and_offsets() {
        let b = sample().to_bytes().unwrap();
        assert_eq!(b.len(), 136 + 48);
        assert_eq!(be::get_u32(&b, 0), Some(184));
        assert_eq!(be::get_u32(&b, 8), Some(176));
        assert_eq!(b[0x0c], 5);
        assert_eq!(b[0x6f], 1);
        assert_eq!(be::get_u32(&b, 0x74), Some(2));
        assert_eq!(be::get_u64(&b, 0xa0 + 8), Some(0x19000));
        assert_eq!(Ipib::parse(&b).unwrap(), sample());
    }

    #[test]
    fn strict_parse_errors() {
        let good = sample().to_bytes().unwrap();
        let mut b = good.clone();
        b[0x6f] = 2;
        assert!(matches!(Ipib::parse(&b), Err(Error::UnsupportedPvVersion { version: 2 })));
        let mut b = good.clone();
        b[0x40] = 1;
        assert!(matches!(Ipib::parse(&b), Err(Error::ReservedNotZero { offset: 0x40 })));
        let mut b = good.clone();
        b[0x71] = 1;
        assert!(matches!(Ipib::parse(&b), Err(Error::ReservedNotZero { offset: 0x71 })));
        let mut b = good.clone();
        be::put_u32(&mut b, 0x74, 3);
        assert!(matches!(Ipib::parse(&b), Err(Error::ComponentCount { num_comp: 3, len: 184 })));
        let mut b = good.clone();
        be::put_u32(&mut b, 0x74, u32::MAX);
        assert!(matches!(Ipib::parse(&b), Err(Error::ComponentCount { .. })));
        // A block too short for the fixed part.
        let mut b = good[..0x80].to_vec();
        be::put_u32(&mut b, 0, 0x80);
        be::put_u32(&mut b, 8, 0x78);
        assert!(matches!(Ipib::parse(&b), Err(Error::TooShort { need: 0x88, .. })));
    }

    #[test]
    fn unpack_rules() {
        let mut p = sample().pv().unwrap().clone();
        assert!(p.check_unpack_rules().is_ok());
        p.hdr_size = 8193;
        assert!(matches!(p.check_unpack_rules(), Err(Error::HeaderTooLarge { size: 8193 })));
        p.hdr_size = 8192;
        p.components[1].addr = 0x19008;
        assert!(matches!(p.check_unpack_rules(), Err(Error::ComponentNotAligned { index: 1, .. })));
        p.components[1].addr = 0x19000;
        p.components[1].tweak_prefix = p.components[0].tweak_prefix;
        assert!(matches!(p.check_unpack_rules(), Err(Error::TweakPrefixOrder { index: 1 })));
        p.components.clear();
        assert!(matches!(p.check_unpack_rules(), Err(Error::NoComponents)));
    }
}
