//! A secure guest runs under pv-hypervisor's run loop (`pv_run`) on the real ultravisor
//! model: the image is built for `host.crt` (IBM's test chain, see customer_to_uv.rs),
//! booted with `pv_boot` as KVM does, and its CPU entered with SIE; the host answers
//! every interception from the format-4 data only (uv-spec.md §5).

mod pv_run_support;

use pv_core::sie::validity;
use pv_hypervisor::ebcdic;
use pv_hypervisor::pv_boot::PvLayout;
use pv_hypervisor::pv_run::{PvRun, PvRunEnd, PvRunError, PvRunOptions};
use pv_run_support::{Asm, Booted, LAYOUT, PROGRAM_SIZE, boot};

/// Offsets in the main program (from its load address B, kept in R12).
mod off {
    /// The external-interruption handler.
    pub const EXT_HANDLER: u64 = 0x800;
    /// The new prefix (u32).
    pub const PREFIX: u64 = 0x900;
    /// A 64-bit-mode, disabled PSW mask.
    pub const MASK64: u64 = 0x908;
    /// CR0 with only the service-signal subclass mask.
    pub const CR0: u64 = 0x910;
    /// An enabled wait PSW (external); its address is filled in before each wait.
    pub const WAIT: u64 = 0x920;
    /// The final disabled wait PSW.
    pub const DONE: u64 = 0x930;
    /// The program new PSW: a disabled wait (an unexpected exception ends the guest).
    pub const PGM_NEW: u64 = 0x940;
    /// EBCDIC to ASCII translation table (256 bytes).
    pub const TABLE: u64 = 0xc00;
    /// Result slots.
    pub const RES: u64 = 0xe00;
    /// The first SCCB (the greeting).
    pub const SCCB1: u64 = 0x1000;
    /// The second SCCB (what STSI said).
    pub const SCCB2: u64 = 0x1100;
    /// The SYSIB STSI stores (page aligned).
    pub const SYSIB: u64 = 0x2000;
}

/// Result slots (offsets from RES).
mod res {
    pub const SERVC_CC: u64 = 0x00;
    pub const EXT_PARAM: u64 = 0x08;
    pub const EXT_CODE: u64 = 0x10;
    pub const UNTOUCHED: u64 = 0x20;
    pub const STSI_CC: u64 = 0x28;
}

/// The guest prefix the program sets (above the image, below the non-secure page).
const NEW_PREFIX: u32 = 0x50_0000;
/// A guest page nothing was unpacked to: its first touch is a PGM 0x3e SIE exit.
const UNTOUCHED: u64 = 0x30_0000;
const GREETING: &[u8] = b"hello from a secure guest\n";
const VM_LINE: &[u8] = b"vm name: ";
/// SCLP WRITE EVENT DATA.
const WRITE_EVENT_DATA: i32 = 0x0076_0005;

/// An SCCB with one ASCII-console event buffer carrying `text`.
fn sccb(text: &[u8]) -> Vec<u8> {
    let ev = 6 + text.len();
    let mut b = vec![0u8; 8 + ev];
    b[..2].copy_from_slice(&((8 + ev) as u16).to_be_bytes());
    b[8..10].copy_from_slice(&(ev as u16).to_be_bytes());
    b[10] = 0x1a;
    b[14..].copy_from_slice(text);
    b
}

/// Waits for one external interruption: an enabled wait PSW whose address is the
/// instruction after the LPSWE (the handler resumes there, disabled).
fn wait_for_signal(a: &mut Asm) {
    let cont = a.here() + 6 + 6 + 4;
    a.larl(1, cont); // larl  %r1,1f
    a.stg(1, 12, (off::WAIT + 8) as u16); // stg   %r1,wait+8(%r12)
    a.lpswe(12, off::WAIT as u16); // lpswe wait(%r12)      enabled wait -> 0x1c
    assert_eq!(a.here(), cont);
}

