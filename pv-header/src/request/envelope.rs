//! The generic UV request envelope of attestation and add-secret requests (se-format.md
//! §4.1; crypto-perf-and-oracle.md §6.2 and the receiver recipe of §6.4).
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0x00 | 8 | magic |
//! | 0x08 | 4 | version 0x0100 |
//! | 0x0c | 4 | rql: total request length, tag included |
//! | 0x10 | 12 | GCM IV |
//! | 0x1c | 11 | reserved |
//! | 0x27 | 1 | nks: number of key slots (1..=255) |
//! | 0x28 | 4 | reserved |
//! | 0x2c | 4 | sea: size of the encrypted area |
//! | 0x30 | … | request-specific authenticated data |
//! | cko | 160 | customer public key coordinates |
//! | cko+160 | 80·nks | key slots |
//! | … | … | optional trailing authenticated data |
//! | rql−sea−16 | sea | encrypted area |
//! | rql−16 | 16 | GCM tag |
//!
//! The additional authenticated data is `req[0 .. rql − sea − 16]`; the key is a random
//! 32-byte request protection key, wrapped into every key slot exactly like the header
//! protection key of an SE header (§1.4).

use alloc::vec::Vec;
use p521::PublicKey;

use super::{RequestKind, array_at, be32};
use crate::ecc::{COORDS_LEN, CustomerKey, EcPubCoords, phkh};
use crate::keyslot::{KEYSLOT_LEN, Keyslot, unwrap_any};
use crate::rand::{RandomSource, random_array};
use crate::secret::{Secret, SecretVec};
use crate::{Error, Result, gcm};

/// Size of the generic header.
pub const HEADER_LEN: usize = 0x30;
/// Size of the GCM IV.
pub const IV_LEN: usize = 12;
/// Size of the GCM tag that ends every request.
pub const TAG_LEN: usize = 16;
/// The only request version: 1 (0x0100).
pub const VERSION_1: u32 = 0x0100;
/// The largest number of key slots (nks is one byte).
pub const MAX_KEY_SLOTS: usize = 255;

const OFF_VERSION: usize = 0x08;
const OFF_RQL: usize = 0x0c;
const OFF_IV: usize = 0x10;
const OFF_NKS: usize = 0x27;
const OFF_SEA: usize = 0x2c;

/// The per-request randomness: the GCM IV, the request protection key (for attestation:
/// the "arpk") and the customer P-521 key (§4.1).
#[derive(Debug, Clone)]
pub struct RequestKeys {
    iv: [u8; IV_LEN],
    prot_key: Secret<32>,
    customer: CustomerKey,
}

impl RequestKeys {
    /// Fixed values (known answers, `pvattest create --arpk`-style reuse).
    pub fn new(iv: [u8; IV_LEN], prot_key: Secret<32>, customer: CustomerKey) -> Self {
        Self { iv, prot_key, customer }
    }

    /// Draws the IV, then the protection key, then the customer key from `rng`.
    pub fn generate(rng: &mut impl RandomSource) -> Result<Self> {
        let iv = random_array(rng)?;
        let mut prot_key = Secret::new([0; 32]);
        rng.fill(prot_key.expose_mut())?;
        let customer = CustomerKey::generate(rng)?;
        Ok(Self { iv, prot_key, customer })
    }

    /// The GCM IV.
    pub fn iv(&self) -> &[u8; IV_LEN] {
        &self.iv
    }

    /// The request protection key.
    pub fn protection_key(&self) -> &Secret<32> {
        &self.prot_key
    }

    /// The customer key.
    pub fn customer(&self) -> &CustomerKey {
        &self.customer
    }
}

