//! Running secure CPUs (uv-spec.md §3.3, §4, §5, §6, §9 item 3): the host enters a
//! secure CPU with [`pv_core::uvc::Ultravisor::sie`] on a format-4 state description
//! ([`pv_core::sie`]); the ultravisor checks the entry, completes the instruction a 0x68
//! interception left pending, injects the interruption the host chose, and runs the CPU
//! on `pv-emu` against the guest's view of storage until something needs the host.
//!
//! **Entry** (in this order; every failure is a validity interception 0x20 with the reason
//! code of [`pv_core::sie::validity`] in `ipb >> 16`, all values *\[inferred\]*):
//! the state description must be page aligned (else a host PGM 0x06 exit) and on a page
//! the host may access (else PGM 0x05/0x3d); `sdf` = 2; `pv_handle_cpu` names a secure
//! CPU (any bit flip fails); `pv_handle_config` is that CPU's configuration; the state
//! description is the one given to Create Secure CPU; the ASCE passed at entry is the
//! configuration's; the configuration is verified and not dumping; no DIAG 308 reset is
//! pending; the CPU is operating; the CPU timer was not raised above the value the
//! ultravisor stored at the last exit, nor lowered by more than the host clock
//! ([`crate::clock::UvClock`]) advanced since that exit (before the first exit only
//! raising is refused *\[inferred\]*), and the host's value becomes the CPU's; the SIDA
//! lies in host-accessible pages; `iictl` is 0, 1, 2, 3, 4, 0x10 or 0x11; a program
//! interruption only right after a 0x68 interception; external codes only CPU timer,
//! clock comparator, emergency signal, external call and service signal, the last only
//! after a SERVC completion or notification (service signals are re-masked after each
//! delivery); a machine check only with PSW bit 13 and, for a repressible condition, its
//! CR14 subclass mask (`mchk`); the guest enabled
//! for the injected class (PSW mask and CR0 subclass / CR6 ISC bit). Then both prefix
//! pages must be secure pages of the configuration (else interception 0x70). The format-2
//! fields a format-4 description still has (`mso`/`msl`, prefix, clock comparator, epoch)
//! are ignored: the ultravisor uses its own *\[inferred\]*. A `cpuflags` stop request
//! ([`pv_core::sie::CPUSTAT_STOP_INT`]) ends the entry with interception 0x28 after the
//! completion and the injection. The same CPU cannot be in SIE twice: the entry point
//! takes the ultravisor exclusively (validity 0x2010 is kept in the table only).
//!
//! **Run**: the CPU's real state ([`SieState`]) never leaves the ultravisor. What the
//! host sees on every exit (`host_view`): the interception code and text, `pv_grregs`
//! with only the registers of the intercepted instruction (others zero), the SIDA when the
//! instruction moves data through it, the CPU timer, the PSW mask restricted to the I/O,
//! external and machine-check masks, wait bit, CC and addressing mode with the address
//! zero *\[inferred: the host needs the masks to choose injections, not the guest's
//! control flow\]*, and CR0/CR6/CR14 restricted to the interruption subclass masks
//! *\[inferred, uv-spec §11.13\]*. Guest program interruptions are delivered inside the
//! guest, except non-secure (0x3e) and other-configuration (0x3f) pages, which end SIE
//! with [`pv_core::sie::SieExit::Program`] and the instruction nullified. Which
//! instruction gives which interception is in `intercept` (I/O operand blocks in `io`);
//! completion and injection in `complete` (machine checks in `mchk`); the mask
//! notifications 0x60/0x64 and the external-interruption loop 0x14 in `run`.

mod complete;
mod host_view;
mod intercept;
mod io;
mod mchk;
mod run;

use alloc::vec;

use pv_core::sie::{
    CPUSTAT_STOP_INT, SDF_FORMAT4, SIE_PAGE_LEN, SieExit, StateDescription, icpt, iictl,
    validity as v,
};
use pv_core::uvc::PGM_SPECIFICATION;
use pv_core::{GuestAbs, Psw, Storage};
use pv_emu::Cpu;
use pv_emu::exec::INTERCEPT_SPX;
use pv_emu::exec::pending::ext_code;

use crate::error::{Error, Result};
use crate::sec_config::ConfigState;
use crate::sec_cpu::{CpuState, ResetKind};
use crate::storage::GuestView;
use crate::ultravisor::Ultravisor;

pub(crate) use host_view::Icpt;
pub(crate) use intercept::Pending;

