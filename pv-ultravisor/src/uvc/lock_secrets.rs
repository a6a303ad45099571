//! Lock Secret Store, 0x1034 (guest; uv-spec.md §1.6 "Lock Secret Store"): after a
//! successful lock every Add Secret and Lock answers 0x0102.

use pv_core::uvc::rc::secret as e;

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::ultravisor::Ultravisor;

/// Handles Lock Secret Store.
pub(crate) fn lock_secrets(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let c = uv.config_mut(call.guest_config())?;
    // 0x0102: the store is locked already.
    if c.secrets.locked {
        return Ok(Response::rc(e::LOCKED));
    }
    c.secrets.locked = true;
    Ok(Response::OK)
}
