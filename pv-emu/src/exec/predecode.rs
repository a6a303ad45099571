//! Pre-decoded instructions: when an instruction enters the decoded-instruction cache
//! ([`super::icache`]), the frequent ones (register and immediate arithmetic, loads and
//! stores with a storage operand, relative branches, compare and branch) are resolved once
//! to a [`Pre`] that names the executor routine and carries its operands, so running them
//! from the cache is one `match` instead of the format visitor followed by the opcode
//! matches of [`super::dispatch`]. Every other instruction is [`Kind::Generic`] and goes
//! through the visitor. The routines called are the ones the visitor calls, except for
//! a few done in place (SLLG, SRLG, the 1-8 byte operand reads and writes);
//! `tests/diff_qemu.rs` runs every case both by single steps and by `Cpu::run` (which
//! uses blocks of these forms) and requires the same final state.

use pv_core::Storage;

use super::arith::{Alu, Wid, alu_of};
use super::{Exec, Step};
use crate::decode::{Fields, Insn, Op};

/// Which executor routine a [`Pre`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Run through the format visitor.
    Generic,
    /// RR/RRE arithmetic: R1 = R1 `k` (R2 extended by `w`).
    AluRr,
    /// RRF three-operand arithmetic: R1 = R2 `k` (R3 extended by `w`).
    AluRrr,
    /// RI/RIL arithmetic: R1 = R1 `k` `imm` (already extended).
    AluImm,
    /// RX/RXY arithmetic with a storage operand of shape `w` at `imm`(X2 = `r2`, B2 =
    /// `r3`).
    AluMem,
    /// RX/RXY stores of `w.bytes()` bytes from R1 at `imm`(X2 = `r2`, B2 = `r3`).
    Store,
    /// LA/LAY: R1 = `imm`(X2 = `r2`, B2 = `r3`).
    La,
    /// BRC/BRCL with mask `r1`: branch to the instruction address + `imm`.
    Brc,
    /// BRCT/BRCTG (`op`): decrement R1, branch to the instruction address + `imm`.
    Brct,
    /// RSY shifts and rotates (`op`): R1, R3 = `r2`, amount `imm`(B2 = `r3`).
    Shift,
    /// SLLG (the most frequent shift, done in place): operands as for [`Kind::Shift`].
    Sllg,
    /// SRLG: operands as for [`Kind::Shift`].
    Srlg,
    /// SI storage-immediate instructions (`op`): I2 = `r1`, address `imm`(B1 = `r3`).
    StorageImm,
    /// RIE-b compare and branch (`op`): R1 with R2 = `r2`, mask `r3`, offset `imm`.
    CmpBranchReg,
    /// RIE-c compare and branch (`op`): R1 with I2 = `r2` extended by `w`, mask `r3`,
    /// offset `imm`.
    CmpBranchImm,
    /// RI/RIL immediate on a register part (IIHH ... LLILF, NILL, ...; `op`): R1, `imm`.
    PartImm,
    /// [`Kind::AluRr`] for the frequent operations, one kind each so that running them
    /// takes one dispatch (`k` is implied; the second operand needs no extension: 64-bit
    /// forms with a 64-bit operand, 32-bit forms with a word operand).
    RrA64,
    /// AGR-like, see [`Kind::RrA64`].
    RrS64,
    /// LGR, see [`Kind::RrA64`].
    RrL64,
    /// CGR, see [`Kind::RrA64`].
    RrC64,
    /// CLGR, see [`Kind::RrA64`].
    RrCl64,
    /// XGR, see [`Kind::RrA64`].
    RrX64,
    /// LTGR, see [`Kind::RrA64`].
    RrLt64,
    /// AR, see [`Kind::RrA64`].
    RrA32,
    /// LR, see [`Kind::RrA64`].
    RrL32,
    /// LTR, see [`Kind::RrA64`].
    RrLt32,
    /// CR, see [`Kind::RrA64`].
    RrC32,
    /// [`Kind::AluImm`] for AGHI/AGFI (one kind each, see [`Kind::RrA64`]).
    ImmA64,
    /// AHI/AFI, see [`Kind::ImmA64`].
    ImmA32,
    /// LGHI/LGFI, see [`Kind::ImmA64`].
    ImmL64,
    /// LHI, see [`Kind::ImmA64`].
    ImmL32,
    /// CGHI/CGFI, see [`Kind::ImmA64`].
    ImmC64,
    /// CHI/CFI, see [`Kind::ImmA64`].
    ImmC32,
    /// CLGFI, see [`Kind::ImmA64`].
    ImmCl64,
    /// CLFI, see [`Kind::ImmA64`].
    ImmCl32,
    /// [`Kind::AluMem`] for LG (one kind each, see [`Kind::RrA64`]).
    MemLg,
    /// L/LY, see [`Kind::MemLg`].
    MemL,
    /// LGF, see [`Kind::MemLg`].
    MemLgf,
    /// LLGF, see [`Kind::MemLg`].
    MemLlgf,
    /// LLGC, see [`Kind::MemLg`].
    MemLlgc,
    /// [`Kind::Store`] for STG (one kind each, see [`Kind::RrA64`]).
    StoreG,
    /// ST/STY, see [`Kind::StoreG`].
    StoreF,
    /// STC/STCY, see [`Kind::StoreG`].
    StoreB,
}

