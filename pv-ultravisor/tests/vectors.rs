//! Guest calls against IBM's request vectors: `pvattest create`'s request opened by the
//! ultravisor holding `host.key` gives exactly the measurement the vectors predict for
//! image B1, and `pvsecret create`'s add-secret requests for B1 are accepted, listed and
//! refused where they must be.

mod support;

use pv_core::uvc::UvcCmd;
use pv_core::uvc::guest::{AddSecretUvcb, AttestUvcb, ListSecretsUvcb, RetrieveSecretUvcb};
use pv_core::uvc::rc::{self, retrieve, secret};
use pv_core::uvc::uvcb::CtsUvcb;
use pv_core::{GuestAbs, Storage};
use pv_header::request::{ExchangeRequest, SecretList};
use pv_ultravisor::{Draw, MachineGeneration, Ultravisor, UvEntropy};
use support::*;

const OK: (u16, u16) = (rc::EXECUTED, 0);
const CUID: [u8; 16] = [
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
];

/// Entropy that gives the vectors' CUID and counts for everything else.
struct FixedCuid(u8, [u8; 16]);
impl UvEntropy for FixedCuid {
    fn fill(&mut self, what: Draw, buf: &mut [u8]) {
        match what {
            Draw::ConfigUid => buf.copy_from_slice(&self.1),
            _ => {
                self.0 = self.0.wrapping_add(1);
                buf.fill(self.0);
            }
        }
    }
}

fn hexv(j: &serde_json::Value, k: &str) -> Vec<u8> {
    hex::decode(j[k].as_str().unwrap()).unwrap()
}

/// A z16 (or z17) ultravisor with one configuration whose header is B1's, one CPU, and
/// guest pages 0..16 imported. Returns the host, configuration and CPU.
fn b1_guest(generation: MachineGeneration, cuid: [u8; 16]) -> (Host, u64, u64) {
    let mut h =
        Host::with_uv(Ultravisor::with_entropy(spec(generation), Box::new(FixedCuid(0, cuid))));
    h.init();
    let cfg = h.create_config();
    assert_eq!(h.ssc(cfg, &asset("B1/sehdr.bin")), OK);
    let cpu = h.create_cpu(cfg, 0);
    for p in 0..16u64 {
        assert_eq!(h.rc(&CtsUvcb { guest_handle: cfg, gaddr: p * 0x1000 }), OK);
    }
    (h, cfg, cpu)
}

fn put(h: &mut Host, cpu: u64, at: u64, data: &[u8]) {
    h.uv.guest_storage(cpu).unwrap().write(GuestAbs(at), data).unwrap();
}

fn get(h: &mut Host, cpu: u64, at: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    h.uv.guest_storage(cpu).unwrap().read(GuestAbs(at), &mut v).unwrap();
    v
}

#[test]
fn attestation_measurement_matches_the_vectors() {
    let j: serde_json::Value = serde_json::from_slice(&asset("attest/values.json")).unwrap();
    let (mut h, _cfg, cpu) = b1_guest(MachineGeneration::Z16, CUID);
    assert_eq!(hexv(&j, "cuid"), CUID);
    let req = ExchangeRequest::from_bytes(&asset("attest/request.bin")).unwrap();
    assert_eq!(req.arcb().len(), 400);
    put(&mut h, cpu, 0x1000, req.arcb());
    let user = hexv(&j, "user_data");
    let mut u = AttestUvcb {
        arcb_addr: 0x1000,
        user_data_len: user.len() as u16,
        meas_len: 64,
        meas_addr: 0x2000,
        add_data_len: 64,
        add_data_addr: 0x3000,
        ..Default::default()
    };
    u.user_data[..user.len()].copy_from_slice(&user);
    let (out, back) = guest_call(&mut h.uv, cpu, 0, &u);
    assert!(matches!(out, pv_ultravisor::GuestUvcOutcome::Done(o) if o.is_ok()), "{out:?}");
    assert_eq!(back.config_uid, CUID);
    assert_eq!(get(&mut h, cpu, 0x2000, 64), hexv(&j, "measurement"));
    assert_eq!(get(&mut h, cpu, 0x3000, 64), hexv(&j, "additional"));

    // Different user data: a different measurement (the guest's input is bound).
    u.user_data[0] ^= 1;
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &u), OK);
    assert_ne!(get(&mut h, cpu, 0x2000, 64), hexv(&j, "measurement"));
}

