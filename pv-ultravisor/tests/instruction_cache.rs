//! `pv-emu` keeps decoded instructions only while their frame is unchanged and accessible
//! (uv-spec.md §4; DESIGN.md "The trust boundary, in code"):
//!
//! - a host CPU over the ultravisor's checked host view: a page that the real UVC path
//!   makes UV storage faults with PGM 0x3d on the next fetch, and a page that comes back
//!   zeroed runs its new contents, never the cached instructions;
//! - a secure CPU: a code page the host exports ends SIE with PGM 0x3e on the next fetch,
//!   and runs again once imported.

mod sie_support;
mod support;

use pv_core::psw::{PSW_MASK_BA, PSW_MASK_EA, PSW_MASK_WAIT};
use pv_core::sie::SieExit;
use pv_core::uvc::Ultravisor as _;
use pv_core::uvc::guest::{RemoveSharedUvcb, SetSharedUvcb};
use pv_core::uvc::rc;
use pv_core::uvc::uvcb::{CfsUvcb, CtsUvcb};
use pv_core::{GuestAbs, Psw};
use pv_emu::Exit;
use pv_emu::cpu::lowcore;
use pv_ultravisor::{Donation, MachineGeneration, PageState};
use sie_support::{Asm, Guest};
use support::{Host, UV_BASE, asset, guest_rc};

/// Where the program new PSW's disabled wait points.
const PGM_WAIT_AT: u64 = 0xdead0;

/// `LGHI 2,5; AGHI 2,1; DIAG 0,0,0x500` (the DIAG leaves `pv-emu`).
const PROGRAM: [u8; 12] = [0xa7, 0x29, 0, 5, 0xa7, 0x2b, 0, 1, 0x83, 0, 0x05, 0];

/// A host whose program new PSW is a disabled wait, with [`PROGRAM`] at `at`.
fn host_with_program(at: u64) -> Host {
    let mut h = Host::new(MachineGeneration::Z16);
    program_at(&mut h, at);
    h
}

/// Makes the program new PSW of `h` a disabled wait and puts [`PROGRAM`] at `at`.
fn program_at(h: &mut Host, at: u64) {
    let mut psw = [0u8; 16];
    psw[..8].copy_from_slice(&(PSW_MASK_WAIT | PSW_MASK_EA | PSW_MASK_BA).to_be_bytes());
    psw[8..].copy_from_slice(&PGM_WAIT_AT.to_be_bytes());
    h.write(lowcore::PGM_NEW, &psw);
    h.write(at, &PROGRAM);
}

/// Runs `cpu` from `at` (64-bit mode, DAT off) with R2 = 100 on the host view.
fn run_from(h: &mut Host, cpu: &mut pv_emu::Cpu, at: u64) -> Exit {
    cpu.state.psw = Psw::new_64bit(at);
    cpu.state.gr[2] = 100;
    cpu.run(h.uv.host_storage(), 1000)
}

/// The program-interruption code the last delivery stored.
fn pgm_code(h: &mut Host) -> u16 {
    let b = h.read(lowcore::PGM_CODE, 2).unwrap();
    u16::from_be_bytes([b[0], b[1]])
}

fn generation(h: &mut Host, at: u64) -> Option<u64> {
    h.uv.host_storage().frame_generation(GuestAbs(at))
}

#[test]
fn a_page_donated_after_it_ran_faults_instead_of_running_from_the_cache() {
    let at = UV_BASE + 0x100;
    let mut h = host_with_program(at);
    let mut cpu = pv_emu::Cpu::new();
    for round in 0..2 {
        let exit = run_from(&mut h, &mut cpu, at);
        assert!(matches!(exit, Exit::Instruction { addr, .. } if addr == at + 8), "{round}");
        assert_eq!(cpu.state.gr[2], 6, "{round}");
    }
    assert!(generation(&mut h, at).is_some(), "the frame could be cached");

    // Initialize (the real UVC path) donates the page: it is UV storage now.
    h.init();
    assert_eq!(h.uv.page_state(at), PageState::Donated(Donation::UvBase));
    let exit = run_from(&mut h, &mut cpu, at);
    assert_eq!(exit, Exit::Wait { enabled: false });
    assert_eq!(pgm_code(&mut h), 0x3d, "secure-storage access on the fetch");
    assert_eq!(cpu.state.gr[2], 100, "nothing of the cached program ran");
    let old = h.read(lowcore::PGM_OLD, 16).unwrap();
    assert_eq!(Psw::from_bytes(old[..].try_into().unwrap()).addr, at, "nullified at the fetch");
    assert_eq!(generation(&mut h, at), None, "no generation for a page the host may not touch");

    // A host reset gives the page back zeroed: the zero halfword is an operation
    // exception, not the instructions decoded before.
    h.uv.host_reset(pv_core::uvc::HostReset::Normal).unwrap();
    assert_eq!(h.uv.page_state(at), PageState::NonSecure);
    let exit = run_from(&mut h, &mut cpu, at);
    assert_eq!(exit, Exit::Wait { enabled: false });
    assert_eq!(pgm_code(&mut h), 0x01);
    assert_eq!(cpu.state.gr[2], 100);
}

