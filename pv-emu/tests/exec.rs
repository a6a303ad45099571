//! Directed executor tests: the interruption protocol through the lowcore (codes, ILC,
//! old PSW for suppression and completion), SVC, exits, EXECUTE, MVC overlap, prefixing,
//! STFLE, key protection, COMPARE AND SWAP and the R*SBG test-only form. Encodings were
//! checked with `s390x-linux-gnu-as`.

use pv_core::storage::Storage;
use pv_core::{GuestAbs, Psw};
use pv_emu::decode::Op;
use pv_emu::ram::Ram;
use pv_emu::{Cpu, Exit};

const START: u64 = 0x10000;
/// A disabled-wait PSW loaded by every interruption in these tests.
const WAIT_MASK: u64 = 0x0002_0001_8000_0000;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// A machine with 1 MiB, the code at 0x10000 and new PSWs that stop in disabled wait
/// at distinct addresses (program 0x1d0 -> 0xdd0, SVC 0x1c0 -> 0xcc0).
fn machine(code: &str) -> (Cpu, Ram) {
    let mut ram = Ram::new(0x10_0000);
    ram.write(GuestAbs(START), &hex(code)).unwrap();
    for (at, addr) in [(0x1d0u64, 0xdd0u64), (0x1c0, 0xcc0), (0x1b0, 0xbb0)] {
        ram.write(GuestAbs(at), &Psw { mask: WAIT_MASK, addr }.to_bytes()).unwrap();
    }
    let mut cpu = Cpu::new();
    cpu.state.psw = Psw::new_64bit(START);
    (cpu, ram)
}

fn rd16(ram: &mut Ram, at: u64) -> u16 {
    let mut b = [0u8; 2];
    ram.read(GuestAbs(at), &mut b).unwrap();
    u16::from_be_bytes(b)
}

fn old_psw(ram: &mut Ram, at: u64) -> Psw {
    let mut b = [0u8; 16];
    ram.read(GuestAbs(at), &mut b).unwrap();
    Psw::from_bytes(&b)
}

/// Runs until the CPU stops and checks it stopped in the program-interruption wait.
fn program_check(cpu: &mut Cpu, ram: &mut Ram) -> (u16, u16, Psw) {
    assert_eq!(cpu.run(ram, 100), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0xdd0, "program new PSW loaded");
    (rd16(ram, 0x8e), rd16(ram, 0x8c), old_psw(ram, 0x150))
}

#[test]
fn operation_exception_is_suppressing() {
    let (mut cpu, mut ram) = machine("0000");
    let (code, ilc, old) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, ilc), (1, 2));
    assert_eq!(old.addr, START + 2, "old PSW points past the instruction");
}

#[test]
fn privileged_operation_in_problem_state() {
    // lctlg %c0,%c0,0(%r1)
    let (mut cpu, mut ram) = machine("eb00 1000 002f");
    cpu.state.psw.mask |= pv_core::psw::PSW_MASK_PSTATE;
    let (code, ilc, old) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, ilc), (2, 6));
    assert!(old.is_problem_state());
    assert_eq!(old.addr, START + 6);
}

#[test]
fn fixed_point_overflow_completes() {
    // ahi %r1,1 with the fixed-point-overflow mask on
    let (mut cpu, mut ram) = machine("a71a 0001");
    cpu.state.gr[1] = 0x7fff_ffff;
    cpu.state.psw.mask |= pv_core::psw::PSW_MASK_PM_FIXED;
    let (code, ilc, old) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, ilc), (8, 4));
    assert_eq!(cpu.state.gr[1], 0x8000_0000, "the result is stored");
    assert_eq!(old.cc(), 3);
    // Masked off: no interruption, CC 3.
    let (mut cpu, mut ram) = machine("a71a 0001");
    cpu.state.gr[1] = 0x7fff_ffff;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!(cpu.state.psw.cc(), 3);
}

#[test]
fn divide_by_zero_suppresses() {
    // dr %r2,%r4
    let (mut cpu, mut ram) = machine("1d24");
    cpu.state.gr[2] = 1;
    cpu.state.gr[3] = 2;
    let (code, ilc, old) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, ilc, old.addr), (9, 2, START + 2));
    assert_eq!((cpu.state.gr[2], cpu.state.gr[3]), (1, 2));
    // An odd R1 is a specification exception.
    let (mut cpu, mut ram) = machine("1d34");
    assert_eq!(program_check(&mut cpu, &mut ram).0, 6);
}

#[test]
fn addressing_exception_past_storage() {
    // l %r1,0(%r2)
    let (mut cpu, mut ram) = machine("5810 2000");
    cpu.state.gr[2] = 0x20_0000;
    cpu.state.gr[1] = 77;
    let (code, ilc, _) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, ilc, cpu.state.gr[1]), (5, 4, 77));
}

#[test]
fn lpswe_checks_alignment_and_loads_wait() {
    // lpswe 1(%r1)
    let (mut cpu, mut ram) = machine("b2b2 1001");
    cpu.state.gr[1] = 0x2000;
    assert_eq!(program_check(&mut cpu, &mut ram).0, 6);
    // lpswe 0(%r1) of an enabled-wait PSW
    let (mut cpu, mut ram) = machine("b2b2 1000");
    cpu.state.gr[1] = 0x2000;
    let p = Psw { mask: 0x0302_0001_8000_0000, addr: 0x4444 };
    ram.write(GuestAbs(0x2000), &p.to_bytes()).unwrap();
    assert_eq!(cpu.run(&mut ram, 10), Exit::Wait { enabled: true });
    assert_eq!(cpu.state.psw, p);
    assert_eq!(cpu.state.bea, START, "breaking-event address");
}

#[test]
fn invalid_psw_is_a_specification_exception() {
    // lpswe 0(%r1) of a PSW with bit 12 set
    let (mut cpu, mut ram) = machine("b2b2 1000");
    cpu.state.gr[1] = 0x2000;
    let p = Psw { mask: 0x0008_0001_8000_0000, addr: 0x4444 };
    ram.write(GuestAbs(0x2000), &p.to_bytes()).unwrap();
    assert_eq!(program_check(&mut cpu, &mut ram).0, 6);
}

#[test]
fn odd_instruction_address_is_a_specification_exception_at_fetch() {
    // lpswe 0(%r1) of an enabled-for-nothing PSW at an odd address: LPSWE completes, the
    // fetch from the new address is a specification exception with the PSW as loaded.
    let (mut cpu, mut ram) = machine("b2b2 1000");
    cpu.state.gr[1] = 0x2000;
    let p = Psw { mask: 0x0000_0001_8000_0000, addr: 0x20001 };
    ram.write(GuestAbs(0x2000), &p.to_bytes()).unwrap();
    let (code, _, old) = program_check(&mut cpu, &mut ram);
    assert_eq!(code, 6);
    assert_eq!(old, p, "old PSW is the PSW as loaded");
    assert_eq!(cpu.executed, 2, "LPSWE, then the failed fetch");
    // The same through a branch: the branch completes, the fetch fails.
    // larl %r1,.+1 (odd target built with la); la %r1,1(%r1); br %r1
    let (mut cpu, mut ram) = machine("c010 0000 0000 4111 0001 07f1");
    let (code, _, old) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, old.addr), (6, START + 1));
}

