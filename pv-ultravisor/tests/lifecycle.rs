//! The full lifecycle with real bytes: an SE image built with pv-ipl/pv-header for the
//! vectors' `host.crt`, loaded into guest storage, then create configuration and CPU, set
//! the header, unpack every page, verify, load the PSW; guest sharing, paging with
//! tamper/move/replay detection, the reset sequence, dump, teardown. And IBM's own A1
//! components unpacked and verified against IBM's A1 header.

mod support;

use std::io::Cursor;

use pv_core::uvc::guest::{RemoveSharedUvcb, SetSharedUvcb};
use pv_core::uvc::rc::{self, import, verify as vrc};
use pv_core::uvc::uvcb::{
    CfsUvcb, CpuSetStateUvcb, CtsUvcb, DestroyPageUvcb, DumpCompleteUvcb, DumpCpuUvcb,
    DumpStorStateUvcb, PinUvcb, UnpackUvcb, UnpinUvcb,
};
use pv_core::uvc::{UvcCmd, UvcOutcome};
use pv_core::{GuestAbs, Psw, Storage, StorageFault};
use pv_header::hdr::SeHdrBuilder;
use pv_header::pcf::PlaintextControlFlags;
use pv_header::rand::CounterRandom;
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};
use pv_ultravisor::sec_config::ConfigState;
use pv_ultravisor::sec_cpu::CpuState;
use pv_ultravisor::{GuestUvcOutcome, PageState};
use support::*;

const OK: (u16, u16) = (rc::EXECUTED, 0);

/// Builds an SE image for host.crt from the vectors' inputs (no loaders).
fn image(pcf: PlaintextControlFlags) -> (Vec<u8>, Psw) {
    let (kernel, ramdisk, parm) =
        (asset("inputs/kernel.bin"), asset("inputs/ramdisk.bin"), asset("inputs/parmline.txt"));
    let inputs = ImageInputs {
        kernel: &mut &kernel[..],
        ramdisk: Some(&mut &ramdisk[..]),
        cmdline: Some(&mut &parm[..]),
        stage3a: None,
        stage3b: None,
    };
    let builder = SeHdrBuilder::new([host_pub("keys/host.crt")], Psw::new_64bit(0)).pcf(pcf);
    let mut out = Cursor::new(Vec::new());
    let mut rng = CounterRandom::new(b"pv-ultravisor/lifecycle");
    let s = create_image(&mut out, builder, inputs, &CreateOptions::default(), &mut rng).unwrap();
    (out.into_inner(), s.layout.header_psw())
}

/// The (gaddr, tweak prefix, offset) of every secured page of an image.
fn pages(img: &[u8]) -> Vec<(u64, u64, u64)> {
    let info = ImageInfo::from_bytes(img).unwrap();
    let mut v = Vec::new();
    for c in info.components() {
        for off in (0..c.len).step_by(4096) {
            v.push((c.addr + off, c.tweak_prefix, off));
        }
    }
    v
}

struct Booted {
    h: Host,
    cfg: u64,
    cpu: u64,
    mso: u64,
    img: Vec<u8>,
}

/// Loads `img` at guest absolute 0, sets its header and unpacks `pages` with `tamper`
/// applied to the host copy first.
fn load(img: Vec<u8>, tamper: impl FnOnce(&mut Host, u64)) -> Booted {
    let mut h = Host::ready();
    let cfg = h.create_config();
    let cpu = h.create_cpu(cfg, 0);
    let mso = Host::mso(0);
    h.write(mso, &img);
    let info = ImageInfo::from_bytes(&img).unwrap();
    let sehs = info.header.sehs() as usize;
    let hdr = img[info.header_offset as usize..][..sehs].to_vec();
    assert_eq!(h.ssc(cfg, &hdr), OK);
    assert_eq!(h.uv.config_state(cfg), Some(ConfigState::HeaderSet));
    tamper(&mut h, mso);
    Booted { h, cfg, cpu, mso, img }
}

