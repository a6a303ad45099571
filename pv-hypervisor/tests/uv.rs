//! The machine with an ultravisor attached (`pv_hypervisor::uv`), against a scripted mock
//! of `pv_core::uvc::Ultravisor` that records what it is asked: facility 158, the UVC
//! operands the hypervisor passes, condition codes and program interruptions from the
//! outcome, model faults, the host resets of DIAG 308, and storage through the
//! attachment. (pvsim's tests run the real model.) Programs are hand-assembled; the
//! source is in the comments.

use std::cell::RefCell;
use std::rc::Rc;

use pv_core::uvc::{ConditionCode, HostReset, Ultravisor, UvcInstr, UvcOutcome};
use pv_core::{GuestAbs, Psw, Storage};
use pv_hypervisor::host::{FixedClock, NullConsole};
use pv_hypervisor::loader::{BootParams, Kernel};
use pv_hypervisor::memory::GuestMemory;
use pv_hypervisor::{Error, Machine, MachineConfig, Outcome};

const MEM: u64 = 16 << 20;
const DISABLED_WAIT: u64 = 0x0002_0001_8000_0000;

/// The mock's model fault.
#[derive(Debug)]
struct MockFault;

impl std::fmt::Display for MockFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("mock fault")
    }
}

impl std::error::Error for MockFault {}

/// What the mock was asked.
#[derive(Debug, Default)]
struct Log {
    calls: Vec<UvcInstr>,
    resets: Vec<HostReset>,
    operating: Vec<u32>,
}

/// An ultravisor that answers every UVC with `answer` (`None`: a model fault).
struct Mock {
    mem: GuestMemory,
    answer: Option<UvcOutcome>,
    log: Rc<RefCell<Log>>,
}

impl Ultravisor for Mock {
    type Error = MockFault;

    fn host_uvc(&mut self, instr: UvcInstr) -> Result<UvcOutcome, MockFault> {
        self.log.borrow_mut().calls.push(instr);
        self.answer.ok_or(MockFault)
    }

    fn host_storage(&mut self) -> &mut dyn Storage {
        &mut self.mem
    }

    fn host_reset(&mut self, kind: HostReset) -> Result<(), MockFault> {
        self.log.borrow_mut().resets.push(kind);
        Ok(())
    }

    fn set_host_cpus_operating(&mut self, count: u32) {
        self.log.borrow_mut().operating.push(count);
    }

