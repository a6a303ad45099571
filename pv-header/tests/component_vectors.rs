//! Secured components against the bytes IBM's `pvimg` produced (se-format.md §2; vectors
//! copied to `tests/assets/{A1,A2,A3,B1,B2,B3,inputs}`, see the PROVENANCE.md files).

use std::io::Read;

use pv_core::GuestAbs;
use pv_header::Error;
use pv_header::component::{
    ComponentDigests, ComponentKind, ComponentSpec, DigestField, Encryption, PAGE_SIZE,
    PipelineConfig, Preparer, Tweak, TweakPrefix, Unpacker, XtsKey, cmdline_with_nul,
};
use pv_header::rand::CounterRandom;
use sha2::{Digest, Sha512};

fn asset(rel: &str) -> Vec<u8> {
    let p = format!("{}/tests/assets/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn image_key() -> XtsKey {
    XtsKey::from_slice(&asset("inputs/image.key")).unwrap()
}

fn be64(b: &[u8], off: usize) -> u64 {
    u64::from_be_bytes(b[off..off + 8].try_into().unwrap())
}

/// The header's pcf (0x38), nep (0x30), PLD (0xe0), ALD (0x120) and TLD (0x160), §1.1.
fn header_digests(set: &str) -> (u64, ComponentDigests) {
    let h = asset(&format!("{set}/sehdr.bin"));
    let d = ComponentDigests {
        pld: h[0xe0..0x120].try_into().unwrap(),
        ald: h[0x120..0x160].try_into().unwrap(),
        tld: h[0x160..0x1a0].try_into().unwrap(),
        nep: be64(&h, 0x30),
    };
    (be64(&h, 0x38), d)
}

/// `digests.txt` of set A.
fn digests_txt(set: &str) -> ComponentDigests {
    let text = String::from_utf8(asset(&format!("{set}/digests.txt"))).unwrap();
    let mut d = ComponentDigests { pld: [0; 64], ald: [0; 64], tld: [0; 64], nep: 0 };
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else { continue };
        match k {
            "nep" => d.nep = v.parse().unwrap(),
            "pld" => hex::decode_to_slice(v, &mut d.pld).unwrap(),
            "ald" => hex::decode_to_slice(v, &mut d.ald).unwrap(),
            "tld" => hex::decode_to_slice(v, &mut d.tld).unwrap(),
            _ => {}
        }
    }
    assert_ne!(d.nep, 0, "{set}/digests.txt parsed");
    d
}

/// Set A components: (input, kind, DRBG label, address, expected file stem), vectors README
/// §2: tweak prefix = be16(kind) ‖ DRBG("pvimg-vec/tweak/"+kind, 6).
fn set_a_components() -> Vec<(Vec<u8>, ComponentSpec, &'static str)> {
    let list = [
        ("inputs/kernel.bin", ComponentKind::Kernel, "kernel", 0x15000),
        ("inputs/ramdisk.bin", ComponentKind::Ramdisk, "ramdisk", 0x19000),
        ("inputs/cmdline.bin", ComponentKind::Cmdline, "cmdline", 0x1d000),
    ];
    list.into_iter()
        .map(|(input, kind, label, addr)| {
            let mut rng = CounterRandom::new(format!("pvimg-vec/tweak/{label}").as_bytes());
            let tweak_prefix = TweakPrefix::random(kind, &mut rng).unwrap();
            (asset(input), ComponentSpec { addr: GuestAbs(addr), tweak_prefix }, label)
        })
        .collect()
}

