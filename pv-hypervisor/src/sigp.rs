//! SIGNAL PROCESSOR (machine.md, "SMP and SIGP"; orders, status bits and condition codes
//! as Linux' `asm/sigp.h`, behaviour as QEMU's `target/s390x/sigp.c` and KVM's
//! `arch/s390/kvm/sigp.c`).
//!
//! `SIGP R1,R3,D2(B2)`: the order code is bits 56-63 of the second-operand address, the
//! addressed CPU is bits 48-63 of R3, the parameter is R1+1 (R1 itself when R1 is odd),
//! and the status goes to bits 32-63 of R1 with condition code 1. Condition code 0: the
//! order was accepted; 3: no CPU has that address. Every order completes at once in this
//! model, so condition code 2 (busy) never occurs.
//!
//! Choices *\[inferred\]*:
//! - SET ARCHITECTURE is rejected as KVM and QEMU do (z/Architecture only): status
//!   "invalid parameter" when every other CPU is stopped, "incorrect state" otherwise.
//! - CONDITIONAL EMERGENCY SIGNAL sends the signal when the addressed CPU is disabled
//!   for I/O or external interruptions, waits at a nonzero address, or runs with the
//!   parameter's ASN as its primary (CR4) or secondary (CR3) ASN; otherwise "incorrect
//!   state". KVM sends it unconditionally, which the architecture also allows.
//! - SENSE RUNNING STATUS reports "running" for a CPU that is neither stopped nor in the
//!   wait state.

use pv_core::{GuestAbs, Storage};
use pv_emu::Cpu;
use pv_emu::exec::reset::ResetKind;

use crate::config::Facilities;

/// Order codes.
pub mod order {
    /// Sense.
    pub const SENSE: u8 = 1;
    /// External call.
    pub const EXTERNAL_CALL: u8 = 2;
    /// Emergency signal.
    pub const EMERGENCY_SIGNAL: u8 = 3;
    /// Start.
    pub const START: u8 = 4;
    /// Stop.
    pub const STOP: u8 = 5;
    /// Restart.
    pub const RESTART: u8 = 6;
    /// Stop and store status.
    pub const STOP_AND_STORE_STATUS: u8 = 9;
    /// Initial CPU reset.
    pub const INITIAL_CPU_RESET: u8 = 11;
    /// CPU reset.
    pub const CPU_RESET: u8 = 12;
    /// Set prefix.
    pub const SET_PREFIX: u8 = 13;
    /// Store status at address.
    pub const STORE_STATUS_AT_ADDRESS: u8 = 14;
    /// Set architecture.
    pub const SET_ARCHITECTURE: u8 = 18;
    /// Conditional emergency signal.
    pub const COND_EMERGENCY_SIGNAL: u8 = 19;
    /// Sense running status.
    pub const SENSE_RUNNING: u8 = 21;
    /// Store additional status at address.
    pub const STORE_ADDITIONAL_STATUS: u8 = 23;
}

/// Status bits stored in R1 with condition code 1.
pub mod status {
    /// Invalid order.
    pub const INVALID_ORDER: u32 = 0x0000_0002;
    /// Stopped.
    pub const STOPPED: u32 = 0x0000_0040;
    /// External call pending.
    pub const EXT_CALL_PENDING: u32 = 0x0000_0080;
    /// Invalid parameter.
    pub const INVALID_PARAMETER: u32 = 0x0000_0100;
    /// Incorrect state.
    pub const INCORRECT_STATE: u32 = 0x0000_0200;
    /// Not running.
    pub const NOT_RUNNING: u32 = 0x0000_0400;
}

/// Lowcore byte 163: architectural mode identification, stored with the status.
const ARCH_MODE_ID: u64 = 0xa3;
/// Facility: sense-running status.
const FACILITY_SENSE_RUNNING: u8 = 9;
/// Facilities that make STORE ADDITIONAL STATUS available: vector, guarded storage.
const FACILITY_VECTOR: u8 = 129;
const FACILITY_GUARDED_STORAGE: u8 = 133;

/// One SIGP as the issuing CPU presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigpRequest {
    /// Index of the issuing CPU.
    pub src: usize,
    /// The order code.
    pub order: u8,
    /// The addressed CPU's address (R3 bits 48-63).
    pub target: u16,
    /// The parameter (R1+1, or R1 when odd).
    pub param: u64,
}

/// The result: condition code 0, 1 (with status), 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigpResult {
    /// Condition code 0.
    Accepted,
    /// Condition code 1 with the status for R1 bits 32-63.
    Status(u32),
    /// Condition code 3.
    NotOperational,
}

impl SigpResult {
    /// The condition code.
    pub const fn cc(self) -> u8 {
        match self {
            Self::Accepted => 0,
            Self::Status(_) => 1,
            Self::NotOperational => 3,
        }
    }
}

/// Stores the status of `cpu` at its prefix area (0x1200) with the mode byte.
fn store_status_prefixed<S: Storage + ?Sized>(cpu: &Cpu, mem: &mut S) {
    let _ = cpu.store_status(mem);
    let _ = mem.write(GuestAbs(u64::from(cpu.state.prefix) + ARCH_MODE_ID), &[1]);
}

