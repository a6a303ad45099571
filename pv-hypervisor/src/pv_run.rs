//! The host's run loop for secure CPUs, as KVM and QEMU run a protected guest after
//! `pv_boot` (uv-spec.md §3.2 step 6, §5, §6, §8.5): the CPU that starts at the SE
//! header's PSW is set operating-load (Set CPU State 5), every CPU gets its format-4 state
//! description ([`pv_core::sie`]) with its handles and a SIDA, and the host then enters
//! CPU 0 with [`Ultravisor::sie`] until something needs the caller.
//!
//! What each SIE exit does ([`PvRun::run`]):
//!
//! - **0x70** (prefix pages not secure): Convert To Secure Storage of both prefix pages;
//!   the host tracks the prefix itself (0 after a reset, then the value each SPX
//!   notification leaves at SIDA offset 0). A second 0x70 right after both pages were
//!   imported means the host's prefix is wrong: [`PvRunError::PrefixImport`].
//! - **`Program { code: 0x3e, addr }`** (a non-secure guest page): Convert To Secure
//!   Storage of that page, re-enter (the guest's instruction was nullified). Any other
//!   host program condition ends with [`PvRunError::SieProgram`].
//! - **0x68 / 0x6c** (instruction / notification): see the `instr` module (SERVC with
//!   pv-hypervisor's own SCLP, STSI, SIGP, DIAG 0x44/0x9c/0x288/0x308/0x500, SPX,
//!   channel-subsystem instructions of a configuration without devices).
//! - **0x60 / 0x64** (mask notifications): nothing but a new look at the guest's masks,
//!   which may now allow a pending service signal.
//! - **0x1c** (wait): a wait PSW without I/O and external masks ends the run
//!   ([`PvRunEnd::DisabledWait`]; the address is the ultravisor's secret). An enabled
//!   wait with a service signal the guest is enabled for gets it injected and the CPU
//!   re-entered; an enabled wait with nothing to deliver ends the run as
//!   [`PvRunEnd::Idle`] *\[pvsim choice: this host has no devices, timers or console
//!   input that could ever wake it\]*.
//! - **0x28** (stop): [`PvRunEnd::Stopped`].
//! - **`Budget`**: the slice is charged to the caller's budget; re-enter, or end with
//!   [`PvRunEnd::BudgetUsed`].
//! - **0x20** validity, **0x08** program-interruption loop, **0x14** external loop:
//!   errors ([`PvRunError::Validity`], [`PvRunError::ProgramLoop`],
//!   [`PvRunError::ExternalLoop`]) — the guest cannot continue, as KVM_RUN fails.
//!
//! **Service signals** (uv-spec.md §5.5): after a SERVC the host owes the guest a
//! service-signal external interruption (code 0x2401). QEMU answers a protected guest's
//! SERVC with the dummy SCCB address 0x4000 in the parameter (the ultravisor puts the
//! real one in, keeping the low bits, bit 31 = event data pending). The injection goes
//! through `iictl`/`eic`/`eiparams` and only when the last exit showed the guest enabled
//! for it ([`service_signal_enabled`]: PSW external mask and CR0 bit 54), since the
//! ultravisor refuses an injection the guest is not enabled for with a validity
//! interception. As KVM does, the masks shown with a 0x68 or 0x70 interception are not
//! trusted (the guest is between two states there); the signal stays pending until a
//! later exit (0x64/0x60 mask notification, an enabled wait, a notification, a budget
//! exit) shows the guest enabled.
//!
//! Budget: every [`SieExit::Budget`] charges the whole slice, every other exit one
//! instruction (the host cannot know how many ran), so a guest looping on
//! interceptions still ends.
//!
//! Only CPU 0 runs (QEMU leaves the others stopped until the guest starts them with
//! SIGP; pvsim's run loop does not start them): SIGP orders to other CPU addresses are
//! answered "not operational" where the host may answer (stop and store status, 0x68).
//!
//! Nothing here reaches into the ultravisor: the host uses UVCs on architected UVCB
//! bytes ([`pv_core::uvc::call`]), its view of storage and the interception data.

mod error;
mod instr;

pub use error::PvRunError;
use error::{failed, unhandled};

