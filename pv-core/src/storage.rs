//! The storage-access seam (DESIGN.md, "The trust boundary, in code"): one trait through
//! which a CPU model reads and writes the absolute storage of its configuration, together
//! with the per-frame storage keys (z/Architecture Principles of Operation, chapter 3,
//! "Storage Key").
//!
//! An implementation decides what a failed access means; it reports it as a
//! [`StorageFault`], which the CPU model turns into the architected program interruption
//! (addressing exception, PIC 0x0005; secure-storage-access exception, PIC 0x003d;
//! non-secure-storage-access exception, PIC 0x003e).

use crate::GuestAbs;

/// Size of the frame a storage key covers (4 KiB).
pub const KEY_FRAME_SIZE: u64 = 4096;

/// Storage-key bit: access-control bits (bits 0-3 of the 7-bit key) mask.
pub const SKEY_ACC_MASK: u8 = 0xf0;
/// Storage-key bit: fetch protection.
pub const SKEY_FETCH: u8 = 0x08;
/// Storage-key bit: reference.
pub const SKEY_REF: u8 = 0x04;
/// Storage-key bit: change.
pub const SKEY_CHANGE: u8 = 0x02;

/// Why an access to absolute storage failed. Each variant names the absolute address
/// that failed (for the translation-exception identification where one is stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageFault {
    /// The address is outside the configuration's storage: addressing exception
    /// (program-interruption code 0x0005).
    Addressing {
        /// The failing absolute address.
        addr: GuestAbs,
    },
    /// A non-secure accessor touched a secure page: secure-storage-access exception
    /// (program-interruption code 0x003d).
    SecureStorageAccess {
        /// The failing absolute address.
        addr: GuestAbs,
    },
    /// A secure accessor touched a non-secure page that is not shared: non-secure-storage
    /// access exception (program-interruption code 0x003e).
    NonSecureStorageAccess {
        /// The failing absolute address.
        addr: GuestAbs,
    },
    /// A secure accessor touched a secure page of another secure configuration:
    /// secure-storage violation (program-interruption code 0x003f; uv-spec.md §3.5).
    SecureStorageViolation {
        /// The failing absolute address.
        addr: GuestAbs,
    },
}

impl StorageFault {
    /// The program-interruption code the architecture assigns to this fault.
    pub const fn program_interruption_code(self) -> u16 {
        match self {
            Self::Addressing { .. } => 0x0005,
            Self::SecureStorageAccess { .. } => 0x003d,
            Self::NonSecureStorageAccess { .. } => 0x003e,
            Self::SecureStorageViolation { .. } => 0x003f,
        }
    }

    /// The failing absolute address.
    pub const fn addr(self) -> GuestAbs {
        match self {
            Self::Addressing { addr }
            | Self::SecureStorageAccess { addr }
            | Self::NonSecureStorageAccess { addr }
            | Self::SecureStorageViolation { addr } => addr,
        }
    }
}

/// Byte access to one configuration's absolute storage, plus its storage keys.
///
/// Accesses may cross frame boundaries; an implementation either performs the whole
/// access or none of it and reports the first failing address. Storage keys are the 7-bit
/// values `ACC(4) F R C` in the high bits of a byte (`SKEY_*` constants), one per 4 KiB
/// frame.
pub trait Storage {
    /// The size of the configuration's storage in bytes; addresses at or above it fail
    /// with [`StorageFault::Addressing`].
    fn size(&self) -> u64;

    /// Reads `buf.len()` bytes at `addr`.
    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault>;

    /// Writes `data` at `addr`.
    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault>;

    /// The storage key of the frame holding `addr`.
    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault>;

    /// Sets the storage key of the frame holding `addr` (only the 7 key bits are kept).
    fn set_storage_key(&mut self, addr: GuestAbs, key: u8) -> Result<(), StorageFault>;

    /// A value that changes whenever any byte of the 4 KiB frame holding `addr` may have
    /// changed, or `None` when the implementation does not track this. CPU models use
    /// it to keep decoded instructions of unchanged frames; `None` (the default) makes
    /// them decode every time.
    fn frame_generation(&self, addr: GuestAbs) -> Option<u64> {
        let _ = addr;
        None
    }
}