#[test]
fn disabled_wait_psw_at_an_odd_address_loads() {
    // QEMU's special wait PSW: disabled wait at 0xfff (lpswe 0(%r1)).
    let (mut cpu, mut ram) = machine("b2b2 1000");
    cpu.state.gr[1] = 0x2000;
    let p = Psw { mask: WAIT_MASK, addr: 0xfff };
    ram.write(GuestAbs(0x2000), &p.to_bytes()).unwrap();
    assert_eq!(cpu.run(&mut ram, 10), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw, p, "the wait PSW is current, no program interruption");
    assert_eq!(rd16(&mut ram, 0x8e), 0, "no program-interruption code stored");
}

#[test]
fn svc_interruption() {
    let (mut cpu, mut ram) = machine("0a05");
    assert_eq!(cpu.run(&mut ram, 10), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0xcc0);
    assert_eq!((rd16(&mut ram, 0x88), rd16(&mut ram, 0x8a)), (2, 5));
    assert_eq!(old_psw(&mut ram, 0x140).addr, START + 2);
}

#[test]
fn intercepted_instructions_exit_with_operands() {
    for (code, op) in [
        ("8312 0500", Op::Diag),
        ("ae12 3000", Op::Sigp),
        ("b9a4 0012", Op::Uvc),
        ("b220 0012", Op::Servc),
    ] {
        let (mut cpu, mut ram) = machine(code);
        match cpu.run(&mut ram, 10) {
            Exit::Instruction { insn, addr } => {
                assert_eq!((insn.op, addr), (op, START));
                assert_eq!(cpu.state.psw.addr, START + 4, "PSW past the instruction");
            }
            e => panic!("{e:?}"),
        }
    }
    // DIAG in the problem state is privileged; UVC is not.
    let (mut cpu, mut ram) = machine("8312 0500");
    cpu.state.psw.mask |= pv_core::psw::PSW_MASK_PSTATE;
    assert_eq!(program_check(&mut cpu, &mut ram).0, 2);
    let (mut cpu, mut ram) = machine("b9a4 0012");
    cpu.state.psw.mask |= pv_core::psw::PSW_MASK_PSTATE;
    assert!(matches!(cpu.run(&mut ram, 10), Exit::Instruction { .. }));
}

#[test]
fn execute_ors_the_length() {
    // ex %r1,0(%r4) -> mvc 0(1,%r2),0(%r3) at 0x10100, length byte 3 from r1
    let (mut cpu, mut ram) = machine("4410 4000");
    ram.write(GuestAbs(0x10100), &hex("d200 2000 3000")).unwrap();
    ram.write(GuestAbs(0x3000), b"abcdef").unwrap();
    cpu.state.gr[1] = 3;
    cpu.state.gr[2] = 0x2000;
    cpu.state.gr[3] = 0x3000;
    cpu.state.gr[4] = 0x10100;
    assert_eq!(cpu.step(&mut ram), None);
    let mut b = [0u8; 6];
    ram.read(GuestAbs(0x2000), &mut b).unwrap();
    assert_eq!(&b, b"abcd\0\0");
    assert_eq!(cpu.state.psw.addr, START + 4);
    // EXECUTE of EXECUTE is an execute exception.
    let (mut cpu, mut ram) = machine("4410 4000");
    ram.write(GuestAbs(0x10100), &hex("4410 4000")).unwrap();
    cpu.state.gr[4] = 0x10100;
    assert_eq!(program_check(&mut cpu, &mut ram).0, 3);
}

