//! Attestation vectors made by the real `pvattest` (shared vectors `pvimg/attest/`, README
//! §5): the exchange-file request opens with the host private key, its secrets equal
//! `values.json`, our measurement over the simulated response's inputs equals the one
//! `pvattest verify` accepted, and the tampered response fails.
#![cfg(feature = "std")]

mod request_support;

use pv_header::Error;
use pv_header::ecc::{derive_kek, ecdh_z, phkh};
use pv_header::request::{
    AdditionalData, AttestationFlags, AttestationRequest, BootHdrTags, ExchangeRequest,
    ExchangeResponse, MeasurementAlgorithm, MeasurementInput, RequestOpener,
};
use pv_header::secret::Secret;
use request_support::*;

fn values() -> serde_json::Value {
    json("attest/values.json")
}

fn b1_tags() -> BootHdrTags {
    BootHdrTags::from_se_header(&asset("attest/b1_sehdr.bin")).unwrap()
}

#[test]
fn request_opens_with_host_key() {
    let v = values();
    let file = asset("attest/request.bin");
    let req = ExchangeRequest::from_bytes(&file).unwrap();
    assert_eq!(req.to_bytes(), file, "exchange request re-written byte for byte");
    assert_eq!((req.measurement_size(), req.additional_size()), (64, 64));
    assert_eq!(req.arcb().len() as u64, v["arcb_len"].as_u64().unwrap());

    let host = pvimg_host_key();
    let o = AttestationRequest::open(req.arcb(), &RequestOpener::HostKey(&host)).unwrap();
    let flags = u64::from_str_radix(v["arcb_flags"].as_str().unwrap().trim_start_matches("0x"), 16);
    assert_eq!(o.flags.bits(), flags.unwrap());
    assert_eq!(o.algorithm, MeasurementAlgorithm::HmacSha512);
    assert_eq!(o.algorithm.code() as u64, v["mai"].as_u64().unwrap());
    assert_eq!(o.nks as u64, v["nks"].as_u64().unwrap());
    assert_eq!(o.iv.as_slice(), hex_field(&v, "iv").as_slice());
    assert_eq!(o.protection_key.expose().as_slice(), hex_field(&v, "arpk").as_slice());
    assert_eq!(o.protection_key.expose().as_slice(), asset("attest/arpk.key").as_slice());
    assert_eq!(o.measurement_key.expose().as_slice(), hex_field(&v, "measurement_key").as_slice());
    assert_eq!(o.nonce.as_ref().unwrap().expose().as_slice(), hex_field(&v, "nonce").as_slice());
    assert_eq!(o.additional_size(), 64);

    // The intermediate values too: ECDH Z (66 bytes) and the KEK.
    let cust = o.customer_key.to_public_key().unwrap();
    assert_eq!(ecdh_z(host.secret_key(), &cust).expose().as_slice(), hex_field(&v, "ecdh_Z_host"));
    assert_eq!(derive_kek(host.secret_key(), &cust).expose().as_slice(), hex_field(&v, "kek"));

    // The arpk alone opens it; another host key has no slot.
    let arpk = Secret::<32>::from_slice(&asset("attest/arpk.key")).unwrap();
    let o2 = AttestationRequest::open(req.arcb(), &RequestOpener::ProtectionKey(&arpk)).unwrap();
    assert_eq!(o2.measurement_key, o.measurement_key);
    let other = pv_header::ecc::CustomerKey::from_pem(
        std::str::from_utf8(&asset("keys/host2.key")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        AttestationRequest::open(req.arcb(), &RequestOpener::HostKey(&other)).unwrap_err(),
        Error::NoMatchingKeySlot
    );
}

#[test]
fn measurement_matches_pvattest() {
    let v = values();
    let file = asset("attest/response_simulated.bin");
    let resp = ExchangeResponse::from_bytes(&file).unwrap();
    assert_eq!(resp.to_bytes(), file, "exchange response re-written byte for byte");
    let tags = b1_tags();
    assert_eq!(tags.to_bytes().as_slice(), hex_field(&v, "boot_hdr_tags").as_slice());
    assert_eq!(resp.cuid().as_slice(), hex_field(&v, "cuid").as_slice());
    assert_eq!(resp.user_data(), hex_field(&v, "user_data").as_slice());
    assert_eq!(resp.additional(), hex_field(&v, "additional").as_slice());

    let arpk = Secret::<32>::from_slice(&asset("attest/arpk.key")).unwrap();
    let o = AttestationRequest::open(resp.arcb(), &RequestOpener::ProtectionKey(&arpk)).unwrap();

    let input = MeasurementInput {
        tags: &tags,
        cuid: resp.cuid(),
        user_data: resp.user_data(),
        nonce: o.nonce.as_ref().map(|n| n.expose()),
        additional: resp.additional(),
    };
    let msg = input.message().unwrap();
    assert_eq!(msg.len() as u64, v["measurement_input_len"].as_u64().unwrap());
    assert_eq!(msg, asset("attest/measurement_input.bin"));
    let m = o.measure(&tags, resp.cuid(), resp.user_data(), resp.additional()).unwrap();
    assert_eq!(m.as_slice(), resp.measurement());
    assert_eq!(m.as_slice(), hex_field(&v, "measurement").as_slice());
    o.verify(&tags, resp.cuid(), resp.user_data(), resp.additional(), resp.measurement()).unwrap();

    // The additional data are the image and attestation PHKH, both of host.crt.
    let add = AdditionalData::from_slice(resp.additional(), o.flags).unwrap();
    let want = phkh(&cert_public_key(&asset("keys/host.crt")));
    assert_eq!((add.image_phkh, add.attestation_phkh), (Some(want), Some(want)));
    assert_eq!(add.flags(), o.flags - AttestationFlags::NONCE);
    assert_eq!(add.to_bytes(), resp.additional());
}

#[test]
fn tampered_response_fails() {
    let resp = ExchangeResponse::from_bytes(&asset("attest/response_tampered_user.bin")).unwrap();
    let arpk = Secret::<32>::from_slice(&asset("attest/arpk.key")).unwrap();
    let o = AttestationRequest::open(resp.arcb(), &RequestOpener::ProtectionKey(&arpk)).unwrap();
    let tags = b1_tags();
    assert_eq!(
        o.verify(&tags, resp.cuid(), resp.user_data(), resp.additional(), resp.measurement()),
        Err(Error::MeasurementVerify)
    );
    // Wrong image (other tags) fails as well.
    let mut other = tags;
    other.tag[0] ^= 1;
    let good = ExchangeResponse::from_bytes(&asset("attest/response_simulated.bin")).unwrap();
    assert_eq!(
        o.verify(&other, good.cuid(), good.user_data(), good.additional(), good.measurement()),
        Err(Error::MeasurementVerify)
    );
}
