//! The run loop: steps the secure CPU on `pv-emu` against the guest's view of storage.
//!
//! `pv-emu` delivers every program interruption inside the guest. Two must not be: a
//! non-secure page (0x3e, the host imports it) and another configuration's page (0x3f)
//! end SIE instead, with the instruction nullified. The loop sees the interruption
//! through a [`Tracer`] and, from that moment, drops every store of its delivery (the
//! storage wrapper keeps only the old PSW `pv-emu` would have stored, to restore the PSW
//! mask), so the guest never sees it. A program interruption in every one of
//! [`PGM_LOOP`] consecutive steps is a loop (interception 0x08 *\[inferred\]*).
//!
//! Two more checks per step, each a few register compares (uv-spec.md §5.2):
//! - **mask notifications**: LCTL/LPSW are no longer intercepted, so the loop compares
//!   the PSW machine-check mask and the interruption subclass masks of CR0, CR6 and CR14
//!   (the bits the host sees) before and after each step; a change ends SIE with 0x60
//!   (PSW bit 13; it wins when both changed) or 0x64 (a CR) after the step completed
//!   *\[inferred: whatever changed them, instruction or interruption new PSW\]*;
//! - **external-interruption loop**: a clock-comparator or CPU-timer interruption that is
//!   pending and enabled before a step is delivered by the loop itself (as `pv-emu` would
//!   at the start of the step: secure CPUs have nothing else pending in `pv-emu`); when
//!   the new PSW enables the same interruption again, SIE ends with 0x14, the code in
//!   `eic` and the new PSW as the CPU's.

use core::cell::Cell;

use pv_core::psw::{PSW_MASK_EXT, PSW_MASK_MCHECK};
use pv_core::sie::icpt;
use pv_core::{GuestAbs, Psw, Storage, StorageFault};
use pv_emu::Exit;
use pv_emu::cpu::{CpuState, lowcore};
use pv_emu::decode::Insn;
use pv_emu::exec::Tracer;
use pv_emu::exec::pending::ext_code;

use crate::storage::GuestView;

/// Consecutive steps with a program interruption that make a loop.
pub(crate) const PGM_LOOP: u32 = 64;

/// Why [`run`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunEnd {
    /// `pv-emu` stopped.
    Exit(Exit),
    /// A host program-interruption condition (0x3e/0x3f) at guest page `addr`.
    HostPgm {
        /// The code.
        code: u16,
        /// The failing page.
        addr: u64,
    },
    /// A program-interruption loop with this code.
    PgmLoop(u16),
    /// A mask notification (0x60 or 0x64) after the step.
    Mask(u8),
    /// An external-interruption loop with this code.
    ExtLoop(u16),
    /// STORE HYPERVISOR INFORMATION (0xb256, RRE) at `addr`, which `pv-emu` does not
    /// decode: the operation exception it raised was taken back.
    Sthyi {
        /// The instruction address.
        addr: u64,
        /// R1.
        r1: u8,
        /// R2.
        r2: u8,
    },
    /// The budget is used up.
    Budget,
}

/// State shared by the tracer and the storage wrapper of one step.
#[derive(Debug, Default)]
struct Shared {
    /// A program interruption `(code, instruction address)` is being delivered.
    pgm: Cell<Option<(u16, u64)>>,
    /// Drop stores (delivery of a 0x3e/0x3f).
    suppress: Cell<bool>,
    /// The old PSW the suppressed delivery would have stored.
    old_psw: Cell<Option<[u8; 16]>>,
    /// The last non-secure / violation fault the view reported.
    fault: Cell<Option<u64>>,
}

struct Trace<'s>(&'s Shared);

impl Tracer for Trace<'_> {
    fn program_interruption(&mut self, code: u16, addr: u64) {
        self.0.pgm.set(Some((code, addr)));
        if held_back(code) {
            self.0.suppress.set(true);
        }
    }
}

const fn is_host_pgm(code: u16) -> bool {
    matches!(code, 0x3e | 0x3f)
}

/// Program-interruption code: operation.
const PGM_OPERATION: u16 = 0x01;

/// Whether the delivery of `code` is held back (its stores dropped): the host conditions,
/// and operation exceptions until the loop knows the instruction is not STHYI.
const fn held_back(code: u16) -> bool {
    is_host_pgm(code) || code == PGM_OPERATION
}

/// The guest view with fault recording and store suppression.
struct Wrapped<'v, 'm, 's> {
    view: &'v mut GuestView<'m>,
    shared: &'s Shared,
    pgm_old_at: u64,
}

impl Wrapped<'_, '_, '_> {
    fn note<T>(&self, r: Result<T, StorageFault>) -> Result<T, StorageFault> {
        if let Err(
            StorageFault::NonSecureStorageAccess { addr }
            | StorageFault::SecureStorageViolation { addr },
        ) = r
        {
            self.shared.fault.set(Some(addr.get()));
        }
        r
    }
}