#[test]
fn mvc_one_byte_overlap_propagates() {
    // mvc 1(7,%r2),0(%r2)
    let (mut cpu, mut ram) = machine("d206 2001 2000");
    cpu.state.gr[2] = 0x2000;
    ram.write(GuestAbs(0x2000), &[0xab, 1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    assert_eq!(cpu.step(&mut ram), None);
    let mut b = [0u8; 9];
    ram.read(GuestAbs(0x2000), &mut b).unwrap();
    assert_eq!(b, [0xab; 8].iter().copied().chain([8]).collect::<Vec<_>>()[..]);
}

#[test]
fn prefixing_moves_the_lowcore() {
    // spx 0(%r1); stpx 8(%r1); svc 7
    let (mut cpu, mut ram) = machine("b210 1000 b211 1008 0a07");
    cpu.state.gr[1] = 0x3000;
    ram.write(GuestAbs(0x3000), &0x8000u32.to_be_bytes()).unwrap();
    // The SVC new PSW in the new prefix area.
    ram.write(GuestAbs(0x81c0), &Psw { mask: WAIT_MASK, addr: 0x7770 }.to_bytes()).unwrap();
    assert_eq!(cpu.run(&mut ram, 10), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0x7770);
    assert_eq!(cpu.state.prefix, 0x8000);
    let mut b = [0u8; 4];
    ram.read(GuestAbs(0x3008), &mut b).unwrap();
    assert_eq!(u32::from_be_bytes(b), 0x8000);
    assert_eq!(rd16(&mut ram, 0x808a), 7, "SVC code stored through the prefix");
    assert_eq!(old_psw(&mut ram, 0x8140).addr, START + 10);
}

#[test]
fn stores_into_cached_code_take_effect() {
    // 0: ahi %r2,1; mvi 3(%r13),2 (the AHI immediate becomes 2); brct %r3,0b; svc 0
    let (mut cpu, mut ram) = machine("a72a 0001 9202 d003 a736 fffc 0a00");
    cpu.state.gr[13] = START;
    cpu.state.gr[3] = 3;
    assert_eq!(cpu.run(&mut ram, 100), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0xcc0, "stopped by the SVC");
    assert_eq!(cpu.state.gr[2], 1 + 2 + 2, "the modified AHI ran twice");
}

#[test]
fn a_store_into_the_next_instruction_takes_effect() {
    // mvi 7(%r13),5 (the immediate of the following AHI); ahi %r2,1; svc 0
    let (mut cpu, mut ram) = machine("9205 d007 a72a 0001 0a00");
    cpu.state.gr[13] = START;
    assert_eq!(cpu.run(&mut ram, 100), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.gr[2], 5, "the AHI as modified ran");
}

#[test]
fn budgets_end_runs_exactly() {
    // The ALU loop of guests/bench/loop.S: agr, xgr, sllg, ahi, lgr, aghi, brctg.
    let code = "b908 0023 b982 0042 eb54 0003 000d a76a 0001 b904 0075 a78b ffff a797 fff3";
    for budget in [1, 5, 7, 13, 100] {
        let (mut run, mut ram_run) = machine(code);
        run.state.gr[9] = 1000;
        assert_eq!(run.run(&mut ram_run, budget), Exit::Budget);
        let (mut step, mut ram_step) = machine(code);
        step.state.gr[9] = 1000;
        for _ in 0..budget {
            assert_eq!(step.step(&mut ram_step), None);
        }
        assert_eq!(run.state, step.state, "budget {budget}");
        assert_eq!(run.executed, budget);
    }
}

#[test]
fn conditional_branches_inside_blocks_leave_them_only_when_taken() {
    // 0: ahi %r2,1; chi %r2,5; jne 1f; ahi %r3,1; 1: brct %r4,0b; svc 0 -- one block from
    // 0 through the BRCT: the JNE leaves it except when R2 = 5.
    let code = "a72a 0001 a72e 0005 a774 0004 a73a 0001 a746 fff8 0a00";
    let (mut cpu, mut ram) = machine(code);
    cpu.state.gr[4] = 10;
    assert_eq!(cpu.run(&mut ram, 1000), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0xcc0, "stopped by the SVC");
    assert_eq!((cpu.state.gr[2], cpu.state.gr[3], cpu.state.gr[4]), (10, 1, 0));
    // Budgets that end inside the block, before and after the untaken branch.
    for budget in (1..=12).chain([18, 19, 20, 21, 22, 23, 41]) {
        let (mut run, mut ram_run) = machine(code);
        run.state.gr[4] = 10;
        assert_eq!(run.run(&mut ram_run, budget), Exit::Budget);
        let (mut step, mut ram_step) = machine(code);
        step.state.gr[4] = 10;
        for _ in 0..budget {
            assert_eq!(step.step(&mut ram_step), None);
        }
        assert_eq!(run.state, step.state, "budget {budget}");
        assert_eq!(run.executed, budget);
    }
}

#[test]
fn stores_into_another_block_of_the_page_take_effect() {
    // 0: ahi %r2,1; j 0x10; (padding); 0x10: stc %r2,3(%r13) (R2's low byte becomes the
    // AHI immediate); brct %r4,0; svc 0 -- the blocks at 0 and 0x10 chain in one page,
    // and every store in the second must make the first run anew.
    let code = "a72a 0001 a7f4 0006 0700 0700 0700 0700 4220 d003 a746 fff6 0a00";
    let (mut cpu, mut ram) = machine(code);
    cpu.state.gr[13] = START;
    cpu.state.gr[4] = 4;
    assert_eq!(cpu.run(&mut ram, 1000), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0xcc0, "stopped by the SVC");
    assert_eq!(cpu.state.gr[2], 8, "R2 doubled in every round after the first");
}

#[test]
fn fused_compare_and_branch_agree_with_single_steps() {
    use pv_emu::decode::Insn;
    use pv_emu::exec::Tracer;
    /// Instruction addresses as traced.
    #[derive(Default, PartialEq, Debug)]
    struct Log(Vec<u64>);
    impl Tracer for Log {
        fn instruction(&mut self, addr: u64, _insn: &Insn) {
            self.0.push(addr);
        }
    }
    // The inner loop of guests/bench/sieve.S: 0: stc %r8,0(%r6,%r2); agr %r6,%r4;
    // clgr %r6,%r3; jl 0b; svc 0 -- the CLGR and the JL run as one fused item.
    let code = "4286 2000 b908 0064 b921 0063 a744 fffa 0a00";
    let setup = |cpu: &mut Cpu| {
        cpu.state.gr[2] = 0x20000;
        (cpu.state.gr[3], cpu.state.gr[4], cpu.state.gr[8]) = (30, 3, 1);
    };
    // Every budget up to the end, so that runs stop between the compare and the branch.
    for budget in 1..=40 {
        let (mut run, mut ram_run) = machine(code);
        setup(&mut run);
        let mut traced = Log::default();
        assert_eq!(run.run_traced(&mut ram_run, budget, &mut traced), Exit::Budget);
        let (mut step, mut ram_step) = machine(code);
        setup(&mut step);
        let mut stepped = Log::default();
        for _ in 0..budget {
            assert_eq!(step.step_traced(&mut ram_step, &mut stepped), None);
        }
        assert_eq!(run.state, step.state, "budget {budget}");
        assert_eq!(run.executed, budget);
        assert_eq!(traced, stepped, "budget {budget}: both halves of each pair are traced");
        assert!(ram_run == ram_step, "budget {budget}: storage differs");
    }
    let (mut cpu, mut ram) = machine(code);
    setup(&mut cpu);
    assert_eq!(cpu.run(&mut ram, 1000), Exit::Wait { enabled: false });
    let mut marks = [0u8; 31];
    ram.read(GuestAbs(0x20000), &mut marks).unwrap();
    assert!(marks.iter().enumerate().all(|(i, &m)| m == u8::from(i % 3 == 0 && i < 30)));
}

#[test]
fn straight_runs_stop_before_what_needs_a_step() {
    use pv_emu::exec::NoTrace;
    // 0: ahi %r2,1; l %r3,0(%r4); svc 0
    let (mut cpu, mut ram) = machine("a72a 0001 5830 4000 0a00");
    // A step first, so that the fetch memo covers the page (blocks need it).
    assert_eq!(cpu.step(&mut ram), None);
    let restart = |cpu: &mut Cpu, r4: u64| {
        (cpu.state.psw.addr, cpu.state.gr[2], cpu.state.gr[4]) = (START, 0, r4);
    };
    // The L would take an addressing exception: the run stops before it, PSW at it.
    restart(&mut cpu, 0x20_0000);
    let before = cpu.executed;
    assert_eq!(cpu.run_straight(&mut ram, 100, &mut NoTrace), 1);
    assert_eq!((cpu.state.psw.addr, cpu.state.gr[2]), (START + 4, 1));
    assert_eq!(cpu.executed, before + 1);
    assert_eq!(old_psw(&mut ram, 0x150), Psw { mask: 0, addr: 0 }, "no interruption delivered");
    // With a good operand the L runs too; the SVC (not pre-decoded) is left for a step.
    restart(&mut cpu, 0x3000);
    assert_eq!(cpu.run_straight(&mut ram, 100, &mut NoTrace), 2);
    assert_eq!(cpu.state.psw.addr, START + 8);
    // The budget is exact.
    restart(&mut cpu, 0x3000);
    assert_eq!(cpu.run_straight(&mut ram, 1, &mut NoTrace), 1);
    assert_eq!(cpu.state.psw.addr, START + 4);
    // Nothing runs where the SVC is next.
    cpu.state.psw.addr = START + 8;
    assert_eq!(cpu.run_straight(&mut ram, 100, &mut NoTrace), 0);
    assert_eq!(cpu.step(&mut ram), Some(Exit::Wait { enabled: false }));
}

#[test]
fn memoized_operand_pages_follow_prefix_and_key_changes() {
    // l %r3,0x100; spx 0(%r1); l %r4,0x100; svc 1
    let (mut cpu, mut ram) = machine("5830 0100 b210 1000 5840 0100 0a01");
    cpu.state.gr[1] = 0x3000;
    ram.write(GuestAbs(0x3000), &0x8000u32.to_be_bytes()).unwrap();
    ram.write(GuestAbs(0x100), &0x1111_1111u32.to_be_bytes()).unwrap();
    ram.write(GuestAbs(0x8100), &0x2222_2222u32.to_be_bytes()).unwrap();
    ram.write(GuestAbs(0x81c0), &Psw { mask: WAIT_MASK, addr: 0x7770 }.to_bytes()).unwrap();
    assert_eq!(cpu.run(&mut ram, 10), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0x7770);
    assert_eq!((cpu.state.gr[3], cpu.state.gr[4]), (0x1111_1111, 0x2222_2222));
    // st %r1,0(%r2) with key 0, spka 0x20 (key 2), the same store into a key-3 frame.
    let (mut cpu, mut ram) = machine("5010 2000 b20a 0020 5010 2000");
    ram.set_storage_key(GuestAbs(0x5000), 0x30).unwrap();
    cpu.state.gr[2] = 0x5000;
    let (code, _, old) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, old.addr), (4, START + 12), "the second store is protected");
}