/// The main program (position independent, R12 = B): SPX, a non-secure page, SERVC
/// with the greeting and a wait for the service signal, STSI 3.2.2 and the VM name
/// (translated to ASCII) printed with a second SERVC, then a disabled wait.
fn program() -> Vec<u8> {
    use off::*;
    let r = |s: u64| (RES + s) as u16;
    let mut a = Asm::default();
    a.larl(12, 0); // larl  %r12,.
    a.spx(12, PREFIX as u16); // spx   prefix(%r12)     0x6c, then 0x70 for the new pages
    a.mvc(0, 0x1d0, 16, 12, PGM_NEW as u16); // mvc 0x1d0(16),pgm_new(%r12)
    a.mvc(0, 0x1b0, 8, 12, MASK64 as u16); // mvc 0x1b0(8),mask64(%r12) external new PSW
    a.larl(1, EXT_HANDLER); // larl  %r1,ext_handler
    a.stg(1, 0, 0x1b8); // stg   %r1,0x1b8
    a.lgfi(8, UNTOUCHED as i32); // lgfi  %r8,0x300000
    a.lg(7, 8, 0); // lg    %r7,0(%r8)        SIE exit PGM 0x3e, then zero
    a.stg(7, 12, r(res::UNTOUCHED)); // stg %r7,res(%r12)
    a.lgfi(1, WRITE_EVENT_DATA); // lgfi  %r1,0x760005
    a.larl(2, SCCB1); // larl  %r2,sccb1
    a.servc(1, 2); // servc %r1,%r2           0x68, SCCB in the SIDA
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(res::SERVC_CC)); // stg %r5,res(%r12)
    a.lctlg(0, 0, 12, CR0 as u16); // lctlg %c0,%c0,cr0(%r12) 0x64
    wait_for_signal(&mut a);
    a.larl(2, SYSIB); // larl  %r2,sysib
    a.lgfi(0, 0x3000_0002); // lgfi  %r0,0x30000002  fc 3, selector 1 = 2
    a.lghi(1, 2); // lghi  %r1,2            selector 2 = 2
    a.stsi(2, 0); // stsi  0(%r2)           0x68, SYSIB through the SIDA
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(res::STSI_CC)); // stg %r5,res(%r12)
    a.tr(2, 44, 8, 12, TABLE as u16); // tr 44(8,%r2),table(%r12) VM name to ASCII
    a.larl(3, SCCB2); // larl  %r3,sccb2
    a.mvc(3, (14 + VM_LINE.len()) as u16, 8, 2, 44); // mvc text+9(8,%r3),44(%r2)
    a.lgfi(1, WRITE_EVENT_DATA); // lgfi  %r1,0x760005
    a.servc(1, 3); // servc %r1,%r3
    wait_for_signal(&mut a);
    a.lpswe(12, DONE as u16); // lpswe done(%r12)      disabled wait -> 0x1c
    a.pad_to(EXT_HANDLER);
    // ext_handler: record parameter and code, resume at the wait PSW's address with
    // the wait and external-mask bits of the old PSW cleared.
    a.llgf(6, 0, 0x80); // llgf  %r6,0x80         external-interruption parameter
    a.stg(6, 12, r(res::EXT_PARAM)); // stg %r6,res(%r12)
    a.llgh(6, 0, 0x86); // llgh  %r6,0x86         external-interruption code
    a.stg(6, 12, r(res::EXT_CODE)); // stg %r6,res(%r12)
    a.mvi(0, 0x130, 0); // mvi   0x130,0          old PSW: no external mask
    a.mvi(0, 0x131, 0); // mvi   0x131,0          old PSW: no wait
    a.lpswe(0, 0x130); // lpswe 0x130
    a.pad_to(PREFIX);
    let mut img = a.b;
    img.resize(PROGRAM_SIZE, 0);
    Asm::put(&mut img, PREFIX, &NEW_PREFIX.to_be_bytes());
    Asm::put(&mut img, MASK64, &0x0000_0001_8000_0000u64.to_be_bytes());
    Asm::put(&mut img, CR0, &0x200u64.to_be_bytes());
    Asm::put(&mut img, WAIT, &0x0102_0001_8000_0000u64.to_be_bytes());
    Asm::put(&mut img, DONE, &0x0002_0001_8000_0000u64.to_be_bytes());
    Asm::put(&mut img, PGM_NEW, &0x0002_0001_8000_0000u64.to_be_bytes());
    Asm::put(&mut img, PGM_NEW + 8, &0xbadu64.to_be_bytes());
    let mut table = [b'?'; 256];
    for c in 0x20..=0x7e {
        table[usize::from(ebcdic::from_ascii(c))] = c;
    }
    Asm::put(&mut img, TABLE, &table);
    Asm::put(&mut img, SCCB1, &sccb(GREETING));
    let mut line = VM_LINE.to_vec();
    line.extend(b"........\n");
    Asm::put(&mut img, SCCB2, &sccb(&line));
    img
}

