//! The `gdbstub` target over a [`Machine`]: one gdb thread per CPU (thread id = CPU
//! address + 1), registers and storage of the selected CPU, continue and single step
//! (the other CPUs keep running while one steps, gdb's default without scheduler
//! locking), software and hardware breakpoints checked before each instruction, and
//! Ctrl-C.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::TcpStream;

use gdbstub::common::{Signal, Tid};
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::MultiThreadStopReason;
use gdbstub::stub::run_blocking::{BlockingEventLoop, Event, WaitForStopReasonError};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, SwBreakpoint, SwBreakpointOps,
};
use gdbstub::target::{Target, TargetError, TargetResult};
use pv_core::GuestAbs;
use pv_core::Storage;
use pv_core::psw::PSW_MASK_DAT;
use pv_emu::exec::Exec;

use super::arch::{S390x, S390xRegId, S390xRegs};
use crate::machine::{DebugControl, DebugStop, Machine, Outcome};

/// Instructions between two looks for a Ctrl-C from gdb (taken at the next round).
const INSNS_PER_POLL: u64 = 1 << 16;
/// The page size for splitting storage accesses (translation is per page).
const PAGE: u64 = 4096;

/// Breakpoints and resume actions: what [`Machine::run_debug`] asks.
#[derive(Debug, Default)]
struct Control {
    sw: BTreeSet<u64>,
    hw: BTreeSet<u64>,
    /// Per CPU: stop after its next instruction.
    step: Vec<bool>,
    /// Per CPU: gdb named it in the resume (continue or step).
    named: Vec<bool>,
    /// Scheduler locking: only the CPUs gdb named run.
    locked: bool,
    /// Per CPU: the address it resumed at, not checked for a breakpoint once.
    skip: Vec<Option<u64>>,
    /// The CPU and kind (hardware or not) of the breakpoint that stopped the run.
    hit: Option<(usize, bool)>,
    /// Instructions since the last look for a Ctrl-C.
    executed: u64,
}

impl DebugControl for Control {
    fn runs(&self, cpu: usize) -> bool {
        !self.locked || self.named.get(cpu).copied().unwrap_or(false)
    }

    fn stop_before(&mut self, cpu: usize, addr: u64) -> bool {
        if self.skip.get_mut(cpu).and_then(Option::take) == Some(addr) {
            return false;
        }
        let hw = self.hw.contains(&addr);
        if hw || self.sw.contains(&addr) {
            self.hit = Some((cpu, hw));
            return true;
        }
        false
    }

    fn stop_after(&mut self, cpu: usize) -> bool {
        if let Some(s) = self.skip.get_mut(cpu) {
            *s = None;
        }
        self.executed += 1;
        self.step.get(cpu).copied().unwrap_or(false)
    }

    fn pause(&mut self) -> bool {
        if self.executed < INSNS_PER_POLL {
            return false;
        }
        self.executed = 0;
        true
    }
}

/// The gdb target: a [`Machine`] and the debugger's state.
pub struct GdbTarget<'a> {
    machine: &'a mut Machine,
    exit_code: &'a mut dyn FnMut(&Outcome) -> u8,
    ctl: Control,
    /// How the machine ended, once it has.
    pub(super) ended: Option<Outcome>,
}

impl core::fmt::Debug for GdbTarget<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GdbTarget").field("ended", &self.ended).finish_non_exhaustive()
    }
}

fn tid_of(cpu: usize) -> Tid {
    Tid::new(cpu + 1).unwrap_or(Tid::MIN)
}

impl<'a> GdbTarget<'a> {
    /// A target over `machine`; `exit_code` turns the machine's end into the exit
    /// status reported to gdb (the `W` packet).
    pub fn new(machine: &'a mut Machine, exit_code: &'a mut dyn FnMut(&Outcome) -> u8) -> Self {
        let n = machine.cpus().len();
        let ctl = Control {
            step: vec![false; n],
            named: vec![false; n],
            skip: vec![None; n],
            ..Control::default()
        };
        Self { machine, exit_code, ctl, ended: None }
    }

