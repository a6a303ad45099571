//! Pending external and I/O interruptions and the timing facilities (Principles of
//! Operation, chapter 6, "External Interruption", "I/O Interruption", and chapter 4,
//! "Timing"). The TOD clock advances by [`super::Model::tod_per_insn`] per instruction
//! (a deterministic virtual clock; a host may also set `CpuState::tod`), the CPU timer
//! decrements with it, and an enabled wait with only timers to wait for skips ahead to
//! the next timer event.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use pv_core::{GuestAbs, Storage};

use super::Cpu;
use crate::cpu::lowcore;

/// CR0 external subclass masks (bit numbers 48-57 of the 64-bit register).
const CR0_EMERGENCY: u64 = 1 << (63 - 49);
const CR0_EXTERNAL_CALL: u64 = 1 << (63 - 50);
const CR0_CLOCK_COMPARATOR: u64 = 1 << (63 - 52);
const CR0_CPU_TIMER: u64 = 1 << (63 - 53);
const CR0_SERVICE_SIGNAL: u64 = 1 << (63 - 54);

/// External-interruption codes.
pub mod ext_code {
    /// Emergency signal.
    pub const EMERGENCY_SIGNAL: u16 = 0x1201;
    /// External call.
    pub const EXTERNAL_CALL: u16 = 0x1202;
    /// Clock comparator.
    pub const CLOCK_COMPARATOR: u16 = 0x1004;
    /// CPU timer.
    pub const CPU_TIMER: u16 = 0x1005;
    /// Service signal.
    pub const SERVICE_SIGNAL: u16 = 0x2401;
}

/// An I/O interruption: subsystem-identification word, interruption parameter and
/// interruption-identification word (whose bits 2-4 are the ISC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoInterruption {
    /// Subsystem-identification word (stored at 0xb8).
    pub subsystem_id: u32,
    /// I/O-interruption parameter (0xbc).
    pub param: u32,
    /// I/O-interruption-identification word (0xc0).
    pub id_word: u32,
}

impl IoInterruption {
    /// The interruption subclass (bits 2-4 of the identification word).
    pub const fn isc(&self) -> u32 {
        (self.id_word >> 27) & 7
    }
}

/// Interruptions waiting for the CPU to be enabled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// A service signal with its parameter (the SCCB address).
    pub service_signal: Option<u32>,
    /// Emergency signals, by the sending CPU's address.
    pub emergency_from: Vec<u16>,
    /// An external call, from the sending CPU's address.
    pub external_call_from: Option<u16>,
    /// I/O interruptions in arrival order.
    pub io: VecDeque<IoInterruption>,
}

impl Cpu {
    /// Makes a service-signal external interruption pending (SCLP completion).
    pub fn inject_service_signal(&mut self, param: u32) {
        self.pending.service_signal = Some(param);
    }

    /// Makes an emergency signal from CPU `from` pending.
    pub fn inject_emergency_signal(&mut self, from: u16) {
        if !self.pending.emergency_from.contains(&from) {
            self.pending.emergency_from.push(from);
        }
    }

    /// Makes an external call from CPU `from` pending (only one can be pending).
    pub fn inject_external_call(&mut self, from: u16) -> bool {
        if self.pending.external_call_from.is_some() {
            return false;
        }
        self.pending.external_call_from = Some(from);
        true
    }

    /// Queues an I/O interruption.
    pub fn inject_io(&mut self, io: IoInterruption) {
        self.pending.io.push_back(io);
    }

    /// Advances the TOD clock and the CPU timer by `delta` TOD units.
    pub fn advance_clock(&mut self, delta: u64) {
        self.state.tod = self.state.tod.wrapping_add(delta);
        self.state.cpu_timer = self.state.cpu_timer.wrapping_sub(delta);
    }

    fn clock_comparator_pending(&self) -> bool {
        self.state.tod > self.state.ckc
    }

    fn cpu_timer_pending(&self) -> bool {
        (self.state.cpu_timer as i64) < 0
    }

    /// A cheap test: could any interruption be deliverable now?
    #[inline]
    fn maybe_deliverable(&self) -> bool {
        let mask = self.state.psw.mask;
        let timers = CR0_CLOCK_COMPARATOR | CR0_CPU_TIMER;
        (mask & pv_core::psw::PSW_MASK_EXT != 0
            && (self.state.cr[0] & timers != 0
                || self.pending.service_signal.is_some()
                || self.pending.external_call_from.is_some()
                || !self.pending.emergency_from.is_empty()))
            || (mask & pv_core::psw::PSW_MASK_IO != 0 && !self.pending.io.is_empty())
    }

