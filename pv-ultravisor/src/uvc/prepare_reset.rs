//! Prepare Reset, 0x0320 (uv-spec.md §3.3 "Reset sequence"): the configuration is
//! prepared for a guest reset; after a CPU reset, operating-load loads the short PSW at
//! guest absolute 0. Only the handle and length rcs are published; pvsim requires a
//! verified configuration whose CPUs are all stopped (rc 0x0003 otherwise
//! *\[inferred\]*).

use pv_core::uvc::rc;

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::sec_config::ConfigState;
use crate::sec_cpu::CpuState;
use crate::ultravisor::Ultravisor;

/// Handles Prepare Reset.
pub(crate) fn prepare_reset(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let handle = call.handle;
    // 0x0003 [inferred]: the configuration is not verified (or is being dumped).
    if uv.config(handle)?.state != ConfigState::Verified {
        return Ok(Response::rc(rc::INV_STATE));
    }
    // 0x0003 [inferred]: a CPU is operating.
    if uv.cpus_of(handle).any(|c| c.state == CpuState::Operating) {
        return Ok(Response::rc(rc::INV_STATE));
    }
    uv.config_mut(handle)?.reset_prepared = true;
    for cpu in uv.cpus.values_mut().filter(|c| c.config == handle) {
        cpu.reset = None;
    }
    Ok(Response::OK)
}
