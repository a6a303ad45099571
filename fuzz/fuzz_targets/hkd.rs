//! Fuzz target: the host-key-document readers (PEM and DER certificates and CRLs) and the
//! verifier against IBM's fake chain. Nothing may panic; a document that verifies must be
//! one of the genuine test documents (a forged one never verifies).
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use pv_header::hkd::{
    CertVerifier, HkdVerifier, HostKeyDocument, VerifyOptions, read_certs, read_crls,
};

macro_rules! cert {
    ($name:literal) => {
        include_bytes!(concat!("../../pv-header/tests/assets/cert/", $name)).as_slice()
    };
}

/// Documents that IBM's fake signing key really issued and did not revoke.
const GENUINE: [&[u8]; 4] =
    [cert!("host.crt"), cert!("host2.crt"), cert!("host_uri_na.crt"), cert!("host_armonk.crt")];

fn options() -> VerifyOptions {
    // 2025-06-01T00:00:00Z, inside the validity of the fake chain.
    VerifyOptions {
        time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_748_736_000),
        offline: true,
    }
}

fn verifier() -> &'static CertVerifier {
    static V: OnceLock<CertVerifier> = OnceLock::new();
    V.get_or_init(|| {
        CertVerifier::new(
            &[cert!("ibm.crt"), cert!("inter_ca.crt")],
            &[cert!("ibm.crl"), cert!("inter_ca.crl")],
            Some(cert!("root_ca.chained.crt")),
            options(),
        )
        .expect("the fake chain verifies")
    })
}

fn genuine_der() -> &'static Vec<Vec<u8>> {
    static D: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    D.get_or_init(|| {
        GENUINE.iter().map(|p| read_certs(p).unwrap().remove(0).der().to_vec()).collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = read_certs(data);
    let _ = read_crls(data);
    if let Ok(docs) = HostKeyDocument::read_all(data) {
        for doc in docs {
            let _ = doc.phkh();
            if verifier().verify(&doc).is_ok() {
                assert!(genuine_der().iter().any(|g| g[..] == *doc.cert().der()));
            }
        }
    }
    // The input as an extra CRL of the signing key: a revoked document stays revoked.
    if let Ok(v) = CertVerifier::new(
        &[cert!("ibm.crt"), cert!("inter_ca.crt")],
        &[data, cert!("ibm.crl"), cert!("inter_ca.crl")],
        Some(cert!("root_ca.chained.crt")),
        options(),
    ) {
        let revoked = HostKeyDocument::read(cert!("host_rev.crt")).unwrap();
        assert!(v.verify(&revoked).is_err());
    }
});
