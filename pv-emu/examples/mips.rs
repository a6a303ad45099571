//! Rough speed probe: runs a register-only loop (7 instructions per iteration, like the
//! ALU workload in machine.md) and a store/load loop, and prints guest MIPS.
//! `cargo run --release -p pv-emu --example mips`

use std::time::Instant;

use pv_core::{GuestAbs, Psw, Storage};
use pv_emu::Cpu;
use pv_emu::ram::Ram;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn run(name: &str, code: &str, n: u64) {
    let mut ram = Ram::new(16 << 20);
    ram.write(GuestAbs(0x10000), &hex(code)).unwrap();
    let mut cpu = Cpu::new();
    cpu.state.psw = Psw::new_64bit(0x10000);
    cpu.state.gr[1] = 0x100000;
    let t = Instant::now();
    let exit = cpu.run(&mut ram, n);
    let dt = t.elapsed().as_secs_f64();
    println!(
        "{name}: {exit:?}, {} instructions in {dt:.3} s = {:.1} MIPS",
        cpu.executed,
        cpu.executed as f64 / dt / 1e6
    );
}

fn main() {
    let n = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000_000);
    // loop: agr r2,r3; xgr r4,r2; sllg r5,r4,3; ahi r6,1; lgr r7,r5; aghi r8,-1; brctg r9,loop
    run("alu", "b908 0023 b982 0042 eb54 0003 000d a76a 0001 b904 0075 a78b ffff a797 fff3", n);
    // loop: stg r2,0(r1); lg r3,0(r1); agr r2,r3; la r1,8(r1); nill r1,0x0ff8; brctg r9,loop
    run("mem", "e320 1000 0024 e330 1000 0004 b908 0023 4110 1008 a517 0ff8 a797 fff4", n);
}
