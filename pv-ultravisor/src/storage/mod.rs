//! Machine storage: one sparse absolute storage for the whole machine, the protection
//! state of every page, and the views through which the host and secure guests reach it
//! (DESIGN.md "The trust boundary, in code"; uv-spec.md §4).
//!
//! - [`MachineStorage`] implements [`pv_core::Storage`] as the **host's checked view**:
//!   touching a secure or donated page gives [`StorageFault::SecureStorageAccess`]
//!   (PGM 0x3d), never bytes. There is no public unchecked access.
//! - [`GuestView`] is a secure guest's view of its configuration's storage (guest
//!   absolute `g` ↦ host absolute `MSO + g`; *\[modelled\]*: the host ASCE is not walked).
//! - [`page_state`] holds the states and the one transition function; the firmware's own
//!   unchecked accesses are crate-private.
//!
//! - `table` (private): the sparse frame table, 1 MiB segments allocated on first need.
//!   Every frame has a write generation, changed by every change of its bytes and of its
//!   protection state; each view reports it as [`Storage::frame_generation`] only for the
//!   frames it may access, so that `pv-emu` keeps decoded instructions exactly while
//!   they are valid, and fetches from any other frame through the checked `read`.
//!
//! Pages never written read as zero and take no memory.

pub mod guest_view;
pub mod page_state;
mod table;

use alloc::boxed::Box;

use pv_core::storage::{SKEY_ACC_MASK, SKEY_CHANGE, SKEY_FETCH, SKEY_REF, copy_small};
use pv_core::{GuestAbs, PAGE_SIZE, PAGE_SIZE_U64, Storage, StorageFault};

pub use guest_view::GuestView;
pub use page_state::{Donation, PageEvent, PageState, Refused};

use table::{SEGMENT_FRAMES, Segment, Table};

/// One page of data.
pub type Page = [u8; PAGE_SIZE];

const KEY_BITS: u8 = SKEY_ACC_MASK | SKEY_FETCH | SKEY_REF | SKEY_CHANGE;

/// The machine's absolute storage with per-page protection state and storage keys.
///
/// Frames live in a sparse table of 1 MiB segments (`table`). Every frame has a write
/// generation that changes whenever its bytes or its protection state change; the views
/// report it as [`Storage::frame_generation`] for the frames they may access, so that
/// `pv-emu` keeps decoded instructions exactly as long as they are valid and accessible.
#[derive(Clone)]
pub struct MachineStorage {
    size: u64,
    table: Table,
    /// Bumped by [`MachineStorage::clear`], which drops every generation.
    epoch: u32,
}

impl core::fmt::Debug for MachineStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MachineStorage")
            .field("size", &self.size)
            .field("backed_pages", &self.table.resident())
            .field("protected_pages", &self.protected_pages().count())
            .finish()
    }
}

/// The frame number of `addr`.
pub(crate) const fn frame_of(addr: u64) -> u64 {
    addr / PAGE_SIZE_U64
}

/// The offset of `addr` in its frame.
#[inline(always)]
const fn offset_of(addr: u64) -> usize {
    (addr % PAGE_SIZE_U64) as usize
}

