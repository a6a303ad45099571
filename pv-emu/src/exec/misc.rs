//! Assorted general instructions (Principles of Operation, chapter 7): TEST ADDRESSING
//! MODE, BRANCH AND SET MODE, BRANCH AND SAVE AND SET MODE, CONVERT TO BINARY / TO
//! DECIMAL and CHECKSUM.

use pv_core::Storage;
use pv_core::psw::AddressingMode;

use super::{Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// TAM: CC 0 (24-bit), 1 (31-bit) or 3 (64-bit mode).
    pub fn tam(&mut self) -> Step {
        let cc = match self.cpu.state.amode() {
            AddressingMode::Bits24 => 0,
            AddressingMode::Bits31 => 1,
            AddressingMode::Bits64 => 3,
        };
        self.set_cc(cc);
        Ok(())
    }

    /// BSM and BASSM: optionally save the mode (BSM) or the link with the mode (BASSM)
    /// in R1, then, if R2 is not 0, set the addressing mode from R2 and branch.
    pub fn branch_set_mode(&mut self, op: Op, r1: u8, r2: u8) -> Step {
        let st = &self.cpu.state;
        let target = st.g(r2);
        let mode = st.amode();
        let next = self.next_addr();
        if r1 != 0 {
            let st = &mut self.cpu.state;
            let g = st.g(r1);
            st.set_g(
                r1,
                match (op, mode) {
                    // BSM keeps the register and records the mode: bit 63 in the 64-bit
                    // mode, bit 32 (BA) otherwise.
                    (Op::Bsm, AddressingMode::Bits64) => g | 1,
                    (Op::Bsm, AddressingMode::Bits31) => g | 0x8000_0000,
                    (Op::Bsm, AddressingMode::Bits24) => g & !0x8000_0000,
                    // BASSM stores the link address with the mode.
                    (_, AddressingMode::Bits64) => next | 1,
                    (_, AddressingMode::Bits31) => (g & !0xffff_ffff) | 0x8000_0000 | next,
                    (_, AddressingMode::Bits24) => (g & !0xffff_ffff) | (next & 0xff_ffff),
                },
            );
        }
        if r2 == 0 {
            return Ok(());
        }
        let (new_mode, addr) = if target & 1 != 0 {
            (AddressingMode::Bits64, target & !1)
        } else if target & 0x8000_0000 != 0 {
            (AddressingMode::Bits31, target & 0x7fff_ffff)
        } else {
            (AddressingMode::Bits24, target & 0xff_ffff)
        };
        self.cpu.state.psw.set_addressing_mode(new_mode);
        self.branch_to(addr);
        Ok(())
    }

    /// CVB: the 8-byte packed-decimal operand to a 32-bit binary number in R1.
    pub fn cvb(&mut self, r1: u8, addr: u64) -> Step {
        let v = self.rd64(addr)?;
        let sign = v & 0xf;
        if sign < 0xa {
            return Err(ProgramCheck::data(0).into());
        }
        let mut n: i64 = 0;
        for i in (1..16).rev() {
            let d = (v >> (4 * i)) & 0xf;
            if d > 9 {
                return Err(ProgramCheck::data(0).into());
            }
            n = n * 10 + d as i64;
        }
        if matches!(sign, 0xb | 0xd) {
            n = -n;
        }
        self.cpu.state.set_gr32(r1, n as u32);
        if n < i64::from(i32::MIN) || n > i64::from(i32::MAX) {
            return Err(ProgramCheck::new(PgmCode::FixedPointDivide).into());
        }
        Ok(())
    }

    /// CVD: the 32-bit binary R1 as 8 bytes of packed decimal (sign C or D).
    pub fn cvd(&mut self, r1: u8, addr: u64) -> Step {
        let v = i64::from(self.cpu.state.gr32(r1) as i32);
        let mut m = v.unsigned_abs();
        let mut out: u64 = if v < 0 { 0xd } else { 0xc };
        for i in 1..16 {
            out |= (m % 10) << (4 * i);
            m /= 10;
        }
        self.wr64(addr, out)
    }

    /// CKSM: adds the words of the second operand (R2 address, R2+1 length, a short
    /// tail padded with zeros) to bits 32-63 of R1 with end-around carry.
    pub fn cksm(&mut self, r1: u8, r2: u8) -> Step {
        if r2 & 1 != 0 {
            return Err(ProgramCheck::new(PgmCode::Specification).into());
        }
        let st = &self.cpu.state;
        let mut addr = st.wrap(st.g(r2));
        let mut len = if st.amode() == AddressingMode::Bits64 {
            st.g(r2 + 1)
        } else {
            u64::from(st.gr32(r2 + 1))
        };
        let mut sum = u64::from(st.gr32(r1));
        while len > 0 {
            let n = len.min(4) as usize;
            let mut w = [0u8; 4];
            self.read(addr, &mut w[..n])?;
            sum += u64::from(u32::from_be_bytes(w));
            sum = (sum & 0xffff_ffff) + (sum >> 32);
            addr = self.cpu.state.wrap(addr + n as u64);
            len -= n as u64;
        }
        self.cpu.state.set_gr32(r1, sum as u32);
        let st = &mut self.cpu.state;
        if st.amode() == AddressingMode::Bits64 {
            st.set_g(r2, addr);
            st.set_g(r2 + 1, 0);
        } else {
            st.set_gr32(r2, addr as u32);
            st.set_gr32(r2 + 1, 0);
        }
        self.set_cc(0);
        Ok(())
    }
}
