//! Public-API tests of the machine: small hand-assembled programs (bytes produced with
//! binutils' `s390x-linux-gnu-as`, source in the comments) run through the intercept
//! loop: SERVC and the floating service signal, SIGP bring-up of a second CPU, the
//! watchdog with both actions, console input, re-IPL, the idle and limit outcomes, and
//! the trace observer.

use std::cell::RefCell;
use std::rc::Rc;

use pv_core::{GuestAbs, Psw, Storage};
use pv_hypervisor::host::{FixedClock, NullConsole, SharedConsole, TOD_PER_SECOND};
use pv_hypervisor::loader::{BootParams, Kernel};
use pv_hypervisor::trace::{InsnEvent, Observer, Reg};
use pv_hypervisor::{Machine, MachineConfig, Outcome, WatchdogAction};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// lctlg %c0,%c0,0x800; lghi %r2,0x4000; llilf %r1,0x00020001; servc %r1,%r2; ipm %r3;
/// lpswe 0x810
const SERVC: &str = "eb000800002fa7294000c01f00020001b2200012b2220030b2b20810";
/// lghi %r3,1; sigp %r4,%r3,6 (restart); lghi %r3,0; sigp %r4,%r3,5 (stop); j .
const RESTART_CPU1: &str = "a7390001ae430006a7390000ae430005a7f40000";
/// stap 0x900; lh %r3,0x900; sigp %r4,%r3,5 (stop self); j .
const CPU1_CODE: &str = "b212090048300900ae430005a7f40000";
/// lghi %r2,0; lghi %r3,15; lghi %r4,0; diag %r2,%r4,0x288; lpswe 0x810
const WATCHDOG: &str = "a7290000a739000fa749000083240288b2b20810";
/// lghi %r4,3; diag %r2,%r4,0x308; j .
const REIPL: &str = "a749000383240308a7f40000";

const EXT_WAIT: u64 = 0x0102_0001_8000_0000;
const DISABLED_WAIT: u64 = 0x0002_0001_8000_0000;

fn machine(cpus: usize, cfg: MachineConfig) -> Machine {
    let cfg = MachineConfig { memory: 16 << 20, cpus, ..cfg };
    Machine::new(cfg, Box::new(NullConsole), &FixedClock(0)).unwrap()
}

fn put_psw(m: &mut Machine, at: u64, mask: u64, addr: u64) {
    m.memory_mut().write(GuestAbs(at), &Psw { mask, addr }.to_bytes()).unwrap();
}

/// Loads `code` at 0x1000 and starts CPU 0 there; an enabled-wait PSW (external) at 0x810
/// and a disabled-wait external new PSW at 0x998.
fn start(m: &mut Machine, code: &str) {
    m.memory_mut().write(GuestAbs(0x1000), &hex(code)).unwrap();
    put_psw(m, 0x810, EXT_WAIT, 0x1020);
    put_psw(m, 0x1b0, DISABLED_WAIT, 0x998);
    let c = m.cpu_mut(0).unwrap();
    c.state.psw = Psw::new_64bit(0x1000);
    c.stopped = false;
}

fn read(m: &mut Machine, at: u64, n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    m.memory_mut().read(GuestAbs(at), &mut b).unwrap();
    b
}

/// The SCCB for READ SCP INFO at 0x4000 and CR0 with (or without) the service-signal
/// subclass at 0x800.
fn servc_setup(m: &mut Machine, cr0: u64) {
    m.memory_mut().write(GuestAbs(0x800), &cr0.to_be_bytes()).unwrap();
    m.memory_mut().write(GuestAbs(0x4000), &[0x10, 0, 0, 0, 0, 0, 0, 0]).unwrap();
}

fn disabled_wait_at(o: Outcome, addr: u64) {
    match o {
        Outcome::DisabledWait { cpu: 0, psw } => assert_eq!(psw.addr, addr, "{o}"),
        o => panic!("unexpected outcome: {o}"),
    }
}

#[test]
fn servc_completes_and_raises_a_service_signal() {
    let mut m = machine(1, MachineConfig::default());
    start(&mut m, SERVC);
    servc_setup(&mut m, 0x200);
    disabled_wait_at(m.run(), 0x998);
    assert_eq!(read(&mut m, 0x4006, 2), [0x00, 0x10], "READ SCP INFO completed");
    assert_eq!(read(&mut m, 0x86, 2), [0x24, 0x01], "service-signal code");
    assert_eq!(read(&mut m, 0x80, 4), [0, 0, 0x40, 0], "parameter: the SCCB address");
    let old = read(&mut m, 0x130, 16);
    assert_eq!(Psw::from_bytes(&old.try_into().unwrap()), Psw { mask: EXT_WAIT, addr: 0x1020 });
    assert_eq!(m.cpus()[0].state.gr[3] & 0x3000_0000, 0, "condition code 0");
}

