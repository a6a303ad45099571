//! A secure guest's view of its storage (uv-spec.md §3.5, §4): guest absolute address
//! `g < MSL` is host absolute `MSO + g` *\[modelled: the host ASCE is recorded, not
//! walked\]*. Secure, shared and pinned pages of the configuration are accessible; a
//! non-secure page gives PGM 0x3e (the host must import it), a page of another
//! configuration or UV storage gives PGM 0x3f, an address at or above MSL PGM 0x05.

use pv_core::{GuestAbs, Storage, StorageFault};

use pv_core::storage::copy_small;

use super::{MachineStorage, PageState, Segment, frame_of, offset_of};

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

    /// The segment, index and offset of the resident host frame that holds all `len`
    /// bytes at guest `g`, if they lie below MSL and the page belongs to the
    /// configuration; else `None` (the checked path decides).
    #[inline(always)]
    fn resident(&mut self, g: u64, len: usize) -> Option<(&mut Segment, usize, usize)> {
        if g >= self.msl || self.msl - g < len as u64 {
            return None;
        }
        let h = self.mso.checked_add(g)?;
        let config = self.config;
        let (s, i) = self.mem.resident_if(h, len, |s| s.guest_accessible(config))?;
        Some((s, i, offset_of(h)))
    }

    /// [`Storage::read`] for any access.
    #[inline(never)]
    fn read_general(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        let h = self.check(addr.get(), buf.len())?;
        self.mem.read_raw(h, buf)
    }

    /// [`Storage::write`] for any access.
    #[inline(never)]
    fn write_general(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        let h = self.check(addr.get(), data.len())?;
        self.mem.write_raw(h, data)
    }
}

impl Storage for GuestView<'_> {
    fn size(&self) -> u64 {
        self.msl
    }

    /// One resident frame of the configuration inline; anything else out of line.
    #[inline(always)]
    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        if let Some((s, i, off)) = self.resident(addr.get(), buf.len())
            && let Some(p) = &s.frames[i]
        {
            copy_small(buf, &p[off..off + buf.len()]);
            return Ok(());
        }
        self.read_general(addr, buf)
    }

    /// As [`GuestView::read`].
    #[inline(always)]
    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        if let Some((s, i, off)) = self.resident(addr.get(), data.len())
            && let Some(p) = &mut s.frames[i]
        {
            copy_small(&mut p[off..off + data.len()], data);
            s.bump(i);
            return Ok(());
        }
        self.write_general(addr, data)
    }

    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault> {
        // Secure guests' storage keys are virtualized by the ultravisor *[modelled]*: the
        // frame key is used as is.
        let h = self.check(addr.get(), 1)?;
        Ok(self.mem.key(h))
    }

    fn set_storage_key(&mut self, addr: GuestAbs, key: u8) -> Result<(), StorageFault> {
        let h = self.check(addr.get(), 1)?;
        self.mem.set_key(h, key);
        Ok(())
    }

    /// The host frame's generation when guest `addr` lies below MSL and its page belongs
    /// to the configuration; `None` otherwise (`pv-emu` then fetches through
    /// [`Storage::read`], which faults).
    #[inline]
    fn frame_generation(&self, addr: GuestAbs) -> Option<u64> {
        let g = addr.get();
        // A guest frame is one host frame only if MSO is page aligned.
        if g >= self.msl || offset_of(self.mso) != 0 {
            return None;
        }
        let config = self.config;
        self.mem.generation_if(self.mso.checked_add(g)?, |s| s.guest_accessible(config))
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

    #[test]
    fn guest_generations_only_for_the_configurations_pages() {
        let mut m = MachineStorage::new(0x40_0000);
        let mso = 0x10_0000;
        m.transition(mso, PageEvent::Import(1)).unwrap();
        m.transition(mso + 0x2000, PageEvent::Import(2)).unwrap();
        m.transition(mso + 0x3000, PageEvent::Import(1)).unwrap();
        m.transition(mso + 0x3000, PageEvent::Share(1)).unwrap();
        m.transition(0x3f_f000, PageEvent::Import(1)).unwrap();
        let host = m.generation_if(mso, |_| true);
        let mut g = GuestView::new(&mut m, 1, mso, 0x40_0000);
        let gen_of = |g: &GuestView<'_>, a| g.frame_generation(GuestAbs(a));
        assert_eq!(gen_of(&g, 0x10), host, "the host frame's generation");
        assert_eq!(gen_of(&g, 0x1000), None, "a non-secure page");
        assert_eq!(gen_of(&g, 0x2000), None, "another configuration's page");
        assert!(gen_of(&g, 0x3000).is_some(), "a shared page of the configuration");
        assert!(gen_of(&g, 0x2f_f000).is_some(), "the machine's last page");
        assert_eq!(gen_of(&g, 0x30_0000), None, "beyond the machine's storage");
        let before = gen_of(&g, 0x10);
        g.read(GuestAbs(0x10), &mut [0u8; 4]).unwrap();
        assert_eq!(gen_of(&g, 0x10), before, "reads keep it");
        g.write(GuestAbs(0x10), &[1; 4]).unwrap();
        let after = gen_of(&g, 0x10);
        assert_ne!(after, before, "writes change it");
        g.write(GuestAbs(0x12), &[2]).unwrap();
        assert_ne!(gen_of(&g, 0x10), after, "also on a resident frame (the inline path)");
        let mut b = [0u8; 4];
        g.read(GuestAbs(0x10), &mut b).unwrap();
        assert_eq!(b, [1, 1, 2, 1]);
        let g2 = GuestView::new(&mut m, 2, mso, 0x10_0000);
        assert_eq!(gen_of(&g2, 0x10), None, "the view of another configuration");
        assert!(gen_of(&g2, 0x2000).is_some());
        assert_eq!(gen_of(&g2, 0x10_0000), None, "at MSL");
        let unaligned = GuestView::new(&mut m, 1, mso + 0x800, 0x10_0000);
        assert_eq!(gen_of(&unaligned, 0), None, "a guest frame that is two host frames");
    }
}