/// Prepares `comps` three ways (slice, stream, pipelined stream with small batches) and
/// checks that all three agree; returns the prepared bytes and the digests.
fn prepare_three_ways(
    encryption: Encryption,
    comps: &[(Vec<u8>, ComponentSpec)],
) -> (Vec<Vec<u8>>, ComponentDigests) {
    let key = image_key();
    let mut by_slice = Preparer::new(&key, encryption);
    let mut by_reader = Preparer::new(&key, encryption);
    let mut piped = Preparer::new(&key, encryption);
    let cfg = PipelineConfig { batch_pages: 1, depth: 2 };
    let mut out = Vec::new();
    for (data, spec) in comps {
        let (bytes, info) = by_slice.prepare_slice(*spec, data).unwrap();
        let mut b2 = Vec::new();
        let i2 = by_reader.prepare_reader(*spec, &data[..], &mut b2).unwrap();
        let mut b3 = Vec::new();
        let i3 = piped.prepare_reader_pipelined_with(*spec, &data[..], &mut b3, cfg).unwrap();
        assert_eq!((&b2, i2), (&bytes, info));
        assert_eq!((&b3, i3), (&bytes, info));
        assert_eq!(info.original_size, data.len() as u64);
        assert_eq!(info.prepared_size, bytes.len() as u64);
        assert_eq!((info.addr, info.tweak_prefix), (spec.addr, spec.tweak_prefix));
        out.push(bytes);
    }
    let d = by_slice.finish();
    assert_eq!(by_reader.finish(), d);
    assert_eq!(piped.finish(), d);
    (out, d)
}

fn check_set_a(set: &str, suffix: &str) {
    let (pcf, hdr) = header_digests(set);
    let encryption = Encryption::from_pcf(pcf);
    assert_eq!(encryption == Encryption::Disabled, suffix == "prep");
    let comps = set_a_components();
    let inputs: Vec<_> = comps.iter().map(|(d, s, _)| (d.clone(), *s)).collect();
    let (prepared, digests) = prepare_three_ways(encryption, &inputs);
    for ((_, _, label), bytes) in comps.iter().zip(&prepared) {
        assert!(*bytes == asset(&format!("{set}/{label}.{suffix}")), "{set} {label}");
    }
    assert_eq!(digests, digests_txt(set), "{set} digests.txt");
    assert_eq!(digests, hdr, "{set} header digests");

    // pages.tsv: per page address, full tweak and SHA-512 of the prepared page.
    let tsv = String::from_utf8(asset(&format!("{set}/pages.tsv"))).unwrap();
    let pages: Vec<(u64, Tweak, &[u8])> = comps
        .iter()
        .zip(&prepared)
        .flat_map(|((_, spec, _), bytes)| {
            bytes.chunks(PAGE_SIZE).enumerate().map(move |(i, p)| {
                let off = (i * PAGE_SIZE) as u64;
                (spec.addr.get() + off, Tweak::new(spec.tweak_prefix, off), p)
            })
        })
        .collect();
    let rows: Vec<&str> = tsv.lines().skip(1).collect();
    assert_eq!(rows.len(), pages.len());
    for (row, (addr, tweak, page)) in rows.iter().zip(pages) {
        let f: Vec<&str> = row.split('\t').collect();
        assert_eq!(f[2], format!("{addr:#x}"));
        assert_eq!(f[3], hex::encode(tweak.to_be_bytes()));
        assert_eq!(f[4], hex::encode(Sha512::digest(page)));
    }
}

#[test]
fn a1_prepared_components_and_digests_match_pvimg() {
    check_set_a("A1", "enc");
}

#[test]
fn a2_prepared_components_and_digests_match_pvimg() {
    check_set_a("A2", "enc");
}

#[test]
fn a3_unencrypted_components_and_digests_match_pvimg() {
    check_set_a("A3", "prep");
}

/// IPIB component entries `{tweak_pref, addr, len}` from 0x88 (se-format.md §3.6).
fn ipib_entries(set: &str) -> Vec<(TweakPrefix, GuestAbs, u64)> {
    let b = asset(&format!("{set}/ipib.bin"));
    let n = u32::from_be_bytes(b[0x74..0x78].try_into().unwrap()) as usize;
    assert_eq!(b.len(), 0x88 + 24 * n);
    (0..n)
        .map(|i| {
            let o = 0x88 + 24 * i;
            (TweakPrefix(be64(&b, o)), GuestAbs(be64(&b, o + 8)), be64(&b, o + 16))
        })
        .collect()
}

