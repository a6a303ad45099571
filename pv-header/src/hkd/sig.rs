//! Signature checks for certificates and CRLs (RFC 5280 §4.1.1.2, §5.1.1.2):
//! RSA PKCS #1 v1.5 with SHA-256/384/512 (what IBM's chain uses), RSASSA-PSS (RFC 4055)
//! with MGF1 over the same hash, and ECDSA with SHA-256/384/512 on P-521 keys.
//!
//! As pvimg runs OpenSSL at security level 2, RSA signer keys below 2048 bits are refused
//! (se-format.md §6.3; pvimg `verify/helper.rs`: `SECURITY_LEVEL = 2`). SHA-1 is not
//! accepted (level 2 forbids it too).

use alloc::string::ToString;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use der::asn1::BitString;
use der::{Decode, Encode};
use rsa::pkcs1::RsaPssParamsOwned;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::signature::hazmat::PrehashVerifier;
use rsa::traits::PublicKeyParts;
use rsa::{RsaPublicKey, pkcs1v15, pss};
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;

use super::cert::Cert;
use crate::{Error, Result};

/// Smallest RSA modulus accepted (OpenSSL security level 2: 112 bits of security).
pub(crate) const MIN_RSA_BITS: usize = 2048;

/// The hash functions signatures may use.
#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            rfc5912::ID_SHA_256 => Some(Self::Sha256),
            rfc5912::ID_SHA_384 => Some(Self::Sha384),
            rfc5912::ID_SHA_512 => Some(Self::Sha512),
            _ => None,
        }
    }

    fn digest(self, msg: &[u8]) -> alloc::vec::Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(msg).to_vec(),
            Self::Sha384 => Sha384::digest(msg).to_vec(),
            Self::Sha512 => Sha512::digest(msg).to_vec(),
        }
    }
}

/// How a signature is computed.
enum Scheme {
    Pkcs1v15(Hash),
    Pss(Hash, usize),
    Ecdsa(Hash),
}

fn unsupported(oid: &ObjectIdentifier) -> Error {
    Error::UnsupportedSignatureAlgorithm { oid: oid.to_string() }
}

/// Absent or NULL parameters (RFC 4055 §5: either is seen for the PKCS #1 v1.5 OIDs).
fn no_params(alg: &AlgorithmIdentifierOwned) -> bool {
    alg.parameters.as_ref().is_none_or(|p| p.is_null())
}

fn scheme(alg: &AlgorithmIdentifierOwned) -> Result<Scheme> {
    let plain = |s: Scheme| if no_params(alg) { Ok(s) } else { Err(unsupported(&alg.oid)) };
    match alg.oid {
        rfc5912::SHA_256_WITH_RSA_ENCRYPTION => plain(Scheme::Pkcs1v15(Hash::Sha256)),
        rfc5912::SHA_384_WITH_RSA_ENCRYPTION => plain(Scheme::Pkcs1v15(Hash::Sha384)),
        rfc5912::SHA_512_WITH_RSA_ENCRYPTION => plain(Scheme::Pkcs1v15(Hash::Sha512)),
        rfc5912::ECDSA_WITH_SHA_256 => plain(Scheme::Ecdsa(Hash::Sha256)),
        rfc5912::ECDSA_WITH_SHA_384 => plain(Scheme::Ecdsa(Hash::Sha384)),
        rfc5912::ECDSA_WITH_SHA_512 => plain(Scheme::Ecdsa(Hash::Sha512)),
        rfc5912::ID_RSASSA_PSS => pss_scheme(alg).ok_or_else(|| unsupported(&alg.oid)),
        _ => Err(unsupported(&alg.oid)),
    }
}

/// RSASSA-PSS parameters: a SHA-2 hash, MGF1 with the same hash, trailer 0xbc.
fn pss_scheme(alg: &AlgorithmIdentifierOwned) -> Option<Scheme> {
    let params = RsaPssParamsOwned::from_der(&alg.parameters.as_ref()?.to_der().ok()?).ok()?;
    let hash = Hash::from_oid(&params.hash.oid)?;
    let mgf_hash = params.mask_gen.parameters.as_ref()?;
    if params.mask_gen.oid != rfc5912::ID_MGF_1 || mgf_hash.oid != params.hash.oid {
        return None;
    }
    Some(Scheme::Pss(hash, usize::from(params.salt_len)))
}

fn rsa_key(signer: &Cert) -> Result<RsaPublicKey> {
    let subject = || signer.subject_string();
    let key = RsaPublicKey::from_public_key_der(&signer.spki_der()?)
        .map_err(|_| Error::UnsupportedSignerKey { subject: subject() })?;
    let bits = key.n().bits() as usize;
    if bits < MIN_RSA_BITS {
        return Err(Error::WeakKey { subject: subject(), bits });
    }
    Ok(key)
}

