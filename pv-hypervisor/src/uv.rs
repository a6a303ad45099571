//! The ultravisor attached to a machine (DESIGN.md "The trust boundary, in code";
//! uv-spec.md §1.1, §3.1, §9 items 4 and 6).
//!
//! The hypervisor never sees the ultravisor model itself, only
//! [`pv_core::uvc::Ultravisor`]: UVC instructions on architected UVCB bytes, the checked
//! host view of storage, and the host reset. [`HostUltravisor`] is an object-safe form of
//! that trait (its model faults boxed as [`UvFault`]), implemented for every
//! `Ultravisor` whose error is a `core::error::Error`, so a machine holds
//! `Box<dyn HostUltravisor>` and pvsim plugs in the concrete model.
//!
//! With an ultravisor attached ([`crate::Machine::with_ultravisor`]):
//!
//! - every storage access of the CPUs, the loader, SCLP, SIGP and DIAG goes through the
//!   ultravisor's host view ([`crate::storage::MachineMemory::Ultravisor`]): donated and
//!   secure pages give PGM 0x3d, never bytes;
//! - facility 158 (ultravisor call) is installed;
//! - UVC (`B9A4 I3 M4 R1 R2`) executed by the host program goes to
//!   [`pv_core::uvc::Ultravisor::host_uvc`] with I3, M4, the problem-state bit and the
//!   UVCB address from R2 (wrapped to the addressing mode), after telling the ultravisor
//!   how many host CPUs are not stopped (Initialize wants one). A completed call sets the
//!   condition code; a program interruption the ultravisor reports (0x02 privileged
//!   operation, 0x06 specification, 0x11 page translation, 0x3d secure-storage access
//!   for the UVCB) is delivered to the CPU. For the access exceptions the
//!   translation-exception identification names the first page of the UVCB that the host
//!   view refuses *\[inferred: the host address space is identity-mapped, so an address
//!   beyond storage is the invalid page\]*;
//! - DIAG 308 subcodes 0, 1 and 3 reset the ultravisor ([`HostReset`]) before the CPUs.
//!
//! Without one, UVC is an operation exception and facility 158 is removed.

use pv_core::psw::AddressingMode;
use pv_core::uvc::{HostReset, MAX_UVCB_LEN, UvcInstr, UvcOutcome, UvcbHeader};
use pv_core::{GuestAbs, Storage};
use pv_emu::decode::Rrf;
use pv_emu::interrupt::{PgmCode, ProgramCheck};

use crate::machine::{Machine, Outcome};

/// Facility 158: the ultravisor-call facility.
pub const FACILITY_UVC: u8 = 158;

/// A fault of the attached ultravisor model (never an architected failure): the model's
/// own error, boxed.
#[derive(Debug)]
pub struct UvFault(pub Box<dyn core::error::Error + Send + Sync>);

impl core::fmt::Display for UvFault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ultravisor model fault: {}", self.0)
    }
}

impl core::error::Error for UvFault {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(self.0.as_ref())
    }
}

/// The object-safe face of [`pv_core::uvc::Ultravisor`] that a machine holds.
pub trait HostUltravisor {
    /// Executes a UVC issued by the host ([`pv_core::uvc::Ultravisor::host_uvc`]) while
    /// `operating` host CPUs are not stopped
    /// ([`pv_core::uvc::Ultravisor::set_host_cpus_operating`]).
    fn uvc(&mut self, instr: UvcInstr, operating: u32) -> Result<UvcOutcome, UvFault>;

    /// The checked host view of machine storage
    /// ([`pv_core::uvc::Ultravisor::host_storage`]).
    fn storage(&mut self) -> &mut dyn Storage;

    /// Resets the ultravisor with the host configuration
    /// ([`pv_core::uvc::Ultravisor::host_reset`]).
    fn reset(&mut self, kind: HostReset) -> Result<(), UvFault>;
}

impl<U> HostUltravisor for U
where
    U: pv_core::uvc::Ultravisor,
    U::Error: core::error::Error + Send + Sync + 'static,
{
    fn uvc(&mut self, instr: UvcInstr, operating: u32) -> Result<UvcOutcome, UvFault> {
        self.set_host_cpus_operating(operating);
        self.host_uvc(instr).map_err(|e| UvFault(Box::new(e)))
    }

    fn storage(&mut self) -> &mut dyn Storage {
        self.host_storage()
    }

    fn reset(&mut self, kind: HostReset) -> Result<(), UvFault> {
        self.host_reset(kind).map_err(|e| UvFault(Box::new(e)))
    }
}

