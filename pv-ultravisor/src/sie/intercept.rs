//! Which guest instruction gives which interception (uv-spec.md §5.3, §6.1, §6.2) and what
//! the host gets with it. For DIAGNOSE the text is rewritten to `ipa 0x8302, ipb
//! 0x50000000` (`DIAG 0,2,0(5)`) and the values go into fixed registers: GR0 = guest R1,
//! GR1 = guest R1+1, GR2 = guest R3, GR5 = the function code.
//!
//! | instruction | interception | host data | completion on the next entry |
//! |---|---|---|---|
//! | DIAG 0x44 | 0x6c | GR5 | — |
//! | DIAG 0x9c | 0x6c | GR0, GR5 | — |
//! | DIAG 0x288 | 0x68 | GR0-2, GR5 | CC from the host's PSW |
//! | DIAG 0x500 | 0x68 | GR1-4 as the guest has them *\[the hypercall registers\]*, GR5 | host GR2 → guest R2 |
//! | DIAG 0x308 subcode 0, 1 | 0x6c | GR2, GR5; entries are validity until the reset sequence | — |
//! | DIAG 0x308 subcode 3, 5, 6 | 0x68 | GR0-2, GR5; subcode 5: the IPIB at SIDA+0 | host GR1 → guest R1+1; subcode 6: SIDA → guest IPIB |
//! | DIAG 0x308 other subcodes | — | specification exception in the guest | |
//! | other DIAG codes | 0x68 | GR0-2, GR5 *\[inferred\]* | — |
//! | SPX | 0x6c | new prefix (u32) at SIDA+0; the UV sets it | — |
//! | SERVC | 0x68 | guest R1 (command) in GR(R1), 0 in GR(R2) (the SCCB is at SIDA+0) *\[inferred\]* | SIDA → guest SCCB (its length), CC, service signals unmasked |
//! | SERVC with a bad SCCB (length < 8 or crossing a page) | 0x6c | — ; the UV stores SCLP response 0x0300/0x0100 and CC 0 *\[inferred\]*, unmasks service signals | — |
//! | STSI | 0x68 | GR0, GR1 | CC; fc ≠ 0 and CC 0: SIDA (4 KiB) → operand; fc 0: host GR0 → guest R0 |
//! | SIGP stop and store status | 0x68 | GR(R1), GR(R1+1), GR(R3) | CC; CC 1: host GR(R1) low word → guest |
//! | other SIGP orders | 0x6c | GR(R1), GR(R1+1), GR(R3); the guest gets CC 0 *\[inferred\]* | — |
//! | UVC Remove Shared on a pinned page | 0x6c | UVCB (0x30 bytes) at SIDA+0; the UVC is nullified so the guest issues it again *\[inferred\]* | — |
//! | other UVCs | — | executed by the ultravisor | |
//! | I/O instructions | 0x68 | GR1 (subchannel id); SCHIB/ORB/CHSC request at SIDA+0 (`io`) | CC; SCHIB/IRB/CRW/CHSC response from the SIDA (`io`) |
//! | STHYI (not decoded by `pv-emu`: its operation exception is taken back) | 0x68 *\[inferred\]* | GR(R1) (function code); the buffer address stays hidden | CC; host GR(R2+1) → guest; CC 0: SIDA page → buffer |
//! | SIE, PTF, ESSA, other intercepted instructions | — | operation exception in the guest *\[inferred\]* | |
//!
//! The host may inject a specification or operand exception instead of any completion
//! (`iictl` 0x10/0x11). A SERVC saves the guest's SCCB address: the service signal the
//! host injects afterwards carries it (uv-spec.md §5.3, "UV substitutes its saved SCCB").
//!
//! Partial execution (0x38) is not produced: for PV, SIGP orders other than
//! stop-and-store-status are notifications (0x6c) that KVM hands to its SIGP
//! partial-execution handler (uv-spec.md §5.2, §5.3); nothing in the spec gives a secure
//! CPU a 0x38 interception.

use alloc::vec;

