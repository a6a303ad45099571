//! Replays the seed corpus of the `uvc` fuzz target (`fuzz/corpus/uvc`) on stable Rust:
//! every seed, its prefixes and fixed-seed mutations through the checks the target runs
//! (`fuzz/replay/uvc.rs`). `write_uvc_seeds` (ignored) regenerates the seeds.

#[path = "../../fuzz/replay/uvc.rs"]
mod check;
#[path = "../../fuzz/replay/mutate.rs"]
mod mutate;

use pv_core::uvc::guest::QuiUvcb;
use pv_core::uvc::uvcb::{CpuSetStateUvcb, DestroyPageUvcb, PinUvcb};
use pv_core::uvc::{UvcCmd, Uvcb};

#[test]
fn uvc_corpus_replays() {
    let seeds = mutate::corpus(env!("CARGO_MANIFEST_DIR"), "uvc");
    let (mut host_ok, mut guest) = (0, 0);
    for (name, data) in &seeds {
        let mut r = check::Reach::default();
        mutate::run_one(name, data, &mut |d| r = check::check(d));
        host_ok += r.host_ok;
        guest += r.guest_done;
    }
    assert!(host_ok >= 3 && guest >= 2, "host calls ok {host_ok}, guest calls done {guest}");
    mutate::replay(&seeds, 64, 17, 2000, |d| {
        check::check(d);
    });
}

/// One step of a UVC program (see `check::check`).
fn step(kind: u8, sel: u8, bytes: &[u8]) -> Vec<u8> {
    let mut s = vec![kind, sel];
    s.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    s.extend_from_slice(bytes);
    s
}

fn image<T: Uvcb>(u: &T) -> Vec<u8> {
    u.to_image()[..T::LEN].to_vec()
}

#[test]
#[ignore = "writes fuzz/corpus/uvc"]
fn write_uvc_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/uvc");
    std::fs::create_dir_all(&dir).unwrap();
    let (init, cgc, csc) = check::setup_uvcbs();
    let qui = image(&QuiUvcb::default());
    // A host that sets the machine up itself, then queries and destroys.
    let mut p = vec![0u8];
    p.extend(step(0, 0, &qui));
    p.extend(step(0, 0, &image(&init)));
    p.extend(step(0, 0, &image(&cgc)));
    p.extend(step(0x40, 0, &image(&csc)));
    p.extend(step(0, 1, &qui));
    p.extend(step(1, 0, &qui));
    std::fs::write(dir.join("host_setup.bin"), p).unwrap();
    // A prepared configuration: guest queries, host CPU state and page calls.
    let mut p = vec![3u8];
    p.extend(step(0x80, 0, &qui));
    p.extend(step(0x80, 1, &qui));
    let set_state = CpuSetStateUvcb { cpu_handle: 0, state: 2 };
    p.extend(step(0x20, 0, &image(&set_state)));
    p.extend(step(0, 0, &image(&PinUvcb { paddr: check::GUEST_MSO + 0x10_0000 })));
    p.extend(step(0, 0, &image(&DestroyPageUvcb { paddr: check::GUEST_MSO })));
    p.extend(step(0x40, 0x80 | (3 << 3), &qui));
    p.extend(step(0, 0, &qui));
    std::fs::write(dir.join("guest_and_pages.bin"), p).unwrap();
    // Every command code once, with the input's length.
    let mut p = vec![3u8];
    for (i, c) in UvcCmd::ALL.iter().enumerate() {
        let mut b = vec![0u8; 0x80];
        b[1] = 0;
        b[2..4].copy_from_slice(&c.code().to_be_bytes());
        let kind = if i % 3 == 0 { 0x80 } else { 0x40 };
        p.extend(step(kind, 0, &b));
    }
    std::fs::write(dir.join("every_command.bin"), p).unwrap();
}
