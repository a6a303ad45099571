//! pv-hypervisor: the untrusted, KVM-like host of pvsim (DESIGN.md, "pv-hypervisor").
//!
//! This part is a non-secure machine that boots freestanding s390x programs the way
//! `qemu-system-s390x -kernel` does (`machine.md`):
//!
//! - [`memory`]: sparse guest absolute storage with storage keys; [`storage`]: the
//!   machine's storage, that or an attached ultravisor's checked host view;
//! - [`uv`]: the attached ultravisor (UVC, facility 158, host reset);
//! - [`pv_boot`], [`pv_run`]: starting a secure guest through the ultravisor's UVCs as
//!   KVM does, and running its CPU with SIE, answering the format-4 interceptions;
//! - [`machine`]: the [`Machine`], its CPUs (pv-emu) run round-robin, the floating
//!   service signal, the run [`Outcome`];
//! - [`intercept`]: what happens to the instructions pv-emu hands up;
//! - [`sclp`]: SERVICE CALL (READ SCP INFO, READ CPU INFO, the event facility with the
//!   ASCII console);
//! - [`sigp`]: SIGNAL PROCESSOR orders;
//! - [`stsi`]: STORE SYSTEM INFORMATION blocks;
//! - [`diag`], [`diag288`]: DIAGNOSE 0x308 (through pv-ipl), 0x288, 0x44, 0x9c;
//! - [`loader`]: ELF and raw images, command line and initial RAM disk;
//! - [`host`]: the console and clock seams; [`trace`]: the instruction observer;
//! - [`gdb`]: the GDB remote stub (s390x register file, target over the machine).
//!
//! A minimal run:
//!
//! ```
//! use pv_hypervisor::{Machine, MachineConfig, Outcome, host, loader};
//!
//! // A raw image: its short PSW enters at 0x1000, where LPSWE 0x800 loads a
//! // disabled-wait PSW.
//! let mut img = vec![0u8; 0x1004];
//! img[..8].copy_from_slice(&[0, 8, 0, 0, 0x80, 0, 0x10, 0]);
//! img[0x800..0x810].copy_from_slice(&[0, 2, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0xfe]);
//! img[0x1000..0x1004].copy_from_slice(&[0xb2, 0xb2, 0x08, 0x00]);
//! let cfg = MachineConfig { memory: 1 << 20, ..MachineConfig::default() };
//! let mut m = Machine::new(cfg, Box::new(host::NullConsole), &host::FixedClock(0)).unwrap();
//! m.boot(loader::Kernel::parse(img).unwrap(), loader::BootParams::default()).unwrap();
//! match m.run() {
//!     Outcome::DisabledWait { cpu: 0, psw } => assert_eq!(psw.addr, 0xffe),
//!     o => panic!("{o}"),
//! }
//! ```

pub mod config;
pub mod diag;
pub mod diag288;
pub mod ebcdic;
pub mod error;
pub mod gdb;
pub mod host;
pub mod intercept;
pub mod loader;
pub mod machine;
pub mod memory;
pub mod pv_boot;
pub mod pv_run;
pub mod sclp;
pub mod sigp;
pub mod storage;
pub mod stsi;
pub mod trace;
pub mod uv;

pub use config::{Facilities, MachineConfig, Names, WatchdogAction};
pub use error::Error;
pub use machine::{Machine, Outcome};
pub use storage::MachineMemory;
pub use uv::{HostUltravisor, UvFault};
