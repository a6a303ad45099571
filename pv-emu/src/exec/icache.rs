//! A cache of decoded instructions keyed by absolute address. An entry is valid only
//! while the storage reports the same write generation for its frame
//! ([`pv_core::Storage::frame_generation`]), so stores by this CPU, other CPUs or the
//! host invalidate it; storage without generations is never cached. Each entry also keeps
//! the instruction's [`Pre`] form.
//!
//! Instruction fetch memoizes the translation of the page it last fetched from (logical
//! page to absolute page, with the PSW mode bits, ASCE, prefix and TLB purge count it
//! depends on), so DAT and prefixing run once per page rather than once per instruction.

use alloc::boxed::Box;
use alloc::vec;

use pv_core::psw::{PSW_MASK_ASC, PSW_MASK_BA, PSW_MASK_DAT, PSW_MASK_EA, PSW_MASK_KEY};
use pv_core::{GuestAbs, Storage};

use super::block::Blocks;
use super::predecode::{Pre, pre_decode};
use super::{Cpu, Event, Exec, Step, Tracer};
use crate::decode::{Insn, insn_len};
use crate::interrupt::{PgmCode, ProgramCheck};

/// The PSW bits an instruction-fetch translation depends on.
const MODE: u64 = PSW_MASK_DAT | PSW_MASK_KEY | PSW_MASK_ASC | PSW_MASK_EA | PSW_MASK_BA;

const SLOTS: usize = 4096;

/// The tag of an empty slot (no instruction has an odd absolute address).
const EMPTY: u64 = u64::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    abs: u64,
    generation: u64,
    insn: Insn,
    pre: Pre,
    len: u8,
}

/// The memoized translation of the page instruction fetch last used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FetchMemo {
    /// Logical page address ([`EMPTY`] when there is none).
    page: u64,
    /// The PSW's [`MODE`] bits.
    mode: u64,
    /// The ASCE in effect (0 without DAT).
    asce: u64,
    /// The prefix register.
    prefix: u32,
    /// The TLB's purge count.
    tlb: u64,
    /// The absolute page address.
    abs: u64,
}

const NO_MEMO: FetchMemo = FetchMemo { page: EMPTY, mode: 0, asce: 0, prefix: 0, tlb: 0, abs: 0 };

/// The decoded-instruction cache of one CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ICache {
    entries: Box<[Entry; SLOTS + 1]>,
    memo: FetchMemo,
    /// Straight-line runs of pre-decoded instructions.
    pub(crate) blocks: Blocks,
}

impl Default for ICache {
    fn default() -> Self {
        let blank =
            Entry { abs: EMPTY, generation: 0, insn: Insn::BLANK, pre: Pre::GENERIC, len: 2 };
        // One more slot than the hash uses: it holds instructions that are not cached.
        let entries = vec![blank; SLOTS + 1].into_boxed_slice();
        let Ok(entries) = entries.try_into() else { unreachable!("SLOTS + 1 entries") };
        Self { entries, memo: NO_MEMO, blocks: Blocks::default() }
    }
}

/// The ASCE instruction fetch translates with (0 without DAT).
#[inline]
fn fetch_asce(cpu: &Cpu) -> u64 {
    let st = &cpu.state;
    if st.psw.mask & PSW_MASK_DAT == 0 {
        return 0;
    }
    match st.psw.asc() {
        2 => st.cr[7],
        3 => st.cr[13],
        _ => st.cr[1],
    }
}

impl ICache {
    #[inline]
    fn slot(abs: u64) -> usize {
        (abs >> 1) as usize % SLOTS
    }

    /// The slot holding the instruction at `abs` if it is cached with `generation`.
    #[inline]
    fn lookup(&self, abs: u64, generation: u64) -> Option<usize> {
        let i = Self::slot(abs);
        let e = &self.entries[i];
        (e.abs == abs && e.generation == generation).then_some(i)
    }

    /// Stores a decoded instruction: cached under `abs` with `generation`, or in the
    /// scratch slot with `None`. Returns its slot.
    fn insert(&mut self, abs: u64, generation: Option<u64>, insn: Insn) -> usize {
        let len = insn.len() as u8;
        // An instruction that is not cached runs once: it is not worth pre-decoding.
        let (i, abs, generation, pre) = match generation {
            Some(g) => (Self::slot(abs), abs, g, pre_decode(&insn)),
            None => (SLOTS, EMPTY, 0, Pre::GENERIC),
        };
        self.entries[i] = Entry { abs, generation, insn, pre, len };
        i
    }

