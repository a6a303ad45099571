//! Reading host-key documents, certificates and CRLs from PEM and DER
//! (`tests/assets/cert/`, see its PROVENANCE.md), and the host key taken from them.

use std::time::{Duration, SystemTime};

use pv_header::Error;
use pv_header::hkd::{HostKeyDocument, read_certs, read_crls};

fn asset(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/assets/cert/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Host coordinates and phkh of `host.crt` and `host2.crt` as IBM's pvimg put them in the
/// key slots of vector set A2 (`vectors/pvimg/A2/intermediates.json`, `keyslots[*]`).
const HOST_COORDS: &str = "000000000000000000000000000001c63b4327a506ba43623182a57b006c1ddcec019d83898d8245873af063ec1069c9898d678dc876a1042c6ee1b33cbc3afbd12179bd916b5a9716a5cf494d8e406a00000000000000000000000000000142143a887d2bcb27a94a26e0a883945f32c589a46da3fcc9caeccc46f8f87447e22d98b15b585c4257960e4f8de8961c1866bfe977da873c00fde9410333c25a9c";
const HOST_PHKH: &str = "24933f75ee107c806fe602a7da7b610e54369af96a847f2dcc4fcfdbd81fbc05";
const HOST2_PHKH: &str = "491bc0601fe89fd793f1ec8534f1ae63e9c280331c245c453d64afc8b5aa1bcc";

#[test]
fn host_key_matches_pvimg_key_slots() {
    let doc = HostKeyDocument::read(&asset("host.crt")).unwrap();
    assert_eq!(doc.coords().0.to_vec(), unhex(HOST_COORDS));
    assert_eq!(doc.phkh().to_vec(), unhex(HOST_PHKH));
    assert_eq!(doc.coords().to_public_key().unwrap(), *doc.public_key());
    let doc2 = HostKeyDocument::read(&asset("host2.crt")).unwrap();
    assert_eq!(doc2.phkh().to_vec(), unhex(HOST2_PHKH));
}

#[test]
fn host_document_names_and_dates() {
    let doc = HostKeyDocument::read(&asset("host.crt")).unwrap();
    let ibm = "International Business Machines Corporation";
    assert_eq!(
        doc.subject_string(),
        format!("C=US, O={ibm}, CN={ibm}, ST=New York, L=Armonk, OU=IBM Z Host Key")
    );
    assert_eq!(
        doc.issuer_string(),
        format!(
            "C=US, O={ibm}, CN={ibm}, ST=New York, L=Poughkeepsie, OU=IBM Z Host Key Signing Service"
        )
    );
    // openssl x509 -dates: notBefore=Mar 21 14:52:39 2024 GMT, notAfter=Dec 23 14:52:39 2388 GMT
    let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(secs(doc.not_before()), 1_711_032_759);
    assert_eq!(secs(doc.not_after()), 13_221_672_759);
    assert_eq!(hex::encode_upper(doc.cert().serial()), "0522E1B864EFC4F6E0806EF42122F647A0C31997");
    assert_eq!(doc.cert().crl_distribution_points(), ["ibm.crl"]);
    assert_eq!(doc.subject(), doc.cert().subject());
    assert_eq!(doc.issuer(), doc.cert().issuer());
}

#[test]
fn pem_and_der_give_the_same_certificate() {
    // der.crt is ibm.crt in DER; der.crl is ibm.crl in DER (IBM's create_certs.py).
    let pem = read_certs(&asset("ibm.crt")).unwrap();
    let der = read_certs(&asset("der.crt")).unwrap();
    assert_eq!((pem.len(), der.len()), (1, 1));
    assert_eq!(pem[0].der(), der[0].der());
    assert_eq!(pem[0].der(), asset("der.crt"));
    let pem = read_crls(&asset("ibm.crl")).unwrap();
    let der = read_crls(&asset("der.crl")).unwrap();
    assert_eq!(pem[0].der(), der[0].der());
    assert_eq!(pem[0].der(), asset("der.crl"));
    // A host-key document in DER.
    let host = read_certs(&asset("host.crt")).unwrap().remove(0);
    let from_der = HostKeyDocument::read(host.der()).unwrap();
    assert_eq!(from_der.phkh().to_vec(), unhex(HOST_PHKH));
}

#[test]
fn files_with_several_objects() {
    // ibm.chained.crt: a CRL, then the certificate.
    let chained = asset("ibm.chained.crt");
    let certs = read_certs(&chained).unwrap();
    let crls = read_crls(&chained).unwrap();
    assert_eq!((certs.len(), crls.len()), (1, 1));
    assert_eq!(certs[0].der(), asset("der.crt"));
    assert_eq!(crls[0].der(), asset("der.crl"));
    // Two host-key documents in one PEM file: `read` takes the first, as pvimg does.
    let mut two = asset("host2.crt");
    two.extend(asset("host.crt"));
    let first = HostKeyDocument::read(&two).unwrap();
    assert_eq!(first.phkh().to_vec(), unhex(HOST2_PHKH));
    let all = HostKeyDocument::read_all(&two).unwrap();
    let hashes: Vec<_> = all.iter().map(|d| hex::encode(d.phkh())).collect();
    assert_eq!(hashes, [HOST2_PHKH, HOST_PHKH]);
}

#[test]
fn crl_contents() {
    let crl = read_crls(&asset("ibm.crl")).unwrap().remove(0);
    let host_rev = read_certs(&asset("host_rev.crt")).unwrap().remove(0);
    let host = read_certs(&asset("host.crt")).unwrap().remove(0);
    assert!(crl.lists(host_rev.serial()));
    assert!(!crl.lists(host.serial()));
    assert!(crl.lists(&[0x02, 0x2b])); // serial 555
    assert_eq!(crl.issuer(), host.issuer());
    assert_eq!(crl.issuer_string(), host.issuer_string());
    // lastUpdate=Mar 11 15:52:39 2024 GMT
    assert_eq!(crl.this_update(), SystemTime::UNIX_EPOCH + Duration::from_secs(1_710_172_359));
    assert!(crl.next_update().unwrap() > crl.this_update());
}

#[test]
fn not_a_p521_key_is_refused() {
    // The signing key has an RSA key.
    let err = HostKeyDocument::read(&asset("ibm.crt")).unwrap_err();
    assert_eq!(err, Error::HkdKeyNotP521 { algorithm: "1.2.840.113549.1.1.1".into() });
}

#[test]
fn inputs_without_certificates() {
    assert_eq!(HostKeyDocument::read(b"").unwrap_err(), Error::CertDecode);
    assert_eq!(HostKeyDocument::read(b"not a certificate").unwrap_err(), Error::CertDecode);
    // PEM holding only a CRL: no certificate (pvimg: "no host-key document in file").
    assert_eq!(HostKeyDocument::read(&asset("ibm.crl")).unwrap_err(), Error::NoCertificate);
    assert_eq!(HostKeyDocument::read_all(&asset("ibm.crl")).unwrap_err(), Error::NoCertificate);
    assert!(read_certs(&asset("ibm.crl")).unwrap().is_empty());
    assert!(read_crls(&asset("host.crt")).unwrap().is_empty());
    // A truncated PEM block is an error, not an empty list.
    let pem = asset("host.crt");
    assert_eq!(read_certs(&pem[..pem.len() / 2]).unwrap_err(), Error::CertDecode);
    // Bad base64 inside a certificate block.
    let mut bad = pem.clone();
    bad[100] = b'*';
    assert_eq!(read_certs(&bad).unwrap_err(), Error::CertDecode);
}
