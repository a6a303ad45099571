//! Component kinds, tweak prefixes and XTS tweaks (se-format.md §2.1, §3.6).
//!
//! A tweak is 16 bytes: `be16(kind prefix) ‖ 6 random bytes ‖ be64(byte offset of the page
//! inside the component)`. Its first 8 bytes are the component's *tweak prefix*, which the
//! IPIB stores per component. The tweak is a 128-bit big-endian integer that grows by
//! 4096 per page.

use crate::Result;
use crate::rand::RandomSource;

/// The kinds of secured (encrypted) components and their 16-bit tweak prefixes
/// (se-format.md §2.1).
///
/// Other parts of a boot image have prefix numbers too (short PSW 10, metadata 20,
/// stage3a 30, SE header 80, IPIB 90) but are never encrypted and never get tweaks, so they
/// are not listed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ComponentKind {
    /// The Linux kernel (prefix 0x0028).
    Kernel,
    /// The initial RAM disk (prefix 0x0032).
    Ramdisk,
    /// The kernel command line, NUL-terminated (prefix 0x003c).
    Cmdline,
    /// IBM's stage3b loader (prefix 0x0046).
    Stage3b,
}

impl ComponentKind {
    /// All secured kinds, in the order pvimg lays them out.
    pub const ALL: [Self; 4] = [Self::Kernel, Self::Ramdisk, Self::Cmdline, Self::Stage3b];

    /// The 16-bit prefix in the top bytes of the tweak.
    pub const fn prefix(self) -> u16 {
        match self {
            Self::Kernel => 0x0028,
            Self::Ramdisk => 0x0032,
            Self::Cmdline => 0x003c,
            Self::Stage3b => 0x0046,
        }
    }

    /// The kind with this prefix, if it is a secured kind.
    pub const fn from_prefix(prefix: u16) -> Option<Self> {
        match prefix {
            0x0028 => Some(Self::Kernel),
            0x0032 => Some(Self::Ramdisk),
            0x003c => Some(Self::Cmdline),
            0x0046 => Some(Self::Stage3b),
            _ => None,
        }
    }
}

/// The first 8 bytes of a component's tweak: `be16(kind prefix) ‖ 6 random bytes`, as
/// stored (`tweak_pref`) in the IPIB component entries (se-format.md §2.1, §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TweakPrefix(pub u64);

impl TweakPrefix {
    /// A fresh prefix for `kind`: its 16-bit prefix followed by 6 bytes from `rng`.
    pub fn random(kind: ComponentKind, rng: &mut impl RandomSource) -> Result<Self> {
        let mut b = [0u8; 8];
        b[..2].copy_from_slice(&kind.prefix().to_be_bytes());
        rng.fill(&mut b[2..])?;
        Ok(Self(u64::from_be_bytes(b)))
    }

    /// The raw 64-bit value.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The 16-bit kind prefix (the top two bytes).
    pub const fn kind_prefix(self) -> u16 {
        (self.0 >> 48) as u16
    }

    /// The secured kind named by the top two bytes, if any.
    pub const fn kind(self) -> Option<ComponentKind> {
        ComponentKind::from_prefix(self.kind_prefix())
    }

    /// The tweak of the component's first page (`prefix ‖ be64(0)`).
    pub const fn first_tweak(self) -> Tweak {
        Tweak((self.0 as u128) << 64)
    }
}

/// A 16-byte XTS tweak (se-format.md §2.1), held as the 128-bit big-endian integer it
/// represents. Its big-endian bytes are used as-is as XTS's initial tweak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tweak(pub u128);

impl Tweak {
    /// The tweak of the page at byte `offset` in a component with prefix `prefix` (what the
    /// Unpack UVC receives as `tweak[0]` and `tweak[1]`, uv-spec §2 "unp").
    pub const fn new(prefix: TweakPrefix, offset: u64) -> Self {
        Self(((prefix.0 as u128) << 64) | offset as u128)
    }

    /// From the 16 big-endian bytes.
    pub const fn from_be_bytes(b: [u8; 16]) -> Self {
        Self(u128::from_be_bytes(b))
    }

    /// The 16 big-endian bytes (what TLD hashes and what XTS encrypts as `T0`'s input).
    pub const fn to_be_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// The tweak prefix (the first 8 bytes).
    pub const fn prefix(self) -> TweakPrefix {
        TweakPrefix((self.0 >> 64) as u64)
    }

    /// This tweak plus `bytes`, as a 128-bit big-endian addition (wrapping, like pvimg).
    pub const fn add(self, bytes: u64) -> Self {
        Self(self.0.wrapping_add(bytes as u128))
    }

    /// The tweak of the next page (+4096).
    pub const fn next_page(self) -> Self {
        self.add(super::PAGE_SIZE as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::CounterRandom;

    #[test]
    fn set_a_tweaks_come_from_the_drbg() {
        // vectors/pvimg/inputs/derived.txt: be16(prefix) ‖ DRBG("pvimg-vec/tweak/"+kind, 6).
        let cases = [
            (ComponentKind::Kernel, "kernel", 0x0028f8f918b5a845u64),
            (ComponentKind::Ramdisk, "ramdisk", 0x0032e64dcc91e1c1),
            (ComponentKind::Cmdline, "cmdline", 0x003cdf4fea98343f),
            (ComponentKind::Stage3b, "stage3b", 0x004679238e29d509),
        ];
        for (kind, label, want) in cases {
            let mut rng = CounterRandom::new(alloc::format!("pvimg-vec/tweak/{label}").as_bytes());
            let p = TweakPrefix::random(kind, &mut rng).unwrap();
            assert_eq!(p, TweakPrefix(want));
            assert_eq!(p.kind(), Some(kind));
        }
    }

    #[test]
    fn increments_are_128_bit_big_endian() {
        let p = TweakPrefix(0x0028f8f918b5a845);
        let t = p.first_tweak().next_page().next_page();
        assert_eq!(
            t.to_be_bytes(),
            [0x00, 0x28, 0xf8, 0xf9, 0x18, 0xb5, 0xa8, 0x45, 0, 0, 0, 0, 0, 0, 0x20, 0x00]
        );
        assert_eq!(t, Tweak::new(p, 0x2000));
        assert_eq!(t.prefix(), p);
        // The carry crosses into the prefix half.
        assert_eq!(Tweak::new(p, u64::MAX - 0xfff).next_page().prefix(), TweakPrefix(p.0 + 1));
        assert_eq!(ComponentKind::from_prefix(0x50), None);
        for k in ComponentKind::ALL {
            assert_eq!(ComponentKind::from_prefix(k.prefix()), Some(k));
        }
    }
}
