//! The machine as a PV host: DIAG 308 subcode 10 from the program turns it into a secure
//! guest, as QEMU and KVM do (uv-spec.md §6.5). With a [`SecureHost`] attached
//! ([`Machine::set_secure_host`]) the machine copies its storage to the ultravisor's
//! host storage at the guest's origin (where KVM's guest memory already is), starts the
//! guest with [`crate::pv_boot`] (Initialize, Create Secure Configuration and CPU, Set
//! Secure Configuration Parameters with the header the PV IPIB names, Unpack of every
//! component, Verify) and from then on runs its CPU with [`crate::pv_run`] instead of
//! the non-secure CPUs. A failing UVC leaves the program non-secure with the failure
//! word `cmd << 48 | rrc << 32 | rc << 16 | 0x0a02` in R1+1 (uv-spec.md §6.3, §6.5 step 4).

use pv_core::uvc::{UvcCmd, UvcInstr, UvcOutcome};
use pv_core::{GuestAbs, Psw, Storage};
use pv_ipl::diag308::{ResetKind, kvm_pv_cmd, pv_start_failure_word};

use super::{Machine, MachineMemory, Outcome};
use crate::pv_boot::{self, PvBootError, PvLayout};
use crate::pv_run::{PvRun, PvRunEnd, PvRunError, PvRunOptions};
use crate::uv::UvFault;

/// An ultravisor that can host the program's secure guest, its faults boxed.
pub type SecureHost = Box<dyn pv_core::uvc::Ultravisor<Error = UvFault>>;

/// Any [`pv_core::uvc::Ultravisor`] with its model faults boxed as [`UvFault`], so that a
/// machine can hold it as a [`SecureHost`] without naming the model's type.
#[derive(Debug)]
pub struct Boxed<U>(pub U);

impl<U> pv_core::uvc::Ultravisor for Boxed<U>
where
    U: pv_core::uvc::Ultravisor,
    U::Error: core::error::Error + Send + Sync + 'static,
{
    type Error = UvFault;

    fn host_uvc(&mut self, instr: UvcInstr) -> Result<UvcOutcome, UvFault> {
        self.0.host_uvc(instr).map_err(|e| UvFault(Box::new(e)))
    }

    fn host_storage(&mut self) -> &mut dyn Storage {
        self.0.host_storage()
    }

    fn host_reset(&mut self, kind: pv_core::uvc::HostReset) -> Result<(), UvFault> {
        self.0.host_reset(kind).map_err(|e| UvFault(Box::new(e)))
    }

    fn set_host_cpus_operating(&mut self, count: u32) {
        self.0.set_host_cpus_operating(count);
    }

    fn sie(&mut self, sd: u64, asce: u64, budget: u64) -> Result<pv_core::sie::SieExit, UvFault> {
        self.0.sie(sd, asce, budget).map_err(|e| UvFault(Box::new(e)))
    }
}

/// Where the secure guest lives in the host's storage: [`PvLayout::SPARSE_8G`] with the
/// guest as large as the machine's storage (the host's storage must reach
/// `mso + memory`).
pub fn secure_layout(memory: u64) -> PvLayout {
    PvLayout { msl: memory, ..PvLayout::SPARSE_8G }
}

/// Instructions one call of the secure CPU loop may run before the machine looks at its
/// limits and console again.
const SLICE: u64 = 50_000_000;

/// The machine after a successful DIAG 308 subcode 10.
pub(crate) struct SecureMode {
    uv: SecureHost,
    run: PvRun,
}

/// The KVM command a failing UVC of the PV start belongs to (uv-spec.md §6.3).
fn kvm_cmd(cmd: UvcCmd) -> u16 {
    match cmd {
        UvcCmd::SetParams => kvm_pv_cmd::SET_SEC_PARMS,
        UvcCmd::Unpack => kvm_pv_cmd::UNPACK,
        UvcCmd::Verify => kvm_pv_cmd::VERIFY,
        // Initialize, Create Secure Configuration and CPUs: KVM_PV_ENABLE (0).
        _ => 0,
    }
}

impl Machine {
    /// Attaches the ultravisor that DIAG 308 subcode 10 starts the program's secure
    /// guest on. Without one, subcode 10 answers 0x0a02 (no PV host). Only for a machine
    /// with plain storage (not one that offers the ultravisor to its program).
    pub fn set_secure_host(&mut self, uv: SecureHost) {
        self.secure_host = Some(uv);
    }

    /// Whether the program runs as a secure guest now.
    pub fn is_secure(&self) -> bool {
        self.secure.is_some()
    }

