//! The UVC dispatcher: every call, from the host or a secure guest, typed or from s390x
//! code, goes through [`execute`]. The generic checks are here, in ONE place and in the
//! order of uv-spec.md §9 item 2 (*\[inferred\]* there; consistent with every test, which
//! changes one field at a time):
//!
//! 1. problem state → privileged-operation exception (PGM 0x02);
//! 2. I3 ≠ 0 (or M4 ≠ 0, uv-spec §11.22) → specification exception (PGM 0x06);
//! 3. UVCB access: the header, then the command's UVCB → PGM 0x11 for the host (its
//!    address space is identity-mapped, an address beyond storage is an invalid page),
//!    PGM 0x3d on a secure or donated page; for a guest the fault of its view;
//! 4. command unknown, not for this caller, or not installed → rc 0x0002;
//! 5. wrong `len` → rc 0x0005;
//! 6. host command other than Initialize and Query while uninitialized → rc 0x0003;
//! 7. handle: unknown configuration → rc 0x0020, unknown CPU → rc 0x0021; a configuration
//!    whose creation failed (rc | 0x8000) accepts only Destroy → rc 0x0003;
//! 8. the command's own checks and effect (module `uvc`, one file per command).
//!
//! rc and rrc are stored into the UVCB header and the UVCB is stored back; the condition
//! code is 0 for rc 0x0001 and 1 otherwise.

use alloc::vec;
use alloc::vec::Vec;

use pv_core::uvc::{
    HEADER_LEN, HandleField, LenRule, PGM_PAGE_TRANSLATION, PGM_PRIVILEGED, PGM_SPECIFICATION,
    UvcCmd, UvcInstr, UvcOutcome, Uvcb, UvcbHeader, rc,
};
use pv_core::{GuestAbs, Storage, StorageFault};

use crate::error::Result;
use crate::sec_config::ConfigState;
use crate::ultravisor::{GuestUvcOutcome, Ultravisor};

/// Who issued a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    /// The host (hypervisor).
    Host,
    /// Secure CPU `cpu` of configuration `config`.
    Guest {
        /// The CPU handle.
        cpu: u64,
        /// Its configuration's handle.
        config: u64,
    },
}

/// A call being executed: the fetched UVCB bytes, which handlers decode and update.
#[derive(Debug)]
pub(crate) struct Call {
    /// Who issued it.
    pub caller: Caller,
    /// The command.
    pub cmd: UvcCmd,
    /// `header.len` as given.
    pub len: u16,
    /// The UVCB bytes fetched (outputs are written here and stored back).
    pub uvcb: Vec<u8>,
    /// The handle the dispatcher validated (0 if the command has none).
    pub handle: u64,
}

impl Call {
    /// The UVCB decoded as `T`.
    pub fn get<T: Uvcb>(&self) -> T {
        T::decode(&self.uvcb)
    }

    /// Writes `v`'s fields into the UVCB.
    pub fn put<T: Uvcb>(&mut self, v: &T) {
        v.encode_into(&mut self.uvcb);
    }

    /// The calling guest's configuration (0 for the host).
    pub fn guest_config(&self) -> u64 {
        match self.caller {
            Caller::Guest { config, .. } => config,
            Caller::Host => 0,
        }
    }
}

/// A command handler's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Response {
    /// The response code.
    pub rc: u16,
    /// The return reason code.
    pub rrc: u16,
    /// The call does not complete: notification intercept instead.
    pub intercept: bool,
}

impl Response {
    /// rc 0x0001.
    pub const OK: Self = Self::rc(rc::EXECUTED);

    /// `rc` with rrc 0.
    pub const fn rc(rc: u16) -> Self {
        Self { rc, rrc: 0, intercept: false }
    }

    /// `rc` with `rrc`.
    pub const fn rrc(rc: u16, rrc: u16) -> Self {
        Self { rc, rrc, intercept: false }
    }

    /// A notification intercept (Remove Shared Access on a pinned page).
    pub const fn intercept() -> Self {
        Self { rc: 0, rrc: 0, intercept: true }
    }
}

fn read_uvcb(
    uv: &mut Ultravisor,
    caller: Caller,
    at: u64,
    buf: &mut [u8],
) -> Result<core::result::Result<(), StorageFault>> {
    Ok(match caller {
        Caller::Host => uv.mem.read(GuestAbs(at), buf),
        Caller::Guest { config, .. } => uv.config_view(config)?.read(GuestAbs(at), buf),
    })
}

fn write_uvcb(
    uv: &mut Ultravisor,
    caller: Caller,
    at: u64,
    buf: &[u8],
) -> Result<core::result::Result<(), StorageFault>> {
    Ok(match caller {
        Caller::Host => uv.mem.write(GuestAbs(at), buf),
        Caller::Guest { config, .. } => uv.config_view(config)?.write(GuestAbs(at), buf),
    })
}

