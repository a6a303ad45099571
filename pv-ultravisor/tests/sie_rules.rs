//! The format-4 rules beyond plain interceptions (uv-spec.md §5.1-§5.5), each driven by a
//! real secure guest: SERVC with a bad SCCB (0x6c) and the service signal that follows,
//! the mask notifications 0x60/0x64, machine-check injection into the guest's lowcore, the
//! external-interruption loop 0x14, the CPU-timer rule with a host clock, and the operand
//! blocks of I/O instructions through the SIDA.

mod sie_support;
mod support;

use std::cell::Cell;
use std::rc::Rc;

use pv_core::sie::{SieExit, StateDescription, iictl, validity as v};
use pv_ultravisor::UvClock;
use sie_support::rules::*;
use sie_support::*;

fn inject(g: &mut Guest, f: impl FnOnce(&mut StateDescription)) {
    let mut sd = g.get_sd();
    f(&mut sd);
    g.put_sd(&sd);
}

fn validity(g: &mut Guest) -> u16 {
    assert_eq!(g.enter(), SieExit::Intercept(0x20));
    g.get_sd().validity_reason()
}

#[test]
fn bad_sccb_masks_machine_check_and_timer_loop() {
    let mut g = Guest::boot(&program4());
    let b = g.base;
    g.h.write(SIDA, &[0xee; 0x100]);

    // SERVC with an SCCB crossing a page: the UV completes it (CC 0, response 0x0100)
    // and notifies; no registers, nothing in the SIDA.
    assert_eq!(g.run(), SieExit::Intercept(0x6c));
    let sd = g.get_sd();
    assert_eq!((sd.ipa, sd.ipb), (0xb220, 0x0012_0000));
    assert_eq!(g.grregs(), [0; 16]);
    assert_eq!(g.sida(0x100), vec![0xee; 0x100]);
    assert_eq!(g.guest_read(b + BAD_SCCB + 6, 2), [0x01, 0x00]);

    // LCTLG CR0: a mask notification; the state description shows the new CR0.
    assert_eq!(g.enter(), SieExit::Intercept(0x64));
    assert_eq!(g.res(r::SERVC_CC) >> 28 & 3, 0);
    let sd = g.get_sd();
    assert_eq!((sd.gcr[0], sd.ipa, sd.ipb), (0x200, 0, 0));
    assert_eq!(g.grregs(), [0; 16]);

    // The enabled wait; a machine check now is a validity (PSW bit 13 off), and so is a
    // program exception after a notification.
    assert_eq!(g.enter(), SieExit::Intercept(0x1c));
    inject(&mut g, |s| {
        s.iictl = iictl::MCHK;
        s.set_mcic(1 << 63);
    });
    assert_eq!(validity(&mut g), v::NOT_ENABLED);

    // The service signal KVM injects with a fake parameter after the notification: the
    // guest sees the SCCB address the UV saved.
    inject(&mut g, |s| {
        (s.iictl, s.eic, s.eiparams) = (iictl::EXT, 0x2401, 0x43001);
    });
    // LCTLG CR14 (warning subclass): a mask notification after the handler returned.
    assert_eq!(g.enter(), SieExit::Intercept(0x64));
    assert_eq!(g.get_sd().iictl, 0);
    assert_eq!(g.res(r::EXT_PARAM), b + BAD_SCCB + 1);
    assert_eq!(g.res(r::EXT_CODE), 0x2401);
    assert_eq!(g.get_sd().gcr[14], 0x0300_0000);

    // Re-masked after the delivery.
    inject(&mut g, |s| (s.iictl, s.eic) = (iictl::EXT, 0x2401));
    assert_eq!(validity(&mut g), v::EXT_CODE);
    inject(&mut g, |s| s.iictl = 0);

    // LPSWE with PSW bit 13: 0x60, then the wait.
    assert_eq!(g.enter(), SieExit::Intercept(0x60));
    assert_ne!(g.get_sd().gpsw_mask & 0x0004_0000_0000_0000, 0);
    assert_eq!(g.enter(), SieExit::Intercept(0x1c));

    // A degradation machine check: CR14 bit 37 is off -> validity.
    inject(&mut g, |s| {
        s.iictl = iictl::MCHK;
        s.set_mcic(1 << 56);
    });
    assert_eq!(validity(&mut g), v::NOT_ENABLED);
    // A warning machine check is enabled: the UV stores MCIC, damage code, failing
    // address and the register save areas, and loads the machine-check new PSW.
    inject(&mut g, |s| {
        s.set_mcic((1 << 55) | 0x0000_0000_0040_0000);
        s.set_edc(0x0bad_0001);
        s.faddr = 0x0012_3000;
    });
    // The handler continues; the CPU timer goes negative and CR0 enables its
    // interruption: 0x64.
    assert_eq!(g.enter(), SieExit::Intercept(0x64));
    assert_eq!(g.get_sd().iictl, 0);
    assert_eq!(g.res(r::MCIC), (1 << 55) | 0x40_0000);
    assert_eq!(g.res(r::EDC), 0x0bad_0001);
    assert_eq!(g.res(r::FADDR), 0x0012_3000);
    assert_eq!(g.res(r::SAVED_R11), SECRET11, "the guest's own save area");
    assert_eq!(g.res(r::MCK_OLD_MASK), 0x0006_0001_8000_0000);
    assert_eq!(g.get_sd().gcr[0], 0x400);

    // LPSWE enables external interruptions; the CPU-timer interruption's new PSW enables
    // it again: 0x14 with the code, and the PSW the UV provides (the new PSW's masks).
    assert_eq!(g.enter(), SieExit::Intercept(0x14));
    let sd = g.get_sd();
    assert_eq!(sd.eic, 0x1005);
    assert_eq!(sd.gpsw_mask & 0x0100_0000_0000_0000, 0x0100_0000_0000_0000);
    assert_eq!(sd.gpsw_addr, 0);
    assert_eq!(g.grregs(), [0; 16]);
    let old = g.guest_u64(0x130 + 8);
    assert_eq!(old, b + LOOP_H, "the interruption was delivered at the handler");
}

