//! The ultravisor: machine storage, the UV's global state, secure configurations and
//! CPUs (uv-spec.md §9 item 1), the host's entry point ([`pv_core::uvc::Ultravisor`]) and
//! the entry points a secure CPU uses ([`Ultravisor::guest_uvc`],
//! [`Ultravisor::guest_storage`]).
//!
//! The host reaches this type only through the `pv_core::uvc::Ultravisor` trait: UVC
//! instructions and the checked host view of storage. The guest entry points are for the
//! trusted code that runs secure CPUs.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use pv_core::uvc::{UvcInstr, UvcOutcome};
use pv_core::{Psw, Storage};
use pv_header::secret::Secret;

use crate::clock::{UvClock, VirtualClock};
use crate::dispatch::{self, Caller};
use crate::donation::PageRange;
use crate::entropy::{CounterEntropy, UvEntropy};
use crate::error::{Error, Result};
use crate::machine::MachineSpec;
use crate::sec_config::{ConfigState, SecureConfig};
use crate::sec_cpu::{CpuState, SecureCpu};
use crate::storage::{GuestView, MachineStorage, PageEvent, PageState};

/// What a UVC issued by a secure guest did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GuestUvcOutcome {
    /// The instruction completed or took a program interruption.
    Done(UvcOutcome),
    /// Remove Shared Access on a pinned page: the CPU stops with a notification
    /// intercept (ipa 0xb9a4) for the host to unpin; the guest re-issues the call
    /// (uv-spec.md §4 "secure + shared + pinned").
    NotificationIntercept,
}

/// The ultravisor of one machine.
pub struct Ultravisor {
    pub(crate) spec: MachineSpec,
    pub(crate) mem: MachineStorage,
    pub(crate) uv_base: Option<PageRange>,
    pub(crate) configs: BTreeMap<u64, SecureConfig>,
    pub(crate) cpus: BTreeMap<u64, SecureCpu>,
    pub(crate) next_handle: u64,
    pub(crate) host_cpus_operating: u32,
    pub(crate) wrapping_key: Secret<32>,
    pub(crate) entropy: Box<dyn UvEntropy>,
    pub(crate) clock: Box<dyn UvClock>,
}

impl core::fmt::Debug for Ultravisor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ultravisor")
            .field("generation", &self.spec.generation)
            .field("initialized", &self.uv_base.is_some())
            .field("configs", &self.configs.len())
            .field("cpus", &self.cpus.len())
            .field("storage", &self.mem)
            .finish_non_exhaustive()
    }
}

/// Handles look opaque: a fixed tag in the high half, a counter in the low half.
const HANDLE_TAG: u64 = 0x5056_5356_0000_0000;

impl Ultravisor {
    /// An uninitialized ultravisor on a machine described by `spec`, with the
    /// deterministic [`CounterEntropy`] seeded by the generation's name.
    pub fn new(spec: MachineSpec) -> Self {
        let seed = alloc::format!("pvsim-uv/{:?}", spec.generation);
        Self::with_entropy(spec, Box::new(CounterEntropy::new(seed.as_bytes())))
    }

    /// An uninitialized ultravisor taking its random values from `entropy`.
    pub fn with_entropy(spec: MachineSpec, entropy: Box<dyn UvEntropy>) -> Self {
        Self {
            mem: MachineStorage::new(spec.storage_size),
            spec,
            uv_base: None,
            configs: BTreeMap::new(),
            cpus: BTreeMap::new(),
            next_handle: 1,
            host_cpus_operating: 1,
            wrapping_key: Secret::new([0; 32]),
            entropy,
            clock: Box::new(VirtualClock::default()),
        }
    }

    /// Replaces the host clock the CPU-timer rule of SIE entry uses (uv-spec.md §5.1;
    /// [`VirtualClock`] by default).
    pub fn set_clock(&mut self, clock: Box<dyn UvClock>) {
        self.clock = clock;
    }

    /// The machine description.
    pub fn spec(&self) -> &MachineSpec {
        &self.spec
    }

    /// Whether Initialize Ultravisor succeeded (and no host reset followed).
    pub fn is_initialized(&self) -> bool {
        self.uv_base.is_some()
    }

    /// The protection state of the page holding host absolute `addr`.
    pub fn page_state(&self, addr: u64) -> PageState {
        self.mem.page_state(addr)
    }

