//! The SE header v1, also called the boot request control block (se-format.md §1, §3.7,
//! §6.1, §6.2).
//!
//! - [`SeHdr`]: every field of §1.1, parsed with the rules of §6.1 and written back
//!   byte for byte ([`layout`]);
//! - [`locate`], [`find`] and (feature `std`) [`locate_in`], [`read_from`]: find the
//!   header in a boot image or a bare header file (§3.7, [`search`]);
//! - [`SeHdr::open`] / [`SeHdr::open_with_host_key`]: authenticate and decrypt into a
//!   [`DecryptedSeHdr`] with its [`SeHdrSecrets`] (§1.5, §1.6, [`open`]);
//! - [`SeHdrBuilder`]: build and seal a header for 1..=95 host keys ([`builder`]);
//! - [`UvKeyHashes`] and [`SeHdr::contains_host_key`]: the checks of `pvimg test`.
//!
//! Errors are this crate's [`Error`](crate::Error): `HdrNotFound`, `HdrTruncated`
//! ("failed to fill whole buffer"), `InvalidHdr` (with a [`HdrDefect`]),
//! `UnknownHdrVersion`, `HdrAuth` (opaque) and `HdrOptionalItems` (`noi != 0`).

pub mod builder;
pub mod key_hashes;
pub mod layout;
pub mod open;
pub mod search;
pub mod secrets;

pub use builder::{PreparedSeHdr, SeHdrBuilder};
pub use key_hashes::UvKeyHashes;
pub use layout::{
    BOOT_HDR_TAGS_LEN, DIGEST_LEN, HDR_MAGIC, HDR_VERSION_V1, HdrDefect, MAX_HDR_SIZE,
    MAX_KEY_SLOTS, SEA_V1, SeHdr, expected_size,
};
pub use open::DecryptedSeHdr;
pub use search::{HdrLocation, find, locate};
#[cfg(feature = "std")]
pub use search::{locate_in, read_from};
pub use secrets::SeHdrSecrets;

/// What the header binds of the secured components (PLD, ALD, TLD, `nep`; se-format.md
/// §1.1, §2.3). One type for both sides: the `component` module computes it, the
/// [`SeHdrBuilder`] seals it into the header and [`SeHdr::digests`] reads it back.
pub use crate::component::ComponentDigests;
