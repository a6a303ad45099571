//! DIAGNOSE for a non-secure guest (uv-spec.md §6 for 0x308; QEMU's `HELPER(diag)` for
//! the rest): the function code is bits 48-63 of the second-operand address `D2(B2)`.
//!
//! - 0x308, IPL functions: pv-ipl's state machine decides ([`pv_ipl::diag308::Diag308State`]); this module
//!   performs the resets and the load it asks for:
//!   - subcode 0 (modified clear): subsystem reset, clear reset of every CPU, then "load
//!     normal" on the issuing CPU;
//!   - subcode 1 (load normal): subsystem reset, CPU reset of the other CPUs, initial
//!     CPU reset of the issuing CPU, then "load normal";
//!   - subcode 3 (load clear, re-IPL): storage cleared, clear reset of every CPU, the
//!     watchdog disarmed, and the booted image loaded again onto the issuing CPU (this
//!     machine has no IPL devices, so the saved IPIB is not consulted *\[inferred\]*);
//!   - with an ultravisor attached, subcodes 0, 1 and 3 reset it first
//!     ([`crate::uv`], uv-spec.md §3.1): donated storage zeroed, the ultravisor
//!     uninitialized;
//!   - subcode 10 (enter secure mode): other CPUs clear reset, the issuing CPU CPU reset,
//!     then, as there is no ultravisor in a non-secure machine, the failure response
//!     0x0a02 in R1+1 and execution continues after the DIAG (uv-spec.md §6.5 step 4).
//!
//!   "Load normal" takes the PSW from the short PSW at absolute 0 (QEMU's
//!   `s390_do_cpu_load_normal`): the mask is bits 0-32 with bit 12 inverted, the address
//!   bits 33-63; a PSW that lacked bit 12 is invalid and raises a specification exception
//!   on the first instruction (ILC 0).
//! - 0x288, watchdog: [`crate::diag288`].
//! - 0x44 (voluntary time-slice end) and 0x9c (directed yield): no operation.
//! - anything else: specification exception.

use pv_core::psw::SHORT_PSW_BIT;
use pv_core::uvc::HostReset;
use pv_core::{GuestAbs, Psw, Storage};
use pv_emu::exec::control::psw_valid;
use pv_emu::exec::reset::ResetKind as CpuReset;
use pv_emu::interrupt::{PgmCode, ProgramCheck};
use pv_ipl::diag308::{Diag308Config, Diag308Outcome, Diag308Request, ProgramException, ResetKind};

use crate::loader;
use crate::machine::Machine;
use crate::storage::MachineMemory;

/// DIAG function codes handled here.
pub mod code {
    /// Voluntary time-slice end.
    pub const YIELD: u16 = 0x44;
    /// Directed yield.
    pub const DIRECTED_YIELD: u16 = 0x9c;
    /// Watchdog.
    pub const WATCHDOG: u16 = 0x288;
    /// IPL functions.
    pub const IPL: u16 = 0x308;
}

/// Facility 161: secure-execution unpack (DIAG 308 subcodes 8-10).
const FACILITY_UNPACK: u8 = 161;
/// The subcode-10 failure response when no ultravisor exists.
pub(crate) const PV_UNAVAILABLE: u64 = 0x0a02;

fn spec() -> ProgramCheck {
    ProgramCheck::new(PgmCode::Specification)
}

