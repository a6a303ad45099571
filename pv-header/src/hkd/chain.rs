//! The chain of trust of the IBM Z host-key signing key (se-format.md §6.3), following
//! what pvimg asks of OpenSSL (pvimg `verify/helper.rs`, facts only: `X509_STRICT`,
//! `CRL_CHECK | CRL_CHECK_ALL`, `TRUSTED_FIRST`, `CHECK_SS_SIGNATURE`, depth 2).
//!
//! 1. Exactly one of the `--cert` certificates must have an IBM Z signing-key subject
//!    ([`Error::NoIbmSigningKey`], [`Error::ManyIbmSigningKeys`]); the others are the
//!    untrusted intermediates.
//! 2. The path is built upwards from the signing key. For each certificate the issuer is
//!    looked for first among the trusted roots, then among the intermediates: its subject
//!    must equal the issuer name and the authority key identifier must allow it. At most
//!    [`MAX_INTERMEDIATES`] intermediates. A self-signed certificate that is not a
//!    given root ends the search with [`Error::ChainUntrustedRoot`].
//! 3. Every certificate: no unsupported critical extension. Every issuer: a CA (basic
//!    constraints `cA`, key usage `keyCertSign` if present, path length).
//! 4. Top-down from the root: validity at the verification time, signature by the issuer
//!    (the root's own signature too).
//! 5. The signing key and every intermediate: not revoked, with a valid CRL of its issuer
//!    required ([`super::crl`]). The root is a trust anchor and has no CRL check.

use alloc::vec::Vec;
use std::time::SystemTime;

use super::cert::Cert;
use super::crl::{Crl, RevocationCheck, check_revocation};
use super::{name, sig};
use crate::{Error, Result};

/// Most intermediate CAs between the signing key and the root (OpenSSL depth 2).
pub const MAX_INTERMEDIATES: usize = 2;

/// Splits `certs` into the one IBM Z signing key and the other certificates.
pub(crate) fn split_signing_key(certs: Vec<Cert>) -> Result<(Cert, Vec<Cert>)> {
    let (mut keys, others): (Vec<_>, Vec<_>) =
        certs.into_iter().partition(|c| name::is_ibm_signing_subject(c.subject()));
    match keys.len() {
        0 => Err(Error::NoIbmSigningKey),
        1 => Ok((keys.remove(0), others)),
        _ => Err(Error::ManyIbmSigningKeys),
    }
}

/// Checks that `issuer` signed `cert` (signature algorithm fields consistent, signature
/// valid).
pub(crate) fn check_signature(cert: &Cert, issuer: &Cert) -> Result<()> {
    let c = cert.certificate();
    let consistent = c.signature_algorithm() == c.tbs_certificate().signature();
    if consistent && sig::verify(issuer, c.signature_algorithm(), cert.tbs(), c.signature())? {
        Ok(())
    } else {
        Err(Error::CertSignature { subject: cert.subject_string() })
    }
}

/// Outcome of looking for an issuer.
enum Search<'a> {
    Found(&'a Cert),
    /// A certificate has the right name but the authority key identifier excludes it.
    AkidMismatch,
    NotFound,
}

fn find_issuer<'a>(child: &Cert, pool: impl Iterator<Item = &'a Cert>) -> Search<'a> {
    let mut result = Search::NotFound;
    for cand in pool.filter(|c| name::equivalent(c.subject(), child.issuer(), false)) {
        if child.akid_matches(cand) {
            return Search::Found(cand);
        }
        result = Search::AkidMismatch;
    }
    result
}

/// Step 2: the path from the signing key (first) up to the trust anchor (last).
fn build_path<'a>(
    sign_key: &'a Cert,
    untrusted: &'a [Cert],
    roots: &'a [Cert],
) -> Result<Vec<&'a Cert>> {
    let mut path = alloc::vec![sign_key];
    loop {
        let cur = path[path.len() - 1];
        let in_roots = find_issuer(cur, roots.iter());
        if let Search::Found(root) = in_roots {
            path.push(root);
            return Ok(path);
        }
        if cur.is_self_issued() {
            return Err(Error::ChainUntrustedRoot { subject: cur.subject_string() });
        }
        let unused = untrusted.iter().filter(|c| !path.iter().any(|p| core::ptr::eq(*p, *c)));
        match (find_issuer(cur, unused), in_roots) {
            (Search::Found(_), _) if path.len() > MAX_INTERMEDIATES => {
                return Err(Error::ChainTooLong { max: MAX_INTERMEDIATES });
            }
            (Search::Found(next), _) => path.push(next),
            (Search::AkidMismatch, _) | (_, Search::AkidMismatch) => {
                return Err(Error::AkidMismatch { subject: cur.subject_string() });
            }
            _ => return Err(Error::ChainIssuerNotFound { subject: cur.subject_string() }),
        }
    }
}