#[test]
fn injected_timer_interruption_whose_new_psw_enables_it_loops() {
    let mut g = Guest::boot(&program4());
    // Run to the timer notification (CR0 enables the CPU-timer subclass).
    let mut exits = vec![];
    loop {
        let e = g.run();
        exits.push(e);
        match e {
            SieExit::Intercept(0x64) if g.get_sd().gcr[0] == 0x400 => break,
            SieExit::Intercept(0x1c) if exits.len() < 5 => inject(&mut g, |s| {
                (s.iictl, s.eic) = (iictl::EXT, 0x2401);
            }),
            SieExit::Intercept(0x1c) => inject(&mut g, |s| {
                s.iictl = iictl::MCHK;
                s.set_mcic(1 << 63);
            }),
            SieExit::Intercept(_) => {}
            e => panic!("{e:?} after {exits:?}"),
        }
    }
    // The guest is disabled for externals here: a CPU-timer injection is a validity.
    inject(&mut g, |s| (s.iictl, s.eic) = (iictl::EXT, 0x1005));
    assert_eq!(validity(&mut g), v::NOT_ENABLED);
}

/// A host clock the test moves.
struct TestClock(Rc<Cell<u64>>);

impl UvClock for TestClock {
    fn now(&mut self) -> u64 {
        self.0.get()
    }
}

fn set_timer(g: &mut Guest, t: u64) {
    inject(g, |s| s.cputm = t);
}

#[test]
fn cpu_timer_rule_with_the_virtual_clock() {
    let mut g = Guest::boot(&program());
    assert_eq!(g.run(), SieExit::Intercept(0x6c)); // SPX
    let t = g.get_sd().cputm;
    // No time passes outside SIE with the virtual clock: any lowering is refused.
    set_timer(&mut g, t - 1);
    assert_eq!(validity(&mut g), v::CPU_TIMER_LOWERED);
    set_timer(&mut g, t + 1);
    assert_eq!(validity(&mut g), v::CPU_TIMER);
    set_timer(&mut g, t);
    assert_eq!(g.run(), SieExit::Intercept(0x68)); // DIAG 0x500
    assert!((g.get_sd().cputm as i64) < (t as i64), "the timer ran inside SIE");
}