#[test]
fn run_and_single_steps_agree_on_timer_interruptions() {
    // 0: ahi %r2,1; j 0b with the clock comparator or the CPU timer enabled: the
    // external interruption (new PSW: disabled wait at 0xbb0) comes after the same
    // instruction whether the CPU runs freely or one step at a time.
    for (cr0_bit, ckc, timer) in
        [(0x800u64, 41 * 2000 + 17, u64::MAX >> 1), (0x400, u64::MAX, 41 * 1777)]
    {
        let setup = || {
            let (mut cpu, ram) = machine("a72a 0001 a7f4 fffe");
            cpu.state.cr[0] |= cr0_bit;
            cpu.state.psw.mask |= 0x0100_0000_0000_0000; // external mask
            cpu.state.ckc = ckc;
            cpu.state.cpu_timer = timer;
            (cpu, ram)
        };
        let (mut run, mut ram_run) = setup();
        assert_eq!(run.run(&mut ram_run, 1_000_000), Exit::Wait { enabled: false });
        let (mut step, mut ram_step) = setup();
        let exit = (0..1_000_000).find_map(|_| step.step(&mut ram_step));
        assert_eq!(exit, Some(Exit::Wait { enabled: false }));
        assert_eq!(run.state, step.state, "same state");
        assert_eq!(run.executed, step.executed);
        assert_eq!(run.state.psw.addr, 0xbb0, "external interruption taken");
        assert_eq!(old_psw(&mut ram_run, 0x130), old_psw(&mut ram_step, 0x130));
        assert!(run.state.gr[2] > 500, "the loop ran");
    }
}

#[test]
fn stfle_reports_the_needed_length() {
    // stfle 0(%r1) with r0 = 0: one doubleword stored, CC 3, r0 = 2
    let (mut cpu, mut ram) = machine("b2b0 1000");
    cpu.state.gr[1] = 0x3000;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!((cpu.state.psw.cc(), cpu.state.gr[0]), (3, 2));
    let mut b = [0u8; 16];
    ram.read(GuestAbs(0x3000), &mut b).unwrap();
    assert_eq!(&b[..8], &0xf940_f6d3_f4c4_5c64u64.to_be_bytes());
    assert_eq!(&b[8..], &[0; 8]);
}

#[test]
fn key_controlled_protection() {
    // st %r1,0(%r2) with PSW key 2 into a frame with key 3
    let (mut cpu, mut ram) = machine("5010 2000");
    ram.set_storage_key(GuestAbs(0x5000), 0x30).unwrap();
    cpu.state.gr[2] = 0x5000;
    cpu.state.psw.mask |= 0x0020_0000_0000_0000;
    let (code, _, _) = program_check(&mut cpu, &mut ram);
    assert_eq!(code, 4);
    let mut t = [0u8; 8];
    ram.read(GuestAbs(0xa8), &mut t).unwrap();
    // Page, store indication, key-controlled protection (bit 60).
    assert_eq!(u64::from_be_bytes(t), 0x5000 | 0x400 | 8);
    // sske then iske (key 0)
    let (mut cpu, mut ram) = machine("b22b 0012 b229 0032");
    cpu.state.gr[1] = 0x38;
    cpu.state.gr[2] = 0x5123;
    assert_eq!(cpu.run(&mut ram, 2), Exit::Budget);
    assert_eq!(cpu.state.gr[3] & 0xff, 0x38);
}

#[test]
fn compare_and_swap_both_ways() {
    // cs %r1,%r3,0(%r2)
    let (mut cpu, mut ram) = machine("ba13 2000 ba13 2000");
    cpu.state.gr[2] = 0x4000;
    ram.write(GuestAbs(0x4000), &5u32.to_be_bytes()).unwrap();
    cpu.state.gr[1] = 5;
    cpu.state.gr[3] = 9;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!(cpu.state.psw.cc(), 0);
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!((cpu.state.psw.cc(), cpu.state.gr[1]), (1, 9));
}

#[test]
fn rosbg_test_only_keeps_r1() {
    // rosbg %r1,%r2,160,63,0 (T bit set): CC only
    let (mut cpu, mut ram) = machine("ec12 a03f 0056");
    cpu.state.gr[1] = 0;
    cpu.state.gr[2] = 0x1_0000_0000;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!((cpu.state.gr[1], cpu.state.psw.cc()), (0, 0));
    cpu.state.psw.addr = START;
    cpu.state.gr[2] = 1;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!((cpu.state.gr[1], cpu.state.psw.cc()), (0, 1));
}

#[test]
fn budget_and_ipm() {
    // ipm %r5 ; j .
    let (mut cpu, mut ram) = machine("b222 0050 a7f4 0000");
    cpu.state.psw.set_cc(2);
    cpu.state.gr[5] = 0xffff_ffff_ffff_ffff;
    assert_eq!(cpu.run(&mut ram, 50), Exit::Budget);
    assert_eq!(cpu.state.gr[5], 0xffff_ffff_20ff_ffff);
    assert_eq!(cpu.executed, 50);
}

