//! The service-call logical processor (SCLP) behind SERVICE CALL (machine.md, "Console:
//! SCLP"; command words, SCCB layout and response codes as QEMU's `hw/s390x/sclp.c` and
//! `include/hw/s390x/sclp.h` define them).
//!
//! [`Sclp::service_call`] performs one SERVC the way QEMU does, in this order:
//! 1. the SCCB address is outside storage: addressing exception;
//! 2. the SCCB lies in real 0-8 KiB or the issuing CPU's prefix area, is not doubleword
//!    aligned or not below 2 GiB: specification exception;
//! 3. the 8-byte header is read; a length below 8: specification exception; the whole
//!    SCCB is read (addressing exception if it leaves storage);
//! 4. an unknown command word: response 0x01f0;
//! 5. an SCCB that crosses a 4 KiB boundary: response 0x0100 (READ SCP INFO and READ
//!    CPU INFO may cross it when facility 140, extended-length SCCB, is installed);
//! 6. the command runs ([`read_info`], [`event`]) and the SCCB is written back.
//!
//! The command completes at once; the caller then makes a service-signal external
//! interruption pending with the parameter this returns (SCCB address, bit 31 set when
//! event data is pending), and sets condition code 0.

pub mod event;
pub mod read_info;

use pv_core::{GuestAbs, Storage, be};
use pv_emu::interrupt::PgmCode;

use crate::host::Console;
pub use event::EventFacility;
pub use read_info::ScpInfo;

/// The mask that selects the command from a command word (the resource byte is ignored).
pub const COMMAND_MASK: u32 = 0xffff_00ff;

/// SCLP command words.
pub mod command {
    /// READ SCP INFO.
    pub const READ_SCP_INFO: u32 = 0x0002_0001;
    /// READ SCP INFO FORCED.
    pub const READ_SCP_INFO_FORCED: u32 = 0x0012_0001;
    /// READ CPU INFO.
    pub const READ_CPU_INFO: u32 = 0x0001_0001;
    /// READ EVENT DATA.
    pub const READ_EVENT_DATA: u32 = 0x0077_0005;
    /// WRITE EVENT DATA.
    pub const WRITE_EVENT_DATA: u32 = 0x0076_0005;
    /// WRITE EVENT MASK.
    pub const WRITE_EVENT_MASK: u32 = 0x0078_0005;
}

/// SCCB response codes.
pub mod response {
    /// Normal read completion.
    pub const NORMAL_READ: u16 = 0x0010;
    /// Normal completion.
    pub const NORMAL: u16 = 0x0020;
    /// SCCB boundary violation.
    pub const BOUNDARY_VIOLATION: u16 = 0x0100;
    /// Invalid SCLP command.
    pub const INVALID_COMMAND: u16 = 0x01f0;
    /// Insufficient SCCB length.
    pub const INSUFFICIENT_LENGTH: u16 = 0x0300;
    /// Invalid function code.
    pub const INVALID_FUNCTION: u16 = 0x40f0;
    /// No event buffers stored.
    pub const NO_EVENT_BUFFERS: u16 = 0x60f0;
    /// Invalid selection mask.
    pub const INVALID_SELECTION_MASK: u16 = 0x70f0;
    /// Inconsistent lengths.
    pub const INCONSISTENT_LENGTHS: u16 = 0x72f0;
    /// Event buffer syntax error.
    pub const EVENT_BUFFER_SYNTAX: u16 = 0x73f0;
    /// Invalid mask length.
    pub const INVALID_MASK_LENGTH: u16 = 0x74f0;
}

/// The size of an SCCB header (length, function code, control mask, response code).
pub const HEADER_LEN: usize = 8;
/// The size of a standard SCCB.
pub const SCCB_SIZE: usize = 4096;
/// Control-mask byte 2 bit: variable-length response.
pub const VARIABLE_LENGTH_RESPONSE: u8 = 0x80;

/// The SCCB header fields the commands use (offsets 0, 2, 5, 6).
pub(crate) mod header {
    pub const LENGTH: usize = 0;
    pub const FUNCTION: usize = 2;
    pub const CONTROL2: usize = 5;
    pub const RESPONSE: usize = 6;
}

/// Sets the response code of the SCCB in `buf`.
pub(crate) fn set_response(buf: &mut [u8], rc: u16) {
    be::put_u16(buf, header::RESPONSE, rc);
}

/// The SCLP of one machine: its event facility.
#[derive(Debug, Clone, Default)]
pub struct Sclp {
    /// The event facility (console, masks).
    pub events: EventFacility,
}

