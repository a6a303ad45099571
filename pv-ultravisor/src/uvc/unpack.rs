//! Unpack, 0x0301 (uv-spec.md §1.6 "Unpack", §3.2 step 4; se-format.md §2.3): one page
//! of a secured component is decrypted in place with its tweak (`tweak[0]` = component
//! tweak prefix, `tweak[1]` = byte offset in the component) and becomes a secure page of
//! the configuration; PLD, ALD, TLD and the page count are accumulated for Verify.

use pv_core::GuestAbs;
use pv_core::uvc::rc::{self, import as e};
use pv_core::uvc::uvcb::UnpackUvcb;
use pv_header::component::{Tweak, TweakPrefix};

use crate::dispatch::{Call, Response};
use crate::error::{Error, Result};
use crate::sec_config::{ConfigEvent, ConfigState};
use crate::storage::{PageEvent, PageState};
use crate::ultravisor::Ultravisor;

/// Handles Unpack.
pub(crate) fn unpack(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: UnpackUvcb = call.get();
    let handle = call.handle;
    let c = uv.config(handle)?;
    // 0x0003 [inferred]: no header set, or already verified.
    if !matches!(c.state, ConfigState::HeaderSet | ConfigState::Unpacking) {
        return Ok(Response::rc(rc::INV_STATE));
    }
    // 0x0106 [inferred]: the guest address is not page aligned.
    if !pv_core::is_page_aligned(u.gaddr) {
        return Ok(Response::rc(e::UNALIGNED));
    }
    // 0x010a: the page is not mapped in the configuration.
    let Some(h) = c.host_addr(u.gaddr).filter(|&h| uv.mem.page_exists(h)) else {
        return Ok(Response::rc(e::NOT_MAPPED));
    };
    match uv.mem.page_state(h) {
        PageState::NonSecure => {}
        // 0x0105 [inferred]: UV storage.
        PageState::Donated(_) => return Ok(Response::rc(e::OTHER_OWNER)),
        // 0x0104: the page is already secure; for Unpack this is a failure.
        _ => return Ok(Response::rc(e::ALREADY_SECURE)),
    }
    let tweak = Tweak::new(TweakPrefix(u.tweak0), u.tweak1);
    let c = uv.configs.get_mut(&handle).ok_or(Error::Inconsistent { what: "unpack owner" })?;
    let unpacker = c.unpacker.as_mut().ok_or(Error::Inconsistent { what: "unpacker" })?;
    // Decrypted in place in the frame.
    unpacker
        .unpack_page(GuestAbs(u.gaddr), tweak, uv.mem.page_mut(h))
        .map_err(|_| Error::Inconsistent { what: "unpack of an aligned page" })?;
    c.paging.forget(u.gaddr);
    c.advance(ConfigEvent::PageUnpacked);
    uv.mem.transition(h, PageEvent::Import(handle))?;
    Ok(Response::OK)
}
