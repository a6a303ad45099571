//! Create Secure Configuration, 0x0100 (uv-spec.md §1.6 "Create Secure Configuration",
//! §3.2 step 1, §4 "Donation rules").
//!
//! The checks on the UVCB's values come first and return no handle. Then the handle is
//! assigned and the base storage donated; a failure on the variable storage after that
//! returns the handle with rc | 0x8000 (NEED_DESTROY): the caller must Destroy Secure
//! Configuration it *\[inferred: the spec allows 0x8000 on any error\]*.
//!
//! Variable storage: `conf_base_virt_stor_len + page_align(conf_virt_var_stor_len ×
//! ⌈MSL / 1 MiB⌉)` bytes at `conf_virt_stor_origin` (host virtual = host absolute in
//! pvsim: the host address space is identity-mapped).

use pv_core::is_page_aligned;
use pv_core::uvc::guest::{FEATURE_AP, FEATURE_AP_INTR};
use pv_core::uvc::rc::{NEED_DESTROY, cgc as e};
use pv_core::uvc::uvcb::CgcUvcb;

use crate::dispatch::{Call, Response};
use crate::donation;
use crate::entropy::Draw;
use crate::error::Result;
use crate::sec_config::{ConfigState, SecureConfig};
use crate::storage::Donation;
use crate::ultravisor::Ultravisor;

/// ASCE bit 55 (0x100): private space.
const ASCE_PRIVATE: u64 = 0x100;
/// ASCE bit 58 (0x20): real space.
const ASCE_REAL: u64 = 0x20;
/// CGC flag: AP instructions allowed.
const FLAG_AP: u16 = 0x0001;
/// CGC flag: AP interrupts allowed.
const FLAG_AP_INTR: u16 = 0x0002;

/// The variable storage length for `msl` bytes of guest storage.
pub(crate) fn var_len(uv: &Ultravisor, msl: u64) -> Option<u64> {
    let l = &uv.spec.limits;
    let per = l.conf_virt_var_stor_len.checked_mul(msl.div_ceil(1 << 20))?;
    l.conf_base_virt_stor_len.checked_add(pv_core::page_align_up(per)?)
}

/// Handles Create Secure Configuration.
pub(crate) fn create_config(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: CgcUvcb = call.get();
    let l = uv.spec.limits;
    let (mso, msl) = (u.guest_stor_origin, u.guest_stor_len);
    // 0x0101: MSO above max_guest_stor_addr (pvsim: or not page aligned [inferred]).
    if mso > l.max_guest_stor_addr || !is_page_aligned(mso) {
        return Ok(Response::rc(e::MSO_TOO_HIGH));
    }
    // 0x0102: MSO + MSL above max_guest_stor_addr (pvsim: or MSL zero or not page
    // aligned [inferred]).
    let msl_ok = msl != 0 && is_page_aligned(msl);
    if !msl_ok || mso.checked_add(msl).is_none_or(|end| end > l.max_guest_stor_addr) {
        return Ok(Response::rc(e::MSL_TOO_HIGH));
    }
    // 0x0103 [inferred]: max_num_sec_conf configurations exist.
    if uv.configs.len() >= l.max_num_sec_conf as usize {
        return Ok(Response::rc(e::TOO_MANY_CONFIGS));
    }
    // 0x0104: the ASCE is used by another secure configuration (also: an identical UVCB
    // resubmitted after a success). No handle is returned.
    let asce_origin = |a: u64| a & !0xfff;
    if uv.configs.values().any(|c| asce_origin(c.asce) == asce_origin(u.guest_asce)) {
        return Ok(Response::rc(e::ASCE_IN_USE));
    }
    // 0x0105: the ASCE is invalid: private-space bit missing or real-space bit set.
    if u.guest_asce & ASCE_PRIVATE == 0 || u.guest_asce & ASCE_REAL != 0 {
        return Ok(Response::rc(e::ASCE_INVALID));
    }
    // 0x0107 [inferred]: unknown flags, or AP flags without the AP features.
    let ap_ok = |flag: u16, feature: u64| u.flags & flag == 0 || l.features & feature != 0;
    if u.flags & !(FLAG_AP | FLAG_AP_INTR) != 0
        || !ap_ok(FLAG_AP, FEATURE_AP)
        || !ap_ok(FLAG_AP_INTR, FEATURE_AP_INTR)
    {
        return Ok(Response::rc(e::FLAGS_UNSUPPORTED));
    }
    // 0x0108: the base storage lies beyond the available memory.
    let base_len = l.conf_base_phys_stor_len;
    let base_origin = u.conf_base_stor_origin;
    if base_origin.checked_add(base_len).is_none_or(|end| end > uv.mem.len()) {
        return Ok(Response::rc(e::BASE_BEYOND_MEMORY));
    }
    // 0x0109: the base storage overlaps a lowcore/prefix area.
    if donation::overlaps_prefix(&uv.spec.host_prefixes, base_origin, base_len) {
        return Ok(Response::rc(e::BASE_IN_LOWCORE));
    }
    // 0x0106 [inferred]: the base storage is not page aligned or not available.
    let Ok(base) = donation::check(&uv.mem, base_origin, base_len) else {
        return Ok(Response::rc(e::BASE_UNAVAILABLE));
    };
    // 0x010c: the SCA origin is 0.
    if u.guest_sca == 0 {
        return Ok(Response::rc(e::SCA_ZERO));
    }
    // 0x010d: the SCA is not accessible (beyond memory, or on a secure or donated page).
    if uv.mem.check_host(u.guest_sca, 1).is_err() {
        return Ok(Response::rc(e::SCA_INACCESSIBLE));
    }

    // The handle is assigned and the base storage donated; errors from here on carry
    // NEED_DESTROY.
    let handle = uv.new_handle();
    let mut cuid = [0u8; 16];
    uv.entropy.fill(Draw::ConfigUid, &mut cuid);
    donation::donate(&mut uv.mem, base, Donation::ConfigBase(handle))?;
    let cfg = SecureConfig::new(handle, u.guest_asce, mso, msl, u.guest_sca, u.flags, base, cuid);
    uv.configs.insert(handle, cfg);
    call.put(&CgcUvcb { guest_handle: handle, ..u });

    let var_origin = u.conf_virt_stor_origin;
    let Some(vlen) = var_len(uv, msl) else {
        return Ok(Response::rc(e::VAR_UNAVAILABLE | NEED_DESTROY));
    };
    // 0x010a [inferred] | 0x8000: variable storage unaligned, beyond memory or in use.
    let Ok(var) = donation::check(&uv.mem, var_origin, vlen) else {
        return Ok(Response::rc(e::VAR_UNAVAILABLE | NEED_DESTROY));
    };
    // 0x010e | 0x8000: the variable storage contains a lowcore.
    if donation::overlaps_prefix(&uv.spec.host_prefixes, var.start, var.len) {
        return Ok(Response::rc(e::VAR_IN_LOWCORE | NEED_DESTROY));
    }
    donation::donate(&mut uv.mem, var, Donation::ConfigVar(handle))?;
    let c = uv.config_mut(handle)?;
    c.var = Some(var);
    c.state = ConfigState::Created;
    Ok(Response::OK)
}
