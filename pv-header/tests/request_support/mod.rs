//! Shared helpers of the `request_*` tests: asset paths, the IBM test keys and the P-521
//! public key of a PEM host-key document (a tiny local X.509 reader, independent of `hkd`).
#![allow(dead_code)]

use pv_header::ecc::CustomerKey;
use pv_header::request::{BootHdrTags, RequestKeys};
use pv_header::secret::Secret;

/// Reads a file under `tests/assets/`.
pub fn asset(rel: &str) -> Vec<u8> {
    let p = format!("{}/tests/assets/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Parses a JSON asset.
pub fn json(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&asset(rel)).unwrap()
}

/// A hex string field of a JSON object.
pub fn hex_field(v: &serde_json::Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap_or_else(|| panic!("no {key}"))).unwrap()
}

/// The P-521 public key of a PEM certificate (SubjectPublicKeyInfo bits as SEC1).
pub fn cert_public_key(pem: &[u8]) -> p521::PublicKey {
    use x509_cert::der::DecodePem;
    let cert = x509_cert::Certificate::from_pem(pem).unwrap();
    let spk = cert.tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
    p521::PublicKey::from_sec1_bytes(spk).unwrap()
}

/// IBM's test customer key (`keys/private_cust.bin`, 80-byte padded scalar).
pub fn customer_key() -> CustomerKey {
    CustomerKey::from_scalar_bytes(&asset("keys/private_cust.bin")).unwrap()
}

/// The host key the s390_pv known answers were made for (`keys/host.pem.crt`).
pub fn s390pv_host() -> p521::PublicKey {
    cert_public_key(&asset("keys/host.pem.crt"))
}

/// The private key of `keys/host.crt` (used by the pvimg vectors).
pub fn pvimg_host_key() -> CustomerKey {
    CustomerKey::from_pem(std::str::from_utf8(&asset("keys/host.key")).unwrap()).unwrap()
}

/// The s390_pv known-answer randomness: IV 0x55×12, request key 0x17×32, customer key.
pub fn s390pv_request_keys() -> RequestKeys {
    RequestKeys::new([0x55; 12], Secret::new([0x17; 32]), customer_key())
}

/// The s390_pv known-answer boot-header tags 1/2/3/4.
pub fn s390pv_tags() -> BootHdrTags {
    BootHdrTags::new([1; 64], [2; 64], [3; 64], [4; 16])
}
