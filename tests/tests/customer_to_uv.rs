//! The main flow, as far as it exists today: a customer verifies the host-key documents
//! against IBM's (test) chain and builds an SE image for them; each host's ultravisor
//! (pv-ultravisor, driven through architected UVCB bytes as KVM drives it) creates a
//! secure configuration, opens the header with its private key, unpacks and verifies
//! every page; the guest asks it for an attestation measurement that the customer then
//! verifies. Tampered or reordered pages fail Verify with the spec's reason codes.

use std::io::Cursor;
use std::time::{Duration, SystemTime};

use pv_core::uvc::guest::AttestUvcb;
use pv_core::uvc::uvcb::CtsUvcb;
use pv_core::uvc::{Ultravisor as _, UvcCmd, UvcInstr, Uvcb, call, rc};
use pv_core::{GuestAbs, Psw, Storage as _, StorageFault};
use pv_header::ecc::CustomerKey;
use pv_header::hdr::SeHdrBuilder;
use pv_header::hkd::{CertVerifier, HkdVerifier, HostKeyDocument, VerifyOptions};
use pv_header::rand::CounterRandom;
use pv_header::request::{
    AttestationFlags, AttestationRequest, BootHdrTags, RequestKeys, RequestOpener,
};
use pv_hypervisor::pv_boot::{self, PvBootError, PvLayout};
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};
use pv_ultravisor::{GuestUvcOutcome, MachineGeneration, MachineSpec, Ultravisor};

