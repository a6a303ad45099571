//! READ SCP INFO (forced or not) and READ CPU INFO (machine.md, "READ SCP INFO fields
//! the runtime consumes"; field offsets as QEMU's `ReadInfo`, `ReadCpuInfo` and
//! `CPUEntry`).
//!
//! READ SCP INFO block (offsets in bytes): 8 rnmax (u16, storage increments, 0 if they
//! do not fit), 10 rnsize (u8, increment size in MiB, 0 if above 128), 16 number of CPU
//! entries, 18 offset of the first entry (128), 24 load parameter (8 EBCDIC blanks),
//! 48 SCLP facilities (READ CPU INFO available), 100 rnsize2 (u32), 104 rnmax2 (u64),
//! 120 highest CPU address, 128 the CPU entries. A CPU entry is 16 bytes: 0 CPU address,
//! 2-7 feature bits (none), 14 CPU type (0, general purpose).

use pv_core::be;

use super::{HEADER_LEN, VARIABLE_LENGTH_RESPONSE, header, response, set_response};
use crate::ebcdic;

/// Offset of the CPU entries in the READ SCP INFO block.
pub const SCP_INFO_CPU_OFFSET: usize = 128;
/// Offset of the CPU entries in the READ CPU INFO block.
pub const CPU_INFO_CPU_OFFSET: usize = 24;
/// Size of one CPU entry.
pub const CPU_ENTRY_SIZE: usize = 16;
/// SCLP facilities: READ CPU INFO is available (QEMU's `SCLP_HAS_CPU_INFO`).
pub const FACILITY_CPU_INFO: u64 = 0x0c00_0000_0000_0000;

/// Offsets in the READ SCP INFO block.
mod off {
    pub const RNMAX: usize = 8;
    pub const RNSIZE: usize = 10;
    pub const ENTRIES_CPU: usize = 16;
    pub const OFFSET_CPU: usize = 18;
    pub const LOADPARM: usize = 24;
    pub const FACILITIES: usize = 48;
    pub const RNSIZE2: usize = 100;
    pub const RNMAX2: usize = 104;
    pub const HIGHEST_CPU: usize = 120;
}

/// What READ SCP INFO and READ CPU INFO report about the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScpInfo {
    /// Usable storage in bytes.
    pub memory: u64,
    /// The storage increment size as a power of two (20 = 1 MiB).
    pub increment_shift: u32,
    /// The configured CPUs' addresses.
    pub cpus: Vec<u16>,
    /// Facility 140 (extended-length SCCB) is installed.
    pub extended_length: bool,
}

/// The SCCB is shorter than `required`: response 0x0300, and with a variable-length
/// response request the length field is set to what is needed.
fn too_short(buf: &mut [u8], required: usize) -> bool {
    if buf.len() >= required {
        return false;
    }
    if buf[header::CONTROL2] & VARIABLE_LENGTH_RESPONSE != 0 {
        be::put_u16(buf, header::LENGTH, required.min(0xffff) as u16);
    }
    set_response(buf, response::INSUFFICIENT_LENGTH);
    true
}

fn put_cpu_entries(buf: &mut [u8], at: usize, cpus: &[u16]) {
    for (i, &addr) in cpus.iter().enumerate() {
        let e = at + i * CPU_ENTRY_SIZE;
        buf[e..e + CPU_ENTRY_SIZE].fill(0);
        buf[e] = addr as u8;
    }
}

/// READ SCP INFO (and FORCED) into the SCCB in `buf`.
pub fn read_scp_info(buf: &mut [u8], info: &ScpInfo) {
    if too_short(buf, SCP_INFO_CPU_OFFSET + info.cpus.len() * CPU_ENTRY_SIZE) {
        return;
    }
    buf[HEADER_LEN..].fill(0);
    let rnsize = 1u64 << (info.increment_shift - 20);
    if rnsize <= 128 {
        buf[off::RNSIZE] = rnsize as u8;
    } else {
        be::put_u32(buf, off::RNSIZE2, rnsize as u32);
    }
    let rnmax = info.memory >> info.increment_shift;
    if rnmax < 0x1_0000 {
        be::put_u16(buf, off::RNMAX, rnmax as u16);
    } else {
        be::put_u64(buf, off::RNMAX2, rnmax);
    }
    be::put_u16(buf, off::ENTRIES_CPU, info.cpus.len() as u16);
    be::put_u16(buf, off::OFFSET_CPU, SCP_INFO_CPU_OFFSET as u16);
    ebcdic::put_padded(&mut buf[off::LOADPARM..off::LOADPARM + 8], "");
    be::put_u64(buf, off::FACILITIES, FACILITY_CPU_INFO);
    let highest = info.cpus.iter().copied().max().unwrap_or(0);
    be::put_u16(buf, off::HIGHEST_CPU, highest);
    put_cpu_entries(buf, SCP_INFO_CPU_OFFSET, &info.cpus);
    set_response(buf, response::NORMAL_READ);
}

/// READ CPU INFO into the SCCB in `buf`: 8 configured count, 10 their offset (24),
/// 12 standby count (0), 14 standby offset, 24 the entries.
pub fn read_cpu_info(buf: &mut [u8], info: &ScpInfo) {
    let n = info.cpus.len();
    if too_short(buf, CPU_INFO_CPU_OFFSET + n * CPU_ENTRY_SIZE) {
        return;
    }
    buf[HEADER_LEN..].fill(0);
    be::put_u16(buf, 8, n as u16);
    be::put_u16(buf, 10, CPU_INFO_CPU_OFFSET as u16);
    be::put_u16(buf, 12, 0);
    be::put_u16(buf, 14, (CPU_INFO_CPU_OFFSET + n * CPU_ENTRY_SIZE) as u16);
    put_cpu_entries(buf, CPU_INFO_CPU_OFFSET, &info.cpus);
    set_response(buf, response::NORMAL_READ);
}