impl Sclp {
    /// Performs SERVICE CALL with `command` (R1 bits 32-63) on the SCCB at real address
    /// `sccb` (R2) for a CPU whose prefix is `prefix`. `Ok` carries the service-signal
    /// parameter; `Err` the program exception to deliver instead.
    pub fn service_call<S: Storage + ?Sized>(
        &mut self,
        mem: &mut S,
        info: &ScpInfo,
        console: &mut dyn Console,
        command: u32,
        sccb: u64,
        prefix: u32,
    ) -> Result<u32, PgmCode> {
        // Rule 1: the SCCB must be in storage.
        if sccb >= mem.size() {
            return Err(PgmCode::Addressing);
        }
        // Rule 2: not in low core or the prefix area, doubleword aligned, below 2 GiB.
        let page2 = sccb & !0x1fff;
        if page2 == 0 || page2 == u64::from(prefix) || sccb & !0x7fff_fff8 != 0 {
            return Err(PgmCode::Specification);
        }
        // Rule 3: the header, then the whole block.
        let mut hdr = [0u8; HEADER_LEN];
        mem.read(GuestAbs(sccb), &mut hdr).map_err(|_| PgmCode::Addressing)?;
        let len = usize::from(u16::from_be_bytes([hdr[0], hdr[1]]));
        if len < HEADER_LEN {
            return Err(PgmCode::Specification);
        }
        let mut buf = vec![0u8; len];
        mem.read(GuestAbs(sccb), &mut buf).map_err(|_| PgmCode::Addressing)?;
        let cmd = command & COMMAND_MASK;
        if !is_known(cmd) {
            // Rule 4.
            set_response(&mut buf, response::INVALID_COMMAND);
        } else if !within_boundary(sccb, len, cmd, info.extended_length) {
            // Rule 5.
            set_response(&mut buf, response::BOUNDARY_VIOLATION);
        } else {
            // Rule 6.
            self.execute(&mut buf, cmd, info, console);
        }
        mem.write(GuestAbs(sccb), &buf).map_err(|_| PgmCode::Addressing)?;
        Ok((sccb as u32 & !3) | u32::from(self.events.event_pending()))
    }

    /// Runs `command` on an SCCB given as bytes, `buf` (its header included), as the
    /// host does for a secure guest whose SCCB travels through the SIDA (uv-spec.md
    /// §5.3): the address checks of [`Self::service_call`] (rules 1-3 and the boundary
    /// rule 5) are the ultravisor's there, so only rule 4 (an unknown command: response
    /// 0x01f0) and rule 6 apply. The response is written into `buf`. Returns whether
    /// event data is pending (bit 31 of the service-signal parameter that must follow).
    /// A `buf` shorter than the SCCB header gets nothing but `false`.
    pub fn process_sccb(
        &mut self,
        buf: &mut [u8],
        info: &ScpInfo,
        console: &mut dyn Console,
        command: u32,
    ) -> bool {
        if buf.len() < HEADER_LEN {
            return false;
        }
        let cmd = command & COMMAND_MASK;
        if is_known(cmd) {
            self.execute(buf, cmd, info, console);
        } else {
            set_response(buf, response::INVALID_COMMAND);
        }
        self.events.event_pending()
    }

    fn execute(&mut self, buf: &mut [u8], cmd: u32, info: &ScpInfo, console: &mut dyn Console) {
        match cmd {
            command::READ_SCP_INFO | command::READ_SCP_INFO_FORCED => {
                read_info::read_scp_info(buf, info)
            }
            command::READ_CPU_INFO => read_info::read_cpu_info(buf, info),
            command::WRITE_EVENT_MASK => self.events.write_event_mask(buf),
            command::WRITE_EVENT_DATA => self.events.write_event_data(buf, console),
            _ => self.events.read_event_data(buf),
        }
    }

    /// The parameter of a service signal that only announces pending event data
    /// (no SCCB), or `None` when no event data is pending (QEMU's `service_interrupt`).
    pub fn attention(&self) -> Option<u32> {
        self.events.event_pending().then_some(1)
    }
}

fn is_known(cmd: u32) -> bool {
    use command::*;
    matches!(
        cmd,
        READ_SCP_INFO
            | READ_SCP_INFO_FORCED
            | READ_CPU_INFO
            | READ_EVENT_DATA
            | WRITE_EVENT_DATA
            | WRITE_EVENT_MASK
    )
}

/// Whether the SCCB stays inside its 4 KiB page (or may leave it: the info commands
/// with an extended-length SCCB).
fn within_boundary(sccb: u64, len: usize, cmd: u32, extended_length: bool) -> bool {
    let info_cmd = matches!(
        cmd,
        command::READ_SCP_INFO | command::READ_SCP_INFO_FORCED | command::READ_CPU_INFO
    );
    if info_cmd && extended_length {
        return true;
    }
    sccb + len as u64 - 1 < (sccb & !0xfff) + 0x1000
}

#[cfg(test)]
mod tests;
