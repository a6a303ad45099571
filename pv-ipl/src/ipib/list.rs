//! The list-directed parameter blocks: type 0 (SCSI over FCP) and type 4 (NVMe). Both
//! have a fixed part of 0x284 bytes (counted from the start of the IPIB) followed by
//! `scp_data_len` bytes of SCP data, so `len == 0x284 + scp_data_len` (uv-spec.md §6.4
//! names the types; offsets from the Linux `ipl_pb0_fcp`/`ipl_pb0_nvme` layouts).
//!
//! | off | size | FCP | NVMe |
//! |---|---|---|---|
//! | 0x18 | 304 | reserved | reserved |
//! | 0x148 | 1 | opt (0x10 IPL, 0x20 dump) | opt |
//! | 0x14c | 4 | cssid (1), res (1), devno (2) | fid |
//! | 0x150 | 4 | reserved | reserved (12) |
//! | 0x154 | 8 | wwpn | … |
//! | 0x15c | 8 | lun | nsid (4), reserved (4) |
//! | 0x164 | 4 | bootprog | bootprog |
//! | 0x168 | 12 | reserved | reserved |
//! | 0x174 | 8 | br_lba | br_lba |
//! | 0x17c | 4 | scp_data_len | scp_data_len |
//! | 0x180 | 260 | reserved | reserved |
//! | 0x284 | n | scp_data | scp_data |

use alloc::vec::Vec;

use pv_core::be;

use super::{PB0_COMMON_END, check_zero};
use crate::{Error, Result};

/// End of the fixed part (start of the SCP data), from the start of the IPIB.
pub(crate) const FIXED_END: usize = 0x284;
const OPT: usize = 0x148;
const BOOTPROG: usize = 0x164;
const BR_LBA: usize = 0x174;
const SCP_LEN: usize = 0x17c;

/// Load option: IPL.
pub const OPT_IPL: u8 = 0x10;
/// Load option: dump.
pub const OPT_DUMP: u8 = 0x20;

/// The fields FCP and NVMe share.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct ListFields {
    opt: u8,
    bootprog: u32,
    br_lba: u64,
    scp_data: Vec<u8>,
}

impl ListFields {
    fn parse(b: &[u8], expected_pbt: u8) -> Result<Self> {
        let found = b[0x0c];
        if found != expected_pbt {
            return Err(Error::WrongBlockType { expected: expected_pbt, found });
        }
        if b.len() < FIXED_END {
            return Err(Error::TooShort { need: FIXED_END, have: b.len() });
        }
        check_zero(b, PB0_COMMON_END..OPT)?;
        check_zero(b, OPT + 1..0x14c)?;
        check_zero(b, BOOTPROG + 4..BR_LBA)?;
        check_zero(b, SCP_LEN + 4..FIXED_END)?;
        let scp_data_len = be::get_u32(b, SCP_LEN).unwrap_or(0);
        let len = b.len() as u32;
        if scp_data_len as u64 + FIXED_END as u64 != len as u64 {
            return Err(Error::ScpDataLength { scp_data_len, len });
        }
        Ok(Self {
            opt: b[OPT],
            bootprog: be::get_u32(b, BOOTPROG).unwrap_or(0),
            br_lba: be::get_u64(b, BR_LBA).unwrap_or(0),
            scp_data: b[FIXED_END..].to_vec(),
        })
    }

    fn write(&self, b: &mut [u8]) -> Result<()> {
        let n = u32::try_from(self.scp_data.len())
            .map_err(|_| Error::FieldOverflow { what: "scp_data_len" })?;
        b[OPT] = self.opt;
        be::put_u32(b, BOOTPROG, self.bootprog);
        be::put_u64(b, BR_LBA, self.br_lba);
        be::put_u32(b, SCP_LEN, n);
        b[FIXED_END..].copy_from_slice(&self.scp_data);
        Ok(())
    }
}

/// A type-0 (SCSI over FCP) parameter block (uv-spec.md §6.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FcpBlock {
    /// Load option ([`OPT_IPL`] or [`OPT_DUMP`]).
    pub opt: u8,
    /// Channel-subsystem id of the FCP device.
    pub cssid: u8,
    /// Device number of the FCP device.
    pub devno: u16,
    /// World-wide port name of the target.
    pub wwpn: u64,
    /// Logical unit number.
    pub lun: u64,
    /// Boot program selector.
    pub bootprog: u32,
    /// Boot record logical block address.
    pub br_lba: u64,
    /// SCP data (its length is `scp_data_len`).
    pub scp_data: Vec<u8>,
}

impl FcpBlock {
    pub(crate) fn body_len(&self) -> usize {
        FIXED_END - PB0_COMMON_END + self.scp_data.len()
    }

    pub(crate) fn parse(b: &[u8]) -> Result<Self> {
        let f = ListFields::parse(b, super::pbt::FCP)?;
        check_zero(b, 0x14d..0x14e)?;
        check_zero(b, 0x150..0x154)?;
        Ok(Self {
            opt: f.opt,
            cssid: b[0x14c],
            devno: be::get_u16(b, 0x14e).unwrap_or(0),
            wwpn: be::get_u64(b, 0x154).unwrap_or(0),
            lun: be::get_u64(b, 0x15c).unwrap_or(0),
            bootprog: f.bootprog,
            br_lba: f.br_lba,
            scp_data: f.scp_data,
        })
    }

