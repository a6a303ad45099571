//! Errors of the command-line tool. Every error exits with status 1; usage errors (clap)
//! exit with 2, as pvimg does.

use std::path::PathBuf;

/// A failed command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The output exists and `--overwrite` was not given.
    #[error("{0}: the output file exists already (use --overwrite to replace it)")]
    OutputExists(PathBuf),
    /// A key file was malformed (wrong size, not a key).
    #[error("{path}: {source}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        source: pv_header::Error,
    },
    /// A format or crypto error from pv-header.
    #[error(transparent)]
    Header(#[from] pv_header::Error),
    /// Writing or reading the image failed.
    #[error(transparent)]
    Image(#[from] pv_ipl::Error),
    /// A host-key document failed to load or verify.
    #[error("{path}: {source}")]
    HostKeyDocument {
        /// The document.
        path: PathBuf,
        /// What is wrong.
        source: pv_header::Error,
    },
    /// The kernel is not a raw s390x Linux kernel (component check).
    #[error("No s390x Linux kernel provided: {0}")]
    NotAKernel(&'static str),
    /// The command line is longer than the kernel accepts.
    #[error("The kernel command line is too large: {size} > {max}")]
    CmdlineTooLarge {
        /// Size including the terminating NUL.
        size: u64,
        /// The kernel's maximum.
        max: u64,
    },
    /// A numeric option could not be parsed.
    #[error("invalid value {value:?} for {option}: expected a number (decimal or 0x-prefixed hex)")]
    BadNumber {
        /// The option.
        option: &'static str,
        /// The value given.
        value: String,
    },
    /// `image test`: none of the given host keys has a key slot in the image.
    #[error("The image is not included for any of the given host keys")]
    NotIncluded,
    /// An option combination that clap cannot express.
    #[error("{0}")]
    Usage(&'static str),
    /// `pvsim run`: the machine could not be built or the program not loaded.
    #[error(transparent)]
    Machine(#[from] pv_hypervisor::Error),
    /// `pvsim demo`: the ultravisor refused to start the image.
    #[error("the ultravisor refused the image: {0}")]
    Refused(pv_hypervisor::pv_boot::PvBootError<pv_ultravisor::Error>),
    /// Writing to standard output failed (a closed pipe ends the command quietly).
    #[error("standard output: {0}")]
    Stdout(std::io::Error),
    /// `pvsim run`: the guest did not end successfully.
    #[error("{0}")]
    Guest(crate::cmd::run::GuestFailure),
    /// `pvsim run --gdb`: the port could not be opened or no connection accepted.
    #[error("gdb stub on 127.0.0.1:{port}: {source}")]
    GdbListen {
        /// The port asked for.
        port: u16,
        /// The cause.
        source: std::io::Error,
    },
    /// `pvsim run --gdb`: gdb killed the program.
    #[error("the program was killed from gdb")]
    GdbKilled,
}

impl CliError {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io { path: path.to_path_buf(), source }
    }

    /// The process exit status for this error: 2 for usage errors (including malformed
    /// option values), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::BadNumber { .. } => 2,
            Self::Guest(g) => g.exit_code(),
            _ => 1,
        }
    }

    /// Whether the error is standard output's reader having gone away (`pvsim … | head`):
    /// the command then ends with status 1 without a message, like a tool killed by SIGPIPE.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, Self::Stdout(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