/// Prepares set B's own components with the IPIB's tweaks and addresses, checks them
/// against the image's bytes, then adds the stage3b entry as a placeholder of the right
/// size (its bytes are not stored, so PLD is not comparable) and checks ALD, TLD and nep
/// against the header.
fn check_set_b(set: &str, ours: &[(&str, &str, ComponentKind)]) {
    let (pcf, hdr) = header_digests(set);
    let encryption = Encryption::from_pcf(pcf);
    let entries = ipib_entries(set);
    assert_eq!(entries.len(), ours.len() + 1);
    let mut inputs = Vec::new();
    for ((input, _, kind), (prefix, addr, _)) in ours.iter().zip(&entries) {
        assert_eq!(prefix.kind(), Some(*kind));
        let data = match *input {
            // pvimg -p parmline.txt: the cmdline component is the line plus a NUL.
            "inputs/parmline.txt" => cmdline_with_nul(&asset(input)),
            _ => asset(input),
        };
        inputs.push((data, ComponentSpec { addr: *addr, tweak_prefix: *prefix }));
    }
    let (prepared, _) = prepare_three_ways(encryption, &inputs);
    for (((_, file, _), bytes), (_, _, len)) in ours.iter().zip(&prepared).zip(&entries) {
        assert!(*bytes == asset(&format!("{set}/{file}")), "{set} {file}");
        assert_eq!(bytes.len() as u64, *len);
    }

    let mut prep = Preparer::new(&image_key(), encryption);
    for (data, spec) in &inputs {
        prep.prepare_slice(*spec, data).unwrap();
    }
    let (prefix, addr, len) = *entries.last().unwrap();
    assert_eq!(prefix.kind(), Some(ComponentKind::Stage3b));
    let placeholder = vec![0u8; len as usize];
    prep.prepare_slice(ComponentSpec { addr, tweak_prefix: prefix }, &placeholder).unwrap();
    let d = prep.finish();
    assert_eq!((d.ald, d.tld, d.nep), (hdr.ald, hdr.tld, hdr.nep), "{set} ALD/TLD/nep");
    assert_ne!(d.pld, hdr.pld);
}

#[test]
fn b1_components_match_pvimg_create() {
    check_set_b(
        "B1",
        &[
            ("inputs/kernel.bin", "kernel.enc", ComponentKind::Kernel),
            ("inputs/ramdisk.bin", "ramdisk.enc", ComponentKind::Ramdisk),
            ("inputs/parmline.txt", "cmdline.enc", ComponentKind::Cmdline),
        ],
    );
    assert_eq!(cmdline_with_nul(&asset("inputs/parmline.txt")), asset("inputs/cmdline.bin"));
}

#[test]
fn b2_unencrypted_kernel_is_padded_plaintext() {
    check_set_b("B2", &[("inputs/kernel.bin", "kernel.prep", ComponentKind::Kernel)]);
    let mut padded = asset("inputs/kernel.bin");
    padded.resize(padded.len().div_ceil(PAGE_SIZE) * PAGE_SIZE, 0);
    assert_eq!(padded, asset("B2/kernel.prep"));
}

#[test]
fn b3_components_match_pvimg_create() {
    check_set_b(
        "B3",
        &[
            ("inputs/kernel.bin", "kernel.enc", ComponentKind::Kernel),
            ("inputs/ramdisk.bin", "ramdisk.enc", ComponentKind::Ramdisk),
        ],
    );
}

/// The A1 pages as the ultravisor receives them: (address, tweak, page).
fn a1_unpack_calls() -> Vec<(GuestAbs, Tweak, [u8; PAGE_SIZE])> {
    let mut calls = Vec::new();
    for (_, spec, label) in set_a_components() {
        let enc = asset(&format!("A1/{label}.enc"));
        for (i, p) in enc.chunks(PAGE_SIZE).enumerate() {
            let off = (i * PAGE_SIZE) as u64;
            let addr = GuestAbs(spec.addr.get() + off);
            calls.push((addr, Tweak::new(spec.tweak_prefix, off), p.try_into().unwrap()));
        }
    }
    calls
}

