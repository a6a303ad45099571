//! The next entry after a 0x68 interception completes the instruction with what the host
//! left in `pv_grregs`, the PSW's CC and the SIDA (uv-spec.md §5.2, §5.4) — or delivers
//! the specification/operand exception the host injected instead. Then the interruption
//! chosen with `iictl` is delivered inside the guest (§5.5): external (a service signal
//! carries the SCCB address saved at the last SERVC, with the host's low three bits
//! *\[inferred\]*; a clock-comparator or CPU-timer interruption whose new PSW enables
//! it again ends the entry with 0x14), I/O, restart or machine check (`mchk`). After any
//! other interception, host changes to registers, PSW and SIDA are ignored.

use alloc::vec;

use pv_core::sie::{SieExit, StateDescription, iictl, pv_grregs};
use pv_core::{GuestAbs, Storage};
use pv_emu::exec::Exec;
use pv_emu::exec::pending::{IoInterruption, ext_code};
use pv_emu::interrupt::{PgmCode, ProgramCheck};

use super::{Ctx, SieState, mchk, run};
use crate::storage::GuestView;
use pv_core::uvc::PGM_SPECIFICATION;

/// Program-interruption code: operand.
const PGM_OPERAND: u16 = 0x15;
use super::intercept::{Pending, PendingKind};
use crate::error::Result;
use crate::ultravisor::Ultravisor;

/// Completes the pending instruction, if any. `Some` if SIE must end first (a guest page
/// became non-secure since the interception; the instruction stays pending).
pub(crate) fn complete(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    sd: &StateDescription,
    page: &[u8],
) -> Result<Option<SieExit>> {
    let Some(p) = ctx.parts(uv)?.0.pending else {
        return Ok(None);
    };
    let inject = match sd.iictl {
        iictl::PGM_SPEC => Some(PGM_SPECIFICATION),
        iictl::PGM_OPERAND => Some(PGM_OPERAND),
        _ => None,
    };
    if let Some(code) = inject {
        let mut pc = ProgramCheck::new(PgmCode::Specification);
        pc.code = code;
        let (st, mut view) = ctx.parts(uv)?;
        st.pending = None;
        st.emu.program_interruption(&mut view, pc, p.addr, p.len);
        return Ok(None);
    }
    let host_gr = pv_grregs(page);
    let cc = ((sd.gpsw_mask >> 44) & 3) as u8;
    let sida = read_sida(uv, sd)?;
    let r = apply(uv, ctx, &p, &host_gr, cc, &sida)?;
    if let Some(exit) = r {
        return Ok(Some(exit));
    }
    ctx.parts(uv)?.0.pending = None;
    Ok(None)
}

/// The host's SIDA (its first page; checked accessible at entry).
fn read_sida(uv: &mut Ultravisor, sd: &StateDescription) -> Result<alloc::vec::Vec<u8>> {
    let mut b = vec![0u8; 4096];
    let _ = Storage::read(&mut uv.mem, GuestAbs(sd.sida_origin()), &mut b);
    Ok(b)
}

