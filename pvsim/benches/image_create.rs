//! `pvsim image create` throughput against its ceiling, one `sha2` SHA-512 stream over the
//! same bytes (the page list digest is a single SHA-512 stream: se-format.md §8,
//! crypto-perf-and-oracle.md §4), both measured in the same run.
//!
//! `cargo bench -p pvsim --bench image_create`. The input is a 256 MiB kernel and a
//! 256 MiB initrd of pseudo-random bytes plus a command line, one host key, fixed keys —
//! the input of IBM's anchor (pvimg: 1.9-2.9 s wall, about 0.7 s CPU on this machine
//! kind). `PVSIM_BENCH_MIB` changes the size of each component, `PVSIM_BENCH_ROUNDS` the
//! number of rounds (best round reported). The command runs as a separate process, wall
//! clock, output to a file (on `/dev/shm` when present), exactly as a user runs it.

#[path = "../../benches/common.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha512};

fn best(rounds: usize, mut f: impl FnMut()) -> Duration {
    (0..rounds.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing useful.
    let mib = common::env_usize("PVSIM_BENCH_MIB", 256);
    let rounds = common::env_usize("PVSIM_BENCH_ROUNDS", 3);
    let len = mib << 20;
    // Inputs and output on tmpfs when there is one, so the number is the tool's, not the
    // disk's (the output is fsync'ed; on a disk that alone can take seconds).
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }
        .expect("temporary directory");
    let kernel = common::random_bytes(len, 0x9e37_79b9_7f4a_7c15);
    let initrd = common::random_bytes(len, 0xd1b5_4a32_d192_ed03);
    let (kp, rp, pp) =
        (dir.path().join("kernel"), dir.path().join("initrd"), dir.path().join("parm"));
    std::fs::write(&kp, &kernel).expect("write kernel");
    std::fs::write(&rp, &initrd).expect("write initrd");
    std::fs::write(&pp, b"root=/dev/vda1 console=ttysclp0").expect("write parmfile");
    let (hk, ck, ik) =
        (dir.path().join("hdr.key"), dir.path().join("cck"), dir.path().join("img.key"));
    std::fs::write(&hk, [0x42u8; 32]).expect("key");
    std::fs::write(&ck, [0x43u8; 32]).expect("key");
    let mut xts = [0x44u8; 64];
    xts[32..].fill(0x45);
    std::fs::write(&ik, xts).expect("key");
    let host = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/host.crt");
    let out = dir.path().join("out.se");
    let bin = env!("CARGO_BIN_EXE_pvsim");

    let total = 2 * len;
    println!("image create: {mib} MiB kernel + {mib} MiB initrd, 1 host key, best of {rounds}");
    let create = best(rounds, || {
        let st = Command::new(bin)
            .args([
                "image",
                "create",
                "-i",
                &s(&kp),
                "-r",
                &s(&rp),
                "-p",
                &s(&pp),
                "-k",
                &s(&host),
                "--no-verify",
                "--no-component-check",
                "--overwrite",
                "--hdr-key",
                &s(&hk),
                "--cck",
                &s(&ck),
                "--image-key",
                &s(&ik),
                "-o",
                &s(&out),
            ])
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run pvsim");
        assert!(st.success(), "pvsim image create failed");
    });
    let sha = best(rounds, || {
        let mut h = Sha512::new();
        for chunk in kernel.chunks(1 << 20).chain(initrd.chunks(1 << 20)) {
            h.update(chunk);
        }
        std::hint::black_box(h.finalize());
    });
    let rc = total as f64 / create.as_secs_f64();
    let rs = total as f64 / sha.as_secs_f64();
    println!("pvsim image create (wall, process)  {rc:>14.0} B/s  ({:.3} s)", create.as_secs_f64());
    println!("sha2 SHA-512, one stream             {rs:>14.0} B/s  ({:.3} s)", sha.as_secs_f64());
    println!("ratio create / SHA-512 stream: {:.3}  (target >= 0.85)", rc / rs);
}
