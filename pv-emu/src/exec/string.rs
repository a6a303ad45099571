//! Long and string operations (MVCL, CLCL, MVCLE, CLCLE, MVST, CLST, SRST, TRT), the
//! interlocked-access family (LAA ... LAXG), high-word instructions (AIH, ALSIH, CIH,
//! CLIH, RISBHG, RISBLG), branch on index, COMPARE DOUBLE AND SWAP and quadword
//! load/store (Principles of Operation, chapter 7). Long operations complete in one step
//! (the architecture allows a CPU to finish them without interruption).

use super::arith::{cc_cmp, cc_signed};
use super::shift::bit_range;
use super::{Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;

fn spec() -> super::Event {
    ProgramCheck::new(PgmCode::Specification).into()
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    fn even_pair(r: u8) -> Result<(), super::Event> {
        if r & 1 != 0 { Err(spec()) } else { Ok(()) }
    }

    /// An address from a register, wrapped to the addressing mode.
    fn reg_addr(&self, r: u8) -> u64 {
        self.cpu.state.wrap(self.cpu.state.g(r))
    }

    /// Updates an address register in the way the addressing mode requires (24/31-bit
    /// modes change only the low 32 bits).
    fn set_reg_addr(&mut self, r: u8, v: u64) {
        let st = &mut self.cpu.state;
        if st.amode() == pv_core::psw::AddressingMode::Bits64 {
            st.set_g(r, v);
        } else {
            st.set_gr32(r, v as u32);
        }
    }

    /// Length from a register: 24 bits (MVCL/CLCL), or 32/64 bits by mode (MVCLE/CLCLE).
    fn reg_len(&self, r: u8, long: bool) -> u64 {
        let v = self.cpu.state.g(r);
        match (long, self.cpu.state.amode()) {
            (false, _) => v & 0x00ff_ffff,
            (true, pv_core::psw::AddressingMode::Bits64) => v,
            (true, _) => v & 0xffff_ffff,
        }
    }

    fn set_reg_len(&mut self, r: u8, len: u64, long: bool) {
        let st = &mut self.cpu.state;
        if !long {
            let v = st.gr32(r) & 0xff00_0000;
            st.set_gr32(r, v | len as u32);
        } else if st.amode() == pv_core::psw::AddressingMode::Bits64 {
            st.set_g(r, len);
        } else {
            st.set_gr32(r, len as u32);
        }
    }

    /// MVCL/MVCLE (`long`): moves with padding; CC compares the lengths. MVCL with
    /// destructive overlap sets CC 3 and moves nothing.
    pub fn move_long(&mut self, r1: u8, r3: u8, pad: u8, long: bool) -> Step {
        Self::even_pair(r1)?;
        Self::even_pair(r3)?;
        let (mut d, mut s) = (self.reg_addr(r1), self.reg_addr(r3));
        let (mut dl, mut sl) = (self.reg_len(r1 + 1, long), self.reg_len(r3 + 1, long));
        let pad = if long { pad } else { (self.cpu.state.g(r3 + 1) >> 24) as u8 };
        let mut cc = cc_cmp(dl, sl);
        if !long && s < d && d < s.saturating_add(dl.min(sl)) {
            self.set_cc(3);
            return Ok(());
        }
        // MVCLE is interruptible: like QEMU, one execution moves up to the next page
        // boundary of either operand, or pads up to the next page boundary, and ends
        // with CC 3 while bytes remain.
        let rem = |x: u64| 4096 - (x & 0xfff);
        let mut budget = match (long, sl > 0) {
            (false, _) => u64::MAX,
            (true, true) => sl.min(rem(s)).min(rem(d)),
            (true, false) => rem(d),
        };
        let mut buf = [0u8; 4096];
        while dl > 0 && budget > 0 {
            let n = dl.min(budget).min(if sl > 0 { sl } else { dl }).min(rem(d)).min(if sl > 0 {
                rem(s)
            } else {
                4096
            });
            let n = n as usize;
            if sl > 0 {
                self.read(s, &mut buf[..n])?;
                s = self.cpu.state.wrap(s + n as u64);
                sl -= n as u64;
            } else {
                buf[..n].fill(pad);
            }
            self.write(d, &buf[..n])?;
            d = self.cpu.state.wrap(d + n as u64);
            dl -= n as u64;
            budget -= n as u64;
        }
        self.set_reg_addr(r1, d);
        self.set_reg_addr(r3, s);
        self.set_reg_len(r1 + 1, dl, long);
        self.set_reg_len(r3 + 1, sl, long);
        if dl > 0 {
            cc = 3;
        }
        self.set_cc(cc);
        Ok(())
    }

    /// CLCL/CLCLE (`long`): compares with padding.
    pub fn compare_long(&mut self, r1: u8, r3: u8, pad: u8, long: bool) -> Step {
        Self::even_pair(r1)?;
        Self::even_pair(r3)?;
        let (mut a, mut b) = (self.reg_addr(r1), self.reg_addr(r3));
        let (mut al, mut bl) = (self.reg_len(r1 + 1, long), self.reg_len(r3 + 1, long));
        let pad = if long { pad } else { (self.cpu.state.g(r3 + 1) >> 24) as u8 };
        let mut cc = 0;
        // CLCLE is interruptible: like QEMU, at most 8 KiB per execution, then CC 3.
        let mut budget = if long { 0x2000 } else { u64::MAX };
        while al > 0 || bl > 0 {
            if budget == 0 {
                cc = 3;
                break;
            }
            budget -= 1;
            let x = if al > 0 { self.rd8(a)? } else { pad };
            let y = if bl > 0 { self.rd8(b)? } else { pad };
            if x != y {
                cc = cc_cmp(x, y);
                break;
            }
            if al > 0 {
                a = self.cpu.state.wrap(a + 1);
                al -= 1;
            }
            if bl > 0 {
                b = self.cpu.state.wrap(b + 1);
                bl -= 1;
            }
        }
        self.set_reg_addr(r1, a);
        self.set_reg_addr(r3, b);
        self.set_reg_len(r1 + 1, al, long);
        self.set_reg_len(r3 + 1, bl, long);
        self.set_cc(cc);
        Ok(())
    }

    /// MVST, CLST, SRST (the ending character is in bits 56-63 of R0; bits 32-55 must be
    /// zero). These are interruptible: after a CPU-determined number of bytes they end
    /// with CC 3 and updated registers. pv-emu stops where QEMU does, for comparable
    /// results: MVST at the first page boundary of either operand, CLST and SRST after
    /// 8 KiB.
    pub fn string_op(&mut self, op: Op, r1: u8, r2: u8) -> Step {
        let r0 = self.cpu.state.g(0);
        if r0 & 0xffff_ff00 != 0 {
            return Err(spec());
        }
        let end = r0 as u8;
        let (mut a, mut b) = (self.reg_addr(r1), self.reg_addr(r2));
        match op {
            Op::Mvst => {
                let n = (4096 - (a & 0xfff)).min(4096 - (b & 0xfff));
                for _ in 0..n {
                    let c = self.rd8(b)?;
                    self.wr8(a, c)?;
                    if c == end {
                        self.set_reg_addr(r1, a);
                        self.set_cc(1);
                        return Ok(());
                    }
                    a = self.cpu.state.wrap(a + 1);
                    b = self.cpu.state.wrap(b + 1);
                }
                self.set_reg_addr(r1, a);
                self.set_reg_addr(r2, b);
                self.set_cc(3);
                Ok(())
            }
            Op::Clst => {
                for _ in 0..0x2000 {
                    let (x, y) = (self.rd8(a)?, self.rd8(b)?);
                    if x == end && y == end {
                        self.set_cc(0);
                        return Ok(());
                    }
                    if x == end || y == end || x != y {
                        let cc = if x == end {
                            1
                        } else if y == end {
                            2
                        } else {
                            cc_cmp(x, y)
                        };
                        self.set_reg_addr(r1, a);
                        self.set_reg_addr(r2, b);
                        self.set_cc(cc);
                        return Ok(());
                    }
                    a = self.cpu.state.wrap(a + 1);
                    b = self.cpu.state.wrap(b + 1);
                }
                self.set_reg_addr(r1, a);
                self.set_reg_addr(r2, b);
                self.set_cc(3);
                Ok(())
            }
            _ => {
                // SRST: search from R2 up to (not including) R1.
                for _ in 0..0x2000 {
                    if b == a {
                        self.set_cc(2);
                        return Ok(());
                    }
                    if self.rd8(b)? == end {
                        self.set_reg_addr(r1, b);
                        self.set_cc(1);
                        return Ok(());
                    }
                    b = self.cpu.state.wrap(b + 1);
                }
                self.set_reg_addr(r2, b);
                self.set_cc(3);
                Ok(())
            }
        }
    }

    /// TRT: scans operand 1, translating through the table at `a2`, until a nonzero
    /// function byte.
    pub fn translate_and_test(&mut self, len: usize, a1: u64, a2: u64) -> Step {
        for i in 0..len {
            let at = self.cpu.state.wrap(a1.wrapping_add(i as u64));
            let arg = self.rd8(at)?;
            let f = self.rd8(a2.wrapping_add(u64::from(arg)))?;
            if f != 0 {
                // 24-bit mode: bits 40-63 of GR1 replaced, 0-39 unchanged; 31-bit mode:
                // bits 33-63 replaced, bit 32 zero; 64-bit mode: all replaced.
                let g1 = self.cpu.state.g(1);
                let v = match self.cpu.state.amode() {
                    pv_core::psw::AddressingMode::Bits24 => (g1 & !0xff_ffff) | at,
                    pv_core::psw::AddressingMode::Bits31 => (g1 & !0xffff_ffff) | at,
                    pv_core::psw::AddressingMode::Bits64 => at,
                };
                self.cpu.state.set_g(1, v);
                let g = self.cpu.state.g(2) & !0xff;
                self.cpu.state.set_g(2, g | u64::from(f));
                self.set_cc(if i + 1 == len { 2 } else { 1 });
                return Ok(());
            }
        }
        self.set_cc(0);
        Ok(())
    }

    /// LOAD AND ADD/AND/OR/EXCLUSIVE OR (LAA ... LAXG): R1 gets the old storage value,
    /// storage gets old op R3.
    pub fn load_and_op(&mut self, op: Op, r1: u8, r3: u8, addr: u64) -> Step {
        use Op::*;
        let wide = matches!(op, Laag | Laalg | Lang | Laog | Laxg);
        let size = if wide { 8 } else { 4 };
        if !addr.is_multiple_of(size) {
            return Err(spec());
        }
        let old = if wide { self.rd64(addr)? } else { u64::from(self.rd32(addr)?) };
        let b = if wide { self.cpu.state.g(r3) } else { u64::from(self.cpu.state.gr32(r3)) };
        let (new, cc) = match op {
            Laa => {
                let (r, o) = (old as i32).overflowing_add(b as i32);
                (r as u32 as u64, if o { 3 } else { cc_signed(r.into()) })
            }
            Laag => {
                let (r, o) = (old as i64).overflowing_add(b as i64);
                (r as u64, if o { 3 } else { cc_signed(r) })
            }
            Laal => {
                let w = old + b;
                (w & 0xffff_ffff, u8::from(w as u32 != 0) | (u8::from(w >> 32 != 0) << 1))
            }
            Laalg => {
                let (r, c) = old.overflowing_add(b);
                (r, u8::from(r != 0) | (u8::from(c) << 1))
            }
            Lan | Lang => (old & b, u8::from(old & b != 0)),
            Lao | Laog => (old | b, u8::from(old | b != 0)),
            _ => (old ^ b, u8::from(old ^ b != 0)),
        };
        if wide {
            self.wr64(addr, new)?;
            self.cpu.state.set_g(r1, old);
        } else {
            self.wr32(addr, new as u32)?;
            self.cpu.state.set_gr32(r1, old as u32);
        }
        self.arith_cc(cc)
    }

    /// High-word immediates: AIH, ALSIH, ALSIHN, CIH, CLIH.
    pub fn high_imm(&mut self, op: Op, r1: u8, imm: u32) -> Step {
        let h = self.cpu.state.grh(r1);
        match op {
            Op::Aih => {
                let (r, o) = (h as i32).overflowing_add(imm as i32);
                self.cpu.state.set_grh(r1, r as u32);
                self.arith_cc(if o { 3 } else { cc_signed(r.into()) })
            }
            Op::Alsih | Op::Alsihn => {
                // The signed immediate is added as a 32-bit two's-complement value; the
                // CC reports the carry out of that addition.
                let (r, carry) = h.overflowing_add(imm);
                self.cpu.state.set_grh(r1, r);
                if op == Op::Alsih {
                    self.set_cc(u8::from(r != 0) | (u8::from(carry) << 1));
                }
                Ok(())
            }
            Op::Cih => {
                self.set_cc(cc_cmp(h as i32, imm as i32));
                Ok(())
            }
            _ => {
                self.set_cc(cc_cmp(h, imm));
                Ok(())
            }
        }
    }

    /// RISBHG/RISBLG: rotate R2, insert selected bits into the high or low word of R1.
    pub fn rotate_selected_word(&mut self, op: Op, r1: u8, r2: u8, i3: u8, i4: u8, i5: u8) -> Step {
        let off = if op == Op::Risbhg { 0 } else { 32 };
        let rot = self.cpu.state.g(r2).rotate_left(u32::from(i5 & 63));
        let word = if off == 0 { 0xffff_ffff_0000_0000 } else { 0xffff_ffff };
        let mask = bit_range(off + (i3 & 31), off + (i4 & 31)) & word;
        let old = self.cpu.state.g(r1);
        let keep = if i4 & 0x80 != 0 { !word } else { !mask };
        self.cpu.state.set_g(r1, (old & keep) | (rot & mask));
        Ok(())
    }

    /// BXH/BXLE/BXHG/BXLEG/BRXHG/BRXLG: R1 += R3; compare with R3|1; branch.
    pub fn branch_on_index(&mut self, op: Op, r1: u8, r3: u8, target: u64) -> Step {
        use Op::*;
        let st = &mut self.cpu.state;
        let wide = matches!(op, Bxhg | Bxleg | Brxhg | Brxlg);
        let high = matches!(op, Bxh | Bxhg | Brxhg | Brxh);
        let taken = if wide {
            let (inc, cmp) = (st.g(r3) as i64, st.g(r3 | 1) as i64);
            let v = (st.g(r1) as i64).wrapping_add(inc);
            st.set_g(r1, v as u64);
            if high { v > cmp } else { v <= cmp }
        } else {
            let (inc, cmp) = (st.gr32(r3) as i32, st.gr32(r3 | 1) as i32);
            let v = (st.gr32(r1) as i32).wrapping_add(inc);
            st.set_gr32(r1, v as u32);
            if high { v > cmp } else { v <= cmp }
        };
        if taken {
            self.branch_to(target);
        }
        Ok(())
    }

    /// CDS/CDSY/CDSG: compare double and swap on an even/odd pair.
    pub fn compare_double_and_swap(&mut self, op: Op, r1: u8, r3: u8, addr: u64) -> Step {
        Self::even_pair(r1)?;
        Self::even_pair(r3)?;
        let wide = op == Op::Cdsg;
        let size = if wide { 16 } else { 8 };
        if !addr.is_multiple_of(size) {
            return Err(spec());
        }
        let st = &self.cpu.state;
        let pair = |a: u8| -> u128 {
            if wide {
                (u128::from(st.g(a)) << 64) | u128::from(st.g(a + 1))
            } else {
                (u128::from(st.gr32(a)) << 32) | u128::from(st.gr32(a + 1))
            }
        };
        let (cmp, new) = (pair(r1), pair(r3));
        let mut b = [0u8; 16];
        self.read(addr, &mut b[..size as usize])?;
        let cur = if wide {
            u128::from_be_bytes(b)
        } else {
            u128::from(u64::from_be_bytes(b[..8].try_into().unwrap_or([0; 8])))
        };
        if cur == cmp {
            let bytes = new.to_be_bytes();
            self.write(addr, if wide { &bytes[..] } else { &bytes[8..] })?;
            self.set_cc(0);
        } else {
            self.probe_write(addr, size as usize)?;
            let st = &mut self.cpu.state;
            if wide {
                st.set_g(r1, (cur >> 64) as u64);
                st.set_g(r1 + 1, cur as u64);
            } else {
                st.set_gr32(r1, (cur >> 32) as u32);
                st.set_gr32(r1 + 1, cur as u32);
            }
            self.set_cc(1);
        }
        Ok(())
    }

    /// LPQ/STPQ: quadword load/store on an even/odd pair (16-byte aligned).
    pub fn quadword(&mut self, op: Op, r1: u8, addr: u64) -> Step {
        Self::even_pair(r1)?;
        if !addr.is_multiple_of(16) {
            return Err(spec());
        }
        if op == Op::Stpq {
            let v = (u128::from(self.cpu.state.g(r1)) << 64) | u128::from(self.cpu.state.g(r1 + 1));
            return self.write(addr, &v.to_be_bytes());
        }
        let mut b = [0u8; 16];
        self.read(addr, &mut b)?;
        let v = u128::from_be_bytes(b);
        self.cpu.state.set_g(r1, (v >> 64) as u64);
        self.cpu.state.set_g(r1 + 1, v as u64);
        Ok(())
    }
}
