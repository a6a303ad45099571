//! The checks of the pv-header `request` fuzz target, shared by the target and the stable
//! replay `pv-header/tests/request_fuzz_corpus.rs` (both include this file with `#[path]`):
//! the exchange-file readers, ARCB and ASRCB opening with the vectors' host key (and with
//! the attestation request's arpk), the unauthenticated secret-id peek, the List Secrets
//! reader, the UV key-hash list and the signed-user-data verifier. Nothing may panic;
//! readers round-trip; a request opens only if its authenticated bytes are genuine.
#![allow(dead_code)]

use std::sync::OnceLock;

use pv_header::ecc::CustomerKey;
use pv_header::hdr::UvKeyHashes;
use pv_header::request::asrcb::peek_secret_id;
use pv_header::request::user_data::verify_signed_user_data;
use pv_header::request::{
    AddSecretRequest, AttestationRequest, ExchangeRequest, ExchangeResponse, RequestOpener,
    SecretList,
};
use pv_header::secret::Secret;

macro_rules! asset {
    ($p:literal) => {
        include_bytes!(concat!("../../pv-header/tests/assets/", $p)).as_slice()
    };
}

/// Requests the vectors' host key opens (real `pvattest` / `pvsecret` output).
pub const GENUINE_ASRCB: [&[u8]; 2] =
    [asset!("asrcb/asrcb_assoc.bin"), asset!("asrcb/asrcb_meta.bin")];

struct Keys {
    host: CustomerKey,
    customer: p521::PublicKey,
    arpk: Secret<32>,
    arcb: Vec<u8>,
}

fn keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| Keys {
        host: CustomerKey::from_pem(std::str::from_utf8(asset!("keys/host.key")).unwrap()).unwrap(),
        customer: CustomerKey::from_scalar_bytes(asset!("keys/private_cust.bin"))
            .unwrap()
            .public_key(),
        arpk: Secret::from_slice(asset!("attest/arpk.key")).unwrap(),
        arcb: ExchangeRequest::from_bytes(asset!("attest/request.bin")).unwrap().arcb().to_vec(),
    })
}

/// Whether `data` starts with the authenticated bytes (up to the big-endian rql at 12) of
/// one of `genuine`.
fn is_genuine(data: &[u8], genuine: &[&[u8]]) -> bool {
    genuine.iter().any(|g| {
        let rql = u32::from_be_bytes(g[12..16].try_into().unwrap()) as usize;
        data.len() >= rql && data[..rql] == g[..rql]
    })
}

/// What one input reached (for the replay's coverage assertions).
#[derive(Debug, Default, Clone, Copy)]
pub struct Reach {
    /// An exchange file parsed.
    pub exchange: bool,
    /// A request opened.
    pub opened: bool,
}

/// Runs every reader on `data`. With `host_key` false only the cheap openers run (the
/// arpk for ARCBs), for bulk replays: P-521 ECDH is slow in debug builds.
pub fn check(data: &[u8], host_key: bool) -> Reach {
    let k = keys();
    let mut reach = Reach::default();
    let mut arcbs = vec![data.to_vec()];
    if let Ok(x) = ExchangeRequest::from_bytes(data) {
        reach.exchange = true;
        let again = ExchangeRequest::from_bytes(&x.to_bytes()).expect("written file reads");
        assert_eq!(again, x);
        arcbs.push(x.arcb().to_vec());
    }
    if let Ok(x) = ExchangeResponse::from_bytes(data) {
        reach.exchange = true;
        let again = ExchangeResponse::from_bytes(&x.to_bytes()).expect("written file reads");
        assert_eq!(again, x);
        arcbs.push(x.arcb().to_vec());
    }
    for arcb in &arcbs {
        if let Ok(o) = AttestationRequest::open(arcb, &RequestOpener::ProtectionKey(&k.arpk)) {
            assert!(is_genuine(arcb, &[&k.arcb]), "a forged ARCB opened");
            assert_eq!(o.protection_key.expose(), k.arpk.expose());
            reach.opened = true;
        }
        if host_key && let Ok(o) = AttestationRequest::open(arcb, &RequestOpener::HostKey(&k.host))
        {
            assert!(is_genuine(arcb, &[&k.arcb]), "a forged ARCB opened");
            assert_eq!(o.protection_key.expose(), k.arpk.expose());
            reach.opened = true;
        }
    }
    let peek = peek_secret_id(data);
    if host_key && let Ok(o) = AddSecretRequest::open(data, &RequestOpener::HostKey(&k.host)) {
        assert!(is_genuine(data, &GENUINE_ASRCB), "a forged ASRCB opened");
        let (kind, id) = peek.as_ref().expect("an opened request peeks");
        assert_eq!(*kind, o.secret.kind());
        assert_eq!(id.as_ref(), o.secret.id());
        reach.opened = true;
    }
    if host_key && verify_signed_user_data(data, &k.customer).is_ok() {
        reach.opened = true;
    }
    if let Ok(list) = SecretList::from_bytes(data) {
        let bytes = list.to_bytes().expect("a read list writes");
        assert_eq!(SecretList::from_bytes(&bytes).ok().as_ref(), Some(&list));
        assert_eq!(bytes[..6], data[..6]);
    }
    if let Ok(h) = UvKeyHashes::parse(data) {
        let text: String = h
            .all()
            .iter()
            .map(|l| l.iter().map(|b| format!("{b:02x}")).collect::<String>() + "\n")
            .collect();
        assert_eq!(UvKeyHashes::parse(text.as_bytes()).ok().as_ref(), Some(&h));
        assert!(data.len() >= 15 * 64);
    }
    reach
}
