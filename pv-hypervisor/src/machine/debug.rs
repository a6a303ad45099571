//! Running the [`Machine`] under a debugger's control (the gdb stub, [`crate::gdb`]):
//! the same rounds and slices as [`Machine::run`] (so a program runs the same way
//! under gdb as without it while nothing stops it), but one instruction at a time, with
//! the debugger asked before and after each instruction, so that breakpoints hold
//! whether or not pv-emu has the instruction in its decoded-instruction cache (guest
//! storage is never patched).

use super::{Machine, Outcome};

/// What a debugger decides while the machine runs under [`Machine::run_debug`].
pub trait DebugControl {
    /// Whether CPU `cpu` (index = CPU address) runs in this resume; the others stay
    /// where they are.
    fn runs(&self, cpu: usize) -> bool;
    /// Asked before CPU `cpu` executes the instruction at `addr` (not while it waits);
    /// `true` stops the machine before it.
    fn stop_before(&mut self, cpu: usize, addr: u64) -> bool;
    /// Told after CPU `cpu` executed one instruction or took an interruption; `true`
    /// stops the machine.
    fn stop_after(&mut self, cpu: usize) -> bool;
    /// Asked between rounds; `true` pauses the run (for example to look for a Ctrl-C
    /// from the debugger), which [`Machine::run_debug`] reports as [`DebugStop::Paused`].
    fn pause(&mut self) -> bool;
}

/// Why [`Machine::run_debug`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebugStop {
    /// [`DebugControl::stop_before`] stopped CPU `cpu` before an instruction.
    Before {
        /// The CPU index.
        cpu: usize,
    },
    /// [`DebugControl::stop_after`] stopped after CPU `cpu`'s instruction.
    After {
        /// The CPU index.
        cpu: usize,
    },
    /// [`DebugControl::pause`] asked to pause.
    Paused,
    /// The machine ended, as [`Machine::run`] would have.
    Ended(Outcome),
}

impl Machine {
    /// Runs like [`Machine::run`] (rounds of slices, watchdog, console input, floating
    /// service signal, idle detection, instruction limit), one instruction at a time,
    /// until `ctl` stops it or the machine ends. Can be called again to resume (a new
    /// round then starts).
    pub fn run_debug(&mut self, ctl: &mut dyn DebugControl) -> DebugStop {
        loop {
            if let Some(o) = self.outcome.take() {
                return DebugStop::Ended(o);
            }
            if self.secure.is_some() {
                // The program became a secure guest: no host, and so no debugger, sees
                // into it any more; it runs to its end.
                match self.run_secure() {
                    Some(o) => return DebugStop::Ended(o),
                    None => continue,
                }
            }
            if self.cpus.iter().all(|c| c.stopped) {
                return DebugStop::Ended(Outcome::AllStopped);
            }
            if self.cfg.max_instructions.is_some_and(|m| self.executed >= m) {
                return DebugStop::Ended(Outcome::InstructionLimit { executed: self.executed });
            }
            if ctl.pause() {
                return DebugStop::Paused;
            }
            if let Some(input) = self.console.poll_input() {
                self.push_input(&input);
            }
            let round_tod = self.cpus.iter().filter(|c| !c.stopped).map(|c| c.state.tod).max();
            let mut progress = false;
            for i in 0..self.cpus.len() {
                if self.cpus[i].stopped || !ctl.runs(i) {
                    continue;
                }
                let c = &mut self.cpus[i];
                if let Some(t) = round_tod.filter(|&t| t > c.state.tod) {
                    c.advance_clock(t - c.state.tod);
                }
                progress |= self.check_watchdog(i);
                self.route_floating();
                if self.outcome.is_some() {
                    break;
                }
                // The CPU's slice, one instruction at a time.
                for _ in 0..self.cfg.slice.max(1) {
                    let psw = self.cpus[i].state.psw;
                    if !psw.is_wait() && ctl.stop_before(i, psw.addr) {
                        return DebugStop::Before { cpu: i };
                    }
                    let stepped = self.step_cpu(i);
                    progress |= stepped;
                    if stepped && ctl.stop_after(i) {
                        return DebugStop::After { cpu: i };
                    }
                    let limit = self.cfg.max_instructions.is_some_and(|m| self.executed >= m);
                    if !stepped || limit || self.cpus[i].stopped || self.outcome.is_some() {
                        break;
                    }
                }
                if self.outcome.is_some() {
                    break;
                }
            }
            if !progress
                && self.outcome.is_none()
                && let Some(o) = self.after_idle_round()
            {
                return DebugStop::Ended(o);
            }
        }
    }

    /// Runs CPU `i` for one instruction (an intercepted one handled by the hypervisor,
    /// or an interruption taken); `true` if it made progress (a waiting CPU with nothing
    /// to wake it makes none).
    pub fn step_cpu(&mut self, i: usize) -> bool {
        if i >= self.cpus.len() {
            return false;
        }
        let slice = self.cfg.slice;
        self.cfg.slice = 1;
        let progress = self.run_slice(i);
        self.cfg.slice = slice;
        progress
    }
}
