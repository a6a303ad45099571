//! The executor: runs instructions on a [`CpuState`] against a [`Storage`], delivering
//! program, SVC and restart interruptions through the lowcore (Principles of Operation,
//! chapter 6, "Interruptions") and stopping with an [`Exit`] for everything a higher
//! authority handles (DIAG, UVC, SERVC, SIGP, SIE, I/O).
//!
//! One file per instruction family: [`arith`] (binary integer arithmetic and compare),
//! [`logical`] (boolean, insert, test under mask), [`load`] (loads, stores, moves),
//! [`shift`] (shifts, rotates, RISBG), [`branch`], [`ss`] (storage-to-storage),
//! [`string`] (long and string operations, interlocked access, high word), [`bfp`]
//! (binary floating point), [`cpacf`] (message-security assist),
//! [`control`] (PSW, system and privileged instructions); [`dispatch`] maps each opcode to
//! them, [`mem`] does operand addressing and storage access and [`dat`] translates.

pub mod arith;
pub mod bfp;
pub mod block;
pub mod branch;
pub mod control;
pub mod cpacf;
pub mod dat;
pub mod dispatch;
pub mod icache;
pub mod ieee;
pub mod load;
pub mod logical;
pub mod mem;
pub mod memo;
pub mod misc;
pub mod pending;
pub mod predecode;
pub mod reset;
pub mod sha512;
pub mod shared;
pub mod shift;
pub mod ss;
pub mod status;
pub mod string;

use pv_core::{GuestAbs, Psw, Storage};

use crate::cpu::{CpuState, lowcore};
use crate::decode::Insn;
use crate::interrupt::{PgmCode, ProgramCheck};

/// Why [`Cpu::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exit {
    /// An instruction that needs a higher authority (DIAG, UVC, SERVC, SIGP, SIE, I/O).
    /// It was decoded but not executed; the PSW already points past it (`len` bytes), as
    /// after a SIE instruction interception, so a handler that wants to re-execute it
    /// rewinds by `len`.
    Instruction {
        /// The decoded instruction with its operands.
        insn: Insn,
        /// Its address.
        addr: u64,
    },
    /// The CPU loaded a PSW with the wait bit set (`enabled` if any of the I/O or external
    /// masks is on; a disabled wait never ends by itself).
    Wait {
        /// Whether I/O or external interruptions can end the wait.
        enabled: bool,
    },
    /// The CPU is in the stopped state ([`Cpu::stopped`], set by SIGP STOP through the
    /// hypervisor); it executes nothing until started again.
    Stopped,
    /// The instruction budget given to [`Cpu::run`] is used up.
    Budget,
}

/// The current write generation of the frame of `abs` (`u64::MAX` without one, which no
/// cached block has).
#[inline(always)]
fn g_now<S: Storage + ?Sized>(mem: &S, abs: u64) -> u64 {
    mem.frame_generation(GuestAbs(abs)).unwrap_or(u64::MAX)
}

/// The page of logical address `a`.
#[inline(always)]
fn addr_page(a: u64) -> u64 {
    a & !0xfff
}

/// What interrupts the execution of one instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A program interruption condition.
    Program(ProgramCheck),
    /// The instruction is intercepted.
    Intercept,
    /// SVC with its code.
    Svc(u8),
}

impl From<ProgramCheck> for Event {
    fn from(p: ProgramCheck) -> Self {
        Self::Program(p)
    }
}

/// Observes execution (DESIGN.md: side effects come in through small traits with no-op
/// implementations). [`Cpu::step`] and [`Cpu::run`] use [`NoTrace`].
pub trait Tracer {
    /// Called after an instruction is fetched and decoded, before it executes.
    fn instruction(&mut self, _addr: u64, _insn: &Insn) {}
    /// Called when a program interruption is delivered (code and old-PSW address).
    fn program_interruption(&mut self, _code: u16, _addr: u64) {}
}

/// The tracer that observes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTrace;

impl Tracer for NoTrace {}

/// The result of one executor step.
pub type Step = Result<(), Event>;

