//! Export + import round trips of one 4 KiB secure page (Convert from Secure Storage, then
//! Convert to Secure Storage, through the dispatcher: uv-spec.md §3.5, §4; pvsim's
//! AES-256-GCM mechanism in `paging.rs`) against `aes-gcm` AES-256-GCM encrypt + decrypt
//! of 4 KiB with one cipher instance, both measured in the same run.
//!
//! `cargo bench -p pv-ultravisor --bench paging`. The page belongs to a verified guest
//! built with pv-ipl/pv-header from a small pseudo-random kernel. `PVSIM_BENCH_PAGES`
//! (default 100000) round trips per round, `PVSIM_BENCH_ROUNDS` (default 3) rounds; the
//! best round is reported.

#[path = "../../benches/common.rs"]
mod common;

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Cursor;
use std::time::{Duration, Instant};

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use pv_core::Psw;
use pv_core::uvc::rc;
use pv_core::uvc::uvcb::{CfsUvcb, CtsUvcb, UnpackUvcb};
use pv_core::uvc::{UvcCmd, call};
use pv_header::hdr::SeHdrBuilder;
use pv_header::rand::CounterRandom;
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};
use support::{Host, UVCB};

const OK: (u16, u16) = (rc::EXECUTED, 0);

/// A verified guest with a 64 KiB pseudo-random kernel; returns the host, the
/// configuration handle, its MSO and the guest address of the kernel's first page.
fn verified_guest() -> (Host, u64, u64, u64) {
    let kernel = common::random_bytes(64 << 10, 0x9e37_79b9_7f4a_7c15);
    let inputs = ImageInputs {
        kernel: &mut &kernel[..],
        ramdisk: None,
        cmdline: None,
        stage3a: None,
        stage3b: None,
    };
    let builder = SeHdrBuilder::new([support::host_pub("keys/host.crt")], Psw::new_64bit(0));
    let mut out = Cursor::new(Vec::new());
    let mut rng = CounterRandom::new(b"pv-ultravisor/bench/paging");
    create_image(&mut out, builder, inputs, &CreateOptions::default(), &mut rng)
        .expect("create image");
    let img = out.into_inner();
    let info = ImageInfo::from_bytes(&img).expect("image info");
    let mut h = Host::ready();
    let cfg = h.create_config();
    let mso = Host::mso(0);
    h.write(mso, &img);
    let hdr = &img[info.header_offset as usize..][..info.header.sehs() as usize];
    assert_eq!(h.ssc(cfg, hdr), OK);
    for c in info.components() {
        for off in (0..c.len).step_by(4096) {
            let u = UnpackUvcb {
                guest_handle: cfg,
                gaddr: c.addr + off,
                tweak0: c.tweak_prefix,
                tweak1: off,
            };
            assert_eq!(h.rc(&u), OK);
        }
    }
    assert_eq!(h.nodata(UvcCmd::Verify, cfg), OK);
    (h, cfg, mso, info.components()[0].addr)
}

fn main() {
    let n = common::env_usize("PVSIM_BENCH_PAGES", 100_000).max(1);
    let rounds = common::env_usize("PVSIM_BENCH_ROUNDS", 3).max(1);
    let (mut h, cfg, mso, g) = verified_guest();
    println!("paging: {n} export+import round trips of one 4 KiB page, best of {rounds}");

    let export = CfsUvcb { paddr: mso + g };
    let import = CtsUvcb { guest_handle: cfg, gaddr: g };
    let mut uv = Duration::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..n {
            let (o, _) = call(&mut h.uv, UVCB, &export).expect("export");
            assert_eq!(o.rc_rrc(), Some(OK), "export");
            let (o, _) = call(&mut h.uv, UVCB, &import).expect("import");
            assert_eq!(o.rc_rrc(), Some(OK), "import");
        }
        uv = uv.min(t.elapsed());
    }

    let cipher = Aes256Gcm::new(&[0x42u8; 32].into());
    let mut page = common::random_bytes(4096, 0xd1b5_4a32_d192_ed03);
    let aad = [0x17u8; 44];
    let mut gcm = Duration::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        for i in 0..n as u64 {
            let mut nonce = [0u8; 12];
            nonce[..8].copy_from_slice(&i.to_be_bytes());
            let nonce = Nonce::from(nonce);
            let tag: Tag = cipher
                .encrypt_inout_detached(&nonce, &aad, page.as_mut_slice().into())
                .expect("encrypt");
            cipher
                .decrypt_inout_detached(&nonce, &aad, page.as_mut_slice().into(), &tag)
                .expect("decrypt");
            std::hint::black_box(&page);
        }
        gcm = gcm.min(t.elapsed());
    }

    let per_s = |d: Duration| n as f64 / d.as_secs_f64();
    let ns = |d: Duration| d.as_secs_f64() * 1e9 / n as f64;
    println!(
        "ultravisor export+import (UVC)      {:>12.0} round trips/s  ({:.0} ns each)",
        per_s(uv),
        ns(uv)
    );
    println!(
        "aes-gcm AES-256-GCM enc+dec 4 KiB   {:>12.0} round trips/s  ({:.0} ns each)",
        per_s(gcm),
        ns(gcm)
    );
    println!("ratio ultravisor / aes-gcm: {:.3}", per_s(uv) / per_s(gcm));
}