/// Executes one SIGP order for CPUs whose addresses are their indices.
pub fn sigp<S: Storage + ?Sized>(
    cpus: &mut [Cpu],
    mem: &mut S,
    fac: &Facilities,
    req: &SigpRequest,
) -> SigpResult {
    use SigpResult::*;
    let from = cpus[req.src].state.cpu_addr;
    if req.order == order::SET_ARCHITECTURE {
        let all_stopped = cpus.iter().enumerate().all(|(i, c)| i == req.src || c.stopped);
        return Status(if all_stopped {
            status::INVALID_PARAMETER
        } else {
            status::INCORRECT_STATE
        });
    }
    let Some(dst) = cpus.get_mut(usize::from(req.target)) else {
        return NotOperational;
    };
    match req.order {
        order::SENSE => {
            let mut s = 0;
            if dst.pending.external_call_from.is_some() {
                s |= status::EXT_CALL_PENDING;
            }
            if dst.stopped {
                s |= status::STOPPED;
            }
            if s == 0 { Accepted } else { Status(s) }
        }
        order::EXTERNAL_CALL => {
            if dst.inject_external_call(from) {
                Accepted
            } else {
                Status(status::EXT_CALL_PENDING)
            }
        }
        order::EMERGENCY_SIGNAL => {
            dst.inject_emergency_signal(from);
            Accepted
        }
        order::START => {
            dst.stopped = false;
            Accepted
        }
        order::STOP => {
            dst.stopped = true;
            Accepted
        }
        order::RESTART => {
            // The restart interruption is taken before anything else the CPU does.
            dst.restart_interruption(mem);
            dst.stopped = false;
            Accepted
        }
        order::STOP_AND_STORE_STATUS => {
            dst.stopped = true;
            store_status_prefixed(dst, mem);
            Accepted
        }
        order::INITIAL_CPU_RESET => {
            dst.reset(ResetKind::Initial);
            Accepted
        }
        order::CPU_RESET => {
            dst.reset(ResetKind::Cpu);
            Accepted
        }
        order::SET_PREFIX => {
            let p = (req.param as u32) & 0x7fff_e000;
            if u64::from(p) + 0x2000 > mem.size() {
                Status(status::INVALID_PARAMETER)
            } else if !dst.stopped {
                Status(status::INCORRECT_STATE)
            } else {
                dst.state.prefix = p;
                dst.tlb.purge();
                Accepted
            }
        }
        order::STORE_STATUS_AT_ADDRESS => {
            if !dst.stopped {
                return Status(status::INCORRECT_STATE);
            }
            let at = req.param & 0x7fff_fe00;
            match dst.store_status_at(mem, at) {
                Ok(()) => Accepted,
                Err(_) => Status(status::INVALID_PARAMETER),
            }
        }
        order::STORE_ADDITIONAL_STATUS => store_additional_status(dst, mem, fac, req.param),
        order::COND_EMERGENCY_SIGNAL => {
            let st = &dst.state;
            let asn = req.param as u16;
            let mask = pv_core::psw::PSW_MASK_IO | pv_core::psw::PSW_MASK_EXT;
            let wait = st.psw.is_wait();
            let send = st.psw.mask & mask != mask
                || (wait && st.psw.addr != 0)
                || (!wait && (asn == st.cr[4] as u16 || asn == st.cr[3] as u16));
            if send {
                dst.inject_emergency_signal(from);
                Accepted
            } else {
                Status(status::INCORRECT_STATE)
            }
        }
        order::SENSE_RUNNING => {
            if !fac.has(FACILITY_SENSE_RUNNING) {
                Status(status::INVALID_ORDER)
            } else if !dst.stopped && !dst.state.psw.is_wait() {
                Accepted
            } else {
                Status(status::NOT_RUNNING)
            }
        }
        _ => Status(status::INVALID_ORDER),
    }
}

/// STORE ADDITIONAL STATUS AT ADDRESS: the 32 vector registers (FPR i is the left half
/// of vector register i; the rest is zero in this model) in a 1 KiB area (length code
/// 0; the other codes belong to guarded storage, which is not offered).
fn store_additional_status<S: Storage + ?Sized>(
    dst: &mut Cpu,
    mem: &mut S,
    fac: &Facilities,
    param: u64,
) -> SigpResult {
    use SigpResult::*;
    if !fac.has(FACILITY_VECTOR) && !fac.has(FACILITY_GUARDED_STORAGE) {
        return Status(status::INVALID_ORDER);
    }
    if !dst.stopped {
        return Status(status::INCORRECT_STATE);
    }
    let lc = param & 0xf;
    let addr = param & !0xf;
    if lc != 0 || addr & 0x3ff != 0 {
        return Status(status::INVALID_PARAMETER);
    }
    let mut area = [0u8; 1024];
    for (i, f) in dst.state.fpr.iter().enumerate() {
        area[i * 16..i * 16 + 8].copy_from_slice(&f.to_be_bytes());
    }
    match mem.write(GuestAbs(addr), &area) {
        Ok(()) => Accepted,
        Err(_) => Status(status::INVALID_PARAMETER),
    }
}

#[cfg(test)]
mod tests;
