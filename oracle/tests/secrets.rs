//! Add-secret interop: IBM's `s390_pv` (the library behind `pvsecret`) builds add-secret
//! requests for the tags of a pv-ipl image (read by its own parser) and the CUID the model
//! reported in an attestation; pvsim's ultravisor model, holding `host.key`, accepts them,
//! lists them under the id `s390_pv` derived, and refuses them where it must.

mod support;

use std::io::Cursor;

use s390_pv::attest::{
    AttestationFlags, AttestationMeasAlg, AttestationRequest, AttestationVersion,
};
use s390_pv::misc::read_certs;
use s390_pv::request::openssl::pkey::{PKey, Public};
use s390_pv::request::{BootHdrTags, Confidential, ReqEncrCtx, Request, SymKeyType};
use s390_pv::secret::{AddSecretFlags, AddSecretRequest, AddSecretVersion, ExtSecret, GuestSecret};
use support::*;

/// ASRCB v1: key slots start at 0x4b8; the listable-secret header follows them and holds
/// the id at +0x10 (`crypto-perf-and-oracle.md` §6.3). `s390_pv` 0.12.0's `bin_id` reads
/// the wrong place (§6.6), so the oracle reads it here.
fn id_in(asrcb: &[u8]) -> [u8; 32] {
    let nks = asrcb[0x27] as usize;
    asrcb[0x4b8 + 80 * nks + 0x10..][..32].try_into().unwrap()
}

fn host_pub() -> PKey<Public> {
    read_certs(asset("keys/host.crt")).unwrap()[0].public_key().unwrap()
}

fn asrcb(
    secret: GuestSecret,
    tags: BootHdrTags,
    cuid: [u8; 16],
    ext: Option<ExtSecret>,
) -> Vec<u8> {
    let mut r =
        AddSecretRequest::new(AddSecretVersion::One, secret, tags, AddSecretFlags::default());
    r.set_cuid(cuid);
    if let Some(e) = ext {
        r.set_ext_secret(e).unwrap();
    }
    r.add_hostkey(host_pub());
    r.encrypt(&ReqEncrCtx::random(SymKeyType::Aes256Gcm).unwrap()).unwrap()
}

/// Boots a fresh image and learns its CUID the way a customer does: by attestation.
fn booted() -> (Guest, BootHdrTags, [u8; 16]) {
    let img = image();
    let tags = BootHdrTags::from_se_image(&mut Cursor::new(&img)).unwrap();
    let mut g = Guest::boot(&img);
    let mut req = AttestationRequest::new(
        AttestationVersion::One,
        AttestationMeasAlg::HmacSha512,
        AttestationFlags::default(),
    )
    .unwrap();
    req.add_hostkey(host_pub());
    let arcb = req.encrypt(&ReqEncrCtx::random(SymKeyType::Aes256Gcm).unwrap()).unwrap();
    let (r, cuid, _, _) = g.attest(&arcb, &[], 0);
    assert_eq!(r, OK);
    (g, tags, cuid)
}

#[test]
fn the_model_accepts_and_lists_s390_pv_secrets() {
    let (mut g, tags, cuid) = booted();

    // An association secret with a derived extension secret (CCK as input key material).
    let assoc = GuestSecret::association("oracle association", None).unwrap();
    let cck = ExtSecret::Derived(Confidential::new([0x42; 32]));
    let a = asrcb(assoc, tags, cuid, Some(cck));
    let assoc_id = GuestSecret::name_to_id("oracle association").unwrap();
    assert_eq!(id_in(&a), assoc_id.as_ref());
    // The known bin_id bug: it returns request bytes 0x40..0x60 (inside the PLD).
    let buggy = AddSecretRequest::bin_id(&a).unwrap().unwrap();
    assert_eq!(buggy.as_ref(), &a[0x40..0x60]);
    assert_eq!(AddSecretRequest::bin_tag(&a).unwrap(), &a[a.len() - 16..]);
    assert_eq!(g.add_secret(&a), OK);

    // A retrievable AES-256 key and a retrievable plaintext.
    let aes = GuestSecret::aes("oracle aes", Confidential::new(vec![0x33; 32])).unwrap();
    let b = asrcb(aes, tags, cuid, None);
    assert_eq!(g.add_secret(&b), OK);
    let text = b"a retrievable plaintext secret".to_vec();
    let plain = GuestSecret::plaintext("oracle note", Confidential::new(text.clone())).unwrap();
    let c = asrcb(plain, tags, cuid, None);
    // s390_pv seals a plaintext as be16(length) ‖ text, zero-padded to a multiple of 16.
    let mut sealed = vec![0, text.len() as u8];
    sealed.extend_from_slice(&text);
    sealed.resize(sealed.len().next_multiple_of(16), 0);
    assert_eq!(sealed.len(), 32);
    assert_eq!(g.add_secret(&c), OK);

    let l = g.list();
    assert_eq!((l.total, l.next_index, l.entries.len()), (3, 0, 3));
    let want: [(&str, [u8; 32], u16, u32); 3] = [
        ("association", id_in(&a), 2, 32),
        ("aes-256", id_in(&b), 6, 32),
        ("plaintext", id_in(&c), 3, sealed.len() as u32),
    ];
    for (i, (what, id, kind, len)) in want.into_iter().enumerate() {
        let e = l.entries[i];
        assert_eq!((e.index, e.kind, e.len, e.id.0), (i as u16, kind, len, id), "{what}");
    }
    assert_eq!(l.entries[1].id.0, GuestSecret::name_to_id("oracle aes").unwrap().as_ref());

    // Association secrets stay inside; the plaintext comes back as s390_pv sealed it.
    assert_eq!(g.retrieve(0).0, (0x0111, 0));
    let (r, out) = g.retrieve(2);
    assert_eq!(r, OK);
    assert_eq!(&out[..sealed.len()], &sealed[..]);
}

#[test]
fn the_model_refuses_what_it_must() {
    let (mut g, tags, cuid) = booted();
    let name = "oracle association";
    let a = asrcb(GuestSecret::association(name, None).unwrap(), tags, cuid, None);
    assert_eq!(g.add_secret(&a), OK);
    // Same id again (fresh request, new value): unable to add.
    let again = asrcb(GuestSecret::association(name, None).unwrap(), tags, cuid, None);
    assert_eq!(g.add_secret(&again), (0x010c, 0));

    // Bound to another configuration (CUID) or another image (tag): refused.
    let mut other = cuid;
    other[0] ^= 1;
    let s = || GuestSecret::association("second", None).unwrap();
    assert_eq!(g.add_secret(&asrcb(s(), tags, other, None)), (0x0101, 0));
    let mut raw = tags.as_ref().to_vec();
    raw[0xc0] ^= 1;
    let wrong_tag: BootHdrTags = raw.try_into().unwrap();
    assert_eq!(g.add_secret(&asrcb(s(), wrong_tag, cuid, None)), (0x0101, 0));

    // A flipped ciphertext bit: cannot be unsealed.
    let mut bad = asrcb(s(), tags, cuid, None);
    let n = bad.len();
    bad[n - 20] ^= 1;
    assert_eq!(g.add_secret(&bad), (0x0108, 0));
    assert_eq!(g.list().entries.len(), 1, "nothing refused was stored");
}