    fn cpu(&self, tid: Tid) -> TargetResult<usize, Self> {
        let i = tid.get() - 1;
        if i < self.machine.cpus.len() { Ok(i) } else { Err(TargetError::NonFatal) }
    }

    /// The absolute address of `addr` as CPU `i` sees it (DAT when the PSW has it on,
    /// then prefixing); `None` when it does not translate.
    fn absolute(&mut self, i: usize, addr: u64) -> Option<u64> {
        let Machine { cpus, mem, .. } = &mut *self.machine;
        let cpu = cpus.get_mut(i)?;
        if cpu.state.psw.mask & PSW_MASK_DAT == 0 {
            return Some(cpu.state.prefixed(addr));
        }
        let mut ex = Exec::new(cpu, mem, addr, 2);
        let real = ex.translate(addr, false).ok()?;
        Some(ex.cpu.state.prefixed(real))
    }

    /// Runs until a stop gdb is told about; `None` when paused to look for a Ctrl-C.
    fn run(&mut self) -> Option<MultiThreadStopReason<u64>> {
        match self.machine.run_debug(&mut self.ctl) {
            DebugStop::Before { cpu } => {
                let tid = tid_of(cpu);
                Some(match self.ctl.hit.take() {
                    Some((_, true)) => MultiThreadStopReason::HwBreak(tid),
                    _ => MultiThreadStopReason::SwBreak(tid),
                })
            }
            DebugStop::After { cpu } => Some(MultiThreadStopReason::SignalWithThread {
                tid: tid_of(cpu),
                signal: Signal::SIGTRAP,
            }),
            DebugStop::Paused => None,
            DebugStop::Ended(o) => {
                self.ended = Some(o);
                Some(MultiThreadStopReason::Exited((self.exit_code)(&o)))
            }
        }
    }
}

impl Target for GdbTarget<'_> {
    type Arch = S390x;
    type Error = Infallible;

    fn base_ops(&mut self) -> BaseOps<'_, S390x, Infallible> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for GdbTarget<'_> {
    fn read_registers(&mut self, regs: &mut S390xRegs, tid: Tid) -> TargetResult<(), Self> {
        let i = self.cpu(tid)?;
        *regs = S390xRegs::from_state(&self.machine.cpus[i].state);
        Ok(())
    }

    fn write_registers(&mut self, regs: &S390xRegs, tid: Tid) -> TargetResult<(), Self> {
        let i = self.cpu(tid)?;
        regs.to_state(&mut self.machine.cpus[i].state);
        Ok(())
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, Tid, Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], tid: Tid) -> TargetResult<usize, Self> {
        let i = self.cpu(tid)?;
        let mut done = 0;
        while done < data.len() {
            let addr = start.wrapping_add(done as u64);
            let n = ((PAGE - addr % PAGE) as usize).min(data.len() - done);
            let Some(abs) = self.absolute(i, addr) else { break };
            if self.machine.mem.read(GuestAbs(abs), &mut data[done..done + n]).is_err() {
                break;
            }
            done += n;
        }
        Ok(done)
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], tid: Tid) -> TargetResult<(), Self> {
        let i = self.cpu(tid)?;
        let mut done = 0;
        while done < data.len() {
            let addr = start.wrapping_add(done as u64);
            let n = ((PAGE - addr % PAGE) as usize).min(data.len() - done);
            let abs = self.absolute(i, addr).ok_or(TargetError::Errno(14))?;
            // Storage writes bump the frame's generation: pv-emu's decoded-instruction
            // cache drops what it held for the frame.
            self.machine
                .mem
                .write(GuestAbs(abs), &data[done..done + n])
                .map_err(|_| TargetError::Errno(14))?;
            done += n;
        }
        Ok(())
    }

    fn list_active_threads(&mut self, active: &mut dyn FnMut(Tid)) -> Result<(), Infallible> {
        (0..self.machine.cpus.len()).for_each(|i| active(tid_of(i)));
        Ok(())
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<Tid> for GdbTarget<'_> {
    fn read_register(
        &mut self,
        tid: Tid,
        reg: S390xRegId,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let i = self.cpu(tid)?;
        let regs = S390xRegs::from_state(&self.machine.cpus[i].state);
        regs.read_reg(reg, buf).ok_or(TargetError::NonFatal)
    }

    fn write_register(&mut self, tid: Tid, reg: S390xRegId, val: &[u8]) -> TargetResult<(), Self> {
        let i = self.cpu(tid)?;
        let state = &mut self.machine.cpus[i].state;
        let mut regs = S390xRegs::from_state(state);
        regs.write_reg(reg, val).ok_or(TargetError::NonFatal)?;
        regs.to_state(state);
        Ok(())
    }
}