/// Configuration facts of the machine a CPU reports (STIDP, STFLE, STSI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// The CPU ID STIDP stores.
    pub cpu_id: u64,
    /// The facility list STFLE stores (doublewords, facility 0 is the leftmost bit).
    pub facilities: [u64; 4],
    /// TOD-clock units (bit 63 = 2^-12 microseconds) each executed instruction takes.
    pub tod_per_insn: u64,
    /// Instructions that leave the CPU model with [`Exit::Instruction`] although it could
    /// execute them ([`INTERCEPT_SPX`]); 0 by default. The ultravisor model sets it for
    /// secure CPUs (uv-spec.md §5.3: SPX is a notification).
    pub intercepts: u32,
}

/// [`Model::intercepts`] bit: SET PREFIX is intercepted (after its privilege check).
pub const INTERCEPT_SPX: u32 = 1;

impl Default for Model {
    /// QEMU 7.2's default "qemu" TCG CPU model facilities (machine.md, "Facilities probed
    /// with STFL/STFLE").
    fn default() -> Self {
        Self {
            cpu_id: 0xff00_0000_2964_8000,
            facilities: [0xf940_f6d3_f4c4_5c64, 0x059c_0000_0000_0000, 0x7120_2800_0000_0000, 0],
            // About 100 million instructions per virtual second.
            tod_per_insn: 41,
            intercepts: 0,
        }
    }
}

/// One CPU: its state plus the machine facts it reports.
#[derive(Debug, Clone, Default)]
pub struct Cpu {
    /// The architected state.
    pub state: CpuState,
    /// The machine model.
    pub model: Model,
    /// The translation lookaside buffer.
    pub tlb: dat::Tlb,
    /// Decoded instructions.
    pub icache: icache::ICache,
    /// Translations of operand pages ([`memo`]).
    pub data_memo: memo::DataMemo,
    /// Pending external and I/O interruptions.
    pub pending: pending::Pending,
    /// The stopped state (SIGP STOP / START): a stopped CPU neither executes nor takes
    /// interruptions.
    pub stopped: bool,
    /// State of the deterministic generator behind PRNO-TRNG (not a source of real
    /// entropy; a host may seed it).
    pub trng_state: u64,
    /// Instructions executed so far.
    pub executed: u64,
}

/// The execution context of one instruction: the visitor the decoder calls.
pub struct Exec<'a, S: Storage + ?Sized> {
    /// The CPU being run.
    pub cpu: &'a mut Cpu,
    /// Its configuration's absolute storage.
    pub mem: &'a mut S,
    /// Address of the instruction.
    pub addr: u64,
    /// Its length in bytes.
    pub len: u8,
    /// The instruction EXECUTE ran, if the current one is EX/EXRL (so that an
    /// interception reports the target instruction).
    pub executed: Option<Insn>,
    /// The absolute page of the block being run ([`NO_PAGE`] outside blocks).
    pub(crate) code_page: u64,
    /// Whether a store since the block started may have changed `code_page` (set by
    /// every store that is not known to have gone elsewhere), so that the frame
    /// generation is read again only then.
    pub(crate) touched: bool,
}

impl<'a, S: Storage + ?Sized> Exec<'a, S> {
    /// The context of the instruction of length `len` at `addr` of `cpu`, on `mem`.
    #[inline(always)]
    pub fn new(cpu: &'a mut Cpu, mem: &'a mut S, addr: u64, len: u8) -> Self {
        Self { cpu, mem, addr, len, executed: None, code_page: NO_PAGE, touched: false }
    }
}

/// [`Exec::code_page`] outside blocks (no page address has low bits set).
pub(crate) const NO_PAGE: u64 = u64::MAX;

impl Cpu {
    /// A CPU in the initial-reset state with the default model.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs at most `budget` instructions (interruptions included in the count only by
    /// the instructions that caused them).
    pub fn run<S: Storage + ?Sized>(&mut self, mem: &mut S, budget: u64) -> Exit {
        self.run_traced(mem, budget, &mut NoTrace)
    }