impl Storage for Wrapped<'_, '_, '_> {
    fn size(&self) -> u64 {
        self.view.size()
    }

    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        let r = self.view.read(addr, buf);
        if self.shared.suppress.get() {
            return r;
        }
        self.note(r)
    }

    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        if self.shared.suppress.get() {
            if addr.get() == self.pgm_old_at
                && let Ok(b) = <[u8; 16]>::try_from(data)
            {
                self.shared.old_psw.set(Some(b));
            }
            return Ok(());
        }
        let r = self.view.write(addr, data);
        self.note(r)
    }

    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault> {
        let r = self.view.storage_key(addr);
        self.note(r)
    }

    fn set_storage_key(&mut self, addr: GuestAbs, key: u8) -> Result<(), StorageFault> {
        if self.shared.suppress.get() {
            return Ok(());
        }
        let r = self.view.set_storage_key(addr, key);
        self.note(r)
    }

    /// The view's: a page the guest may not access has none, so its fetch goes through
    /// [`Storage::read`] and faults (and is noted) as without the cache.
    fn frame_generation(&self, addr: GuestAbs) -> Option<u64> {
        self.view.frame_generation(addr)
    }
}

/// The interruption masks a mask notification is about: PSW bit 13 and the visible
/// subclass masks of CR0, CR6 and CR14.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Masks {
    mchk: bool,
    cr: [u64; 3],
}

impl Masks {
    /// The masks of `s`.
    pub(crate) fn of(s: &CpuState) -> Self {
        use super::host_view::{CR0_VISIBLE, CR6_VISIBLE, CR14_VISIBLE};
        Self {
            mchk: s.psw.mask & PSW_MASK_MCHECK != 0,
            cr: [s.cr[0] & CR0_VISIBLE, s.cr[6] & CR6_VISIBLE, s.cr[14] & CR14_VISIBLE],
        }
    }

    /// The notification for a change from `self` to `now`, if any.
    pub(crate) fn notification(&self, now: &Self) -> Option<u8> {
        if self.mchk != now.mchk {
            Some(icpt::MCHKREQ)
        } else if self.cr != now.cr {
            Some(icpt::INT_ENABLE)
        } else {
            None
        }
    }
}

/// CR0 subclass masks of the two timer interruptions.
const CR0_CLOCK_COMPARATOR: u64 = 1 << (63 - 52);
const CR0_CPU_TIMER: u64 = 1 << (63 - 53);

/// The timer interruption that is pending and enabled in `s` (clock comparator first,
/// as `pv-emu` delivers them).
fn timer_irq(s: &CpuState) -> Option<u16> {
    if s.psw.mask & PSW_MASK_EXT == 0 {
        return None;
    }
    if s.cr[0] & CR0_CLOCK_COMPARATOR != 0 && s.tod > s.ckc {
        return Some(ext_code::CLOCK_COMPARATOR);
    }
    if s.cr[0] & CR0_CPU_TIMER != 0 && (s.cpu_timer as i64) < 0 {
        return Some(ext_code::CPU_TIMER);
    }
    None
}

/// Whether the PSW and CR0 of `s` enable external interruption `code` (after its
/// delivery: the new PSW enables the same interruption, uv-spec.md §5.2 0x14).
pub(crate) fn reenables(s: &CpuState, code: u16) -> bool {
    let sub = match code {
        ext_code::CLOCK_COMPARATOR => CR0_CLOCK_COMPARATOR,
        ext_code::CPU_TIMER => CR0_CPU_TIMER,
        _ => return false,
    };
    s.psw.mask & PSW_MASK_EXT != 0 && s.cr[0] & sub != 0
}

/// Runs `cpu` for at most `*budget` instructions (decremented as they execute).
pub(crate) fn run(cpu: &mut pv_emu::Cpu, view: &mut GuestView<'_>, budget: &mut u64) -> RunEnd {
    let shared = Shared::default();
    let mut streak = 0u32;
    let masks = Masks::of(&cpu.state);
    while *budget > 0 {
        *budget -= 1;
        shared.pgm.set(None);
        shared.suppress.set(false);
        shared.old_psw.set(None);
        shared.fault.set(None);
        let pgm_old_at = cpu.state.prefixed(lowcore::PGM_OLD);
        let mut mem = Wrapped { view, shared: &shared, pgm_old_at };
        if let Some(code) = timer_irq(&cpu.state) {
            cpu.external_interruption(&mut *mem.view, code, 0, None);
            if reenables(&cpu.state, code) {
                return RunEnd::ExtLoop(code);
            }
        } else {
            // Stretches of pre-decoded instructions first: they cannot change the
            // masks, take no interruption (the run stops before one) and stop before a
            // timer could fire, so every check below holds for them without a step each.
            let n = cpu.run_straight(&mut mem, *budget + 1, &mut Trace(&shared));
            if n > 0 {
                *budget = (*budget + 1).saturating_sub(n);
                streak = 0;
                continue;
            }
        }
        let exit = cpu.step_traced(&mut mem, &mut Trace(&shared));
        if let Some((code, addr)) = shared.pgm.get() {
            if is_host_pgm(code) {
                // Undo the delivery: the instruction is nullified.
                let mask =
                    shared.old_psw.get().map_or(cpu.state.psw.mask, |b| Psw::from_bytes(&b).mask);
                cpu.state.psw = Psw { mask, addr };
                let page = shared.fault.get().unwrap_or(addr) & !0xfff;
                return RunEnd::HostPgm { code, addr: page };
            }
            if code == PGM_OPERATION
                && let Some(end) = operation(cpu, view, &shared, addr)
            {
                return end;
            }
            streak += 1;
            if streak >= PGM_LOOP {
                return RunEnd::PgmLoop(code);
            }
        } else {
            streak = 0;
        }
        if let Some(e @ Exit::Instruction { .. }) = exit {
            // Not executed: nothing changed.
            return RunEnd::Exit(e);
        }
        if let Some(n) = masks.notification(&Masks::of(&cpu.state)) {
            return RunEnd::Mask(n);
        }
        if let Some(e) = exit {
            return RunEnd::Exit(e);
        }
    }
    RunEnd::Budget
}