/// Boots `program` and starts the run loop on it.
fn start(program: &[u8]) -> (Booted, PvRun) {
    let mut b = boot(program);
    let mut run = PvRun::new(LAYOUT, &b.guest, PvRunOptions::default());
    run.start(&mut b.uv).unwrap();
    (b, run)
}

#[test]
fn secure_guest_prints_waits_for_the_service_signal_and_stops() {
    let (mut b, mut run) = start(&program());
    let end = run.run(&mut b.uv, 10_000_000).unwrap();
    assert_eq!(
        String::from_utf8_lossy(run.console()),
        "hello from a secure guest\nvm name: PVSIMVM \n"
    );
    let PvRunEnd::DisabledWait { psw_mask } = end else { panic!("{end:?}") };
    assert_eq!(psw_mask & 0x0302_0000_0000_0000, 0x0002_0000_0000_0000);
    // The paths the host took: both prefixes imported on 0x70, the untouched page on
    // PGM 0x3e, two SERVCs and an STSI answered, two service signals delivered.
    let s = run.stats();
    assert_eq!(s.prefix_imports, 2, "{s:?}");
    assert_eq!(s.page_imports, 1, "{s:?}");
    assert_eq!(s.instructions, 3, "{s:?}");
    assert_eq!(s.service_signals, 2, "{s:?}");
    assert!(!run.service_signal_pending());
    assert_eq!(run.prefix(), u64::from(NEW_PREFIX));
    // What the guest saw (checked on the trusted side).
    let base = b.base;
    let at = |s: u64| base + off::RES + s;
    assert_eq!(b.guest_u64(at(res::SERVC_CC)) >> 28 & 3, 0);
    assert_eq!(b.guest_u64(at(res::STSI_CC)) >> 28 & 3, 0);
    assert_eq!(b.guest_u64(at(res::UNTOUCHED)), 0, "a first import is a zero page");
    assert_eq!(b.guest_u64(at(res::EXT_CODE)), 0x2401);
    // The ultravisor put the real SCCB address into the parameter (the host sent 0x4000).
    assert_eq!(b.guest_u64(at(res::EXT_PARAM)), b.base + off::SCCB2);
}

#[test]
fn budget_is_charged_and_the_run_continues() {
    // The same guest in slices of 7 instructions and total budgets of 10: it needs
    // several runs, every one ending with BudgetUsed, then finishes the same way.
    let mut b = boot(&program());
    let opts = PvRunOptions { slice: 7, ..PvRunOptions::default() };
    let mut run = PvRun::new(LAYOUT, &b.guest, opts);
    run.start(&mut b.uv).unwrap();
    let mut runs = 0;
    let end = loop {
        runs += 1;
        assert!(runs < 100, "no progress");
        match run.run(&mut b.uv, 10).unwrap() {
            PvRunEnd::BudgetUsed => continue,
            e => break e,
        }
    };
    assert!(runs > 1);
    assert!(matches!(end, PvRunEnd::DisabledWait { .. }), "{end:?}");
    assert_eq!(run.take_console(), b"hello from a secure guest\nvm name: PVSIMVM \n");
    assert!(run.console().is_empty());
}