    /// [`Cpu::run`] with a [`Tracer`].
    pub fn run_traced<S: Storage + ?Sized, T: Tracer + ?Sized>(
        &mut self,
        mem: &mut S,
        budget: u64,
        tracer: &mut T,
    ) -> Exit {
        let mut left = budget;
        while left > 0 {
            // One step with every check (stopped, pending interruptions, waits) ...
            left -= 1;
            if let Some(exit) = self.step_traced(mem, tracer) {
                return exit;
            }
            // ... then straight on while none of them can apply.
            let (n, exit) = self.run_quiet(mem, left, tracer, false);
            left -= n;
            if let Some(exit) = exit {
                return exit;
            }
        }
        Exit::Budget
    }

    /// Runs up to `max` instructions of blocks of pre-decoded instructions (register,
    /// storage and branch instructions that cannot change the PSW mask, control
    /// registers, prefix or TLB) while no interruption could become deliverable, and
    /// returns how many ran. It stops before anything else, without executing it: an
    /// instruction outside a block, one that would take a program interruption, a
    /// timer that could fire. So a caller that checks every instruction (the
    /// ultravisor's SIE loop) may run these stretches here and step the rest.
    pub fn run_straight<S: Storage + ?Sized, T: Tracer + ?Sized>(
        &mut self,
        mem: &mut S,
        max: u64,
        tracer: &mut T,
    ) -> u64 {
        self.run_quiet(mem, max, tracer, true).0
    }

