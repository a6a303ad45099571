//! A non-secure virtual machine (DESIGN.md, "pv-hypervisor"): guest storage, CPUs run
//! round-robin on pv-emu with an instruction budget per slice, and the intercept loop
//! ([`crate::intercept`]) that handles what pv-emu hands up.
//!
//! Scheduling and time: every round, each CPU that is not stopped runs up to
//! [`MachineConfig::slice`] instructions. The TOD clock is virtual (pv-emu advances it
//! per instruction and skips ahead in an enabled wait for a timer); at the start of its
//! slice a CPU's clock is brought up to the latest clock of the round, so clocks stay
//! monotonic and close. Interruptions are pv-emu's per-CPU pending set (emergency
//! signal, external call, clock comparator, CPU timer, service signal), delivered by
//! pv-emu when the PSW and CR0 masks allow. The service signal is a floating
//! interruption: it waits at machine level until some CPU is enabled for it.
//!
//! The run ends ([`Outcome`]) when every CPU is stopped (QEMU shuts down then), when no
//! CPU can make progress any more (disabled wait, or enabled waits with nothing that
//! could end them), on the instruction limit, or on watchdog expiry.

use pv_core::{Psw, Storage};
use pv_emu::decode::Insn;
use pv_emu::exec::Exit;
use pv_emu::{Cpu, CpuState};
use pv_ipl::diag308::Diag308State;

use crate::config::{MachineConfig, WatchdogAction};
use crate::diag288::Watchdog;
use crate::host::{Clock, Console};
use crate::loader::{self, BootParams, Kernel};
use crate::memory::GuestMemory;
use crate::sclp::{Sclp, ScpInfo};
use crate::storage::MachineMemory;
use crate::trace::{self, InsnEvent, Observer, StepRecord};
use crate::uv::{self as uv_attach, HostUltravisor, UvFault};
use crate::{Error, memory};

mod debug;
pub mod secure;
pub use debug::{DebugControl, DebugStop};

/// CR0 bit 54: service-signal subclass mask.
const CR0_SERVICE_SIGNAL: u64 = 1 << (63 - 54);
/// The disabled-wait address QEMU treats as a clean shutdown ("special wait PSW").
pub const SHUTDOWN_WAIT_ADDR: u64 = 0xfff;

/// Why [`Machine::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every CPU is in the stopped state.
    AllStopped,
    /// A CPU loaded a disabled-wait PSW at address 0xfff and nothing else can run.
    Shutdown {
        /// The CPU's address.
        cpu: u16,
    },
    /// A CPU is in a disabled wait and nothing else can run.
    DisabledWait {
        /// The CPU's address.
        cpu: u16,
        /// Its PSW.
        psw: Psw,
    },
    /// Every running CPU waits, enabled, with nothing that could interrupt it.
    Idle,
    /// The configured instruction limit was reached.
    InstructionLimit {
        /// Instructions executed.
        executed: u64,
    },
    /// The DIAG 288 watchdog expired (action [`WatchdogAction::Stop`]).
    WatchdogExpired,
    /// The attached ultravisor model failed on a call of this CPU
    /// ([`Machine::ultravisor_fault`] has the fault).
    UltravisorFault {
        /// The CPU's address.
        cpu: u16,
    },
}

impl Outcome {
    /// Whether the machine ended the way a program ends on success.
    pub const fn is_clean(&self) -> bool {
        matches!(self, Self::AllStopped | Self::Shutdown { .. })
    }
}

impl core::fmt::Display for Outcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::AllStopped => f.write_str("all CPUs stopped"),
            Self::Shutdown { cpu } => write!(f, "CPU {cpu} shut down (disabled wait at 0xfff)"),
            Self::DisabledWait { cpu, psw } => {
                write!(f, "CPU {cpu} in disabled wait, PSW {:016x} {:016x}", psw.mask, psw.addr)
            }
            Self::Idle => f.write_str("every CPU waits with nothing left to wake it"),
            Self::InstructionLimit { executed } => {
                write!(f, "instruction limit reached after {executed} instructions")
            }
            Self::WatchdogExpired => f.write_str("the DIAG 288 watchdog expired"),
            Self::UltravisorFault { cpu } => {
                write!(f, "the ultravisor model failed on a call of CPU {cpu}")
            }
        }
    }
}