impl MachineStorage {
    /// `size` bytes of zeroed, non-secure storage (rounded down to whole pages).
    pub fn new(size: u64) -> Self {
        Self { size: size & !(PAGE_SIZE_U64 - 1), table: Table::default(), epoch: 0 }
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// Whether the storage has no pages.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Zeroes all storage and storage keys and makes every page non-secure (a clear
    /// reset); every frame generation changes.
    pub(crate) fn clear(&mut self) {
        self.table = Table::default();
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// The protection state of the frame holding `addr` (non-secure beyond the end).
    pub fn page_state(&self, addr: u64) -> PageState {
        self.table.get(frame_of(addr)).map_or(PageState::NonSecure, |(s, i)| s.states[i])
    }

    /// Every frame (as an address) that is not non-secure, with its state, by ascending
    /// address.
    pub fn protected_pages(&self) -> impl Iterator<Item = (u64, PageState)> + '_ {
        self.table.segments().filter(|(_, s)| s.protected > 0).flat_map(|(first, s)| {
            s.states
                .iter()
                .enumerate()
                .filter(|(_, st)| **st != PageState::NonSecure)
                .map(move |(i, &st)| ((first + i as u64) * PAGE_SIZE_U64, st))
        })
    }

    /// Whether the whole page at `addr` lies inside storage.
    pub fn page_exists(&self, addr: u64) -> bool {
        frame_of(addr) < frame_of(self.size)
    }

    /// Applies `event` to the page at `addr` through [`PageState::next`]. The frame's
    /// generation changes with every transition: instructions `pv-emu` decoded from a page
    /// that then became secure or donated must not run from its cache.
    pub(crate) fn transition(&mut self, addr: u64, event: PageEvent) -> Result<PageState, Refused> {
        let to = self.page_state(addr).next(event)?;
        let (seg, i) = self.table.get_or_new(frame_of(addr));
        seg.set_state(i, to);
        Ok(to)
    }

    /// The first frame of `first..=last` whose state is protected and `denied`; only
    /// segments holding protected frames are looked into.
    fn first_denied(
        &self,
        first: u64,
        last: u64,
        denied: impl Fn(PageState) -> bool,
    ) -> Option<u64> {
        self.table.segments_of(first, last).filter(|(_, s)| s.protected > 0).find_map(|(f0, s)| {
            let lo = first.saturating_sub(f0).min(SEGMENT_FRAMES as u64) as usize;
            let hi = (last - f0).min(SEGMENT_FRAMES as u64 - 1) as usize;
            (lo..=hi)
                .find(|&i| s.states[i] != PageState::NonSecure && denied(s.states[i]))
                .map(|i| f0 + i as u64)
        })
    }

    /// The host's check: `len` bytes at `addr` lie in storage and every page they touch
    /// is non-secure, shared or pinned. Only segments with protected pages are looked
    /// into.
    pub(crate) fn check_host(&self, addr: u64, len: usize) -> Result<(), StorageFault> {
        pv_core::storage::check_range(self.size, GuestAbs(addr), len.max(1))?;
        let last = addr + (len.max(1) as u64) - 1;
        match self.first_denied(frame_of(addr), frame_of(last), |s| !s.host_accessible()) {
            Some(f) => Err(StorageFault::SecureStorageAccess {
                addr: GuestAbs(addr.max(f * PAGE_SIZE_U64)),
            }),
            None => Ok(()),
        }
    }

    /// Whether every page of `[start, start + len)` is non-secure (looks only into
    /// segments with protected pages).
    pub(crate) fn all_non_secure(&self, start: u64, len: u64) -> bool {
        match len.checked_sub(1).and_then(|l| start.checked_add(l)) {
            Some(last) => self.first_denied(frame_of(start), frame_of(last), |_| true).is_none(),
            None => true,
        }
    }

    /// The storage key of the frame holding `addr` (no checks).
    fn key(&self, addr: u64) -> u8 {
        self.table.get(frame_of(addr)).map_or(0, |(s, i)| s.keys[i])
    }

    /// Sets the storage key of the frame holding `addr` to the key bits of `key` (no
    /// checks; `addr` lies inside storage).
    fn set_key(&mut self, addr: u64, key: u8) {
        let key = key & KEY_BITS;
        if let Some((s, i)) = self.table.get_mut(frame_of(addr)) {
            s.keys[i] = key;
        } else if key != 0 {
            let (s, i) = self.table.get_or_new(frame_of(addr));
            s.keys[i] = key;
        }
    }

    /// The generation of the frame holding `addr` if it lies inside storage and its state
    /// passes `ok`.
    #[inline(always)]
    fn generation_if(&self, addr: u64, ok: impl FnOnce(PageState) -> bool) -> Option<u64> {
        if addr >= self.size {
            return None;
        }
        let g = match self.table.get(frame_of(addr)) {
            Some((s, i)) => ok(s.states[i]).then_some(s.gens[i])?,
            // No segment: never written since the last clear, non-secure.
            None => ok(PageState::NonSecure).then_some(0)?,
        };
        Some((u64::from(self.epoch) << 32) | u64::from(g))
    }

    /// The segment and index of the resident frame that holds all `len` (at least 1)
    /// bytes at `addr`, if the frame lies inside storage and its state passes `ok`; else
    /// `None` (the general path decides).
    #[inline(always)]
    fn resident_if(
        &mut self,
        addr: u64,
        len: usize,
        ok: impl FnOnce(PageState) -> bool,
    ) -> Option<(&mut Segment, usize)> {
        // Storage is whole pages: a frame that starts below the end lies inside it.
        if len == 0 || offset_of(addr) + len > PAGE_SIZE || addr >= self.size {
            return None;
        }
        let (s, i) = self.table.get_mut(frame_of(addr))?;
        (s.frames[i].is_some() && ok(s.states[i])).then_some((s, i))
    }

    /// Firmware read (no protection check; range checked).
    pub(crate) fn read_raw(&self, addr: u64, buf: &mut [u8]) -> Result<(), StorageFault> {
        pv_core::storage::check_range(self.size, GuestAbs(addr), buf.len().max(1))?;
        let mut done = 0;
        while done < buf.len() {
            let a = addr + done as u64;
            let off = offset_of(a);
            let n = (PAGE_SIZE - off).min(buf.len() - done);
            match self.table.get(frame_of(a)).and_then(|(s, i)| s.frames[i].as_deref()) {
                Some(p) => buf[done..done + n].copy_from_slice(&p[off..off + n]),
                None => buf[done..done + n].fill(0),
            }
            done += n;
        }
        Ok(())
    }

    /// Firmware write (no protection check; range checked). Zeros written to a frame
    /// without data change nothing and allocate nothing.
    pub(crate) fn write_raw(&mut self, addr: u64, data: &[u8]) -> Result<(), StorageFault> {
        pv_core::storage::check_range(self.size, GuestAbs(addr), data.len().max(1))?;
        let mut done = 0;
        while done < data.len() {
            let a = addr + done as u64;
            let off = offset_of(a);
            let n = (PAGE_SIZE - off).min(data.len() - done);
            let chunk = &data[done..done + n];
            let f = frame_of(a);
            if let Some((s, i)) = self.table.get_mut(f)
                && let Some(p) = &mut s.frames[i]
            {
                p[off..off + n].copy_from_slice(chunk);
                s.bump(i);
            } else if chunk.iter().any(|&b| b != 0) {
                let (s, i) = self.table.get_or_new(f);
                let mut p: Box<Page> = Box::new([0; PAGE_SIZE]);
                p[off..off + n].copy_from_slice(chunk);
                s.frames[i] = Some(p);
                s.bump(i);
            }
            done += n;
        }
        Ok(())
    }

    /// Replaces the page at `addr`; an all-zero page takes no memory.
    #[cfg(test)]
    pub(crate) fn set_page(&mut self, addr: u64, page: &Page) {
        let f = frame_of(addr);
        if page.iter().all(|&b| b == 0) {
            if let Some((s, i)) = self.table.get_mut(f)
                && s.frames[i].take().is_some()
            {
                s.bump(i);
            }
            return;
        }
        let (s, i) = self.table.get_or_new(f);
        match &mut s.frames[i] {
            Some(p) => p.copy_from_slice(page),
            none => *none = Some(Box::new(*page)),
        }
        s.bump(i);
    }

    /// Firmware: the page at `addr` (page aligned, inside storage) to change in place,
    /// backed by a zero frame first if it had none (Unpack, import and export rewrite
    /// whole pages; working in place saves two copies per call). The frame's generation
    /// changes.
    pub(crate) fn page_mut(&mut self, addr: u64) -> &mut Page {
        let (s, i) = self.table.get_or_new(frame_of(addr));
        s.bump(i);
        s.frames[i].get_or_insert_with(|| Box::new([0; PAGE_SIZE]))
    }

    /// Firmware: zeroes the page at `addr` (and its storage key); the frame's generation
    /// changes.
    pub(crate) fn zero_page(&mut self, addr: u64) {
        if let Some((s, i)) = self.table.get_mut(frame_of(addr)) {
            s.frames[i] = None;
            s.keys[i] = 0;
            s.bump(i);
        }
    }

    /// Whether the page at `addr` holds no data (all zero).
    #[cfg(test)]
    pub(crate) fn page_is_zero_unchecked(&self, addr: u64) -> bool {
        self.table.get(frame_of(addr)).is_none_or(|(s, i)| s.frames[i].is_none())
    }

    /// [`Storage::read`] for any access.
    #[inline(never)]
    fn read_general(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        self.check_host(addr.get(), buf.len())?;
        self.read_raw(addr.get(), buf)
    }

    /// [`Storage::write`] for any access.
    #[inline(never)]
    fn write_general(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        self.check_host(addr.get(), data.len())?;
        self.write_raw(addr.get(), data)
    }
}

/// The host's checked view. An access inside one resident, host-accessible frame (an
/// instruction's operand, nearly always) is done inline; anything else out of line.
impl Storage for MachineStorage {
    fn size(&self) -> u64 {
        self.size
    }

