//! The dump calls (uv-spec.md §1.4, §3.4): Dump Initialize 0x0400, Dump Configuration
//! Storage State 0x0401, Dump CPU 0x0402, Dump Complete 0x0403.
//!
//! Only the handle and length rcs are published; pvsim's rules *\[inferred\]*: Dump
//! Initialize needs a verified configuration (0x0003) whose header allows dumping (pcf bit
//! 34) and no add-secret request disabled it (0x0101); the other three need a dump in
//! progress (0x0003) and a writable host dump area (0x0102); Dump Storage State needs a
//! 1 MiB aligned guest address below MSL (0x0102).
//!
//! The real dump formats are unpublished; pvsim's are:
//! - Dump CPU (`cpu_stor_len` bytes): `nonce(12) ‖ AES-256-GCM(dump key, nonce, PSW(16)
//!   ‖ be16(num) ‖ state(1) ‖ zeros) ‖ tag(16)`, dump key = `SHA-256("pvsim-dump" ‖ CCK ‖
//!   be64(session))`, nonce = `kind ‖ 0^3 ‖ be64(counter)`; the customer, who knows the
//!   CCK, can decrypt it;
//! - Dump Storage State (`conf_dump_storage_state_len` bytes per 1 MiB): 16 bytes per
//!   page, `state(1) ‖ 0^7 ‖ be64(export counter)` with state 0 non-secure (or another
//!   owner's), 1 secure, 2 shared, 3 pinned;
//! - Dump Complete (`conf_dump_finalize_len` bytes): `"pvsim-dump-v1" ‖ 0^3 ‖ CUID ‖
//!   be64(session) ‖ SHA-256(dump key)` then zeros.

use alloc::vec;

use pv_core::uvc::rc::{self, dump as e};
use pv_core::uvc::uvcb::{DumpCompleteUvcb, DumpCpuUvcb, DumpStorStateUvcb};
use pv_header::gcm;
use pv_header::pcf::PlaintextControlFlags;
use sha2::{Digest, Sha256};

use crate::dispatch::{Call, Response};
use crate::error::{Error, Result};
use crate::sec_config::{ConfigEvent, ConfigState, SecureConfig};
use crate::storage::PageState;
use crate::ultravisor::Ultravisor;

const MIB: u64 = 1 << 20;
const GCM_OVERHEAD: usize = 12 + 16;

fn dump_key(c: &SecureConfig) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"pvsim-dump");
    if let Some(i) = &c.image {
        h.update(i.cck.expose());
    }
    h.update(c.dump_session.to_be_bytes());
    h.finalize().into()
}

/// Writes `data` to the host dump area at `at`; `false` if it is not writable.
fn write_area(uv: &mut Ultravisor, at: u64, data: &[u8]) -> Result<bool> {
    if data.is_empty() || uv.mem.check_host(at, data.len()).is_err() {
        return Ok(false);
    }
    uv.mem.write_raw(at, data)?;
    Ok(true)
}

/// Handles Dump Initialize.
pub(crate) fn dump_init(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let c = uv.config_mut(call.handle)?;
    // 0x0003 [inferred]: not verified, or a dump is already in progress.
    if c.state != ConfigState::Verified {
        return Ok(Response::rc(rc::INV_STATE));
    }
    // 0x0101 [inferred]: the header does not allow dumping, or a secret request disabled it.
    let allowed =
        c.image.as_ref().is_some_and(|i| i.pcf & PlaintextControlFlags::ALLOW_DUMPING.bits() != 0);
    if !allowed || c.dump_disabled {
        return Ok(Response::rc(e::NOT_ALLOWED));
    }
    c.advance(ConfigEvent::DumpStarted);
    c.dump_session += 1;
    c.dump_counter = 0;
    Ok(Response::OK)
}

