//! The executor's [`Visitor`]: one method per format, mapping each opcode to its family
//! ([`super::arith`], [`super::logical`], [`super::load`], [`super::shift`],
//! [`super::branch`], [`super::ss`], [`super::control`]). Opcodes the decoder knows but
//! the executor does not model yet raise an operation exception (NOTES.md lists them).

use pv_core::Storage;

use super::arith::{Wid, alu_of};
use super::branch::mask_hits;
use super::{Event, Exec, Step};
use crate::decode::{
    E, I, Op, Ri, RieA, RieB, RieC, RieD, RieE, RieF, RieG, Ril, Ris, Rr, Rre, Rrf, Rrs, Rs, Rsi,
    Rsl, Rsy, Rx, Rxe, Rxy, S, Si, Sil, Siy, Ss, Sse, Ssf, Visitor,
};
use crate::interrupt::{PgmCode, ProgramCheck};

fn unimplemented() -> Step {
    Err(Event::Program(ProgramCheck::new(PgmCode::Operation)))
}

fn d(v: u16) -> i64 {
    i64::from(v)
}

impl<M: Storage + ?Sized> Visitor for Exec<'_, M> {
    type Output = Step;

    fn e(&mut self, op: Op, _f: E) -> Step {
        match op {
            Op::Sam24 | Op::Sam31 | Op::Sam64 => self.psw_op(op, 0, 0),
            Op::Tam => self.tam(),
            _ => unimplemented(),
        }
    }

    fn i(&mut self, op: Op, f: I) -> Step {
        match op {
            Op::Svc => self.svc(f.i1),
            _ => unimplemented(),
        }
    }

    fn rr(&mut self, op: Op, f: Rr) -> Step {
        if op == Op::Spm {
            return self.psw_op(op, f.r1, 0);
        }
        self.reg_reg(op, f.r1, f.r2)
    }

    fn rre(&mut self, op: Op, f: Rre) -> Step {
        self.reg_reg(op, f.r1, f.r2)
    }

    fn rrf(&mut self, op: Op, f: Rrf) -> Step {
        use Op::*;
        if let Some((k, w)) = alu_of(op) {
            // Three-operand forms: R1 = R2 op R3.
            let a = self.cpu.state.g(f.r2);
            let b = w.extend(self.cpu.state.g(f.r3));
            return self.alu(k, f.r1, a, b);
        }
        let st = &mut self.cpu.state;
        match op {
            Locr => {
                if mask_hits(f.r3, st.psw.cc()) {
                    let v = st.gr32(f.r2);
                    st.set_gr32(f.r1, v);
                }
                Ok(())
            }
            Locgr => {
                if mask_hits(f.r3, st.psw.cc()) {
                    st.set_g(f.r1, st.g(f.r2));
                }
                Ok(())
            }
            Crt | Cgrt | Clrt | Clgrt => {
                let (a, b) = (st.g(f.r1), st.g(f.r2));
                let hit = self.compare_hits(op, a, b, f.r3);
                self.trap_if(hit)
            }
            Popcnt => self.popcnt(f.r1, f.r2, f.r3),
            Cfdbr | Cgdbr | Cfebr | Cgebr | Clfdbr | Clgdbr | Clfebr | Clgebr | Cdgbr | Cdfbr
            | Cegbr | Cefbr | Cdlgbr | Cdlfbr | Celgbr | Celfbr | Ledbr | Fidbr | Fiebr => {
                self.bfp_convert(op, f.r1, f.r2, f.r3, f.m4)
            }
            Kmctr => self.cpacf(op, f.r1, f.r2),
            // RRD layout: R1 sits in the RRF R3 position and R3 in the RRF R1 position.
            Madbr | Msdbr | Maebr | Msebr => self.bfp_fma(op, f.r3, f.r1, f.r2),
            Sske => self.storage_key_op(op, f.r1, f.r2),
            Ipte => {
                self.privileged()?;
                Ok(self.ipte(f.r1, f.r2)?)
            }
            Idte => {
                self.privileged()?;
                Ok(self.idte(f.r1, f.r2)?)
            }
            Uvc | Essa => self.intercept_privileged(op),
            Cpsdr => {
                let sign = st.fpr[usize::from(f.r3)] & (1 << 63);
                let v = st.fpr[usize::from(f.r2)] & !(1 << 63);
                st.fpr[usize::from(f.r1)] = sign | v;
                Ok(())
            }
            _ => unimplemented(),
        }
    }

    fn rx(&mut self, op: Op, f: Rx) -> Step {
        let addr = self.ea(f.x2, f.b2, d(f.d2));
        self.storage_rx(op, f.r1, addr)
    }

    fn rxe(&mut self, op: Op, f: Rxe) -> Step {
        use Op::*;
        let addr = self.ea(f.x2, f.b2, d(f.d2));
        match op {
            Adb | Sdb | Mdb | Ddb | Cdb | Kdb | Sqdb => {
                let b = self.rd64(addr)?;
                self.bfp_op(op, f.r1, b)
            }
            Aeb | Seb | Meeb | Deb | Ceb | Keb | Sqeb => {
                let b = self.rd32(addr)?;
                self.bfp_op(op, f.r1, b.into())
            }
            Ldeb => {
                // Convert through a scratch copy so an exception leaves FPR R1 unchanged.
                let b = self.rd32(addr)?;
                let saved = self.cpu.state.fpr[usize::from(f.r1)];
                self.cpu.state.fpr[usize::from(f.r1)] = u64::from(b) << 32;
                let r = self.bfp_convert(Ldebr, f.r1, f.r1, 0, 0);
                if matches!(r, Err(Event::Program(_)))
                    && self.cpu.state.fpr[usize::from(f.r1)] == u64::from(b) << 32
                {
                    self.cpu.state.fpr[usize::from(f.r1)] = saved;
                }
                r
            }
            Tcdb | Tceb => self.test_data_class(op, f.r1, addr),
            _ => unimplemented(),
        }
    }

    fn rxy(&mut self, op: Op, f: Rxy) -> Step {
        let addr = self.ea(f.x2, f.b2, f.d2.into());
        self.storage_rx(op, f.r1, addr)
    }

    fn rs(&mut self, op: Op, f: Rs) -> Step {
        use Op::*;
        let addr = self.ea(0, f.b2, d(f.d2));
        match op {
            Sll | Srl | Sla | Sra | Sldl | Srdl | Slda | Srda => self.shift(op, f.r1, f.r1, addr),
            Stm | Lm => self.multiple(op, f.r1, f.r3, addr),
            Icm => self.icm(f.r1, f.r3, addr, false),
            Stcm => self.stcm(f.r1, f.r3, addr, false),
            Clm => self.clm(f.r1, f.r3, addr, false),
            Cs => self.compare_and_swap(f.r1, f.r3, addr, false),
            Cds => self.compare_double_and_swap(op, f.r1, f.r3, addr),
            Bxh | Bxle => self.branch_on_index(op, f.r1, f.r3, addr),
            Lam | Stam => self.access_multiple(op, f.r1, f.r3, addr),
            Mvcle => self.move_long(f.r1, f.r3, addr as u8, true),
            Clcle => self.compare_long(f.r1, f.r3, addr as u8, true),
            Lctl | Stctl => self.control_regs(op, f.r1, f.r3, addr),
            Diag | Sigp => self.intercept_privileged(op),
            _ => unimplemented(),
        }
    }

    fn rsi(&mut self, op: Op, f: Rsi) -> Step {
        let t = self.rel(f.ri2.into());
        self.branch_on_index(op, f.r1, f.r3, t)
    }

    fn rsy(&mut self, op: Op, f: Rsy) -> Step {
        use Op::*;
        let addr = self.ea(0, f.b2, f.d2.into());
        match op {
            Sllg | Srlg | Srag | Slag | Sllk | Srlk | Srak | Slak | Rll | Rllg => {
                self.shift(op, f.r1, f.r3, addr)
            }
            Stmy | Lmy | Stmg | Lmg | Stmh | Lmh => self.multiple(op, f.r1, f.r3, addr),
            Icmy => self.icm(f.r1, f.r3, addr, false),
            Icmh => self.icm(f.r1, f.r3, addr, true),
            Stcmy => self.stcm(f.r1, f.r3, addr, false),
            Stcmh => self.stcm(f.r1, f.r3, addr, true),
            Clmy => self.clm(f.r1, f.r3, addr, false),
            Clmh => self.clm(f.r1, f.r3, addr, true),
            Csy => self.compare_and_swap(f.r1, f.r3, addr, false),
            Csg => self.compare_and_swap(f.r1, f.r3, addr, true),
            Cdsy | Cdsg => self.compare_double_and_swap(op, f.r1, f.r3, addr),
            Bxhg | Bxleg => self.branch_on_index(op, f.r1, f.r3, addr),
            Lamy | Stamy => self.access_multiple(op, f.r1, f.r3, addr),
            Laa | Laal | Lan | Lao | Lax | Laag | Laalg | Lang | Laog | Laxg => {
                self.load_and_op(op, f.r1, f.r3, addr)
            }
            Lctlg | Stctg => self.control_regs(op, f.r1, f.r3, addr),
            Loc | Locg => {
                if mask_hits(f.r3, self.cc()) {
                    let (k, w) = if op == Loc {
                        (super::arith::Alu::L32, Wid::Fu)
                    } else {
                        (super::arith::Alu::L64, Wid::G)
                    };
                    let v = self.mem_operand(w, addr)?;
                    return self.alu(k, f.r1, 0, v);
                }
                Ok(())
            }
            Stoc | Stocg => {
                if mask_hits(f.r3, self.cc()) {
                    let v = self.cpu.state.g(f.r1);
                    return if op == Stoc { self.wr32(addr, v as u32) } else { self.wr64(addr, v) };
                }
                Ok(())
            }
            _ => unimplemented(),
        }
    }

    fn rsl(&mut self, _op: Op, _f: Rsl) -> Step {
        unimplemented()
    }

    fn ri(&mut self, op: Op, f: Ri) -> Step {
        use Op::*;
        let imm = u64::from(f.i2);
        if let Some(r) = self.part_imm(op, f.r1, imm) {
            return r;
        }
        if let Some((k, w)) = alu_of(op) {
            let a = self.cpu.state.g(f.r1);
            return self.alu(k, f.r1, a, w.extend(imm));
        }
        let target = self.rel(i64::from(f.i2 as i16));
        match op {
            Tmll | Tmlh | Tmhl | Tmhh => self.tm_ri(op, f.r1, f.i2),
            Brc => self.branch_on(f.r1, target),
            Bras => {
                self.link(f.r1);
                self.branch_to(target);
                Ok(())
            }
            Brct | Brctg => self.branch_on_count(op, f.r1, Some(target)),
            _ => unimplemented(),
        }
    }

    fn rie_a(&mut self, op: Op, f: RieA) -> Step {
        let b = match op {
            Op::Clgit | Op::Clfit => u64::from(f.i2),
            _ => f.i2 as i16 as i64 as u64,
        };
        let hit = self.compare_hits(op, self.cpu.state.g(f.r1), b, f.m3);
        self.trap_if(hit)
    }

    fn rie_b(&mut self, op: Op, f: RieB) -> Step {
        let st = &self.cpu.state;
        if self.compare_hits(op, st.g(f.r1), st.g(f.r2), f.m3) {
            let t = self.rel(f.ri4.into());
            self.branch_to(t);
        }
        Ok(())
    }

    fn rie_c(&mut self, op: Op, f: RieC) -> Step {
        let b = match op {
            Op::Clij | Op::Clgij => u64::from(f.i2),
            _ => f.i2 as i8 as i64 as u64,
        };
        if self.compare_hits(op, self.cpu.state.g(f.r1), b, f.m3) {
            let t = self.rel(f.ri4.into());
            self.branch_to(t);
        }
        Ok(())
    }

    fn rie_d(&mut self, op: Op, f: RieD) -> Step {
        match alu_of(op) {
            Some((k, w)) => {
                let a = self.cpu.state.g(f.r3);
                self.alu(k, f.r1, a, w.extend(u64::from(f.i2)))
            }
            None => unimplemented(),
        }
    }

    fn rie_e(&mut self, op: Op, f: RieE) -> Step {
        let t = self.rel(f.ri2.into());
        self.branch_on_index(op, f.r1, f.r3, t)
    }

    fn rie_f(&mut self, op: Op, f: RieF) -> Step {
        match op {
            Op::Risbg | Op::Risbgn | Op::Rnsbg | Op::Rosbg | Op::Rxsbg => {
                self.rotate_selected(op, f.r1, f.r2, f.i3, f.i4, f.i5)
            }
            Op::Risbhg | Op::Risblg => self.rotate_selected_word(op, f.r1, f.r2, f.i3, f.i4, f.i5),
            _ => unimplemented(),
        }
    }

    fn rie_g(&mut self, op: Op, f: RieG) -> Step {
        if mask_hits(f.m3, self.cc()) {
            let v = f.i2 as i16 as i64 as u64;
            match op {
                Op::Lochi => self.cpu.state.set_gr32(f.r1, v as u32),
                Op::Locghi => self.cpu.state.set_g(f.r1, v),
                _ => return unimplemented(),
            }
        }
        Ok(())
    }

    fn ril(&mut self, op: Op, f: Ril) -> Step {
        use Op::*;
        let imm = u64::from(f.i2);
        if let Some(r) = self.part_imm(op, f.r1, imm) {
            return r;
        }
        let target = self.rel(i64::from(f.i2 as i32));
        if op.info().syntax.contains('J') {
            return match op {
                Brcl => self.branch_on(f.r1, target),
                Brasl => {
                    self.link(f.r1);
                    self.branch_to(target);
                    Ok(())
                }
                Brcth => self.branch_on_count(op, f.r1, Some(target)),
                _ => self.storage_rx(op, f.r1, target),
            };
        }
        if matches!(op, Aih | Alsih | Alsihn | Cih | Clih) {
            return self.high_imm(op, f.r1, f.i2);
        }
        match alu_of(op) {
            Some((k, w)) => {
                let a = self.cpu.state.g(f.r1);
                self.alu(k, f.r1, a, w.extend(imm))
            }
            None => unimplemented(),
        }
    }

    fn ris(&mut self, op: Op, f: Ris) -> Step {
        let b = match op {
            Op::Clib | Op::Clgib => u64::from(f.i2),
            _ => f.i2 as i8 as i64 as u64,
        };
        if self.compare_hits(op, self.cpu.state.g(f.r1), b, f.m3) {
            let t = self.ea(0, f.b4, d(f.d4));
            self.branch_to(t);
        }
        Ok(())
    }

    fn rrs(&mut self, op: Op, f: Rrs) -> Step {
        let st = &self.cpu.state;
        if self.compare_hits(op, st.g(f.r1), st.g(f.r2), f.m3) {
            let t = self.ea(0, f.b4, d(f.d4));
            self.branch_to(t);
        }
        Ok(())
    }

    fn s(&mut self, op: Op, f: S) -> Step {
        let addr = self.ea(0, f.b2, d(f.d2));
        self.control_s(op, addr, 0)
    }

    fn si(&mut self, op: Op, f: Si) -> Step {
        let addr = self.ea(0, f.b1, d(f.d1));
        if let Some(r) = self.storage_imm(op, addr, u16::from(f.i2)) {
            return r;
        }
        self.control_s(op, addr, f.i2)
    }

    fn sil(&mut self, op: Op, f: Sil) -> Step {
        let addr = self.ea(0, f.b1, d(f.d1));
        self.storage_imm(op, addr, f.i2).unwrap_or_else(unimplemented)
    }

    fn siy(&mut self, op: Op, f: Siy) -> Step {
        let addr = self.ea(0, f.b1, f.d1.into());
        self.storage_imm(op, addr, u16::from(f.i2)).unwrap_or_else(unimplemented)
    }

    fn ss(&mut self, op: Op, f: Ss) -> Step {
        let a1 = self.ea(0, f.b1, d(f.d1));
        let a2 = self.ea(0, f.b2, d(f.d2));
        if op == Op::Trt {
            return self.translate_and_test(usize::from(f.l) + 1, a1, a2);
        }
        self.ss_a(op, usize::from(f.l) + 1, a1, a2)
    }

    fn sse(&mut self, op: Op, f: Sse) -> Step {
        let a1 = self.ea(0, f.b1, d(f.d1));
        let a2 = self.ea(0, f.b2, d(f.d2));
        match op {
            Op::Tprot => self.tprot(a1, a2),
            _ => unimplemented(),
        }
    }

    fn ssf(&mut self, _op: Op, _f: Ssf) -> Step {
        unimplemented()
    }
}