/// How an opener gets at the request protection key.
#[derive(Debug, Clone, Copy)]
pub enum RequestOpener<'a> {
    /// The Ultravisor's way: a host private key. The slot is found by the public host key
    /// hash and unwrapped with ECDH(host private, customer public).
    HostKey(&'a CustomerKey),
    /// The customer's way: its private key and the host's public key. ECDH is symmetric, so
    /// the slot for `host` unwraps with ECDH(customer private, host public).
    Customer {
        /// The customer private key the request was built with.
        customer: &'a CustomerKey,
        /// The host public key whose slot to unwrap.
        host: &'a PublicKey,
    },
    /// The request protection key itself (`pvattest verify --arpk`).
    ProtectionKey(&'a Secret<32>),
}

/// Builds the authenticated part of a request: header, `specific` (from 0x30), customer
/// key, one slot per host key, `trailing`. The header's rql and sea count `sea` bytes of
/// encrypted area and the tag.
pub(crate) fn build_aad(
    magic: &[u8; 8],
    specific: &[u8],
    trailing: &[u8],
    sea: usize,
    hosts: &[PublicKey],
    keys: &RequestKeys,
) -> Result<Vec<u8>> {
    if hosts.is_empty() || hosts.len() > MAX_KEY_SLOTS {
        return Err(Error::RequestKeySlotCount { nks: hosts.len() });
    }
    let aad_len =
        HEADER_LEN + specific.len() + COORDS_LEN + KEYSLOT_LEN * hosts.len() + trailing.len();
    let rql = aad_len + sea + TAG_LEN;
    let rql32 =
        u32::try_from(rql).map_err(|_| Error::RequestLength { rql: u32::MAX, available: rql })?;
    let sea32 = u32::try_from(sea).map_err(|_| Error::RequestEncryptedSize { sea: u32::MAX })?;
    let mut out = Vec::with_capacity(rql);
    out.extend_from_slice(magic);
    out.extend_from_slice(&VERSION_1.to_be_bytes());
    out.extend_from_slice(&rql32.to_be_bytes());
    out.extend_from_slice(&keys.iv);
    out.extend_from_slice(&[0; OFF_NKS - (OFF_IV + IV_LEN)]);
    // Checked above: 1..=255 fits the byte.
    out.push(hosts.len() as u8);
    out.extend_from_slice(&[0; OFF_SEA - (OFF_NKS + 1)]);
    out.extend_from_slice(&sea32.to_be_bytes());
    debug_assert_eq!(out.len(), HEADER_LEN);
    out.extend_from_slice(specific);
    out.extend_from_slice(&keys.customer.public_coords().0);
    for host in hosts {
        out.extend_from_slice(&Keyslot::wrap(&keys.prot_key, host, &keys.customer).to_bytes());
    }
    out.extend_from_slice(trailing);
    debug_assert_eq!(out.len(), aad_len);
    Ok(out)
}

/// Encrypts `plaintext` under the request protection key with `aad` as authenticated data
/// and returns `aad ‖ ciphertext ‖ tag`. `aad` must come from [`build_aad`] with
/// `sea = plaintext.len()`.
pub(crate) fn seal(mut aad: Vec<u8>, plaintext: &[u8], keys: &RequestKeys) -> Vec<u8> {
    let aad_len = aad.len();
    aad.extend_from_slice(plaintext);
    let (head, body) = aad.split_at_mut(aad_len);
    let tag = gcm::seal(keys.prot_key.expose(), &keys.iv, head, body);
    aad.extend_from_slice(&tag);
    aad
}

/// A parsed request envelope (not yet decrypted). Borrowed from the request bytes; bytes
/// after rql are ignored, as IBM's tools do.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    bytes: &'a [u8],
    cust_off: usize,
    nks: usize,
    sea: usize,
}

impl<'a> Envelope<'a> {
    /// Parses the envelope of a `kind` request. Checks, in this order: the magic (ARCB: 8
    /// zero bytes; ASRCB: `asrcbM`, the user-data type is checked by the caller), the
    /// version, rql (at least the fixed layout with one slot, at most the bytes given),
    /// nks ≠ 0, that the key slots fit rql, and that sea and the tag fit after them.
    pub fn parse(bytes: &'a [u8], kind: RequestKind) -> Result<Self> {
        let cust_off = match kind {
            RequestKind::Attestation => super::arcb::CUSTOMER_KEY_OFFSET,
            RequestKind::AddSecret => super::asrcb::CUSTOMER_KEY_OFFSET,
        };
        if bytes.len() < HEADER_LEN {
            return Err(Error::TooShort { need: HEADER_LEN, have: bytes.len() });
        }
        let magic_ok = match kind {
            RequestKind::Attestation => bytes[..8] == super::arcb::MAGIC,
            RequestKind::AddSecret => bytes[..6] == super::asrcb::MAGIC_PREFIX,
        };
        if !magic_ok {
            return Err(Error::RequestMagic { kind });
        }
        let version = be32(bytes, OFF_VERSION);
        if version != VERSION_1 {
            return Err(Error::RequestVersion { version });
        }
        let rql32 = be32(bytes, OFF_RQL);
        let rql = rql32 as usize;
        let min = cust_off + COORDS_LEN + KEYSLOT_LEN + TAG_LEN;
        if rql > bytes.len() || rql < min {
            return Err(Error::RequestLength { rql: rql32, available: bytes.len() });
        }
        let nks = bytes[OFF_NKS] as usize;
        if nks == 0 {
            return Err(Error::RequestKeySlotCount { nks });
        }
        let slots_end = cust_off + COORDS_LEN + KEYSLOT_LEN * nks;
        if slots_end + TAG_LEN > rql {
            return Err(Error::RequestLength { rql: rql32, available: bytes.len() });
        }
        let sea32 = be32(bytes, OFF_SEA);
        let sea = sea32 as usize;
        if sea > rql - TAG_LEN - slots_end {
            return Err(Error::RequestEncryptedSize { sea: sea32 });
        }
        Ok(Self { bytes: &bytes[..rql], cust_off, nks, sea })
    }