use pv_core::sie::{SieExit, icpt};
use pv_core::uvc::{UvcInstr, UvcOutcome};
use pv_core::{GuestAbs, Storage, StorageFault};
use pv_emu::Exit;
use pv_emu::decode::{Fields, Insn, Op};
use pv_emu::exec::Exec;
use pv_emu::interrupt::{PgmCode, ProgramCheck};

use super::io;
use super::run::{self, RunEnd};
use super::{Ctx, Icpt};
use crate::error::Result;
use crate::ultravisor::{GuestUvcOutcome, Ultravisor};

/// The text of every DIAGNOSE as the host sees it: `ipa 0x8302, ipb 0x50000000`.
const DIAG_TEXT: [u8; 6] = [0x83, 0x02, 0x50, 0x00, 0x00, 0x00];
/// The most bytes moved through the SIDA (one page).
const SIDA_MAX: usize = 4096;
/// SIGP order: stop and store status.
const SIGP_STOP_STORE: u64 = 0x09;

/// An instruction a 0x68 interception left for the next entry to complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    /// What to complete.
    pub kind: PendingKind,
    /// The instruction's address and length (for an injected program interruption).
    pub addr: u64,
    /// Its length.
    pub len: u8,
}

impl Pending {
    /// Whether it is a SERVC (service signals may be injected).
    pub fn is_servc(&self) -> bool {
        matches!(self.kind, PendingKind::Servc { .. })
    }
}

/// The per-instruction completion rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PendingKind {
    /// Only the CC comes from the host (DIAG 0x288, I/O).
    CcOnly,
    /// Nothing comes from the host (other DIAG codes).
    Nothing,
    /// DIAG 0x500: host GR2 → guest R2.
    Diag500,
    /// DIAG 0x308 subcodes 3, 5, 6: host GR1 → guest R1+1; subcode 6 also stores the
    /// IPIB from the SIDA at guest absolute `ipib`.
    Diag308 {
        /// Guest R1.
        r1: u8,
        /// The subcode.
        subcode: u64,
        /// Guest absolute address of the IPIB.
        ipib: u64,
    },
    /// SERVC: SIDA → SCCB at guest absolute `sccb` (`len` bytes), CC.
    Servc {
        /// Guest absolute SCCB address.
        sccb: u64,
        /// SCCB length.
        len: u16,
    },
    /// STSI with function code `fc` and the operand at `D2(B2)`.
    Stsi {
        /// B2.
        b2: u8,
        /// D2.
        d2: u16,
        /// Function code (guest GR0 bits 32-35).
        fc: u8,
    },
    /// An instruction that stores an operand block (I/O): CC; when the CC is one of
    /// `ccs` (bit n = CC n), the first `len` SIDA bytes → the operand at `D2(B2)`.
    Store {
        /// B2.
        b2: u8,
        /// D2.
        d2: u16,
        /// Bytes to store.
        len: u16,
        /// The CCs that store (bit n = CC n).
        ccs: u8,
    },
    /// STHYI: CC; host GR(R2+1) (the return code) → guest R2+1; CC 0: the SIDA page →
    /// the guest's buffer at GR(R2).
    Sthyi {
        /// R2.
        r2: u8,
    },
    /// SIGP stop and store status: CC; CC 1 → host GR(R1) low word to guest R1.
    Sigp {
        /// R1.
        r1: u8,
    },
}

/// What the run loop does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Keep running (the ultravisor handled it).
    Continue,
    /// End SIE with an interception.
    Icpt(Icpt),
    /// End SIE without an interception.
    Plain(SieExit),
}

