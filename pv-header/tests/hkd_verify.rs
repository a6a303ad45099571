//! Host-key document verification against IBM's fake chain (`tests/assets/cert/`, see its
//! PROVENANCE.md): every defect case gives the verdict its name says. The table mirrors
//! IBM's own tests (s390-tools `rust/pv/tests/cert_verifier.rs` and
//! `rust/pv/src/verify/test.rs`) where they apply, and adds one row per remaining asset.

use std::time::{Duration, SystemTime};

use pv_header::Error;
use pv_header::hkd::{CertVerifier, HkdVerifier, HostKeyDocument, NoVerify, VerifyOptions};

/// 2025-06-01T00:00:00Z: the good certificates (2024-03-21 .. 2388) and CRLs
/// (2024-03-11 .. 2388) are valid, the expired ones (.. 2023) and the short-lived
/// `inter_ca.invalid_date.crl` (2024-03-19 .. 2024-03-20) are not.
fn test_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_748_736_000)
}

fn asset(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/assets/cert/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const IBM: &str = "International Business Machines Corporation";

fn dn(locality: &str, ou: &str) -> String {
    format!("C=US, O={IBM}, CN={IBM}, ST=New York, L={locality}, OU={ou}")
}
fn root() -> String {
    dn("Armonk", "IBM Z Root CA")
}
fn inter() -> String {
    dn("Armonk", "IBM Z Intermediate CA")
}
fn ibm() -> String {
    dn("Poughkeepsie", "IBM Z Host Key Signing Service")
}
fn host() -> String {
    dn("Armonk", "IBM Z Host Key")
}

/// One verification case: the inputs as pvimg's options take them, and the verdict.
struct Case {
    name: &'static str,
    certs: &'static [&'static str],
    crls: &'static [&'static str],
    root_ca: Option<&'static str>,
    offline: bool,
    /// The host-key document to verify; `None`: only build the verifier.
    hkd: Option<&'static str>,
    time: SystemTime,
    expect: Result<(), Error>,
}

const GOOD_CERTS: &[&str] = &["ibm.crt", "inter_ca.crt"];
const GOOD_CRLS: &[&str] = &["ibm.crl", "inter_ca.crl"];
const ROOT: Option<&str> = Some("root_ca.chained.crt");

fn hkd_case(name: &'static str, hkd: &'static str, expect: Result<(), Error>) -> Case {
    Case {
        name,
        certs: GOOD_CERTS,
        crls: GOOD_CRLS,
        root_ca: ROOT,
        offline: true,
        hkd: Some(hkd),
        time: test_time(),
        expect,
    }
}

fn crl_case(name: &'static str, crls: &'static [&'static str], expect: Result<(), Error>) -> Case {
    Case {
        name,
        certs: GOOD_CERTS,
        crls,
        root_ca: ROOT,
        offline: true,
        hkd: Some("host.crt"),
        time: test_time(),
        expect,
    }
}

fn chain_case(
    name: &'static str,
    certs: &'static [&'static str],
    crls: &'static [&'static str],
    root_ca: Option<&'static str>,
    expect: Result<(), Error>,
) -> Case {
    Case { name, certs, crls, root_ca, offline: true, hkd: None, time: test_time(), expect }
}

