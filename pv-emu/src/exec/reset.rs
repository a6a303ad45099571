//! CPU resets (Principles of Operation, chapter 4, "Resets"): CPU reset, initial CPU
//! reset and clear reset, as SIGP CPU RESET / INITIAL CPU RESET and DIAG 308 ask for
//! them.

use super::Cpu;
use crate::cpu::CpuState;

/// Which reset to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetKind {
    /// CPU reset: ends the current instruction, clears pending interruptions and the
    /// TLB, and puts the CPU in the stopped state; registers are kept.
    Cpu,
    /// Initial CPU reset: a CPU reset, then PSW, prefix, CPU timer, clock comparator,
    /// FPC and breaking-event address are reset and the control registers get their
    /// initial values.
    Initial,
    /// Clear reset: an initial CPU reset that also zeroes general, floating-point and
    /// access registers.
    Clear,
}

impl Cpu {
    /// Performs a reset of `kind`.
    pub fn reset(&mut self, kind: ResetKind) {
        self.pending = Default::default();
        self.tlb.purge();
        self.stopped = true;
        if kind == ResetKind::Cpu {
            return;
        }
        let fresh = CpuState::new();
        let st = &mut self.state;
        st.psw = pv_core::Psw::default();
        st.prefix = 0;
        st.cpu_timer = 0;
        st.ckc = 0;
        st.fpc = 0;
        st.bea = fresh.bea;
        st.cr = fresh.cr;
        if kind == ResetKind::Clear {
            st.gr = [0; 16];
            st.fpr = [0; 16];
            st.ar = [0; 16];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_keep_what_they_should() {
        let mut c = Cpu::new();
        c.state.gr[5] = 9;
        c.state.prefix = 0x2000;
        c.state.cr[0] = 0x1234;
        c.inject_service_signal(1);
        c.reset(ResetKind::Cpu);
        assert!(c.stopped && c.pending.service_signal.is_none());
        assert_eq!((c.state.gr[5], c.state.prefix), (9, 0x2000));
        c.reset(ResetKind::Initial);
        assert_eq!((c.state.gr[5], c.state.prefix, c.state.cr[0]), (9, 0, 0xe0));
        assert_eq!(c.state.psw.mask, 0);
        c.reset(ResetKind::Clear);
        assert_eq!(c.state.gr[5], 0);
    }
}