/// Runs the CPU until something needs the host.
pub(crate) fn run_until_exit(uv: &mut Ultravisor, ctx: &Ctx, left: &mut u64) -> Result<Flow> {
    let (end, ran) = {
        let (st, mut view) = ctx.parts(uv)?;
        let tod = st.emu.state.tod;
        let end = run::run(&mut st.emu, &mut view, left);
        (end, st.emu.state.tod.wrapping_sub(tod))
    };
    // The virtual host clock runs while the guest does.
    uv.clock.advance(ran);
    match end {
        RunEnd::Budget => Ok(Flow::Plain(SieExit::Budget)),
        RunEnd::HostPgm { code, addr } => Ok(Flow::Plain(SieExit::Program { code, addr })),
        RunEnd::PgmLoop(code) => {
            Ok(Flow::Icpt(Icpt { code: icpt::PROGRAM, pgm: (0, code), ..Icpt::default() }))
        }
        RunEnd::Mask(code) => Ok(Flow::Icpt(Icpt::code(code))),
        RunEnd::Sthyi { addr, r1, r2 } => {
            // 0x68 with the function code in GR(R1); the buffer address stays hidden
            // (the output page goes through the SIDA) [inferred].
            let mut i = Icpt::text(icpt::PV_INSTR, &[0xb2, 0x56, 0, (r1 << 4) | r2, 0, 0]);
            i.gr[usize::from(r1)] = gr(uv, ctx, r1);
            {
                let (st, _) = ctx.parts(uv)?;
                st.emu.state.psw.addr = st.emu.state.wrap(addr.wrapping_add(4));
            }
            pend(uv, ctx, PendingKind::Sthyi { r2 }, addr, 4)?;
            Ok(Flow::Icpt(i))
        }
        RunEnd::ExtLoop(eic) => {
            Ok(Flow::Icpt(Icpt { code: icpt::EXTERNAL, eic, ..Icpt::default() }))
        }
        RunEnd::Exit(Exit::Wait { .. }) => Ok(Flow::Icpt(Icpt::code(icpt::WAIT))),
        RunEnd::Exit(Exit::Stopped) => Ok(Flow::Icpt(Icpt::code(icpt::STOP))),
        RunEnd::Exit(Exit::Instruction { insn, addr }) => instruction(uv, ctx, insn, addr),
        RunEnd::Exit(_) => Ok(Flow::Plain(SieExit::Budget)),
    }
}

/// The guest's register `r`.
pub(crate) fn gr(uv: &Ultravisor, ctx: &Ctx, r: u8) -> u64 {
    uv.cpus.get(&ctx.cpu).map_or(0, |c| c.sie.emu.state.gr[usize::from(r & 15)])
}

/// Delivers program interruption `code` in the guest for the instruction at `addr`.
pub(crate) fn guest_pgm(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    code: PgmCode,
    addr: u64,
    len: u8,
) -> Result<Flow> {
    let (st, mut view) = ctx.parts(uv)?;
    st.emu.program_interruption(&mut view, ProgramCheck::new(code), addr, len);
    Ok(Flow::Continue)
}

/// A storage fault met while the ultravisor accesses guest storage for an instruction:
/// 0x3e/0x3f end SIE (the instruction is nullified: the PSW is rewound to `addr`), others
/// go to the guest.
pub(crate) fn fault(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    code: u16,
    at: u64,
    addr: u64,
    len: u8,
) -> Result<Flow> {
    if matches!(code, 0x3e | 0x3f) {
        let (st, _) = ctx.parts(uv)?;
        st.emu.state.psw.addr = addr;
        return Ok(Flow::Plain(SieExit::Program { code, addr: at & !0xfff }));
    }
    let pc = match code {
        0x05 => PgmCode::Addressing,
        0x02 => PgmCode::PrivilegedOperation,
        0x04 => PgmCode::Protection,
        0x10 => PgmCode::SegmentTranslation,
        0x11 => PgmCode::PageTranslation,
        _ => PgmCode::Specification,
    };
    guest_pgm(uv, ctx, pc, addr, len)
}

/// [`fault`] for a storage fault.
pub(crate) fn sfault(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    f: StorageFault,
    addr: u64,
    len: u8,
) -> Result<Flow> {
    fault(uv, ctx, f.program_interruption_code(), f.addr().get(), addr, len)
}

/// Sets the guest's condition code.
pub(crate) fn set_cc(uv: &mut Ultravisor, ctx: &Ctx, cc: u8) -> Result<()> {
    let (st, _) = ctx.parts(uv)?;
    st.emu.state.psw.set_cc(cc);
    Ok(())
}