    /// Every page that is not non-secure, with its state.
    pub fn protected_pages(&self) -> Vec<(u64, PageState)> {
        self.mem.protected_pages().collect()
    }

    /// The handles of the existing configurations.
    pub fn config_handles(&self) -> Vec<u64> {
        self.configs.keys().copied().collect()
    }

    /// The handles of the existing secure CPUs.
    pub fn cpu_handles(&self) -> Vec<u64> {
        self.cpus.keys().copied().collect()
    }

    /// The state of a configuration.
    pub fn config_state(&self, handle: u64) -> Option<ConfigState> {
        self.configs.get(&handle).map(|c| c.state)
    }

    /// The state of a secure CPU.
    pub fn cpu_state(&self, handle: u64) -> Option<CpuState> {
        self.cpus.get(&handle).map(|c| c.state)
    }

    /// The PSW of a secure CPU (what operating-load loaded).
    pub fn cpu_psw(&self, handle: u64) -> Option<Psw> {
        self.cpus.get(&handle).map(|c| c.psw)
    }

    /// The configuration handle of secure CPU `handle`.
    pub fn cpu_config(&self, handle: u64) -> Option<u64> {
        self.cpus.get(&handle).map(|c| c.config)
    }

    /// The prefix of a secure CPU (trusted-side accessor; the host learns it only from
    /// SPX notifications).
    pub fn cpu_prefix(&self, handle: u64) -> Option<u64> {
        self.cpus.get(&handle).map(|c| u64::from(c.sie.emu.state.prefix))
    }

    /// How many host CPUs are operating (Initialize requires exactly one; default 1).
    pub fn set_host_cpus_operating(&mut self, n: u32) {
        self.host_cpus_operating = n;
    }

    /// Executes a UVC issued by secure CPU `cpu` (the UVCB address is a guest absolute
    /// address in its configuration). [`Error::UnknownCpu`] if there is no such CPU.
    pub fn guest_uvc(&mut self, cpu: u64, instr: UvcInstr) -> Result<GuestUvcOutcome> {
        let config = self.cpus.get(&cpu).ok_or(Error::UnknownCpu { handle: cpu })?.config;
        dispatch::execute(self, Caller::Guest { cpu, config }, instr)
    }

