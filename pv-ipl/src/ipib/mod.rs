//! IPL information blocks (IPIB): the 8-byte parameter-list header followed by one
//! parameter block 0 whose type ("pbt") selects the layout (uv-spec.md §6.4; the PV
//! layout also in se-format.md §3.6).
//!
//! [`Ipib::parse`] is strict: lengths must agree with each other and with the block's
//! contents, reserved bytes must be zero, and the typed block round-trips byte for byte
//! through [`Ipib::to_bytes`]. Block types without a typed model here (SCP data, ECKD,
//! QEMU's SCSI pseudo type, unknown values) are kept as raw bytes in
//! [`ParamBlock::Other`].
//!
//! DIAG 308 does not use this strict parser to accept a block: QEMU stores any block that
//! passes its few rules, and so does [`crate::diag308`]; see [`diag_valid_normal`].

mod ccw;
mod list;
pub(crate) mod pv;

use alloc::vec::Vec;

use pv_core::be;

pub use ccw::{CcwBlock, VM_FLAG_NSS, VM_FLAG_VP};
pub use list::{FcpBlock, NvmeBlock, OPT_DUMP, OPT_IPL};
pub use pv::{PV_HEADER_MAX_LEN, PvBlock, PvComponent};

use crate::{Error, Result};

/// Size of the parameter-list header (`len`, `flags`, reserved, `version`).
pub const IPIB_HDR_LEN: usize = 8;
/// Size of the common start of every parameter block 0 up to the end of `loadparm`,
/// counted from the start of the IPIB.
pub const PB0_COMMON_END: usize = 0x18;
/// Largest IPIB length QEMU accepts (its `IplParameterBlock` is one page).
pub const IPIB_MAX_LEN: u32 = 4096;

/// The parameter-list header version s390-tools writes.
pub const IPIB_VERSION: u8 = 1;

/// Parameter-list header flag: IPL parameter set (Linux `IPL_PL_FLAG_IPLPS`).
pub const PL_FLAG_IPLPS: u8 = 0x80;
/// Parameter-block-0 flag: the loadparm field is valid.
pub const PB0_FLAG_LOADPARM: u8 = 0x80;

/// Parameter-block types (uv-spec.md §6.4).
pub mod pbt {
    /// SCSI over FCP (list-directed).
    pub const FCP: u8 = 0;
    /// SCP data.
    pub const SCP_DATA: u8 = 1;
    /// CCW (channel-attached device).
    pub const CCW: u8 = 2;
    /// ECKD DASD (list-directed).
    pub const ECKD: u8 = 3;
    /// NVMe (list-directed).
    pub const NVME: u8 = 4;
    /// Protected virtualization (Secure Execution).
    pub const PV: u8 = 5;
    /// QEMU's SCSI pseudo type.
    pub const QEMU_SCSI: u8 = 0xff;
}

/// The fields every parameter block 0 shares after its length and type: the flags byte
/// at 0x0d and the 8-byte EBCDIC loadparm at 0x10 (uv-spec.md §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pb0Common {
    /// Flags: 0x80 loadparm valid, 0x40 SIPL, 0x20 IPLIR.
    pub flags: u8,
    /// The loadparm (EBCDIC).
    pub loadparm: [u8; 8],
}

/// The typed parameter block (uv-spec.md §6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamBlock {
    /// Type 0: SCSI over FCP.
    Fcp(FcpBlock),
    /// Type 2: CCW device.
    Ccw(CcwBlock),
    /// Type 4: NVMe.
    Nvme(NvmeBlock),
    /// Type 5: protected virtualization (se-format.md §3.6).
    Pv(PvBlock),
    /// Any other type (not 0, 2, 4 or 5), kept verbatim.
    Other {
        /// The parameter-block type.
        pbt: u8,
        /// The bytes after the 8-byte list header and the 16-byte common start (from
        /// offset 0x18 to the end of the IPIB).
        body: Vec<u8>,
    },
}

impl ParamBlock {
    /// The parameter-block type value.
    pub fn pbt(&self) -> u8 {
        match self {
            Self::Fcp(_) => pbt::FCP,
            Self::Ccw(_) => pbt::CCW,
            Self::Nvme(_) => pbt::NVME,
            Self::Pv(_) => pbt::PV,
            Self::Other { pbt, .. } => *pbt,
        }
    }
}

/// A complete IPL information block (uv-spec.md §6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipib {
    /// Parameter-list header flags (offset 4).
    pub flags: u8,
    /// Parameter-list header version (offset 7); s390-tools writes 1, QEMU ignores it,
    /// so any value is accepted.
    pub version: u8,
    /// The common start of parameter block 0.
    pub common: Pb0Common,
    /// The type-specific block.
    pub block: ParamBlock,
}

