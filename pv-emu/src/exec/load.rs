//! Stores, load/store multiple, storage-immediate operations, byte-reversed loads and
//! stores, COMPARE AND SWAP, and the floating-point register loads and stores
//! (Principles of Operation, chapters 7 and 9).

use super::arith::{cc_cmp, cc_signed};
use super::logical::cc_tm_si;
use super::{Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// Stores R1 (8, 16, 32 or 64 bits by `op`) at `addr`; `None` if `op` is no store.
    pub fn store(&mut self, op: Op, r1: u8, addr: u64) -> Option<Step> {
        use Op::*;
        let v = self.cpu.state.g(r1);
        Some(match op {
            St | Sty | Strl => self.wr32(addr, v as u32),
            Stg | Stgrl => self.wr64(addr, v),
            Sth | Sthy | Sthrl => self.wr16(addr, v as u16),
            Stc | Stcy => self.wr8(addr, v as u8),
            Strv => self.wr32(addr, (v as u32).swap_bytes()),
            Strvg => self.wr64(addr, v.swap_bytes()),
            Strvh => self.wr16(addr, (v as u16).swap_bytes()),
            Std | Stdy => self.wr64(addr, self.cpu.state.fpr[usize::from(r1)]),
            Ste | Stey => self.wr32(addr, (self.cpu.state.fpr[usize::from(r1)] >> 32) as u32),
            _ => return None,
        })
    }

    /// Loads that are not plain ALU loads (byte reversed, FPR loads); `None` otherwise.
    pub fn load_special(&mut self, op: Op, r1: u8, addr: u64) -> Option<Step> {
        use Op::*;
        let r = usize::from(r1);
        let res = (|| {
            match op {
                Lrv => {
                    let v = self.rd32(addr)?.swap_bytes();
                    self.cpu.state.set_gr32(r1, v);
                }
                Lrvg => {
                    let v = self.rd64(addr)?.swap_bytes();
                    self.cpu.state.set_g(r1, v);
                }
                Lrvh => {
                    let v = self.rd16(addr)?.swap_bytes();
                    let g = self.cpu.state.g(r1);
                    self.cpu.state.set_g(r1, (g & !0xffff) | u64::from(v));
                }
                Ld | Ldy => self.cpu.state.fpr[r] = self.rd64(addr)?,
                Le | Ley => {
                    let v = self.rd32(addr)?;
                    let f = &mut self.cpu.state.fpr[r];
                    *f = (*f & 0xffff_ffff) | (u64::from(v) << 32);
                }
                Ic | Icy => {
                    let v = self.rd8(addr)?;
                    let g = self.cpu.state.g(r1);
                    self.cpu.state.set_g(r1, (g & !0xff) | u64::from(v));
                }
                _ => return Ok(false),
            }
            Ok::<bool, ProgramCheck>(true)
        })();
        match res {
            Ok(true) => Some(Ok(())),
            Ok(false) => None,
            Err(p) => Some(Err(p.into())),
        }
    }

    /// LM/LMY/LMG/LMH and STM/STMY/STMG/STMH (registers R1 through R3, wrapping).
    pub fn multiple(&mut self, op: Op, r1: u8, r3: u8, addr: u64) -> Step {
        use Op::*;
        let n = usize::from(r3.wrapping_sub(r1) & 15) + 1;
        let wide = matches!(op, Lmg | Stmg);
        let size = if wide { 8 } else { 4 };
        let mut buf = [0u8; 128];
        let regs = (0..n).map(|i| (r1 as usize + i) & 15);
        match op {
            Stm | Stmy | Stmg | Stmh => {
                for (i, r) in regs.enumerate() {
                    let g = self.cpu.state.gr[r];
                    let v = match op {
                        Stmg => g,
                        Stmh => g >> 32,
                        _ => g & 0xffff_ffff,
                    };
                    buf[i * size..(i + 1) * size].copy_from_slice(&v.to_be_bytes()[8 - size..]);
                }
                self.write(addr, &buf[..n * size])
            }
            _ => {
                self.read(addr, &mut buf[..n * size])?;
                for (i, r) in regs.enumerate() {
                    let mut b = [0u8; 8];
                    b[8 - size..].copy_from_slice(&buf[i * size..(i + 1) * size]);
                    let v = u64::from_be_bytes(b);
                    let g = &mut self.cpu.state.gr[r];
                    *g = match op {
                        Lmg => v,
                        Lmh => (*g & 0xffff_ffff) | (v << 32),
                        _ => (*g & !0xffff_ffff) | v,
                    };
                }
                Ok(())
            }
        }
    }

    /// SI/SIY/SIL storage-immediate instructions; `None` if `op` is not one.
    pub fn storage_imm(&mut self, op: Op, addr: u64, imm: u16) -> Option<Step> {
        use Op::*;
        let i8v = imm as u8;
        let res = (|| -> Step {
            match op {
                Mvi | Mviy => self.wr8(addr, i8v)?,
                Mvhhi => self.wr16(addr, imm)?,
                Mvhi => self.wr32(addr, imm as i16 as i32 as u32)?,
                Mvghi => self.wr64(addr, imm as i16 as i64 as u64)?,
                Cli | Cliy => {
                    let v = self.rd8(addr)?;
                    self.set_cc(cc_cmp(v, i8v));
                }
                Tm | Tmy => {
                    let v = self.rd8(addr)?;
                    self.set_cc(cc_tm_si(v, i8v));
                }
                Ni | Niy | Oi | Oiy | Xi | Xiy => {
                    let v = self.rd8(addr)?;
                    let r = match op {
                        Ni | Niy => v & i8v,
                        Oi | Oiy => v | i8v,
                        _ => v ^ i8v,
                    };
                    self.wr8(addr, r)?;
                    self.set_cc(u8::from(r != 0));
                }
                Chhsi => {
                    let v = self.rd16(addr)? as i16;
                    self.set_cc(cc_cmp(v, imm as i16));
                }
                Clhhsi => {
                    let v = self.rd16(addr)?;
                    self.set_cc(cc_cmp(v, imm));
                }
                Chsi => {
                    let v = self.rd32(addr)? as i32;
                    self.set_cc(cc_cmp(v, i32::from(imm as i16)));
                }
                Clfhsi => {
                    let v = self.rd32(addr)?;
                    self.set_cc(cc_cmp(v, u32::from(imm)));
                }
                Cghsi => {
                    let v = self.rd64(addr)? as i64;
                    self.set_cc(cc_cmp(v, i64::from(imm as i16)));
                }
                Clghsi => {
                    let v = self.rd64(addr)?;
                    self.set_cc(cc_cmp(v, u64::from(imm)));
                }
                Asi | Alsi => {
                    let v = self.rd32(addr)?;
                    let b = i32::from(i8v as i8) as u32;
                    if op == Asi {
                        let (r, o) = (v as i32).overflowing_add(b as i32);
                        self.wr32(addr, r as u32)?;
                        return self.arith_cc(if o { 3 } else { cc_signed(r.into()) });
                    }
                    let wide = u64::from(v) + u64::from(b);
                    self.wr32(addr, wide as u32)?;
                    self.set_cc(u8::from(wide as u32 != 0) | (u8::from(wide >> 32 != 0) << 1));
                }
                Agsi | Algsi => {
                    let v = self.rd64(addr)?;
                    let b = i64::from(i8v as i8) as u64;
                    if op == Agsi {
                        let (r, o) = (v as i64).overflowing_add(b as i64);
                        self.wr64(addr, r as u64)?;
                        return self.arith_cc(if o { 3 } else { cc_signed(r) });
                    }
                    let wide = u128::from(v) + u128::from(b);
                    self.wr64(addr, wide as u64)?;
                    self.set_cc(u8::from(wide as u64 != 0) | (u8::from(wide >> 64 != 0) << 1));
                }
                _ => return Err(ProgramCheck::new(PgmCode::Operation).into()),
            }
            Ok(())
        })();
        match res {
            Err(super::Event::Program(p)) if p.code == PgmCode::Operation as u16 => None,
            r => Some(r),
        }
    }

    /// LAM/LAMY/STAM/STAMY: access registers R1 through R3.
    pub fn access_multiple(&mut self, op: Op, r1: u8, r3: u8, addr: u64) -> Step {
        if !addr.is_multiple_of(4) {
            return Err(ProgramCheck::new(PgmCode::Specification).into());
        }
        let n = usize::from(r3.wrapping_sub(r1) & 15) + 1;
        let mut buf = [0u8; 64];
        if matches!(op, Op::Stam | Op::Stamy) {
            for i in 0..n {
                let v = self.cpu.state.ar[(usize::from(r1) + i) & 15];
                buf[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
            }
            return self.write(addr, &buf[..n * 4]);
        }
        self.read(addr, &mut buf[..n * 4])?;
        for i in 0..n {
            let v =
                u32::from_be_bytes([buf[i * 4], buf[i * 4 + 1], buf[i * 4 + 2], buf[i * 4 + 3]]);
            self.cpu.state.ar[(usize::from(r1) + i) & 15] = v;
        }
        Ok(())
    }

    /// CS/CSY (`wide` = false) and CSG.
    pub fn compare_and_swap(&mut self, r1: u8, r3: u8, addr: u64, wide: bool) -> Step {
        let size = if wide { 8 } else { 4 };
        if !addr.is_multiple_of(size) {
            return Err(ProgramCheck::new(PgmCode::Specification).into());
        }
        let st = &self.cpu.state;
        let (cmp, new) = if wide {
            (st.g(r1), st.g(r3))
        } else {
            (u64::from(st.gr32(r1)), u64::from(st.gr32(r3)))
        };
        let cur = if wide { self.rd64(addr)? } else { u64::from(self.rd32(addr)?) };
        if cur == cmp {
            if wide {
                self.wr64(addr, new)?
            } else {
                self.wr32(addr, new as u32)?
            }
            self.set_cc(0);
        } else {
            self.probe_write(addr, size as usize)?;
            if wide {
                self.cpu.state.set_g(r1, cur)
            } else {
                self.cpu.state.set_gr32(r1, cur as u32)
            }
            self.set_cc(1);
        }
        Ok(())
    }
}
