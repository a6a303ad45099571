//! A cache of decoded instructions keyed by absolute address. An entry is valid only
//! while the storage reports the same write generation for its frame
//! ([`pv_core::Storage::frame_generation`]), so stores by this CPU, other CPUs or the
//! host invalidate it; storage without generations is never cached.

use alloc::vec;
use alloc::vec::Vec;

use pv_core::psw::{PSW_MASK_DAT, PSW_MASK_KEY};
use pv_core::{GuestAbs, Storage};

use super::{Event, Exec};
use crate::decode::{Insn, insn_len};
use crate::interrupt::{PgmCode, ProgramCheck};

const SLOTS: usize = 4096;

/// The tag of an empty slot (no instruction has an odd absolute address).
const EMPTY: u64 = u64::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    abs: u64,
    generation: u64,
    insn: Insn,
    len: u8,
}

/// The decoded-instruction cache of one CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ICache {
    entries: Vec<Entry>,
}

impl Default for ICache {
    fn default() -> Self {
        let blank = Entry { abs: EMPTY, generation: 0, insn: Insn::BLANK, len: 2 };
        Self { entries: vec![blank; SLOTS] }
    }
}

impl ICache {
    #[inline]
    fn slot(abs: u64) -> usize {
        (abs >> 1) as usize % SLOTS
    }

    #[inline]
    fn lookup(&self, abs: u64, generation: u64) -> Option<(Insn, u8)> {
        let e = &self.entries[Self::slot(abs)];
        (e.abs == abs && e.generation == generation).then_some((e.insn, e.len))
    }

    fn insert(&mut self, abs: u64, generation: u64, insn: Insn) {
        let len = insn.len() as u8;
        self.entries[Self::slot(abs)] = Entry { abs, generation, insn, len };
    }

    /// Drops every entry.
    pub fn purge(&mut self) {
        self.entries.iter_mut().for_each(|e| e.abs = EMPTY);
    }
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// Fetches the instruction at `addr` into `buf` and decodes it: `Ok(None)` when the
    /// bytes are no known instruction (an operation exception once the PSW is updated).
    /// Sets [`Exec::len`].
    #[inline]
    pub fn fetch_insn(&mut self, addr: u64, buf: &mut [u8; 6]) -> Result<Option<Insn>, Event> {
        if addr & 1 != 0 {
            return Err(ProgramCheck::new(PgmCode::Specification).into());
        }
        let st = &self.cpu.state;
        let in_page = addr % 4096 <= 4090 && st.wrap(addr) == addr;
        if in_page {
            // One check covers the whole instruction: it cannot leave the page. Without
            // DAT and with key 0 the check is prefixing alone (the storage bound is
            // checked below).
            let abs = if st.psw.mask & (PSW_MASK_DAT | PSW_MASK_KEY) == 0 {
                st.prefixed(addr)
            } else {
                self.check_insn_page(addr)?
            };
            if abs + 6 <= self.mem.size() {
                let generation = self.mem.frame_generation(GuestAbs(abs));
                if let Some(g) = generation
                    && let Some((insn, len)) = self.cpu.icache.lookup(abs, g)
                {
                    self.len = len;
                    return Ok(Some(insn));
                }
                self.mem.read(GuestAbs(abs), buf).map_err(ProgramCheck::from)?;
                self.len = insn_len(buf[0]) as u8;
                let insn = Insn::decode(buf).ok();
                if let (Some(g), Some(i)) = (generation, insn) {
                    self.cpu.icache.insert(abs, g, i);
                }
                return Ok(insn);
            }
        }
        // Near a page end or the end of storage: fetch exactly the instruction's bytes.
        self.read(addr, &mut buf[..2])?;
        let len = insn_len(buf[0]);
        self.len = len as u8;
        self.read(addr.wrapping_add(2), &mut buf[2..len])?;
        Ok(Insn::decode(&buf[..]).ok())
    }
}