fn cases() -> Vec<Case> {
    vec![
        // ---- host-key documents (IBM verify_offline / spec §6.6) ----
        hkd_case("host", "host.crt", Ok(())),
        hkd_case("host2", "host2.crt", Ok(())),
        hkd_case("host_uri_na offline with local CRL", "host_uri_na.crt", Ok(())),
        hkd_case("host_rev", "host_rev.crt", Err(Error::CertRevoked { subject: host() })),
        hkd_case(
            "host_crt_expired",
            "host_crt_expired.crt",
            Err(Error::CertExpired { subject: host() }),
        ),
        hkd_case(
            "host_invalid_signing_key",
            "host_invalid_signing_key.crt",
            Err(Error::AkidMismatch { subject: host() }),
        ),
        hkd_case("fake_host", "fake_host.crt", Err(Error::AkidMismatch { subject: host() })),
        // ---- the Armonk/Poughkeepsie quirk (IBM verify_armonk_*) ----
        Case {
            name: "armonk key, Poughkeepsie CRL, host",
            certs: &["ibm_armonk.crt", "inter_ca.crt"],
            ..hkd_case("", "host.crt", Ok(()))
        },
        Case {
            name: "armonk key, Poughkeepsie CRL, host_rev",
            certs: &["ibm_armonk.crt", "inter_ca.crt"],
            ..hkd_case("", "host_rev.crt", Err(Error::CertRevoked { subject: host() }))
        },
        Case {
            name: "armonk key, Poughkeepsie CRL, host_crt_expired",
            certs: &["ibm_armonk.crt", "inter_ca.crt"],
            ..hkd_case("", "host_crt_expired.crt", Err(Error::CertExpired { subject: host() }))
        },
        Case {
            name: "armonk key and CRL, host",
            certs: &["ibm_armonk.crt", "inter_ca.crt"],
            crls: &["ibm_armonk.crl", "inter_ca.crl"],
            ..hkd_case("", "host.crt", Ok(()))
        },
        Case {
            name: "armonk key and CRL, host_armonk",
            certs: &["ibm_armonk.crt", "inter_ca.crt"],
            crls: &["ibm_armonk.crl", "inter_ca.crl"],
            ..hkd_case("", "host_armonk.crt", Ok(()))
        },
        Case {
            name: "armonk key and CRL, host_rev",
            certs: &["ibm_armonk.crt", "inter_ca.crt"],
            crls: &["ibm_armonk.crl", "inter_ca.crl"],
            ..hkd_case("", "host_rev.crt", Err(Error::CertRevoked { subject: host() }))
        },
        // ---- DER and chained files ----
        Case {
            name: "der signing key and CRL",
            certs: &["der.crt", "inter_ca.crt"],
            crls: &["der.crl", "inter_ca.crl"],
            ..hkd_case("", "host.crt", Ok(()))
        },
        Case {
            name: "der signing key and CRL, host_rev",
            certs: &["der.crt", "inter_ca.crt"],
            crls: &["der.crl", "inter_ca.crl"],
            ..hkd_case("", "host_rev.crt", Err(Error::CertRevoked { subject: host() }))
        },
        Case {
            name: "CRLs inside the chained certificate files",
            certs: &["ibm.chained.crt", "inter_ca.chained.crt"],
            crls: &[],
            ..hkd_case("", "host_rev.crt", Err(Error::CertRevoked { subject: host() }))
        },
        Case {
            name: "CRLs inside the chained certificate files, host",
            certs: &["ibm.chained.crt", "inter_ca.chained.crt"],
            crls: &[],
            ..hkd_case("", "host.crt", Ok(()))
        },
        // ---- CRLs of the signing key ----
        crl_case(
            "ibm_invalid_hash.crl",
            &["ibm_invalid_hash.crl", "inter_ca.crl"],
            Err(Error::CrlSignature { issuer: ibm() }),
        ),
        crl_case(
            "invalid CRL skipped when a valid one exists",
            &["ibm_invalid_hash.crl", "ibm.crl", "inter_ca.crl"],
            Ok(()),
        ),
        crl_case(
            "ibm_outdated_early.crl",
            &["ibm_outdated_early.crl", "inter_ca.crl"],
            Err(Error::CrlNotYetValid { issuer: ibm() }),
        ),
        crl_case(
            "ibm_outdated_late.crl",
            &["ibm_outdated_late.crl", "inter_ca.crl"],
            Err(Error::CrlExpired { issuer: ibm() }),
        ),
        crl_case(
            "ibm_wrong_issuer.crl",
            &["ibm_wrong_issuer.crl", "inter_ca.crl"],
            Err(Error::CrlIssuerMismatch { issuer: inter() }),
        ),
        crl_case(
            "fake_ibm.crl",
            &["fake_ibm.crl", "inter_ca.crl"],
            Err(Error::CrlSignature { issuer: ibm() }),
        ),
        crl_case(
            "ibm_wrong_subject.crl is no CRL of the signing key",
            &["ibm_wrong_subject.crl", "inter_ca.crl"],
            Err(Error::NoCrl { subject: host() }),
        ),
        crl_case(
            "no CRL of the signing key",
            &["inter_ca.crl"],
            Err(Error::NoCrl { subject: host() }),
        ),
        Case {
            name: "host_uri_na without CRL, online: download unsupported",
            crls: &["inter_ca.crl"],
            offline: false,
            ..hkd_case(
                "",
                "host_uri_na.crt",
                Err(Error::CrlDownloadUnsupported {
                    subject: host(),
                    uris: vec!["notavailable".into()],
                }),
            )
        },
        // ---- the chain (IBM verifier_new) ----
        chain_case(
            "too many signing keys",
            &["ibm.crt", "ibm_rev.crt"],
            &[],
            None,
            Err(Error::ManyIbmSigningKeys),
        ),
        chain_case(
            "no CRL of the root (root_ca.crt alone)",
            &["inter_ca.crt", "ibm.crt"],
            &["inter_ca.crl"],
            Some("root_ca.crt"),
            Err(Error::NoCrl { subject: inter() }),
        ),
        Case {
            name: "no CRL of the root, online: download unsupported",
            offline: false,
            ..chain_case(
                "",
                &["inter_ca.crt", "ibm.crt"],
                &["inter_ca.crl"],
                Some("root_ca.crt"),
                Err(Error::CrlDownloadUnsupported {
                    subject: inter(),
                    uris: vec!["root_ca.crl".into()],
                }),
            )
        },
        chain_case(
            "no CRL of the intermediate",
            &["inter_ca.crt", "ibm.crt"],
            &[],
            ROOT,
            Err(Error::NoCrl { subject: ibm() }),
        ),
        chain_case(
            "fake intermediate",
            &["fake_inter_ca.crt", "ibm.crt"],
            &["fake_inter_ca.crl"],
            ROOT,
            Err(Error::AkidMismatch { subject: ibm() }),
        ),
        chain_case(
            "no root CA",
            &["inter_ca.crt", "ibm.crt"],
            &["inter_ca.crl"],
            None,
            Err(Error::NoRootCa),
        ),
        chain_case("good chain", &["inter_ca.crt", "ibm.crt"], &["inter_ca.crl"], ROOT, Ok(())),
        chain_case(
            "no intermediate",
            &["ibm.crt"],
            &[],
            ROOT,
            Err(Error::ChainIssuerNotFound { subject: ibm() }),
        ),
        chain_case(
            "CRL given as signing key (early)",
            &["inter_ca.crt", "ibm_outdated_early.crl"],
            &["inter_ca.crl"],
            ROOT,
            Err(Error::NoIbmSigningKey),
        ),
        chain_case(
            "CRL given as signing key (late)",
            &["inter_ca.crt", "ibm_outdated_late.crl"],
            &["inter_ca.crl"],
            ROOT,
            Err(Error::NoIbmSigningKey),
        ),
        chain_case(
            "ibm_rev.crt",
            &["inter_ca.crt", "ibm_rev.crt"],
            &["inter_ca.crl"],
            ROOT,
            Err(Error::CertRevoked { subject: ibm() }),
        ),
        chain_case(
            "ibm_expired.crt",
            &["inter_ca.crt", "ibm_expired.crt"],
            &["inter_ca.crl"],
            ROOT,
            Err(Error::CertExpired { subject: ibm() }),
        ),
        chain_case(
            "ibm_wrong_subject.crt",
            &["inter_ca.crt", "ibm_wrong_subject.crt"],
            &["inter_ca.crl", "ibm_wrong_subject.crl"],
            ROOT,
            Err(Error::NoIbmSigningKey),
        ),
        chain_case(
            "inter_ca.invalid_date.crl",
            &["inter_ca.crt", "ibm.crt"],
            &["inter_ca.invalid_date.crl"],
            ROOT,
            Err(Error::CrlExpired { issuer: inter() }),
        ),
        chain_case(
            "inter_ca.invalid_signer.crl",
            &["inter_ca.crt", "ibm.crt"],
            &["inter_ca.invalid_signer.crl"],
            ROOT,
            Err(Error::CrlSignature { issuer: inter() }),
        ),
        chain_case(
            "fake_inter_ca.crl",
            &["inter_ca.crt", "ibm.crt"],
            &["fake_inter_ca.crl"],
            ROOT,
            Err(Error::CrlSignature { issuer: inter() }),
        ),
        chain_case(
            "fake_root_ca.crl",
            &["inter_ca.crt", "ibm.crt"],
            &["inter_ca.crl", "fake_root_ca.crl"],
            Some("root_ca.crt"),
            Err(Error::CrlSignature { issuer: root() }),
        ),
        Case {
            name: "fake_root_ca_valid.crl (signed by the real root)",
            root_ca: Some("root_ca.crt"),
            crls: &["ibm.crl", "inter_ca.crl", "fake_root_ca_valid.crl"],
            ..hkd_case("", "host.crt", Ok(()))
        },
        chain_case(
            "fake signing key under the real root",
            &["inter_ca.crt", "fake_ibm.crt"],
            &["inter_ca.crl"],
            ROOT,
            Err(Error::AkidMismatch { subject: ibm() }),
        ),
        chain_case(
            "self-signed root given as --cert only",
            &["inter_ca.crt", "ibm.crt", "root_ca.crt"],
            &["inter_ca.crl", "root_ca.crl"],
            Some("fake_root_ca.crt"),
            Err(Error::ChainUntrustedRoot { subject: root() }),
        ),
        Case {
            name: "fake chain trusted explicitly: fake_host verifies",
            certs: &["fake_ibm.crt"],
            crls: &["fake_ibm.crl", "fake_root_ca.crl"],
            root_ca: Some("fake_root_ca.crt"),
            ..hkd_case("", "fake_host.crt", Ok(()))
        },
        Case {
            name: "fake chain trusted explicitly: real host does not",
            certs: &["fake_ibm.crt"],
            crls: &["fake_ibm.crl", "fake_root_ca.crl"],
            root_ca: Some("fake_root_ca.crt"),
            ..hkd_case("", "host.crt", Err(Error::AkidMismatch { subject: host() }))
        },
        // ---- RSA-PSS and ECDSA P-521 (our OpenSSL-made chain, pss_ecdsa_gen.sh) ----
        Case { name: "PSS/ECDSA chain, host", ..pss_case("pss_ecdsa_host.crt", Ok(())) },
        Case {
            name: "PSS/ECDSA chain, host_rev",
            ..pss_case("pss_ecdsa_host_rev.crt", Err(Error::CertRevoked { subject: host() }))
        },
        Case {
            name: "PSS/ECDSA chain, IBM's host",
            ..pss_case("host.crt", Err(Error::AkidMismatch { subject: host() }))
        },
        Case {
            name: "PSS/ECDSA chain, same signing key under another issuer name",
            ..pss_case(
                "pss_ecdsa_host_wrong_issuer.crt",
                Err(Error::IssuerMismatch { subject: host() }),
            )
        },
        Case {
            name: "PSS/ECDSA chain, intermediate with critical name constraints",
            certs: &["pss_ecdsa_sign.crt", "pss_ecdsa_inter_nc.crt"],
            ..pss_case(
                "pss_ecdsa_host.crt",
                Err(Error::UnsupportedCriticalExtension {
                    subject: dn("Armonk", "PSS Intermediate CA"),
                    oid: "2.5.29.30".into(),
                }),
            )
        },
        Case {
            name: "PSS/ECDSA chain, a root that did not issue the intermediate",
            root_ca: Some("pss_ecdsa_weak_root.crt"),
            ..pss_case(
                "pss_ecdsa_host.crt",
                Err(Error::ChainIssuerNotFound { subject: dn("Armonk", "PSS Intermediate CA") }),
            )
        },
        Case {
            name: "PSS/ECDSA chain, CRLs of IBM's chain",
            crls: &["ibm.crl", "inter_ca.crl", "root_ca.crl"],
            ..pss_case("pss_ecdsa_host.crt", Err(Error::NoCrl { subject: ibm() }))
        },
    ]
}