#[test]
fn attestation_checks_in_order() {
    let (mut h, _cfg, cpu) = b1_guest(MachineGeneration::Z16, CUID);
    let arcb = ExchangeRequest::from_bytes(&asset("attest/request.bin")).unwrap().arcb().to_vec();
    put(&mut h, cpu, 0x1000, &arcb);
    let valid = AttestUvcb {
        arcb_addr: 0x1000,
        meas_len: 64,
        meas_addr: 0x2000,
        add_data_len: 64,
        add_data_addr: 0x3000,
        ..Default::default()
    };
    // (name, change to the UVCB, change to the ARCB, expected rc)
    type Edit = fn(&mut AttestUvcb, &mut Vec<u8>);
    let cases: [(&str, Edit, u16); 16] = [
        ("token", |u, _| u.cont_token = 1, 0x0101),
        ("user data length", |u, _| u.user_data_len = 257, 0x0102),
        ("arcb outside memory", |u, _| u.arcb_addr = GUEST_MSL - 8, 0x0103),
        ("arcb on a non-secure page", |u, _| u.arcb_addr = 0x20_0000, 0x0103),
        ("version 0", |_, a| a[8..12].copy_from_slice(&[0; 4]), 0x0106),
        ("nks 0", |_, a| a[0x27] = 0, 0x0108),
        ("length + 1", |_, a| a[0x0c..0x10].copy_from_slice(&401u32.to_be_bytes()), 0x0107),
        ("nks 2", |_, a| a[0x27] = 2, 0x0107),
        ("sea 17", |_, a| a[0x2c..0x30].copy_from_slice(&17u32.to_be_bytes()), 0x0109),
        ("unknown flag", |_, a| a[0x37] = 1, 0x010a),
        ("firmware-state flag (not supported here)", |_, a| a[0x30] |= 0x04, 0x010a),
        ("algorithm 0", |_, a| a[0x3b] = 0, 0x010b),
        ("measurement length 0", |u, _| u.meas_len = 0, 0x010d),
        ("additional length 0", |u, _| u.add_data_len = 0, 0x010e),
        ("cannot unseal (tag)", |_, a| a[399] ^= 1, 0x010c),
        ("measurement area not secure", |u, _| u.meas_addr = 0x20_0000, 0x0104),
    ];
    for (name, edit, want) in cases {
        let (mut u, mut a) = (valid, arcb.clone());
        edit(&mut u, &mut a);
        put(&mut h, cpu, 0x1000, &a);
        assert_eq!(guest_rc(&mut h.uv, cpu, 0, &u), (want, 0), "{name}");
    }
    put(&mut h, cpu, 0x1000, &arcb);
    let u = AttestUvcb { add_data_addr: GUEST_MSL, ..valid };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &u), (0x0105, 0), "additional area outside");
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &valid), OK);
    // Wrong length: the dispatcher's check (len ± 1).
    for len in [0x187u16, 0x189] {
        let mut img = pv_core::uvc::Uvcb::to_image(&valid);
        img[..2].copy_from_slice(&len.to_be_bytes());
        put(&mut h, cpu, 0, &img[..0x190]);
        let out = h.uv.guest_uvc(cpu, pv_core::uvc::UvcInstr::at(0)).unwrap();
        let pv_ultravisor::GuestUvcOutcome::Done(o) = out else { panic!() };
        assert_eq!(o.rc(), Some(rc::INV_LEN));
    }
}

#[test]
fn add_secret_requests_from_pvsecret() {
    let j: serde_json::Value = serde_json::from_slice(&asset("asrcb/values.json")).unwrap();
    let (mut h, cfg, cpu) = b1_guest(MachineGeneration::Z17, CUID);
    let assoc = asset("asrcb/asrcb_assoc.bin");
    put(&mut h, cpu, 0x4000, &assoc);
    let add = AddSecretUvcb { addr: 0x4000 };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), OK);
    // The same id again: unable to add.
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), (secret::UNABLE, 0));
    // The meta secret stores nothing.
    put(&mut h, cpu, 0x4000, &asset("asrcb/asrcb_meta.bin"));
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), OK);

    let list = ListSecretsUvcb { start_idx: 0, list_addr: 0x8000 };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &list), OK);
    let l = SecretList::from_bytes(&get(&mut h, cpu, 0x8000, 4096)).unwrap();
    assert_eq!((l.total, l.next_index, l.entries.len()), (1, 0, 1));
    let e = l.entries[0];
    assert_eq!((e.index, e.kind, e.len), (0, 2, 32));
    assert_eq!(e.id.0.to_vec(), hexv(&j["assoc"], "secret_id"));

    // Association secrets are not retrievable; unknown index; buffer checks come after.
    let r = RetrieveSecretUvcb { secret_idx: 0, buf_size: 4096, buf_addr: 0x9000 };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &r), (retrieve::NOT_RETRIEVABLE, 0));
    let r = RetrieveSecretUvcb { secret_idx: 5, ..r };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &r), (retrieve::NO_INDEX, 0));

    // The request disabled dumping (flag bit 0) — B1 does not allow it anyway.
    assert_eq!(h.nodata(UvcCmd::DumpInit, cfg), (rc::INV_STATE, 0), "not verified");

    // Lock: every later Add Secret and Lock gives 0x0102.
    let lock = pv_core::uvc::NodataUvcb { handle: 0 }.image(UvcCmd::LockSecrets);
    put(&mut h, cpu, 0, &lock[..0x40]);
    let lock_rc = |h: &mut Host| {
        put(h, cpu, 0, &lock[..0x40]);
        match h.uv.guest_uvc(cpu, pv_core::uvc::UvcInstr::at(0)).unwrap() {
            pv_ultravisor::GuestUvcOutcome::Done(o) => o.rc().unwrap(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(lock_rc(&mut h), rc::EXECUTED);
    assert_eq!(lock_rc(&mut h), secret::LOCKED);
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), (secret::LOCKED, 0));
}

