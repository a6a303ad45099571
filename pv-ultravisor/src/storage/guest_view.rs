//! A secure guest's view of its storage (uv-spec.md §3.5, §4): guest absolute address
//! `g < MSL` is host absolute `MSO + g` *\[modelled: the host ASCE is recorded, not
//! walked\]*. Secure, shared and pinned pages of the configuration are accessible; a
//! non-secure page gives PGM 0x3e (the host must import it), a page of another
//! configuration or UV storage gives PGM 0x3f, an address at or above MSL PGM 0x05.

use pv_core::{GuestAbs, Storage, StorageFault};

use super::{MachineStorage, PageState, frame_of};

/// A secure configuration's storage as its guest (and the ultravisor acting for it) sees
/// it.
#[derive(Debug)]
pub struct GuestView<'a> {
    mem: &'a mut MachineStorage,
    config: u64,
    mso: u64,
    msl: u64,
}

impl<'a> GuestView<'a> {
    /// The view of configuration `config` with main-storage origin `mso` and length `msl`.
    pub(crate) fn new(mem: &'a mut MachineStorage, config: u64, mso: u64, msl: u64) -> Self {
        Self { mem, config, mso, msl }
    }

    /// The host absolute address of `len` bytes at guest `g`, if they lie below MSL.
    fn host_addr(&self, g: u64, len: usize) -> Result<u64, StorageFault> {
        pv_core::storage::check_range(self.msl, GuestAbs(g), len.max(1))?;
        self.mso.checked_add(g).ok_or(StorageFault::Addressing { addr: GuestAbs(g) })
    }

    /// Checks every page of the access; faults carry the guest address.
    fn check(&self, g: u64, len: usize) -> Result<u64, StorageFault> {
        let h = self.host_addr(g, len)?;
        let last = h + len.max(1) as u64 - 1;
        if last >= self.mem.len() {
            return Err(StorageFault::Addressing { addr: GuestAbs(g) });
        }
        for f in frame_of(h)..=frame_of(last) {
            let fault_at = GuestAbs(g + (f * pv_core::PAGE_SIZE_U64).saturating_sub(h));
            match self.mem.page_state(f * pv_core::PAGE_SIZE_U64) {
                s if s.guest_accessible(self.config) => {}
                PageState::NonSecure => {
                    return Err(StorageFault::NonSecureStorageAccess { addr: fault_at });
                }
                _ => return Err(StorageFault::SecureStorageViolation { addr: fault_at }),
            }
        }
        Ok(h)
    }
}

impl Storage for GuestView<'_> {
    fn size(&self) -> u64 {
        self.msl
    }

    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        let h = self.check(addr.get(), buf.len())?;
        self.mem.read_raw(h, buf)
    }

    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        let h = self.check(addr.get(), data.len())?;
        self.mem.write_raw(h, data)
    }

    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault> {
        // Secure guests' storage keys are virtualized by the ultravisor *[modelled]*: the
        // frame key is used as is.
        let h = self.check(addr.get(), 1)?;
        Ok(self.mem.keys.get(&frame_of(h)).copied().unwrap_or(0))
    }

    fn set_storage_key(&mut self, addr: GuestAbs, key: u8) -> Result<(), StorageFault> {
        let h = self.check(addr.get(), 1)?;
        self.mem.keys.insert(frame_of(h), key & super::KEY_BITS);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::PageEvent;

    #[test]
    fn guest_sees_only_its_pages() {
        let mut m = MachineStorage::new(0x40_0000);
        let mso = 0x10_0000;
        m.transition(mso, PageEvent::Import(1)).unwrap();
        m.transition(mso + 0x2000, PageEvent::Import(2)).unwrap();
        let mut g = GuestView::new(&mut m, 1, mso, 0x10_0000);
        g.write(GuestAbs(0x10), b"hi").unwrap();
        let mut b = [0u8; 2];
        g.read(GuestAbs(0x10), &mut b).unwrap();
        assert_eq!(&b, b"hi");
        assert_eq!(
            g.read(GuestAbs(0xfff), &mut b),
            Err(StorageFault::NonSecureStorageAccess { addr: GuestAbs(0x1000) })
        );
        assert_eq!(
            g.write(GuestAbs(0x2000), &[1]),
            Err(StorageFault::SecureStorageViolation { addr: GuestAbs(0x2000) })
        );
        assert!(matches!(
            g.read(GuestAbs(0x10_0000), &mut b),
            Err(StorageFault::Addressing { .. })
        ));
        assert_eq!(g.size(), 0x10_0000);
        g.set_storage_key(GuestAbs(0), 0x10).unwrap();
        assert_eq!(g.storage_key(GuestAbs(0)), Ok(0x10));
        // The host sees nothing of it.
        assert!(m.read(GuestAbs(mso), &mut b).is_err());
    }
}
