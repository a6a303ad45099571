//! Building and sealing an SE header (se-format.md §1.1-§1.7).
//!
//! Two steps, because the image writer needs the XTS key before it can encrypt the
//! components, and the header needs the components' digests:
//!
//! 1. [`SeHdrBuilder::prepare`] fixes every secret (given ones, or drawn from the
//!    [`RandomSource`] in the order protection key, CCK, XTS key, IV, customer key) and
//!    returns a [`PreparedSeHdr`] that exposes them.
//! 2. [`PreparedSeHdr::seal`] takes the [`ComponentDigests`], wraps the protection key
//!    into one key slot per host key (in the order given), and encrypts the area.
//!
//! [`SeHdrBuilder::build`] does both at once.

use alloc::vec::Vec;

use p521::PublicKey;
use pv_core::Psw;

use crate::ecc::{CustomerKey, EcPubCoords};
use crate::hdr::ComponentDigests;
use crate::hdr::layout::{HdrDefect, MAX_KEY_SLOTS, SeHdr, expected_size};
use crate::hdr::open::DecryptedSeHdr;
use crate::hdr::secrets::SeHdrSecrets;
use crate::keyslot::Keyslot;
use crate::pcf::PlaintextControlFlags;
use crate::rand::{RandomSource, random_array};
use crate::scf::SecretControlFlags;
use crate::secret::Secret;
use crate::{Error, Result, gcm};

/// Collects the inputs of an SE header. Anything not given explicitly is drawn from the
/// [`RandomSource`] passed to [`SeHdrBuilder::prepare`]; giving the IV and the customer
/// key is pvimg's "expert mode" (§1.7).
#[derive(Debug, Clone)]
pub struct SeHdrBuilder {
    host_keys: Vec<PublicKey>,
    psw: Psw,
    pcf: PlaintextControlFlags,
    scf: SecretControlFlags,
    cck: Option<Secret<32>>,
    xts_key: Option<Secret<64>>,
    prot_key: Option<Secret<32>>,
    iv: Option<[u8; 12]>,
    cust_key: Option<CustomerKey>,
}

impl SeHdrBuilder {
    /// A builder for these target host keys (key slot order = this order; 1..=95 keys,
    /// checked by [`SeHdrBuilder::prepare`]) and the secure-mode start PSW, with pvimg's
    /// default flags (pcf 0xe0, scf 0).
    pub fn new(host_keys: impl IntoIterator<Item = PublicKey>, psw: Psw) -> Self {
        Self {
            host_keys: host_keys.into_iter().collect(),
            psw,
            pcf: PlaintextControlFlags::default(),
            scf: SecretControlFlags::default(),
            cck: None,
            xts_key: None,
            prot_key: None,
            iv: None,
            cust_key: None,
        }
    }

    /// Sets the plaintext control flags (used as given, unknown bits too).
    pub fn pcf(mut self, pcf: PlaintextControlFlags) -> Self {
        self.pcf = pcf;
        self
    }

    /// Sets the secret control flags (used as given, unknown bits too).
    pub fn scf(mut self, scf: SecretControlFlags) -> Self {
        self.scf = scf;
        self
    }

    /// Uses this customer communication key (`--cck`).
    pub fn cck(mut self, cck: Secret<32>) -> Self {
        self.cck = Some(cck);
        self
    }

    /// Uses this AES-256-XTS component key (`--image-key`); its halves must differ.
    pub fn xts_key(mut self, key: Secret<64>) -> Self {
        self.xts_key = Some(key);
        self
    }

    /// Uses this header protection key (`--hdr-key`).
    pub fn prot_key(mut self, key: Secret<32>) -> Self {
        self.prot_key = Some(key);
        self
    }

    /// Uses this GCM IV (expert mode).
    pub fn iv(mut self, iv: [u8; 12]) -> Self {
        self.iv = Some(iv);
        self
    }

    /// Uses this customer P-521 key (expert mode).
    pub fn customer_key(mut self, key: CustomerKey) -> Self {
        self.cust_key = Some(key);
        self
    }

    /// Checks the host-key count and fixes every secret. Errors:
    /// [`Error::InvalidHdr`] for 0 or more than 95 host keys, [`Error::XtsDuplicatedKeys`]
    /// if the XTS key halves are equal, [`Error::Random`] if `rng` fails.
    pub fn prepare(self, rng: &mut impl RandomSource) -> Result<PreparedSeHdr> {
        let nks = self.host_keys.len();
        if nks == 0 || nks > MAX_KEY_SLOTS {
            return Err(Error::InvalidHdr { defect: HdrDefect::KeySlotCount { nks } });
        }
        let prot_key = draw(self.prot_key, rng)?;
        let cck = draw(self.cck, rng)?;
        let xts_key = draw(self.xts_key, rng)?;
        let (key1, key2) = xts_key.expose().split_at(32);
        if key1 == key2 {
            return Err(Error::XtsDuplicatedKeys);
        }
        let iv = match self.iv {
            Some(iv) => iv,
            None => random_array(rng)?,
        };
        let cust_key = match self.cust_key {
            Some(k) => k,
            None => CustomerKey::generate(rng)?,
        };
        Ok(PreparedSeHdr {
            host_keys: self.host_keys,
            pcf: self.pcf,
            iv,
            cust_key,
            prot_key,
            secrets: SeHdrSecrets::new(cck, xts_key, self.psw, self.scf),
        })
    }

    /// [`SeHdrBuilder::prepare`] then [`PreparedSeHdr::seal`].
    pub fn build(
        self,
        digests: &ComponentDigests,
        rng: &mut impl RandomSource,
    ) -> Result<DecryptedSeHdr> {
        self.prepare(rng)?.seal(digests)
    }
}

