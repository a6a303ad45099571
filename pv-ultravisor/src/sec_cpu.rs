//! Secure CPUs (uv-spec.md §3.3): their record and the CPU state machine with its one
//! transition function.
//!
//! States set by Set CPU State: operating (1), stopped (2), check-stop (3),
//! operating-load (5, "load": the ultravisor loads the PSW itself and the CPU becomes
//! operating). A new CPU is stopped *\[inferred, uv-spec §11.9\]*. pvsim's rules
//! *\[inferred\]*: stop and check-stop are always allowed; operating needs a stopped or
//! operating CPU; load and the three CPU resets need a stopped (or check-stopped) CPU.

use pv_core::Psw;

use crate::donation::PageRange;

/// The architected state of a secure CPU as the ultravisor tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CpuState {
    /// Stopped (2).
    Stopped,
    /// Operating (1).
    Operating,
    /// Check-stopped (3).
    CheckStop,
}

/// Something that happens to a secure CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CpuEvent {
    /// Set CPU State 1.
    SetOperating,
    /// Set CPU State 2.
    SetStopped,
    /// Set CPU State 3.
    SetCheckStop,
    /// Set CPU State 5: the PSW is loaded and the CPU operates.
    Load,
    /// CPU Reset, CPU Reset Initial or CPU Reset Clear.
    Reset(ResetKind),
}

/// The three CPU resets (uv-spec.md §1.4: 0x0310, 0x0311, 0x0321).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetKind {
    /// CPU Reset (normal).
    Normal,
    /// CPU Reset Initial.
    Initial,
    /// CPU Reset Clear.
    Clear,
}

impl CpuState {
    /// THE transition function of secure CPUs; `None` if refused.
    pub const fn next(self, event: CpuEvent) -> Option<Self> {
        use CpuEvent as E;
        use CpuState as S;
        match (self, event) {
            (_, E::SetStopped) => Some(S::Stopped),
            (_, E::SetCheckStop) => Some(S::CheckStop),
            (S::Stopped | S::Operating, E::SetOperating) => Some(S::Operating),
            (S::Stopped, E::Load) => Some(S::Operating),
            (S::Stopped | S::CheckStop, E::Reset(_)) => Some(S::Stopped),
            _ => None,
        }
    }

    /// The Set CPU State value of this state.
    pub const fn code(self) -> u8 {
        match self {
            Self::Operating => 1,
            Self::Stopped => 2,
            Self::CheckStop => 3,
        }
    }
}

/// One secure CPU.
#[derive(Debug, Clone)]
pub struct SecureCpu {
    /// Its handle.
    pub handle: u64,
    /// Its configuration's handle.
    pub config: u64,
    /// The CPU number.
    pub num: u16,
    /// Donated CPU storage.
    pub stor: PageRange,
    /// Absolute address of its state description.
    pub state_origin: u64,
    /// Its state.
    pub state: CpuState,
    /// The PSW (loaded by operating-load, cleared by resets).
    pub psw: Psw,
    /// The last reset done since Prepare Reset, if any.
    pub reset: Option<ResetKind>,
    /// The CPU's real state and what SIE keeps between entries ([`crate::sie`]).
    pub sie: crate::sie::SieState,
}

impl SecureCpu {
    /// Applies `event` through [`CpuState::next`]; `false` (and no change) if refused.
    pub fn advance(&mut self, event: CpuEvent) -> bool {
        match self.state.next(event) {
            Some(s) => {
                self.state = s;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CpuEvent as E;
    use CpuState as S;

    #[test]
    fn transitions() {
        assert_eq!(S::Stopped.next(E::Load), Some(S::Operating));
        assert_eq!(S::Operating.next(E::Load), None);
        assert_eq!(S::Operating.next(E::Reset(ResetKind::Clear)), None);
        assert_eq!(S::CheckStop.next(E::Reset(ResetKind::Initial)), Some(S::Stopped));
        assert_eq!(S::CheckStop.next(E::SetOperating), None);
        assert_eq!(S::Operating.next(E::SetStopped), Some(S::Stopped));
        assert_eq!([S::Operating.code(), S::Stopped.code(), S::CheckStop.code()], [1, 2, 3]);
    }
}
