//! Operand addressing and storage access (Principles of Operation, chapter 3, "Storage":
//! address generation and wraparound, prefixing, key-controlled and low-address
//! protection). Accesses are split at 4 KiB boundaries; a store checks every page before
//! it changes any byte, so a failing operand leaves storage unchanged.

use pv_core::storage::{SKEY_FETCH, check_range};
use pv_core::{GuestAbs, Storage};

use super::{Exec, Step};
use crate::cpu::CR0_LOW_ADDRESS_PROTECTION;
use crate::interrupt::{PgmCode, ProgramCheck, teid};

const PAGE: u64 = 4096;

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// The effective address `D(X,B)` wrapped to the addressing mode (register 0 as X or B
    /// means "none").
    #[inline]
    pub fn ea(&self, x: u8, b: u8, d: i64) -> u64 {
        let st = &self.cpu.state;
        let mut a = d as u64;
        if x != 0 {
            a = a.wrapping_add(st.g(x));
        }
        if b != 0 {
            a = a.wrapping_add(st.g(b));
        }
        st.wrap(a)
    }

    /// Logical to absolute for one byte address: DAT (when on), then prefixing.
    #[inline]
    fn absolute(&mut self, logical: u64, store: bool) -> Result<u64, ProgramCheck> {
        let real =
            if self.cpu.state.psw.is_dat() { self.translate(logical, store)? } else { logical };
        Ok(self.cpu.state.prefixed(real))
    }

    /// Checks one page chunk of an access and returns its absolute address.
    #[inline]
    fn check_chunk(&mut self, logical: u64, len: usize, store: bool) -> Result<u64, ProgramCheck> {
        let st = &self.cpu.state;
        if store && st.cr[0] & CR0_LOW_ADDRESS_PROTECTION != 0 && logical & !0x1000 < 512 {
            // Low-address protection covers real addresses, and virtual addresses of
            // spaces whose ASCE is not private.
            let private = st.psw.is_dat() && st.cr[1] & super::dat::ASCE_PRIVATE != 0;
            if !private {
                let t =
                    (logical & !0xfff) | teid::B56_LAP | teid::FSI_STORE | u64::from(st.psw.asc());
                return Err(ProgramCheck::with_teid(PgmCode::Protection, t));
            }
        }
        let abs = self.absolute(logical, store)?;
        check_range(self.mem.size(), GuestAbs(abs), len)?;
        let key = self.cpu.state.psw.key();
        if key != 0 {
            let sk = self.mem.storage_key(GuestAbs(abs))?;
            if sk >> 4 != key && (store || sk & SKEY_FETCH != 0) {
                let asc = u64::from(self.cpu.state.psw.asc());
                let t = (logical & !0xfff) | teid::B60_KEY | teid::fsi(store) | asc;
                return Err(ProgramCheck::with_teid(PgmCode::Protection, t));
            }
        } else if (abs | 0xfff) < self.mem.size() && (!store || logical & !0x1fff != 0) {
            // With key 0 nothing else is checked: memoize the page (for stores only
            // outside the two pages low-address protection may cover).
            self.cpu.memo_fill(logical, abs, store);
        }
        Ok(abs)
    }

    /// The fast path of single-page operand accesses: `Some` when the page is in the
    /// data memo ([`super::memo`]), with the outcome of the storage access.
    #[inline(always)]
    fn access_memoized(&mut self, addr: u64, len: usize, store: bool) -> Option<(u64, &mut S)> {
        if (addr % PAGE) as usize + len > PAGE as usize || self.cpu.state.wrap(addr) != addr {
            return None;
        }
        let abs = self.cpu.memo_data(addr, store)?;
        Some((abs, &mut *self.mem))
    }

    /// Calls `f(offset, absolute, len)` for each page chunk of `len` bytes at `addr`, after
    /// checking all of them.
    fn chunks(
        &mut self,
        addr: u64,
        len: usize,
        store: bool,
        mut f: impl FnMut(&mut S, usize, u64, usize) -> Result<(), pv_core::StorageFault>,
    ) -> Step {
        let mut list = [(0usize, 0u64, 0usize); 4];
        let mut n = 0;
        let mut off = 0usize;
        while off < len {
            let a = self.cpu.state.wrap(addr.wrapping_add(off as u64));
            let room = (PAGE - (a % PAGE)) as usize;
            let take = room.min(len - off);
            let abs = self.check_chunk(a, take, store)?;
            if n == list.len() {
                // Long operands: perform what was checked so far and continue.
                for &(o, ab, l) in &list[..n] {
                    f(self.mem, o, ab, l).map_err(ProgramCheck::from)?;
                }
                n = 0;
            }
            list[n] = (off, abs, take);
            n += 1;
            off += take;
        }
        for &(o, ab, l) in &list[..n] {
            f(self.mem, o, ab, l).map_err(ProgramCheck::from)?;
        }
        Ok(())
    }

    /// Checks an instruction fetch of the first halfword at `addr` and returns its
    /// absolute address.
    pub(crate) fn check_insn_page(&mut self, addr: u64) -> Result<u64, ProgramCheck> {
        self.check_chunk(addr, 2, false)
    }

    /// Instruction fetch.
    pub fn fetch(&mut self, addr: u64, buf: &mut [u8]) -> Step {
        if addr & 1 != 0 {
            return Err(ProgramCheck::new(PgmCode::Specification).into());
        }
        self.read(addr, buf)
    }

    /// Whether `len` bytes at `addr` stay inside one page without wrapping.
    #[inline]
    fn in_one_page(&self, addr: u64, len: usize) -> bool {
        (addr % PAGE) as usize + len <= PAGE as usize && self.cpu.state.wrap(addr) == addr
    }

    /// Reads `buf.len()` bytes at logical address `addr`.
    #[inline]
    pub fn read(&mut self, addr: u64, buf: &mut [u8]) -> Step {
        let len = buf.len();
        if len > 0 && self.in_one_page(addr, len) {
            let abs = self.check_chunk(addr, len, false)?;
            return Ok(self.mem.read(GuestAbs(abs), buf).map_err(ProgramCheck::from)?);
        }
        self.chunks(addr, len, false, |m, o, ab, l| m.read(GuestAbs(ab), &mut buf[o..o + l]))
    }

    /// Writes `data` at logical address `addr`.
    #[inline]
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Step {
        let len = data.len();
        if len > 0 && self.in_one_page(addr, len) {
            let abs = self.check_chunk(addr, len, true)?;
            return Ok(self.mem.write(GuestAbs(abs), data).map_err(ProgramCheck::from)?);
        }
        self.chunks(addr, len, true, |m, o, ab, l| m.write(GuestAbs(ab), &data[o..o + l]))
    }

    /// Checks that `len` bytes at `addr` could be stored, without storing.
    pub fn probe_write(&mut self, addr: u64, len: usize) -> Step {
        self.chunks(addr, len, true, |_, _, _, _| Ok(()))
    }

    /// Reads `N` bytes (an operand of one instruction), through the data memo when it
    /// can.
    #[inline(always)]
    pub(crate) fn rd_n<const N: usize>(&mut self, addr: u64) -> Result<[u8; N], ProgramCheck> {
        let mut b = [0u8; N];
        match self.access_memoized(addr, N, false) {
            Some((abs, mem)) => mem.read(GuestAbs(abs), &mut b).map_err(ProgramCheck::from)?,
            None => self.read(addr, &mut b).map_err(unwrap_pgm)?,
        }
        Ok(b)
    }

    /// Writes `N` bytes (an operand of one instruction), through the data memo when it
    /// can.
    #[inline(always)]
    pub(crate) fn wr_n<const N: usize>(&mut self, addr: u64, b: [u8; N]) -> Step {
        match self.access_memoized(addr, N, true) {
            Some((abs, mem)) => {
                mem.write(GuestAbs(abs), &b).map_err(ProgramCheck::from)?;
                self.touched |= abs & !(PAGE - 1) == self.code_page;
                Ok(())
            }
            None => {
                self.touched = true;
                self.write(addr, &b)
            }
        }
    }

    /// Reads one byte.
    #[inline]
    pub fn rd8(&mut self, addr: u64) -> Result<u8, ProgramCheck> {
        Ok(self.rd_n::<1>(addr)?[0])
    }

    /// Reads a big-endian halfword.
    #[inline]
    pub fn rd16(&mut self, addr: u64) -> Result<u16, ProgramCheck> {
        Ok(u16::from_be_bytes(self.rd_n(addr)?))
    }

    /// Reads a big-endian word.
    #[inline]
    pub fn rd32(&mut self, addr: u64) -> Result<u32, ProgramCheck> {
        Ok(u32::from_be_bytes(self.rd_n(addr)?))
    }

    /// Reads a big-endian doubleword.
    #[inline]
    pub fn rd64(&mut self, addr: u64) -> Result<u64, ProgramCheck> {
        Ok(u64::from_be_bytes(self.rd_n(addr)?))
    }

    /// Writes one byte.
    #[inline]
    pub fn wr8(&mut self, addr: u64, v: u8) -> Step {
        self.wr_n(addr, [v])
    }

    /// Writes a big-endian halfword.
    #[inline]
    pub fn wr16(&mut self, addr: u64, v: u16) -> Step {
        self.wr_n(addr, v.to_be_bytes())
    }

    /// Writes a big-endian word.
    #[inline]
    pub fn wr32(&mut self, addr: u64, v: u32) -> Step {
        self.wr_n(addr, v.to_be_bytes())
    }

    /// Writes a big-endian doubleword.
    #[inline]
    pub fn wr64(&mut self, addr: u64, v: u64) -> Step {
        self.wr_n(addr, v.to_be_bytes())
    }
}

/// Storage helpers only raise program checks; unwraps the event.
fn unwrap_pgm(e: super::Event) -> ProgramCheck {
    match e {
        super::Event::Program(p) => p,
        _ => ProgramCheck::new(PgmCode::Addressing),
    }
}
