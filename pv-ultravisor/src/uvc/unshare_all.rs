//! Set Unshare All, 0x0340 (uv-spec.md §1.4, §3.3 "Reset sequence"): every shared or
//! pinned page of the configuration becomes private again. All CPUs must be stopped
//! (QEMU stops every CPU first for this reason; rc 0x0003 otherwise *\[inferred\]*).

use alloc::vec::Vec;

use pv_core::uvc::rc;

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::sec_cpu::CpuState;
use crate::storage::{PageEvent, PageState};
use crate::ultravisor::Ultravisor;

/// Handles Set Unshare All.
pub(crate) fn unshare_all(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let config = call.handle;
    // 0x0003 [inferred]: a CPU of the configuration is operating.
    if uv.cpus_of(config).any(|c| c.state == CpuState::Operating) {
        return Ok(Response::rc(rc::INV_STATE));
    }
    let shared: Vec<u64> = uv
        .mem
        .protected_pages()
        .filter(|(_, s)| matches!(s, PageState::Shared { config: c } | PageState::Pinned { config: c } if *c == config))
        .map(|(a, _)| a)
        .collect();
    for a in shared {
        uv.mem.transition(a, PageEvent::UnshareAll(config))?;
    }
    Ok(Response::OK)
}
