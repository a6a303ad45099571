//! Replays the seed corpus of the `hkd` fuzz target (`fuzz/corpus/hkd`) on stable Rust,
//! with the checks of `fuzz/fuzz_targets/hkd.rs`: nothing panics, only genuine documents
//! verify, and no input given as an extra CRL un-revokes a revoked document. Every prefix
//! of each seed is replayed too.

#[path = "../../fuzz/replay/mutate.rs"]
mod mutate;

use std::time::{Duration, SystemTime};

use pv_header::hkd::{
    CertVerifier, HkdVerifier, HostKeyDocument, VerifyOptions, read_certs, read_crls,
};

fn asset(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/assets/cert/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    mutate::corpus(env!("CARGO_MANIFEST_DIR"), "hkd")
}

fn options() -> VerifyOptions {
    VerifyOptions {
        time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_748_736_000),
        offline: true,
    }
}

struct Fixture {
    verifier: CertVerifier,
    genuine: Vec<Vec<u8>>,
    revoked: HostKeyDocument,
    ibm: Vec<u8>,
    inter: Vec<u8>,
    ibm_crl: Vec<u8>,
    inter_crl: Vec<u8>,
    root: Vec<u8>,
}

impl Fixture {
    fn new() -> Self {
        let (ibm, inter) = (asset("ibm.crt"), asset("inter_ca.crt"));
        let (ibm_crl, inter_crl) = (asset("ibm.crl"), asset("inter_ca.crl"));
        let root = asset("root_ca.chained.crt");
        let verifier =
            CertVerifier::new(&[&ibm, &inter], &[&ibm_crl, &inter_crl], Some(&root), options())
                .unwrap();
        let genuine = ["host.crt", "host2.crt", "host_uri_na.crt", "host_armonk.crt"]
            .map(|n| read_certs(&asset(n)).unwrap().remove(0).der().to_vec())
            .into();
        let revoked = HostKeyDocument::read(&asset("host_rev.crt")).unwrap();
        Self { verifier, genuine, revoked, ibm, inter, ibm_crl, inter_crl, root }
    }

    /// The fuzz target's checks; returns how many documents verified.
    fn exercise(&self, data: &[u8], as_crl: bool) -> usize {
        let _ = read_certs(data);
        let _ = read_crls(data);
        let mut verified = 0;
        if let Ok(docs) = HostKeyDocument::read_all(data) {
            for doc in docs {
                let _ = doc.phkh();
                if self.verifier.verify(&doc).is_ok() {
                    assert!(self.genuine.iter().any(|g| g[..] == *doc.cert().der()));
                    verified += 1;
                }
            }
        }
        if as_crl {
            let crls = [data, &self.ibm_crl, &self.inter_crl];
            if let Ok(v) =
                CertVerifier::new(&[&self.ibm, &self.inter], &crls, Some(&self.root), options())
            {
                assert!(v.verify(&self.revoked).is_err());
            }
        }
        verified
    }
}

#[test]
fn fuzz_corpus_replays_without_panic() {
    let fx = Fixture::new();
    let files = corpus();
    assert!(files.len() >= 10, "corpus has {} files", files.len());
    let mut verified = 0;
    for (name, data) in &files {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fx.exercise(data, true)));
        verified += r.unwrap_or_else(|_| panic!("{name} panicked"));
        for cut in (0..data.len()).step_by(13) {
            fx.exercise(&data[..cut], cut % 130 == 0);
        }
    }
    // host.pem, host.der, host2.pem and both documents of two_hosts.pem.
    assert_eq!(verified, 5);
}
