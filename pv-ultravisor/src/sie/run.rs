//! The run loop: steps the secure CPU on `pv-emu` against the guest's view of storage.
//!
//! `pv-emu` delivers every program interruption inside the guest. Two must not be: a
//! non-secure page (0x3e, the host imports it) and another configuration's page (0x3f)
//! end SIE instead, with the instruction nullified. The loop sees the interruption
//! through a [`Tracer`] and, from that moment, drops every store of its delivery (the
//! storage wrapper keeps only the old PSW `pv-emu` would have stored, to restore the PSW
//! mask), so the guest never sees it. A program interruption in every one of
//! [`PGM_LOOP`] consecutive steps is a loop (interception 0x08 *\[inferred\]*).

use core::cell::Cell;

use pv_core::{GuestAbs, Psw, Storage, StorageFault};
use pv_emu::Exit;
use pv_emu::cpu::lowcore;
use pv_emu::decode::Insn;
use pv_emu::exec::Tracer;

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
        if is_host_pgm(code) {
            self.0.suppress.set(true);
        }
    }
}

const fn is_host_pgm(code: u16) -> bool {
    matches!(code, 0x3e | 0x3f)
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
}

/// Runs `cpu` for at most `*budget` instructions (decremented as they execute).
pub(crate) fn run(cpu: &mut pv_emu::Cpu, view: &mut GuestView<'_>, budget: &mut u64) -> RunEnd {
    let shared = Shared::default();
    let mut streak = 0u32;
    while *budget > 0 {
        *budget -= 1;
        shared.pgm.set(None);
        shared.suppress.set(false);
        shared.old_psw.set(None);
        shared.fault.set(None);
        let pgm_old_at = cpu.state.prefixed(lowcore::PGM_OLD);
        let mut mem = Wrapped { view, shared: &shared, pgm_old_at };
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
            streak += 1;
            if streak >= PGM_LOOP {
                return RunEnd::PgmLoop(code);
            }
        } else {
            streak = 0;
        }
        if let Some(e) = exit {
            return RunEnd::Exit(e);
        }
    }
    RunEnd::Budget
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
}
