//! The Ultravisor-call ABI (uv-spec.md §1, §2): the UVC instruction's operands, the
//! command table ([`cmd`]), the UVCB header and layouts ([`uvcb`], [`guest`]), the
//! response codes ([`rc`]), the outcome of a call ([`UvcOutcome`]) and the seam through
//! which a host reaches the ultravisor ([`Ultravisor`]).
//!
//! A call always goes through the architected bytes: the caller stores a UVCB in
//! storage and executes UVC with its address; the ultravisor reads it, acts, and stores
//! rc/rrc (and outputs) back. [`call`] and [`call_raw`] do exactly that for typed Rust
//! callers, so they take the same path as s390x code executing the instruction.

pub mod cmd;
pub mod field;
pub mod guest;
pub mod rc;
pub mod uvcb;

pub use cmd::{CmdInfo, HandleField, InstalledCalls, Issuer, LenRule, UvcCmd};
pub use uvcb::{HEADER_LEN, MAX_UVCB_LEN, NodataUvcb, Uvcb, UvcbHeader};

use crate::{GuestAbs, Storage, StorageFault};

/// The PSW condition code a UVC sets (uv-spec.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionCode {
    /// cc 0: executed, rc 0x0001.
    Executed = 0,
    /// cc 1: failed, or "more data" (rc 0x0100); rc/rrc say which.
    Failed = 1,
    /// cc 2: busy, re-issue.
    Busy = 2,
    /// cc 3: partially completed, re-issue.
    Partial = 3,
}

impl ConditionCode {
    /// The condition code for a completed call with response code `rc`: 0 for 0x0001,
    /// 1 otherwise.
    pub const fn for_rc(rc: u16) -> Self {
        if rc == rc::EXECUTED { Self::Executed } else { Self::Failed }
    }
}

/// What one UVC instruction did (uv-spec.md §1.1). Failures the architecture defines are
/// values here; model faults are the implementation's `Err`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UvcOutcome {
    /// The instruction completed: cc set, rc/rrc stored in the UVCB header.
    Completed {
        /// The condition code.
        cc: ConditionCode,
        /// The response code (also in the UVCB).
        rc: u16,
        /// The return reason code (also in the UVCB).
        rrc: u16,
    },
    /// The instruction was suppressed by a program interruption with this code
    /// (0x0002 privileged operation, 0x0006 specification, 0x0011 page translation,
    /// 0x003d secure-storage access, …); the UVCB is unchanged.
    Program {
        /// The program-interruption code.
        code: u16,
    },
}

impl UvcOutcome {
    /// A completed call with `rc`/`rrc` and the matching condition code.
    pub const fn completed(rc: u16, rrc: u16) -> Self {
        Self::Completed { cc: ConditionCode::for_rc(rc), rc, rrc }
    }

    /// `(rc, rrc)` of a completed call.
    pub const fn rc_rrc(&self) -> Option<(u16, u16)> {
        match *self {
            Self::Completed { rc, rrc, .. } => Some((rc, rrc)),
            Self::Program { .. } => None,
        }
    }

    /// The response code of a completed call.
    pub const fn rc(&self) -> Option<u16> {
        match self.rc_rrc() {
            Some((rc, _)) => Some(rc),
            None => None,
        }
    }

    /// Whether the call completed with rc 0x0001.
    pub const fn is_ok(&self) -> bool {
        matches!(self.rc(), Some(rc::EXECUTED))
    }
}

/// Program-interruption code: privileged operation.
pub const PGM_PRIVILEGED: u16 = 0x0002;
/// Program-interruption code: specification.
pub const PGM_SPECIFICATION: u16 = 0x0006;
/// Program-interruption code: page translation.
pub const PGM_PAGE_TRANSLATION: u16 = 0x0011;

/// The operands of one UVC instruction `B9A4 I3 M4 R1 R2` as the issuing CPU sees them
/// (uv-spec.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UvcInstr {
    /// The I3 field (must be 0).
    pub i3: u8,
    /// The M4 field.
    pub m4: u8,
    /// Whether the CPU is in the problem state (PSW bit 15).
    pub problem_state: bool,
    /// The UVCB address from R2.
    pub uvcb: u64,
}

impl UvcInstr {
    /// A well-formed supervisor-state UVC with the UVCB at `uvcb`.
    pub const fn at(uvcb: u64) -> Self {
        Self { i3: 0, m4: 0, problem_state: false, uvcb }
    }
}

/// The ultravisor as the host (hypervisor) sees it (DESIGN.md "The trust boundary, in
/// code"): UVC instructions, and storage only through a view the ultravisor checks.
pub trait Ultravisor {
    /// A fault of the model (never an architected failure).
    type Error: core::fmt::Debug;

    /// Executes a UVC issued by the host. The UVCB lies in host storage at `instr.uvcb`.
    fn host_uvc(&mut self, instr: UvcInstr) -> Result<UvcOutcome, Self::Error>;