pub(crate) fn pend(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    kind: PendingKind,
    addr: u64,
    len: u8,
) -> Result<()> {
    let (st, _) = ctx.parts(uv)?;
    st.pending = Some(Pending { kind, addr, len });
    Ok(())
}

/// Reads `len` bytes of guest absolute storage at `g`.
fn read_abs(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    g: u64,
    len: usize,
) -> Result<core::result::Result<alloc::vec::Vec<u8>, StorageFault>> {
    let (_, mut view) = ctx.parts(uv)?;
    let mut b = vec![0u8; len];
    Ok(view.read(GuestAbs(g), &mut b).map(|()| b))
}

/// Handles one intercepted instruction.
fn instruction(uv: &mut Ultravisor, ctx: &Ctx, insn: Insn, addr: u64) -> Result<Flow> {
    let len = insn.len() as u8;
    let text = run::text(&insn);
    match (insn.op, insn.fields) {
        (Op::Diag, Fields::Rs(f)) => {
            let base = if f.b2 != 0 { gr(uv, ctx, f.b2) } else { 0 };
            let fc = base.wrapping_add(u64::from(f.d2)) & 0xffff;
            diag(uv, ctx, fc, f.r1, f.r3, addr, len)
        }
        (Op::Spx, Fields::S(f)) => spx(uv, ctx, f.b2, f.d2, &text, addr, len),
        (Op::Servc, Fields::Rre(f)) => servc(uv, ctx, f.r1, f.r2, &text, addr, len),
        (Op::Stsi, Fields::S(f)) => {
            let mut i = Icpt::text(icpt::PV_INSTR, &text);
            i.gr[0] = gr(uv, ctx, 0);
            i.gr[1] = gr(uv, ctx, 1);
            let fc = ((i.gr[0] >> 28) & 0xf) as u8;
            pend(uv, ctx, PendingKind::Stsi { b2: f.b2, d2: f.d2, fc }, addr, len)?;
            Ok(Flow::Icpt(i))
        }
        (Op::Sigp, Fields::Rs(f)) => {
            let base = if f.b2 != 0 { gr(uv, ctx, f.b2) } else { 0 };
            let order = base.wrapping_add(u64::from(f.d2)) & 0xff;
            let stop_store = order == SIGP_STOP_STORE;
            let mut i =
                Icpt::text(if stop_store { icpt::PV_INSTR } else { icpt::PV_NOTIFY }, &text);
            for r in [f.r1, f.r1 | 1, f.r3] {
                i.gr[usize::from(r)] = gr(uv, ctx, r);
            }
            if stop_store {
                pend(uv, ctx, PendingKind::Sigp { r1: f.r1 }, addr, len)?;
            } else {
                set_cc(uv, ctx, 0)?;
            }
            Ok(Flow::Icpt(i))
        }
        (Op::Uvc, Fields::Rrf(f)) => uvc(uv, ctx, f.r3, f.m4, f.r2, &text, addr, len),
        (op, fields) if io::is_io(op) => io::instruction(uv, ctx, op, fields, &text, addr, len),
        _ => guest_pgm(uv, ctx, PgmCode::Operation, addr, len),
    }
}

/// DIAGNOSE with function code `fc`.
fn diag(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    fc: u64,
    r1: u8,
    r3: u8,
    addr: u64,
    len: u8,
) -> Result<Flow> {
    let mut i = Icpt::text(icpt::PV_INSTR, &DIAG_TEXT);
    i.gr[5] = fc;
    let remap = |i: &mut Icpt, uv: &Ultravisor| {
        i.gr[0] = gr(uv, ctx, r1);
        i.gr[1] = gr(uv, ctx, r1.wrapping_add(1));
        i.gr[2] = gr(uv, ctx, r3);
    };
    match fc {
        0x44 => i.code = icpt::PV_NOTIFY,
        0x9c => {
            i.code = icpt::PV_NOTIFY;
            i.gr[0] = gr(uv, ctx, r1);
        }
        0x500 => {
            for r in 1..=4 {
                i.gr[r] = gr(uv, ctx, r as u8);
            }
            pend(uv, ctx, PendingKind::Diag500, addr, len)?;
        }
        0x288 => {
            remap(&mut i, uv);
            pend(uv, ctx, PendingKind::CcOnly, addr, len)?;
        }
        0x308 => return diag308(uv, ctx, i, r1, r3, addr, len),
        _ => {
            remap(&mut i, uv);
            pend(uv, ctx, PendingKind::Nothing, addr, len)?;
        }
    }
    Ok(Flow::Icpt(i))
}