fn unpack_all(b: &mut Booted, list: &[(u64, u64, u64)]) {
    for &(gaddr, prefix, off) in list {
        let u = UnpackUvcb { guest_handle: b.cfg, gaddr, tweak0: prefix, tweak1: off };
        assert_eq!(b.h.rc(&u), OK, "unpack {gaddr:#x}");
    }
}

fn verify(b: &mut Booted) -> (u16, u16) {
    b.h.nodata(UvcCmd::Verify, b.cfg)
}

fn set_state(h: &mut Host, cpu: u64, state: u8) -> (u16, u16) {
    h.rc(&CpuSetStateUvcb { cpu_handle: cpu, state })
}

fn guest_read(b: &mut Booted, g: u64, len: usize) -> Result<Vec<u8>, StorageFault> {
    let mut v = vec![0u8; len];
    b.h.uv.guest_storage(b.cpu).unwrap().read(GuestAbs(g), &mut v).map(|()| v)
}

#[test]
fn build_unpack_verify_run_page_reset_dump_destroy() {
    let (img, psw) =
        image(PlaintextControlFlags::PVIMG_DEFAULT | PlaintextControlFlags::ALLOW_DUMPING);
    let list = pages(&img);
    assert_eq!(list.len(), 4 + 4 + 1);
    let mut b = load(img, |_, _| {});
    unpack_all(&mut b, &list);
    assert_eq!(b.h.uv.config_state(b.cfg), Some(ConfigState::Unpacking));
    assert_eq!(verify(&mut b), OK);

    // The guest sees the plaintext; the host sees nothing of it.
    let kernel = asset("inputs/kernel.bin");
    let k0 = list[0].0;
    assert_eq!(guest_read(&mut b, k0, kernel.len()).unwrap(), kernel);
    assert_eq!(
        b.h.read(b.mso + k0, 1),
        Err(StorageFault::SecureStorageAccess { addr: GuestAbs(b.mso + k0) })
    );
    // Not-unpacked guest pages are not secure yet (the host may still read the header).
    assert!(b.h.read(b.mso + 0x14000, 16).is_ok());

    // Operating-load loads the header PSW.
    assert_eq!(set_state(&mut b.h, b.cpu, 5), OK);
    assert_eq!(b.h.uv.cpu_psw(b.cpu), Some(psw));
    assert_eq!(b.h.uv.cpu_state(b.cpu), Some(CpuState::Operating));

    // Sharing: the guest shares a page; the host reads plaintext, pins, the guest's remove
    // intercepts until the host unpins.
    let g = list[4].0;
    let at = 0x5_0000;
    assert_eq!(b.h.rc(&CtsUvcb { guest_handle: b.cfg, gaddr: at }), OK);
    let ramdisk = asset("inputs/ramdisk.bin");
    assert_eq!(guest_rc(&mut b.h.uv, b.cpu, at, &SetSharedUvcb { paddr: g }), OK);
    assert_eq!(b.h.read(b.mso + g, 4096).unwrap(), ramdisk[..4096]);
    assert_eq!(b.h.rc(&PinUvcb { paddr: b.mso + g }), OK);
    let (out, _) = guest_call(&mut b.h.uv, b.cpu, at, &RemoveSharedUvcb { paddr: g });
    assert_eq!(out, GuestUvcOutcome::NotificationIntercept);
    assert_eq!(b.h.rc(&UnpinUvcb { guest_handle: b.cfg, gaddr: g }), OK);
    assert_eq!(guest_rc(&mut b.h.uv, b.cpu, at, &RemoveSharedUvcb { paddr: g }), OK);
    assert!(b.h.read(b.mso + g, 1).is_err());

    // Paging: export gives ciphertext, import gives the plaintext back.
    let (p1, p2) = (list[1].0, list[2].0);
    for p in [p1, p2] {
        assert_eq!(b.h.rc(&CfsUvcb { paddr: b.mso + p }), OK);
    }
    let c1 = b.h.read(b.mso + p1, 4096).unwrap();
    let c2 = b.h.read(b.mso + p2, 4096).unwrap();
    assert_ne!(c1, kernel[0x1000..0x2000]);
    assert_eq!(
        guest_read(&mut b, p1, 1),
        Err(StorageFault::NonSecureStorageAccess { addr: GuestAbs(p1) })
    );
    // Modified.
    let mut bad = c1.clone();
    bad[100] ^= 1;
    b.h.write(b.mso + p1, &bad);
    assert_eq!(b.h.rc(&CtsUvcb { guest_handle: b.cfg, gaddr: p1 }), (import::INTEGRITY, 0));
    // Moved: page 2's ciphertext in page 1's frame.
    b.h.write(b.mso + p1, &c2);
    assert_eq!(b.h.rc(&CtsUvcb { guest_handle: b.cfg, gaddr: p1 }), (import::INTEGRITY, 0));
    // The genuine ciphertext imports.
    b.h.write(b.mso + p1, &c1);
    assert_eq!(b.h.rc(&CtsUvcb { guest_handle: b.cfg, gaddr: p1 }), OK);
    assert_eq!(guest_read(&mut b, p1, 4096).unwrap(), kernel[0x1000..0x2000]);
    // Replayed: export again, offer the first export's ciphertext.
    assert_eq!(b.h.rc(&CfsUvcb { paddr: b.mso + p1 }), OK);
    assert_ne!(b.h.read(b.mso + p1, 4096).unwrap(), c1);
    b.h.write(b.mso + p1, &c1);
    assert_eq!(b.h.rc(&CtsUvcb { guest_handle: b.cfg, gaddr: p1 }), (import::INTEGRITY, 0));
    // First import of a page the guest never had: a zero page whatever the host wrote.
    b.h.write(b.mso + 0x30_0000, &[0xee; 4096]);
    assert_eq!(b.h.rc(&CtsUvcb { guest_handle: b.cfg, gaddr: 0x30_0000 }), OK);
    assert_eq!(guest_read(&mut b, 0x30_0000, 4096).unwrap(), vec![0; 4096]);
    assert_eq!(
        b.h.rc(&CtsUvcb { guest_handle: b.cfg, gaddr: 0x30_0000 }),
        (import::ALREADY_SECURE, 0)
    );

    // Dump (the image allows it).
    assert_eq!(b.h.nodata(UvcCmd::DumpInit, b.cfg), OK);
    let dump_at = 0x40_0000;
    assert_eq!(b.h.rc(&DumpCpuUvcb { cpu_handle: b.cpu, dump_area_origin: dump_at }), OK);
    let st = DumpStorStateUvcb { config_handle: b.cfg, dump_area_origin: dump_at, gaddr: 0 };
    assert_eq!(b.h.rc(&st), OK);
    let state = b.h.read(dump_at, 4096).unwrap();
    assert_eq!(state[16 * 0x15], 1, "kernel page 0 is secure");
    assert_eq!(state[16 * 0x14], 0, "the header page is not");
    assert_eq!(b.h.rc(&DumpCompleteUvcb { config_handle: b.cfg, dump_area_origin: dump_at }), OK);
    assert_eq!(&b.h.read(dump_at, 13).unwrap(), b"pvsim-dump-v1");

    // Reset sequence: stop, unshare all, prepare reset, clear reset, load from absolute 0.
    assert_eq!(b.h.rc(&CtsUvcb { guest_handle: b.cfg, gaddr: 0 }), OK);
    let short = Psw::new_64bit(0x1_0000).to_short().unwrap();
    b.h.uv.guest_storage(b.cpu).unwrap().write(GuestAbs(0), &short.to_be_bytes()).unwrap();
    assert_eq!(b.h.nodata(UvcCmd::PrepareReset, b.cfg), (rc::INV_STATE, 0), "CPU operating");
    assert_eq!(set_state(&mut b.h, b.cpu, 2), OK);
    assert_eq!(b.h.nodata(UvcCmd::UnshareAll, b.cfg), OK);
    assert_eq!(b.h.nodata(UvcCmd::PrepareReset, b.cfg), OK);
    assert_eq!(set_state(&mut b.h, b.cpu, 5), (rc::INV_STATE, 0), "no CPU reset yet");
    assert_eq!(b.h.nodata(UvcCmd::CpuResetClear, b.cpu), OK);
    assert_eq!(set_state(&mut b.h, b.cpu, 5), OK);
    assert_eq!(b.h.uv.cpu_psw(b.cpu), Psw::from_short(short));

    // Teardown: the configuration needs its CPUs gone; donated storage comes back zeroed;
    // guest pages stay secure until destroyed.
    assert_eq!(b.h.nodata(UvcCmd::DestroyConfig, b.cfg), (rc::INV_STATE, 0));
    assert_eq!(b.h.nodata(UvcCmd::DestroyCpu, b.cpu), OK);
    assert_eq!(b.h.nodata(UvcCmd::DestroyConfig, b.cfg), OK);
    assert_eq!(b.h.read(CONF_BASE, 0x8000).unwrap(), vec![0; 0x8000]);
    assert_eq!(b.h.read(CPU_STOR, 0x2000).unwrap(), vec![0; 0x2000]);
    assert_eq!(b.h.rc(&CfsUvcb { paddr: b.mso + k0 }), (rc::page::OWNER_GONE, 0));
    let secure: Vec<u64> =
        b.h.uv
            .protected_pages()
            .into_iter()
            .filter(|(_, s)| s.config().is_some())
            .map(|(a, _)| a)
            .collect();
    assert!(!secure.is_empty());
    for a in secure {
        assert_eq!(b.h.rc(&DestroyPageUvcb { paddr: a }), OK);
        assert_eq!(b.h.read(a, 4096).unwrap(), vec![0; 4096]);
    }
    let left = b.h.uv.protected_pages();
    assert!(left.iter().all(|(_, s)| *s == PageState::Donated(pv_ultravisor::Donation::UvBase)));
    let _ = b.img;
}

