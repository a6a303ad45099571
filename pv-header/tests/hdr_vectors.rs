//! SE header v1 against the bytes IBM's pvimg made (vectors sets A1-A3, B1-B3; see
//! `tests/assets/PROVENANCE.md`): byte-exact building, parsing, opening with the header
//! key and with the test host keys, and the `pvimg test` checks.

mod hdr_support;

use std::io::{Cursor, Read, Seek, SeekFrom};

use hdr_support::*;
use pv_core::Psw;
use pv_header::Error;
use pv_header::ecc::{EcPubCoords, phkh};
use pv_header::hdr::{self, HdrLocation, SeHdr, SeHdrBuilder, UvKeyHashes};
use pv_header::pcf::PlaintextControlFlags;
use pv_header::rand::RandomSource;
use pv_header::scf::SecretControlFlags;
use pv_header::secret::Secret;

const SETS: [&str; 6] = ["A1", "A2", "A3", "B1", "B2", "B3"];

/// A source that must not be used: set A fixes every random value.
struct NoRandom;

impl RandomSource for NoRandom {
    fn fill(&mut self, _: &mut [u8]) -> pv_header::Result<()> {
        Err(Error::Random)
    }
}

fn host_certs(set: &str) -> Vec<&'static str> {
    if set.ends_with('2') { vec!["keys/host.crt", "keys/host2.crt"] } else { vec!["keys/host.crt"] }
}

#[test]
fn host_keys_from_certificates_match_the_intermediates() {
    for set in ["A1", "A2", "B2"] {
        let inter = json(&format!("{set}/intermediates.json"));
        let slots = inter["keyslots"].as_array().unwrap();
        assert_eq!(slots.len(), host_certs(set).len());
        for (slot, cert) in slots.iter().zip(host_certs(set)) {
            let pk = cert_key(cert);
            assert_eq!(EcPubCoords::from_public_key(&pk), coords(&slot["host_pub_coords"]));
            assert_eq!(phkh(&pk), hexa::<32>(&slot["phkh_sha256_of_coords"]));
        }
    }
    assert_eq!(
        cust_key().public_coords(),
        EcPubCoords::from_slice(&asset("keys/public_cust.bin")).unwrap()
    );
}

#[test]
fn a_sets_are_built_byte_for_byte() {
    for set in ["A1", "A2", "A3"] {
        let inter = json(&format!("{set}/intermediates.json"));
        let info = &json(&format!("{set}/info_hdrkey_secrets.json"))["data"];
        let pcf = PlaintextControlFlags::from_bits_retain(hexu64(&inter["pcf"]));
        let scf = SecretControlFlags::from_bits_retain(hexu64(&info["scf_hex"]));
        let hosts: Vec<_> = host_certs(set).into_iter().map(cert_key).collect();
        let built = SeHdrBuilder::new(hosts, Psw { mask: 0x1_8000_0000, addr: 0x1e000 })
            .pcf(pcf)
            .scf(scf)
            .iv(hexa(&inter["gcm_iv"]))
            .customer_key(cust_key())
            .prot_key(hdr_key())
            .cck(Secret::from_slice(&asset("inputs/cck.bin")).unwrap())
            .xts_key(Secret::from_slice(&asset("inputs/image.key")).unwrap())
            .build(&digests_txt(set), &mut NoRandom)
            .unwrap();
        let want = asset(&format!("{set}/sehdr.bin"));
        assert_eq!(built.to_bytes(), want, "{set}");
        assert_eq!(hdr::expected_size(built.hdr().keyslots().len()).unwrap(), want.len());
        assert_eq!(
            built.secrets().to_plaintext().expose(),
            &hexv(&inter["encrypted_area_plaintext"])[..],
            "{set}"
        );
    }
}

