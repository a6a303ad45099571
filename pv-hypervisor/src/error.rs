//! The crate's one error type: faults of the model or of its inputs (configuration,
//! images). Outcomes the architecture defines (SCLP response codes, SIGP status, program
//! exceptions) are values, not errors.

/// A machine could not be built or an image not loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The memory size is zero, not a multiple of 1 MiB, or above the model's limit.
    #[error("memory size {size:#x} must be a non-zero multiple of 1 MiB, at most 1 TiB")]
    MemorySize {
        /// The size asked for, in bytes.
        size: u64,
    },
    /// The CPU count is zero or above the model's limit.
    #[error("{count} CPUs requested; 1 to {max} are supported")]
    CpuCount {
        /// The count asked for.
        count: usize,
        /// The largest supported count.
        max: usize,
    },
    /// A `--facilities` item is not a facility number, `+N`, `-N`, `none` or `qemu`.
    #[error("invalid facility item {item:?}: expected N, +N, -N (0-255), none or qemu")]
    Facility {
        /// The offending item.
        item: String,
    },
    /// The ELF file header or a program header is malformed or not for s390x.
    #[error("ELF image: {what}")]
    Elf {
        /// What is wrong.
        what: &'static str,
    },
    /// A raw image is too short to hold the short PSW.
    #[error("raw image of {len} bytes is too short for the short IPL PSW")]
    RawImageTooShort {
        /// The image length.
        len: usize,
    },
    /// Part of the image, command line or initial RAM disk falls outside guest storage.
    #[error("{what} at {addr:#x}, {len:#x} bytes, does not fit in {size:#x} bytes of storage")]
    DoesNotFit {
        /// Which part.
        what: &'static str,
        /// Its load address.
        addr: u64,
        /// Its length in bytes.
        len: u64,
        /// The guest storage size.
        size: u64,
    },
    /// The command line does not fit the `ipl_args` area (0x10480-0x10fff, NUL included).
    #[error("command line of {len} bytes is too long (at most {max} bytes)")]
    CmdlineTooLong {
        /// Its length without the NUL.
        len: usize,
        /// The most bytes the area takes without the NUL.
        max: usize,
    },
    /// A command line or initial RAM disk was given for an image whose entry point is not
    /// 0x10000, where the kernel parameter area lives (machine.md, "Image layout").
    #[error("--append/--initrd need an image entered at 0x10000 (entry is {entry:#x})")]
    NoParameterArea {
        /// The image's entry point.
        entry: u64,
    },
    /// The attached ultravisor's storage is not the machine's usable memory.
    #[error("the ultravisor's storage has {size:#x} bytes, the machine {memory:#x}")]
    UltravisorStorage {
        /// The size of the ultravisor's host view.
        size: u64,
        /// The machine's usable memory.
        memory: u64,
    },
    /// The gdb remote connection failed (`pvsim run --gdb`).
    #[error("gdb connection failed: {kind}")]
    GdbConnection {
        /// The I/O error's kind.
        kind: std::io::ErrorKind,
    },
    /// The gdb remote session broke off on a malformed or unexpected packet.
    #[error("gdb remote protocol error")]
    GdbProtocol,
}
