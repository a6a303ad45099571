//! Retrieve Attestation Measurement, 0x1020 (guest; uv-spec.md §1.6, §11.21; se-format.md
//! §4.1-§4.3). The ARCB is opened with the machine's host key (the current one, else the
//! backup one) and the measurement `HMAC-SHA512(measurement key, boot header tags ‖ CUID
//! ‖ lengths ‖ user data ‖ nonce ‖ additional data)` is written with the additional data
//! and the configuration unique id.
//!
//! Checks in the order of uv-spec.md §1.6, with §11.21's refinement (length checks
//! precede unsealing; the output areas are checked after it). The configuration must have
//! an SE header (rc 0x0003 otherwise *\[inferred\]*).

use alloc::vec;
use alloc::vec::Vec;

use pv_core::be::{get_u32, get_u64};
use pv_core::uvc::guest::{ATTEST_USER_DATA_LEN, AttestUvcb};
use pv_core::uvc::rc::{self, attest as e};
use pv_core::{GuestAbs, Storage};
use pv_header::request::arcb::{MEASUREMENT_KEY_LEN, NONCE_LEN};
use pv_header::request::{
    AttestationFlags, AttestationRequest, MeasurementAlgorithm, RequestOpener,
};

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::ultravisor::Ultravisor;

/// Size of the ARCB's fixed part read first: envelope header, flags, algorithm.
const ARCB_HEADER: usize = 0x40;
/// Offset of the key slots in an ARCB.
const ARCB_SLOTS: usize = 0xe0;
/// The ARCB version 1.
const VERSION_1: u32 = 0x0100;

/// Handles Retrieve Attestation Measurement.
pub(crate) fn attest(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let mut u: AttestUvcb = call.get();
    let config = call.guest_config();
    let Some(image) = uv.config(config)?.image.as_ref() else {
        return Ok(Response::rc(rc::INV_STATE));
    };
    let (tags, image_phkh) = (image.tags, image.image_phkh);
    let l = uv.spec.limits;
    // 0x0101: the continuation token is not 0.
    if u.cont_token != 0 {
        return Ok(Response::rc(e::TOKEN));
    }
    // 0x0102: user_data_len > 256.
    let user_len = usize::from(u.user_data_len);
    if user_len > ATTEST_USER_DATA_LEN {
        return Ok(Response::rc(e::USER_DATA_LEN));
    }
    // 0x0103: access exception on the ARCB (its fixed part first).
    let mut head = [0u8; ARCB_HEADER];
    if uv.config_view(config)?.read(GuestAbs(u.arcb_addr), &mut head).is_err() {
        return Ok(Response::rc(e::ARCB_ACCESS));
    }
    // 0x0106: unsupported version (or not an ARCB: the magic is 8 zero bytes).
    let version = get_u32(&head, 0x08).unwrap_or(0);
    if head[..8] != [0; 8] || version != VERSION_1 || l.supp_att_req_hdr_ver & (1 << 63) == 0 {
        return Ok(Response::rc(e::VERSION));
    }
    // 0x0108: number of key slots 0 (the field is a byte: the maximum is 255).
    let nks = usize::from(head[0x27]);
    if nks == 0 {
        return Ok(Response::rc(e::NKS));
    }
    // 0x0107: the length does not match the version's layout for nks and the flags.
    let flags_word = get_u64(&head, 0x30).unwrap_or(0);
    let nonce = flags_word & AttestationFlags::NONCE.bits() != 0;
    let want_sea = MEASUREMENT_KEY_LEN + if nonce { NONCE_LEN } else { 0 };
    let rql = get_u32(&head, 0x0c).unwrap_or(0) as usize;
    if rql != ARCB_SLOTS + 80 * nks + want_sea + 16 {
        return Ok(Response::rc(e::LENGTH));
    }
    // 0x0103: access exception on the rest of the ARCB.
    let mut arcb = vec![0u8; rql];
    if uv.config_view(config)?.read(GuestAbs(u.arcb_addr), &mut arcb).is_err() {
        return Ok(Response::rc(e::ARCB_ACCESS));
    }
    // 0x0109: the encrypted area is not measurement key (+ nonce).
    if get_u32(&arcb, 0x2c).unwrap_or(0) as usize != want_sea {
        return Ok(Response::rc(e::SEA));
    }
    // 0x010a: an unsupported plaintext attestation flag.
    let Ok(flags) = AttestationFlags::from_word(get_u64(&arcb, 0x30).unwrap_or(0)) else {
        return Ok(Response::rc(e::FLAGS));
    };
    if flags.bits() & !l.supp_att_pflags != 0 {
        return Ok(Response::rc(e::FLAGS));
    }
    // 0x010b: an unsupported measurement algorithm.
    let Ok(alg) = MeasurementAlgorithm::from_code(get_u32(&arcb, 0x38).unwrap_or(0)) else {
        return Ok(Response::rc(e::ALGORITHM));
    };
    // 0x010d: the measurement area is too small.
    if (u.meas_len as usize) < alg.measurement_len() {
        return Ok(Response::rc(e::MEAS_LEN));
    }
    // 0x010e: the additional-data area is too small for what the flags ask.
    if (u.add_data_len as usize) < flags.additional_size() {
        return Ok(Response::rc(e::ADD_LEN));
    }
    // 0x010c: cannot unseal with the current or the backup host key.
    let keys = core::iter::once(&uv.spec.host_key).chain(uv.spec.backup_host_key.as_ref());
    let Some((req, att_phkh)) = keys.into_iter().find_map(|k| {
        let r = AttestationRequest::open(&arcb, &RequestOpener::HostKey(k)).ok()?;
        Some((r, k.public_coords().phkh()))
    }) else {
        return Ok(Response::rc(e::UNSEAL));
    };
    let mut additional: Vec<u8> = Vec::with_capacity(flags.additional_size());
    if flags.contains(AttestationFlags::IMAGE_PHKH) {
        additional.extend_from_slice(&image_phkh);
    }
    if flags.contains(AttestationFlags::ATTESTATION_PHKH) {
        additional.extend_from_slice(&att_phkh);
    }
    if flags.contains(AttestationFlags::SECRET_STORE_HASH) {
        additional.extend_from_slice(&uv.config(config)?.secrets.digest());
    }
    if flags.contains(AttestationFlags::FIRMWARE_STATE) {
        // Not modelled: zeros [inferred].
        additional
            .resize(additional.len() + pv_header::request::measurement::FIRMWARE_STATE_LEN, 0);
    }
    let cuid = uv.config(config)?.cuid;
    let user = &u.user_data[..user_len];
    let Ok(measurement) = req.measure(&tags, &cuid, user, &additional) else {
        return Ok(Response::rc(e::UNSEAL));
    };
    let mut view = uv.config_view(config)?;
    // 0x0104: access exception on the measurement area.
    if view.write(GuestAbs(u.meas_addr), &measurement).is_err() {
        return Ok(Response::rc(e::MEAS_ACCESS));
    }
    // 0x0105: access exception on the additional-data area.
    if !additional.is_empty() && view.write(GuestAbs(u.add_data_addr), &additional).is_err() {
        return Ok(Response::rc(e::ADD_ACCESS));
    }
    u.config_uid = cuid;
    call.put(&u);
    Ok(Response::OK)
}