#[test]
fn every_set_parses_to_pvimg_info_and_writes_back() {
    for set in SETS {
        let bytes = asset(&format!("{set}/sehdr.bin"));
        let h = SeHdr::parse(&bytes).unwrap();
        assert_eq!(h.to_bytes(), bytes, "{set}");
        let info = &json(&format!("{set}/info_hdrkey_secrets.json"))["data"];
        assert_eq!(h.magic().to_vec(), hexv(&info["magic_hex"]));
        assert_eq!(info["version"], "V1");
        assert_eq!(h.version(), 0x100);
        assert_eq!(u64::from(h.sehs()), info["sehs"].as_u64().unwrap());
        assert_eq!(h.sehs() as usize, bytes.len());
        assert_eq!(h.iv(), &hexa::<12>(&info["iv_hex"]));
        assert_eq!(h.res1(), 0);
        assert_eq!(h.nks(), info["nks"].as_u64().unwrap());
        assert_eq!(h.sea(), info["sea"].as_u64().unwrap());
        assert_eq!(h.nep(), info["nep"].as_u64().unwrap());
        assert_eq!(h.pcf().bits(), hexu64(&info["pcf_hex"]));
        assert_eq!(h.cust_pub_key(), &coords(&info["cust_pub_key"]["coord_hex"]));
        assert_eq!(h.pld(), &hexa::<64>(&info["pld_hex"]));
        assert_eq!(h.ald(), &hexa::<64>(&info["ald_hex"]));
        assert_eq!(h.tld(), &hexa::<64>(&info["tld_hex"]));
        assert_eq!(h.tag(), &hexa::<16>(&info["tag_hex"]));
        assert!(h.gap().is_empty());
        let inter = json(&format!("{set}/intermediates.json"));
        let slots = info["keyslots"].as_array().unwrap();
        let islots = inter["keyslots"].as_array().unwrap();
        assert_eq!(h.keyslots().len(), slots.len());
        for ((ks, s), i) in h.keyslots().iter().zip(slots).zip(islots) {
            assert_eq!(ks.phkh, hexa::<32>(&s["phkh_hex"]));
            assert_eq!(ks.wrpk, hexa::<32>(&s["wrpk_hex"]));
            assert_eq!(ks.kst, hexa::<16>(&s["kst_hex"]));
            assert_eq!(ks.phkh, hexa::<32>(&i["phkh_sha256_of_coords"]));
            assert_eq!(ks.wrpk, hexa::<32>(&i["wrpk"]));
            assert_eq!(ks.kst, hexa::<16>(&i["kst"]));
        }
        let [a0, a1] = [0, 1].map(|i| inter["aad_range"][i].as_u64().unwrap() as usize);
        assert_eq!((a0, a1), (0, h.encrypted_area_offset()));
        assert_eq!(h.aad(), bytes[..a1].to_vec());
        let e = inter["encrypted_area_range"][0].as_u64().unwrap() as usize;
        assert_eq!(h.encrypted_area(), &bytes[e..e + 128]);
        let mut tags = h.pld().to_vec();
        tags.extend_from_slice(h.ald());
        tags.extend_from_slice(h.tld());
        tags.extend_from_slice(h.tag());
        assert_eq!(h.boot_hdr_tags().to_vec(), tags);
    }
}

#[test]
fn every_set_opens_with_the_header_key_and_each_host_key() {
    let cck = asset("inputs/cck.bin");
    for set in SETS {
        let h = sehdr(set);
        let info = &json(&format!("{set}/info_hdrkey_secrets.json"))["data"];
        let inter = json(&format!("{set}/intermediates.json"));
        assert_eq!(hexv(&inter["header_protection_key"]), asset("inputs/hdr.key"));
        let by_key = h.open(&hdr_key()).unwrap();
        let s = by_key.secrets();
        assert_eq!(s.cck().expose().to_vec(), hexv(&info["cck_hex"]));
        assert_eq!(s.cck().expose().to_vec(), cck, "{set}: --cck was inputs/cck.bin");
        assert_eq!(s.xts_key().expose().to_vec(), hexv(&info["xts_hex"]));
        let psw =
            Psw { mask: hexu64(&info["psw"]["mask_hex"]), addr: hexu64(&info["psw"]["addr_hex"]) };
        assert_eq!(s.psw(), psw);
        assert_eq!(s.scf().bits(), hexu64(&info["scf_hex"]));
        assert_eq!((s.noi(), s.res2()), (0, 0));
        assert!(s.optional_items().expose().is_empty());
        assert_eq!(s.to_plaintext().expose(), &hexv(&inter["encrypted_area_plaintext"])[..]);
        assert_eq!(by_key.to_bytes(), asset(&format!("{set}/sehdr.bin")));

        let by_host = h.open_with_host_key(&host_priv("host.key")).unwrap();
        assert_eq!(by_host, by_key, "{set}");
        let host2 = host_priv("host2.key");
        if h.nks() == 2 {
            assert_eq!(h.open_with_host_key(&host2).unwrap(), by_key, "{set}");
            assert!(h.contains_host_key(&cert_key("keys/host2.crt")));
        } else {
            assert_eq!(h.open_with_host_key(&host2), Err(Error::NoMatchingKeySlot), "{set}");
            assert!(!h.contains_host_key(&cert_key("keys/host2.crt")));
        }
        assert!(h.contains_host_key(&cert_key("keys/host.crt")));
        assert_eq!(h.open(&Secret::new([0; 32])), Err(Error::HdrAuth));
    }
}

