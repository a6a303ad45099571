//! The ultravisor model of pvsim: the trusted firmware of IBM Secure Execution
//! (uv-spec.md §1-§4, §9; DESIGN.md "pv-ultravisor").
//!
//! - [`Ultravisor`]: one machine's ultravisor. The host reaches it only through
//!   [`pv_core::uvc::Ultravisor`] (UVC instructions on architected UVCB bytes, and the
//!   checked host view of storage); secure CPUs use [`Ultravisor::guest_uvc`] and
//!   [`Ultravisor::guest_storage`].
//! - `dispatch` (private): the one dispatcher, with the generic checks in one place; `uvc`
//!   (private): one handler file per command.
//! - [`storage`]: sparse machine storage, page protection states with one transition
//!   function, the host and guest views; [`donation`]: donated storage.
//! - [`sec_config`], [`sec_cpu`]: secure configurations and CPUs and their state machines;
//!   [`paging`]: export/import with integrity and anti-replay; [`secret_store`].
//! - [`sie`]: running secure CPUs on `pv-emu` with the format-4 interception rules
//!   (entry checks, validity, interceptions 0x68/0x6c/0x70, SIDA, `pv_grregs`, injection).
//! - [`machine`]: the z15/z16/z17 preset table; [`entropy`]: where random values come from.
//!
//! Architected failures are values (rc/rrc, program interruptions); [`Error`] is only for
//! faults of the model. Behaviour no source gives is marked *\[inferred\]* where it is
//! implemented and listed in `NOTES.md`.
#![no_std]

extern crate alloc;

pub mod clock;
mod dispatch;
pub mod donation;
pub mod entropy;
pub mod error;
pub mod machine;
pub mod paging;
pub mod sec_config;
pub mod sec_cpu;
pub mod secret_store;
pub mod sie;
pub mod storage;
mod ultravisor;
mod uvc;

pub use clock::{UvClock, VirtualClock};
pub use entropy::{CounterEntropy, Draw, UvEntropy};
pub use error::{Error, Result};
pub use machine::{GENERATIONS, Limits, MachineGeneration, MachineSpec};
pub use storage::{Donation, GuestView, MachineStorage, PageState};
pub use ultravisor::{GuestUvcOutcome, Ultravisor};
