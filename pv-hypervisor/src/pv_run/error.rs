//! The errors of the secure-CPU run loop ([`super::PvRun::run`]): host and ultravisor
//! failures, and guests that cannot continue (uv-spec.md §5.2: validity, program and
//! external-interruption loops).

use pv_core::StorageFault;
use pv_core::sie::StateDescription;
use pv_core::uvc::{CallError, UvcCmd, UvcOutcome};

use crate::pv_boot::PvBootError;

/// What ended [`super::PvRun::run`] with an error: host or ultravisor failures, or a guest that
/// cannot continue.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PvRunError<E: core::fmt::Debug> {
    /// A host UVC, a host storage access or the ultravisor model failed: the same
    /// failures as the boot's ([`PvBootError`]).
    #[error(transparent)]
    Host(#[from] PvBootError<E>),
    /// The booted guest has no CPU.
    #[error("the secure guest has no CPU")]
    NoCpu,
    /// A validity interception: the ultravisor refused the entry (reason `ipb >> 16`).
    #[error("validity interception, reason {reason:#06x}")]
    Validity {
        /// The reason code.
        reason: u16,
    },
    /// The guest loops on program interruptions (interception 0x08).
    #[error("the guest loops on program interruption {code:#06x}")]
    ProgramLoop {
        /// The program-interruption code.
        code: u16,
    },
    /// The guest loops on an external interruption its new PSW enables again (0x14).
    #[error("the guest loops on external interruption {code:#06x}")]
    ExternalLoop {
        /// The external-interruption code.
        code: u16,
    },
    /// SIE ended with a host program condition other than a non-secure guest page.
    #[error("SIE ended with program interruption {code:#06x} at {addr:#x}")]
    SieProgram {
        /// The program-interruption code.
        code: u16,
        /// The failing address.
        addr: u64,
    },
    /// The prefix pages were imported and SIE still says they are not secure: the host's
    /// idea of the prefix is wrong.
    #[error("prefix pages at {prefix:#x} imported, still interception 0x70")]
    PrefixImport {
        /// The prefix the host tracked.
        prefix: u64,
    },
    /// An interception this host does not know how to answer.
    #[error("unhandled interception {code:#04x} (ipa {ipa:#06x} ipb {ipb:#010x})")]
    Unhandled {
        /// The interception code.
        code: u8,
        /// Instruction text, first halfword.
        ipa: u16,
        /// Instruction text, rest.
        ipb: u32,
    },
}

impl<E: core::fmt::Debug> From<CallError<E>> for PvRunError<E> {
    fn from(e: CallError<E>) -> Self {
        Self::Host(e.into())
    }
}

/// A host storage access failed.
pub(super) fn storage<E: core::fmt::Debug>(f: StorageFault) -> PvRunError<E> {
    PvRunError::Host(PvBootError::Storage(f))
}

/// The ultravisor model failed.
pub(super) fn model<E: core::fmt::Debug>(e: E) -> PvRunError<E> {
    PvRunError::Host(PvBootError::Model(e))
}

pub(super) fn failed<E: core::fmt::Debug>(cmd: UvcCmd, o: UvcOutcome) -> PvRunError<E> {
    match o {
        UvcOutcome::Completed { rc, rrc, .. } => {
            PvRunError::Host(PvBootError::Uvc { cmd, rc, rrc })
        }
        UvcOutcome::Program { code } => PvRunError::Host(PvBootError::Program { cmd, code }),
    }
}

/// The error for an interception this host does not answer.
pub(super) fn unhandled<E: core::fmt::Debug>(sd: &StateDescription) -> PvRunError<E> {
    PvRunError::Unhandled { code: sd.icptcode, ipa: sd.ipa, ipb: sd.ipb }
}