fn asset(name: &str) -> Vec<u8> {
    let p = format!("{}/assets/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn host_key(name: &str) -> CustomerKey {
    CustomerKey::from_pem(&String::from_utf8(asset(name)).unwrap()).unwrap()
}

/// A time inside the validity of IBM's test chain: the host-key document's own notBefore
/// plus a day (the chain was made to be valid around then).
fn verify_time(hkd: &HostKeyDocument) -> SystemTime {
    hkd.not_before() + Duration::from_secs(86_400)
}

fn verifier(at: SystemTime) -> CertVerifier {
    let certs = [asset("ibm.crt"), asset("inter_ca.crt")];
    let crls = [asset("ibm.crl"), asset("inter_ca.crl"), asset("root_ca.crl")];
    let c: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let r: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    CertVerifier::new(
        &c,
        &r,
        Some(&asset("root_ca.crt")),
        VerifyOptions { time: at, offline: true },
    )
    .expect("IBM test chain")
}

/// Builds an image for `hkds`; returns its bytes.
fn build_image(hkds: &[HostKeyDocument], seed: &[u8]) -> Vec<u8> {
    let mut rng = CounterRandom::new(seed);
    let builder = SeHdrBuilder::new(hkds.iter().map(|h| *h.public_key()), Psw::new_64bit(0));
    let (k, r, p) = (asset("kernel.bin"), asset("ramdisk.bin"), asset("parmline.txt"));
    let inputs = ImageInputs {
        kernel: &mut &k[..],
        ramdisk: Some(&mut &r[..]),
        cmdline: Some(&mut &p[..]),
        stage3a: None,
        stage3b: None,
    };
    let mut out = Cursor::new(Vec::new());
    create_image(&mut out, builder, inputs, &CreateOptions::default(), &mut rng).unwrap();
    out.into_inner()
}

/// Host storage layout of the flow (absolute addresses; the machine has 8 GiB, sparse).
const LAYOUT: PvLayout = PvLayout::SPARSE_8G;
/// Guest pages the attestation call uses (imported after Verify).
const ARCB_AT: u64 = 0x300_0000;
const MEAS_AT: u64 = 0x300_1000;
const ADD_AT: u64 = 0x300_2000;
const GUEST_UVCB: u64 = 0x300_3000;
const OK: Option<(u16, u16)> = Some((rc::EXECUTED, 0));

/// An image loaded into a secure configuration of an ultravisor.
struct Booted {
    uv: Ultravisor,
    cfg: u64,
    cpu: u64,
    info: ImageInfo,
}

/// Boots `image` on a machine holding the host key `key` (`None`: the preset's own key
/// pair, which no image of this test has a slot for) the way KVM does
/// (pv-hypervisor's `pv_boot`: Initialize, Create Configuration and CPU, Set Secure
/// Configuration Parameters, Unpack per page, Verify); the first failing call and its
/// rc/rrc otherwise.
fn boot(image: &[u8], key: Option<&str>) -> Result<Booted, (UvcCmd, u16, u16)> {
    let spec = MachineSpec::preset(MachineGeneration::Z16);
    let mut uv = Ultravisor::new(match key {
        Some(k) => spec.with_host_key(host_key(k)),
        None => spec,
    });
    // The loader placed the image at guest absolute 0.
    uv.host_storage().write(GuestAbs(LAYOUT.mso), image).unwrap();
    let info = ImageInfo::from_bytes(image).unwrap();
    let hdr = &image[info.header_offset as usize..][..info.header.sehs() as usize];
    match pv_boot::boot(&mut uv, &LAYOUT, hdr, info.components(), 1) {
        Ok(g) => {
            assert_eq!(g.pages, info.components().iter().map(|c| c.len / 4096).sum::<u64>());
            Ok(Booted { uv, cfg: g.config, cpu: g.cpus[0], info })
        }
        Err(PvBootError::Uvc { cmd, rc, rrc }) => Err((cmd, rc, rrc)),
        Err(e) => panic!("{e}"),
    }
}

impl Booted {
    /// The guest's view of its storage (the host's view of these pages faults).
    fn guest_read(&mut self, g: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        self.uv.guest_storage(self.cpu).unwrap().read(GuestAbs(g), &mut v).unwrap();
        v
    }

    /// The plaintext of every component, as the guest sees it.
    fn components(&mut self) -> Vec<Vec<u8>> {
        let list: Vec<(u64, u64)> =
            self.info.components().iter().map(|c| (c.addr, c.len)).collect();
        list.into_iter().map(|(a, l)| self.guest_read(a, l as usize)).collect()
    }

    /// A guest UVC with the UVCB at [`GUEST_UVCB`] (a secure page).
    fn guest_call<T: Uvcb>(&mut self, u: &T) -> (GuestUvcOutcome, T) {
        let image = u.to_image();
        let mut view = self.uv.guest_storage(self.cpu).unwrap();
        view.write(GuestAbs(GUEST_UVCB), &image[..T::LEN]).unwrap();
        let out = self.uv.guest_uvc(self.cpu, UvcInstr::at(GUEST_UVCB)).unwrap();
        let mut back = vec![0u8; T::LEN];
        self.uv.guest_storage(self.cpu).unwrap().read(GuestAbs(GUEST_UVCB), &mut back).unwrap();
        (out, T::decode(&back))
    }
}

#[test]
fn verified_hkds_to_image_to_unpack_to_attestation() {
    let hkds = vec![
        HostKeyDocument::read(&asset("host.crt")).unwrap(),
        HostKeyDocument::read(&asset("host2.crt")).unwrap(),
    ];
    let at = verify_time(&hkds[0]);
    let v = verifier(at);
    for h in &hkds {
        v.verify(h).expect("good host-key documents verify");
    }
    // A revoked document is refused before it can get a key slot.
    let revoked = HostKeyDocument::read(&asset("host_rev.crt")).unwrap();
    assert!(v.verify(&revoked).is_err());

    let image = build_image(&hkds, b"flow");
    // Each host's ultravisor boots it; the guest sees the customer's input.
    for key in ["host.key", "host2.key"] {
        let mut b = boot(&image, Some(key)).unwrap_or_else(|e| panic!("{key}: {e:?}"));
        let comps = b.components();
        let kernel = asset("kernel.bin");
        assert_eq!(&comps[0][..kernel.len()], &kernel[..], "{key}");
        assert!(comps[0][kernel.len()..].iter().all(|&b| b == 0));
        assert_eq!(&comps[1], &asset("ramdisk.bin"));
        let parm = asset("parmline.txt");
        assert_eq!(&comps[2][..parm.len()], &parm[..]);
        assert_eq!(comps[2][parm.len()], 0, "the command line gets its NUL");
        // The host sees none of it.
        let kaddr = b.info.components()[0].addr;
        let mut buf = [0u8; 16];
        let r = b.uv.host_storage().read(GuestAbs(LAYOUT.mso + kaddr), &mut buf);
        assert!(matches!(r, Err(StorageFault::SecureStorageAccess { .. })), "{r:?}");
    }
    // A machine whose key has no slot in the header refuses it (se-format.md §6.4).
    let (cmd, ..) = boot(&image, None).err().expect("no key slot for this host");
    assert_eq!(cmd, UvcCmd::SetParams);

    // Any single flipped byte in a component, or a moved page, makes Verify fail with
    // the reason the spec gives (PLD for content, PLD for a swap of two pages' bytes).
    let info = ImageInfo::from_bytes(&image).unwrap();
    let first = info.components()[0].addr as usize;
    let mut bad = image.clone();
    bad[first + 5000] ^= 0x80;
    let e = boot(&bad, Some("host.key")).err().expect("tampered page accepted");
    assert_eq!(e, (UvcCmd::Verify, 0x0102, 0x1b));
    let mut swapped = image.clone();
    let (a, b) = (first, first + 4096);
    let page_a = image[a..a + 4096].to_vec();
    swapped.copy_within(b..b + 4096, a);
    swapped[b..b + 4096].copy_from_slice(&page_a);
    let e = boot(&swapped, Some("host.key")).err().expect("swapped pages accepted");
    assert_eq!(e, (UvcCmd::Verify, 0x0102, 0x1b));

    // Attestation: the customer asks host 1 for a measurement of this image...
    let mut rng = CounterRandom::new(b"attest");
    let flags = AttestationFlags::NONCE | AttestationFlags::IMAGE_PHKH;
    let req = AttestationRequest::new(flags, &mut rng).unwrap();
    let keys = RequestKeys::generate(&mut rng).unwrap();
    let arcb = req.seal(&[*hkds[0].public_key()], &keys).unwrap();
    // ... the guest running on host 1 passes it to its ultravisor ...
    let mut b = boot(&image, Some("host.key")).unwrap();
    for g in [ARCB_AT, MEAS_AT, ADD_AT, GUEST_UVCB] {
        let u = CtsUvcb { guest_handle: b.cfg, gaddr: g };
        assert_eq!(call(&mut b.uv, LAYOUT.uvcb, &u).unwrap().0.rc_rrc(), OK, "import {g:#x}");
    }
    b.uv.guest_storage(b.cpu).unwrap().write(GuestAbs(ARCB_AT), &arcb).unwrap();
    let user = b"guest says hi";
    let mut u = AttestUvcb {
        arcb_addr: ARCB_AT,
        user_data_len: user.len() as u16,
        meas_len: 64,
        meas_addr: MEAS_AT,
        add_data_len: 64,
        add_data_addr: ADD_AT,
        ..Default::default()
    };
    u.user_data[..user.len()].copy_from_slice(user);
    let (out, back) = b.guest_call(&u);
    assert!(matches!(out, GuestUvcOutcome::Done(o) if o.rc_rrc() == OK), "{out:?}");
    let m = b.guest_read(MEAS_AT, 64);
    let additional = b.guest_read(ADD_AT, flags.additional_size());
    assert_eq!(additional, hkds[0].phkh(), "IMAGE_PHKH: the host key that opened the header");
    // ... and the customer, holding the arpk, verifies it against the image it built.
    let tags = BootHdrTags::new(
        *info.header.pld(),
        *info.header.ald(),
        *info.header.tld(),
        *info.header.tag(),
    );
    let mine = AttestationRequest::open(
        &arcb,
        &RequestOpener::Customer { customer: keys.customer(), host: hkds[0].public_key() },
    )
    .unwrap();
    mine.verify(&tags, &back.config_uid, user, &additional, &m).unwrap();
    assert!(mine.verify(&tags, &back.config_uid, b"guest says ho", &additional, &m).is_err());
    // Host 2's key cannot open a request made for host 1.
    assert!(
        AttestationRequest::open(&arcb, &RequestOpener::HostKey(&host_key("host2.key"))).is_err()
    );
}