    /// The decoded instruction in slot `i` (a no-op BCR for a slot that does not
    /// exist; callers pass slots they got from this cache).
    #[inline]
    pub(crate) fn insn(&self, i: usize) -> Insn {
        self.entries.get(i).map_or(Insn::BLANK, |e| e.insn)
    }

    /// The decoded instruction in slot `i`, by reference.
    #[inline]
    pub(crate) fn insn_ref(&self, i: usize) -> &Insn {
        &self.entries[i].insn
    }

    /// The pre-decoded form of the instruction in slot `i`.
    #[inline]
    pub(crate) fn pre(&self, i: usize) -> Pre {
        self.entries[i].pre
    }

    /// Drops every entry and the fetch memo.
    pub fn purge(&mut self) {
        self.entries.iter_mut().for_each(|e| e.abs = EMPTY);
        self.memo = NO_MEMO;
        self.blocks.purge();
    }
}

impl Cpu {
    /// The absolute address of the instruction at logical `addr` if the fetch memo
    /// covers its page.
    #[inline]
    fn memo_fetch(&self, addr: u64) -> Option<u64> {
        let m = &self.icache.memo;
        let st = &self.state;
        (m.page == addr & !0xfff
            && m.mode == st.psw.mask & MODE
            && m.prefix == st.prefix
            && m.tlb == self.tlb.generation()
            && m.asce == fetch_asce(self))
        .then_some(m.abs | (addr & 0xfff))
    }
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// The absolute address of an instruction at `addr` that does not cross a page:
    /// the checks of an instruction fetch (DAT, prefixing, key-controlled protection),
    /// memoized per page when the PSW key is 0.
    #[inline]
    fn fetch_abs(&mut self, addr: u64) -> Result<u64, ProgramCheck> {
        if let Some(abs) = self.cpu.memo_fetch(addr) {
            return Ok(abs);
        }
        self.fetch_abs_slow(addr)
    }

    #[inline(never)]
    fn fetch_abs_slow(&mut self, addr: u64) -> Result<u64, ProgramCheck> {
        let st = &self.cpu.state;
        // Without DAT and with key 0 the check is prefixing alone (the storage bound is
        // checked by the caller).
        let abs = if st.psw.mask & (PSW_MASK_DAT | PSW_MASK_KEY) == 0 {
            st.prefixed(addr)
        } else {
            self.check_insn_page(addr)?
        };
        let cpu = &mut *self.cpu;
        if cpu.state.psw.mask & PSW_MASK_KEY == 0 && (abs | 0xfff) < self.mem.size() {
            cpu.icache.memo = FetchMemo {
                page: addr & !0xfff,
                mode: cpu.state.psw.mask & MODE,
                asce: fetch_asce(cpu),
                prefix: cpu.state.prefix,
                tlb: cpu.tlb.generation(),
                abs: abs & !0xfff,
            };
        }
        Ok(abs)
    }

    /// The common case of [`Self::fetch_insn`]: the instruction is in the cache and its
    /// page in the fetch memo. Returns its slot and sets [`Exec::len`].
    #[inline(always)]
    pub(crate) fn fetch_cached(&mut self, addr: u64) -> Option<(usize, Pre)> {
        if addr & 1 != 0 || addr % 4096 > 4090 || self.cpu.state.wrap(addr) != addr {
            return None;
        }
        let abs = self.cpu.memo_fetch(addr)?;
        if abs + 6 > self.mem.size() {
            return None;
        }
        let g = self.mem.frame_generation(GuestAbs(abs))?;
        let i = self.cpu.icache.lookup(abs, g)?;
        let e = &self.cpu.icache.entries[i];
        self.len = e.len;
        Some((i, e.pre))
    }

    /// The absolute address of the instruction at `addr` if the fetch memo covers it
    /// and the whole instruction lies in the page (`trusted`: the memo's context is
    /// known to be unchanged, see [`Self::fetch_same_context`]).
    #[inline(always)]
    pub(crate) fn memo_covers(&self, addr: u64, trusted: bool) -> Option<u64> {
        if trusted {
            let m = &self.cpu.icache.memo;
            let off = addr ^ m.page;
            return (off <= 4090 && off & 1 == 0).then_some(m.abs | off);
        }
        if addr & 1 != 0 || addr % 4096 > 4090 || self.cpu.state.wrap(addr) != addr {
            return None;
        }
        self.cpu.memo_fetch(addr)
    }

