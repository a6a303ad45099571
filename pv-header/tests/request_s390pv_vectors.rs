//! IBM's own known answers from the `s390_pv` crate (tests/assets/exp/, README of the
//! shared vectors `s390_pv-assets/`): key slot, ARCB, every ASRCB file and the exchange
//! file, reproduced byte for byte from the stated parameters, and opened again from the
//! customer side (the host private key of `host.pem.crt` is not shipped).
#![cfg(feature = "std")]

mod request_support;

use pv_header::keyslot::Keyslot;
use pv_header::request::exchange::HEADER_LEN;
use pv_header::request::{
    AddSecretFlags, AddSecretRequest, AttestationFlags, AttestationRequest, ExchangeResponse,
    ExtensionSecret, GuestSecret, RequestOpener, SecretId, SecretKind, UserDataType,
};
use pv_header::secret::Secret;
use request_support::*;

#[test]
fn keyslot_bin() {
    let slot = Keyslot::wrap(&Secret::new([0x17; 32]), &s390pv_host(), &customer_key());
    assert_eq!(slot.to_bytes().as_slice(), asset("exp/keyslot.bin").as_slice());
}

fn arcb_request() -> AttestationRequest {
    AttestationRequest::with_secrets(
        AttestationFlags::IMAGE_PHKH | AttestationFlags::ATTESTATION_PHKH,
        Secret::new([0x77; 64]),
        Some(Secret::new([0xab; 16])),
    )
}

#[test]
fn arcb_bin_reproduced() {
    let got = arcb_request().seal(&[s390pv_host()], &s390pv_request_keys()).unwrap();
    assert_eq!(got, asset("exp/arcb.bin"));
}

#[test]
fn arcb_bin_opens_from_the_customer_side() {
    let bytes = asset("exp/arcb.bin");
    let cust = customer_key();
    let host = s390pv_host();
    let o =
        AttestationRequest::open(&bytes, &RequestOpener::Customer { customer: &cust, host: &host })
            .unwrap();
    assert_eq!(o.protection_key.expose(), &[0x17; 32]);
    assert_eq!(o.measurement_key.expose(), &[0x77; 64]);
    assert_eq!(o.nonce.as_ref().unwrap().expose(), &[0xab; 16]);
    assert_eq!(
        o.flags,
        AttestationFlags::NONCE | AttestationFlags::IMAGE_PHKH | AttestationFlags::ATTESTATION_PHKH
    );
    assert_eq!((o.nks, o.iv, o.additional_size()), (1, [0x55; 12], 64));
    assert_eq!(o.customer_key, cust.public_coords());
    // The arpk alone opens it too (pvattest verify --arpk).
    let k = Secret::new([0x17; 32]);
    let o2 = AttestationRequest::open(&bytes, &RequestOpener::ProtectionKey(&k)).unwrap();
    assert_eq!(o2.measurement_key.expose(), &[0x77; 64]);
    // A key that is not the customer's fails the slot.
    let other = pv_header::ecc::CustomerKey::from_scalar_bytes(&[1; 66]).unwrap();
    assert_eq!(
        AttestationRequest::open(
            &bytes,
            &RequestOpener::Customer { customer: &other, host: &host }
        )
        .unwrap_err(),
        pv_header::Error::KeySlotAuth
    );
}

/// The parameters a file name `<secret>_<ext>_<flags>_<cuid>_<keys>` stands for.
fn asrcb_for(name: &str) -> (AddSecretRequest, usize) {
    let parts: Vec<&str> = name.split('_').collect();
    let [secret, ext, flags, cuid, keys] = parts[..] else { panic!("{name}") };
    let secret = match secret {
        "null" => GuestSecret::null(),
        "assoc" => GuestSecret::association(
            SecretId::from_name("add_secret_request"),
            &Secret::new([0x11; 32]),
        ),
        _ => panic!("{name}"),
    };
    let ext = match ext {
        "none" => ExtensionSecret::Zero,
        "simple" => ExtensionSecret::Simple(Secret::new([0x17; 32])),
        "derived" => ExtensionSecret::DerivedFromCck(Secret::new([0; 32])),
        _ => panic!("{name}"),
    };
    let mut req = AddSecretRequest::new(secret, s390pv_tags()).with_extension_secret(ext);
    if flags == "dump" {
        req = req.with_flags(AddSecretFlags::DISABLE_DUMP);
    }
    if cuid == "cuid" {
        req = req.with_cuid([0x42; 16]);
    }
    let nks = if keys == "seven" { 7 } else { 1 };
    (req, nks)
}

const ASRCB_FILES: [&str; 9] = [
    "assoc_derived_default_cuid_one",
    "assoc_none_default_cuid_one",
    "assoc_simple_default_cuid_one",
    "null_derived_default_cuid_one",
    "null_none_default_cuid_one",
    "null_none_default_cuid_seven",
    "null_none_default_ncuid_one",
    "null_none_dump_cuid_one",
    "null_simple_default_cuid_one",
];

#[test]
fn every_asrcb_file_reproduced() {
    let host = s390pv_host();
    let keys = s390pv_request_keys();
    for name in ASRCB_FILES {
        let (req, nks) = asrcb_for(name);
        let got = req.seal(&vec![host; nks], &keys).unwrap();
        assert_eq!(got, asset(&format!("exp/asrcb/{name}")), "{name}");
    }
}

#[test]
fn every_asrcb_file_opens_from_the_customer_side() {
    let host = s390pv_host();
    let cust = customer_key();
    let opener = RequestOpener::Customer { customer: &cust, host: &host };
    for name in ASRCB_FILES {
        let (req, nks) = asrcb_for(name);
        let o = AddSecretRequest::open(&asset(&format!("exp/asrcb/{name}")), &opener).unwrap();
        assert_eq!(o.nks, nks, "{name}");
        assert_eq!(o.secret, *req.secret(), "{name}");
        assert_eq!(o.user_data_type, UserDataType::None);
        assert_eq!(o.tags, s390pv_tags());
        assert_eq!(o.protection_key.expose(), &[0x17; 32]);
        assert_eq!(o.has_cuid(), name.contains("_cuid_"), "{name}");
        assert_eq!(o.flags.contains(AddSecretFlags::DISABLE_DUMP), name.contains("_dump_"));
        let want_ext = match name.split('_').nth(1) {
            Some("simple") => [0x17; 32],
            Some("none") => [0; 32],
            _ => {
                *pv_header::request::asrcb::derive_extension_secret(&Secret::new([0; 32]), &[4; 16])
                    .expose()
            }
        };
        assert_eq!(o.extension_secret.expose(), &want_ext, "{name}");
        if name.starts_with("assoc") {
            assert_eq!(o.secret.kind(), SecretKind::Association);
            assert_eq!(o.secret.value().expose(), &[0x11; 32]);
            assert_eq!(o.secret.id(), Some(&SecretId::from_name("add_secret_request")));
        }
    }
}

#[test]
fn exchange_bin_round_trip() {
    let bytes = asset("exp/exchange.bin");
    let r = ExchangeResponse::from_bytes(&bytes).unwrap();
    assert_eq!(r.arcb(), &[0x11; 16]);
    assert_eq!(r.measurement(), &[0x12; 64]);
    assert_eq!(r.additional(), &[0x13; 32]);
    assert_eq!(r.user_data().len(), 256);
    assert_eq!(r.cuid(), &bytes[bytes.len() - 16..]);
    assert_eq!(r.to_bytes(), bytes);
    assert!(bytes.len() > HEADER_LEN);
}
