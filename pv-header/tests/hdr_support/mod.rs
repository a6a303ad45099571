//! Shared helpers of the `hdr_*` tests: reading the copied vectors in `tests/assets`
//! (see `tests/assets/PROVENANCE.md`) and extracting host keys from the test HKDs.
#![allow(dead_code)]

use std::path::PathBuf;

use der::DecodePem;
use p521::PublicKey;
use pv_header::ecc::{CustomerKey, EcPubCoords};
use pv_header::hdr::{ComponentDigests, SeHdr};
use pv_header::secret::Secret;
use serde_json::Value;

/// The path of a file under `tests/assets`.
pub fn asset_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/assets").join(rel)
}

/// The bytes of a file under `tests/assets`.
pub fn asset(rel: &str) -> Vec<u8> {
    std::fs::read(asset_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A JSON file under `tests/assets`.
pub fn json(rel: &str) -> Value {
    serde_json::from_slice(&asset(rel)).unwrap()
}

/// Hex string (optionally `0x`-prefixed) of a JSON value to bytes.
pub fn hexv(v: &Value) -> Vec<u8> {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    hex::decode(s.trim_start_matches("0x")).unwrap()
}

/// Hex string of a JSON value to a fixed array.
pub fn hexa<const N: usize>(v: &Value) -> [u8; N] {
    hexv(v).try_into().unwrap()
}

/// `0x…` hex number of a JSON value.
pub fn hexu64(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// The P-521 public key of an X.509 host-key document (PEM).
pub fn cert_key(rel: &str) -> PublicKey {
    let cert = x509_cert::Certificate::from_pem(asset(rel)).unwrap();
    let spki = cert.tbs_certificate().subject_public_key_info();
    PublicKey::from_sec1_bytes(spki.subject_public_key.as_bytes().unwrap()).unwrap()
}

/// A private key file under `tests/assets/keys` (PEM).
pub fn host_priv(name: &str) -> CustomerKey {
    let pem = String::from_utf8(asset(&format!("keys/{name}"))).unwrap();
    CustomerKey::from_pem(&pem).unwrap()
}

/// The customer key of set A.
pub fn cust_key() -> CustomerKey {
    CustomerKey::from_scalar_bytes(&asset("keys/private_cust.bin")).unwrap()
}

/// `inputs/hdr.key`.
pub fn hdr_key() -> Secret<32> {
    Secret::from_slice(&asset("inputs/hdr.key")).unwrap()
}

/// Host public coordinates from a JSON hex value.
pub fn coords(v: &Value) -> EcPubCoords {
    EcPubCoords::from_slice(&hexv(v)).unwrap()
}

/// PLD/ALD/TLD/nep of set A from its `digests.txt`.
pub fn digests_txt(set: &str) -> ComponentDigests {
    let text = String::from_utf8(asset(&format!("{set}/digests.txt"))).unwrap();
    let field = |k: &str| {
        let line = text.lines().find(|l| l.starts_with(&format!("{k}="))).unwrap();
        line[k.len() + 1..].to_string()
    };
    let arr = |k: &str| -> [u8; 64] { hex::decode(field(k)).unwrap().try_into().unwrap() };
    ComponentDigests {
        pld: arr("pld"),
        ald: arr("ald"),
        tld: arr("tld"),
        nep: field("nep").parse().unwrap(),
    }
}

/// The `sehdr.bin` of a set, parsed.
pub fn sehdr(set: &str) -> SeHdr {
    SeHdr::parse(&asset(&format!("{set}/sehdr.bin"))).unwrap()
}
