//! X.501 distinguished names as pvimg compares them (pvimg `verify/helper.rs`, facts
//! only): display, equivalence, and the subject rule of the IBM Z host-key signing key.
//!
//! - Two names are *equivalent* if they have the same number of attributes and each
//!   attribute of one has a partner of the same type and content bytes in the other, in
//!   any order. pvimg compares IBM names order-insensitively because IBM's CRL issuer
//!   names list the attributes in another order than the signing-key subject.
//! - With the IBM locality quirk, the localities `Armonk` and `Poughkeepsie` count as
//!   equal: IBM has issued signing keys and CRLs under both, and pvimg accepts either.

use alloc::string::String;
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc4519;
use x509_cert::name::Name;

const IBM: &[u8] = b"International Business Machines Corporation";
const ARMONK: &[u8] = b"Armonk";
const POUGHKEEPSIE: &[u8] = b"Poughkeepsie";
const SIGNING_OU_SUFFIX: &[u8] = b"Key Signing Service";
/// Number of attributes in an IBM Z signing-key subject.
const SIGNING_SUBJECT_ATTRS: usize = 6;

/// Short attribute names for display (OpenSSL style).
fn short_name(oid: &ObjectIdentifier) -> Option<&'static str> {
    Some(match *oid {
        rfc4519::C => "C",
        rfc4519::ST => "ST",
        rfc4519::L => "L",
        rfc4519::O => "O",
        rfc4519::OU => "OU",
        rfc4519::CN => "CN",
        rfc4519::SERIAL_NUMBER => "serialNumber",
        rfc4519::STREET => "street",
        _ => return None,
    })
}

/// `C=US, O=…, CN=…` in encoding order, non-UTF-8 values shown lossily.
pub(crate) fn display(name: &Name) -> String {
    let mut out = String::new();
    for (i, atv) in name.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match short_name(&atv.oid) {
            Some(s) => out.push_str(s),
            None => out.push_str(&alloc::format!("{}", atv.oid)),
        }
        out.push('=');
        out.push_str(&String::from_utf8_lossy(atv.value.value()));
    }
    out
}

/// Content bytes of the first attribute of type `oid`.
fn first(name: &Name, oid: ObjectIdentifier) -> Option<&[u8]> {
    name.iter().find(|a| a.oid == oid).map(|a| a.value.value())
}

fn values_equal(oid: &ObjectIdentifier, a: &[u8], b: &[u8], ibm_locality: bool) -> bool {
    let is_ibm_locality = |v: &[u8]| v == ARMONK || v == POUGHKEEPSIE;
    a == b || (ibm_locality && *oid == rfc4519::L && is_ibm_locality(a) && is_ibm_locality(b))
}

/// Whether `a` and `b` are equivalent (see the module docs).
pub(crate) fn equivalent(a: &Name, b: &Name, ibm_locality: bool) -> bool {
    let bs: Vec<_> = b.iter().collect();
    if a.iter().count() != bs.len() {
        return false;
    }
    let mut used = alloc::vec![false; bs.len()];
    a.iter().all(|x| {
        let hit = bs.iter().enumerate().position(|(i, y)| {
            !used[i]
                && x.oid == y.oid
                && values_equal(&x.oid, x.value.value(), y.value.value(), ibm_locality)
        });
        hit.map(|i| used[i] = true).is_some()
    })
}

/// pvimg's rule for the subject of an IBM Z host-key signing key: exactly six attributes,
/// `C=US`, `ST=New York`, `L=Poughkeepsie` or `L=Armonk`,
/// `O=International Business Machines Corporation`, the same `CN`, and an `OU` ending in
/// `Key Signing Service`.
pub(crate) fn is_ibm_signing_subject(name: &Name) -> bool {
    name.iter().count() == SIGNING_SUBJECT_ATTRS
        && first(name, rfc4519::C) == Some(b"US")
        && first(name, rfc4519::ST) == Some(b"New York")
        && matches!(first(name, rfc4519::L), Some(ARMONK | POUGHKEEPSIE))
        && first(name, rfc4519::O) == Some(IBM)
        && first(name, rfc4519::CN) == Some(IBM)
        && first(name, rfc4519::OU)
            .is_some_and(|ou| core::str::from_utf8(ou).is_ok() && ou.ends_with(SIGNING_OU_SUFFIX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn name(s: &str) -> Name {
        Name::from_str(s).unwrap()
    }

    const SIGN: &str = "OU=IBM Z Host Key Signing Service,L=Poughkeepsie,ST=New York,\
        CN=International Business Machines Corporation,\
        O=International Business Machines Corporation,C=US";

    #[test]
    fn signing_subject_rule() {
        assert!(is_ibm_signing_subject(&name(SIGN)));
        assert!(is_ibm_signing_subject(&name(&SIGN.replace("Poughkeepsie", "Armonk"))));
        assert!(!is_ibm_signing_subject(&name(&SIGN.replace("Poughkeepsie", "Boston"))));
        assert!(!is_ibm_signing_subject(&name(&SIGN.replace("Service", "Service X"))));
        assert!(!is_ibm_signing_subject(&name(&SIGN.replace("C=US", "C=DE"))));
        assert!(!is_ibm_signing_subject(&name(&alloc::format!("{SIGN},street=x"))));
    }

    #[test]
    fn equivalence_ignores_order_and_maybe_locality() {
        let a = name(SIGN);
        let reordered = name(
            "CN=International Business Machines Corporation,OU=IBM Z Host Key Signing Service,\
             L=Poughkeepsie,ST=New York,O=International Business Machines Corporation,C=US",
        );
        assert!(equivalent(&a, &reordered, false));
        let armonk = name(&SIGN.replace("Poughkeepsie", "Armonk"));
        assert!(!equivalent(&a, &armonk, false));
        assert!(equivalent(&a, &armonk, true));
        assert!(!equivalent(&a, &name(&SIGN.replace("Host Key", "Host")), true));
        assert!(!equivalent(&a, &name("CN=x"), true));
    }

    #[test]
    fn display_in_encoding_order() {
        assert_eq!(display(&name("CN=b,C=US")), "C=US, CN=b");
    }
}