/// The program-interruption code for a failed UVCB access.
fn access_exception(caller: Caller, fault: StorageFault) -> u16 {
    match (caller, fault) {
        (Caller::Host, StorageFault::Addressing { .. }) => PGM_PAGE_TRANSLATION,
        (_, f) => f.program_interruption_code(),
    }
}

/// Whether `cmd` may be issued by `caller` on this machine (installed and the right
/// issuer).
fn allowed(uv: &Ultravisor, caller: Caller, cmd: UvcCmd) -> bool {
    use pv_core::uvc::Issuer;
    let issuer = cmd.info().issuer;
    match caller {
        Caller::Host => issuer != Issuer::Guest && uv.spec.limits.host_calls.installs(cmd),
        Caller::Guest { .. } => issuer != Issuer::Host && uv.spec.limits.guest_calls.installs(cmd),
    }
}

/// Executes one UVC (see the module documentation for the order of the checks).
pub(crate) fn execute(
    uv: &mut Ultravisor,
    caller: Caller,
    instr: UvcInstr,
) -> Result<GuestUvcOutcome> {
    let program = |code| Ok(GuestUvcOutcome::Done(UvcOutcome::Program { code }));
    // 1. Privileged operation.
    if instr.problem_state {
        return program(PGM_PRIVILEGED);
    }
    // 2. I3 (and M4) must be zero.
    if instr.i3 != 0 || instr.m4 != 0 {
        return program(PGM_SPECIFICATION);
    }
    // 3. UVCB access: the header, then as much of the UVCB as the command defines.
    let mut head = [0u8; HEADER_LEN];
    if let Err(f) = read_uvcb(uv, caller, instr.uvcb, &mut head)? {
        return program(access_exception(caller, f));
    }
    let header = UvcbHeader::read(&head).unwrap_or_default();
    let known = UvcCmd::from_code(header.cmd);
    let fetch = match known {
        Some(c) => usize::from(header.len.min(c.info().len.max_len())).max(HEADER_LEN),
        None => HEADER_LEN,
    };
    let mut uvcb = vec![0u8; fetch];
    if let Err(f) = read_uvcb(uv, caller, instr.uvcb, &mut uvcb)? {
        return program(access_exception(caller, f));
    }
    let mut call = Call { caller, cmd: UvcCmd::Qui, len: header.len, uvcb, handle: 0 };
    let resp = match generic_checks(uv, &mut call, known) {
        Some(r) => r,
        // 8. The command's own checks and effect.
        None => crate::uvc::handle(uv, &mut call)?,
    };
    if resp.intercept {
        return Ok(GuestUvcOutcome::NotificationIntercept);
    }
    UvcbHeader::write_response(&mut call.uvcb, resp.rc, resp.rrc);
    // If the call changed the protection of the UVCB's own page (a hostile host donating
    // it), the store is suppressed and only the condition code reports *[inferred]*.
    let _ = write_uvcb(uv, caller, instr.uvcb, &call.uvcb)?;
    Ok(GuestUvcOutcome::Done(UvcOutcome::completed(resp.rc, resp.rrc)))
}

/// Steps 4-7; `Some` ends the call with that response.
fn generic_checks(uv: &Ultravisor, call: &mut Call, known: Option<UvcCmd>) -> Option<Response> {
    // 4. Command known, for this caller, installed.
    let cmd = match known {
        Some(c) if allowed(uv, call.caller, c) => c,
        _ => return Some(Response::rc(rc::INV_CMD)),
    };
    call.cmd = cmd;
    let info = cmd.info();
    // 5. Length.
    let len_ok = match info.len {
        LenRule::Exact(n) => call.len == n,
        LenRule::AtLeast { min, .. } => call.len >= min,
    };
    if !len_ok {
        return Some(Response::rc(rc::INV_LEN));
    }
    // 6. The UV must be initialized for every host command but Initialize and Query.
    let needs_init = !matches!(cmd, UvcCmd::Init | UvcCmd::Qui);
    if call.caller == Caller::Host && needs_init && uv.uv_base.is_none() {
        return Some(Response::rc(rc::INV_STATE));
    }
    // 7. Handle validity.
    let handle_at = |off: usize| pv_core::be::get_u64(&call.uvcb, off).unwrap_or(0);
    match info.handle {
        HandleField::Config(off) => {
            let h = handle_at(off);
            let Some(c) = uv.configs.get(&h) else {
                return Some(Response::rc(rc::INV_GHANDLE));
            };
            let destroy = matches!(cmd, UvcCmd::DestroyConfig | UvcCmd::DestroyConfigFast);
            if c.state == ConfigState::Incomplete && !destroy {
                return Some(Response::rc(rc::INV_STATE));
            }
            call.handle = h;
        }
        HandleField::Cpu(off) => {
            let h = handle_at(off);
            if !uv.cpus.contains_key(&h) {
                return Some(Response::rc(rc::INV_CHANDLE));
            }
            call.handle = h;
        }
        HandleField::None => {}
    }
    None
}
