//! The data-access translation memo: a small direct-mapped table from logical page to
//! absolute page for operand accesses, one for fetches and one for stores, filled after
//! an access passed every check (DAT, DAT protection, prefixing, key 0, low-address
//! protection, storage bound). It is valid only in the context it was filled in (the
//! PSW mode bits, ASCE, prefix and TLB purge count; see `Ctx`), so it is dropped
//! wherever the TLB is purged and whenever that context changes.

use pv_core::psw::{PSW_MASK_ASC, PSW_MASK_BA, PSW_MASK_DAT, PSW_MASK_EA, PSW_MASK_KEY};

use super::Cpu;

/// The PSW bits a translation depends on.
const MODE: u64 = PSW_MASK_DAT | PSW_MASK_KEY | PSW_MASK_ASC | PSW_MASK_EA | PSW_MASK_BA;

/// Entries per table (a power of two).
const SLOTS: usize = 64;

/// The tag of an empty entry (no page address has its low bits set).
const EMPTY: u64 = u64::MAX;

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
    /// (logical page, absolute page) for fetches, then for stores.
    pages: [[(u64, u64); SLOTS]; 2],
}

impl Default for DataMemo {
    fn default() -> Self {
        let ctx = Ctx { mode: 0, asce: 0, prefix: 0, tlb: u64::MAX };
        Self { ctx, trusted: false, pages: [[(EMPTY, 0); SLOTS]; 2] }
    }
}

impl DataMemo {
    /// Drops every entry.
    pub fn purge(&mut self) {
        self.pages = [[(EMPTY, 0); SLOTS]; 2];
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
        let (tag, abs) = m.pages[usize::from(store)][slot(logical)];
        (tag == logical & !0xfff && (m.trusted || m.ctx == Ctx::of(self)))
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
        m.pages[usize::from(store)][slot(logical)] = (logical & !0xfff, abs & !0xfff);
    }
}
