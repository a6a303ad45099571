//! Robustness of the host-key-document readers and verifier: random, truncated and
//! bit-flipped inputs give typed errors, never a panic, and a tampered document or CRL
//! never verifies (`tests/assets/cert/`, see its PROVENANCE.md).

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use pv_header::Error;
use pv_header::hkd::{
    CertVerifier, HkdVerifier, HostKeyDocument, VerifyOptions, read_certs, read_crls,
};

fn asset(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/assets/cert/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn options() -> VerifyOptions {
    VerifyOptions {
        time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_748_736_000),
        offline: true,
    }
}

fn verifier_with(ibm_crl: &[u8]) -> pv_header::Result<CertVerifier> {
    CertVerifier::new(
        &[&asset("ibm.crt"), &asset("inter_ca.crt")],
        &[ibm_crl, &asset("inter_ca.crl")],
        Some(&asset("root_ca.chained.crt")),
        options(),
    )
}

fn verifier() -> &'static CertVerifier {
    static V: OnceLock<CertVerifier> = OnceLock::new();
    V.get_or_init(|| verifier_with(&asset("ibm.crl")).unwrap())
}

/// `host.crt` in DER.
fn host_der() -> Vec<u8> {
    read_certs(&asset("host.crt")).unwrap().remove(0).der().to_vec()
}

fn flip(mut bytes: Vec<u8>, bit: usize) -> Vec<u8> {
    let i = bit / 8 % bytes.len();
    bytes[i] ^= 1 << (bit % 8);
    bytes
}

/// Every reader, on any input, without panicking.
fn read_everything(bytes: &[u8]) {
    let _ = read_certs(bytes);
    let _ = read_crls(bytes);
    let _ = HostKeyDocument::read_all(bytes);
    if let Ok(doc) = HostKeyDocument::read(bytes) {
        let _ = verifier().verify(&doc);
        let _ = doc.phkh();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read_everything(&bytes);
    }

    #[test]
    fn random_der_like_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = vec![0x30, 0x82, 0x01, 0xff];
        bytes.extend(tail);
        read_everything(&bytes);
    }

    #[test]
    fn random_pem_bodies_never_panic(body in "[A-Za-z0-9+/=\n ]{0,400}") {
        let pem = format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
        read_everything(pem.as_bytes());
        let pem = format!("-----BEGIN X509 CRL-----\n{body}\n-----END X509 CRL-----\n");
        read_everything(pem.as_bytes());
    }

    #[test]
    fn truncated_inputs_never_panic(cut in 0usize..1800) {
        for name in ["host.crt", "ibm.chained.crt", "der.crt", "der.crl"] {
            let bytes = asset(name);
            read_everything(&bytes[..cut.min(bytes.len())]);
        }
        let der = host_der();
        let der = &der[..cut.min(der.len())];
        if cut < host_der().len() {
            prop_assert!(HostKeyDocument::read(der).is_err());
        }
    }

    #[test]
    fn bit_flipped_documents_never_verify(bit in 0usize..(1800 * 8)) {
        let flipped = flip(host_der(), bit);
        read_everything(&flipped);
        if let Ok(doc) = HostKeyDocument::read(&flipped) {
            prop_assert!(verifier().verify(&doc).is_err());
        }
        // The same in PEM: flipping a base64 character.
        let pem = flip(asset("host.crt"), bit);
        read_everything(&pem);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn tampered_crls_never_unrevoke(bit in 0usize..(1100 * 8)) {
        let crl_der = read_crls(&asset("ibm.crl")).unwrap().remove(0).der().to_vec();
        let flipped = flip(crl_der, bit);
        let _ = read_crls(&flipped);
        let revoked = HostKeyDocument::read(&asset("host_rev.crt")).unwrap();
        match verifier_with(&flipped) {
            Ok(v) => prop_assert!(v.verify(&revoked).is_err()),
            Err(e) => prop_assert_eq!(e, Error::CrlDecode),
        }
    }
}