/// One virtual machine.
pub struct Machine {
    pub(crate) cfg: MachineConfig,
    pub(crate) mem: MachineMemory,
    /// What ended the run with [`Outcome::UltravisorFault`].
    pub(crate) uv_fault: Option<UvFault>,
    pub(crate) cpus: Vec<Cpu>,
    pub(crate) sclp: Sclp,
    pub(crate) info: ScpInfo,
    pub(crate) diag308: Diag308State,
    pub(crate) watchdog: Watchdog,
    pub(crate) floating_service: Option<u32>,
    pub(crate) console: Box<dyn Console>,
    pub(crate) boot: Option<(Kernel, BootParams)>,
    pub(crate) outcome: Option<Outcome>,
    /// The state before an intercepted instruction, for its trace line.
    pre_intercept: Option<CpuState>,
    /// A program interruption a handler delivered, for the trace line.
    pub(crate) trace_program: Option<u16>,
    observer: Option<Box<dyn Observer>>,
    pub(crate) executed: u64,
    /// The ultravisor that DIAG 308 subcode 10 starts a secure guest on.
    pub(crate) secure_host: Option<secure::SecureHost>,
    /// The secure guest the program became.
    pub(crate) secure: Option<secure::SecureMode>,
}

impl core::fmt::Debug for Machine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Machine")
            .field("cfg", &self.cfg)
            .field("mem", &self.mem)
            .field("executed", &self.executed)
            .finish_non_exhaustive()
    }
}

impl Machine {
    /// A machine with every CPU stopped and storage cleared; `clock` sets the TOD clock.
    /// It has no ultravisor: facility 158 is removed from the facility list.
    pub fn new(
        cfg: MachineConfig,
        console: Box<dyn Console>,
        clock: &dyn Clock,
    ) -> Result<Self, Error> {
        Self::build(cfg, None, console, clock)
    }

    /// A machine whose storage is `uv`'s checked host view (crate::uv): the
    /// ultravisor's storage must be exactly the configuration's usable memory; facility
    /// 158 is installed and UVC goes to the ultravisor.
    pub fn with_ultravisor(
        cfg: MachineConfig,
        uv: Box<dyn HostUltravisor>,
        console: Box<dyn Console>,
        clock: &dyn Clock,
    ) -> Result<Self, Error> {
        Self::build(cfg, Some(uv), console, clock)
    }

    fn build(
        mut cfg: MachineConfig,
        uv: Option<Box<dyn HostUltravisor>>,
        console: Box<dyn Console>,
        clock: &dyn Clock,
    ) -> Result<Self, Error> {
        cfg.validate()?;
        if cfg.memory == 0 || !cfg.memory.is_multiple_of(memory::SEGMENT_SIZE) {
            return Err(Error::MemorySize { size: cfg.memory });
        }
        cfg.facilities.set(uv_attach::FACILITY_UVC, uv.is_some());
        let mem = match uv {
            None => MachineMemory::Plain(GuestMemory::new(cfg.usable_memory())?),
            Some(uv) => {
                let mem = MachineMemory::attach(uv);
                let (size, memory) = (mem.size(), cfg.usable_memory());
                if size != memory {
                    return Err(Error::UltravisorStorage { size, memory });
                }
                mem
            }
        };
        let tod = clock.tod();
        let cpus = (0..cfg.cpus)
            .map(|i| {
                let mut c = Cpu::new();
                c.state.cpu_addr = i as u16;
                c.state.tod = tod;
                c.model.facilities = cfg.facilities.0;
                c.stopped = true;
                c
            })
            .collect();
        let info = ScpInfo {
            memory: mem.size(),
            increment_shift: cfg.increment_shift(),
            cpus: (0..cfg.cpus as u16).collect(),
            extended_length: cfg.facilities.has(140),
        };
        Ok(Self {
            cfg,
            mem,
            uv_fault: None,
            cpus,
            sclp: Sclp::default(),
            info,
            diag308: Diag308State::new(),
            watchdog: Watchdog::default(),
            floating_service: None,
            console,
            boot: None,
            outcome: None,
            pre_intercept: None,
            trace_program: None,
            observer: None,
            executed: 0,
            secure_host: None,
            secure: None,
        })
    }

    /// Loads `kernel` with `params` and makes CPU 0 operating at its entry point.
    pub fn boot(&mut self, kernel: Kernel, params: BootParams) -> Result<(), Error> {
        let psw = loader::load(&mut self.mem, &kernel, &params)?;
        self.boot = Some((kernel, params));
        self.start_ipl_cpu(0, psw);
        Ok(())
    }

    /// Makes CPU `i` operating with `psw`, the others keep their state.
    pub(crate) fn start_ipl_cpu(&mut self, i: usize, psw: Psw) {
        let c = &mut self.cpus[i];
        c.state.psw = psw;
        c.stopped = false;
    }

    /// Installs an observer; the machine then runs one instruction at a time.
    pub fn set_observer(&mut self, observer: Box<dyn Observer>) {
        self.observer = Some(observer);
    }

