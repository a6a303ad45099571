//! The type-2 (CCW device) parameter block: fixed length, 200 bytes in total
//! (uv-spec.md §6.4 names the type and QEMU's 200-byte minimum; offsets from the Linux
//! `ipl_pb0_ccw` layout).
//!
//! | off | size | field |
//! |---|---|---|
//! | 0x18 | 84 | reserved |
//! | 0x6c | 2 | reserved (13 bits), ssid (low 3 bits) |
//! | 0x6e | 2 | devno |
//! | 0x70 | 1 | vm_flags |
//! | 0x71 | 3 | reserved |
//! | 0x74 | 4 | vm_parm_len (≤ 64) |
//! | 0x78 | 8 | nss_name (EBCDIC) |
//! | 0x80 | 64 | vm_parm |
//! | 0xc0 | 8 | reserved |

use alloc::vec::Vec;

use pv_core::be;

use super::{PB0_COMMON_END, check_zero};
use crate::{Error, Result};

/// Total IPIB length of a CCW block.
pub(crate) const TOTAL_LEN: usize = 200;
/// Bytes after offset 0x18.
pub(crate) const BODY_LEN: usize = TOTAL_LEN - PB0_COMMON_END;
const VM_PARM: usize = 0x80;
const VM_PARM_MAX: usize = 64;

/// VM flag: `nss_name` names a named saved system.
pub const VM_FLAG_NSS: u8 = 0x80;
/// VM flag: `vm_parm` is valid.
pub const VM_FLAG_VP: u8 = 0x40;

/// A type-2 (CCW device) parameter block (uv-spec.md §6.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CcwBlock {
    /// Subchannel-set id (0..=7).
    pub ssid: u8,
    /// Device number.
    pub devno: u16,
    /// VM flags ([`VM_FLAG_NSS`], [`VM_FLAG_VP`]).
    pub vm_flags: u8,
    /// Named saved system name (EBCDIC).
    pub nss_name: [u8; 8],
    /// VM parameter string (at most 64 bytes; its length is `vm_parm_len`).
    pub vm_parm: Vec<u8>,
}

impl CcwBlock {
    pub(crate) fn parse(b: &[u8]) -> Result<Self> {
        if b.len() != TOTAL_LEN {
            return Err(Error::IpibLengthForType {
                pbt: super::pbt::CCW,
                len: b.len() as u32,
                expected: TOTAL_LEN as u32,
            });
        }
        check_zero(b, PB0_COMMON_END..0x6d)?;
        if b[0x6d] & !7 != 0 {
            return Err(Error::ReservedNotZero { offset: 0x6d });
        }
        check_zero(b, 0x71..0x74)?;
        let vm_parm_len = be::get_u32(b, 0x74).unwrap_or(0);
        if vm_parm_len as usize > VM_PARM_MAX {
            return Err(Error::VmParmLength { vm_parm_len });
        }
        let end = VM_PARM + vm_parm_len as usize;
        check_zero(b, end..TOTAL_LEN)?;
        Ok(Self {
            ssid: b[0x6d],
            devno: be::get_u16(b, 0x6e).unwrap_or(0),
            vm_flags: b[0x70],
            nss_name: b[0x78..0x80].try_into().unwrap_or_default(),
            vm_parm: b[VM_PARM..end].to_vec(),
        })
    }

    pub(crate) fn write(&self, b: &mut [u8]) -> Result<()> {
        if self.ssid > 7 {
            return Err(Error::FieldOverflow { what: "ssid" });
        }
        if self.vm_parm.len() > VM_PARM_MAX {
            return Err(Error::VmParmLength { vm_parm_len: self.vm_parm.len() as u32 });
        }
        b[0x6d] = self.ssid;
        be::put_u16(b, 0x6e, self.devno);
        b[0x70] = self.vm_flags;
        be::put_u32(b, 0x74, self.vm_parm.len() as u32);
        b[0x78..0x80].copy_from_slice(&self.nss_name);
        b[VM_PARM..VM_PARM + self.vm_parm.len()].copy_from_slice(&self.vm_parm);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Ipib, ParamBlock, Pb0Common};
    use super::*;

    fn ccw() -> Ipib {
        Ipib {
            flags: 0x80,
            version: 1,
            common: Pb0Common { flags: 0x80, loadparm: [0xc1; 8] },
            block: ParamBlock::Ccw(CcwBlock {
                ssid: 1,
                devno: 0xb000,
                vm_flags: VM_FLAG_VP,
                nss_name: [0; 8],
                vm_parm: b"\xc1\xc2".to_vec(),
            }),
        }
    }

    #[test]
    fn offsets_and_round_trip() {
        let b = ccw().to_bytes().unwrap();
        assert_eq!(b.len(), 200);
        assert_eq!(be::get_u32(&b, 8), Some(192));
        assert_eq!(b[0x0c], 2);
        assert_eq!(b[0x6d], 1);
        assert_eq!(be::get_u16(&b, 0x6e), Some(0xb000));
        assert_eq!(be::get_u32(&b, 0x74), Some(2));
        assert_eq!(&b[0x80..0x82], b"\xc1\xc2");
        assert_eq!(Ipib::parse(&b).unwrap(), ccw());
    }

    #[test]
    fn errors() {
        let good = ccw().to_bytes().unwrap();
        let mut b = good.clone();
        b[0x6d] = 0x09;
        assert!(matches!(Ipib::parse(&b), Err(Error::ReservedNotZero { offset: 0x6d })));
        let mut b = good.clone();
        be::put_u32(&mut b, 0x74, 65);
        assert!(matches!(Ipib::parse(&b), Err(Error::VmParmLength { vm_parm_len: 65 })));
        let mut b = good.clone();
        b[0x90] = 1; // after vm_parm_len bytes of vm_parm
        assert!(matches!(Ipib::parse(&b), Err(Error::ReservedNotZero { offset: 0x90 })));
        let mut b = good.clone();
        b.push(0);
        be::put_u32(&mut b, 0, 201);
        be::put_u32(&mut b, 8, 193);
        assert!(matches!(Ipib::parse(&b), Err(Error::IpibLengthForType { len: 201, .. })));
        let mut bad = ccw();
        if let ParamBlock::Ccw(c) = &mut bad.block {
            c.ssid = 8;
        }
        assert!(matches!(bad.to_bytes(), Err(Error::FieldOverflow { what: "ssid" })));
    }
}
