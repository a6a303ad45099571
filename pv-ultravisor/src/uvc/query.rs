//! Query Ultravisor Information, 0x0001 (uv-spec.md §2): every field from the machine's
//! limits; the installed-calls list is the caller's (host or guest). Data is written up to
//! `min(len, 0x120)`; a length below 0x120 answers rc 0x0100 (more data).

use pv_core::uvc::guest::QuiUvcb;
use pv_core::uvc::{Uvcb, rc};

use crate::dispatch::{Call, Caller, Response};
use crate::error::Result;
use crate::ultravisor::Ultravisor;

/// Handles Query Ultravisor Information.
pub(crate) fn qui(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let l = &uv.spec.limits;
    let calls = match call.caller {
        Caller::Host => l.host_calls,
        Caller::Guest { .. } => l.guest_calls,
    };
    let q = QuiUvcb {
        inst_calls: calls.0,
        uv_base_stor_len: l.uv_base_stor_len,
        conf_base_phys_stor_len: l.conf_base_phys_stor_len,
        conf_base_virt_stor_len: l.conf_base_virt_stor_len,
        conf_virt_var_stor_len: l.conf_virt_var_stor_len,
        cpu_stor_len: l.cpu_stor_len,
        max_num_sec_conf: l.max_num_sec_conf,
        max_guest_stor_addr: l.max_guest_stor_addr,
        max_guest_cpu_id: l.max_guest_cpu_id,
        uv_feature_indications: l.features,
        supp_se_hdr_versions: l.supp_se_hdr_versions,
        supp_se_hdr_pcf: l.supp_se_hdr_pcf,
        conf_dump_storage_state_len: l.conf_dump_storage_state_len,
        conf_dump_finalize_len: l.conf_dump_finalize_len,
        supp_att_req_hdr_ver: l.supp_att_req_hdr_ver,
        supp_att_pflags: l.supp_att_pflags,
        supp_add_secret_req_ver: l.supp_add_secret_req_ver,
        supp_add_secret_pcf: l.supp_add_secret_pcf,
        supp_secret_types: l.supp_secret_types,
        max_assoc_secrets: l.max_assoc_secrets,
        max_retr_secrets: l.max_retr_secrets,
    };
    // Fields that do not fit the caller's length are not written.
    call.put(&q);
    // More data than the caller asked for: rc 0x0100 (cc 1, output valid).
    if usize::from(call.len) < QuiUvcb::LEN {
        return Ok(Response::rc(rc::MORE_DATA));
    }
    Ok(Response::OK)
}
