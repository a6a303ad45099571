//! Destroy Secure Configuration, 0x0101, and its fast variant, 0x0102 (uv-spec.md §1.6,
//! §3.2 "Teardown"). Every CPU must have been destroyed first (else rc 0x0003
//! *\[inferred: the spec gives no rc\]*). Base and variable storage are zeroed and given
//! back. The guest's secure pages stay secure (their owner gone) until the host destroys
//! or exports them page by page. pvsim binds no AP queues, so the fast variant never
//! answers 0x0104 and behaves like the normal one.

use pv_core::uvc::rc;

use crate::dispatch::{Call, Response};
use crate::donation;
use crate::error::{Error, Result};
use crate::storage::Donation;
use crate::ultravisor::Ultravisor;

/// Handles Destroy Secure Configuration (normal and fast).
pub(crate) fn destroy_config(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let handle = call.handle;
    // 0x0003 [inferred]: secure CPUs of the configuration still exist.
    if uv.cpus_of(handle).next().is_some() {
        return Ok(Response::rc(rc::INV_STATE));
    }
    let c = uv.configs.remove(&handle).ok_or(Error::Inconsistent { what: "config" })?;
    donation::reclaim(&mut uv.mem, c.base, Donation::ConfigBase(handle))?;
    if let Some(var) = c.var {
        donation::reclaim(&mut uv.mem, var, Donation::ConfigVar(handle))?;
    }
    Ok(Response::OK)
}
