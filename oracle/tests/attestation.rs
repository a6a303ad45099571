//! Attestation interop: IBM's `s390_pv` (the library behind `pvattest`) creates fresh
//! attestation requests for `host.crt`; pvsim's ultravisor model, holding `host.key`, runs
//! a pv-ipl image and answers them; `s390_pv` recomputes the measurement from the image's
//! tags (read by its own SE-image parser), the CUID, the user data and its nonce, and
//! accepts ours — and rejects it after one changed bit or another CUID.

mod support;

use std::io::Cursor;

use s390_pv::attest::{
    AdditionalData, AttestationFlags, AttestationItems, AttestationMeasAlg, AttestationMeasurement,
    AttestationRequest, AttestationVersion,
};
use s390_pv::misc::read_certs;
use s390_pv::request::openssl::Nid;
use s390_pv::request::openssl::pkey::{PKey, Public};
use s390_pv::request::{BootHdrTags, EcPubKeyCoord, ReqEncrCtx, Request, SymKeyType, gen_ec_key};
use support::*;

/// The public key of `keys/host.crt`, as `s390_pv` reads it.
fn host_pub() -> PKey<Public> {
    read_certs(asset("keys/host.crt")).unwrap()[0].public_key().unwrap()
}

/// A P-521 key that no test machine holds.
fn foreign_pub() -> PKey<Public> {
    let k = gen_ec_key(Nid::SECP521R1).unwrap();
    PKey::public_key_from_der(&k.public_key_to_der().unwrap()).unwrap()
}

fn flags() -> AttestationFlags {
    let mut f = AttestationFlags::default();
    f.set_image_phkh();
    f.set_attest_phkh();
    f
}

fn request(keys: &[PKey<Public>]) -> (Vec<u8>, AttestationRequest) {
    let mut r =
        AttestationRequest::new(AttestationVersion::One, AttestationMeasAlg::HmacSha512, flags())
            .unwrap();
    for k in keys {
        r.add_hostkey(k.clone());
    }
    let ctx = ReqEncrCtx::random(SymKeyType::Aes256Gcm).unwrap();
    (r.encrypt(&ctx).unwrap(), r)
}

/// `s390_pv`'s measurement for `req` over the given inputs.
fn expected(
    req: &AttestationRequest,
    tags: &BootHdrTags,
    cuid: &[u8; 16],
    user: &[u8],
    add: &[u8],
) -> AttestationMeasurement {
    let conf = req.confidential_data();
    let nonce = conf.nonce().as_ref().map(|n| n.value());
    let items = AttestationItems::new(tags, cuid, Some(user), nonce, Some(add));
    let key = PKey::hmac(conf.measurement_key()).unwrap();
    AttestationMeasurement::calculate(items, AttestationMeasAlg::HmacSha512, &key).unwrap()
}

#[test]
fn s390_pv_verifies_the_models_measurement() {
    let img = image();
    let tags = BootHdrTags::from_se_image(&mut Cursor::new(&img)).unwrap();
    let mut g = Guest::boot(&img);
    let (arcb, req) = request(&[host_pub()]);
    assert_eq!(arcb.len(), 400, "one key slot");
    let user = b"pvsim oracle: user data bound into the measurement";
    let add_len = req.flags().expected_additional_size();
    assert_eq!(add_len, 64);
    let (r, cuid, meas, add) = g.attest(&arcb, user, add_len);
    assert_eq!(r, OK);

    let want = expected(&req, &tags, &cuid, user, &add);
    assert!(want.eq_secure(&meas), "s390_pv accepts the model's measurement");

    // Additional data: both PHKHs are host.crt's, as s390_pv computes them.
    let phkh = EcPubKeyCoord::try_from(&*host_pub()).unwrap().sha256().unwrap();
    let parsed = AdditionalData::from_slice(&add, req.flags()).unwrap();
    assert_eq!(*parsed.image_public_host_key_hash().unwrap(), &phkh[..]);
    assert_eq!(*parsed.attestation_public_host_key_hash().unwrap(), &phkh[..]);

    // One flipped bit anywhere in the measurement: rejected.
    for bit in [0, 7, 255, 511] {
        let mut bad = meas.clone();
        bad[bit / 8] ^= 0x80 >> (bit % 8);
        assert!(!want.eq_secure(&bad), "bit {bit}");
    }
    // Another CUID, other user data, other additional data: rejected.
    let mut other = cuid;
    other[15] ^= 1;
    assert!(!expected(&req, &tags, &other, user, &add).eq_secure(&meas), "cuid");
    assert!(!expected(&req, &tags, &cuid, b"other", &add).eq_secure(&meas), "user data");
    let mut add2 = add.clone();
    add2[0] ^= 1;
    assert!(!expected(&req, &tags, &cuid, user, &add2).eq_secure(&meas), "additional");

    // A second fresh request (new measurement key and nonce) gives a different answer that
    // s390_pv again accepts; the CUID stays the configuration's.
    let (arcb2, req2) = request(&[host_pub()]);
    let (r2, cuid2, meas2, add2) = g.attest(&arcb2, user, add_len);
    assert_eq!((r2, cuid2), (OK, cuid));
    assert_ne!(meas2, meas);
    assert!(expected(&req2, &tags, &cuid, user, &add2).eq_secure(&meas2));
    assert!(!want.eq_secure(&meas2), "old request's measurement");
}

#[test]
fn the_model_finds_its_slot_among_several_and_refuses_without_one() {
    let img = image();
    let tags = BootHdrTags::from_se_image(&mut Cursor::new(&img)).unwrap();
    let mut g = Guest::boot(&img);
    // host.crt in the second of three key slots.
    let (arcb, req) = request(&[foreign_pub(), host_pub(), foreign_pub()]);
    assert_eq!(arcb[0x27], 3);
    let (r, cuid, meas, add) = g.attest(&arcb, &[], 64);
    assert_eq!(r, OK);
    assert!(expected(&req, &tags, &cuid, &[], &add).eq_secure(&meas));

    // No slot for this machine: the request cannot be unsealed (rc 0x010c).
    let (arcb, _) = request(&[foreign_pub()]);
    assert_eq!(g.attest(&arcb, &[], 64).0, (0x010c, 0));
    // A changed authenticated byte (reserved, after the algorithm id): cannot be unsealed.
    let (mut arcb, _) = request(&[host_pub()]);
    arcb[0x3c] ^= 1;
    assert_eq!(g.attest(&arcb, &[], 64).0, (0x010c, 0));
}

#[test]
fn s390_pv_reads_the_tags_of_a_pv_ipl_image() {
    let img = image();
    let tags = BootHdrTags::from_se_image(&mut Cursor::new(&img)).unwrap();
    // SE header v1: PLD/ALD/TLD at 0xe0..0x1a0, the tag in the last 16 bytes.
    let info = pv_ipl::image::ImageInfo::from_bytes(&img).unwrap();
    let hdr = &img[info.header_offset as usize..][..info.header.sehs() as usize];
    let mut want = hdr[0xe0..0x1a0].to_vec();
    want.extend_from_slice(&hdr[hdr.len() - 16..]);
    assert_eq!(tags.as_ref(), &want[..]);
}