/// An operation exception at `addr` whose delivery was held back: STHYI ends the run
/// (the instruction is nullified for the interception); anything else gets the
/// operation exception as `pv-emu` would have delivered it (suppression: the old PSW
/// points past the instruction).
fn operation(
    cpu: &mut pv_emu::Cpu,
    view: &mut GuestView<'_>,
    shared: &Shared,
    addr: u64,
) -> Option<RunEnd> {
    use pv_emu::exec::Exec;
    use pv_emu::interrupt::{PgmCode, ProgramCheck};
    let mask = shared.old_psw.get().map_or(cpu.state.psw.mask, |b| Psw::from_bytes(&b).mask);
    cpu.state.psw = Psw { mask, addr };
    let mut text = [0u8; 4];
    let fetched = {
        let mut ex = Exec::new(&mut *cpu, &mut *view, addr, 2);
        ex.read(addr, &mut text[..2]).is_ok() && ex.read(addr + 2, &mut text[2..]).is_ok()
    };
    if fetched && text[..2] == [0xb2, 0x56] {
        return Some(RunEnd::Sthyi { addr, r1: text[3] >> 4, r2: text[3] & 15 });
    }
    // The instruction length from the first two opcode bits.
    let ilc = match text[0] >> 6 {
        0 => 2u8,
        3 => 6,
        _ => 4,
    };
    cpu.state.psw.addr = cpu.state.wrap(addr.wrapping_add(u64::from(ilc)));
    cpu.program_interruption(view, ProgramCheck::new(PgmCode::Operation), addr, ilc);
    None
}

/// The 6-byte text of an instruction (for `ipa`/`ipb`).
pub(crate) fn text(insn: &Insn) -> [u8; 6] {
    let mut b = insn.encode();
    for x in b.iter_mut().skip(insn.len()) {
        *x = 0;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_text() {
        let diag = Insn::decode(&[0x83, 0x24, 0x05, 0x00]).unwrap();
        assert_eq!(text(&diag), [0x83, 0x24, 0x05, 0x00, 0, 0]);
        let lgfi = Insn::decode(&[0xc0, 0x11, 0, 2, 0, 1]).unwrap();
        assert_eq!(text(&lgfi), [0xc0, 0x11, 0, 2, 0, 1]);
        assert!(is_host_pgm(0x3e) && is_host_pgm(0x3f) && !is_host_pgm(0x3d));
    }

    #[test]
    fn masks_and_timer_loops() {
        let mut s = CpuState::new();
        let m = Masks::of(&s);
        assert_eq!(m.notification(&m), None);
        s.cr[0] |= 0x200;
        assert_eq!(m.notification(&Masks::of(&s)), Some(icpt::INT_ENABLE));
        s.psw.mask |= PSW_MASK_MCHECK;
        assert_eq!(m.notification(&Masks::of(&s)), Some(icpt::MCHKREQ));
        let mut s = CpuState::new();
        s.cr[0] |= 1 << 31; // not a visible subclass bit
        assert_eq!(m.notification(&Masks::of(&s)), None);
        s.cpu_timer = u64::MAX;
        assert_eq!(timer_irq(&s), None);
        s.cr[0] |= CR0_CPU_TIMER;
        assert_eq!(timer_irq(&s), None);
        s.psw.mask |= PSW_MASK_EXT;
        assert_eq!(timer_irq(&s), Some(ext_code::CPU_TIMER));
        assert!(reenables(&s, ext_code::CPU_TIMER));
        assert!(!reenables(&s, ext_code::CLOCK_COMPARATOR));
        assert!(!reenables(&s, ext_code::SERVICE_SIGNAL));
        (s.cr[0], s.tod, s.ckc) = (s.cr[0] | CR0_CLOCK_COMPARATOR, 5, 4);
        assert_eq!(timer_irq(&s), Some(ext_code::CLOCK_COMPARATOR));
    }
}
