//! The main flow, as far as it exists today: a customer verifies the host-key documents
//! against IBM's (test) chain, builds an SE image for them, and the ultravisor side opens
//! the header with a host private key, unpacks and verifies every page, and answers an
//! attestation request for that image that the customer then verifies.

use std::io::Cursor;
use std::time::{Duration, SystemTime};

use pv_core::{GuestAbs, Psw};
use pv_header::component::{Encryption, Tweak, TweakPrefix, Unpacker, XtsKey};
use pv_header::ecc::CustomerKey;
use pv_header::hdr::SeHdrBuilder;
use pv_header::hkd::{CertVerifier, HkdVerifier, HostKeyDocument, VerifyOptions};
use pv_header::rand::CounterRandom;
use pv_header::request::{
    AttestationFlags, AttestationRequest, BootHdrTags, RequestKeys, RequestOpener,
};
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};

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

/// The ultravisor's Unpack + Verify over the image in storage; returns the plaintext of
/// each component.
fn uv_unpack(image: &[u8], host: &CustomerKey) -> pv_header::Result<Vec<Vec<u8>>> {
    let info = ImageInfo::from_bytes(image).expect("image");
    let hdr = info.header.open_with_host_key(host)?;
    let key = XtsKey::new(hdr.secrets().xts_key().clone())?;
    let mut u = Unpacker::new(&key, Encryption::from_pcf(info.header.pcf().bits()));
    let mut out = Vec::new();
    for c in info.components() {
        let mut plain = Vec::new();
        for i in 0..c.len / 4096 {
            let at = (c.addr + i * 4096) as usize;
            let mut page = [0u8; 4096];
            page.copy_from_slice(&image[at..at + 4096]);
            let tweak = Tweak::new(TweakPrefix(c.tweak_prefix), i * 4096);
            u.unpack_page(GuestAbs(c.addr + i * 4096), tweak, &mut page)?;
            plain.extend_from_slice(&page);
        }
        out.push(plain);
    }
    u.verify(&info.header.digests())?;
    Ok(out)
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
    // Each host can unpack; the plaintext is the customer's input.
    for key in ["host.key", "host2.key"] {
        let comps = uv_unpack(&image, &host_key(key)).unwrap();
        let kernel = asset("kernel.bin");
        assert_eq!(&comps[0][..kernel.len()], &kernel[..], "{key}");
        assert!(comps[0][kernel.len()..].iter().all(|&b| b == 0));
        assert_eq!(&comps[1], &asset("ramdisk.bin"));
        let parm = asset("parmline.txt");
        assert_eq!(&comps[2][..parm.len()], &parm[..]);
        assert_eq!(comps[2][parm.len()], 0, "the command line gets its NUL");
    }

    // Any single flipped byte in a component, or a moved page, makes Verify fail.
    let info = ImageInfo::from_bytes(&image).unwrap();
    let first = info.components()[0].addr as usize;
    let mut bad = image.clone();
    bad[first + 5000] ^= 0x80;
    assert!(uv_unpack(&bad, &host_key("host.key")).is_err());
    let mut swapped = image.clone();
    let (a, b) = (first, first + 4096);
    let page_a = image[a..a + 4096].to_vec();
    swapped.copy_within(b..b + 4096, a);
    swapped[b..b + 4096].copy_from_slice(&page_a);
    assert!(uv_unpack(&swapped, &host_key("host.key")).is_err());

    // Attestation: the customer asks host 1 for a measurement of this image...
    let mut rng = CounterRandom::new(b"attest");
    let flags = AttestationFlags::NONCE | AttestationFlags::IMAGE_PHKH;
    let req = AttestationRequest::new(flags, &mut rng).unwrap();
    let keys = RequestKeys::generate(&mut rng).unwrap();
    let arcb = req.seal(&[*hkds[0].public_key()], &keys).unwrap();
    // ... the ultravisor of host 1 opens it and measures the running image ...
    let host = host_key("host.key");
    let opened = AttestationRequest::open(&arcb, &RequestOpener::HostKey(&host)).unwrap();
    let tags = BootHdrTags::new(
        *info.header.pld(),
        *info.header.ald(),
        *info.header.tld(),
        *info.header.tag(),
    );
    let cuid = [0x5a; 16];
    let image_phkh = hkds[0].phkh();
    let m = opened.measure(&tags, &cuid, b"guest says hi", &image_phkh).unwrap();
    // ... and the customer, holding the arpk, verifies it.
    let mine = AttestationRequest::open(
        &arcb,
        &RequestOpener::Customer { customer: keys.customer(), host: hkds[0].public_key() },
    )
    .unwrap();
    mine.verify(&tags, &cuid, b"guest says hi", &image_phkh, &m).unwrap();
    assert!(mine.verify(&tags, &cuid, b"guest says ho", &image_phkh, &m).is_err());
    // Host 2's key cannot open a request made for host 1.
    assert!(
        AttestationRequest::open(&arcb, &RequestOpener::HostKey(&host_key("host2.key"))).is_err()
    );
}