    /// Runs up to `max` instructions while the CPU is not stopped, not waiting and has no
    /// interruption that could be deliverable (the conditions under which
    /// [`Cpu::step_traced`] goes straight to the next instruction): the count run and the
    /// exit, if one happened.
    ///
    /// With `plain`, only blocks of pre-decoded instructions run: the run stops, without
    /// executing it, before the first instruction that is not in a block or that would
    /// take an interruption (the PSW then points to it), and it never delivers
    /// interruptions or returns exits ([`Cpu::run_straight`]).
    #[inline(never)]
    fn run_quiet<S: Storage + ?Sized, T: Tracer + ?Sized>(
        &mut self,
        mem: &mut S,
        max: u64,
        tracer: &mut T,
        plain: bool,
    ) -> (u64, Option<Exit>) {
        let tick = self.model.tod_per_insn;
        let mut n = 0;
        while n < max && !self.stopped && !self.state.psw.is_wait() {
            // Straight on until an interruption could become deliverable (a timer) ...
            let stop = n.saturating_add(self.quiet_budget()).min(max);
            if stop == n {
                break;
            }
            // ... or an instruction that may change what that depends on (below).
            let mut ex = Exec::new(self, &mut *mem, 0, 2);
            // Whether the fetch memo's context (PSW mode bits, prefix, ASCE, TLB) is known
            // to be unchanged: true after a pre-decoded instruction completed, as those
            // change only registers, the CC, storage and the instruction address.
            let mut trusted = false;
            // Pre-decoded instructions cannot change the data memo's context either: it
            // is compared once for the straight run (see `memo::DataMemo::trusted`).
            ex.cpu.memo_trust();
            let first = n;
            // The absolute page of the last block and its frame generation while no store
            // may have changed it since: the next block in that page needs no new read.
            let mut known = (NO_PAGE, 0);
            let ended = loop {
                if n == stop {
                    break None;
                }
                let addr = ex.cpu.state.psw.addr;
                // A block of pre-decoded instructions where the fetch memo covers the
                // address: no fetch per instruction, a generation check after stores.
                if let Some(abs) = ex.memo_covers(addr, trusted)
                    && let Some((b, g)) = ex.block_at(abs, known)
                    && ex.cpu.icache.blocks.get(b).count > 0
                {
                    // `stop > n` here; pre-decoded instructions do not look at the clock,
                    // so it is advanced once for the blocks run here.
                    let left = stop - n;
                    let (mut b, mut a, mut total, mut fault) = (b, addr, 0u64, None);
                    let mut plain_stop = false;
                    // The blocks run by reference, not by copies of their `Pre` forms.
                    let lent = ex.cpu.icache.blocks.take();
                    let page = abs & !0xfff;
                    ex.code_page = page;
                    ex.touched = false;
                    // Block after block while they lie in this page (chained: its frame
                    // generation is known while no store touched it, the fetch memo's
                    // context cannot change).
                    loop {
                        let block = lent.get(b);
                        let count = u64::from(block.count);
                        let run = count.min(left - total) as usize;
                        let items = &block.items;
                        let (start, mut done) = (a, 0);
                        while done < run {
                            let item = &items[done];
                            tracer.instruction(a, &item.insn);
                            done += 1;
                            ex.addr = a;
                            let mut next = a.wrapping_add(u64::from(item.len));
                            if next & 0xff8 == 0 {
                                next = ex.cpu.state.wrap(next);
                            }
                            ex.cpu.state.psw.addr = next;
                            let res = ex.run_pre(usize::MAX, &item.pre);
                            if res.is_err() {
                                if plain {
                                    // Not executed: the caller steps it with every check.
                                    ex.cpu.state.psw.addr = a;
                                    (done, plain_stop) = (done - 1, true);
                                    break;
                                }
                                ex.len = item.len;
                                fault = Some((res, a));
                                break;
                            }
                            let checks = item.checks;
                            if checks == 0 {
                                a = next;
                                continue;
                            }
                            if checks == block::FUSED {
                                if done < run {
                                    // The BRC after it, run here.
                                    let br = &items[done];
                                    tracer.instruction(next, &br.insn);
                                    done += 1;
                                    ex.addr = next;
                                    a = next;
                                    next = a.wrapping_add(u64::from(br.len));
                                    if next & 0xff8 == 0 {
                                        next = ex.cpu.state.wrap(next);
                                    }
                                    ex.cpu.state.psw.addr = next;
                                    ex.brc(&br.pre);
                                    if ex.cpu.state.psw.addr != next {
                                        break;
                                    }
                                }
                            } else if (checks & block::CHECK_BRANCH != 0
                                && ex.cpu.state.psw.addr != next)
                                || (checks & block::CHECK_STORE != 0
                                    && ex.touched
                                    && g_now(ex.mem, page) != g)
                            {
                                // A branch was taken, or a store changed the block's frame.
                                break;
                            }
                            a = next;
                        }
                        total += done as u64;
                        if fault.is_some() || plain_stop || ex.touched || total == left {
                            break;
                        }
                        // The next block, if it is already built in the same page (this
                        // one again, for a loop).
                        a = ex.cpu.state.psw.addr;
                        if a == start {
                            continue;
                        }
                        let off = a ^ addr_page(addr);
                        let next_abs = page | off;
                        let i = block::Blocks::slot(next_abs);
                        if off > 4090 || off & 1 != 0 || !lent.get(i).ready(next_abs, g) {
                            break;
                        }
                        b = i;
                    }
                    ex.cpu.icache.blocks.give_back(lent);
                    known = if ex.touched { (NO_PAGE, 0) } else { (page, g) };
                    n += total;
                    ex.cpu.advance_clock(tick.wrapping_mul(total));
                    if fault.is_some() {
                        break fault;
                    }
                    if plain_stop {
                        break None;
                    }
                    trusted = true;
                    continue;
                }
                if plain {
                    // Not in a block: the caller steps it.
                    break None;
                }
                n += 1;
                ex.cpu.advance_clock(tick);
                ex.addr = addr;
                // This instruction may store anywhere.
                known = (NO_PAGE, 0);
                let cached =
                    if trusted { ex.fetch_same_context(addr) } else { ex.fetch_cached(addr) };
                let (slot, pre) = match cached {
                    Some(c) => c,
                    None => match ex.fetch_insn(addr) {
                        Ok(Some(i)) => (i, ex.cpu.icache.pre(i)),
                        Ok(None) => (usize::MAX, predecode::Pre::GENERIC),
                        Err(e) => break Some((Err(e), addr)),
                    },
                };
                // The PSW is updated before execution (see `Exec::fetch_and_run`). The
                // address can wrap only where it reaches a multiple of 4 KiB.
                let mut next = addr.wrapping_add(u64::from(ex.len));
                if next & 0xff8 == 0 {
                    next = ex.cpu.state.wrap(next);
                }
                ex.cpu.state.psw.addr = next;
                if slot == usize::MAX {
                    break Some((Err(ProgramCheck::new(PgmCode::Operation).into()), addr));
                }
                tracer.instruction(addr, ex.cpu.icache.insn_ref(slot));
                if pre.kind == predecode::Kind::Generic {
                    ex.cpu.memo_distrust();
                }
                let res = ex.run_pre(slot, &pre);
                if res.is_err() || pre.kind == predecode::Kind::Generic {
                    if res == Err(Event::Intercept) && ex.executed.is_none() {
                        ex.executed = Some(ex.cpu.icache.insn(slot));
                    }
                    break Some((res, addr));
                }
                trusted = true;
            };
            ex.cpu.memo_distrust();
            let (len, intercepted) = (ex.len, ex.executed);
            // The instructions that completed in the loop (`finish` counts the last one).
            self.executed += n - first - u64::from(ended.is_some());
            if plain {
                // Whatever ended the straight run is the caller's to step.
                return (n, None);
            }
            let Some((res, addr)) = ended else { continue };
            if let Some(exit) = self.finish(mem, res, addr, len, intercepted, tracer) {
                return (n, Some(exit));
            }
        }
        (n, None)
    }