/// Lists decoded-but-unexecuted opcodes (operation exception with all fields zero).
#[test]
#[ignore = "diagnostic"]
fn list_unimplemented() {
    use pv_emu::decode::{Fields, Insn, OPS};
    for info in OPS {
        let insn = Insn::new(info.op, Fields::decode(info.format, &[0; 6])).unwrap();
        let mut ram = Ram::new(0x10_0000);
        ram.write(GuestAbs(0x2000), &insn.encode()).unwrap();
        ram.write(GuestAbs(0x1d0), &Psw { mask: WAIT_MASK, addr: 0xdd0 }.to_bytes()).unwrap();
        let mut cpu = Cpu::new();
        cpu.state.psw = Psw::new_64bit(0x2000);
        cpu.state.gr = [0x3000; 16];
        cpu.step(&mut ram);
        if cpu.state.psw.addr == 0xdd0 && rd16(&mut ram, 0x8e) == 1 {
            print!("{} ", info.name);
        }
    }
    println!();
}

/// Segment table at 0x20000 (all invalid but entry 0), page table at 0x24000 mapping
/// page 0x10 to itself, 0x50 to frame 0x60 and 0x51 (protected) to frame 0x61.
fn dat_machine(code: &str) -> (Cpu, Ram) {
    let (mut cpu, mut ram) = machine(code);
    for i in 0..2048u64 {
        ram.write(GuestAbs(0x20000 + i * 8), &0x20u64.to_be_bytes()).unwrap();
    }
    ram.write(GuestAbs(0x20000), &0x24000u64.to_be_bytes()).unwrap();
    for i in 0..256u64 {
        ram.write(GuestAbs(0x24000 + i * 8), &0x400u64.to_be_bytes()).unwrap();
    }
    for (page, pte) in [(0x10u64, 0x10000u64), (0x50, 0x60000), (0x51, 0x61200)] {
        ram.write(GuestAbs(0x24000 + page * 8), &pte.to_be_bytes()).unwrap();
    }
    cpu.state.cr[1] = 0x20000 | 3;
    cpu.state.psw.mask |= pv_core::psw::PSW_MASK_DAT;
    (cpu, ram)
}

#[test]
fn dat_translates_through_segment_and_page_tables() {
    // st %r1,0(%r2) ; st %r1,0(%r3)
    let (mut cpu, mut ram) = dat_machine("5010 2000 5010 3000");
    cpu.state.gr[1] = 0xcafe_f00d;
    cpu.state.gr[2] = 0x50010;
    cpu.state.gr[3] = 0x51000;
    assert_eq!(cpu.step(&mut ram), None);
    let mut b = [0u8; 4];
    ram.read(GuestAbs(0x60010), &mut b).unwrap();
    assert_eq!(u32::from_be_bytes(b), 0xcafe_f00d);
    // The protected page: a DAT-protection exception (suppressing).
    let (code, ilc, old) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, ilc, old.addr), (4, 4, START + 8));
    let mut t = [0u8; 8];
    ram.read(GuestAbs(0xa8), &mut t).unwrap();
    // Page, store indication (bits 52-53 = 01), DAT protection (bit 61).
    assert_eq!(u64::from_be_bytes(t), 0x51000 | 0x400 | 4);
}

#[test]
fn dat_exceptions_nullify() {
    // l %r1,0(%r2) on an invalid page
    let (mut cpu, mut ram) = dat_machine("5810 2000");
    cpu.state.gr[2] = 0x52008;
    let (code, ilc, old) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, ilc, old.addr), (0x11, 4, START), "page translation, nullified");
    let mut t = [0u8; 8];
    ram.read(GuestAbs(0xa8), &mut t).unwrap();
    // Page, fetch indication (bits 52-53 = 10).
    assert_eq!(u64::from_be_bytes(t), 0x52000 | 0x800);
    // An invalid segment.
    let (mut cpu, mut ram) = dat_machine("5810 2000");
    cpu.state.gr[2] = 0x10_0000;
    assert_eq!(program_check(&mut cpu, &mut ram).0, 0x10);
    // Beyond what a segment-table ASCE covers.
    let (mut cpu, mut ram) = dat_machine("5810 2000");
    cpu.state.gr[2] = 0x8000_0000;
    assert_eq!(program_check(&mut cpu, &mut ram).0, 0x38);
}

#[test]
fn ipte_invalidates_and_purges() {
    // l %r1,0(%r2) ; ipte %r4,%r2 ; l %r1,0(%r2)
    let (mut cpu, mut ram) = dat_machine("5810 2000 b221 0042 5810 2000");
    cpu.state.gr[2] = 0x50000;
    cpu.state.gr[4] = 0x24000;
    assert_eq!(cpu.run(&mut ram, 2), Exit::Budget);
    let mut b = [0u8; 8];
    ram.read(GuestAbs(0x24000 + 0x50 * 8), &mut b).unwrap();
    assert_eq!(u64::from_be_bytes(b), 0x60000 | 0x400);
    assert_eq!(program_check(&mut cpu, &mut ram).0, 0x11);
}

#[test]
fn region_third_table_walk() {
    // l %r1,0(%r2) through a region-third table at 0x28000
    let (mut cpu, mut ram) = dat_machine("5810 2000 5810 3000");
    for i in 0..2048u64 {
        ram.write(GuestAbs(0x28000 + i * 8), &0x24u64.to_be_bytes()).unwrap();
    }
    // Entry 0: segment-table origin 0x20000, TT = 01, TF = 0, TL = 3.
    ram.write(GuestAbs(0x28000), &0x20007u64.to_be_bytes()).unwrap();
    ram.write(GuestAbs(0x60008), &0x1234_5678u32.to_be_bytes()).unwrap();
    cpu.state.cr[1] = 0x28000 | 0x04 | 3;
    cpu.state.gr[2] = 0x50008;
    cpu.state.gr[3] = 0x1_0000_0000;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!(cpu.state.gr[1], 0x1234_5678);
    // Region-third entry 2 is invalid.
    assert_eq!(program_check(&mut cpu, &mut ram).0, 0x3b);
}

#[test]
fn service_signal_is_delivered_when_enabled() {
    // j . (spin) with the external mask and CR0 bit 54 on
    let (mut cpu, mut ram) = machine("a7f4 0000");
    cpu.inject_service_signal(0x1234_5000);
    assert_eq!(cpu.run(&mut ram, 3), Exit::Budget, "masked: keeps spinning");
    cpu.state.psw.mask |= pv_core::psw::PSW_MASK_EXT;
    cpu.state.cr[0] |= 1 << 9;
    assert_eq!(cpu.run(&mut ram, 3), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0xbb0);
    assert_eq!(rd16(&mut ram, 0x86), 0x2401);
    let mut p = [0u8; 4];
    ram.read(GuestAbs(0x80), &mut p).unwrap();
    assert_eq!(u32::from_be_bytes(p), 0x1234_5000);
    assert_eq!(old_psw(&mut ram, 0x130).addr, START);
}