/// Step 3 for an issuer with `below` intermediates under it in the path.
fn check_ca(issuer: &Cert, below: usize) -> Result<()> {
    let bc = issuer.basic_constraints();
    let is_ca = bc.is_some_and(|b| b.ca);
    let may_sign = issuer.key_usage().is_none_or(|k| k.key_cert_sign());
    let path_ok = bc.and_then(|b| b.path_len_constraint).is_none_or(|l| below <= usize::from(l));
    if is_ca && may_sign && path_ok {
        Ok(())
    } else {
        Err(Error::NotCa { subject: issuer.subject_string() })
    }
}

/// Verifies the chain of trust of `sign_key` (steps 2–5 of the module docs).
pub(crate) fn verify_chain(
    sign_key: &Cert,
    untrusted: &[Cert],
    roots: &[Cert],
    crls: &[Crl],
    now: SystemTime,
    offline: bool,
) -> Result<()> {
    let chain = build_path(sign_key, untrusted, roots)?;
    let top = chain.len() - 1;
    for c in &chain {
        c.check_critical_extensions()?;
    }
    for (i, issuer) in chain.iter().enumerate().skip(1) {
        check_ca(issuer, i - 1)?;
    }
    chain[top].check_validity(now)?;
    check_signature(chain[top], chain[top])?;
    for i in (0..top).rev() {
        chain[i].check_validity(now)?;
        check_signature(chain[i], chain[i + 1])?;
    }
    let how = RevocationCheck { now, offline, ibm_locality: false };
    for i in 0..top {
        check_revocation(chain[i], chain[i + 1], crls, how)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(pem: &[u8]) -> Cert {
        super::super::read_certs(pem).unwrap().remove(0)
    }

    #[test]
    fn issuers_must_be_cas() {
        let inter = cert(include_bytes!("../../tests/assets/cert/inter_ca.crt"));
        let ibm = cert(include_bytes!("../../tests/assets/cert/ibm.crt"));
        let host = cert(include_bytes!("../../tests/assets/cert/host.crt"));
        assert_eq!(check_ca(&inter, 0), Ok(()));
        assert_eq!(check_ca(&inter, 5), Ok(()));
        assert_eq!(check_ca(&ibm, 0), Err(Error::NotCa { subject: ibm.subject_string() }));
        assert_eq!(check_ca(&host, 0), Err(Error::NotCa { subject: host.subject_string() }));
    }

    #[test]
    fn weak_rsa_keys_are_refused() {
        let weak = cert(include_bytes!("../../tests/assets/cert/pss_ecdsa_weak_root.crt"));
        let err = check_signature(&weak, &weak).unwrap_err();
        assert_eq!(err, Error::WeakKey { subject: weak.subject_string(), bits: 1024 });
    }

    #[test]
    fn signing_key_split() {
        let ibm = cert(include_bytes!("../../tests/assets/cert/ibm.crt"));
        let inter = cert(include_bytes!("../../tests/assets/cert/inter_ca.crt"));
        let (key, rest) = split_signing_key(alloc::vec![inter.clone(), ibm.clone()]).unwrap();
        assert_eq!((key.der(), rest.len()), (ibm.der(), 1));
        assert_eq!(split_signing_key(alloc::vec![inter]).unwrap_err(), Error::NoIbmSigningKey);
    }

    #[test]
    fn path_is_limited() {
        // The intermediate given several times never makes the path longer: a certificate
        // is used once, and its issuer is the root.
        let root = cert(include_bytes!("../../tests/assets/cert/root_ca.crt"));
        let inter = cert(include_bytes!("../../tests/assets/cert/inter_ca.crt"));
        let ibm = cert(include_bytes!("../../tests/assets/cert/ibm.crt"));
        let untrusted = [inter.clone(), inter.clone(), inter];
        let path = build_path(&ibm, &untrusted, core::slice::from_ref(&root)).unwrap();
        assert_eq!(path.len(), 3);
        // Without the root, the search ends at the root certificate given as untrusted.
        let with_root = [untrusted[0].clone(), root.clone()];
        let err = build_path(&ibm, &with_root, &[]).unwrap_err();
        assert_eq!(err, Error::ChainUntrustedRoot { subject: root.subject_string() });
    }
}