/// What the ultravisor keeps to run one secure CPU: its architected state on `pv-emu`
/// and what the last interception left pending. Never shown to the host.
#[derive(Debug, Clone)]
pub struct SieState {
    /// The CPU's real state.
    pub(crate) emu: Cpu,
    /// The instruction a 0x68 interception left for the next entry to complete.
    pub(crate) pending: Option<Pending>,
    /// A SERVC was completed and no service signal has been delivered since.
    pub(crate) servc_unmasked: bool,
    /// The SCCB address of the last SERVC: a service signal's parameter carries it
    /// instead of the host's (uv-spec.md §5.3, "UV substitutes its saved SCCB").
    pub(crate) saved_sccb: Option<u32>,
    /// The host clock when SIE last ended (for the CPU-timer rule).
    pub(crate) exit_tod: Option<u64>,
}

/// The ultravisor-call facility.
const FACILITY_UVC: u32 = 158;

impl SieState {
    /// The state of a new secure CPU with CPU address `num`.
    pub fn new(num: u16) -> Self {
        let mut emu = Cpu::new();
        emu.model.intercepts = INTERCEPT_SPX;
        // A secure guest sees the ultravisor-call facility: Linux decides "I am a PV
        // guest" by facility 158 and its Query's Set/Remove Shared bits (uv-spec.md §1.4).
        emu.model.facilities[2] |= 1 << (63 - (FACILITY_UVC - 128));
        emu.state.cpu_addr = num;
        Self { emu, pending: None, servc_unmasked: false, saved_sccb: None, exit_tod: None }
    }

    /// A CPU reset of `kind` (nothing stays pending).
    pub fn reset(&mut self, kind: ResetKind) {
        use pv_emu::exec::reset::ResetKind as K;
        let k = match kind {
            ResetKind::Normal => K::Cpu,
            ResetKind::Initial => K::Initial,
            ResetKind::Clear => K::Clear,
        };
        self.emu.reset(k);
        // Whether the CPU runs is the ultravisor's CPU state, not the emulator's.
        self.emu.stopped = false;
        self.pending = None;
        self.servc_unmasked = false;
        self.saved_sccb = None;
        // The timer the host last saw may be gone: no lowering bound until the next
        // exit [inferred].
        self.exit_tod = None;
    }

    /// Operating-load: the CPU continues at `psw`.
    pub fn load(&mut self, psw: Psw) {
        self.emu.state.psw = psw;
        self.emu.stopped = false;
        self.pending = None;
    }
}

/// The CPU an entry runs and its configuration's storage.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub cpu: u64,
    pub config: u64,
    pub mso: u64,
    pub msl: u64,
}

impl Ctx {
    /// The CPU's SIE state and the guest view of its storage, borrowed together.
    pub fn parts<'a>(&self, uv: &'a mut Ultravisor) -> Result<(&'a mut SieState, GuestView<'a>)> {
        let cpu = uv.cpus.get_mut(&self.cpu).ok_or(Error::Inconsistent { what: "sie cpu" })?;
        Ok((&mut cpu.sie, GuestView::new(&mut uv.mem, self.config, self.mso, self.msl)))
    }
}

/// One SIE entry of a secure CPU ([`pv_core::uvc::Ultravisor::sie`]).
pub(crate) fn enter(uv: &mut Ultravisor, sd_addr: u64, asce: u64, budget: u64) -> Result<SieExit> {
    // The SIE operand: a page-aligned SIE page the host may access.
    if !sd_addr.is_multiple_of(SIE_PAGE_LEN as u64) {
        return Ok(SieExit::Program { code: PGM_SPECIFICATION, addr: sd_addr });
    }
    let mut page = vec![0u8; SIE_PAGE_LEN];
    if let Err(f) = Storage::read(&mut uv.mem, GuestAbs(sd_addr), &mut page) {
        return Ok(SieExit::Program { code: f.program_interruption_code(), addr: sd_addr });
    }
    let sd = StateDescription::decode(&page);
    let now = uv.clock.now();
    let ctx = match check_entry(uv, sd_addr, asce, &sd, now)? {
        Ok(ctx) => ctx,
        Err(reason) => {
            let out = host_view::Exposed::none();
            host_view::write_back(uv, sd_addr, &mut page, &out, &Icpt::validity(reason))?;
            return Ok(SieExit::Intercept(icpt::VALIDITY));
        }
    };
    // The host's CPU timer (checked: not raised, not lowered too far) is the CPU's.
    ctx.parts(uv)?.0.emu.state.cpu_timer = sd.cputm;
    // Both prefix pages must be secure pages of the configuration (uv-spec.md §4).
    if !prefix_secure(uv, &ctx)? {
        return host_view::exit(uv, &ctx, sd_addr, &mut page, Icpt::code(icpt::PV_PREFIX), false);
    }
    if let Some(exit) = complete::complete(uv, &ctx, &sd, &page)? {
        return host_view::exit_plain(uv, &ctx, sd_addr, &mut page, exit, false);
    }
    if let Some(eic) = complete::inject(uv, &ctx, &sd)? {
        // The new PSW enables the injected timer interruption again: a loop.
        let i = Icpt { code: icpt::EXTERNAL, eic, ..Icpt::default() };
        return host_view::exit(uv, &ctx, sd_addr, &mut page, i, true);
    }
    if sd.cpuflags & CPUSTAT_STOP_INT != 0 {
        return host_view::exit(uv, &ctx, sd_addr, &mut page, Icpt::code(icpt::STOP), true);
    }
    let mut left = budget;
    loop {
        match intercept::run_until_exit(uv, &ctx, &mut left)? {
            intercept::Flow::Continue => {}
            intercept::Flow::Icpt(i) => {
                return host_view::exit(uv, &ctx, sd_addr, &mut page, i, true);
            }
            intercept::Flow::Plain(e) => {
                return host_view::exit_plain(uv, &ctx, sd_addr, &mut page, e, true);
            }
        }
    }
}