/// DIAG 0x308 (uv-spec.md §5.3, §6.2).
fn diag308(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    mut i: Icpt,
    r1: u8,
    r3: u8,
    addr: u64,
    len: u8,
) -> Result<Flow> {
    let subcode = gr(uv, ctx, r3) & 0xffff;
    match subcode {
        0 | 1 => {
            // Notification; the host must run the reset sequence (uv-spec.md §3.3).
            i.code = icpt::PV_NOTIFY;
            i.gr[2] = subcode;
            uv.config_mut(ctx.config)?.reset_requested = true;
            Ok(Flow::Icpt(i))
        }
        3 | 5 | 6 => {
            i.gr[0] = gr(uv, ctx, r1);
            i.gr[1] = gr(uv, ctx, r1.wrapping_add(1));
            i.gr[2] = subcode;
            let ipib = {
                let (st, _) = ctx.parts(uv)?;
                st.emu.state.prefixed(st.emu.state.gr[usize::from(r1 & 15)])
            };
            if subcode == 5 {
                // The IPIB goes to the host through the SIDA (its length word first).
                let hdr = match read_abs(uv, ctx, ipib, 4)? {
                    Ok(b) => b,
                    Err(f) => return sfault(uv, ctx, f, addr, len),
                };
                let n = (u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as usize)
                    .clamp(4, SIDA_MAX);
                match read_abs(uv, ctx, ipib, n)? {
                    Ok(b) => i.sida = Some(b),
                    Err(f) => return sfault(uv, ctx, f, addr, len),
                }
            }
            pend(uv, ctx, PendingKind::Diag308 { r1, subcode, ipib }, addr, len)?;
            Ok(Flow::Icpt(i))
        }
        // 4, 7, 8, 9, 10 and undefined subcodes: specification exception in the guest.
        _ => guest_pgm(uv, ctx, PgmCode::Specification, addr, len),
    }
}

/// SET PREFIX: the ultravisor executes it and notifies the host.
fn spx(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    b2: u8,
    d2: u16,
    text: &[u8; 6],
    addr: u64,
    len: u8,
) -> Result<Flow> {
    let msl = ctx.msl;
    let r = {
        let (st, mut view) = ctx.parts(uv)?;
        let mut ex = Exec::new(&mut st.emu, &mut view, addr, len);
        let ea = ex.ea(0, b2, i64::from(d2));
        ex.rd32(ea)
    };
    let v = match r {
        Ok(v) => v,
        Err(p) => {
            let at = p.teid.unwrap_or(addr);
            return fault(uv, ctx, p.code, at, addr, len);
        }
    };
    let p = v & 0x7fff_e000;
    if u64::from(p) + 0x2000 > msl {
        return guest_pgm(uv, ctx, PgmCode::Addressing, addr, len);
    }
    {
        let (st, _) = ctx.parts(uv)?;
        st.emu.state.prefix = p;
        st.emu.tlb.purge();
    }
    let mut i = Icpt::text(icpt::PV_NOTIFY, text);
    i.sida = Some(p.to_be_bytes().to_vec());
    Ok(Flow::Icpt(i))
}

