//! Dynamic address translation (Principles of Operation, chapter 3, "Dynamic Address
//! Translation"): the address-space-control element from CR1 (primary), CR7 (secondary)
//! or CR13 (home), region-first/second/third and segment tables with their length and
//! offset checks, 4 KiB page tables, DAT protection, and a direct-mapped software TLB
//! that PTLB, IPTE, IDTE and loads of the ASCE control registers purge. EDAT large
//! frames are not modelled (facility 8 is not offered).

use alloc::vec;
use alloc::vec::Vec;

use pv_core::{GuestAbs, Storage};

use super::Exec;
use crate::interrupt::{PgmCode, ProgramCheck, teid as tb};

/// ASCE/region-entry origin mask.
const ORIGIN: u64 = !0xfff;
/// ASCE real-space control.
const ASCE_REAL: u64 = 0x20;
/// ASCE private-space control.
pub const ASCE_PRIVATE: u64 = 0x100;
/// Region/segment entry invalid bit.
const TABLE_INVALID: u64 = 0x20;
/// Region/segment entry protection bit.
const TABLE_PROTECT: u64 = 0x200;
/// Segment entry format control (large frame).
const SEGMENT_LARGE: u64 = 0x400;
/// Page-table entry invalid bit.
pub const PAGE_INVALID: u64 = 0x400;
/// Page-table entry protection bit.
const PAGE_PROTECT: u64 = 0x200;

const TLB_SIZE: usize = 256;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct TlbEntry {
    /// Virtual page address | 1 (valid).
    tag: u64,
    asce: u64,
    frame: u64,
    protect: bool,
}

/// A direct-mapped translation lookaside buffer (real frames by ASCE and page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlb {
    entries: Vec<TlbEntry>,
    /// Bumped by every purge (so translations memoized elsewhere can be dropped with it).
    generation: u64,
}

impl Default for Tlb {
    fn default() -> Self {
        Self { entries: vec![TlbEntry::default(); TLB_SIZE], generation: 0 }
    }
}

impl Tlb {
    /// Drops every entry.
    pub fn purge(&mut self) {
        self.entries.iter_mut().for_each(|e| *e = TlbEntry::default());
        self.generation = self.generation.wrapping_add(1);
    }

    /// The number of purges so far (a translation taken from the TLB stays valid while it
    /// is unchanged).
    #[inline]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    #[inline]
    fn slot(va: u64) -> usize {
        ((va >> 12) as usize) % TLB_SIZE
    }

    #[inline]
    fn lookup(&self, asce: u64, va: u64) -> Option<(u64, bool)> {
        let e = &self.entries[Self::slot(va)];
        (e.tag == (va & ORIGIN) | 1 && e.asce == asce).then_some((e.frame, e.protect))
    }

    fn insert(&mut self, asce: u64, va: u64, frame: u64, protect: bool) {
        self.entries[Self::slot(va)] = TlbEntry { tag: (va & ORIGIN) | 1, asce, frame, protect };
    }
}