impl Ipib {
    /// A type-5 (PV) IPIB as pvimg writes it: list version 1, no flags, zero loadparm,
    /// PV version 1 (se-format.md §3.6).
    pub fn new_pv(hdr_addr: u64, hdr_size: u64, components: Vec<PvComponent>) -> Self {
        Self {
            flags: 0,
            version: IPIB_VERSION,
            common: Pb0Common::default(),
            block: ParamBlock::Pv(PvBlock {
                version: pv::PV_VERSION,
                hdr_addr,
                hdr_size,
                components,
            }),
        }
    }

    /// The PV block, if this is a type-5 IPIB.
    pub fn pv(&self) -> Option<&PvBlock> {
        match &self.block {
            ParamBlock::Pv(p) => Some(p),
            _ => None,
        }
    }

    /// The total length (`len` field) this IPIB serializes to.
    pub fn len(&self) -> usize {
        PB0_COMMON_END
            + match &self.block {
                ParamBlock::Fcp(b) => b.body_len(),
                ParamBlock::Ccw(_) => ccw::BODY_LEN,
                ParamBlock::Nvme(b) => b.body_len(),
                ParamBlock::Pv(b) => b.body_len(),
                ParamBlock::Other { body, .. } => body.len(),
            }
    }

    /// Always `false`: an IPIB has at least its headers (for clippy's `len` rule).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Parses an IPIB from the start of `b`. `b` may be longer than the declared length
    /// (e.g. a whole page); the bytes after it are ignored.
    pub fn parse(b: &[u8]) -> Result<Self> {
        let len = read_len(b)?;
        let b = &b[..len as usize];
        if b.len() < PB0_COMMON_END {
            return Err(Error::TooShort { need: PB0_COMMON_END, have: b.len() });
        }
        let blk_len = be::get_u32(b, 8).unwrap_or(0);
        if blk_len.checked_add(IPIB_HDR_LEN as u32) != Some(len) {
            return Err(Error::BlockLength { len, blk_len });
        }
        check_zero(b, 5..7)?;
        check_zero(b, 0x0e..0x10)?;
        let common =
            Pb0Common { flags: b[0x0d], loadparm: b[0x10..0x18].try_into().unwrap_or_default() };
        let block = match b[0x0c] {
            pbt::FCP => ParamBlock::Fcp(FcpBlock::parse(b)?),
            pbt::CCW => ParamBlock::Ccw(CcwBlock::parse(b)?),
            pbt::NVME => ParamBlock::Nvme(NvmeBlock::parse(b)?),
            pbt::PV => ParamBlock::Pv(PvBlock::parse(b)?),
            other => ParamBlock::Other { pbt: other, body: b[PB0_COMMON_END..].to_vec() },
        };
        Ok(Self { flags: b[4], version: b[7], common, block })
    }

    /// Serializes to exactly [`Ipib::len`] bytes. Fails only if a field cannot hold its
    /// value (e.g. more components than fit in 4096 bytes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        if let ParamBlock::Other {
            pbt: found @ (pbt::FCP | pbt::CCW | pbt::NVME | pbt::PV), ..
        } = self.block
        {
            // These types have typed variants; raw bytes would not parse back to `Other`.
            return Err(Error::WrongBlockType { expected: pbt::SCP_DATA, found });
        }
        let len = self.len();
        let len32 = u32::try_from(len).map_err(|_| Error::FieldOverflow { what: "len" })?;
        if len32 > IPIB_MAX_LEN {
            return Err(Error::IpibTooLong { len: len32 });
        }
        let mut b = alloc::vec![0u8; len];
        be::put_u32(&mut b, 0, len32);
        b[4] = self.flags;
        b[7] = self.version;
        be::put_u32(&mut b, 8, len32 - IPIB_HDR_LEN as u32);
        b[0x0c] = self.block.pbt();
        b[0x0d] = self.common.flags;
        b[0x10..0x18].copy_from_slice(&self.common.loadparm);
        match &self.block {
            ParamBlock::Fcp(x) => x.write(&mut b)?,
            ParamBlock::Ccw(x) => x.write(&mut b)?,
            ParamBlock::Nvme(x) => x.write(&mut b)?,
            ParamBlock::Pv(x) => x.write(&mut b)?,
            ParamBlock::Other { body, .. } => b[PB0_COMMON_END..].copy_from_slice(body),
        }
        Ok(b)
    }
}

/// Reads the `len` field and checks it against the 4096-byte maximum and the buffer.
pub fn read_len(b: &[u8]) -> Result<u32> {
    let len = be::get_u32(b, 0).ok_or(Error::TooShort { need: 4, have: b.len() })?;
    if len > IPIB_MAX_LEN {
        return Err(Error::IpibTooLong { len });
    }
    if (len as usize) < PB0_COMMON_END {
        return Err(Error::TooShort { need: PB0_COMMON_END, have: len as usize });
    }
    if b.len() < len as usize {
        return Err(Error::TooShort { need: len as usize, have: b.len() });
    }
    Ok(len)
}

