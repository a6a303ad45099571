//! Property tests of the SE header: build -> parse -> open round trips for random flags,
//! 1..=95 host keys and random digests, and single-bit tampering. Host keys come from a
//! small pool generated once (P-521 key generation is the slow part).

mod hdr_support;

use std::sync::OnceLock;

use hdr_support::*;
use p521::PublicKey;
use proptest::prelude::*;
use pv_core::Psw;
use pv_header::ecc::CustomerKey;
use pv_header::hdr::{self, ComponentDigests, SeHdr, SeHdrBuilder};
use pv_header::pcf::PlaintextControlFlags;
use pv_header::rand::CounterRandom;
use pv_header::scf::SecretControlFlags;
use pv_header::secret::Secret;

const POOL: usize = 6;

/// The pool: private keys and their public keys (derived once; both are slow in P-521).
fn pool() -> &'static [(CustomerKey, PublicKey)] {
    static KEYS: OnceLock<Vec<(CustomerKey, PublicKey)>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (0..POOL)
            .map(|i| {
                let k = CustomerKey::generate(&mut CounterRandom::new(&[b'p', i as u8])).unwrap();
                let pk = k.public_key();
                (k, pk)
            })
            .collect()
    })
}

fn digests() -> impl Strategy<Value = ComponentDigests> {
    (any::<[u8; 32]>(), any::<u64>()).prop_map(|(seed, nep)| {
        let mut r = CounterRandom::new(&seed);
        let mut d = ComponentDigests { pld: [0; 64], ald: [0; 64], tld: [0; 64], nep };
        for a in [&mut d.pld, &mut d.ald, &mut d.tld] {
            pv_header::rand::RandomSource::fill(&mut r, a).unwrap();
        }
        d
    })
}

#[derive(Debug, Clone)]
struct Case {
    slots: Vec<usize>,
    pcf: u64,
    scf: u64,
    psw: (u64, u64),
    digests: ComponentDigests,
    seed: [u8; 8],
    give_keys: bool,
}

fn case(max_slots: usize) -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(0..POOL, 1..=max_slots),
        any::<u64>(),
        any::<u64>(),
        any::<(u64, u64)>(),
        digests(),
        any::<[u8; 8]>(),
        any::<bool>(),
    )
        .prop_map(|(slots, pcf, scf, psw, digests, seed, give_keys)| Case {
            slots,
            pcf,
            scf,
            psw,
            digests,
            seed,
            give_keys,
        })
}

fn build(c: &Case) -> pv_header::hdr::DecryptedSeHdr {
    let hosts = c.slots.iter().map(|&i| pool()[i].1);
    let mut b = SeHdrBuilder::new(hosts, Psw { mask: c.psw.0, addr: c.psw.1 })
        .pcf(PlaintextControlFlags::from_bits_retain(c.pcf))
        .scf(SecretControlFlags::from_bits_retain(c.scf));
    if c.give_keys {
        b = b.prot_key(Secret::new([c.seed[0]; 32])).cck(Secret::new([c.seed[1]; 32]));
    }
    b.build(&c.digests, &mut CounterRandom::new(&c.seed)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn build_parse_open_round_trip(c in case(95), pick in any::<prop::sample::Index>()) {
        let sealed = build(&c);
        let bytes = sealed.to_bytes();
        prop_assert_eq!(bytes.len(), 560 + 80 * c.slots.len());
        prop_assert_eq!(hdr::expected_size(c.slots.len()).unwrap(), bytes.len());
        let h = SeHdr::parse(&bytes).unwrap();
        prop_assert_eq!(&h, sealed.hdr());
        prop_assert_eq!(h.to_bytes(), bytes.clone());
        prop_assert_eq!(h.pcf().bits(), c.pcf);
        prop_assert_eq!(h.digests(), c.digests);
        for (slot, &i) in h.keyslots().iter().zip(&c.slots) {
            prop_assert_eq!(slot.phkh, pv_header::ecc::phkh(&pool()[i].1));
        }
        let opened = h.open(sealed.prot_key()).unwrap();
        prop_assert_eq!(&opened, &sealed);
        prop_assert_eq!(opened.secrets().scf().bits(), c.scf);
        prop_assert_eq!(opened.secrets().psw(), Psw { mask: c.psw.0, addr: c.psw.1 });
        // Any host in the header opens it; one not in it does not.
        let host = &pool()[*pick.get(&c.slots)].0;
        prop_assert_eq!(&h.open_with_host_key(host).unwrap(), &sealed);
        for (i, (_, pk)) in pool().iter().enumerate() {
            prop_assert_eq!(h.contains_host_key(pk), c.slots.contains(&i));
        }
        // Found at page 20 of an image.
        let mut img = vec![0u8; 0x14000];
        img.extend_from_slice(&bytes);
        prop_assert_eq!(hdr::find(&img).unwrap().1, h);
    }

    #[test]
    fn any_single_bit_flip_is_caught(c in case(3), bits in prop::collection::vec(any::<prop::sample::Index>(), 8)) {
        let sealed = build(&c);
        let bytes = sealed.to_bytes();
        let host = &pool()[c.slots[0]].0;
        for bit in bits {
            let bit = bit.index(bytes.len() * 8);
            let mut t = bytes.clone();
            t[bit / 8] ^= 1 << (bit % 8);
            let by_key = SeHdr::parse(&t).and_then(|h| h.open(sealed.prot_key()));
            prop_assert!(by_key.is_err(), "bit {} accepted", bit);
            let by_host = SeHdr::parse(&t).and_then(|h| h.open_with_host_key(host));
            prop_assert!(by_host.is_err(), "bit {} accepted via host key", bit);
        }
    }
}

#[test]
fn every_single_bit_flip_of_a1_is_caught() {
    let bytes = asset("A1/sehdr.bin");
    let key = hdr_key();
    assert!(SeHdr::parse(&bytes).unwrap().open(&key).is_ok());
    for bit in 0..bytes.len() * 8 {
        let mut t = bytes.clone();
        t[bit / 8] ^= 1 << (bit % 8);
        let r = SeHdr::parse(&t).and_then(|h| h.open(&key));
        assert!(r.is_err(), "bit {bit} accepted");
    }
}