use pv_core::psw::{PSW_MASK_CC, PSW_MASK_EXT, PSW_MASK_IO, PSW_MASK_WAIT};
use pv_core::sie::{
    SDF_FORMAT4, SIDA_PAGE, SIE_PAGE_LEN, SieExit, StateDescription, icpt, iictl, pv_grregs,
    set_pv_grregs,
};
use pv_core::uvc::uvcb::{CpuSetStateUvcb, CtsUvcb};
use pv_core::uvc::{Ultravisor, UvcOutcome, Uvcb, call, rc};
use pv_core::{GuestAbs, PAGE_SIZE_U64};

use crate::config::Names;
use crate::host::Console;
use crate::pv_boot::{PvLayout, SecureGuest};
use crate::sclp::{Sclp, ScpInfo};

/// The external-interruption code of a service signal.
pub const SERVICE_SIGNAL: u16 = 0x2401;
/// The SCCB address QEMU puts into the service-signal parameter for a protected guest
/// (the ultravisor substitutes the real one).
pub const PV_DUMMY_SCCB: u32 = 0x4000;
/// CR0 bit 54: the service-signal subclass mask.
pub const CR0_SERVICE_SIGNAL: u64 = 1 << (63 - 54);
/// Where the SIDAs start, relative to [`PvLayout::sie`] (after room for 32 state
/// descriptions).
pub const SIDA_OFFSET: u64 = 32 * PAGE_SIZE_U64;
/// The instructions one SIE entry may run by default.
pub const DEFAULT_SLICE: u64 = 100_000;
/// Set CPU State values (uv-spec.md §3.3).
mod cpu_state {
    pub const STOPPED: u8 = 2;
    pub const OPERATING_LOAD: u8 = 5;
}

impl PvLayout {
    /// The host absolute address of CPU `n`'s SIE page (its state description).
    pub const fn sie_page(&self, n: u16) -> u64 {
        self.sie + n as u64 * PAGE_SIZE_U64
    }

    /// The host absolute address of CPU `n`'s one-page SIDA: [`SIDA_OFFSET`] above
    /// [`PvLayout::sie`], one page per CPU (for [`PvLayout::SPARSE_8G`]: from 0x5_0000;
    /// 32 CPUs keep state descriptions and SIDAs apart and below the header at 0x8_0000).
    pub const fn sida(&self, n: u16) -> u64 {
        self.sie + SIDA_OFFSET + n as u64 * SIDA_PAGE
    }
}

/// Whether a guest with PSW mask `psw_mask` and control register 0 `cr0` (as the last
/// SIE exit exposed them) may be given a service signal: the PSW external mask (bit 7)
/// and the service-signal subclass mask (CR0 bit 54) are both on.
pub const fn service_signal_enabled(psw_mask: u64, cr0: u64) -> bool {
    psw_mask & PSW_MASK_EXT != 0 && cr0 & CR0_SERVICE_SIGNAL != 0
}

/// Whether a wait PSW is a disabled wait: neither I/O nor external interruptions can end
/// it (machine checks do not count: they end a wait only in error).
pub const fn is_disabled_wait(psw_mask: u64) -> bool {
    psw_mask & (PSW_MASK_IO | PSW_MASK_EXT) == 0
}

/// Why [`PvRun::run`] returned (the guest can be continued only where noted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PvRunEnd {
    /// The guest loaded a disabled wait PSW; `psw_mask` is the mask the ultravisor
    /// exposes (masks, wait bit, CC, addressing mode; the address stays hidden).
    DisabledWait {
        /// The exposed PSW mask.
        psw_mask: u64,
    },
    /// The guest waits enabled and nothing can ever be delivered to it.
    Idle {
        /// The exposed PSW mask.
        psw_mask: u64,
    },
    /// The guest asked for a reset or re-IPL with DIAG 308 `subcode` (0 modified clear,
    /// 1 load normal: the configuration now needs the reset sequence of uv-spec.md §3.3
    /// before any SIE entry; 3 load clear: QEMU leaves secure mode). The caller decides.
    ResetRequest {
        /// The DIAG 308 subcode (0, 1 or 3).
        subcode: u8,
    },
    /// CPU 0 stopped (a SIGP stop order to itself, or a stop interception); it was set
    /// stopped with Set CPU State 2, as QEMU does.
    Stopped,
    /// The caller's budget is used up; [`PvRun::run`] may be called again.
    BudgetUsed,
}

