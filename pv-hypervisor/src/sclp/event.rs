//! The SCLP event facility: WRITE EVENT MASK, WRITE EVENT DATA and READ EVENT DATA
//! (machine.md, "Console: SCLP"; layouts and checks as QEMU's
//! `hw/s390x/event-facility.c` and `sclpconsole.c`).
//!
//! Event masks: event type `t` (1-64) is bit `t - 1` counting from the left of the mask
//! bytes; this module keeps masks as a left-aligned `u64`. The SCLP sends ASCII console
//! data (type 0x1a, input) and receives ASCII console data and messages (type 0x02,
//! line-mode output, accepted and dropped *\[inferred\]*: machine.md allows an emulator
//! to implement only type 0x1a).
//!
//! WRITE EVENT MASK block: 10 mask length L (u16, 1-1021), 12 the guest's receive mask,
//! 12+L its send mask, 12+2L the SCLP's receive mask, 12+3L the SCLP's send mask.
//! Event buffer: 0 length (u16, header included), 2 type, 3 flags (0x80 accepted),
//! 4 reserved, 6 data.

use std::collections::VecDeque;

use pv_core::be;

use super::{HEADER_LEN, SCCB_SIZE, VARIABLE_LENGTH_RESPONSE, header, response, set_response};
use crate::host::Console;

/// Event types.
pub mod event_type {
    /// Operator command (line-mode input).
    pub const OPERATOR_COMMAND: u8 = 0x01;
    /// Message (line-mode output).
    pub const MESSAGE: u8 = 0x02;
    /// ASCII console data.
    pub const ASCII_CONSOLE: u8 = 0x1a;
}

/// The left-aligned 64-bit mask bit of event type `t` (1-64).
pub const fn mask_bit(t: u8) -> u64 {
    1 << (64 - t as u32)
}

/// Event types the SCLP can send to the guest.
pub const HOST_SEND_MASK: u64 = mask_bit(event_type::ASCII_CONSOLE);
/// Event types the SCLP accepts from the guest.
pub const HOST_RECEIVE_MASK: u64 =
    mask_bit(event_type::ASCII_CONSOLE) | mask_bit(event_type::MESSAGE);
/// The largest mask length WRITE EVENT MASK accepts.
pub const MASK_LEN_MAX: usize = 1021;
/// Event buffer header size.
pub const EVENT_HEADER_LEN: usize = 6;
/// Event buffer flag: accepted.
pub const BUFFER_ACCEPTED: u8 = 0x80;

/// READ EVENT DATA function codes.
mod function {
    pub const UNCONDITIONAL_READ: u8 = 0;
    pub const SELECTIVE_READ: u8 = 1;
}

/// The event facility's state: the guest's receive mask and buffered console input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFacility {
    /// Event types the guest accepts (left-aligned).
    pub receive_mask: u64,
    /// The mask length of the last WRITE EVENT MASK (4 until the first).
    pub mask_length: u16,
    /// Console input not yet read by the guest.
    pub input: VecDeque<u8>,
}

impl Default for EventFacility {
    /// No events enabled; mask length 4 (QEMU's initial value).
    fn default() -> Self {
        Self { receive_mask: 0, mask_length: 4, input: VecDeque::new() }
    }
}

/// Reads up to 8 mask bytes of a mask of `len` bytes at `at`, left-aligned.
fn get_mask(buf: &[u8], at: usize, len: usize) -> u64 {
    let mut m = [0u8; 8];
    let n = len.min(8);
    m[..n].copy_from_slice(&buf[at..at + n]);
    u64::from_be_bytes(m)
}

/// Writes `mask` as `len` bytes at `at` (zeros past the 8th byte).
fn put_mask(buf: &mut [u8], at: usize, len: usize, mask: u64) {
    let m = mask.to_be_bytes();
    for i in 0..len {
        buf[at + i] = m.get(i).copied().unwrap_or(0);
    }
}

impl EventFacility {
    /// Whether event data is pending that the guest has enabled (QEMU's `event_pending`).
    pub fn event_pending(&self) -> bool {
        !self.input.is_empty() && self.receive_mask & HOST_SEND_MASK != 0
    }

    /// Queues console input for READ EVENT DATA.
    pub fn push_input(&mut self, bytes: &[u8]) {
        self.input.extend(bytes);
    }

    /// Resets the guest's masks (a subsystem reset); buffered input stays.
    pub fn reset(&mut self) {
        self.receive_mask = 0;
        self.mask_length = 4;
    }