/// Handles Dump CPU.
pub(crate) fn dump_cpu(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: DumpCpuUvcb = call.get();
    let cpu = uv.cpus.get(&call.handle).cloned().ok_or(Error::Inconsistent { what: "cpu" })?;
    let len = uv.spec.limits.cpu_stor_len as usize;
    let c = uv.config_mut(cpu.config)?;
    // 0x0003 [inferred]: no dump in progress.
    if c.state != ConfigState::Dumping || len < GCM_OVERHEAD + 19 {
        return Ok(Response::rc(rc::INV_STATE));
    }
    let mut out = vec![0u8; len];
    let mut nonce = [0u8; 12];
    nonce[0] = 1;
    nonce[4..].copy_from_slice(&c.dump_counter.to_be_bytes());
    let body = &mut out[12..len - 16];
    body[..16].copy_from_slice(&cpu.psw.to_bytes());
    body[16..18].copy_from_slice(&cpu.num.to_be_bytes());
    body[18] = cpu.state.code();
    let tag = gcm::seal(&dump_key(c), &nonce, &[], body);
    out[..12].copy_from_slice(&nonce);
    out[len - 16..].copy_from_slice(&tag);
    // 0x0102 [inferred]: the dump area is not writable.
    if !write_area(uv, u.dump_area_origin, &out)? {
        return Ok(Response::rc(e::ACCESS));
    }
    uv.config_mut(cpu.config)?.dump_counter += 1;
    Ok(Response::OK)
}

/// Handles Dump Configuration Storage State.
pub(crate) fn dump_stor_state(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: DumpStorStateUvcb = call.get();
    let handle = call.handle;
    let len = uv.spec.limits.conf_dump_storage_state_len as usize;
    let c = uv.config(handle)?;
    // 0x0003 [inferred]: no dump in progress.
    if c.state != ConfigState::Dumping {
        return Ok(Response::rc(rc::INV_STATE));
    }
    // 0x0102 [inferred]: the guest address is not 1 MiB aligned or not below MSL.
    if !u.gaddr.is_multiple_of(MIB) || u.gaddr >= c.msl {
        return Ok(Response::rc(e::ACCESS));
    }
    let mut out = vec![0u8; len];
    for (i, entry) in out.chunks_exact_mut(16).enumerate() {
        let g = u.gaddr + (i as u64) * pv_core::PAGE_SIZE_U64;
        let Some(h) = c.host_addr(g) else { break };
        entry[0] = match uv.mem.page_state(h) {
            PageState::Secure { config } if config == handle => 1,
            PageState::Shared { config } if config == handle => 2,
            PageState::Pinned { config } if config == handle => 3,
            _ => 0,
        };
        let counter = c.paging.record(g).map_or(0, |r| r.counter);
        entry[8..].copy_from_slice(&counter.to_be_bytes());
    }
    // 0x0102 [inferred]: the dump area is not writable.
    if !write_area(uv, u.dump_area_origin, &out)? {
        return Ok(Response::rc(e::ACCESS));
    }
    Ok(Response::OK)
}

/// Handles Dump Complete.
pub(crate) fn dump_complete(uv: &mut Ultravisor, call: &mut Call) -> Result<Response> {
    let u: DumpCompleteUvcb = call.get();
    let handle = call.handle;
    let len = uv.spec.limits.conf_dump_finalize_len as usize;
    let c = uv.config(handle)?;
    // 0x0003 [inferred]: no dump in progress.
    if c.state != ConfigState::Dumping {
        return Ok(Response::rc(rc::INV_STATE));
    }
    let mut out = vec![0u8; len.max(72)];
    out[..13].copy_from_slice(b"pvsim-dump-v1");
    out[16..32].copy_from_slice(&c.cuid);
    out[32..40].copy_from_slice(&c.dump_session.to_be_bytes());
    out[40..72].copy_from_slice(&Sha256::digest(dump_key(c)));
    out.truncate(len);
    // 0x0102 [inferred]: the dump area is not writable.
    if !write_area(uv, u.dump_area_origin, &out)? {
        return Ok(Response::rc(e::ACCESS));
    }
    uv.config_mut(handle)?.advance(ConfigEvent::DumpCompleted);
    Ok(Response::OK)
}