#[test]
fn b_sets_match_layout_json() {
    for set in ["B1", "B2", "B3"] {
        let layout = json(&format!("{set}/layout.json"));
        let lh = &layout["header"];
        let d = sehdr(set).open(&hdr_key()).unwrap();
        let h = d.hdr();
        assert_eq!(u64::from(h.sehs()), lh["sehs"].as_u64().unwrap());
        assert_eq!(h.nks(), lh["nks"].as_u64().unwrap());
        assert_eq!(h.sea(), lh["sea"].as_u64().unwrap());
        assert_eq!(h.nep(), lh["nep"].as_u64().unwrap());
        assert_eq!(h.pcf().bits(), hexu64(&lh["pcf"]));
        assert_eq!(h.iv(), &hexa::<12>(&lh["iv"]));
        let s = d.secrets();
        assert_eq!(s.psw(), Psw { mask: hexu64(&lh["psw_mask"]), addr: hexu64(&lh["psw_addr"]) });
        assert_eq!(s.scf().bits(), hexu64(&lh["scf"]));
        assert_eq!(s.xts_key().expose().to_vec(), hexv(&lh["xts_hex"]));
        assert_eq!(lh["cck_matches_input"], true);
        assert_eq!(s.cck().expose().to_vec(), asset("inputs/cck.bin"));
        // Flags by name, as pvimg info prints them.
        let want_pcf: &[&str] = match set {
            "B1" => &["DEA and TDEA PCKMO support", "AES PCKMO support", "ECC PCKMO support"],
            "B2" => &[
                "allow dumping",
                "no component encryption",
                "DEA and TDEA PCKMO support",
                "AES PCKMO support",
                "ECC PCKMO support",
                "HMAC PCKMO support",
                "backup target keys support",
            ],
            _ => &[],
        };
        assert_eq!(h.pcf().names().known, want_pcf);
        let want_scf: &[&str] = match set {
            "B1" => &[],
            "B2" => &["CCK update allowed"],
            _ => &["CCK extension secret enforced"],
        };
        assert_eq!(s.scf().names().known, want_scf);
    }
}

/// A sparse boot image: zeros, the metadata block at 0xc000 and the header at 0x14000.
fn image_with_metadata(set: &str) -> Vec<u8> {
    let meta = asset(&format!("{set}/metadata_0xc000.bin"));
    let hdr = asset(&format!("{set}/sehdr.bin"));
    let mut img = vec![0u8; 0x14000 + hdr.len()];
    img[0xc000..0xc000 + meta.len()].copy_from_slice(&meta);
    img[0x14000..].copy_from_slice(&hdr);
    img
}

