//! The opcode dispatch shared by formats with the same operand shapes: register-register
//! (RR and RRE) and storage operands (RX, RXY and the relative-long RIL forms).

use pv_core::Storage;

use super::arith::{Wid, alu_of};
use super::{Event, Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};

fn unimplemented() -> Step {
    Err(Event::Program(ProgramCheck::new(PgmCode::Operation)))
}

impl<M: Storage + ?Sized> Exec<'_, M> {
    /// Fetches a second operand of shape `w` from storage.
    #[inline]
    pub(super) fn mem_operand(&mut self, w: Wid, addr: u64) -> Result<u64, Event> {
        let raw = match w.bytes() {
            1 => u64::from(self.rd8(addr)?),
            2 => u64::from(self.rd16(addr)?),
            4 => u64::from(self.rd32(addr)?),
            _ => self.rd64(addr)?,
        };
        Ok(w.extend(raw))
    }

    /// RX/RXY/RIL-relative storage-operand instructions common to both formats.
    #[inline]
    pub(super) fn storage_rx(&mut self, op: Op, r1: u8, addr: u64) -> Step {
        use Op::*;
        if let Some((k, w)) = alu_of(op) {
            let b = self.mem_operand(w, addr)?;
            let a = self.cpu.state.g(r1);
            return self.alu(k, r1, a, b);
        }
        if let Some(r) = self.store(op, r1, addr) {
            return r;
        }
        if let Some(r) = self.load_special(op, r1, addr) {
            return r;
        }
        match op {
            Lae => {
                // In the primary mode the access register gets 0 (the primary ALET).
                self.cpu.state.ar[usize::from(r1)] = 0;
                self.cpu.state.set_g(r1, addr);
                Ok(())
            }
            Llgt => {
                let v = self.rd32(addr)?;
                self.cpu.state.set_g(r1, u64::from(v & 0x7fff_ffff));
                Ok(())
            }
            Lpq | Stpq => self.quadword(op, r1, addr),
            La | Lay | Larl => {
                // In the 24- and 31-bit modes only bits 32-63 are replaced.
                if self.cpu.state.amode() == pv_core::psw::AddressingMode::Bits64 {
                    self.cpu.state.set_g(r1, addr);
                } else {
                    self.cpu.state.set_gr32(r1, addr as u32);
                }
                Ok(())
            }
            M | Ml | Mlg | D | Dl | Dlg | Dsg => {
                let w = match op {
                    Mlg | Dlg | Dsg => Wid::G,
                    _ => Wid::Fu,
                };
                let b = self.mem_operand(w, addr)?;
                self.pair_muldiv(op, r1, b)
            }
            Dsgf => {
                let b = self.mem_operand(Wid::Fs, addr)?;
                self.pair_muldiv(op, r1, b)
            }
            Bc => self.branch_on(r1, addr),
            Bas | Bal => {
                self.link(r1);
                self.branch_to(addr);
                Ok(())
            }
            Bct | Bctg => self.branch_on_count(op, r1, Some(addr)),
            Ex => self.execute(r1, addr),
            Cvb => self.cvb(r1, addr),
            Cvd => self.cvd(r1, addr),
            Exrl => self.execute(r1, addr),
            Pfd | Pfdrl => Ok(()),
            _ => unimplemented(),
        }
    }

    /// Register-register instructions common to RR and RRE.
    #[inline]
    pub(super) fn reg_reg(&mut self, op: Op, r1: u8, r2: u8) -> Step {
        use Op::*;
        if let Some((k, w)) = alu_of(op) {
            let b = w.extend(self.cpu.state.g(r2));
            let a = self.cpu.state.g(r1);
            return self.alu(k, r1, a, b);
        }
        let st = &mut self.cpu.state;
        match op {
            Lpr | Lnr | Lcr | Lpgr | Lngr | Lcgr | Lpgfr | Lngfr | Lcgfr => self.unary(op, r1, r2),
            Mr | Mlr | Mlgr | Dr | Dlr | Dlgr | Dsgr => {
                let b = st.g(r2);
                self.pair_muldiv(op, r1, b)
            }
            Dsgfr => {
                let b = Wid::Fs.extend(st.g(r2));
                self.pair_muldiv(op, r1, b)
            }
            Bcr => {
                if r2 != 0 {
                    let t = st.g(r2);
                    return self.branch_on(r1, t);
                }
                Ok(())
            }
            Basr | Balr => {
                let t = st.g(r2);
                self.link(r1);
                if r2 != 0 {
                    self.branch_to(t);
                }
                Ok(())
            }
            Bctr | Bctgr => {
                let t = (r2 != 0).then(|| st.g(r2));
                self.branch_on_count(op, r1, t)
            }
            Lrvr => {
                let v = st.gr32(r2).swap_bytes();
                st.set_gr32(r1, v);
                Ok(())
            }
            Lrvgr => {
                st.set_g(r1, st.g(r2).swap_bytes());
                Ok(())
            }
            Ldr => {
                st.fpr[usize::from(r1)] = st.fpr[usize::from(r2)];
                Ok(())
            }
            Ler => {
                let v = st.fpr[usize::from(r2)] >> 32;
                let f = &mut st.fpr[usize::from(r1)];
                *f = (*f & 0xffff_ffff) | (v << 32);
                Ok(())
            }
            Ldgr => {
                st.fpr[usize::from(r1)] = st.g(r2);
                Ok(())
            }
            Lgdr => {
                st.set_g(r1, st.fpr[usize::from(r2)]);
                Ok(())
            }
            Lzdr => {
                st.fpr[usize::from(r1)] = 0;
                Ok(())
            }
            Lzxr => {
                // Extended format: the register pair R1, R1 + 2.
                st.fpr[usize::from(r1 & 13)] = 0;
                st.fpr[usize::from((r1 & 13) + 2)] = 0;
                Ok(())
            }
            Lzer => {
                st.fpr[usize::from(r1)] &= 0xffff_ffff;
                Ok(())
            }
            Sfpc => {
                st.fpc = st.gr32(r1);
                Ok(())
            }
            Efpc => {
                st.set_gr32(r1, st.fpc);
                Ok(())
            }
            Flogr => self.flogr(r1, r2),
            Mvcl => self.move_long(r1, r2, 0, false),
            Clcl => self.compare_long(r1, r2, 0, false),
            Mvst | Clst | Srst => self.string_op(op, r1, r2),
            Llgtr => {
                st.set_g(r1, st.g(r2) & 0x7fff_ffff);
                Ok(())
            }
            Sar => {
                st.ar[usize::from(r1)] = st.gr32(r2);
                Ok(())
            }
            Ear => {
                let v = st.ar[usize::from(r2)];
                st.set_gr32(r1, v);
                Ok(())
            }
            Iac => {
                let asc = st.psw.asc();
                let v = st.gr32(r1) & !0xff00;
                st.set_gr32(r1, v | (u32::from(asc) << 8));
                self.set_cc(asc);
                Ok(())
            }
            Adbr | Sdbr | Mdbr | Ddbr | Cdbr | Kdbr | Ltdbr | Lcdbr | Lpdbr | Lndbr | Lcdfr
            | Lpdfr | Lndfr | Sqdbr => {
                let b = st.fpr[usize::from(r2)];
                self.bfp_op(op, r1, b)
            }
            Aebr | Sebr | Meebr | Debr | Cebr | Kebr | Ltebr | Lcebr | Lpebr | Lnebr | Sqebr => {
                let b = st.fpr[usize::from(r2)] >> 32;
                self.bfp_op(op, r1, b)
            }
            Ldebr => self.bfp_convert(op, r1, r2, 0, 0),
            Tb => {
                self.privileged()?;
                let st = &self.cpu.state;
                let real = st.wrap(st.g(r2)) & !0xfff;
                let abs = st.prefixed(real);
                self.mem.write(pv_core::GuestAbs(abs), &[0u8; 4096]).map_err(ProgramCheck::from)?;
                self.set_cc(0);
                Ok(())
            }
            Mvpg => {
                let (d, src) = (st.wrap(st.g(r1)) & !0xfff, st.wrap(st.g(r2)) & !0xfff);
                let mut page = [0u8; 4096];
                self.read(src, &mut page)?;
                self.write(d, &page)?;
                self.set_cc(0);
                Ok(())
            }
            Ptf => self.intercept_privileged(op),
            Bsm | Bassm => self.branch_set_mode(op, r1, r2),
            Cksm => self.cksm(r1, r2),
            Km | Kmc | Kmf | Kmo | Kimd | Klmd | Kmac | Prno | Pcc | Pckmo => {
                self.cpacf(op, r1, r2)
            }
            Ipm | Spm | Epsw => self.psw_op(op, r1, r2),
            Iske | Rrbe => self.storage_key_op(op, r1, r2),
            Servc | Chsc => self.intercept_privileged(op),
            _ => unimplemented(),
        }
    }
}
