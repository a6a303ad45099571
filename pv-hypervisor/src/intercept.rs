//! The intercept loop's instruction handlers: what the hypervisor does with each
//! instruction pv-emu hands up (`Exit::Instruction`, the PSW already past it).
//!
//! - SERVICE CALL: [`crate::sclp`], then condition code 0 and a service signal;
//! - SIGNAL PROCESSOR: [`crate::sigp`];
//! - DIAGNOSE: [`crate::diag`];
//! - STORE SYSTEM INFORMATION: [`crate::stsi`], the block stored through the CPU's
//!   address translation and key checks;
//! - the channel-subsystem instructions see a configuration without devices *\[inferred,
//!   a minimal model\]*: subchannel instructions and RCHP set condition code 3 (not
//!   operational), TPI condition code 0 (nothing pending), STCRW stores a zero word with
//!   condition code 1 (no CRW pending), SCHM does nothing;
//! - UVC: [`crate::uv`] with an ultravisor attached;
//! - everything this machine does not offer (SIE, UVC without an ultravisor, CHSC,
//!   ESSA, PTF, STCPS) is an operation exception, as on a machine without the facility.

use pv_emu::decode::{Fields, Insn, Op};
use pv_emu::exec::Exec;
use pv_emu::interrupt::{PgmCode, ProgramCheck};

use crate::machine::Machine;
use crate::sigp::{self, SigpRequest, SigpResult};
use crate::stsi::{self, StsiFacts, StsiOutcome};

impl Machine {
    /// Handles one intercepted instruction of CPU `i` at `addr`.
    pub(crate) fn intercept(&mut self, i: usize, insn: Insn, addr: u64) {
        let len = insn.len() as u8;
        match (insn.op, insn.fields) {
            (Op::Servc, Fields::Rre(f)) => self.servc(i, f.r1, f.r2, addr, len),
            (Op::Sigp, Fields::Rs(f)) => self.sigp(i, f.r1, f.r3, f.b2, f.d2),
            (Op::Diag, Fields::Rs(f)) => self.diag(i, f.r1, f.r3, f.b2, f.d2, addr, len),
            (Op::Stsi, Fields::S(f)) => self.stsi(i, f.b2, f.d2, addr, len),
            (Op::Uvc, Fields::Rrf(f)) => self.uvc(i, f, addr, len),
            (
                Op::Csch
                | Op::Hsch
                | Op::Msch
                | Op::Ssch
                | Op::Stsch
                | Op::Tsch
                | Op::Rsch
                | Op::Xsch
                | Op::Rchp,
                _,
            ) => self.cpus[i].state.psw.set_cc(3),
            (Op::Tpi, _) => self.cpus[i].state.psw.set_cc(0),
            (Op::Schm, _) => {}
            (Op::Stcrw, Fields::S(f)) => self.stcrw(i, f.b2, f.d2, addr, len),
            _ => self.program(i, ProgramCheck::new(PgmCode::Operation), addr, len),
        }
    }

    /// Delivers a program interruption for the instruction at `addr`.
    pub(crate) fn program(&mut self, i: usize, p: ProgramCheck, addr: u64, len: u8) {
        self.trace_program = Some(p.code);
        self.cpus[i].program_interruption(&mut self.mem, p, addr, len);
    }

    /// An executor over CPU `i` for operand accesses of the instruction at `addr`.
    fn exec(&mut self, i: usize, addr: u64, len: u8) -> Exec<'_, crate::storage::MachineMemory> {
        Exec::new(&mut self.cpus[i], &mut self.mem, addr, len)
    }

    /// Stores `data` at the logical operand address `D2(B2)`; a failed access delivers
    /// its program interruption and returns `false`.
    fn store_operand(
        &mut self,
        i: usize,
        b2: u8,
        d2: u16,
        data: &[u8],
        addr: u64,
        len: u8,
    ) -> bool {
        let mut ex = self.exec(i, addr, len);
        let at = ex.ea(0, b2, i64::from(d2));
        match ex.write(at, data) {
            Ok(()) => true,
            Err(pv_emu::exec::Event::Program(p)) => {
                self.program(i, p, addr, len);
                false
            }
            Err(_) => false,
        }
    }

    fn servc(&mut self, i: usize, r1: u8, r2: u8, addr: u64, len: u8) {
        let st = &self.cpus[i].state;
        let (command, sccb, prefix) = (st.g(r1) as u32, st.g(r2), st.prefix);
        let info = self.info.clone();
        match self.sclp.service_call(
            &mut self.mem,
            &info,
            self.console.as_mut(),
            command,
            sccb,
            prefix,
        ) {
            Ok(param) => {
                self.cpus[i].state.psw.set_cc(0);
                self.raise_service_signal(param);
            }
            Err(code) => self.program(i, ProgramCheck::new(code), addr, len),
        }
    }

    fn sigp(&mut self, i: usize, r1: u8, r3: u8, b2: u8, d2: u16) {
        let st = &self.cpus[i].state;
        let order = (if b2 != 0 { st.g(b2) } else { 0 }).wrapping_add(u64::from(d2)) as u8;
        let param = if r1 % 2 == 1 { st.g(r1) } else { st.g(r1 + 1) };
        let req = SigpRequest { src: i, order, target: st.g(r3) as u16, param };
        // An order that replaces or stores the issuing CPU's own PSW (RESTART, STOP AND
        // STORE STATUS to itself) acts after the instruction completed with cc 0.
        let own_psw = req.target == st.cpu_addr
            && matches!(order, sigp::order::RESTART | sigp::order::STOP_AND_STORE_STATUS);
        if own_psw {
            self.cpus[i].state.psw.set_cc(0);
        }
        let res = sigp::sigp(&mut self.cpus, &mut self.mem, &self.cfg.facilities, &req);
        let st = &mut self.cpus[i].state;
        if let SigpResult::Status(s) = res {
            st.set_gr32(r1, s);
        }
        if !own_psw {
            st.psw.set_cc(res.cc());
        }
    }

    fn stsi(&mut self, i: usize, b2: u8, d2: u16, addr: u64, len: u8) {
        let ex = self.exec(i, addr, len);
        let at = ex.ea(0, b2, i64::from(d2));
        let st = &self.cpus[i].state;
        let facts = StsiFacts {
            names: &self.cfg.names,
            cpus: self.cpus.len() as u16,
            cpu_addr: st.cpu_addr,
        };
        match stsi::stsi(st.g(0), st.g(1), at, &facts) {
            StsiOutcome::Level { r0 } => {
                let st = &mut self.cpus[i].state;
                st.set_g(0, r0);
                st.psw.set_cc(0);
            }
            StsiOutcome::Store(block) => {
                if self.store_operand(i, b2, d2, &block[..], addr, len) {
                    self.cpus[i].state.psw.set_cc(0);
                }
            }
            StsiOutcome::NotAvailable => self.cpus[i].state.psw.set_cc(3),
            StsiOutcome::Program(code) => self.program(i, ProgramCheck::new(code), addr, len),
        }
    }

    fn stcrw(&mut self, i: usize, b2: u8, d2: u16, addr: u64, len: u8) {
        let at = self.exec(i, addr, len).ea(0, b2, i64::from(d2));
        if !at.is_multiple_of(4) {
            return self.program(i, ProgramCheck::new(PgmCode::Specification), addr, len);
        }
        if self.store_operand(i, b2, d2, &[0; 4], addr, len) {
            self.cpus[i].state.psw.set_cc(1);
        }
    }
}