/// The translation-exception identification: the page address and the ASCE identifier.
fn teid(va: u64, asce_id: u64) -> u64 {
    (va & ORIGIN) | asce_id
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// The effective ASCE and its identifier (0 primary, 2 secondary, 3 home); the
    /// access-register mode uses the primary ASCE (ALET translation is not modelled).
    #[inline]
    fn asce(&self) -> (u64, u64) {
        let st = &self.cpu.state;
        match st.psw.asc() {
            2 => (st.cr[7], 2),
            3 => (st.cr[13], 3),
            _ => (st.cr[1], 0),
        }
    }

    fn table_entry(&mut self, real: u64) -> Result<u64, ProgramCheck> {
        let abs = self.cpu.state.prefixed(real);
        let mut b = [0u8; 8];
        self.mem.read(GuestAbs(abs), &mut b).map_err(ProgramCheck::from)?;
        Ok(u64::from_be_bytes(b))
    }

    /// Translates virtual address `va` to a real address for a fetch or a store.
    #[inline]
    pub fn translate(&mut self, va: u64, store: bool) -> Result<u64, ProgramCheck> {
        let (asce, id) = self.asce();
        if let Some((frame, protect)) = self.cpu.tlb.lookup(asce, va) {
            if store && protect {
                let t = teid(va, id) | tb::B61_DAT | tb::FSI_STORE;
                return Err(ProgramCheck::with_teid(PgmCode::Protection, t));
            }
            return Ok(frame | (va & 0xfff));
        }
        self.translate_walk(va, store, asce, id)
    }

    /// The table walk of [`Self::translate`] after a TLB miss.
    #[inline(never)]
    fn translate_walk(
        &mut self,
        va: u64,
        store: bool,
        asce: u64,
        id: u64,
    ) -> Result<u64, ProgramCheck> {
        if asce & ASCE_REAL != 0 {
            return Ok(va);
        }
        let t = teid(va, id) | tb::fsi(store);
        let dt = (asce >> 2) & 3;
        // The ASCE must cover the address: bits above its table level must be zero.
        let covered_bits = 31 + 11 * dt;
        if covered_bits < 64 && va >> covered_bits != 0 {
            return Err(ProgramCheck::with_teid(PgmCode::AsceType, t));
        }
        let mut origin = asce & ORIGIN;
        let (mut tf, mut tl) = (0u64, asce & 3);
        let mut protect = false;
        // Region levels: 3 first, 2 second, 1 third.
        for level in (1..=dt).rev() {
            let shift = 31 + 11 * (level - 1);
            let idx = (va >> shift) & 0x7ff;
            let code = match level {
                3 => PgmCode::RegionFirstTranslation,
                2 => PgmCode::RegionSecondTranslation,
                _ => PgmCode::RegionThirdTranslation,
            };
            if idx >> 9 < tf || idx >> 9 > tl {
                return Err(ProgramCheck::with_teid(code, t));
            }
            let e = self.table_entry(origin + idx * 8)?;
            if e & TABLE_INVALID != 0 {
                return Err(ProgramCheck::with_teid(code, t));
            }
            if (e >> 2) & 3 != level {
                return Err(ProgramCheck::new(PgmCode::TranslationSpecification));
            }
            protect |= e & TABLE_PROTECT != 0;
            origin = e & ORIGIN;
            tf = (e >> 6) & 3;
            tl = e & 3;
        }
        let sx = (va >> 20) & 0x7ff;
        if sx >> 9 < tf || sx >> 9 > tl {
            return Err(ProgramCheck::with_teid(PgmCode::SegmentTranslation, t));
        }
        let ste = self.table_entry(origin + sx * 8)?;
        if ste & TABLE_INVALID != 0 {
            return Err(ProgramCheck::with_teid(PgmCode::SegmentTranslation, t));
        }
        if (ste >> 2) & 3 != 0 || ste & SEGMENT_LARGE != 0 {
            return Err(ProgramCheck::new(PgmCode::TranslationSpecification));
        }
        protect |= ste & TABLE_PROTECT != 0;
        let px = (va >> 12) & 0xff;
        let pte = self.table_entry((ste & !0x7ff) + px * 8)?;
        if pte & PAGE_INVALID != 0 {
            return Err(ProgramCheck::with_teid(PgmCode::PageTranslation, t));
        }
        // Bit 52 of a valid page-table entry must be zero.
        if pte & 0x800 != 0 {
            return Err(ProgramCheck::new(PgmCode::TranslationSpecification));
        }
        protect |= pte & PAGE_PROTECT != 0;
        let frame = pte & ORIGIN;
        self.cpu.tlb.insert(asce, va, frame, protect);
        if store && protect {
            return Err(ProgramCheck::with_teid(PgmCode::Protection, t | tb::B61_DAT));
        }
        Ok(frame | (va & 0xfff))
    }

    /// IPTE: sets the invalid bit of the page-table entry R1 (origin) and R2 (page index)
    /// designate, then purges the TLB.
    pub fn ipte(&mut self, r1: u8, r2: u8) -> Result<(), ProgramCheck> {
        let st = &self.cpu.state;
        let real = (st.g(r1) & !0x7ff) + ((st.g(r2) >> 12) & 0xff) * 8;
        let pte = self.table_entry(real)?;
        let abs = self.cpu.state.prefixed(real);
        self.mem
            .write(GuestAbs(abs), &(pte | PAGE_INVALID).to_be_bytes())
            .map_err(ProgramCheck::from)?;
        self.cpu.tlb.purge();
        Ok(())
    }

    /// IDTE: unless R2 bit 52 asks only for clearing, sets the invalid bit of the
    /// region- or segment-table entry R1 (table origin and type) and R2 (index) designate;
    /// then purges the TLB.
    pub fn idte(&mut self, r1: u8, r2: u8) -> Result<(), ProgramCheck> {
        let st = &self.cpu.state;
        let (t, v) = (st.g(r1), st.g(r2));
        if v & 0x800 == 0 {
            let dt = (t >> 2) & 3;
            let idx = (v >> (20 + 11 * dt)) & 0x7ff;
            let real = (t & ORIGIN) + idx * 8;
            let e = self.table_entry(real)?;
            let abs = self.cpu.state.prefixed(real);
            self.mem
                .write(GuestAbs(abs), &(e | TABLE_INVALID).to_be_bytes())
                .map_err(ProgramCheck::from)?;
        }
        self.cpu.tlb.purge();
        Ok(())
    }
}