impl Kind {
    /// Whether the routine may store (a block checks its frame's generation after it).
    #[inline(always)]
    pub fn stores(self) -> bool {
        matches!(self, Kind::Store | Kind::StoreG | Kind::StoreF | Kind::StoreB | Kind::StorageImm)
    }

    /// Whether the routine may set the instruction address (only the branches do; a
    /// block checks the PSW after them).
    #[inline(always)]
    pub fn branches(self) -> bool {
        matches!(self, Kind::Brc | Kind::Brct | Kind::CmpBranchReg | Kind::CmpBranchImm)
    }
}

/// An instruction resolved to its executor routine ([`Kind`]) and operands: a small
/// plain record, cheap to copy out of the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pre {
    /// The routine.
    pub kind: Kind,
    /// ALU operation (for the `Alu*` kinds).
    pub k: Alu,
    /// Operand shape.
    pub w: Wid,
    /// First register field (or mask / immediate byte, per [`Kind`]).
    pub r1: u8,
    /// Second register field (per [`Kind`]).
    pub r2: u8,
    /// Third register field (per [`Kind`]).
    pub r3: u8,
    /// The opcode.
    pub op: Op,
    /// Immediate, displacement or branch offset in bytes.
    pub imm: i64,
}

impl Pre {
    /// The form that runs through the visitor.
    pub const GENERIC: Self = Self {
        kind: Kind::Generic,
        k: Alu::L64,
        w: Wid::G,
        r1: 0,
        r2: 0,
        r3: 0,
        op: Op::Bcr,
        imm: 0,
    };

    const fn new(kind: Kind, op: Op, r1: u8, r2: u8, r3: u8, imm: i64) -> Self {
        Self { kind, k: Alu::L64, w: Wid::G, r1, r2, r3, op, imm }
    }

    const fn alu(kind: Kind, op: Op, (k, w): (Alu, Wid), r1: u8, r2: u8, r3: u8, imm: i64) -> Self {
        Self { kind, k, w, r1, r2, r3, op, imm }
    }
}

/// Resolves `insn` to its [`Pre`] form (mirrors the visitor's dispatch order).
pub fn pre_decode(insn: &Insn) -> Pre {
    let mut pre = pre_decode_any(insn);
    pre.kind = hot_kind(&pre);
    pre
}

/// The one-dispatch kind of an ALU form with a frequent operation (see [`Kind::RrA64`]),
/// else its own kind.
fn hot_kind(pre: &Pre) -> Kind {
    use Alu::*;
    let plain = match pre.k {
        A64 | S64 | L64 | C64 | Cl64 | X64 | Lt64 => pre.w == Wid::G,
        _ => matches!(pre.w, Wid::Fs | Wid::Fu),
    };
    match (pre.kind, pre.k) {
        (Kind::AluRr, k) if plain => match k {
            A64 => Kind::RrA64,
            S64 => Kind::RrS64,
            L64 => Kind::RrL64,
            C64 => Kind::RrC64,
            Cl64 => Kind::RrCl64,
            X64 => Kind::RrX64,
            Lt64 => Kind::RrLt64,
            A32 => Kind::RrA32,
            L32 => Kind::RrL32,
            Lt32 => Kind::RrLt32,
            C32 => Kind::RrC32,
            _ => Kind::AluRr,
        },
        (Kind::AluImm, k) => match k {
            A64 => Kind::ImmA64,
            A32 => Kind::ImmA32,
            L64 => Kind::ImmL64,
            L32 => Kind::ImmL32,
            C64 => Kind::ImmC64,
            C32 => Kind::ImmC32,
            Cl64 => Kind::ImmCl64,
            Cl32 => Kind::ImmCl32,
            _ => Kind::AluImm,
        },
        (Kind::AluMem, L64) => match pre.w {
            Wid::G => Kind::MemLg,
            Wid::Fs => Kind::MemLgf,
            Wid::Fu => Kind::MemLlgf,
            Wid::Bu => Kind::MemLlgc,
            _ => Kind::AluMem,
        },
        (Kind::AluMem, L32) if pre.w == Wid::Fu => Kind::MemL,
        (Kind::Store, _) => match pre.w {
            Wid::G => Kind::StoreG,
            Wid::Fu => Kind::StoreF,
            Wid::Bu => Kind::StoreB,
            _ => Kind::Store,
        },
        (kind, _) => kind,
    }
}

