//! Unpack + Verify throughput of the ultravisor against one `sha2` SHA-512 stream over the
//! same bytes (PLD is a single SHA-512 stream over the image's secured pages: se-format.md
//! §2.3), both measured in the same run.
//!
//! `cargo bench -p pv-ultravisor --bench unpack`. An SE image with a kernel of
//! `PVSIM_BENCH_MIB` MiB (default 1024) of pseudo-random bytes and a command line is built
//! in memory with pv-ipl/pv-header for the vectors' `host.crt`, written to guest storage,
//! then timed: Set Secure Configuration Parameters, one Unpack UVC per page through the
//! dispatcher (the architected UVCB bytes, as a host issues them), Verify. For the
//! breakdown the bench also times pv-header's `Unpacker` alone (XTS + PLD/ALD/TLD, no UVC,
//! no storage) over the same pages. `PVSIM_BENCH_ROUNDS` (default 2) repeats the timed
//! part (a fresh ultravisor each round); the best round of each is reported.

#[path = "../../benches/common.rs"]
mod common;

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Cursor;
use std::time::{Duration, Instant};

use pv_core::GuestAbs;
use pv_core::Psw;
use pv_core::uvc::rc;
use pv_core::uvc::uvcb::{CgcUvcb, UnpackUvcb};
use pv_core::uvc::{UvcCmd, call, call_nodata};
use pv_header::component::{Encryption, Tweak, TweakPrefix, Unpacker, XtsKey};
use pv_header::hdr::SeHdrBuilder;
use pv_header::rand::CounterRandom;
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};
use pv_ultravisor::{MachineGeneration, Ultravisor};
use sha2::{Digest, Sha512};
use support::{GIB, MIB, UVCB};

const OK: (u16, u16) = (rc::EXECUTED, 0);
/// Guest storage origin: above the support layout's UV, configuration and CPU storage.
const MSO: u64 = 8 * GIB;

/// The SE image (in memory) for `host.crt` with a `len`-byte kernel.
fn image(len: usize) -> Vec<u8> {
    let kernel = common::random_bytes(len, 0x9e37_79b9_7f4a_7c15);
    let parm = b"root=/dev/vda1 console=ttysclp0".to_vec();
    let inputs = ImageInputs {
        kernel: &mut &kernel[..],
        ramdisk: None,
        cmdline: Some(&mut &parm[..]),
        stage3a: None,
        stage3b: None,
    };
    let builder = SeHdrBuilder::new([support::host_pub("keys/host.crt")], Psw::new_64bit(0));
    let mut out = Cursor::new(Vec::with_capacity(len + 16 * MIB as usize));
    let mut rng = CounterRandom::new(b"pv-ultravisor/bench/unpack");
    create_image(&mut out, builder, inputs, &CreateOptions::default(), &mut rng)
        .expect("create image");
    out.into_inner()
}

/// One (guest address, tweak prefix, offset in the component) per secured page.
fn pages(info: &ImageInfo) -> Vec<(u64, u64, u64)> {
    let mut v = Vec::new();
    for c in info.components() {
        for off in (0..c.len).step_by(4096) {
            v.push((c.addr + off, c.tweak_prefix, off));
        }
    }
    v
}

/// A fresh initialized z16 ultravisor with `img` at [`MSO`] and a configuration covering
/// it; returns the host and the configuration handle.
fn machine(img: &[u8], msl: u64) -> (support::Host, u64) {
    let spec = support::spec(MachineGeneration::Z16).with_storage_size(MSO + msl);
    let mut h = support::Host::with_uv(Ultravisor::new(spec));
    h.init();
    let mut cgc: CgcUvcb = h.cgc_uvcb();
    cgc.guest_stor_origin = MSO;
    cgc.guest_stor_len = msl;
    let (o, out) = h.call(&cgc);
    assert!(o.is_ok(), "create configuration: {o:?}");
    h.write(MSO, img);
    (h, out.guest_handle)
}

