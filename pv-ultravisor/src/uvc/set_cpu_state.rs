//! Set CPU State, 0x0330 (uv-spec.md §1.5 "cpu_set_state", §3.3): 1 operating, 2
//! stopped, 3 check-stop, 5 operating-load. Operating-load loads the PSW: from the SE
//! header right after Verify, or the short (ESA-format) PSW at guest absolute 0 after
//! Prepare Reset and a CPU reset.
//!
//! pvsim's rules *\[inferred, uv-spec §11.9\]*: a state value other than 1, 2, 3, 5 →
//! rc 0x0101; operating and operating-load need a verified configuration and a CPU whose
//! state allows it ([`crate::sec_cpu::CpuState::next`]), else rc 0x0003; operating-load
//! with nothing to load (or an unreadable or invalid short PSW) → rc 0x0003.

use pv_core::uvc::rc::{self, cpu_state as e};
use pv_core::uvc::uvcb::CpuSetStateUvcb;
use pv_core::{GuestAbs, Psw, Storage};

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::sec_cpu::{CpuEvent, CpuState};
use crate::ultravisor::Ultravisor;

/// Handles Set CPU State.
pub(crate) fn set_cpu_state(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: CpuSetStateUvcb = call.get();
    let event = match u.state {
        1 => CpuEvent::SetOperating,
        2 => CpuEvent::SetStopped,
        3 => CpuEvent::SetCheckStop,
        5 => CpuEvent::Load,
        // 0x0101 [inferred]: not a defined state (4 is not defined anywhere).
        _ => return Ok(Response::rc(e::INVALID_STATE)),
    };
    let handle = call.handle;
    let config = uv.cpu_mut(handle)?.config;
    let verified = uv.config(config)?.state.is_verified();
    let allowed = uv.cpu_mut(handle)?.state.next(event).is_some();
    let needs_verified = matches!(event, CpuEvent::SetOperating | CpuEvent::Load);
    // 0x0003 [inferred]: the configuration is not verified, or the CPU's state forbids it.
    if !allowed || (needs_verified && !verified) {
        return Ok(Response::rc(rc::INV_STATE));
    }
    if event == CpuEvent::Load {
        let Some(psw) = load_psw(uv, config, handle)? else {
            return Ok(Response::rc(rc::INV_STATE));
        };
        uv.cpu_mut(handle)?.sie.load(psw);
        uv.cpu_mut(handle)?.psw = psw;
        // The reset sequence a DIAG 308 subcode 0/1 notification asked for is complete.
        uv.config_mut(config)?.reset_requested = false;
    }
    let cpu = uv.cpu_mut(handle)?;
    cpu.advance(event);
    debug_assert!(cpu.state != CpuState::Stopped || event != CpuEvent::Load);
    Ok(Response::OK)
}

/// The PSW operating-load loads, consuming what made it available.
fn load_psw(uv: &mut Ultravisor, config: u64, cpu: u64) -> Result<Option<Psw>> {
    let c = uv.config(config)?;
    if c.load_from_header {
        let psw = c.image.as_ref().map(|i| i.psw);
        uv.config_mut(config)?.load_from_header = false;
        return Ok(psw);
    }
    let was_reset = uv.cpus.get(&cpu).is_some_and(|c| c.reset.is_some());
    if !(c.reset_prepared && was_reset) {
        return Ok(None);
    }
    let mut short = [0u8; 8];
    if uv.config_view(config)?.read(GuestAbs(0), &mut short).is_err() {
        return Ok(None);
    }
    let Some(psw) = Psw::from_short(u64::from_be_bytes(short)) else {
        return Ok(None);
    };
    uv.config_mut(config)?.reset_prepared = false;
    uv.cpu_mut(cpu)?.reset = None;
    Ok(Some(psw))
}
