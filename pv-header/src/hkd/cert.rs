//! One X.509 certificate (RFC 5280 §4.1) as the host-key verification needs it: the
//! parsed structure, the exact to-be-signed bytes, and the extensions pvimg's checks use
//! (se-format.md §6.3).
//!
//! The to-be-signed bytes are cut out of the original encoding, never re-encoded, so a
//! signature is always checked over the bytes the issuer signed.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::ops::Range;
use std::time::SystemTime;

use const_oid::db::rfc5912;
use const_oid::{AssociatedOid, ObjectIdentifier};
use der::{Decode, Encode, Header, Reader, SliceReader};
use x509_cert::Certificate;
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, KeyUsage, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use super::name;
use crate::{Error, Result};

/// Extensions this verifier processes or may ignore when critical: basic constraints, key
/// usage, extended key usage, alternative names, policies, key identifiers, CRL
/// distribution points. Name constraints and anything else are refused when critical.
const KNOWN_CRITICAL: [ObjectIdentifier; 11] = [
    rfc5912::ID_CE_BASIC_CONSTRAINTS,
    rfc5912::ID_CE_KEY_USAGE,
    rfc5912::ID_CE_EXT_KEY_USAGE,
    rfc5912::ID_CE_SUBJECT_ALT_NAME,
    rfc5912::ID_CE_ISSUER_ALT_NAME,
    rfc5912::ID_CE_CERTIFICATE_POLICIES,
    rfc5912::ID_CE_POLICY_CONSTRAINTS,
    rfc5912::ID_CE_INHIBIT_ANY_POLICY,
    rfc5912::ID_CE_AUTHORITY_KEY_IDENTIFIER,
    rfc5912::ID_CE_SUBJECT_KEY_IDENTIFIER,
    rfc5912::ID_CE_CRL_DISTRIBUTION_POINTS,
];

/// An X.509 certificate: the `--cert` and `--root-ca` inputs and the body of a host-key
/// document (RFC 5280 §4.1; se-format.md §6.3).
#[derive(Clone, Debug)]
pub struct Cert {
    der: Vec<u8>,
    tbs: Range<usize>,
    cert: Certificate,
    skid: Option<Vec<u8>>,
    akid: Option<AuthorityKeyIdentifier>,
    basic: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
    crl_dps: Vec<String>,
}

/// The byte range of the first element inside the outer SEQUENCE of `der` (the
/// to-be-signed part of a certificate or CRL).
pub(crate) fn first_inner_tlv(der: &[u8]) -> der::Result<Range<usize>> {
    let mut r = SliceReader::new(der)?;
    Header::decode(&mut r)?;
    let start = usize::try_from(r.position())?;
    let tbs = r.tlv_bytes()?;
    Ok(start..start + tbs.len())
}