    /// Guest storage (with an ultravisor attached, its checked host view).
    pub fn memory(&self) -> &MachineMemory {
        &self.mem
    }

    /// Guest storage, mutably (for tests and tools).
    pub fn memory_mut(&mut self) -> &mut MachineMemory {
        &mut self.mem
    }

    /// The attached ultravisor, if any (for tests and tools: the hypervisor's own view).
    pub fn ultravisor_mut(&mut self) -> Option<&mut dyn HostUltravisor> {
        self.mem.ultravisor()
    }

    /// The ultravisor model's fault that ended the run with
    /// [`Outcome::UltravisorFault`].
    pub fn ultravisor_fault(&self) -> Option<&UvFault> {
        self.uv_fault.as_ref()
    }

    /// The CPUs, by address.
    pub fn cpus(&self) -> &[Cpu] {
        &self.cpus
    }

    /// One CPU, mutably.
    pub fn cpu_mut(&mut self, addr: u16) -> Option<&mut Cpu> {
        self.cpus.get_mut(usize::from(addr))
    }

    /// The configuration.
    pub fn config(&self) -> &MachineConfig {
        &self.cfg
    }

    /// The SCLP (for its event facility state).
    pub fn sclp(&self) -> &Sclp {
        &self.sclp
    }

    /// The DIAG 288 watchdog.
    pub fn watchdog(&self) -> &Watchdog {
        &self.watchdog
    }

    /// Instructions executed so far, all CPUs together.
    pub fn executed(&self) -> u64 {
        self.executed
    }

    /// Runs until an [`Outcome`].
    pub fn run(&mut self) -> Outcome {
        loop {
            if let Some(o) = self.outcome.take() {
                return o;
            }
            if self.secure.is_some() {
                match self.run_secure() {
                    Some(o) => return o,
                    None => continue,
                }
            }
            if self.cpus.iter().all(|c| c.stopped) {
                return Outcome::AllStopped;
            }
            if self.cfg.max_instructions.is_some_and(|m| self.executed >= m) {
                return Outcome::InstructionLimit { executed: self.executed };
            }
            if let Some(input) = self.console.poll_input() {
                self.push_input(&input);
            }
            let round_tod = self.cpus.iter().filter(|c| !c.stopped).map(|c| c.state.tod).max();
            let mut progress = false;
            for i in 0..self.cpus.len() {
                if self.cpus[i].stopped {
                    continue;
                }
                let c = &mut self.cpus[i];
                if let Some(t) = round_tod.filter(|&t| t > c.state.tod) {
                    c.advance_clock(t - c.state.tod);
                }
                progress |= self.check_watchdog(i);
                self.route_floating();
                progress |= self.run_slice(i);
                if self.outcome.is_some() {
                    break;
                }
            }
            if !progress
                && self.outcome.is_none()
                && let Some(o) = self.after_idle_round()
            {
                return o;
            }
        }
    }

    /// After a round in which no CPU made progress: fires a pending watchdog (its clock
    /// jumps to the deadline) or waits for console input and returns `None` to go on;
    /// otherwise the [`Outcome`] that ends the run.
    pub(crate) fn after_idle_round(&mut self) -> Option<Outcome> {
        if let Some(deadline) = self.watchdog.deadline() {
            for c in self.cpus.iter_mut().filter(|c| !c.stopped && c.state.tod < deadline) {
                c.advance_clock(deadline - c.state.tod);
            }
            self.fire_watchdog();
            return None;
        }
        if let Some(input) = self.console.wait_input() {
            self.push_input(&input);
            return None;
        }
        Some(self.idle_outcome())
    }

    /// Queues console input and announces it with a service signal.
    fn push_input(&mut self, bytes: &[u8]) {
        self.sclp.events.push_input(bytes);
        if let Some(p) = self.sclp.attention() {
            self.raise_service_signal(p);
        }
    }

    /// Makes a (floating) service-signal interruption pending with parameter `param`.
    pub(crate) fn raise_service_signal(&mut self, param: u32) {
        self.floating_service = Some(self.floating_service.unwrap_or(0) | param);
        self.route_floating();
    }

    /// Hands the floating service signal to the first CPU enabled for it.
    fn route_floating(&mut self) {
        let Some(p) = self.floating_service else { return };
        let enabled = |c: &Cpu| {
            !c.stopped
                && c.state.psw.mask & pv_core::psw::PSW_MASK_EXT != 0
                && c.state.cr[0] & CR0_SERVICE_SIGNAL != 0
        };
        if let Some(c) = self.cpus.iter_mut().find(|c| enabled(c)) {
            let merged = c.pending.service_signal.unwrap_or(0) | p;
            c.inject_service_signal(merged);
            self.floating_service = None;
        }
    }