impl Machine {
    /// DIAG R1,R3,D2(B2) on CPU `i`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn diag(&mut self, i: usize, r1: u8, r3: u8, b2: u8, d2: u16, addr: u64, len: u8) {
        let st = &self.cpus[i].state;
        let code = (if b2 != 0 { st.g(b2) } else { 0 }).wrapping_add(u64::from(d2)) as u16;
        match code {
            code::YIELD | code::DIRECTED_YIELD => {}
            code::WATCHDOG => {
                let (func, timeout, action) = (st.g(r1), st.g(r1.wrapping_add(1)), st.g(r3));
                let now = st.tod;
                if self.watchdog.execute(r1, func, timeout, action, now).is_err() {
                    self.program(i, spec(), addr, len);
                }
            }
            code::IPL => self.diag308(i, r1, r3, addr, len),
            _ => self.program(i, spec(), addr, len),
        }
    }

    fn diag308(&mut self, i: usize, r1: u8, r3: u8, addr: u64, len: u8) {
        let st = &self.cpus[i].state;
        let req = Diag308Request::from_regs(r1, r3, &st.gr, st.psw.is_problem_state());
        let cfg = Diag308Config {
            unpack_facility: self.cfg.facilities.has(FACILITY_UNPACK),
            huge_pages: false,
        };
        match self.diag308.execute(&cfg, &req, &mut self.mem) {
            Diag308Outcome::Response { reg, rc } => {
                self.cpus[i].state.set_g(reg, u64::from(rc.code()));
            }
            Diag308Outcome::Program(e) => {
                let p = match e {
                    ProgramException::Access(f) => ProgramCheck::from(f),
                    ProgramException::PrivilegedOperation => {
                        ProgramCheck::new(PgmCode::PrivilegedOperation)
                    }
                    _ => spec(),
                };
                self.program(i, p, addr, len);
            }
            Diag308Outcome::Reset(kind) => self.ipl_reset(i, kind, req.response_reg()),
        }
    }

    /// Performs the reset DIAG 308 asked for, issued by CPU `i`.
    pub(crate) fn ipl_reset(&mut self, i: usize, kind: ResetKind, response_reg: u8) {
        self.floating_service = None;
        self.sclp.events.reset();
        match kind {
            ResetKind::ModifiedClear => {
                self.reset_ultravisor(i, HostReset::Normal);
                self.cpus.iter_mut().for_each(|c| c.reset(CpuReset::Clear));
                self.load_normal(i);
            }
            ResetKind::LoadNormal => {
                self.reset_ultravisor(i, HostReset::Normal);
                for (j, c) in self.cpus.iter_mut().enumerate() {
                    c.reset(if j == i { CpuReset::Initial } else { CpuReset::Cpu });
                }
                self.load_normal(i);
            }
            ResetKind::ReIpl => {
                match &mut self.mem {
                    MachineMemory::Plain(m) => m.clear(),
                    MachineMemory::Ultravisor { .. } => self.reset_ultravisor(i, HostReset::Clear),
                }
                self.watchdog.disarm();
                self.cpus.iter_mut().for_each(|c| c.reset(CpuReset::Clear));
                self.reload(i);
            }
            ResetKind::Pv => {
                for (j, c) in self.cpus.iter_mut().enumerate() {
                    c.reset(if j == i { CpuReset::Cpu } else { CpuReset::Clear });
                }
                self.cpus[i].stopped = false;
                if let Some(word) = self.pv_start(i) {
                    self.cpus[i].state.set_g(response_reg, word);
                }
            }
        }
    }

    /// "Load normal": the issuing CPU starts with the short PSW at absolute 0.
    fn load_normal(&mut self, i: usize) {
        let mut b = [0u8; 8];
        let _ = self.mem.read(GuestAbs(0), &mut b);
        let short = u64::from_be_bytes(b);
        let psw = Psw {
            mask: (short & 0xffff_ffff_8000_0000) ^ SHORT_PSW_BIT,
            addr: short & 0x7fff_ffff,
        };
        self.start_ipl_cpu(i, psw);
        if !psw_valid(&psw) {
            self.program(i, spec(), psw.addr, 0);
        }
    }

    /// Loads the booted image again and starts CPU `i` at its entry point; without an
    /// image, "load normal" from whatever is at absolute 0.
    fn reload(&mut self, i: usize) {
        let Some((kernel, params)) = self.boot.clone() else {
            return self.load_normal(i);
        };
        match loader::load(&mut self.mem, &kernel, &params) {
            Ok(psw) => self.start_ipl_cpu(i, psw),
            // The image was loaded once into the same storage, so this cannot fail.
            Err(_) => self.load_normal(i),
        }
    }
}
