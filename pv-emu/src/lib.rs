//! pv-emu: the s390x execution core of pvsim (DESIGN.md, "pv-emu").
//!
//! - [`decode`]: a pure decoder; bytes in, one [`decode::Visitor`] call per instruction.
//! - [`disasm`]: a visitor that prints binutils' `objdump -d` text.
//! - [`exec`]: the executor, a visitor that runs instructions on a [`cpu::CpuState`]
//!   against a [`pv_core::Storage`], with [`interrupt`]s delivered through the lowcore.
//! - [`ram`]: a plain vector-backed [`pv_core::Storage`].
//!
//! The crate is `no_std` (with `alloc`) and depends only on `pv-core`.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod cpu;
pub mod decode;
pub mod disasm;
pub mod exec;
pub mod interrupt;
pub mod ram;

pub use cpu::CpuState;
pub use exec::{Cpu, Exit};

/// Errors of the execution core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Fewer bytes than the instruction length were supplied.
    #[error("instruction truncated: {needed} bytes needed")]
    Truncated {
        /// The instruction length the first byte announces.
        needed: usize,
    },
    /// The opcode is not in the decoder's table.
    #[error("unknown opcode ({len}-byte instruction)")]
    UnknownOpcode {
        /// The instruction length the first byte announces.
        len: usize,
    },
}
