//! `pvsim run --ultravisor`: the s390x host program of `guests/uv-host` (built bytes
//! committed in `guests/uv-host/bin`) drives the ultravisor model with UVC, and a
//! CI-gated check that rebuilding it gives the same loadable bytes. Plus the machine
//! with the real ultravisor model from Rust: storage through the checked view, the
//! DIAG 308 host reset, and Initialize refused while two host CPUs operate.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pv_core::uvc::{self, rc, uvcb::InitUvcb};
use pv_core::{GuestAbs, Storage, StorageFault};
use pv_hypervisor::host::{FixedClock, NullConsole};
use pv_hypervisor::loader::{BootParams, Kernel};
use pv_hypervisor::{HostUltravisor, Machine, MachineConfig, Outcome};
use pv_ultravisor::{MachineGeneration, MachineSpec, Ultravisor};

mod support;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../guests/uv-host")
}

fn program() -> String {
    dir().join("bin/uv-host.elf").to_string_lossy().into_owned()
}

/// `pvsim run` with `args` and a 200-million-instruction guard.
fn pvsim_run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvsim"))
        .arg("run")
        .args(args)
        .args(["--max-instructions", "200000000"])
        .stdin(Stdio::null())
        .output()
        .expect("run pvsim")
}

/// Every check the program makes, in order (the PASS lines without "PASS: ").
const CHECKS: &[&str] = &[
    "machine: facility 158 (ultravisor call) installed",
    "machine: READ SCP INFO reports 4096 MiB",
    "query: len 0x120: cc 0, rc 0x0001 (cc 0 rc 0x1)",
    "query: host calls 0-7, 11, 13-27, 34 installed",
    "query: guest calls 8, 9, 28-31, 33 not offered",
    "query: uv_base_stor_len 16 MiB (0x1000000)",
    "query: configuration storage: base 0x8000, virtual 0x4000, 0x100 per MiB",
    "query: cpu_stor_len 0x2000 (0x2000)",
    "query: 1024 configurations, guest storage up to 64 TiB, CPU ids up to 247",
    "query: len 0xa8: cc 1, rc 0x0100, data up to the length stored",
    "query: len 0xa0: rc 0x0005",
    "generic: problem state: privileged-operation exception, UVCB unchanged (0x2)",
    "generic: I3 4, M4 2: specification exception (0x6)",
    "generic: UVCB beyond storage: page-translation exception, TEID 0x100001000",
    "generic: header on the last 8 bytes of storage: page-translation exception for the next page",
    "generic: unknown command 0x7777: rc 0x0002",
    "generic: guest command Set Shared Access: rc 0x0002",
    "uninitialized: CGC len 0x78: rc 0x0005 (length before state)",
    "uninitialized: Initialize len 0x50: rc 0x0005",
    "uninitialized: Create Secure Configuration: rc 0x0003",
    "uninitialized: Create Secure CPU: rc 0x0003",
    "uninitialized: Destroy Secure CPU: rc 0x0003",
    "uninitialized: Destroy Secure Configuration: rc 0x0003",
    "init: storage at 1 GiB (below 2 GiB): rc 0x0108",
    "init: storage 4 KiB too short: rc 0x0103",
    "init: origin at the end of memory: rc 0x0104",
    "init: storage past the end of memory: rc 0x0105",
    "init: 16 MiB at 2 GiB: cc 0, rc 0x0001",
    "init: second Initialize: rc 0x0101",
    "donated: host read of the UV storage at 2 GiB: exception 0x3d (0x3d), TEID 0x80000000",
    "donated: host write of its last page: exception 0x3d (0x3d)",
    "donated: the page after it is host storage",
    "donated: a UVCB in the UV storage: exception 0x3d (0x3d)",
    "lifecycle: CGC with SCA 0: rc 0x010c, no handle",
    "lifecycle: CGC with a non-private ASCE: rc 0x0105",
    "lifecycle: Create Secure Configuration: cc 0, handle 0x5056535600000001",
    "lifecycle: the same UVCB again: rc 0x0104 (ASCE in use), no handle",
    "lifecycle: base storage: exception 0x3d",
    "lifecycle: variable storage (0x5000 bytes): exception 0x3d, not beyond",
    "lifecycle: CSC with a wrong configuration: rc 0x0020",
    "lifecycle: Create Secure CPU: cc 0, handle 0x5056535600000002",
    "lifecycle: CSC with the same number: rc 0x0104, no handle",
    "lifecycle: CPU storage: exception 0x3d",
    "lifecycle: Destroy CPU with a configuration handle: rc 0x0021",
    "lifecycle: DSC with a CPU handle: rc 0x0020",
    "lifecycle: DSC while a CPU exists: rc 0x0003",
    "lifecycle: Destroy Secure CPU: cc 0",
    "lifecycle: CPU storage given back, zeroed",
    "lifecycle: destroyed CPU handle: rc 0x0021",
    "lifecycle: Destroy Secure Configuration: cc 0",
    "lifecycle: base and variable storage given back, zeroed",
    "lifecycle: destroyed configuration handle: rc 0x0020",
    "reset: a second configuration and CPU before the reset",
    "reset: DIAG 308 subcode 1: UV storage readable, zero",
    "reset: configuration and CPU storage readable, zero",
    "reset: CGC after the reset: rc 0x0003 (uninitialized)",
    "reset: the old CPU handle: rc 0x0003",
    "reset: Query still answers",
    "reset: Initialize again: cc 0, storage donated",
];

