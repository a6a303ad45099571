//! pv-emu: the s390x execution core of pvsim (DESIGN.md, "pv-emu").
//!
//! - [`decode`]: a pure decoder; bytes in, one [`decode::Visitor`] call per instruction.
//! - [`disasm`]: a visitor that prints binutils' `objdump -d` text.
//! - [`exec`]: the executor, a visitor that runs instructions on a [`cpu::CpuState`]
//!   against a [`pv_core::Storage`], with [`interrupt`]s delivered through the lowcore.
//! - [`ram`]: a plain vector-backed [`pv_core::Storage`].
//!
//! The crate is `no_std` (with `alloc`) and depends only on `pv-core`.
//!
//! ```
//! use pv_core::{GuestAbs, Psw, Storage};
//! use pv_emu::{Cpu, Exit, decode::Op, disasm, ram::Ram};
//!
//! // lghi %r1,5 ; aghi %r1,37 ; diag %r1,%r0,0x500
//! let code = [0xa7, 0x19, 0x00, 0x05, 0xa7, 0x1b, 0x00, 0x25, 0x83, 0x10, 0x05, 0x00];
//! let mut ram = Ram::new(1 << 20);
//! ram.write(GuestAbs(0x10000), &code).unwrap();
//! assert_eq!(disasm::disassemble(&code, 0x10000, &disasm::NoSymbols).0, "lghi\t%r1,5");
//!
//! let mut cpu = Cpu::new();
//! cpu.state.psw = Psw::new_64bit(0x10000);
//! match cpu.run(&mut ram, 1000) {
//!     // DIAG needs the hypervisor: the CPU stops with the decoded instruction.
//!     Exit::Instruction { insn, addr } => {
//!         assert_eq!((insn.op, addr), (Op::Diag, 0x10008));
//!         assert_eq!(cpu.state.gr[1], 42);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```
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
