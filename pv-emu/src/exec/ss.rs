//! Storage-to-storage instructions with an 8-bit length (MVC, MVN, MVZ, NC, CLC, OC, XC,
//! TR, MVCIN) (Principles of Operation, chapter 7). Operands are processed left to right
//! one byte at a time as the architecture defines, so overlapping operands give the
//! architected result (MVC with the destination one byte past the source propagates a
//! byte).

use super::arith::cc_cmp;
use super::{Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// Executes an SS-a instruction: `len` bytes (1-256) at `a1` and `a2`.
    pub fn ss_a(&mut self, op: Op, len: usize, a1: u64, a2: u64) -> Step {
        let mut src = [0u8; 256];
        let mut dst = [0u8; 256];
        if op == Op::Tr {
            self.read(a1, &mut dst[..len])?;
            for b in dst[..len].iter_mut() {
                *b = self.rd8(a2.wrapping_add(u64::from(*b)))?;
            }
            return self.write(a1, &dst[..len]);
        }
        if op == Op::Mvcin {
            self.read(a2.wrapping_sub(len as u64 - 1), &mut src[..len])?;
            src[..len].reverse();
            return self.write(a1, &src[..len]);
        }
        self.read(a2, &mut src[..len])?;
        if op == Op::Clc {
            self.read(a1, &mut dst[..len])?;
            self.set_cc(cc_cmp(&dst[..len], &src[..len]));
            return Ok(());
        }
        if op != Op::Mvc {
            self.read(a1, &mut dst[..len])?;
        } else {
            self.probe_write(a1, len)?;
        }
        let wrap = |x: u64| self.cpu.state.wrap(x);
        let mut nonzero = false;
        for i in 0..len {
            // A source byte inside the part of the destination already stored reads the
            // stored value.
            let s = wrap(a2.wrapping_add(i as u64));
            let back = s.wrapping_sub(a1);
            let b = if back < i as u64 { dst[back as usize] } else { src[i] };
            dst[i] = match op {
                Op::Mvc => b,
                Op::Mvn => (dst[i] & 0xf0) | (b & 0x0f),
                Op::Mvz => (dst[i] & 0x0f) | (b & 0xf0),
                Op::Nc => dst[i] & b,
                Op::Oc => dst[i] | b,
                Op::Xc => dst[i] ^ b,
                _ => return Err(ProgramCheck::new(PgmCode::Operation).into()),
            };
            nonzero |= dst[i] != 0;
        }
        self.write(a1, &dst[..len])?;
        if matches!(op, Op::Nc | Op::Oc | Op::Xc) {
            self.set_cc(u8::from(nonzero));
        }
        Ok(())
    }
}
