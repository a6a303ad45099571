//! Pin Page Shared, 0x0341 (uv-spec.md §1.6 "Pin Page Shared", §4): succeeds only for a
//! page that is secure **and shared**; it stays shared and a later guest Remove Shared
//! Access on it gives a notification intercept. Any failure: the caller exports instead.

use pv_core::uvc::rc::page as e;
use pv_core::uvc::uvcb::PinUvcb;

use super::page_of;
use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::storage::PageEvent;
use crate::ultravisor::Ultravisor;

/// Handles Pin Page Shared.
pub(crate) fn pin_shared(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: PinUvcb = call.get();
    let h = page_of(u.paddr);
    // 0x0102 [inferred]: beyond memory.
    if !uv.mem.page_exists(h) {
        return Ok(Response::rc(e::NOT_GUEST_PAGE));
    }
    // 0x0101 [inferred]: the page is not secure and shared.
    if uv.mem.transition(h, PageEvent::Pin).is_err() {
        return Ok(Response::rc(e::NOT_SHARED));
    }
    Ok(Response::OK)
}