fn unpack(calls: &[(GuestAbs, Tweak, [u8; PAGE_SIZE])]) -> (Vec<u8>, ComponentDigests) {
    let mut u = Unpacker::new(&image_key(), Encryption::Enabled);
    let mut plain = Vec::new();
    for (addr, tweak, page) in calls {
        let mut p = *page;
        u.unpack_page(*addr, *tweak, &mut p).unwrap();
        plain.extend_from_slice(&p);
    }
    (plain, u.finish())
}

#[test]
fn unpacking_a1_gives_the_inputs_and_the_header_digests() {
    let want = digests_txt("A1");
    let calls = a1_unpack_calls();
    let (plain, d) = unpack(&calls);
    assert_eq!(d, want);
    let mut expect = Vec::new();
    for (data, _, _) in set_a_components() {
        let mut padded = data;
        padded.resize(padded.len().div_ceil(PAGE_SIZE) * PAGE_SIZE, 0);
        expect.extend_from_slice(&padded);
    }
    assert!(plain == expect);

    let mut u = Unpacker::new(&image_key(), Encryption::Enabled);
    for (addr, tweak, page) in &calls {
        u.unpack_page(*addr, *tweak, &mut page.clone()).unwrap();
    }
    assert_eq!(u.verify(&want), Ok(()));
}

#[test]
fn unpacking_detects_a_flipped_byte_wrong_address_wrong_tweak_and_missing_page() {
    let want = digests_txt("A1");
    let calls = a1_unpack_calls();

    let mut flipped = calls.clone();
    flipped[4].2[100] ^= 1;
    assert_eq!(unpack(&flipped).1.first_mismatch(&want), Some(DigestField::Pld));

    let mut moved = calls.clone();
    moved[8].0 = GuestAbs(0x1e000);
    assert_eq!(unpack(&moved).1.first_mismatch(&want), Some(DigestField::Ald));

    let mut retweaked = calls.clone();
    retweaked[2].1 = retweaked[2].1.next_page();
    let (plain, d) = unpack(&retweaked);
    assert_eq!(d.first_mismatch(&want), Some(DigestField::Tld));
    // The wrong tweak also garbles the page.
    assert_ne!(&plain[2 * PAGE_SIZE..2 * PAGE_SIZE + 16], &asset("inputs/kernel.bin")[8192..8208]);

    let missing = &calls[..8];
    assert_eq!(unpack(missing).1.first_mismatch(&want), Some(DigestField::Ald));
    let mut pages_only = unpack(missing).1;
    (pages_only.ald, pages_only.pld, pages_only.tld) = (want.ald, want.pld, want.tld);
    assert_eq!(pages_only.first_mismatch(&want), Some(DigestField::PageCount));

    let mut u = Unpacker::new(&image_key(), Encryption::Enabled);
    for (addr, tweak, page) in &flipped {
        u.unpack_page(*addr, *tweak, &mut page.clone()).unwrap();
    }
    assert_eq!(u.verify(&want), Err(Error::ComponentVerify));
}

#[test]
fn short_reads_give_the_same_pages() {
    // A reader that hands out at most 1000 bytes per call; the input ends on a page boundary.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(1000).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let comps = set_a_components();
    let (ramdisk, spec, _) = &comps[1];
    let mut a = Preparer::new(&image_key(), Encryption::Enabled);
    let mut b = a.clone();
    let mut out = Vec::new();
    let info = a.prepare_reader(*spec, Trickle(ramdisk), &mut out).unwrap();
    assert_eq!(info.prepared_size, 0x4000);
    assert_eq!(out, asset("A1/ramdisk.enc"));
    let mut out2 = Vec::new();
    b.prepare_reader_pipelined(*spec, Trickle(ramdisk), &mut out2).unwrap();
    assert_eq!(out2, out);
    assert_eq!(a.finish(), b.finish());
}