#[test]
fn headers_are_found_through_the_metadata_and_by_scan() {
    for set in ["B1", "B2", "B3"] {
        let img = image_with_metadata(set);
        let want = HdrLocation { offset: 0x14000, metadata_version: Some(1) };
        let (loc, h) = hdr::find(&img).unwrap();
        assert_eq!(loc, want);
        assert_eq!(h, sehdr(set));
        let (loc, h2) = hdr::read_from(&mut Cursor::new(&img)).unwrap();
        assert_eq!((loc, &h2), (want, &h));
        assert_eq!(hdr::locate_in(&mut Cursor::new(&img)).unwrap(), want);
        // Without metadata the page scan finds it at page 20.
        let mut scan = img.clone();
        scan[0xc000..0xc008].fill(0);
        assert_eq!(
            hdr::locate(&scan).unwrap(),
            HdrLocation { offset: 0x14000, metadata_version: None }
        );
        // The bare header file works too.
        let bare = asset(&format!("{set}/sehdr.bin"));
        assert_eq!(hdr::find(&bare).unwrap().0.offset, 0);
    }
    // Metadata pointing elsewhere is one attempt only, even if the scan would succeed.
    let mut img = image_with_metadata("B1");
    img[0xc008..0xc010].copy_from_slice(&0x13000u64.to_be_bytes());
    assert_eq!(hdr::find(&img).unwrap_err(), Error::HdrNotFound);
}

/// A 6 GiB image that exists only where it is read: counts what the locator reads.
struct SparseImage {
    pos: u64,
    len: u64,
    regions: Vec<(u64, Vec<u8>)>,
    bytes_read: u64,
}

impl Read for SparseImage {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.len.saturating_sub(self.pos) as usize).min(4096);
        buf[..n].fill(0);
        for (off, data) in &self.regions {
            for (i, b) in buf[..n].iter_mut().enumerate() {
                let p = self.pos + i as u64;
                if p >= *off && p < off + data.len() as u64 {
                    *b = data[(p - off) as usize];
                }
            }
        }
        self.pos += n as u64;
        self.bytes_read += n as u64;
        Ok(n)
    }
}

impl Seek for SparseImage {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => self.len.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

#[test]
fn a_multi_gib_image_is_not_read_whole() {
    let mut img = SparseImage {
        pos: 0,
        len: 6 << 30,
        regions: vec![(0xc000, asset("B1/metadata_0xc000.bin")), (0x14000, asset("B1/sehdr.bin"))],
        bytes_read: 0,
    };
    let (loc, h) = hdr::read_from(&mut img).unwrap();
    assert_eq!(loc.offset, 0x14000);
    assert_eq!(h, sehdr("B1"));
    assert!(img.bytes_read < 4096, "read {} bytes", img.bytes_read);
    // Without metadata: the scan reads 8 bytes per page.
    img.regions.remove(0);
    img.bytes_read = 0;
    assert_eq!(hdr::read_from(&mut img).unwrap().1, sehdr("B1"));
    assert!(img.bytes_read < 4096, "read {} bytes", img.bytes_read);
}

fn key_hashes(lines: &[[u8; 32]]) -> Vec<u8> {
    lines.iter().flat_map(|l| format!("{}\n", hex::encode(l)).into_bytes()).collect()
}

#[test]
fn pvimg_test_host_keys_and_key_hashes() {
    let b1 = sehdr("B1");
    let host = phkh(&cert_key("keys/host.crt"));
    let host2 = phkh(&cert_key("keys/host2.crt"));
    // -k host.crt: "is included"; -k host2.crt: not.
    assert!(b1.contains_host_key(&cert_key("keys/host.crt")));
    assert!(!b1.contains_host_key(&cert_key("keys/host2.crt")));
    // --key-hashes: current = host, backup = host2.
    let mut lines = vec![[0u8; 32]; 15];
    lines[0] = host;
    lines[1] = host2;
    let uv = UvKeyHashes::parse(&key_hashes(&lines)).unwrap();
    assert_eq!((uv.current(), uv.backup()), (&host, &host2));
    assert!(b1.matches_key_hashes(&uv));
    // Only host2 listed (as backup): B1 does not match, A2 does.
    lines[0] = [0x5a; 32];
    let uv2 = UvKeyHashes::parse(&key_hashes(&lines)).unwrap();
    assert!(!b1.matches_key_hashes(&uv2));
    assert!(sehdr("A2").matches_key_hashes(&uv2));
    // 14 lines: "Invalid UV key hashes".
    let e = UvKeyHashes::parse(&key_hashes(&lines[..14])).unwrap_err();
    assert_eq!(e, Error::InvalidKeyHashes);
    assert_eq!(e.to_string(), "Invalid UV key hashes");
}