    /// WRITE EVENT MASK.
    pub fn write_event_mask(&mut self, buf: &mut [u8]) {
        if buf.len() < 12 {
            set_response(buf, response::INSUFFICIENT_LENGTH);
            return;
        }
        let len = usize::from(be::get_u16(buf, 10).unwrap_or(0));
        if len == 0 || len > MASK_LEN_MAX {
            set_response(buf, response::INVALID_MASK_LENGTH);
            return;
        }
        if buf.len() < 12 + 4 * len {
            set_response(buf, response::INSUFFICIENT_LENGTH);
            return;
        }
        self.receive_mask = get_mask(buf, 12, len);
        put_mask(buf, 12 + 2 * len, len, HOST_RECEIVE_MASK);
        put_mask(buf, 12 + 3 * len, len, HOST_SEND_MASK);
        self.mask_length = len as u16;
        set_response(buf, response::NORMAL);
    }

    /// WRITE EVENT DATA: every buffer is length-checked first (0x73f0); then each is
    /// handled in order, and after the first one no handler accepts (0x40f0) the rest are
    /// marked not accepted.
    pub fn write_event_data(&mut self, buf: &mut [u8], console: &mut dyn Console) {
        if buf[header::FUNCTION] != 0 {
            set_response(buf, response::INVALID_FUNCTION);
            return;
        }
        let mut at = HEADER_LEN;
        while at < buf.len() {
            let elen = usize::from(be::get_u16(buf, at).unwrap_or(0));
            if elen < EVENT_HEADER_LEN || elen > buf.len() - at {
                set_response(buf, response::EVENT_BUFFER_SYNTAX);
                return;
            }
            at += elen;
        }
        let mut rc = response::NORMAL;
        let mut at = HEADER_LEN;
        while at < buf.len() {
            let elen = usize::from(be::get_u16(buf, at).unwrap_or(0));
            if rc != response::NORMAL {
                buf[at + 3] &= !BUFFER_ACCEPTED;
            } else {
                match buf[at + 2] {
                    event_type::ASCII_CONSOLE => {
                        console.output(&buf[at + EVENT_HEADER_LEN..at + elen]);
                        buf[at + 3] |= BUFFER_ACCEPTED;
                    }
                    event_type::MESSAGE => buf[at + 3] |= BUFFER_ACCEPTED,
                    _ => rc = response::INVALID_FUNCTION,
                }
            }
            at += elen;
        }
        set_response(buf, rc);
    }

    /// READ EVENT DATA (the SCCB must be exactly 4 KiB).
    pub fn read_event_data(&mut self, buf: &mut [u8]) {
        if buf.len() != SCCB_SIZE {
            set_response(buf, response::INSUFFICIENT_LENGTH);
            return;
        }
        let selection = match buf[header::FUNCTION] {
            function::UNCONDITIONAL_READ => self.receive_mask,
            function::SELECTIVE_READ => {
                let sel = get_mask(buf, HEADER_LEN, usize::from(self.mask_length));
                if self.receive_mask == 0 || sel & !self.receive_mask != 0 {
                    set_response(buf, response::INVALID_SELECTION_MASK);
                    return;
                }
                sel
            }
            _ => {
                set_response(buf, response::INVALID_FUNCTION);
                return;
            }
        };
        let mut room = SCCB_SIZE - HEADER_LEN;
        let mut rc = response::NO_EVENT_BUFFERS;
        be::put_u16(buf, HEADER_LEN, 0);
        if selection & HOST_SEND_MASK != 0 && !self.input.is_empty() {
            let n = self.input.len().min(room - EVENT_HEADER_LEN);
            let at = HEADER_LEN;
            be::put_u16(buf, at, (EVENT_HEADER_LEN + n) as u16);
            buf[at + 2] = event_type::ASCII_CONSOLE;
            buf[at + 3] = BUFFER_ACCEPTED;
            be::put_u16(buf, at + 4, 0);
            for (i, b) in self.input.drain(..n).enumerate() {
                buf[at + EVENT_HEADER_LEN + i] = b;
            }
            room -= EVENT_HEADER_LEN + n;
            rc = response::NORMAL;
        }
        if buf[header::CONTROL2] & VARIABLE_LENGTH_RESPONSE != 0 {
            buf[header::CONTROL2] &= !VARIABLE_LENGTH_RESPONSE;
            be::put_u16(buf, header::LENGTH, (SCCB_SIZE - room) as u16);
        }
        set_response(buf, rc);
    }
}
