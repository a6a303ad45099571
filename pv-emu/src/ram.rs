//! A plain, vector-backed [`Storage`]: absolute storage of a fixed size with one storage
//! key per 4 KiB frame. Accesses never fail except past the end (addressing). Reads set
//! the reference bit and writes the reference and change bits of the frames they touch,
//! as the machine does.

use alloc::vec;
use alloc::vec::Vec;

use pv_core::storage::{KEY_FRAME_SIZE, SKEY_CHANGE, SKEY_REF, check_range, copy_small};
use pv_core::{GuestAbs, Storage, StorageFault};

/// Absolute storage in a `Vec<u8>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ram {
    bytes: Vec<u8>,
    keys: Vec<u8>,
    /// Write generation per frame (for [`Storage::frame_generation`]).
    gens: Vec<u32>,
    /// Bumped whenever [`Ram::bytes_mut`] hands out unchecked access.
    epoch: u32,
}

impl Ram {
    /// `size` bytes of zeroed storage (rounded up to whole frames for the keys).
    pub fn new(size: usize) -> Self {
        let frames = size.div_ceil(KEY_FRAME_SIZE as usize);
        Self { bytes: vec![0; size], keys: vec![0; frames], gens: vec![0; frames], epoch: 0 }
    }

    /// The whole storage.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The whole storage, mutably (for loaders; no reference or change bits are set,
    /// and every frame counts as changed).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.epoch = self.epoch.wrapping_add(1);
        &mut self.bytes
    }

    #[inline]
    fn mark(&mut self, addr: u64, len: usize, bits: u8) {
        if len == 0 {
            return;
        }
        let first = (addr / KEY_FRAME_SIZE) as usize;
        let last = ((addr + len as u64 - 1) / KEY_FRAME_SIZE) as usize;
        if first == last {
            self.keys[first] |= bits;
            if bits & SKEY_CHANGE != 0 {
                self.gens[first] = self.gens[first].wrapping_add(1);
            }
            return;
        }
        for k in &mut self.keys[first..=last] {
            *k |= bits;
        }
        if bits & SKEY_CHANGE != 0 {
            for g in &mut self.gens[first..=last] {
                *g = g.wrapping_add(1);
            }
        }
    }
}

impl Storage for Ram {
    #[inline]
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    #[inline]
    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        check_range(self.size(), addr, buf.len())?;
        let a = addr.get() as usize;
        copy_small(buf, &self.bytes[a..a + buf.len()]);
        self.mark(addr.get(), buf.len(), SKEY_REF);
        Ok(())
    }

    #[inline]
    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        check_range(self.size(), addr, data.len())?;
        let a = addr.get() as usize;
        copy_small(&mut self.bytes[a..a + data.len()], data);
        self.mark(addr.get(), data.len(), SKEY_REF | SKEY_CHANGE);
        Ok(())
    }

    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault> {
        check_range(self.size(), addr, 1)?;
        Ok(self.keys[(addr.get() / KEY_FRAME_SIZE) as usize])
    }

    fn set_storage_key(&mut self, addr: GuestAbs, key: u8) -> Result<(), StorageFault> {
        check_range(self.size(), addr, 1)?;
        self.keys[(addr.get() / KEY_FRAME_SIZE) as usize] = key & 0xfe;
        Ok(())
    }

    #[inline]
    fn frame_generation(&self, addr: GuestAbs) -> Option<u64> {
        let g = self.gens.get((addr.get() / KEY_FRAME_SIZE) as usize)?;
        Some((u64::from(self.epoch) << 32) | u64::from(*g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_keys() {
        let mut r = Ram::new(0x2000);
        r.write(GuestAbs(0x1ffe), &[1, 2]).unwrap();
        let mut b = [0u8; 2];
        r.read(GuestAbs(0x1ffe), &mut b).unwrap();
        assert_eq!(b, [1, 2]);
        assert!(matches!(r.write(GuestAbs(0x1fff), &[1, 2]), Err(StorageFault::Addressing { .. })));
        r.set_storage_key(GuestAbs(0x1000), 0x3f).unwrap();
        assert_eq!(r.storage_key(GuestAbs(0x1234)), Ok(0x3e));
        // The read and the write above touched frame 1 only.
        assert_eq!(r.storage_key(GuestAbs(0)), Ok(0));
        r.set_storage_key(GuestAbs(0x1000), 0x30).unwrap();
        r.read(GuestAbs(0x1000), &mut b).unwrap();
        assert_eq!(r.storage_key(GuestAbs(0x1000)), Ok(0x34));
        r.write(GuestAbs(0xfff), &[0, 0]).unwrap();
        assert_eq!(r.storage_key(GuestAbs(0x1000)), Ok(0x36));
        assert_eq!(r.storage_key(GuestAbs(0)), Ok(0x06));
        // Writes and unchecked access change the frame generation; reads do not.
        let g = r.frame_generation(GuestAbs(0x1000));
        r.read(GuestAbs(0x1000), &mut b).unwrap();
        assert_eq!(r.frame_generation(GuestAbs(0x1000)), g);
        r.write(GuestAbs(0x1000), &[1]).unwrap();
        assert_ne!(r.frame_generation(GuestAbs(0x1000)), g);
        let g = r.frame_generation(GuestAbs(0));
        r.bytes_mut()[0] = 1;
        assert_ne!(r.frame_generation(GuestAbs(0)), g);
        assert_eq!(r.frame_generation(GuestAbs(0x2000)), None);
    }
}
