//! List Secrets, 0x1033 (guest; uv-spec.md §1.5 "list_secrets", §1.6; se-format.md §4.6):
//! one 4 KiB page of entries from `start_idx` is written to the guest; rc 0x0100 when more
//! entries follow (call again with `start_idx = next_secret_idx`).

use pv_core::uvc::guest::ListSecretsUvcb;
use pv_core::uvc::rc::{self, retrieve as e};
use pv_core::{GuestAbs, Storage};

use crate::dispatch::{Call, Response};
use crate::error::{Error, Result};
use crate::ultravisor::Ultravisor;

/// Handles List Secrets.
pub(crate) fn list_secrets(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: ListSecretsUvcb = call.get();
    let config = call.guest_config();
    let (list, more) = uv.config(config)?.secrets.list(u.start_idx);
    let page = list.to_page().map_err(|_| Error::Inconsistent { what: "secret list page" })?;
    // 0x0102 [inferred]: access exception on the output page.
    if uv.config_view(config)?.write(GuestAbs(u.list_addr), &page).is_err() {
        return Ok(Response::rc(e::ACCESS));
    }
    // 0x0100: more entries follow.
    if more {
        return Ok(Response::rc(rc::MORE_DATA));
    }
    Ok(Response::OK)
}