    /// Fires the watchdog if CPU `i`'s clock reached the deadline, or would jump past
    /// it while waiting for a timer.
    fn check_watchdog(&mut self, i: usize) -> bool {
        let Some(deadline) = self.watchdog.deadline() else { return false };
        let c = &mut self.cpus[i];
        let waits_past =
            c.state.psw.is_wait() && c.next_timer_event().is_some_and(|t| t > deadline);
        if c.state.tod < deadline && !waits_past {
            return false;
        }
        if c.state.tod < deadline {
            c.advance_clock(deadline - c.state.tod);
        }
        self.fire_watchdog();
        true
    }

    fn fire_watchdog(&mut self) {
        self.watchdog.disarm();
        match self.cfg.watchdog {
            WatchdogAction::Stop => self.outcome = Some(Outcome::WatchdogExpired),
            WatchdogAction::Restart => {
                let c = &mut self.cpus[0];
                c.restart_interruption(&mut self.mem);
                c.stopped = false;
            }
        }
    }

    /// What ends a run in which no CPU can make progress.
    fn idle_outcome(&self) -> Outcome {
        let disabled = self.cpus.iter().find(|c| {
            !c.stopped
                && c.state.psw.is_wait()
                && c.state.psw.mask & (pv_core::psw::PSW_MASK_IO | pv_core::psw::PSW_MASK_EXT) == 0
        });
        match disabled {
            Some(c) if c.state.psw.addr == SHUTDOWN_WAIT_ADDR => {
                Outcome::Shutdown { cpu: c.state.cpu_addr }
            }
            Some(c) => Outcome::DisabledWait { cpu: c.state.cpu_addr, psw: c.state.psw },
            None => Outcome::Idle,
        }
    }

    /// Runs CPU `i` for one slice; `true` if it made progress.
    fn run_slice(&mut self, i: usize) -> bool {
        let mut left = self.cfg.slice.max(1);
        if let Some(m) = self.cfg.max_instructions {
            left = left.min(m.saturating_sub(self.executed));
        }
        let mut progress = false;
        while left > 0 {
            let before = (self.cpus[i].executed, self.cpus[i].state.psw);
            let exit = if self.observer.is_some() {
                self.traced_step(i).unwrap_or(Exit::Budget)
            } else {
                // One match per slice: pv-emu runs on the concrete storage.
                match &mut self.mem {
                    MachineMemory::Plain(m) => self.cpus[i].run(m, left),
                    MachineMemory::Ultravisor { uv, .. } => self.cpus[i].run(uv.storage(), left),
                }
            };
            let c = &self.cpus[i];
            let ran = c.executed - before.0;
            self.executed += ran;
            left = left.saturating_sub(ran.max(1));
            progress |= ran > 0 || c.state.psw != before.1;
            match exit {
                Exit::Budget => {}
                Exit::Instruction { insn, addr } => {
                    progress = true;
                    self.intercept(i, insn, addr);
                    if self.observer.is_some() {
                        self.report_intercepted(i, &insn, addr);
                    }
                    if self.cpus[i].stopped || self.outcome.is_some() {
                        break;
                    }
                }
                _ => break,
            }
        }
        progress
    }

    /// One traced instruction: pv-emu's step with a recorder, then the observer (except
    /// for an intercepted instruction, which is reported after its handling).
    fn traced_step(&mut self, i: usize) -> Option<Exit> {
        let before = self.cpus[i].state.clone();
        let mut rec = StepRecord::default();
        let exit = self.cpus[i].step_traced(self.mem.as_dyn(), &mut rec);
        if let Some(Exit::Instruction { .. }) = exit {
            self.pre_intercept = Some(before);
            return exit;
        }
        if let (Some((addr, insn)), Some(obs)) = (rec.insn, self.observer.as_mut()) {
            let changes = trace::diff(&before, &self.cpus[i].state);
            obs.instruction(&InsnEvent {
                cpu: self.cpus[i].state.cpu_addr,
                addr,
                insn: &insn,
                program_interruption: rec.program_interruption,
                changes: &changes,
            });
        }
        exit
    }

    /// Reports an intercepted instruction after the hypervisor handled it.
    fn report_intercepted(&mut self, i: usize, insn: &Insn, addr: u64) {
        let Some(before) = self.pre_intercept.take() else { return };
        let program_interruption = self.trace_program.take();
        if let Some(obs) = self.observer.as_mut() {
            let changes = trace::diff(&before, &self.cpus[i].state);
            obs.instruction(&InsnEvent {
                cpu: self.cpus[i].state.cpu_addr,
                addr,
                insn,
                program_interruption,
                changes: &changes,
            });
        }
    }
}