    /// The host's view of machine storage: secure and donated pages fault with
    /// [`StorageFault::SecureStorageAccess`] (PGM 0x3d), never return bytes.
    fn host_storage(&mut self) -> &mut dyn Storage;

    /// A reset of the host configuration by the host's own DIAG 308 (subcodes 0, 1 and
    /// 3, uv-spec.md §3.1, §9 item 6): every donated and secure page reads zero and is
    /// non-secure again, every configuration and CPU is gone, and the ultravisor is
    /// uninitialized. [`HostReset::Clear`] also clears all storage.
    fn host_reset(&mut self, kind: HostReset) -> Result<(), Self::Error>;

    /// Tells the ultravisor how many CPUs of the host configuration are operating (not
    /// stopped) before a host UVC; Initialize requires exactly one (uv-spec.md §1.6,
    /// rc 0x0102). The default ignores it, for models that do not check it.
    fn set_host_cpus_operating(&mut self, count: u32) {
        let _ = count;
    }

    /// Enters a secure CPU with SIE (uv-spec.md §5, §9 item 3): `sd` is the host absolute
    /// address of its format-4 state description (the start of its SIE page,
    /// [`crate::sie`]), `asce` the guest ASCE the host passes at entry, `budget` the
    /// most instructions the CPU executes before [`crate::sie::SieExit::Budget`]. The
    /// interception data are stored back into the state description, `pv_grregs` and the
    /// SIDA.
    ///
    /// The default is an ultravisor that runs no secure CPUs: SIE ends with an operation
    /// exception (program-interruption code 0x0001) at `sd`.
    fn sie(&mut self, sd: u64, asce: u64, budget: u64) -> Result<crate::sie::SieExit, Self::Error> {
        let _ = (asce, budget);
        Ok(crate::sie::SieExit::Program { code: 0x0001, addr: sd })
    }
}

/// Which reset of the host configuration [`Ultravisor::host_reset`] performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostReset {
    /// Load-normal or modified-clear reset (DIAG 308 subcodes 1 and 0): storage outside
    /// the ultravisor's pages is kept.
    Normal,
    /// Load-clear reset (DIAG 308 subcode 3): all storage is cleared.
    Clear,
}

/// Why [`call`] or [`call_raw`] could not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallError<E> {
    /// Storing or fetching the UVCB through the host view failed.
    Storage(StorageFault),
    /// The ultravisor model failed.
    Model(E),
}

impl<E: core::fmt::Debug> core::fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Storage(s) => write!(f, "UVCB access failed: {s:?}"),
            Self::Model(e) => write!(f, "ultravisor model fault: {e:?}"),
        }
    }
}

/// Stores `uvcb` (its header included) at host address `at`, executes UVC on it and
/// fetches the same bytes back into `uvcb`.
pub fn call_raw<U: Ultravisor + ?Sized>(
    uv: &mut U,
    at: u64,
    uvcb: &mut [u8],
) -> Result<UvcOutcome, CallError<U::Error>> {
    uv.host_storage().write(GuestAbs(at), uvcb).map_err(CallError::Storage)?;
    let out = uv.host_uvc(UvcInstr::at(at)).map_err(CallError::Model)?;
    uv.host_storage().read(GuestAbs(at), uvcb).map_err(CallError::Storage)?;
    Ok(out)
}

/// The typed form of [`call_raw`]: encodes `uvcb` with its command and length, executes
/// it at host address `at` and decodes the result.
pub fn call<T: Uvcb, U: Ultravisor + ?Sized>(
    uv: &mut U,
    at: u64,
    uvcb: &T,
) -> Result<(UvcOutcome, T), CallError<U::Error>> {
    let mut image = uvcb.to_image();
    let b = &mut image[..T::LEN];
    let out = call_raw(uv, at, b)?;
    Ok((out, T::decode(b)))
}

/// A "nodata" call (uv-spec.md §1.5): `cmd` with `handle` at 0x18.
pub fn call_nodata<U: Ultravisor + ?Sized>(
    uv: &mut U,
    at: u64,
    cmd: UvcCmd,
    handle: u64,
) -> Result<UvcOutcome, CallError<U::Error>> {
    let mut image = NodataUvcb { handle }.image(cmd);
    call_raw(uv, at, &mut image[..uvcb::NODATA_LEN])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_helpers() {
        let o = UvcOutcome::completed(rc::EXECUTED, 0);
        assert!(o.is_ok());
        assert_eq!(o, UvcOutcome::Completed { cc: ConditionCode::Executed, rc: 1, rrc: 0 });
        let m = UvcOutcome::completed(rc::MORE_DATA, 0);
        assert!(matches!(m, UvcOutcome::Completed { cc: ConditionCode::Failed, .. }));
        assert_eq!(UvcOutcome::Program { code: 6 }.rc(), None);
        assert_eq!(UvcInstr::at(0x2000).uvcb, 0x2000);
    }
}
