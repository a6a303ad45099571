//! Destroy Secure Storage, 0x0202 (uv-spec.md §1.6 "Destroy Secure Storage", §3.2
//! "Teardown"): a secure page (of any configuration, existing or destroyed) is cleared and
//! becomes non-secure. A non-secure page is a no-op success (newer firmware; older
//! firmware answered 0x0107/0x000d). The address is truncated to its page.

use pv_core::uvc::rc::page as e;
use pv_core::uvc::uvcb::DestroyPageUvcb;

use super::page_of;
use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::storage::{PageEvent, PageState};
use crate::ultravisor::Ultravisor;

/// Handles Destroy Secure Storage.
pub(crate) fn destroy_page(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: DestroyPageUvcb = call.get();
    let h = page_of(u.paddr);
    // 0x0102 [inferred]: beyond memory, or UV-donated storage.
    if !uv.mem.page_exists(h) || matches!(uv.mem.page_state(h), PageState::Donated(_)) {
        return Ok(Response::rc(e::NOT_GUEST_PAGE));
    }
    // Non-secure: no-op success.
    if uv.mem.page_state(h) == PageState::NonSecure {
        return Ok(Response::OK);
    }
    uv.mem.zero_page(h);
    uv.mem.transition(h, PageEvent::Destroy)?;
    Ok(Response::OK)
}