fn apply(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    p: &Pending,
    host_gr: &[u64; 16],
    cc: u8,
    sida: &[u8],
) -> Result<Option<SieExit>> {
    let (st, mut view) = ctx.parts(uv)?;
    let s = &mut st.emu.state;
    let nonsecure = |f: pv_core::StorageFault| {
        Some(SieExit::Program {
            code: f.program_interruption_code(),
            addr: f.addr().get() & !0xfff,
        })
    };
    match p.kind {
        PendingKind::Nothing => {}
        PendingKind::CcOnly => s.psw.set_cc(cc),
        PendingKind::Diag500 => s.gr[2] = host_gr[2],
        PendingKind::Diag308 { r1, subcode, ipib } => {
            if subcode == 6 {
                let n = (u32::from_be_bytes([sida[0], sida[1], sida[2], sida[3]]) as usize)
                    .clamp(4, sida.len());
                if let Err(f) = view.write(GuestAbs(ipib), &sida[..n]) {
                    return Ok(nonsecure(f));
                }
            }
            let s = &mut st.emu.state;
            s.gr[usize::from(r1.wrapping_add(1) & 15)] = host_gr[1];
        }
        PendingKind::Servc { sccb, len } => {
            if let Err(f) = view.write(GuestAbs(sccb), &sida[..usize::from(len)]) {
                return Ok(nonsecure(f));
            }
            st.emu.state.psw.set_cc(cc);
            st.servc_unmasked = true;
        }
        PendingKind::Stsi { b2, d2, fc } => {
            s.psw.set_cc(cc);
            if fc == 0 {
                s.gr[0] = (s.gr[0] & !0xf000_0000) | (host_gr[0] & 0xf000_0000);
            } else if cc == 0 {
                return Ok(store_operand(st, &mut view, p, b2, d2, &sida[..4096]));
            }
        }
        PendingKind::Store { b2, d2, len, ccs } => {
            s.psw.set_cc(cc);
            if ccs & (1 << cc) != 0 {
                return Ok(store_operand(st, &mut view, p, b2, d2, &sida[..usize::from(len)]));
            }
        }
        PendingKind::Sthyi { r2 } => {
            s.psw.set_cc(cc);
            let r = usize::from(r2.wrapping_add(1) & 15);
            s.gr[r] = host_gr[r];
            if cc == 0 {
                return Ok(store_operand(st, &mut view, p, r2, 0, &sida[..4096]));
            }
        }
        PendingKind::Sigp { r1 } => {
            s.psw.set_cc(cc);
            if cc == 1 {
                let r = usize::from(r1 & 15);
                s.gr[r] = (s.gr[r] & !0xffff_ffff) | (host_gr[r] & 0xffff_ffff);
            }
        }
    }
    Ok(None)
}

/// Stores `data` at the pending instruction's operand `D2(B2)` (logical, through the
/// guest's DAT). `Some` when a non-secure or foreign page ends SIE first (the
/// instruction stays pending); other access exceptions go to the guest.
fn store_operand(
    st: &mut SieState,
    view: &mut GuestView<'_>,
    p: &Pending,
    b2: u8,
    d2: u16,
    data: &[u8],
) -> Option<SieExit> {
    let mut ex = Exec::new(&mut st.emu, view, p.addr, p.len);
    let ea = ex.ea(0, b2, i64::from(d2));
    if let Err(pv_emu::exec::Event::Program(pc)) = ex.write(ea, data) {
        if matches!(pc.code, 0x3e | 0x3f) {
            let at = pc.teid.unwrap_or(0) & !0xfff;
            return Some(SieExit::Program { code: pc.code, addr: at });
        }
        st.emu.program_interruption(view, pc, p.addr, p.len);
    }
    None
}

/// Delivers the interruption the host chose with `iictl` (the entry checks allowed it).
/// `Some(code)` when it was a timer interruption whose new PSW enables it again (an
/// external-interruption loop, interception 0x14).
pub(crate) fn inject(uv: &mut Ultravisor, ctx: &Ctx, sd: &StateDescription) -> Result<Option<u16>> {
    let (st, mut view) = ctx.parts(uv)?;
    match sd.iictl {
        iictl::EXT => {
            let from = matches!(sd.eic, ext_code::EMERGENCY_SIGNAL | ext_code::EXTERNAL_CALL)
                .then_some(sd.extcpuaddr);
            let param = match (sd.eic, st.saved_sccb) {
                // The UV substitutes the SCCB address it saved at the SERVC and keeps the
                // host's low three bits (the event-pending flags) [inferred].
                (ext_code::SERVICE_SIGNAL, Some(sccb)) => (sccb & !7) | (sd.eiparams & 7),
                (ext_code::SERVICE_SIGNAL, None) => sd.eiparams,
                _ => 0,
            };
            st.emu.external_interruption(&mut view, sd.eic, param, from);
            if sd.eic == ext_code::SERVICE_SIGNAL {
                // Re-masked after each delivery.
                st.servc_unmasked = false;
            }
            if run::reenables(&st.emu.state, sd.eic) {
                return Ok(Some(sd.eic));
            }
        }
        iictl::MCHK => mchk::deliver(&mut st.emu, &mut view, sd),
        iictl::IO => {
            let io = IoInterruption {
                subsystem_id: (u32::from(sd.subchannel_id) << 16) | u32::from(sd.subchannel_nr),
                param: sd.io_int_parm,
                id_word: sd.io_int_word,
            };
            st.emu.io_interruption(&mut view, io);
        }
        iictl::RESTART => st.emu.restart_interruption(&mut view),
        _ => {}
    }
    Ok(None)
}
