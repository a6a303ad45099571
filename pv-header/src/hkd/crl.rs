//! Certificate revocation lists (RFC 5280 §5) and the revocation check pvimg applies to
//! the IBM Z signing key, its intermediate CAs and every host-key document
//! (se-format.md §6.3; pvimg `verify.rs`/`verify/helper.rs`, facts only).
//!
//! For a certificate C issued by I, the CRLs considered are those whose issuer name is
//! equivalent to I's subject, plus those that are signed with I's key whatever name they
//! carry (so that a CRL naming the wrong issuer is reported as such). Each is checked in
//! this order, the first failure being its verdict:
//! 1. issuer name equivalent to I's subject ([`Error::CrlIssuerMismatch`]);
//! 2. signature by I's key ([`Error::CrlSignature`]);
//! 3. authority key identifier, if present, matches I ([`Error::CrlAkidMismatch`]);
//! 4. no critical extension this verifier does not process (delta and indirect CRLs);
//! 5. `thisUpdate <= t < nextUpdate`; a CRL without `nextUpdate` is refused.
//!
//! As pvimg does, invalid CRLs are skipped when at least one valid CRL remains. C is
//! revoked if any valid CRL lists its serial number. If no valid CRL remains, the verdict
//! of the first rejected CRL is returned, or [`Error::NoCrl`] /
//! [`Error::CrlDownloadUnsupported`] if there was none.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::ops::Range;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use der::Decode;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::name::Name;

use super::cert::{Cert, akid_allows, first_inner_tlv};
use super::{name, sig};
use crate::{Error, Result};

/// CRL extensions that may be critical: CRL number, authority key identifier, issuer
/// alternative name, issuing distribution point (only its certificate-kind scope is
/// supported).
const KNOWN_CRITICAL: [ObjectIdentifier; 4] = [
    rfc5912::ID_CE_CRL_NUMBER,
    rfc5912::ID_CE_AUTHORITY_KEY_IDENTIFIER,
    rfc5912::ID_CE_ISSUER_ALT_NAME,
    rfc5912::ID_CE_ISSUING_DISTRIBUTION_POINT,
];
/// CRL entry extensions that may be critical: reason code, invalidity date.
const KNOWN_ENTRY_CRITICAL: [ObjectIdentifier; 2] =
    [rfc5912::ID_CE_CRL_REASONS, rfc5912::ID_CE_INVALIDITY_DATE];

/// A certificate revocation list (RFC 5280 §5), given with `--crl` or found in a
/// `--cert`/`--root-ca` file.
#[derive(Clone, Debug)]
pub struct Crl {
    der: Vec<u8>,
    tbs: Range<usize>,
    crl: CertificateList,
    akid: Option<AuthorityKeyIdentifier>,
    idp: Option<IssuingDistributionPoint>,
    unsupported: Option<ObjectIdentifier>,
}

