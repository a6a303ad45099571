//! The data-access translation memo: a small direct-mapped table from logical page to
//! absolute page for operand accesses, one for fetches and one for stores, filled after
//! an access passed every check (DAT, DAT protection, prefixing, key 0, low-address
//! protection, storage bound). It is valid only in the context it was filled in (the
//! PSW mode bits, ASCE, prefix and TLB purge count; see `Ctx`), so it is dropped
//! wherever the TLB is purged and whenever that context changes.
//!
//! The tables are large ([`SLOTS`] pages, 128 MiB of storage each) so that programs
//! sweeping over large arrays keep hitting them; dropping them is O(1): every tag carries
//! the memo's epoch in its low (page-offset) bits and a drop moves to the next epoch.

use pv_core::psw::{PSW_MASK_ASC, PSW_MASK_BA, PSW_MASK_DAT, PSW_MASK_EA, PSW_MASK_KEY};

use alloc::boxed::Box;
use alloc::vec;

use super::Cpu;

/// The PSW bits a translation depends on.
const MODE: u64 = PSW_MASK_DAT | PSW_MASK_KEY | PSW_MASK_ASC | PSW_MASK_EA | PSW_MASK_BA;

/// Entries per table (a power of two).
pub const SLOTS: usize = 1 << 15;

/// The tag of an empty entry: page 0 in epoch 0, which is never current.
const EMPTY: u64 = 0;

/// Epochs run from 1 to this one; after it the tables are cleared for real.
const LAST_EPOCH: u64 = 0xfff;

/// What a translation depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ctx {
    /// The PSW's [`MODE`] bits.
    mode: u64,
    /// The ASCE in effect (0 without DAT).
    asce: u64,
    /// The prefix register.
    prefix: u32,
    /// The TLB's purge count.
    tlb: u64,
}

impl Ctx {
    #[inline(always)]
    fn of(cpu: &Cpu) -> Self {
        let st = &cpu.state;
        let mode = st.psw.mask & MODE;
        let asce = if mode & PSW_MASK_DAT == 0 {
            0
        } else {
            match st.psw.asc() {
                2 => st.cr[7],
                3 => st.cr[13],
                _ => st.cr[1],
            }
        };
        Self { mode, asce, prefix: st.prefix, tlb: cpu.tlb.generation() }
    }
}

/// The memo of one CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataMemo {
    ctx: Ctx,
    /// Whether `ctx` is known to be the current context, so lookups skip comparing it:
    /// set by the straight run of `Cpu::run` (only pre-decoded instructions, which cannot
    /// change the context), cleared before anything else runs.
    trusted: bool,
    /// The current epoch (1..=[`LAST_EPOCH`]): entries of other epochs are empty.
    epoch: u64,
    /// (logical page | epoch, absolute page) for fetches, then for stores.
    pages: [Box<[(u64, u64)]>; 2],
}

impl Default for DataMemo {
    fn default() -> Self {
        let ctx = Ctx { mode: 0, asce: 0, prefix: 0, tlb: u64::MAX };
        // The tables get their memory on the first fill: many CPUs never run.
        Self { ctx, trusted: false, epoch: 1, pages: [Box::default(), Box::default()] }
    }
}

impl DataMemo {
    /// Drops every entry (by moving to the next epoch).
    pub fn purge(&mut self) {
        if self.epoch == LAST_EPOCH {
            self.pages.iter_mut().for_each(|t| t.fill((EMPTY, 0)));
            self.epoch = 0;
        }
        self.epoch += 1;
    }
}

#[inline(always)]
fn slot(logical: u64) -> usize {
    (logical >> 12) as usize % SLOTS
}

impl Cpu {
    /// The absolute address of operand byte `logical` if the memo holds its page for this
    /// kind of access in the current context.
    #[inline(always)]
    pub(crate) fn memo_data(&self, logical: u64, store: bool) -> Option<u64> {
        let m = &self.data_memo;
        let &(tag, abs) = m.pages[usize::from(store)].get(slot(logical))?;
        (tag == (logical & !0xfff) | m.epoch && (m.trusted || m.ctx == Ctx::of(self)))
            .then_some(abs | (logical & 0xfff))
    }

    /// Makes the memo's context the current one (dropping the entries of another) and
    /// trusts it until [`Self::memo_distrust`]: for a straight run of pre-decoded
    /// instructions, which cannot change it.
    #[inline(always)]
    pub(crate) fn memo_trust(&mut self) {
        let ctx = Ctx::of(self);
        let m = &mut self.data_memo;
        if m.ctx != ctx {
            m.purge();
            m.ctx = ctx;
        }
        m.trusted = true;
    }

    /// Stops trusting the memo's context.
    #[inline(always)]
    pub(crate) fn memo_distrust(&mut self) {
        self.data_memo.trusted = false;
    }

    /// Records that `logical` maps to absolute `abs` for this kind of access (the caller
    /// checked everything, with PSW key 0 and outside low-address protection's reach).
    pub(crate) fn memo_fill(&mut self, logical: u64, abs: u64, store: bool) {
        let ctx = Ctx::of(self);
        let m = &mut self.data_memo;
        if m.ctx != ctx {
            m.purge();
            m.ctx = ctx;
        }
        let table = &mut m.pages[usize::from(store)];
        if table.is_empty() {
            *table = vec![(EMPTY, 0); SLOTS].into_boxed_slice();
        }
        table[slot(logical)] = ((logical & !0xfff) | m.epoch, abs & !0xfff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purges_drop_entries_across_the_epoch_wrap() {
        let mut cpu = Cpu::new();
        assert_eq!(cpu.memo_data(0x5123, true), None, "no table before the first fill");
        cpu.memo_fill(0x5000, 0x9000, true);
        assert_eq!(cpu.memo_data(0x5123, true), Some(0x9123));
        assert_eq!(cpu.memo_data(0x5123, false), None, "stores and fetches apart");
        // An entry of the first epoch must not come back when the epoch number does.
        for i in 0..2 * LAST_EPOCH + 3 {
            cpu.data_memo.purge();
            assert_eq!(cpu.memo_data(0x5123, true), None, "purge {i}");
            let page = (i % 7) << 12;
            cpu.memo_fill(0x10_0000 + page, 0x20_0000 + page, false);
            assert_eq!(cpu.memo_data(0x10_0008 + page, false), Some(0x20_0008 + page));
        }
        // A slot shared by two pages holds the later one.
        let other = 0x5000 + (SLOTS as u64) * 4096;
        cpu.memo_fill(0x5000, 0x9000, true);
        cpu.memo_fill(other, 0xa000, true);
        assert_eq!((cpu.memo_data(0x5000, true), cpu.memo_data(other, true)), (None, Some(0xa000)));
    }
}
