//! Add Secret, 0x1031 (guest; uv-spec.md §1.6 "Add Secret"; se-format.md §4.5): the
//! add-secret request (ASRCB) is read from guest storage, opened with the machine's host
//! key (current, else backup) and its secret stored. The meta ("null") secret stores
//! nothing; update-CCK replaces the customer communication key; the request flag "disable
//! dumping" takes effect either way.
//!
//! Checks, in the order of the spec's rc list where the data allows *\[inferred order\]*:
//! store locked (0x0102), dump in progress (0x010d), request unreadable (0x0103), magic or
//! version (0x0104), size (0x0105), key slots (0x0106), flags (0x0107), cannot decrypt
//! (0x0108), request bound to another image or configuration (0x0101 *\[inferred\]*),
//! unsupported secret type or extension secret (0x0109), secret length (0x010a), store
//! full (0x010b), id already stored (0x010c *\[inferred\]*). The configuration must have
//! an SE header (rc 0x0003 otherwise *\[inferred\]*).

use alloc::vec;

use pv_core::be::get_u32;
use pv_core::uvc::guest::AddSecretUvcb;
use pv_core::uvc::rc::{self, secret as e};
use pv_core::{GuestAbs, Storage};
use pv_header::Error as HdrError;
use pv_header::request::asrcb::MAGIC_PREFIX;
use pv_header::request::{AddSecretFlags, AddSecretRequest, RequestOpener, SecretKind};
use pv_header::scf::SecretControlFlags;

use crate::dispatch::{Call, Response};
use crate::error::Result;
use crate::sec_config::ConfigState;
use crate::ultravisor::Ultravisor;

/// Largest request read (the `/dev/uv` limit, se-format.md §4.6).
const MAX_REQUEST: usize = 1 << 20;
const HEADER: usize = 0x30;

/// The rc for an error of pv-header's opener.
fn rc_for(err: &HdrError) -> u16 {
    match err {
        HdrError::RequestMagic { .. } | HdrError::RequestVersion { .. } => e::VERSION,
        HdrError::RequestKeySlotCount { .. } => e::NKS,
        HdrError::AddSecretFlags { .. } => e::FLAGS,
        HdrError::NoMatchingKeySlot
        | HdrError::KeySlotAuth
        | HdrError::RequestAuth
        | HdrError::InvalidPublicKey => e::DECRYPT,
        HdrError::SecretType { .. } => e::UNSUPPORTED,
        HdrError::SecretLength { .. } => e::LENGTH,
        _ => e::SIZE,
    }
}

/// Handles Add Secret.
pub(crate) fn add_secret(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: AddSecretUvcb = call.get();
    let config = call.guest_config();
    let c = uv.config(config)?;
    let Some(image) = c.image.as_ref() else {
        return Ok(Response::rc(rc::INV_STATE));
    };
    let (tags, cck, scf, cuid) = (image.tags, image.cck.clone(), image.scf, c.cuid);
    // 0x0102: the store is locked.
    if c.secrets.locked {
        return Ok(Response::rc(e::LOCKED));
    }
    // 0x010d: a dump is in progress.
    if c.state == ConfigState::Dumping {
        return Ok(Response::rc(e::DUMPING));
    }
    // 0x0103: access exception on the request header.
    let mut head = [0u8; HEADER];
    if uv.config_view(config)?.read(GuestAbs(u.addr), &mut head).is_err() {
        return Ok(Response::rc(e::ACCESS));
    }
    // 0x0104: not an ASRCB, or an unsupported version.
    let l = uv.spec.limits;
    let version = get_u32(&head, 0x08).unwrap_or(0);
    if head[..6] != MAGIC_PREFIX || version != 0x0100 || l.supp_add_secret_req_ver & (1 << 63) == 0
    {
        return Ok(Response::rc(e::VERSION));
    }
    // 0x0105: the request size is out of bounds.
    let rql = get_u32(&head, 0x0c).unwrap_or(0) as usize;
    if !(HEADER..=MAX_REQUEST).contains(&rql) {
        return Ok(Response::rc(e::SIZE));
    }
    // 0x0103: access exception on the rest of the request.
    let mut req = vec![0u8; rql];
    if uv.config_view(config)?.read(GuestAbs(u.addr), &mut req).is_err() {
        return Ok(Response::rc(e::ACCESS));
    }
    // 0x0106 .. 0x010a as pv-header's opener reports them (current key, then backup).
    let mut opened = AddSecretRequest::open(&req, &RequestOpener::HostKey(&uv.spec.host_key));
    if let (Err(HdrError::NoMatchingKeySlot), Some(b)) = (&opened, &uv.spec.backup_host_key) {
        opened = AddSecretRequest::open(&req, &RequestOpener::HostKey(b));
    }
    let r = match opened {
        Ok(r) => r,
        Err(err) => return Ok(Response::rc(rc_for(&err))),
    };
    // 0x0107: a flag this machine does not support.
    if r.flags.bits() & !l.supp_add_secret_pcf != 0 {
        return Ok(Response::rc(e::FLAGS));
    }
    // 0x0101 [inferred]: the request is for another image or configuration.
    if r.tags != tags || (r.has_cuid() && r.cuid != cuid) {
        return Ok(Response::rc(e::NOT_ALLOWED));
    }
    let kind = r.secret.kind();
    // 0x0109: the type is not supported, update-CCK is not allowed by the image, or the
    // image demands the CCK-derived extension secret and the request lacks it.
    let type_bit = 1u64.checked_shl(63u32.saturating_sub(u32::from(kind.code()))).unwrap_or(0);
    let cck_update_ok = scf & SecretControlFlags::CCK_UPDATE_ALLOWED.bits() != 0;
    let ext_needed = scf & SecretControlFlags::CCK_EXTENSION_SECRET.bits() != 0;
    if l.supp_secret_types & type_bit == 0
        || (kind == SecretKind::UpdateCck && !cck_update_ok)
        || (ext_needed && !r.extension_secret_is_derived_from(&cck))
    {
        return Ok(Response::rc(e::UNSUPPORTED));
    }
    let c = uv.config_mut(config)?;
    let stored = match kind {
        SecretKind::Null | SecretKind::UpdateCck => None,
        k => {
            let id = r.secret.id().copied().unwrap_or_default();
            // 0x010b: the store is full for this kind of secret.
            let retrievable = k.is_retrievable();
            let max = if retrievable { l.max_retr_secrets } else { l.max_assoc_secrets };
            if c.secrets.count(retrievable) >= usize::from(max) {
                return Ok(Response::rc(e::FULL));
            }
            // 0x010c [inferred]: a secret with this id is stored already.
            if c.secrets.contains(&id) {
                return Ok(Response::rc(e::UNABLE));
            }
            Some((k, id))
        }
    };
    if let Some((k, id)) = stored
        && c.secrets.add(k, id, r.secret.value().clone()).is_none()
    {
        return Ok(Response::rc(e::FULL));
    }
    if kind == SecretKind::UpdateCck
        && let (Some(img), Ok(new)) = (c.image.as_mut(), r.secret.value().expose().try_into())
    {
        img.cck = pv_header::secret::Secret::new(new);
    }
    if r.flags.contains(AddSecretFlags::DISABLE_DUMP) {
        c.dump_disabled = true;
    }
    Ok(Response::OK)
}
