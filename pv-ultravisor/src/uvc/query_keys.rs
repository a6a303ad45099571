//! Query Ultravisor Keys, 0x0002 (uv-spec.md §1.5 "query_keys", §2): 15 hashes of 32
//! bytes; index 0 is the public host key hash of the current host key, index 1 that of
//! the backup host key (zero without one), the rest zero.

use pv_core::uvc::uvcb::QueryKeysUvcb;

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::ultravisor::Ultravisor;

/// Handles Query Ultravisor Keys.
pub(crate) fn query_keys(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let mut q = QueryKeysUvcb { key_hashes: [0; 480] };
    q.key_hashes[..32].copy_from_slice(&uv.spec.host_key.public_coords().phkh());
    if let Some(b) = &uv.spec.backup_host_key {
        q.key_hashes[32..64].copy_from_slice(&b.public_coords().phkh());
    }
    call.put(&q);
    Ok(Response::OK)
}
