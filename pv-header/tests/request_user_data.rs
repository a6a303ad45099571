//! Signed user data of add-secret requests (se-format.md §4.5): ECDSA-P521 over the
//! request up to the tag with the signature slot zeroed, then the tag recomputed.
#![cfg(feature = "std")]

mod request_support;

use pv_header::Error;
use pv_header::ecc::CustomerKey;
use pv_header::rand::CounterRandom;
use pv_header::request::asrcb::USER_DATA_OFFSET;
use pv_header::request::user_data::verify_signed_user_data;
use pv_header::request::{
    AddSecretRequest, GuestSecret, RequestKeys, RequestOpener, SecretId, UserData, UserDataType,
};
use pv_header::secret::Secret;
use request_support::*;

#[test]
fn ecdsa_signed_user_data() {
    let mut rng = CounterRandom::new(b"signed");
    let keys = RequestKeys::generate(&mut rng).unwrap();
    let host = CustomerKey::generate(&mut rng).unwrap();
    let signer = customer_key();
    let data = b"signed user data".to_vec();
    let req = AddSecretRequest::new(
        GuestSecret::association(SecretId::from_name("s"), &Secret::new([1; 32])),
        s390pv_tags(),
    )
    .with_user_data(UserData::EcdsaP521 { data: data.clone(), key: signer.clone() });
    let bytes = req.seal(&[host.public_key()], &keys).unwrap();
    if let Ok(dir) = std::env::var("PV_HEADER_DUMP_SIGNED") {
        // For a manual cross-check with another ECDSA implementation.
        std::fs::write(format!("{dir}/signed_asrcb.bin"), &bytes).unwrap();
    }
    assert_eq!(&bytes[6..8], &[0, 2]);

    // The Ultravisor opens it (it never checks the signature).
    let o = AddSecretRequest::open(&bytes, &RequestOpener::HostKey(&host)).unwrap();
    assert_eq!(o.user_data_type, UserDataType::EcdsaP521);
    assert_eq!(&o.user_data()[..data.len()], data.as_slice());
    let sig = o.user_data_signature().unwrap();
    assert!((100..=139).contains(&sig.len()) && sig[0] == 0x30, "DER signature");

    // The guest-side tool verifies it.
    let got = verify_signed_user_data(&bytes, &signer.public_key()).unwrap();
    assert_eq!(&got[..data.len()], data.as_slice());
    assert_eq!(got.len(), 256);
    let other = CustomerKey::generate(&mut rng).unwrap();
    assert_eq!(
        verify_signed_user_data(&bytes, &other.public_key()).unwrap_err(),
        Error::UserDataSignature
    );
    // Changing the data breaks the signature (and the tag).
    let mut bad = bytes.clone();
    bad[USER_DATA_OFFSET] ^= 1;
    assert_eq!(
        verify_signed_user_data(&bad, &signer.public_key()).unwrap_err(),
        Error::UserDataSignature
    );
    assert!(AddSecretRequest::open(&bad, &RequestOpener::HostKey(&host)).is_err());

    // Too much data for the signed form.
    let too_long = req.with_user_data(UserData::EcdsaP521 { data: vec![0; 257], key: signer });
    assert_eq!(
        too_long.seal(&[host.public_key()], &keys).unwrap_err(),
        Error::UserDataTooLong { len: 257, max: 256 }
    );
}

#[test]
fn unsigned_requests_have_no_signature() {
    let mut rng = CounterRandom::new(b"unsigned");
    let keys = RequestKeys::generate(&mut rng).unwrap();
    let host = CustomerKey::generate(&mut rng).unwrap();
    let req = AddSecretRequest::new(GuestSecret::null(), s390pv_tags())
        .with_user_data(UserData::Unsigned(b"x".to_vec()));
    let bytes = req.seal(&[host.public_key()], &keys).unwrap();
    assert_eq!(
        verify_signed_user_data(&bytes, &host.public_key()).unwrap_err(),
        Error::UserDataSignature
    );
    let mut rsa = bytes.clone();
    rsa[7] = 3;
    assert_eq!(
        verify_signed_user_data(&rsa, &host.public_key()).unwrap_err(),
        Error::UserDataSigningUnsupported { code: 3 }
    );
}

/// `asrcb/ecdsa_signed_by_openssl.bin`: the request of `ecdsa_signed_user_data`, re-signed
/// by OpenSSL (Python `cryptography`, random k, a 139-byte DER signature) and re-tagged
/// (see PROVENANCE.md). Our verifier accepts a signature we did not make.
#[test]
fn openssl_signature_verifies() {
    let bytes = asset("asrcb/ecdsa_signed_by_openssl.bin");
    let keys = RequestKeys::generate(&mut CounterRandom::new(b"signed")).unwrap();
    let o = AddSecretRequest::open(&bytes, &RequestOpener::ProtectionKey(keys.protection_key()))
        .unwrap();
    assert_eq!(o.user_data_type, UserDataType::EcdsaP521);
    assert_eq!(o.user_data_signature().unwrap().len(), 139);
    let got = verify_signed_user_data(&bytes, &customer_key().public_key()).unwrap();
    assert_eq!(&got[..16], b"signed user data");
}
