//! The crate's one error type. Architected failures are never errors: they are rc/rrc
//! values or program interruptions in a [`UvcOutcome`](pv_core::uvc::UvcOutcome). An
//! [`Error`] means the model itself went wrong or was driven outside its contract by a
//! trusted caller.

use pv_core::StorageFault;

use crate::storage::Refused;

/// A fault of the ultravisor model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A guest-side call named a secure CPU that does not exist.
    #[error("no secure CPU with handle {handle:#x}")]
    UnknownCpu {
        /// The handle given.
        handle: u64,
    },
    /// The firmware's own storage access failed after its checks passed.
    #[error("firmware storage access failed: {fault:?}")]
    Storage {
        /// The fault.
        fault: StorageFault,
    },
    /// A page-state transition was refused after the handler's checks passed.
    #[error("page state transition refused: {refused:?}")]
    PageState {
        /// What was refused.
        refused: Refused,
    },
    /// Internal bookkeeping is inconsistent (a configuration or CPU the tables name is
    /// missing).
    #[error("inconsistent ultravisor state: {what}")]
    Inconsistent {
        /// Which table.
        what: &'static str,
    },
}

impl From<StorageFault> for Error {
    fn from(fault: StorageFault) -> Self {
        Self::Storage { fault }
    }
}

impl From<Refused> for Error {
    fn from(refused: Refused) -> Self {
        Self::PageState { refused }
    }
}

/// This crate's result type.
pub type Result<T> = core::result::Result<T, Error>;