#[test]
fn add_secret_is_bound_to_image_and_configuration() {
    // Another CUID: pvsecret's request names a0…af.
    let (mut h, _cfg, cpu) = b1_guest(MachineGeneration::Z16, [0x55; 16]);
    put(&mut h, cpu, 0x4000, &asset("asrcb/asrcb_assoc.bin"));
    let add = AddSecretUvcb { addr: 0x4000 };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), (secret::NOT_ALLOWED, 0));
    // A broken tag: cannot decrypt.
    let mut bad = asset("asrcb/asrcb_assoc.bin");
    let n = bad.len();
    bad[n - 1] ^= 1;
    put(&mut h, cpu, 0x4000, &bad);
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), (secret::DECRYPT, 0));
    // Version 2: unsupported version.
    let mut v2 = asset("asrcb/asrcb_assoc.bin");
    v2[0x0a] = 2;
    put(&mut h, cpu, 0x4000, &v2);
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), (secret::VERSION, 0));
    // Not readable.
    let add = AddSecretUvcb { addr: 0x20_0000 };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), (secret::ACCESS, 0));
}

#[test]
fn many_retrievable_secrets_list_in_pages_and_retrieve() {
    use pv_header::request::{AddSecretRequest, BootHdrTags, GuestSecret, RequestKeys, SecretId};
    let (mut h, _cfg, cpu) = b1_guest(MachineGeneration::Z17, CUID);
    let tags = BootHdrTags::from_se_header(&asset("B1/sehdr.bin")).unwrap();
    let host = host_pub("keys/host.crt");
    let mut rng = pv_header::rand::CounterRandom::new(b"many secrets");
    let keys = RequestKeys::generate(&mut rng).unwrap();
    let add = AddSecretUvcb { addr: 0x4000 };
    for i in 0..64u32 {
        let id = SecretId::from_name(&format!("secret-{i}"));
        let s = GuestSecret::plaintext(id, format!("value {i}").as_bytes()).unwrap();
        let req = AddSecretRequest::new(s, tags).seal(&[host], &keys).unwrap();
        put(&mut h, cpu, 0x4000, &req);
        assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), OK, "{i}");
    }
    // 64 retrievable secrets is z17's maximum.
    let s = GuestSecret::plaintext(SecretId::from_name("one more"), b"x").unwrap();
    put(&mut h, cpu, 0x4000, &AddSecretRequest::new(s, tags).seal(&[host], &keys).unwrap());
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), (secret::FULL, 0));
    // 30 association secrets on top: 94 in all, more than one list page (85).
    for i in 0..30u32 {
        let v = pv_header::secret::Secret::new([i as u8; 32]);
        let s = GuestSecret::association(SecretId::from_name(&format!("assoc-{i}")), &v);
        put(&mut h, cpu, 0x4000, &AddSecretRequest::new(s, tags).seal(&[host], &keys).unwrap());
        assert_eq!(guest_rc(&mut h.uv, cpu, 0, &add), OK);
    }
    let list = ListSecretsUvcb { start_idx: 0, list_addr: 0x8000 };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &list), (rc::MORE_DATA, 0));
    let l = SecretList::from_bytes(&get(&mut h, cpu, 0x8000, 4096)).unwrap();
    assert_eq!((l.total, l.entries.len(), l.next_index), (94, 85, 85));
    let list = ListSecretsUvcb { start_idx: l.next_index, ..list };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &list), OK);
    let l2 = SecretList::from_bytes(&get(&mut h, cpu, 0x8000, 4096)).unwrap();
    assert_eq!((l2.entries.len(), l2.next_index, l2.entries[0].index), (9, 0, 85));

    // Retrieve a plaintext secret: its encoding comes back; a short buffer is refused.
    let r = RetrieveSecretUvcb { secret_idx: 7, buf_size: 16, buf_addr: 0x9000 };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &r), OK);
    let out = get(&mut h, cpu, 0x9000, 16);
    let got = pv_header::request::RetrievedSecret::from_uv_output(
        pv_header::request::SecretKind::Plaintext,
        &out,
    );
    assert_eq!(got.data(), b"value 7");
    let r = RetrieveSecretUvcb { buf_size: 15, ..r };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &r), (retrieve::BUF_SMALL, 0));
    let r = RetrieveSecretUvcb { buf_size: 16, buf_addr: GUEST_MSL - 8, ..r };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &r), (retrieve::ACCESS, 0));
}

#[test]
fn retrieve_from_an_empty_store() {
    let (mut h, _cfg, cpu) = b1_guest(MachineGeneration::Z17, CUID);
    let r = RetrieveSecretUvcb { secret_idx: 0, buf_size: 64, buf_addr: 0x9000 };
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &r), (retrieve::EMPTY, 0));
    // Retrieve Secret is not installed on z16: rc 0x0002.
    let (mut h, _cfg, cpu) = b1_guest(MachineGeneration::Z16, CUID);
    assert_eq!(guest_rc(&mut h.uv, cpu, 0, &r), (rc::INV_CMD, 0));
}