impl Crl {
    /// Parses one DER CRL; the bytes must hold exactly one CRL.
    ///
    /// # Errors
    /// [`Error::CrlDecode`] if the bytes are not a DER CRL or one of the extensions this
    /// verifier reads does not decode.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let crl = CertificateList::from_der(der).map_err(|_| Error::CrlDecode)?;
        let tbs = first_inner_tlv(der).map_err(|_| Error::CrlDecode)?;
        let exts = crl.tbs_cert_list.crl_extensions.as_deref().unwrap_or(&[]);
        let find = |oid| exts.iter().find(|e| e.extn_id == oid).map(|e| e.extn_value.as_bytes());
        let akid = find(rfc5912::ID_CE_AUTHORITY_KEY_IDENTIFIER)
            .map(AuthorityKeyIdentifier::from_der)
            .transpose()
            .map_err(|_| Error::CrlDecode)?;
        let idp = find(rfc5912::ID_CE_ISSUING_DISTRIBUTION_POINT)
            .map(IssuingDistributionPoint::from_der)
            .transpose()
            .map_err(|_| Error::CrlDecode)?;
        let mut unsupported = exts
            .iter()
            .find(|e| e.critical && !KNOWN_CRITICAL.contains(&e.extn_id))
            .map(|e| e.extn_id);
        // Indirect CRLs, partitions by reason and attribute-certificate CRLs are not
        // supported (RFC 5280 §5.2.5).
        if idp.as_ref().is_some_and(|i| {
            i.indirect_crl || i.only_some_reasons.is_some() || i.only_contains_attribute_certs
        }) {
            unsupported = unsupported.or(Some(rfc5912::ID_CE_ISSUING_DISTRIBUTION_POINT));
        }
        let entries = crl.tbs_cert_list.revoked_certificates.as_deref().unwrap_or(&[]);
        let entry_exts =
            entries.iter().flat_map(|r| r.crl_entry_extensions.as_deref().unwrap_or(&[]));
        unsupported = unsupported.or(entry_exts
            .filter(|e| e.critical && !KNOWN_ENTRY_CRITICAL.contains(&e.extn_id))
            .map(|e| e.extn_id)
            .next());
        Ok(Self { der: der.to_vec(), tbs, crl, akid, idp, unsupported })
    }

    /// The DER encoding this CRL was parsed from.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed CRL.
    pub fn certificate_list(&self) -> &CertificateList {
        &self.crl
    }

    /// The issuer name.
    pub fn issuer(&self) -> &Name {
        &self.crl.tbs_cert_list.issuer
    }

    /// The issuer as text (`C=US, O=…`, in encoding order).
    pub fn issuer_string(&self) -> String {
        name::display(self.issuer())
    }

    /// `thisUpdate`.
    pub fn this_update(&self) -> SystemTime {
        self.crl.tbs_cert_list.this_update.to_system_time()
    }

    /// `nextUpdate`, if present.
    pub fn next_update(&self) -> Option<SystemTime> {
        self.crl.tbs_cert_list.next_update.map(|t| t.to_system_time())
    }

    /// Whether the CRL lists the serial number (content bytes of the DER INTEGER).
    pub fn lists(&self, serial: &[u8]) -> bool {
        let entries = self.crl.tbs_cert_list.revoked_certificates.as_deref().unwrap_or(&[]);
        entries.iter().any(|r| r.serial_number.as_bytes() == serial)
    }

    /// Whether the CRL's scope (issuing distribution point) covers `cert`.
    fn covers(&self, cert: &Cert) -> bool {
        let is_ca = cert.basic_constraints().is_some_and(|b| b.ca);
        self.idp.as_ref().is_none_or(|i| {
            !(i.only_contains_user_certs && is_ca || i.only_contains_ca_certs && !is_ca)
        })
    }

    fn signed_by(&self, issuer: &Cert) -> Result<bool> {
        let c = &self.crl;
        if c.signature_algorithm != c.tbs_cert_list.signature {
            return Ok(false);
        }
        sig::verify(issuer, &c.signature_algorithm, &self.der[self.tbs.clone()], &c.signature)
    }

    /// Checks this CRL as a CRL of `issuer` at `now` (steps 1–5 of the module docs).
    pub(crate) fn check(&self, issuer: &Cert, now: SystemTime, ibm_locality: bool) -> Result<()> {
        let who = || self.issuer_string();
        if !name::equivalent(self.issuer(), issuer.subject(), ibm_locality) {
            return Err(Error::CrlIssuerMismatch { issuer: who() });
        }
        if !self.signed_by(issuer)? {
            return Err(Error::CrlSignature { issuer: who() });
        }
        if self.akid.as_ref().is_some_and(|a| !akid_allows(a, issuer)) {
            return Err(Error::CrlAkidMismatch { issuer: who() });
        }
        if let Some(oid) = self.unsupported {
            return Err(Error::CrlUnsupportedCriticalExtension {
                issuer: who(),
                oid: oid.to_string(),
            });
        }
        if now < self.this_update() {
            return Err(Error::CrlNotYetValid { issuer: who() });
        }
        match self.next_update() {
            None => Err(Error::CrlNoNextUpdate { issuer: who() }),
            Some(next) if now >= next => Err(Error::CrlExpired { issuer: who() }),
            Some(_) => Ok(()),
        }
    }
}

/// How the revocation check runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RevocationCheck {
    /// The verification time.
    pub(crate) now: SystemTime,
    /// `--offline`: only changes the error when no CRL is found.
    pub(crate) offline: bool,
    /// Apply the IBM Armonk/Poughkeepsie locality quirk to CRL issuer names.
    pub(crate) ibm_locality: bool,
}

/// Checks that `cert`, issued by `issuer`, is not revoked according to `crls` (see the
/// module docs).
pub(crate) fn check_revocation(
    cert: &Cert,
    issuer: &Cert,
    crls: &[Crl],
    how: RevocationCheck,
) -> Result<()> {
    let mut valid = Vec::new();
    let mut first_err = None;
    for crl in crls.iter().filter(|c| c.covers(cert)) {
        let named = name::equivalent(crl.issuer(), issuer.subject(), how.ibm_locality);
        if !named && !crl.signed_by(issuer).unwrap_or(false) {
            continue;
        }
        match crl.check(issuer, how.now, how.ibm_locality) {
            Ok(()) => valid.push(crl),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    if valid.is_empty() {
        let subject = cert.subject_string();
        return Err(first_err.unwrap_or_else(|| match how.offline {
            true => Error::NoCrl { subject },
            false => Error::CrlDownloadUnsupported {
                subject,
                uris: cert.crl_distribution_points().to_vec(),
            },
        }));
    }
    if valid.iter().any(|c| c.lists(cert.serial())) {
        return Err(Error::CertRevoked { subject: cert.subject_string() });
    }
    Ok(())
}