    /// How many instructions can run before an interruption could become deliverable,
    /// with the PSW, control registers and pending set as they are: 0 if one is
    /// deliverable now, the instructions until the first enabled timer fires (counting
    /// [`super::Model::tod_per_insn`] per instruction, rounded down), `u64::MAX`
    /// without any.
    pub(crate) fn quiet_budget(&self) -> u64 {
        if !self.maybe_deliverable() {
            return u64::MAX;
        }
        let (st, p) = (&self.state, &self.pending);
        let (mask, cr0) = (st.psw.mask, st.cr[0]);
        let cr6 = st.cr[6];
        if mask & pv_core::psw::PSW_MASK_IO != 0
            && p.io.iter().any(|io| cr6 & (1u64 << (31 - io.isc())) != 0)
        {
            return 0;
        }
        if mask & pv_core::psw::PSW_MASK_EXT == 0 {
            return u64::MAX;
        }
        if (cr0 & CR0_EMERGENCY != 0 && !p.emergency_from.is_empty())
            || (cr0 & CR0_EXTERNAL_CALL != 0 && p.external_call_from.is_some())
            || (cr0 & CR0_SERVICE_SIGNAL != 0 && p.service_signal.is_some())
        {
            return 0;
        }
        let tick = self.model.tod_per_insn;
        let mut budget = u64::MAX;
        if cr0 & CR0_CLOCK_COMPARATOR != 0 {
            // Pending once TOD > CKC; TOD advances by `tick` per instruction.
            budget = match st.ckc.checked_sub(st.tod) {
                None => 0,
                Some(d) => d.checked_div(tick).unwrap_or(u64::MAX),
            };
        }
        if cr0 & CR0_CPU_TIMER != 0 {
            // Pending once the timer is negative; it decrements by `tick`.
            let left = match i64::try_from(st.cpu_timer) {
                Ok(t) if t >= 0 => st.cpu_timer.checked_div(tick).unwrap_or(u64::MAX),
                _ => 0,
            };
            budget = budget.min(left);
        }
        budget
    }

    /// Delivers the highest-priority enabled pending interruption; `true` if one was
    /// delivered.
    #[inline]
    pub fn deliver_pending<S: Storage + ?Sized>(&mut self, mem: &mut S) -> bool {
        if !self.maybe_deliverable() {
            return false;
        }
        self.deliver_pending_slow(mem)
    }

    fn deliver_pending_slow<S: Storage + ?Sized>(&mut self, mem: &mut S) -> bool {
        let mask = self.state.psw.mask;
        let cr0 = self.state.cr[0];
        if mask & pv_core::psw::PSW_MASK_EXT != 0 {
            if cr0 & CR0_EMERGENCY != 0 && !self.pending.emergency_from.is_empty() {
                let from = self.pending.emergency_from.remove(0);
                self.external_interruption(mem, ext_code::EMERGENCY_SIGNAL, 0, Some(from));
                return true;
            }
            if cr0 & CR0_EXTERNAL_CALL != 0
                && let Some(from) = self.pending.external_call_from.take()
            {
                self.external_interruption(mem, ext_code::EXTERNAL_CALL, 0, Some(from));
                return true;
            }
            if cr0 & CR0_CLOCK_COMPARATOR != 0 && self.clock_comparator_pending() {
                self.external_interruption(mem, ext_code::CLOCK_COMPARATOR, 0, None);
                return true;
            }
            if cr0 & CR0_CPU_TIMER != 0 && self.cpu_timer_pending() {
                self.external_interruption(mem, ext_code::CPU_TIMER, 0, None);
                return true;
            }
            if cr0 & CR0_SERVICE_SIGNAL != 0
                && let Some(param) = self.pending.service_signal.take()
            {
                self.external_interruption(mem, ext_code::SERVICE_SIGNAL, param, None);
                return true;
            }
        }
        if mask & pv_core::psw::PSW_MASK_IO != 0 {
            let cr6 = self.state.cr[6];
            let enabled = |io: &IoInterruption| cr6 & (1u64 << (31 - io.isc())) != 0;
            if let Some(i) = self.pending.io.iter().position(enabled)
                && let Some(io) = self.pending.io.remove(i)
            {
                self.io_interruption(mem, io);
                return true;
            }
        }
        false
    }

    /// Delivers an I/O interruption (the caller checks the masks).
    pub fn io_interruption<S: Storage + ?Sized>(&mut self, mem: &mut S, io: IoInterruption) {
        for (at, v) in [(0xb8u64, io.subsystem_id), (0xbc, io.param), (0xc0, io.id_word)] {
            let _ = mem.write(GuestAbs(self.state.prefixed(at)), &v.to_be_bytes());
        }
        self.swap_psw(mem, lowcore::IO_OLD, lowcore::IO_NEW);
    }

    /// In an enabled wait with nothing deliverable: the TOD value at which a timer
    /// interruption becomes deliverable, if any is enabled.
    pub fn next_timer_event(&self) -> Option<u64> {
        let st = &self.state;
        if st.psw.mask & pv_core::psw::PSW_MASK_EXT == 0 {
            return None;
        }
        let mut next: Option<u64> = None;
        if st.cr[0] & CR0_CLOCK_COMPARATOR != 0 {
            next = Some(st.ckc.saturating_add(1));
        }
        if st.cr[0] & CR0_CPU_TIMER != 0 {
            let at = st.tod.saturating_add(st.cpu_timer.min(i64::MAX as u64)).saturating_add(1);
            next = Some(next.map_or(at, |n| n.min(at)));
        }
        next.filter(|&t| t > st.tod)
    }
}