    /// Executes one instruction (or delivers the interruption it causes); `Some` when the
    /// CPU stops for an exit.
    pub fn step<S: Storage + ?Sized>(&mut self, mem: &mut S) -> Option<Exit> {
        self.step_traced(mem, &mut NoTrace)
    }

    /// [`Cpu::step`] with a [`Tracer`].
    #[inline]
    pub fn step_traced<S: Storage + ?Sized, T: Tracer + ?Sized>(
        &mut self,
        mem: &mut S,
        tracer: &mut T,
    ) -> Option<Exit> {
        if self.stopped {
            return Some(Exit::Stopped);
        }
        if self.deliver_pending(mem) && self.wait_outcome().is_some() {
            return self.wait_outcome();
        }
        if self.state.psw.is_wait() {
            // An enabled wait for a timer: let virtual time pass until it fires.
            let Some(t) = self.next_timer_event() else {
                return Some(self.wait_exit());
            };
            self.advance_clock(t - self.state.tod);
            if !self.deliver_pending(mem) {
                return Some(self.wait_exit());
            }
            return self.wait_outcome();
        }
        let tick = self.model.tod_per_insn;
        self.advance_clock(tick);
        let addr = self.state.psw.addr;
        let mut ex = Exec::new(self, mem, addr, 2);
        let res = ex.fetch_and_run(addr, tracer);
        let (len, intercepted) = (ex.len, ex.executed);
        self.finish(mem, res, addr, len, intercepted, tracer)
    }

    /// Counts the instruction at `addr` that ended with `res` and delivers the
    /// interruption it caused; `Some` when the CPU stops for an exit.
    #[inline]
    fn finish<S: Storage + ?Sized, T: Tracer + ?Sized>(
        &mut self,
        mem: &mut S,
        res: Step,
        addr: u64,
        len: u8,
        intercepted: Option<Insn>,
        tracer: &mut T,
    ) -> Option<Exit> {
        self.executed += 1;
        match res {
            Ok(()) => return self.wait_outcome(),
            Err(Event::Program(p)) => {
                tracer.program_interruption(p.code, addr);
                self.program_interruption(mem, p, addr, len);
            }
            Err(Event::Svc(code)) => self.svc_interruption(mem, code, len),
            Err(Event::Intercept) => {
                // `fetch_and_run` leaves the intercepted instruction in `executed`.
                if let Some(insn) = intercepted {
                    return Some(Exit::Instruction { insn, addr });
                }
            }
        }
        self.wait_outcome()
    }

