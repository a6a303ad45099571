//! I/O instructions of a secure guest (uv-spec.md §5.3: "operand blocks (SCHIB, ORB,
//! IRB, SYSIB) read/written through the SIDA; QEMU uses the SIDA offset instead of a
//! guest address"). Every I/O instruction is a 0x68 interception with its text; the
//! subchannel instructions expose GR1 (the subsystem identification). The operand block
//! an instruction *reads* is copied from the guest to SIDA offset 0 at the interception;
//! the block it *stores* is copied from SIDA offset 0 to the guest's operand when the
//! next entry completes it with a CC that stores (the CC always comes from the host):
//!
//! | instruction | to the SIDA | from the SIDA | stored on CC |
//! |---|---|---|---|
//! | MSCH | SCHIB (52 bytes) | — | — |
//! | SSCH | ORB (32 bytes) | — | — |
//! | STSCH | — | SCHIB (52 bytes) | 0 |
//! | TSCH | — | IRB (96 bytes) | 0, 1 |
//! | STCRW | — | CRW (4 bytes) | 0, 1 *\[inferred: CC 1 stores zeros\]* |
//! | CHSC | the request page (4 KiB at GR(R1)) | the response page | 0 |
//! | CSCH, HSCH, RSCH, XSCH, RCHP, SCHM, STCPS, TPI | — | — | CC only *\[inferred\]* |
//!
//! The operands are logical addresses translated with the guest's DAT; an operand that
//! is not word aligned (CHSC: page aligned) is a specification exception in the guest
//! (Principles of Operation); a non-secure or foreign page ends SIE with PGM 0x3e/0x3f
//! and the instruction nullified.

use alloc::vec;
use alloc::vec::Vec;

use pv_core::sie::icpt;
use pv_emu::decode::{Fields, Op};
use pv_emu::exec::{Event, Exec};
use pv_emu::interrupt::PgmCode;

use super::intercept::{Flow, PendingKind, fault, gr, guest_pgm, pend};
use super::{Ctx, Icpt};
use crate::error::Result;
use crate::ultravisor::Ultravisor;

/// Sizes of the operand blocks.
const SCHIB: u16 = 52;
const ORB: u16 = 32;
const IRB: u16 = 96;
const CRW: u16 = 4;
const CHSC_AREA: u16 = 4096;

/// Whether `op` is an I/O instruction.
pub(crate) fn is_io(op: Op) -> bool {
    matches!(
        op,
        Op::Csch
            | Op::Hsch
            | Op::Msch
            | Op::Ssch
            | Op::Stsch
            | Op::Tsch
            | Op::Tpi
            | Op::Rsch
            | Op::Stcrw
            | Op::Stcps
            | Op::Rchp
            | Op::Schm
            | Op::Xsch
            | Op::Chsc
    )
}

/// What moves for one instruction: `(base, displacement, to SIDA, from SIDA, storing CCs,
/// alignment)`.
type Move = (u8, u16, u16, u16, u8, u64);

fn moves(op: Op, fields: Fields) -> Option<Move> {
    match (op, fields) {
        (Op::Msch, Fields::S(f)) => Some((f.b2, f.d2, SCHIB, 0, 0, 4)),
        (Op::Ssch, Fields::S(f)) => Some((f.b2, f.d2, ORB, 0, 0, 4)),
        (Op::Stsch, Fields::S(f)) => Some((f.b2, f.d2, 0, SCHIB, 0b0001, 4)),
        (Op::Tsch, Fields::S(f)) => Some((f.b2, f.d2, 0, IRB, 0b0011, 4)),
        (Op::Stcrw, Fields::S(f)) => Some((f.b2, f.d2, 0, CRW, 0b0011, 4)),
        // The request block's address is GR(R1): D2(B2) with B2 = R1 and D2 = 0.
        (Op::Chsc, Fields::Rre(f)) if f.r1 != 0 => {
            Some((f.r1, 0, CHSC_AREA, CHSC_AREA, 0b0001, 4096))
        }
        _ => None,
    }
}

/// Handles I/O instruction `op` at `addr`.
pub(crate) fn instruction(
    uv: &mut Ultravisor,
    ctx: &Ctx,
    op: Op,
    fields: Fields,
    text: &[u8; 6],
    addr: u64,
    len: u8,
) -> Result<Flow> {
    let mut i = Icpt::text(icpt::PV_INSTR, text);
    if op != Op::Chsc {
        i.gr[1] = gr(uv, ctx, 1);
    }
    let Some((b2, d2, to_sida, from_sida, ccs, align)) = moves(op, fields) else {
        pend(uv, ctx, PendingKind::CcOnly, addr, len)?;
        return Ok(Flow::Icpt(i));
    };
    let (ea, data) = {
        let (st, mut view) = ctx.parts(uv)?;
        let mut ex = Exec::new(&mut st.emu, &mut view, addr, len);
        let ea = ex.ea(0, b2, i64::from(d2));
        let mut b: Vec<u8> = vec![0; usize::from(to_sida)];
        let r =
            if !ea.is_multiple_of(align) || to_sida == 0 { Ok(()) } else { ex.read(ea, &mut b) };
        (ea, r.map(|()| b))
    };
    if !ea.is_multiple_of(align) {
        return guest_pgm(uv, ctx, PgmCode::Specification, addr, len);
    }
    match data {
        Ok(b) if to_sida != 0 => i.sida = Some(b),
        Ok(_) => {}
        Err(Event::Program(pc)) => {
            let at = pc.teid.unwrap_or(addr);
            return fault(uv, ctx, pc.code, at, addr, len);
        }
        Err(_) => return guest_pgm(uv, ctx, PgmCode::Specification, addr, len),
    }
    let kind = if from_sida == 0 {
        PendingKind::CcOnly
    } else {
        PendingKind::Store { b2, d2, len: from_sida, ccs }
    };
    pend(uv, ctx, kind, addr, len)?;
    Ok(Flow::Icpt(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pv_emu::decode::Insn;

    #[test]
    fn operand_blocks() {
        let stsch = Insn::decode(&[0xb2, 0x34, 0x20, 0x10]).unwrap();
        assert_eq!(moves(stsch.op, stsch.fields), Some((2, 0x10, 0, 52, 1, 4)));
        let ssch = Insn::decode(&[0xb2, 0x33, 0x30, 0x00]).unwrap();
        assert_eq!(moves(ssch.op, ssch.fields), Some((3, 0, 32, 0, 0, 4)));
        let csch = Insn::decode(&[0xb2, 0x30, 0x00, 0x00]).unwrap();
        assert!(is_io(csch.op));
        assert_eq!(moves(csch.op, csch.fields), None);
        let chsc = Insn::decode(&[0xb2, 0x5f, 0x00, 0x40]).unwrap();
        assert_eq!(moves(chsc.op, chsc.fields), Some((4, 0, 4096, 4096, 1, 4096)));
    }
}
