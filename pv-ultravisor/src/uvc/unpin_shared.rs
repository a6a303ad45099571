//! Unpin Page Shared, 0x0342 (uv-spec.md §1.6 "Unpin Page Shared"): issued by the host
//! after the notification intercept; goes through the import path (rc 0x010a when the
//! page is not mapped). A pinned page becomes merely shared; a shared page stays shared.

use pv_core::uvc::rc::{import, page as e};
use pv_core::uvc::uvcb::UnpinUvcb;

use super::page_of;
use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::storage::PageEvent;
use crate::ultravisor::Ultravisor;

/// Handles Unpin Page Shared.
pub(crate) fn unpin_shared(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: UnpinUvcb = call.get();
    let config = call.handle;
    // 0x010a: the page is not mapped in the configuration.
    let c = uv.config(config)?;
    let Some(h) = c.host_addr(page_of(u.gaddr)).filter(|&h| uv.mem.page_exists(h)) else {
        return Ok(Response::rc(import::NOT_MAPPED));
    };
    // 0x0101 [inferred]: the page is not a pinned or shared page of the configuration.
    if uv.mem.transition(h, PageEvent::Unpin(config)).is_err() {
        return Ok(Response::rc(e::NOT_SHARED));
    }
    Ok(Response::OK)
}
