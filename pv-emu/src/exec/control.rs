//! PSW handling, system and privileged instructions (Principles of Operation, chapters 7
//! and 10, "Control Instructions"): IPM, SPM, EPSW, SAM*, SVC, LPSW(E), SSM, STNSM,
//! STOSM, LCTL(G)/STCTL(G), SPX/STPX, STAP, STIDP, STFL, STFLE, the TOD clock, CPU timer
//! and clock comparator, TPROT, storage keys, and the instructions that leave the CPU
//! model with an interception.

use pv_core::psw::{AddressingMode, SHORT_PSW_BIT};
use pv_core::storage::{SKEY_CHANGE, SKEY_FETCH, SKEY_REF};
use pv_core::{GuestAbs, Psw, Storage};

use super::{Event, Exec, Step};
use crate::cpu::lowcore;
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};

fn pgm(code: PgmCode) -> Event {
    ProgramCheck::new(code).into()
}

/// Whether a PSW is valid to load (bit 12 zero, valid EA/BA pair, address inside the
/// addressing mode, even address, unassigned bits zero).
pub fn psw_valid(p: &Psw) -> bool {
    p.addr & 1 == 0 && psw_format_valid(p)
}

/// The PSW-format checks made when a PSW is loaded (LPSW, LPSWE): [`psw_valid`] without
/// the even-address rule. Principles of Operation, chapter 6, "Exceptions Associated
/// with the PSW": an odd instruction address is recognized only when an instruction is
/// fetched, so a PSW that is never fetched from (a disabled wait, such as QEMU's special
/// wait PSW at 0xfff) loads fine.
pub fn psw_format_valid(p: &Psw) -> bool {
    // Bits 0, 2-4, 12, 25-30 and 33-63 of the mask.
    const UNASSIGNED: u64 = 0xb808_007e_7fff_ffff;
    let mode = p.addressing_mode();
    p.mask & UNASSIGNED == 0 && mode.is_some_and(|m| p.addr & !m.address_mask() == 0)
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// A privileged-operation exception in the problem state.
    pub fn privileged(&self) -> Step {
        if self.cpu.state.psw.is_problem_state() {
            return Err(pgm(PgmCode::PrivilegedOperation));
        }
        Ok(())
    }

    /// Leaves the CPU model: the caller gets [`super::Exit::Instruction`].
    pub fn intercept(&self) -> Step {
        Err(Event::Intercept)
    }

    /// Loads `p` as the current PSW after the validity checks (specification exception,
    /// which is recognised after the PSW is loaded, so the old PSW is the new one).
    fn load_psw(&mut self, p: Psw) -> Step {
        if !psw_format_valid(&p) {
            self.cpu.state.psw = p;
            return Err(pgm(PgmCode::Specification));
        }
        self.cpu.state.bea = self.addr;
        self.cpu.state.psw = p;
        Ok(())
    }

    /// E-format and RRE-format PSW instructions without storage operands.
    pub fn psw_op(&mut self, op: Op, r1: u8, r2: u8) -> Step {
        let st = &mut self.cpu.state;
        match op {
            Op::Ipm => {
                let byte = (u64::from(st.psw.cc()) << 4) | u64::from(st.psw.program_mask());
                let g = st.g(r1) & !0xff00_0000;
                st.set_g(r1, g | (byte << 24));
            }
            Op::Spm => {
                let v = st.g(r1);
                st.psw.set_cc((v >> 28) as u8 & 3);
                st.psw.mask = (st.psw.mask & !pv_core::psw::PSW_MASK_PM) | ((v >> 24 & 0xf) << 40);
            }
            Op::Epsw => {
                let m = st.psw.mask;
                st.set_gr32(r1, (m >> 32) as u32);
                if r2 != 0 {
                    st.set_gr32(r2, m as u32);
                }
            }
            Op::Sam24 | Op::Sam31 | Op::Sam64 => {
                let mode = match op {
                    Op::Sam24 => AddressingMode::Bits24,
                    Op::Sam31 => AddressingMode::Bits31,
                    _ => AddressingMode::Bits64,
                };
                if st.psw.addr & !mode.address_mask() != 0 {
                    return Err(pgm(PgmCode::Specification));
                }
                st.psw.set_addressing_mode(mode);
            }
            _ => return Err(pgm(PgmCode::Operation)),
        }
        Ok(())
    }

    /// S/SI-format control instructions with a storage operand at `addr` (`i2` for SI).
    pub fn control_s(&mut self, op: Op, addr: u64, i2: u8) -> Step {
        use Op::*;
        match op {
            Lpswe => {
                self.privileged()?;
                if addr & 7 != 0 {
                    return Err(pgm(PgmCode::Specification));
                }
                let mut b = [0u8; 16];
                self.read(addr, &mut b)?;
                self.load_psw(Psw::from_bytes(&b))
            }
            Lpsw => {
                self.privileged()?;
                if addr & 7 != 0 {
                    return Err(pgm(PgmCode::Specification));
                }
                let v = self.rd64(addr)?;
                if v & SHORT_PSW_BIT == 0 {
                    self.cpu.state.psw.mask = v & !0x7fff_ffff;
                    return Err(pgm(PgmCode::Specification));
                }
                let mask = (v & !SHORT_PSW_BIT & 0xffff_ffff_0000_0000) | (v & 0x8000_0000);
                self.load_psw(Psw { mask, addr: v & 0x7fff_ffff })
            }
            Ssm => {
                self.privileged()?;
                let b = self.rd8(addr)?;
                self.set_system_mask(b)
            }
            Stnsm | Stosm => {
                self.privileged()?;
                let old = (self.cpu.state.psw.mask >> 56) as u8;
                self.wr8(addr, old)?;
                self.set_system_mask(if op == Stnsm { old & i2 } else { old | i2 })
            }
            Spx => {
                self.privileged()?;
                if self.cpu.model.intercepts & super::INTERCEPT_SPX != 0 {
                    return self.intercept();
                }
                let v = self.rd32(addr)?;
                let p = v & 0x7fff_e000;
                if u64::from(p) + 0x2000 > self.mem.size() {
                    return Err(pgm(PgmCode::Addressing));
                }
                self.cpu.state.prefix = p;
                self.cpu.tlb.purge();
                Ok(())
            }
            Stpx => {
                self.privileged()?;
                self.wr32(addr, self.cpu.state.prefix)
            }
            Stap => {
                self.privileged()?;
                self.wr16(addr, self.cpu.state.cpu_addr)
            }
            Stidp => {
                self.privileged()?;
                self.wr64(addr, self.cpu.model.cpu_id)
            }
            Stfl => {
                self.privileged()?;
                let w = (self.cpu.model.facilities[0] >> 32) as u32;
                let abs = self.cpu.state.prefixed(lowcore::STFL_FAC);
                self.mem.write(GuestAbs(abs), &w.to_be_bytes()).map_err(ProgramCheck::from)?;
                Ok(())
            }
            Stfle => self.stfle(addr),
            Stck | Stckf => {
                self.wr64(addr, self.cpu.state.tod)?;
                self.set_cc(0);
                Ok(())
            }
            Stcke => {
                let mut b = [0u8; 16];
                b[1..9].copy_from_slice(&self.cpu.state.tod.to_be_bytes());
                self.write(addr, &b)?;
                self.set_cc(0);
                Ok(())
            }
            Sck => {
                self.privileged()?;
                self.cpu.state.tod = self.rd64(addr)?;
                self.set_cc(0);
                Ok(())
            }
            Spt | Sckc => {
                self.privileged()?;
                let v = self.rd64(addr)?;
                if op == Spt {
                    self.cpu.state.cpu_timer = v
                } else {
                    self.cpu.state.ckc = v
                }
                Ok(())
            }
            Stpt | Stckc => {
                self.privileged()?;
                let v = if op == Stpt { self.cpu.state.cpu_timer } else { self.cpu.state.ckc };
                self.wr64(addr, v)
            }
            Ptlb => {
                self.privileged()?;
                self.cpu.tlb.purge();
                Ok(())
            }
            Spka => {
                let key = (addr >> 4) & 0xf;
                let m = &mut self.cpu.state.psw.mask;
                *m = (*m & !pv_core::psw::PSW_MASK_KEY) | (key << 52);
                Ok(())
            }
            Sac | Sacf => {
                let asc = match (addr >> 8) & 0xf {
                    0 => 0,
                    1 => 2,
                    2 => 1,
                    3 => 3,
                    _ => return Err(pgm(PgmCode::Specification)),
                };
                let m = &mut self.cpu.state.psw.mask;
                *m = (*m & !pv_core::psw::PSW_MASK_ASC) | (asc << 46);
                self.cpu.tlb.purge();
                Ok(())
            }
            Srnm => {
                self.cpu.state.fpc = (self.cpu.state.fpc & !3) | (addr as u32 & 3);
                Ok(())
            }
            Srnmb => {
                self.cpu.state.fpc = (self.cpu.state.fpc & !7) | (addr as u32 & 7);
                Ok(())
            }
            Lfpc => {
                self.cpu.state.fpc = self.rd32(addr)?;
                Ok(())
            }
            Stfpc => self.wr32(addr, self.cpu.state.fpc),
            // Interceptions: machine information, I/O, SIE and the service call.
            Stsi | Sie | Csch | Hsch | Msch | Ssch | Stsch | Tsch | Tpi | Rsch | Stcrw | Stcps
            | Rchp | Schm | Xsch => {
                self.privileged()?;
                self.intercept()
            }
            _ => Err(pgm(PgmCode::Operation)),
        }
    }

    fn set_system_mask(&mut self, b: u8) -> Step {
        // Bits 0 and 2-4 of the system mask must be zero (specification exception).
        if b & 0xb8 != 0 {
            return Err(pgm(PgmCode::Specification));
        }
        let m = &mut self.cpu.state.psw.mask;
        *m = (*m & 0x00ff_ffff_ffff_ffff) | (u64::from(b) << 56);
        Ok(())
    }

    fn stfle(&mut self, addr: u64) -> Step {
        if addr & 7 != 0 {
            return Err(pgm(PgmCode::Specification));
        }
        let have = self.cpu.model.facilities.iter().rposition(|&d| d != 0).map_or(1, |i| i + 1);
        let want = (self.cpu.state.g(0) & 0xff) as usize + 1;
        let n = want.min(have);
        let mut buf = [0u8; 32];
        for (i, d) in self.cpu.model.facilities.iter().take(n).enumerate() {
            buf[i * 8..i * 8 + 8].copy_from_slice(&d.to_be_bytes());
        }
        self.write(addr, &buf[..n * 8])?;
        let g = self.cpu.state.g(0) & !0xff;
        self.cpu.state.set_g(0, g | (have as u64 - 1));
        self.set_cc(if want >= have { 0 } else { 3 });
        Ok(())
    }

    /// LCTL/LCTLG/STCTL/STCTG.
    pub fn control_regs(&mut self, op: Op, r1: u8, r3: u8, addr: u64) -> Step {
        self.privileged()?;
        let wide = matches!(op, Op::Lctlg | Op::Stctg);
        let size = if wide { 8 } else { 4 };
        if !addr.is_multiple_of(size) {
            return Err(pgm(PgmCode::Specification));
        }
        let n = usize::from(r3.wrapping_sub(r1) & 15) + 1;
        let mut buf = [0u8; 128];
        let sz = size as usize;
        if matches!(op, Op::Stctl | Op::Stctg) {
            for i in 0..n {
                let c = self.cpu.state.cr[(usize::from(r1) + i) & 15];
                buf[i * sz..(i + 1) * sz].copy_from_slice(&c.to_be_bytes()[8 - sz..]);
            }
            return self.write(addr, &buf[..n * sz]);
        }
        self.read(addr, &mut buf[..n * sz])?;
        // New ASCEs (CR1, CR7, CR13) make cached translations stale.
        self.cpu.tlb.purge();
        for i in 0..n {
            let mut b = [0u8; 8];
            b[8 - sz..].copy_from_slice(&buf[i * sz..(i + 1) * sz]);
            let v = u64::from_be_bytes(b);
            let c = &mut self.cpu.state.cr[(usize::from(r1) + i) & 15];
            *c = if wide { v } else { (*c & !0xffff_ffff) | v };
        }
        Ok(())
    }

    /// SSKE, ISKE, RRBE (storage keys of the frame R2 designates).
    pub fn storage_key_op(&mut self, op: Op, r1: u8, r2: u8) -> Step {
        self.privileged()?;
        let real = self.cpu.state.wrap(self.cpu.state.g(r2)) & !0xfff;
        let abs = GuestAbs(self.cpu.state.prefixed(real));
        let key = self.mem.storage_key(abs).map_err(ProgramCheck::from)?;
        match op {
            Op::Iske => {
                let g = self.cpu.state.g(r1) & !0xff;
                self.cpu.state.set_g(r1, g | u64::from(key & 0xfe));
            }
            Op::Sske => {
                let new = self.cpu.state.g(r1) as u8 & 0xfe;
                self.mem.set_storage_key(abs, new).map_err(ProgramCheck::from)?;
            }
            _ => {
                self.mem.set_storage_key(abs, key & !SKEY_REF).map_err(ProgramCheck::from)?;
                let cc = u8::from(key & SKEY_REF != 0) << 1 | u8::from(key & SKEY_CHANGE != 0);
                self.set_cc(cc);
            }
        }
        Ok(())
    }

    /// TEST PROTECTION: CC 0 fetch and store allowed, 1 fetch only, 2 neither, 3 when DAT
    /// cannot translate the address.
    pub fn tprot(&mut self, addr: u64, key_addr: u64) -> Step {
        self.privileged()?;
        let mut dat_protected = false;
        let mut real = addr;
        if self.cpu.state.psw.is_dat() {
            match self.translate(addr, false) {
                Ok(r) => real = r,
                Err(p) if p.code == PgmCode::Addressing as u16 => return Err(p.into()),
                Err(_) => {
                    self.set_cc(3);
                    return Ok(());
                }
            }
            dat_protected = self.translate(addr, true).is_err();
        }
        let abs = self.cpu.state.prefixed(real);
        if abs >= self.mem.size() {
            return Err(pgm(PgmCode::Addressing));
        }
        let key = (key_addr >> 4 & 0xf) as u8;
        let sk = self.mem.storage_key(GuestAbs(abs)).map_err(ProgramCheck::from)?;
        let cc = if key != 0 && sk >> 4 != key && sk & SKEY_FETCH != 0 {
            2
        } else if dat_protected || (key != 0 && sk >> 4 != key) {
            1
        } else {
            0
        };
        self.set_cc(cc);
        Ok(())
    }

    /// SVC: an SVC interruption with the I field as code.
    pub fn svc(&self, code: u8) -> Step {
        Err(Event::Svc(code))
    }

    /// The RR/RRE/RRF/RS control instructions that intercept (DIAG, UVC, SERVC, SIGP,
    /// CHSC) after the privilege check (UVC is not privileged).
    pub fn intercept_privileged(&self, op: Op) -> Step {
        if op != Op::Uvc {
            self.privileged()?;
        }
        self.intercept()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psw_validity() {
        assert!(psw_valid(&Psw::new_64bit(0x10000)));
        assert!(!psw_valid(&Psw::new_64bit(0x10001)));
        assert!(psw_format_valid(&Psw::new_64bit(0x10001)), "odd: checked at fetch");
        use pv_core::psw::{PSW_MASK_BA, PSW_MASK_EA};
        assert!(!psw_valid(&Psw { mask: SHORT_PSW_BIT | PSW_MASK_BA, addr: 0 }));
        assert!(!psw_valid(&Psw { mask: PSW_MASK_EA, addr: 0 }));
        assert!(!psw_valid(&Psw { mask: PSW_MASK_BA, addr: 1 << 31 }));
        assert!(psw_valid(&Psw { mask: 0x0002_0000_0000_0000 | PSW_MASK_BA, addr: 0x1234 }));
    }
}