    /// `Some` when the CPU is in a wait that no timer of its own will end.
    #[inline]
    fn wait_outcome(&self) -> Option<Exit> {
        (self.state.psw.is_wait() && self.next_timer_event().is_none()).then(|| self.wait_exit())
    }

    fn wait_exit(&self) -> Exit {
        let m = self.state.psw.mask;
        Exit::Wait { enabled: m & (pv_core::psw::PSW_MASK_IO | pv_core::psw::PSW_MASK_EXT) != 0 }
    }

    /// Stores `old` and the interruption data, then loads the new PSW at `new_at`.
    pub(crate) fn swap_psw<S: Storage + ?Sized>(&mut self, mem: &mut S, old_at: u64, new_at: u64) {
        let st = &mut self.state;
        let old = st.psw.to_bytes();
        let _ = mem.write(GuestAbs(st.prefixed(old_at)), &old);
        let mut new = [0u8; 16];
        let _ = mem.read(GuestAbs(st.prefixed(new_at)), &mut new);
        st.psw = Psw::from_bytes(&new);
    }

    fn store_u16<S: Storage + ?Sized>(&self, mem: &mut S, real: u64, v: u16) {
        let _ = mem.write(GuestAbs(self.state.prefixed(real)), &v.to_be_bytes());
    }

    /// Delivers a program interruption for the instruction at `addr` of length `len`
    /// (Principles of Operation, "Program Interruption"): the old PSW points at the
    /// instruction when the condition nullifies, past it otherwise.
    pub fn program_interruption<S: Storage + ?Sized>(
        &mut self,
        mem: &mut S,
        p: ProgramCheck,
        addr: u64,
        len: u8,
    ) {
        if p.nullifies() {
            self.state.psw.addr = addr;
        }
        self.store_u16(mem, lowcore::PGM_ILC, u16::from(len));
        self.store_u16(mem, lowcore::PGM_CODE, p.code);
        if let Some(teid) = p.teid {
            let _ = mem.write(GuestAbs(self.state.prefixed(lowcore::TEID)), &teid.to_be_bytes());
        }
        if let Some(dxc) = p.dxc {
            let _ = mem
                .write(GuestAbs(self.state.prefixed(lowcore::DXC)), &u32::from(dxc).to_be_bytes());
        }
        let bea = self.state.bea;
        let _ = mem.write(GuestAbs(self.state.prefixed(lowcore::BEA)), &bea.to_be_bytes());
        self.swap_psw(mem, lowcore::PGM_OLD, lowcore::PGM_NEW);
    }

    /// Delivers an SVC interruption (the old PSW points past the SVC).
    pub fn svc_interruption<S: Storage + ?Sized>(&mut self, mem: &mut S, code: u8, len: u8) {
        self.store_u16(mem, lowcore::SVC_ILC, u16::from(len));
        self.store_u16(mem, lowcore::SVC_CODE, u16::from(code));
        self.swap_psw(mem, lowcore::SVC_OLD, lowcore::SVC_NEW);
    }

    /// Delivers a restart interruption (PSW restart, SIGP RESTART).
    pub fn restart_interruption<S: Storage + ?Sized>(&mut self, mem: &mut S) {
        self.swap_psw(mem, lowcore::RESTART_OLD, lowcore::RESTART_NEW);
    }

    /// Delivers an external interruption with `code`, parameter `param` and, for
    /// emergency signal and external call, the sending CPU's address (the caller checks
    /// the masks).
    pub fn external_interruption<S: Storage + ?Sized>(
        &mut self,
        mem: &mut S,
        code: u16,
        param: u32,
        from: Option<u16>,
    ) {
        self.store_u16(mem, lowcore::EXT_CODE, code);
        let _ = mem.write(GuestAbs(self.state.prefixed(lowcore::EXT_PARAM)), &param.to_be_bytes());
        if let Some(cpu) = from {
            self.store_u16(mem, lowcore::CPU_ADDR, cpu);
        }
        self.swap_psw(mem, lowcore::EXT_OLD, lowcore::EXT_NEW);
    }
}