#[test]
fn a_service_signal_waits_for_an_enabled_cpu() {
    let mut m = machine(1, MachineConfig::default());
    start(&mut m, SERVC);
    // CR0 without the service-signal subclass: the signal stays pending, the CPU waits.
    servc_setup(&mut m, 0);
    assert_eq!(m.run(), Outcome::Idle);
    assert_eq!(read(&mut m, 0x86, 2), [0, 0]);
    assert_eq!(read(&mut m, 0x4006, 2), [0x00, 0x10]);
}

#[test]
fn sigp_restart_brings_up_a_second_cpu() {
    let mut m = machine(2, MachineConfig::default());
    start(&mut m, RESTART_CPU1);
    m.memory_mut().write(GuestAbs(0x1100), &hex(CPU1_CODE)).unwrap();
    put_psw(&mut m, 0x1a0, 0x0000_0001_8000_0000, 0x1100);
    assert_eq!(m.run(), Outcome::AllStopped);
    assert_eq!(read(&mut m, 0x900, 2), [0, 1], "CPU 1 stored its address");
    assert!(m.cpus().iter().all(|c| c.stopped));
}

#[test]
fn sigp_restart_of_the_own_cpu_stores_the_completed_psw() {
    let mut m = machine(1, MachineConfig::default());
    // lghi %r5,-1; ltgr %r5,%r5 (cc 1); lghi %r3,0; sigp %r4,%r3,6 (restart self)
    start(&mut m, "a759ffffb9020055a7390000ae430006");
    put_psw(&mut m, 0x1a0, DISABLED_WAIT, 0x4440);
    disabled_wait_at(m.run(), 0x4440);
    let old = Psw::from_bytes(&read(&mut m, 0x120, 16).try_into().unwrap());
    assert_eq!((old.addr, old.cc()), (0x1010, 0), "restart old PSW: after SIGP, cc 0");
}

#[test]
fn the_watchdog_stops_the_run_in_virtual_time() {
    let mut m = machine(1, MachineConfig::default());
    start(&mut m, WATCHDOG);
    assert_eq!(m.run(), Outcome::WatchdogExpired);
    assert!(m.cpus()[0].state.tod >= 15 * TOD_PER_SECOND);
    assert_eq!(m.watchdog().deadline(), None);
}

#[test]
fn the_watchdog_can_restart_cpu_0() {
    let cfg = MachineConfig { watchdog: WatchdogAction::Restart, ..MachineConfig::default() };
    let mut m = machine(1, cfg);
    start(&mut m, WATCHDOG);
    put_psw(&mut m, 0x1a0, DISABLED_WAIT, 0x7770);
    disabled_wait_at(m.run(), 0x7770);
    let old = read(&mut m, 0x120, 16);
    assert_eq!(Psw::from_bytes(&old.try_into().unwrap()).addr, 0x1020, "restart old PSW");
}

#[test]
fn console_input_is_announced_once_the_guest_accepts_it() {
    let console = SharedConsole::default();
    console.push_input(b"hi");
    let cfg = MachineConfig { memory: 16 << 20, ..MachineConfig::default() };
    let mut m = Machine::new(cfg, Box::new(console.clone()), &FixedClock(0)).unwrap();
    start(&mut m, SERVC);
    servc_setup(&mut m, 0x200);
    // Turn the READ SCP INFO into WRITE EVENT MASK (llilf operand): receive ASCII data.
    m.memory_mut().write(GuestAbs(0x100c), &0x0078_0005u32.to_be_bytes()).unwrap();
    let mut sccb = [0u8; 28];
    sccb[1] = 28;
    sccb[11] = 4;
    sccb[15] = 0x40;
    m.memory_mut().write(GuestAbs(0x4000), &sccb).unwrap();
    disabled_wait_at(m.run(), 0x998);
    assert_eq!(read(&mut m, 0x4006, 2), [0x00, 0x20]);
    assert_eq!(read(&mut m, 0x80, 4), [0, 0, 0x40, 0x01], "event data pending");
    assert_eq!(m.sclp().events.input.len(), 2);
}

#[test]
fn reipl_clears_storage_and_reloads_the_image() {
    let cfg = MachineConfig { max_instructions: Some(11), ..MachineConfig::default() };
    let mut m = machine(1, cfg);
    let mut img = vec![0u8; 0x1000];
    img[..8].copy_from_slice(&[0, 8, 0, 0, 0x80, 0, 0x10, 0]);
    img.extend(hex(REIPL));
    m.boot(Kernel::parse(img).unwrap(), BootParams::default()).unwrap();
    m.memory_mut().write(GuestAbs(0x5000), &[0xaa]).unwrap();
    assert_eq!(m.run(), Outcome::InstructionLimit { executed: 11 });
    assert_eq!(read(&mut m, 0x5000, 1), [0], "storage cleared");
    assert_eq!(read(&mut m, 0x1004, 4), [0x83, 0x24, 0x03, 0x08], "image loaded again");
    assert_eq!(m.cpus()[0].state.gr[4], 3);
}

/// lghi %r2,0x6000; lghi %r4,8; diag %r2,%r4,0x308 (set PV IPIB); lgr %r6,%r3;
/// lghi %r4,10; diag %r2,%r4,0x308 (enter secure mode); lpswe 0x820
const PV_START: &str = "a7296000a749000883240308b9040063a749000a83240308b2b20820";