    pub(crate) fn write(&self, b: &mut [u8]) -> Result<()> {
        let f = ListFields {
            opt: self.opt,
            bootprog: self.bootprog,
            br_lba: self.br_lba,
            scp_data: self.scp_data.clone(),
        };
        f.write(b)?;
        b[0x14c] = self.cssid;
        be::put_u16(b, 0x14e, self.devno);
        be::put_u64(b, 0x154, self.wwpn);
        be::put_u64(b, 0x15c, self.lun);
        Ok(())
    }
}

/// A type-4 (NVMe) parameter block (uv-spec.md §6.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NvmeBlock {
    /// Load option ([`OPT_IPL`] or [`OPT_DUMP`]).
    pub opt: u8,
    /// PCI function id.
    pub fid: u32,
    /// Namespace id.
    pub nsid: u32,
    /// Boot program selector.
    pub bootprog: u32,
    /// Boot record logical block address.
    pub br_lba: u64,
    /// SCP data (its length is `scp_data_len`).
    pub scp_data: Vec<u8>,
}

impl NvmeBlock {
    pub(crate) fn body_len(&self) -> usize {
        FIXED_END - PB0_COMMON_END + self.scp_data.len()
    }

    pub(crate) fn parse(b: &[u8]) -> Result<Self> {
        let f = ListFields::parse(b, super::pbt::NVME)?;
        check_zero(b, 0x150..0x15c)?;
        check_zero(b, 0x160..0x164)?;
        Ok(Self {
            opt: f.opt,
            fid: be::get_u32(b, 0x14c).unwrap_or(0),
            nsid: be::get_u32(b, 0x15c).unwrap_or(0),
            bootprog: f.bootprog,
            br_lba: f.br_lba,
            scp_data: f.scp_data,
        })
    }

    pub(crate) fn write(&self, b: &mut [u8]) -> Result<()> {
        let f = ListFields {
            opt: self.opt,
            bootprog: self.bootprog,
            br_lba: self.br_lba,
            scp_data: self.scp_data.clone(),
        };
        f.write(b)?;
        be::put_u32(b, 0x14c, self.fid);
        be::put_u32(b, 0x15c, self.nsid);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Ipib, ParamBlock, Pb0Common};
    use super::*;

    fn fcp() -> Ipib {
        Ipib {
            flags: 0,
            version: 1,
            common: Pb0Common::default(),
            block: ParamBlock::Fcp(FcpBlock {
                opt: OPT_IPL,
                cssid: 0xfe,
                devno: 0x1234,
                wwpn: 0x5005_0763_0a00_0001,
                lun: 0x4010_4000_0000_0000,
                bootprog: 3,
                br_lba: 0x99,
                scp_data: alloc::vec![1, 2, 3, 4, 5, 6, 7, 8],
            }),
        }
    }

    #[test]
    fn fcp_offsets_and_round_trip() {
        let b = fcp().to_bytes().unwrap();
        assert_eq!(b.len(), 0x284 + 8);
        assert_eq!(b[0x0c], 0);
        assert_eq!(b[0x148], OPT_IPL);
        assert_eq!(b[0x14c], 0xfe);
        assert_eq!(be::get_u16(&b, 0x14e), Some(0x1234));
        assert_eq!(be::get_u64(&b, 0x154), Some(0x5005_0763_0a00_0001));
        assert_eq!(be::get_u32(&b, 0x164), Some(3));
        assert_eq!(be::get_u32(&b, 0x17c), Some(8));
        assert_eq!(b[0x284], 1);
        assert_eq!(Ipib::parse(&b).unwrap(), fcp());
    }

    #[test]
    fn fcp_errors() {
        let good = fcp().to_bytes().unwrap();
        let mut b = good.clone();
        be::put_u32(&mut b, 0x17c, 9);
        assert!(matches!(Ipib::parse(&b), Err(Error::ScpDataLength { scp_data_len: 9, .. })));
        let mut b = good.clone();
        b[0x14d] = 1;
        assert!(matches!(Ipib::parse(&b), Err(Error::ReservedNotZero { offset: 0x14d })));
        let mut b = good[..384].to_vec();
        be::put_u32(&mut b, 0, 384);
        be::put_u32(&mut b, 8, 376);
        assert!(matches!(Ipib::parse(&b), Err(Error::TooShort { need: 0x284, .. })));
    }

    #[test]
    fn nvme_round_trip() {
        let ipib = Ipib {
            flags: 0,
            version: 1,
            common: Pb0Common { flags: 0x80, loadparm: [0x40; 8] },
            block: ParamBlock::Nvme(NvmeBlock {
                opt: OPT_DUMP,
                fid: 0x10,
                nsid: 1,
                bootprog: 0,
                br_lba: 7,
                scp_data: alloc::vec![],
            }),
        };
        let b = ipib.to_bytes().unwrap();
        assert_eq!(b.len(), 0x284);
        assert_eq!(b[0x0c], 4);
        assert_eq!(be::get_u32(&b, 0x14c), Some(0x10));
        assert_eq!(be::get_u32(&b, 0x15c), Some(1));
        assert_eq!(Ipib::parse(&b).unwrap(), ipib);
        let mut bad = b.clone();
        bad[0x160] = 1;
        assert!(matches!(Ipib::parse(&bad), Err(Error::ReservedNotZero { offset: 0x160 })));
    }
}