#[test]
fn clock_comparator_wakes_an_enabled_wait() {
    // sckc 0(%r1) ; lpswe 16(%r1) (enabled wait)
    let (mut cpu, mut ram) = machine("b206 1000 b2b2 1010");
    cpu.state.gr[1] = 0x3000;
    ram.write(GuestAbs(0x3000), &1_000_000u64.to_be_bytes()).unwrap();
    let wait = Psw { mask: 0x0102_0001_8000_0000, addr: 0x5550 };
    ram.write(GuestAbs(0x3010), &wait.to_bytes()).unwrap();
    cpu.state.cr[0] |= 1 << 11;
    assert_eq!(cpu.run(&mut ram, 10), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0xbb0, "external new PSW");
    assert_eq!(rd16(&mut ram, 0x86), 0x1004);
    assert!(cpu.state.tod > 1_000_000);
    let old = old_psw(&mut ram, 0x130);
    assert!(old.is_wait() && old.addr == 0x5550);
}

#[test]
fn io_interruption_respects_cr6() {
    use pv_emu::exec::pending::IoInterruption;
    let (mut cpu, mut ram) = machine("a7f4 0000");
    ram.write(GuestAbs(0x1f0), &Psw { mask: WAIT_MASK, addr: 0xff0 }.to_bytes()).unwrap();
    cpu.state.psw.mask |= pv_core::psw::PSW_MASK_IO;
    cpu.inject_io(IoInterruption { subsystem_id: 0x0001_0000, param: 0xabcd, id_word: 3 << 27 });
    assert_eq!(cpu.run(&mut ram, 3), Exit::Budget, "ISC 3 disabled in CR6");
    cpu.state.cr[6] = 1 << (31 - 3);
    assert_eq!(cpu.run(&mut ram, 3), Exit::Wait { enabled: false });
    assert_eq!(cpu.state.psw.addr, 0xff0);
    let mut b = [0u8; 12];
    ram.read(GuestAbs(0xb8), &mut b).unwrap();
    assert_eq!(b, [0, 1, 0, 0, 0, 0, 0xab, 0xcd, 0x18, 0, 0, 0]);
}

#[test]
fn stopped_cpu_and_store_status() {
    let (mut cpu, mut ram) = machine("a7f4 0000");
    cpu.stopped = true;
    assert_eq!(cpu.run(&mut ram, 5), Exit::Stopped);
    assert_eq!(cpu.executed, 0);
    cpu.state.gr[3] = 0x0123_4567_89ab_cdef;
    cpu.state.cr[0] = 0x40000;
    cpu.state.prefix = 0x8000;
    cpu.state.fpr[15] = 7;
    cpu.store_status(&mut ram).unwrap();
    let mut b = [0u8; 8];
    ram.read(GuestAbs(0x8000 + 0x1280 + 3 * 8), &mut b).unwrap();
    assert_eq!(u64::from_be_bytes(b), 0x0123_4567_89ab_cdef);
    ram.read(GuestAbs(0x8000 + 0x1380), &mut b).unwrap();
    assert_eq!(u64::from_be_bytes(b), 0x40000);
    ram.read(GuestAbs(0x8000 + 0x1278), &mut b).unwrap();
    assert_eq!(u64::from_be_bytes(b), 7);
    assert_eq!(old_psw(&mut ram, 0x8000 + 0x1300), cpu.state.psw);
    cpu.stopped = false;
    assert_eq!(cpu.run(&mut ram, 5), Exit::Budget);
}

#[test]
fn cpacf_query_only() {
    // km %r2,%r4 with r0 = 0 (query): status word with bit 0
    let (mut cpu, mut ram) = machine("b92e 0024 b92e 0024");
    cpu.state.gr[1] = 0x3000;
    assert_eq!(cpu.step(&mut ram), None);
    let mut b = [0u8; 16];
    ram.read(GuestAbs(0x3000), &mut b).unwrap();
    assert_eq!(b[0], 0x80);
    assert_eq!(&b[1..], &[0; 15]);
    cpu.state.gr[0] = 18; // KM-AES-128: not offered
    assert_eq!(program_check(&mut cpu, &mut ram).0, 6);
    // KIMD offers SHA-512 (bit 3).
    let (mut cpu, mut ram) = machine("b93e 0002");
    cpu.state.gr[1] = 0x3000;
    assert_eq!(cpu.step(&mut ram), None);
    ram.read(GuestAbs(0x3000), &mut b).unwrap();
    assert_eq!(b[0], 0x90);
}

#[test]
fn la_in_31_bit_mode_keeps_the_high_word() {
    // la %r1,4(%r2) in 31-bit mode
    let (mut cpu, mut ram) = machine("4110 2004");
    cpu.state.psw.set_addressing_mode(pv_core::psw::AddressingMode::Bits31);
    cpu.state.gr[1] = 0xaaaa_bbbb_cccc_dddd;
    cpu.state.gr[2] = 0x1234_5678_ffff_fffe;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!(cpu.state.gr[1], 0xaaaa_bbbb_0000_0002);
}

#[test]
fn larl_and_bras_in_31_bit_mode() {
    // larl %r1,.+8 ; bras %r2,.+4
    let (mut cpu, mut ram) = machine("c010 0000 0004 a725 0002");
    cpu.state.psw.set_addressing_mode(pv_core::psw::AddressingMode::Bits31);
    cpu.state.gr[1] = 0xaaaa_bbbb_cccc_dddd;
    cpu.state.gr[2] = 0x1111_2222_3333_4444;
    assert_eq!(cpu.run(&mut ram, 2), Exit::Budget);
    assert_eq!(cpu.state.gr[1], 0xaaaa_bbbb_0001_0008);
    // The link: bit 32 is the addressing-mode bit, bits 0-31 are kept.
    assert_eq!(cpu.state.gr[2], 0x1111_2222_8001_000a);
    assert_eq!(cpu.state.psw.addr, START + 10);
}

#[test]
fn execute_of_an_intercepted_instruction_reports_the_target() {
    // ex %r0,0(%r4) -> diag %r1,%r2,0x500 at 0x10100
    let (mut cpu, mut ram) = machine("4400 4000");
    ram.write(GuestAbs(0x10100), &hex("8312 0500")).unwrap();
    cpu.state.gr[4] = 0x10100;
    match cpu.run(&mut ram, 5) {
        Exit::Instruction { insn, addr } => assert_eq!((insn.op, addr), (Op::Diag, START)),
        e => panic!("{e:?}"),
    }
}

