//! Helpers shared by the integration tests: the s390x cross tools, a PRNG, and objdump
//! output parsing.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// Whether `tool` can be run (`--version` succeeds).
pub fn have_tool(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Returns `true` if all tools are present. Otherwise prints why the test is skipped and
/// returns `false`, or panics when `CI=true` (CI must run every test).
pub fn tools_or_skip(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !have_tool(t)).collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "{test}: SKIPPED, missing tools {missing:?} (apt-get install qemu-user \
         gcc-s390x-linux-gnu binutils-s390x-linux-gnu)"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}; CI=true requires them");
    }
    eprintln!("{msg}");
    false
}

/// A fresh scratch directory under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pv-emu-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Runs a command, panicking with its stderr on failure; returns stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// xorshift64* PRNG: deterministic test data without dependencies.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One line of `objdump -d`: address, instruction bytes, text after the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjLine {
    /// Address.
    pub addr: u64,
    /// Bytes shown.
    pub bytes: Vec<u8>,
    /// Mnemonic and operands (tab separated), as printed.
    pub text: String,
}

/// Parses the instruction lines of `objdump -d` output.
pub fn parse_objdump(s: &str) -> Vec<ObjLine> {
    let mut v = Vec::new();
    for line in s.lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(a), Some(b), Some(t)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Some(a) = a.trim().strip_suffix(':') else { continue };
        let Ok(addr) = u64::from_str_radix(a, 16) else { continue };
        let bytes: Option<Vec<u8>> =
            b.split_whitespace().map(|h| u8::from_str_radix(h, 16).ok()).collect();
        let Some(bytes) = bytes else { continue };
        v.push(ObjLine { addr, bytes, text: t.trim_end().to_string() });
    }
    v
}
