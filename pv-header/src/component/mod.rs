//! Secured components: the kernel, initrd, command line and stage3b of an SE image,
//! encrypted page by page with AES-256-XTS and summarised by the PLD/ALD/TLD digests and
//! the page count that the SE header carries (se-format.md §2, §7).
//!
//! - [`xts`] — the batched AES-256-XTS page cipher ([`Xts`], [`XtsKey`]);
//! - [`tweak`] — [`ComponentKind`], [`TweakPrefix`] and [`Tweak`];
//! - [`digest`] — [`ComponentDigests`];
//! - [`prepare`] — the customer side ([`Preparer`]): page by page (no_std), from a slice,
//!   or streaming from `std::io::Read` to `std::io::Write` (feature `std`);
//! - `pipeline` (feature `std`) — the same preparation with encryption on a second thread,
//!   so throughput approaches one SHA-512 stream ([`PipelineConfig`]);
//! - [`unpack`] — the ultravisor side ([`Unpacker`]): decrypt pages in place and recompute
//!   the digests (with feature `std`, the page digest optionally on a worker thread);
//! - [`cmdline`] — the NUL-terminated command-line component.
//!
//! # Example
//!
//! ```
//! use pv_core::GuestAbs;
//! use pv_header::component::{
//!     ComponentKind, ComponentSpec, Encryption, Preparer, TweakPrefix, Unpacker, XtsKey,
//! };
//! use pv_header::rand::CounterRandom;
//!
//! let mut rng = CounterRandom::new(b"example");
//! let key = XtsKey::from_slice(&[[1u8; 32], [2u8; 32]].concat())?;
//! let spec = ComponentSpec {
//!     addr: GuestAbs(0x15000),
//!     tweak_prefix: TweakPrefix::random(ComponentKind::Kernel, &mut rng)?,
//! };
//! let mut prep = Preparer::new(&key, Encryption::Enabled);
//! let (bytes, info) = prep.prepare_slice(spec, b"kernel bytes")?;
//! assert_eq!((info.original_size, info.prepared_size), (12, 4096));
//! let digests = prep.finish();
//!
//! // The ultravisor's view: decrypt every page in place and check the digests.
//! let mut unpacker = Unpacker::new(&key, Encryption::Enabled);
//! let mut page = [0u8; 4096];
//! page.copy_from_slice(&bytes);
//! unpacker.unpack_page(spec.addr, spec.tweak_prefix.first_tweak(), &mut page)?;
//! assert_eq!(&page[..12], b"kernel bytes");
//! unpacker.verify(&digests)?;
//! # Ok::<(), pv_header::Error>(())
//! ```

pub mod cmdline;
pub mod digest;
#[cfg(feature = "std")]
mod pipeline;
#[cfg(feature = "std")]
mod pld_thread;
pub mod prepare;
pub mod tweak;
pub mod unpack;
pub mod xts;

pub use cmdline::cmdline_with_nul;
pub use digest::{ComponentDigests, DigestField};
#[cfg(feature = "std")]
pub use pipeline::PipelineConfig;
pub use prepare::{ComponentPages, Preparer};
pub use tweak::{ComponentKind, Tweak, TweakPrefix};
pub use unpack::Unpacker;
pub use xts::{Xts, XtsKey};

use pv_core::GuestAbs;

/// The size of a page, the unit of preparation (4 KiB).
pub const PAGE_SIZE: usize = pv_core::PAGE_SIZE;

/// One 4 KiB page.
pub type Page = [u8; PAGE_SIZE];

/// Where a secured component goes and which tweaks it uses (se-format.md §2.1, §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ComponentSpec {
    /// Guest absolute address of the first page (4 KiB aligned).
    pub addr: GuestAbs,
    /// The component's tweak prefix.
    pub tweak_prefix: TweakPrefix,
}

/// What preparing one component produced (se-format.md §2.2, §3.6: the IPIB entry is
/// `{tweak_prefix, addr, prepared_size}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PreparedComponent {
    /// Guest absolute address of the first page.
    pub addr: GuestAbs,
    /// The component's tweak prefix.
    pub tweak_prefix: TweakPrefix,
    /// The size of the input in bytes.
    pub original_size: u64,
    /// The size of the prepared component: a whole number of pages, at least one.
    pub prepared_size: u64,
}

/// Whether component pages are encrypted (se-format.md §2.2 step 4). With
/// [`Encryption::Disabled`] (plaintext control flag bit 35, "no component encryption") the
/// prepared page is the padded plaintext; tweaks and digests are unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encryption {
    /// Pages are AES-256-XTS encrypted (pvimg's default).
    Enabled,
    /// Pages stay plaintext (pcf bit 35 set).
    Disabled,
}

impl Encryption {
    /// pcf bit 35 (MSB0) of the plaintext control flags: no component encryption.
    pub const PCF_NO_COMPONENT_ENCRYPTION: u64 = 1 << (63 - 35);

    /// The mode selected by the plaintext control flags `pcf` (se-format.md §1.2).
    pub const fn from_pcf(pcf: u64) -> Self {
        if pcf & Self::PCF_NO_COMPONENT_ENCRYPTION != 0 { Self::Disabled } else { Self::Enabled }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcf_bit_35_disables_encryption() {
        // A3 and B2 (vectors README): pcf 0x100000e0 and 0x300000f2 disable encryption.
        assert_eq!(Encryption::from_pcf(0x1000_00e0), Encryption::Disabled);
        assert_eq!(Encryption::from_pcf(0x3000_00f2), Encryption::Disabled);
        assert_eq!(Encryption::from_pcf(0xe0), Encryption::Enabled);
        assert_eq!(Encryption::from_pcf(0x2000_00f2), Encryption::Enabled);
    }
}