#[test]
fn tracer_sees_instructions_and_interruptions() {
    use pv_emu::decode::Insn;
    use pv_emu::exec::Tracer;
    #[derive(Default)]
    struct Log(Vec<(u64, Op)>, Vec<u16>);
    impl Tracer for Log {
        fn instruction(&mut self, addr: u64, insn: &Insn) {
            self.0.push((addr, insn.op));
        }
        fn program_interruption(&mut self, code: u16, _addr: u64) {
            self.1.push(code);
        }
    }
    // ar %r1,%r2 ; dr %r2,%r4 (divide by zero)
    let (mut cpu, mut ram) = machine("1a12 1d24");
    let mut log = Log::default();
    assert_eq!(cpu.run_traced(&mut ram, 10, &mut log), Exit::Wait { enabled: false });
    assert_eq!(log.0, [(START, Op::Ar), (START + 2, Op::Dr)]);
    assert_eq!(log.1, [9]);
}

#[test]
fn low_address_protection() {
    // st %r1,0x1a0(%r0) with CR0 bit 35 on
    let (mut cpu, mut ram) = machine("5010 01a0");
    cpu.state.cr[0] |= 1 << (63 - 35);
    assert_eq!(program_check(&mut cpu, &mut ram).0, 4);
    let mut t = [0u8; 8];
    ram.read(GuestAbs(0xa8), &mut t).unwrap();
    assert_eq!(u64::from_be_bytes(t), 0x400 | 0x80, "store indication, bit 56");
}

#[test]
fn klmd_sha512_of_abc() {
    // klmd %r0,%r2 with GR0 = 3: parameter block at 0x3000 (ICV + 128-bit length)
    let (mut cpu, mut ram) = machine("b93f 0002");
    let icv: [u64; 8] = [
        0x6a09_e667_f3bc_c908,
        0xbb67_ae85_84ca_a73b,
        0x3c6e_f372_fe94_f82b,
        0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1,
        0x9b05_688c_2b3e_6c1f,
        0x1f83_d9ab_fb41_bd6b,
        0x5be0_cd19_137e_2179,
    ];
    for (i, v) in icv.iter().enumerate() {
        ram.write(GuestAbs(0x3000 + i as u64 * 8), &v.to_be_bytes()).unwrap();
    }
    ram.write(GuestAbs(0x3040), &24u128.to_be_bytes()).unwrap();
    ram.write(GuestAbs(0x4000), b"abc").unwrap();
    cpu.state.gr[0] = 3;
    cpu.state.gr[1] = 0x3000;
    cpu.state.gr[2] = 0x4000;
    cpu.state.gr[3] = 3;
    assert_eq!(cpu.step(&mut ram), None);
    let mut d = [0u8; 64];
    ram.read(GuestAbs(0x3000), &mut d).unwrap();
    assert_eq!(&d[..8], &hex("ddaf35a193617aba")[..]);
    assert_eq!(&d[56..], &hex("2a9ac94fa54ca49f")[..]);
    assert_eq!((cpu.state.gr[2], cpu.state.gr[3], cpu.state.psw.cc()), (0x4003, 0, 0));
}

#[test]
fn psw_and_control_register_instructions() {
    let code = "80001000 acfc1008 ad031008 b6011010 b7221000 b98d0034 b2021018 b2121020 \
                b2041028 b2051030 b2081028 b2091038 b2061028 b2071040 0450 b2220060 \
                b2190100 b2240070";
    let (mut cpu, mut ram) = machine(code);
    cpu.state.gr[1] = 0x3000;
    cpu.state.cr[0] = 0x0000_0000_1111_2222;
    cpu.state.cr[1] = 0x0000_0000_3333_4444;
    cpu.state.cpu_addr = 5;
    cpu.state.gr[5] = 0x2a00_0000; // SPM: CC 2, program mask 0xa
    // SSM loads 0x03 (I/O and external masks) from 0x3000; LCTL loads CR2 from there too.
    ram.write(GuestAbs(0x3000), &0x03ab_cdefu32.to_be_bytes()).unwrap();
    ram.write(GuestAbs(0x3028), &0x0000_0000_0012_3400u64.to_be_bytes()).unwrap();
    assert_eq!(cpu.run(&mut ram, 18), Exit::Budget);
    let st = &cpu.state;
    // SSM loads 0x03; STNSM 0xfc stores it and leaves 0x00; STOSM 0x03 stores 0x00 and
    // sets 0x03 again.
    assert_eq!(st.psw.mask >> 56, 0x03);
    let mut b = [0u8; 0x48];
    ram.read(GuestAbs(0x3000), &mut b).unwrap();
    assert_eq!(b[8], 0x00, "STOSM stored the mask after STNSM cleared bits 6-7");
    assert_eq!(&b[0x10..0x18], &[0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44]);
    assert_eq!(st.cr[2] & 0xffff_ffff, 0x03ab_cdef);
    // EPSW: high and low halves of the PSW mask (as they were then).
    assert_eq!(st.gr[3] & 0xffff_ffff, 0x0300_0001);
    assert_eq!(st.gr[4] & 0xffff_ffff, 0x8000_0000);
    assert_eq!(&b[0x18..0x20], &0xff00_0000_2964_8000u64.to_be_bytes());
    assert_eq!(&b[0x20..0x22], &[0, 5]);
    // SCK set the TOD to 0x123400; STCK stored it advanced by one instruction.
    let stck = u64::from_be_bytes(b[0x30..0x38].try_into().unwrap());
    assert_eq!(stck, 0x12_3400 + cpu.model.tod_per_insn);
    // SPT then STPT: the CPU timer decremented by one instruction's worth.
    let stpt = u64::from_be_bytes(b[0x38..0x40].try_into().unwrap());
    assert_eq!(stpt, 0x12_3400 - cpu.model.tod_per_insn);
    assert_eq!(&b[0x40..0x48], &0x12_3400u64.to_be_bytes());
    // SPM then IPM: CC 2, program mask 0xa in bits 34-39 of r6.
    assert_eq!((st.gr[6] >> 24) & 0xff, 0x2a);
    // SAC 0x100 selects the secondary space (ASC 2); IAC reports it.
    assert_eq!(st.psw.asc(), 2);
    assert_eq!(st.psw.cc(), 2);
    assert_eq!((st.gr[7] >> 8) & 0xff, 2);
}

#[test]
fn modified_instructions_are_decoded_again() {
    // lhi %r1,1 ; mvi 3(%r2),5 (patches the lhi immediate)
    let (mut cpu, mut ram) = machine("a718 0001 9205 2003");
    cpu.state.gr[2] = START;
    assert_eq!(cpu.run(&mut ram, 2), Exit::Budget);
    assert_eq!(cpu.state.gr[1], 1);
    cpu.state.psw.addr = START;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!(cpu.state.gr[1], 5, "the cached lhi was invalidated by the store");
    // A host write through the storage interface invalidates too.
    ram.write(GuestAbs(START + 3), &[7]).unwrap();
    cpu.state.psw.addr = START;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!(cpu.state.gr[1], 7);
}

