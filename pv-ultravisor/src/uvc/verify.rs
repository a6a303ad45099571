//! Verify Unpack, 0x0302 (uv-spec.md §1.6 "Verify Unpack", §3.2 step 5; se-format.md
//! §2.3): the digests recomputed by Unpack are compared with the header's; the first
//! mismatch, in the order ALD, PLD, TLD, page count *\[inferred order\]*, gives rc 0x0102
//! with rrc 0x1a, 0x1b, 0x1c or 0x1d. On success the guest may run and the next
//! operating-load loads the header PSW.

use pv_core::uvc::rc::{self, verify as e};
use pv_header::component::DigestField;

use crate::dispatch::{Call, Response};
use crate::error::{Error, Result};
use crate::sec_config::{ConfigEvent, ConfigState};
use crate::ultravisor::Ultravisor;

/// Handles Verify Unpack.
pub(crate) fn verify(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let c = uv.config_mut(call.handle)?;
    // 0x0003 [inferred]: no header set, or already verified.
    if !matches!(c.state, ConfigState::HeaderSet | ConfigState::Unpacking) {
        return Ok(Response::rc(rc::INV_STATE));
    }
    let (Some(image), Some(unpacker)) = (&c.image, &mut c.unpacker) else {
        return Err(Error::Inconsistent { what: "header state without header" });
    };
    // 0x0102 with rrc 0x1a / 0x1b / 0x1c / 0x1d: a digest or the page count differs.
    if let Some(field) = unpacker.digests().first_mismatch(&image.expected) {
        let rrc = match field {
            DigestField::Ald => e::RRC_ALD,
            DigestField::Pld => e::RRC_PLD,
            DigestField::Tld => e::RRC_TLD,
            DigestField::PageCount => e::RRC_NEP,
        };
        return Ok(Response::rrc(e::MISMATCH, rrc));
    }
    c.advance(ConfigEvent::Verified);
    c.unpacker = None;
    c.load_from_header = true;
    Ok(Response::OK)
}
