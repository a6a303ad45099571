//! Speed benchmark against a peer measured in the same run: runs the freestanding guests
//! of `guests/bench` (a register-only loop, and a sieve with DAT on) in pv-emu and in
//! `qemu-system-s390x -kernel` (TCG), and prints guest MIPS and the time ratio.
//!
//! `cargo run --release -p pv-emu --example bench [-- --full]`: the default sizes are
//! small (seconds); `--no-qemu` skips the peer; `--small` runs 1/20 of them (for
//! profilers); `--full` runs machine.md's sizes (loop 10^9 iterations, sieve
//! 10^8 x 3, 100 MB with DAT on). The instruction count is pv-emu's exact count of the
//! same program; QEMU's wall time has its start-up time (a run with size 1) subtracted.
//! When a release `pvsim` binary sits next to this example (`cargo xtask bench emu`
//! builds it), the same ELFs also run through `pvsim run` (pv-hypervisor's machine, the
//! way users run programs) and its MIPS and ratio to QEMU are printed too (`--no-pvsim`
//! skips it), and once more as a secure guest: `pvsim image create` (with pvsim's
//! loaders, for IBM's test host key in `pvsim/tests/assets/keys`) of the program as a
//! raw kernel image, booted with `pvsim run --host-key` (stage3a, unpack, stage3b, then
//! the program under the ultravisor model's SIE) — which QEMU cannot do without KVM on
//! IBM Z.

use std::process::Command;
use std::time::Instant;

use pv_core::{GuestAbs, Psw, Storage};
use pv_emu::ram::Ram;
use pv_emu::{Cpu, Exit};

const LOOP_ELF: &[u8] = include_bytes!("../../guests/bench/loop.elf");
const SIEVE_ELF: &[u8] = include_bytes!("../../guests/bench/sieve.elf");

/// Where the guests keep their parameters and result (`guests/bench/common.h`).
const PARAMS: u64 = 0x10008;
const RESULT: u64 = 0x10020;
const RAM_MB: u64 = 192;

fn be(b: &[u8], at: usize, n: usize) -> u64 {
    b[at..at + n].iter().fold(0, |a, &x| (a << 8) | u64::from(x))
}

/// The PT_LOAD segments of a big-endian ELF64: (file offset, address, file size).
fn segments(elf: &[u8]) -> Vec<(usize, u64, usize)> {
    assert_eq!(&elf[..6], b"\x7fELF\x02\x02", "not a big-endian ELF64");
    let (phoff, phentsize, phnum) = (be(elf, 0x20, 8), be(elf, 0x36, 2), be(elf, 0x38, 2));
    (0..phnum)
        .map(|i| (phoff + i * phentsize) as usize)
        .filter(|&p| be(elf, p, 4) == 1)
        .map(|p| (be(elf, p + 8, 8) as usize, be(elf, p + 0x18, 8), be(elf, p + 0x20, 8) as usize))
        .collect()
}

/// A copy of `elf` with the parameter doublewords set.
fn patched(elf: &[u8], params: &[u64]) -> Vec<u8> {
    let mut out = elf.to_vec();
    let (off, addr, _) = segments(elf)
        .into_iter()
        .find(|&(_, a, len)| a <= PARAMS && PARAMS + 24 <= a + len as u64)
        .expect("parameters not in a loaded segment");
    for (i, p) in params.iter().enumerate() {
        let at = off + (PARAMS - addr) as usize + 8 * i;
        out[at..at + 8].copy_from_slice(&p.to_be_bytes());
    }
    out
}

/// Runs the ELF in pv-emu: (instructions, seconds, result doubleword).
fn run_emu(elf: &[u8]) -> (u64, f64, u64) {
    let mut ram = Ram::new((RAM_MB << 20) as usize);
    for (off, addr, len) in segments(elf) {
        ram.write(GuestAbs(addr), &elf[off..off + len]).expect("segment outside storage");
    }
    let mut cpu = Cpu::new();
    cpu.state.psw = Psw::new_64bit(be(elf, 0x18, 8));
    let t = Instant::now();
    loop {
        match cpu.run(&mut ram, 1 << 30) {
            Exit::Budget => continue,
            Exit::Wait { enabled: false } => break,
            other => panic!("unexpected exit {other:?} at {:#x}", cpu.state.psw.addr),
        }
    }
    let dt = t.elapsed().as_secs_f64();
    let mut r = [0u8; 8];
    ram.read(GuestAbs(RESULT), &mut r).expect("result");
    (cpu.executed, dt, u64::from_be_bytes(r))
}

