//! Retrieve Secret, 0x1035 (guest; uv-spec.md §1.6 "Retrieve Secret"; se-format.md §4.6):
//! a plaintext secret comes back in its stored encoding, a key as a protected key
//! ([`crate::secret_store::retrieve_output`]). Checks in the order of the spec's list:
//! store empty (0x010f), no such index (0x0110), not retrievable (0x0111), buffer too
//! small (0x0109), buffer not writable (0x0102).

use pv_core::uvc::guest::RetrieveSecretUvcb;
use pv_core::uvc::rc::retrieve as e;
use pv_core::{GuestAbs, Storage};

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::secret_store::retrieve_output;
use crate::ultravisor::Ultravisor;

/// Handles Retrieve Secret.
pub(crate) fn retrieve_secret(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: RetrieveSecretUvcb = call.get();
    let config = call.guest_config();
    let store = &uv.config(config)?.secrets;
    // 0x010f: the store is empty.
    if store.is_empty() {
        return Ok(Response::rc(e::EMPTY));
    }
    // 0x0110: no secret with that index.
    let Some(s) = store.get(u.secret_idx) else {
        return Ok(Response::rc(e::NO_INDEX));
    };
    // 0x0111: the secret is not retrievable (e.g. association secrets).
    if !s.kind.is_retrievable() {
        return Ok(Response::rc(e::NOT_RETRIEVABLE));
    }
    let out = retrieve_output(s, &uv.wrapping_key);
    // 0x0109: the buffer is too small.
    if (u.buf_size as usize) < out.expose().len() {
        return Ok(Response::rc(e::BUF_SMALL));
    }
    // 0x0102: access exception on the buffer.
    if uv.config_view(config)?.write(GuestAbs(u.buf_addr), out.expose()).is_err() {
        return Ok(Response::rc(e::ACCESS));
    }
    Ok(Response::OK)
}