impl Cert {
    /// Parses one DER certificate; the bytes must hold exactly one certificate.
    ///
    /// # Errors
    /// [`Error::CertDecode`] if the bytes are not a DER certificate or one of the
    /// extensions this verifier reads does not decode.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let cert = Certificate::from_der(der).map_err(|_| Error::CertDecode)?;
        let tbs = first_inner_tlv(der).map_err(|_| Error::CertDecode)?;
        let t = cert.tbs_certificate();
        let skid: Option<SubjectKeyIdentifier> = extension(t)?;
        let akid = extension(t)?;
        let basic = extension(t)?;
        let key_usage = extension(t)?;
        let dps: Option<CrlDistributionPoints> = extension(t)?;
        let crl_dps = dps.map(|d| uris(&d)).unwrap_or_default();
        Ok(Self {
            der: der.to_vec(),
            tbs,
            skid: skid.map(|s| s.0.as_bytes().to_vec()),
            akid,
            basic,
            key_usage,
            crl_dps,
            cert,
        })
    }

    /// The DER encoding this certificate was parsed from.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The exact to-be-signed bytes.
    pub(crate) fn tbs(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// The subject name.
    pub fn subject(&self) -> &Name {
        self.cert.tbs_certificate().subject()
    }

    /// The issuer name.
    pub fn issuer(&self) -> &Name {
        self.cert.tbs_certificate().issuer()
    }

    /// The subject as text (`C=US, O=…`, in encoding order).
    pub fn subject_string(&self) -> String {
        name::display(self.subject())
    }

    /// The issuer as text (`C=US, O=…`, in encoding order).
    pub fn issuer_string(&self) -> String {
        name::display(self.issuer())
    }

    /// The serial number: the content bytes of the DER INTEGER.
    pub fn serial(&self) -> &[u8] {
        self.cert.tbs_certificate().serial_number().as_bytes()
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> SystemTime {
        self.cert.tbs_certificate().validity().not_before.to_system_time()
    }

    /// End of the validity period.
    pub fn not_after(&self) -> SystemTime {
        self.cert.tbs_certificate().validity().not_after.to_system_time()
    }

    /// The URIs of the CRL distribution points, in order.
    pub fn crl_distribution_points(&self) -> &[String] {
        &self.crl_dps
    }

    /// pvimg's validity rule: valid from `notBefore` (inclusive) to `notAfter`
    /// (exclusive).
    pub(crate) fn check_validity(&self, now: SystemTime) -> Result<()> {
        if now < self.not_before() {
            return Err(Error::CertNotYetValid { subject: self.subject_string() });
        }
        if now >= self.not_after() {
            return Err(Error::CertExpired { subject: self.subject_string() });
        }
        Ok(())
    }

    /// The subject key identifier, if the extension is present.
    pub(crate) fn skid(&self) -> Option<&[u8]> {
        self.skid.as_deref()
    }

    /// Basic constraints, if present.
    pub(crate) fn basic_constraints(&self) -> Option<&BasicConstraints> {
        self.basic.as_ref()
    }

    /// Key usage, if present.
    pub(crate) fn key_usage(&self) -> Option<&KeyUsage> {
        self.key_usage.as_ref()
    }

    /// Whether the subject and issuer names are the same.
    pub(crate) fn is_self_issued(&self) -> bool {
        name::equivalent(self.subject(), self.issuer(), false)
    }

    /// Whether this certificate's authority key identifier allows `issuer` as its issuer
    /// (OpenSSL `X509_check_akid`): key identifier against the issuer's subject key
    /// identifier, and issuer name plus serial if the identifier carries them.
    pub(crate) fn akid_matches(&self, issuer: &Cert) -> bool {
        self.akid.as_ref().is_none_or(|a| akid_allows(a, issuer))
    }

    /// Refuses critical extensions this verifier does not process.
    pub(crate) fn check_critical_extensions(&self) -> Result<()> {
        let exts = self.cert.tbs_certificate().extensions().map_or(&[][..], |e| e.as_slice());
        match exts.iter().find(|e| e.critical && !KNOWN_CRITICAL.contains(&e.extn_id)) {
            Some(e) => Err(Error::UnsupportedCriticalExtension {
                subject: self.subject_string(),
                oid: e.extn_id.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// The DER encoding of the subject public key info.
    pub(crate) fn spki_der(&self) -> Result<Vec<u8>> {
        let spki = self.cert.tbs_certificate().subject_public_key_info();
        spki.to_der().map_err(|_| Error::UnsupportedSignerKey { subject: self.subject_string() })
    }
}

/// Decodes the extension of type `T`, if present (once at most).
fn extension<'a, T>(tbs: &'a TbsCertificate) -> Result<Option<T>>
where
    T: Decode<'a, Error = der::Error> + AssociatedOid,
{
    let found = tbs.get_extension::<T>().map_err(|_| Error::CertDecode)?;
    Ok(found.map(|(_critical, value)| value))
}

/// See [`Cert::akid_matches`].
pub(crate) fn akid_allows(akid: &AuthorityKeyIdentifier, issuer: &Cert) -> bool {
    if let (Some(id), Some(skid)) = (&akid.key_identifier, issuer.skid())
        && id.as_bytes() != skid
    {
        return false;
    }
    if let Some(serial) = &akid.authority_cert_serial_number
        && serial.as_bytes() != issuer.serial()
    {
        return false;
    }
    if let Some(names) = &akid.authority_cert_issuer {
        let dir_names = names.iter().filter_map(|n| match n {
            GeneralName::DirectoryName(dn) => Some(dn),
            _ => None,
        });
        let mut dir_names = dir_names.peekable();
        if dir_names.peek().is_some()
            && !dir_names.any(|dn| name::equivalent(dn, issuer.issuer(), false))
        {
            return false;
        }
    }
    true
}

/// The URIs of all full-name distribution points.
fn uris(dps: &CrlDistributionPoints) -> Vec<String> {
    let full_names = dps.0.iter().filter_map(|dp| match &dp.distribution_point {
        Some(DistributionPointName::FullName(names)) => Some(names),
        _ => None,
    });
    full_names
        .flatten()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(pem: &[u8]) -> Cert {
        super::super::read_certs(pem).unwrap().remove(0)
    }

    #[test]
    fn tbs_is_cut_from_the_encoding() {
        let ibm = Cert::from_der(include_bytes!("../../tests/assets/cert/der.crt")).unwrap();
        // For this DER certificate, re-encoding the parsed TBS gives the same bytes.
        assert_eq!(ibm.tbs(), &ibm.certificate().tbs_certificate().to_der().unwrap()[..]);
        assert_eq!(ibm.tbs()[0], 0x30);
        assert!(Cert::from_der(&ibm.der()[..ibm.der().len() - 1]).is_err());
    }

    #[test]
    fn key_identifiers() {
        let ibm = cert(include_bytes!("../../tests/assets/cert/ibm.crt"));
        let inter = cert(include_bytes!("../../tests/assets/cert/inter_ca.crt"));
        let host = cert(include_bytes!("../../tests/assets/cert/host.crt"));
        assert_eq!(ibm.skid().map(|s| s[0]), Some(0xc3));
        assert!(host.akid_matches(&ibm));
        assert!(!host.akid_matches(&inter));
        assert!(ibm.akid_matches(&inter));
        assert!(!ibm.is_self_issued());
        assert_eq!(ibm.crl_distribution_points(), ["inter_ca.crl"]);
        assert_eq!(host.check_critical_extensions(), Ok(()));
    }
}