/// Runs the ELF in qemu-system-s390x (TCG): wall seconds, or `None` without QEMU.
fn run_qemu(elf: &[u8], name: &str) -> Option<f64> {
    if std::env::args().any(|a| a == "--no-qemu") {
        return None;
    }
    let path = std::env::temp_dir().join(format!("pvsim-bench-{}-{name}.elf", std::process::id()));
    std::fs::write(&path, elf).ok()?;
    let t = Instant::now();
    let status = Command::new("qemu-system-s390x")
        .args(["-nodefaults", "-nographic", "-machine", "s390-ccw-virtio", "-accel", "tcg"])
        .args(["-m", &format!("{RAM_MB}M"), "-kernel"])
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let dt = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    status.ok().map(|_| dt)
}

/// The `pvsim` binary built next to this example (`target/release/pvsim` for
/// `target/release/examples/bench`), if there is one: `cargo xtask bench emu` builds it.
fn pvsim_binary() -> Option<std::path::PathBuf> {
    if std::env::args().any(|a| a == "--no-pvsim") {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("pvsim");
    p.is_file().then_some(p)
}

/// Runs the ELF with `pvsim run` (pv-hypervisor's machine, as a user runs it): wall
/// seconds, or `None` without the binary. The guests end in a disabled wait, which
/// `pvsim run` reports with status 1 and the PSW on stderr; anything else is a failure.
fn run_pvsim(elf: &[u8], name: &str) -> Option<f64> {
    let bin = pvsim_binary()?;
    let path =
        std::env::temp_dir().join(format!("pvsim-bench-{}-{name}-run.elf", std::process::id()));
    std::fs::write(&path, elf).ok()?;
    let t = Instant::now();
    let out = Command::new(bin)
        .args(["run", "--memory", &format!("{RAM_MB}M"), "--kernel"])
        .arg(&path)
        .output();
    let dt = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    let out = out.ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("disabled wait"), "pvsim run did not end in the guest's wait: {err}");
    Some(dt)
}

/// The raw kernel image of `elf` (its loadable bytes at their addresses from 0), as
/// `pvsim image create -i` takes a kernel.
fn flat(elf: &[u8]) -> Vec<u8> {
    let segs = segments(elf);
    let end = segs.iter().map(|&(_, a, len)| a as usize + len).max().unwrap_or(0);
    let mut out = vec![0u8; end.max(0x10000 + 8)];
    for (off, addr, len) in segs {
        out[addr as usize..addr as usize + len].copy_from_slice(&elf[off..off + len]);
    }
    out
}

/// Runs the ELF as a secure guest: `pvsim image create` of its raw image for the test
/// host key, then `pvsim run --host-key`; wall seconds of the run, or `None` without the
/// binary.
fn run_pvsim_secure(elf: &[u8], name: &str) -> Option<f64> {
    let bin = pvsim_binary()?;
    let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pvsim/tests/assets/keys");
    let tmp = std::env::temp_dir();
    let kernel = tmp.join(format!("pvsim-bench-{}-{name}.img", std::process::id()));
    let image = tmp.join(format!("pvsim-bench-{}-{name}.se", std::process::id()));
    std::fs::write(&kernel, flat(elf)).ok()?;
    let made = Command::new(&bin)
        .args(["image", "create", "--no-verify", "--no-component-check", "--overwrite", "-i"])
        .arg(&kernel)
        .arg("-k")
        .arg(keys.join("host.crt"))
        .arg("-o")
        .arg(&image)
        .output()
        .ok()?;
    assert!(made.status.success(), "pvsim image create: {}", String::from_utf8_lossy(&made.stderr));
    let t = Instant::now();
    let out = Command::new(&bin)
        .args(["run", "--memory", &format!("{RAM_MB}M"), "--kernel"])
        .arg(&image)
        .arg("--host-key")
        .arg(keys.join("host.key"))
        .output();
    let dt = t.elapsed().as_secs_f64();
    let _ = (std::fs::remove_file(&kernel), std::fs::remove_file(&image));
    let err = String::from_utf8_lossy(&out.ok()?.stderr).into_owned();
    assert!(err.contains("disabled wait"), "the secure guest did not end in its wait: {err}");
    Some(dt)
}