#[test]
fn cpu_timer_rule_with_a_host_clock() {
    let mut g = Guest::boot(&program());
    let clock = Rc::new(Cell::new(1_000_000));
    g.h.uv.set_clock(Box::new(TestClock(clock.clone())));
    assert_eq!(g.run(), SieExit::Intercept(0x6c)); // SPX
    let t = g.get_sd().cputm;
    // 0x1000 TOD units pass outside SIE: the host may lower the timer by that much.
    clock.set(clock.get() + 0x1000);
    set_timer(&mut g, t.wrapping_sub(0x1001));
    assert_eq!(validity(&mut g), v::CPU_TIMER_LOWERED);
    set_timer(&mut g, t.wrapping_sub(0x1000));
    assert_eq!(g.run(), SieExit::Intercept(0x68)); // DIAG 0x500
    let t2 = g.get_sd().cputm;
    assert!((t2 as i64) < (t.wrapping_sub(0x1000) as i64), "the host's value was taken");
    // The reference is the last exit: no time has passed since.
    set_timer(&mut g, t2.wrapping_sub(1));
    assert_eq!(validity(&mut g), v::CPU_TIMER_LOWERED);
    clock.set(clock.get() + 1);
    assert_eq!(g.enter(), SieExit::Intercept(0x6c)); // DIAG 0x44
}

/// Program 5: I/O instructions with operand blocks: MSCH (SCHIB to the SIDA), SSCH (ORB
/// to the SIDA), STSCH (SCHIB from the SIDA on CC 0), TSCH (IRB from the SIDA on CC 1),
/// STCRW (nothing stored on CC 3), then MSCH with an unaligned SCHIB (specification
/// exception in the guest, whose program new PSW is a disabled wait).
fn program5() -> Vec<u8> {
    use off::*;
    let mut a = Asm::default();
    a.larl(12, 0);
    a.mvc(0, 0x1d0, 16, 12, DATA as u16); // program new PSW: disabled wait
    a.lgfi(1, 0x0001_0000);
    a.larl(2, SCCB);
    a.s_op(0xb232, 2, 0); // msch  0(%r2)
    a.s_op(0xb233, 2, 0x100); // ssch  0x100(%r2)
    a.s_op(0xb234, 2, 0x200); // stsch 0x200(%r2)
    a.s_op(0xb235, 2, 0x300); // tsch  0x300(%r2)
    a.s_op(0xb239, 2, 0x400); // stcrw 0x400(%r2)
    a.s_op(0xb232, 2, 0x502); // msch  0x502(%r2): not word aligned
    let mut img = a.b;
    img.resize(SIZE, 0);
    Asm::data(&mut img, DATA, &0x0002_0001_8000_0000u64.to_be_bytes());
    let schib: Vec<u8> = (0..52).collect();
    let orb: Vec<u8> = (100..132).collect();
    Asm::data(&mut img, SCCB, &schib);
    Asm::data(&mut img, SCCB + 0x100, &orb);
    img
}

fn host_cc(g: &mut Guest, cc: u64) {
    inject(g, |s| s.gpsw_mask = (s.gpsw_mask & !0x0000_3000_0000_0000) | (cc << 44));
}