/// Options of a [`PvRun`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PvRunOptions {
    /// The most instructions one SIE entry may run.
    pub slice: u64,
    /// The names STSI reports.
    pub names: Names,
}

impl Default for PvRunOptions {
    /// [`DEFAULT_SLICE`] and pvsim's names.
    fn default() -> Self {
        Self { slice: DEFAULT_SLICE, names: Names::default() }
    }
}

/// Counts of what the host did for the guest (for tracing and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PvRunStats {
    /// SIE entries.
    pub entries: u64,
    /// Guest pages imported after a `Program { code: 0x3e }` exit.
    pub page_imports: u64,
    /// 0x70 interceptions answered (each imports both prefix pages).
    pub prefix_imports: u64,
    /// 0x68 interceptions answered.
    pub instructions: u64,
    /// What [`PvRun::run`] charged against its budgets: the instructions of every SIE
    /// entry that used its slice up, and one for every other exit (the host learns no
    /// exact count).
    pub charged: u64,
    /// 0x6c notifications seen.
    pub notifications: u64,
    /// Service signals chosen for injection.
    pub service_signals: u64,
}

/// A [`Console`] that collects output.
#[derive(Debug, Default)]
struct Collect(Vec<u8>);

impl Console for Collect {
    fn output(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// The host side of a running secure guest (its CPU 0): the layout, the handles, the
/// state the host keeps (prefix, pending service signal, SCLP, stored IPIB) and the
/// console output so far.
#[derive(Debug)]
pub struct PvRun {
    layout: PvLayout,
    config: u64,
    cpus: Vec<u64>,
    opts: PvRunOptions,
    /// CPU 0's prefix as the host knows it.
    prefix: u64,
    /// A service signal owed to the guest: its parameter.
    service: Option<u32>,
    /// Whether the masks of the last exit may be used for injection decisions.
    masks_valid: bool,
    sclp: Sclp,
    info: ScpInfo,
    console: Collect,
    /// The normal IPIB the guest set with DIAG 308 subcode 5.
    ipib: Option<Vec<u8>>,
    /// Whether the guest armed the DIAG 288 watchdog.
    watchdog_armed: bool,
    stats: PvRunStats,
}

/// The state of CPU 0 after one exit, as the host sees it.
struct Seen {
    sd: StateDescription,
    page: Vec<u8>,
}

impl Seen {
    fn grregs(&self) -> [u64; 16] {
        pv_grregs(&self.page)
    }

    fn set_grregs(&mut self, r: [u64; 16]) {
        set_pv_grregs(&mut self.page, r);
    }

    /// Sets the condition code the next entry gives the guest (after a 0x68).
    fn set_cc(&mut self, cc: u8) {
        self.sd.gpsw_mask = (self.sd.gpsw_mask & !PSW_MASK_CC) | (u64::from(cc & 3) << 44);
    }
}

/// What one handler decided.
enum Next {
    /// Re-enter.
    Enter,
    /// End the run.
    End(PvRunEnd),
}

impl PvRun {
    /// The host side of `guest`, booted by [`crate::pv_boot::boot`] with `layout`.
    pub fn new(layout: PvLayout, guest: &SecureGuest, opts: PvRunOptions) -> Self {
        let cpus = guest.cpus.clone();
        let addrs = (0..cpus.len()).map(|n| n as u16).collect();
        let info = ScpInfo {
            memory: layout.msl,
            increment_shift: 20,
            cpus: addrs,
            extended_length: false,
        };
        Self {
            layout,
            config: guest.config,
            cpus,
            opts,
            prefix: 0,
            service: None,
            masks_valid: false,
            sclp: Sclp::default(),
            info,
            console: Collect::default(),
            ipib: None,
            watchdog_armed: false,
            stats: PvRunStats::default(),
        }
    }

    /// Starts the guest as QEMU does after a successful boot: every CPU's SIE page gets
    /// its state description (handles, format 4, its SIDA), and CPU 0 is set
    /// operating-load (Set CPU State 5: the ultravisor loads the SE header's PSW).
    pub fn start<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
    ) -> Result<(), PvRunError<U::Error>> {
        if self.cpus.is_empty() {
            return Err(PvRunError::NoCpu);
        }
        for (n, &cpu) in self.cpus.iter().enumerate() {
            let n = n as u16;
            let sd = StateDescription {
                pv_handle_cpu: cpu,
                pv_handle_config: self.config,
                sdf: SDF_FORMAT4,
                sidad: self.layout.sida(n),
                ..Default::default()
            };
            let mut page = vec![0u8; SIE_PAGE_LEN];
            sd.encode_into(&mut page);
            let store = uv.host_storage();
            store.write(GuestAbs(self.layout.sie_page(n)), &page).map_err(error::storage)?;
            store
                .write(GuestAbs(self.layout.sida(n)), &[0u8; SIDA_PAGE as usize])
                .map_err(error::storage)?;
        }
        self.set_cpu_state(uv, cpu_state::OPERATING_LOAD)?;
        self.prefix = 0;
        self.service = None;
        self.masks_valid = false;
        Ok(())
    }

    /// Everything the guest wrote to the SCLP console so far.
    pub fn console(&self) -> &[u8] {
        &self.console.0
    }

    /// Takes the console output collected so far.
    pub fn take_console(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.console.0)
    }

