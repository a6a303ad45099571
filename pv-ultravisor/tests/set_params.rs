//! Set Secure Configuration Parameters against real headers (IBM's A1/A2 and the
//! vectors' negative headers derived from A1): every rc/rrc of uv-spec.md §1.6 and
//! se-format.md §6.4, plus Unpack's and Verify's state and address rules.

mod support;

use pv_core::Psw;
use pv_core::uvc::UvcCmd;
use pv_core::uvc::rc::{self, import, ssc};
use pv_core::uvc::uvcb::{SscUvcb, UnpackUvcb};
use pv_header::hdr::{SeHdr, SeHdrBuilder};
use pv_header::pcf::PlaintextControlFlags;
use pv_header::rand::CounterRandom;
use pv_header::secret::Secret;
use pv_ultravisor::sec_config::ConfigState;
use pv_ultravisor::{MachineGeneration, MachineSpec};
use support::*;

const OK: (u16, u16) = (rc::EXECUTED, 0);

fn ssc_on(h: &mut Host, hdr: &[u8]) -> (u16, u16) {
    let cfg = h.create_config();
    h.ssc(cfg, hdr)
}

fn ready(spec: MachineSpec) -> Host {
    let mut h = Host::with_spec(spec);
    h.init();
    h
}

fn edited(file: &str, f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut b = asset(file);
    f(&mut b);
    b
}

/// A header for `hosts` with `pcf` over no components; with `xts`, the sealed XTS key is
/// replaced by it and the header resealed (the builder refuses equal halves).
fn built(hosts: &[&str], pcf: PlaintextControlFlags, xts: Option<[u8; 64]>) -> Vec<u8> {
    let keys = hosts.iter().map(|c| host_pub(c));
    let prot = [0x42u8; 32];
    let b = SeHdrBuilder::new(keys, Psw::new_64bit(0x1_0000)).pcf(pcf).prot_key(Secret::new(prot));
    let d = pv_header::component::Preparer::plaintext().finish();
    let mut hdr = b.build(&d, &mut CounterRandom::new(b"ssc")).unwrap().to_bytes();
    if let Some(k) = xts {
        let aad_end = 0x1a0 + 80 * hosts.len();
        let iv: [u8; 12] = hdr[0x10..0x1c].try_into().unwrap();
        let n = hdr.len();
        let tag: [u8; 16] = hdr[n - 16..].try_into().unwrap();
        let (aad, rest) = hdr.split_at_mut(aad_end);
        let area = &mut rest[..128];
        pv_header::gcm::open(&prot, &iv, aad, area, &tag).unwrap();
        area[0x20..0x60].copy_from_slice(&k);
        let tag = pv_header::gcm::seal(&prot, &iv, aad, area);
        hdr[n - 16..].copy_from_slice(&tag);
    }
    hdr
}

#[test]
fn real_headers_get_the_spec_codes() {
    let key = |rrc| (ssc::KEY, rrc);
    let size = |rrc| (ssc::SIZE, rrc);
    let cases: Vec<(&str, Vec<u8>, (u16, u16))> = vec![
        ("A1", asset("A1/sehdr.bin"), OK),
        ("n02 bad magic", asset("negative/n02_bad_magic.bin"), (ssc::VERSION, ssc::RRC_VERSION)),
        (
            "n03 version 0x200",
            asset("negative/n03_version_0x200.bin"),
            (ssc::VERSION, ssc::RRC_VERSION),
        ),
        ("n05 sehs 16", asset("negative/n05_sehs_16.bin"), size(ssc::RRC_HDR_SIZE)),
        ("nks 0", edited("A1/sehdr.bin", |b| b[0x20..0x28].fill(0)), size(ssc::RRC_NO_KEYSLOTS)),
        ("n07 nks 2", asset("negative/n07_nks_2.bin"), size(ssc::RRC_SEA)),
        ("n08 sea 0", asset("negative/n08_sea_0.bin"), size(ssc::RRC_SEA)),
        (
            "n12 unknown pcf bit 63",
            asset("negative/n12_unknown_pcf_bit63_resealed.bin"),
            (ssc::PCF, ssc::RRC_PCF),
        ),
        ("A2 pcf has PCKMO-HMAC (not on z16)", asset("A2/sehdr.bin"), (ssc::PCF, ssc::RRC_PCF)),
        (
            "customer key off the curve",
            edited("A1/sehdr.bin", |b| b[0x40 + 159] ^= 1),
            key(ssc::RRC_CUST_KEY),
        ),
        (
            "n10 phkh changed",
            asset("negative/n10_phkh_changed_no_reseal.bin"),
            key(ssc::RRC_NO_KEYSLOT),
        ),
        (
            "header for host2 only",
            built(&["keys/host2.crt"], PlaintextControlFlags::PVIMG_DEFAULT, None),
            key(ssc::RRC_NO_KEYSLOT),
        ),
        ("n01 tag flipped", asset("negative/n01_tag_flipped.bin"), key(ssc::RRC_AUTH)),
        (
            "n09 pcf changed, not resealed",
            asset("negative/n09_pcf_changed_no_reseal.bin"),
            key(ssc::RRC_AUTH),
        ),
        (
            "n11 ciphertext flipped",
            asset("negative/n11_ciphertext_flipped.bin"),
            key(ssc::RRC_AUTH),
        ),
        ("n14 optional items", asset("negative/n14_noi16_resealed.bin"), size(ssc::RRC_SEA)),
        ("n13 scf all ones", asset("negative/n13_scf_all_ones_resealed.bin"), (ssc::SCF, 0)),
        ("n15 reserved word set", asset("negative/n15_res2_nonzero_resealed.bin"), OK),
        ("n16 reserved word set", asset("negative/n16_res1_nonzero_resealed.bin"), OK),
        (
            "XTS key halves equal",
            built(&["keys/host.crt"], PlaintextControlFlags::PVIMG_DEFAULT, Some([7; 64])),
            (ssc::XTS_KEY, 0),
        ),
    ];
    for (name, hdr, want) in cases {
        let mut h = Host::ready();
        assert_eq!(ssc_on(&mut h, &hdr), want, "{name}");
        let state = h.uv.config_state(h.uv.config_handles()[0]);
        let want_state = if want == OK { ConfigState::HeaderSet } else { ConfigState::Created };
        assert_eq!(state, Some(want_state), "{name}");
    }
}