impl MultiThreadResume for GdbTarget<'_> {
    fn resume(&mut self) -> Result<(), Infallible> {
        let pcs = self.machine.cpus.iter().map(|c| Some(c.state.psw.addr));
        self.ctl.skip = pcs.collect();
        self.ctl.hit = None;
        self.ctl.executed = 0;
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), Infallible> {
        self.ctl.step.iter_mut().for_each(|s| *s = false);
        self.ctl.named.iter_mut().for_each(|s| *s = false);
        self.ctl.locked = false;
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), Infallible> {
        if let Some(n) = self.ctl.named.get_mut(tid.get() - 1) {
            *n = true;
        }
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadSingleStep for GdbTarget<'_> {
    fn set_resume_action_step(
        &mut self,
        tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), Infallible> {
        let i = tid.get() - 1;
        if let (Some(s), Some(n)) = (self.ctl.step.get_mut(i), self.ctl.named.get_mut(i)) {
            (*s, *n) = (true, true);
        }
        Ok(())
    }
}

impl MultiThreadSchedulerLocking for GdbTarget<'_> {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Infallible> {
        self.ctl.locked = true;
        Ok(())
    }
}

impl Breakpoints for GdbTarget<'_> {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for GdbTarget<'_> {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.ctl.sw.insert(addr);
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.ctl.sw.remove(&addr))
    }
}

impl HwBreakpoint for GdbTarget<'_> {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.ctl.hw.insert(addr);
        Ok(true)
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.ctl.hw.remove(&addr))
    }
}

/// The blocking event loop: runs the machine in chunks, looking for bytes from gdb
/// (Ctrl-C) between them.
pub(super) struct EventLoop<'a>(core::marker::PhantomData<&'a ()>);

impl<'a> BlockingEventLoop for EventLoop<'a> {
    type Target = GdbTarget<'a>;
    type Connection = TcpStream;
    type StopReason = MultiThreadStopReason<u64>;

    fn wait_for_stop_reason(
        target: &mut GdbTarget<'a>,
        conn: &mut TcpStream,
    ) -> Result<Event<Self::StopReason>, WaitForStopReasonError<Infallible, std::io::Error>> {
        loop {
            if let Some(stop) = target.run() {
                return Ok(Event::TargetStopped(stop));
            }
            if ConnectionExt::peek(conn).map_err(WaitForStopReasonError::Connection)?.is_some() {
                let byte = ConnectionExt::read(conn).map_err(WaitForStopReasonError::Connection)?;
                return Ok(Event::IncomingData(byte));
            }
        }
    }

    fn on_interrupt(target: &mut GdbTarget<'a>) -> Result<Option<Self::StopReason>, Infallible> {
        let _ = target;
        Ok(Some(MultiThreadStopReason::SignalWithThread { tid: tid_of(0), signal: Signal::SIGINT }))
    }
}