    /// The prefix of CPU 0 as the host tracks it.
    pub const fn prefix(&self) -> u64 {
        self.prefix
    }

    /// Whether a service signal is owed to the guest and not yet delivered.
    pub const fn service_signal_pending(&self) -> bool {
        self.service.is_some()
    }

    /// What the host did so far.
    pub const fn stats(&self) -> PvRunStats {
        self.stats
    }

    /// Queues console input for the guest's READ EVENT DATA. The input does not raise an
    /// attention service signal by itself (the ultravisor accepts service signals only
    /// after a SERVC, uv-spec.md §5.5); the next SERVC's signal carries the
    /// event-pending bit.
    pub fn push_console_input(&mut self, bytes: &[u8]) {
        self.sclp.events.push_input(bytes);
    }

    /// Runs CPU 0 until the guest ends, stops, asks for a reset, or `budget` instructions
    /// were charged (see the module documentation). [`Self::start`] must have run.
    pub fn run<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        budget: u64,
    ) -> Result<PvRunEnd, PvRunError<U::Error>> {
        let mut used = 0u64;
        let end = self.run_charging(uv, budget, &mut used);
        self.stats.charged += used;
        end
    }

    /// [`PvRun::run`], adding what it charges against `budget` to `used`.
    fn run_charging<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        budget: u64,
        used: &mut u64,
    ) -> Result<PvRunEnd, PvRunError<U::Error>> {
        let sd_at = self.layout.sie_page(0);
        if self.cpus.is_empty() {
            return Err(PvRunError::NoCpu);
        }
        // Set when both prefix pages were just imported for a 0x70.
        let mut prefix_imported = false;
        loop {
            if *used >= budget {
                return Ok(PvRunEnd::BudgetUsed);
            }
            self.prepare_entry(uv, sd_at)?;
            let slice = self.opts.slice.clamp(1, budget - *used);
            let exit = uv.sie(sd_at, self.layout.asce, slice).map_err(error::model)?;
            self.stats.entries += 1;
            let code = match exit {
                SieExit::Budget => {
                    *used += slice;
                    self.masks_valid = true;
                    prefix_imported = false;
                    continue;
                }
                SieExit::Program { code: 0x3e, addr } => {
                    *used += 1;
                    prefix_imported = false;
                    self.import(uv, addr, true)?;
                    self.stats.page_imports += 1;
                    continue;
                }
                SieExit::Program { code, addr } => {
                    return Err(PvRunError::SieProgram { code, addr });
                }
                SieExit::Intercept(code) => code,
                _ => return Err(PvRunError::Unhandled { code: 0, ipa: 0, ipb: 0 }),
            };
            *used += 1;
            self.masks_valid = !matches!(code, icpt::PV_INSTR | icpt::PV_PREFIX);
            if code == icpt::PV_PREFIX {
                if prefix_imported {
                    return Err(PvRunError::PrefixImport { prefix: self.prefix });
                }
                let p = self.prefix;
                self.import(uv, p, false)?;
                self.import(uv, p + PAGE_SIZE_U64, false)?;
                prefix_imported = true;
                self.stats.prefix_imports += 1;
                continue;
            }
            prefix_imported = false;
            let mut seen = self.read_seen(uv, sd_at)?;
            let next = match code {
                icpt::PV_INSTR => {
                    self.stats.instructions += 1;
                    self.instruction(uv, &mut seen)?
                }
                icpt::PV_NOTIFY => {
                    self.stats.notifications += 1;
                    self.notification(uv, &seen)?
                }
                icpt::MCHKREQ | icpt::INT_ENABLE => Next::Enter,
                icpt::WAIT => self.wait(&seen),
                icpt::STOP => {
                    self.set_cpu_state(uv, cpu_state::STOPPED)?;
                    Next::End(PvRunEnd::Stopped)
                }
                icpt::VALIDITY => {
                    return Err(PvRunError::Validity { reason: seen.sd.validity_reason() });
                }
                icpt::PROGRAM => return Err(PvRunError::ProgramLoop { code: seen.sd.iprcc }),
                icpt::EXTERNAL => return Err(PvRunError::ExternalLoop { code: seen.sd.eic }),
                _ => return Err(unhandled(&seen.sd)),
            };
            self.write_seen(uv, sd_at, &seen)?;
            if let Next::End(end) = next {
                return Ok(end);
            }
        }
    }

    /// Chooses the service signal for the next entry when one is owed, no injection is
    /// in flight and the last trustworthy exit showed the guest enabled for it.
    fn prepare_entry<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        sd_at: u64,
    ) -> Result<(), PvRunError<U::Error>> {
        let Some(param) = self.service else {
            return Ok(());
        };
        let mut seen = self.read_seen(uv, sd_at)?;
        let sd = &mut seen.sd;
        if sd.iictl != iictl::NONE {
            // Chosen before and not delivered yet (the entry ended first): keep it.
            return Ok(());
        }
        if !self.masks_valid || !service_signal_enabled(sd.gpsw_mask, sd.gcr[0]) {
            return Ok(());
        }
        sd.iictl = iictl::EXT;
        sd.eic = SERVICE_SIGNAL;
        sd.eiparams = param;
        self.write_seen(uv, sd_at, &seen)?;
        self.stats.service_signals += 1;
        // The ultravisor clears iictl when it delivers; an entry that ends earlier leaves
        // it, and the check above keeps it chosen.
        self.service = None;
        Ok(())
    }

    /// 0x1c: a disabled wait ends the run; an enabled one gets the owed service signal
    /// or ends as idle.
    fn wait(&mut self, seen: &Seen) -> Next {
        let mask = seen.sd.gpsw_mask;
        if mask & PSW_MASK_WAIT != 0 && is_disabled_wait(mask) {
            return Next::End(PvRunEnd::DisabledWait { psw_mask: mask });
        }
        if self.service.is_some() && service_signal_enabled(mask, seen.sd.gcr[0]) {
            return Next::Enter;
        }
        Next::End(PvRunEnd::Idle { psw_mask: mask })
    }

    /// Makes a service signal with `event_pending` owed to the guest.
    fn owe_service_signal(&mut self, event_pending: bool) {
        self.service = Some(PV_DUMMY_SCCB | u32::from(event_pending));
    }

    /// Convert To Secure Storage of guest page `gaddr` (rc 0x0001, or 0x0104 "already
    /// secure" unless `must_change`).
    fn import<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        gaddr: u64,
        must_change: bool,
    ) -> Result<(), PvRunError<U::Error>> {
        let u = CtsUvcb { guest_handle: self.config, gaddr };
        match self.uvc(uv, &u)? {
            UvcOutcome::Completed { rc: rc::EXECUTED, .. } => Ok(()),
            UvcOutcome::Completed { rc: rc::import::ALREADY_SECURE, .. } if !must_change => Ok(()),
            o => Err(failed(CtsUvcb::CMD, o)),
        }
    }

    /// Set CPU State of CPU 0.
    fn set_cpu_state<U: Ultravisor + ?Sized>(
        &mut self,
        uv: &mut U,
        state: u8,
    ) -> Result<(), PvRunError<U::Error>> {
        let u = CpuSetStateUvcb { cpu_handle: self.cpus[0], state };
        match self.uvc(uv, &u)? {
            UvcOutcome::Completed { rc: rc::EXECUTED, .. } => Ok(()),
            o => Err(failed(CpuSetStateUvcb::CMD, o)),
        }
    }

    fn uvc<U: Ultravisor + ?Sized, T: Uvcb>(
        &mut self,
        uv: &mut U,
        u: &T,
    ) -> Result<UvcOutcome, PvRunError<U::Error>> {
        Ok(call(uv, self.layout.uvcb, u)?.0)
    }

    fn read_seen<U: Ultravisor + ?Sized>(
        &self,
        uv: &mut U,
        sd_at: u64,
    ) -> Result<Seen, PvRunError<U::Error>> {
        let mut page = vec![0u8; SIE_PAGE_LEN];
        uv.host_storage().read(GuestAbs(sd_at), &mut page).map_err(error::storage)?;
        Ok(Seen { sd: StateDescription::decode(&page), page })
    }

    fn write_seen<U: Ultravisor + ?Sized>(
        &self,
        uv: &mut U,
        sd_at: u64,
        seen: &Seen,
    ) -> Result<(), PvRunError<U::Error>> {
        let mut page = seen.page.clone();
        seen.sd.encode_into(&mut page);
        uv.host_storage().write(GuestAbs(sd_at), &page).map_err(error::storage)
    }

    /// Reads `len` bytes of CPU 0's SIDA.
    fn sida_read<U: Ultravisor + ?Sized>(
        &self,
        uv: &mut U,
        len: usize,
    ) -> Result<Vec<u8>, PvRunError<U::Error>> {
        let mut b = vec![0u8; len.min(SIDA_PAGE as usize)];
        uv.host_storage().read(GuestAbs(self.layout.sida(0)), &mut b).map_err(error::storage)?;
        Ok(b)
    }

    /// Writes `data` at the start of CPU 0's SIDA.
    fn sida_write<U: Ultravisor + ?Sized>(
        &self,
        uv: &mut U,
        data: &[u8],
    ) -> Result<(), PvRunError<U::Error>> {
        let n = data.len().min(SIDA_PAGE as usize);
        uv.host_storage().write(GuestAbs(self.layout.sida(0)), &data[..n]).map_err(error::storage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_signal_needs_both_masks() {
        let ext = PSW_MASK_EXT;
        assert!(service_signal_enabled(ext, CR0_SERVICE_SIGNAL));
        assert!(service_signal_enabled(ext | PSW_MASK_IO, 0xfe00));
        assert!(!service_signal_enabled(ext, 0xfc00), "CR0 bit 54 off");
        assert!(!service_signal_enabled(PSW_MASK_IO, CR0_SERVICE_SIGNAL), "PSW bit 7 off");
        assert!(!service_signal_enabled(0, 0));
        assert_eq!(CR0_SERVICE_SIGNAL, 0x200);
    }

    #[test]
    fn disabled_wait_is_without_io_and_external_masks() {
        let wait = PSW_MASK_WAIT | 0x0000_0001_8000_0000;
        assert!(is_disabled_wait(wait));
        assert!(is_disabled_wait(wait | pv_core::psw::PSW_MASK_MCHECK));
        assert!(!is_disabled_wait(wait | PSW_MASK_EXT));
        assert!(!is_disabled_wait(wait | PSW_MASK_IO));
    }

    #[test]
    fn sidas_follow_the_state_descriptions() {
        let l = PvLayout::SPARSE_8G;
        assert_eq!((l.sie_page(0), l.sie_page(2)), (0x3_0000, 0x3_2000));
        assert_eq!((l.sida(0), l.sida(1)), (0x5_0000, 0x5_1000));
        // 32 SIDAs fit below the header, and none overlaps a state description.
        assert!(l.sida(31) + SIDA_PAGE <= l.header);
        assert!(l.sie_page(31) < l.sida(0));
    }

    #[test]
    fn cc_goes_into_the_psw_mask_only() {
        let mut s = Seen { sd: StateDescription::default(), page: vec![0; SIE_PAGE_LEN] };
        s.sd.gpsw_mask = 0x0102_3001_8000_0000;
        s.set_cc(3);
        assert_eq!(s.sd.gpsw_mask, 0x0102_3001_8000_0000);
        s.set_cc(0);
        assert_eq!(s.sd.gpsw_mask, 0x0102_0001_8000_0000);
        s.set_cc(2);
        assert_eq!(s.sd.gpsw_mask, 0x0102_2001_8000_0000);
    }
}