    /// The request bytes (rql of them).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The 8 magic bytes.
    pub fn magic(&self) -> [u8; 8] {
        array_at(self.bytes, 0)
    }

    /// The total request length.
    pub fn rql(&self) -> usize {
        self.bytes.len()
    }

    /// The GCM IV.
    pub fn iv(&self) -> [u8; IV_LEN] {
        array_at(self.bytes, OFF_IV)
    }

    /// The number of key slots.
    pub fn nks(&self) -> usize {
        self.nks
    }

    /// The size of the encrypted area.
    pub fn sea(&self) -> usize {
        self.sea
    }

    /// The request-specific authenticated data between the header and the customer key.
    pub fn specific(&self) -> &'a [u8] {
        &self.bytes[HEADER_LEN..self.cust_off]
    }

    /// The customer public key coordinates (validated: zero padding, on the curve).
    pub fn customer_key(&self) -> Result<EcPubCoords> {
        EcPubCoords::from_slice(&self.bytes[self.cust_off..self.cust_off + COORDS_LEN])
    }

    /// The key slots.
    pub fn keyslots(&self) -> Vec<Keyslot> {
        let start = self.cust_off + COORDS_LEN;
        self.bytes[start..start + KEYSLOT_LEN * self.nks]
            .chunks_exact(KEYSLOT_LEN)
            .filter_map(|c| Keyslot::from_slice(c).ok())
            .collect()
    }

    fn aad_end(&self) -> usize {
        self.rql() - TAG_LEN - self.sea
    }

    /// The authenticated data after the key slots (ASRCB: the secret header).
    pub fn trailing(&self) -> &'a [u8] {
        &self.bytes[self.cust_off + COORDS_LEN + KEYSLOT_LEN * self.nks..self.aad_end()]
    }

    /// All authenticated-only bytes: `req[0 .. rql − sea − 16]`.
    pub fn aad(&self) -> &'a [u8] {
        &self.bytes[..self.aad_end()]
    }

    /// The encrypted area.
    pub fn ciphertext(&self) -> &'a [u8] {
        &self.bytes[self.aad_end()..self.rql() - TAG_LEN]
    }

    /// The GCM tag.
    pub fn tag(&self) -> [u8; TAG_LEN] {
        array_at(self.bytes, self.rql() - TAG_LEN)
    }

    /// Recovers the request protection key (§6.4 steps 2-5).
    pub fn protection_key(&self, opener: &RequestOpener<'_>) -> Result<Secret<32>> {
        match opener {
            RequestOpener::HostKey(host) => {
                let cust = self.customer_key()?;
                unwrap_any(&self.keyslots(), host, &cust)
            }
            RequestOpener::Customer { customer, host } => {
                let want = phkh(host);
                let slots = self.keyslots();
                let slot = slots.iter().find(|s| s.phkh == want).ok_or(Error::NoMatchingKeySlot)?;
                slot.unwrap(customer, &EcPubCoords::from_public_key(host))
            }
            RequestOpener::ProtectionKey(k) => Ok((*k).clone()),
        }
    }

    /// Decrypts the encrypted area with the request protection key (§6.4 step 6).
    pub fn decrypt(&self, key: &Secret<32>) -> Result<SecretVec> {
        let mut buf = SecretVec::new(self.ciphertext().into());
        gcm::open(key.expose(), &self.iv(), self.aad(), buf.expose_mut(), &self.tag())
            .map_err(|_| Error::RequestAuth)?;
        Ok(buf)
    }

    /// [`Self::protection_key`] then [`Self::decrypt`].
    pub fn open(&self, opener: &RequestOpener<'_>) -> Result<(Secret<32>, SecretVec)> {
        let key = self.protection_key(opener)?;
        let plain = self.decrypt(&key)?;
        Ok((key, plain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::CounterRandom;

    fn keys() -> (RequestKeys, CustomerKey) {
        let keys = RequestKeys::generate(&mut CounterRandom::new(b"env")).unwrap();
        let host = CustomerKey::generate(&mut CounterRandom::new(b"host")).unwrap();
        (keys, host)
    }

    #[test]
    fn build_parse_open() {
        let (keys, host) = keys();
        let aad = build_aad(&[0; 8], &[7; 16], &[9; 5], 3, &[host.public_key()], &keys).unwrap();
        let req = seal(aad, b"abc", &keys);
        assert_eq!(req.len(), 0x40 + 160 + 80 + 5 + 3 + 16);
        let env = Envelope::parse(&req, RequestKind::Attestation).unwrap();
        assert_eq!((env.nks(), env.sea(), env.rql()), (1, 3, req.len()));
        assert_eq!(env.trailing(), &[9; 5]);
        assert_eq!(env.specific(), &[7; 16]);
        let (k, p) = env.open(&RequestOpener::HostKey(&host)).unwrap();
        assert_eq!(k.expose(), keys.protection_key().expose());
        assert_eq!(p.expose(), b"abc");
        let hp = host.public_key();
        let by_cust = RequestOpener::Customer { customer: keys.customer(), host: &hp };
        assert_eq!(env.open(&by_cust).unwrap().1.expose(), b"abc");
    }

    #[test]
    fn structural_errors() {
        let (keys, host) = keys();
        assert_eq!(
            build_aad(&[0; 8], &[0; 16], &[], 0, &[], &keys).unwrap_err(),
            Error::RequestKeySlotCount { nks: 0 }
        );
        let aad = build_aad(&[0; 8], &[0; 16], &[], 2, &[host.public_key()], &keys).unwrap();
        let req = seal(aad, b"xy", &keys);
        let mut bad = req.clone();
        bad[0] = 1;
        assert!(matches!(
            Envelope::parse(&bad, RequestKind::Attestation),
            Err(Error::RequestMagic { .. })
        ));
        assert!(matches!(
            Envelope::parse(&req, RequestKind::AddSecret),
            Err(Error::RequestMagic { .. })
        ));
        let mut bad = req.clone();
        bad[OFF_VERSION + 2] = 2;
        assert_eq!(
            Envelope::parse(&bad, RequestKind::Attestation).unwrap_err(),
            Error::RequestVersion { version: 0x0200 }
        );
        assert!(matches!(
            Envelope::parse(&req[..req.len() - 1], RequestKind::Attestation),
            Err(Error::RequestLength { .. })
        ));
        let mut bad = req.clone();
        bad[OFF_NKS] = 0;
        assert_eq!(
            Envelope::parse(&bad, RequestKind::Attestation).unwrap_err(),
            Error::RequestKeySlotCount { nks: 0 }
        );
        bad[OFF_NKS] = 2;
        assert!(matches!(
            Envelope::parse(&bad, RequestKind::Attestation),
            Err(Error::RequestLength { .. })
        ));
        let mut bad = req.clone();
        bad[OFF_SEA + 3] = 3;
        assert_eq!(
            Envelope::parse(&bad, RequestKind::Attestation).unwrap_err(),
            Error::RequestEncryptedSize { sea: 3 }
        );
        assert!(matches!(
            Envelope::parse(&req[..20], RequestKind::Attestation),
            Err(Error::TooShort { .. })
        ));
        // Trailing bytes after rql are ignored.
        let mut longer = req.clone();
        longer.push(0xee);
        assert_eq!(Envelope::parse(&longer, RequestKind::Attestation).unwrap().rql(), req.len());
    }
}
