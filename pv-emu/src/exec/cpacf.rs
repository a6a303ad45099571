//! CP Assist for Cryptographic Functions (Principles of Operation, chapter 7, "Message-
//! Security-Assist" instructions: KM, KMC, KMCTR, KMF, KMO, KIMD, KLMD, KMAC, PRNO, PCC,
//! PCKMO). pv-emu offers what qemu-s390x 7.2 offers: the query function (code 0) of
//! every instruction, KIMD/KLMD-SHA-512 (code 3) and PRNO-TRNG (code 114, filled from a
//! deterministic generator, [`super::Cpu::trng_state`]). Other function codes are
//! specification exceptions, as for unassigned ones.

use super::sha512;
use super::{Exec, Step};
use crate::decode::Op;
use crate::interrupt::{PgmCode, ProgramCheck};
use pv_core::Storage;

fn spec() -> super::Event {
    ProgramCheck::new(PgmCode::Specification).into()
}

/// The 16-byte query status word of `op`: bit n set when function code n is offered.
pub fn query_word(op: Op) -> [u8; 16] {
    let mut w = [0u8; 16];
    w[0] = 0x80;
    match op {
        Op::Kimd | Op::Klmd => w[0] |= 0x80 >> 3,
        Op::Prno => w[114 / 8] |= 0x80 >> (114 % 8),
        _ => {}
    }
    w
}

/// splitmix64: the deterministic stand-in for the true random number generator.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// Executes a message-security-assist instruction with register fields R1 and R2.
    pub fn cpacf(&mut self, op: Op, r1: u8, r2: u8) -> Step {
        if op == Op::Pckmo {
            self.privileged()?;
        }
        let fc = self.cpu.state.g(0) & 0x7f;
        match (op, fc) {
            (_, 0) => {
                let block = self.cpu.state.wrap(self.cpu.state.g(1));
                self.write(block, &query_word(op))?;
            }
            (Op::Kimd | Op::Klmd, 3) => self.sha512(op == Op::Klmd, r2)?,
            (Op::Prno, 114) => {
                self.trng_fill(r1)?;
                self.trng_fill(r2)?;
            }
            _ => return Err(spec()),
        }
        self.set_cc(0);
        Ok(())
    }

    /// The length in an odd register of a pair: 64 bits in the 64-bit mode, else 32.
    fn pair_len(&self, r: u8) -> u64 {
        let v = self.cpu.state.g(r);
        if self.cpu.state.amode() == pv_core::psw::AddressingMode::Bits64 {
            v
        } else {
            v & 0xffff_ffff
        }
    }

    fn set_pair(&mut self, r: u8, addr: u64, len: u64) {
        let st = &mut self.cpu.state;
        if st.amode() == pv_core::psw::AddressingMode::Bits64 {
            st.set_g(r, addr);
            st.set_g(r + 1, len);
        } else {
            st.set_gr32(r, addr as u32);
            st.set_gr32(r + 1, len as u32);
        }
    }

    /// KIMD/KLMD-SHA-512 on the operand R2/R2+1 with the parameter block at GR1.
    fn sha512(&mut self, last: bool, r2: u8) -> Step {
        if r2 == 0 || r2 & 1 != 0 {
            return Err(spec());
        }
        let pb = self.cpu.state.wrap(self.cpu.state.g(1));
        let mut raw = [0u8; 80];
        let plen = if last { 80 } else { 64 };
        self.read(pb, &mut raw[..plen])?;
        let mut h = [0u64; 8];
        for (i, x) in h.iter_mut().enumerate() {
            *x = u64::from_be_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        }
        let mut addr = self.cpu.state.wrap(self.cpu.state.g(r2));
        let mut len = self.pair_len(r2 + 1);
        if !last && !len.is_multiple_of(128) {
            return Err(spec());
        }
        let mut block = [0u8; 128];
        while len >= 128 {
            self.read(addr, &mut block)?;
            sha512::compress(&mut h, &block);
            addr = self.cpu.state.wrap(addr + 128);
            len -= 128;
        }
        if last {
            // The final partial block, the 0x80 pad byte and the 128-bit message length.
            let n = len as usize;
            let mut tail = [0u8; 256];
            self.read(addr, &mut tail[..n])?;
            tail[n] = 0x80;
            let total = if n < 112 { 128 } else { 256 };
            tail[total - 16..total].copy_from_slice(&raw[64..80]);
            for chunk in tail[..total].chunks_exact(128) {
                block.copy_from_slice(chunk);
                sha512::compress(&mut h, &block);
            }
            addr = self.cpu.state.wrap(addr + len);
            len = 0;
        }
        for (i, x) in h.iter().enumerate() {
            raw[i * 8..i * 8 + 8].copy_from_slice(&x.to_be_bytes());
        }
        self.write(pb, &raw[..64])?;
        self.set_pair(r2, addr, len);
        Ok(())
    }

    /// PRNO-TRNG: fills the operand R/R+1 (if its length is nonzero).
    fn trng_fill(&mut self, r: u8) -> Step {
        if r == 0 || r & 1 != 0 {
            return Err(spec());
        }
        let mut addr = self.cpu.state.wrap(self.cpu.state.g(r));
        let mut len = self.pair_len(r + 1);
        while len > 0 {
            let v = splitmix(&mut self.cpu.trng_state).to_be_bytes();
            let n = (len as usize).min(8);
            self.write(addr, &v[..n])?;
            addr = self.cpu.state.wrap(addr + n as u64);
            len -= n as u64;
        }
        self.set_pair(r, addr, 0);
        Ok(())
    }
}
