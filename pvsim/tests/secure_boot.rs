//! The whole SE boot from the command line, as a user of pvimg and QEMU with KVM on IBM Z
//! performs it: `pvsim image create` (with pvsim's stage3a and stage3b) for IBM's test
//! host key, then `pvsim run --kernel IMAGE --host-key KEY`: stage3a runs non-secure on
//! the machine, DIAG 308 subcodes 8 and 10 make the machine start the image on the
//! ultravisor model (Unpack, Verify), stage3b runs secure and starts our
//! `guests/machine/secure.c`, which finds itself a secure guest and prints through the
//! host's SIE loop. Keys and certificates: tests/assets/PROVENANCE.md.

use std::process::{Command, Output};

mod support;

use support::{asset_key, secure_console, secure_image as image};

fn pvsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvsim")).args(args).output().expect("run pvsim")
}

/// `pvsim run` of `image` with a bound on the instructions and `extra` options.
fn run(image: &str, extra: &[&str]) -> Output {
    let args = ["run", "--kernel", image, "--max-instructions", "100000000"];
    pvsim(&[&args[..], extra].concat())
}

#[test]
fn an_se_image_boots_as_a_secure_guest() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "expect=secure booted by pvsim run");
    // The image has both loaders: `info` has no note about a missing one.
    let info = pvsim(&["image", "info", "--format", "json", &img]);
    assert!(!String::from_utf8_lossy(&info.stderr).contains("no boot loader"));

    let out = run(&img, &["--host-key", &asset_key("host.key")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout, secure_console("expect=secure booted by pvsim run"));
}

/// The PSW address of the disabled wait `pvsim run` reports on stderr.
fn wait_address(out: &Output) -> u64 {
    let err = String::from_utf8_lossy(&out.stderr);
    let psw = err.split("PSW ").nth(1).unwrap_or_else(|| panic!("no PSW in {err:?}"));
    let addr = psw.split_whitespace().nth(1).unwrap();
    u64::from_str_radix(addr, 16).unwrap()
}

#[test]
fn without_a_pv_host_or_with_another_hosts_key_stage3a_stops() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "expect=secure");
    // A machine that is no PV host lacks facility 161: stage3a's wait 0x5a0002.
    let out = run(&img, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(wait_address(&out), 0x5a_0002, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    // A PV host whose key no key slot names: Set Secure Configuration Parameters fails,
    // the program stays non-secure with the failure word, stage3a's wait 0x5a0004.
    let out = run(&img, &["--host-key", &asset_key("host2.key")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(wait_address(&out), 0x5a_0004, "{}", String::from_utf8_lossy(&out.stderr));
    // (tests/tests/secure_ipl.rs checks the failure word stage3a got.)
}

#[test]
fn host_key_and_ultravisor_exclude_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "x");
    let out = run(&img, &["--ultravisor", "--host-key", &asset_key("host.key")]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&img, &["--host-key", &asset_key("nonexistent.key")]);
    assert_eq!(out.status.code(), Some(1));
}

/// DIAG 308 subcode 3 from a secure guest leaves secure mode and the machine IPLs again
/// (uv-spec.md §6.2): stage3a, unpack and the guest once more, until the instruction limit.
#[test]
fn a_secure_guest_that_re_ipls_boots_again() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "reboot");
    // Each boot waits out an SIE slice per SCLP call for its service signal.
    let args = ["run", "--kernel", &img, "--max-instructions", "3000000"];
    let out = pvsim(&[&args[..], &["--host-key", &asset_key("host.key")]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(124), "{stdout}");
    let boots = stdout.matches("hello from a secure guest\ncommand line: reboot\n").count();
    assert!(boots >= 2, "{stdout}");
    // Every boot but perhaps the last (cut off by the limit) asked for the re-IPL.
    let reipls = stdout.matches("re-IPL\n").count();
    assert!(reipls + 1 >= boots && reipls <= boots, "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
}

/// `--max-instructions` holds for a secure guest too: `guests/bench/loop.elf` patched to
/// 10^9 iterations, as the kernel of an SE image, ends at the limit (exit status 124).
#[test]
fn the_instruction_limit_stops_a_secure_guest() {
    let dir = tempfile::tempdir().unwrap();
    let elf = support::guests_root().join("bench/loop.elf");
    let mut flat = vec![0u8; 0x10000];
    for (addr, data, _) in support::load_bytes(&elf) {
        let end = addr as usize + data.len();
        flat.resize(flat.len().max(end), 0);
        flat[addr as usize..end].copy_from_slice(&data);
    }
    // The iteration count, the guest's first parameter (guests/bench/common.h).
    flat[0x10008..0x10010].copy_from_slice(&1_000_000_000u64.to_be_bytes());
    let kernel = dir.path().join("loop.img");
    std::fs::write(&kernel, &flat).unwrap();
    let img = dir.path().join("loop.se").to_string_lossy().into_owned();
    let k = kernel.to_string_lossy().into_owned();
    let crt = asset_key("host.crt");
    let create = ["image", "create", "-i", &k, "-k", &crt, "--no-verify", "--no-component-check"];
    assert!(pvsim(&[&create[..], &["-o", &img]].concat()).status.success());
    let out = run(&img, &["--host-key", &asset_key("host.key")]);
    assert_eq!(out.status.code(), Some(124), "{}", String::from_utf8_lossy(&out.stderr));
}