    /// [`Self::fetch_cached`] when the caller knows that the fetch memo's context (PSW
    /// mode bits, prefix, ASCE, TLB) has not changed since it was last checked: only the
    /// page is compared. A memoized page lies wholly inside storage.
    #[inline(always)]
    pub(crate) fn fetch_same_context(&mut self, addr: u64) -> Option<(usize, Pre)> {
        let m = &self.cpu.icache.memo;
        // The offset in the memoized page, or a large number for another page.
        let off = addr ^ m.page;
        if off > 4090 || off & 1 != 0 {
            return None;
        }
        let abs = m.abs | off;
        let g = self.mem.frame_generation(GuestAbs(abs))?;
        let i = self.cpu.icache.lookup(abs, g)?;
        let e = &self.cpu.icache.entries[i];
        self.len = e.len;
        Some((i, e.pre))
    }

    /// Fetches the instruction at `addr` and decodes it (or finds it in the cache):
    /// `Ok(None)` when the bytes are no known instruction (an operation exception once the
    /// PSW is updated), else the cache slot that holds it. Sets [`Exec::len`].
    #[inline(never)]
    pub fn fetch_insn(&mut self, addr: u64) -> Result<Option<usize>, Event> {
        if addr & 1 != 0 {
            return Err(ProgramCheck::new(PgmCode::Specification).into());
        }
        let mut buf = [0u8; 6];
        let in_page = addr % 4096 <= 4090 && self.cpu.state.wrap(addr) == addr;
        if in_page {
            // One check covers the whole instruction: it cannot leave the page.
            let abs = self.fetch_abs(addr)?;
            if abs + 6 <= self.mem.size() {
                let generation = self.mem.frame_generation(GuestAbs(abs));
                if let Some(g) = generation
                    && let Some(i) = self.cpu.icache.lookup(abs, g)
                {
                    self.len = self.cpu.icache.entries[i].len;
                    return Ok(Some(i));
                }
                self.mem.read(GuestAbs(abs), &mut buf).map_err(ProgramCheck::from)?;
                self.len = insn_len(buf[0]) as u8;
                let Ok(insn) = Insn::decode(&buf) else { return Ok(None) };
                return Ok(Some(self.cpu.icache.insert(abs, generation, insn)));
            }
        }
        // Near a page end or the end of storage: fetch exactly the instruction's bytes.
        self.read(addr, &mut buf[..2])?;
        let len = insn_len(buf[0]);
        self.len = len as u8;
        self.read(addr.wrapping_add(2), &mut buf[2..len])?;
        let Ok(insn) = Insn::decode(&buf[..]) else { return Ok(None) };
        Ok(Some(self.cpu.icache.insert(0, None, insn)))
    }

    /// Fetches, decodes and executes the instruction at `addr` (the current PSW
    /// address). The PSW is updated before execution: suppressed and completed conditions
    /// report the next instruction; nullifying ones are rewound on delivery. An
    /// intercepted instruction is left in [`Exec::executed`].
    #[inline(always)]
    pub fn fetch_and_run<T: Tracer + ?Sized>(&mut self, addr: u64, tracer: &mut T) -> Step {
        let slot = match self.fetch_cached(addr) {
            Some((i, _)) => Some(i),
            None => self.fetch_insn(addr)?,
        };
        let next = self.cpu.state.wrap(addr.wrapping_add(u64::from(self.len)));
        self.cpu.state.psw.addr = next;
        let Some(slot) = slot else {
            return Err(Event::Program(ProgramCheck::new(PgmCode::Operation)));
        };
        let pre = self.cpu.icache.entries[slot].pre;
        tracer.instruction(addr, &self.cpu.icache.entries[slot].insn);
        match self.run_pre(slot, &pre) {
            Err(Event::Intercept) => {
                if self.executed.is_none() {
                    self.executed = Some(self.cpu.icache.insn(slot));
                }
                Err(Event::Intercept)
            }
            r => r,
        }
    }
}