    fn sie(&mut self, _: u64, _: u64, _: u64) -> Result<pv_core::sie::SieExit, MockFault> {
        Err(MockFault)
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// A machine with the mock answering `answer`, `code` at 0x1000 entered in 64-bit mode
/// (or with `mask`), the program new PSW a disabled wait at 0x990.
fn machine(answer: Option<UvcOutcome>, code: &str, mask: u64) -> (Machine, Rc<RefCell<Log>>) {
    let log = Rc::new(RefCell::new(Log::default()));
    let mock = Mock { mem: GuestMemory::new(MEM).unwrap(), answer, log: Rc::clone(&log) };
    let cfg = MachineConfig { memory: MEM, max_instructions: Some(1000), ..Default::default() };
    let mut m =
        Machine::with_ultravisor(cfg, Box::new(mock), Box::new(NullConsole), &FixedClock(0))
            .unwrap();
    m.memory_mut().write(GuestAbs(0x1000), &hex(code)).unwrap();
    m.memory_mut()
        .write(GuestAbs(0x1d0), &Psw { mask: DISABLED_WAIT, addr: 0x990 }.to_bytes())
        .unwrap();
    let c = m.cpu_mut(0).unwrap();
    c.state.psw = Psw { mask, addr: 0x1000 };
    c.stopped = false;
    (m, log)
}

const PSW_64: u64 = 0x0000_0001_8000_0000;

/// llilf %r2,0x80003000; .insn rrf,0xb9a40000,%r0,%r2,0,0; ipm %r3; lpswe 0x810
/// (0x810 holds a disabled wait at 0x998).
const UVC: &str = "c02f80003000b9a40002b2220030b2b20810";

fn read(m: &mut Machine, at: u64, n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    m.memory_mut().read(GuestAbs(at), &mut b).unwrap();
    b
}

fn wait_at(m: &mut Machine, addr: u64) {
    m.memory_mut()
        .write(GuestAbs(0x810), &Psw { mask: DISABLED_WAIT, addr: 0x998 }.to_bytes())
        .unwrap();
    match m.run() {
        Outcome::DisabledWait { psw, .. } => assert_eq!(psw.addr, addr),
        o => panic!("{o}"),
    }
}

#[test]
fn facility_158_is_installed_exactly_with_an_ultravisor() {
    let (m, _) = machine(None, "", PSW_64);
    assert!(m.config().facilities.has(158));
    let mut cfg = MachineConfig { memory: MEM, ..Default::default() };
    cfg.facilities.set(158, true);
    let plain = Machine::new(cfg, Box::new(NullConsole), &FixedClock(0)).unwrap();
    assert!(!plain.config().facilities.has(158));
    assert!(plain.memory().plain().is_some());
}

#[test]
fn a_completed_call_sets_the_condition_code_from_the_operands() {
    let done = UvcOutcome::Completed { cc: ConditionCode::Failed, rc: 5, rrc: 0 };
    let (mut m, log) = machine(Some(done), UVC, PSW_64);
    wait_at(&mut m, 0x998);
    // ipm: the condition code in bits 2-3 of the high byte of r3's low word.
    assert_eq!((m.cpus()[0].state.g(3) >> 28) & 3, 1);
    let calls = &log.borrow().calls;
    assert_eq!(
        calls.as_slice(),
        [UvcInstr { i3: 0, m4: 0, problem_state: false, uvcb: 0x8000_3000 }]
    );
    assert_eq!(log.borrow().operating, [1], "one host CPU operating");
}

#[test]
fn the_uvcb_address_follows_the_addressing_mode_and_i3_m4_problem_state_pass_through() {
    // 31-bit mode, problem state: R2's bit 32 is not part of the address.
    // llilf %r2,0x80003000; .insn rrf,0xb9a40000,%r0,%r2,4,2
    let done = UvcOutcome::completed(1, 0);
    let (mut m, log) = machine(Some(done), "c02f80003000b9a44202a7f40000", 0x0001_0000_8000_0000);
    let _ = m.run();
    let calls = &log.borrow().calls;
    assert!(!calls.is_empty());
    assert_eq!(calls[0], UvcInstr { i3: 4, m4: 2, problem_state: true, uvcb: 0x3000 });
}

#[test]
fn program_interruptions_from_the_ultravisor_are_delivered() {
    // Specification (suppressing): the old PSW points past the UVC.
    let (mut m, _) = machine(Some(UvcOutcome::Program { code: 6 }), UVC, PSW_64);
    wait_at(&mut m, 0x990);
    assert_eq!(read(&mut m, 0x8e, 2), [0, 6]);
    assert_eq!(read(&mut m, 0x158, 8), 0x100au64.to_be_bytes());
    // Page translation (nullifying): the old PSW points at the UVC; the TEID names the
    // first page the host view refuses (the UVCB is beyond the 16 MiB).
    let (mut m, _) = machine(Some(UvcOutcome::Program { code: 0x11 }), UVC, PSW_64);
    wait_at(&mut m, 0x990);
    assert_eq!(read(&mut m, 0x8e, 2), [0, 0x11]);
    assert_eq!(read(&mut m, 0x158, 8), 0x1006u64.to_be_bytes());
    assert_eq!(read(&mut m, 0xa8, 8), 0x8000_3000u64.to_be_bytes());
    // Secure-storage access.
    let (mut m, _) = machine(Some(UvcOutcome::Program { code: 0x3d }), UVC, PSW_64);
    wait_at(&mut m, 0x990);
    assert_eq!(read(&mut m, 0x8e, 2), [0, 0x3d]);
}

#[test]
fn a_model_fault_ends_the_run() {
    let (mut m, _) = machine(None, UVC, PSW_64);
    assert_eq!(m.run(), Outcome::UltravisorFault { cpu: 0 });
    let fault = m.ultravisor_fault().expect("the fault is kept");
    assert_eq!(fault.to_string(), "ultravisor model fault: mock fault");
    // A program code no UVC raises is a model fault too.
    let (mut m, _) = machine(Some(UvcOutcome::Program { code: 7 }), UVC, PSW_64);
    assert_eq!(m.run(), Outcome::UltravisorFault { cpu: 0 });
}

#[test]
fn without_an_ultravisor_uvc_is_an_operation_exception() {
    let cfg = MachineConfig { memory: MEM, max_instructions: Some(1000), ..Default::default() };
    let mut m = Machine::new(cfg, Box::new(NullConsole), &FixedClock(0)).unwrap();
    m.memory_mut().write(GuestAbs(0x1000), &hex(UVC)).unwrap();
    m.memory_mut()
        .write(GuestAbs(0x1d0), &Psw { mask: DISABLED_WAIT, addr: 0x990 }.to_bytes())
        .unwrap();
    let c = m.cpu_mut(0).unwrap();
    c.state.psw = Psw::new_64bit(0x1000);
    c.stopped = false;
    wait_at(&mut m, 0x990);
    assert_eq!(read(&mut m, 0x8e, 2), [0, 1]);
}

#[test]
fn diag_308_resets_reset_the_ultravisor() {
    // lghi %r4,N; diag %r2,%r4,0x308; (after the reset, the short PSW at 0 leads to
    // 0x2000: a disabled wait loaded by lpswe 0x810)
    for (subcode, kind) in [(0, HostReset::Normal), (1, HostReset::Normal), (3, HostReset::Clear)] {
        let code = format!("a74900{subcode:02x}83240308");
        let (mut m, log) = machine(Some(UvcOutcome::completed(1, 0)), &code, PSW_64);
        m.memory_mut().write(GuestAbs(0), &0x0008_0000_8000_2000u64.to_be_bytes()).unwrap();
        m.memory_mut().write(GuestAbs(0x2000), &hex("b2b20810")).unwrap();
        let _ = m.run();
        assert_eq!(log.borrow().resets.first(), Some(&kind), "subcode {subcode}");
    }
}

#[test]
fn storage_and_the_loader_go_through_the_attachment() {
    let log = Rc::new(RefCell::new(Log::default()));
    let mock = Mock { mem: GuestMemory::new(MEM).unwrap(), answer: None, log };
    let cfg = MachineConfig { memory: MEM, ..Default::default() };
    let mut m =
        Machine::with_ultravisor(cfg, Box::new(mock), Box::new(NullConsole), &FixedClock(0))
            .unwrap();
    let mut img = vec![0u8; 0x1004];
    img[..8].copy_from_slice(&[0, 8, 0, 0, 0x80, 0, 0x10, 0]);
    img[0x1000..].copy_from_slice(&[0xb2, 0xb2, 0x08, 0x00]);
    m.boot(Kernel::parse(img).unwrap(), BootParams::default()).unwrap();
    let uv = m.ultravisor_mut().unwrap();
    let mut b = [0u8; 4];
    uv.storage().read(GuestAbs(0x1000), &mut b).unwrap();
    assert_eq!(b, [0xb2, 0xb2, 0x08, 0x00]);
    assert_eq!(m.memory().size(), MEM);
}

#[test]
fn the_ultravisor_storage_must_match_the_memory() {
    let log = Rc::new(RefCell::new(Log::default()));
    let mock = Mock { mem: GuestMemory::new(8 << 20).unwrap(), answer: None, log };
    let cfg = MachineConfig { memory: MEM, ..Default::default() };
    let err = Machine::with_ultravisor(cfg, Box::new(mock), Box::new(NullConsole), &FixedClock(0))
        .unwrap_err();
    assert_eq!(err, Error::UltravisorStorage { size: 8 << 20, memory: MEM });
}
