//! Every file of the vectors' `negative/` set gets pvimg's verdict (vectors README §4),
//! in both columns: locate + parse only (`pvimg info` without a key), and then opening
//! with `inputs/hdr.key` (`--hdr-key`).

mod hdr_support;

use std::io::Cursor;

use hdr_support::*;
use pv_header::Error;
use pv_header::hdr::{self, DecryptedSeHdr, HdrDefect, SeHdr};

/// pvimg's verdict, as a typed outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accepted,
    NotFound,
    FillBuffer,
    Invalid,
    Version(u32),
    GcmMismatch,
    NoiNotZero(u32),
}
use Verdict::*;

fn verdict<T>(r: &pv_header::Result<T>) -> Verdict {
    match r {
        Ok(_) => Accepted,
        Err(Error::HdrNotFound) => NotFound,
        Err(Error::HdrTruncated { .. }) => FillBuffer,
        Err(Error::InvalidHdr { .. }) => Invalid,
        Err(Error::UnknownHdrVersion { version }) => Version(*version),
        Err(Error::HdrAuth) => GcmMismatch,
        Err(Error::HdrOptionalItems { noi }) => NoiNotZero(*noi),
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// (file, without key, with `--hdr-key`) from the README table.
const TABLE: [(&str, Verdict, Verdict); 22] = [
    ("n01_tag_flipped", Accepted, GcmMismatch),
    ("n02_bad_magic", NotFound, NotFound),
    ("n03_version_0x200", Version(0x200), Version(0x200)),
    ("n04_sehs_8193_padded", Invalid, Invalid),
    ("n05_sehs_16", Invalid, Invalid),
    ("n06_sehs_larger_than_file", FillBuffer, FillBuffer),
    ("n07_nks_2", Invalid, Invalid),
    ("n08_sea_0", Accepted, GcmMismatch),
    ("n09_pcf_changed_no_reseal", Accepted, GcmMismatch),
    ("n10_phkh_changed_no_reseal", Accepted, GcmMismatch),
    ("n11_ciphertext_flipped", Accepted, GcmMismatch),
    ("n12_unknown_pcf_bit63_resealed", Accepted, Accepted),
    ("n13_scf_all_ones_resealed", Accepted, Accepted),
    ("n14_noi16_resealed", Accepted, NoiNotZero(16)),
    ("n15_res2_nonzero_resealed", Accepted, Accepted),
    ("n16_res1_nonzero_resealed", Accepted, Accepted),
    ("n17_truncated_639", FillBuffer, FillBuffer),
    ("n18_sehs_5MiB", Invalid, Invalid),
    ("n19_hdr_at_0x3000", Accepted, Accepted),
    ("n20_hdr_at_0x3008", NotFound, NotFound),
    ("n21_hdr_at_0x15000", NotFound, NotFound),
    ("n22_hdr_at_0x14000", Accepted, Accepted),
];

fn open(
    parsed: &pv_header::Result<(hdr::HdrLocation, SeHdr)>,
) -> pv_header::Result<DecryptedSeHdr> {
    match parsed {
        Ok((_, h)) => h.open(&hdr_key()),
        Err(e) => Err(e.clone()),
    }
}

#[test]
fn every_negative_vector_gets_pvimgs_verdict() {
    let dir = asset_path("negative");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    assert_eq!(files.len(), TABLE.len(), "every file is in the table");
    for ((name, no_key, with_key), path) in TABLE.iter().zip(&files) {
        assert_eq!(path.file_stem().unwrap().to_str().unwrap(), *name);
        let bytes = std::fs::read(path).unwrap();
        let parsed = hdr::find(&bytes);
        assert_eq!(verdict(&parsed), *no_key, "{name} without key: {parsed:?}");
        assert_eq!(verdict(&open(&parsed)), *with_key, "{name} with hdr.key");
        // The streaming reader agrees.
        let streamed = hdr::read_from(&mut Cursor::new(&bytes));
        assert_eq!(streamed, parsed, "{name} streamed");
        // Whatever parses is written back byte for byte.
        if let Ok((loc, h)) = &parsed {
            let off = loc.offset as usize;
            assert_eq!(h.to_bytes(), bytes[off..off + h.sehs() as usize], "{name}");
        }
    }
}

fn neg(name: &str) -> Vec<u8> {
    asset(&format!("negative/{name}.bin"))
}

#[test]
fn negative_errors_carry_the_right_details() {
    let defect = |n: &str| match SeHdr::parse(&neg(n)) {
        Err(Error::InvalidHdr { defect }) => defect,
        r => panic!("{n}: {r:?}"),
    };
    assert_eq!(defect("n04_sehs_8193_padded"), HdrDefect::TooLarge { sehs: 8193 });
    assert_eq!(defect("n05_sehs_16"), HdrDefect::SizeOutOfBounds { sehs: 16 });
    assert_eq!(defect("n07_nks_2"), HdrDefect::DoesNotFit { nks: 2, sea: 128 });
    assert_eq!(defect("n18_sehs_5MiB"), HdrDefect::SizeOutOfBounds { sehs: 4 * 1024 * 1024 + 1 });
    assert_eq!(
        SeHdr::parse(&neg("n06_sehs_larger_than_file")),
        Err(Error::HdrTruncated { need: 1024, have: 640 })
    );
    assert_eq!(
        SeHdr::parse(&neg("n17_truncated_639")),
        Err(Error::HdrTruncated { need: 640, have: 639 })
    );
    let msg = SeHdr::parse(&neg("n17_truncated_639")).unwrap_err().to_string();
    assert!(msg.starts_with("failed to fill whole buffer"), "{msg}");
    assert_eq!(
        SeHdr::parse(&neg("n02_bad_magic")).unwrap_err().to_string(),
        "No Secure Execution header found."
    );
    assert_eq!(
        SeHdr::parse(&neg("n07_nks_2")).unwrap_err().to_string(),
        "Invalid Secure Execution header"
    );
    let auth = SeHdr::parse(&neg("n01_tag_flipped")).unwrap().open(&hdr_key()).unwrap_err();
    assert_eq!(auth.to_string(), "Failed to authenticate and decrypt the Secure Execution header");
    let noi = SeHdr::parse(&neg("n14_noi16_resealed")).unwrap();
    assert_eq!((noi.sehs(), noi.sea()), (656, 144));
    assert!(noi.open(&hdr_key()).unwrap_err().to_string().contains("noi == 0"));
    // n08: sea 0 still fits; the 128 ciphertext bytes become a gap and GCM fails.
    let n08 = SeHdr::parse(&neg("n08_sea_0")).unwrap();
    assert_eq!((n08.sea(), n08.gap().len()), (0, 128));
    // Opening through a host key reaches the same verdicts.
    let host = host_priv("host.key");
    assert_eq!(n08.open_with_host_key(&host), Err(Error::HdrAuth));
    assert_eq!(noi.open_with_host_key(&host), Err(Error::HdrOptionalItems { noi: 16 }));
}

#[test]
fn accepted_oddities_are_kept_as_read() {
    let a1 = sehdr("A1").open(&hdr_key()).unwrap();
    let n12 = SeHdr::parse(&neg("n12_unknown_pcf_bit63_resealed")).unwrap();
    assert_eq!(n12.pcf().bits(), 0xe1);
    assert_eq!(n12.pcf().unknown_bits(), 1);
    assert_eq!(n12.pcf().names().unknown, 1);
    let n13 = SeHdr::parse(&neg("n13_scf_all_ones_resealed")).unwrap().open(&hdr_key()).unwrap();
    assert_eq!(n13.secrets().scf().bits(), u64::MAX);
    assert_eq!(n13.secrets().scf().names().known.len(), 2);
    assert_eq!(n13.secrets().cck(), a1.secrets().cck());
    let n15 = SeHdr::parse(&neg("n15_res2_nonzero_resealed")).unwrap().open(&hdr_key()).unwrap();
    assert_eq!(n15.secrets().res2(), 1);
    assert_eq!(n15.secrets().xts_key(), a1.secrets().xts_key());
    let n16 = SeHdr::parse(&neg("n16_res1_nonzero_resealed")).unwrap();
    assert_eq!(n16.res1(), 1);
    assert!(n16.open(&hdr_key()).is_ok());
    // The relocated headers are A1's.
    for (name, off) in [("n19_hdr_at_0x3000", 0x3000), ("n22_hdr_at_0x14000", 0x14000)] {
        let (loc, h) = hdr::find(&neg(name)).unwrap();
        assert_eq!((loc.offset, loc.metadata_version), (off, None));
        assert_eq!(&h, a1.hdr());
    }
}