fn p521_key(signer: &Cert) -> Result<p521::ecdsa::VerifyingKey> {
    let spki = signer.certificate().tbs_certificate().subject_public_key_info();
    let curve =
        spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let raw = spki.subject_public_key.as_bytes();
    match (spki.algorithm.oid, curve, raw) {
        (rfc5912::ID_EC_PUBLIC_KEY, Some(rfc5912::SECP_521_R_1), Some(raw)) => {
            p521::ecdsa::VerifyingKey::from_sec1_bytes(raw).ok()
        }
        _ => None,
    }
    .ok_or_else(|| Error::UnsupportedSignerKey { subject: signer.subject_string() })
}

/// Checks `signature` over `msg` with the public key of `signer`.
///
/// `Ok(false)`: the signature does not verify. `Err`: the algorithm or the signer's key
/// cannot be used ([`Error::UnsupportedSignatureAlgorithm`],
/// [`Error::UnsupportedSignerKey`], [`Error::WeakKey`]).
pub(crate) fn verify(
    signer: &Cert,
    alg: &AlgorithmIdentifierOwned,
    msg: &[u8],
    signature: &BitString,
) -> Result<bool> {
    let scheme = scheme(alg)?;
    let Some(sig) = signature.as_bytes() else {
        return Ok(false);
    };
    Ok(match scheme {
        Scheme::Pkcs1v15(hash) => {
            let key = rsa_key(signer)?;
            let Ok(sig) = pkcs1v15::Signature::try_from(sig) else {
                return Ok(false);
            };
            match hash {
                Hash::Sha256 => pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(msg, &sig),
                Hash::Sha384 => pkcs1v15::VerifyingKey::<Sha384>::new(key).verify(msg, &sig),
                Hash::Sha512 => pkcs1v15::VerifyingKey::<Sha512>::new(key).verify(msg, &sig),
            }
            .is_ok()
        }
        Scheme::Pss(hash, salt) => {
            let key = rsa_key(signer)?;
            let Ok(sig) = pss::Signature::try_from(sig) else {
                return Ok(false);
            };
            match hash {
                Hash::Sha256 => {
                    pss::VerifyingKey::<Sha256>::new_with_salt_len(key, salt).verify(msg, &sig)
                }
                Hash::Sha384 => {
                    pss::VerifyingKey::<Sha384>::new_with_salt_len(key, salt).verify(msg, &sig)
                }
                Hash::Sha512 => {
                    pss::VerifyingKey::<Sha512>::new_with_salt_len(key, salt).verify(msg, &sig)
                }
            }
            .is_ok()
        }
        Scheme::Ecdsa(hash) => {
            let key = p521_key(signer)?;
            let Ok(sig) = p521::ecdsa::Signature::from_der(sig) else {
                return Ok(false);
            };
            key.verify_prehash(&hash.digest(msg), &sig).is_ok()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::Any;
    use rsa::pkcs1::RsaPssParams;

    fn alg(oid: ObjectIdentifier, params: Option<Any>) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid, parameters: params }
    }

    #[test]
    fn sha1_and_unknown_algorithms_are_refused() {
        let sha1_rsa = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
        assert!(matches!(
            scheme(&alg(sha1_rsa, None)),
            Err(Error::UnsupportedSignatureAlgorithm { oid }) if oid == "1.2.840.113549.1.1.5"
        ));
        // PKCS #1 v1.5 with non-NULL parameters.
        let params = Any::from_der(&[0x04, 0x00]).unwrap();
        assert!(scheme(&alg(rfc5912::SHA_256_WITH_RSA_ENCRYPTION, Some(params))).is_err());
        assert!(scheme(&alg(rfc5912::SHA_512_WITH_RSA_ENCRYPTION, Some(Any::null()))).is_ok());
    }

    #[test]
    fn pss_parameters() {
        fn params(p: RsaPssParams<der::asn1::AnyRef<'static>>) -> Any {
            Any::from_der(&p.to_der().unwrap()).unwrap()
        }
        let good = params(RsaPssParams::new::<Sha384>(48));
        match scheme(&alg(rfc5912::ID_RSASSA_PSS, Some(good))) {
            Ok(Scheme::Pss(Hash::Sha384, 48)) => {}
            _ => panic!("PSS SHA-384/48 not recognised"),
        }
        // MGF1 over another hash than the message hash.
        let mut mixed = RsaPssParams::new::<Sha256>(32);
        mixed.mask_gen.parameters.as_mut().unwrap().oid = rfc5912::ID_SHA_512;
        assert!(scheme(&alg(rfc5912::ID_RSASSA_PSS, Some(params(mixed)))).is_err());
        // Defaults (SHA-1) and missing parameters.
        assert!(
            scheme(&alg(rfc5912::ID_RSASSA_PSS, Some(Any::from_der(&[0x30, 0x00]).unwrap())))
                .is_err()
        );
        assert!(scheme(&alg(rfc5912::ID_RSASSA_PSS, None)).is_err());
    }
}