#[test]
fn the_host_program_drives_the_ultravisor() {
    let out = pvsim_run(&["--kernel", &program(), "--ultravisor", "--memory", "4G"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ctx = format!("stdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{ctx}");
    assert!(!stdout.contains("FAIL") && !stdout.contains("ABORT"), "{ctx}");
    let passed: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("PASS: ")).collect();
    assert_eq!(passed, CHECKS, "{ctx}");
    assert!(stdout.ends_with(&format!("SUMMARY: {} tests\nEXIT: STATUS=1\n", CHECKS.len())));
}

#[test]
fn an_explicit_generation_is_accepted() {
    // z17 has the same host-side values as z16 (pv-ultravisor's machine table).
    let out = pvsim_run(&["--kernel", &program(), "--ultravisor=z17", "--memory", "4G"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    // z15 donates 8 MiB and knows no call 23-27 or 34: those checks fail.
    let out = pvsim_run(&["--kernel", &program(), "--ultravisor=z15", "--memory", "4G"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAIL: query: host calls 0-7, 11, 13-27, 34 installed\n"), "{stdout}");
    assert!(stdout.contains("FAIL: query: uv_base_stor_len 16 MiB (0x800000)\n"), "{stdout}");
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn without_the_ultravisor_uvc_is_an_operation_exception() {
    let out = pvsim_run(&["--kernel", &program(), "--memory", "4G"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAIL: machine: facility 158 (ultravisor call) installed\n"));
    assert!(stdout.contains("ABORT: unexpected program interruption 0x1 "), "{stdout}");
    assert_eq!(out.status.code(), Some(127), "{stdout}");
}

#[test]
fn the_program_needs_4_gib() {
    let out = pvsim_run(&["--kernel", &program(), "--ultravisor", "--memory", "2G"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAIL: machine: READ SCP INFO reports 2048 MiB\n"), "{stdout}");
    assert_eq!(out.status.code(), Some(3));
}

/// A z16 machine of `mem` bytes with the real ultravisor model, running `code` (raw
/// image: short PSW to 0x1000) for at most `limit` instructions.
fn machine(mem: u64, code: &[u8], limit: u64) -> Machine {
    let cfg =
        MachineConfig { memory: mem, max_instructions: Some(limit), ..MachineConfig::default() };
    let uv = Ultravisor::new(MachineSpec::preset(MachineGeneration::Z16).with_storage_size(mem));
    let mut m =
        Machine::with_ultravisor(cfg, Box::new(uv), Box::new(NullConsole), &FixedClock(0)).unwrap();
    let mut img = vec![0u8; 0x1000 + code.len()];
    img[..8].copy_from_slice(&[0, 8, 0, 0, 0x80, 0, 0x10, 0]);
    img[0x1000..].copy_from_slice(code);
    m.boot(Kernel::parse(img).unwrap(), BootParams::default()).unwrap();
    m
}

/// The typed UVC path (pv-core's `call`, over the machine's object-safe attachment).
fn uvc_call<T: uvc::Uvcb>(uv: &mut dyn HostUltravisor, at: u64, u: &T) -> (uvc::UvcOutcome, T) {
    let mut image = u.to_image();
    let b = &mut image[..T::LEN];
    uv.storage().write(GuestAbs(at), b).unwrap();
    let out = uv.uvc(uvc::UvcInstr::at(at), 1).unwrap();
    uv.storage().read(GuestAbs(at), b).unwrap();
    (out, T::decode(b))
}

#[test]
fn a_load_normal_reset_of_the_host_wipes_the_ultravisor() {
    const MEM: u64 = 4 << 30;
    const BASE: u64 = 2 << 30;
    // lghi %r4,1; diag %r2,%r4,0x308: DIAG 308 subcode 1, which comes back through the
    // short PSW at 0 to the same code, until the instruction limit.
    let mut m = machine(MEM, &[0xa7, 0x49, 0x00, 0x01, 0x83, 0x24, 0x03, 0x08], 10);
    assert!(m.config().facilities.has(158));
    assert!(m.memory().plain().is_none());
    assert_eq!(m.memory().size(), MEM);
    let init = InitUvcb { stor_origin: BASE, stor_len: 16 << 20 };
    let (out, _) = uvc_call(m.ultravisor_mut().unwrap(), 0x8000, &init);
    assert!(out.is_ok(), "{out:?}");
    let (again, _) = uvc_call(m.ultravisor_mut().unwrap(), 0x8000, &init);
    assert_eq!(again.rc(), Some(rc::init::ALREADY_INITIALIZED));
    for at in [BASE, BASE + (16 << 20) - 8] {
        let refused = m.memory_mut().read(GuestAbs(at), &mut [0u8; 8]);
        assert_eq!(refused, Err(StorageFault::SecureStorageAccess { addr: GuestAbs(at) }));
    }
    assert!(matches!(m.run(), Outcome::InstructionLimit { .. }));
    let mut b = [0xffu8; 8];
    for at in [BASE, BASE + (16 << 20) - 8] {
        m.memory_mut().read(GuestAbs(at), &mut b).unwrap();
        assert_eq!(b, [0; 8]);
    }
    let (out, _) = uvc_call(m.ultravisor_mut().unwrap(), 0x8000, &init);
    assert!(out.is_ok(), "Initialize works again after the reset: {out:?}");
}

#[test]
fn initialize_needs_a_single_operating_host_cpu() {
    // CPU 0: lghi %r2,0x3000; .insn rrf,0xb9a40000,%r0,%r2,0,0; lpswe 0x810.
    // CPU 1: j . at 0x1100.
    let code = [0xa7, 0x29, 0x30, 0x00, 0xb9, 0xa4, 0x00, 0x02, 0xb2, 0xb2, 0x08, 0x10];
    for (cpus, want) in [(2, rc::init::TOO_MANY_CPUS), (1, rc::EXECUTED)] {
        let mem = 4u64 << 30;
        let cfg = MachineConfig {
            memory: mem,
            cpus,
            max_instructions: Some(1000),
            ..MachineConfig::default()
        };
        let uv =
            Ultravisor::new(MachineSpec::preset(MachineGeneration::Z16).with_storage_size(mem));
        let mut m =
            Machine::with_ultravisor(cfg, Box::new(uv), Box::new(NullConsole), &FixedClock(0))
                .unwrap();
        let init = InitUvcb { stor_origin: 2 << 30, stor_len: 16 << 20 };
        let image = uvc::Uvcb::to_image(&init);
        let mem = m.memory_mut();
        mem.write(GuestAbs(0x3000), &image[..<InitUvcb as uvc::Uvcb>::LEN]).unwrap();
        mem.write(GuestAbs(0x1000), &code).unwrap();
        mem.write(GuestAbs(0x1100), &[0xa7, 0xf4, 0x00, 0x00]).unwrap();
        mem.write(
            GuestAbs(0x810),
            &pv_core::Psw { mask: 0x0002_0001_8000_0000, addr: 0x998 }.to_bytes(),
        )
        .unwrap();
        for c in 0..cpus {
            let cpu = m.cpu_mut(c as u16).unwrap();
            cpu.state.psw = pv_core::Psw::new_64bit(0x1000 + 0x100 * c as u64);
            cpu.stopped = false;
        }
        let _ = m.run();
        let mut b = [0u8; 2];
        m.memory_mut().read(GuestAbs(0x3004), &mut b).unwrap();
        assert_eq!(u16::from_be_bytes(b), want, "{cpus} CPUs operating");
    }
}

#[test]
fn rebuilt_uv_host_has_the_committed_bytes() {
    support::rebuild_matches(
        "rebuilt_uv_host_has_the_committed_bytes",
        "uv-host",
        "bin",
        &["uv-host"],
    );
}