/// Runs one workload in both. QEMU is so much faster on the loop that the small size
/// would vanish in its start-up noise: it runs `scale` times the iterations there (the
/// loop's count is exactly 7 per iteration plus a constant), and its time is compared
/// per instruction.
fn bench(name: &str, elf: &[u8], params: &[u64], scale: u64, startup: Option<f64>) {
    let (n, emu_s, result) = run_emu(&patched(elf, params));
    let emu_mips = n as f64 / emu_s / 1e6;
    print!("{name:<28} {n:>11} insns  pv-emu {emu_s:>7.3} s {emu_mips:>7.1} MIPS");
    // The same program through `pvsim run`, its start-up (a size-1 run) subtracted.
    let pvsim =
        run_pvsim(&patched(elf, params), "run").zip(run_pvsim(&patched(elf, &[1, 1, 18]), "one"));
    let pvsim_mips = pvsim.map(|(t, b)| n as f64 / (t - b).max(1e-3) / 1e6);
    if let Some(m) = pvsim_mips {
        print!("  pvsim run {m:>7.1} MIPS");
    }
    // And as a secure guest (start-up: image creation excluded, a size-1 run subtracted).
    let secure = run_pvsim_secure(&patched(elf, params), "sec")
        .zip(run_pvsim_secure(&patched(elf, &[1, 1, 18]), "sec-one"));
    let secure_mips = secure.map(|(t, b)| n as f64 / (t - b).max(1e-3) / 1e6);
    if let Some(m) = secure_mips {
        print!("  secure guest {m:>7.1} MIPS");
    }
    let mut qparams = params.to_vec();
    qparams[0] *= scale;
    let qn = n + 7 * params[0] * (scale - 1);
    match (run_qemu(&patched(elf, &qparams), "run"), startup) {
        (Some(q), Some(b)) => {
            let q = (q - b).max(1e-3);
            let qm = qn as f64 / q / 1e6;
            let ratio = qm / emu_mips;
            println!(
                "  qemu {q:>7.3} s for {qn} insns {qm:>7.1} MIPS  pv-emu time per insn = {ratio:.2} x qemu  [result {}]",
                result as i64
            );
            if let Some(m) = pvsim_mips {
                println!("{:<28} pvsim run / qemu MIPS = {:.3}", "", m / qm);
            }
            if let Some(m) = secure_mips {
                println!(
                    "{:<28} secure guest (pvsim run --host-key) / qemu MIPS = {:.3}",
                    "",
                    m / qm
                );
            }
        }
        _ => println!("  qemu-system-s390x unavailable  [result {}]", result as i64),
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--full");
    let small = std::env::args().any(|a| a == "--small");
    let (iters, n, passes) = if full {
        (1_000_000_000, 100_000_000, 3)
    } else if small {
        (1_000_000, 1_000_000, 1)
    } else {
        (20_000_000, 10_000_000, 1)
    };
    let mib = |n: u64| (0x100_0000 + n) / (1 << 20) + 2;
    let startup = run_qemu(&patched(SIEVE_ELF, &[2, 1, mib(2)]), "startup");
    let scale = if full { 1 } else { 50 };
    bench(&format!("loop {iters}"), LOOP_ELF, &[iters], scale, startup);
    bench(&format!("sieve {n} x {passes} (DAT)"), SIEVE_ELF, &[n, passes, mib(n)], 1, startup);
}