/// Minimum IPIB length QEMU accepts for a type-0 (FCP) block with DIAG 308 subcode 5.
pub const DIAG_MIN_FCP_LEN: u32 = 384;
/// Minimum IPIB length QEMU accepts for a type-2 (CCW) block with DIAG 308 subcode 5.
pub const DIAG_MIN_CCW_LEN: u32 = 200;
/// Minimum IPIB length QEMU declares for a type-5 (PV) block (uv-spec.md §11 item 18).
pub const DIAG_MIN_PV_LEN: u32 = 148;

/// QEMU's rule for DIAG 308 subcode 5 ("set IPIB"): the block in `page` (the IPIB as
/// read from guest storage, zero-filled after its length) is valid only if it is FCP with
/// `len >= 384` or CCW with `len >= 200` (uv-spec.md §6.2). Type 5 is not accepted here.
pub fn diag_valid_normal(page: &[u8]) -> Result<()> {
    let len = read_len(page)?;
    let found = page[0x0c];
    let min = match found {
        pbt::FCP => DIAG_MIN_FCP_LEN,
        pbt::CCW => DIAG_MIN_CCW_LEN,
        _ => return Err(Error::WrongBlockType { expected: pbt::CCW, found }),
    };
    if len < min {
        return Err(Error::IpibTooShortForType { pbt: found, len, min });
    }
    Ok(())
}

/// Fails with [`Error::ReservedNotZero`] unless `b[range]` is all zero.
pub(crate) fn check_zero(b: &[u8], range: core::ops::Range<usize>) -> Result<()> {
    let start = range.start;
    match b.get(range) {
        Some(s) => match s.iter().position(|&x| x != 0) {
            Some(i) => Err(Error::ReservedNotZero { offset: start + i }),
            None => Ok(()),
        },
        None => Err(Error::TooShort { need: start, have: b.len() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_types_round_trip() {
        let ipib = Ipib {
            flags: PL_FLAG_IPLPS,
            version: 0,
            common: Pb0Common {
                flags: PB0_FLAG_LOADPARM,
                loadparm: *b"\xf1\xf2\x40\x40\x40\x40\x40\x40",
            },
            block: ParamBlock::Other { pbt: pbt::ECKD, body: alloc::vec![7u8; 100] },
        };
        let b = ipib.to_bytes().unwrap();
        assert_eq!(b.len(), 0x18 + 100);
        assert_eq!(be::get_u32(&b, 8), Some(0x10 + 100));
        assert_eq!(Ipib::parse(&b).unwrap(), ipib);
    }

    #[test]
    fn header_checks() {
        let ipib = Ipib {
            flags: 0,
            version: 1,
            common: Pb0Common::default(),
            block: ParamBlock::Other { pbt: 0x77, body: alloc::vec![] },
        };
        let good = ipib.to_bytes().unwrap();
        let typed = Ipib { block: ParamBlock::Other { pbt: pbt::PV, body: alloc::vec![] }, ..ipib };
        assert!(matches!(typed.to_bytes(), Err(Error::WrongBlockType { found: 5, .. })));
        assert!(matches!(Ipib::parse(&good[..3]), Err(Error::TooShort { need: 4, .. })));
        assert!(matches!(Ipib::parse(&good[..20]), Err(Error::TooShort { need: 24, have: 20 })));
        let mut b = good.clone();
        be::put_u32(&mut b, 0, 4097);
        assert!(matches!(Ipib::parse(&b), Err(Error::IpibTooLong { len: 4097 })));
        let mut b = good.clone();
        be::put_u32(&mut b, 8, 17);
        assert!(matches!(Ipib::parse(&b), Err(Error::BlockLength { len: 24, blk_len: 17 })));
        let mut b = good.clone();
        b[6] = 1;
        assert!(matches!(Ipib::parse(&b), Err(Error::ReservedNotZero { offset: 6 })));
        let mut b = good;
        b[0x0f] = 1;
        assert!(matches!(Ipib::parse(&b), Err(Error::ReservedNotZero { offset: 0x0f })));
    }

    #[test]
    fn diag_rules() {
        let mut page = [0u8; 4096];
        be::put_u32(&mut page, 0, 200);
        page[0x0c] = pbt::CCW;
        assert!(diag_valid_normal(&page).is_ok());
        be::put_u32(&mut page, 0, 199);
        assert!(matches!(
            diag_valid_normal(&page),
            Err(Error::IpibTooShortForType { min: 200, .. })
        ));
        page[0x0c] = pbt::FCP;
        be::put_u32(&mut page, 0, 384);
        assert!(diag_valid_normal(&page).is_ok());
        be::put_u32(&mut page, 0, 383);
        assert!(diag_valid_normal(&page).is_err());
        page[0x0c] = pbt::PV;
        be::put_u32(&mut page, 0, 400);
        assert!(matches!(diag_valid_normal(&page), Err(Error::WrongBlockType { found: 5, .. })));
    }
}
