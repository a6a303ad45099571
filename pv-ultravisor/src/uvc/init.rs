//! Initialize Ultravisor, 0x000f (uv-spec.md §1.6 "Initialize UV", §3.1). The origin is
//! truncated to 1 MiB and the length to 4 KiB before the checks; on success the range is
//! donated (host access → PGM 0x3d) and the UV is ready.

use pv_core::uvc::rc::{self, init as e};
use pv_core::uvc::uvcb::InitUvcb;

use crate::dispatch::{Call, Response};
use crate::donation::{self, Undonatable};
use crate::entropy::Draw;
use crate::error::Result;
use crate::storage::Donation;
use crate::ultravisor::Ultravisor;

const MIB: u64 = 1 << 20;
const TWO_GIB: u64 = 2 << 30;

/// Handles Initialize Ultravisor.
pub(crate) fn init(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: InitUvcb = call.get();
    // 0x0101: the UV is already initialized (even with different storage).
    if uv.uv_base.is_some() {
        return Ok(Response::rc(e::ALREADY_INITIALIZED));
    }
    // 0x0102: more than one CPU of the host configuration is operating.
    if uv.host_cpus_operating > 1 {
        return Ok(Response::rc(e::TOO_MANY_CPUS));
    }
    // The origin is truncated to 1 MiB, the length to 4 KiB.
    let origin = u.stor_origin & !(MIB - 1);
    let len = u.stor_len & !(pv_core::PAGE_SIZE_U64 - 1);
    // 0x0103: the length is smaller than uv_base_stor_len.
    if len < uv.spec.limits.uv_base_stor_len {
        return Ok(Response::rc(e::STORAGE_TOO_SMALL));
    }
    // 0x0104: the origin is not backed by memory.
    if origin >= uv.mem.len() {
        return Ok(Response::rc(e::ORIGIN_NOT_BACKED));
    }
    // 0x0105: origin + length exceeds the available memory.
    if origin.checked_add(len).is_none_or(|end| end > uv.mem.len()) {
        return Ok(Response::rc(e::EXCEEDS_MEMORY));
    }
    // 0x0108: the storage lies below 2 GiB.
    if origin < TWO_GIB {
        return Ok(Response::rc(e::BELOW_2G));
    }
    let range = match donation::check(&uv.mem, origin, len) {
        Ok(r) => r,
        // Nothing is secure while the UV is uninitialized; any other refusal is a
        // state problem.
        Err(Undonatable::BeyondMemory) => return Ok(Response::rc(e::EXCEEDS_MEMORY)),
        Err(Undonatable::Unaligned | Undonatable::InUse) => return Ok(Response::rc(rc::INV_STATE)),
    };
    donation::donate(&mut uv.mem, range, Donation::UvBase)?;
    uv.entropy.fill(Draw::WrappingKey, uv.wrapping_key.expose_mut());
    uv.uv_base = Some(range);
    Ok(Response::OK)
}