/// SERVICE CALL: the SCCB goes to the host through the SIDA.
fn servc(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    r1: u8,
    r2: u8,
    text: &[u8; 6],
    addr: u64,
    len: u8,
) -> Result<Flow> {
    let sccb = {
        let (st, _) = ctx.parts(uv)?;
        let real = st.emu.state.gr[usize::from(r2 & 15)] & 0x7fff_fff8;
        st.emu.state.prefixed(real)
    };
    let hdr = match read_abs(uv, ctx, sccb, 2)? {
        Ok(b) => b,
        Err(f) => return sfault(uv, ctx, f, addr, len),
    };
    let n = u16::from_be_bytes([hdr[0], hdr[1]]);
    {
        let (st, _) = ctx.parts(uv)?;
        st.saved_sccb = Some((st.emu.state.gr[usize::from(r2 & 15)] & 0x7fff_fff8) as u32);
    }
    // A bad SCCB: shorter than its header, or crossing a page boundary (uv-spec.md §5.3).
    if n < 8 || (sccb & 0xfff) + u64::from(n) > SIDA_MAX as u64 {
        return bad_sccb(uv, ctx, sccb, n, text);
    }
    let body = match read_abs(uv, ctx, sccb, usize::from(n))? {
        Ok(b) => b,
        Err(f) => return sfault(uv, ctx, f, addr, len),
    };
    let mut i = Icpt::text(icpt::PV_INSTR, text);
    i.gr[usize::from(r1 & 15)] = gr(uv, ctx, r1);
    i.gr[usize::from(r2 & 15)] = 0;
    i.sida = Some(body);
    pend(uv, ctx, PendingKind::Servc { sccb, len: n }, addr, len)?;
    Ok(Flow::Icpt(i))
}

/// SCLP response codes the ultravisor stores for a bad SCCB *\[inferred: the SCLP's own
/// codes\]*: boundary violation and insufficient length.
const SCLP_RC_BOUNDARY: u16 = 0x0100;
const SCLP_RC_LENGTH: u16 = 0x0300;

/// SERVC with a bad SCCB: the ultravisor completes it itself (CC 0, the error response
/// code in the SCCB header) and notifies the host (0x6c) with no
/// registers and no SIDA data; service signals are unmasked, and the one the host then
/// injects carries the saved SCCB address *\[inferred: the response code and CC\]*.
fn bad_sccb(uv: &mut Ultravisor, ctx: &Ctx, sccb: u64, n: u16, text: &[u8; 6]) -> Result<Flow> {
    let code = if n < 8 { SCLP_RC_LENGTH } else { SCLP_RC_BOUNDARY };
    {
        let (st, mut view) = ctx.parts(uv)?;
        let _ = view.write(GuestAbs(sccb + 6), &code.to_be_bytes());
        st.emu.state.psw.set_cc(0);
        st.servc_unmasked = true;
    }
    Ok(Flow::Icpt(Icpt::text(icpt::PV_NOTIFY, text)))
}

/// A guest UVC: executed by the ultravisor, except Remove Shared on a pinned page.
#[allow(clippy::too_many_arguments)]
fn uvc(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    i3: u8,
    m4: u8,
    r2: u8,
    text: &[u8; 6],
    addr: u64,
    len: u8,
) -> Result<Flow> {
    let (problem_state, uvcb) = {
        let (st, _) = ctx.parts(uv)?;
        let s = &st.emu.state;
        (s.psw.is_problem_state(), s.prefixed(s.gr[usize::from(r2 & 15)]))
    };
    let instr = UvcInstr { i3, m4, problem_state, uvcb };
    match uv.guest_uvc(ctx.cpu, instr)? {
        GuestUvcOutcome::Done(UvcOutcome::Completed { cc, .. }) => {
            set_cc(uv, ctx, cc as u8)?;
            Ok(Flow::Continue)
        }
        GuestUvcOutcome::Done(UvcOutcome::Program { code }) => {
            fault(uv, ctx, code, uvcb, addr, len)
        }
        GuestUvcOutcome::NotificationIntercept => {
            let mut i = Icpt::text(icpt::PV_NOTIFY, text);
            i.sida = read_abs(uv, ctx, uvcb, 0x30)?.ok();
            // The guest issues the call again once the host has unpinned the page.
            let (st, _) = ctx.parts(uv)?;
            st.emu.state.psw.addr = addr;
            Ok(Flow::Icpt(i))
        }
    }
}
