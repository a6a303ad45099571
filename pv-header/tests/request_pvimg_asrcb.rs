//! Add-secret requests made by the real `pvsecret create` for image B1 (shared vectors
//! `pvimg/asrcb/`, README §6), opened with the host private key as the Ultravisor would.
#![cfg(feature = "std")]

mod request_support;

use pv_header::ecc::CustomerKey;
use pv_header::request::asrcb::{CUSTOMER_KEY_OFFSET, derive_extension_secret, peek_secret_id};
use pv_header::request::envelope::Envelope;
use pv_header::request::{
    AddSecretFlags, AddSecretRequest, BootHdrTags, ExtensionSecret, GuestSecret, RequestKeys,
    RequestKind, RequestOpener, SecretId, SecretKind, UserData, UserDataType,
};
use pv_header::secret::Secret;
use request_support::*;

fn b1_tags() -> BootHdrTags {
    BootHdrTags::from_se_header(&asset("attest/b1_sehdr.bin")).unwrap()
}

fn cck() -> Secret<32> {
    Secret::from_slice(&asset("asrcb/cck.bin")).unwrap()
}

const CUID: [u8; 16] = [
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
];

#[test]
fn association_request() {
    let v = json("asrcb/values.json");
    let v = &v["assoc"];
    let bytes = asset("asrcb/asrcb_assoc.bin");
    let host = pvimg_host_key();
    let o = AddSecretRequest::open(&bytes, &RequestOpener::HostKey(&host)).unwrap();

    assert_eq!(o.secret.kind(), SecretKind::Association);
    assert_eq!(o.secret.value().expose(), asset("asrcb/assoc_secret.bin").as_slice());
    let id = SecretId::from_name("pvimg-vector-assoc");
    assert_eq!(o.secret.id(), Some(&id));
    assert_eq!(id.0.as_slice(), hex_field(v, "secret_id").as_slice());
    // The id read directly at 0x4b8 + 80·nks + 0x10.
    let off = 0x4b8 + 80 * o.nks + 0x10;
    assert_eq!(&bytes[off..off + 32], id.0.as_slice());
    assert_eq!(peek_secret_id(&bytes).unwrap(), (SecretKind::Association, Some(id)));
    let meta = asset("asrcb/asrcb_meta.bin");
    assert_eq!(peek_secret_id(&meta).unwrap(), (SecretKind::Null, None));

    let tags = b1_tags();
    assert_eq!(o.tags, tags);
    let derived = derive_extension_secret(&cck(), &tags.tag);
    assert_eq!(derived.expose().as_slice(), hex_field(v, "derived_extension_secret").as_slice());
    assert_eq!(o.extension_secret, derived);
    assert!(o.extension_secret_is_derived_from(&cck()));
    assert!(!o.extension_secret_is_derived_from(&Secret::new([0; 32])));
    assert_eq!(o.flags, AddSecretFlags::DISABLE_DUMP);
    assert_eq!(o.cuid, CUID);
    assert_eq!(o.user_data_type, UserDataType::Unsigned);
    let ud = asset("asrcb/user_data.bin");
    assert_eq!(&o.user_data()[..ud.len()], ud.as_slice());
    assert!(o.user_data()[ud.len()..].iter().all(|&b| b == 0));
    assert_eq!(o.user_data().len(), 512);
    assert_eq!(o.protection_key.expose().as_slice(), hex_field(v, "prot_key").as_slice());

    let env = Envelope::parse(&bytes, RequestKind::AddSecret).unwrap();
    assert_eq!(env.aad().len() as u64, v["aad_end"].as_u64().unwrap());
    assert_eq!(env.sea() as u64, v["sea"].as_u64().unwrap());

    // The YAML pvsecret wrote names the same id.
    let yaml = String::from_utf8(asset("asrcb/pvimg-vector-assoc.yaml")).unwrap();
    assert!(yaml.contains(&hex::encode(id.0)));

    // Our builder, given the same inputs (and IV, protection key), writes the same
    // authenticated fields; only the random customer key and its slot differ.
    let value = Secret::<32>::from_slice(&asset("asrcb/assoc_secret.bin")).unwrap();
    let req = AddSecretRequest::new(GuestSecret::association(id, &value), tags)
        .with_flags(AddSecretFlags::DISABLE_DUMP)
        .with_cuid(CUID)
        .with_user_data(UserData::Unsigned(ud))
        .with_extension_secret(ExtensionSecret::DerivedFromCck(cck()));
    let keys = RequestKeys::new(
        o.iv,
        o.protection_key.clone(),
        CustomerKey::from_scalar_bytes(&[1; 66]).unwrap(),
    );
    let ours = req.seal(&[host.public_key()], &keys).unwrap();
    assert_eq!(ours.len(), bytes.len());
    assert_eq!(&ours[..CUSTOMER_KEY_OFFSET], &bytes[..CUSTOMER_KEY_OFFSET]);
    let hdr = 0x4b8 + 80;
    assert_eq!(&ours[hdr..hdr + 48], &bytes[hdr..hdr + 48]);
    let back = AddSecretRequest::open(&ours, &RequestOpener::HostKey(&host)).unwrap();
    assert_eq!(back.secret, o.secret);
    assert_eq!(back.extension_secret, o.extension_secret);
}

#[test]
fn meta_request() {
    let v = json("asrcb/values.json");
    let v = &v["meta"];
    let bytes = asset("asrcb/asrcb_meta.bin");
    let host = pvimg_host_key();
    let o = AddSecretRequest::open(&bytes, &RequestOpener::HostKey(&host)).unwrap();
    assert_eq!(o.secret, GuestSecret::null());
    assert_eq!(o.secret.id(), None);
    assert_eq!(o.extension_secret.expose(), &[0; 32]);
    assert_eq!(o.flags, AddSecretFlags::empty());
    assert!(!o.has_cuid());
    assert_eq!(o.user_data_type, UserDataType::None);
    assert!(o.user_data().is_empty());
    assert_eq!(o.tags, b1_tags());
    assert_eq!(o.protection_key.expose().as_slice(), hex_field(v, "prot_key").as_slice());
    let env = Envelope::parse(&bytes, RequestKind::AddSecret).unwrap();
    assert_eq!(env.aad().len() as u64, v["aad_end"].as_u64().unwrap());
    assert_eq!(env.sea() as u64, v["sea"].as_u64().unwrap());

    // host2 has no slot; a flipped tag byte fails authentication.
    let host2 =
        CustomerKey::from_pem(std::str::from_utf8(&asset("keys/host2.key")).unwrap()).unwrap();
    assert_eq!(
        AddSecretRequest::open(&bytes, &RequestOpener::HostKey(&host2)).unwrap_err(),
        pv_header::Error::NoMatchingKeySlot
    );
    let mut bad = bytes.clone();
    let n = bad.len();
    bad[n - 1] ^= 0x80;
    assert_eq!(
        AddSecretRequest::open(&bad, &RequestOpener::HostKey(&host)).unwrap_err(),
        pv_header::Error::RequestAuth
    );
}