#[test]
fn tampered_unpacks_fail_verify_with_the_right_reason() {
    let (img, _) = image(PlaintextControlFlags::PVIMG_DEFAULT);
    let list = pages(&img);
    // PLD: one ciphertext byte flipped.
    let mut b = load(img.clone(), |h, mso| {
        let a = mso + 0x16000 + 7;
        let v = h.read(a, 1).unwrap()[0];
        h.write(a, &[v ^ 0x40]);
    });
    unpack_all(&mut b, &list);
    assert_eq!(verify(&mut b), (vrc::MISMATCH, vrc::RRC_PLD));
    assert_eq!(set_state(&mut b.h, b.cpu, 5), (rc::INV_STATE, 0), "never runs");

    // ALD: two pages unpacked in swapped order.
    let mut b = load(img.clone(), |_, _| {});
    let mut swapped = list.clone();
    swapped.swap(0, 1);
    unpack_all(&mut b, &swapped);
    assert_eq!(verify(&mut b), (vrc::MISMATCH, vrc::RRC_ALD));

    // TLD: right page, right address, wrong tweak offset (the page also decrypts wrongly,
    // but PLD covers the ciphertext, so only TLD differs).
    let mut b = load(img.clone(), |_, _| {});
    let mut bad = list.clone();
    bad[3].2 += 0x1000;
    unpack_all(&mut b, &bad);
    assert_eq!(verify(&mut b), (vrc::MISMATCH, vrc::RRC_TLD));

    // Missing page: ALD (and the count) differ; ALD is reported first.
    let mut b = load(img, |_, _| {});
    unpack_all(&mut b, &list[..list.len() - 1]);
    assert_eq!(verify(&mut b), (vrc::MISMATCH, vrc::RRC_ALD));
    // Unpacking twice is refused; after the refusal nothing changed.
    let (g, p, o) = list[0];
    let u = UnpackUvcb { guest_handle: b.cfg, gaddr: g, tweak0: p, tweak1: o };
    assert_eq!(b.h.rc(&u), (import::ALREADY_SECURE, 0));
}