/// The entry checks in their order; `Err(reason)` for a validity interception.
fn check_entry(
    uv: &Ultravisor,
    sd_addr: u64,
    asce: u64,
    sd: &StateDescription,
    now: u64,
) -> Result<core::result::Result<Ctx, u16>> {
    // sdf must say format 4.
    if sd.sdf != SDF_FORMAT4 {
        return Ok(Err(v::SDF));
    }
    // The CPU handle must name a secure CPU.
    let Some(cpu) = uv.cpus.get(&sd.pv_handle_cpu) else {
        return Ok(Err(v::CPU_HANDLE));
    };
    // The configuration handle must be that CPU's configuration.
    if cpu.config != sd.pv_handle_config {
        return Ok(Err(v::CONFIG_HANDLE));
    }
    // The state description must be the one Create Secure CPU was given.
    if cpu.state_origin != sd_addr {
        return Ok(Err(v::STATE_ORIGIN));
    }
    let c = uv.config(cpu.config)?;
    // The guest ASCE passed at entry must be the configuration's.
    if c.asce != asce {
        return Ok(Err(v::ASCE));
    }
    // The configuration must be verified, and not dumping.
    if !c.state.is_verified() {
        return Ok(Err(v::NOT_VERIFIED));
    }
    if c.state == ConfigState::Dumping {
        return Ok(Err(v::DUMPING));
    }
    // After a DIAG 308 subcode 0/1 notification, until the reset sequence completes.
    if c.reset_requested {
        return Ok(Err(v::RESET_PENDING));
    }
    // The CPU must be operating.
    if cpu.state != CpuState::Operating {
        return Ok(Err(v::NOT_OPERATING));
    }
    // The host may not raise the CPU timer, nor lower it by more than the time spent
    // outside SIE (before the first exit there is no reference time [inferred]).
    let st = &cpu.sie;
    let (timer, host) = (st.emu.state.cpu_timer as i64, sd.cputm as i64);
    if host > timer {
        return Ok(Err(v::CPU_TIMER));
    }
    if let Some(exit) = st.exit_tod
        && (timer.wrapping_sub(host) as u64) > now.wrapping_sub(exit)
    {
        return Ok(Err(v::CPU_TIMER_LOWERED));
    }
    // The SIDA must lie in pages the host may access.
    if uv.mem.check_host(sd.sida_origin(), sd.sida_len() as usize).is_err() {
        return Ok(Err(v::SIDA));
    }
    if let Err(reason) = check_injection(st, sd) {
        return Ok(Err(reason));
    }
    Ok(Ok(Ctx { cpu: cpu.handle, config: cpu.config, mso: c.mso, msl: c.msl }))
}

/// The injection rules of uv-spec.md §5.5.
fn check_injection(st: &SieState, sd: &StateDescription) -> core::result::Result<(), u16> {
    use pv_core::psw::{PSW_MASK_EXT, PSW_MASK_IO};
    let s = &st.emu.state;
    match sd.iictl {
        iictl::NONE | iictl::RESTART => Ok(()),
        iictl::PGM_SPEC | iictl::PGM_OPERAND => {
            // Only as the outcome of a 0x68 interception, never after a notification.
            if st.pending.is_none() {
                return Err(v::PGM_INJECTION);
            }
            Ok(())
        }
        iictl::EXT => {
            let submask = match sd.eic {
                ext_code::CLOCK_COMPARATOR => 1u64 << (63 - 52),
                ext_code::CPU_TIMER => 1 << (63 - 53),
                ext_code::EMERGENCY_SIGNAL => 1 << (63 - 49),
                ext_code::EXTERNAL_CALL => 1 << (63 - 50),
                ext_code::SERVICE_SIGNAL => {
                    // Service signals are masked except after a SERVC.
                    let servc =
                        st.servc_unmasked || st.pending.as_ref().is_some_and(|p| p.is_servc());
                    if !servc {
                        return Err(v::EXT_CODE);
                    }
                    1 << (63 - 54)
                }
                // Pfault, virtio and every other code write the lowcore [inferred].
                _ => return Err(v::EXT_CODE),
            };
            if s.psw.mask & PSW_MASK_EXT == 0 || s.cr[0] & submask == 0 {
                return Err(v::NOT_ENABLED);
            }
            Ok(())
        }
        iictl::IO => {
            let isc = (sd.io_int_word >> 27) & 7;
            if s.psw.mask & PSW_MASK_IO == 0 || s.cr[6] & (1u64 << (31 - isc)) == 0 {
                return Err(v::NOT_ENABLED);
            }
            Ok(())
        }
        iictl::MCHK => {
            if !mchk::enabled(s, sd.mcic()) {
                return Err(v::NOT_ENABLED);
            }
            Ok(())
        }
        // Every other value is undefined.
        _ => Err(v::IICTL),
    }
}

