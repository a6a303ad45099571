//! Whole-object disassembly against `s390x-linux-gnu-objdump -d`: gcc-compiled C
//! (`guests/emu-diff/sample.c` at several optimisation levels) and the differential
//! harness. The recorded objdump listing of `sample.c` at -O2 is checked without tools;
//! the live test rebuilds and re-runs objdump (skipped without the tools, failing under
//! `CI=true`).

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use common::*;
use pv_emu::disasm::{Symbolizer, disassemble};

/// Symbols of one section as objdump labels them.
struct Syms(BTreeMap<u64, String>);

impl Symbolizer for Syms {
    fn symbolize(&self, addr: u64) -> Option<String> {
        let (a, n) = self.0.range(..=addr).next_back()?;
        Some(if *a == addr { n.clone() } else { format!("{n}+0x{:x}", addr - a) })
    }
}

/// Symbols from `nm -n` output: per address the first global one, else the first one.
fn nm_symbols(nm: &str) -> BTreeMap<u64, String> {
    let mut m: BTreeMap<u64, (bool, String)> = BTreeMap::new();
    for l in nm.lines() {
        let parts: Vec<&str> = l.split_whitespace().collect();
        let [a, t, name] = parts[..] else { continue };
        let Ok(a) = u64::from_str_radix(a, 16) else { continue };
        let global = t.chars().all(|c| c.is_ascii_uppercase());
        match m.get(&a) {
            Some((g, _)) if *g || !global => {}
            _ => {
                m.insert(a, (global, name.to_string()));
            }
        }
    }
    m.into_iter().map(|(a, (_, n))| (a, n)).collect()
}

/// Compares every instruction line of an `objdump -d` listing with pv-emu's text, naming
/// targets with the listing's own labels plus `extra` symbols.
fn check_listing(listing: &str) -> String {
    check_listing_with(listing, &BTreeMap::new())
}

/// The cross toolchain's whole `libc.a` (Debian's glibc for s390x, ≈270k instructions)
/// disassembles like objdump. Allows 0.01 % of lines to differ so that a rebuilt libc
/// with a few new instructions does not break CI; the differences are printed.
#[test]
fn libc_matches_objdump() {
    let tools = ["s390x-linux-gnu-ar", "s390x-linux-gnu-objdump"];
    if !tools_or_skip("libc_matches_objdump", &tools) {
        return;
    }
    let lib = std::path::Path::new("/usr/s390x-linux-gnu/lib/libc.a");
    if !lib.exists() {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "{} missing (package libc6-dev-s390x-cross)",
            lib.display()
        );
        eprintln!("libc_matches_objdump: SKIPPED, {} missing", lib.display());
        return;
    }
    let dir = scratch("libc");
    run(Command::new("s390x-linux-gnu-ar").arg("x").arg(lib).current_dir(&dir));
    let mut objs: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    objs.sort();
    let (mut lines, mut bad) = (0usize, 0usize);
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    for chunk in objs.chunks(200) {
        let txt = run(Command::new("s390x-linux-gnu-objdump").arg("-d").args(chunk));
        let report = check_listing(&txt);
        lines += parse_objdump(&txt).len();
        for l in report.lines().filter(|l| l.starts_with("  objdump: ")) {
            bad += 1;
            let m =
                l.trim_start_matches("  objdump: ").split('\t').next().unwrap_or("").to_string();
            *missing.entry(m).or_default() += 1;
        }
    }
    let mut top: Vec<_> = missing.into_iter().collect();
    top.sort_by_key(|e| std::cmp::Reverse(e.1));
    println!("{lines} lines, {bad} differ ({:.3}%)", bad as f64 * 100.0 / lines as f64);
    println!("most frequent: {:?}", &top[..top.len().min(40)]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(lines > 100_000, "libc.a too small: {lines} lines");
    assert!(bad * 10_000 <= lines, "{bad} of {lines} lines differ: {top:?}");
}

fn check_listing_with(listing: &str, extra: &BTreeMap<u64, String>) -> String {
    let mut report = String::new();
    let mut checked = 0;
    for section in listing.split("Disassembly of section ").skip(1) {
        let mut syms = extra.clone();
        for l in section.lines() {
            let l = l.trim_end();
            if let Some((a, rest)) = l.split_once(" <")
                && let (Ok(a), Some(name)) = (u64::from_str_radix(a, 16), rest.strip_suffix(">:"))
            {
                syms.entry(a).or_insert_with(|| name.to_string());
            }
        }
        let lines = parse_objdump(section);
        let Some(first) = lines.first() else { continue };
        let base = first.addr;
        let mut bytes = Vec::new();
        for l in &lines {
            let off = (l.addr - base) as usize;
            bytes.resize(off.max(bytes.len()), 0);
            bytes.truncate(off);
            bytes.extend(&l.bytes);
        }
        let syms = Syms(syms);
        for l in &lines {
            let off = (l.addr - base) as usize;
            let (text, len) = disassemble(&bytes[off..], l.addr, &syms);
            checked += 1;
            if text != l.text || len != l.bytes.len() {
                let _ = writeln!(
                    report,
                    "{:x}: {:02x?}\n  objdump: {}\n  pv-emu:  {}",
                    l.addr, l.bytes, l.text, text
                );
            }
        }
    }
    assert!(checked > 50, "only {checked} lines checked");
    report
}

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/assets/objdump")
}

#[test]
fn recorded_sample_object_matches() {
    let txt = std::fs::read_to_string(assets().join("sample-O2.txt")).expect("sample-O2.txt");
    let report = check_listing(&txt);
    assert!(report.is_empty(), "{report}");
}

#[test]
fn live_gcc_objects_match() {
    let tools = ["s390x-linux-gnu-gcc", "s390x-linux-gnu-objdump", "s390x-linux-gnu-nm"];
    if !tools_or_skip("live_gcc_objects_match", &tools) {
        return;
    }
    let dir = scratch("binaries");
    let guests = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../guests/emu-diff");
    let mut report = String::new();
    for opt in ["-O1", "-O2", "-Os", "-O3"] {
        let obj = dir.join(format!("sample{opt}.o"));
        run(Command::new("s390x-linux-gnu-gcc")
            .args([
                opt,
                "-march=z13",
                "-fno-tree-vectorize",
                "-ffreestanding",
                "-fno-builtin",
                "-c",
                "-o",
            ])
            .arg(&obj)
            .arg(guests.join("sample.c")));
        let txt = run(Command::new("s390x-linux-gnu-objdump").arg("-d").arg(&obj));
        if opt == "-O2" && std::env::var("PV_EMU_REGEN").is_ok_and(|v| v == "1") {
            std::fs::write(assets().join("sample-O2.txt"), &txt).unwrap();
        }
        report += &check_listing(&txt);
    }
    let harness = dir.join("harness");
    run(Command::new("s390x-linux-gnu-gcc")
        .args(["-nostdlib", "-static", "-o"])
        .arg(&harness)
        .arg(guests.join("harness.S"))
        .args(["-Wl,--section-start=.fixed=0x20000", "-Wl,--section-start=.codearea=0x30000"]));
    let nm = nm_symbols(&run(Command::new("s390x-linux-gnu-nm").arg("-n").arg(&harness)));
    let txt = run(Command::new("s390x-linux-gnu-objdump").arg("-d").arg(&harness));
    report += &check_listing_with(&txt, &nm);
    assert!(report.is_empty(), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}
