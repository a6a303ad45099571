//! Secure CPUs run inside the ultravisor with the format-4 rules (uv-spec.md §4, §5,
//! §6): a real SE image whose kernel is a small s390x program, entered with SIE by a host
//! that sees only interception codes, text, the registers the rules allow and the SIDA.

mod sie_support;
mod support;

use pv_core::sie::{SieExit, StateDescription, iictl, validity as v};
use pv_core::uvc::Ultravisor as _;
use pv_core::uvc::UvcCmd;
use pv_core::uvc::uvcb::CpuSetStateUvcb;
use sie_support::*;
use support::{SIE, UV_BASE};

const PSW_WAIT: u64 = 0x0002_0000_0000_0000;
const PSW_EXT: u64 = 0x0100_0000_0000_0000;

/// The secret register values never appear in the SIE page or the SIDA.
fn assert_no_leak(g: &mut Guest) {
    let mut bytes = g.page();
    bytes.extend(g.sida(4096));
    for w in bytes.chunks(4) {
        let x = u32::from_be_bytes(w.try_into().unwrap()) as u64;
        assert!(x != SECRET11 && x != SECRET13, "guest register leaked");
    }
}

/// pv_grregs are zero except at `allowed`.
fn assert_regs(g: &mut Guest, allowed: &[(usize, u64)]) {
    let r = g.grregs();
    for (i, v) in r.iter().enumerate() {
        let want = allowed.iter().find(|(j, _)| *j == i).map_or(0, |(_, v)| *v);
        assert_eq!(*v, want, "pv_grregs[{i}] = {v:#x}");
    }
}