/// Whether both prefix pages are accessible secure pages of the configuration.
fn prefix_secure(uv: &mut Ultravisor, ctx: &Ctx) -> Result<bool> {
    let (st, mut view) = ctx.parts(uv)?;
    let p = u64::from(st.emu.state.prefix & 0x7fff_e000);
    let mut b = [0u8; 1];
    Ok(view.read(GuestAbs(p), &mut b).is_ok() && view.read(GuestAbs(p + 0x1000), &mut b).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pv_core::psw::{PSW_MASK_EXT, PSW_MASK_IO};

    fn sd(iictl: u8, eic: u16) -> StateDescription {
        StateDescription { iictl, eic, ..Default::default() }
    }

    #[test]
    fn secure_cpus_see_the_ultravisor_call_facility() {
        let f = SieState::new(3).emu.model.facilities;
        assert_eq!(f[2] >> (63 - 30) & 1, 1, "158");
        assert_eq!(f[0], pv_emu::exec::Model::default().facilities[0], "the rest as the model's");
    }

    #[test]
    fn injection_rules() {
        let mut st = SieState::new(0);
        assert_eq!(check_injection(&st, &sd(iictl::NONE, 0)), Ok(()));
        assert_eq!(check_injection(&st, &sd(iictl::RESTART, 0)), Ok(()));
        assert_eq!(check_injection(&st, &sd(iictl::MCHK, 0)), Err(v::NOT_ENABLED));
        assert_eq!(check_injection(&st, &sd(0x12, 0)), Err(v::IICTL));
        assert_eq!(check_injection(&st, &sd(iictl::PGM_SPEC, 0)), Err(v::PGM_INJECTION));
        assert_eq!(check_injection(&st, &sd(iictl::EXT, 0x1005)), Err(v::NOT_ENABLED));
        st.emu.state.psw.mask |= PSW_MASK_EXT;
        assert_eq!(check_injection(&st, &sd(iictl::EXT, 0x1005)), Err(v::NOT_ENABLED));
        st.emu.state.cr[0] |= 1 << (63 - 53);
        assert_eq!(check_injection(&st, &sd(iictl::EXT, 0x1005)), Ok(()));
        assert_eq!(check_injection(&st, &sd(iictl::EXT, 0x2603)), Err(v::EXT_CODE));
        st.emu.state.cr[0] |= 1 << (63 - 54);
        assert_eq!(check_injection(&st, &sd(iictl::EXT, 0x2401)), Err(v::EXT_CODE));
        st.servc_unmasked = true;
        assert_eq!(check_injection(&st, &sd(iictl::EXT, 0x2401)), Ok(()));
        let io = StateDescription { iictl: iictl::IO, io_int_word: 3 << 27, ..Default::default() };
        assert_eq!(check_injection(&st, &io), Err(v::NOT_ENABLED));
        st.emu.state.psw.mask |= PSW_MASK_IO;
        st.emu.state.cr[6] = 1 << (31 - 3);
        assert_eq!(check_injection(&st, &io), Ok(()));
        st.pending = Some(Pending { kind: intercept::PendingKind::Nothing, addr: 0x1000, len: 4 });
        assert_eq!(check_injection(&st, &sd(iictl::PGM_OPERAND, 0)), Ok(()));
    }

    #[test]
    fn resets_and_load() {
        let mut st = SieState::new(3);
        assert_eq!(st.emu.state.cpu_addr, 3);
        assert_eq!(st.emu.model.intercepts, INTERCEPT_SPX);
        st.emu.state.gr[4] = 9;
        st.servc_unmasked = true;
        st.reset(ResetKind::Clear);
        assert_eq!(st.emu.state.gr[4], 0);
        assert!(!st.emu.stopped && !st.servc_unmasked);
        st.load(Psw::new_64bit(0x2000));
        assert_eq!(st.emu.state.psw.addr, 0x2000);
    }
}