    /// The storage of secure CPU `cpu`'s configuration as its guest sees it.
    pub fn guest_storage(&mut self, cpu: u64) -> Result<GuestView<'_>> {
        let config = self.cpus.get(&cpu).ok_or(Error::UnknownCpu { handle: cpu })?.config;
        let c = self.configs.get(&config).ok_or(Error::Inconsistent { what: "cpu config" })?;
        let (mso, msl) = (c.mso, c.msl);
        Ok(GuestView::new(&mut self.mem, config, mso, msl))
    }

    /// Checks that the page states and the tables agree: every donated page belongs to
    /// an existing owner's range and every owner's range is donated to it; secure pages of
    /// live configurations lie in their guest storage. For tests and fuzzing.
    pub fn check_consistency(&self) -> Result<()> {
        use crate::storage::Donation as D;
        let bad = |what| Err(Error::Inconsistent { what });
        let in_range = |r: &PageRange, a: u64| r.start <= a && a < r.end();
        for (a, s) in self.mem.protected_pages() {
            match s {
                PageState::Donated(D::UvBase) => {
                    if !self.uv_base.is_some_and(|r| in_range(&r, a)) {
                        return bad("UV storage outside the UV base");
                    }
                }
                PageState::Donated(D::ConfigBase(h)) => {
                    if !self.configs.get(&h).is_some_and(|c| in_range(&c.base, a)) {
                        return bad("config base page without its config");
                    }
                }
                PageState::Donated(D::ConfigVar(h)) => {
                    let ok =
                        self.configs.get(&h).and_then(|c| c.var).is_some_and(|r| in_range(&r, a));
                    if !ok {
                        return bad("config variable page without its config");
                    }
                }
                PageState::Donated(D::Cpu(h)) => {
                    if !self.cpus.get(&h).is_some_and(|c| in_range(&c.stor, a)) {
                        return bad("CPU page without its CPU");
                    }
                }
                PageState::Secure { config }
                | PageState::Shared { config }
                | PageState::Pinned { config } => {
                    if let Some(c) = self.configs.get(&config)
                        && c.guest_addr(a).is_none()
                    {
                        return bad("secure page outside its guest storage");
                    }
                }
                PageState::NonSecure => return bad("non-secure page listed as protected"),
            }
        }
        let donated = |r: &PageRange, d: D| {
            r.pages().all(|p| self.mem.page_state(p) == PageState::Donated(d))
        };
        if let Some(r) = self.uv_base
            && !donated(&r, D::UvBase)
        {
            return bad("UV base not donated");
        }
        for c in self.configs.values() {
            if !donated(&c.base, D::ConfigBase(c.handle)) {
                return bad("config base not donated");
            }
            if let Some(v) = c.var
                && !donated(&v, D::ConfigVar(c.handle))
            {
                return bad("config variable storage not donated");
            }
        }
        for cpu in self.cpus.values() {
            if !donated(&cpu.stor, D::Cpu(cpu.handle)) || !self.configs.contains_key(&cpu.config) {
                return bad("CPU storage not donated, or CPU without config");
            }
        }
        Ok(())
    }

    /// A fresh handle (never reused).
    pub(crate) fn new_handle(&mut self) -> u64 {
        let h = HANDLE_TAG | (self.next_handle & 0xffff_ffff);
        self.next_handle += 1;
        h
    }

    /// The guest view of configuration `config` (for guest-call handlers).
    pub(crate) fn config_view(&mut self, config: u64) -> Result<GuestView<'_>> {
        let c = self.configs.get(&config).ok_or(Error::Inconsistent { what: "config" })?;
        let (mso, msl) = (c.mso, c.msl);
        Ok(GuestView::new(&mut self.mem, config, mso, msl))
    }

    /// Configuration `handle` (which the dispatcher has validated).
    pub(crate) fn config(&self, handle: u64) -> Result<&SecureConfig> {
        self.configs.get(&handle).ok_or(Error::Inconsistent { what: "config" })
    }

    /// Configuration `handle`, mutable.
    pub(crate) fn config_mut(&mut self, handle: u64) -> Result<&mut SecureConfig> {
        self.configs.get_mut(&handle).ok_or(Error::Inconsistent { what: "config" })
    }

    /// CPU `handle` (which the dispatcher has validated).
    pub(crate) fn cpu_mut(&mut self, handle: u64) -> Result<&mut SecureCpu> {
        self.cpus.get_mut(&handle).ok_or(Error::Inconsistent { what: "cpu" })
    }

    /// The CPUs of configuration `config`.
    pub(crate) fn cpus_of(&self, config: u64) -> impl Iterator<Item = &SecureCpu> + '_ {
        self.cpus.values().filter(move |c| c.config == config)
    }
}

impl pv_core::uvc::Ultravisor for Ultravisor {
    type Error = Error;

    fn host_uvc(&mut self, instr: UvcInstr) -> Result<UvcOutcome> {
        match dispatch::execute(self, Caller::Host, instr)? {
            GuestUvcOutcome::Done(o) => Ok(o),
            // Only Remove Shared Access (a guest call) intercepts.
            GuestUvcOutcome::NotificationIntercept => {
                Err(Error::Inconsistent { what: "intercept" })
            }
        }
    }

    fn host_storage(&mut self) -> &mut dyn Storage {
        &mut self.mem
    }

    fn sie(&mut self, sd: u64, asce: u64, budget: u64) -> Result<pv_core::sie::SieExit> {
        crate::sie::enter(self, sd, asce, budget)
    }

    /// Every donated and secure page is zeroed and becomes non-secure, every
    /// configuration and CPU is gone, and the ultravisor is uninitialized again
    /// (uv-spec.md §3.1, §9 item 6).
    fn host_reset(&mut self, kind: pv_core::uvc::HostReset) -> Result<()> {
        let pages: Vec<u64> = self.mem.protected_pages().map(|(a, _)| a).collect();
        for p in pages {
            self.mem.zero_page(p);
            self.mem.transition(p, PageEvent::HostReset)?;
        }
        self.configs.clear();
        self.cpus.clear();
        self.uv_base = None;
        if kind == pv_core::uvc::HostReset::Clear {
            // Every page is non-secure now: a clear reset leaves zeroed storage and keys.
            // Cleared in place: every frame generation changes (pv-emu's caches).
            self.mem.clear();
        }
        Ok(())
    }

    fn set_host_cpus_operating(&mut self, count: u32) {
        Ultravisor::set_host_cpus_operating(self, count);
    }
}
