//! Big-endian UVCB fields and the `uvcb!` macro that declares a UVCB layout
//! (uv-spec.md §1.5: "all offsets hex", every integer big-endian).
//!
//! A layout is a plain struct of native values plus a table of `(offset, size)` pairs;
//! `decode` and `encode_into` copy each field at its offset with explicit big-endian
//! conversion (no pointer casts, no native-endian struct images). A compile-time
//! assertion under every layout checks that its fields lie after the 8-byte header,
//! inside the UVCB length, in ascending order and without overlap.

use crate::be::{get_u16, get_u32, get_u64, put_u16, put_u32, put_u64};

/// A value stored big-endian at a fixed UVCB offset.
pub trait BeField: Sized + Copy {
    /// Its size in bytes.
    const SIZE: usize;
    /// The all-zero value (a reserved or absent field).
    const ZERO: Self;
    /// Reads the field at `off`; `None` if `b` is too short.
    fn get(b: &[u8], off: usize) -> Option<Self>;
    /// Writes the field at `off`; does nothing if `b` is too short.
    fn put(self, b: &mut [u8], off: usize);
}

fn fits(b: &[u8], off: usize, size: usize) -> bool {
    off.checked_add(size).is_some_and(|end| end <= b.len())
}

impl BeField for u8 {
    const SIZE: usize = 1;
    const ZERO: Self = 0;
    fn get(b: &[u8], off: usize) -> Option<Self> {
        b.get(off).copied()
    }
    fn put(self, b: &mut [u8], off: usize) {
        if let Some(x) = b.get_mut(off) {
            *x = self;
        }
    }
}

macro_rules! be_int {
    ($t:ty, $get:ident, $put:ident) => {
        impl BeField for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            const ZERO: Self = 0;
            fn get(b: &[u8], off: usize) -> Option<Self> {
                $get(b, off)
            }
            fn put(self, b: &mut [u8], off: usize) {
                if fits(b, off, Self::SIZE) {
                    $put(b, off, self);
                }
            }
        }
    };
}

be_int!(u16, get_u16, put_u16);
be_int!(u32, get_u32, put_u32);
be_int!(u64, get_u64, put_u64);

impl<const N: usize> BeField for [u8; N] {
    const SIZE: usize = N;
    const ZERO: Self = [0; N];
    fn get(b: &[u8], off: usize) -> Option<Self> {
        b.get(off..off.checked_add(N)?)?.try_into().ok()
    }
    fn put(self, b: &mut [u8], off: usize) {
        if fits(b, off, N) {
            b[off..off + N].copy_from_slice(&self);
        }
    }
}

impl<const N: usize> BeField for [u64; N] {
    const SIZE: usize = 8 * N;
    const ZERO: Self = [0; N];
    fn get(b: &[u8], off: usize) -> Option<Self> {
        if !fits(b, off, 8 * N) {
            return None;
        }
        let mut out = [0u64; N];
        for (i, v) in out.iter_mut().enumerate() {
            *v = get_u64(b, off + 8 * i)?;
        }
        Some(out)
    }
    fn put(self, b: &mut [u8], off: usize) {
        if fits(b, off, 8 * N) {
            for (i, v) in self.iter().enumerate() {
                put_u64(b, off + 8 * i, *v);
            }
        }
    }
}

/// Whether a field table is well formed: every field after the 8-byte header, inside
/// `len`, ascending and not overlapping. Used in the compile-time assertion under each
/// layout.
pub const fn fields_fit(fields: &[(usize, usize)], len: usize) -> bool {
    fields_fit_after(fields, super::uvcb::HEADER_LEN, len)
}

/// Whether a field table is well formed: every field at or after `start`, inside `len`,
/// ascending and not overlapping (UVCBs start after their header, other blocks at 0).
pub const fn fields_fit_after(fields: &[(usize, usize)], start: usize, len: usize) -> bool {
    let mut end = start;
    let mut i = 0;
    while i < fields.len() {
        let (off, size) = fields[i];
        if off < end || off + size > len {
            return false;
        }
        end = off + size;
        i += 1;
    }
    true
}

/// Declares a UVCB layout: a struct with one public field per architected field, its
/// command, its length, the `(offset, size)` table and the [`Uvcb`](super::uvcb::Uvcb)
/// implementation, with a compile-time layout assertion right under it.
macro_rules! uvcb {
    (
        $(#[$m:meta])*
        pub struct $name:ident ($cmd:expr, $len:expr) {
            $( $(#[$fm:meta])* $field:ident : $ty:ty = $off:expr ),* $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$fm])* pub $field: $ty, )*
        }

        impl $name {
            /// The `(offset, size)` of every field, in declaration order.
            pub const FIELDS: &'static [(usize, usize)] =
                &[ $( ($off, <$ty as $crate::uvc::field::BeField>::SIZE) ),* ];
        }

        const _: () = assert!($crate::uvc::field::fields_fit($name::FIELDS, $len));

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: <$ty as $crate::uvc::field::BeField>::ZERO, )* }
            }
        }

        impl $crate::uvc::uvcb::Uvcb for $name {
            const CMD: $crate::uvc::cmd::UvcCmd = $cmd;
            const LEN: usize = $len;

            fn decode(b: &[u8]) -> Self {
                Self {
                    $( $field: <$ty as $crate::uvc::field::BeField>::get(b, $off)
                        .unwrap_or(<$ty as $crate::uvc::field::BeField>::ZERO), )*
                }
            }

            fn encode_into(&self, b: &mut [u8]) {
                $( $crate::uvc::field::BeField::put(self.$field, b, $off); )*
            }
        }
    };
}

pub(crate) use uvcb;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let mut b = [0u8; 16];
        0x1122u16.put(&mut b, 2);
        [0xaa_u8; 3].put(&mut b, 5);
        [1u64].put(&mut b, 8);
        assert_eq!(u16::get(&b, 2), Some(0x1122));
        assert_eq!(<[u8; 3]>::get(&b, 5), Some([0xaa; 3]));
        assert_eq!(<[u64; 1]>::get(&b, 8), Some([1]));
        assert_eq!(u64::get(&b, 9), None);
        // Out of range writes are ignored, never panic.
        0xffu8.put(&mut b, 16);
        7u64.put(&mut b, 12);
        [9u64; 2].put(&mut b, 8);
        assert_eq!(b[12..], [0, 0, 0, 1]);
    }

    #[test]
    fn layout_checks() {
        assert!(fields_fit(&[(0x18, 8), (0x20, 8)], 0x28));
        assert!(!fields_fit(&[(0x18, 8), (0x1c, 8)], 0x40));
        assert!(!fields_fit(&[(0x04, 2)], 0x40));
        assert!(!fields_fit(&[(0x20, 8)], 0x24));
    }
}