#[test]
fn guest_program_through_every_interception() {
    let mut g = Guest::boot(&program());
    let b = g.base;

    // First entry: the prefix pages (0, 0x1000) are not secure.
    assert_eq!(g.enter(), SieExit::Intercept(0x70));
    assert_eq!(g.get_sd().icptcode, 0x70);
    g.import(0);
    g.import(0x1000);

    // SPX: a notification; the new prefix at SIDA+0; the UV has set it.
    assert_eq!(g.enter(), SieExit::Intercept(0x6c));
    let sd = g.get_sd();
    assert_eq!((sd.ipa, sd.ipb >> 16), (0xb210, 0xc800));
    assert_eq!(g.sida(4), NEW_PREFIX.to_be_bytes());
    assert_regs(&mut g, &[]);
    assert_no_leak(&mut g);

    // The new prefix pages are not secure: 0x70, import, re-enter.
    assert_eq!(g.enter(), SieExit::Intercept(0x70));
    g.import(NEW_PREFIX as u64);
    g.import(NEW_PREFIX as u64 + 0x1000);

    // DIAG 0x500: 0x68 with the hypercall registers; the host's GR2 goes back to R2.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    let sd = g.get_sd();
    assert_eq!((sd.ipa, sd.ipb), (0x8302, 0x5000_0000));
    assert_regs(&mut g, &[(1, 3), (2, 0x222), (3, 0x333), (4, 0x444), (5, 0x500)]);
    assert_eq!(sd.gpsw_addr, 0, "the guest's instruction address stays hidden");
    assert_no_leak(&mut g);
    let mut r = g.grregs();
    r[2] = 0x5555;
    r[11] = 0xdead; // not an output register: ignored
    g.set_grregs(r);

    // DIAG 0x44: a notification with only the function code.
    assert_eq!(g.enter(), SieExit::Intercept(0x6c));
    assert_eq!(g.get_sd().ipa, 0x8302);
    assert_regs(&mut g, &[(5, 0x44)]);
    assert_eq!(g.res(sie_support::res::DIAG500_R2), 0x5555);

    // SERVC: 0x68, the SCCB in the SIDA; the host answers in the SIDA and sets CC 0.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    let sd = g.get_sd();
    assert_eq!((sd.ipa, sd.ipb), (0xb220, 0x0012_0000));
    assert_regs(&mut g, &[(1, 0x0002_0001)]);
    let sccb = g.sida(0x100);
    assert_eq!(&sccb[..2], &[0x01, 0x00]);
    let mut resp = sccb.clone();
    resp[6..8].copy_from_slice(&0x0020u16.to_be_bytes());
    resp[8..16].copy_from_slice(b"SCLPRESP");
    g.h.write(SIDA, &resp);
    let mut sd = g.get_sd();
    sd.gpsw_mask &= !0x0000_3000_0000_0000;
    g.put_sd(&sd);

    // The program touches a non-secure page: a host PGM 0x3e exit, nullified.
    assert_eq!(g.enter(), SieExit::Program { code: 0x3e, addr: UNTOUCHED });
    assert_eq!(g.guest_read(b + off::SCCB, 0x100), resp, "the SCCB response reached the guest");
    assert_eq!(g.res(sie_support::res::SERVC_CC) >> 28 & 3, 0);
    assert_regs(&mut g, &[]);
    g.import(UNTOUCHED);

    // Retry works; the guest shares a page (UVC without exit), writes to it, DIAG 308
    // subcode 4 gives a specification exception inside the guest, LCTLG changes CR0's
    // service-signal subclass mask (a 0x64 mask notification with the new CR0), and the
    // guest loads an enabled wait: 0x1c.
    assert_eq!(g.enter(), SieExit::Intercept(0x64));
    assert_eq!(g.get_sd().gcr[0], 0x200);
    assert_regs(&mut g, &[]);
    assert_eq!(g.enter(), SieExit::Intercept(0x1c));
    assert_eq!(g.res(sie_support::res::UNTOUCHED), 0);
    assert_eq!(g.res(sie_support::res::UVC_CC) >> 28 & 3, 0);
    assert_eq!(g.res(sie_support::res::PGM_CODE), 6);
    let shared = g.h.read(g.mso + b + off::SHARE, 8).unwrap();
    assert_eq!(&shared[..], MARKER, "the host reads what the guest wrote to its shared page");
    assert!(g.h.read(g.mso + b + off::RES, 8).is_err(), "other guest pages stay secure");
    let sd = g.get_sd();
    assert_eq!(sd.gpsw_mask & (PSW_WAIT | PSW_EXT), PSW_WAIT | PSW_EXT);
    assert_eq!(sd.gcr[0], 0x200);
    assert_regs(&mut g, &[]);
    assert_no_leak(&mut g);

    // An injected service signal; its new PSW continues to a disabled wait. The guest's
    // parameter is the SCCB address the UV saved at the SERVC (the host does not know
    // it), with the host's low three bits.
    let mut sd = g.get_sd();
    sd.iictl = iictl::EXT;
    sd.eic = 0x2401;
    sd.eiparams = 0xabcd_0009;
    g.put_sd(&sd);
    assert_eq!(g.enter(), SieExit::Intercept(0x1c));
    let sd = g.get_sd();
    assert_eq!(sd.gpsw_mask & (PSW_WAIT | PSW_EXT), PSW_WAIT);
    assert_eq!(sd.iictl, 0, "the injection was consumed");
    assert_eq!(g.res(sie_support::res::EXT_PARAM), b + off::SCCB + 1);
    assert_eq!(g.res(sie_support::res::EXT_CODE), 0x2401);
    assert_no_leak(&mut g);

    // Service signals are re-masked after the delivery.
    let mut sd = g.get_sd();
    sd.iictl = iictl::EXT;
    sd.eic = 0x2401;
    g.put_sd(&sd);
    assert_eq!(g.enter(), SieExit::Intercept(0x20));
    assert_eq!(g.get_sd().validity_reason(), v::EXT_CODE);
}

/// Runs the program to the DIAG 0x500 interception (0x68) and returns the guest.
fn at_diag500() -> Guest {
    let mut g = Guest::boot(&program());
    assert_eq!(g.run(), SieExit::Intercept(0x6c)); // SPX
    assert_eq!(g.run(), SieExit::Intercept(0x68)); // DIAG 0x500
    g
}

#[test]
fn injected_program_exception_replaces_completion() {
    let mut g = at_diag500();
    let mut sd = g.get_sd();
    sd.iictl = iictl::PGM_SPEC;
    g.put_sd(&sd);
    let mut r = g.grregs();
    r[2] = 0x7777;
    g.set_grregs(r);
    // The guest's program handler records code 6 and returns after the DIAG.
    assert_eq!(g.run(), SieExit::Intercept(0x6c)); // DIAG 0x44
    assert_eq!(g.res(sie_support::res::PGM_CODE), 6);
    assert_eq!(g.res(sie_support::res::DIAG500_R2), 0x222, "not completed");
    // After a notification no program exception may be injected.
    let mut sd = g.get_sd();
    sd.iictl = iictl::PGM_OPERAND;
    g.put_sd(&sd);
    assert_eq!(g.enter(), SieExit::Intercept(0x20));
    assert_eq!(g.get_sd().validity_reason(), v::PGM_INJECTION);
}

