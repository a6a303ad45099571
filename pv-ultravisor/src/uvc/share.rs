//! Set Shared Access, 0x1000, and Remove Shared Access, 0x1001 (guest; uv-spec.md §1.6,
//! §4, §8.2): the guest shares one of its secure pages with the host or takes it back.
//! The address is a guest absolute address, truncated to its page *\[inferred: Linux
//! never passes an unaligned one\]*.

use pv_core::uvc::guest::{RemoveSharedUvcb, SetSharedUvcb};
use pv_core::uvc::rc::share as e;

use super::page_of;
use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::storage::{PageEvent, PageState};
use crate::ultravisor::Ultravisor;

/// The host address of the calling guest's page at `paddr`, if inside guest memory.
fn host_page(uv: &Ultravisor, config: u64, paddr: u64) -> Result<Option<u64>> {
    let c = uv.config(config)?;
    Ok(c.host_addr(page_of(paddr)).filter(|&h| uv.mem.page_exists(h)))
}

/// Handles Set Shared Access.
pub(crate) fn set_shared(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: SetSharedUvcb = call.get();
    let config = call.guest_config();
    // 0x0101: the page address lies outside guest memory.
    let Some(h) = host_page(uv, config, u.paddr)? else {
        return Ok(Response::rc(e::OUTSIDE));
    };
    // 0x0102 [inferred]: not a secure page of this configuration.
    if uv.mem.transition(h, PageEvent::Share(config)).is_err() {
        return Ok(Response::rc(e::NOT_SECURE));
    }
    Ok(Response::OK)
}

/// Handles Remove Shared Access.
pub(crate) fn remove_shared(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: RemoveSharedUvcb = call.get();
    let config = call.guest_config();
    // 0x0101: the page address lies outside guest memory.
    let Some(h) = host_page(uv, config, u.paddr)? else {
        return Ok(Response::rc(e::OUTSIDE));
    };
    // A pinned page: notification intercept; the host unpins and the guest retries.
    if uv.mem.page_state(h) == (PageState::Pinned { config }) {
        return Ok(Response::intercept());
    }
    // 0x0102 [inferred]: not a secure page of this configuration.
    if uv.mem.transition(h, PageEvent::Unshare(config)).is_err() {
        return Ok(Response::rc(e::NOT_SECURE));
    }
    Ok(Response::OK)
}
