//! A cache of decoded instructions keyed by absolute address. An entry is valid only
//! while the storage reports the same write generation for its frame
//! ([`pv_core::Storage::frame_generation`]), so stores by this CPU, other CPUs or the
//! host invalidate it; storage without generations is never cached.

use alloc::vec;
use alloc::vec::Vec;

use pv_core::{GuestAbs, Storage};

use super::{Event, Exec};
use crate::decode::{Insn, insn_len};
use crate::interrupt::{PgmCode, ProgramCheck};

const SLOTS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    abs: u64,
    generation: u64,
    insn: Insn,
}

/// The decoded-instruction cache of one CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ICache {
    entries: Vec<Option<Entry>>,
}

impl Default for ICache {
    fn default() -> Self {
        Self { entries: vec![None; SLOTS] }
    }
}

impl ICache {
    fn slot(abs: u64) -> usize {
        (abs >> 1) as usize % SLOTS
    }

    fn lookup(&self, abs: u64, generation: u64) -> Option<Insn> {
        self.entries[Self::slot(abs)]
            .filter(|e| e.abs == abs && e.generation == generation)
            .map(|e| e.insn)
    }

    fn insert(&mut self, abs: u64, generation: u64, insn: Insn) {
        self.entries[Self::slot(abs)] = Some(Entry { abs, generation, insn });
    }

    /// Drops every entry.
    pub fn purge(&mut self) {
        self.entries.iter_mut().for_each(|e| *e = None);
    }
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// Fetches the instruction at `addr` into `buf` and decodes it: `Ok(None)` when the
    /// bytes are no known instruction (an operation exception once the PSW is updated).
    /// Sets [`Exec::len`].
    pub fn fetch_insn(&mut self, addr: u64, buf: &mut [u8; 6]) -> Result<Option<Insn>, Event> {
        if addr & 1 != 0 {
            return Err(ProgramCheck::new(PgmCode::Specification).into());
        }
        let in_page = addr % 4096 <= 4090 && self.cpu.state.wrap(addr) == addr;
        if in_page {
            // One check covers the whole instruction: it cannot leave the page.
            let abs = self.check_insn_page(addr)?;
            if abs + 6 <= self.mem.size() {
                let generation = self.mem.frame_generation(GuestAbs(abs));
                if let Some(g) = generation
                    && let Some(insn) = self.cpu.icache.lookup(abs, g)
                {
                    self.len = insn.len() as u8;
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