#[test]
fn host_changes_after_a_notification_are_ignored() {
    let mut g = at_diag500();
    assert_eq!(g.enter(), SieExit::Intercept(0x6c)); // DIAG 0x44
    g.set_grregs([0x99; 16]);
    let mut sd = g.get_sd();
    sd.gpsw_mask |= 0x0000_3000_0000_0000;
    sd.gpsw_addr = 0x1234;
    g.put_sd(&sd);
    assert_eq!(g.enter(), SieExit::Intercept(0x68)); // SERVC, normally reached
    assert_eq!(g.get_sd().ipa, 0xb220);
    // DIAG 0x500 was completed with pv_grregs as the host left them (its GR2 as exposed).
    assert_eq!(g.res(sie_support::res::DIAG500_R2), 0x222);
}

/// One host mistake: what to change before entering, and the expected reason.
type Mistake = (&'static str, fn(&mut Guest, &mut StateDescription, &mut u64), u16);

#[test]
fn validity_table() {
    let table: &[Mistake] = &[
        ("sdf 0", |_, s, _| s.sdf = 0, v::SDF),
        ("sdf 3", |_, s, _| s.sdf = 3, v::SDF),
        ("cpu handle bit 0", |_, s, _| s.pv_handle_cpu ^= 1, v::CPU_HANDLE),
        ("cpu handle bit 63", |_, s, _| s.pv_handle_cpu ^= 1 << 63, v::CPU_HANDLE),
        ("cpu handle bit 33", |_, s, _| s.pv_handle_cpu ^= 1 << 33, v::CPU_HANDLE),
        ("config handle bit 5", |_, s, _| s.pv_handle_config ^= 1 << 5, v::CONFIG_HANDLE),
        ("asce", |_, _, a| *a ^= 0x1000, v::ASCE),
        ("cpu timer raised", |_, s, _| s.cputm = 0x100, v::CPU_TIMER),
        ("sida on a secure page", |g, s, _| s.sidad = g.mso + g.base, v::SIDA),
        ("sida beyond storage", |_, s, _| s.sidad = 1 << 62, v::SIDA),
        ("sida at the top", |_, s, _| s.sidad = u64::MAX, v::SIDA),
        ("sida on donated storage", |_, s, _| s.sidad = UV_BASE, v::SIDA),
        ("iictl 5", |_, s, _| s.iictl = 5, v::IICTL),
        ("machine check not enabled", |_, s, _| s.iictl = iictl::MCHK, v::NOT_ENABLED),
        ("pgm injection first entry", |_, s, _| s.iictl = iictl::PGM_SPEC, v::PGM_INJECTION),
        ("pfault code", |_, s, _| (s.iictl, s.eic) = (iictl::EXT, 0x2603), v::EXT_CODE),
        ("service signal masked", |_, s, _| (s.iictl, s.eic) = (iictl::EXT, 0x2401), v::EXT_CODE),
        (
            "cpu timer not enabled",
            |_, s, _| (s.iictl, s.eic) = (iictl::EXT, 0x1005),
            v::NOT_ENABLED,
        ),
        ("I/O not enabled", |_, s, _| s.iictl = iictl::IO, v::NOT_ENABLED),
        (
            "cpu stopped",
            |g, _, _| {
                let u = CpuSetStateUvcb { cpu_handle: g.cpu, state: 2 };
                assert!(g.h.call(&u).0.is_ok());
            },
            v::NOT_OPERATING,
        ),
        (
            "dump in progress",
            |g, _, _| assert_eq!(g.h.nodata(UvcCmd::DumpInit, g.cfg), (1, 0)),
            v::DUMPING,
        ),
    ];
    for (name, mistake, reason) in table {
        let mut g = Guest::boot(&program());
        let mut sd = g.get_sd();
        let mut asce = g.asce;
        mistake(&mut g, &mut sd, &mut asce);
        g.put_sd(&sd);
        let before = g.h.uv.cpu_psw(g.cpu);
        assert_eq!(g.h.uv.sie(g.sd, asce, BUDGET).unwrap(), SieExit::Intercept(0x20), "{name}");
        let out = g.get_sd();
        assert_eq!(out.validity_reason(), *reason, "{name}");
        assert_eq!(g.grregs(), [0; 16], "{name}");
        assert_eq!(g.h.uv.cpu_psw(g.cpu), before, "{name}: nothing ran");
    }
}

#[test]
fn validity_for_another_configurations_cpu_and_unverified_config() {
    let mut g = Guest::boot(&program());
    // A second configuration with a CPU: its handle with our config handle.
    let cfg2 = g.h.create_config();
    let cpu2 = g.h.create_cpu(cfg2, 0);
    let mut sd = g.get_sd();
    sd.pv_handle_cpu = cpu2;
    g.put_sd(&sd);
    assert_eq!(g.enter(), SieExit::Intercept(0x20));
    assert_eq!(g.get_sd().validity_reason(), v::CONFIG_HANDLE);
    // Its own handles, but at our state description and with our ASCE.
    sd.pv_handle_config = cfg2;
    g.put_sd(&sd);
    assert_eq!(g.enter(), SieExit::Intercept(0x20));
    assert_eq!(g.get_sd().validity_reason(), v::STATE_ORIGIN);
    // At its own state description: the configuration is not verified.
    let sd2 = g.h.csc_uvcb(cfg2, 0).state_origin - 0x1000;
    let mut p = g.page();
    sd.encode_into(&mut p);
    g.h.write(sd2, &p);
    let asce2 = g.h.cgc_uvcb().guest_asce - 0x100_0000;
    assert_eq!(g.h.uv.sie(sd2, asce2, BUDGET).unwrap(), SieExit::Intercept(0x20));
    let out = StateDescription::decode(&g.h.read(sd2, 0x200).unwrap());
    assert_eq!(out.validity_reason(), v::NOT_VERIFIED);
}

#[test]
fn sie_operand_faults() {
    let mut g = Guest::boot(&program());
    assert_eq!(
        g.h.uv.sie(g.sd + 8, g.asce, 1).unwrap(),
        SieExit::Program { code: 6, addr: g.sd + 8 }
    );
    let top: u64 = !0xfff;
    assert_eq!(g.h.uv.sie(top, g.asce, 1).unwrap(), SieExit::Program { code: 5, addr: top });
    let secure = g.mso + g.base;
    assert_eq!(
        g.h.uv.sie(secure, g.asce, 1).unwrap(),
        SieExit::Program { code: 0x3d, addr: secure }
    );
}

#[test]
fn budget_exit_shows_nothing() {
    let mut g = Guest::boot(&program());
    assert_eq!(g.run(), SieExit::Intercept(0x6c));
    assert_eq!(g.run(), SieExit::Intercept(0x68));
    // One instruction at a time: DIAG 0x500 completes, then the STG runs.
    assert_eq!(g.h.uv.sie(g.sd, g.asce, 1).unwrap(), SieExit::Budget);
    assert_eq!(g.get_sd().icptcode, 0);
    assert_eq!(g.grregs(), [0; 16]);
    assert_no_leak(&mut g);
}

#[test]
fn stop_request_intercepts() {
    let mut g = Guest::boot(&program());
    assert_eq!(g.run(), SieExit::Intercept(0x6c));
    let mut sd = g.get_sd();
    sd.cpuflags |= pv_core::sie::CPUSTAT_STOP_INT;
    g.put_sd(&sd);
    assert_eq!(g.run(), SieExit::Intercept(0x28));
}

#[test]
fn pinned_remove_shared_diag308_ipib_and_reset_notification() {
    use pv_core::uvc::uvcb::{PinUvcb, UnpinUvcb};
    let mut g = Guest::boot(&program2());
    let share = g.base + off::SHARE;
    assert_eq!(g.run(), SieExit::Intercept(0x6c)); // DIAG 0x44
    assert_eq!(g.grregs()[5], 0x44);
    assert!(g.h.call(&PinUvcb { paddr: g.mso + share }).0.is_ok());

    // Remove Shared on the pinned page: a notification with the UVCB in the SIDA.
    assert_eq!(g.enter(), SieExit::Intercept(0x6c));
    let sd = g.get_sd();
    assert_eq!((sd.ipa, sd.ipb), (0xb9a4, 0x000a_0000));
    let uvcb = g.sida(0x30);
    assert_eq!(&uvcb[..4], &[0x00, 0x30, 0x10, 0x01]);
    assert_eq!(u64::from_be_bytes(uvcb[0x20..0x28].try_into().unwrap()), share);
    assert_eq!(g.grregs(), [0; 16]);
    // The host unpins; the guest's call is issued again and succeeds.
    assert!(g.h.call(&UnpinUvcb { guest_handle: g.cfg, gaddr: share }).0.is_ok());

    // DIAG 308 subcode 5: 0x68, the IPIB in the SIDA, the response into R1+1.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    assert_eq!(g.res(sie_support::res::UVC_CC) >> 28 & 3, 0);
    assert!(g.h.read(g.mso + share, 8).is_err(), "no longer shared");
    let sd = g.get_sd();
    assert_eq!((sd.ipa, sd.ipb), (0x8302, 0x5000_0000));
    let r = g.grregs();
    assert_eq!((r[0], r[2], r[5]), (g.base + off::SCCB, 5, 0x308));
    assert_eq!(g.sida(0x40), ipib());
    let mut r = [0u64; 16];
    r[1] = 0x0001;
    g.set_grregs(r);

    // DIAG 308 subcode 1: a notification; then validity until the reset sequence.
    assert_eq!(g.enter(), SieExit::Intercept(0x6c));
    assert_eq!(g.res(sie_support::res::DIAG500_R2), 1);
    assert_eq!(g.grregs()[2], 1);
    assert_eq!(g.enter(), SieExit::Intercept(0x20));
    assert_eq!(g.get_sd().validity_reason(), v::RESET_PENDING);

    // The reset sequence (uv-spec.md §3.3); each step alone still gives validity.
    assert_eq!(g.h.rc(&CpuSetStateUvcb { cpu_handle: g.cpu, state: 2 }), (1, 0));
    assert_eq!(g.h.nodata(UvcCmd::UnshareAll, g.cfg), (1, 0));
    assert_eq!(g.h.nodata(UvcCmd::PrepareReset, g.cfg), (1, 0));
    assert_eq!(g.enter(), SieExit::Intercept(0x20));
    assert_eq!(g.h.nodata(UvcCmd::CpuResetInitial, g.cpu), (1, 0));
    assert_eq!(g.enter(), SieExit::Intercept(0x20));
    assert_eq!(g.h.rc(&CpuSetStateUvcb { cpu_handle: g.cpu, state: 5 }), (1, 0));
    // The guest continues at the short PSW it stored: DIAG 0x44.
    assert_eq!(g.enter(), SieExit::Intercept(0x6c));
    assert_eq!(g.grregs()[5], 0x44);
    assert_eq!(g.h.uv.cpu_psw(g.cpu).unwrap().addr, g.base + 0xe04);
}

#[test]
fn spx_is_intercepted_by_the_model_flag_only() {
    // Without the ultravisor's intercept bit pv-emu executes SPX itself.
    let mut cpu = pv_emu::Cpu::new();
    assert_eq!(cpu.model.intercepts, 0);
    cpu.model.intercepts = pv_emu::exec::INTERCEPT_SPX;
    let mut ram = pv_emu::ram::Ram::new(0x10_0000);
    use pv_core::Storage as _;
    ram.write(pv_core::GuestAbs(0x2000), &[0xb2, 0x10, 0x00, 0x00]).unwrap();
    cpu.state.psw = pv_core::Psw::new_64bit(0x2000);
    let exit = cpu.run(&mut ram, 1);
    assert!(matches!(exit, pv_emu::Exit::Instruction { addr: 0x2000, .. }), "{exit:?}");
    assert_eq!(cpu.state.prefix, 0);
}

#[test]
fn an_injection_not_delivered_stays_chosen() {
    let mut g = Guest::boot(&program());
    let mut sd = g.get_sd();
    sd.iictl = iictl::RESTART;
    g.put_sd(&sd);
    // The prefix pages are not secure: nothing ran, nothing was injected.
    assert_eq!(g.enter(), SieExit::Intercept(0x70));
    assert_eq!(g.get_sd().iictl, iictl::RESTART);
}

#[test]
fn program_interruption_loop_intercepts() {
    // The restart and program new PSWs are zero: the guest loops on operation exceptions
    // (the zero halfword at address 0).
    let mut g = Guest::boot(&program());
    let mut sd = g.get_sd();
    sd.iictl = iictl::RESTART;
    g.put_sd(&sd);
    g.import(0);
    g.import(0x1000);
    assert_eq!(g.enter(), SieExit::Intercept(0x08));
    let sd = g.get_sd();
    assert_eq!((sd.iprcc, sd.iictl), (1, 0));
    assert_eq!(g.grregs(), [0; 16]);
}

/// Sets the CC the host returns in the state description's PSW.
fn host_cc(g: &mut Guest, cc: u64) {
    let mut sd = g.get_sd();
    sd.gpsw_mask = (sd.gpsw_mask & !0x0000_3000_0000_0000) | (cc << 44);
    g.put_sd(&sd);
}

#[test]
fn stsi_sigp_diag_io_and_io_injection() {
    let mut g = Guest::boot(&program3());
    let b = g.base;
    // STSI: 0x68 with GR0/GR1; the host's SYSIB goes from the SIDA to the operand.
    assert_eq!(g.run(), SieExit::Intercept(0x68));
    assert_eq!(g.get_sd().ipa, 0xb27d);
    assert_regs(&mut g, &[(0, 0x1000_0001), (1, 1)]);
    let mut sysib = vec![0u8; 4096];
    sysib[32..40].copy_from_slice(b"IBM-PVSM");
    g.h.write(SIDA, &sysib);
    host_cc(&mut g, 0);
    // SIGP sense: a notification with the order's registers; the guest gets CC 0.
    assert_eq!(g.enter(), SieExit::Intercept(0x6c));
    assert_eq!(g.guest_read(b + off::SCCB, 4096), sysib);
    let sd = g.get_sd();
    assert_eq!((sd.ipa, sd.ipb >> 16), (0xae43, 0x0001));
    assert_regs(&mut g, &[(3, 1)]);
    host_cc(&mut g, 3); // ignored after a notification
    // SIGP stop and store status: 0x68; CC 1 and the status word from the host.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    assert_eq!(g.res(sie_support::res::UVC_CC) >> 28 & 3, 0);
    let mut r = g.grregs();
    r[4] = 0x40;
    g.set_grregs(r);
    host_cc(&mut g, 1);
    // DIAG 0x9c: a notification with GR0 = guest R1.
    assert_eq!(g.enter(), SieExit::Intercept(0x6c));
    assert_eq!(g.res(sie_support::res::UNTOUCHED) >> 28 & 3, 1);
    assert_eq!(g.res(sie_support::res::EXT_CODE), 0x40);
    assert_regs(&mut g, &[(0, 7), (5, 0x9c)]);
    // DIAG 0x288: 0x68 with GR0-GR2 remapped; the host's CC.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    assert_regs(&mut g, &[(0, 7), (2, 0x1000_0001), (5, 0x288)]); // GR2 = guest R3 = R0
    host_cc(&mut g, 2);
    // TSCH: 0x68 with GR1; CC from the host.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    assert_eq!(g.res(sie_support::res::EXT_PARAM) >> 28 & 3, 2);
    assert_eq!(g.get_sd().ipa, 0xb235);
    assert_regs(&mut g, &[(1, 0x1_0000)]);
    host_cc(&mut g, 1);
    // LCTLG CR6: a 0x64 mask notification; then the enabled wait for I/O; the injected
    // interruption reaches the handler.
    assert_eq!(g.enter(), SieExit::Intercept(0x64));
    assert_eq!(g.enter(), SieExit::Intercept(0x1c));
    assert_eq!(g.res(sie_support::res::PGM_CODE) >> 28 & 3, 1);
    assert_eq!(g.get_sd().gcr[6], 0x1000_0000);
    let mut sd = g.get_sd();
    sd.iictl = iictl::IO;
    (sd.subchannel_id, sd.subchannel_nr) = (1, 0);
    (sd.io_int_parm, sd.io_int_word) = (0x1234_5678, 3 << 27);
    g.put_sd(&sd);
    assert_eq!(g.enter(), SieExit::Intercept(0x1c));
    assert_eq!(g.res(0), 0x1234_5678);
    assert_no_leak(&mut g);
}

#[test]
fn another_owners_page_ends_sie_with_0x3f() {
    use pv_core::uvc::uvcb::CscUvcb;
    let mut g = Guest::boot(&program());
    // The host donates the page the program will touch as a second CPU's storage.
    let u = CscUvcb {
        cpu_handle: 0,
        guest_handle: g.cfg,
        stor_origin: g.mso + UNTOUCHED,
        num: 1,
        state_origin: SIE + 0x8000,
    };
    assert!(g.h.call(&u).0.is_ok());
    assert_eq!(g.run(), SieExit::Intercept(0x6c)); // SPX
    assert_eq!(g.run(), SieExit::Intercept(0x68)); // DIAG 0x500
    assert_eq!(g.run(), SieExit::Intercept(0x6c)); // DIAG 0x44
    assert_eq!(g.run(), SieExit::Intercept(0x68)); // SERVC
    assert_eq!(g.run(), SieExit::Program { code: 0x3f, addr: UNTOUCHED });
    // Nullified: the same exit again.
    assert_eq!(g.run(), SieExit::Program { code: 0x3f, addr: UNTOUCHED });
}
