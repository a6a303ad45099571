//! Address newtypes. A guest absolute address and a host absolute address are different
//! things (DESIGN.md, "pv-core"); the type system keeps them apart.

macro_rules! addr_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u64);

        impl $name {
            /// The raw address value.
            pub const fn get(self) -> u64 {
                self.0
            }
            /// Adds a byte offset; `None` on overflow.
            pub const fn checked_add(self, off: u64) -> Option<Self> {
                match self.0.checked_add(off) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }
            /// Whether the address is 4 KiB aligned.
            pub const fn is_page_aligned(self) -> bool {
                crate::is_page_aligned(self.0)
            }
        }

        impl core::fmt::LowerHex for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::LowerHex::fmt(&self.0, f)
            }
        }
    };
}

addr_type!(
    /// An absolute address in the storage of a guest (a secure or normal configuration).
    GuestAbs
);
addr_type!(
    /// An absolute address in the machine's (host's) storage.
    HostAbs
);