    /// DIAG 308 subcode 10 of CPU `i` (the resets are done): the PV start. `Some` is the
    /// response word for R1+1 when the program stays non-secure.
    pub(crate) fn pv_start(&mut self, i: usize) -> Option<u64> {
        let unavailable = Some(crate::diag::PV_UNAVAILABLE);
        let (MachineMemory::Plain(mem), Some(block)) = (&mut self.mem, self.diag308.pv_block())
        else {
            return unavailable;
        };
        let Some(mut uv) = self.secure_host.take() else { return unavailable };
        let layout = secure_layout(mem.size());
        let mut hdr = vec![0u8; usize::try_from(block.hdr_size).unwrap_or(0)];
        // KVM's guest memory is the host's at the guest origin already: copy ours there.
        let copied = mem.read(GuestAbs(block.hdr_addr), &mut hdr).is_ok()
            && mem
                .resident()
                .all(|(a, f)| uv.host_storage().write(GuestAbs(layout.mso + a), f).is_ok());
        if !copied {
            self.secure_host = Some(uv);
            return unavailable;
        }
        let started = pv_boot::boot(&mut *uv, &layout, &hdr, &block.components, 1)
            .map_err(PvStartFailure::Boot)
            .and_then(|guest| {
                let opts = PvRunOptions { names: self.cfg.names.clone(), ..Default::default() };
                let mut run = PvRun::new(layout, &guest, opts);
                run.start(&mut *uv).map(|()| run).map_err(PvStartFailure::Run)
            });
        match started {
            Ok(run) => {
                self.cpus.iter_mut().for_each(|c| c.stopped = true);
                self.secure = Some(SecureMode { uv, run });
                None
            }
            Err(PvStartFailure::Boot(PvBootError::Uvc { cmd, rc, rrc })) => {
                // KVM_PV_DISABLE: the configuration goes, the program stays non-secure.
                let word = pv_start_failure_word(kvm_cmd(cmd), rc, rrc);
                let _ = uv.host_reset(pv_core::uvc::HostReset::Normal);
                self.secure_host = Some(uv);
                Some(word)
            }
            Err(e) => {
                self.uv_fault = Some(UvFault(Box::new(std::io::Error::other(e.to_string()))));
                self.outcome = Some(Outcome::UltravisorFault { cpu: i as u16 });
                None
            }
        }
    }

    /// Runs the secure guest until it ends or the machine's limit is reached; `None` when
    /// it left secure mode (a re-IPL) and the machine goes on non-secure.
    pub(crate) fn run_secure(&mut self) -> Option<Outcome> {
        loop {
            let s = self.secure.as_mut()?;
            if let Some(input) = self.console.poll_input() {
                s.run.push_console_input(&input);
            }
            let left = self.cfg.max_instructions.map_or(SLICE, |m| m.saturating_sub(self.executed));
            if left == 0 {
                return Some(Outcome::InstructionLimit { executed: self.executed });
            }
            let before = s.run.stats().charged;
            let end = s.run.run(&mut *s.uv, left.min(SLICE));
            self.executed += s.run.stats().charged - before;
            let out = s.run.take_console();
            if !out.is_empty() {
                self.console.output(&out);
            }
            return Some(match end {
                Ok(PvRunEnd::BudgetUsed) => continue,
                Ok(PvRunEnd::Stopped) => Outcome::AllStopped,
                // The host never sees a secure guest's instruction address.
                Ok(PvRunEnd::DisabledWait { psw_mask }) => {
                    Outcome::DisabledWait { cpu: 0, psw: Psw { mask: psw_mask, addr: 0 } }
                }
                Ok(PvRunEnd::Idle { .. }) => Outcome::Idle,
                // Re-IPL (subcode 3) leaves secure mode (uv-spec.md §6.2): the
                // configuration goes (KVM_PV_DISABLE) and the machine IPLs again, non-secure.
                Ok(PvRunEnd::ResetRequest { subcode: 3 }) => {
                    self.leave_secure();
                    self.ipl_reset(0, ResetKind::ReIpl, 0);
                    return None;
                }
                // Subcodes 0 and 1 keep the configuration secure (uv-spec.md §3.3, the reset
                // sequence with Set Unshare All and Prepare Reset): not modelled, the run ends
                // as if the guest stopped.
                Ok(PvRunEnd::ResetRequest { .. }) => Outcome::AllStopped,
                Err(e) => {
                    self.uv_fault = Some(UvFault(Box::new(std::io::Error::other(e.to_string()))));
                    Outcome::UltravisorFault { cpu: 0 }
                }
            });
        }
    }

    /// Leaves secure mode: the configuration and its CPUs go (the ultravisor is reset to
    /// what it was before the start) and the ultravisor waits for the next start.
    fn leave_secure(&mut self) {
        if let Some(s) = self.secure.take() {
            let mut uv = s.uv;
            let _ = uv.host_reset(pv_core::uvc::HostReset::Clear);
            self.secure_host = Some(uv);
        }
    }
}

/// Why the PV start failed.
#[derive(Debug, thiserror::Error)]
enum PvStartFailure {
    #[error("{0}")]
    Boot(PvBootError<UvFault>),
    #[error("{0}")]
    Run(PvRunError<UvFault>),
}
