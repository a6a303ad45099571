//! Destroy Secure CPU, 0x0121 (uv-spec.md §1.6 "Destroy Secure CPU", §3.2 "Teardown"):
//! the CPU storage is zeroed and given back to the host.

use crate::dispatch::{Call, Response};
use crate::donation;
use crate::error::{Error, Result};
use crate::storage::Donation;
use crate::ultravisor::Ultravisor;

/// Handles Destroy Secure CPU.
pub(crate) fn destroy_cpu(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    // The handle was validated by the dispatcher (0x0021); there is no further check.
    let cpu = uv.cpus.remove(&call.handle).ok_or(Error::Inconsistent { what: "cpu" })?;
    donation::reclaim(&mut uv.mem, cpu.stor, Donation::Cpu(cpu.handle))?;
    Ok(Response::OK)
}