fn draw<const N: usize>(
    given: Option<Secret<N>>,
    rng: &mut impl RandomSource,
) -> Result<Secret<N>> {
    match given {
        Some(s) => Ok(s),
        None => {
            let mut s = Secret::new([0u8; N]);
            rng.fill(s.expose_mut())?;
            Ok(s)
        }
    }
}

/// A header whose secrets are fixed but which is not sealed yet: the image writer takes
/// the XTS key from here, prepares the components, then calls [`PreparedSeHdr::seal`]
/// with their digests.
#[derive(Debug, Clone)]
pub struct PreparedSeHdr {
    host_keys: Vec<PublicKey>,
    pcf: PlaintextControlFlags,
    iv: [u8; 12],
    cust_key: CustomerKey,
    prot_key: Secret<32>,
    secrets: SeHdrSecrets,
}

impl PreparedSeHdr {
    /// The AES-256-XTS component key.
    pub fn xts_key(&self) -> &Secret<64> {
        self.secrets.xts_key()
    }

    /// The customer communication key.
    pub fn cck(&self) -> &Secret<32> {
        self.secrets.cck()
    }

    /// The header protection key.
    pub fn prot_key(&self) -> &Secret<32> {
        &self.prot_key
    }

    /// The GCM IV.
    pub fn iv(&self) -> &[u8; 12] {
        &self.iv
    }

    /// The plaintext control flags (the writer checks the "no component encryption" bit).
    pub fn pcf(&self) -> PlaintextControlFlags {
        self.pcf
    }

    /// The customer public key that goes into the header.
    pub fn customer_public_key(&self) -> EcPubCoords {
        self.cust_key.public_coords()
    }

    /// The secrets that will be encrypted.
    pub fn secrets(&self) -> &SeHdrSecrets {
        &self.secrets
    }

    /// Replaces the secure-mode start PSW (the stage3b address is known after layout).
    pub fn set_psw(&mut self, psw: Psw) {
        self.secrets.set_psw(psw);
    }

    /// The size the sealed header will have (`560 + 80 * nks`).
    pub fn size(&self) -> usize {
        // The count was checked by `prepare`.
        expected_size(self.host_keys.len()).unwrap_or(0)
    }

    /// Wraps the protection key for every host key and seals the header over `digests`.
    /// The customer private key is dropped here; only its public half is kept.
    pub fn seal(self, digests: &ComponentDigests) -> Result<DecryptedSeHdr> {
        let keyslots = self
            .host_keys
            .iter()
            .map(|host| Keyslot::wrap(&self.prot_key, host, &self.cust_key))
            .collect();
        let mut plain = self.secrets.to_plaintext();
        let mut hdr = SeHdr {
            iv: self.iv,
            res1: 0,
            nep: digests.nep,
            pcf: self.pcf,
            cust_pub: self.cust_key.public_coords(),
            pld: digests.pld,
            ald: digests.ald,
            tld: digests.tld,
            keyslots,
            // Placeholder of the right length: `sea` and `sehs` are part of the AAD.
            encrypted: alloc::vec![0; plain.expose().len()],
            gap: Vec::new(),
            tag: [0; 16],
        };
        let aad = hdr.aad();
        hdr.tag = gcm::seal(self.prot_key.expose(), &self.iv, &aad, plain.expose_mut());
        hdr.encrypted = plain.expose().to_vec();
        Ok(DecryptedSeHdr::from_parts(hdr, self.secrets.clone(), self.prot_key.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::CounterRandom;

    fn host(seed: &[u8]) -> PublicKey {
        CustomerKey::generate(&mut CounterRandom::new(seed)).unwrap().public_key()
    }

    #[test]
    fn counts_and_duplicate_xts_halves() {
        let mut rng = CounterRandom::new(b"b");
        let psw = Psw::new_64bit(0x1e000);
        let e = SeHdrBuilder::new([], psw).prepare(&mut rng).unwrap_err();
        assert_eq!(e, Error::InvalidHdr { defect: HdrDefect::KeySlotCount { nks: 0 } });
        let h = host(b"h");
        let e = SeHdrBuilder::new(core::iter::repeat_n(h, 96), psw).prepare(&mut rng);
        assert_eq!(
            e.unwrap_err(),
            Error::InvalidHdr { defect: HdrDefect::KeySlotCount { nks: 96 } }
        );
        let e = SeHdrBuilder::new([h], psw).xts_key(Secret::new([7; 64])).prepare(&mut rng);
        assert_eq!(e.unwrap_err(), Error::XtsDuplicatedKeys);
    }

    #[test]
    fn prepare_then_seal_keeps_drawn_secrets() {
        let h = host(b"h");
        let mut rng = CounterRandom::new(b"seed");
        let mut p = SeHdrBuilder::new([h], Psw::new_64bit(0)).prepare(&mut rng).unwrap();
        let xts = p.xts_key().clone();
        p.set_psw(Psw::new_64bit(0x1e000));
        assert_eq!(p.size(), 640);
        let d = ComponentDigests { pld: [1; 64], ald: [2; 64], tld: [3; 64], nep: 9 };
        let sealed = p.seal(&d).unwrap();
        assert_eq!(sealed.to_bytes().len(), 640);
        let opened = SeHdr::parse(&sealed.to_bytes()).unwrap().open(sealed.prot_key()).unwrap();
        assert_eq!(opened.secrets().xts_key(), &xts);
        assert_eq!(opened.secrets().psw(), Psw::new_64bit(0x1e000));
        assert_eq!(opened.hdr().digests(), d);
    }
}