    #[inline(always)]
    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        let a = addr.get();
        if let Some((s, i)) = self.resident_if(a, buf.len(), PageState::host_accessible)
            && let Some(p) = &s.frames[i]
        {
            let off = offset_of(a);
            copy_small(buf, &p[off..off + buf.len()]);
            return Ok(());
        }
        self.read_general(addr, buf)
    }

    #[inline(always)]
    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        let a = addr.get();
        if let Some((s, i)) = self.resident_if(a, data.len(), PageState::host_accessible)
            && let Some(p) = &mut s.frames[i]
        {
            let off = offset_of(a);
            copy_small(&mut p[off..off + data.len()], data);
            s.bump(i);
            return Ok(());
        }
        self.write_general(addr, data)
    }

    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault> {
        self.check_host(addr.get(), 1)?;
        Ok(self.key(addr.get()))
    }

    fn set_storage_key(&mut self, addr: GuestAbs, key: u8) -> Result<(), StorageFault> {
        self.check_host(addr.get(), 1)?;
        self.set_key(addr.get(), key);
        Ok(())
    }

    /// The frame's generation when it lies inside storage and the host may access it;
    /// `None` otherwise, so that `pv-emu` takes the checked path (and faults).
    #[inline]
    fn frame_generation(&self, addr: GuestAbs) -> Option<u64> {
        self.generation_if(addr.get(), PageState::host_accessible)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_and_checked() {
        let mut m = MachineStorage::new(0x10_0000 + 5);
        assert_eq!(m.size(), 0x10_0000);
        m.write(GuestAbs(0xffe), &[1, 2, 3, 4]).unwrap();
        let mut b = [0u8; 4];
        m.read(GuestAbs(0xffe), &mut b).unwrap();
        assert_eq!(b, [1, 2, 3, 4]);
        m.transition(0x1000, PageEvent::Import(5)).unwrap();
        // Crossing into a secure page fails as a whole, at the secure page's address.
        assert_eq!(
            m.read(GuestAbs(0xffe), &mut b),
            Err(StorageFault::SecureStorageAccess { addr: GuestAbs(0x1000) })
        );
        assert_eq!(
            m.write(GuestAbs(0x1004), &[9]),
            Err(StorageFault::SecureStorageAccess { addr: GuestAbs(0x1004) })
        );
        assert!(m.storage_key(GuestAbs(0x1000)).is_err());
        assert_eq!(
            m.read(GuestAbs(0xfff_ffff), &mut b),
            Err(StorageFault::Addressing { addr: GuestAbs(0xfff_ffff) })
        );
        m.transition(0x1000, PageEvent::Share(5)).unwrap();
        m.read(GuestAbs(0xffe), &mut b).unwrap();
        assert_eq!(b, [1, 2, 3, 4]);
        m.set_storage_key(GuestAbs(0x1000), 0xff).unwrap();
        assert_eq!(m.storage_key(GuestAbs(0x1000)), Ok(0xfe));
        m.zero_page(0x1000);
        assert!(m.page_is_zero_unchecked(0x1000));
        assert_eq!(m.protected_pages().count(), 1);
    }

    #[test]
    fn zero_writes_take_no_memory() {
        let mut m = MachineStorage::new(1 << 40);
        m.write(GuestAbs(1 << 39), &[0; 8192]).unwrap();
        assert_eq!(m.table.resident(), 0);
        let mut p = [0u8; PAGE_SIZE];
        p[0] = 1;
        m.set_page(0, &p);
        assert!(!m.page_is_zero_unchecked(0));
        m.set_page(0, &[0; PAGE_SIZE]);
        assert!(m.page_is_zero_unchecked(0));
        m.page_mut(4096)[7] = 9;
        let mut b = [0u8; 8];
        m.read_raw(4096, &mut b).unwrap();
        assert_eq!(b, [0, 0, 0, 0, 0, 0, 0, 9]);
    }

    /// The host view's generation of the frame at `a`.
    fn gen_of(m: &MachineStorage, a: u64) -> Option<u64> {
        m.frame_generation(GuestAbs(a))
    }

    #[test]
    fn generations_change_with_bytes_not_with_reads() {
        let mut m = MachineStorage::new(4 << 20);
        let g0 = gen_of(&m, 0x3000).unwrap();
        let other = gen_of(&m, 0x4000).unwrap();
        m.read(GuestAbs(0x3000), &mut [0u8; 8]).unwrap();
        assert_eq!(gen_of(&m, 0x3000), Some(g0), "reads keep the generation");
        m.write(GuestAbs(0x3000), &[0; 8]).unwrap();
        assert_eq!(gen_of(&m, 0x3000), Some(g0), "zeros to a zero frame change nothing");
        m.write(GuestAbs(0x3ffc), &[1; 8]).unwrap();
        let g1 = gen_of(&m, 0x3000).unwrap();
        assert_ne!(g1, g0, "a write changes it");
        assert_ne!(gen_of(&m, 0x4000), Some(other), "a write across frames changes both");
        m.write(GuestAbs(0x3010), &[2]).unwrap();
        let g2 = gen_of(&m, 0x3000).unwrap();
        assert_ne!(g2, g1, "a write to a resident frame (the inline path) changes it");
        m.read(GuestAbs(0x3010), &mut [0u8; 1]).unwrap();
        assert_eq!(gen_of(&m, 0x3000), Some(g2));
        m.write_raw(0x3020, &[3]).unwrap();
        let g3 = gen_of(&m, 0x3000).unwrap();
        assert_ne!(g3, g2, "firmware writes change it");
        m.page_mut(0x3000)[0] = 4;
        let g4 = gen_of(&m, 0x3000).unwrap();
        assert_ne!(g4, g3, "handing out the page changes it");
        m.set_page(0x3000, &[5; PAGE_SIZE]);
        let g5 = gen_of(&m, 0x3000).unwrap();
        assert_ne!(g5, g4);
        m.zero_page(0x3000);
        let g6 = gen_of(&m, 0x3000).unwrap();
        assert_ne!(g6, g5, "zeroing changes it");
        m.set_storage_key(GuestAbs(0x3000), 0x30).unwrap();
        m.clear();
        assert_ne!(gen_of(&m, 0x3000), Some(g6), "a clear changes every frame");
        assert_ne!(gen_of(&m, 0x20_0000), Some(g0), "also frames never written");
        assert_eq!(m.storage_key(GuestAbs(0x3000)), Ok(0));
        assert_eq!(gen_of(&m, 4 << 20), None, "beyond storage");
    }

    #[test]
    fn every_transition_changes_the_generation() {
        use PageEvent as E;
        let mut m = MachineStorage::new(4 << 20);
        let a = 0x10_5000;
        m.write(GuestAbs(a), &[0xaa; 6]).unwrap();
        // The frame's own generation, whatever its state.
        let raw = |m: &MachineStorage| m.generation_if(a, |_| true).unwrap();
        let mut seen = alloc::vec![raw(&m)];
        // A walk through every event (each legal from the state before it), with whether
        // the host may access the page afterwards.
        let walk = [
            (E::Import(7), false),
            (E::Share(7), true),
            (E::Share(7), true),
            (E::Pin, true),
            (E::Share(7), true),
            (E::Unpin(7), true),
            (E::Unshare(7), false),
            (E::Share(7), true),
            (E::UnshareAll(7), false),
            (E::Export, true),
            (E::Donate(Donation::ConfigBase(7)), false),
            (E::Reclaim(Donation::ConfigBase(7)), true),
            (E::Import(8), false),
            (E::Share(8), true),
            (E::TakeOver(9), false),
            (E::Destroy, true),
            (E::Destroy, true),
            (E::Donate(Donation::UvBase), false),
            (E::HostReset, true),
        ];
        for (i, (event, host)) in walk.into_iter().enumerate() {
            m.transition(a, event).unwrap();
            let g = raw(&m);
            assert!(!seen.contains(&g), "step {i}: {event:?}");
            seen.push(g);
            assert_eq!(gen_of(&m, a), host.then_some(g), "step {i}: {event:?}");
        }
        // A refused event changes nothing.
        assert!(m.transition(a, E::Pin).is_err());
        assert_eq!(raw(&m), *seen.last().unwrap());
        assert_eq!(m.protected_pages().count(), 0);
    }

    #[test]
    fn inaccessible_frames_have_no_host_generation() {
        let mut m = MachineStorage::new(4 << 20);
        for (a, event, host) in [
            (0x1000, PageEvent::Import(1), false),
            (0x2000, PageEvent::Donate(Donation::Cpu(3)), false),
            (0x3000, PageEvent::Import(1), true),
        ] {
            m.write(GuestAbs(a), &[1, 2, 3, 4]).unwrap();
            m.transition(a, event).unwrap();
            if host {
                m.transition(a, PageEvent::Share(1)).unwrap();
            }
            assert_eq!(gen_of(&m, a + 0x10).is_some(), host, "{a:#x}");
            // The inline path refuses resident protected frames as the general one does.
            let r = m.read(GuestAbs(a + 2), &mut [0u8; 2]);
            assert_eq!(r.is_ok(), host, "{a:#x}");
            if !host {
                assert_eq!(r, Err(StorageFault::SecureStorageAccess { addr: GuestAbs(a + 2) }));
                assert_eq!(
                    m.write(GuestAbs(a + 8), &[9; 8]),
                    Err(StorageFault::SecureStorageAccess { addr: GuestAbs(a + 8) })
                );
                let mut b = [0u8; 4];
                m.read_raw(a, &mut b).unwrap();
                assert_eq!(b, [1, 2, 3, 4], "the refused write changed nothing");
            }
        }
        m.transition(0x3000, PageEvent::Pin).unwrap();
        assert!(gen_of(&m, 0x3000).is_some(), "pinned pages are the host's too");
    }

    #[test]
    fn protected_pages_ascend_across_segments() {
        let mut m = MachineStorage::new(8 << 20);
        let pages = [0x70_0000, 0x10_3000, 0x10_1000, 0x2000, 0x7f_f000];
        for p in pages {
            m.transition(p, PageEvent::Import(2)).unwrap();
        }
        m.transition(0x10_3000, PageEvent::Export).unwrap();
        let got: alloc::vec::Vec<u64> = m.protected_pages().map(|(a, _)| a).collect();
        assert_eq!(got, [0x2000, 0x10_1000, 0x70_0000, 0x7f_f000]);
        assert!(m.all_non_secure(0x10_2000, 0x5f_e000));
        assert!(!m.all_non_secure(0x10_2000, 0x5f_f000));
        assert!(!m.all_non_secure(0x1000, 0x2000));
        assert!(m.all_non_secure(0x2000, u64::MAX), "a wrapping range is the caller's check");
        assert!(!m.all_non_secure(0, u64::MAX));
        assert_eq!(
            m.check_host(0x6f_fff0, 0x20),
            Err(StorageFault::SecureStorageAccess { addr: GuestAbs(0x70_0000) })
        );
        assert_eq!(m.check_host(0x10_3000, 0x5f_d000), Ok(()));
    }
}