#[test]
fn io_operand_blocks_move_through_the_sida() {
    let mut g = Guest::boot(&program5());
    let blk = g.base + off::SCCB;
    // MSCH: the SCHIB at SIDA+0, GR1 the subsystem id.
    assert_eq!(g.run(), SieExit::Intercept(0x68));
    assert_eq!(g.get_sd().ipa, 0xb232);
    assert_eq!(g.sida(52), (0..52).collect::<Vec<u8>>());
    assert_eq!(g.grregs()[1], 0x1_0000);
    host_cc(&mut g, 0);
    // SSCH: the ORB at SIDA+0.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    assert_eq!(g.get_sd().ipa, 0xb233);
    assert_eq!(g.sida(32), (100..132).collect::<Vec<u8>>());
    host_cc(&mut g, 0);
    // STSCH: the host's SCHIB goes to the operand on CC 0.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    assert_eq!(g.get_sd().ipa, 0xb234);
    g.h.write(SIDA, &[0x5c; 52]);
    host_cc(&mut g, 0);
    // TSCH: the host's IRB goes to the operand on CC 1.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    assert_eq!(g.guest_read(blk + 0x200, 53), [[0x5c; 52].as_slice(), &[0]].concat());
    g.h.write(SIDA, &[0x1b; 96]);
    host_cc(&mut g, 1);
    // STCRW: CC 3 stores nothing.
    assert_eq!(g.enter(), SieExit::Intercept(0x68));
    assert_eq!(g.guest_read(blk + 0x300, 97), [[0x1b; 96].as_slice(), &[0]].concat());
    g.h.write(SIDA, &[0xc7; 4]);
    host_cc(&mut g, 3);
    // The unaligned MSCH is a specification exception in the guest, no interception.
    assert_eq!(g.enter(), SieExit::Intercept(0x1c));
    assert_eq!(g.guest_read(blk + 0x400, 4), [0; 4]);
    assert_eq!(g.guest_read(0x8e, 2), [0, 6]);
    assert_eq!(g.grregs(), [0; 16]);
}

/// Program 6: STHYI 4,6 (function code 0 in R4, buffer in R6) -> 0x68; the host's page
/// from the SIDA reaches the buffer, its return code R7 and CC; then an undefined opcode
/// (0x0000) is an operation exception in the guest as before (the program new PSW is a
/// disabled wait).
fn program6() -> Vec<u8> {
    use off::*;
    let mut a = Asm::default();
    a.larl(12, 0);
    a.mvc(0, 0x1d0, 16, 12, DATA as u16); // program new PSW: disabled wait
    a.lghi(4, 0);
    a.larl(6, SHARE);
    a.lghi(7, -1);
    a.b.extend([0xb2, 0x56, 0x00, 0x46]); // sthyi %r4,%r6 -> 0x68
    a.ipm(5);
    a.stg(5, 12, (RES + 0x30) as u32);
    a.stg(7, 12, (RES + 0x08) as u32);
    let undefined = a.at();
    a.b.extend([0x00, 0x00]); // operation exception
    assert_eq!(undefined, 0x2e);
    let mut img = a.b;
    img.resize(SIZE, 0);
    Asm::data(&mut img, DATA, &0x0002_0001_8000_0000u64.to_be_bytes());
    img
}

#[test]
fn sthyi_through_the_sida_and_operation_exceptions_unchanged() {
    let mut g = Guest::boot(&program6());
    let b = g.base;
    assert_eq!(g.run(), SieExit::Intercept(0x68));
    let sd = g.get_sd();
    assert_eq!((sd.ipa, sd.ipb), (0xb256, 0x0046_0000));
    assert_eq!(g.grregs(), [0; 16], "function code 0 in GR4, nothing else");
    let page: Vec<u8> = (0..4096).map(|i| (i * 7) as u8).collect();
    g.h.write(SIDA, &page);
    let mut r = [0u64; 16];
    r[7] = 0;
    r[6] = 0xdead; // not an output register
    g.set_grregs(r);
    host_cc(&mut g, 0);
    assert_eq!(g.enter(), SieExit::Intercept(0x1c));
    assert_eq!(g.guest_read(b + off::SHARE, 4096), page);
    assert_eq!(g.res(0x08), 0, "R7 from the host");
    assert_eq!(g.res(0x30) >> 28 & 3, 0);
    // The undefined opcode: code 1, ILC 2, old PSW past it.
    assert_eq!(g.guest_read(0x8c, 4), [0, 2, 0, 1]);
    assert_eq!(g.guest_u64(0x158), b + 0x30);
}
