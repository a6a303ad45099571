//! CPU Reset, 0x0310; CPU Reset Initial, 0x0311; CPU Reset Clear, 0x0321 (uv-spec.md
//! §3.3). Only the handle and length rcs are published; pvsim requires a stopped (or
//! check-stopped) CPU (rc 0x0003 otherwise *\[inferred\]*). The CPU is stopped afterwards;
//! initial and clear resets clear its PSW.

use pv_core::Psw;
use pv_core::uvc::rc;

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::sec_cpu::{CpuEvent, ResetKind};
use crate::ultravisor::Ultravisor;

/// Handles the three CPU resets.
pub(crate) fn cpu_reset(uv: &mut Ultravisor, call: &mut Call, kind: ResetKind) -> Result<Response> {
    let cpu = uv.cpu_mut(call.handle)?;
    // 0x0003 [inferred]: the CPU is operating.
    if !cpu.advance(CpuEvent::Reset(kind)) {
        return Ok(Response::rc(rc::INV_STATE));
    }
    if kind != ResetKind::Normal {
        cpu.psw = Psw::default();
    }
    cpu.reset = Some(kind);
    cpu.sie.reset(kind);
    Ok(Response::OK)
}
