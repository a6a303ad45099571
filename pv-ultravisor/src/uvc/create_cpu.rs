//! Create Secure CPU, 0x0120 (uv-spec.md §1.6 "Create Secure CPU", §3.2 step 2, §4
//! "Donation rules"). On any error no CPU handle is returned. The new CPU is stopped
//! *\[inferred, uv-spec §11.9\]*.

use pv_core::Psw;
use pv_core::uvc::rc::csc as e;
use pv_core::uvc::uvcb::CscUvcb;

use crate::dispatch::{Call, Response};
use crate::donation;
use crate::error::Result;
use crate::sec_cpu::{CpuState, SecureCpu};
use crate::storage::Donation;
use crate::ultravisor::Ultravisor;

/// Size of a format-4 state description checked for accessibility *\[inferred\]*.
const STATE_DESC_LEN: usize = 0x200;

/// Handles Create Secure CPU.
pub(crate) fn create_cpu(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: CscUvcb = call.get();
    let config = call.handle;
    // 0x0103: the CPU number is above max_guest_cpu_id.
    if u.num > uv.spec.limits.max_guest_cpu_id {
        return Ok(Response::rc(e::NUM_TOO_HIGH));
    }
    // 0x0104: a CPU with this number already exists in the configuration.
    if uv.cpus_of(config).any(|c| c.num == u.num) {
        return Ok(Response::rc(e::NUM_IN_USE));
    }
    // 0x0105: the CPU storage is not accessible (pvsim: beyond memory, not page aligned,
    // or not non-secure [inferred]).
    let len = uv.spec.limits.cpu_stor_len;
    let Ok(stor) = donation::check(&uv.mem, u.stor_origin, len) else {
        return Ok(Response::rc(e::STOR_INACCESSIBLE));
    };
    // 0x0106: the CPU storage lies in a lowcore (origin 0 tested).
    if donation::overlaps_prefix(&uv.spec.host_prefixes, stor.start, stor.len) {
        return Ok(Response::rc(e::STOR_IN_LOWCORE));
    }
    // 0x0107: the state description is not accessible, or lies in the CPU storage.
    if uv.mem.check_host(u.state_origin, STATE_DESC_LEN).is_err()
        || stor.overlaps(u.state_origin, STATE_DESC_LEN as u64)
    {
        return Ok(Response::rc(e::STATE_INACCESSIBLE));
    }
    let handle = uv.new_handle();
    donation::donate(&mut uv.mem, stor, Donation::Cpu(handle))?;
    let cpu = SecureCpu {
        handle,
        config,
        num: u.num,
        stor,
        state_origin: u.state_origin,
        state: CpuState::Stopped,
        psw: Psw::default(),
        reset: None,
        sie: crate::sie::SieState::new(u.num),
    };
    uv.cpus.insert(handle, cpu);
    call.put(&CscUvcb { cpu_handle: handle, ..u });
    Ok(Response::OK)
}