#[test]
fn page_count_mismatch_alone_gives_rrc_1d() {
    use pv_header::component::{
        ComponentKind, ComponentSpec, Encryption, Preparer, TweakPrefix, XtsKey,
    };
    let xts = [[1u8; 32], [2u8; 32]].concat();
    let key = XtsKey::from_slice(&xts).unwrap();
    let spec = ComponentSpec {
        addr: GuestAbs(0x1_0000),
        tweak_prefix: TweakPrefix((u64::from(ComponentKind::Kernel.prefix()) << 48) | 0x1234),
    };
    let mut prep = Preparer::new(&key, Encryption::Enabled);
    let (bytes, _) = prep.prepare_slice(spec, b"one page").unwrap();
    let mut digests = prep.finish();
    digests.nep += 1;
    let hdr = SeHdrBuilder::new([host_pub("keys/host.crt")], Psw::new_64bit(0x1_0000))
        .xts_key(pv_header::secret::Secret::from_slice(&xts).unwrap())
        .build(&digests, &mut CounterRandom::new(b"nep"))
        .unwrap()
        .to_bytes();
    let mut h = Host::ready();
    let cfg = h.create_config();
    assert_eq!(h.ssc(cfg, &hdr), OK);
    h.write(Host::mso(0) + 0x1_0000, &bytes);
    let u =
        UnpackUvcb { guest_handle: cfg, gaddr: 0x1_0000, tweak0: spec.tweak_prefix.0, tweak1: 0 };
    assert_eq!(h.rc(&u), OK);
    assert_eq!(h.nodata(UvcCmd::Verify, cfg), (vrc::MISMATCH, vrc::RRC_NEP));
}