/// The timed ultravisor path: Set Parameters, Unpack per page, Verify.
fn unpack_verify(h: &mut support::Host, cfg: u64, hdr: &[u8], list: &[(u64, u64, u64)]) {
    assert_eq!(h.ssc(cfg, hdr), OK, "set secure configuration parameters");
    for &(gaddr, tweak0, tweak1) in list {
        let u = UnpackUvcb { guest_handle: cfg, gaddr, tweak0, tweak1 };
        let (o, _) = call(&mut h.uv, UVCB, &u).expect("unpack");
        assert_eq!(o.rc_rrc(), Some(OK), "unpack {gaddr:#x}");
    }
    let o = call_nodata(&mut h.uv, UVCB, UvcCmd::Verify, cfg).expect("verify");
    assert_eq!(o.rc_rrc(), Some(OK), "verify");
}

fn main() {
    let mib = common::env_usize("PVSIM_BENCH_MIB", 1024);
    let rounds = common::env_usize("PVSIM_BENCH_ROUNDS", 2).max(1);
    let img = image(mib << 20);
    let info = ImageInfo::from_bytes(&img).expect("image info");
    let list = pages(&info);
    let hdr = img[info.header_offset as usize..][..info.header.sehs() as usize].to_vec();
    let bytes = list.len() as u64 * 4096;
    let msl = (img.len() as u64).div_ceil(MIB) * MIB + MIB;
    println!(
        "unpack: image of {} bytes ({mib} MiB kernel), {} secured pages, best of {rounds}",
        img.len(),
        list.len()
    );

    // Each round measures the three in turn (the machine is shared: interleaving keeps
    // the comparison fair); the best of each is reported.
    let key = XtsKey::from_slice(&[[0x44u8; 32], [0x45u8; 32]].concat()).expect("xts key");
    let (mut sha, mut alone, mut uv) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        // The peer: one SHA-512 stream over the secured pages' bytes.
        let t = Instant::now();
        let mut s = Sha512::new();
        for &(gaddr, _, _) in &list {
            s.update(&img[gaddr as usize..][..4096]);
        }
        std::hint::black_box(s.finalize());
        sha = sha.min(t.elapsed());

        // pv-header's Unpacker alone (same work per page, no UVC, no storage), one copy
        // per page as the ultravisor makes.
        let t = Instant::now();
        let mut u = Unpacker::new(&key, Encryption::Enabled);
        for &(gaddr, prefix, off) in &list {
            let tweak = Tweak::new(TweakPrefix(prefix), off);
            let mut page = [0u8; 4096];
            page.copy_from_slice(&img[gaddr as usize..][..4096]);
            u.unpack_page(GuestAbs(gaddr), tweak, &mut page).expect("unpack page");
            std::hint::black_box(&page);
        }
        std::hint::black_box(u.finish());
        alone = alone.min(t.elapsed());

        // The ultravisor: a fresh machine per round (storage setup not timed).
        let (mut h, cfg) = machine(&img, msl);
        let t = Instant::now();
        unpack_verify(&mut h, cfg, &hdr, &list);
        uv = uv.min(t.elapsed());
    }

    let r = |d: Duration| bytes as f64 / d.as_secs_f64();
    let per_page = |d: Duration| d.as_secs_f64() * 1e9 / list.len() as f64;
    println!(
        "ultravisor SSC + Unpack UVC/page + Verify {:>14.0} B/s  ({:.3} s, {:.0} ns/page)",
        r(uv),
        uv.as_secs_f64(),
        per_page(uv)
    );
    println!(
        "pv-header Unpacker alone (XTS + digests)  {:>14.0} B/s  ({:.3} s, {:.0} ns/page)",
        r(alone),
        alone.as_secs_f64(),
        per_page(alone)
    );
    println!(
        "sha2 SHA-512, one stream                  {:>14.0} B/s  ({:.3} s, {:.0} ns/page)",
        r(sha),
        sha.as_secs_f64(),
        per_page(sha)
    );
    println!("ratio unpack+verify / SHA-512 stream: {:.3}  (target >= 0.9)", r(uv) / r(sha));
    println!("ratio Unpacker alone / SHA-512 stream: {:.3}", r(alone) / r(sha));
}
