//! Convert to Secure Storage (import), 0x0200 (uv-spec.md §1.6 "Convert to Secure", §3.5,
//! §4). A non-secure page of the configuration becomes a private secure page: an
//! exported page is decrypted and checked ([`crate::paging`]); a page never exported
//! becomes a zero page. The guest address is truncated to its page.

use pv_core::uvc::guest::FEATURE_MISC;
use pv_core::uvc::rc::import as e;
use pv_core::uvc::uvcb::CtsUvcb;

use super::page_of;
use crate::dispatch::{Call, Response};
use crate::error::{Error, Result};
use crate::storage::{PageEvent, PageState};
use crate::ultravisor::Ultravisor;

/// Handles Convert to Secure Storage.
pub(crate) fn convert_to_secure(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: CtsUvcb = call.get();
    let config = call.handle;
    let gaddr = page_of(u.gaddr);
    // 0x010a: the page is not mapped in the configuration (outside MSL or storage).
    let c = uv.config(config)?;
    let Some(h) = c.host_addr(gaddr).filter(|&h| uv.mem.page_exists(h)) else {
        return Ok(Response::rc(e::NOT_MAPPED));
    };
    let cuid = c.cuid;
    let misc = uv.spec.limits.features & FEATURE_MISC != 0;
    let event = match uv.mem.page_state(h) {
        // 0x0104: the page is already secure for this configuration (callers: success).
        s if s.config() == Some(config) => return Ok(Response::rc(e::ALREADY_SECURE)),
        PageState::NonSecure => PageEvent::Import(config),
        // With feature MISC, importing a page another configuration shares transfers it.
        PageState::Shared { .. } | PageState::Pinned { .. } if misc => PageEvent::TakeOver(config),
        // 0x0105 [inferred]: a private page of another configuration, or UV storage.
        _ => return Ok(Response::rc(e::OTHER_OWNER)),
    };
    let c = uv.configs.get_mut(&config).ok_or(Error::Inconsistent { what: "import owner" })?;
    // Decrypted in place; on an integrity failure the page is left unchanged.
    let restored = c.paging.import(&cuid, gaddr, uv.mem.page_mut(h));
    let shared = match restored {
        // 0x0107 [inferred]: the exported page was modified, moved or replayed.
        Err(_) => return Ok(Response::rc(e::INTEGRITY)),
        Ok(Some(shared)) => shared,
        // First import: a zero page (uv-spec.md §11.16).
        Ok(None) => {
            uv.mem.zero_page(h);
            false
        }
    };
    uv.mem.transition(h, event)?;
    if shared {
        uv.mem.transition(h, PageEvent::Share(config))?;
    }
    Ok(Response::OK)
}