/// 2027-01-01T00:00:00Z: inside the validity of the PSS/ECDSA chain (2026-11-23 .. 2126).
fn pss_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_798_761_600)
}

fn pss_case(hkd: &'static str, expect: Result<(), Error>) -> Case {
    Case {
        name: "",
        certs: &["pss_ecdsa_sign.crt", "pss_ecdsa_inter.crt"],
        crls: &["pss_ecdsa_sign.crl", "pss_ecdsa_inter.crl", "pss_ecdsa_root.crl"],
        root_ca: Some("pss_ecdsa_root.crt"),
        offline: true,
        hkd: Some(hkd),
        time: pss_time(),
        expect,
    }
}

fn run(case: &Case) -> Result<(), Error> {
    let certs: Vec<Vec<u8>> = case.certs.iter().map(|c| asset(c)).collect();
    let crls: Vec<Vec<u8>> = case.crls.iter().map(|c| asset(c)).collect();
    let root = case.root_ca.map(asset);
    let cert_refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let options = VerifyOptions { time: case.time, offline: case.offline };
    let verifier = CertVerifier::new(&cert_refs, &crl_refs, root.as_deref(), options)?;
    match case.hkd {
        Some(hkd) => verifier.verify(&HostKeyDocument::read(&asset(hkd))?),
        None => Ok(()),
    }
}

