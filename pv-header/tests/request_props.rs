//! Property tests of the request builders and openers: random flags, host-key counts and
//! secret types round-trip through seal/open, and any single flipped bit makes opening
//! fail. Cases are capped because every case does several P-521 operations.

use proptest::prelude::*;
use pv_header::ecc::CustomerKey;
use pv_header::rand::CounterRandom;
use pv_header::request::{
    AddSecretFlags, AddSecretRequest, AttestationFlags, AttestationRequest, BootHdrTags,
    ExtensionSecret, GuestSecret, RequestKeys, RequestOpener, SecretId, SecretKind, UserData,
};
use pv_header::secret::Secret;

fn hosts(seed: u64, n: usize) -> Vec<CustomerKey> {
    (0..n)
        .map(|i| {
            CustomerKey::generate(&mut CounterRandom::new(format!("host{seed}/{i}").as_bytes()))
                .unwrap()
        })
        .collect()
}

fn flipped(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let bit = bit % (b.len() * 8);
    b[bit / 8] ^= 1 << (bit % 8);
    b
}

fn secret_strategy() -> impl Strategy<Value = GuestSecret> {
    (0..SecretKind::ALL.len(), proptest::collection::vec(any::<u8>(), 0..300), any::<bool>())
        .prop_map(|(i, data, verbatim)| {
            let kind = SecretKind::ALL[i];
            let id = if verbatim {
                SecretId::from_name_verbatim("prop-secret")
            } else {
                SecretId::from_name("prop-secret")
            };
            let fill = |n: usize| {
                let mut v = data.clone();
                v.resize(n, 0x5a);
                v
            };
            match kind {
                SecretKind::Null => GuestSecret::null(),
                SecretKind::Association => {
                    GuestSecret::association(id, &Secret::new(fill(32).try_into().unwrap()))
                }
                SecretKind::Plaintext => GuestSecret::plaintext(id, &data).unwrap(),
                SecretKind::UpdateCck => {
                    GuestSecret::update_cck(&Secret::new(fill(32).try_into().unwrap()))
                }
                k => GuestSecret::key(k, id, &fill(k.fixed_len().unwrap())).unwrap(),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn arcb_round_trip_and_bit_flips(
        seed in any::<u64>(),
        flag_bits in 0u64..32,
        nks in 1usize..=3,
        which in any::<usize>(),
        bit in any::<usize>(),
    ) {
        let mut rng = CounterRandom::new(&seed.to_be_bytes());
        let flags = AttestationFlags::from_bits_truncate(flag_bits << 58);
        let req = AttestationRequest::new(flags, &mut rng).unwrap();
        let keys = RequestKeys::generate(&mut rng).unwrap();
        let hs = hosts(seed, nks);
        let pubs: Vec<_> = hs.iter().map(CustomerKey::public_key).collect();
        let bytes = req.seal(&pubs, &keys).unwrap();
        prop_assert_eq!(bytes.len(), 0x40 + 160 + 80 * nks + 64
            + if flags.contains(AttestationFlags::NONCE) { 16 } else { 0 } + 16);
        let host = &hs[which % nks];
        let o = AttestationRequest::open(&bytes, &RequestOpener::HostKey(host)).unwrap();
        prop_assert_eq!(o.flags, req.flags());
        prop_assert_eq!(&o.measurement_key, req.measurement_key());
        prop_assert_eq!(o.nonce.as_ref(), req.nonce());
        prop_assert_eq!(&o.protection_key, keys.protection_key());
        prop_assert_eq!(o.nks, nks);
        let bad = flipped(&bytes, bit);
        prop_assert!(AttestationRequest::open(&bad, &RequestOpener::HostKey(host)).is_err());
    }

    #[test]
    fn asrcb_round_trip_and_bit_flips(
        seed in any::<u64>(),
        secret in secret_strategy(),
        dump in any::<bool>(),
        cuid in proptest::option::of(any::<[u8; 16]>()),
        user in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..=512)),
        ext_kind in 0u8..3,
        nks in 1usize..=3,
        which in any::<usize>(),
        bit in any::<usize>(),
    ) {
        let mut rng = CounterRandom::new(&seed.to_be_bytes());
        let keys = RequestKeys::generate(&mut rng).unwrap();
        let tags = BootHdrTags::new([seed as u8; 64], [2; 64], [3; 64], [4; 16]);
        let ext = match ext_kind {
            0 => ExtensionSecret::Zero,
            1 => ExtensionSecret::Simple(Secret::new([0x17; 32])),
            _ => ExtensionSecret::DerivedFromCck(Secret::new([0x33; 32])),
        };
        let want_ext = ext.resolve(&tags);
        let mut req = AddSecretRequest::new(secret.clone(), tags).with_extension_secret(ext);
        if dump {
            req = req.with_flags(AddSecretFlags::DISABLE_DUMP);
        }
        if let Some(c) = cuid {
            req = req.with_cuid(c);
        }
        if let Some(u) = &user {
            req = req.with_user_data(UserData::Unsigned(u.clone()));
        }
        let hs = hosts(seed, nks);
        let pubs: Vec<_> = hs.iter().map(CustomerKey::public_key).collect();
        let bytes = req.seal(&pubs, &keys).unwrap();
        let host = &hs[which % nks];
        let o = AddSecretRequest::open(&bytes, &RequestOpener::HostKey(host)).unwrap();
        prop_assert_eq!(&o.secret, &secret);
        prop_assert_eq!(&o.extension_secret, &want_ext);
        prop_assert_eq!(o.flags.contains(AddSecretFlags::DISABLE_DUMP), dump);
        prop_assert_eq!(o.cuid, cuid.unwrap_or_default());
        prop_assert_eq!(o.tags, tags);
        if let Some(u) = &user {
            prop_assert_eq!(&o.user_data()[..u.len()], u.as_slice());
        } else {
            prop_assert!(o.user_data().is_empty());
        }
        let bad = flipped(&bytes, bit);
        prop_assert!(AddSecretRequest::open(&bad, &RequestOpener::HostKey(host)).is_err());
    }
}

/// Every bit of one small request, exhaustively: no flip goes unnoticed.
#[test]
fn every_bit_of_an_arcb_matters() {
    let mut rng = CounterRandom::new(b"every-bit");
    let req = AttestationRequest::new(AttestationFlags::NONCE, &mut rng).unwrap();
    let keys = RequestKeys::generate(&mut rng).unwrap();
    let host = &hosts(7, 1)[0];
    let bytes = req.seal(&[host.public_key()], &keys).unwrap();
    let arpk = keys.protection_key().clone();
    // With the protection key no ECDH is needed, so all 3200 flips are cheap. Every byte
    // before the encrypted area is authenticated data, so the slot bytes count too; a few
    // flips through the host-key path are checked below.
    for bit in 0..bytes.len() * 8 {
        let bad = flipped(&bytes, bit);
        let r = AttestationRequest::open(&bad, &RequestOpener::ProtectionKey(&arpk));
        assert!(r.is_err(), "bit {bit} went unnoticed");
    }
    for byte in [0x40, 0x40 + 13, 0xdf, 0xe0, 0xe0 + 40, 0xe0 + 79] {
        let bad = flipped(&bytes, byte * 8 + 3);
        assert!(AttestationRequest::open(&bad, &RequestOpener::HostKey(host)).is_err());
    }
}

/// The same for an add-secret request with unsigned user data and a plaintext secret.
#[test]
fn every_bit_of_an_asrcb_matters() {
    let mut rng = CounterRandom::new(b"every-bit-asrcb");
    let keys = RequestKeys::generate(&mut rng).unwrap();
    let host = &hosts(8, 1)[0];
    let tags = BootHdrTags::new([1; 64], [2; 64], [3; 64], [4; 16]);
    let secret = GuestSecret::plaintext(SecretId::from_name("p"), b"payload").unwrap();
    let req = AddSecretRequest::new(secret, tags)
        .with_user_data(UserData::Unsigned(b"ud".to_vec()))
        .with_cuid([5; 16]);
    let bytes = req.seal(&[host.public_key()], &keys).unwrap();
    let opener = RequestOpener::ProtectionKey(keys.protection_key());
    AddSecretRequest::open(&bytes, &opener).unwrap();
    for bit in 0..bytes.len() * 8 {
        let bad = flipped(&bytes, bit);
        assert!(AddSecretRequest::open(&bad, &opener).is_err(), "bit {bit} went unnoticed");
    }
}
