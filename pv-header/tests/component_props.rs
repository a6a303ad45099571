//! Property tests of the secured-component code: the batched XTS against the `xts-mode`
//! crate (the oracle, se-format.md §2.2 step 3 / §7), and the agreement of every
//! preparation path and of unpacking.

use aes::Aes256;
use aes::cipher::{Array, KeyInit};
use proptest::prelude::*;
use pv_core::GuestAbs;
use pv_header::component::{
    ComponentSpec, Encryption, PAGE_SIZE, PipelineConfig, Preparer, Tweak, TweakPrefix, Unpacker,
    Xts, XtsKey,
};
use xts_mode::Xts128;

fn oracle(key: &[u8; 64]) -> Xts128<Aes256> {
    let k1 = Array::try_from(&key[..32]).unwrap();
    let k2 = Array::try_from(&key[32..]).unwrap();
    Xts128::new(Aes256::new(&k1), Aes256::new(&k2))
}

fn key_strategy() -> impl Strategy<Value = [u8; 64]> {
    proptest::array::uniform32(any::<u8>())
        .prop_flat_map(|a| (Just(a), proptest::array::uniform32(any::<u8>())))
        .prop_filter("halves must differ", |(a, b)| a != b)
        .prop_map(|(a, b)| {
            let mut k = [0u8; 64];
            k[..32].copy_from_slice(&a);
            k[32..].copy_from_slice(&b);
            k
        })
}

fn page_strategy() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), PAGE_SIZE)
}

/// A component: its size (0, page multiples and odd sizes up to ~5 pages) and a fill seed.
fn comp_strategy() -> impl Strategy<Value = (usize, u8)> {
    let size = prop_oneof![
        Just(0usize),
        (1usize..=5).prop_map(|p| p * PAGE_SIZE),
        0usize..5 * PAGE_SIZE + 17,
    ];
    (size, any::<u8>())
}

fn fill(size: usize, seed: u8) -> Vec<u8> {
    (0..size).map(|i| (i as u8).wrapping_mul(seed | 1).wrapping_add(seed)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Batched XTS equals `xts-mode` with the raw big-endian tweak bytes as the initial
    /// tweak (not `get_tweak_default`), both ways.
    #[test]
    fn batched_xts_matches_xts_mode(key in key_strategy(), tweak in any::<u128>(),
                                    page in page_strategy()) {
        let xk = XtsKey::from_slice(&key).unwrap();
        let xts = Xts::new(&xk);
        let o = oracle(&key);
        let t = Tweak(tweak);
        let mut ours: [u8; PAGE_SIZE] = page.as_slice().try_into().unwrap();
        let mut theirs = ours;
        xts.encrypt_page(&mut ours, t);
        o.encrypt_sector(&mut theirs, t.to_be_bytes().into());
        prop_assert_eq!(ours, theirs);
        xts.decrypt_page(&mut ours, t);
        prop_assert_eq!(&ours[..], &page[..]);
        o.decrypt_sector(&mut theirs, t.to_be_bytes().into());
        prop_assert_eq!(&theirs[..], &page[..]);
    }
}

/// 32 cases by default; `PVSIM_PROPTEST_CASES` runs more (e.g. to stress the pipeline).
fn pipeline_cases() -> u32 {
    std::env::var("PVSIM_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(pipeline_cases()))]

    /// Slice, single-threaded stream and pipelined stream preparation give identical bytes,
    /// sizes and digests, for any sizes and batch shapes; unpacking inverts them.
    #[test]
    fn all_preparation_paths_agree_and_unpacking_inverts(
        key in key_strategy(),
        comps in proptest::collection::vec(comp_strategy(), 1..4),
        gaps in proptest::collection::vec(0u64..3, 4),
        batch_pages in 1usize..4,
        depth in 1usize..4,
        encrypt in any::<bool>(),
    ) {
        let xk = XtsKey::from_slice(&key).unwrap();
        let enc = if encrypt { Encryption::Enabled } else { Encryption::Disabled };
        let cfg = PipelineConfig { batch_pages, depth };
        let (mut a, mut b, mut c) =
            (Preparer::new(&xk, enc), Preparer::new(&xk, enc), Preparer::new(&xk, enc));
        let mut unpacker = Unpacker::new(&xk, enc);
        let mut addr = 0x15000u64;
        for (i, (size, seed)) in comps.iter().enumerate() {
            addr += gaps[i] * 0x1000;
            let data = fill(*size, *seed);
            let prefix = TweakPrefix((0x0028 + 10 * i as u64) << 48 | u64::from(*seed));
            let spec = ComponentSpec { addr: GuestAbs(addr), tweak_prefix: prefix };
            let (bytes, info) = a.prepare_slice(spec, &data).unwrap();
            let mut sb = Vec::new();
            prop_assert_eq!(b.prepare_reader(spec, &data[..], &mut sb).unwrap(), info);
            let mut sc = Vec::new();
            let ic = c.prepare_reader_pipelined_with(spec, &data[..], &mut sc, cfg).unwrap();
            prop_assert_eq!(ic, info);
            prop_assert!(sb == bytes && sc == bytes);
            prop_assert_eq!(info.original_size, *size as u64);
            prop_assert_eq!(info.prepared_size as usize, size.div_ceil(PAGE_SIZE).max(1) * PAGE_SIZE);
            let mut padded = data.clone();
            padded.resize(bytes.len(), 0);
            if encrypt {
                prop_assert_ne!(&bytes[..16], &padded[..16]);
            } else {
                prop_assert!(bytes == padded);
            }

            for (j, chunk) in bytes.chunks(PAGE_SIZE).enumerate() {
                let off = (j * PAGE_SIZE) as u64;
                let mut page: [u8; PAGE_SIZE] = chunk.try_into().unwrap();
                unpacker
                    .unpack_page(GuestAbs(addr + off), Tweak::new(prefix, off), &mut page)
                    .unwrap();
                let want = data.get(j * PAGE_SIZE..).unwrap_or(&[]);
                let n = want.len().min(PAGE_SIZE);
                prop_assert_eq!(&page[..n], &want[..n]);
                prop_assert!(page[n..].iter().all(|&x| x == 0));
            }
            addr += info.prepared_size;
        }
        let d = a.finish();
        prop_assert_eq!(b.finish(), d);
        prop_assert_eq!(c.finish(), d);
        prop_assert_eq!(unpacker.finish(), d);
    }
}