/// [`pre_decode`] before [`hot_kind`].
fn pre_decode_any(insn: &Insn) -> Pre {
    use Op::*;
    let op = insn.op;
    let generic = Pre::GENERIC;
    match insn.fields {
        Fields::Rr(f) if op != Spm => match alu_of(op) {
            Some(a) => Pre::alu(Kind::AluRr, op, a, f.r1, f.r2, 0, 0),
            None => generic,
        },
        Fields::Rre(f) => match alu_of(op) {
            Some(a) => Pre::alu(Kind::AluRr, op, a, f.r1, f.r2, 0, 0),
            None => generic,
        },
        Fields::Rrf(f) => match alu_of(op) {
            Some(a) => Pre::alu(Kind::AluRrr, op, a, f.r1, f.r2, f.r3, 0),
            None => generic,
        },
        Fields::Ri(f) if super::logical::is_part_imm(op) => {
            Pre::new(Kind::PartImm, op, f.r1, 0, 0, i64::from(f.i2))
        }
        Fields::Ril(f) if super::logical::is_part_imm(op) => {
            Pre::new(Kind::PartImm, op, f.r1, 0, 0, i64::from(f.i2))
        }
        Fields::Ri(f) => {
            let off = i64::from(f.i2 as i16) * 2;
            match (alu_of(op), op) {
                (Some(a), _) => {
                    Pre::alu(Kind::AluImm, op, a, f.r1, 0, 0, a.1.extend(u64::from(f.i2)) as i64)
                }
                (None, Brc) => Pre::new(Kind::Brc, op, f.r1, 0, 0, off),
                (None, Brct | Brctg) => Pre::new(Kind::Brct, op, f.r1, 0, 0, off),
                _ => generic,
            }
        }
        Fields::Ril(f) => {
            if op == Brcl {
                return Pre::new(Kind::Brc, op, f.r1, 0, 0, i64::from(f.i2 as i32) * 2);
            }
            if op.info().syntax.contains('J') || matches!(op, Aih | Alsih | Alsihn | Cih | Clih) {
                return generic;
            }
            match alu_of(op) {
                Some(a) => {
                    Pre::alu(Kind::AluImm, op, a, f.r1, 0, 0, a.1.extend(u64::from(f.i2)) as i64)
                }
                None => generic,
            }
        }
        Fields::Rx(f) => mem_form(op, f.r1, f.x2, f.b2, i64::from(f.d2)),
        Fields::Rxy(f) => mem_form(op, f.r1, f.x2, f.b2, i64::from(f.d2)),
        Fields::Rsy(f) => match op {
            Sllg => Pre::new(Kind::Sllg, op, f.r1, f.r3, f.b2, i64::from(f.d2)),
            Srlg => Pre::new(Kind::Srlg, op, f.r1, f.r3, f.b2, i64::from(f.d2)),
            Srag | Slag | Sllk | Srlk | Srak | Slak | Rll | Rllg => {
                Pre::new(Kind::Shift, op, f.r1, f.r3, f.b2, i64::from(f.d2))
            }
            _ => generic,
        },
        Fields::Si(f) => match op {
            Mvi | Cli | Tm | Ni | Oi | Xi => {
                Pre::new(Kind::StorageImm, op, f.i2, 0, f.b1, i64::from(f.d1))
            }
            _ => generic,
        },
        Fields::RieB(f) => Pre::new(Kind::CmpBranchReg, op, f.r1, f.r2, f.m3, i64::from(f.ri4) * 2),
        Fields::RieC(f) => {
            let w = match op {
                Clij | Clgij => Wid::Bu,
                _ => Wid::Bs,
            };
            let off = i64::from(f.ri4) * 2;
            Pre::alu(Kind::CmpBranchImm, op, (Alu::L64, w), f.r1, f.i2, f.m3, off)
        }
        _ => generic,
    }
}

/// An operation exception (for opcodes a routine does not know; never raised for the
/// opcodes `pre_decode` picks).
fn operation() -> super::Event {
    crate::interrupt::ProgramCheck::new(crate::interrupt::PgmCode::Operation).into()
}

