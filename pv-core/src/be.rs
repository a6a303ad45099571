//! Big-endian field helpers. Every architected integer on s390x is big-endian
//! (se-format.md "Conventions"); these read and write them at byte offsets without any
//! native-endian conversion of whole structs.

/// Reads a big-endian `u16` at `off`; `None` if the slice is too short.
pub fn get_u16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(off..off.checked_add(2)?)?.try_into().ok()?))
}

/// Reads a big-endian `u32` at `off`; `None` if the slice is too short.
pub fn get_u32(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(off..off.checked_add(4)?)?.try_into().ok()?))
}

/// Reads a big-endian `u64` at `off`; `None` if the slice is too short.
pub fn get_u64(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(off..off.checked_add(8)?)?.try_into().ok()?))
}

/// Writes a big-endian `u16` at `off`. Panics if out of range (caller sizes the buffer).
pub fn put_u16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_be_bytes());
}

/// Writes a big-endian `u32` at `off`. Panics if out of range (caller sizes the buffer).
pub fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_be_bytes());
}

/// Writes a big-endian `u64` at `off`. Panics if out of range (caller sizes the buffer).
pub fn put_u64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut b = [0u8; 16];
        put_u64(&mut b, 8, 0x0102_0304_0506_0708);
        assert_eq!(b[8], 1);
        assert_eq!(get_u64(&b, 8), Some(0x0102_0304_0506_0708));
        put_u32(&mut b, 0, 0xdead_beef);
        assert_eq!(get_u32(&b, 0), Some(0xdead_beef));
        put_u16(&mut b, 4, 0x1234);
        assert_eq!(get_u16(&b, 4), Some(0x1234));
        assert_eq!(get_u64(&b, 9), None);
        assert_eq!(get_u16(&b, usize::MAX), None);
    }
}