#[test]
fn size_field_access_and_state() {
    let a1 = asset("A1/sehdr.bin");
    let mut h = Host::ready();
    let cfg = h.create_config();
    // The length the host passes must be sehs.
    h.write(HDR_AT, &a1);
    let u = SscUvcb { guest_handle: cfg, sec_header_origin: HDR_AT, sec_header_len: 639 };
    assert_eq!(h.rc(&u), (ssc::SIZE, ssc::RRC_HDR_SIZE));
    // Not readable: beyond memory, its tail beyond memory, in UV storage.
    let end = 8 * GIB;
    for origin in [end, end - 320, UV_BASE] {
        let u = SscUvcb { sec_header_origin: origin, sec_header_len: 640, ..u };
        assert_eq!(h.rc(&u), (ssc::HDR_ACCESS, 0), "{origin:#x}");
    }
    let u = SscUvcb { sec_header_len: 640, ..u };
    assert_eq!(h.rc(&u), OK);
    // Only once.
    assert_eq!(h.rc(&u), (rc::INV_STATE, 0));
    let u = SscUvcb { guest_handle: cfg ^ 1, ..u };
    assert_eq!(h.rc(&u), (rc::INV_GHANDLE, 0));
}

#[test]
fn backup_host_keys() {
    let host2 = key("keys/host2.key");
    // A machine whose backup key is host2 and whose current key is neither test key.
    let spec = || {
        MachineSpec::preset(MachineGeneration::Z17)
            .with_backup_host_key(Some(key("keys/host2.key")))
    };
    // A2 targets host.crt and host2.crt and sets pcf bit 62: accepted with the backup key.
    let mut h = ready(spec());
    assert_eq!(ssc_on(&mut h, &asset("A2/sehdr.bin")), OK);
    // A header for host2 only without bit 62: backup host key hash mismatch.
    let mut h = ready(spec());
    let hdr = built(&["keys/host2.crt"], PlaintextControlFlags::PVIMG_DEFAULT, None);
    assert_eq!(ssc_on(&mut h, &hdr), (ssc::KEY, ssc::RRC_BACKUP_KEY));
    // ... with bit 62: accepted.
    let mut h = ready(spec());
    let pcf = PlaintextControlFlags::PVIMG_DEFAULT | PlaintextControlFlags::BACKUP_TARGET_KEYS;
    assert_eq!(ssc_on(&mut h, &built(&["keys/host2.crt"], pcf, None)), OK);
    // A1 (host.crt only) on that machine: no slot matches.
    let mut h = ready(spec());
    assert_eq!(ssc_on(&mut h, &asset("A1/sehdr.bin")), (ssc::KEY, ssc::RRC_NO_KEYSLOT));
    // The current key is used when both match: A2 on a machine with host.key current.
    let mut h = ready(
        MachineSpec::preset(MachineGeneration::Z17)
            .with_host_key(host_key())
            .with_backup_host_key(Some(host2)),
    );
    assert_eq!(ssc_on(&mut h, &asset("A2/sehdr.bin")), OK);
    // z15 does not support the dump flag A2 sets (and its HMAC PCKMO).
    let mut h = Host::new(MachineGeneration::Z15);
    h.init();
    assert_eq!(ssc_on(&mut h, &asset("A2/sehdr.bin")), (ssc::PCF, ssc::RRC_PCF));
    let _ = SeHdr::parse(&asset("A2/sehdr.bin")).unwrap();
}

#[test]
fn unpack_and_verify_rules() {
    let mut h = Host::ready();
    let cfg = h.create_config();
    let u =
        UnpackUvcb { guest_handle: cfg, gaddr: 0x15000, tweak0: 0x0028_f8f9_18b5_a845, tweak1: 0 };
    // No header yet.
    assert_eq!(h.rc(&u), (rc::INV_STATE, 0));
    assert_eq!(h.nodata(UvcCmd::Verify, cfg), (rc::INV_STATE, 0));
    assert_eq!(h.ssc(cfg, &asset("A1/sehdr.bin")), OK);
    // Unaligned, outside MSL, beyond memory.
    assert_eq!(h.rc(&UnpackUvcb { gaddr: 0x15008, ..u }), (import::UNALIGNED, 0));
    assert_eq!(h.rc(&UnpackUvcb { gaddr: GUEST_MSL, ..u }), (import::NOT_MAPPED, 0));
    // Onto a page that is already secure (imported): 0x0104, a failure for Unpack.
    let cts = pv_core::uvc::uvcb::CtsUvcb { guest_handle: cfg, gaddr: 0x15000 };
    assert_eq!(h.rc(&cts), OK);
    assert_eq!(h.rc(&u), (import::ALREADY_SECURE, 0));
    assert_eq!(h.uv.config_state(cfg), Some(ConfigState::HeaderSet));
    // Verify without the pages: mismatch; the configuration stays unverified.
    assert_eq!(h.nodata(UvcCmd::Verify, cfg).0, rc::verify::MISMATCH);
    assert_eq!(h.uv.config_state(cfg), Some(ConfigState::HeaderSet));
}