/// Plain bytes as storage: address 0 is the first byte, the size is the slice's length,
/// storage keys read 0 and setting them is ignored, no frame generations. For tests and
/// tools that need storage without keys (`&mut vec[..]` for a `Vec<u8>`).
impl Storage for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        check_range(self.size(), addr, buf.len())?;
        let a = addr.get() as usize;
        buf.copy_from_slice(&self[a..a + buf.len()]);
        Ok(())
    }

    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        check_range(self.size(), addr, data.len())?;
        let a = addr.get() as usize;
        self[a..a + data.len()].copy_from_slice(data);
        Ok(())
    }

    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault> {
        check_range(self.size(), addr, 1).map(|()| 0)
    }

    fn set_storage_key(&mut self, addr: GuestAbs, _key: u8) -> Result<(), StorageFault> {
        check_range(self.size(), addr, 1)
    }
}

/// `dst.copy_from_slice(src)` with the operand sizes of single instructions (1, 2, 4, 6
/// and 8 bytes) spelled out, so that storage implementations copy them inline rather
/// than by a `memcpy` call. Panics, like `copy_from_slice`, if the lengths differ.
#[inline(always)]
pub fn copy_small(dst: &mut [u8], src: &[u8]) {
    match (dst, src) {
        ([d], [s]) => *d = *s,
        (d @ [_, _], s @ [_, _]) => d.copy_from_slice(s),
        (d @ [_, _, _, _], s @ [_, _, _, _]) => d.copy_from_slice(s),
        (d @ [_, _, _, _, _, _], s @ [_, _, _, _, _, _]) => d.copy_from_slice(s),
        (d @ [_, _, _, _, _, _, _, _], s @ [_, _, _, _, _, _, _, _]) => d.copy_from_slice(s),
        (d, s) => d.copy_from_slice(s),
    }
}

/// Whether the access range `addr .. addr + len` lies inside storage of `size` bytes.
/// On failure, the first failing byte address is returned.
pub fn check_range(size: u64, addr: GuestAbs, len: usize) -> Result<(), StorageFault> {
    let start = addr.get();
    if start >= size {
        return Err(StorageFault::Addressing { addr });
    }
    match start.checked_add(len as u64) {
        Some(end) if end <= size => Ok(()),
        _ => Err(StorageFault::Addressing { addr: GuestAbs(size) }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_byte_slice_is_storage_without_keys() {
        use super::Storage;
        let mut b = [0u8; 16];
        let s: &mut [u8] = &mut b;
        s.write(crate::GuestAbs(4), &[1, 2]).unwrap();
        let mut r = [0u8; 3];
        s.read(crate::GuestAbs(3), &mut r).unwrap();
        assert_eq!(r, [0, 1, 2]);
        assert!(s.read(crate::GuestAbs(15), &mut r).is_err());
        assert_eq!(s.storage_key(crate::GuestAbs(0)), Ok(0));
        assert!(s.set_storage_key(crate::GuestAbs(16), 0x10).is_err());
    }

    use super::*;

    #[test]
    fn range_checks() {
        assert_eq!(check_range(0x1000, GuestAbs(0), 0x1000), Ok(()));
        assert_eq!(
            check_range(0x1000, GuestAbs(0xfff), 2),
            Err(StorageFault::Addressing { addr: GuestAbs(0x1000) })
        );
        assert_eq!(
            check_range(0x1000, GuestAbs(0x1000), 0),
            Err(StorageFault::Addressing { addr: GuestAbs(0x1000) })
        );
        assert_eq!(
            check_range(u64::MAX, GuestAbs(u64::MAX - 1), 4),
            Err(StorageFault::Addressing { addr: GuestAbs(u64::MAX) })
        );
    }

    #[test]
    fn codes() {
        let a = GuestAbs(8);
        assert_eq!(StorageFault::Addressing { addr: a }.program_interruption_code(), 5);
        assert_eq!(StorageFault::SecureStorageAccess { addr: a }.program_interruption_code(), 0x3d);
        assert_eq!(StorageFault::NonSecureStorageAccess { addr: a }.addr(), a);
        assert_eq!(
            StorageFault::SecureStorageViolation { addr: a }.program_interruption_code(),
            0x3f
        );
    }
}