/// `lghi %r3,subcode; diag %r2,%r3,0x308`.
fn diag308(subcode: i16) -> Vec<u8> {
    let mut a = Asm::default();
    a.lghi(3, subcode);
    a.diag(2, 3, 0, 0x308);
    a.b.resize(PROGRAM_SIZE, 0);
    a.b
}

#[test]
fn diag308_reset_requests_end_the_run() {
    // Subcode 3 (load clear): a 0x68 interception; the caller decides.
    let (mut b, mut run) = start(&diag308(3));
    assert_eq!(run.run(&mut b.uv, 1_000_000).unwrap(), PvRunEnd::ResetRequest { subcode: 3 });
    // Subcode 1 (load normal): a 0x6c notification. The configuration now needs the
    // reset sequence: entering again without it is a validity interception, reported
    // as an error, not a hang.
    let (mut b, mut run) = start(&diag308(1));
    assert_eq!(run.run(&mut b.uv, 1_000_000).unwrap(), PvRunEnd::ResetRequest { subcode: 1 });
    match run.run(&mut b.uv, 1_000_000) {
        Err(PvRunError::Validity { reason }) => assert_eq!(reason, validity::RESET_PENDING),
        r => panic!("{r:?}"),
    }
}

#[test]
fn sigp_stop_to_itself_stops() {
    // lghi %r3,0; sigp %r4,%r3,5 (stop CPU 0, the issuer).
    let mut a = Asm::default();
    a.lghi(3, 0);
    a.b.extend([0xae, 0x43, 0x00, 0x05]);
    a.b.resize(PROGRAM_SIZE, 0);
    let (mut b, mut run) = start(&a.b);
    assert_eq!(run.run(&mut b.uv, 1_000_000).unwrap(), PvRunEnd::Stopped);
    // The CPU was set stopped: a new entry is refused.
    match run.run(&mut b.uv, 1_000_000) {
        Err(PvRunError::Validity { reason }) => assert_eq!(reason, validity::NOT_OPERATING),
        r => panic!("{r:?}"),
    }
}

#[test]
fn program_exception_loop_is_an_error() {
    // An invalid opcode, and the program new PSW (zero, in a fresh lowcore) points at
    // another zero halfword: the guest loops on operation exceptions.
    let mut a = Asm::default();
    a.invalid();
    a.b.resize(PROGRAM_SIZE, 0);
    let (mut b, mut run) = start(&a.b);
    match run.run(&mut b.uv, 10_000_000) {
        Err(PvRunError::ProgramLoop { code }) => assert_eq!(code, 1),
        r => panic!("{r:?}"),
    }
}

#[test]
fn host_mistake_is_a_validity_error() {
    // The host enters with an ASCE that is not the configuration's.
    let mut b = boot(&diag308(3));
    let wrong = PvLayout { asce: LAYOUT.asce ^ 0x1000, ..LAYOUT };
    let mut run = PvRun::new(wrong, &b.guest, PvRunOptions::default());
    run.start(&mut b.uv).unwrap();
    match run.run(&mut b.uv, 1_000_000) {
        Err(e @ PvRunError::Validity { reason: validity::ASCE }) => {
            assert_eq!(e.to_string(), "validity interception, reason 0x2005");
        }
        r => panic!("{r:?}"),
    }
}

#[test]
fn an_endless_loop_uses_up_the_budget() {
    // j . (BRC 15,0)
    let mut a = Asm::default();
    a.b.extend([0xa7, 0xf4, 0x00, 0x00]);
    a.b.resize(PROGRAM_SIZE, 0);
    let (mut b, mut run) = start(&a.b);
    assert_eq!(run.run(&mut b.uv, 300_000).unwrap(), PvRunEnd::BudgetUsed);
    assert!(run.stats().entries >= 3, "{:?}", run.stats());
}

