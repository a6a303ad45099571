//! Branches: on condition, on count, and save, relative long, compare and branch/trap,
//! load/store on condition, EXECUTE (Principles of Operation, chapter 7).

use super::arith::cc_cmp;
use super::{Exec, Step};
use crate::decode::{Insn, Op, insn_len};
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;
use pv_core::psw::AddressingMode;

/// Whether branch mask `m` selects condition code `cc`.
pub const fn mask_hits(m: u8, cc: u8) -> bool {
    m & (8 >> cc) != 0
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// The address of the next sequential instruction.
    pub fn next_addr(&self) -> u64 {
        self.cpu.state.psw.addr
    }

    /// Takes a branch: records the breaking-event address and loads the target.
    pub fn branch_to(&mut self, target: u64) {
        let st = &mut self.cpu.state;
        st.bea = self.addr;
        st.psw.addr = st.wrap(target);
    }

    /// Relative target: the instruction address plus `halfwords` * 2.
    pub fn rel(&self, halfwords: i64) -> u64 {
        self.cpu.state.wrap(self.addr.wrapping_add((halfwords as u64).wrapping_mul(2)))
    }

    /// Branches if mask `m` selects the current CC.
    pub fn branch_on(&mut self, m: u8, target: u64) -> Step {
        if mask_hits(m, self.cc()) {
            self.branch_to(target);
        }
        Ok(())
    }

    /// Stores the link information of BAS/BASR/BRAS/BRASL (and BAL/BALR outside 24-bit
    /// mode) in R1.
    pub fn link(&mut self, r1: u8) {
        let next = self.next_addr();
        let st = &mut self.cpu.state;
        match st.amode() {
            AddressingMode::Bits64 => st.set_g(r1, next),
            AddressingMode::Bits31 => st.set_gr32(r1, 0x8000_0000 | next as u32),
            AddressingMode::Bits24 => st.set_gr32(r1, next as u32 & 0x00ff_ffff),
        }
    }

    /// BCT-style: decrements (32, 64 or high-word) and branches if nonzero.
    pub fn branch_on_count(&mut self, op: Op, r1: u8, target: Option<u64>) -> Step {
        let st = &mut self.cpu.state;
        let nonzero = match op {
            Op::Bct | Op::Bctr | Op::Brct => {
                let v = st.gr32(r1).wrapping_sub(1);
                st.set_gr32(r1, v);
                v != 0
            }
            Op::Brcth => {
                let v = st.grh(r1).wrapping_sub(1);
                st.set_grh(r1, v);
                v != 0
            }
            _ => {
                let v = st.g(r1).wrapping_sub(1);
                st.set_g(r1, v);
                v != 0
            }
        };
        if let (true, Some(t)) = (nonzero, target) {
            self.branch_to(t);
        }
        Ok(())
    }

    /// Compare and branch/trap: compares per `op` and returns whether mask `m` selects
    /// the result (8 equal, 4 low, 2 high).
    pub fn compare_hits(&self, op: Op, a: u64, b: u64, m: u8) -> bool {
        use Op::*;
        let r = match op {
            Crj | Cij | Crb | Cib | Crt | Cit => cc_cmp(a as i32, b as i32),
            Cgrj | Cgij | Cgrb | Cgib | Cgrt | Cgit => cc_cmp(a as i64, b as i64),
            Clrj | Clij | Clrb | Clib | Clrt | Clfit => cc_cmp(a as u32, b as u32),
            _ => cc_cmp(a, b),
        };
        mask_hits(m, r)
    }

    /// Compare and trap: a data exception with DXC 0xff when the mask selects the result.
    pub fn trap_if(&mut self, hit: bool) -> Step {
        if hit {
            return Err(ProgramCheck::data(0xff).into());
        }
        Ok(())
    }

    /// EXECUTE / EXECUTE RELATIVE LONG: runs the instruction at `target` with bits 8-15
    /// ORed with bits 56-63 of R1 (unless R1 is 0).
    pub fn execute(&mut self, r1: u8, target: u64) -> Step {
        if target & 1 != 0 {
            return Err(ProgramCheck::new(PgmCode::Specification).into());
        }
        let mut buf = [0u8; 6];
        self.read(target, &mut buf[..2])?;
        let len = insn_len(buf[0]);
        self.read(target.wrapping_add(2), &mut buf[2..len])?;
        if r1 != 0 {
            buf[1] |= self.cpu.state.g(r1) as u8;
        }
        let insn = Insn::decode(&buf).map_err(|_| ProgramCheck::new(PgmCode::Operation))?;
        if matches!(insn.op, Op::Ex | Op::Exrl) {
            return Err(ProgramCheck::new(PgmCode::Execute).into());
        }
        let saved = self.addr;
        self.addr = target;
        self.executed = Some(insn);
        let r = insn.accept(self);
        self.addr = saved;
        r
    }
}