#[test]
fn ieee_traps_and_flags() {
    let one = 1.0f64.to_bits();
    let three = 3.0f64.to_bits();
    // ddbr %f1,%f2 with the inexact mask off: result and the inexact flag.
    let (mut cpu, mut ram) = machine("b31d 0012");
    cpu.state.fpr[1] = one;
    cpu.state.fpr[2] = three;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!(cpu.state.fpr[1], (1.0f64 / 3.0).to_bits());
    assert_eq!(cpu.state.fpc, 0x0008_0000);
    // With the inexact mask on: the result is stored, then a data exception (DXC 8).
    let (mut cpu, mut ram) = machine("b31d 0012");
    cpu.state.fpr[1] = one;
    cpu.state.fpr[2] = three;
    cpu.state.fpc = 0x0800_0000;
    let (code, _, old) = program_check(&mut cpu, &mut ram);
    assert_eq!((code, old.addr), (7, START + 4));
    assert_eq!(cpu.state.fpr[1], (1.0f64 / 3.0).to_bits());
    assert_eq!(cpu.state.fpc, 0x0800_0800, "DXC in the FPC, no flag");
    let mut dxc = [0u8; 4];
    ram.read(GuestAbs(0x90), &mut dxc).unwrap();
    assert_eq!(u32::from_be_bytes(dxc), 8);
    // sqdbr %f1,%f2 of -1 with the invalid mask on: suppressed, DXC 0x80.
    let (mut cpu, mut ram) = machine("b315 0012");
    cpu.state.fpr[1] = one;
    cpu.state.fpr[2] = (-1.0f64).to_bits();
    cpu.state.fpc = 0x8000_0000;
    assert_eq!(program_check(&mut cpu, &mut ram).0, 7);
    assert_eq!(cpu.state.fpr[1], one, "suppressed");
    assert_eq!(cpu.state.fpc, 0x8000_8000);
    // Rounding mode from the FPC: 1/3 toward +infinity.
    let (mut cpu, mut ram) = machine("b31d 0012");
    cpu.state.fpr[1] = one;
    cpu.state.fpr[2] = three;
    cpu.state.fpc = 2;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!(cpu.state.fpr[1], (1.0f64 / 3.0).to_bits() + 1);
}

#[test]
fn convert_to_binary_and_decimal() {
    // cvb %r1,0(%r2) ; cvd %r1,8(%r2)
    let (mut cpu, mut ram) = machine("4f10 2000 4e10 2008");
    cpu.state.gr[2] = 0x3000;
    ram.write(GuestAbs(0x3000), &0x0000_0000_0012_345du64.to_be_bytes()).unwrap();
    assert_eq!(cpu.run(&mut ram, 2), Exit::Budget);
    assert_eq!(cpu.state.gr[1] as u32 as i32, -12345);
    let mut b = [0u8; 8];
    ram.read(GuestAbs(0x3008), &mut b).unwrap();
    assert_eq!(u64::from_be_bytes(b), 0x0000_0000_0012_345d);
    // An invalid digit is a data exception; a too large number a fixed-point divide.
    let (mut cpu, mut ram) = machine("4f10 2000");
    cpu.state.gr[2] = 0x3000;
    ram.write(GuestAbs(0x3000), &0x0000_0000_00a0_000cu64.to_be_bytes()).unwrap();
    assert_eq!(program_check(&mut cpu, &mut ram).0, 7);
    let (mut cpu, mut ram) = machine("4f10 2000");
    cpu.state.gr[2] = 0x3000;
    ram.write(GuestAbs(0x3000), &0x0000_0999_9999_999cu64.to_be_bytes()).unwrap();
    assert_eq!(program_check(&mut cpu, &mut ram).0, 9);
    assert_eq!(cpu.state.gr[1] as u32, 9_999_999_999u64 as u32, "low 32 bits stored");
}

#[test]
fn branch_and_set_mode() {
    // bassm %r1,%r2 (to 31-bit mode at START+4) ; tam ; bsm %r0,%r3 (back to 64-bit)
    let (mut cpu, mut ram) = machine("0c12 0000 010b 0b03");
    cpu.state.gr[2] = 0x8000_0000 | (START + 4);
    cpu.state.gr[3] = (START + 0x100) | 1;
    assert_eq!(cpu.run(&mut ram, 1), Exit::Budget);
    assert_eq!(cpu.state.gr[1], START + 2 + 1, "64-bit link with bit 63 set");
    assert_eq!(cpu.state.amode(), pv_core::psw::AddressingMode::Bits31);
    assert_eq!(cpu.run(&mut ram, 1), Exit::Budget);
    assert_eq!(cpu.state.psw.cc(), 1, "TAM: 31-bit");
    assert_eq!(cpu.run(&mut ram, 1), Exit::Budget);
    assert_eq!(cpu.state.amode(), pv_core::psw::AddressingMode::Bits64);
    assert_eq!(cpu.state.psw.addr, START + 0x100);
}

#[test]
fn checksum() {
    // cksm %r1,%r2 over 7 bytes (the tail padded with zeros), end-around carry
    let (mut cpu, mut ram) = machine("b241 0012");
    ram.write(GuestAbs(0x3000), &[0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01]).unwrap();
    cpu.state.gr[1] = 0x0000_0002;
    cpu.state.gr[2] = 0x3000;
    cpu.state.gr[3] = 7;
    assert_eq!(cpu.step(&mut ram), None);
    // 2 + 0xffffffff = 0x1_00000001 -> 0x00000002; + 0x00000100 = 0x00000102.
    assert_eq!(cpu.state.gr[1], 0x102);
    assert_eq!((cpu.state.gr[2], cpu.state.gr[3], cpu.state.psw.cc()), (0x3007, 0, 0));
}

#[test]
fn branch_relative_on_index() {
    // brxh %r1,%r2,.+8 (r1 += r2; branch if r1 > r3 odd of the pair, r3 = r2|1 = 3)
    let (mut cpu, mut ram) = machine("8412 0004");
    cpu.state.gr[1] = 5;
    cpu.state.gr[2] = 1;
    cpu.state.gr[3] = 5;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!((cpu.state.gr[1], cpu.state.psw.addr), (6, START + 8));
    // brxle: not taken when the sum is high.
    let (mut cpu, mut ram) = machine("8512 0004");
    cpu.state.gr[1] = 5;
    cpu.state.gr[2] = 1;
    cpu.state.gr[3] = 5;
    assert_eq!(cpu.step(&mut ram), None);
    assert_eq!(cpu.state.psw.addr, START + 4);
}
