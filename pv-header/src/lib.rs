//! IBM Secure Execution (SE) formats, byte-compatible with IBM's `pvimg`, `pvattest` and
//! `pvsecret` (facts: `se-format.md`, sections cited per module).
//!
//! - [`hdr`]: the SE header v1 (build, seal, open), [`pcf`]/[`scf`] control flags,
//!   [`keyslot`]s and the customer P-521 key ([`ecc`]);
//! - [`component`]: secured components (AES-XTS per page, tweaks, PLD/ALD/TLD);
//! - [`hkd`] (feature `std`): host-key documents and their certificate-chain checks;
//! - [`request`]: attestation (ARCB) and add-secret (ASRCB) requests and the measurement.
//!
//! The crate is `no_std` + `alloc`; the `std` feature (default) adds the X.509 path, file
//! helpers and operating-system randomness. Randomness always comes in through
//! [`rand::RandomSource`], so fixed inputs give fixed bytes.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod component;
pub mod ecc;
pub mod error;
pub mod gcm;
pub mod hdr;
#[cfg(feature = "std")]
pub mod hkd;
#[cfg(feature = "std")]
pub mod info;
pub mod keyslot;
pub mod pcf;
pub mod rand;
pub mod request;
pub mod scf;
pub mod secret;

pub use error::{Error, Result};