#[test]
fn ibm_a1_components_unpack_and_verify() {
    let mut h = Host::ready();
    let cfg = h.create_config();
    assert_eq!(h.ssc(cfg, &asset("A1/sehdr.bin")), OK);
    let mso = Host::mso(0);
    let comps =
        [("A1/kernel.enc", 0x15000u64), ("A1/ramdisk.enc", 0x19000), ("A1/cmdline.enc", 0x1d000)];
    for (file, addr) in comps {
        h.write(mso + addr, &asset(file));
    }
    let tsv = String::from_utf8(asset("A1/pages.tsv")).unwrap();
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let gaddr = u64::from_str_radix(f[2].trim_start_matches("0x"), 16).unwrap();
        let tweak = u128::from_str_radix(f[3], 16).unwrap();
        let u = UnpackUvcb {
            guest_handle: cfg,
            gaddr,
            tweak0: (tweak >> 64) as u64,
            tweak1: tweak as u64,
        };
        assert_eq!(h.rc(&u), OK);
    }
    assert_eq!(h.nodata(UvcCmd::Verify, cfg), OK);
    let cpu = h.create_cpu(cfg, 0);
    assert_eq!(h.rc(&CpuSetStateUvcb { cpu_handle: cpu, state: 5 }), OK);
    // A1's PSW: 64-bit addressing at 0x1e000 (vectors README).
    assert_eq!(h.uv.cpu_psw(cpu), Some(Psw::new_64bit(0x1e000)));
    let mut got = vec![0u8; 53];
    h.uv.guest_storage(cpu).unwrap().read(GuestAbs(0x1d000), &mut got).unwrap();
    let mut want = asset("inputs/parmline.txt");
    want.push(0);
    assert_eq!(got, want);
    let kernel = asset("inputs/kernel.bin");
    let mut k = vec![0u8; kernel.len()];
    h.uv.guest_storage(cpu).unwrap().read(GuestAbs(0x15000), &mut k).unwrap();
    assert_eq!(k, kernel);
}

#[test]
fn outcome_of_a_typed_call_is_the_architected_one() {
    let mut h = Host::ready();
    let (o, _) = h.call(&pv_core::uvc::uvcb::InitUvcb { stor_origin: UV_BASE, stor_len: 0 });
    assert_eq!(
        o,
        UvcOutcome::Completed { cc: pv_core::uvc::ConditionCode::Failed, rc: 0x0101, rrc: 0 }
    );
    // The UVCB in storage carries the same rc.
    assert_eq!(h.read(UVCB + 4, 2).unwrap(), vec![0x01, 0x01]);
}
