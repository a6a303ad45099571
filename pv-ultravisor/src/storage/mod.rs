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
//! Pages never written read as zero and take no memory.

pub mod guest_view;
pub mod page_state;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;

use pv_core::storage::{SKEY_ACC_MASK, SKEY_CHANGE, SKEY_FETCH, SKEY_REF};
use pv_core::{GuestAbs, PAGE_SIZE, PAGE_SIZE_U64, Storage, StorageFault};

pub use guest_view::GuestView;
pub use page_state::{Donation, PageEvent, PageState, Refused};

/// One page of data.
pub type Page = [u8; PAGE_SIZE];

const KEY_BITS: u8 = SKEY_ACC_MASK | SKEY_FETCH | SKEY_REF | SKEY_CHANGE;

/// The machine's absolute storage with per-page protection state and storage keys.
#[derive(Clone)]
pub struct MachineStorage {
    size: u64,
    pages: BTreeMap<u64, Box<Page>>,
    keys: BTreeMap<u64, u8>,
    states: BTreeMap<u64, PageState>,
}

impl core::fmt::Debug for MachineStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MachineStorage")
            .field("size", &self.size)
            .field("backed_pages", &self.pages.len())
            .field("protected_pages", &self.states.len())
            .finish()
    }
}

/// The frame number of `addr`.
pub(crate) const fn frame_of(addr: u64) -> u64 {
    addr / PAGE_SIZE_U64
}

impl MachineStorage {
    /// `size` bytes of zeroed, non-secure storage (rounded down to whole pages).
    pub fn new(size: u64) -> Self {
        Self {
            size: size & !(PAGE_SIZE_U64 - 1),
            pages: BTreeMap::new(),
            keys: BTreeMap::new(),
            states: BTreeMap::new(),
        }
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// Whether the storage has no pages.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The protection state of the frame holding `addr` (non-secure beyond the end).
    pub fn page_state(&self, addr: u64) -> PageState {
        self.states.get(&frame_of(addr)).copied().unwrap_or_default()
    }

    /// Every frame (as an address) that is not non-secure, with its state.
    pub fn protected_pages(&self) -> impl Iterator<Item = (u64, PageState)> + '_ {
        self.states.iter().map(|(&f, &s)| (f * PAGE_SIZE_U64, s))
    }

    /// Whether the whole page at `addr` lies inside storage.
    pub fn page_exists(&self, addr: u64) -> bool {
        frame_of(addr) < frame_of(self.size)
    }

    /// Applies `event` to the page at `addr` through [`PageState::next`].
    pub(crate) fn transition(&mut self, addr: u64, event: PageEvent) -> Result<PageState, Refused> {
        let f = frame_of(addr);
        let to = self.page_state(addr).next(event)?;
        match to {
            PageState::NonSecure => self.states.remove(&f),
            s => self.states.insert(f, s),
        };
        Ok(to)
    }

    /// The host's check: `len` bytes at `addr` lie in storage and every page they touch
    /// is non-secure, shared or pinned. Only protected pages are visited, so the cost does
    /// not grow with `len`.
    pub(crate) fn check_host(&self, addr: u64, len: usize) -> Result<(), StorageFault> {
        pv_core::storage::check_range(self.size, GuestAbs(addr), len.max(1))?;
        let last = addr + (len.max(1) as u64) - 1;
        let denied =
            self.states.range(frame_of(addr)..=frame_of(last)).find(|(_, s)| !s.host_accessible());
        match denied {
            Some((&f, _)) => Err(StorageFault::SecureStorageAccess {
                addr: GuestAbs(addr.max(f * PAGE_SIZE_U64)),
            }),
            None => Ok(()),
        }
    }

    /// Whether every page of `[start, start + len)` is non-secure (visits only protected
    /// pages).
    pub(crate) fn all_non_secure(&self, start: u64, len: u64) -> bool {
        match len.checked_sub(1).and_then(|l| start.checked_add(l)) {
            Some(last) => self.states.range(frame_of(start)..=frame_of(last)).next().is_none(),
            None => true,
        }
    }

    /// Firmware read (no protection check; range checked).
    pub(crate) fn read_raw(&self, addr: u64, buf: &mut [u8]) -> Result<(), StorageFault> {
        pv_core::storage::check_range(self.size, GuestAbs(addr), buf.len().max(1))?;
        let mut done = 0;
        while done < buf.len() {
            let a = addr + done as u64;
            let off = (a % PAGE_SIZE_U64) as usize;
            let n = (PAGE_SIZE - off).min(buf.len() - done);
            match self.pages.get(&frame_of(a)) {
                Some(p) => buf[done..done + n].copy_from_slice(&p[off..off + n]),
                None => buf[done..done + n].fill(0),
            }
            done += n;
        }
        Ok(())
    }

    /// Firmware write (no protection check; range checked).
    pub(crate) fn write_raw(&mut self, addr: u64, data: &[u8]) -> Result<(), StorageFault> {
        pv_core::storage::check_range(self.size, GuestAbs(addr), data.len().max(1))?;
        let mut done = 0;
        while done < data.len() {
            let a = addr + done as u64;
            let off = (a % PAGE_SIZE_U64) as usize;
            let n = (PAGE_SIZE - off).min(data.len() - done);
            let chunk = &data[done..done + n];
            let f = frame_of(a);
            if let Some(p) = self.pages.get_mut(&f) {
                p[off..off + n].copy_from_slice(chunk);
            } else if chunk.iter().any(|&b| b != 0) {
                let mut p: Box<Page> = Box::new([0; PAGE_SIZE]);
                p[off..off + n].copy_from_slice(chunk);
                self.pages.insert(f, p);
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
            self.pages.remove(&f);
        } else if let Some(p) = self.pages.get_mut(&f) {
            p.copy_from_slice(page);
        } else {
            self.pages.insert(f, Box::new(*page));
        }
    }

    /// Firmware: the page at `addr` (page aligned, inside storage) to change in place,
    /// backed by a zero frame first if it had none (Unpack, import and export rewrite
    /// whole pages; working in place saves two copies per call).
    pub(crate) fn page_mut(&mut self, addr: u64) -> &mut Page {
        self.pages.entry(frame_of(addr)).or_insert_with(|| Box::new([0; PAGE_SIZE]))
    }

    /// Firmware: zeroes the page at `addr` (and its storage key).
    pub(crate) fn zero_page(&mut self, addr: u64) {
        let f = frame_of(addr);
        self.pages.remove(&f);
        self.keys.remove(&f);
    }

    /// Whether the page at `addr` holds no data (all zero).
    #[cfg(test)]
    pub(crate) fn page_is_zero_unchecked(&self, addr: u64) -> bool {
        !self.pages.contains_key(&frame_of(addr))
    }
}

impl Storage for MachineStorage {
    fn size(&self) -> u64 {
        self.size
    }

    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        self.check_host(addr.get(), buf.len())?;
        self.read_raw(addr.get(), buf)
    }

    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        self.check_host(addr.get(), data.len())?;
        self.write_raw(addr.get(), data)
    }

    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault> {
        self.check_host(addr.get(), 1)?;
        Ok(self.keys.get(&frame_of(addr.get())).copied().unwrap_or(0))
    }

    fn set_storage_key(&mut self, addr: GuestAbs, key: u8) -> Result<(), StorageFault> {
        self.check_host(addr.get(), 1)?;
        self.keys.insert(frame_of(addr.get()), key & KEY_BITS);
        Ok(())
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
        assert!(m.pages.is_empty());
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
}