#[test]
fn every_ibm_case_gets_its_verdict() {
    let mut failures = Vec::new();
    for case in cases() {
        let got = run(&case);
        if got != case.expect {
            failures.push(format!("{}: expected {:?}, got {:?}", case.name, case.expect, got));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_asset_is_exercised() {
    let table = cases();
    let used = |f: &str| {
        table.iter().any(|c| {
            c.certs.contains(&f) || c.crls.contains(&f) || c.root_ca == Some(f) || c.hkd == Some(f)
        })
    };
    let dir = format!("{}/tests/assets/cert", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".crt") || name.ends_with(".crl") {
            assert!(
                used(&name) || name == "root_ca.crl" || name == "root_ca.crt",
                "{name} untested"
            );
        }
    }
}

#[test]
fn validity_boundaries_follow_pvimg() {
    // host.crt: notBefore 2024-03-21T14:52:39Z (valid from), notAfter 2388 (exclusive).
    let doc = HostKeyDocument::read(&asset("host.crt")).unwrap();
    let at = |time| {
        let opts = VerifyOptions { time, offline: true };
        let v = CertVerifier::new(
            &[&asset("ibm.crt"), &asset("inter_ca.crt")],
            &[&asset("ibm.crl"), &asset("inter_ca.crl")],
            Some(&asset("root_ca.chained.crt")),
            opts,
        );
        v.and_then(|v| v.verify(&doc))
    };
    let nb = doc.not_before();
    // At notBefore of the host document the chain (issued a second earlier) is valid.
    assert_eq!(at(nb), Ok(()));
    assert_eq!(at(nb - Duration::from_secs(1)), Err(Error::CertNotYetValid { subject: host() }));
    assert_eq!(
        at(doc.not_after()),
        Err(Error::CertExpired { subject: dn("Armonk", "IBM Z Root CA") })
    );
}

#[test]
fn no_verify_accepts_anything() {
    for hkd in ["host_crt_expired.crt", "fake_host.crt", "host_rev.crt"] {
        let doc = HostKeyDocument::read(&asset(hkd)).unwrap();
        assert_eq!(NoVerify.verify(&doc), Ok(()));
    }
}

#[test]
fn crl_files_must_hold_crls() {
    let opts = VerifyOptions { time: test_time(), offline: true };
    let inter = asset("inter_ca.crt");
    let ibm = asset("ibm.crt");
    let root = asset("root_ca.chained.crt");
    // A certificate given as --crl: no CRL in it.
    let r = CertVerifier::new(&[&ibm, &inter], &[&inter], Some(&root), opts);
    assert_eq!(r.unwrap_err(), Error::CrlDecode);
    let r = CertVerifier::new(&[&ibm, &inter], &[b"garbage"], Some(&root), opts);
    assert_eq!(r.unwrap_err(), Error::CrlDecode);
    let r = CertVerifier::new(&[b"garbage"], &[], Some(&root), opts);
    assert_eq!(r.unwrap_err(), Error::CertDecode);
}

#[test]
fn verifier_exposes_the_signing_key() {
    let opts = VerifyOptions { time: test_time(), offline: true };
    let v = CertVerifier::new(
        &[&asset("inter_ca.chained.crt"), &asset("der.crt")],
        &[&asset("ibm.crl")],
        Some(&asset("root_ca.chained.crt")),
        opts,
    )
    .unwrap();
    assert_eq!(v.signing_key().subject_string(), ibm());
    assert_eq!(v.signing_key().der(), asset("der.crt"));
    assert_eq!(v.options(), opts);
}

#[test]
fn tampered_pss_and_ecdsa_signatures_fail() {
    let der =
        |name: &str| pv_header::hkd::read_certs(&asset(name)).unwrap().remove(0).der().to_vec();
    let flip_last = |mut v: Vec<u8>| {
        *v.last_mut().unwrap() ^= 1;
        v
    };
    let crls: Vec<Vec<u8>> =
        ["pss_ecdsa_sign.crl", "pss_ecdsa_inter.crl", "pss_ecdsa_root.crl"].map(asset).into();
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let root = asset("pss_ecdsa_root.crt");
    let opts = VerifyOptions { time: pss_time(), offline: true };
    // RSA-PSS (SHA-384) signature of the signing key.
    let sign = flip_last(der("pss_ecdsa_sign.crt"));
    let inter = asset("pss_ecdsa_inter.crt");
    let r = CertVerifier::new(&[&sign, &inter], &crl_refs, Some(&root), opts);
    assert_eq!(r.unwrap_err(), Error::CertSignature { subject: ibm() });
    // ECDSA P-521 (SHA-512) signature of the host-key document.
    let v =
        CertVerifier::new(&[&asset("pss_ecdsa_sign.crt"), &inter], &crl_refs, Some(&root), opts)
            .unwrap();
    let doc = HostKeyDocument::read(&flip_last(der("pss_ecdsa_host.crt"))).unwrap();
    assert_eq!(v.verify(&doc), Err(Error::CertSignature { subject: host() }));
    // ECDSA signature of the signing key's CRL: no valid CRL remains.
    let bad_crl = flip_last(pv_header::hkd::read_crls(&crls[0]).unwrap().remove(0).der().to_vec());
    let refs = [bad_crl.as_slice(), &crls[1], &crls[2]];
    let v = CertVerifier::new(&[&asset("pss_ecdsa_sign.crt"), &inter], &refs, Some(&root), opts)
        .unwrap();
    let doc = HostKeyDocument::read(&asset("pss_ecdsa_host.crt")).unwrap();
    assert_eq!(v.verify(&doc), Err(Error::CrlSignature { issuer: ibm() }));
}