/// The [`Pre`] form of an RX/RXY instruction.
fn mem_form(op: Op, r1: u8, x2: u8, b2: u8, d2: i64) -> Pre {
    use Op::*;
    if let Some(a) = alu_of(op) {
        return Pre::alu(Kind::AluMem, op, a, r1, x2, b2, d2);
    }
    let w = match op {
        Stg => Wid::G,
        St | Sty => Wid::Fu,
        Sth | Sthy => Wid::Hu,
        Stc | Stcy => Wid::Bu,
        La | Lay => return Pre::new(Kind::La, op, r1, x2, b2, d2),
        _ => return Pre::GENERIC,
    };
    Pre::alu(Kind::Store, op, (Alu::L64, w), r1, x2, b2, d2)
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// R1 = R1 `k` R2 (no extension: see [`Kind::RrA64`]).
    #[inline(always)]
    fn alu_rr(&mut self, k: Alu, pre: &Pre) -> Step {
        let st = &self.cpu.state;
        let (a, b) = (st.g(pre.r1), st.g(pre.r2));
        self.alu(k, pre.r1, a, b)
    }

    /// R1 = R1 `k` `imm`.
    #[inline(always)]
    fn alu_imm(&mut self, k: Alu, pre: &Pre) -> Step {
        let a = self.cpu.state.g(pre.r1);
        self.alu(k, pre.r1, a, pre.imm as u64)
    }

    /// R1 = R1 `k` (the `N`-byte operand at `imm`(X2 = `r2`, B2 = `r3`) extended by `w`).
    #[inline(always)]
    fn load_mem<const N: usize>(&mut self, k: Alu, w: Wid, pre: &Pre) -> Step {
        let addr = self.ea(pre.r2, pre.r3, pre.imm);
        let bytes: [u8; N] = self.rd_n(addr)?;
        let raw = bytes.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b));
        let a = self.cpu.state.g(pre.r1);
        self.alu(k, pre.r1, a, w.extend(raw))
    }

    /// BRC/BRCL ([`Kind::Brc`]) at [`Exec::addr`].
    #[inline(always)]
    pub(crate) fn brc(&mut self, pre: &Pre) {
        if super::branch::mask_hits(pre.r1, self.cpu.state.psw.cc()) {
            let t = self.addr.wrapping_add(pre.imm as u64);
            self.branch_to(t);
        }
    }

    /// Runs a pre-decoded instruction; `slot` is its decoded-instruction cache slot
    /// (for [`Kind::Generic`]).
    #[inline(always)]
    pub fn run_pre(&mut self, slot: usize, pre: &Pre) -> Step {
        let kind = pre.kind;
        match kind {
            Kind::Generic => self.cpu.icache.insn(slot).accept(self),
            Kind::AluRr => {
                let st = &self.cpu.state;
                let (a, b) = (st.g(pre.r1), pre.w.extend(st.g(pre.r2)));
                self.alu(pre.k, pre.r1, a, b)
            }
            Kind::AluRrr => {
                let st = &self.cpu.state;
                let (a, b) = (st.g(pre.r2), pre.w.extend(st.g(pre.r3)));
                self.alu(pre.k, pre.r1, a, b)
            }
            Kind::AluImm => self.alu_imm(pre.k, pre),
            Kind::RrA64 => self.alu_rr(Alu::A64, pre),
            Kind::RrS64 => self.alu_rr(Alu::S64, pre),
            Kind::RrL64 => self.alu_rr(Alu::L64, pre),
            Kind::RrC64 => self.alu_rr(Alu::C64, pre),
            Kind::RrCl64 => self.alu_rr(Alu::Cl64, pre),
            Kind::RrX64 => self.alu_rr(Alu::X64, pre),
            Kind::RrLt64 => self.alu_rr(Alu::Lt64, pre),
            Kind::RrA32 => self.alu_rr(Alu::A32, pre),
            Kind::RrL32 => self.alu_rr(Alu::L32, pre),
            Kind::RrLt32 => self.alu_rr(Alu::Lt32, pre),
            Kind::RrC32 => self.alu_rr(Alu::C32, pre),
            Kind::ImmA64 => self.alu_imm(Alu::A64, pre),
            Kind::ImmA32 => self.alu_imm(Alu::A32, pre),
            Kind::ImmL64 => self.alu_imm(Alu::L64, pre),
            Kind::ImmL32 => self.alu_imm(Alu::L32, pre),
            Kind::ImmC64 => self.alu_imm(Alu::C64, pre),
            Kind::ImmC32 => self.alu_imm(Alu::C32, pre),
            Kind::ImmCl64 => self.alu_imm(Alu::Cl64, pre),
            Kind::ImmCl32 => self.alu_imm(Alu::Cl32, pre),
            Kind::MemLg => self.load_mem::<8>(Alu::L64, Wid::G, pre),
            Kind::MemL => self.load_mem::<4>(Alu::L32, Wid::Fu, pre),
            Kind::MemLgf => self.load_mem::<4>(Alu::L64, Wid::Fs, pre),
            Kind::MemLlgf => self.load_mem::<4>(Alu::L64, Wid::Fu, pre),
            Kind::MemLlgc => self.load_mem::<1>(Alu::L64, Wid::Bu, pre),
            Kind::StoreG => {
                let addr = self.ea(pre.r2, pre.r3, pre.imm);
                self.wr_n(addr, self.cpu.state.g(pre.r1).to_be_bytes())
            }
            Kind::StoreF => {
                let addr = self.ea(pre.r2, pre.r3, pre.imm);
                self.wr_n(addr, (self.cpu.state.g(pre.r1) as u32).to_be_bytes())
            }
            Kind::StoreB => {
                let addr = self.ea(pre.r2, pre.r3, pre.imm);
                self.wr_n(addr, [self.cpu.state.g(pre.r1) as u8])
            }
            Kind::AluMem => {
                let addr = self.ea(pre.r2, pre.r3, pre.imm);
                // `mem_operand`, with the reads inlined.
                let raw = match pre.w.bytes() {
                    1 => u64::from(self.rd_n::<1>(addr)?[0]),
                    2 => u64::from(u16::from_be_bytes(self.rd_n(addr)?)),
                    4 => u64::from(u32::from_be_bytes(self.rd_n(addr)?)),
                    _ => u64::from_be_bytes(self.rd_n(addr)?),
                };
                let b = pre.w.extend(raw);
                let a = self.cpu.state.g(pre.r1);
                self.alu(pre.k, pre.r1, a, b)
            }
            Kind::Store => {
                let addr = self.ea(pre.r2, pre.r3, pre.imm);
                let v = self.cpu.state.g(pre.r1);
                match pre.w {
                    Wid::G => self.wr_n(addr, v.to_be_bytes()),
                    Wid::Fu => self.wr_n(addr, (v as u32).to_be_bytes()),
                    Wid::Hu => self.wr_n(addr, (v as u16).to_be_bytes()),
                    _ => self.wr_n(addr, [v as u8]),
                }
            }
            Kind::La => {
                let addr = self.ea(pre.r2, pre.r3, pre.imm);
                // In the 24- and 31-bit modes only bits 32-63 are replaced.
                let st = &mut self.cpu.state;
                if st.psw.mask & pv_core::psw::PSW_MASK_EA != 0 {
                    st.set_g(pre.r1, addr);
                } else {
                    st.set_gr32(pre.r1, addr as u32);
                }
                Ok(())
            }
            Kind::Brc => {
                self.brc(pre);
                Ok(())
            }
            Kind::Brct => {
                let t = self.cpu.state.wrap(self.addr.wrapping_add(pre.imm as u64));
                self.branch_on_count(pre.op, pre.r1, Some(t))
            }
            Kind::Shift => {
                let addr = self.ea(0, pre.r3, pre.imm);
                self.shift(pre.op, pre.r1, pre.r2, addr)
            }
            Kind::Sllg | Kind::Srlg => {
                let n = self.ea(0, pre.r3, pre.imm) & 63;
                let st = &mut self.cpu.state;
                let v = st.g(pre.r2);
                st.set_g(pre.r1, if kind == Kind::Sllg { v << n } else { v >> n });
                Ok(())
            }
            Kind::StorageImm => {
                let addr = self.ea(0, pre.r3, pre.imm);
                // `pre_decode` picks only opcodes `storage_imm` handles.
                self.storage_imm(pre.op, addr, u16::from(pre.r1)).unwrap_or(Err(operation()))
            }
            // `pre_decode` picks only opcodes `part_imm` handles.
            Kind::PartImm => {
                self.part_imm(pre.op, pre.r1, pre.imm as u64).unwrap_or(Err(operation()))
            }
            Kind::CmpBranchReg | Kind::CmpBranchImm => {
                let st = &self.cpu.state;
                let b = if kind == Kind::CmpBranchReg {
                    st.g(pre.r2)
                } else {
                    pre.w.extend(pre.r2.into())
                };
                if self.compare_hits(pre.op, st.g(pre.r1), b, pre.r3) {
                    let t = self.addr.wrapping_add(pre.imm as u64);
                    self.branch_to(t);
                }
                Ok(())
            }
        }
    }
}
