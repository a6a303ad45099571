//! The host-key document (HKD): an X.509 certificate, issued by the IBM Z host-key
//! signing key, whose public key is the P-521 host key of one IBM Z machine
//! (se-format.md §1.4, §6.3).
//!
//! A file is read like pvimg reads `--host-key-document`: DER, or PEM with possibly
//! several certificates, of which the first is the document (pvimg only warns about the
//! others). The key must be an EC key on secp521r1.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use p521::PublicKey;
use x509_cert::name::Name;

use super::cert::Cert;
use super::pem::read_certs;
use crate::ecc::{self, EcPubCoords};
use crate::{Error, Result};

/// A host-key document with its P-521 public key (se-format.md §1.4, §6.3).
#[derive(Clone, Debug)]
pub struct HostKeyDocument {
    cert: Cert,
    key: PublicKey,
}

impl HostKeyDocument {
    /// Reads the host-key document from DER or PEM bytes: the first certificate.
    ///
    /// # Errors
    /// [`Error::CertDecode`] for bytes that are not a certificate, [`Error::NoCertificate`]
    /// for PEM without certificates, [`Error::HkdKeyNotP521`] / [`Error::InvalidPublicKey`]
    /// for a key that is not a valid P-521 key.
    pub fn read(input: &[u8]) -> Result<Self> {
        let first = read_certs(input)?.into_iter().next().ok_or(Error::NoCertificate)?;
        Self::from_cert(first)
    }

    /// Reads every certificate of DER or PEM bytes as a host-key document.
    ///
    /// # Errors
    /// As [`Self::read`], for any of the certificates.
    pub fn read_all(input: &[u8]) -> Result<Vec<Self>> {
        let certs = read_certs(input)?;
        if certs.is_empty() {
            return Err(Error::NoCertificate);
        }
        certs.into_iter().map(Self::from_cert).collect()
    }

    /// Takes a parsed certificate as a host-key document.
    ///
    /// # Errors
    /// [`Error::HkdKeyNotP521`] if the key is not an EC P-521 key,
    /// [`Error::InvalidPublicKey`] if the point is not on the curve.
    pub fn from_cert(cert: Cert) -> Result<Self> {
        let spki = cert.certificate().tbs_certificate().subject_public_key_info();
        let curve =
            spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        if spki.algorithm.oid != rfc5912::ID_EC_PUBLIC_KEY || curve != Some(rfc5912::SECP_521_R_1) {
            let mut algorithm = spki.algorithm.oid.to_string();
            if let Some(c) = curve {
                algorithm = alloc::format!("{algorithm} {c}");
            }
            return Err(Error::HkdKeyNotP521 { algorithm });
        }
        let raw = spki.subject_public_key.as_bytes().ok_or(Error::InvalidPublicKey)?;
        let key = PublicKey::from_sec1_bytes(raw).map_err(|_| Error::InvalidPublicKey)?;
        Ok(Self { cert, key })
    }

    /// The certificate.
    pub fn cert(&self) -> &Cert {
        &self.cert
    }

    /// The host's P-521 public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The key in the 160-byte SE coordinates encoding (se-format.md §1.3).
    pub fn coords(&self) -> EcPubCoords {
        EcPubCoords::from_public_key(&self.key)
    }

    /// The public host key hash: SHA-256 of [`Self::coords`] (se-format.md §1.4).
    pub fn phkh(&self) -> [u8; 32] {
        ecc::phkh(&self.key)
    }

    /// The subject name.
    pub fn subject(&self) -> &Name {
        self.cert.subject()
    }

    /// The issuer name.
    pub fn issuer(&self) -> &Name {
        self.cert.issuer()
    }

    /// The subject as text.
    pub fn subject_string(&self) -> String {
        self.cert.subject_string()
    }

    /// The issuer as text.
    pub fn issuer_string(&self) -> String {
        self.cert.issuer_string()
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> SystemTime {
        self.cert.not_before()
    }

    /// End of the validity period.
    pub fn not_after(&self) -> SystemTime {
        self.cert.not_after()
    }
}