#[test]
fn diag_and_sigp_answers_reach_the_guest() {
    const RES: u64 = 0x800;
    let r = |s: u64| (RES + s) as u16;
    let mut a = Asm::default();
    a.larl(12, 0); // larl  %r12,.
    a.lghi(1, 3); // lghi  %r1,3            DIAG 0x500 subcode 3: virtio-ccw notify
    a.diag(2, 4, 0, 0x500); // diag  %r2,%r4,0x500     no such device: -EINVAL in R2
    a.stg(2, 12, r(0)); // stg   %r2,res(%r12)
    a.lghi(1, 4); // lghi  %r1,4            subcode 4: storage limit
    a.diag(2, 4, 0, 0x500); // diag  %r2,%r4,0x500
    a.stg(2, 12, r(8)); // stg   %r2,res+8(%r12)
    a.lghi(6, 0); // lghi  %r6,0            DIAG 288 init, 30 s, action 0
    a.lghi(7, 30); // lghi  %r7,30
    a.lghi(8, 0); // lghi  %r8,0
    a.diag(6, 8, 0, 0x288); // diag  %r6,%r8,0x288
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(0x10)); // stg   %r5,res+0x10(%r12)
    a.lghi(6, 1); // lghi  %r6,1            change the armed watchdog
    a.diag(6, 8, 0, 0x288); // diag  %r6,%r8,0x288
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(0x18)); // stg   %r5,res+0x18(%r12)
    a.lghi(3, 1); // lghi  %r3,1            SIGP stop and store status to CPU 1
    a.b.extend([0xae, 0x43, 0x00, 0x09]); // sigp  %r4,%r3,9        0x68: not operational
    a.ipm(5); // ipm   %r5
    a.stg(5, 12, r(0x20)); // stg   %r5,res+0x20(%r12)
    a.diag(0, 0, 0, 0x44); // diag  %r0,%r0,0x44      yield: 0x6c
    a.lghi(3, 0); // lghi  %r3,0            ... to itself: stop
    a.b.extend([0xae, 0x43, 0x00, 0x09]); // sigp  %r4,%r3,9
    a.b.resize(PROGRAM_SIZE, 0);
    let (mut b, mut run) = start(&a.b);
    assert_eq!(run.run(&mut b.uv, 1_000_000).unwrap(), PvRunEnd::Stopped);
    let base = b.base + RES;
    assert_eq!(b.guest_u64(base) as i64, -22);
    assert_eq!(b.guest_u64(base + 8), LAYOUT.msl - 1);
    assert_eq!(b.guest_u64(base + 0x10) >> 28 & 3, 0, "watchdog armed");
    assert_eq!(b.guest_u64(base + 0x18) >> 28 & 3, 0, "watchdog changed");
    assert_eq!(b.guest_u64(base + 0x20) >> 28 & 3, 3, "CPU 1 is not operational");
    let s = run.stats();
    assert_eq!((s.instructions, s.notifications), (6, 1), "{s:?}");
}

#[test]
fn a_service_signal_waits_for_cr0_and_an_idle_guest_ends_the_run() {
    // SERVC, then an enabled wait without the CR0 service-signal subclass mask: the
    // host must not inject (the ultravisor would refuse with a validity interception);
    // the run ends idle with the signal still owed.
    let mut a = Asm::default();
    a.larl(12, 0); // larl  %r12,.
    a.lgfi(1, WRITE_EVENT_DATA); // lgfi  %r1,0x760005
    a.larl(2, off::SCCB1); // larl  %r2,sccb1
    a.servc(1, 2); // servc %r1,%r2
    a.lpswe(12, off::WAIT as u16); // lpswe wait(%r12)       CR0 still 0
    let mut img = a.b;
    img.resize(PROGRAM_SIZE, 0);
    Asm::put(&mut img, off::WAIT, &0x0102_0001_8000_0000u64.to_be_bytes());
    Asm::put(&mut img, off::SCCB1, &sccb(GREETING));
    let (mut b, mut run) = start(&img);
    let end = run.run(&mut b.uv, 1_000_000).unwrap();
    assert_eq!(end, PvRunEnd::Idle { psw_mask: 0x0102_0001_8000_0000 });
    assert_eq!(run.console(), GREETING);
    assert!(run.service_signal_pending());
    assert_eq!(run.stats().service_signals, 0);
}