fn pv_ipib() -> Vec<u8> {
    use pv_ipl::ipib::{Ipib, PvComponent};
    let c = PvComponent { tweak_prefix: 0x0001_0000_0000_0000, addr: 0x15000, len: 0x1000 };
    Ipib::new_pv(0x14000, 640, vec![c]).to_bytes().unwrap()
}

#[test]
fn entering_secure_mode_fails_without_an_ultravisor() {
    let mut facilities = pv_hypervisor::Facilities::default();
    facilities.apply("+161").unwrap();
    let mut m = machine(2, MachineConfig { facilities, ..MachineConfig::default() });
    start(&mut m, PV_START);
    m.memory_mut().write(GuestAbs(0x6000), &pv_ipib()).unwrap();
    put_psw(&mut m, 0x820, DISABLED_WAIT, 0x5550);
    disabled_wait_at(m.run(), 0x5550);
    let gr = m.cpus()[0].state.gr;
    assert_eq!((gr[6], gr[3]), (0x0001, 0x0a02), "IPIB set, then 0x0a02 and execution goes on");
}

#[test]
fn pv_subcodes_need_facility_161() {
    let mut m = machine(1, MachineConfig::default());
    start(&mut m, PV_START);
    m.memory_mut().write(GuestAbs(0x6000), &pv_ipib()).unwrap();
    put_psw(&mut m, 0x1d0, DISABLED_WAIT, 0x6660);
    disabled_wait_at(m.run(), 0x6660);
    assert_eq!(read(&mut m, 0x8e, 2), [0, 6], "specification exception");
}

type Seen = Rc<RefCell<Vec<(u16, u64, Vec<Reg>)>>>;

struct Recorder(Seen);

impl Observer for Recorder {
    fn instruction(&mut self, ev: &InsnEvent<'_>) {
        let regs = ev.changes.iter().map(|c| c.reg).collect();
        self.0.borrow_mut().push((ev.cpu, ev.addr, regs));
    }
}

#[test]
fn the_observer_sees_every_instruction_with_its_changes() {
    let mut m = machine(1, MachineConfig::default());
    start(&mut m, SERVC);
    servc_setup(&mut m, 0x200);
    let seen: Seen = Rc::default();
    m.set_observer(Box::new(Recorder(Rc::clone(&seen))));
    disabled_wait_at(m.run(), 0x998);
    let seen = seen.borrow();
    let addrs: Vec<u64> = seen.iter().map(|e| e.1).collect();
    assert_eq!(addrs, [0x1000, 0x1006, 0x100a, 0x1010, 0x1014, 0x1018]);
    assert_eq!(seen[0].2, [Reg::Cr(0)]);
    assert_eq!(seen[1].2, [Reg::Gr(2)]);
    // SERVC sets condition code 0, IPM inserts it into a zero register: no changes.
    assert!(seen[3].2.is_empty() && seen[4].2.is_empty(), "{:?}", &seen[3..5]);
    assert!(seen[5].2.contains(&Reg::PswMask), "lpswe");
    assert_eq!(m.executed(), 6);
}

#[test]
fn bad_configurations_are_errors() {
    let mk = |cfg| Machine::new(cfg, Box::new(NullConsole), &FixedClock(0)).map(|_| ());
    let base = MachineConfig::default();
    assert!(mk(MachineConfig { cpus: 0, ..base.clone() }).is_err());
    assert!(mk(MachineConfig { cpus: 249, ..base.clone() }).is_err());
    assert!(mk(MachineConfig { memory: (1 << 20) + 4096, ..base.clone() }).is_err());
    assert!(mk(MachineConfig { memory: 0, ..base.clone() }).is_err());
    // A 4 GiB guest costs no storage until it is touched.
    let m = Machine::new(
        MachineConfig { memory: 4 << 30, ..base },
        Box::new(NullConsole),
        &FixedClock(0),
    )
    .unwrap();
    let mem = m.memory().plain().unwrap();
    assert_eq!((pv_core::Storage::size(mem), mem.resident_frames()), (4 << 30, 0));
}

#[test]
fn a_disabled_wait_at_0xfff_is_qemus_clean_shutdown() {
    // LPSWE 0x900: a disabled-wait PSW whose instruction address is odd (0xfff). The
    // architecture checks the address only at instruction fetch, which a wait never does.
    let mut m = machine(1, MachineConfig::default());
    start(&mut m, "b2b20900");
    put_psw(&mut m, 0x900, DISABLED_WAIT, 0xfff);
    let o = m.run();
    assert_eq!(o, Outcome::Shutdown { cpu: 0 });
    assert!(o.is_clean());
    // Any other disabled wait is a failure.
    let mut m = machine(1, MachineConfig::default());
    start(&mut m, "b2b20900");
    put_psw(&mut m, 0x900, DISABLED_WAIT, 0xffe);
    disabled_wait_at(m.run(), 0xffe);
}
