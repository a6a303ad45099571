//! IBM Secure Execution boot images and IPL (facts: `se-format.md` §3, `uv-spec.md` §6).
//!
//! - [`layout`]: where an SE image puts the short PSW, the [`metadata`], the loaders,
//!   the SE header, the secured components and the IPIB ([`layout::ImageLayout::plan`]);
//! - [`loader_args`]: the argument blocks patched into stage3a and stage3b;
//! - [`loaders`]: our own boot loaders, stage3a ([`loaders::STAGE3A`], built from
//!   `loaders/stage3a.S`) and stage3b ([`loaders::STAGE3B`], from `loaders/stage3b.S`),
//!   and their error waits;
//! - [`ipib`]: IPL information blocks (FCP, CCW, NVMe, PV and raw others) with strict
//!   parsing and byte-exact serialization;
//! - [`diag308`]: DIAGNOSE 308 for normal guests as a pure state machine;
//! - [`image`]: the image writer ([`image::create_image`], feature `std`) and reader
//!   ([`image::ImageInfo`]).
//!
//! The crate is `no_std` + `alloc`; the `std` feature (default) adds the streaming image
//! writer and a reader over `std::io::Read + Seek`.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod diag308;
pub mod error;
pub mod image;
pub mod ipib;
pub mod layout;
pub mod loader_args;
pub mod loaders;
pub mod metadata;

pub use error::{Error, Result};