/// The program-interruption condition for a code the ultravisor reports; `None` for a
/// code no UVC can raise (a model fault).
fn program_check(code: u16, teid: u64) -> Option<ProgramCheck> {
    let c = match code {
        0x02 => PgmCode::PrivilegedOperation,
        0x05 => PgmCode::Addressing,
        0x06 => PgmCode::Specification,
        0x10 => return Some(ProgramCheck::with_teid(PgmCode::SegmentTranslation, teid)),
        0x11 => return Some(ProgramCheck::with_teid(PgmCode::PageTranslation, teid)),
        0x3d => return Some(ProgramCheck::with_teid(PgmCode::SecureStorageAccess, teid)),
        _ => return None,
    };
    Some(ProgramCheck::new(c))
}

/// The first page of the UVCB at `uvcb` that `mem` refuses (the header's page when the
/// header itself cannot be read; otherwise the pages `len` covers).
fn refused_page(mem: &mut dyn Storage, uvcb: u64) -> u64 {
    let mut head = [0u8; 8];
    if mem.read(GuestAbs(uvcb), &mut head).is_err() {
        return uvcb & !0xfff;
    }
    let len = UvcbHeader::read(&head).map_or(8, |h| h.len).clamp(8, MAX_UVCB_LEN as u16);
    let end = uvcb.saturating_add(u64::from(len));
    let mut page = uvcb & !0xfff;
    while page < end {
        if mem.read(GuestAbs(page.max(uvcb)), &mut [0u8]).is_err() {
            return page;
        }
        page += 0x1000;
    }
    uvcb & !0xfff
}

impl Machine {
    /// UVC on CPU `i` (the instruction at `addr`, `len` bytes).
    pub(crate) fn uvc(&mut self, i: usize, f: Rrf, addr: u64, len: u8) {
        let st = &self.cpus[i].state;
        let uvcb = match st.psw.addressing_mode() {
            Some(AddressingMode::Bits24) => st.g(f.r2) & 0x00ff_ffff,
            Some(AddressingMode::Bits31) => st.g(f.r2) & 0x7fff_ffff,
            _ => st.g(f.r2),
        };
        let instr = UvcInstr { i3: f.r3, m4: f.m4, problem_state: st.psw.is_problem_state(), uvcb };
        let operating = self.cpus.iter().filter(|c| !c.stopped).count() as u32;
        let Some(uv) = self.mem.ultravisor() else {
            return self.program(i, ProgramCheck::new(PgmCode::Operation), addr, len);
        };
        let fault = match uv.uvc(instr, operating) {
            Ok(UvcOutcome::Completed { cc, .. }) => {
                self.cpus[i].state.psw.set_cc(cc as u8);
                return;
            }
            Ok(UvcOutcome::Program { code }) => {
                let teid = refused_page(uv.storage(), uvcb);
                match program_check(code, teid) {
                    Some(p) => return self.program(i, p, addr, len),
                    None => UvFault(Box::new(UnexpectedProgramCode { code })),
                }
            }
            Err(e) => e,
        };
        self.uv_fault = Some(fault);
        self.outcome = Some(Outcome::UltravisorFault { cpu: self.cpus[i].state.cpu_addr });
    }

    /// Resets the attached ultravisor (if any) with the host configuration; a model
    /// fault ends the run.
    pub(crate) fn reset_ultravisor(&mut self, i: usize, kind: HostReset) {
        let Some(uv) = self.mem.ultravisor() else { return };
        if let Err(e) = uv.reset(kind) {
            self.uv_fault = Some(e);
            self.outcome = Some(Outcome::UltravisorFault { cpu: self.cpus[i].state.cpu_addr });
        }
    }
}

/// The ultravisor reported a program-interruption code no UVC can raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the ultravisor reported program-interruption code {code:#06x} for a UVC")]
pub struct UnexpectedProgramCode {
    /// The code.
    pub code: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_codes() {
        assert_eq!(program_check(2, 0).unwrap().code, 2);
        assert_eq!(program_check(6, 0).unwrap().teid, None);
        let p = program_check(0x11, 0x1_0000_0000).unwrap();
        assert_eq!((p.code, p.teid), (0x11, Some(0x1_0000_0000)));
        assert!(p.nullifies());
        assert_eq!(program_check(0x3d, 0x5000).unwrap().teid, Some(0x5000));
        assert!(program_check(0x07, 0).is_none());
    }

    #[test]
    fn refused_page_finds_the_first_bad_page() {
        let mut m = crate::memory::GuestMemory::new(1 << 20).unwrap();
        // Header at the last 8 bytes of storage, len 0x40: the next page is beyond.
        let at = (1 << 20) - 8;
        m.write(GuestAbs(at), &[0, 0x40, 0, 1, 0, 0, 0, 0]).unwrap();
        assert_eq!(refused_page(&mut m, at), 1 << 20);
        assert_eq!(refused_page(&mut m, 5 << 20), 5 << 20);
        assert_eq!(refused_page(&mut m, 0x2008), 0x2000);
    }
}