#[test]
fn a_shared_page_the_guest_unshares_faults_with_its_bytes_unchanged() {
    let mut h = Host::ready();
    let cfg = h.create_config();
    assert_eq!(h.ssc(cfg, &asset("A1/sehdr.bin")), (rc::EXECUTED, 0));
    let cpu_handle = h.create_cpu(cfg, 0);
    let (mso, page) = (Host::mso(0), 0x2000);
    for g in [0, page] {
        assert_eq!(h.rc(&CtsUvcb { guest_handle: cfg, gaddr: g }), (rc::EXECUTED, 0));
    }
    assert_eq!(guest_rc(&mut h.uv, cpu_handle, 0, &SetSharedUvcb { paddr: page }), (1, 0));
    let at = mso + page + 0x40;
    program_at(&mut h, at);
    let mut cpu = pv_emu::Cpu::new();
    for _ in 0..2 {
        assert!(matches!(run_from(&mut h, &mut cpu, at), Exit::Instruction { .. }));
        assert_eq!(cpu.state.gr[2], 6);
    }
    // Remove Shared Access changes the state, not a byte.
    assert_eq!(guest_rc(&mut h.uv, cpu_handle, 0, &RemoveSharedUvcb { paddr: page }), (1, 0));
    assert_eq!(h.uv.page_state(at), PageState::Secure { config: cfg });
    assert_eq!(run_from(&mut h, &mut cpu, at), Exit::Wait { enabled: false });
    assert_eq!(pgm_code(&mut h), 0x3d);
    assert_eq!(cpu.state.gr[2], 100, "nothing of the cached program ran");
    assert_eq!(generation(&mut h, at), None);
}

#[test]
fn host_stores_into_cached_code_take_effect() {
    let at = 0x4_0000;
    let mut h = host_with_program(at);
    let mut cpu = pv_emu::Cpu::new();
    assert!(matches!(run_from(&mut h, &mut cpu, at), Exit::Instruction { .. }));
    assert_eq!(cpu.state.gr[2], 6);
    // AGHI 2,1 becomes AGHI 2,7 through the host view.
    h.write(at + 7, &[7]);
    assert!(matches!(run_from(&mut h, &mut cpu, at), Exit::Instruction { .. }));
    assert_eq!(cpu.state.gr[2], 12);
}

#[test]
fn a_secure_cpu_faults_on_an_exported_code_page_and_runs_it_again_once_imported() {
    // loop: lghi %r1,3; aghi %r2,1; diag %r2,%r4,0x500; j loop+4
    let mut a = Asm::default();
    a.lghi(1, 3);
    a.b.extend([0xa7, 0x2b, 0, 1]);
    a.diag(2, 4, 0, 0x500);
    a.b.extend([0xa7, 0xf4, 0xff, 0xfc]);
    a.b.resize(0x1000, 0);
    let mut g = Guest::boot(&a.b);
    let page = g.base & !0xfff;
    for n in 1..=3 {
        assert_eq!(g.run(), SieExit::Intercept(0x68), "{n}");
        assert_eq!(g.grregs()[2], n, "{n}");
    }
    // Export (Convert From Secure Storage): the page is non-secure, its bytes encrypted.
    assert_eq!(g.h.rc(&CfsUvcb { paddr: g.mso + page }), (rc::EXECUTED, 0));
    assert_eq!(g.enter(), SieExit::Program { code: 0x3e, addr: page });
    assert_eq!(g.enter(), SieExit::Program { code: 0x3e, addr: page }, "still nullified");
    // Imported back, the same instructions run on.
    g.import(page);
    assert_eq!(g.run(), SieExit::Intercept(0x68));
    assert_eq!(g.grregs()[2], 4);
}
