//! Convert from Secure Storage (export), 0x0201 (uv-spec.md §1.6 "Convert from Secure",
//! §3.5): the page is encrypted in place ([`crate::paging`]) and becomes non-secure; the
//! host sees ciphertext. Exporting a non-secure page is a no-op success (Linux relies on
//! repeated exports being harmless). The address is truncated to its page.

use pv_core::uvc::rc::page as e;
use pv_core::uvc::uvcb::CfsUvcb;

use super::page_of;
use crate::dispatch::{Call, Response};
use crate::error::{Error, Result};
use crate::storage::{PageEvent, PageState};
use crate::ultravisor::Ultravisor;

/// Handles Convert from Secure Storage.
pub(crate) fn convert_from_secure(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: CfsUvcb = call.get();
    let h = page_of(u.paddr);
    // 0x0102 [inferred]: beyond memory.
    if !uv.mem.page_exists(h) {
        return Ok(Response::rc(e::NOT_GUEST_PAGE));
    }
    let state = uv.mem.page_state(h);
    let config = match state {
        // Already non-secure: nothing to do.
        PageState::NonSecure => return Ok(Response::OK),
        // 0x0102 [inferred]: UV-donated storage is never exported.
        PageState::Donated(_) => return Ok(Response::rc(e::NOT_GUEST_PAGE)),
        PageState::Secure { config }
        | PageState::Shared { config }
        | PageState::Pinned { config } => config,
    };
    // 0x0103 [inferred]: the owner is destroyed; the host must destroy the page.
    let Some(c) = uv.configs.get_mut(&config) else {
        return Ok(Response::rc(e::OWNER_GONE));
    };
    let gaddr = c.guest_addr(h).ok_or(Error::Inconsistent { what: "secure page outside MSL" })?;
    let shared = !matches!(state, PageState::Secure { .. });
    let cuid = c.cuid;
    c.paging.export(uv.entropy.as_mut(), &cuid, gaddr, uv.mem.page_mut(h), shared);
    uv.mem.transition(h, PageEvent::Export)?;
    Ok(Response::OK)
}
