//! Helpers shared by pvsim's integration tests: tool detection with the CI rule, and the
//! check that a rebuilt guest has the committed loadable bytes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pv_hypervisor::loader::elf;

/// The repository's `guests/` directory.
pub fn guests_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("guests")
}

/// Returns `true` if every tool is on PATH; otherwise prints why the test is skipped, or
/// panics under `CI=true` (CI must run every test).
pub fn tools_or_skip(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| Command::new(t).arg("--version").output().is_err())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!("{test}: skipped, missing tools: {}", missing.join(", "));
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}; CI=true requires them");
    }
    eprintln!("{msg}");
    false
}

/// The loadable segments (physical address, initialized bytes, memory size) of an ELF.
pub fn load_bytes(path: &Path) -> Vec<(u64, Vec<u8>, u64)> {
    let bytes = std::fs::read(path).unwrap();
    let e = elf::parse(&bytes).unwrap();
    e.segments
        .iter()
        .map(|s| {
            let data = bytes[s.offset as usize..(s.offset + s.filesz) as usize].to_vec();
            (s.paddr, data, s.memsz)
        })
        .collect()
}

/// Rebuilds `guests/<dir>` with its Makefile into a temporary directory and checks that
/// each `<name>.elf` loads the same bytes as the committed `<committed>/<name>.elf`
/// (`committed` relative to `guests/<dir>`). Skipped without the cross tools (a failure
/// under `CI=true`).
pub fn rebuild_matches(test: &str, dir: &str, committed: &str, names: &[&str]) {
    if !tools_or_skip(test, &["make", "s390x-linux-gnu-gcc"]) {
        return;
    }
    let src = guests_root().join(dir);
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("make")
        .arg("-C")
        .arg(&src)
        .arg(format!("OUT={}", out.path().display()))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "make -C guests/{dir} failed");
    for name in names {
        let want = load_bytes(&src.join(committed).join(format!("{name}.elf")));
        let got = load_bytes(&out.path().join(format!("{name}.elf")));
        assert_eq!(want, got, "{name}: rebuild with `make -C guests/{dir}`");
    }
}

/// `pvsim image create` (with pvsim's loaders) of `guests/machine/bin/secure.img` for
/// IBM's test host key `tests/assets/keys/host.crt`, command line `cmdline`, into `dir`:
/// the image's path.
pub fn secure_image(dir: &Path, cmdline: &str) -> String {
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let (img, parm) = (dir.join("secure.se"), dir.join("parm.txt"));
    std::fs::write(&parm, cmdline).unwrap();
    let kernel = guests_root().join("machine/bin/secure.img");
    let out = Command::new(env!("CARGO_BIN_EXE_pvsim"))
        .args(["image", "create", "-i", &s(&kernel), "-p", &s(&parm)])
        .args(["-k", &asset_key("host.crt"), "--no-verify", "--no-component-check"])
        .args(["-o", &s(&img)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    s(&img)
}

/// A file of `tests/assets/keys` (IBM's test host keys; tests/assets/PROVENANCE.md).
pub fn asset_key(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assets/keys").join(name);
    p.to_string_lossy().into_owned()
}

/// What `guests/machine/secure.c` prints as a secure guest of `pvsim run --host-key`
/// (128 MiB) given `cmdline`.
pub fn secure_console(cmdline: &str) -> String {
    format!(
        "hello from a secure guest\n\
         command line: {cmdline}\n\
         memory: 128 MiB\n\
         STSI 3.2.2: VM PVSIMVM\n\
         ultravisor calls offered to this guest: 7 (attestation: yes)\n\
         PASS: runs as a secure guest\n\
         SUMMARY: 1 tests\n\
         EXIT: STATUS=1\n"
    )
}
